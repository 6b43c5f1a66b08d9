"""Builds what the commands run on, from the settings: the engine, the counts, a clock and the
channels' settings with DEFAULT_PREFECTURE resolved. The CLI and `serve` call it; channels only
receive what it built."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, TypeVar

from bot import settings as settings_mod
from bot.prefecture import PrefectureError, resolve
from bot.settings import SettingsError

if TYPE_CHECKING:
    from bot.counts import Counts
    from bot.engine import Engine

S = TypeVar("S")


def clock() -> dt.datetime:
    """Now, in Japan time: what every channel answers for."""
    from bot.engine import TOKYO

    return dt.datetime.now(TOKYO)


def engine() -> Engine:
    """The engine on the shipped (or $REFERRAL_KNOWLEDGE_DIR) knowledge; broken knowledge is one line."""
    from bot.engine import Engine
    from bot.schema import KnowledgeError

    try:
        return Engine.load()
    except KnowledgeError as e:
        raise SettingsError(
            f"the knowledge files have {len(e.problems)} problem(s); run `referral-bot check-knowledge`"
        ) from None


def counts(*, enabled: bool = True, background: bool = False) -> Counts | None:
    """The counts, or None when counting is off. background=True (the long-running channels): record()
    only queues and a thread writes; the caller close()s it at shutdown, which writes what is queued."""
    if not enabled:
        return None
    from bot.counts import open_counts

    return open_counts(background=background)


def default_prefecture(engine: Engine, value: str | None) -> str | None:
    """DEFAULT_PREFECTURE as a JIS code: "14", "神奈川県", "神奈川", "Kanagawa"; None when unset."""
    if not (value or "").strip():
        return None
    try:
        return resolve(value, locator=engine.kb.locator)
    except PrefectureError as e:
        raise SettingsError(f"DEFAULT_PREFECTURE: {e} (e.g. 14 or 神奈川県)") from None


def _has_default(settings: object) -> bool:
    return dataclasses.is_dataclass(settings) and any(
        f.name == "default_prefecture" for f in dataclasses.fields(settings)
    )


def with_default_prefecture(settings: S, code: str | None) -> S:
    """The channel's settings with its default prefecture, for those that have one."""
    return dataclasses.replace(settings, default_prefecture=code) if _has_default(settings) else settings


def serve_settings(
    engine: Engine, *, port_flag: int | None = None, env: settings_mod.Env | None = None
) -> settings_mod.ServeSettings:
    """`serve`'s settings, every channel's default prefecture resolved."""
    found = settings_mod.serve(env, port_flag=port_flag)
    takes = any(_has_default(s) for s in found.served.values())  # Slack and LINE; not Telegram
    code = default_prefecture(engine, found.default_prefecture) if takes else None
    served = {name: with_default_prefecture(s, code) for name, s in found.served.items()}
    return dataclasses.replace(found, served=served)
