"""Reply -> Telegram HTML and an inline keyboard. Pure: no python-telegram-bot import, no I/O.

The layout follows bot/render/plain.py: what to do at once (headline, question), the local center,
the contacts, the guidance sections, then the sources. Every dynamic string goes through
html.escape. MarkdownV2 is never used: its reserved characters ("-", ".", "#", "(") are in every
phone number and would have to be escaped by hand.

Phone numbers. The Bot API cannot make a number tappable: HTML allows only http(s) and tg:// links
(no "tel:"), and the `phone_number` entity is one Telegram clients detect themselves in plain text.
So full numbers (045-322-7379, 0120-8891-77) are left as plain text, outside any tag, where the
clients can recognise them; short service numbers that start with "#" (#8891, #8103) cannot be
detected as numbers, so they go in <code>, which a tap copies, ready to paste into the dialer (and
which keeps a client from reading "#8891" as a hashtag).

Length. A message holds at most 4096 characters (Telegram counts UTF-16 code units). If a reply
would not fit, guidance sections are dropped from the end, then the footer; the headline, the
center and the contacts always stay.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from bot.model import CenterView, ContactView, Reply
from bot.render import ActionLike, Labels, utf16_len
from bot.state import encode

MAX_CHARS = 4096
_ROW_WIDTH = {"prefecture": 3, "region": 3, "flag": 2, "link": 2}








def e(text: object) -> str:
    """Escape text for Telegram HTML (&, <, >; quotes stay as they are: only &quot; is a named
    entity Telegram knows, and text outside attributes does not need it)."""
    return escape(str(text), quote=False)


def attr(text: str) -> str:
    return e(text).replace('"', "&quot;")


def number(n: str) -> str:
    """A phone number: plain (so clients can link it), or <code> for "#" service numbers."""
    return f"<code>{e(n)}</code>" if n.startswith("#") else e(n)


def _title(text: str, g: Labels) -> str:
    return f"<b>{e(f'【{text}】' if g.lang == 'ja' else f'[{text}]')}</b>"


def _is_web(url: str | None) -> bool:
    return bool(url) and url.startswith(("https://", "http://"))  # type: ignore[union-attr]


def _link(url: str | None, label: str) -> str:
    if not _is_web(url):
        return e(label)
    return f'<a href="{attr(url)}">{e(label)}</a>'


def center_lines(c: CenterView, g: Labels) -> list[str]:
    lines = [f"<b>■ {e(c.name)}</b>"]
    areas = c.phone_areas if len(c.phone_areas) == len(c.phones) else ("",) * len(c.phones)
    for phone, area in zip(c.phones, areas, strict=True):
        where = (f"（{area}）" if g.lang == "ja" else f" ({area})") if area else ""
        lines.append(f"  ☎ {number(phone)}{e(where)}")
    if c.note:
        lines.append(f"  {e(c.note)}")
    if c.hours:
        lines.append(f"  {e(g.t('hours_label'))}: {e(c.hours)}")
    lines.append(f"  {e(c.status)}")
    if c.out_of_hours:
        lines.append(f"  {e(c.out_of_hours)}")
    if c.website:
        lines.append(f"  {_link(c.website, g.t('website_label'))}")
    return lines


def contact_line(k: ContactView) -> str:
    label = f"<b>{_link(k.url, k.label)}</b>" if k.url else f"<b>{e(k.label)}</b>"
    head = f"・{number(k.number)} {label}" if k.number else f"・{label}"
    return head + (f" — {e(k.note)}" if k.note else "")


def render_html(reply: Reply, g: Labels) -> str:
    """The reply as Telegram HTML (parse_mode="HTML"), at most MAX_CHARS long."""
    head = [f"<b>{e(reply.headline)}</b>"]
    if reply.question:
        head.append(e(reply.question))
    blocks = ["\n".join(head)]
    if reply.centers:
        lines = [_title(g.t("centers_title", prefecture=reply.prefecture_name), g)]
        for c in reply.centers:
            lines.extend(center_lines(c, g))
        blocks.append("\n".join(lines))
    if reply.contacts:
        blocks.append("\n".join([_title(g.t("contacts_title"), g), *map(contact_line, reply.contacts)]))
    guidance = ["\n".join([_title(s.title, g), *(f"・{e(x)}" for x in s.lines)]) for s in reply.sections]
    tail = [f"<i>{e(reply.footer)}</i>"] if reply.footer else []

    while True:
        text = "\n\n".join(blocks + guidance + tail)
        if utf16_len(text) <= MAX_CHARS:
            return text
        if guidance:
            guidance.pop()
        elif tail:
            tail = []
        else:  # cannot happen with the shipped knowledge; never send more than Telegram accepts
            return fit(reply.text)


def fit(text: str) -> str:
    """Plain text, escaped, cut to MAX_CHARS (for fixed texts and the last-resort fallback)."""
    out = e(text)
    while utf16_len(out) > MAX_CHARS:
        text = text[: max(0, len(text) - max(1, (utf16_len(out) - MAX_CHARS) // 2))]
        out = e(text)
    return out


def _group(kind: str) -> str:
    return "link" if kind in ("lang", "url") else kind


def keyboard(actions: Sequence[ActionLike]) -> list[list[dict[str, str]]]:
    """Inline keyboard rows in the Bot API's shape ({"text", "callback_data"} or {"text", "url"}).

    A button that leads to a case carries it in callback_data (bot.state.encode, at most 64 bytes);
    a website is a url button. Buttons of one kind share rows; other kinds start a new row."""
    urls = list(dict.fromkeys(a.url for a in actions if a.kind == "url" and _is_web(a.url)))
    seen: set[str] = set()
    buttons: list[tuple[str, dict[str, str]]] = []
    for a in actions:
        if a.kind == "url":
            if not a.url or a.url not in urls or a.url in seen:  # not a web address, or already shown
                continue
            seen.add(a.url)
            label = a.label if len(urls) == 1 else f"{a.label} ({urls.index(a.url) + 1})"
            buttons.append((_group(a.kind), {"text": label, "url": a.url}))
        elif a.case is not None:
            buttons.append((_group(a.kind), {"text": a.label, "callback_data": encode(a.case, a.region)}))
    return list(_rows(buttons))


def _rows(buttons: Iterable[tuple[str, dict[str, str]]]) -> Iterable[list[dict[str, str]]]:
    row: list[dict[str, str]] = []
    row_kind = ""
    for kind, button in buttons:
        width = _ROW_WIDTH.get(kind, 1)
        if row and (kind != row_kind or len(row) >= width):
            yield row
            row = []
        row_kind = kind
        row.append(button)
    if row:
        yield row
