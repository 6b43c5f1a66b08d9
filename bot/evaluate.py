"""Measuring understanding: a labelled corpus of messages against what the engine reads from them.

Pure: `parse` turns JSON Lines into entries (and the problems of bad lines, with their line numbers),
`evaluate` runs an Engine over the entries and returns the results, `format_text` / `summary` present
them. Reading files and exiting are the command line's (`referral-bot evaluate`).

One entry per line:

    {"id": "t001", "class": "time_stated", "text": "...", "at": "2026-12-05T10:00:00+09:00",
     "expect": {"lang": "ja", "intent": "referral", "prefecture": "14", "candidates": ["13", "34"],
                "flags": ["acute"], "not_flags": ["late"], "hours_since": 3}}

Only the fields named in "expect" are scored: lang, intent, place (prefecture and candidates together;
scored when either key is there, a missing one expected empty), flags (right when every flag in
"flags" is set and none in "not_flags" is), hours_since (right within ±10 % or ±1 h; both null is
right). "all" is right when every scored field of the entry is.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.model import Case

FIELDS = ("lang", "intent", "place", "flags", "hours_since")  # scored per entry; "all" combines them
EXPECT_KEYS = frozenset({"lang", "intent", "prefecture", "candidates", "flags", "not_flags", "hours_since"})
ENTRY_KEYS = frozenset({"id", "class", "text", "at", "expect", "note"})
# the moment an entry without "at" is read at: fixed, so a run never depends on the day it runs
DEFAULT_AT = dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))


@dataclass(frozen=True)
class Entry:
    id: str
    cls: str
    text: str
    expect: dict[str, Any]
    at: dt.datetime | None = None
    source: str = ""  # "FILE:LINE", for messages

    @property
    def file(self) -> str:
        return self.source.rpartition(":")[0] or self.source


@dataclass(frozen=True)
class Problem:
    source: str  # "FILE:LINE"
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


@dataclass(frozen=True)
class Miss:
    field: str
    expected: Any
    got: Any


@dataclass(frozen=True)
class Result:
    entry: Entry
    case: Case
    scored: tuple[str, ...]  # the fields this entry's expect names
    misses: tuple[Miss, ...]

    @property
    def ok(self) -> bool:
        return not self.misses


@dataclass
class Tally:
    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.total += 1
        self.right += ok

    @property
    def accuracy(self) -> float | None:
        return self.right / self.total if self.total else None


@dataclass
class FlagTally:
    tp: int = 0  # expected and set
    fn: int = 0  # expected, not set
    fp: int = 0  # in not_flags, set
    tn: int = 0  # in not_flags, not set

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


@dataclass
class Results:
    results: list[Result] = field(default_factory=list)
    fields: dict[str, Tally] = field(default_factory=dict)  # FIELDS and "all"
    classes: dict[str, Tally] = field(default_factory=dict)  # "all" per class
    flags: dict[str, FlagTally] = field(default_factory=dict)
    files: dict[str, Tally] = field(default_factory=dict)  # "all" per file (messages and held-out apart)

    @property
    def failures(self) -> list[Result]:
        return [r for r in self.results if not r.ok]

    def below(self, floor: float) -> list[str]:
        """The scored fields (not "all") whose accuracy is under floor."""
        return [f for f in FIELDS if (a := self.fields[f].accuracy) is not None and a < floor]


# ---------------------------------------------------------------------------- reading
def parse(lines: Iterable[str], source: str = "<input>") -> tuple[list[Entry], list[Problem]]:
    """Entries from JSON Lines; every bad line becomes a Problem naming its line, never an exception.
    Blank lines and lines starting with # are skipped."""
    entries: list[Entry] = []
    problems: list[Problem] = []
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{source}:{n}"
        try:
            entries.append(_entry(line, where))
        except ValueError as e:
            problems.append(Problem(where, str(e)))
    return entries, problems


def check_ids(entries: Sequence[Entry]) -> list[Problem]:
    """An id used twice (across all the files of a run) is a problem: failures are named by id."""
    seen: dict[str, str] = {}
    problems = []
    for e in entries:
        if e.id in seen:
            problems.append(Problem(e.source, f"id {e.id!r} already used at {seen[e.id]}"))
        else:
            seen[e.id] = e.source
    return problems


def _entry(line: str, where: str) -> Entry:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as e:
        raise ValueError(f"not JSON ({e.msg}, column {e.colno})") from None
    if not isinstance(item, dict):
        raise ValueError("not a JSON object")
    for key in ("id", "class", "text", "expect"):
        if key not in item:
            raise ValueError(f"missing {key!r}")
    if unknown := item.keys() - ENTRY_KEYS:
        raise ValueError(f"unknown key(s) {sorted(unknown)}")
    for key in ("id", "class", "text"):
        if not isinstance(item[key], str):
            raise ValueError(f"{key!r} must be a string")
    if not item["id"]:
        raise ValueError("empty 'id'")
    expect = item["expect"]
    if not isinstance(expect, dict) or not expect:
        raise ValueError("'expect' must be a non-empty object")
    if unknown := expect.keys() - EXPECT_KEYS:
        raise ValueError(f"unknown expect key(s) {sorted(unknown)}")
    if "lang" in expect and expect["lang"] not in ("ja", "en"):
        raise ValueError(f"expect.lang must be 'ja' or 'en', not {expect['lang']!r}")
    if "intent" in expect and expect["intent"] not in ("referral", "victim", "help"):
        raise ValueError(f"expect.intent must be referral, victim or help, not {expect['intent']!r}")
    if "prefecture" in expect and not (expect["prefecture"] is None or _is_code(expect["prefecture"])):
        raise ValueError(f"expect.prefecture must be a code '01'..'47' or null, not {expect['prefecture']!r}")
    for key in ("candidates", "flags", "not_flags"):
        value = expect.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ValueError(f"expect.{key} must be a list of strings")
    if not all(_is_code(c) for c in expect.get("candidates", [])):
        raise ValueError("expect.candidates must hold codes '01'..'47'")
    if both := set(expect.get("flags", [])) & set(expect.get("not_flags", [])):
        raise ValueError(f"flag(s) {sorted(both)} both expected and not")
    hours = expect.get("hours_since")
    if hours is not None and (isinstance(hours, bool) or not isinstance(hours, int | float) or hours < 0):
        raise ValueError(f"expect.hours_since must be a number >= 0 or null, not {hours!r}")
    at = None
    if item.get("at") is not None:
        try:
            at = dt.datetime.fromisoformat(item["at"])
        except (TypeError, ValueError):
            raise ValueError(f"'at' is not an ISO-8601 date-time: {item['at']!r}") from None
        if at.tzinfo is None:
            at = at.replace(tzinfo=DEFAULT_AT.tzinfo)
    return Entry(item["id"], item["class"], item["text"], expect, at, where)


def _is_code(value: object) -> bool:
    return isinstance(value, str) and len(value) == 2 and value.isdigit() and 1 <= int(value) <= 47


# ---------------------------------------------------------------------------- scoring
def evaluate(engine: Any, entries: Iterable[Entry], *, default_at: dt.datetime = DEFAULT_AT) -> Results:
    """Read every entry's text with the engine and score what it understood.

    The entry's `at` (else default_at) goes to Engine.reply, whose case is what is scored: reply
    takes the moment, so weekday phrases ("先週の金曜日") are read against it once understand does.
    """
    out = Results(fields={f: Tally() for f in (*FIELDS, "all")})
    for entry in entries:
        case = engine.reply(entry.text, entry.at or default_at).case
        result = score(entry, case)
        out.results.append(result)
        wrong = {m.field for m in result.misses}
        for f in result.scored:
            out.fields[f].add(f not in wrong)
        out.fields["all"].add(result.ok)
        out.classes.setdefault(entry.cls, Tally()).add(result.ok)
        out.files.setdefault(entry.file, Tally()).add(result.ok)
        for flag in entry.expect.get("flags", []):
            t = out.flags.setdefault(flag, FlagTally())
            if flag in case.flags:
                t.tp += 1
            else:
                t.fn += 1
        for flag in entry.expect.get("not_flags", []):
            t = out.flags.setdefault(flag, FlagTally())
            if flag in case.flags:
                t.fp += 1
            else:
                t.tn += 1
    out.classes = dict(sorted(out.classes.items()))
    out.flags = dict(sorted(out.flags.items()))
    return out


def score(entry: Entry, case: Case) -> Result:
    """One entry against one case: which fields were scored, and which were wrong."""
    x = entry.expect
    scored: list[str] = []
    misses: list[Miss] = []
    for name in ("lang", "intent"):
        if name in x:
            scored.append(name)
            if getattr(case, name) != x[name]:
                misses.append(Miss(name, x[name], getattr(case, name)))
    if "prefecture" in x or "candidates" in x:
        scored.append("place")
        want = _place(x.get("prefecture"), x.get("candidates", []))
        got = _place(case.prefecture, case.candidates)
        if want != got:
            misses.append(Miss("place", want, got))
    if "flags" in x or "not_flags" in x:
        scored.append("flags")
        missing = [f for f in x.get("flags", []) if f not in case.flags]
        unwanted = [f for f in x.get("not_flags", []) if f in case.flags]
        if missing or unwanted:
            want = {"flags": x.get("flags", []), "not_flags": x.get("not_flags", [])}
            got = {"flags": sorted(case.flags), "missing": missing, "unwanted": unwanted}
            misses.append(Miss("flags", want, got))
    if "hours_since" in x:
        scored.append("hours_since")
        if not hours_match(x["hours_since"], case.hours_since):
            misses.append(Miss("hours_since", x["hours_since"], case.hours_since))
    return Result(entry, case, tuple(scored), tuple(misses))


def hours_match(expected: float | None, got: float | None) -> bool:
    """Right within ±10 % or ±1 h, whichever is wider; both None is right."""
    if expected is None or got is None:
        return expected is None and got is None
    return abs(got - expected) <= max(1.0, 0.1 * abs(expected))


def _place(prefecture: str | None, candidates: Iterable[str]) -> dict[str, Any]:
    return {"prefecture": prefecture, "candidates": sorted(candidates)}


# ---------------------------------------------------------------------------- presenting
def _pct(value: float | None) -> str:
    return "   -  " if value is None else f"{100 * value:5.1f}%"


def format_text(res: Results, *, failures: int | None = None) -> str:
    """The printout: accuracy per field and per class, flag precision/recall, then the failures."""
    lines = [f"{len(res.results)} entries, {len(res.failures)} with a wrong field", "", "accuracy per field:"]
    for name, t in res.fields.items():
        lines.append(f"  {name:<12} {_pct(t.accuracy)}  ({t.right}/{t.total})")
    if len(res.files) > 1:
        lines += ["", "accuracy per file (every scored field right):"]
        for name, t in res.files.items():
            lines.append(f"  {name}  {_pct(t.accuracy)}  ({t.right}/{t.total})")
    lines += ["", "accuracy per class (every scored field right):"]
    for name, t in res.classes.items():
        lines.append(f"  {name:<14} {_pct(t.accuracy)}  ({t.right}/{t.total})")
    lines += ["", "flags (on the entries that name the flag in flags or not_flags):"]
    for name, t in res.flags.items():
        lines.append(
            f"  {name:<9} precision {_pct(t.precision)}  recall {_pct(t.recall)}"
            f"  (tp {t.tp}, fn {t.fn}, fp {t.fp}, tn {t.tn})"
        )
    shown = res.failures if failures is None else res.failures[: max(failures, 0)]
    if res.failures:
        more = len(res.failures) - len(shown)
        lines += ["", f"failures ({len(res.failures)}" + (f", {more} not shown" if more else "") + "):"]
    for r in shown:
        text = " ".join(r.entry.text.split())
        text = text if len(text) <= 80 else text[:79] + "…"
        lines.append(f"- {r.entry.id} [{r.entry.cls}] {text}")
        for m in r.misses:
            lines.append(f"    {m.field}: expected {_show(m.expected)}, got {_show(m.got)}")
    return "\n".join(lines)


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def summary(res: Results, *, failures: int | None = None) -> dict[str, Any]:
    """A machine-readable summary (`evaluate --json`)."""
    shown = res.failures if failures is None else res.failures[: max(failures, 0)]
    return {
        "entries": len(res.results),
        "failed": len(res.failures),
        "fields": {
            k: {"accuracy": t.accuracy, "right": t.right, "total": t.total} for k, t in res.fields.items()
        },
        "classes": {
            k: {"accuracy": t.accuracy, "right": t.right, "total": t.total} for k, t in res.classes.items()
        },
        "files": {
            k: {"accuracy": t.accuracy, "right": t.right, "total": t.total} for k, t in res.files.items()
        },
        "flags": {
            k: {"precision": t.precision, "recall": t.recall, "tp": t.tp, "fn": t.fn, "fp": t.fp, "tn": t.tn}
            for k, t in res.flags.items()
        },
        "failures": [
            {
                "id": r.entry.id,
                "class": r.entry.cls,
                "text": r.entry.text,
                "source": r.entry.source,
                "wrong": {m.field: {"expected": m.expected, "got": m.got} for m in r.misses},
            }
            for r in shown
        ],
    }
