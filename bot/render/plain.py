"""Reply -> plain text (the console, `reply --json`'s `text`, and every channel's fallback).

Order: what to do at once (headline, question), the local center, the contacts, then the guidance
sections, then sources. A reply never exceeds MAX_CHARS: if it would, guidance sections are dropped
from the end, then the footer (the numbers and the center always stay).
"""

from __future__ import annotations

from collections.abc import Callable

from bot.model import CenterView, ContactView, Reply
from bot.render import Labels

MAX_CHARS = 4096


def center_lines(c: CenterView, g: Labels) -> list[str]:
    lines = [f"■ {c.name}"]
    for number, area in zip(c.phones, c.phone_areas or ("",) * len(c.phones), strict=True):
        lines.append(
            f"  ☎ {number}" + (f"（{area}）" if area and g.lang == "ja" else f" ({area})" if area else "")
        )
    if c.note:
        lines.append(f"  {c.note}")
    if c.hours:
        lines.append(f"  {g.t('hours_label')}: {c.hours}")
    lines.append(f"  {c.status}")
    if c.out_of_hours:
        lines.append(f"  {c.out_of_hours}")
    if c.website:
        lines.append(f"  {g.t('website_label')}: {c.website}")
    return lines


def contact_line(k: ContactView) -> str:
    head = f"・{k.number} {k.label}" if k.number else f"・{k.label}"
    if k.url:
        head += f" {k.url}"
    return head + (f" — {k.note}" if k.note else "")


def _title(text: str, g: Labels) -> str:
    return f"【{text}】" if g.lang == "ja" else f"[{text}]"


def render_plain(
    reply: Reply,
    g: Labels,
    *,
    limit: int = MAX_CHARS,
    measure: Callable[[str], int] = len,
    summary: bool = False,
) -> str:
    """The reply as text of at most `limit` (as `measure` counts: LINE counts UTF-16 units).
    Guidance sections are dropped from the end to fit, then the footer; never the numbers.
    `summary`: what to do at once, the center(s) and the numbers only, no guidance and no footer
    (a notification's text, where the whole answer is shown beside it)."""
    head = [reply.headline]
    if reply.question:
        head.append(reply.question)
    blocks = ["\n".join(head)]
    if reply.centers:
        from_center = [_title(g.t("centers_title", prefecture=reply.prefecture_name), g)]
        for c in reply.centers:
            from_center.extend(center_lines(c, g))
        blocks.append("\n".join(from_center))
    if reply.contacts:
        blocks.append(
            "\n".join([_title(g.t("contacts_title"), g), *(contact_line(k) for k in reply.contacts)])
        )
    sections = () if summary else reply.sections
    guidance = ["\n".join([_title(s.title, g), *(f"・{line}" for line in s.lines)]) for s in sections]
    tail = [reply.footer] if reply.footer and not summary else []

    while True:
        text = "\n\n".join(blocks + guidance + tail)
        if measure(text) <= limit:
            return text
        if guidance:
            guidance.pop()
        elif tail:
            tail = []
        else:  # cannot happen with the shipped knowledge: the centers and numbers alone are short
            return text[:limit]
