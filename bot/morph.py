"""Japanese words, their dictionary forms and the scope of a negation, from SudachiPy.

Where word boundaries, conjugations or a negation decide what a message means (工夫 holds 夫;
さわられた and 触られました are one verb; 加害者はもういない denies what 加害者 alone suggests),
the rules ask this module instead of growing lists of phrases. SudachiPy with its small dictionary
was chosen over fugashi + unidic-lite for its longer units (加害者, 待合室) and its cost (README).
"""

from __future__ import annotations

from bisect import bisect_left
from functools import cache
from typing import NamedTuple

_PREDICATES = frozenset({"動詞", "形容詞"})
_NEGATIONS = frozenset({"ない", "無い", "ぬ", "ず", "ん", "無し", "なし"})
# after the predicate that governs a word, these keep the same predicate going: て-form helpers
# (来ていない, 離れようとしない) and the auxiliaries between the verb and its negation
_HELPERS = frozenset({"居る", "いる", "おる", "来る", "くる", "為る", "する", "しまう", "仕舞う", "ある", "有る"})
# the verbs whose negation denies that a thing named before them is there (加害者はもういない)
_EXISTENCE = frozenset({"居る", "いる", "有る", "ある", "来る", "くる", "見える", "残る", "為る"})
_TALK_NOUNS = frozenset({"話", "訴え", "申告", "言及", "報告", "既往", "形跡", "事実"})  # 性被害の話: the words told of
_TALK_VERBS = frozenset({"出る", "聞く", "聞ける", "有る", "ある", "受ける"})  # 話は出ていない, 報告は受けていない
_FORMAL_NOUNS = frozenset({"事", "こと", "訳", "わけ", "筈", "はず"})  # いるということはない: still its clause
_COPULAS = frozenset({"だ", "です", "である"})  # 危険では(ない): a noun's own predicate
_FIRST_PERSON = frozenset({"私", "わたし", "あたし", "僕", "ぼく", "俺", "自分", "うち", "わたくし"})
_NOT_SUBJECTS = frozenset({"副詞可能", "数詞", "助数詞可能"})  # 去年は, 3回は: a time, not a person
# nouns after an event's noun that keep it an event: its time or its stage (来院時, 受診日, 入院中)
_EVENT_STAGES = frozenset({"時", "日", "中", "後", "前", "途中", "直後", "直前", "当日", "翌日", "以降", "以来", "明け", "際", "時間"})
_AFTER_CLAUSE = frozenset(["あと", "後", "とき", "時", "間", "隙", "うち"])  # a time clause: 寝たあと, 寝ている間
_CLAUSE_ENDS = frozenset("。．.！!？?\n")
_DEGREE = frozenset({"一切", "全然", "何も", "特に"})  # 性的なことは一切なし: how wholly denied, not a noun it lacks
_OBLIQUE = frozenset({"に", "から", "と", "で", "へ", "を", "より"})  # case particles of a word that is not the subject
_CLAUSE_PARTICLES = frozenset({"が", "けど", "けれど", "けれども", "ので", "のに", "から", "し", "ば", "たら"})
# the verbs that say a thing has stopped (ストーカー行為は止まっています, 脅迫はおさまった, 連絡は途絶えた)
_CEASING = frozenset({"止まる", "止む", "やむ", "収まる", "おさまる", "治まる", "無くなる", "なくなる", "途絶える",
                      "終わる", "止める", "やめる"})  # fmt: skip
_DONE = frozenset({"た", "ます", "だ"})  # after a verb: it happened (止まった, 止まります)


class Token(NamedTuple):
    begin: int  # character offsets in the analysed text
    end: int
    surface: str
    form: str  # SudachiPy's normalised form: one spelling for 無理矢理 / 無理やり, 居る / いる
    pos: str  # part of speech, first level: 名詞, 動詞, 助動詞, 助詞, 補助記号 ...
    pos2: str  # second level: 格助詞, 接続助詞, 句点 ...


_DICT = "small"  # the core and full dictionaries add words the rules never ask for: same accuracy, 84 MB less resident


@cache
def _tokenizer():
    from sudachipy import Dictionary, SplitMode

    return Dictionary(dict=_DICT).tokenizer(SplitMode.C, fields={"pos", "normalized_form"})


def tokens(text: str) -> tuple[Token, ...]:
    """The words of `text` (normalised text: NFKC, case-folded), longest units (SplitMode.C)."""
    if not text:
        return ()
    out = []
    tokenizer = _tokenizer()
    parts = _POS
    make = tuple.__new__  # a Token without NamedTuple's keyword handling: a third of the cost
    for offset in range(0, len(text), _CHUNK):  # SudachiPy takes at most 49,149 bytes at once
        for m in tokenizer.tokenize(text[offset : offset + _CHUNK]):
            pid = m.part_of_speech_id()
            pos = parts.get(pid)
            if pos is None:
                pos = parts[pid] = m.part_of_speech()[:2]
            out.append(make(Token, (offset + m.begin(), offset + m.end(), m.surface(), m.normalized_form(), *pos)))
    return tuple(out)


_POS: dict[int, tuple[str, str]] = {}  # part-of-speech id -> its first two levels


_CHUNK = 12_000  # characters: at most 48,000 bytes of UTF-8


_SUFFERED = frozenset({"遭う", "会う", "受ける"})  # 被害に遭う, 性暴力を受ける
_PASSIVE_AUX = frozenset({"れる", "られる"})
_PROGRESSIVE = frozenset({"居る", "いる", "おる"})  # て + these: going on (されている)
_TE_HELPERS = frozenset({"来る", "くる", "しまう", "仕舞う"})  # て + these: the same verb goes on (入ってこられる)


def _is_te(t: Token) -> bool:
    """The conjunctive て/で that joins a verb to the next (not the case particle で of 部屋で)."""
    return t.pos == "助詞" and t.pos2 == "接続助詞" and t.surface in ("て", "で")


class Analysis:
    """The tokens of one message, with the questions the rules ask of a span of it."""

    __slots__ = ("_begins", "_ends", "_resets", "_subjects", "text", "tokens")

    def __init__(self, text: str):
        self.text = text
        self.tokens = tokens(text)
        self._begins = [t.begin for t in self.tokens]
        self._ends = [t.end for t in self.tokens]
        self._subjects: list[tuple[int, frozenset[int], int]] | None = None  # made when first asked
        self._resets: list[int] = []

    def is_word(self, start: int, end: int) -> bool:
        """Whether [start, end) begins and ends on word boundaries (夫 in 夫が: yes; in 工夫: no)."""
        i = bisect_left(self._begins, start)
        j = bisect_left(self._ends, end)
        return i < len(self._begins) and self._begins[i] == start and j < len(self._ends) and self._ends[j] == end

    def forms(self) -> list[str]:
        return [t.form for t in self.tokens]

    def names_a_thing(self, start: int, end: int) -> bool:
        """Whether the one noun at [start, end) only modifies the noun after it (保護|室, 入院|患者,
        面会|室, 予約|票): then it names no event. A time or a stage after it keeps the event
        (来院|時, 受診|日, 入院|中, 帰宅|途中)."""
        j = bisect_left(self._begins, end)
        if j == 0 or j >= len(self.tokens) or self._begins[j] != end or self.tokens[j - 1].begin != start:
            return False
        before, after = self.tokens[j - 1], self.tokens[j]
        return before.pos == "名詞" and (after.pos == "名詞" or after.pos2 == "名詞的") and after.form not in _EVENT_STAGES

    def subject_named_at(self, end: int, people: frozenset[int] | set[int]) -> bool:
        """Whether a person other than the writer is the subject (が/は) of a clause before `end`
        (父親が…受けている, 男性（30代）が…): then a passive there is not the writer's own story.
        `people`: the offsets where words naming people end (セクハラが is no person)."""
        if self._subjects is None:
            self._subjects, self._resets = self._subject_marks()
        j = bisect_left(self._resets, end) - 1
        clause = self._resets[j] if j >= 0 else -1
        i = bisect_left(self._subjects, (end,)) - 1
        while i >= 0 and self._subjects[i][0] > clause:
            if self._subjects[i][1] & people:
                return True
            i -= 1
        return False

    def subject_before(self, start: int) -> tuple[int, int] | None:
        """The span of the noun that is the nearest subject (が/は) before `start` in its clause
        (娘さんは|待合で待ってます: 娘さん), or None."""
        if self._subjects is None:
            self._subjects, self._resets = self._subject_marks()
        j = bisect_left(self._resets, start) - 1
        clause = self._resets[j] if j >= 0 else -1
        i = bisect_left(self._subjects, (start,)) - 1
        if i < 0 or self._subjects[i][0] <= clause:
            return None
        particle, _, begin = self._subjects[i]
        return begin, particle

    def _subject_marks(self) -> tuple[list[tuple[int, frozenset[int], int]], list[int]]:
        """The subject particles (offset, the offsets where the noun before it may end, where that
        noun begins), and the offsets where clauses end."""
        subjects, resets = [], []
        toks = self.tokens
        for i, t in enumerate(toks):
            if t.surface[:1] in _CLAUSE_ENDS or t.pos2 == "句点" or t.pos == "空白":  # a space ends a casual clause
                resets.append(t.begin)
            elif t.surface in _AFTER_CLAUSE and i > 0 and toks[i - 1].pos in ("動詞", "助動詞"):
                resets.append(t.begin)  # 子どもが寝たあと…された: that subject is the clause's before あと
            elif _is_te(t) and i > 0 and toks[i - 1].pos == "動詞" and toks[i - 1].form not in _TE_HELPERS \
                    and i + 1 < len(toks) and toks[i + 1].pos == "動詞" and toks[i + 1].form in _TE_HELPERS:
                resets.append(t.end)  # 男が入ってきて触られた: he is the subject of coming in, she of the passive
            elif t.surface in ("が", "は") and t.pos == "助詞" and t.pos2 in ("格助詞", "係助詞") and i > 0:
                ends = set()
                k = i - 1
                if toks[k].surface in (")", "）"):  # 男性（30代）が: the noun before the brackets
                    while k > 0 and toks[k].surface not in ("(", "（"):
                        k -= 1
                    k -= 1
                if k >= 0 and toks[k].pos == "接尾辞":  # 利用者さんが
                    ends.add(toks[k].end)
                    k -= 1
                if k >= 0 and toks[k].pos in ("名詞", "接尾辞") and toks[k].form not in _FIRST_PERSON:
                    ends.add(toks[k].end)
                if ends:
                    k = max(k, 0)
                    while k > 0 and toks[k - 1].pos == "接頭辞":  # お母さん
                        k -= 1
                    subjects.append((t.begin, frozenset(ends), toks[k].begin))
        return subjects, resets

    def told_as_act(self, start: int, end: int) -> bool:
        """Whether the words at [start, end) are told as something suffered, not only named: an adverb
        (無理やり), or a passive or a verb of suffering (遭う, 受ける) in them or right after them, past at
        most one case particle (触られた, レイプされた, 性被害にあった, 性暴力を受けた); not 性被害の相談,
        性被害です, 性的な行為をしている (done by someone, told of him)."""
        toks = self.tokens
        i = bisect_left(self._begins, start)
        if i < len(toks) and toks[i].pos == "副詞" and toks[i].end >= end:
            return True  # 無理やり
        j = i
        while j < len(toks) and toks[j].begin < end:
            j += 1  # the tokens of the words themselves
        if j < len(toks) and toks[j].pos == "助詞" and toks[j].surface in ("に", "を", "が"):
            j += 1
        prev = ""
        for t in toks[i : j + 3]:
            if t.form in _SUFFERED or (t.pos == "助動詞" and t.form in _PASSIVE_AUX) or (t.form == "有る" and prev == "に"):
                return True  # 被害にあった: the analyser reads あう after に as 有る
            if t.begin >= end and t.pos not in ("動詞", "助動詞") and not (prev == "" and t.pos == "助詞"):
                return False
            prev = t.surface if t.begin >= end else prev
        return False

    def _after(self, end: int) -> int:
        """The first token of the verb chain after words ending at `end` (強要 + されている), or the
        token the words end inside (触ら|れる)."""
        i = bisect_left(self._ends, end)
        return i + 1 if i < len(self.tokens) and self.tokens[i].end == end else i

    def going_on(self, end: int) -> bool:
        """Whether the act whose words end at `end` is told as going on: progressive (触られている,
        されてる, 変なことをしている, され続け) or a passive in the present (脱がされる, させられる,
        入ってこられる, 触られます); not past (触られた, 触られていた), not a passive describing a noun
        (触られる女性) nor a guess (触られるかも)."""
        toks = self.tokens
        n = len(toks)
        i = self._after(end)
        if i < n and toks[i].pos == "助詞" and toks[i].surface in ("を", "に"):
            i += 1  # 変なこと + を + している
        state = ""  # "stem" (触られ), "te" (…て), "passive" (a passive's present form), "progressive"
        prev = ""
        j = i
        while j < n and j < i + 10:
            t = toks[j]
            if t.pos == "助動詞":
                if t.form == "た":
                    return False
                if t.form in _PASSIVE_AUX:
                    state = "passive" if t.surface.endswith("る") else "stem"
                elif t.form in ("てる", "よる"):  # 触りよる, しよる: western Japan's progressive
                    state = "progressive"
                elif t.form == "ます" and state == "stem":
                    state = "passive"
            elif t.pos == "助詞" and (_is_te(t) or t.surface == "たり"):  # 触られたりしている
                if state != "progressive":
                    state = "te"
            elif t.pos == "動詞" and ((prev in ("て", "で") and t.form in _PROGRESSIVE) or t.form == "続ける"):
                state = "progressive"
            elif t.pos == "動詞" and prev == "たり" and t.form == "為る":
                pass  # …たりする: the chain goes on
            elif t.pos == "動詞" and (j == i or (prev in ("て", "で") and t.form in _TE_HELPERS)):
                if j > i and t.form in ("来る", "くる"):  # 触ってくる, 入ってきます: done again and again
                    state = "passive" if t.surface.endswith("る") else "stem"
            else:
                break
            prev = t.surface
            j += 1
        if state == "progressive":
            return True
        if state != "passive":
            return False
        nxt = toks[j] if j < n else None
        return nxt is None or not (nxt.pos == "名詞" or nxt.surface in ("か", "かも") or nxt.form == "可能")

    def told_before(self, end: int) -> str:
        """How the verb whose words end at `end` is told when not as now: "was" for a state that went on
        then (脅されていた, つきまとっていた), "te" for a て-form that leads on to the next verb
        (閉じ込められて無理やり…: how it was done), else ""."""
        toks = self.tokens
        n = len(toks)
        i = self._after(end)
        progressive = False
        last = ""
        j = i
        while j < n and j < i + 10:
            t = toks[j]
            if t.pos == "助動詞":
                if t.form == "た":
                    return "was" if progressive else ""
                progressive = progressive or t.form == "てる"
            elif _is_te(t):
                pass
            elif t.pos == "動詞" and (j == i or last in ("て", "で")):
                if j > i and t.pos2 != "非自立可能":
                    break  # つけられて襲われた: the て-form leads on to another verb, not a helper's
                progressive = progressive or (last in ("て", "で") and t.form in _PROGRESSIVE)
            else:
                break
            last = t.surface
            j += 1
        return "te" if last in ("て", "で", "れ", "られ") and not progressive else ""  # 侵入され体を触られた: 連用形 too

    def negated(self, end: int) -> bool:
        """Whether the predicate that the words ending at `end` belong to is negated, within its
        clause: 危険はありません, 加害者はもういない, 外にはいない, DV歴なし; not 脅されて帰れない
        (the negation there belongs to the next predicate)."""
        toks = self.tokens
        i = bisect_left(self._begins, end)
        if i == len(toks):
            return False
        if i > 0 and toks[i - 1].pos2 == "接続助詞" and toks[i - 1].surface in _CLAUSE_PARTICLES:
            return False  # 嫌がったのに…: the words end their clause, what follows is another's
        if toks[i].pos2 == "括弧閉":
            return False  # 加害者（元交際相手）は…危険はない: words in brackets are an aside, not the predicate's
        te = i if toks[i].surface in ("て", "で") and toks[i].pos2 == "接続助詞" else i - 1
        if 0 <= te < len(toks) - 1 and toks[te].surface in ("て", "で") and toks[te].pos2 == "接続助詞" and toks[te + 1].pos2 == "読点":
            return False  # 夫がずっと横にいて、本人が夫に見えないように: a て-form and a comma end the clause
        head = ends_in_verb = i > 0 and toks[i - 1].pos in _PREDICATES | {"助動詞"}  # the words end in a verb
        # the words marked as a place, a partner or a source (彼氏から, 男性に): another noun's が after
        # them is the negation's subject (彼氏から連絡がない, 交際相手の男性に意識がないときに)
        j = i
        while j + 2 < len(toks) and toks[j].surface == "の" and toks[j + 1].pos == "名詞":  # 交際相手の男性に
            j += 2
            while j < len(toks) - 1 and toks[j].pos == "名詞":
                j += 1
        oblique = toks[j].pos2 == "格助詞" and toks[j].surface in _OBLIQUE
        # told of as a talk (性被害の話は出ていない, 性被害の既往なし): its denial denies the words
        talk = toks[i].surface == "の" and i + 1 < len(toks) and toks[i + 1].form in _TALK_NOUNS
        prev = ""
        prev_pos = toks[i - 1].pos if i > 0 else ""
        for k, t in enumerate(toks[i : i + 12]):
            if t.surface[:1] in _CLAUSE_ENDS or t.pos2 == "句点" or t.pos == "空白":  # a space ends a note's field
                return False
            if t.form in ("無し", "なし") and k > 0 and toks[i + k - 1].pos2 == "普通名詞" and toks[i + k - 1].form not in _DEGREE \
                    and not talk:  # fmt: skip
                continue  # …ゴムなしで: "without" another noun after the words, not their denial
            if t.pos2 == "読点" and prev_pos == "名詞":  # 性被害の患者、脅迫はない: a noun phrase set apart
                return False
            prev_pos = t.pos
            if t.form == "ず" and not ends_in_verb and toks[i + k + 1 : i + k + 2] and toks[i + k + 1].surface == "に":
                prev = t.surface
                continue  # 彼氏から避妊せずに無理やり: "without" another's verb; the clause's predicate is ahead (not 逮捕されずに)
            if t.form == "否定" and t.pos == "名詞" and k > 0:  # 性的暴力は否定, 本人も家族も否定しています (not 否定できない)
                return not any(r.form in ("出来る", "できる", "切れる") for r in toks[i + k + 1 : i + k + 4])
            if t.form in _NEGATIONS and t.pos in ("助動詞", "形容詞", "名詞"):
                return prev not in ("しか", "申し訳", "もうしわけ", "仕方", "しょうが", "しかた")  # 帰るしかない, 申し訳ない: no denial
            if t.pos in _PREDICATES or (t.pos == "助動詞" and t.form in _COPULAS):
                if head and t.form not in _HELPERS and not (t.form == "言う" and prev == "と"):  # …ということはない
                    return False  # the next predicate's negation is not this one's
                if not head and t.pos == "動詞" and (t.form not in _EXISTENCE or t.surface == "いら") and not (talk and t.form in _TALK_VERBS):
                    return False  # 男性が離れようとしない denies the leaving, not the man; いらん: 要る, not 居る
                head = True
            elif t.pos == "助詞" and t.pos2 == "接続助詞":
                if t.surface in _CLAUSE_PARTICLES:
                    return False
            elif (oblique and k > 0 and t.surface == "が" and t.pos2 == "格助詞") or (
                t.pos == "名詞" and head and t.form not in _FORMAL_NOUNS
            ):
                return False  # another noun's が after an oblique word; a noun after the predicate
            prev = t.surface
        return False

    def ceased(self, end: int) -> bool:
        """Whether the predicate that the words ending at `end` belong to says they stopped, within
        the clause: ストーカー行為は3ヶ月前に止まっています, 脅迫メッセージは介入してから止まり,
        連絡も来なくなった; not 止まらない, not a verb of another clause (脅迫されて止めた車)."""
        toks = self.tokens
        i = bisect_left(self._begins, end)
        for k in range(i, min(len(toks), i + 14)):
            t = toks[k]
            if t.surface[:1] in _CLAUSE_ENDS or t.pos2 in ("句点", "読点") or t.pos == "空白":
                return False
            if t.pos not in _PREDICATES:
                continue
            after = toks[k + 1 : k + 3]
            if after and _is_te(after[0]) and len(after) > 1 and after[1].surface == "から":
                continue  # 警察が介入してから: the time of the stopping, its verb is ahead
            if t.form in _CEASING:  # said as done: 止まった, 止まっています, 止まり、 (not 止まらない, やめてほしい)
                return not after or after[0].form in _DONE or after[0].pos2 in ("読点", "句点") or (
                    _is_te(after[0]) and (len(after) == 1 or after[1].form in _HELPERS or after[1].pos2 == "読点"))
            # 来なくなった, 見せなくなった: no longer comes
            return len(after) == 2 and after[0].form in ("ない", "無い") and after[1].form in ("成る", "なる")
        return False
