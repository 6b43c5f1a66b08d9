"""The engine's vocabulary: what it understood (Case) and what it answers (Reply). Pure data.

A Case is everything an answer depends on, so a channel can carry it in a button (see state.py)
and the bot keeps no conversation state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any

# the order used in JSON and in button state; new flags are only ever appended
# acute: within 72 h, stated; late: more than 72 h ago, stated (neither: the time is unknown)
FLAGS = ("acute", "minor", "danger", "partner", "late", "carer", "pharmacy")
LANGS = ("ja", "en")

# What kind of answer a Case gets.
INTENT_REFERRAL = "referral"  # clinician guidance: the main answer
INTENT_VICTIM = "victim"  # the person writing seems to be the victim: victim-facing answer
INTENT_HELP = "help"  # nothing to act on (empty, greeting, noise): how to use the bot, and #8891
INTENTS = (INTENT_REFERRAL, INTENT_VICTIM, INTENT_HELP)


@dataclass(frozen=True)
class Case:
    lang: str = "ja"
    intent: str = INTENT_REFERRAL
    prefecture: str | None = None  # JIS X 0401 code "01".."47"
    candidates: tuple[str, ...] = ()  # several prefectures matched: ask which
    flags: frozenset[str] = frozenset()
    hours_since: float | None = None  # hours since the incident, where the message says

    def with_(self, **changes: Any) -> Case:
        """This case with some fields changed. Each answer's buttons make several, so the fields are
        copied straight into a new instance (dataclasses.replace goes through the frozen __init__,
        which sets each field with object.__setattr__: ~4 µs a case, against ~2 µs); a name that is
        not a field is refused as dataclasses.replace would."""
        unknown = changes.keys() - _CASE_FIELDS
        if unknown:
            raise TypeError(f"Case has no field(s) {sorted(unknown)}")
        case = object.__new__(Case)
        case.__dict__.update(self.__dict__, **changes)
        return case

    @property
    def sorted_flags(self) -> list[str]:
        return [f for f in FLAGS if f in self.flags]


_CASE_FIELDS = frozenset(f.name for f in fields(Case))


@dataclass(frozen=True)
class CenterView:
    """One center as shown in a reply. `phones` holds only numbers verified on an official page."""

    id: str
    name: str
    phones: tuple[str, ...]
    verified: bool
    open_now: bool | None  # None: hours unknown
    status: str  # one localised line: open until / closed, opens at / hours unknown
    hours: str  # localised weekly hours, "" when unknown
    out_of_hours: str  # localised: what #8891 reaches when the center is closed
    website: str | None = None
    note: str = ""  # localised caveat (e.g. "direct number not confirmed: use #8891")
    phone_areas: tuple[str, ...] = ()  # aligned with phones: the area a branch serves, or ""


@dataclass(frozen=True)
class ContactView:
    id: str
    label: str
    number: str  # what to dial ("#8891", "110"); "" for a service reached online
    note: str = ""  # localised: hours, who it is for
    url: str | None = None
    numbers: tuple[str, ...] = ()  # every number of the service, `number` first


@dataclass(frozen=True)
class Section:
    """A block of guidance: a title and short lines, each line from a reviewed knowledge point."""

    id: str
    title: str
    lines: tuple[str, ...]
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reply:
    case: Case
    headline: str  # one localised line that tells at once what to do
    prefecture_name: str = ""  # localised name of case.prefecture, "" when none
    centers: tuple[CenterView, ...] = ()
    contacts: tuple[ContactView, ...] = ()  # national/extra contacts, most urgent first
    sections: tuple[Section, ...] = ()
    question: str = ""  # what the bot asks back (which prefecture?), "" when nothing
    footer: str = ""  # sources and the date the facts were checked
    # makes `text`: the engine gives the plain-text renderer with the texts of the reply's language
    renderer: Callable[[Reply], str] | None = field(default=None, compare=False, repr=False)

    @cached_property
    def text(self) -> str:
        """The plain-text rendering (console, `reply`, `reply --json`), made when first read: the
        channels that render their own format (Slack blocks, Telegram HTML) never pay for it."""
        return self.renderer(self) if self.renderer else ""

    def to_json(self) -> dict[str, Any]:
        """The documented `reply --json` contract. Add fields; never rename one."""
        c = self.case
        return {
            "lang": c.lang,
            "intent": c.intent,
            "prefecture": c.prefecture,
            "candidates": list(c.candidates),
            "flags": c.sorted_flags,
            "hours_since": c.hours_since,
            "centers": [
                {
                    "id": v.id,
                    "name": v.name,
                    "phones": list(v.phones),
                    "verified": v.verified,
                    "open_now": v.open_now,
                    "website": v.website,
                }
                for v in self.centers
            ],
            "contacts": [
                {"id": k.id, "label": k.label, "number": k.number, "numbers": list(k.numbers)}
                for k in self.contacts
            ],
            "question": self.question,
            "text": self.text,
        }
