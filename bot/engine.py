"""The referral engine: text -> Case -> Reply. Pure: no I/O after loading, no clock of its own (the
moment is passed in), no knowledge of any channel. Channels call `reply`, `answer` and `actions`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from bot import hours as hours_mod
from bot import knowledge as knowledge_mod
from bot.facts import Center, Contact
from bot.guidance import Guidance
from bot.knowledge import Knowledge
from bot.location import Location
from bot.model import (
    FLAGS,
    INTENT_HELP,
    INTENT_REFERRAL,
    INTENT_VICTIM,
    Case,
    CenterView,
    ContactView,
    Reply,
    Section,
)
from bot.render.plain import contact_line, render_plain
from bot.romaji import respell
from bot.rules import Facts
from bot.state import MAX_CANDIDATES
from bot.text import clean, guess_lang, normalize

TOKYO = dt.timezone(dt.timedelta(hours=9), "JST")  # Japan has no daylight saving time
_DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIMES = ("acute", "late")  # within / more than 72 h: offered while the message leaves it unknown
_REFINEMENTS = ("danger", "minor", "partner")  # flags a button can add
_SETTING_FLAGS = frozenset({"pharmacy"})  # flags of the writer's setting, not of a case: kept on a question of help


@dataclass(frozen=True)
class Action:
    """A next step a channel offers as a button. `case`/`region` are what the button leads to."""

    kind: str  # "prefecture" | "region" | "regions" | "flag" | "lang" | "url"
    label: str
    case: Case | None = None
    region: str | None = None
    url: str | None = None


class Engine:
    def __init__(self, kb: Knowledge):
        self.kb = kb
        # the views of a guidance section and of a contact depend on the knowledge and the language
        # only: made once each (a third of the answer's time), immutable, shared by every answer
        self._sections: dict[tuple[str, str], Section] = {}
        self._contacts: dict[tuple[str, str], ContactView] = {}

    @classmethod
    def load(cls, directory: Path | str | None = None) -> Engine:
        return cls(knowledge_mod.load(directory))

    # ------------------------------------------------------------------ understanding
    def understand(self, text: object, *, lang: str | None = None, default_prefecture: str | None = None,
                   at: dt.datetime | None = None) -> Case:  # fmt: skip
        """What a message says. `at`, the moment it was written, dates weekday phrases (先週の金曜日)."""
        raw, where, facts, respelled = self.read(text, at=at)
        prefecture, candidates = where.prefecture, where.candidates
        if len(candidates) > MAX_CANDIDATES:  # too common a name to ask about: ask for the prefecture
            candidates = ()
        if prefecture is None and not candidates and default_prefecture:
            prefecture = default_prefecture
        intent = self.kb.rules.intent(facts)
        about_nothing = intent == INTENT_HELP  # a fever's "since yesterday" dates no assault
        return Case(
            lang=lang if lang in ("ja", "en") else "ja" if respelled else guess_lang(raw),
            intent=intent,
            prefecture=prefecture,
            candidates=candidates,
            flags=facts.flags & _SETTING_FLAGS if about_nothing else facts.flags,  # a pharmacy asking stays one
            hours_since=None if about_nothing else facts.hours_since,
        )

    def read(self, text: object, *, at: dt.datetime | None = None) -> tuple[str, Location, Facts, bool]:
        """The message cleaned, its place and its facts (bot.rules), and whether it was read from a
        respelling (romaji, half-width kana)."""
        raw = clean(text)
        norm = normalize(raw)
        # one pass of the place finder's automaton, which also holds the rules' keywords
        reading = self.kb.locator.read(norm, normalized=True)
        where = reading.location
        respelled = respell(norm)
        if respelled is not None:  # "yuube osowareta to", ｵｿﾜﾚﾀ: read as the Japanese it is
            respelled = normalize(respelled)
            if not where.found:  # ﾅﾊｼ: the place in its respelling
                where = self.kb.locator.find(respelled, normalized=True)
            facts = self.kb.rules.facts(respelled, place=where.found, at=at)
        else:
            facts = self.kb.rules.facts(
                norm, place=where.found, occurrences=reading.keywords, letters=reading.letters, at=at,
                elsewhere=reading.elsewhere,
            )
        return raw, where, facts, respelled is not None

    def reply(self, text: object, at: dt.datetime, *, lang: str | None = None,
              default_prefecture: str | None = None) -> Reply:  # fmt: skip
        return self.answer(self.understand(text, lang=lang, default_prefecture=default_prefecture, at=at), at)

    # ------------------------------------------------------------------ answering
    def answer(self, case: Case, at: dt.datetime) -> Reply:
        g = self.kb.guidance[case.lang]
        rules = self.kb.rules
        flags = case.flags

        sections = tuple(
            self._section(g, step.ref) for step in rules.sections.get(case.intent, ()) if step.applies(flags)
        )
        contact_ids = [s.ref for s in rules.contacts.get(case.intent, ()) if s.applies(flags)]
        for flag in FLAGS:  # e.g. danger puts 110 first
            first = rules.first_contact.get(flag)
            if flag in flags and first in contact_ids:
                contact_ids.remove(first)
                contact_ids.insert(0, first)
        contacts = tuple(self._contact(self.kb.contacts[cid], case.lang) for cid in contact_ids)

        centers: tuple[CenterView, ...] = ()
        question = ""
        if case.prefecture:  # a question of another kind that names a place (宮城のセンターは夜も？) gets its centers too
            centers = tuple(self._center(c, case.lang, at) for c in self.kb.centers_in(case.prefecture))
        elif case.intent != INTENT_HELP:
            if case.candidates:
                names = "」「" if case.lang == "ja" else '", "'
                question = g.t("ask_which", names=names.join(self.prefecture_name(c, case.lang) for c in case.candidates))
            elif case.intent == INTENT_REFERRAL:
                question = g.t("ask_place")

        if case.intent == INTENT_VICTIM:
            headline = g.t("headline_victim_child" if "minor" in flags else "headline_victim")
        elif case.intent == INTENT_REFERRAL:
            headline = g.t("headline_referral_danger" if "danger" in flags else "headline_referral")
        else:
            headline = g.t("headline_help")

        return Reply(
            case=case,
            headline=headline,
            prefecture_name=self.prefecture_name(case.prefecture, case.lang) if case.prefecture else "",
            centers=centers,
            contacts=contacts,
            sections=sections,
            question=question,
            footer=g.t("footer", date=self.kb.checked_on.isoformat()),
            renderer=partial(render_plain, g=g),
        )

    def center_reply(self, name: str, at: dt.datetime, *, lang: str = "ja") -> tuple[Reply | None, list[str]]:
        """The answer for a place typed alone ("/center 横浜"): (reply, []) or (None, suggestions)."""
        where = self.kb.locator.lookup(normalize(clean(name)))
        if not where.prefecture and not where.candidates:
            return None, self.kb.locator.suggest(normalize(clean(name)))
        case = Case(lang=lang, intent=INTENT_REFERRAL, prefecture=where.prefecture, candidates=where.candidates)
        return self.answer(case, at), []

    def numbers_reply(self, lang: str = "ja") -> str:
        """The national numbers, as plain text (for /numbers and the Slack home tab)."""
        g = self.kb.guidance[lang]
        ids = ("onestop_8891", "police_110", "police_8103", "child_189", "dv_8008", "dv_plus", "curetime",
               "houterasu_victims")  # fmt: skip
        lines = [g.t("numbers_title")]
        lines += [contact_line(self._contact(self.kb.contacts[cid], lang)) for cid in ids]
        return "\n".join(lines)

    def guidance(self, lang: str) -> Guidance:
        """The texts of a language (Japanese for an unknown one): for renderers."""
        return self.kb.guidance[lang if lang in self.kb.guidance else "ja"]

    def ui(self, lang: str, key: str, **values: object) -> str:
        return self.guidance(lang).t(key, **values)

    def prefecture_name(self, code: str, lang: str) -> str:
        return self.kb.locator.prefecture_name(code, lang)

    # ------------------------------------------------------------------ next steps (buttons)
    def actions(self, case: Case, *, region: str | None = None) -> list[Action]:
        g = self.kb.guidance[case.lang]
        lang = case.lang
        as_referral = case.intent if case.intent != INTENT_HELP else INTENT_REFERRAL
        if region == "*":
            return [Action("region", g.t("action_region", region=r.en if lang == "en" else r.ja), case, region=r.key)
                    for r in self.kb.locator.regions()]  # fmt: skip
        if region:
            return [
                Action("prefecture", self.prefecture_name(p.code, lang),
                       case.with_(prefecture=p.code, candidates=(), intent=as_referral))
                for p in self.kb.locator.prefectures() if p.region == region
            ]  # fmt: skip
        out: list[Action] = []
        for code in case.candidates:  # the candidates stay: the choice is counted (channels/common.py)
            out.append(Action("prefecture", self.prefecture_name(code, lang),
                              case.with_(prefecture=code, intent=as_referral)))  # fmt: skip
        if not case.candidates and case.intent != INTENT_VICTIM:
            out.append(Action("regions", g.t("action_choose_prefecture"), case, region="*"))
        if case.intent != INTENT_HELP:
            flags = case.flags
            if flags.isdisjoint(_TIMES):  # the time is unknown: the two answers to "when did it happen?"
                for flag in _TIMES:
                    out.append(Action("flag", g.t(f"action_{flag}"), case.with_(flags=flags | {flag})))
            for flag in _REFINEMENTS:
                if flag not in flags:
                    out.append(Action("flag", g.t(f"action_{flag}"), case.with_(flags=flags | {flag})))
        out.append(Action("lang", g.t("action_lang"), case.with_(lang="en" if lang == "ja" else "ja")))
        if case.prefecture:
            for c in self.kb.centers_in(case.prefecture):
                if c.website:
                    out.append(Action("url", g.t("action_website"), url=c.website))
        return out

    # ------------------------------------------------------------------ pieces
    def _section(self, g: Guidance, sid: str) -> Section:
        view = self._sections.get((g.lang, sid))
        if view is None:
            s = g.sections[sid]
            sources = tuple(dict.fromkeys(u for p in s.points for u in p.sources))
            view = self._sections[g.lang, sid] = Section(sid, s.title, tuple(p.text for p in s.points), sources)
        return view

    def _contact(self, c: Contact, lang: str) -> ContactView:
        view = self._contacts.get((c.id, lang))
        if view is None:
            numbers = tuple(n.number for n in c.numbers)
            view = self._contacts[c.id, lang] = ContactView(
                id=c.id,
                label=c.label.get(lang),
                number=numbers[0] if numbers else "",
                note=c.summary.get(lang),
                url=c.url,
                numbers=numbers,
            )
        return view

    def _center(self, c: Center, lang: str, at: dt.datetime) -> CenterView:
        g = self.kb.guidance[lang]
        pref = self.prefecture_name(c.prefecture, lang)
        name = c.display_name(lang, g.t("unnamed_center", prefecture=pref))
        shown = c.shown_phones
        notes = []
        if not shown:
            notes.append(g.t("phone_unverified") if c.phones else g.t("phone_none"))
        if c.audience == "male":
            notes.insert(0, g.t("male_only"))
        if c.hours.note:
            notes.append(c.hours.note.get(lang))

        st = hours_mod.status(c.hours, at)
        if c.hours.always_open:
            status = g.t("status_always")
        elif st.open_now is True:
            status = g.t("status_open", until=st.closes_at.astimezone(TOKYO).strftime("%H:%M")) if st.closes_at \
                else g.t("status_always")  # fmt: skip
        elif st.open_now is False:
            status = g.t("status_closed", next=self._when(g, st.opens_at, at)) if st.opens_at \
                else g.t("status_closed_no_next")  # fmt: skip
        else:
            status = g.t("status_unknown")

        out_of_hours = ""
        if not c.hours.always_open:
            out_of_hours = g.t(f"out_of_hours_{c.hours.out_of_hours}")

        return CenterView(
            id=c.id,
            name=name,
            phones=tuple(p.number for p in shown),
            verified=c.verified,
            open_now=st.open_now,
            status=status,
            hours=weekly_hours(g, c),
            out_of_hours=out_of_hours,
            website=c.website,
            note=" ".join(n for n in notes if n),
            phone_areas=tuple(p.area or "" for p in shown),
        )

    @staticmethod
    def _when(g: Guidance, moment: dt.datetime, now: dt.datetime) -> str:
        m = moment.astimezone(TOKYO)
        time = m.strftime("%H:%M")
        if m.date() == now.astimezone(TOKYO).date():
            return g.t("today_format", time=time)
        return g.t("date_format", month=m.month, day=m.day, weekday=g.ui["weekdays"][m.weekday()], time=time)


def weekly_hours(g: Guidance, c: Center) -> str:
    """A center's weekly hours in words ("月〜金 10:00–20:00（祝日休み）"); "" for 24 h or unknown."""
    h = c.hours
    if h.always_open or not h.weekly:
        return ""
    names = dict(zip(_DAY_KEYS, g.ui["weekdays"], strict=True))
    sep = "・" if g.lang == "ja" else ", "
    parts = []
    for slot in h.weekly:
        days = [d for d in _DAY_KEYS if d in slot.days]
        if len(days) >= 3 and _DAY_KEYS.index(days[-1]) - _DAY_KEYS.index(days[0]) == len(days) - 1:
            label = f"{names[days[0]]}〜{names[days[-1]]}" if g.lang == "ja" else f"{names[days[0]]}-{names[days[-1]]}"
        else:
            label = sep.join(names[d] for d in days)
        parts.append(f"{label} {slot.open}–{slot.close}")
    text = ("、" if g.lang == "ja" else "; ").join(parts)
    if h.closed_on_holidays:
        text += f"（{g.t('holidays_closed')}）" if g.lang == "ja" else f" ({g.t('holidays_closed')})"
    return text

