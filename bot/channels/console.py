"""The console channel: the project's demo with no token, and the reviewer's tool.

Each answer lists its next steps as numbered choices; typing a number follows that step (like a
button in Telegram or Slack, it refines the same case and is not counted again; choosing the place
the bot asked about counts the referral, once).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TextIO

from bot.channels.common import Counts, answer_message, now, refine
from bot.engine import Action, Engine
from bot.model import Reply

PROMPT = "> "
QUIT = {":q", ":quit", "exit", "quit", "終了"}


def _choices(actions: list[Action]) -> str:
    return "  ".join(f"[{i}] {a.label}" + (f" {a.url}" if a.url else "") for i, a in enumerate(actions, 1))


def run(engine: Engine, counts: Counts | None, *, stdin: TextIO, stdout: TextIO,
        clock: Callable[[], dt.datetime] = now, lang: str | None = None) -> int:  # fmt: skip
    interactive = stdin.isatty()
    print(engine.ui(lang or "ja", "start"), file=stdout)
    print("(Ctrl-D / :q)", file=stdout)
    actions: list[Action] = []
    while True:
        if interactive:
            print(PROMPT, end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            return 0
        line = line.rstrip("\n")
        if line.strip() in QUIT:
            return 0
        chosen = _pick(line, actions)
        if chosen is not None:
            if chosen.kind == "url":
                print(chosen.url, file=stdout)
                continue
            case = chosen.case
            if chosen.region:
                actions = engine.actions(case, region=chosen.region)
                print(_choices(actions), file=stdout, flush=True)
                continue
            reply: Reply = refine(engine, case, at=clock(), counts=counts, channel="console")
        else:
            reply = answer_message(engine, counts, line, channel="console", at=clock(), lang=lang)
        actions = engine.actions(reply.case)
        print(reply.text, file=stdout)
        print("\n" + _choices(actions), file=stdout, flush=True)


def _pick(line: str, actions: list[Action]) -> Action | None:
    s = line.strip()
    if s.isdigit() and s.isascii() and 1 <= int(s) <= len(actions):
        return actions[int(s) - 1]
    return None
