"""The log-leak check every channel test uses: the bot's own logging set up as in production (at
DEBUG) into a buffer, and one assertion that no forbidden string (message text, ids, tokens,
secrets) reached it."""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Callable, Iterable, Iterator

from bot import logs


@contextlib.contextmanager
def restored_logging(names: Iterable[str] = ()) -> Iterator[None]:
    """The root logger's handlers and level, and the levels of the library loggers and of `names`,
    put back as they were afterwards (bot.logs.setup_logging replaces them)."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, {n: logging.getLogger(n).level for n in (*logs.LIBRARY_LOGGERS, *names)}
    try:
        yield
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)


@contextlib.contextmanager
def production_logging(*, debug_libraries: Iterable[str] = (), fmt: str | None = None) -> Iterator[Callable[[], str]]:
    """bot.logs.setup_logging("DEBUG") (as LOG_LEVEL=DEBUG would), its handler writing to a buffer;
    yields a function returning what was written. `debug_libraries`: library loggers lowered to DEBUG
    as well (as someone debugging might), to show the filters hold anyway. `fmt`: LOG_FORMAT's value
    (default: read from the environment). Restored afterwards."""
    with restored_logging(debug_libraries):
        logs.setup_logging("DEBUG", fmt)
        buffer = io.StringIO()
        [handler] = logging.getLogger().handlers
        handler.setStream(buffer)
        for name in debug_libraries:
            logging.getLogger(name).setLevel(logging.DEBUG)
        yield buffer.getvalue


def assert_private(text: str, forbidden: Iterable[object]) -> None:
    """None of `forbidden` (as strings) is in `text`."""
    leaked = [s for s in map(str, forbidden) if s in text]
    assert not leaked, f"the logs contain {leaked}"
