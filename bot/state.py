"""A Case in a button: the whole state of a conversation travels in the button's data, so the bot
stores nothing about anyone and survives restarts. Telegram allows 64 bytes of callback data.

Format (ASCII): ``2<lang><intent><pref><flags><hours>~<candidates>~<region>``
  2           format version (1: the same with one hex digit of flags, still read)
  lang        j | e
  intent      r (referral) | v (victim) | h (help)
  pref        two digits, or -- for none
  flags       two hex digits, a bit per flag in model.FLAGS order
  hours       hours since the incident, or empty; at most 6 characters
  candidates  concatenated two-digit prefecture codes (ambiguous place), at most MAX_CANDIDATES;
              dropped when a region is given (the picker replaces them)
  region      region id for the prefecture picker, or * for the list of regions, or empty
The longest possible value is well under 64 bytes (checked in the tests).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.model import FLAGS, INTENTS, Case

MAX_BYTES = 64
MAX_CANDIDATES = 12  # a place name shared by more prefectures than this is treated as no place
_LANG = {"ja": "j", "en": "e"}
_INTENT = {i: i[0] for i in INTENTS}
_PATTERN = re.compile(
    r"^(?:1(?P<lang1>[je])(?P<intent1>[rvh])(?P<pref1>\d\d|--)(?P<flags1>[0-9a-f])"
    r"|2(?P<lang>[je])(?P<intent>[rvh])(?P<pref>\d\d|--)(?P<flags>[0-9a-f]{2}))(?P<hours>\d{0,5}(?:\.\d)?)"
    r"~(?P<cands>(?:\d\d){0,12})~(?P<region>[a-z*-]{0,20})$"
)


@dataclass(frozen=True)
class State:
    case: Case
    region: str | None = None  # prefecture picker: "*" lists regions, an id lists its prefectures


_FLAG_BITS = {f: 1 << i for i, f in enumerate(FLAGS)}


def encode(case: Case, region: str | None = None) -> str:
    bits = 0
    for f in case.flags:
        bits |= _FLAG_BITS.get(f, 0)
    hours = ""
    if case.hours_since is not None:
        h = min(max(case.hours_since, 0.0), 99999.0)
        hours = str(int(h)) if h == int(h) or h >= 1000 else f"{h:.1f}"
    cands = "" if region else "".join(case.candidates[:MAX_CANDIDATES])
    out = f"2{_LANG[case.lang]}{_INTENT[case.intent]}{case.prefecture or '--'}{bits:02x}{hours}~{cands}~{region or ''}"
    if len(out.encode()) > MAX_BYTES:  # cannot happen with valid cases; never send a broken button
        raise ValueError("state does not fit in a button")
    return out


def decode(data: object) -> State | None:
    """The State in a button's data, or None for anything malformed (forged or from an old version)."""
    if not isinstance(data, str) or len(data) > MAX_BYTES:
        return None
    m = _PATTERN.match(data)
    if not m:
        return None
    v1 = m["lang"] is None
    lang, intent, pref, flags = (m[k + "1"] if v1 else m[k] for k in ("lang", "intent", "pref", "flags"))
    if pref != "--" and not 1 <= int(pref) <= 47:
        return None
    cands = tuple(m["cands"][i : i + 2] for i in range(0, len(m["cands"]), 2))
    if any(not 1 <= int(c) <= 47 for c in cands):
        return None
    bits = int(flags, 16)
    case = Case(
        lang="ja" if lang == "j" else "en",
        intent=next(i for i, c in _INTENT.items() if c == intent),
        prefecture=None if pref == "--" else pref,
        candidates=cands,
        flags=frozenset(f for i, f in enumerate(FLAGS) if bits & (1 << i)),
        hours_since=float(m["hours"]) if m["hours"] else None,
    )
    return State(case, m["region"] or None)
