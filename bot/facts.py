"""The facts layer: one-stop centers (knowledge/centers.yaml) and national contacts (knowledge/national.yaml).

Loaders read a parsed document through `bot.schema.Node`, record every problem with its file and key
path, and return frozen dataclasses; nothing here asserts or raises on bad data (bot.knowledge raises
one KnowledgeError at the end). A phone number reaches a clinician only when it is `verified`: a
verified number on an unverified center is an error, not a judgement call.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass

from bot.schema import URL_RE, Node, Problems

PREFECTURES = tuple(f"{i:02d}" for i in range(1, 48))  # JIS X 0401
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = date.weekday()
AUDIENCES = ("all", "male")
OUT_OF_HOURS = ("callcenter", "center", "unknown")
# The national contacts the engine refers to by id: each must be present in national.yaml.
CONTACT_IDS = (
    "onestop_8891",
    "night_holiday_callcenter",
    "police_110",
    "police_8103",
    "child_189",
    "dv_8008",
    "dv_plus",
    "curetime",
    "houterasu_victims",
)

ID_RE = re.compile(r"^[a-z0-9-]+$")
CONTACT_ID_RE = re.compile(r"^[a-z0-9_]+$")
# Japanese numbers as published: area/mobile/IP (0AB-CD-EFGH with hyphens), toll-free 0120, navi-dial
# 0570, four-digit short numbers (#8891) and the two three-digit emergency numbers used here.
PHONE_RE = re.compile(
    r"^(?:0\d{1,4}-\d{1,4}-\d{3,4}|0120-\d{2,4}-\d{2,4}|0120-\d{6}|0570-\d{3}-\d{3}|0570-\d{6}|#\d{4}|110|189)$",
    re.ASCII,  # without it \d also matches full-width digits; numbers are written in ASCII
)
_ELEVEN_DIGIT_PREFIXES = ("050", "070", "080", "090")  # IP phones and mobiles; the rest have 10 digits
TIME_RE = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$", re.ASCII)
MONTH_DAY_RE = re.compile(r"^(\d{2})-(\d{2})$", re.ASCII)


# -- data ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Text:
    """A short text in both languages of the bot."""

    ja: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.ja


@dataclass(frozen=True)
class Phone:
    number: str
    verified: bool
    area: str | None = None  # the part of the prefecture this branch serves (Tokushima), else None


@dataclass(frozen=True)
class WeeklySlot:
    days: tuple[str, ...]  # names from DAYS
    open: str  # "HH:MM", as written (zero-padded, so strings compare like times)
    close: str  # "HH:MM", later than `open`, same day

    def times(self) -> tuple[dt.time, dt.time]:
        return dt.time.fromisoformat(self.open), dt.time.fromisoformat(self.close)


@dataclass(frozen=True)
class MonthDayRange:
    """A yearly closure from MM-DD to MM-DD inclusive; `start` after `end` wraps the year end."""

    start: tuple[int, int]  # (month, day)
    end: tuple[int, int]

    def contains(self, day: dt.date) -> bool:
        md = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= md <= self.end
        return md >= self.start or md <= self.end


@dataclass(frozen=True)
class Hours:
    always_open: bool | None  # True: 24h/365; None: unknown
    weekly: tuple[WeeklySlot, ...]  # () when unknown
    closed_on_holidays: bool | None  # Japanese public holidays; None: not stated
    closed_dates: tuple[MonthDayRange, ...]
    out_of_hours: str  # one of OUT_OF_HOURS
    note: Text | None = None
    # closed on some of these days, the source does not say which ("年末年始" with no dates): unknown
    unknown_dates: tuple[MonthDayRange, ...] = ()


@dataclass(frozen=True)
class Center:
    id: str
    prefecture: str
    name: str | None
    nickname: str | None
    name_en: str | None
    audience: str
    verified: bool
    phones: tuple[Phone, ...]
    hours: Hours
    website: str | None
    area: str
    source_urls: tuple[str, ...]
    source_date: str
    checked_on: dt.date
    review_note: str

    @property
    def shown_phones(self) -> tuple[Phone, ...]:
        """The numbers a clinician may be given: verified ones only. The one place this rule lives."""
        return tuple(p for p in self.phones if p.verified)

    def display_name(self, lang: str, unnamed: str, *, introduce: bool = True) -> str:
        """How the bot and the cards name the center: its English name in English, else its name or
        nickname, else `unnamed` (guidance's "unnamed_center"); a nickname not in the name follows
        in brackets. introduce: in English, a Japanese-only name is introduced by `unnamed` (a
        card's heading already says whose centers these are, so a card passes False)."""
        name = self.name_en if lang == "en" and self.name_en else self.name or self.nickname or unnamed
        if self.nickname and self.nickname not in name:
            name = f"{name}（{self.nickname}）" if lang == "ja" else f"{name} ({self.nickname})"
        if introduce and lang == "en" and not self.name_en and (self.name or self.nickname):
            name = f"{unnamed}: {name}"
        return name


@dataclass(frozen=True)
class Number:
    number: str
    note: Text | None = None


@dataclass(frozen=True)
class Contact:
    id: str
    label: Text
    numbers: tuple[Number, ...]
    hours: Text
    for_whom: Text
    summary: Text  # the one line a reply shows beside the number
    url: str | None
    verified: bool
    source_urls: tuple[str, ...]
    source_date: str
    checked_on: dt.date


# -- loading ---------------------------------------------------------------------------------------
def load_centers(node: Node) -> tuple[Center, ...]:
    """Read a centers document; problems go to `node.problems`. Returns the centers that loaded."""
    if not node.is_mapping():
        return ()
    node.only("meta", "centers")
    _meta(node)
    out: list[Center] = []
    seen_ids: dict[str, str] = {}
    seen_numbers: dict[str, str] = {}
    for n in node.items("centers"):
        center = _center(n)
        if center is None:
            continue
        if center.id in seen_ids:
            n.error(f"duplicate id {center.id!r} (first at {seen_ids[center.id]})", "id")
        seen_ids.setdefault(center.id, n.path)
        for i, p in enumerate(center.phones):
            if p.number in seen_numbers:
                n.error(f"number {p.number} also listed at {seen_numbers[p.number]}", f"phones[{i}].number")
            seen_numbers.setdefault(p.number, f"{n.path}.phones[{i}]")
        out.append(center)
    centers_node = node.child("centers", required=False)
    if centers_node is not None and isinstance(centers_node.value, list):
        missing = [p for p in PREFECTURES if p not in {c.prefecture for c in out}]
        if missing:
            centers_node.error(f"no center for prefecture(s) {', '.join(missing)}: all 47 must be listed")
    return tuple(out)


def load_contacts(node: Node) -> tuple[Contact, ...]:
    """Read a national contacts document; problems go to `node.problems`."""
    if not node.is_mapping():
        return ()
    node.only("meta", "contacts")
    _meta(node)
    out: list[Contact] = []
    seen: dict[str, str] = {}
    for n in node.items("contacts"):
        contact = _contact(n)
        if contact is None:
            continue
        if contact.id in seen:
            n.error(f"duplicate id {contact.id!r} (first at {seen[contact.id]})", "id")
        seen.setdefault(contact.id, n.path)
        out.append(contact)
    contacts_node = node.child("contacts", required=False)
    if contacts_node is not None and isinstance(contacts_node.value, list):
        missing = [i for i in CONTACT_IDS if i not in seen]
        if missing:
            contacts_node.error(f"missing contact id(s) the engine needs: {', '.join(missing)}")
    return tuple(out)


def stale(checked_on: dt.date, today: dt.date, days: int = 180) -> str | None:
    """A warning when facts were checked more than `days` ago (or, impossibly, after today); else None."""
    age = (today - checked_on).days
    if age < 0:
        return f"checked_on {checked_on.isoformat()} is after today ({today.isoformat()})"
    if age > days:
        return (
            f"checked {age} days ago ({checked_on.isoformat()}), more than {days}: "
            "re-check against the shared reference"
        )
    return None


# -- pieces ----------------------------------------------------------------------------------------
def _meta(node: Node) -> None:
    meta = node.child("meta")
    if meta is None or not meta.is_mapping():
        return
    meta.only("source", "checked_on")
    meta.text("source")
    meta.date("checked_on")


def _present(node: Node, *keys: str) -> None:
    """Keys that must be written even when their value may be null (`name: null` says 'none known')."""
    if isinstance(node.value, dict):
        for k in keys:
            if k not in node.value:
                node.error("missing (write null if unknown)", k)


def _optional_text(node: Node, key: str) -> str | None:
    v = node.get(key, str, required=False)
    if isinstance(v, str) and not v.strip():
        node.error("empty (write null instead)", key)
        return None
    return v.strip() if isinstance(v, str) else None


def _url(node: Node, key: str) -> str | None:
    v = node.get(key, str, required=False)
    if v is not None and not URL_RE.match(v):
        node.error(f"expected an http(s) URL or null, found {v!r}", key)
        return None
    return v


def _source_date(node: Node) -> str:
    v = node.get("source_date", (str, dt.date), default="")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, str) and not v.strip() and "source_date" in (node.value or {}):
        node.error('empty (write "unknown" if the source shows no date)', "source_date")
    return v.strip() if isinstance(v, str) else ""


def _choice(node: Node, key: str, allowed: tuple[str, ...]) -> str:
    v = node.get(key, str, default="")
    if v and v not in allowed:
        node.error(f"expected one of {', '.join(allowed)}, found {v!r}", key)
    return v


def _bool_or_null(node: Node, key: str) -> bool | None:
    return node.get(key, bool, required=False)


def text_of(node: Node | None) -> Text | None:
    """A {ja, en} mapping as Text; None (with problems recorded) if it is malformed."""
    if node is None or not node.is_mapping():
        return None
    node.only("ja", "en")
    ja, en = node.text("ja"), node.text("en")
    if not ja or not en:
        return None
    return Text(ja, en)


def check_phone(node: Node, key: str) -> str:
    """The number at `key` if written the way Japanese numbers are published; else '' (problem recorded)."""
    v = node.get(key, str, default="")
    if not v:
        return ""
    if not PHONE_RE.fullmatch(v):
        node.error(f"not a Japanese phone number as published (03-1234-5678, #8891): {v!r}", key)
        return ""
    if v.startswith("0"):
        digits = len(v.replace("-", ""))
        want = 11 if v.startswith(_ELEVEN_DIGIT_PREFIXES) else 10
        if digits != want:
            node.error(f"{v!r} has {digits} digits; a number starting {v[:3]} has {want}", key)
            return ""
    return v


def _time(node: Node, key: str) -> str | None:
    v = node.value.get(key) if isinstance(node.value, dict) else None
    if isinstance(v, int) and not isinstance(v, bool):
        node.error(f'write times as quoted "HH:MM" strings (YAML read this one as the number {v})', key)
        return None
    s = node.get(key, str)
    if s is None:
        return None
    if not TIME_RE.fullmatch(s):
        node.error(f"expected a time HH:MM (00:00-23:59), found {s!r}", key)
        return None
    return s


def _month_day(node: Node, key: str) -> tuple[int, int] | None:
    s = node.get(key, str)
    if s is None:
        return None
    m = MONTH_DAY_RE.fullmatch(s)
    if m:
        month, day = int(m.group(1)), int(m.group(2))
        try:
            dt.date(2000, month, day)  # a leap year, so 02-29 is a real date
            return month, day
        except ValueError:
            pass
    node.error(f"expected a real month-day MM-DD, found {s!r}", key)
    return None


def _slot(n: Node) -> WeeklySlot | None:
    if not n.is_mapping():
        return None
    n.only("days", "open", "close")
    days: list[str] = []
    ok = True
    for d in n.items("days"):
        if d.value not in DAYS:
            d.error(f"unknown day {d.value!r} (use {', '.join(DAYS)})")
            ok = False
        elif d.value in days:
            d.error(f"day {d.value!r} listed twice")
            ok = False
        else:
            days.append(d.value)
    if isinstance(n.value.get("days"), list) and not n.value["days"]:
        n.error("empty: list at least one day", "days")
        ok = False
    opens, closes = _time(n, "open"), _time(n, "close")
    if opens is not None and closes is not None and closes <= opens:
        n.error(f"closes ({closes}) before it opens ({opens})", "close")
        ok = False
    if not ok or not days or opens is None or closes is None:
        return None
    return WeeklySlot(tuple(days), opens, closes)


def _hours(n: Node | None) -> Hours | None:
    if n is None or not n.is_mapping():
        return None
    n.only("always_open", "weekly", "closed_on_holidays", "closed_dates", "unknown_dates", "out_of_hours", "note")
    _present(n, "always_open", "closed_on_holidays", "note")
    always = _bool_or_null(n, "always_open")
    weekly = tuple(s for s in (_slot(x) for x in n.items("weekly")) if s is not None)
    if always is None and weekly:
        n.error("weekly hours given but always_open is null: set it to false (or true)", "always_open")
    for day in DAYS:  # overlapping slots on one day are a copying error
        spans = sorted((s.open, s.close) for s in weekly if day in s.days)
        for (_, c1), (o2, _) in itertools.pairwise(spans):
            if o2 < c1:
                n.error(f"slots overlap on {day}", "weekly")
    return Hours(
        always_open=always,
        weekly=weekly,
        closed_on_holidays=_bool_or_null(n, "closed_on_holidays"),
        closed_dates=_date_ranges(n, "closed_dates"),
        unknown_dates=_date_ranges(n, "unknown_dates", required=False),
        out_of_hours=_choice(n, "out_of_hours", OUT_OF_HOURS),
        note=text_of(n.child("note", required=False)),
    )


def _date_ranges(n: Node, key: str, *, required: bool = True) -> tuple[MonthDayRange, ...]:
    out = []
    for c in n.items(key, required=required):
        if not c.is_mapping():
            continue
        c.only("from", "to")
        start, end = _month_day(c, "from"), _month_day(c, "to")
        if start and end:
            out.append(MonthDayRange(start, end))
    return tuple(out)


_CENTER_KEYS = (
    "id", "prefecture", "name", "nickname", "name_en", "audience", "verified", "phones", "hours",
    "website", "area", "source_urls", "source_date", "checked_on", "review_note",
)  # fmt: skip


def _center(n: Node) -> Center | None:
    if not n.is_mapping():
        return None
    n.only(*_CENTER_KEYS)
    _present(n, "name", "nickname", "name_en", "website")
    cid = n.text("id")
    if cid and not ID_RE.fullmatch(cid):
        n.error(f"id must match {ID_RE.pattern}, found {cid!r}", "id")
    pref = ""
    raw_pref = n.value.get("prefecture")
    if isinstance(raw_pref, int) and not isinstance(raw_pref, bool):  # YAML reads an unquoted 02 as 2
        n.error(f'write the prefecture code quoted, e.g. "02" (YAML read it as the number {raw_pref})',
                "prefecture")  # fmt: skip
    else:
        pref = n.get("prefecture", str, default="")
        if pref and pref not in PREFECTURES:
            n.error(f'expected a prefecture code "01".."47", found {pref!r}', "prefecture")
    verified = n.get("verified", bool, default=False)
    phones = []
    for p in n.items("phones"):
        if not p.is_mapping():
            continue
        p.only("number", "verified", "area")
        _present(p, "area")
        number = check_phone(p, "number")
        pv = p.get("verified", bool, default=False)
        if pv and not verified:
            p.error("a verified number on an unverified center: verify the center or unverify it", "verified")
        if number:
            phones.append(Phone(number, pv, _optional_text(p, "area")))
    urls = n.urls("source_urls", min_items=0)
    if verified and not urls:
        n.error("a verified center needs at least one source URL", "source_urls")
    return Center(
        id=cid,
        prefecture=pref,
        name=_optional_text(n, "name"),
        nickname=_optional_text(n, "nickname"),
        name_en=_optional_text(n, "name_en"),
        audience=_choice(n, "audience", AUDIENCES),
        verified=verified,
        phones=tuple(phones),
        hours=_hours(n.child("hours")) or Hours(None, (), None, (), "unknown"),
        website=_url(n, "website"),
        area=n.text("area"),
        source_urls=urls,
        source_date=_source_date(n),
        checked_on=n.date("checked_on") or dt.date.min,
        review_note=n.text("review_note"),
    )


_CONTACT_KEYS = (
    "id", "label", "numbers", "hours", "for_whom", "summary", "url", "verified", "source_urls", "source_date",
    "checked_on",
)  # fmt: skip


def _contact(n: Node) -> Contact | None:
    if not n.is_mapping():
        return None
    n.only(*_CONTACT_KEYS)
    _present(n, "url")
    cid = n.text("id")
    if cid and not CONTACT_ID_RE.fullmatch(cid):
        n.error(f"id must match {CONTACT_ID_RE.pattern}, found {cid!r}", "id")
    verified = n.get("verified", bool, default=False)
    if n.value.get("verified") is False:
        n.error("only verified contacts may be listed (unverified numbers are not facts)", "verified")
    numbers = []
    for x in n.items("numbers"):
        if not x.is_mapping():
            continue
        x.only("number", "note")
        number = check_phone(x, "number")
        if number:
            numbers.append(Number(number, text_of(x.child("note", required=False))))
    return Contact(
        id=cid,
        label=text_of(n.child("label")) or Text("", ""),
        numbers=tuple(numbers),
        hours=text_of(n.child("hours")) or Text("", ""),
        for_whom=text_of(n.child("for_whom")) or Text("", ""),
        summary=text_of(n.child("summary")) or Text("", ""),
        url=_url(n, "url"),
        verified=verified,
        source_urls=n.urls("source_urls"),
        source_date=_source_date(n),
        checked_on=n.date("checked_on") or dt.date.min,
    )


STALE_DAYS = 180


def warn_if_stale(problems: Problems, file: str, key: str, checked_on: dt.date | None, today: dt.date) -> None:
    """A warning when a fact was checked more than STALE_DAYS before `today`."""
    if checked_on and stale(checked_on, today, STALE_DAYS):
        problems.warn(file, key, f"checked {checked_on}, more than {STALE_DAYS} days ago: check again")
