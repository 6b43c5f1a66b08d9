"""A stand-in for the counts store (CountsStore's `record` and `health`): it remembers what was
counted, so a channel test can assert "counted once" or "not counted". A fake of a collaborator,
not of the path under test."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.model import Case


class Recorder:
    def __init__(self) -> None:
        self.cases: list[Case] = []
        self.channels: list[str] = []
        self.dropped = 0

    def record(self, case: Case, *, channel: str, at: dt.datetime) -> bool:
        self.cases.append(case)
        self.channels.append(channel)
        return True

    def health(self) -> dict[str, Any]:
        return {"path": "/secret/place/counts.db", "ok": True, "dropped": self.dropped, "error": None}

    @property
    def counted(self) -> list[tuple[str | None, str]]:
        """(prefecture, channel) of each count."""
        return [(c.prefecture, ch) for c, ch in zip(self.cases, self.channels, strict=True)]
