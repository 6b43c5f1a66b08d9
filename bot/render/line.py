"""Reply -> a LINE text message with quick-reply buttons. Pure: no line-bot-sdk import, no I/O.

The message is a dict in the Messaging API's JSON shape ({"type": "text", "text": ...,
"quickReply": {"items": [...]}}); bot/channels/line.py turns it into the SDK's TextMessage.

Text. LINE shows no markup, so the text is the plain layout of bot/render/plain.py (what to do at
once, the local center, the contacts, the guidance, the sources). LINE clients make full phone
numbers (045-322-7379, 0120-8891-77) and URLs tappable by themselves. A text message holds at most
MAX_TEXT characters, counted in UTF-16 code units (an emoji outside the BMP counts twice): if a
reply would not fit, guidance sections are dropped from the end, then the footer; the headline,
#8891, the center and the contacts always stay.

Quick reply. At most MAX_ITEMS buttons, each label at most MAX_LABEL characters (LINE counts
grapheme clusters; a code point is never less than one, so cutting by code points is safe). Every
button is a postback action whose data is the whole case (bot/state.py, at most 64 of the 300
characters LINE allows), and whose displayText (required for quick-reply postbacks) shows the
label in the chat as the user's choice; a postback with displayText sends no message event, so a
press is never mistaken for a new message. Website buttons are left out (quick replies cannot open
a URL the way Telegram's url buttons do, and the website is already a tappable link in the text).
When there are more actions than buttons (12 candidate prefectures, then four flags...), the
language switch and the way back are kept and the others are cut from the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.model import Reply
from bot.render import ActionLike, Labels, utf16_len
from bot.render.plain import render_plain
from bot.state import encode

MAX_TEXT = 5000  # UTF-16 code units per text message
MAX_ITEMS = 13  # quick-reply buttons per message
MAX_LABEL = 20  # characters of an action's label
MAX_DATA = 300  # characters of a postback's data
MAX_DISPLAY_TEXT = 300  # characters of a postback's displayText
_KEEP = ("lang", "back")  # kinds kept when the buttons must be cut








def clip(text: str, limit: int = MAX_TEXT) -> str:
    """`text` cut to at most `limit` UTF-16 code units, never inside a surrogate pair."""
    if utf16_len(text) <= limit:
        return text
    out: list[str] = []
    used = 0
    for ch in text:
        size = 2 if ord(ch) > 0xFFFF else 1
        if used + size > limit - 1:
            break
        out.append(ch)
        used += size
    return "".join(out) + "…"


def render_text(reply: Reply, g: Labels) -> str:
    """The reply as plain text for LINE, at most MAX_TEXT UTF-16 code units."""
    text = render_plain(reply, g, limit=MAX_TEXT, measure=utf16_len)
    return text if utf16_len(text) <= MAX_TEXT else clip(text)  # never send what LINE refuses


def label(text: str) -> str:
    """An action label LINE accepts: at most MAX_LABEL characters, never empty."""
    text = " ".join(text.split()) or "…"
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def quick_reply(actions: Sequence[ActionLike]) -> list[dict[str, Any]]:
    """Quick-reply items (at most MAX_ITEMS) for the actions that lead to a case."""
    usable = [a for a in actions if a.kind != "url" and a.case is not None]
    if len(usable) > MAX_ITEMS:
        kept = [a for a in usable if a.kind in _KEEP][:MAX_ITEMS]
        others = [a for a in usable if a.kind not in _KEEP][: MAX_ITEMS - len(kept)]
        usable = [a for a in usable if any(a is x for x in others) or any(a is x for x in kept)]
    items = []
    for a in usable:
        data = encode(a.case, a.region)
        if len(data) > MAX_DATA:  # cannot happen (state.py keeps it under 64); never send a broken button
            continue
        items.append(
            {
                "type": "action",
                "action": {
                    "type": "postback",
                    "label": label(a.label),
                    "data": data,
                    "displayText": a.label[:MAX_DISPLAY_TEXT] or label(a.label),
                },
            }
        )
    return items


def message(
    text: str, items: Sequence[dict[str, Any]] = (), *, quote_token: str | None = None
) -> dict[str, Any]:
    """A text message in the Messaging API's JSON shape (quoting the asker's message if given)."""
    out: dict[str, Any] = {"type": "text", "text": clip(text) if text.strip() else "…"}
    if items:
        out["quickReply"] = {"items": list(items)[:MAX_ITEMS]}
    if quote_token:
        out["quoteToken"] = quote_token
    return out
