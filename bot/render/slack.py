"""Reply -> Slack Block Kit blocks and the plain `text` fallback. Pure: no Slack library needed.

Order as in render/plain.py: what to do at once (header, question), the local center(s), the
contacts, the guidance sections, then one context block with the sources and the date the facts
were checked, then the buttons for the next step. Every button that leads somewhere carries the
whole case in its `value` (bot/state.py), so the bot stores nothing between messages.

Slack's limits are enforced here, not hoped for: at most MAX_BLOCKS blocks (guidance sections are
dropped from the end first, as in plain text; the numbers and the center always stay), section
texts of at most MAX_SECTION characters (longer ones are split by line), MAX_ACTIONS buttons per
actions block, button labels of at most MAX_BUTTON_TEXT characters. All text from the knowledge
files is escaped for mrkdwn (& < >), so nothing in it can become a link or a mention.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from bot.model import Reply, Section
from bot.render.plain import center_lines, contact_line, render_plain
from bot.state import encode

if TYPE_CHECKING:
    from bot.engine import Action
    from bot.guidance import Guidance

MAX_BLOCKS = 50  # per message
MAX_VIEW_BLOCKS = 100  # per view (App Home)
MAX_SECTION = 3000  # characters of a section's text
MAX_HEADER = 150  # characters of a header block's text
MAX_CONTEXT = 3000  # characters of one context element
MAX_ACTIONS = 25  # elements of one actions block
MAX_BUTTON_TEXT = 75
MAX_VALUE = 2000  # characters of a button's value
MAX_URL = 3000
MAX_TEXT = 3900  # the fallback `text`: well inside Slack's limits, enough for notifications

STEP_PREFIX = "referral.step."  # action_id of a button that refines the answer: STEP_PREFIX + index
URL_PREFIX = "referral.url."  # action_id of a link button (Slack still sends an action to ack)


def escape(text: str) -> str:
    """Escape the three characters mrkdwn gives a meaning to."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _safe_url(url: str) -> str:
    """A URL that cannot break out of `<url|label>` (| and > are percent-encoded)."""
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~-._")


def link(url: str, label: str) -> str:
    return f"<{_safe_url(url)}|{escape(label)}>"


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(_clip(text, MAX_SECTION))}


def _sections(lines: Sequence[str]) -> list[dict[str, Any]]:
    """Already-escaped lines as one section block, or several if they exceed MAX_SECTION."""
    out: list[dict[str, Any]] = []
    chunk: list[str] = []
    size = 0
    for line in lines:
        line = _clip(line, MAX_SECTION)
        if chunk and size + 1 + len(line) > MAX_SECTION:
            out.append(section("\n".join(chunk)))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + (1 if size else 0)
    if chunk:
        out.append(section("\n".join(chunk)))
    return [b for b in out if b["text"]["text"].strip()]  # Slack rejects an empty section


def _title(text: str) -> str:
    return f"*{escape(text)}*"


def _head(reply: Reply) -> list[dict[str, Any]]:
    if not reply.headline.strip():
        blocks = []
    elif len(reply.headline) <= MAX_HEADER:
        blocks = [{"type": "header", "text": {"type": "plain_text", "text": reply.headline, "emoji": True}}]
    else:
        blocks = _sections([_title(reply.headline)])
    if reply.question:
        blocks += _sections([escape(reply.question)])
    return blocks


def _centers(reply: Reply, g: Guidance) -> list[dict[str, Any]]:
    if not reply.centers:
        return []
    blocks = _sections([_title(g.t("centers_title", prefecture=reply.prefecture_name))])
    for c in reply.centers:
        first, *rest = center_lines(c, g)
        lines = [_title(first.removeprefix("■ ")), *(escape(line.strip()) for line in rest)]
        blocks += _sections(lines)
    return blocks


def _contacts(reply: Reply, g: Guidance) -> list[dict[str, Any]]:
    if not reply.contacts:
        return []
    return _sections([_title(g.t("contacts_title")), *(escape(contact_line(k)) for k in reply.contacts)])


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


@lru_cache(maxsize=1024)
def _source_link(url: str) -> str:
    """A source as a link labelled with its host (the same few hundred URLs from the knowledge
    files in every answer: built once each)."""
    return link(url, _host(url))


def _context(reply: Reply) -> dict[str, Any] | None:
    elements = []
    if reply.footer:
        elements.append(_mrkdwn(_clip(escape(reply.footer), MAX_CONTEXT)))
    links = _sources_line(reply.sections)
    if links:
        elements.append(_mrkdwn(links))
    return {"type": "context", "elements": elements} if elements else None


@lru_cache(maxsize=1024)
def _sources_line(sections: tuple[Section, ...]) -> str:
    """The sections' sources, each once, as links up to the context limit. The same few dozen
    combinations of sections recur in every answer: built once each."""
    sources = dict.fromkeys(u for s in sections for u in s.sources)
    links: list[str] = []
    size = 0  # of " · ".join(links)
    for url in sources:
        item = _source_link(url)
        size += len(item) + (len(" · ") if links else 0)
        if size > MAX_CONTEXT:
            break
        links.append(item)
    return " · ".join(links)


@lru_cache(maxsize=1024)
def _guidance_texts(s: Section) -> tuple[str, ...]:
    """A guidance section's escaped mrkdwn, as the texts of its section blocks: the same for every
    answer that shows it, so escaped and split once. Kept as strings (immutable); each answer gets
    new blocks around them, so no answer's blocks are shared with another's."""
    return tuple(b["text"]["text"] for b in _sections([_title(s.title), *(f"• {escape(x)}" for x in s.lines)]))


def buttons(actions: Iterable[Action]) -> list[dict[str, Any]]:
    """Button elements: a step carries the encoded case in its value; a link opens its URL."""
    out = []
    for i, a in enumerate(actions):
        text = {"type": "plain_text", "text": _clip(a.label, MAX_BUTTON_TEXT), "emoji": True}
        if a.kind == "url":
            if not a.url or len(a.url) > MAX_URL:
                continue
            out.append({"type": "button", "text": text, "url": a.url, "action_id": f"{URL_PREFIX}{i}"})
        elif a.case is not None:
            value = encode(a.case, a.region)
            if len(value) <= MAX_VALUE:
                out.append({"type": "button", "text": text, "value": value, "action_id": f"{STEP_PREFIX}{i}"})
    return out


def _actions(actions: Iterable[Action]) -> list[dict[str, Any]]:
    elements = buttons(actions)
    chunks = [elements[i : i + MAX_ACTIONS] for i in range(0, len(elements), MAX_ACTIONS)]
    return [{"type": "actions", "elements": chunk} for chunk in chunks]


def render_blocks(reply: Reply, g: Guidance, actions: Iterable[Action] = ()) -> list[dict[str, Any]]:
    """The Block Kit blocks for a reply, with buttons for `actions` (engine.actions(reply.case))."""
    head = _head(reply) + _centers(reply, g) + _contacts(reply, g)
    guidance = [[{"type": "section", "text": _mrkdwn(t)} for t in _guidance_texts(s)] for s in reply.sections]
    context = _context(reply)
    tail = ([context] if context else []) + _actions(actions)
    head = head[: MAX_BLOCKS - len(tail)]  # cannot happen with real replies; never send a rejected message
    while guidance and len(head) + sum(map(len, guidance)) + len(tail) > MAX_BLOCKS:
        guidance.pop()
    return head + [b for blocks in guidance for b in blocks] + tail


def render_text(reply: Reply, g: Guidance) -> str:
    """The `text` beside the blocks, for what shows no blocks (mobile notifications, screen
    readers, old clients): what to do at once, the center(s) and the numbers, escaped for mrkdwn.
    A summary, as Slack asks for: the guidance is in the blocks, and repeating it here doubled
    the size of every message (about 9 KB to send and store for each answer)."""
    return _clip(escape(render_plain(reply, g, summary=True)), MAX_TEXT)


def render_home(parts: Sequence[tuple[str, str]], note: str = "") -> dict[str, Any]:
    """The App Home view: (title, plain text) parts, each a header and a section, then a note."""
    blocks: list[dict[str, Any]] = []
    for i, (title, body) in enumerate(parts):
        if i:
            blocks.append({"type": "divider"})
        if title:
            blocks.append(
                {"type": "header", "text": {"type": "plain_text", "text": _clip(title, MAX_HEADER)}}
            )
        blocks += _sections([escape(line) for line in body.splitlines()])
    if note:
        blocks.append({"type": "context", "elements": [_mrkdwn(_clip(escape(note), MAX_CONTEXT))]})
    return {"type": "home", "blocks": blocks[:MAX_VIEW_BLOCKS]}
