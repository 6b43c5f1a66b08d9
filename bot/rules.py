"""Rules are data, the vocabulary is code.

knowledge/rules.yaml names keyword sets, flag rules, intent rules and what each case is shown.
Each rule's `when` is built from the small registry of condition kinds below (CONDITIONS); an
unknown kind, an unknown keyword set or a malformed argument is a load-time error naming the key.

Matching is one pass of an Aho-Corasick automaton over the normalised text: every occurrence of a
keyword, then leftmost-longest among them (so a longer "stop" phrase such as 大丈夫 hides the 夫
inside it), plus a few precompiled regular expressions for numbers (ages, "3時間前", "3 hours
ago"). The engine's pass is the place finder's (bot.location): its automaton also holds the
keywords (`keyword_forms`) and hands their occurrences to `facts`, so a message is walked once for
both; `facts` alone runs this module's own automaton, the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import ahocorasick

from bot.model import FLAGS, INTENTS
from bot.schema import Node
from bot.text import Zoned, digit_before, normalize, utf8_letters


@dataclass(frozen=True)
class Facts:
    """What the matchers read in one message: the input of every condition."""

    keywords: frozenset[str]  # ids of keyword sets that matched ("clinician", "topic", ...)
    place: bool  # a place was recognised
    flags: frozenset[str]
    hours_since: float | None
    ages: tuple[float, ...]  # ages read from the text ("15歳", "10代" -> 10, "15-year-old")


Condition = Callable[[Facts], bool]


# ---------------------------------------------------------------- numbers: ages and elapsed time
_KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"(\d+(?:\.\d+)?|[一二三四五六七八九十]{1,3}|半)"
_WORD_NUM = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "half an": 0.5, "a few": 3, "several": 5, "couple of": 2,
    "a couple of": 2,
}  # fmt: skip
_EN_NUM = r"(\d+(?:\.\d+)?|a couple of|couple of|a few|several|half an|an|a|one|two|three|four|five|six|seven|eight|nine|ten|twelve)"

# unit -> hours
_JA_UNITS = {"分": 1 / 60, "時間": 1, "日": 24, "週間": 168, "週": 168, "か月": 720, "ヶ月": 720, "ケ月": 720,
             "カ月": 720, "ヵ月": 720, "ヶ月間": 720, "月": 720, "年": 8760}  # fmt: skip
_EN_UNITS = {"minute": 1 / 60, "min": 1 / 60, "hour": 1, "hr": 1, "h": 1, "day": 24, "night": 24,
             "week": 168, "month": 720, "year": 8760}  # fmt: skip

# Each whitespace run is matched once (`\s*+(?:-\s*+)?`, not `\s*-?\s*`): the same matches, since a
# letter follows, but two adjacent `\s*` would try every split of a long run of newlines (quadratic).
_JA_AGO = re.compile(_NUM + r"\s*(分|時間|日|週間|週|か月|ヶ月|ケ月|カ月|ヵ月|月|年)\s*+(?:(?:ほど|くらい|ぐらい|位)\s*+)?(?:前|まえ)")
_EN_AGO = re.compile(r"\b" + _EN_NUM + r"\s*+(?:-\s*+)?(minute|min|hour|hr|h|day|night|week|month|year)s?\s+(?:ago|before)\b")
_JA_AGE = re.compile(r"(\d{1,3}|[一二三四五六七八九十]{1,3})\s*(歳|才|さい|代)\s*(未満|以下)?")
_EN_AGE = re.compile(r"\b(\d{1,3})\s*+(?:-\s*+)?(?:years?|yrs?|y)\s*+(?:-\s*+)?(?:old|o\b)|\b(?:aged?|age of)\s+(\d{1,3})\b|\b(\d{1,2})\s*(?:yo|y/o)\b|\b(?:in (?:her|his|their) )?(\d0)s\b")  # fmt: skip
_digit_before = digit_before()
# Scanned only around the words every match contains (see bot.text.Zoned): most messages hold none.
_KANJI_NUMERALS = "一二三四五六七八九十"
_JA_AGO_SCAN = Zoned(_JA_AGO, r"\d.\s一二三四五六七八九十半分時間日週か月ヶケカヵ年ほどくらいぐ位前まえ", ("前", "まえ"))
_EN_AGO_SCAN = Zoned(_EN_AGO, r"\d.\s\-abcdefghiklmnoprstuvwxy", ("ago", "before"), ahead=1,
                     needle_ok=lambda text, i: i > 0 and text[i - 1].isspace())  # fmt: skip
_JA_AGE_SCAN = Zoned(_JA_AGE, r"\d\s一二三四五六七八九十歳才さい代未満以下", ("歳", "才", "さい", "代"),
                     needle_ok=digit_before(_KANJI_NUMERALS))  # fmt: skip
_EN_AGE_SCAN = Zoned(_EN_AGE, r"\d\s\-/adefghilnorsty", ("y", "age", "0s"), ahead=1,
                     needle_ok=lambda text, i: text[i] != "y" or _digit_before(text, i))  # fmt: skip


def _kanji_number(s: str) -> float | None:
    if s == "半":
        return 0.5
    try:
        return float(s)
    except ValueError:
        pass
    if not s or any(ch not in _KANJI_DIGITS and ch != "十" for ch in s):
        return None
    if "十" in s:
        tens, _, ones = s.partition("十")
        t = _KANJI_DIGITS.get(tens, 1) if tens else 1
        o = _KANJI_DIGITS.get(ones, 0) if ones else 0
        return float(t * 10 + o)
    n = 0
    for ch in s:
        n = n * 10 + _KANJI_DIGITS[ch]
    return float(n)


def read_hours_since(text: str, reverse: str | None = None) -> float | None:
    """The smallest elapsed time the message states, in hours ("2時間前", "3 days ago"), or None.
    `reverse`: text[::-1], if the caller has it (see bot.text.Zoned)."""
    found: list[float] = []
    for m in _JA_AGO_SCAN.finditer(text, reverse):
        n = _kanji_number(m.group(1))
        if n is not None:
            found.append(n * _JA_UNITS[m.group(2)])
    for m in _EN_AGO_SCAN.finditer(text, reverse):
        raw = m.group(1)
        n = _WORD_NUM.get(raw)
        if n is None:
            try:
                n = float(raw)
            except ValueError:
                continue
        found.append(float(n) * _EN_UNITS[m.group(2)])
    if not found:
        return None
    hours = min(found)
    return round(hours, 2)


def read_ages(text: str, reverse: str | None = None) -> tuple[float, ...]:
    """The ages the message states ("15歳", "10代" -> 10, "a 15-year-old"); `reverse` as above."""
    ages: list[float] = []
    for m in _JA_AGE_SCAN.finditer(text, reverse):
        n = _kanji_number(m.group(1))
        if n is not None and n < 130:
            ages.append(n - 0.5 if m.group(3) else n)  # "18歳未満": below 18
    for m in _EN_AGE_SCAN.finditer(text, reverse):
        raw = next(g for g in m.groups() if g is not None)
        n = float(raw)
        if n < 130:
            ages.append(n)
    return tuple(ages)


# ---------------------------------------------------------------- the condition kinds
# Each builder takes the YAML argument (validated) and returns a Condition: a partial of a module-level
# test, not a closure, so that loaded Rules can be pickled (bot.knowledge caches the loaded knowledge).


def _any_test(wanted: frozenset[str], f: Facts) -> bool:
    return bool(f.keywords & wanted)


def _none_test(wanted: frozenset[str], f: Facts) -> bool:
    return not (f.keywords & wanted)


def _flag_test(wanted: frozenset[str], f: Facts) -> bool:
    return bool(f.flags & wanted)


def _place_test(expected: bool, f: Facts) -> bool:
    return f.place == expected


def _hours_at_most_test(limit: float, f: Facts) -> bool:
    return f.hours_since is not None and f.hours_since <= limit


def _hours_over_test(limit: float, f: Facts) -> bool:
    return f.hours_since is not None and f.hours_since > limit


def _age_under_test(limit: float, f: Facts) -> bool:
    return any(a < limit for a in f.ages)


def _age_at_least_test(limit: float, f: Facts) -> bool:
    return bool(f.ages) and all(a >= limit for a in f.ages)


def _all_test(conds: tuple[Condition, ...], f: Facts) -> bool:
    return all(c(f) for c in conds)


def _anyof_test(conds: tuple[Condition, ...], f: Facts) -> bool:
    return any(c(f) for c in conds)


def _not_test(cond: Condition, f: Facts) -> bool:
    return not cond(f)


def _never(f: Facts) -> bool:
    return False


def _any(sets: list[str]) -> Condition:
    return partial(_any_test, frozenset(sets))


def _none(sets: list[str]) -> Condition:
    return partial(_none_test, frozenset(sets))


def _flag(flags: list[str]) -> Condition:
    return partial(_flag_test, frozenset(flags))


def _place(expected: bool) -> Condition:
    return partial(_place_test, expected)


def _hours_at_most(limit: float) -> Condition:
    return partial(_hours_at_most_test, limit)


def _hours_over(limit: float) -> Condition:
    return partial(_hours_over_test, limit)


def _age_under(limit: float) -> Condition:
    return partial(_age_under_test, limit)


def _age_at_least(limit: float) -> Condition:
    return partial(_age_at_least_test, limit)


def _all(conds: list[Condition]) -> Condition:
    return partial(_all_test, tuple(conds))


def _anyof(conds: list[Condition]) -> Condition:
    return partial(_anyof_test, tuple(conds))


def _not(cond: Condition) -> Condition:
    return partial(_not_test, cond)


# kind -> (argument type, builder). "sets" arguments are lists of keyword-set ids; "conds" are
# nested conditions; "flags" are flag names.
CONDITIONS: dict[str, tuple[str, Callable[..., Condition]]] = {
    "any": ("sets", _any),  # one of these keyword sets occurs
    "none": ("sets", _none),  # none of these keyword sets occurs
    "flag": ("flags", _flag),  # one of these flags is already set (flag rules run in file order)
    "place": ("bool", _place),  # a place was (true) / was not (false) recognised
    "hours_since_at_most": ("number", _hours_at_most),
    "hours_since_over": ("number", _hours_over),
    "age_under": ("number", _age_under),  # some age read from the text is below
    "age_at_least": ("number", _age_at_least),  # ages were read, all at least this
    "all": ("conds", _all),
    "anyof": ("conds", _anyof),
    "not": ("cond", _not),
}


@dataclass(frozen=True)
class FlagRule:
    id: str
    flag: str
    when: Condition
    unless: Condition | None = None


@dataclass(frozen=True)
class IntentRule:
    id: str
    intent: str
    priority: int
    when: Condition


@dataclass(frozen=True)
class Step:
    """One item of what a case is shown: a guidance section or a contact, with its guard."""

    ref: str
    if_flag: frozenset[str] = frozenset()
    unless_flag: frozenset[str] = frozenset()

    def applies(self, flags: frozenset[str]) -> bool:
        if self.if_flag and not (flags & self.if_flag):
            return False
        return not (self.unless_flag and flags & self.unless_flag)


@dataclass(frozen=True)
class Keyword:
    """One keyword form: the keyword sets it belongs to, its length in UTF-8 bytes, whether it is
    written in Latin letters (then it must stand as a word) and whether it ends in * (a prefix:
    "rape*" also matches "raped")."""

    sets: frozenset[str]
    length: int
    latin: bool
    prefix: bool


@dataclass(frozen=True)
class Rules:
    keyword_sets: dict[str, tuple[str, ...]]
    flag_rules: tuple[FlagRule, ...]
    intent_rules: tuple[IntentRule, ...]  # sorted: priority desc, then file order
    fallback_intent: str
    sections: dict[str, tuple[Step, ...]]  # intent -> sections shown
    contacts: dict[str, tuple[Step, ...]]  # intent -> contacts shown, in order
    first_contact: dict[str, str]  # flag -> contact id put first ("danger" -> police_110)
    # the keywords, by index: (UTF-8 key as Latin-1 letters, Keyword); the automaton stores indexes
    _keywords: tuple[tuple[str, Keyword], ...] = field(repr=False, compare=False, default=())
    _lengths: tuple[int, ...] = field(repr=False, compare=False, default=())  # Keyword.length, by index
    _automaton: Any = field(repr=False, compare=False, default=None)

    def keyword_forms(self) -> tuple[str, ...]:
        """Every keyword as the automaton key it is (bot.text.utf8_letters), by index: for an
        automaton that also looks for them (bot.location.Locator) and reports their occurrences."""
        return tuple(key for key, _ in self._keywords)

    def facts(
        self,
        text: str,
        *,
        place: bool,
        occurrences: Iterable[tuple[int, int]] | None = None,
        letters: str | None = None,
    ) -> Facts:
        """Read keywords, elapsed time and ages from normalised text, then apply the flag rules.
        `occurrences`: every (end offset, keyword index) of the keywords in `letters` (which is
        utf8_letters(text): give it if you have it), as an automaton holding `keyword_forms()`
        reports them (bot.location.Locator.read); by default this module's automaton finds them."""
        found: set[str] = set()
        if text and self._keywords:
            if letters is None:
                letters = utf8_letters(text)  # byte offsets; a Latin keyword's neighbours are the same
            if occurrences is None:
                occurrences = self._automaton.iter(letters)
            table = self._keywords
            lengths = self._lengths
            spans = sorted([(end - lengths[i] + 1, -lengths[i], end, i) for end, i in occurrences])
            last = len(letters) - 1
            covered = -1  # leftmost-longest, non-overlapping
            for start, _, end, i in spans:
                if start <= covered:
                    continue
                covered = end
                kw = table[i][1]
                # Latin keywords must stand as words: "son" is not in "person"; "rape*" also
                # matches "raped". Japanese has no spaces, so its keywords match anywhere.
                if kw.latin:
                    if start > 0 and letters[start - 1] in _ASCII_ALNUM:
                        continue
                    if not kw.prefix and end < last and letters[end + 1] in _ASCII_ALNUM:
                        continue
                found.update(kw.sets)
        reverse = text[::-1]  # for the four scans (bot.text.Zoned)
        hours = read_hours_since(text, reverse)
        ages = read_ages(text, reverse)
        keywords = frozenset(found)
        flags: set[str] = set()
        current = Facts(keywords, place, frozenset(), hours, ages)  # always the flags set so far
        for rule in self.flag_rules:
            if rule.flag not in flags and rule.when(current) and not (rule.unless and rule.unless(current)):
                flags.add(rule.flag)
                current = Facts(keywords, place, frozenset(flags), hours, ages)
        # an "unless" may also withdraw a flag that an earlier rule set (numbers beat words)
        final = current
        for rule in self.flag_rules:
            if rule.unless and rule.flag in flags and rule.unless(final):
                flags.discard(rule.flag)
        return final if len(flags) == len(final.flags) else Facts(keywords, place, frozenset(flags), hours, ages)

    def intent(self, facts: Facts) -> str:
        for rule in self.intent_rules:
            if rule.when(facts):
                return rule.intent
        return self.fallback_intent

    def rule_ids(self) -> list[str]:
        return [r.id for r in self.flag_rules] + [r.id for r in self.intent_rules]


_ASCII_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")  # word characters


# ---------------------------------------------------------------- loading and validation


def _condition(node: Node, sets: dict[str, tuple[str, ...]]) -> Condition:
    never: Condition = _never  # placeholder after a recorded error
    if not isinstance(node.value, dict) or len(node.value) != 1:
        node.error("a condition is a mapping with exactly one kind: " + ", ".join(CONDITIONS))
        return never
    (kind, arg), = node.value.items()
    if kind not in CONDITIONS:
        node.error(f"unknown condition kind {kind!r} (known: {', '.join(CONDITIONS)})")
        return never
    argtype, build = CONDITIONS[kind]
    sub = Node(arg, node.file, f"{node.path}.{kind}", node.problems)
    if argtype == "sets":
        names = arg if isinstance(arg, list) else [arg]
        bad = [n for n in names if not isinstance(n, str) or n not in sets]
        if bad:
            sub.error(f"unknown keyword set(s) {bad} (defined: {', '.join(sets)})")
            return never
        return build(names)
    if argtype == "flags":
        names = arg if isinstance(arg, list) else [arg]
        bad = [n for n in names if n not in FLAGS]
        if bad:
            sub.error(f"unknown flag(s) {bad} (known: {', '.join(FLAGS)})")
            return never
        return build(names)
    if argtype == "bool":
        if not isinstance(arg, bool):
            sub.error("expected true or false")
            return never
        return build(arg)
    if argtype == "number":
        if isinstance(arg, bool) or not isinstance(arg, int | float):
            sub.error("expected a number")
            return never
        return build(float(arg))
    if argtype == "cond":
        return build(_condition(sub, sets))
    # conds
    if not isinstance(arg, list) or not arg:
        sub.error("expected a non-empty list of conditions")
        return never
    return build([_condition(Node(c, node.file, f"{sub.path}[{i}]", node.problems), sets) for i, c in enumerate(arg)])


def _steps(node: Node, key: str, known: set[str], what: str) -> tuple[Step, ...]:
    out = []
    for item in node.items(key):
        if isinstance(item.value, str):
            item.value = {"ref": item.value}
        if not item.is_mapping():
            continue
        item.only("ref", "if_flag", "unless_flag")
        ref = item.text("ref")
        if ref and ref not in known:
            item.error(f"unknown {what} {ref!r}", "ref")
        guards = {}
        for g in ("if_flag", "unless_flag"):
            v = item.value.get(g, [])
            v = [v] if isinstance(v, str) else v
            if not isinstance(v, list) or any(x not in FLAGS for x in v):
                item.error(f"expected flag name(s) from {FLAGS}", g)
                v = []
            guards[g] = frozenset(v)
        out.append(Step(ref, **guards))
    return tuple(out)


def load_rules(doc: Node, *, sections: set[str], contacts: set[str]) -> Rules:
    """Build Rules from rules.yaml; `sections` and `contacts` are the ids the references must hit."""
    doc.only("meta", "keywords", "flags", "intents", "fallback_intent", "show")
    sets: dict[str, tuple[str, ...]] = {}
    kw = doc.child("keywords")
    if kw is not None and kw.is_mapping():
        for name, words in kw.value.items():
            k = Node(words, kw.file, f"keywords.{name}", kw.problems)
            if not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip() for w in words):
                k.error("expected a non-empty list of non-empty strings")
                continue
            sets[str(name)] = tuple(words)

    flag_rules = []
    seen_ids: set[str] = set()
    for item in doc.items("flags"):
        if not item.is_mapping():
            continue
        item.only("id", "set", "when", "unless")
        rid = item.text("id")
        if rid in seen_ids:
            item.error(f"duplicate rule id {rid!r}", "id")
        seen_ids.add(rid)
        flag = item.text("set")
        if flag and flag not in FLAGS:
            item.error(f"unknown flag {flag!r} (known: {', '.join(FLAGS)})", "set")
        when = item.child("when")
        unless = item.child("unless", required=False)
        flag_rules.append(
            FlagRule(rid, flag, _condition(when, sets) if when else _never,
                     _condition(unless, sets) if unless else None)
        )

    intent_rules = []
    for i, item in enumerate(doc.items("intents")):
        if not item.is_mapping():
            continue
        item.only("id", "intent", "priority", "when")
        rid = item.text("id")
        if rid in seen_ids:
            item.error(f"duplicate rule id {rid!r}", "id")
        seen_ids.add(rid)
        intent = item.text("intent")
        if intent and intent not in INTENTS:
            item.error(f"unknown intent {intent!r} (known: {', '.join(INTENTS)})", "intent")
        prio = item.get("priority", int, default=0)
        when = item.child("when")
        intent_rules.append((-prio, i, IntentRule(rid, intent, prio, _condition(when, sets) if when else _never)))
    intent_rules.sort(key=lambda t: (t[0], t[1]))

    fallback = doc.text("fallback_intent")
    if fallback and fallback not in INTENTS:
        doc.error(f"unknown intent {fallback!r}", "fallback_intent")

    show_sections: dict[str, tuple[Step, ...]] = {}
    show_contacts: dict[str, tuple[Step, ...]] = {}
    first: dict[str, str] = {}
    show = doc.child("show")
    if show is not None and show.is_mapping():
        show.only(*INTENTS, "first_contact")
        for intent in INTENTS:
            node = show.child(intent)
            if node is None or not node.is_mapping():
                continue
            node.only("sections", "contacts")
            show_sections[intent] = _steps(node, "sections", sections, "guidance section")
            show_contacts[intent] = _steps(node, "contacts", contacts, "contact")
        fc = show.child("first_contact", required=False)
        if fc is not None and fc.is_mapping():
            for flag, cid in fc.value.items():
                if flag not in FLAGS:
                    fc.error(f"unknown flag {flag!r}", str(flag))
                elif cid not in contacts:
                    fc.error(f"unknown contact {cid!r}", str(flag))
                else:
                    first[flag] = cid

    automaton = None
    keywords: list[tuple[str, Keyword]] = []
    if sets:
        table: dict[str, set[str]] = {}
        for name, words in sets.items():
            for w in words:
                table.setdefault(normalize(w), set()).add(name)
        by_key: dict[str, Keyword] = {}
        for w, names in table.items():
            core = w.rstrip("*")
            if core:
                key = utf8_letters(core)
                kw = Keyword(frozenset(names), len(key), core.isascii(), w.endswith("*"))
                if key in by_key:  # "rape" and "rape*" are one key: its sets, a prefix if either is
                    old = by_key[key]
                    kw = Keyword(old.sets | kw.sets, kw.length, kw.latin, old.prefix or kw.prefix)
                by_key[key] = kw
        keywords = list(by_key.items())
        automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        for i, (key, _) in enumerate(keywords):
            automaton.add_word(key, i)
        automaton.make_automaton()

    return Rules(
        keyword_sets=sets,
        flag_rules=tuple(flag_rules),
        intent_rules=tuple(r for _, _, r in intent_rules),
        fallback_intent=fallback or "help",
        sections=show_sections,
        contacts=show_contacts,
        first_contact=first,
        _keywords=tuple(keywords),
        _lengths=tuple(kw.length for _, kw in keywords),
        _automaton=automaton,
    )
