"""Weights learned from the labelled development corpora, for the readings the rules get least often
right on text they were not written for: whose story a message tells (victim or referral), the
flags danger, carer, acute and late (where the rules read no time) and partner, a question of another kind
taken for a case, and a case the rules read as none.

Each is a logistic model over cues: what the rules already read (their keyword sets, the doers,
the flags, the intent rules that hold), the dictionary forms of the words (SudachiPy) and the
pairs of neighbouring letters (where the analyser cuts a word wrong or does not know it). The
weights are data (knowledge/weights.json), trained by tools/train_weights.py from the development
sets; the held-out sets are never read. A model may add a flag (not danger that is denied:
may_add; only to a message read as a case, as the flags were learned on cases) and take back
acute, partner, carer, minor or danger where it judges the rules wrong (danger only where the
rules did not read the one who did it here or coming, and only when nearly sure; partner not where
her own partner is named as the one who did it: may_drop); it
chooses between victim and referral after the rules have chosen one of the two, reads a message
as no case only where the rules read no act (may_answer_help), and as a case where they read none
(a missed case costs more than guidance given to a question).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import islice, pairwise

from bot.model import INTENT_HELP, INTENT_REFERRAL, INTENT_VICTIM
from bot.schema import Node

# the parts of speech whose words are cues: the content words, the auxiliaries (れる, ない, た) and the
# particles (って, と: whose words they are)
_CONTENT_POS = frozenset({"名詞", "動詞", "形容詞", "助動詞", "副詞", "代名詞", "接尾辞", "形状詞", "助詞"})
_PLACE_SUFFIXES = frozenset("市区町村郡県都府")
_LATIN_WORD = re.compile(r"[a-z][a-z']*")
MAX_WORDS = 400  # the distinct words that count: a long paste weighs no more than a long message
MAX_PAIRS = 800  # the distinct letter pairs that count, for the same reason


def content_words(tokens: Iterable) -> list[str]:
    """The dictionary forms of the content words of SudachiPy tokens (bot.morph.Token): not a name
    (固有名詞: a place or a person weighs nothing), a number or a place's suffix (横浜市's 市)."""
    words = [form for _, _, _, form, pos, pos2 in tokens
             if pos in _CONTENT_POS and pos2 != "固有名詞" and not form.isdigit()
             and not (pos == "接尾辞" and form in _PLACE_SUFFIXES)]  # fmt: skip
    return words + list(map("|".join, pairwise(words)))  # and each pair of neighbours (された|と, 今|外来)


def latin_words(text: str) -> list[str]:
    """The Latin words of normalised (case-folded) text: the English message's cues."""
    return _LATIN_WORD.findall(text)


def letter_pairs(text: str) -> list[str]:
    """Each pair of neighbouring characters of normalised text that holds a Japanese one (被害, 害に):
    cues that stand where the analyser cuts a word wrong or does not know it (おとつい, 昨番)."""
    pairs = (text[i : i + 2] for i in range(len(text) - 1))
    return [p for p in pairs if not p.isascii() and not p[0].isspace() and not p[1].isspace()]


def cues(
    *,
    affirmed: Iterable[str],
    keywords: Iterable[str],
    said: Iterable[str],
    doers: Iterable[str],
    flags: Iterable[str],
    holding: Iterable[str],
    own_age: bool,
    named_subject: bool,
    hours: bool,
    act_dated: bool = False,
    other_words: int,
    words: Iterable[str],
    pairs: Iterable[str] = (),
) -> frozenset[str]:
    """The names a weight can have, for one message. `holding`: the intent rules that hold, in
    order (the first decides); `words`: the dictionary forms of its words; `pairs`: its letter_pairs."""
    affirmed = frozenset(affirmed)
    out = {"a:" + s for s in affirmed}
    out |= {"k:" + s for s in keywords if s not in affirmed}  # said, but denied or quoted
    out |= {"s:" + s for s in said}
    out |= {"d:" + s for s in doers}
    out |= {"f:" + s for s in flags}
    holding = list(holding)
    out |= {"r:" + s for s in holding}
    if holding:
        out.add("first:" + holding[0])
    if own_age:
        out.add("own_age")
    if named_subject:
        out.add("named_subject")
    if hours:
        out.add("hours")
    if act_dated:
        out.add("act_dated")
    out.add(f"ow:{min(other_words, 5)}")
    out.update(map("w:".__add__, islice(dict.fromkeys(words), MAX_WORDS)))
    out.update(map("c:".__add__, islice(dict.fromkeys(pairs), MAX_PAIRS)))
    return frozenset(out)


# a message that denies any of these (加害者はもういない), affirms she is out of reach or he is away,
# or names a stranger as the one who did it (見知らぬ男に襲われた。夫が同居: who is near her is not him)
# gets no learned danger
_DENIED_DANGER = frozenset({"k:danger", "k:perpetrator", "k:aggressor", "k:present_here", "k:nearby",
                            "a:protected", "a:separated", "a:doer_away", "d:stranger"})  # fmt: skip

_DATED = frozenset({"hours", "f:late"})
_ACT_TIMED = frozenset({"hours", "act_dated"})
_TIMED = frozenset({"hours", "act_dated", "f:acute", "a:just_now"})  # a time the rules read: late is never added over it
_ANOTHER_DID_IT = frozenset({"d:stranger", "d:acquaintance", "d:known_people", "d:staff", "d:carer", "d:relations"})
_DENIED_CARE = frozenset({"k:caring", "a:not_caring"})  # 夫は介護はしておらず, he is not her carer
_OWN_STORY = frozenset({"s:self_victim", "s:own_act"})  # 自分のことで, 薬局長に触られました

# a message in which the rules read any of these tells a case: learned weights never answer it
# with the help text (I was forced by my fiancé before; リハ中に患者さんに股間を押しつけられる); nor
# one about emergency contraception, which the rules read (アフターピル飲んで2時間で吐いた人)
_A_CASE = frozenset({"a:topic", "a:experienced", "a:act_told", "a:unsaid", "a:self_victim", "a:first_person_victim",
                     "a:perpetrator", "a:intimate_signs", "a:ec", "f:danger", "f:minor"})  # fmt: skip


def may_answer_help(present: frozenset[str]) -> bool:
    """Whether learned weights may read a message the rules took for a case as a question of
    another kind (今から開いてる皮膚科, thanks, the opening hours of an office): only when the
    rules read no act, no one who did it, no emergency contraception, no danger and no minor in it."""
    return not present & _A_CASE


def may_drop(flag: str, present: frozenset[str]) -> bool:
    """Whether learned weights may take back `flag` the rules set: danger never where the rules
    read the one who did it here or coming (夫は付き添いで来て今は売店に: 110 first stands), else
    only below keep_danger's low threshold (加害者は県外で今は会っていない); partner never where her
    own partner is named as the one who did it (加害者は元交際相手です); acute only where the rules
    read no number of hours and no recent day said in a sentence of the act itself
    (被害にあったのは今日); then the time is unknown, and the 72-hour actions are still shown, as
    conditions."""
    if flag == "danger":
        return "a:doer_present" not in present
    if flag == "partner":
        return "a:partner_named" not in present
    return flag != "acute" or not present & _ACT_TIMED


def may_add(flag: str, present: frozenset[str]) -> bool:
    """Whether learned weights may add `flag` to a message with these cues: never danger where the
    message denies it (危険はありません, 加害者はもういない), says she is out of his reach (逮捕された,
    接近禁止命令) or that he is away (単身赴任中, "deployed overseas"), or names a stranger as the one
    who did it (the rules read a stranger who is near); never acute where the rules read a time;
    never partner where they named another as the doer; never carer where the care is denied; never
    pharmacy where the writer tells her own story; never late where the rules read any time of the act
    (added_flags also leaves it out where acute may be)."""
    if flag == "acute":  # a time the rules read, or a late one, is never overruled
        return not present & _DATED
    if flag == "partner":  # the rules named another as the one who did it (夫の友人に, 見知らぬ男に)
        return not present & _ANOTHER_DID_IT
    if flag == "carer":  # the message denies that he cares for her
        return not present & _DENIED_CARE
    if flag == "pharmacy":  # a pharmacist writing about herself is the victim, not a pharmacy asking
        return not present & _OWN_STORY
    if flag == "late":  # a time of past 72 hours said in words the rules do not read (妊娠12週, 成人式の夜)
        return not present & _TIMED
    return flag != "danger" or not present & _DENIED_DANGER


@dataclass(frozen=True)
class Decision:
    """One logistic model: the probability that its reading holds, from the cues present."""

    name: str
    bias: float
    threshold: float
    weights: Mapping[str, float] = field(repr=False)

    def probability(self, present: Iterable[str]) -> float:
        weights = self.weights
        # the cues that carry a weight, found by a set intersection in C, summed in fixed point (exact:
        # the same in any order of the cues, as Learned sums them)
        return _logistic(self.bias + sum(map(_fixed, map(weights.__getitem__, weights.keys() & present))) / SCALE)

    def holds(self, present: Iterable[str]) -> bool:
        return self.probability(present) >= self.threshold


@dataclass(frozen=True)
class Learned:
    flags: tuple[Decision, ...]  # each may add the flag it names
    victim: Decision | None  # whether the writer is the victim, when the rules say victim or referral
    help: Decision | None = None  # whether it asks something else (opening hours, thanks), when they say either
    case: Decision | None = None  # whether it tells a case after all, when the rules read none
    keeps: tuple[Decision, ...] = ()  # keep_<flag>: whether a flag the rules set holds (else it is taken back)
    trained_on: tuple[str, ...] = ()  # the corpus files, for the record
    rules_sha256: str = ""  # the rules.yaml they were trained with (check-knowledge warns when it changed)

    def __post_init__(self) -> None:
        # every decision's weight of each cue, packed in one integer under the cue (decision i in bits
        # [i*width, (i+1)*width), two's complement): a message's cues are looked up once, not once per
        # decision, and one sum of those integers is every decision's sum, exact in fixed point (the same
        # in any order of the cues); width holds any message's sum, at most every |weight| of a column
        decisions = (*self.flags, *self.keeps, *(d for d in (self.victim, self.help, self.case) if d is not None))
        largest = max((sum(abs(_fixed(w)) for w in d.weights.values()) for d in decisions), default=0)
        width = largest.bit_length() + 2
        packed: dict[str, int] = {}
        for i, d in enumerate(decisions):
            for cue, w in d.weights.items():
                packed[cue] = packed.get(cue, 0) + (_fixed(w) << (i * width))
        object.__setattr__(self, "_column", {d.name: i for i, d in enumerate(decisions)})
        object.__setattr__(self, "_packed", packed)
        object.__setattr__(self, "_width", width)
        object.__setattr__(self, "_last", (None, [0] * len(decisions)))  # the cues last weighed and their sums

    def _sums(self, present: frozenset[str]) -> list[int]:
        """Each decision's sum of the weights of the cues present, in fixed point."""
        total = sum(filter(None, map(self._packed.get, present)))
        width, sums = self._width, []
        for _ in self._column:
            low = total & ((1 << width) - 1)
            value = low - (1 << width) if low >> (width - 1) else low  # the slot's sign
            sums.append(value)
            total = (total - value) >> width
        return sums

    def _probability(self, d: Decision, present: frozenset[str]) -> float:
        last, sums = self._last  # one message's decisions share the lookup (one tuple: thread-safe)
        if last is not present:
            sums = self._sums(present)
            object.__setattr__(self, "_last", (present, sums))
        return _logistic(d.bias + sums[self._column[d.name]] / SCALE)

    def _holds(self, d: Decision, present: frozenset[str]) -> bool:
        return self._probability(d, present) >= d.threshold

    def added_flags(self, flags: frozenset[str], present: frozenset[str]) -> frozenset[str]:
        """The flags the weights add to those the rules set."""
        added = frozenset(d.name for d in self.flags if d.name not in flags and may_add(d.name, present)
                          and self._holds(d, present))  # fmt: skip
        if "late" in added and (acute := next((d for d in self.flags if d.name == "acute"), None)) is not None \
                and self._probability(acute, present) >= LATE_UNLESS_ACUTE:  # fmt: skip
            added -= {"late"}  # it may be recent: unsure which, the 72-hour actions stay (as conditions)
        return added

    def dropped_flags(self, flags: frozenset[str], present: frozenset[str]) -> frozenset[str]:
        """The flags the rules set that the weights take back (母親の彼氏に: no partner of hers)."""
        return frozenset(d.name[len(KEEP) :] for d in self.keeps if d.name[len(KEEP) :] in flags
                         and may_drop(d.name[len(KEEP) :], present) and not self._holds(d, present))  # fmt: skip

    def intent(self, chosen: str, present: frozenset[str]) -> str:
        """The intent, given the one the rules chose: victim or referral, or a case where the rules
        read none (夫に…それで性行為もされた, 飲まされて記憶がなく、朝ホテルで目が覚めた)."""
        if not present:
            return chosen
        if chosen == INTENT_HELP:
            if self.case is None or not self._holds(self.case, present):
                return chosen
            return INTENT_VICTIM if self.victim is not None and self._holds(self.victim, present) else INTENT_REFERRAL
        if chosen not in (INTENT_VICTIM, INTENT_REFERRAL):
            return chosen
        if self.help is not None and may_answer_help(present) and self._holds(self.help, present):
            return INTENT_HELP
        if self.victim is not None:
            return INTENT_VICTIM if self._holds(self.victim, present) else INTENT_REFERRAL
        return chosen


SCALE = 10_000  # weights count to four decimals (tools/train_weights.py rounds them so)


def _fixed(w: float) -> int:
    return round(w * SCALE)


def _logistic(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


FLAG_DECISIONS = ("danger", "carer", "acute", "partner", "pharmacy", "late")  # the flags weights may add, in this order
KEEP = "keep_"
KEEP_DECISIONS = ("keep_acute", "keep_partner", "keep_carer", "keep_minor", "keep_pharmacy", "keep_danger")  # the flags weights may take back
DECISION_NAMES = (*FLAG_DECISIONS, *KEEP_DECISIONS, "victim", "help", "case")
LATE_UNLESS_ACUTE = 0.1  # a learned late is not added where learned acute is at least this likely
MAX_KEEP_DANGER = 0.05  # 110 first is taken back only below this (cross-validation: BENCHMARKS.md, twenty-sixth session)
_CUE_KINDS = ("a:", "k:", "s:", "d:", "f:", "r:", "first:", "w:", "c:", "ow:")
_PLAIN_CUES = frozenset({"own_age", "named_subject", "hours", "act_dated"})


def load_learned(doc: Node, *, sets: Iterable[str], flags: Iterable[str], rules: Iterable[str]) -> Learned:
    """Read weights.json. Every cue must name a keyword set, flag or intent rule that rules.yaml
    defines: a weight for a name that no longer exists means the weights are older than the rules
    (retrain them: tools/train_weights.py)."""
    doc.only("meta", "decisions")
    names = {"a:": set(sets), "k:": set(sets), "s:": set(sets), "d:": set(sets), "f:": set(flags),
             "r:": set(rules), "first:": set(rules)}  # fmt: skip
    decisions: dict[str, Decision] = {}
    node = doc.child("decisions")
    if node is None or not node.is_mapping():
        doc.error(f"expected a mapping of decisions ({', '.join(DECISION_NAMES)})", "decisions")
        return Learned((), None)
    for name, body in node.value.items():
        d = Node(body, node.file, f"decisions.{name}", node.problems)
        if name not in DECISION_NAMES:
            node.error(f"unknown decision {name!r} (known: {', '.join(DECISION_NAMES)})", str(name))
            continue
        if not d.is_mapping():
            d.error("expected bias, threshold and weights")
            continue
        d.only("bias", "threshold", "weights")
        bias, threshold, weights = body.get("bias"), body.get("threshold"), body.get("weights")
        if not isinstance(bias, int | float) or not isinstance(threshold, int | float) or not 0 < threshold < 1:
            d.error("expected a number bias and a threshold between 0 and 1")
            continue
        if name == "keep_danger" and threshold > MAX_KEEP_DANGER:
            d.error(f"keep_danger's threshold is at most {MAX_KEEP_DANGER}: a danger is taken back only when "
                    "the weights are nearly sure it is false", "threshold")  # fmt: skip
            continue
        if not isinstance(weights, dict) or not all(isinstance(v, int | float) for v in weights.values()):
            d.error("expected weights: a mapping of cue to number", "weights")
            continue
        stale = sorted(c for c in weights if not _known(c, names))
        if stale:
            d.error(f"weights for cues the rules no longer give: {', '.join(stale[:5])}"
                    f"{' …' if len(stale) > 5 else ''} (retrain: tools/train_weights.py)", "weights")  # fmt: skip
            continue
        decisions[name] = Decision(name, float(bias), float(threshold), {str(k): float(v) for k, v in weights.items()})
    meta = doc.value.get("meta", {}) if doc.is_mapping() else {}
    meta = meta if isinstance(meta, dict) else {}
    return Learned(
        flags=tuple(decisions[n] for n in FLAG_DECISIONS if n in decisions),
        victim=decisions.get("victim"),
        help=decisions.get("help"),
        case=decisions.get("case"),
        keeps=tuple(decisions[n] for n in KEEP_DECISIONS if n in decisions),
        trained_on=tuple(str(x) for x in meta.get("trained_on", ())),
        rules_sha256=str(meta.get("rules_sha256", "")),
    )


def _known(cue: str, names: dict[str, set[str]]) -> bool:
    if cue in _PLAIN_CUES or cue.startswith(("w:", "c:", "ow:")):
        return True
    kind = next((k for k in _CUE_KINDS if cue.startswith(k)), None)
    return kind is not None and cue[len(kind) :] in names.get(kind, ())
