"""Renderers: Reply -> what each channel shows. plain.py is every channel's text; telegram.py,
slack.py and line.py add their platform's markup and buttons. What they share is here."""

from __future__ import annotations

from typing import Any, Protocol


class Labels(Protocol):
    """What a renderer needs from a Guidance: its language and its ui strings."""

    lang: str

    def t(self, key: str, **values: object) -> str: ...


class ActionLike(Protocol):
    """What a renderer reads of an engine Action (a next-step button)."""

    kind: str
    label: str
    case: Any
    region: str | None
    url: str | None


def utf16_len(text: str) -> int:
    """Length as Telegram and LINE count it (UTF-16 code units: an emoji outside the BMP counts twice)."""
    return len(text.encode("utf-16-le")) // 2
