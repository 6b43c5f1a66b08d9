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

import datetime as dt
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import chain
from typing import Any

import ahocorasick

from bot.learned import Learned, content_words, cues, latin_words, letter_pairs
from bot.model import FLAGS, INTENT_REFERRAL, INTENT_VICTIM, INTENTS
from bot.morph import Analysis, Token
from bot.schema import Node
from bot.text import KATAKANA_TO_HIRAGANA, TAKEN_BACK, Zoned, digit_before, normalize, utf8_letters


@dataclass(frozen=True)
class Facts:
    """What the matchers read in one message: the input of every condition."""

    keywords: frozenset[str]  # ids of keyword sets that matched ("clinician", "topic", ...)
    place: bool  # a place was recognised
    flags: frozenset[str]
    hours_since: float | None
    ages: tuple[float, ...]  # ages read from the text ("15歳", "10代" -> 10, "15-year-old")
    affirmed: frozenset[str] = frozenset()  # sets with an occurrence that no negation denies
    said: frozenset[str] = frozenset()  # ... that is also the writer's own words (not quoted speech)
    sentences: tuple[frozenset[str], ...] = ()  # the affirmed sets of each sentence
    own_ages: tuple[float, ...] = ()  # the writer's own age or school year ("中3です", "I'm 16")
    other_words: int = 0  # content words no keyword set or place name explains (電子カルテ, 当直表)
    named_subject: bool = False  # someone other than the writer is the subject of what happened
    doers: frozenset[str] = frozenset()  # the sets of the word for the one who did it (its agent, else its subject)
    cues: frozenset[str] = frozenset()  # what the learned weights read (bot.learned): set when there are weights
    learned: frozenset[str] = frozenset()  # the flags the learned weights added (the rules did not set them)
    dropped: frozenset[str] = frozenset()  # the flags the rules set and the learned weights took back


Condition = Callable[[Facts], bool]


# ---------------------------------------------------------------- numbers: ages and elapsed time
_KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"(\d+(?:\.\d+)?|[一二三四五六七八九十]{1,3}|半)"
_WORD_NUM = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "half an": 0.5, "a few": 3, "several": 5, "couple of": 2,
    "a couple of": 2, "a couple": 2, "half a": 0.5, "eleven": 11, "fifteen": 15, "eighteen": 18, "twenty": 20, "thirty": 30,
    "thirty-six": 36, "forty": 40, "forty-eight": 48, "fifty": 50, "sixty": 60, "seventy": 70, "seventy-two": 72,
}  # fmt: skip (the numbers of hours a note spells out: forty-eight, seventy-two)
_EN_NUM = (r"(\d+(?:\.\d+)?|a couple of|couple of|a couple|a few|several|half an|half a|thirty-six|forty-eight|seventy-two"
           r"|an|a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|eighteen|twenty|thirty|forty|fifty|sixty|seventy)")

# unit -> hours
_JA_UNITS = {"分": 1 / 60, "時間": 1, "日": 24, "晩": 24, "週間": 168, "週": 168, "か月": 720, "ヶ月": 720, "ケ月": 720,
             "カ月": 720, "ヵ月": 720, "ヶ月間": 720, "月": 720, "年": 8760, "周間": 168,  # 一周間前: a common slip for 一週間
             "じかん": 1, "時かん": 1, "週かん": 168, "にち": 24, "ふん": 1 / 60, "ぷん": 1 / 60, "しゅうかん": 168, "かげつ": 720, "ねん": 8760, "h": 1, "hr": 1, "hrs": 1,
             "d": 24, "w": 168, "wk": 168, "min": 1 / 60, "mins": 1 / 60}  # fmt: skip (kana: 1しゅうかんまえ; 6h前, 2d前, 3wk前, 30min前, 2h半前)
_EN_AND_BEFORE = re.compile(_EN_NUM + r"\s*(day|week|hour)s?,?\s+and\s+$")  # "3 days and" 6 hours ago
_EN_UNITS = {"minute": 1 / 60, "min": 1 / 60, "hour": 1, "hr": 1, "h": 1, "day": 24, "d": 24, "night": 24,
             "week": 168, "wk": 168, "weekend": 168, "fortnight": 336, "month": 720, "mo": 720, "year": 8760, "yr": 8760}  # fmt: skip

# Each whitespace run is matched once (`\s*+(?:-\s*+)?`, not `\s*-?\s*`): the same matches, since a
# letter follows, but two adjacent `\s*` would try every split of a long run of newlines (quadratic).
_JA_AGO = re.compile(_NUM + r"\s*(分|時間半|時間|時かん|日半|日|晩|週間|周間|週かん|週|か月半|ヶ月半|ケ月半|カ月半|ヵ月半|か月|ヶ月|ケ月|カ月|ヵ月|月|年半|年|じかん|にち|しゅうかん|かげつ|ねん|ふん|ぷん|mins|min|h半|hrs|hr|h|d|wk|w)\s*+(?:(?:ほど|くらい|ぐらい|くれぇ|ぐれぇ|位|以上|近く|弱|も|ちょっと|ちょい|と少し)\s*+)?(?:前|まえ)")
# the words _JA_FROM counts from that name the incident itself: a time said from them is its own
_INCIDENT_NAMED = ("被害", "事件", "暴行", "レイプ", "受傷", "性暴力", "性被害", "強姦", "性交", "あの日", "今日で")
_JA_FROM = re.compile("(?:" + "|".join((*_INCIDENT_NAMED, "それ", "あれ", "発生", "摂取", "経過")) + r")(?:発生)?(?:\s*[（(][^）)]{1,6}[)）])?\s*(?:から|後|(?<=今日で)|(?<=経過)|(?=\s*(?:約|およそ)?\s*\d+\s*h))\s*(?:もう|まだ|およそ|約|既に|すでに|ほぼ|ちょうど|丁度|丸)?\s*" + _NUM + r"\s*(時間半|時間|分|日半|日|週間|か月半|か月|ヶ月半|ヶ月|カ月半|カ月|年半|年|hrs|hr|h)(?!半)(?!\s*(?:以内|以上|前|後|[をがは]?\s*(?:もう|少し|ちょっと|とっくに|すでに|既に|だいぶ)?\s*(?:過ぎ|超え|すぎ|(?:たっ|経っ)(?:て|ちゃ))))")
# a span after the incident named (被害36時間後, 暴行から3日後に受診): the time since is at least that
_JA_NAMED_LATER = re.compile("(?:" + "|".join(_INCIDENT_NAMED[:-2]) + r")\s*(?:から)?\s*(?:約|およそ)?\s*" + _NUM
                             + r"\s*(時間半|時間|日半|日|週間|か月|ヶ月|カ月|h)\s*(?:ほど|くらい|ぐらい)?\s*後(?!\s*(?:に|には)?\s*(?:また|予定|来る|来院予定))")
# since an event that ended something (別居して3か月): at least that long; not since one that began
# the time in which it happened (知り合って3か月の彼, 交際して1年, 虐待が始まって2年)
_JA_AFTER_EVENT = re.compile(r"(?:(?<=[しっれ])(?<!付き合っ)(?<!つきあっ)(?<!結婚し)(?<!けっこんし)(?<!知り合っ)(?<!しりあっ)(?<!出会っ)"
                             r"(?<!であっ)(?<!交際し)(?<!同棲し)(?<!同居し)(?<!入社し)(?<!入学し)(?<!通っ)(?<!始まっ)(?<!はじまっ)て|(?<=[所居婚職院])から)\s*(?:もう|既に|すでに)?\s*"
                             r"(?:" + _NUM + r"\s*(か月|ヶ月|カ月|週間|年)|(半年))(?!\s*(?:前|以内|後)|\s*(?:経|た)[つちっ][^。、]{0,4}?(?:が|けど|けれど|のに))")  # もう別れて半年; not 別れて3年経つが…(the act after it)
_JA_AFTER_ACT = re.compile(r"(?:され|られ|遭っ|あっ)て(?:から)?\s*(?:もう|まだ)?\s*" + _NUM + r"\s*(時間|日)(?![\d時]|\s*(?:前|以内|後|以上|目|間|ほど前))")
# the last of several times, said as such (最後は先週, さいごはきのうのひる, "last time was friday")
_LAST_TIME = re.compile(r"(?:最後|さいご|直近)(?:に(?:された|あった|会った))?(?:の)?は|\blast time(?: (?:was|it happened))?\b|\bmost recently\b")
_LAST_TIME_HINT = re.compile("最後|さいご|直近|last time|most recently")  # a word every _LAST_TIME has: a fast first look
_RECENT_DAY = re.compile(r"\s*(?:昨日|きのう|昨夜|昨晩|ゆうべ|おととい|一昨日|今朝|けさ|今日|きょう|さっき|yesterday|last night|this morning|today|tonight)")
# an event before "N経つ" that is not the act (別れて3年経つ, 入院して3日経つ): the time counts from it
_SINCE_OTHER = re.compile(r"(?<!被害)(?<!事件)(?<!暴行)(?<!受傷)(?<!レイプ)(?<!性被害)(?<!それ)(?<!あれ)(?<!られて)(?<!されて)(?<!われて)"
                          r"(?<!られ)(?<!され)(?<!われ)(?:から|して|て|後)\s*(?:もう|既に|すでに)?\s*$")  # not 襲われてから48時間
_JA_WEEKS_AND_DAYS = re.compile(_NUM + r"\s*週間\s*と\s*" + _NUM + r"\s*日\s*(?:ほど|くらい|ぐらい)?\s*(?:前|まえ|(?:が|は)?\s*(?:たっ|経っ|過ぎ|経過))")
# days and hours (あれから丸3日と2時間くらい): one time
_JA_DAYS_AND_HOURS = re.compile(_NUM + r"\s*日\s*と\s*" + _NUM + r"\s*時間(?!\s*(?:後|以内|ほど後|くらい後))")
# a number of days said in kana (ふつかまえ, みっかくらい前): the days of the month's reading
_KANA_DAYS = {"ふつか": 2, "みっか": 3, "よっか": 4, "いつか": 5, "むいか": 6, "なのか": 7, "ようか": 8, "ここのか": 9, "とおか": 10, "はんとし": 182.5,
              "ひと月": 30, "ひとつき": 30, "ふた月": 60, "ふたつき": 60, "みつき": 90}  # fmt: skip (and months counted so: ふた月前)
_JA_KANA_DAYS_AGO = re.compile("(" + "|".join(_KANA_DAYS) + r")\s*(?:ほど|くらい|ぐらい)?\s*(?:前|まえ)")
# a span said in kana (いっしゅうかんまえ, さんじかんまえ, にかげつまえ): a number's reading and a unit's;
# a number of one kana (に, ご, く, よ) only where no kana stands before it (a particle's に is not two)
_KANA_NUMBERS = {"いち": 1, "いっ": 1, "さん": 3, "よん": 4, "ろく": 6, "ろっ": 6, "なな": 7, "しち": 7, "はち": 8,
                 "はっ": 8, "きゅう": 9, "じゅう": 10, "じゅっ": 10, "じっ": 10, "に": 2, "ご": 5, "く": 9, "よ": 4}  # fmt: skip
_KANA_UNITS = {"じかん": 1, "しゅうかん": 168, "かげつ": 720, "かげつかん": 720, "ねん": 8760}
_JA_KANA_SPAN_AGO = re.compile(
    "(" + "|".join(k for k in _KANA_NUMBERS if len(k) > 1) + r"|(?<![ぁ-ゖ])[にごくよ])"
    "(" + "|".join(sorted(_KANA_UNITS, key=len, reverse=True)) + r")\s*(?:ほど|くらい|ぐらい)?\s*(?:前|まえ)")
_T_PLUS = re.compile(r"\bt\s*\+\s*(\d+(?:\.\d+)?)\s*(h|hrs?|hours?|d|days?)\b")
_MORE_THAN = re.compile(r"以上|ちょっと|ちょい|と少し")  # 72時間ちょっと前: a little more than that
_PASSED_ALREADY = re.compile(r"(?:て|って)?(?:しまっ|しまい|ちゃっ|ちゃい)")  # after 72時間たっ: it has passed
_NOT_YET = re.compile(r"(?:て|って)?(?:い)?(?:ない|ません|なかった)")  # after 72時間たっ(て): it has not
_JA_WITHIN = re.compile(_NUM + r"\s*(時間|日|h)\s*以内(?!\s*(?:なら|だったら|であれば|に(?:飲|服用|内服|受診)))")  # not 72時間以内なら: a condition
_JA_SINCE = re.compile(_NUM + r"\s*(分|時間半|時間|日半|日|週間|週|か月半|ヶ月半|カ月半|か月|ヶ月|ケ月|カ月|ヵ月|年半|年|h)\s*(?:ちょうど|丁度)?\s*(?:ほど|くらい|ぐらい|以上|近く)?\s*(?:が|は|を)?\s*(?:もう|少し|ちょっと|とっくに|すでに|既に|だいぶ)?\s*"
                       r"(?:経過|経っ|経ち|経つ|たっ|たち|たつ|過ぎ|すぎ|超え|こえ)(?!\s*(?:たら|ても(?!\s*まだ)|ると|れば|ちゃったら|てしまったら|てたら|ていたら|る前))")  # not 72時間過ぎたら; 4日たってもまだ眠れない
_EN_AGO = re.compile(r"\b" + _EN_NUM + r"\s*+(?:-\s*+)?(minute|min|hour|hr|h|day|(?<=\d)d|night|weekend|fortnight|week|wk|month|year|yr|mo)s?(?:\s+and\s+a\s+half|\s+or\s+so|\s*-?\s*ish)?\s+(?:ago|before(?!\s+(?:that|then|this)\b)|back|prior|earlier)\b"
                     r"|\b" + _EN_NUM + r"\s*+(hour|hr|h|day|week|month)s?\s+(?:(?:after|since|post)(?=\s*[,.;:]|\s*$)|now\b"  # "60 hours after,", "7 hours since.", "4 days now"
                     r"|(?:after|since|post)(?:\s+|-)(?:being\s+|the\s+|an?\s+|her\s+|his\s+|alleged\s+|she\s+was\s+|he\s+was\s+)?(?:sexual(?:ly)?\s+)?"
                     r"(?:raped|rape|assaulted|assault|sa|incident|attacked|attack|it happened)\b)")  # "60 hours after being raped", "4 hrs post assault", "one week since it happened"
_EN_SPAN_AFTER = re.compile(r"\b(?:since|before)\s+" + _EN_NUM + r"\s*(hour|hr|day|week|month|year)s?\b(?!\s*(?:ago|before|after|since|pass|have|has|are|is|elapse|or\b|\?))")
_EN_SPAN_IF = re.compile(r"\b(?:within|take|taken|use|used|given|up to|less than|effective|works?|if|must|should)\b")  # "taken before 72 hours": a limit, not a time
_JA_ELAPSED_FIELD = re.compile(r"経過(?:時間|日数)?\s*(?:[:：=]|は)?\s*(?:約|およそ)?\s*" + _NUM + r"\s*(時間半|時間|日半|日|週間|か月|ヶ月|カ月)")
_EN_BEEN = re.compile(r"\b(?:it'?s|it has|has)\s+been\s+(?:about\s+|around\s+|almost\s+|over\s+|nearly\s+|like\s+|roughly\s+|just\s+|only\s+)?"
                      + _EN_NUM + r"\s*(hour|hr|day|week|month|year)s?(?:\s+since\b|\s+now\b|(?=\s*[.,;!?]|\s*$))")  # "its been 80 hours."
_JA_AGE = re.compile(r"(\d{1,3}|[一二三四五六七八九十]{1,3})\s*-?\s*(歳|才|さい|サイ(?![ァ-ヺー])|代)\s*(未満|以下)?")  # 5-さい: romaji 5-sai read in kana
_NOT_AFTER_DAI = frozenset("市町村区郡目表理金替わ")  # 八代市, 三代目
_EN_AGE = re.compile(r"\b(\d{1,3})\s*+(?:-\s*+)?(?:years?|yrs?|y)\s*+(?:-\s*+)?(?:old|o\b)|\b(?:aged?|age of)\s+(\d{1,3})\b|(?<![\da-z])(\d{1,2})\s*(?:yo|y/o|y\.o\.?)(?![\da-z])(?!\s+(?:ago|old|before|earlier))|\b(\d{1,2})\s*(?:y|f|m)(?!\w)(?!\s+(?:ago|old|before|earlier))|\b(?:in (?:her|his|their) )?(\d0)s\b")  # fmt: skip
_digit_before = digit_before()
# Scanned only around the words every match contains (see bot.text.Zoned): most messages hold none.
_KANJI_NUMERALS = "一二三四五六七八九十"
_JA_AGO_SCAN = Zoned(_JA_AGO, r"\d.\s一二三四五六七八九十半分時間日晩週周か月ヶケカヵ年ほどくらいぐれぇ位以上近弱も前まえじんにちしゅうげつねょっとい少ふぷhrsdwkmin", ("前", "まえ"))
_EN_AGO_SCAN = Zoned(_EN_AGO, r"\d.\s\-abcdefghiklmnoprstuvwxy", ("ago", "before", "back", "after", "since", "post", "now", "prior", "earlier"), ahead=1,
                     needle_ok=lambda text, i: i > 0 and text[i - 1].isspace())  # fmt: skip
_JA_AGE_SCAN = Zoned(_JA_AGE, r"\d\s\-一二三四五六七八九十歳才さいサイ代未満以下", ("歳", "才", "さい", "サイ", "代"), ahead=1,
                     needle_ok=digit_before(_KANJI_NUMERALS))  # fmt: skip
_EN_AGE_SCAN = Zoned(_EN_AGE, r"\d\s\-/.adefghilmnorsty", ("y", "age", "0s", "f", "m"), ahead=1,
                     needle_ok=lambda text, i: text[i] not in "yfm" or _digit_before(text, i))  # fmt: skip


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
    found = read_elapsed(text, reverse)
    return round(min(h for h, _, _ in found), 2) if found else None


def _ja_hours(n: float, unit: str) -> float:
    """The hours of n units, a half more for 日半, 時間半, ヶ月半, 年半 (1日半: 36)."""
    return (n + 0.5) * _JA_UNITS[unit[:-1]] if unit.endswith("半") else n * _JA_UNITS[unit]


# the act dated by a visit or a stay whose own time is said (入院10日目…入院の前日に, 前回の健診が2週間前で、その帰りに)
_EVENT = r"(?:入院|来院|受診|健診|面会|入所|初診|診察)"
_EVENT_UNIT = r"\s*(日|週間|か月|ヶ月|カ月)"
_EVENT_AGES = (  # (pattern, days counted from the event's first day: 入院10日目 is 9 days ago)
    (re.compile(_EVENT + r"\s*" + _NUM + r"\s*日目"), True),
    (re.compile(_EVENT + r"(?:して|から)\s*" + _NUM + _EVENT_UNIT + r"(?![前後目以])"), False),  # 入院して2週間
    (re.compile(r"今日で\s*" + _EVENT + r"\s*" + _NUM + _EVENT_UNIT + r"(?![前後目以])"), False),  # 今日で入院1週間
    (re.compile(_NUM + _EVENT_UNIT + r"前\s*(?:に|の)?\s*" + _EVENT), False),  # 2週間前に入院
    (re.compile(_EVENT + r"(?:は|が|日は|したのは)?\s*[（(]?\s*" + _NUM + _EVENT_UNIT + r"前"), False),  # 来院（3日前）
)
_EVENT_DAY_WORDS = {"今日": 0.0, "本日": 0.0, "昨日": 24.0, "きのう": 24.0, "一昨日": 48.0, "おととい": 48.0}
_EVENT_DAY = re.compile(r"(今日|本日|昨日|きのう|一昨日|おととい)\s*(?:に|の)?\s*" + _EVENT)  # 昨日入院した
_EVENT_ON = r"(?:\d{1,2}\s*月\s*\d{1,2}\s*日|(?<![\d/])\d{1,2}/\d{1,2}(?![\d/])|(?:先々週|先週|今週)?\s*の?\s*[月火水木金土日]曜日?)"
_EVENT_DATE = re.compile(f"(?P<on>{_EVENT_ON})" + r"\s*(?:に|の)?\s*" + _EVENT + "|" + _EVENT + r"(?:は|が|したのは)\s*" + f"(?P<was>{_EVENT_ON})")  # 12月2日に入院, 初診は11月28日
# the act's day told from the event's: the day before (+24 h), the same day (+0), or before it (a bound)
_RELATIVE_ACT = re.compile(_EVENT + r"(?:の|した|する)?\s*(前日|前の日|前の晩|前夜|当日|日(?!目|数|中|時)|前(?!回|[0-9一二三四五六七八九十]))|その\s*(前日|前の日|前の晩|日|帰り)")
_EVENT_HINT = re.compile(r"前日|前の日|前の晩|前夜|当日|その日|帰り|(?:入院|来院|受診|健診|面会|入所|初診|診察)(?:の|した|する)?\s*(?:日|前)")
_RELATIVE_HOURS = {"前日": 24.0, "前の日": 24.0, "前の晩": 24.0, "前夜": 24.0, "当日": 0.0, "日": 0.0, "帰り": 0.0, "前": 0.0}


def read_event_relative(text: str, at: dt.datetime | None = None) -> tuple[float, bool, float] | None:
    """The hours since the act when it is told by an event whose own time is said (入院10日目…入院の前日に:
    216 + 24), whether that is only a bound (入院前に: at least the admission's age), and the event's
    own hours; else None."""
    rel = _RELATIVE_ACT.search(text)
    if rel is None:
        return None
    ages = [((n - 1) * 24 if counted else _ja_hours(n, m.group(2)), m.start())
            for pattern, counted in _EVENT_AGES for m in pattern.finditer(text)
            if (n := _kanji_number(m.group(1))) is not None]  # fmt: skip
    ages += [(_EVENT_DAY_WORDS[m.group(1)], m.start()) for m in _EVENT_DAY.finditer(text)]
    if at is not None:  # 12月2日に入院: the date's hours as any date's (Tokyo's day, last year's when ahead)
        ages += [(h, m.start()) for m in _EVENT_DATE.finditer(text)
                 if (h := read_calendar_hours(m.group("on") or m.group("was"), at)) is not None]  # fmt: skip (the date alone: 受診 after it would mark it a visit's)
    if not ages:
        return None
    word = rel.group(1) or rel.group(2)
    before = [a for a in ages if a[1] < rel.start()]
    age = (before[-1] if rel.group(2) and before else min(ages, key=lambda a: abs(a[1] - rel.start())))[0]
    return age + _RELATIVE_HOURS[word], word == "前", age


def read_elapsed(text: str, reverse: str | None = None) -> list[tuple[float, int, int]]:
    """Every elapsed time the message states: (hours, start, end)."""
    both = [(w * 168 + d * 24, m.start(), m.end()) for m in (_JA_WEEKS_AND_DAYS.finditer(text) if "と" in text else ())
            if (w := _kanji_number(m.group(1))) is not None and (d := _kanji_number(m.group(2))) is not None]  # fmt: skip
    both += [(d * 24 + h, m.start(), m.end()) for m in (_JA_DAYS_AND_HOURS.finditer(text) if "と" in text else ())
             if (d := _kanji_number(m.group(1))) is not None and (h := _kanji_number(m.group(2))) is not None]  # fmt: skip
    kana = text.translate(KATAKANA_TO_HIRAGANA) if "マエ" in text else text  # ｲｯｼｭｳｶﾝﾏｴ: the same offsets
    if "まえ" in kana or "前" in text:
        both += [(_KANA_DAYS[m.group(1)] * 24, m.start(), m.end()) for m in _JA_KANA_DAYS_AGO.finditer(kana)]
        both += [(float(_KANA_NUMBERS[m.group(1)] * _KANA_UNITS[m.group(2)]), m.start(), m.end())
                 for m in _JA_KANA_SPAN_AGO.finditer(kana)]  # fmt: skip
    # 1週間と2日前 is one time: not also 2日前
    read = _read_elapsed(kana, None) if kana is not text else _read_elapsed(text, reverse)  # 5ｼﾞｶﾝﾏｴ as 5じかんまえ
    return both + [e for e in read if not any(e[1] < t and s < e[2] for _, s, t in both)]


def _read_elapsed(text: str, reverse: str | None) -> list[tuple[float, int, int]]:
    found: list[tuple[float, int, int]] = []
    for m in _JA_AGO_SCAN.finditer(text, reverse):
        n = _kanji_number(m.group(1))
        if n is not None:  # "3日以上前": more than that; "1日半前": a day and a half
            unit = m.group(2)
            hours = _ja_hours(n, unit)  # 1日半, 1ヶ月半
            more = "以上" in m.group(0) or (hours == 72 and _MORE_THAN.search(m.group(0)) is not None)  # 72時間ちょっと前: past the bound
            found.append((hours + (1.0 if more else 0.0), m.start(), m.end()))
    if "以内" in text:  # "48時間以内です": at most that
        for m in _JA_WITHIN.finditer(text):
            n = _kanji_number(m.group(1))
            if n is not None:
                found.append((n * _JA_UNITS[m.group(2)], m.start(), m.end()))
    if "から" in text or "後" in text or "今日で" in text or "h" in text:  # "被害から5時間くらい", "被害後およそ90時間", "今日で1週間", 受傷48h
        for m in _JA_FROM.finditer(text):
            n = _kanji_number(m.group(1))
            if n is not None:
                found.append((_ja_hours(n, m.group(2)), m.start(), m.end()))
    if "後" in text:  # 被害36時間後
        for m in _JA_NAMED_LATER.finditer(text):
            n = _kanji_number(m.group(1))
            if n is not None:
                found.append((_ja_hours(n, m.group(2)), m.start(), m.end()))
    if "て" in text or "から" in text:  # 別居して3か月, 入所から1か月: since an event after it, so at least that long
        for m in _JA_AFTER_EVENT.finditer(text):
            n, unit = (0.5, "年") if m.group(3) else (_kanji_number(m.group(1)), m.group(2))
            if n is not None:
                found.append((n * _JA_UNITS[unit] + 1.0, m.start(), m.end()))
    if "て" in text:  # レイプされて5時間くらい: since the act, in hours or days
        for m in _JA_AFTER_ACT.finditer(text):
            n = _kanji_number(m.group(1))
            if n is not None:
                found.append((n * _JA_UNITS[m.group(2)], m.start(), m.end()))
    if "経過" in text:  # a note's field: 経過時間5時間, 経過：約3日
        for m in _JA_ELAPSED_FIELD.finditer(text):
            n = _kanji_number(m.group(1))
            if n is not None:
                found.append((_ja_hours(n, m.group(2)), m.start(), m.end()))
    if "経" in text or "た" in text or "過" in text or "す" in text or "超" in text or "こ" in text:  # "18時間経過", "2週間たつ", "72時間すぎた"
        for m in _JA_SINCE.finditer(text):
            n = _kanji_number(m.group(1))
            if n is not None and not (m.group(2) == "年" and _SINCE_OTHER.search(text, max(0, m.start() - 8), m.start())):  # not 別れて3年経つ
                # "72時間過ぎ", "72時間以上": more than that
                more = 1.0 if m.group(0).endswith(("過ぎ", "すぎ", "超え", "こえ")) or "以上" in m.group(0) \
                    or _PASSED_ALREADY.match(text, m.end()) else 0.0  # fmt: skip (72時間たってしまった: past it)
                found.append((_ja_hours(n, m.group(2)) + more, m.start(), m.end()))
    for m in _EN_AGO_SCAN.finditer(text, reverse):
        raw = m.group(1) or m.group(3)
        n = _WORD_NUM.get(raw)
        if n is None:
            try:
                n = float(raw)
            except ValueError:
                continue
        hours = (float(n) + 0.5 * (" and a half" in m.group(0))) * _EN_UNITS[m.group(2) or m.group(4)]  # "an hour and a half ago"
        more = _EN_AND_BEFORE.search(text, max(0, m.start() - 30), m.start()) if " and " in text else None
        if more is not None and ((k := _WORD_NUM.get(more.group(1))) is not None or more.group(1)[0].isdigit()):  # 3 days and 6 hours ago
            hours += float(k if k is not None else more.group(1)) * _EN_UNITS[more.group(2)]
        found.append((hours, m.start(), m.end()))
    if "t+" in text or "t +" in text:  # a note's "T+5h": hours since the act
        found += [(float(m.group(1)) * (24 if m.group(2)[0] == "d" else 1), m.start(), m.end()) for m in _T_PLUS.finditer(text)]
    if " since " in text or " before " in text:  # "assaulted before 5 days", "attacked since 11 days": a span, said so
        found += [(float(n if (n := _WORD_NUM.get(m.group(1))) is not None else m.group(1)) * _EN_UNITS[m.group(2)], m.start(), m.end())
                  for m in _EN_SPAN_AFTER.finditer(text) if not _EN_SPAN_IF.search(text, max(0, m.start() - 30), m.start())]
    if " been " in text:  # "it's been 9 days since it happened"
        for m in _EN_BEEN.finditer(text):
            n = _WORD_NUM.get(m.group(1))
            found.append((float(n if n is not None else m.group(1)) * _EN_UNITS[m.group(2)], m.start(), m.end()))
    return found


_KANA_DIGITS = {"いっ": 1, "いち": 1, "に": 2, "さん": 3, "よん": 4, "ご": 5, "ろく": 6, "なな": 7, "しち": 7, "はっ": 8,
                "はち": 8, "きゅう": 9}  # fmt: skip (not く: くさい is 臭い)
_KANA_AGE = re.compile(r"(?<![ぁ-ゖ一-龥])(じゅう|じゅっ|十)?(" + "|".join(_KANA_DIGITS) + r")?さい"
                       r"(?=[のがはでともや、。,.\s]|$|[^ぁ-ゖ])")  # not さいきん (最近), さいふ (財布)


# a date of birth's year in a note (DOB 2010, d.o.b. 2009-04-01, 生年月日 平成22年, 2010年生まれ)
_BIRTH = re.compile(r"(?:\bd\.?o\.?b\.?|\bborn(?: in)?|生年月日)\s*[:：]?\s*(?:\d{1,2}/\d{1,2}/)?(?:((?:19|20)\d\d)|(?:平成|h)\s*(\d{1,2})\s*年)"
                    r"|((?:19|20)\d\d)\s*年\s*生まれ|(?:平成|h)\s*(\d{1,2})\s*年\s*生まれ")


def _birth_age(text: str, at: dt.datetime | None) -> float | None:
    """The age reached this year by one born in the year a note gives, or None."""
    m = _BIRTH.search(text)
    if m is None:
        return None
    year = int(m.group(1) or m.group(3) or 0) or 1988 + int(m.group(2) or m.group(4))  # 平成1年 is 1989
    age = (at or dt.datetime.now(_TOKYO)).year - year
    return float(age) if 0 <= age < 120 else None


def read_ages(text: str, reverse: str | None = None) -> tuple[float, ...]:
    """The ages the message states ("15歳", "10代" -> 10, "a 15-year-old", "she's 17"), or else
    those its school years imply (中3 -> 14, 高2 -> 16); not an age recalled ("12歳の頃",
    "when she was 12"). `reverse` as above."""
    ages: list[float] = []
    found = _JA_AGE_SCAN.finditer(text, reverse)
    for i, m in enumerate(found):
        n = _kanji_number(m.group(1))
        if m.group(2) == "代" and text[m.end() : m.end() + 1] in _NOT_AFTER_DAI:
            continue  # 八代市, 三代目: a name, not an age
        if i + 1 < len(found) and _CORRECTION.search(text, m.end(), min(found[i + 1].start(), m.end() + 14)):
            continue  # 17歳と書きましたが確認したら18歳, 10代後半…いや20歳: the age taken back
        if n is not None and n < 130 and not _JA_RECALLED.match(text, m.end()) and not _PARENT_OF.match(text, m.end()) \
                and not _THEN_BEFORE.search(text, max(0, m.start() - 4), m.start()):  # fmt: skip (被害当時14歳)
            ages.append(n - 0.5 if m.group(3) else n)  # "18歳未満": below 18
    for m in _EN_AGE_SCAN.finditer(text, reverse):
        raw = next(g for g in m.groups() if g is not None)
        n = float(raw)
        if n < 130 and not _EN_RECALLED.search(text, max(0, m.start() - 25), m.start()):
            ages.append(n)
    if "'s " in text or " is " in text or "'m " in text or " am " in text or " turned " in text:
        for m in _EN_IS_AGE.finditer(text):
            ages.append(float(m.group(1)))
    for m in _PAREN_AGE.finditer(text):  # "one of my students (16)", "患者（17）"
        ages.append(_paren_age(m))
    if "年齢" in text or "age" in text:  # a note's field: 年齢16, 年齢：22, "age: 15"
        ages += [float(m.group(1)) for m in _AGE_FIELD.finditer(text)]
    ages += [float(m.group(1)) for m in _NOTE_AGE.finditer(text)]  # 本人16, pt 17, "our student, 15,", shes 17
    ages += [float(m.group(1)) for m in _KIN_AGE.finditer(text)]  # 妹は17で
    ages += [float(m.group(1)) for m in _SENTENCE_AGE.finditer(text)]  # …どうしたらええんかね。17じゃ。
    if "u-" in text or "u1" in text:  # an under-15 team's player: below 15
        ages += [float(m.group(1)) - 0.5 for m in _UNDER_AGE.finditer(text)]
    ages += [float(n) for m in (_KANJI_TEEN.finditer(text) if "十" in text else ())
             if (n := _kanji_number(m.group(1))) is not None]  # 十六の子
    if "さい" in text:  # じゅうよんさい: an age in kana, as voice input or a child writes it
        ages += [10.0 * (m.group(1) is not None) + _KANA_DIGITS.get(m.group(2) or "", 0) for m in _KANA_AGE.finditer(text)
                 if m.group(1) or m.group(2)]  # fmt: skip
    if "year" in text:  # "patient 14 years,", "my sister 14 years"
        ages += [float(m.group(1)) for m in _EN_YEARS_AGE.finditer(text)]
    if "maybe" in text or "about" in text or "around" in text or "looks" in text or "like" in text:  # "she's maybe 16", "looks about 14"
        ages += [float(m.group(1)) for m in _EN_GUESSED_AGE.finditer(text)]
    for m in _SLANG_GRADE.finditer(text):  # jc2: a girl in the second year of junior high
        ages.append(_slang_age(m))
    # the school years, each unless an age said is that pupil's (高3（18歳）, a 12th grader who turned
    # 18: 18); another's age leaves it (中1女子が、兄（高3、18歳）から: 12 and 18; 高2女子…40代の社員)
    stated = list(ages)
    years: list[float] = []
    if "grade" in text:  # "a grade 8 student", "a 7th grader": the US grades, 5 + grade at the year's start
        years += [5.0 + int(m.group(1) or m.group(2)) for m in _EN_GRADE.finditer(text)
                  if not _EN_DOER_BEFORE.search(text, max(0, m.start() - 12), m.start())
                  and not _EN_DOER_AFTER.match(text, m.end())]  # fmt: skip (by a 12th grader; a 6th-grade boy grabbed me)
    if "year" in text:  # "a year 9 student": the UK's years, 4 + year
        years += [4.0 + int(m.group(1)) for m in _EN_SCHOOL_YEAR.finditer(text)]
    graded = _kana_grades(text)
    found = [(m, _GRADE_AGE[m.group(1)] + _kanji_number(m.group(2)) - 1) for m in _GRADE.finditer(graded)]
    if not found and not stated and ("年生" in text or "ねんせい" in text):  # 6年生: a year without its school, a child's
        found = [(m, 5.0 + int(m.group(1))) for m in _BARE_YEAR.finditer(graded)]
    years += [age for m, age in found
              if not _JA_RECALLED.match(graded, m.end()) and not _PARENT_OF.match(graded, m.end())]  # fmt: skip (中1の子のお母さんが)
    ages += [y for y in years if not any(y - 1 <= a <= y + 1.5 for a in stated)]
    return tuple(ages)


def _paren_age(m: re.Match[str]) -> float:
    """The age a _PAREN_AGE match holds, whichever of its forms matched."""
    return float(next(g for g in m.groups() if g is not None))


def _kana_grades(text: str) -> str:
    """The text with school years in kana or romaji written in kanji (ちゅう1 -> 中  1, コウ2 -> 高 2,
    chuu3 -> 中   3, shogakko 5-nensei -> 小       5 年生  ), offsets kept."""
    if any(w in text for w in ("しょう", "ちゅう", "こう", "しょー", "ちゅー", "こー")):
        text = _KANA_GRADE.sub(_kana_grade, text)
    if "ショウ" in text or "チュウ" in text or "コウ" in text:
        text = _KATAKANA_GRADE.sub(lambda m: _padded(_GRADE_SCHOOL[m.group(1)], m.group(1)) + m.group(2), text)
    if any(w in text for w in ("sho", "shō", "chu", "chū", "ko", "kō")):
        text = _ROMAJI_GRADE.sub(lambda m: _padded(_GRADE_SCHOOL[m.group(1)], m.group(1) + (m.group(2) or "")) + m.group(3)
                                 + (" " * len(m.group(4)) + _padded("年生", m.group(5)) if m.group(5) else ""), text)  # fmt: skip
    return text


def _kana_grade(m: re.Match[str]) -> str:
    """A _KANA_GRADE match in kanji and digits, of the same length; a year said in kana numerals
    (ちゅういち, ちゅーに) only as a word of its own (not ちゅうにびょう)."""
    year = m.group(3)
    if not year.strip().isdigit():
        after = m.string[m.end() : m.end() + 2]
        if m.group(4) is None and _HIRAGANA.match(after) and not after.startswith(_KANA_GRADE_NEXT):
            return m.group(0)
        year = _padded(_KANA_YEARS[year], year)
    return (_KANA_GRADE_KANJI[m.group(1).replace("ー", "う")] + " " * len(m.group(2) or "") + year
            + {"ねんせい": "年生  ", "ねん": "年 ", None: ""}[m.group(4)])  # fmt: skip


def _padded(word: str, said: str) -> str:
    """`word` in the room `said` took: spaces after it keep every offset."""
    return word + " " * (len(said) - len(word))


def _slang_age(m: re.Match[str]) -> float:
    """The age a school year in slang implies (jc2 -> 13), as _GRADE_AGE counts it."""
    return float(_GRADE_AGE[_SLANG_SCHOOL[m.group(1)]] + int(m.group(2)) - 1)


def _is_bound(text: str, e: tuple[float, int, int]) -> bool:
    """Whether an elapsed time is only a bound (72時間以上, 72時間過ぎ, 48時間以内)."""
    said = text[e[1] : e[2]]
    return "以上" in said or "以内" in said or said.endswith(("過ぎ", "すぎ", "超え", "こえ")) or (e[0] == 73 and _MORE_THAN.search(said) is not None) \
        or _NOT_YET.match(text, e[2]) is not None or _PASSED_ALREADY.match(text, e[2]) is not None  # fmt: skip (まだ72時間たってない: less than that)


def read_recalled(text: str) -> list[tuple[int, int]]:
    """Where the message recalls an age, a school year or a period of life ("12歳の時", "小6のとき",
    "when I was 8", 大阪に住んでた頃, 前の職場で, 結婚する前に, back in her university days)."""
    found = [m.span() for m in _JA_RECALLED_AGE.finditer(text)] if _RECALLED_AGE_HINT.search(text) else []
    if "when" in text or "age" in text or "as " in text:
        found += [m.span() for m in _EN_RECALLED_AGE.finditer(text)]
    if _RECALLED_PERIOD_HINT.search(text):
        found += [m.span() for m in _JA_RECALLED_PERIOD.finditer(text)]
    if "days" in text or "at " in text:
        found += [m.span() for m in _EN_RECALLED_PERIOD.finditer(text)]
    return found


def read_own_ages(text: str) -> tuple[float, ...]:
    """The writer's own age: a school year or an age said of oneself (中3です, 16歳です, I'm 16)."""
    out = []
    said: list[float] | None = None
    text = _kana_grades(text)
    for m in _OWN_GRADE.finditer(text):
        paren = _PAREN_AGE.search(m.group(0))  # 高3（18歳）です: the age said wins over the year's
        age = _paren_age(paren) if paren else _GRADE_AGE[m.group(1)] + _kanji_number(m.group(2)) - 1
        if said is None:
            said = [float(n) for m in _JA_AGE.finditer(text) if m.group(2) != "代" and (n := _kanji_number(m.group(1)))]
        out.append(next((a for a in said if age <= a <= age + 1), age))  # 高3、18歳です: 18
    for m in _OWN_AGE.finditer(text):
        if not _ANOTHER_BEFORE.search(text, max(0, m.start() - 8), m.start()):  # 姉は26歳です: the sister's
            out.append(float(next(filter(None, m.groups()))))
    for m in _OWN_SCHOOL.finditer(text):
        out.append(_SCHOOL_AGE[m.group(1)])
    for m in _OWN_SLANG.finditer(text):  # jc3です
        out.append(_slang_age(m))
    for m in _OWN_BARE_AGE.finditer(text):  # あたし15, …された。16
        out.append(float(m.group(1) or m.group(2)))
    if not out and ("小" in text or "中" in text or "高" in text):  # ぼく小4。, …ママにいえない 小4
        for m in _GRADE.finditer(text):
            if _own_context(text, m.start(), m.end(), last=True):
                out.append(_GRADE_AGE[m.group(1)] + _kanji_number(m.group(2)) - 1)
    if not out and ("歳" in text or "才" in text or "さい" in text or "サイ" in text):  # わたし12才, いまは二十歳です, 30歳になった今
        for m in _JA_AGE.finditer(text):
            if m.group(2) != "代" and not m.group(3) and _own_context(text, m.start(), m.end()):
                out.append(float(_kanji_number(m.group(1)) or 0))
    return tuple(out)


# another person as the subject right before an age said with です (姉は26歳です, 本人は16です)
_ANOTHER_BEFORE = re.compile(r"(?:姉|妹|兄|弟|娘|息子|母|父|友達|友人|彼女|彼氏|本人|患者|子|生徒|孫|妻|夫|嫁|後輩|先輩|同僚|相手"
                             r"|さん|ちゃん|くん|君)\s*(?:は|が|も|って)\s*$|\b(?:she|he|her|his|patient|pt)\b[^.]{0,3}$")
_SAID_OF_ONESELF = re.compile(r"です|だけど|だよ|ですが|なんだけど")  # not a note's opening (中2女子　母の…)
_A_CHILD_DESCRIBED = re.compile(r"の(?:女の子|男の子|子|女児|男児)")  # 10歳の女の子です: a clinician describing


def _own_intro_spans(text: str) -> list[tuple[int, int]]:
    """Where the writer introduces themself with an age or school year (高2女子　, 47歳の主婦です,
    中3男子です): a person word inside names the writer, not someone else."""
    return [m.span() for r in (_OWN_GRADE, _OWN_AGE, _OWN_SCHOOL) for m in r.finditer(text)
            if _SAID_OF_ONESELF.search(m.group(0)) and not _A_CHILD_DESCRIBED.search(m.group(0))]  # fmt: skip


def _own_context(text: str, start: int, end: int, *, last: bool = False) -> bool:
    """Whether the age or school year at [start, end) is said of the writer: after 私/ぼく or
    いまは, before になった今, or (`last`) closing the message like a signature."""
    if _OWN_BEFORE.search(text, max(0, start - 6), start) or _OWN_AFTER.match(text, end):
        return True
    return last and not text[end:].strip(" 。.!！?？")


def read_clock_times(text: str, at: dt.datetime) -> list[tuple[float, int, int]]:
    """Hours since each time of day the message names with its day or with 午前/午後, am/pm
    (今朝6時ごろ, 昨夜23時, きのうの夜11時, 1am today, at 11pm last night): (hours, start, end).
    A time said to be now (いま午前3時, it's 5am now) is the clock the others are read against, and
    then a bare hour counts too (0時すぎに…いま3時); a time that would lie ahead is yesterday's. A
    time after a weekday or a date (水曜の夜11時) is read with that day (read_calendar_hours)."""
    now, stated = _stated_now(text, at.astimezone(_TOKYO))
    out = []
    for m in (*(_JA_CLOCK.finditer(text) if "時" in text or "じ" in text or "ジ" in text else ()), *(_JA_COLON_CLOCK.finditer(text) if ":" in text or "：" in text else ())):
        day, part, hour = m.group(1) or "", {"am": "午前", "pm": "午後"}.get(m.group(2) or "", m.group(2) or ""), int(m.group(3))
        if (not (day or part or stated or _APPROX_AFTER.match(text, m.end()))  # 21時頃, 22:30ごろ: the last time it was that hour
                or _NOW_BEFORE.search(text, max(0, m.start() - 4), m.start()) or hour > 24
                or (not day and _DAY_BEFORE.search(text, max(0, m.start() - 16), m.start()))):  # fmt: skip
            continue
        minute = 30 if m.group(4) == "半" else int(m.group(4) or 0)
        days = 2 if day in ("おととい", "一昨日") else 1 if day in ("昨夜", "昨晩", "昨日", "きのう", "ゆうべ") else 0
        if day in ("昨夜", "昨晩", "ゆうべ") and (hour in (0, 12, 24) or (hour <= 4 and part in ("", "夜中の", "深夜"))):
            hour, days = 0 if hour in (12, 24) else hour, 0  # 昨夜0時, ゆうべ2時: the small hours that ended last night
        hours = _hours_back(now, _hour_of_day(hour, part, day), minute, days,
                            today=day in (*_TODAY_WORDS, "今朝", "けさ"))  # 今夜22時 said at 1am: the night just gone  # fmt: skip
        if hours is not None:
            out.append((hours, m.start(), m.end()))
    for m in _SAME_TIME_BACK.finditer(text) if "ごろ" in text or "頃" in text else ():  # 昨日の今ごろ: a day ago to the hour
        out.append((48.0 if m.group(1) in ("おととい", "一昨日") else 24.0, m.start(), m.end()))
    for m in _EN_CLOCK.finditer(text) if "m" in text or "at night" in text else ():
        n = int(m.group(1))  # "2 in the morning", "11 at night" (but "2 at night" is 2am)
        hour = n % 12 + (12 if m.group(3) in _EN_PM or (m.group(3) == "at night" and 6 <= n < 12) else 0)
        if _NOW_BEFORE.search(text, max(0, m.start() - 12), m.start()) or text.startswith(" now", m.end()) \
                or _EN_WEEKDAY_BEFORE.search(text, max(0, m.start() - 24), m.start()) \
                or _EN_AHEAD_BEFORE.search(text, max(0, m.start() - 16), m.start()):  # fmt: skip (come back 7pm: ahead)
            continue
        later = text[m.end() : m.end() + 16]
        days = 1 if "yesterday" in later else 0  # 2am last night: today's small hours; 11pm last night rolls back a day
        if "before last" in text[max(0, m.start() - 40) : m.end() + 16]:  # the night before last, around 1am: yesterday's small hours
            days = 1 if hour < 6 else 2
        hours = _hours_back(now, hour, int(m.group(2) or 0), days, today="today" in later or "tonight" in later)  # at 9pm tonight: perhaps ahead
        if hours is not None:
            out.append((hours, m.start(), m.end()))
    for m in _EN_H24.finditer(text) if stated or any(w in text for w in _EN_H24_DAYS) else ():  # approx 0200 this morning
        near = text[max(0, m.start() - 16) : m.end() + 16]
        if _EN_WEEKDAY_BEFORE.search(text, max(0, m.start() - 24), m.start()):
            continue  # Sun 11/29 approx 2300: that day's (read_calendar_hours)
        if (day := next((w for w in _EN_H24_DAYS if w in near), "today" if stated else None)) is not None:  # ~0300 … Currently 0900
            hours = _hours_back(now, int(m.group(1) or m.group(3) or m.group(5) or m.group(7)), int(m.group(2) or m.group(4) or m.group(6) or m.group(8)),
                                1 if day == "yesterday" else 0)
            if hours is not None:
                out.append((hours, m.start(), m.end()))
    for m in _EN_PART_CLOCK.finditer(text) if "at " in text or "about " in text or "around " in text or "approx" in text or "midnight" in text or "~" in text else ():  # at 4 this morning, around midnight
        if _EN_WEEKDAY_BEFORE.search(text, max(0, m.start() - 24), m.start()):
            continue  # 11/28 around midnight: that day's
        part = m.group(3) or m.group(4) or ""
        hour = 0 if m.group(6) else int(m.group(1) or m.group(5)) % 12 + (12 if part in _EN_PM_PARTS else 0)
        hours = _hours_back(now, hour, int(m.group("min") or 0), 0, today=part == "tonight")  # at 9 tonight: perhaps ahead
        if hours is not None:
            out.append((hours, m.start(), m.end()))
    return out


def _stated_now(text: str, now: dt.datetime) -> tuple[dt.datetime, bool]:
    """The moment the writer says it is (いま午前3時, 現在21時, it's 5am now), on `now`'s day, or `now`."""
    m = _JA_NOW_CLOCK.search(text) if "時" in text else None
    if m is not None:
        hour = _hour_of_day(int(m.group(2)), m.group(1) or "")
    elif "now" in text and (m := _EN_NOW_CLOCK.search(text)):
        hour = int(m.group(1) or m.group(3)) % 12 + (12 if (m.group(2) or m.group(4)) == "pm" else 0)
    elif ("now" in text or "currently" in text) and (m := _EN_NOW_H24.search(text)):  # "Now 0930": a note's clock, to the minute
        return now.replace(hour=int(m.group(1)), minute=int(m.group(2)), second=0, microsecond=0), True
    else:
        return now, False
    return (now.replace(hour=hour, minute=0, second=0, microsecond=0), True) if hour < 24 else (now, False)


def _hour_of_day(hour: int, part: str, day: str = "") -> int:
    """The 24-hour clock hour of a time said with its half of the day (午後3時 -> 15, 夜11時 -> 23,
    昨夜11時 -> 23; 夜中の2時 and 深夜2時 stay 2)."""
    evening = part in ("午後", "pm", "夜", "夜中の", "夕方", "晩") and hour < 12 and not (part not in ("午後", "pm") and hour <= 4)
    if evening or (day in ("昨夜", "昨晩", "ゆうべ", "今夜", "今晩") and 5 <= hour < 12) or (part == "昼" and hour <= 6):  # 昼1時: 13時; 今夜10時: 22時
        hour += 12
    return hour % 24


def _to_the_hour(text: str, at: dt.datetime, found: list[tuple[float, int, int]]) -> list[tuple[float, int, int]]:
    """Days back read to the hour said with them (2日前の17時ごろ, 3日前の夜10時): that day at that hour."""
    out = []
    now = None
    for e in found:
        m = _JA_DAYS_AGO_CLOCK.match(text, e[1])
        days = _kanji_number(m.group(1)) if m is not None else None
        if m is not None and days is not None and int(m.group(3)) <= 24:
            now = now or _stated_now(text, at.astimezone(_TOKYO))[0]  # the clock the writer says it is, read once
            minute = 30 if m.group(4) == "半" else int(m.group(4) or 0)
            hours = _hours_back(now, _hour_of_day(int(m.group(3)) % 24, m.group(2) or ""), minute, int(days))
            e = (hours, e[1], m.end()) if hours is not None else e
        out.append(e)
    return out


def _hours_back(now: dt.datetime, hour: int, minute: int, days: int, *, today: bool = False) -> float | None:
    """Hours from `days` days before `now` at hour:minute (a time not yet come: yesterday's, or
    None when it was said to be today's: "go home at 4pm today")."""
    then = now.replace(hour=hour, minute=minute, second=0, microsecond=0) - dt.timedelta(days=days)
    if then > now:
        if today:
            return None
        then -= dt.timedelta(days=1)
    return round((now - then).total_seconds() / 3600, 2)


def read_calendar_hours(text: str, at: dt.datetime, *, days_elsewhere: bool = False) -> float | None:
    """Hours since a date or weekday the message names (11月20日, 先週の金曜日, 月曜の夜, last
    Friday), counted in whole days from `at`'s date; None when it names none. `days_elsewhere`: the
    days the message says (昨日の夜) were read as another event's (打ち明けられたのは昨日の夜)."""
    today = at.astimezone(_TOKYO).date()
    if ("/" in text or "年" in text or "-" in text or "." in text) and (m := _not_today(_YMD_DATE, text) or _not_today(_ERA_DATE, text)):
        try:  # 2026/11/20, 令和8年11月20日, R8.11.20 (Reiwa 1 is 2019)
            year = int(m.group(1)) + (2018 if m.re is _ERA_DATE else 0)
            date = dt.date(year, int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
        return _hours_since_day(at, date, text, m.end()) if date <= today else None
    m = (_not_today(_JA_DATE, text) or _not_today(_SLASH_DATE, text) or _HOLIDAY.search(text)
         or ((_EN_DATE.search(text) or _EN_DAY_MONTH.search(text)) if any(n in text for n in _EN_MONTH_STEMS) else None))  # fmt: skip
    while m and m.re in (_JA_DATE, _SLASH_DATE) and (fix := _CORRECTION.search(text, m.end())):
        if later := m.re.search(text, fix.end()):
            m = later  # 受傷日は12/3ではなく12/1でした: the date said after the correction
            continue
        if (rest := read_calendar_hours(text[fix.end() :], at)) is not None:
            return rest  # 12/4ではなく11月の初め頃でした: another kind of day said after it
        break
    if m:
        if m.re is _HOLIDAY:  # ハロウィンの夜, 文化の日: a holiday of a fixed date
            month, day = _HOLIDAY_DATE[m.group(1)]
            if m.group(1) == "thanksgiving":  # the fourth Thursday of November: this year's, or last year's
                year = today.year if today >= dt.date(today.year, 11, _thanksgiving(today.year)) else today.year - 1
                return _hours_since_day(at, dt.date(year, 11, _thanksgiving(year)), text, m.end())
        elif m.re is _EN_DATE:  # "on Dec 1st", "Nov 29"
            month, day = _EN_MONTHS.index(next(n for n in _EN_MONTHS if n.startswith(m.group(1)))) + 1, int(m.group(2))
        elif m.re is _EN_DAY_MONTH:  # "on 20 November"
            month, day = _EN_MONTHS.index(next(n for n in _EN_MONTHS if n.startswith(m.group(2)))) + 1, int(m.group(1))
        else:
            month, day = int(m.group(1)), int(m.group(2))
        try:
            date = dt.date(today.year, month, day)
            if date > today:
                date = dt.date(today.year - 1, month, day)
        except ValueError:
            return None
        return _hours_since_day(at, date, text, m.end())
    if "月" in text and (m := _JA_LAST_MONTH_DAY.search(text)):  # 先月の25日: that day of the month before; 今月1日
        back = {"先々月": 2, "先月": 1, "今月": 0}[m.group(1)]
        month, year = (today.month - 1 - back) % 12 + 1, today.year - (today.month <= back)
        try:
            date = dt.date(year, month, int(m.group(2)))
        except ValueError:
            return None
        return _hours_since_day(at, date, text, m.end()) if date <= today else None  # 今月20日: ahead
    if (" the " in text and (m := _EN_ORDINAL_DAY.search(text))) or ("日" in text and (m := _JA_DAY_OF_MONTH.search(text))):  # "on the 1st", 4日の深夜: this month's, or last
        day = int(m.group(1))
        month, year = (today.month, today.year) if day <= today.day else ((today.month - 2) % 12 + 1, today.year - (today.month == 1))
        try:
            return _hours_since_day(at, dt.date(year, month, day), text, m.end())
        except ValueError:
            return None
    if m := ("月" in text and _JA_MONTH.search(text)) or (_EN_MONTH_HINT.search(text) and _EN_MONTH.search(text)):  # a month alone: from its middle
        name = m.group(1) or m.group(2)  # _EN_MONTH: after in/during, or alone after a comma
        return _hours_since_month(today, int(name) if name.isdigit() else _EN_MONTHS.index(name) + 1)
    # "今日土曜だけど", "月曜の朝です": today's weekday said, not the day it happened; the other days
    # are counted back from it (月曜の朝です。土曜の夜に…: two days)
    said_today = _JA_NOW_WEEKDAY.search(text) if "曜" in text else None
    said_today = said_today or (_EN_NOW_WEEKDAY.search(text) if "day" in text else None)
    if said_today is not None:
        said = next(g for g in said_today.groups() if g)
        today -= dt.timedelta(days=(today.weekday() - (_JA_DAYS.index(said) if said in _JA_DAYS else _en_day(said))) % 7)
        at = dt.datetime.combine(today, at.astimezone(_TOKYO).timetz())
    # today's weekday named alone is today (土曜でもやってる病院, 今朝土曜授業に来る途中, "its saturday"),
    # not a date a week back: that takes 先週 or "last" (先週の土曜, "saturday night last week")
    named = [w for w in _JA_WEEKDAY.finditer(text) if not _TODAY_BEFORE.search(text, max(0, w.start() - 5), w.start())
             and not _NEXT_BEFORE.search(text, max(0, w.start() - 5), w.start())
             and not (said_today is not None and said_today.start() <= w.start(2) < said_today.end())
             and not _WEEKDAY_SERVICE.match(text, w.end()) and not _BEFORE_BOUND.match(text, w.end())
             and not (w.group(1) in (None, "今週") and _WEEKDAY_AHEAD.match(text, w.end()))
             and (w.group(1) or _JA_DAYS.index(w.group(2)) != today.weekday() or _later_today(at, text, w.end()))]  # fmt: skip (来週の月曜: ahead; 日曜当番医: a rota)
    # 水曜に…って書いたけど、先週の水曜のことでした: the day said after a correction
    m = named[-1] if len(named) > 1 and _CORRECTION.search(text, named[0].end(), named[-1].start()) else next(iter(named), None)
    if m:
        weeks = {"先々週": 2, "先週": 1, "先週末": 1, "この前": 1}.get(m.group(1) or "", 0)
        last_week, day = weeks > 0, _JA_DAYS.index(m.group(2))
    elif ("週" in text or "week" in text) and (m := _JA_WEEK_START.search(text)) and today.weekday() > 0:  # 今週頭, early this week: Monday
        weeks, last_week, day = 0, False, 0
    elif m := next((w for w in _EN_WEEKDAY.finditer(text) if not _NEXT_BEFORE.search(text, max(0, w.start() - 14), w.start())
                    and not _EN_AHEAD_WEEKDAY_BEFORE.search(text, max(0, w.start() - 36), w.start())
                    and not (w.group(1) is None and _EN_AHEAD_WEEKDAY_AFTER.match(text, w.end()))
                    and not (said_today is not None and said_today.start() <= w.start(2) < said_today.end())
                    and (w.group(1) or _EN_LAST_AFTER.match(text, w.end()) or _en_day(w.group(2)) != today.weekday()
                         or _later_today(at, text, w.end()))), None):  # fmt: skip
        later = _EN_LAST_AFTER.match(text, m.end())  # "saturday night last week", "the friday before last"
        weeks = 2 if later and later.group(1) == "before last" else 1
        last_week, day = m.group(1) is not None or later is not None, _en_day(m.group(2))
    elif _SEASON_HINT.search(text) and (m := _SEASON.search(text)):  # 夏休み, 稲刈りの頃, 去年の夏に: the season's month, unless it is near
        if not days_elsewhere and _DAY_SAID.search(text):
            return None  # 新歓の飲み会で…おとといのこと: the day said is nearer than the season's month
        word = next(g for g in m.groups() if g)
        month = _SEASON_MONTH.get(word) or _SEASONS[word]
        if min((today.month - month) % 12, (month - today.month) % 12) <= 1 and not _YEAR_BEFORE.search(text, max(0, m.start() - 5), m.start()):
            return None  # 成人式に (January, said in December): perhaps the one ahead; 今年の成人式の日に: past
        return _hours_since_month(today, month)
    else:
        return None
    weekday = today.weekday()
    days = weekday - day + 7 * weeks if last_week else (weekday - day) % 7 or 7  # today's weekday named: last week's
    return _hours_since_day(at, today - dt.timedelta(days=days), text, m.end())


def _thanksgiving(year: int) -> int:
    """The day of November of the fourth Thursday (Thanksgiving) in `year`."""
    return 22 + (3 - dt.date(year, 11, 1).weekday()) % 7


def _en_day(name: str) -> int:
    """The weekday (Monday 0) of an English day's name or its short form (tues, thurs, fri)."""
    return next(i for i, d in enumerate(_EN_DAYS) if d.startswith(name[:3]))


def _hours_since_month(today: dt.date, month: int) -> float | None:
    """Hours since the middle of the last `month` before `today`; None when it is this month."""
    if month == today.month:
        return None
    year = today.year if month < today.month else today.year - 1
    return float((today - dt.date(year, month, 15)).days * 24)


def _not_today(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The date the act is likely on: the one labelled so (被害日:12/1), else the first that is not
    said to be today's (今日が12/5だから…: the day of writing) nor labelled a visit's (受診日:12/5)."""
    found = [m for m in pattern.finditer(text) if not _TODAY_BEFORE.search(text, max(0, m.start() - 5), m.start())
             and not _VISIT_LABEL.search(text, max(0, m.start() - 16), m.start())
             and not _VISIT_AFTER.match(text, m.end())]  # fmt: skip
    return next((m for m in found if _INCIDENT_LABEL.search(text, max(0, m.start() - 10), m.start())), found[0] if found else None)


def _hours_since_day(at: dt.datetime, date: dt.date, text: str, end: int) -> float:
    """Hours since `date`: in whole days, or to the hour when a time of day follows the date
    (12/4 23時過ぎ, 土曜の23時ごろ), or from a typical hour of the part of the day said (金曜の夜: 21時)."""
    hour = _hour_after(text, end)
    if hour is None:
        return float((at.astimezone(_TOKYO).date() - date).days * 24)
    then = dt.datetime(date.year, date.month, date.day, tzinfo=_TOKYO) + dt.timedelta(hours=hour)
    return max(0.0, round((at - then).total_seconds() / 3600, 2))


def _hour_after(text: str, end: int) -> int | None:
    """The hour of the time of day said right after a date or weekday, or None."""
    if m := _DATE_ASIDE.match(text, end):  # 12/4(金) 22:00頃, "2026-12-04 approx 23:00": the weekday, the hedge
        end = m.end()
    if m := _CLOCK_AFTER.match(text, end):
        return _hour_of_day(int(m.group(2)), m.group(1) or "")
    if m := _EN_CLOCK_AFTER.match(text, end):  # Thursday around 11pm
        return int(m.group(1)) % 12 + (12 if m.group(2) in ("pm", "p.m.") else 0)
    if m := _H24_AFTER.match(text, end):  # 12/4 2300, 12/5 01:00頃, Dec 4 at 23:30: a 24-hour clock
        return int(m.group(1))
    if m := _PART_AFTER.match(text, end):  # 金曜の夜, 日曜の夜遅く: that part of the day
        return _PART_HOUR[m.group(1)]
    if m := _EN_PART_AFTER.match(text, end):  # "friday night"
        return _PART_HOUR[m.group(1)]
    return None


def _later_today(at: dt.datetime, text: str, end: int) -> bool:
    """Whether the time of day said after today's weekday is still ahead (土曜の夜, said on a
    Saturday morning): then the weekday is last week's."""
    hour = _hour_after(text, end)
    now = at.astimezone(_TOKYO)
    return hour is not None and hour > now.hour + now.minute / 60


_TOKYO = dt.timezone(dt.timedelta(hours=9))
# a school year: 中3, 小学4年, 高校2年生 (not 途中3回: no kanji before); groups: the school, the year
_SCHOOL_YEAR_BODY = r"(小|中|高)(?:学|校)?\s*([1-6一二三四五六])\s*(?:年生?)?"
_SCHOOL_YEAR = r"(?:(?<![一-龥々])|(?<=[人子娘女男孫姪甥]))" + _SCHOOL_YEAR_BODY  # not 最高2, 中高3; 本人高2, 娘中1
_JA_RECALLED_AGE = re.compile(
    r"(?:\d{1,2}\s*(?:歳|才|さい)|\d0\s*代\s*(?:前半|後半|半ば)?|j[sck]\d?|" + _SCHOOL_YEAR +
    r"|小学生|中学生|高校生|大学生|小学校|中学校|幼稚園|保育園|小学|中学|高校|大学|短大|専門学校)"
    r"\s*(?:の|ぐらい|くらい|だった)?\s*(?:時|とき|頃|ころ|当時|まで|[夏春秋冬](?!期))")  # 高3の冬, 中2まで: a memory of then
# a period of life recalled: a state in the past tense before 頃 (住んでた頃, 小さかった頃), a former
# workplace or school, the time of a life event (結婚する前, 就職した年, 転校してくる前の学校)
_LIFE_EVENTS = "結婚|離婚|転校|転勤|引っ越|引越|就職|入社|入学|卒業|上京|退職|転職|異動|出産"
_JA_RECALLED_PERIOD = re.compile(r"た\s*(?:頃|ころ|当時|年の(?:春|夏|秋|冬)|[春夏秋冬](?!休))"  # 住んでた頃, 卒業した春
                                 r"|(?<![こそあ今])(?<!この)(?<!その)(?<!あの)の\s*(?:頃|ころ)(?![合い])"  # 産後まもなくの頃, not この頃
                                 r"|(?<![\d.])(?:1\d|[4-9])\s*の\s*(?:とき|時(?!間)|頃|ころ)"  # 16のとき
                                 r"|(?:小さい|幼い|若い)\s*(?:頃|ころ|時|とき)|当時\s*\d{1,2}\s*(?:歳|才|さい)"  # 被害当時14歳
                                 r"|(?:子ども|子供|こども|幼少|幼児|少女|少年)\s*の?\s*(?:頃|ころ|時(?!間)|とき|時代|期)"
                                 r"|(?<![一-龥])(?:前|以前)の(?:職場|会社|勤務先|バイト先|学校|部署|施設)"
                                 r"|(?:" + _LIFE_EVENTS + r")(?:する|した|して(?:くる|来る)?)?\s*(?:前|年|当時)(?![日夜晩])(?!\s*(?:だから|なのに|なので|だし))")  # not 結婚前だから
# a word every match of the pattern after it holds: a fast first look (the patterns try each
# character of the text with a dozen branches: ~0.1 ms a 300-character message for the four)
_RECALLED_AGE_HINT = re.compile("時|とき|頃|ころ|当時|まで|[夏春秋冬]")
_RECALLED_PERIOD_HINT = re.compile("頃|ころ|当時|[春夏秋冬]|とき|時|期|前の|" + _LIFE_EVENTS)
_EN_RECALLED_PERIOD = re.compile(r"\b(?:in|back in|during)\s+(?:her|his|my|their)\s+(?:university|college|school|high school|student|uni)\s+days\b"
                                 r"|\bat\s+(?:her|his|my|their)\s+(?:previous|old|former|last)\s+(?:job|workplace|company|school)\b")
_EN_RECALLED_AGE = re.compile(r"\b(?:when (?:i|she|he|they) (?:was|were)|at age|at the age of|aged|from (?:the )?ages?(?: of)?|between (?:the )?ages(?: of)?)\s+(?:about\s+|only\s+|around\s+|just\s+|maybe\s+|like\s+)?\d{1,2}\b"
                              r"|\b(?:i|she|he) was (?:only |just |about |around )?\d{1,2} when\b"  # "I was 16 when my stepdad started"
                              r"|\b(?:as a|when (?:i|she|he) was(?: a)?)\s+(?:little |young )?(?:child|kid|girl|boy|teen|teenager)\b"
                              r"|\b(?:as|when (?:we|they) were)\s+(?:little |young )?(?:children|kids|teens|teenagers)\b"  # "when they were kids"
                              r"|\bwhen (?:i|she|he) was (?:in )?(?:an? )?(?:elementary|primary|middle|junior high|high) ?school\b")
# an age or a school year followed by "at the time" is a memory, not the patient's age now
_PARENT_OF = re.compile(r"(?![)）])[^、。\s]{0,5}?の(?:お母さん|母親|お父さん|父親|保護者|ママ|パパ|親)")  # the age of a parent's child
_JA_RECALLED = re.compile(r"\s*(?:前半|後半|半ば)?\s*(?:ぐらい|くらい)?\s*の?\s*(?:時|とき|頃|ころ|当時|時代|以来|から|まで|[夏春秋冬](?!期))")  # 4さいくらいのとき, 高2の夏に
_THEN_BEFORE = re.compile(r"当時\s*(?:は|、)?\s*$")  # 被害当時14歳: the age then
_EN_RECALLED = re.compile(r"\b(?:was|were|at age|at|when|aged?)\s+(?:about\s+|only\s+)?$|\bages?\s+\d{1,2}\s*(?:to|and|-|–|until)\s+$|\b(?:from|between)\s+(?:the\s+)?$")  # from age 8 to 12
_EN_IS_AGE = re.compile(r"\b(?:she|he|they|patient|pt|girl|boy|who|i|victim|client|customer|guest|teen|teenager|pupil|student|daughter|son|sister|brother|niece|nephew|granddaughter|grandson|kid|child|friend|cousin|roommate|classmate|gf|bf|girlfriend|boyfriend)(?:'s| is| are|'m| am|(?: just)? turned)\s+(?:only\s+|just\s+)?(\d{1,2})\b(?!\s*(?:hours?|days?|weeks?|months?|min|%|:|h\b))")
_GRADE_AGE = {"小": 6, "中": 12, "高": 15}  # the age at the start of school year 1
_GRADE = re.compile(_SCHOOL_YEAR + r"(?!\d)")
_SLANG_GRADE = re.compile(r"(?<![a-z0-9])j([sck])\s?([1-6])(?![a-z0-9])")  # js5, jc2, jk1: the slang of school years
_SLANG_SCHOOL = {"s": "小", "c": "中", "k": "高"}
_SELF_INTRO = (r"\s*(?:[（(][^)）]{1,6}[)）]\s*)?(?:の[^。、\s]{0,5}?|男子|女子|男性|女性|男|女)?"  # 中3男子です, 高3（18歳）です
               r"(?:です|だけど|だよ|なんですが|なんだけど|ですが|の(?:私|わたし|僕|ぼく))")
_OWN_GRADE = re.compile(r"(?<![一-龥々])" + _SCHOOL_YEAR_BODY + r"(?:" + _SELF_INTRO
                        + r"|(?<=^..)(?:[。、\s]|(?:男子|女子)[。\s])|(?<=^...)(?:[。、\s]|(?:男子|女子)[。\s])"  # "高1。…" opening the message
                        + r"|(?<=[。！？!?\n]..)。|(?<=[。！？!?\n]...)。)")  # …言えなかった。高1。: a sentence of the year alone
_OWN_AGE = re.compile(r"(?<!\d)(\d{1,2})\s*(?:歳|才|さい|代)" + _SELF_INTRO + r"|\bi(?:'m| am|m)\s+(?:only\s+)?(\d{1,2})\b(?!\s*(?:hours?|days?|weeks?|min))"
                     r"|^(1\d)\s*(?:です|だけど|(?:歳|才)[。、])"  # "16です。…", "16歳。…": the opening of a message
                     r"|^[^。、\s（(]{1,6}[（(](\d{2})\s*(?:歳|才)?[)）][。、\s]"  # "大学1年（18）。…"
                     r"|まだ\s*(1\d)\s*(?:だし|やし|だから|なのに|やのに|だけど|やけど)")  # まだ16だし親に言えない
_OWN_BEFORE = re.compile(r"(?:私|わたし|あたし|僕|ぼく|俺|おれ|自分|(?<![a-z])(?:いま|今))\s*(?:は|も)?[、,\s]*$")
_OWN_AFTER = re.compile(r"\s*に\s*なった\s*(?:今|いま)")  # 30歳になった今
_EN_SCHOOL_YEAR = re.compile(r"\byear\s*([1-9]|1[0-3])\s+(?:student|pupil|girl|boy|child|kid)")
_EN_YEARS_AGE = re.compile(r"\b(?:patient|girl|boy|child|daughter|son|she|he|student|sister|brother|niece|nephew|cousin|friend|granddaughter|grandson),?\s+(?:is\s+)?(\d{1,2})\s*(?:years?|yrs?)\b(?!\s*(?:ago|old|later|before|after))")
# an English school year of the one who did it: after "by", or the subject of the act
_EN_DOER_BEFORE = re.compile(r"\bby (?:a|an|the|two|some)\s+$")
_EN_DOER_AFTER = re.compile(r"(?:er)?(?:\s+(?:boy|boys|girl|student|kid|classmate)s?)?\s+(?:who\s+)?(?:grabbed|touched|groped|assaulted|"
                            r"raped|forced|pressured|exposed|kissed|molested|attacked|cornered|followed|keeps|has been)\b")
_EN_GRADE = re.compile(r"\bgrade\s*(1[0-2]|[1-9])\b|\b(1[0-2]|[1-9])(?:st|nd|rd|th)[\s-]*grade")  # a 7th grader
# a school year in a child's kana (ちゅう1, しょうがく3ねんせい, こうこう2), rewritten as the kanji
# _SCHOOL_YEAR reads, with spaces to keep every offset (けっこう2回 is no year: っ before, 回 after)
_KANA_GRADE = re.compile(r"(?:(?<![ぁ-んー])|(?<=[はのでがもと])|(?<=わたし)|(?<=あたし)|(?<=ぼく)|(?<=おれ))(しょう|しょー|ちゅう|ちゅー|こう|こー)(がく|こう)?"
                         r"(\s*[1-6]|いち|に|さん|よん|ご|ろく)(ねんせい|ねん)?(?![0-9回時人日分歳才か])")
_KANA_GRADE_KANJI = {"しょう": "小  ", "ちゅう": "中  ", "こう": "高 "}  # ちゅー is ちゅう (ー for う)
_KANA_YEARS = {"いち": "1", "に": "2", "さん": "3", "よん": "4", "ご": "5", "ろく": "6"}
_KANA_GRADE_NEXT = ("です", "だ", "の", "で", "な", "ね", "よ", "と", "や", "じゃ", "って", "から", "だけど")  # ちゅういちです
# the same in katakana (ｺｳ2 typed in half-width) and in romaji (chuu3, shogakko 5-nensei, kou 2)
_KATAKANA_GRADE = re.compile(r"(?<![ァ-ヺー])(ショウ|チュウ|コウ)(\s*[1-6])(?![0-9])")
_ROMAJI_GRADE = re.compile(r"(?<![a-z])(shou|sho|chuu|chu|kou|kō|chū|shō)(gakkou|gakko|gakkō|gakusei)?(\s*-?\s*[1-6])"
                           r"(?:(\s*-?\s*)(nensei|nen))?(?![0-9a-z])")
_GRADE_SCHOOL = {"ショウ": "小", "チュウ": "中", "コウ": "高", "shou": "小", "sho": "小", "shō": "小", "chuu": "中",
                 "chu": "中", "chū": "中", "kou": "高", "kō": "高"}  # fmt: skip
# a year without its school (6年生, 3ねんせい): a child's, whichever school (not 大学3年生, 専門学校2年生)
_BARE_YEAR = re.compile(r"(?<![学大院校専科生0-9])([1-6])\s*(?:年生|ねんせい)")
# the writer's age with no 歳: after 私/あたし (あたし15), or a sentence of its own (…された。16)
_OWN_BARE_AGE = re.compile(r"(?:あたし|わたし|私|うち|ぼく|僕|おれ|俺)(?:は|、)?\s*(1\d|[5-9])(?![0-9.:：時日月年歳才回人分か代])"
                           r"|(?:^|[。！!？?\n])\s*(1\d)\s*(?=[。！!？?\n]|$)")
_PAREN_AGE = re.compile(r"[（(]\s*(\d{2})\s*(?:歳|才|y|yo)?\s*[)）]"
                        r"|[（(]\s*(?:[a-z]+\s*,\s*)?(\d{2})\s*(?:歳|才|y|yo)?\s*,[^)）\n]{1,40}[)）]|[（(]\s*[a-z]+\s*,\s*(\d{2})\s*[)）]"  # (16, exchange student), (Malaysian, 16)
                        r"|\b(?:brother|sister|son|daughter|niece|nephew|cousin|grandson|granddaughter|girl|boy|child|kid)\s*\((\d)\)")  # my little brother (9)
_OWN_SLANG = re.compile(_SLANG_GRADE.pattern + _SELF_INTRO)
_EN_GUESSED_AGE = re.compile(r"\b(?:she's|she is|he's|he is|looks|looked|looking|seems|young)\s+(?:maybe|about|around|like|probably)\s+(1\d)\b(?!\s*(?:hours?|days?|weeks?|months?|min|%|:|h\b|times|pills?|mg|people|men|cm|kg))")
_SCHOOL_AGE = {"小学生": 9.0, "中学生": 13.0, "高校生": 16.0,  # a typical age of each school
               "しょうがくせい": 9.0, "ちゅうがくせい": 13.0, "こうこうせい": 16.0}  # fmt: skip (a child's kana)
_OWN_SCHOOL = re.compile("(" + "|".join(_SCHOOL_AGE) + ")" + _SELF_INTRO)
_JA_DATE = re.compile(r"(?<!\d)(1[0-2]|[1-9])\s*月\s*(?:(?:[12]\d|3[01]|[1-9])\s*[〜~～\-–・]\s*)?([12]\d|3[01]|[1-9])\s*日")  # 11月21〜22日: the last day
_JA_MONTH = re.compile(r"(?<![\d月])(1[0-2]|[1-9])\s*月(?:の[^。、\s]{0,6}?(?:合宿|旅行|遠足|大会|試合|キャンプ|祭り|飲み会|パーティー|コンパ|研修|連休|休み|帰省|お盆|彼岸|歓迎会|送別会|忘年会|新年会|文化祭|学園祭|体育祭|運動会|発表会|打ち上げ|ライブ|花火)(?:で|中|の|に)|の(?:こと|事)|に|頃|ごろ|中旬|上旬|下旬|末|初め|半ば|なかば|の第\s*[1-5１-５一二三四五]\s*[週月火水木金土日]|中(?!学|高)|でした|です|だった|の末|の終わり|の初め|の半ば|の中旬|の上旬|の下旬|の頭|の始め|のはじめ"
                       r"|の[^。、\s]{0,4}?(?:とき|時|頃|ころ)|の(?:三|3)?連休|の話|の出来事|[)）]|と(?:の|聞|言|いう)|(?=[。、,.!?\s]|$))")  # 8月でした, 11月の3連休のとき, 9月とのこと
_EN_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
              "november", "december")
_EN_MONTH = re.compile(r"(?<!turned \d\d )(?<!turned \d\d at )(?<!turned \d\d at the )(?<!born )\b(?:in|back in|during|since|early|late|mid|(?:the )?(?:beginning|start|end|middle) of)\s+(" + "|".join(_EN_MONTHS) + r")\b"
                       r"|[,(]\s*(" + "|".join(m for m in _EN_MONTHS if m != "may") + r")\s*(?=[.,;)!]|$)")  # not "turned 18 in October"; "…in Sendai, August."
_JA_DAYS = "月火水木金土日"
# a time of day with its day or its half: 今朝6時ごろ, 昨夜23時, きのうの夜11時, 午前2時, 本日3時半
_CLOCK_DAY = r"(今朝|けさ|今日|本日|きょう|今夜|今晩|昨夜|昨晩|昨日|きのう|ゆうべ|おととい|一昨日)"  # the day a clock time is said with (both clock patterns)
_DAY_PARTS = (r"(午前|午後|am|pm|朝|夜中の|夜|深夜|未明|明け方|夕方|昼|晩)?[ \t]*+(?:(?<=[朝夜午前後深未明方昼晩])(?:[、,][ \t]*+)?(?:たぶん|多分|確か|たしか|だいたい|大体|おそらく)?[ \t]*+)?"
              r"(?:(?<=[朝夜午前後深未明方昼晩])の[ \t]*+)?(\d{1,2})[ \t]*+(?:時(?!間)|じ(?![かゃゅょ])|ジ(?![カャュョ]))")  # groups: the half, the hour (木曜の夜、たぶん11時)
_JA_CLOCK = re.compile(_CLOCK_DAY + r"?[ \t]*+の?[ \t]*+"
                       + _DAY_PARTS + r"[ \t]*+(半|[0-5]?\d(?=[ \t]*分))?")
_EN_H24 = re.compile(r"(?:\b(?:at|around|about|approx\.?|approximately)\s*~?|~)\s*([01]\d|2[0-3])([0-5]\d)(?:\s*(?:hrs?|h)\b|\b)"  # around 1900, at ~0130, approx 0300hrs
                     r"|\b(?:yesterday|last night|this morning|today),?\s+(?:at\s+|around\s+|about\s+)?([01]?\d|2[0-3]):([0-5]\d)\b"  # yesterday 23:00
                     r"|\b([01]\d|2[0-3])([0-5]\d)\s*hrs\b"  # Assault 0200hrs today
                     r"|\b([01]\d|2[0-3])([0-5]\d)(?=[ \t,、]*(?:today|this morning|last night|yesterday)\b)")  # inc. 0100 today
_EN_AHEAD_BEFORE = re.compile(r"\b(?:come|comes|coming|be|gets?|getting)\s+back\s+(?:at\s+|around\s+|by\s+)?$|\b(?:until|till|by)\s+$")  # not "come home 6 in the morning": her past
_EN_NOW_H24 = re.compile(r"\b(?:now|currently)(?:\s+is|\s+it'?s|\s*:)?\s*([01]\d|2[0-3]):?([0-5]\d)\b(?!\s*(?:am|pm|years?|yrs?))")  # Now 0930
_EN_H24_DAYS = ("yesterday", "this morning", "last night", "today", "tonight")
_APPROX_AFTER = re.compile(r"[ \t]*+(?:頃|ごろ|くらい|ぐらい|過ぎ|すぎ)")  # 21時頃: about then, an hour said of a time gone by
_JA_COLON_CLOCK = re.compile(_CLOCK_DAY + r"?[ \t]*+の?[ \t]*+(午前|午後|am|pm|夜中の|夜|深夜|未明|明け方|夕方|朝|昼|晩)?[ \t]*+"
                             r"([01]?\d|2[0-3])[:：]([0-5]\d)(?!\d)")  # 本日04:30頃, 昨日の23:10, 本日AM2:00
# a number of days back and an hour (2日前の17時ごろ, 3日前の夜10時): that day at that hour
# a note's bare age after the word for the patient (本人16, pt 17, "student, 15,", "shes 17", "Female 16,", 高3男、18)
_NOTE_AGE = re.compile(r"(?:本人|患者|その子|この子|あの子|(?<![a-z0-9])[fm](?=\s*,)|(?<![a-z])pt|女子|男子|女児|男児|\bshes|\bhes"
                       r"|\b(?:patient|student|client|victim|female|girl|boy)(?:\s+(?:in|from)\s+[a-z\-]+(?=,))?"  # "a patient in Asahikawa, 16,"
                       r"|\bsays(?:\s+(?:she'?s|he'?s|she is|he is))?(?=\s+\d{1,2}\s*(?:[),.;]|$))|(?<=[高中小][1-6])[男女]、?)\s*,?\s*(\d{1,2})"
                       r"(?![\d:：/年月日週時分名人件回号階番歳才代%]|\.\d|\s*(?:hours?|hrs?|days?|weeks?|months?|years?|yrs?|yo\b|y/o|min|am|pm|h\b|kg|cm|ml|mg|th|st|nd|rd))")
# a person, は and an age with no 歳, closing its clause (妹は17で、本人は16です)
_KIN_AGE = re.compile(r"(?:本人|患者|妹|姉|娘|息子|孫|生徒|女子|男子|女児|男児)(?:は|が|も)\s*(1\d|[5-9])"
                      r"(?=\s*(?:で|だ|です|、|,|。|[)）]|$))")
# a sentence that is a teenager's age and a copula (17じゃ。, 15らしい): the one spoken of (not 19です。,
# which introduces the writer: read_own_ages)
_SENTENCE_AGE = re.compile(r"(?:^|(?<=[。！!？?\n]))\s*(1\d)\s*(?:じゃ|や|だ|だって|って|らしい|らしいです)\s*(?=[。！!？?\n]|$)")
_UNDER_AGE = re.compile(r"(?<![a-z0-9])u-?(1[0-8]|[6-9])(?![0-9a-z])")  # u-15: a youth team's age band
_KANJI_TEEN = re.compile(r"(?<![一-龥])(十[一二三四五六七八九]?)の(?:子|女の子|男の子|娘)")
_AGE_FIELD = re.compile(r"(?:年齢\s*(?:[:=]|は|が)?|\bage\s*[:=])\s*(\d{1,2})(?![\d歳才さい代]|\s*(?:ではなく|じゃなく))")  # not "from age 8", not 15ではなく25
_JA_DAYS_AGO_CLOCK = re.compile(r"(\d{1,2}|[一二三四五六七八九十])\s*日\s*前\s*の\s*(午前|午後|夜中の|夜|深夜|未明|明け方|夕方|朝|昼|晩)?\s*(\d{1,2})\s*時(?!間)(?:\s*(半|[0-5]?\d)\s*分?)?")
_EN_CLOCK = re.compile(r"\b(1[0-2]|[1-9])(?::([0-5]\d))?\s*(am|pm|a\.m\.|p\.m\.|in the morning|in the afternoon|in the evening|at night)(?:\b|(?<=\.))")
_EN_PM = frozenset({"pm", "p.m.", "in the afternoon", "in the evening"})
_NOW_BEFORE = re.compile(r"(?:いま|今|現在|now|it's|it is)\s*(?:は|、)?\s*翌?$")  # 今は翌朝10時: the writer's clock
_JA_NOW_CLOCK = re.compile(r"(?:いま|今(?![朝日夜晩週月年回度])|現在)\s*(?:は|、)?\s*翌?(午前|午後|夜中の|夜|深夜|夕方|朝)?\s*の?\s*(\d{1,2})\s*(?:時(?!間)|[:：][0-5]\d)")  # いま午前3時, 現在21時
_EN_NOW_CLOCK = re.compile(r"\b(?:it'?s|it is)\s+(?:about\s+|around\s+)?(1[0-2]|[1-9])(?::[0-5]\d)?\s*(am|pm)\s+now\b"
                           r"|\bnow\s+(?:it'?s\s+|it is\s+)?(1[0-2]|[1-9])(?::[0-5]\d)?\s*(am|pm)\b")
_SAME_TIME_BACK = re.compile(r"(昨日|きのう|おととい|一昨日)\s*の\s*(?:今|いま|同じ時間)\s*(?:ごろ|頃|くらい)")  # 昨日の今ごろ
_WEEKDAY_ASIDE = r"[（(][月火水木金土日](?:曜日?)?[)）]"  # a date's weekday in brackets: 1日（火）, 12/4(金)
_DAY_BEFORE = re.compile(r"(?:[月火水木金土日]曜日?|(?<!\d)\d{1,2}\s*日|\d/\d{1,2}|\d{4}-\d{1,2}-\d{1,2})(?:\s*" + _WEEKDAY_ASIDE + r")?\s*の?\s*$")  # 水曜の夜11時: the weekday's
_EN_WEEKDAY_BEFORE = re.compile(r"(?:\b(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?|\d/\d{1,2}|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?)\b[^.;!?\d]{0,14}$")
_EN_PM_PARTS = ("tonight", "this evening", "this afternoon", "last night")
_EN_PART_CLOCK = re.compile(r"\b(?:at|about|around|approx\.?|approximately)\s+0?(1[0-2]|[1-9])(?::(?P<min>[0-5]\d))?\s+(this morning|last night|tonight|this evening|this afternoon)\b"
                            r"|\b(this morning|last night|this evening|this afternoon|tonight)\s+(?:at|around|about|~)\s*(1[0-2]|[1-9])\b(?![:.]?\d|\s*(?:am|pm|hours?|days?|o'clock))"
                            r"|\b(?:at|around|about|after|near|just after|past)\s+(midnight)\b")
# the holidays that name a month (夏休み: August), read as that month is; and yearly events and the
# seasons, read so only when said as a time (夏祭りの夜に, not 夏祭りの救護所)
_SEASON_MONTH = {"夏休み": 8, "お盆": 8, "春休み": 3, "冬休み": 1, "ゴールデンウィーク": 5, "gw": 5, "summer vacation": 8,
                 "summer holidays": 8, "summer break": 8, "summer camp": 8, "spring break": 3, "夏期講習": 8, "夏季講習": 8,
                 "なつやすみ": 8, "はるやすみ": 3, "ふゆやすみ": 1}  # fmt: skip
_YEAR_BEFORE = re.compile(r"(?:今年|ことし|去年|昨年|きょねん|一昨年|おととし)の?\s*$")  # 今年の成人式: the one past
_SEASONS = {"夏祭り": 8, "花火大会": 8, "海水浴": 8, "夏合宿": 8, "春合宿": 3, "梅雨": 6, "花見": 4, "入学式": 4,
            "新歓": 4, "新入生歓迎会": 4, "卒業式": 3, "稲刈り": 9, "紅葉": 11, "成人式": 1, "七五三": 11, "三が日": 1,
            "初詣": 1, "雪まつり": 2, "阿波おどり": 8, "阿波踊り": 8, "盆踊り": 8, "七夕": 7, "1学期": 6, "一学期": 6,
            "新年会": 1, "夏": 8, "春": 4, "秋": 10, "冬": 1,
            "summer": 8, "spring": 4, "autumn": 10, "fall": 10, "winter": 1, "obon": 8, "tanabata": 7, "golden week": 5}  # fmt: skip
_HOLIDAY_DATE = {"ハロウィン": (10, 31), "halloween": (10, 31), "文化の日": (11, 3), "勤労感謝の日": (11, 23),
                 "クリスマスイブ": (12, 24), "クリスマス": (12, 25), "christmas": (12, 25), "xmas": (12, 25), "大晦日": (12, 31),
                 "元日": (1, 1), "元旦": (1, 1), "new year's eve": (12, 31), "new years eve": (12, 31), "バレンタイン": (2, 14), "valentine": (2, 14),
                 "thanksgiving": (11, 22)}  # fmt: skip
_HOLIDAY = re.compile("(" + "|".join(_HOLIDAY_DATE) + ")(?!那)")  # not 元旦那 (an ex-husband)
_ERA_DATE = re.compile(r"(?:令和|(?<![a-z])r)\s*(\d{1,2})\s*[/.年-]\s*(1[0-2]|0?[1-9])\s*[/.月-]\s*([12]\d|3[01]|0?[1-9])(?![\d:])")
_VISIT_LABEL = re.compile(r"(?:受診|来院|初診|再診|面接|相談|記入|記録|入院|搬送|来局|月経|lmp|presentation|presented|arrival|arrived|triage|seen)(?:日時|日| time| date)?\s*[:は]?\s*$")  # 受診日:12/5, LMP 11/10: another event's date
_VISIT_AFTER = re.compile(r"[)）]?\s*(?:に|の)?\s*(?:来院|受診|初診|来局|来室|来所)(?![日時]|\s*[:：]|\s*\d{1,2}\s*[/月])")  # 12/5 来院, 本日（12/5）来院: the visit's date (not 11/20 受診日12/5: a label for the next)
_INCIDENT_LABEL = re.compile(r"(?:被害|発生|受傷|事件|最終)(?:日時|日)?\s*[:は]?\s*$")  # 性暴力被害日:12/1
_YMD_DATE = re.compile(r"(?<![\d@])((?:19|20)\d\d)\s*[/.年-]\s*(1[0-2]|0?[1-9])\s*[/.月-]\s*([12]\d|3[01]|0?[1-9])(?![\d:])")  # 2026-12-04t23:00: its hour after the t (_H24_AFTER); not "@2026-12-05t10:00", the time of writing
_EN_MONTH_STEMS = ("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_EN_MONTH_WORD = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])"  # a month, not a word that begins like one (decided)
_EN_DATE = re.compile(r"(?<![a-z])" + _EN_MONTH_WORD + r"\.?\s+([12]\d|3[01]|[1-9])(?:st|nd|rd|th)?(?![\da-z])")  # Dec 3の夜
_EN_DAY_MONTH = re.compile(r"\b([12]\d|3[01]|[1-9])(?:st|nd|rd|th)?\s+(?:of\s+)?" + _EN_MONTH_WORD)  # 20 November
_DAY_SAID = re.compile(r"(?:昨日|きのう|昨夜|昨晩|ゆうべ|おととい|一昨日|今朝|けさ)(?:の(?:こと|事|夜|朝|晩|夕方|出来事))"
                       r"|\b(?:yesterday|last night|this morning)\b")
_SEASON = re.compile(r"(?<!来年の)(?<!来年)(?<![一-龥々])(?:(" + "|".join(_SEASON_MONTH) + ")|("
                     + "|".join(w for w in _SEASONS if not w.isascii())
                     + r")(?=\s*(?:に|の(?:夜|日|頃|ころ|とき|時|後|あと|帰り|最中|間|終わり|初め|はじめ|半ば|こと)|頃|ごろ|ころ|くらい|ぐらい"
                     r"|の[^、。\s]{0,5}?(?:会|祭|旅行|合宿|キャンプ|遠足|大会|試合|帰省|コンパ)|中|場|明け|の?こと|から|でした|です|だった|[、。,.!?\s]|$))"
                     r"|\b(?:in|during|over|this|last)\s+(?:the\s+)?(summer|spring|autumn|fall|winter)\b"
                     r"|\b(?:in|during|over|at|around|on)\s+(?:the\s+)?(obon|tanabata|golden week)\b)")  # not 青春, 秋田, 来年の春
# a word every _SEASON (or _EN_MONTH) match holds: patterns that begin with a lookbehind are tried at
# every character, these words are looked for at once
_SEASON_HINT = re.compile("|".join(map(re.escape, sorted((*_SEASON_MONTH, *_SEASONS), key=len, reverse=True))))
_EN_MONTH_HINT = re.compile("|".join(_EN_MONTHS))
_DATE_ASIDE = re.compile(r"日?[ \t]*+[(（](?:[月火水木金土日](?:曜日?)?|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?)[)）](?:[ \t]*+(?:approx\.?|about|around|約|~))?"
                         r"|[ \t]*+(?:approx\.?|approximately|約|~)(?=[ \t]*+\d)")
_CLOCK_AFTER = re.compile(r"日?[ \t]*+の?[ \t]*+" + _DAY_PARTS)  # a time of day after a date or weekday
_PART_AFTER = re.compile(r"日?[ \t]*+の?[ \t]*+(深夜|未明|明け方|朝|昼|夕方|夜中|夜|晩)(?![\d０-９]|[ \t]*[0-9])")  # no hour after it
_PART_HOUR = {"未明": 3, "明け方": 5, "朝": 8, "昼": 12, "夕方": 17, "夜": 21, "晩": 21, "夜中": 24, "深夜": 24,
              "morning": 8, "afternoon": 15, "evening": 19, "night": 21}  # fmt: skip
_EN_PART_AFTER = re.compile(r"\s+(morning|afternoon|evening|night)\b")
_EN_CLOCK_AFTER = re.compile(r"(?:day)?,?\s*(?:night|evening|morning|afternoon)?,?\s*(?:(?:at\s+)?(?:around|about|approx\.?|~)|at)?\s*(1[0-2]|[1-9])(?::[0-5]\d)?\s*(am|pm|a\.m\.|p\.m\.)(?:\b|(?<=\.))")
_H24_AFTER = re.compile(r"日?\s*(?:,\s*)?(?:at\s+|around\s+|の\s*|t|~\s*)?([01]?\d|2[0-3])(?::|：)?([0-5]\d)(?![\d:：/])")
# a writer correcting what they just wrote: 3日前…いや4日前, 昨日の22時…本人に確認したら一昨日の22時
_CORRECTION = re.compile("|".join((r"いや[、,\s]", r"いや(?=[\d一二三四五六七八九十])", r"\.{2,}\s*いや", r"いえ[、,\s]", r"いえ(?=[\d一二三四五六七八九十])",
                                    r"(?:すみません|すいません|ごめんなさい)[、,]\s*(?=[\d一二三四五六七八九十昨今おき])", r"(?:違う|ちがう|違った|ちがった)(?:[、,。\s]|(?=[\d一二三四五六七八九十]))", r"(?:では|じゃ)なく(?:て|、|(?=\d))", r"(?<![一-龥])正\s*[:：]", r"\bsorry\b",
                                    *TAKEN_BACK, "訂正", "確認したら", "正確には", "ほんとは", "本当は", "ほんまは", "よく聞くと", "よく聞いたら", "聞き直したら", "改めて聞くと",
                                    "書いたけど", "書きましたが", "送りましたが", "送ったけど", "確認し直したら", "と言いましたが", "と言ったけど", "って言ったけど", "と言いましたけど", "correction", "corrected", "actually", "i mean", r"\bno wait\b", r"\bwait,? no\b", "make that", "scratch that", r"\.{2,}\s*no\b", r",\s*no,")))  # fmt: skip
_NOT_BEFORE = re.compile(r"\bnot\s+$")  # "…10 days ago, not 2 days ago": the span after it taken back
_BARE_SPAN = re.compile(r"[\s,、:\-—–]*(?:it was\s+|it's\s+|more like\s+|make that\s+|i mean\s+|it to\s+|to\s+)?"
                        r"((?:\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s*(?:hours?|hrs?|days?|nights?|weeks?)|\d+\s*(?:日|時間|週間))(?!\s*(?:ago|前|まえ))")
_JA_LAST_MONTH_DAY = re.compile(r"(先々月|先月|今月)\s*の?\s*([12]\d|3[01]|[1-9])\s*日")
_SLASH_DATE = re.compile(r"(?<![\d/.])(1[0-2]|0?[1-9])/([12]\d|3[01]|0?[1-9])(?![\d/])")  # 4/28, 12/03
_TODAY_WORDS = ("今日", "本日", "きょう")  # today's names (_TODAY_BEFORE, 今日は as a sentence's topic)
_TODAY_BEFORE = re.compile("(?:" + "|".join(_TODAY_WORDS) + r")\s*(?:は|も|が|、)?\s*$")
# a weekday of what comes next (月曜から学校, 月曜にまた会う, 月曜日また塾があります, 月曜学校いけない):
# what follows it, to the end of its clause, says it ahead, not past
_WEEKDAY_AHEAD = re.compile(r"日?\s*(?:(?:から|には|にも|にまた|もまた|また|まで)(?!\s*[月火水木金土日]曜|[^。！？!?\n]{0,20}?(?:た|でした|だった)(?:[。、！？!?\s]|$))"
                            r"|[^。！？!?\n、]{0,14}?(?:会う|会います|顔を?合わせ(?:る|ます)|行く|行きます|戻る|戻ります|戻って(?:くる|きます)|帰る|帰ります"
                            r"|来る|来ます|くる|きます|ある|あります|あんねん|あるん|予定|出社|出勤(?:する|します|です)|登校(?:する|します|です)|迎えに来(?:る|ます)"
                            r"|行けない|いけない|行きたくない|いきたくない|行かない|会いたくない"
                            r"|いる(?:はず|予定|かも)|います|訪問(?:が|の|予定)|面会(?:が|の|予定))"
                            r"|(?:の(?:朝|夜|夕方|午後))?も[^。！？!?\n、]{0,10}?(?:部活|練習|授業|シフト|仕事))")  # 月曜もその先輩たちと部活 (not 火曜の練習の日)
_WEEKDAY_SERVICE = re.compile(r"日?\s*(?:当番|診療|休診|営業|定休|祝日|も開|も診|もやって|は休|の外来)")  # 日曜当番医, 土曜診療
_JA_NOW_WEEKDAY = re.compile(r"(?:今日|きょう|本日|いま|今)\s*は?\s*([月火水木金土日])曜"
                             r"|^(?:[^。\n]{0,12}[。\n])?\s*([月火水木金土日])曜日?\s*の?\s*(?:朝イチ|朝|昼|夜|夕方|午前|午後)?\s*です(?![かが])")  # 今日は月曜; opening: 月曜の朝です
_JA_WEEK_START = re.compile(r"(?:今週|週)\s*の?\s*(?:頭|初め|はじめ)|週頭|\bearly this week\b|\bat the (?:start|beginning) of (?:this|the) week\b")  # 今週頭の出来事, 週の頭に
# 先週の金曜, 先週末（土曜の夜）; the spaces bounded: no backtracking over long runs of them
_BEFORE_BOUND = re.compile(r"日?\s*(?:より(?:も)?前|以前)")  # 木曜より前: a bound, not the day
_JA_WEEKDAY = re.compile(r"(先々週|先週末|先週|今週|この前)?[ \t]{0,3}[（(]?の?[ \t]{0,3}([月火水木金土日])曜")
_EN_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_EN_WEEKDAY = re.compile(r"\b(last\s+(?:week,?\s+(?:on\s+)?)?)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday"
                         r"|(?:mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)(?=\.?\s+(?:night|morning|evening|afternoon))"  # Fri night
                         r"|(?<=last )(?:mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)(?![a-z]))\b")  # last Tues
_EN_NOW_WEEKDAY = re.compile(r"\b(?:today is|today's|it'?s|it is|its)\s+(?:a\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
                             r"(?!\s+(?:night|morning|evening|afternoon|last|before))")  # "it's wednesday now"
# a weekday she must face him on, or take off (I have class with him on Monday, back to work monday, taking monday off)
_EN_AHEAD_WEEKDAY_BEFORE = re.compile(r"(?:\b(?:have|has|got)\s+(?:to\s+)?(?:class|classes|work|school|see|go|meet|face|shift|practice|lesson)|\bgo(?:ing)? back|\bback to (?:work|school)|\btaking|\btake|\bto (?:meet|see|visit))\b[^.;!?]{0,24}\s$")  # "asks to meet him this Sunday"
_EN_AHEAD_WEEKDAY_AFTER = re.compile(r",?\s+(?:i have|i've got|i'll|i will|i must|he'?s there|he is there|he will|off\b)")  # Monday I have class
_EN_LAST_AFTER = re.compile(r"(?:\s+(?:night|morning|evening|afternoon))?,?\s+(?:of\s+)?(last week|before last)\b")
_JA_DAY_OF_MONTH = re.compile(r"(?<![\d月/／.年])([12]?\d|3[01])日(?:[ \t]*" + _WEEKDAY_ASIDE  # 1日（火）: a date, its weekday skipped
                              + r"|(?=[ \t]*の?[ \t]*(?:深夜|未明|明け方|朝|昼|夕方|夜中|夜|晩|午前|午後))"  # 4日の深夜
                              r"|(?=に(?:性?被害|襲われ|レイプ|暴行|無理やり|強要)))")  # 30日に被害 (not 3日に1回)
_EN_ORDINAL_DAY = re.compile(r"\bon the ([12]?\d|3[01])(?:st|nd|rd|th)\b")
_NEXT_BEFORE = re.compile(r"(?:来週|再来週|次の|次は|今度の?|next|this coming)\s*(?:の)?\s*$|(?:go|going|come|coming|back) to (?:work|school)\s+(?:on\s+)?$"
                          r"|\b(?:until|till|by|open|opens|closed|see (?:him|her|them|you)|call (?:him|her|them|you)|again|back|appointment)\s+(?:on\s+)?$"
                          r"|\b(?:will|'ll|hell|shell|scheduled|flying|fly|coming|comes|due|planned|next visit is)\b[^.;!?]{0,30}?\s$"  # he's scheduled for Monday
                          r"|(?:再診|次回|受診予定|予約)は?\s*$|(?:次回|次の|今度の)の?[^。、\s]{1,6}?(?:は|が)\s*$"  # 次回訪問は月曜, 次の面会は土曜
                          r"|\b(?:a|every|any|before)\s+$"
                          r"|\b(?:fl(?:y|ies|ying)|leav(?:e|es|ing)|go(?:es|ing)?|head(?:s|ing)?|return(?:s|ing)?)\s+(?:home|back)\s+(?:on\s+)?$")  # fmt: skip (see him Monday, open Saturday: ahead)


# ---------------------------------------------------------------- the condition kinds
# Each builder takes the YAML argument (validated) and returns a Condition: a partial of a module-level
# test, not a closure, so that loaded Rules can be pickled (bot.knowledge caches the loaded knowledge).


def _any_test(wanted: frozenset[str], f: Facts) -> bool:
    return bool(f.keywords & wanted)


def _affirmed_test(wanted: frozenset[str], f: Facts) -> bool:
    return bool(f.affirmed & wanted)


def _said_test(wanted: frozenset[str], f: Facts) -> bool:
    return bool(f.said & wanted)


def _together_test(wanted: frozenset[str], f: Facts) -> bool:
    return any(wanted <= s for s in f.sentences)


def _own_age_under_test(limit: float, f: Facts) -> bool:
    return any(a < limit for a in f.own_ages)


def _doer_test(wanted: frozenset[str], f: Facts) -> bool:
    return bool(wanted & f.doers)


def _described_age_test(expected: bool, f: Facts) -> bool:
    return (bool(f.ages) and not f.own_ages) == expected


def _other_words_at_most_test(limit: float, f: Facts) -> bool:
    return f.other_words <= limit


def _named_subject_test(expected: bool, f: Facts) -> bool:
    return f.named_subject == expected


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


def _affirmed(sets: list[str]) -> Condition:
    return partial(_affirmed_test, frozenset(sets))


def _said(sets: list[str]) -> Condition:
    return partial(_said_test, frozenset(sets))


def _together(sets: list[str]) -> Condition:
    return partial(_together_test, frozenset(sets))


def _own_age_under(limit: float) -> Condition:
    return partial(_own_age_under_test, limit)


def _doer(sets: list[str]) -> Condition:
    return partial(_doer_test, frozenset(sets))


def _described_age(expected: bool) -> Condition:
    return partial(_described_age_test, expected)


def _other_words_at_most(limit: float) -> Condition:
    return partial(_other_words_at_most_test, limit)


def _named_subject(expected: bool) -> Condition:
    return partial(_named_subject_test, expected)


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
    "affirmed": ("sets", _affirmed),  # one occurs and no negation denies it (危険はありません does not)
    "said": ("sets", _said),  # ... and it is the writer's own words, not quoted or reported speech
    "together": ("sets", _together),  # all of these sets occur, affirmed, in one sentence
    "flag": ("flags", _flag),  # one of these flags is already set (flag rules run in file order)
    "place": ("bool", _place),  # a place was (true) / was not (false) recognised
    # what happened has a subject other than the writer (父親が…受けている): not their own story
    "named_subject": ("bool", _named_subject),
    "hours_since_at_most": ("number", _hours_at_most),
    "hours_since_over": ("number", _hours_over),
    "age_under": ("number", _age_under),  # some age read from the text is below
    "age_at_least": ("number", _age_at_least),  # ages were read, all at least this
    "own_age_under": ("number", _own_age_under),  # the writer gives their own age, below this
    # the one who did it is named by a word of these sets (利用者の男性から触られた: persons)
    "doer": ("sets", _doer),
    # an age is stated and none as the writer's own (20代男性、…): a person described, not the writer
    "described_age": ("bool", _described_age),
    # the message says little beyond what the sets and places explain (not a question of another kind)
    "other_words_at_most": ("number", _other_words_at_most),
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
    word: bool = False  # written [in brackets]: must be a whole word of the morphological analysis


@dataclass(frozen=True, slots=True)
class _Occurrence:
    start: int  # character offsets in the normalised text
    end: int
    sets: frozenset[str]


@dataclass(frozen=True)
class SetOptions:
    """How a keyword set reads its context (the mapping form of a set in rules.yaml)."""

    not_before: frozenset[str] = frozenset()  # dropped right before one of these sets (子ども + の頃)
    not_after: frozenset[str] = frozenset()  # dropped right after one of these sets (母の + 交際相手)
    # a time word dates the next event of its sentence: dropped when that event is of these sets
    # (今日 + 来院: the day of the visit, not of the assault) ...
    dates_next: frozenset[str] = frozenset()
    events: frozenset[str] = frozenset()  # ... among the events of these sets (and dates_next)
    # dropped when it is the agent (から/に) of a passive of these sets that the writer says in its
    # sentence: 利用者さんから体を触られました names who did it, not whom it was done to
    not_agent_of: frozenset[str] = frozenset()
    only_agent_of: frozenset[str] = frozenset()  # ... kept only as such an agent (彼女に無理やりされた: the girlfriend)


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
    # anchor form -> [(the forms in a row, the anchor's place in it, sets)]: the ~lemma keywords
    _lemmas: dict[str, tuple[tuple[tuple[str, ...], int, frozenset[str]], ...]] = field(
        repr=False, compare=False, default_factory=dict)
    _options: dict[str, SetOptions] = field(repr=False, compare=False, default_factory=dict)
    _subject_sets: frozenset[str] = field(repr=False, compare=False, default=frozenset())  # people (named_subject)
    _doer_sets: frozenset[str] = field(repr=False, compare=False, default=frozenset())  # people who may do it (unsaid)
    _dated_events: frozenset[str] = field(repr=False, compare=False, default=frozenset())  # a visit, a disclosure
    learned: Learned | None = field(repr=False, compare=False, default=None)  # knowledge/weights.json

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
        at: dt.datetime | None = None,
        elsewhere: Iterable[tuple[int, int]] = (),
    ) -> Facts:
        """Read keywords, elapsed time and ages from normalised text, then apply the flag rules.
        `occurrences`: every (end offset, keyword index) of the keywords in `letters` (which is
        utf8_letters(text): give it if you have it), as an automaton holding `keyword_forms()`
        reports them (bot.location.Locator.read); by default this module's automaton finds them.
        `at`: the moment of the message, for weekday phrases (先週の金曜日). `elsewhere`: the
        (first, last) bytes in `letters` of place names in another prefecture than the message's
        (bot.location.Reading.elsewhere): the one who did it said to be there is away."""
        occs: list[_Occurrence] = []
        analysis = Analysis(text) if text and not text.isascii() else None
        stops: list[tuple[int, int]] = []  # where "stop" phrases stand: the lemma rows are hidden there too
        byte_starts: list[int] | None = None  # each character's first byte in `letters`, where they differ
        if text and self._keywords:
            if letters is None:
                letters = utf8_letters(text)  # byte offsets; a Latin keyword's neighbours are the same
            if occurrences is None:
                occurrences = self._automaton.iter(letters)
            table = self._keywords
            lengths = self._lengths
            spans = sorted([(end - lengths[i] + 1, -lengths[i], end, i) for end, i in occurrences])
            last = len(letters) - 1
            byte_starts = None if len(letters) == len(text) else _byte_starts(text)
            # leftmost-longest, non-overlapping within each set; a "stop" phrase hides every set
            covered: dict[str, int] = {}
            stopped = -1
            for start, _, end, i in spans:
                kw = table[i][1]
                if start <= stopped:
                    continue
                if _STOP in kw.sets:
                    stopped = end
                    stops.append((start, end + 1) if byte_starts is None
                                 else (bisect_left(byte_starts, start), bisect_left(byte_starts, end + 1)))  # fmt: skip
                    if len(kw.sets) == 1:
                        continue
                    kw = Keyword(kw.sets - _STOP_SETS, kw.length, kw.latin, kw.prefix, kw.word)  # a stop phrase that is also another set's word counts there
                live = [n for n in kw.sets if start > covered.get(n, -1)]
                if not live:
                    continue
                # Latin keywords must stand as words: "son" is not in "person"; "rape*" also
                # matches "raped". Japanese has no spaces: a [bracketed] keyword must be a word.
                # (checked before the span is taken: "do sex" in "do sexual things" leaves "sexual" free)
                if kw.latin:  # ("'s friend" begins with no letter: any neighbour will do)
                    if start > 0 and letters[start - 1] in _ASCII_ALNUM and letters[start] in _ASCII_ALNUM:
                        continue
                    if not kw.prefix and end < last and letters[end + 1] in _ASCII_ALNUM:
                        continue
                for n in live:
                    covered[n] = end
                if len(live) < len(kw.sets):
                    kw = Keyword(frozenset(live), kw.length, kw.latin, kw.prefix, kw.word)
                if byte_starts is None:
                    s, e = start, end + 1
                else:
                    s, e = bisect_left(byte_starts, start), bisect_left(byte_starts, end + 1)
                if kw.word and analysis is not None and not analysis.is_word(s, e):
                    continue
                occs.append(_Occurrence(s, e, kw.sets))
        if analysis is not None and self._lemmas:
            occs.extend(o for o in _lemma_occurrences(analysis, self._lemmas)
                        if not any(a <= o.start < b for a, b in stops))  # fmt: skip (聞かれました hides れました)
        if _PAST in self.keyword_sets:  # an age or school year recalled (12歳の時, when I was 8): long ago
            recalled = read_recalled(text)
            occs.extend(_Occurrence(a, b, _PAST_SETS) for a, b in recalled)
            if "から" in text:  # 先月から別居中, 先月からシェルターにいる: apart since then, so the act is older
                occs.extend(_Occurrence(m.start(), m.end(), _PAST_SETS) for m in _APART_SINCE.finditer(text))
            if at is not None and ("19" in text or "20" in text):  # "raped … in 2023", 2019年に: a year gone by
                occs.extend(_Occurrence(m.start(), m.end(), _PAST_SETS) for m in _PAST_YEAR.finditer(text)
                            if int(m.group(1) or m.group(2)) < at.year)  # fmt: skip
            if at is not None and "年" in text:  # H30年ごろ, 平成の: an era's year gone by (平成30年 is 2018)
                occs.extend(_Occurrence(m.start(), m.end(), _PAST_SETS) for m in _ERA_YEAR.finditer(text)
                            if _ERA_BASE[m.group(1)[0]] + int(m.group(2)) < at.year)  # fmt: skip
            if "妊娠" in text and not _ABUSE_GOES_ON.search(text):  # 妊娠9週の20歳、相手は…無理やりだった: weeks have passed (not 妊娠中も強要されている)
                occs.extend(_Occurrence(m.start(), m.end(), _PAST_SETS) for m in _PREGNANT_WEEKS.finditer(text)
                            if int(m.group(1)) >= 3)  # fmt: skip
            if _BORN.search(text):  # 妊娠中に強要されていた。産後1か月: the act before the birth
                occs.extend(_Occurrence(m.start(), m.end(), _PAST_SETS) for m in _DURING_PREGNANCY.finditer(text))
            if _RECALLED_SINCE in self.keyword_sets:  # 小学生の頃から, 半年前から, "from age 8": a time past it began
                occs.extend(_Occurrence(o.start, o.end, _RECALLED_SINCE_SETS) for o in list(occs)
                            if _PAST in o.sets and (_SINCE_AFTER.match(text, o.end) or text.startswith("from", o.start)))  # fmt: skip
        if analysis is not None and _AGENT in self.keyword_sets and self._doer_sets:  # ゼミの教授から…強要された
            occs.extend(_person_agents(analysis, sorted((o for o in occs if o.sets - _CONTEXT_ONLY), key=_start)))
        if self._doer_sets:  # 先輩に…, 親戚から。: a person named and the act left unsaid
            occs.extend(_Occurrence(o.start, m.end(2), _UNSAID_SETS) for o in list(occs)
                        if o.sets & self._doer_sets and (m := _UNSAID_AFTER.match(text, o.end))
                        and not (m.group("of") and not _GENERIC_HEAD.search(m.group("of"))))  # fmt: skip (彼氏の友人に…: the friend)
            if "…" in text or ".." in text or "・・" in text:  # 帰り道で腕をつかまれて公園の奥に…: where, then silence
                occs.extend(_Occurrence(m.start(), m.end(), _UNSAID_SETS) for m in _UNSAID_SCENE.finditer(text))
        occs.sort(key=_start)
        if _REPORTING in self.keyword_sets:  # 「…」って言われて, 嫌って言ったら: the writer's own story, not a report
            occs = [_Occurrence(o.start, o.end, o.sets - {_REPORTING}) if _REPORTING in o.sets and _not_reported(text, o)
                    else o for o in occs]  # fmt: skip
            occs = [o for o in occs if o.sets]
        ctx = _Text(text)
        # 無理やりされた, 性被害にあった: the act told, not only named (性被害。); Japanese only, for an English
        # past participle is a note's word too (pt assaulted)
        if _ACT_TOLD in self.keyword_sets and analysis is not None:
            occs = sorted(occs + [_Occurrence(o.start, o.end, _ACT_TOLD_SETS) for o in occs
                                  if "topic" in o.sets and analysis.told_as_act(o.start, o.end)], key=_start)
        if _ONGOING in self.keyword_sets and analysis is not None:  # 下着を脱がされる, 触られている: going on
            occs = sorted(occs + [_Occurrence(o.start, o.end, _ONGOING_SETS) for o in occs
                                  if o.sets & _ONGOING_ACTS and analysis.going_on(o.end)], key=_start)
        if _WENT_ON in self.keyword_sets and analysis is not None:  # 強要されていました: a state that went on then
            occs = sorted(occs + [_Occurrence(o.start, o.end, _WENT_ON_SETS) for o in occs
                                  if o.sets & _WENT_ON_ACTS and analysis.told_before(o.end) == "was"], key=_start)
        if _OWN_ACT in self.keyword_sets and self._subject_sets:  # 患者に抱きつかれて触られました: done to the writer
            occs = sorted(occs + _own_acts(ctx, occs, self._subject_sets | self._doer_sets), key=_start)
        if analysis is not None and self._dated_events:  # 保護室で, 入院患者の: a modifier names no event
            occs = [_Occurrence(o.start, o.end, o.sets - self._dated_events)
                    if o.sets & self._dated_events and analysis.names_a_thing(o.start, o.end) else o for o in occs]  # fmt: skip
            occs = [o for o in occs if o.sets]
        if self._options:
            occs = _apply_options(occs, self._options, ctx, self._subject_sets)
        if analysis is not None and _DANGER in self.keyword_sets:  # 脅されていた, 閉じ込められて無理やり: not now
            occs = _danger_of_the_past(ctx, occs, analysis)
        own_ages = read_own_ages(text)
        if self._subject_sets and own_ages and (spans := _own_intro_spans(text)):  # 中3男子です: the writer
            occs = [
                _Occurrence(o.start, o.end, o.sets - self._subject_sets)
                if o.sets & self._subject_sets and any(a <= o.start and o.end <= b for a, b in spans) else o
                for o in occs
            ]
            occs = [o for o in occs if o.sets]
        doers = _doer_mentions(ctx, occs, self._doer_sets) if self._doer_sets else []
        if self._doer_sets and (named := _identified_doers(ctx, occs, self._doer_sets, doers)):  # 加害者は元交際相手
            doers = sorted(doers + named, key=lambda d: d[0].start)
            if _PARTNER_NAMED in self.keyword_sets:  # "the perpetrator is her ex-husband": hers, said (not 私の元彼)
                occs = sorted(occs + [_Occurrence(o.start, o.end, _PARTNER_NAMED_SETS) for o, _ in named
                                      if o.sets & _PARTNER_WORDS and not _OTHERS_BEFORE.search(ctx.text, max(0, o.start - 4), o.start)],
                              key=_start)  # fmt: skip
        if _DOER_PRESENT in self.keyword_sets:  # 家庭教師に…。その家庭教師が今日も来る
            first_act = min((end for _, end in doers), default=None)
            if first_act is None:  # nobody named as the doer: an anaphor still points back (その患者まだ待合にいる)
                first_act = next((o.end for o in occs if o.sets & _ACT_FIRST or _OWN_ACT in o.sets), None)
            if first_act is not None:
                person_ends = frozenset(o.end for o in occs if o.sets & _OWNER_PEOPLE)
                occs = sorted(occs + _doers_present(ctx, doers, first_act, person_ends), key=_start)
        # 夫は単身赴任先の東京に戻っていて: not near her now; also of him pointed back to ("he's been discharged")
        if _DOER_AWAY in self.keyword_sets and (doers or any(_DOER_PRESENT in o.sets for o in occs) or any(w in text for w in _NAMED_DOER)
                                                or ("he" in text and _EN_AWAY.search(text))):  # fmt: skip ("he is back in the US": him, not named)
            far = []
            if elsewhere and letters is not None:  # the place names' bytes as character offsets
                far = [(a, b + 1) if byte_starts is None else (bisect_left(byte_starts, a), bisect_left(byte_starts, b + 1))
                       for a, b in elsewhere]  # fmt: skip
            occs = sorted(occs + _doers_away(ctx, doers, far), key=_start)
        if _DANGER in self.keyword_sets and self._subject_sets:  # 母親が迎えに来る, "her mom is waiting outside"
            occs = _others_near(ctx, occs, doers, analysis, self._subject_sets | self._doer_sets)
            if analysis is not None and doers:  # 母は亡くなって父と二人暮らし: another is gone, not he
                occs = _others_gone(ctx, occs, doers, analysis, self._subject_sets | self._doer_sets)
        keywords: set[str] = set()
        affirmed: set[str] = set()
        said: set[str] = set()
        sentences: dict[int, set[str]] = {}
        # 加害者の夫はもういない: who he is stands; the negation denies he is there
        named_doer = {p.end + 1 for p in occs if p.sets & _HIM_SETS and text.startswith("の", p.end)} if analysis is not None else ()
        for o in occs:
            keywords.update(o.sets)
            if ((analysis is not None and analysis.negated(o.end) and not (o.start in named_doer and o.sets & _WHO_SETS))
                    or _en_negated(text, o.start)):  # fmt: skip
                continue
            affirmed.update(o.sets)
            sentences.setdefault(ctx.sentence(o.start), set()).update(o.sets)
            if not ctx.reported(o.start, o.end):
                said.update(o.sets)
        reverse = text[::-1]  # for the four scans (bot.text.Zoned)
        recent = self._options.get(_RECENT)

        def of_incident(e: tuple[float, int, int], opt: SetOptions) -> bool:
            return bool(text.startswith(_INCIDENT_NAMED, e[1])  # 被害から36時間: said of it
                        or (_JA_SINCE.fullmatch(text, e[1], e[2]) and not _SINCE_OTHER.search(text, max(0, e[1] - 8), e[1]))  # もう72時間は過ぎてしまっている
                        or _SAID_OF_ACT.search(text, e[1], e[2])  # 6 hrs post sexual assault
                        or not (_time_context_drops(ctx, e[1], e[2], occs, opt)
                                or _TOLD_BEFORE.search(text, max(0, e[1] - 24), e[1])))  # fmt: skip

        def incident_times(found: list[tuple[float, int, int]]) -> list[tuple[float, int, int]]:
            if found and recent is not None:  # "3日前に入院した": the admission's day, not the assault's
                # past 72 hours, a time of what came after the act bounds it (3週間前にされ、先週逮捕: older still)
                bounding = replace(recent, dates_next=recent.dates_next - {_AFTER_ACT}) if any(e[0] > 72 for e in found) else recent
                found = [e for e in found if of_incident(e, recent if e[0] <= 72 else bounding)
                         or (e[0] > 72 and telling is not None and not told_next(e) and of_incident(e, telling))]
            return found

        # past 72 hours, a time beside a telling is the act's (相談です。4日前、入浴介助の際に職員が…): the
        # act is that old or older; unless it is the telling's own, said next to it (4日前に打ち明けられた, 発覚は2週間前)
        telling = replace(recent, dates_next=recent.dates_next - {_AFTER_ACT, _TELLING}) \
            if recent is not None and _TELLING in keywords else None  # fmt: skip

        def told_next(e: tuple[float, int, int]) -> bool:
            return any(o.sets & _TELLING_SETS and (0 <= o.start - e[2] <= 2 or _TELLING_GAP.fullmatch(text, o.end, e[1]))
                       for o in occs)  # fmt: skip

        told = read_elapsed(text, reverse)
        elapsed = incident_times(told)
        # 4日前に打ち明けられた: told past 72 hours ago, so done before; as 先週に話した is, a time of the act past
        # 72 hours, though not its number of hours
        if not elapsed and telling is not None and any(e[0] > 72 and of_incident(e, telling) for e in told):
            keywords.add(_PAST)
            affirmed.add(_PAST)
            said.add(_PAST)
        days_elsewhere = not elapsed and _RECENT not in affirmed  # 打ち明けられたのは昨日の夜…被害は夏休み中: the telling's day
        if at is not None and all(_is_bound(text, e) for e in elapsed):  # "came in 2 hrs ago … around 1am": the time of day
            elapsed += incident_times(read_clock_times(text, at))  # 昨日の朝7時…まだ72時間以内？: the hour, not the bound
        exact = sorted([e for e in elapsed if not _is_bound(text, e)] or elapsed, key=lambda e: e[1])  # 72時間以上…一週間前
        if at is not None and "時" in text:
            exact = _to_the_hour(text, at, exact)
        if len(exact) > 1:  # "10 days ago, not 2 days ago", 2日前じゃなくて5日前: the span taken back is no reading
            exact = [e for e in exact if not (_NOT_BEFORE.search(text, max(0, e[1] - 6), e[1])
                                              or text.startswith(TAKEN_BACK, e[2]))] or exact  # fmt: skip
        if len(exact) > 1 and (fix := _CORRECTION.search(text, exact[0][2])):  # 3日前…いや4日前: the last word
            exact = [e for e in exact if e[1] >= fix.start()] or exact[-1:]  # 三日前と言ってましたが四日前と訂正: the last
        hours = round(min(h for h, _, _ in exact), 2) if exact else None
        if exact and at is not None and (fix := _CORRECTION.search(text, max(e[2] for e in exact))):
            # 10時間前…と言ってたんですが、確認したら昨日の朝8時頃でした: the day or hour said after it
            day = read_calendar_hours(text[fix.end() :], at)  # 正確には水曜の夜10時ごろ: the weekday's hour
            later = [h for h, s0, _ in read_clock_times(text, at) if s0 >= fix.start()]
            bare = next((b for f in _CORRECTION.finditer(text, fix.start()) if (b := _BARE_SPAN.match(text, f.end()))), None)
            if bare is not None:  # "3 days ago—sorry, 4 days", "actually she corrected it to 5 days": the span said bare
                later += [h for h, _, _ in read_elapsed(bare.group(1) + (" ago" if bare.group(1).isascii() else "前"))]
            hours = day if day is not None else round(min(later), 2) if later else hours
        if at is not None and (hours is None or all(_is_bound(text, e) for e in exact)):
            days = _other_events_days_masked(ctx, occs, recent) if recent is not None else text  # 木曜に打ち明けられた: the telling's day
            hours = day if (day := read_calendar_hours(days, at, days_elsewhere=days_elsewhere)) is not None else hours  # 水曜の夜…72時間過ぎてる？
        if at is not None and _LAST_TIME_HINT.search(text) and (last := _LAST_TIME.search(text)) is not None:  # 去年の夏から…最後はきのう: the last time
            later = [h for h, s0, _ in exact if s0 >= last.start()]
            rest = text[last.end() :]
            if later:
                hours = round(min(later), 2)
            elif (day := read_calendar_hours(rest, at)) is not None:
                hours = day
            elif _RECENT_DAY.match(rest):
                hours = None  # 最後はきのう: recent, no number of hours
        if (rel := read_event_relative(text, at) if _EVENT_HINT.search(text) else None) is not None:
            since, bound, event = rel  # 入院10日目…入院の前日に: the admission's day and one more
            if bound and since > 72 and hours is None:  # 入院して2週間…入院前に: older than that
                keywords.add(_PAST)
                affirmed.add(_PAST)
                said.add(_PAST)
            elif not bound and (hours is None or hours == event):  # (the time said was the event's)
                hours = since
        if hours is not None and _TIME_UNKNOWN in affirmed:
            hours = None  # "seen on Dec 3 … date of the assault unknown": the time said is another's
        ages = read_ages(text, reverse)
        if ages and doers and (aside := _doer_asides(ctx, doers)) != text:  # 利用者の息子（16）に: the doer's age
            ages = read_ages(aside)
        if not ages and ("dob" in text or "生年月日" in text or "生まれ" in text or "born" in text) and (born := _birth_age(text, at)) is not None:
            ages = (born,)  # DOB 2010, 生年月日 平成22年: the age this year
        base = dict(
            keywords=frozenset(keywords), place=place, hours_since=hours, ages=ages,
            affirmed=frozenset(affirmed), said=frozenset(said),
            sentences=tuple(frozenset(v) for _, v in sorted(sentences.items())),
            own_ages=own_ages,
            other_words=_other_words(analysis, occs) if analysis is not None else 0,
            named_subject=analysis is not None and _named_subject(analysis, occs, self._subject_sets),
            doers=_doer_sets(text, occs, doers),
        )  # fmt: skip
        flags: set[str] = set()
        current = Facts(flags=frozenset(), **base)  # always the flags set so far
        for rule in self.flag_rules:
            if rule.flag not in flags and rule.when(current) and not (rule.unless and rule.unless(current)):
                flags.add(rule.flag)
                current = Facts(flags=frozenset(flags), **base)
        # an "unless" may depend on a flag a later rule set (娘 yields to a carer's abuse): a flag stays
        # when one of its rules still holds with every flag known
        final = current
        for flag in list(flags):
            if not any(r.flag == flag and r.when(final) and not (r.unless and r.unless(final)) for r in self.flag_rules):
                flags.discard(flag)
        final = final if len(flags) == len(final.flags) else Facts(flags=frozenset(flags), **base)
        if self.learned is None:
            return final
        words = content_words(analysis.tokens) if analysis is not None else latin_words(text)
        holding = [r for r in self.intent_rules if r.when(final)]
        present = cues(
            affirmed=final.affirmed, keywords=final.keywords, said=final.said, doers=final.doers,
            flags=final.flags, holding=[r.id for r in holding],
            own_age=bool(final.own_ages), named_subject=final.named_subject, hours=final.hours_since is not None,
            act_dated=any(_RECENT in s and s & _ACT_SETS and not s & _OTHER_DAY_SETS for s in final.sentences),
            other_words=final.other_words, words=words, pairs=letter_pairs(text),
        )  # fmt: skip
        ruled = frozenset(flags)
        # flags are learned on cases only: none is added to a question of another kind (緊急避妊薬の在庫)
        case = self.learned.intent(holding[0].intent if holding else self.fallback_intent, present) in _CASE_INTENTS
        added = self.learned.added_flags(ruled, present) if case else frozenset()
        dropped = self.learned.dropped_flags(ruled, present)
        if "acute" in dropped and "late" not in ruled:  # acute taken back no longer keeps a time said from late (先月末)
            ruled = self._late_without_acute(ruled - dropped, base)
        return Facts(flags=(ruled - dropped) | added, cues=present, learned=added, dropped=dropped, **base)

    def _late_without_acute(self, kept: frozenset[str], base: dict) -> frozenset[str]:
        """The rules' flags with late read again once the weights took acute back (late yields to acute)."""
        current = Facts(flags=kept, **base)
        late = any(r.flag == "late" and r.when(current) and not (r.unless and r.unless(current)) for r in self.flag_rules)
        return kept | {"late"} if late else kept

    def intent(self, facts: Facts) -> str:
        chosen = next((rule.intent for rule in self.intent_rules if rule.when(facts)), self.fallback_intent)
        return chosen if self.learned is None else self.learned.intent(chosen, facts.cues)

    def rule_ids(self) -> list[str]:
        return [r.id for r in self.flag_rules] + [r.id for r in self.intent_rules]


_STOP = "stop"  # the keyword set whose phrases only hide the words inside them (大丈夫 hides 夫)
_STOP_SETS = frozenset({_STOP})
_OPTION_KEYS = ("not_before", "not_after", "dates_next", "events", "not_agent_of", "only_agent_of")
_ASCII_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")  # word characters


# ---------------------------------------------------------------- reading occurrences in context


def _named_subject(analysis: Analysis, occs: list[_Occurrence], people: frozenset[str]) -> bool:
    """Whether a person (a word of the `subjects` sets) is the subject before a passive of the
    writer's experience (父親が…受けている): then it is someone else's story."""
    ends = {o.end for o in occs if o.sets & people}
    return bool(ends) and any(analysis.subject_named_at(o.end, ends) for o in occs if _EXPERIENCED in o.sets)


def _byte_starts(text: str) -> list[int]:
    """The UTF-8 offset of each character of `text` (and of its end): byte offset -> character."""
    out = [0]
    n = 0
    for ch in text:
        n += 1 if ch < "\x80" else 2 if ch < "\u0800" else 3 if ch < "\U00010000" else 4
        out.append(n)
    return out


def _lemma_occurrences(analysis: Analysis, lemmas) -> list[_Occurrence]:
    """Where a ~lemma keyword's dictionary forms follow one another (触る れる: 触られた, さわられて);
    "(名詞)" stands for any word of that part of speech (叔父にされた: (名詞) に 為る れる). `lemmas`
    indexes each row by its first written form (its anchor) and that form's place in the row."""
    found: list[_Occurrence] = []
    toks = [t for t in analysis.tokens if t.pos != "空白"]  # "そとに いる": spaces of casual writing
    n = len(toks)
    for i, tok in enumerate(toks):
        for seq, k, sets in lemmas.get(tok.form, ()):
            first = i - k
            if first < 0 or first + len(seq) > n + seq.count(_GAP):
                continue
            if (end := _row_end(toks, first, seq)) is not None:
                found.append(_Occurrence(toks[first].begin, toks[end - 1].end, sets))
    found.sort(key=_start)
    out: list[_Occurrence] = []
    for o in found:  # rows that overlap for the same sets are one occurrence (され + れました)
        if out and out[-1].sets == o.sets and o.start < out[-1].end:
            o = _Occurrence(out[-1].start, max(o.end, out[-1].end), o.sets)
            out.pop()
        out.append(o)
    return out


_GAP = "..."  # in a ~row, up to _MAX_GAP words of the same clause (体を 何度も 触る; "…" as normalised)
_MAX_GAP = 4


def _row_end(toks: list[Token], first: int, seq: tuple[str, ...]) -> int | None:
    """The index after the last token of the ~row `seq` read from toks[first], or None. A gap takes
    up to _MAX_GAP words that are no punctuation and no other verb (胸を必要以上に触る; not
    体を見て、触る)."""
    n, j, gap = len(toks), first, False
    for w in seq:
        if w == _GAP:
            gap = True
            continue
        limit = j + (_MAX_GAP if gap else 0)
        while j < n and j <= limit:
            t = toks[j]
            if w == t.form or (w[0] == "(" and w[1:-1] == t.pos):
                break
            if not gap or t.pos in ("補助記号", "動詞"):
                return None
            j += 1
        else:
            return None
        j, gap = j + 1, False
    return j


def _next_word(text: str, i: int) -> int:
    """Where the next word begins after i: past spaces and a closing quote (「昨日」ではなく: its ではなく)."""
    i = _skip_spaces(text, i, 1)
    return _skip_spaces(text, i + 1, 1) if i < len(text) and text[i] in _CLOSING_QUOTES else i


_CLOSING_QUOTES = frozenset("」』\"”")  # not ' and ’: an apostrophe (student's)


def _skip_spaces(text: str, i: int, step: int) -> int:
    while 0 <= i < len(text) and text[i] == " ":
        i += step
    return i


def _apply_options(
    occs: list[_Occurrence], options: dict[str, SetOptions], ctx: _Text, people: frozenset[str] = frozenset()
) -> list[_Occurrence]:
    text = ctx.text
    by_start: dict[int, set[str]] = {}
    by_end: dict[int, set[str]] = {}
    for o in occs:
        by_start.setdefault(o.start, set()).update(o.sets)
        by_end.setdefault(o.end, set()).update(o.sets)
    out = []
    for o in occs:
        sets = o.sets
        for name in o.sets:
            opt = options.get(name)
            if opt is None:
                continue
            if (
                (opt.not_before and (by_start.get(_next_word(text, o.end), set()) & opt.not_before
                                     or _overlapped_by(text, occs, o, opt.not_before)))
                or (opt.not_after and by_end.get(_skip_spaces(text, o.start - 1, -1) + 1, set()) & opt.not_after)
                or (opt.dates_next and _dates_other_event(ctx, o.start, o.end, occs, opt))
                or (opt.not_agent_of and _agent_of(ctx, o.end, occs, opt.not_agent_of, people))
                or (opt.only_agent_of and not _agent_of(ctx, o.end, occs, opt.only_agent_of, people))
            ):
                sets = sets - {name}
        if sets:
            out.append(o if sets is o.sets else _Occurrence(o.start, o.end, sets))
    return out


def _overlapped_by(text: str, occs: list[_Occurrence], o: _Occurrence, sets: frozenset[str]) -> bool:
    """Whether a phrase of `sets` begins inside `o` or with it and runs past it (夫に + には言えない: the
    particle is both's; さっき + さっきの件: the earlier message; not on a keyword's own の, 交際中の + の先輩:
    the boyfriend who is a senior)."""
    i = bisect_left(occs, o.start, key=_start)
    while i < len(occs) and occs[i].start < o.end:
        if occs[i].end > o.end and occs[i].sets & sets and text[occs[i].start] != "の":
            return True
        i += 1
    return False


def _agent_of(ctx: _Text, end: int, occs: list[_Occurrence], passives: frozenset[str], people: frozenset[str]) -> bool:
    """Whether the person word ending at `end` is the agent of a passive the writer says later in
    its clause (利用者の70代男性から毎回体を触られます; not …から、襲われたと相談: reported, nor
    利用者から被害を受けた職員: a passive that describes another person)."""
    m = _AGENT_AFTER.match(ctx.text, end)
    if m is None:
        return False
    found = _in_sentence(ctx, occs, m.end())
    if any(o.start < end < o.end and o.sets & passives and _UNSAID in o.sets for o in found):
        return True  # お客さんに…: the act left unsaid, this person its agent
    for o in found:
        if o.start >= m.end() and o.sets & passives:
            return not (
                "、" in ctx.text[m.end() : o.start]
                or ctx.reported(o.start, o.end)
                or any(p.sets & people and o.end <= p.start <= o.end + 1 and not ctx.text[o.end : p.start].isspace()
                       for p in found)  # (…された 男なんだけど: a space ends the clause, no relative one)
            )
    return False


def _doer_mentions(ctx: _Text, occs: list[_Occurrence], doers: frozenset[str]) -> list[tuple[_Occurrence, int]]:
    """The words for the one who did it, each with the end of the act: the agent of the act
    (家庭教師から被害, 利用者の男性から触られた), or, when no agent is named, the subject of an act
    that is not a passive (お父さんが…触る; not 利用者さんが痴漢にあった: that subject is the victim)."""
    text = ctx.text
    agents: list[tuple[_Occurrence, int]] = []
    subjects: list[tuple[_Occurrence, int]] = []
    sentences: dict[int, _SentenceActs] = {}  # each sentence's acts read once, however many people it names
    for o in occs:
        if not o.sets & doers:
            continue
        n = ctx.sentence(o.start)
        if n not in sentences:
            sentences[n] = _SentenceActs(_in_sentence(ctx, occs, o.start), text, doers)
        acts_here = sentences[n]
        if text[o.start : o.end].isascii():  # English: "raped by her husband", "my stepdad touches me"
            if text[o.start : o.end].lower() in _EN_PRONOUNS or _EN_NOT.search(text, max(0, o.start - 8), o.start):
                continue  # "he forced me" names nobody; "not by family"
            if text.startswith(("'s ", "’s "), o.end) and any(p.start == o.end and p.sets & doers for p in occs):
                continue  # "raped by her husband's friend": the friend did it, not whose friend he is (not "the teacher's private parts")
            lead = o.start
            if text.startswith(("'s", "’s"), o.start) and (owner := _EN_OWNER_BEFORE.search(text, max(0, o.start - 24), o.start)):
                lead = owner.start()  # "her husband's friend" is the agent "by" names
            if (by := acts_here.english_before(lead)) is not None and _EN_BY.search(text, max(0, lead - 16), lead):
                agents.append((o, by.end))
            elif (m := _EN_SUBJECT_GAP.match(text, o.end)) and (act := acts_here.english_at.get(m.end())) is not None:
                subjects.append((o, act.end))
            continue
        for found, after in ((agents, _AGENT_AFTER), (subjects, _SUBJECT_AFTER)):
            m = after.match(text, o.end)
            if m is None or (found is agents and m.group("of") and not _GENERIC_HEAD.search(m.group("of"))):
                continue  # 夫の友人に, 夫の留守中に: not 夫; but ガイドヘルパーの男性に: the helper
            acts = acts_here.after(m.end())
            if acts and acts_here.told_between(o.end, acts[0].start):
                continue  # 娘さんから相談、母が…されている: who told, not who did it
            if found is subjects:  # an active act in the same quote, with no subject of its own: its subject did it
                acts = [a for a in acts if not _passive(text, a) and not _QUOTE_MARK.search(text, o.end, a.start)
                        and not _OTHER_SUBJECT.search(text, m.end(), a.start)
                        and not _TOPIC_AFTER.match(text, a.end)]  # fmt: skip (被害は…: a noun, no predicate)
            elif m.group(2) == "に" and not (_BY_AGENT.match(text, m.end()) and not _NOT_BY.match(text, m.end())):  # (父親による性的虐待: the agent)
                # に names the agent of a passive (利用者に性的行為をした: the victim),
                acts = [a for a in acts if _passive(text, a) or _CLAUSE_LEFT.match(text, a.end)]  # or 彼氏に無理やりって
            if found is agents and not acts:  # 旦那に毎晩させられる: the act left unsaid, this word its agent
                acts = [a for a in acts_here.unsaid if a.start <= o.start < a.end]
            elif found is agents and acts_here.agent_between(m.end(), acts[0].start):
                break  # 夫に付き添われて来た女性…「夫の同僚に襲われた」: the act's agent is the one named nearer it
            if acts:
                found.append((o, acts[0].end))
            break
    return agents or subjects


class _SentenceActs:
    """The acts of one sentence, for _doer_mentions: a passive is an act only beside the act's name."""

    __slots__ = ("_agent_ends", "_agent_starts", "_english_starts", "_starts", "_tellings", "acts", "english", "english_at", "unsaid")

    def __init__(self, inside: list[_Occurrence], text: str, doers: frozenset[str]):
        act_sets = _ACT_SETS if any(a.sets & _NAMED_ACT for a in inside) else _NAMED_ACT
        along = [c for c in inside if _COMPANION in c.sets]  # 夫に付き添われて: no act of his
        self.acts = [a for a in inside if a.sets & act_sets and not (along and _inside_any(a.start, along))]
        # the people named as an agent (…に, …から; not 夫の留守中に): where each starts, where its particle ends
        agents = [(o.start, m.end()) for o in inside if o.sets & doers
                  and (m := _AGENT_AFTER.match(text, o.end)) is not None and not m.group("of")]  # fmt: skip
        self._agent_starts = [a for a, _ in agents]
        self._agent_ends = [b for _, b in agents]
        self._starts = [a.start for a in self.acts]
        self._tellings = [t.start for t in inside if _TELLING in t.sets]
        self.unsaid = [a for a in inside if _UNSAID in a.sets]
        self.english = [a for a in inside if a.sets & _EN_ACT_SETS]
        self._english_starts = [a.start for a in self.english]
        self.english_at = {}
        for a in self.english:
            self.english_at.setdefault(a.start, a)

    def after(self, i: int) -> list[_Occurrence]:
        """The first acts that begin at or after i (a few: the first that fits is the one taken)."""
        k = bisect_left(self._starts, i)
        return self.acts[k : k + _ACTS_LOOKED_AT]

    def agent_between(self, i: int, j: int) -> bool:
        """Whether another person is named as an agent, particle and all, between i and the act at j
        (夫に付き添われて来た女性…「夫の同僚に襲われた」: the colleague, nearer the act, did it)."""
        for n in range(bisect_left(self._agent_starts, i), len(self._agent_starts)):
            if self._agent_starts[n] >= j:
                return False
            if self._agent_ends[n] <= j:
                return True
        return False

    def told_between(self, i: int, j: int) -> bool:
        k = bisect_left(self._tellings, i)
        return k < len(self._tellings) and self._tellings[k] < j

    def english_before(self, i: int) -> _Occurrence | None:
        """The last English act that ends before i (raped by her husband: the act "by" points back to)."""
        k = bisect_left(self._english_starts, i)
        for a in reversed(self.english[max(0, k - _ACTS_LOOKED_AT) : k]):
            if a.end <= i:
                return a
        return None


_ACTS_LOOKED_AT = 8
_COMPANION = "companion"


def _inside_any(i: int, spans: list[_Occurrence]) -> bool:
    """Whether character i lies within one of `spans` (sorted by start)."""
    k = bisect_left(spans, i + 1, key=_start)
    return any(spans[n].start <= i < spans[n].end for n in range(max(0, k - 2), k))


def _own_acts(ctx: _Text, occs: list[_Occurrence], people: frozenset[str]) -> list[_Occurrence]:
    """Passives told of nobody named (`own_act`): an act is named in the sentence, someone is the
    passive's agent (患者に, 利用者の男性から), every other person before it only owns something
    (利用者さんの家族に), none follows it as the noun it describes (…された女性), and it is not passed
    on (…されたと, されたって) nor a telling (打ち明けられた). Japanese leaves the writer unsaid:
    看護師です。患者に抱きつかれて触られました."""
    text = ctx.text
    out = []
    named = [p.end for p in occs if p.sets & people and (text[p.end - 1] in "がは" or _NAMED_BEFORE.match(text, p.end))]
    first_named = min(named, default=len(text) + 1)  # 本人はいま泣いてて…: the one it happened to, named first
    for o in occs:
        if _EXPERIENCED not in o.sets or _QUOTED_AFTER.match(text, o.end) or not (
            _CLAUSE_END.match(text, o.end) or (text.endswith(("て", "で"), o.start, o.end) and not text.startswith("の", o.end))
        ):  # 押し入られての被害: a noun's modifier
            continue
        inside = _in_sentence(ctx, occs, o.start)
        if not any(p.sets & _NAMED_ACT for p in inside):
            continue  # ここを勧められました: a passive, but no act named
        if any(_TELLING in p.sets and p.start < o.end and o.start <= p.end + 1 for p in inside):
            continue
        before = [p for p in inside if p.end <= o.start and p.sets & people]
        agents = [p for p in before if _AGENT_AFTER.match(text, _WORD_TAIL.match(text, p.end).end())]  # 救急隊+員に
        if not agents or any(p not in agents and (_SUBJECT_AFTER.match(text, p.end) or _TOPIC_COMMA.match(text, p.end))
                             for p in before):  # fmt: skip
            continue  # 患者さんが…, 患者さん、元夫に…: someone else is what the sentence is about
        if first_named <= o.start:
            continue  # 本人はいま泣いてて打てない。…お持ち帰りされて: the one it happened to was named
        n = ctx.sentence(o.start)
        end = ctx.ends[n] if n < len(ctx.ends) else len(text)
        if _TOLD_AFTER.search(text, o.end, end) or _QUOTE_CLOSED.search(text, o.end, end):
            continue  # …と聞かれました, 無理やり、と患者さん, …って妹が, 強要された、避妊してくれなかった、と: passed on
        if any(p.sets & people and (_RELATIVE_PAST.search(text, max(0, p.start - 3), p.start)
                                    or (o.end <= p.start <= o.end + 4 and not _PARTICLE.search(text, o.end, p.start)))
               for p in inside):  # fmt: skip
            continue  # …された女性, 首を絞められた女性: a passive describing someone
        out.append(_Occurrence(o.start, o.end, _OWN_ACT_SETS))
    return out


def _person_agents(analysis: Analysis, occs: list[_Occurrence]) -> list[_Occurrence]:
    """Nouns no set names that end as people's nouns do, right before から, に or が (教授から,
    指導教員に, 男性社員に, 同僚の男性教員が, 米兵から…; not ホテルに, トイレから): the `agent` set,
    which _doer_mentions keeps only where an act follows in the clause, and which leaves the act
    unsaid before a pause as the doer sets do."""
    toks = analysis.tokens
    read = bytearray(len(analysis.text) + 1)  # ends that fall inside a word of any set, read already
    for o in occs:
        read[o.start + 1 : o.end + 1] = b"\x01" * (o.end - o.start)
    out = []
    for k in range(1, len(toks)):
        t = toks[k]
        if t.pos != "助詞" or t.pos2 != "格助詞" or t.surface not in ("から", "に", "が"):
            continue
        j = k - 1
        if toks[j].pos == "接尾辞" and toks[j].surface in _HONORIFICS:
            j -= 1
        if not (toks[j].pos == "名詞" or (toks[j].pos == "接尾辞" and toks[j].pos2 == "名詞的" and j > 0
                                         and toks[j - 1].pos2 != "数詞")) or toks[j].pos2 in _NOT_AGENT_POS \
                or _COUNTED.match(toks[j].surface):  # fmt: skip (友達2人に: a number of people)
            continue  # 指導医: 医 is a suffix; 2人 is a number of people
        start = toks[j].begin
        while j > 0 and toks[j - 1].pos in ("名詞", "接尾辞") and toks[j - 1].pos2 not in _NOT_AGENT_POS:
            j -= 1
            start = toks[j].begin
        end = toks[k - 1].end
        if not _PERSON_TAIL.search(analysis.text, start, end) or _TIME_TAIL.search(analysis.text, start, end):
            continue
        if read[end]:
            continue  # read already (昨日から, 性被害から); but 男性 + 社員: the compound ends past 男性
        out.append(_Occurrence(start, end, _AGENT_SETS))
    return out


def _doer_asides(ctx: _Text, doers: list[tuple[_Occurrence, int]]) -> str:
    """The text with the brackets right after a doer's word blanked (男性利用者（40代、身体障害）に,
    利用者の息子（16）から), and an age that modifies it (20代くらいの男に, 24歳の彼氏に): an age there is
    the doer's, not the age of the one it was done to. Not
    where the act is reported (娘さん（40代）から、姪が被害にあったと相談: the one who told it)."""
    text = out = ctx.text
    for o, act_end in doers:
        if (m := _ASIDE_AFTER.match(text, o.end)) is not None and not ctx.reported(act_end - 1, act_end):
            out = out[: m.start(1)] + " " * (m.end(1) - m.start(1)) + out[m.end(1) :]
        m = _AGE_BEFORE.search(text, max(0, o.start - 12), o.start) if not o.sets & _VICTIM_WORDS else None
        if m is not None and (_kanji_number(m.group(1)) or 0) >= 18:  # an adult's age: 20代くらいの男に (not 17歳の女の子に)
            out = out[: m.start()] + " " * (m.end() - m.start()) + out[m.end() :]
    return out


_ASIDE_AFTER = re.compile(r"(?:さん|くん|ちゃん|様)?\s*([(（][^)）]{1,20}[)）])\s*(?:に|から|が)")
_AGE_BEFORE = re.compile(r"(\d{1,2}|[一二三四五六七八九十]{1,3})\s*(?:歳|才|代)(?:くらい|ぐらい|位|前半|後半|半ば)?\s*の\s*[『「]?$")


def _danger_of_the_past(ctx: _Text, occs: list[_Occurrence], analysis: Analysis) -> list[_Occurrence]:
    """Danger's words told of what was, not of now: a state that went on then (脅されていた,
    つきまとっていた元彼), or a て-form right before the act, telling how it was done (部屋に閉じ込め
    られて無理やり, 押さえつけられて触られました); a threat said to have stopped (ストーカー行為は
    3ヶ月前に止まっています, 連絡も来なくなった) or ended by her release (連れ去られ、今朝解放された);
    a message that carried the telling (…に襲われたと今朝LINEが来ました); being near said of where the
    act was done (友達が寝てる隣で無理やりされた)."""
    out = []
    stopped: set[str] = set()  # the words of threats said to have stopped: その + the word points back to one
    for o in occs:
        word = ctx.text[o.start : o.end]
        if "contacting" in o.sets and (q := _QUOTE_THEN.search(ctx.text, max(0, o.start - 12), o.start)) and any(
                a.sets & _PAST_ACTS and q.start() - 6 <= a.end <= q.start() + 1 for a in _in_sentence(ctx, occs, q.start())):  # fmt: skip
            o = _Occurrence(o.start, o.end, o.sets - {"contacting"})  # …に襲われたと今朝LINEが来ました: the telling came so
            if not o.sets:
                continue
        if o.sets & _THREAT_SETS and (analysis.ceased(o.end) or (word in stopped and ctx.text.endswith(_POINTING_BACK, 0, o.start))
                                      or _SET_FREE.match(ctx.text, o.end)):  # fmt: skip
            stopped.add(word)
            o = _Occurrence(o.start, o.end, o.sets - _THREAT_SETS)
            if not o.sets:
                continue
        if o.sets & _NEAR_SETS and ctx.text.startswith("で", o.end) and any(
                o.end < a.start <= o.end + 3 and a.sets & _PAST_ACTS and _TOLD_DONE.match(ctx.text, a.end)
                for a in _in_sentence(ctx, occs, o.start)):  # fmt: skip
            o = _Occurrence(o.start, o.end, o.sets - _NEAR_SETS)  # 友達が寝てる隣で無理やりされた: where it was done
            if not o.sets:
                continue
        if _DANGER in o.sets:
            how = analysis.told_before(o.end)
            if how == "was" or (how == "te" and any(
                    o.end < a.start <= o.end + _NEAR + 4 and a.sets & _PAST_ACTS and "、" not in ctx.text[o.end : a.start]
                    for a in _in_sentence(ctx, occs, o.start))):  # fmt: skip
                o = _Occurrence(o.start, o.end, o.sets - _DANGER_SETS)
                if not o.sets:
                    continue
        out.append(o)
    return out


def _passive(text: str, act: _Occurrence) -> bool:
    """Whether the act is said in the passive (触られる, 強要され, 性的虐待を受け)."""
    return (_EXPERIENCED in act.sets or _PASSIVE_AFTER.match(text, act.end) is not None
            or _PASSIVE_END.search(text, act.start, act.end) is not None)  # fmt: skip


def _identified_doers(ctx: _Text, occs: list[_Occurrence], doer_sets: frozenset[str],
                      doers: list[tuple[_Occurrence, int]]) -> list[tuple[_Occurrence, int]]:
    """People named as the one who did it by a copula (加害者は元交際相手, 相手は同じ大学の先輩,
    "the perpetrator is her uncle", "perp: stepdad"), that _doer_mentions did not find."""
    text = ctx.text
    known = {o.start for o, _ in doers}
    out = []
    for o in occs:
        if o.sets & doer_sets and o.start not in known and _IDENTIFIED_BEFORE.search(text, max(0, o.start - 30), o.start) \
                and _IDENTIFIED_AFTER.match(text, o.end) and not _GENERIC_HEAD.fullmatch(text, o.start, o.end):  # fmt: skip
            known.add(o.start)
            out.append((o, o.end))
    return out


def _doer_sets(text: str, occs: list[_Occurrence], doers: list[tuple[_Occurrence, int]]) -> frozenset[str]:
    """The sets of every word that names a doer: the word itself, words that start with it or
    cover it (夫 + 夫から), a modifier right before it (付き合っている + 人), and a word it
    stands beside (ヘルパーさんの男の人, 訪問ヘルパー（男性）, my care staff man). `occs` are sorted by
    start; each doer looks only at the words near it."""
    if not doers or not occs:
        return frozenset()
    by_start: dict[int, set[str]] = {}
    by_end: dict[int, list[_Occurrence]] = {}
    for o in occs:
        by_start.setdefault(o.start, set()).update(o.sets)
        by_end.setdefault(o.end, []).append(o)
    starts = [o.start for o in occs]
    width = max(o.end - o.start for o in occs)
    out: set[str] = set()
    for d, _ in doers:
        out |= by_start.get(d.start, set())
        for o in by_end.get(d.start, ()):
            out |= o.sets
        for o in occs[bisect_left(starts, d.start - width) : bisect_left(starts, d.start)]:
            if o.end >= d.end:  # a word that covers it
                out |= o.sets
        for e in range(max(0, d.start - _APPOSITION_WIDTH), d.start):
            if e in by_end and _APPOSITION.fullmatch(text, e, d.start):
                for o in by_end[e]:
                    out |= o.sets
        if d.start > 0 and text[d.start - 1] == " ":  # my care staff man
            for o in by_end.get(d.start - 1, ()):
                if text[o.start : d.end].isascii():
                    out |= o.sets
        for o in occs[bisect_left(starts, d.start - _DATING_VERB_REACH) : bisect_left(starts, d.start)]:
            if "partner" in o.sets and _DATING.match(text, o.start, o.end) and _DATING_GAP.fullmatch(text, o.end, d.start):
                out.add("partner")  # 付き合ってる3年の先輩に, 付き合ってる同級生の男の子に: the one she dates
    return frozenset(out)


# a dating verb before the doer's word, with only a year, a class or a school between (not 交際相手の同級生:
# whose classmate)
_DATING = re.compile(r"(?:付き合|つきあ|交際し|交際中)")
_DATING_GAP = re.compile(r"\s*(?:[0-9一二三四五六七八九十]+\s*(?:年|歳|つ|個)(?:上|下)?の|同級生の|同じ[^\s。、のはがを]{1,5}の|(?:大学|高校|中学|学校|部活|職場|バイト先|会社|クラス)の)?\s*")
_DATING_VERB_REACH = 16  # characters before the doer's word a dating verb may start


def _doer_names(text: str, doers: list[tuple[_Occurrence, int]], more: Iterable[str] = ()) -> list[str]:
    """The words that named the one who did it (and `more`), longest first."""
    return sorted({text[o.start : o.end] for o, _ in doers} | set(more), key=len, reverse=True)


def _doer_then(text: str, names: list[str], then: str) -> Iterator[tuple[int, int]]:
    """The spans re.finditer(rf"(?:{names}|{_ANAPHOR}){then}", text) finds, with `names` as
    literals (a name of one kanji only where it begins a word: _name_at), without compiling a pattern
    for each message's names (a compile costs more than a reply): at each place where one of them may
    begin, the names longest first, then the anaphors that point back to him (その人, 相手, あいつ)."""
    rest, anaphor, starts = _DOER_THEN[then]
    candidates = {m.start() for m in starts.finditer(text)}
    for w in names:
        i = text.find(w)
        while i >= 0:
            if _name_at(text, w, i):
                candidates.add(i)
            i = text.find(w, i + 1)
    done = 0
    for i in sorted(candidates):
        if i < done:
            continue
        for w in names:
            if text.startswith(w, i) and _name_at(text, w, i) and (m := rest.match(text, i + len(w))) is not None:
                done = m.end()
                break
        else:
            if (m := anaphor.match(text, i)) is None:
                continue
            done = m.end()
        yield i, done


def _name_at(text: str, name: str, i: int) -> bool:
    """Whether `name`, found at i, may stand there as a word: a name of one kanji (人, 夫) not right
    after another kanji (the 人 of ご主人, 本人); a longer name anywhere."""
    return len(name) > 1 or i == 0 or not _WORD_CHAR.match(text, i - 1)


def _doers_present(ctx: _Text, doers: list[tuple[_Occurrence, int]], first_act: int,
                   person_ends: frozenset[int] = frozenset()) -> list[_Occurrence]:
    """Where the one who did it is said to be here or coming (`doer_present`): after the act, the
    same word or an anaphor (その人, あいつ, 相手) is the subject of being here or coming (婿は今日も在宅,
    その家庭教師が今日も夕方家に来る予定). A husband who came along when another did it is not the doer."""
    text = ctx.text
    owners = {m.group(1) for o, _ in doers if (m := _OWNER_NOUN.search(text, max(0, o.start - 8), o.start))
              and m.end(1) not in person_ends}  # 雇用主の男性: 雇用主 (not 彼氏の友人: 彼氏 is another)
    names = _doer_names(text, doers, owners)
    out = []
    for start, end in _doer_then(text, names, _SUBJECT_NOW):  # その客まだ店にいる
        p = _PRESENT_PREDICATE.match(text, end)
        if p is not None and p.end() > first_act and ctx.sentence(start) == ctx.sentence(p.end() - 1) \
                and not _OTHER_CLAUSE.search(text, end, p.end()) and not _FAR.search(p.group()):  # fmt: skip (加害者は逮捕済み、本人は…います)
            out.append(_Occurrence(start, p.end(), _DOER_PRESENT_SETS))
    # 今もそいつから鬼電きてる, 相手から毎日連絡くる: he is in touch now (not 連絡はない, 来ていた)
    for start, end in _doer_then(text, names, _FROM_HIM):
        c = _CONTACT_NOW.match(text, end)
        if c is not None and c.end() > first_act:
            out.append(_Occurrence(start, c.end(), _DOER_PRESENT_SETS))
    # きょうもくる。, 今日もドアの前にいた, …言ってないんですけど今日も午後来る: a sentence (or a clause after けど) of its own,
    # after the act, saying he comes or is there today again
    out.extend(_Occurrence(m.start(), m.end(), _DOER_PRESENT_SETS) for m in _AGAIN_TODAY.finditer(text, first_act)
               if not _FAR.search(m.group(1)) and not _ALONE.search(m.group(1)))  # fmt: skip
    # 夜中に家に来る, 毎晩部屋に来ます: a sentence of its own, after the act, saying he keeps coming to her
    out.extend(_Occurrence(m.start(), m.end(), _DOER_PRESENT_SETS) for m in _COMES_TO_HER.finditer(text, first_act))
    # まだ同じ家に住んでいる, その人、となりの部屋。: she lives under one roof with him, in a story of the act
    out.extend(_Occurrence(m.start(), m.end(), _DOER_PRESENT_SETS) for m in _SHARED_HOME.finditer(text))
    # 今日も…教授に呼び出されてる, 今日も実習でその先生の授業につきます: a sentence after the act, of today
    # or what comes next, that names the one who did it and is not told in the past
    # each sentence read once, however often the doer is named in it: whether it is of now or next,
    # and where another subject takes it (、事業所は…) and where it says someone is away (不在, 休み)
    soon: dict[int, tuple[list[int], list[int]] | None] = {}
    for start, end in _doer_then(text, names, _OR_WITH_HIM):
        n = ctx.sentence(start)
        if n not in soon:
            first = ctx.ends[n - 1] + 1 if n > 0 else 0
            last = ctx.ends[n] if n < len(ctx.ends) else len(text)
            now = (first > first_act and _NOW_SOON.search(text, first, last) is not None
                   and not _TOLD_PAST.search(text, first, last + 1))  # fmt: skip
            soon[n] = ([o.start() for o in _NEW_SUBJECT.finditer(text, first, last)],
                       [a.end() for a in _AWAY.finditer(text, first, last)]) if now else None  # fmt: skip
        if (found := soon[n]) is not None:  # not away before another subject takes the sentence
            others, aways = found
            k = bisect_left(others, end)
            cut = others[k] if k < len(others) else len(text)
            if not aways or aways[0] > cut:  # (今日は出張で不在, その医師は今日は休み; not 、事業所は代わりがいない)
                out.append(_Occurrence(start, end, _DOER_PRESENT_SETS))
    return out


def _doers_away(ctx: _Text, doers: list[tuple[_Occurrence, int]], far: Sequence[tuple[int, int]] = ()) -> list[_Occurrence]:
    """Where the one who did it is said to be away now (`doer_away`): his word or an anaphor is the
    subject of leaving, being far off or not coming (男はもう地元に帰った, 夫は出張で来週まで帰らない,
    相手は県外の大学生で昨日のうちに帰った, "he's TDY in Guam"), or of being in a place of another
    prefecture than the message's (`far`: 元彼は福岡にいて, 父親は長野の実家で), unless he comes back soon
    (明日帰ってくる)."""
    text = ctx.text
    out = []
    for start, said in _doer_then(text, _doer_names(text, doers), _SUBJECT_AWAY):
        if not doers and not text.startswith(_NAMED_DOER, start):  # with none named: 加害者, 犯人 (not 彼, 相手: who?)
            continue
        end = ctx.ends[n] if (n := ctx.sentence(start)) < len(ctx.ends) else len(text)
        a = _AWAY_NOW.search(text, said, min(end, said + 40))
        if a is None:  # 元彼は福岡にいて: a place elsewhere, where he is
            a = next((m for p, q in far if said <= p <= said + _FAR_GAP and (m := _AT_PLACE.match(text, q))), None)
        if a is None or _OTHER_CLAUSE.search(text, said, a.start()) or _BACK_SOON.search(text, a.end(), end) \
                or _HOME_AFTER.match(text, a.end()) or _HERE_BEFORE.search(text, max(said, a.start() - 8), a.start()):  # fmt: skip (退職して家にいる, 待合に戻って)
            continue
        out.append(_Occurrence(start, a.end(), _DOER_AWAY_SETS))
    for p, _ in far:  # "he moved to Fukuoka", "the ex-bf lives in Osaka now": he is in another prefecture
        if (m := _EN_AT_FAR.search(text, max(0, p - 60), p)) and not _BACK_SOON.search(text, p, len(text)):
            out.append(_Occurrence(m.start(), p, _DOER_AWAY_SETS))
    for m in _EN_AWAY.finditer(text):
        end = ctx.ends[n] if (n := ctx.sentence(m.start())) < len(ctx.ends) else len(text)
        if not _BACK_SOON.search(text, m.end(), end):  # "he's away on business but comes back tonight"
            out.append(_Occurrence(m.start(), m.end(), _DOER_AWAY_SETS))
    return out


def _others_near(ctx: _Text, occs: list[_Occurrence], doers: list[tuple[_Occurrence, int]],
                 analysis: Analysis | None, people: frozenset[str]) -> list[_Occurrence]:
    """Being here, waiting or coming, said of someone who came along to help and is not the one who
    did it: those words lose presence and danger. Help is said by くれる (先生が外で待ってくれています,
    夫が一緒に来てくれてます), or the one who did it is named and the subject is another person who is
    not the patient (上司から被害…夫は外で待ってもらって, "her boyfriend forced her… Her mom is waiting
    outside"). Never when the subject may be him: his word or one like it (お父さん and 父親, 彼氏
    and 交際相手), an anaphor (その人, 彼, 相手). Living with someone is said of both (本人は現在も
    同居中): it is kept."""
    text = ctx.text
    # 職場の同僚がついてきてくれていて, 迎えに来てくれる: no threat is done as a favour
    occs = [_Occurrence(o.start, o.end, o.sets - _DANGER_SETS) if _DANGER in o.sets and not text[o.start : o.end].isascii()
            and _HELPING_AFTER.match(text, o.end) else o for o in occs]  # fmt: skip
    occs = [o for o in occs if o.sets]
    near = [o for o in occs if o.sets & _NEAR_SETS and not o.sets & _SHARED_LIFE and not _LIVES_WITH.search(text, o.start, o.end)]
    if not near:
        return occs
    by_start: dict[int, set[str]] = {}
    for o in occs:
        by_start.setdefault(o.start, set()).update(o.sets)
    # the doer's word with the noun it is joined to (世話人男性から: 世話人 too; not 彼氏の友人: 彼氏)
    named = [((_COMPOUND_BEFORE.search(text, 0, o.start).group() if text[o.start] != "の" else "") + text[o.start : o.end],
              by_start.get(o.start, set()) | o.sets) for o, _ in doers]  # fmt: skip
    # whether he is named by a word of his own: not only by あいつ (who else may be him is not known)
    # nor only by a possessor's の (の母親: whose, not said)
    words = [text[o.start : o.end] for o, _ in doers]
    known = any(w[:1] != "の" for w in words) and not any(_ANAPHOR_RE.fullmatch(w) for w in words)
    spans: list[list[int]] = []  # overlapping words read as one (面会に来 and 面会に来る)
    for o in sorted(near, key=_start):
        if spans and o.start < spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], o.end)
        else:
            spans.append([o.start, o.end])
    drop: list[tuple[int, int]] = []
    for o in (_Occurrence(a, b, _NEAR_SETS) for a, b in spans):
        latin = text[o.start : o.end].isascii()
        helping = not latin and _HELPING_AFTER.match(text, o.end) is not None
        if not (known or helping):
            continue
        if latin:
            who = _en_subject(ctx, occs, o, people)
        elif (after := next((p for p in occs if p.start == o.end and p.sets & people), None)) is not None:
            who = after.start, after.end  # 面会に来る夫が: the one the clause describes
        else:
            who = analysis.subject_before(o.start) if analysis is not None else None
        if who is not None:
            word = text[who[0] : who[1]]
            sets = set().union(*(v for k, v in by_start.items() if who[0] <= k < who[1]))
            if _ANAPHOR_RE.search(word) or _DEMONSTRATIVE_BEFORE.search(text, max(0, who[0] - 9), who[0]) \
                    or any(_may_be_same(word, sets, d, dsets) for d, dsets in named):  # fmt: skip
                continue
            if helping or (sets & people and not sets & _VICTIM_WORDS):
                drop.append((o.start, o.end))
        elif helping:
            drop.append((o.start, o.end))
    if not drop:
        return occs
    out = []
    for o in occs:
        if o.sets & _NEAR_DANGER and any(a <= o.start < b or o.start <= a < o.end for a, b in drop):
            o = _Occurrence(o.start, o.end, o.sets - _NEAR_DANGER)
        if o.sets:
            out.append(o)
    return out


def _others_gone(ctx: _Text, occs: list[_Occurrence], doers: list[tuple[_Occurrence, int]], analysis: Analysis,
                 people: frozenset[str]) -> list[_Occurrence]:
    """Out of his reach said of another: the subject of 亡くなって, 単身赴任中, 出張 is a person who
    cannot be the one who did it nor the one it was done to (母は亡くなって父と二人暮らし, 母親は単身赴任中で
    継父と二人暮らし): those words keep no danger away. Never when the subject may be him (his word or
    one like it, an anaphor, 加害者)."""
    text = ctx.text
    named = [(text[o.start : o.end], set(o.sets)) for o, _ in doers]
    by_start: dict[int, set[str]] = {}
    for o in occs:
        by_start.setdefault(o.start, set()).update(o.sets)
    out = []
    for o in occs:
        if o.sets & _GONE_SETS and _GONE.match(text, o.start) and (who := analysis.subject_before(o.start)) is not None:
            word = text[who[0] : who[1]]
            sets = set().union(*(v for k, v in by_start.items() if who[0] <= k < who[1]))
            if (sets & people or _KIN_WORD.fullmatch(word)) and not sets & (_VICTIM_WORDS | _HIM_SETS) and not _ANAPHOR_RE.search(word) \
                    and not _DEMONSTRATIVE_BEFORE.search(text, max(0, who[0] - 9), who[0]) \
                    and not any(_may_be_same(word, sets, d, dsets) for d, dsets in named):  # fmt: skip
                o = _Occurrence(o.start, o.end, o.sets - _GONE_SETS)
        if o.sets:
            out.append(o)
    return out


_GONE_SETS = frozenset({"protected", "separated"})  # out of his reach
_GONE = re.compile(r"亡くな|死亡|他界|単身赴任|出張")  # words of someone gone, whoever: not 逮捕, 避難 (his, hers)
_HIM_SETS = frozenset({"perpetrator"})  # 加害者は亡くなっています: him, named by what he did
_KIN_WORD = re.compile(r"(?:お)?(?:母親|父親|母|父|祖母|祖父|兄|姉|弟|妹|妻|夫)(?:さん)?")  # 母親が亡くなってから: a word no set names alone


_WORD_CHAR = re.compile(r"[一-龥々]")  # a kanji that makes one word with it (主 of ご主人; not は of 今は夫は)
_PERSON_KANJI = frozenset("人者性員方男女子親")  # in many words for people: ご主人 and 知らない人, 女性 and 男性, 父親 and 母親 share them


_EN_OWNER_BEFORE = re.compile(r"[a-z]+$")  # the possessor before a relation's "'s friend"
_EN_OWNER = re.compile(r"[a-z]+['’]s\b")  # a possessor ("husband's")


def _may_be_same(word: str, sets: set[str], doer: str, doer_sets: set[str]) -> bool:
    """Whether two words may name the same person: a kanji or a Latin word in common (お父さん,
    父親), or a set that names who someone is to her (彼氏 and 交際相手: partner)."""
    if sets & doer_sets & _WHO_SETS:
        return True
    if word.isascii() or doer.isascii():  # whose he is names another: "her husband's friend" is no husband
        return bool(set(re.findall(r"[a-z]+", word.lower())) & set(re.findall(r"[a-z]+", _EN_OWNER.sub("", doer.lower()))) - {"her", "his", "the", "a"})
    return bool((set(_KANJI.findall(word)) & set(_KANJI.findall(doer))) - _PERSON_KANJI) or word in doer or doer in word


def _en_subject(ctx: _Text, occs: list[_Occurrence], o: _Occurrence, people: frozenset[str]) -> tuple[int, int] | None:
    """The person word that is the subject of `o` in its English clause: right before a form of
    "to be" ("her mom is waiting outside", "a friend who's waiting outside") or before its verb
    ("mom drove her here"); not him, her, them."""
    text = ctx.text
    for p in reversed(_in_sentence(ctx, occs, o.start, 60)):
        if p.end > o.start or not p.sets & people:
            continue
        word = text[p.start : p.end]
        if word.lower() in ("him", "her", "them", "he", "she") or not word.isascii():
            continue
        m = _EN_BE_AFTER.match(text, p.end)
        if m is None and p.end < o.start and text[p.end : o.start].isspace():
            return p.start, p.end  # "mom drove her here": the word right before the verb
        if m is None or m.end() > o.end:
            return None
        return (p.start, p.end) if m.end() >= o.start or _EN_FEW_WORDS.fullmatch(text, m.end(), o.start) else None
    return None


_AFTER_ACT = "after_act"
# between a day and the telling or visit it dates: 木曜(の夜)に(本人から)打ち明けられ, 12月3日に受診
_EVENT_ORDINAL = re.compile(r"(?:入院|入所|入寮|滞在|旅行|合宿|実習)\s*[0-9一二三四五六七八九十]{1,2}\s*日目")
_EVENT_THEN_DAY = re.compile(r"(?:日|[ぁ-ゖ]{0,5}の)?(?:は|が)\s*")  # 発覚は, 受診日は, 打ち明けられたのは: the day after names its event
_DAY_TO_EVENT = re.compile(r"日?(?:の(?:夜|朝|夕方|午後|昼|晩|夜中))?[にの]?(?:(?:本人|患者さん?|娘|生徒)(?:から|が))?")


def _other_events_days_masked(ctx: _Text, occs: list[_Occurrence], opt: SetOptions) -> str:
    """The text with each date or weekday that dates another event (木曜に打ち明けられました,
    12月3日に受診) blanked out, as a relative time is (昨日打ち明けられた): the day of the act is
    read from the others. Offsets stay as they were."""
    text = ctx.text
    incident = opt.events - opt.dates_next
    counted = _EVENT_ORDINAL.search(text) is not None  # 入院2日目の夜に…入院したのは水曜: the act's day is told by it
    spans = []
    for m in chain(_JA_WEEKDAY.finditer(text), _JA_DATE.finditer(text), _SLASH_DATE.finditer(text)):
        nxt = next((o for o in occs if o.start >= m.end() and o.sets & opt.events), None)
        if nxt is not None and nxt.sets & opt.dates_next and not nxt.sets & incident \
                and _DAY_TO_EVENT.fullmatch(text, m.end(), nxt.start):  # fmt: skip
            spans.append((m.start(), m.end()))
        elif not counted and any(_TELLING in o.sets and not o.sets & incident and m.start() - 8 <= o.end <= m.start()
                                 and _EVENT_THEN_DAY.fullmatch(text, o.end, m.start()) for o in occs):  # fmt: skip
            spans.append((m.start(), m.end()))  # 発覚は今週月曜, 受診は12月4日: the event's day, said after it
    for a, b in spans:
        text = text[:a] + " " * (b - a) + text[b:]
    return text


def _time_context_drops(ctx: _Text, start: int, end: int, occs: list[_Occurrence], opt: SetOptions) -> bool:
    """Whether a time at [start, end) is not the incident's: "since" (昨日から入院中) or dating
    another event (3日前に入院した), read as the options of a time set say."""
    nxt = _next_word(ctx.text, end)
    if opt.not_before and any(o.start == nxt and o.sets & opt.not_before for o in occs):
        return True
    return bool(opt.dates_next) and _dates_other_event(ctx, start, end, occs, opt)


def _in_sentence(ctx: _Text, occs: list[_Occurrence], i: int, reach: int | None = None) -> list[_Occurrence]:
    """The occurrences in the sentence of character i (occs are sorted by start); with `reach`, only
    those starting within that many characters of i (a run-on sentence read near i, not whole)."""
    n = ctx.sentence(i)
    first = ctx.ends[n - 1] if n > 0 else -1
    last = ctx.ends[n] if n < len(ctx.ends) else len(ctx.text)
    if reach is not None:
        first, last = max(first, i - reach - 1), min(last, i + reach)
    lo = bisect_left(occs, first + 1, key=_start)
    hi = bisect_left(occs, last, key=_start)
    return occs[lo:hi]


def _start(o: _Occurrence) -> int:
    return o.start


_NAMES_A_PERSON = frozenset({"present_here", "cohabiting", "household"})  # 同じ寮の, 同居中の: before の, who
_WHO_GAP = re.compile(r"(?:い(?:る|た)|してる|している|中の?|の|に来た|にきた|に来てた|に来ている)?")  # 一緒に住んで|いる|婚約者, 面会|の|男: the clause names him
_LEAD_GAP = re.compile(r"(?:(?:ました|られた|された|した|た)の)?(?:[はが]|[:：][ \t]*)?")  # 受診は, 相談に来たのは, 来院: 本日 09:20 (not 来院 ゆうべ: a space parts a note's fields)


def _person_after(text: str, i: int, sentence: list[_Occurrence]) -> bool:
    """Whether a word for a person follows the clause ending at i (同居して|いる|交際相手に)."""
    at = _WHO_GAP.match(text, i).end()  # not she (来院した女性, 初診の方): the one the time may date
    return any(p.start == at and p.sets & _EN_DOERS for p in sentence) and not any(
        p.start <= at < p.end and "third_person" in p.sets for p in sentence)  # fmt: skip


def _dates_other_event(ctx: _Text, start: int, end: int, occs: list[_Occurrence], opt: SetOptions) -> bool:
    """Whether the time word at [start, end) dates one of `opt.dates_next` (a visit, a disclosure)
    rather than the incident. Japanese puts the time before the event it dates; English after it."""
    text = ctx.text
    incident = opt.events - opt.dates_next
    sentence = _in_sentence(ctx, occs, start, _DATING_REACH)
    lead = [o for o in sentence if o.end <= start and start - o.end <= 5]
    if lead and lead[-1].sets & opt.dates_next and _LEAD_GAP.fullmatch(text, lead[-1].end, start):
        return not _frames_the_act(text, lead[-1])  # 受診は今日, 発見は今朝, 相談に来たのは今日: the visit's time (外にいる さっき: a space parts a note's fields)
    if lead and any(o.sets & opt.dates_next and _LEAD_GAP.fullmatch(text, o.end, start) and (inner := [p for p in lead if p.end > o.end])
                    and all(p.start >= o.end for p in inner) for o in lead):  # fmt: skip
        return True  # 打ち明け|られたのは昨日: the nearer words are its inflection, in the gap
    said_at = start - len(about.group()) if (about := _ABOUT.search(text, max(0, start - 4), start)) else start
    if text.endswith(_TIME_OF_INCIDENT, max(0, said_at - 5), said_at):
        return False  # 時期は半年前, 被害は今朝, 発生は約1週間前: said to be the incident's time
    before = [o for o in sentence if o.end <= start]
    latin = text[start:end].isascii()
    if not latin and not text.startswith("も", end) and any(
        o.sets & incident and start - o.end <= 4 and not _HIRAGANA.search(text, o.end, start) for o in before
    ):
        return False  # 性暴力 6時間前, 夫から性行為強要 O)2週間前: a note's time follows its event
    if latin and (_EN_RECALLED_AGE.match(text, start) or _EN_RECALLED_PERIOD.match(text, start)):
        return False  # "disclosed CSA from age 8": a memory of then dates no disclosure
    if latin and _EN_TIME_OF_IT.search(text, max(0, start - 26), start):
        return False  # "told us 'two days ago'", "corrected: it was two weeks ago": said of the act
    if latin:  # "disclosed sexual abuse today": the disclosure's day
        if any(end <= o.start <= end + 1 and o.sets & incident for o in sentence):
            return False  # "disclosed childhood sexual abuse": the time names the act after it
        if not text.startswith(_EN_TODAY, start):  # "told me last night", "disclosed touching yesterday"
            if not before:
                return False
            last = before[-1]  # the last word, or another event's words that hold it ("picking her up", not its "her")
            last = next((o for o in before if o.start < last.start and o.end >= last.end and o.sets & _DATED_EVENTS), last)
            return any(o.sets & opt.dates_next for o in before if o.end == last.end)  # "tell me" + "me"
        for other in reversed(sentence):
            if other.start >= start:
                continue
            if other.sets & opt.dates_next:  # not "tell me her husband force sex to her this morning": the act's time
                return not any(a.sets & incident and other.end <= a.start < start and any(
                    p.sets & _EN_DOERS and other.end <= p.start < a.start for p in sentence) for a in sentence)  # fmt: skip
            if other.sets & incident and (_EN_PASSIVE.search(text, max(0, other.start - 12), other.start)
                                          or text.startswith(("was ", "were "), other.start)
                                          or _EN_DONE_TO.match(text, other.end)):
                return False  # "she was assaulted today", "she was touched by a man this morning", "he raped her today"
        return False
    if _ELLIPSIS_AFTER.match(text, end):
        return False  # おとといの夜に…: the time of what is left unsaid
    if text.startswith(("のこと", "の件"), end):
        return False  # 10日前のことで相談したい, 先週の件で受診: the time of the matter itself
    if _TIME_PREDICATE.match(text, end):
        return False  # 直近は4日前だったという相談: the time is what is said of its subject (受診は今日: above)
    of_noun = text.startswith("の", end) or text.endswith("の", start, end)  # 半年前の性被害, 去年の被害の相談: the time names the event itself
    # 今日も部活があります: a time that recurs dates what follows, not the incident (昨日も。: it again)
    if text.startswith("も", end) and not _ENDS_CLAUSE.match(text, end + 1) and not _AGAIN_UNSAID.match(text, end + 1) \
            and not text.startswith((" ", "\t", "\u3000"), end + 1) and not any(  # 昨夜も 身体所見…: a note's field, "again"
        o.start >= end and o.start - end <= _NEAR and o.sets & incident for o in sentence
    ):
        return True
    for n, other in enumerate(sentence):
        if other.start < end and not (other.start <= start and other.end > end):  # 今夜も家にいる: one phrase
            continue
        if other.sets & _TIME_SETS and not other.sets & opt.events:
            return False  # 一昨日の深夜、今日来院: a nearer time dates what follows
        if not other.sets & opt.events:
            continue
        if other.sets & opt.dates_next and not other.sets & incident and _DURING.match(text, other.end):
            continue  # 昨夜の勤務中、…触られました: the shift frames the incident, dates it with it
        if other.sets & opt.dates_next and text.startswith("先", other.end):
            continue  # 先月、勤務先の医師に: a place named by an event's word, not the event
        if other.sets & opt.dates_next and not other.sets & incident and (
            (other.sets <= _NAMES_A_PERSON and text.startswith("の", other.end)) or _person_after(text, other.end, sentence)
        ):
            continue  # 8日前に同じ寮の人に, 今朝方、同居している交際相手に, 30分前に面会の男に: words that name who, not an event
        if other.sets & incident and not other.sets & opt.dates_next and not of_noun:
            # an event that is what a disclosure tells (昨日、性被害を打ち明けられた; 今日、…にあった
            # という相談) is not what the time dates, unless the time stands close before a told event
            # (先週被害にあったと…打ち明けられた)
            if _told_by_next(text, other, sentence[n + 1 :], opt.dates_next) and not _RELATIVE_PAST.search(
                text, max(0, other.start - 3), other.start
            ):  # 去年、元夫から受けた性暴力のことで相談: the time dates 受けた, the act's own clause
                continue
            if other.start - end > _NEAR and ctx.reported(other.start, other.end) and not ctx.reported(start, end):
                continue  # 今日、…にあったという相談; but a time inside the words reported dates them
        if other.sets & opt.dates_next and text.startswith(_CAUGHT_BY, other.start) \
                and _CAUGHT_DOING.search(text, max(0, other.start - 14), other.start):  # fmt: skip
            return False  # …脱がせていたのを2時間前に発見: caught in the act, the act's own time
        if other.sets & opt.dates_next and _QUOTE_ENDS.search(text, end, other.start) \
                and not _QUOTE_OPENS.search(text, end, other.start):  # fmt: skip (昨日、『…』と漏らした: the telling's)
            return False  # 10日前に夫から、と受診: the time is in what she said, not the visit's
        if other.sets & opt.dates_next and len(_FIELD_GAP.findall(text, end, other.start)) >= 2:
            return False  # 昨晩合コン後 酩酊 … 警察相談は希望せず: fields of a note apart, not what it dates
        if _AFTER_ACT in other.sets and _APART.search(text, end, other.start):
            return False  # 22時間前　加害者は現行犯逮捕, 一昨日の夜、…逮捕: the time closes its own field or clause
        return bool(other.sets & opt.dates_next) and not other.sets & incident and not _NEARER_DAY.search(text, end, other.start) \
            and not _frames_the_act(text, other) and not _leads_to_act(text, other, sentence[n + 1 :], incident)  # fmt: skip
    # 今日は夫も仕事で…: today as the sentence's topic, no event after it, frames the day, not the act
    return text.startswith("は", end) and text[start:end] in _TODAY_WORDS


_TE_CHAIN = re.compile(r"(?:され|られ|し)て(?![すあいしおきまるたよ])[、\s]*|(?:した|の)?(?:とき|時|際)に[、\s]*")  # 待ち伏せされて, 訪問したときに
_CLAUSE_STOP = re.compile(r"[。！？!?\n]")


def _leads_to_act(text: str, event: _Occurrence, after: list[_Occurrence], incident: frozenset[str]) -> bool:
    """Whether the event a time stands before leads on, in its clause, to the act (2日前に待ち伏せされて車に
    押し込まれ性暴力を受けた, 2日前、訪問したときに押し倒されて): the time is the act's as well."""
    if event.sets & (_TELLING_SETS | {_AFTER_ACT}) or not _TE_CHAIN.match(text, event.end):
        return False
    for o in after:
        if _CLAUSE_STOP.search(text, event.end, o.start):
            return False
        if o.sets & _TELLING_SETS:
            return False
        if o.sets & incident:
            return True
    return False

# a visit or a stay the act happened during (面会交流中に…触った, 一時帰宅時に), not one where it was
# told (面会時に『こわい』と, お迎えのときに話した): its time is the act's
_FRAMING_EVENTS = ("面会", "帰宅", "外泊", "帰省", "合宿")
_DURING_EVENT = re.compile(r"(?:交流)?(?:中|時|の際|のとき|の時|の間|の最中)[^。]{0,40}")
_ACT_OR_TELLING = re.compile(r"(触|さわ|され|性的|性被害|性暴力|虐待|無理やり|行為|襲|レイプ|いたずら|キス|押し倒)|話|言|発言|開示|打ち明け|訴え|相談|伝え|[」』\"]\s*と")


def _frames_the_act(text: str, event: _Occurrence) -> bool:
    """Whether the event word at `event` is said elsewhere as the time the act happened in (最後の面会は
    2週間前 … 面会交流中に娘の体を触っていた): then the time that dates it dates the act. The clause
    after it names the act before any telling (面会時に『こわい』と: only told then)."""
    word = text[event.start : event.end]
    if not word.endswith(_FRAMING_EVENTS):
        return False
    for m in re.finditer(re.escape(word), text):
        during = _DURING_EVENT.match(text, m.end())
        first = _ACT_OR_TELLING.search(during.group()) if during else None
        if first is not None and first.group(1):
            return True
    return False


def _told_by_next(text: str, event: _Occurrence, later: list[_Occurrence], telling: frozenset[str]) -> bool:
    """Whether `event` is the object of a telling that follows it (性被害を打ち明けられた,
    性暴力について相談された)."""
    i = _skip_spaces(text, event.end, 1)
    mark = next((m for m in _OBJECT_MARKS if text.startswith(m, i)), None)
    if mark is None:
        return False
    reach = i + len(mark) + 4
    # 性暴力を受けたと話して: the event is the object of its own verb, told as a whole (と, って)
    return any(o.sets & telling and not _TOLD_CLAUSE.fullmatch(text, i + len(mark), o.start) for o in later if o.start <= reach)


_CAUGHT_BY = ("発見", "見つけ", "目撃")  # the act seen while it was done: …しているのを発見
_CAUGHT_DOING = re.compile(r"(?:ところ|の)を[^。、]{0,10}$")
_TOLD_CLAUSE = re.compile(r"[^、。]+(?:と|って)\s*")  # 受けたと, されたって: a clause told, between the object mark and the telling


_HIRAGANA = re.compile(r"[ぁ-ゖ]")  # 被害にあったと今日: words between, not a note's separator
_ABOUT = re.compile(r"(?:約|およそ|だいたい|大体|ほぼ)$")
_TIME_OF_INCIDENT = ("時期は", "被害は", "日時は", "のは", "時期：", "時期:", "最後は", "最後が", "事件は", "出来事は", "被害日は", "発生は", "発生：", "発生:")
_EN_DONE_TO = re.compile(r"[a-z]*\s+(?:her|me|him|them|my|his)\b")  # an act done to someone: "assaulted her", "touched me"
_EN_TIME_OF_IT = re.compile(r"(?:['\"“‘]|\bit was|\bit happened|\bhappened|\bassault was|\bassaulted|\b(?:told (?:me|us)|said|says)(?: [a-z]+){0,2} that)\s*$")  # "told me that 4 days ago her boss…", "told me today that"
_EN_TODAY = ("today", "this morning", "this afternoon", "this evening", "tonight", "just now", "earlier today", "now")
_OBJECT_MARKS = ("について", "に関して", "を", "の")  # 性被害を打ち明け / の相談: told, not dated
_NEAR = 8  # characters between a time word and the event it plainly dates ("先週、担任から")
_DATING_REACH = 240  # how far along its sentence a time word looks for what it dates
_EXPERIENCED = "experienced"  # the set whose passives named_subject looks before
_CASE_INTENTS = (INTENT_VICTIM, INTENT_REFERRAL)
_PAST = "past"  # the set that recalled ages join
# a recent day said in a sentence of the act, and of nothing else that has a day (被害にあったのは今日;
# not 昨日警察に被害届を出して): the act's own time, which learned weights never take back
_ACT_SETS = frozenset({"topic", "experienced", "incident", "act_told", "unsaid", "own_act"})
_OTHER_DAY_SETS = frozenset({"disclosure", "other_event", "visited", "reporting"})
_PAST_SETS = frozenset({_PAST})
_ERA_YEAR = re.compile(r"(?<![a-z])(昭和|平成|令和|[shr])\s*(\d{1,2})\s*年(?:に|の(?:こと|夏|冬|春|秋|頃|ころ)|頃|ごろ|ころ|くらい|ぐらい|\s*[、,](?!\s*\d))")
_ERA_BASE = {"昭": 1925, "s": 1925, "平": 1988, "h": 1988, "令": 2018, "r": 2018}
_PAST_YEAR = re.compile(r"\b(?:in|back in|since|during)\s+((?:19|20)\d\d)\b(?!\s*[-/.]\s*\d)|(?<!\d)((?:19|20)\d\d)\s*年(?:に|の(?:こと|夏|冬|春|秋|頃|ころ)|頃|ごろ|ころ|\s*[、,](?!\s*\d))")  # 2019年、当時の交際相手から
_ABUSE_GOES_ON = re.compile(r"妊娠中|され(?:続け|てい|てる)|させられ(?:てい|てる)")
_PREGNANT_WEEKS = re.compile(r"妊娠\s*(\d{1,2})\s*(?:週|w\b)")  # 妊娠9週, 妊娠12w
# a birth said, and the act during the pregnancy before it (産後1か月, 昨日出産した; "postpartum")
_BORN = re.compile(r"産後|出産(?:し|後)|産まれ|生まれ|postpartum|post-partum|gave birth|after (?:the )?birth|delivered")
_DURING_PREGNANCY = re.compile(r"妊娠中|妊娠している間|(?:during|throughout) (?:the |her |my )?pregnancy")
# apart from him since a time past (先月から別居, 去年からシェルターに, 2か月前から赴任中): the act is older still
_APART_SINCE = re.compile(r"(?:先月|先々月|去年|昨年|一昨年|おととし|先週|先々週|\d+\s*(?:か月|ヶ月|カ月|ケ月|年|週間)前|半年前)から"
                          r"[^。！？!?\n]{0,14}?(?:別居|シェルター|避難|保護され|保護中|入所|赴任|服役|拘置|離れて暮ら|実家に(?:帰|戻|い))")
# an age or a period of life recalled as when it began (小さい頃から, 中学の時から): the `past` set
# reads "since" as going on until now and drops it; this set keeps it, for a life that moved on since
_RECALLED_SINCE = "recalled_since"
_RECALLED_SINCE_SETS = frozenset({_RECALLED_SINCE})
_SINCE_AFTER = re.compile(r"\s*(?:から|より|以来|ずっと)")
_UNSAID = "unsaid"  # the set a doer's word followed by _UNSAID_AFTER joins
_UNSAID_SETS = frozenset({_UNSAID})
# に/から, then a pause: an ellipsis within a few words (人にホテルで…), or the sentence's end; or
# された with nothing done named (上司に車の中でされた)
_UNSAID_AFTER = re.compile(r"(?P<of>の[^\s。、.!?]{1,4}?)?(?:さん|くん|ちゃん)?\s*(に|から)(?:、\s*(?:その|あの|えっと|ええと)、)?(?:[^。、.!?\n]{0,12}?\.{2,}|\s*(?:何度も|何回も|ずっと|繰り返し|毎晩|毎日)?\s*(?:[。.!?\n]|$)|[ \t]+|、?\s*(?:と|って)\s*(?:言|話|聞)"
                     r"|(?:[^。、.!?\nをが]{0,10}?[でに]|[^。、.!?\nをが]{0,6}?(?:年|月|週|日|夜|朝|晩|前|頃|ごろ))?"
                     r"\s*(?:され|やられ|させられ)"  # 上司に車の中でされた, 元カレに去年された, 旦那に毎晩させられる
                     r"|[^。、.!?\nをが]{0,8}?(?:の時|のとき|の頃|のころ|時代|年生)\s*から\s*(?:ずっと|何度も)?\s*(?:[。.!?\n…]|$)"  # 義理の父に中学の時から。
                     r"|[^。、.!?\nをが]{0,12}?で(?:\s|[。.!?\n]|$))")  # 取引先の人に先々週ホテルで　妊娠が…
# から/に after a person (さん, 利用者の70代男性から), not the topic's は/も (患者には聞けていない)
_AGENT_AFTER = re.compile(r"[)）]?(?:さん|様|さま|ちゃん|くん)?[)）]?(?:\s*[(（][^)）。]{1,20}[)）])?(?P<of>の[^\s。、.!?をがは]{1,8}?(?:さん|様|くん|ちゃん)?)?\s*(から|に)(?:(?<=から)[はも])?"
                          r"(?![はも]|対|つい|関)")  # 夫からは結婚中ずっと…: から before は/も still names the agent
_BY_AGENT = re.compile(r"よる(?!と)|より(?!ま|も)")  # 父親による, 夫により (not 奥さんによると: according to her)
_NOT_BY = re.compile(r"[^。、]{0,14}?(?:ではな|じゃな|ではありません)")  # 職員による被害ではありません
_DOER_PRESENT = "doer_present"  # the set _doers_present fills
_DOER_AWAY = "doer_away"  # the set _doers_away fills
_TIME_UNKNOWN = "time_unknown"  # the writer says the act's time is not known
_DOER_AWAY_SETS = frozenset({_DOER_AWAY})
_NEAR_SETS = frozenset({"present_here", "nearby"})  # being here, waiting, coming: whose, _others_near asks
_NEAR_DANGER = _NEAR_SETS | {"danger"}
_VICTIM_WORDS = frozenset({"third_person", "minor", "minor_weak"})  # 本人, 患者, 娘さん: perhaps the one it was done to
_SHARED_LIFE = frozenset({"cohabiting", "household"})
_LIVES_WITH = re.compile(r"同居|住|暮らし|lives|living|live with")
_WHO_SETS = frozenset({"partner", "girlfriend", "perpetrator", "household", "staff", "carer"})  # not family: 母 and 父
_COMPOUND_BEFORE = re.compile(r"[一-龥ァ-ヶー]*$")  # the noun a word is joined to: 世話人|男性
_HELPING_AFTER = re.compile(r"(?:[ぁ-ゖ]{0,4}?[てで])?(?:くれ|下さ|くださ)")  # 待ってくれています, そばにいてくれる: a favour
_KANJI = re.compile(r"[一-龥]")
_DEMONSTRATIVE_BEFORE = re.compile(r"(?:その|この|あの|the same)\s*$")  # その彼氏が: the one said before
_EN_BE_AFTER = re.compile(r"(?:\s*\([^)]*\))?,?(?:\s+(?:who\s+is|who's|whos|is|are|was|has been|will be)|'s)\b")  # "mom is", "friend who's"
_EN_FEW_WORDS = re.compile(r"(?:\s+[a-z]+){0,2}\s+")
# gone, far off, not coming, out of touch (not 家に帰った: he may be where she goes home to)
_AWAY_NOW = re.compile(
    r"(?<!家に)(?<!自宅に)(?<!うちに)(?:帰っ|戻っ)(?:た(?!あと|後|ら|とき|時)|ていった|て行った|てった|ちゃった|ていて|ていま|てる|ている|ており)"
    r"|(?<!家に)(?<!自宅に)(?<!うちに)(?:帰り|戻り)ました|帰国|出国|出て(?:行っ|いっ)(?:た|て(?![き来]))|(?:家|うち|自宅|寮)を出(?:た(?!ら|あと|後|とき|時)|て(?![き来])|ました|ている|てる)|出ていきました|出て行きました|去っ"
    r"|(?:引っ越|転校|転勤|異動|退職|退学|卒業)(?:した(?!あと|後|ら|とき|時)|して(?![き来])|しま|済|に|で(?![き来こ])|[、。](?!\s*(?:した|する)))|辞め(?:た(?!ら|あと|後)|て(?!も)|ま)|解雇|チェックアウト|立ち去"
    r"|(?:出張|単身赴任|入院中|服役|航海中|乗船中|遠征中|不在(?!の間|時|中に)|海外|県外|道外|国外|遠方|別の[県市都府国]|他県|帰省(?!して[く来き]|する))(?!から)(?:中?(?:で|のため)(?:家|自宅|うち)?(?:に|には)?(?:いない|いません|おらん|おりません))?"  # 単身赴任で家にいない: the ない is his being away
    r"|(?:自宅待機|出勤停止|停職|謹慎|休職|配置転換|配置換え|勾留|拘留|身柄を拘束|出入り禁止|出禁|取り調べ中|拘置所|留置|退寮)(?!明け|が(?:終|明))"  # 職員は自宅待機にしました: kept from her
    r"|(?:地元|実家)(?:\s*[（(][^)）。]{1,10}[)）])?(?:に|へ|で)(?:帰|戻|い|住)|自分の(?:家|部屋|アパート|マンション)(?:に|へ)(?:帰|戻|かえ|もど)っ"  # 元カレは自分の家に帰った
    r"|(?:まで|当分|しばらく)(?:は)?(?:帰らな|帰ってこな|帰って来な|戻らな|帰りませ|戻りませ|帰ってきませ)"
    r"|もう(?:いない|いません|行った|行っちゃった)|連絡(?:も|は)?(?:ない|なし|ありません|途絶え|取れな|来てい?な)"
    r"|逃走(?!中)|逃げ(?:た(?!い|ら|ほう|方)|て(?:いった|行った|った|いる|います|る|ます)|ました|去)|行方(?:は|が)?(?:不明|知れず|分から|わから)|所在(?:は|が)?不明"  # 加害者は逃走, 犯人は逃げています (not 逃走中: at large)
    r"|(?:交代|交替)(?:した|しました|済|になっ|してもら|させ|[。\s]|$)|担当(?:から|を)外|(?:から|を)外れ(?:た|て|まし)|外され")  # ヘルパーは交代 (not 交代は17時), 職員は担当から外れ
# being in a place, after its name (福岡にいて, 長野の実家で今は, 大阪本社に戻った; not 東京に来る)
_FAR_GAP = 8  # characters between his subject and the place's name (今は, 仕事で)
_AT_PLACE = re.compile(r"(?:都|府|県|市|区)?(?:[^\s。、,.!?]{0,6}?)(?:に|で|へ)\s*(?:いる|いて|います|いま|おる|おり|住ん|住み|暮らし|働い|勤め|就職|(?:戻っ|帰っ|もどっ|かえっ)(?!て\s*[く来き])"
                       r"|単身|出張|今は|いまは)")
# the one who did it, then only words of being, living or going somewhere, then in/to (a place's name after)
_EN_AT_FAR = re.compile(
    r"\b(?:he|he's|hes|the (?:guy|man|perp\w*|offender|attacker|assailant)|(?:her |the |my |pt's )?(?:ex-?(?:bf|boyfriend|husband|partner)|ex|bf|boyfriend|husband|fianc[eé]e?))"
    r"(?:\s+(?:is|was|has|had|'s|now|still|since|currently|already|been|lives?|living|stays?|staying|works?|working|moved|went|gone|flew|returned|back|home|to|in|at|with|his|own|parents'?|family|place|house|apartment|flat))*"
    r"\s+(?:in|to)\s+$")
# back to a place here or by her (夫はもう待合に戻っています): he is near, not away
_HERE_BEFORE = re.compile(r"(?:待合|待合室|ロビー|病室|病棟|外来|診察室|処置室|受付|駐車場|車|部屋|席|ここ|こっち|こちら|そば|隣|同じ[^\s。、にへ]{1,4})\s*[にへ]\s*(?:もう|また)?\s*$")
_HOME_AFTER = re.compile(r"[^。、]{0,8}?(?:(?:家|自宅)に(?:い(?!ない|ません|なかった)|お(?!らん|らへん|りません))|在宅)")  # (not 家にいない)
_BACK_SOON = re.compile(r"(?:今日|今夜|今晩|きょう|こんや|明日|あした|あす|このあと|この後|もうすぐ|夕方)[^。]{0,10}?(?:(?:帰って|戻って)(?:くる|来る|きます|来ます)|迎えに(?:来|く))"
                        r"|(?:帰って|戻って|もどって)(?:くる|来る)(?:可能性|かも|おそれ|恐れ)"  # 行方不明で、自宅に戻ってくる可能性あり
                        r"|\b(?:comes?|coming|will be) back (?:tonight|today|tomorrow|this evening)\b"
                        r"|\b(?:says?|said) (?:he|she)(?:'ll| will)? (?:come|be) (?:again|back)\b|\bwill come (?:again|back)\b")  # 夕方迎えに来る, "he say he come again"
_EN_AWAY = re.compile(
    r"\b(?:he|he's|hes|he is|the (?:guy|man|perp\w*|offender|husband|boyfriend|ex(?:-\w+)?)|her (?:husband|boyfriend|ex(?:-\w+)?|partner)"
    r"|(?:the |her |my )?fianc[eé]e?)"
    r"(?:\s+(?:is|was|has|had|'s))?\s+(?:(?:now|already|since|currently|been)\s+){0,2}"
    r"(?:not here|not with her|away|gone|hospitali[sz]ed|in hospital|discharged|banned|fired|transferred|suspended"
    r"|won'?t (?:come|be) (?:again|back)|will not (?:come|be) (?:again|back)|(?:is )?not on site|isn'?t on site|leaving (?:japan|the country)"
    r"|fled|ran (?:off|away)|took off|got away|on leave|off work|removed from|taken off|pulled from|reassigned"
    r"|on (?:a|an|his) (?:[\w-]+ )?(?:posting|assignment|deployment)|posted (?:abroad|overseas|to)|flew home|left (?:for|town|japan|the country|the area|okinawa)|moved (?:away|out|to|back)"
    r"|went back|flew back|went home|on a (?:business )?trip|deployed|tdy|overseas|abroad|out of town"
    r"|(?:at|in) (?:his|their) (?:own )?(?:house|home|place|flat|apartment|parents'?)(?![\w'])"  # "hes in his house": not hers
    r"|in (?:another|a different) (?:city|prefecture|country)|back (?:in|to) (?!the\b|here\b)|back (?:in|to) the (?:us|usa|uk|states|philippines|netherlands)\b"
    r"|back (?:in|to) (?:his|their) (?:home )?country|lives? in (?:another|a different)"
    r"|lives? in (?!the\b|our\b|my\b|her\b|his\b|same\b|this\b|a\b|an\b)[a-z]+ now)")  # "the ex-boss lives in Osaka now"
# with the one who did it, not named again: 同じ病棟で指導を受けます, 二人きりの出張
_WITH_HIM = r"同じ(?:病棟|班|シフト|職場|部署|フロア|寮|部屋|クラス|ライン|チーム|現場)|二人きり|ふたりきり"
# today again, at a sentence's start, and coming or being there with no subject said (his: the story's
# doer): 今日もまた来ます, 今朝も玄関前に来ていた; not 今日も来院 (来 of a visit), 今日も一人でいる, 今朝もう一度
_AGAIN_TODAY = re.compile(r"(?:(?<=[。！？!?\s])|(?<=けど)|(?<=けれど)|^)(?:今日|きょう|今夜|今晩|こんや|今朝|けさ)も(?!う)(?:また)?([^。！？!?\n、はが]{0,12}?)"
                          r"(?:来る|くる|来ます|きます|来た|きた|来て(?:る|た|い)|(?<=[にでも])(?:いた|いました|いる|います|おった|おる)|立って|待って|うろうろ)")
_COMES_TO_HER = re.compile(r"(?:(?<=[。！？!?\s])|^)(?:夜中|夜|毎晩|毎日|夜な夜な|何度も|しょっちゅう)(?:に|も)?[^。、！？!?\n]{0,6}?(?:家|部屋|うち|自宅)(?:に|まで)"
                           r"(?:来る|くる|来ます|きます|来て(?:る|いる|います|ます)|押しかけ)")
_ALONE = re.compile(r"一人|ひとり|独り|家族|母|父|友")
_OTHER_CLAUSE = re.compile(r"(?:、|けど|けれど|ので|のに)[^、。]{0,8}?[はが]")  # 、本人は: the predicate after it is another subject's
_NEW_SUBJECT = re.compile(r"、[^、。]{0,8}?(?<![にでと])[はが]")  # 、事業所は…: what follows is another subject's
_NOW_SOON = re.compile(r"今日も|今夜も|今晩も|今日の|今夜の|今晩の|このあとも|この後も|きょうも|こんやも|あしたも|明日|あした|次は|次回|これから|今週末|この週末|\btonight\b|\btoday\b|\btomorrow\b|\bagain\b")
_AWAY = re.compile(r"不在|休み|出張|留守|来られない|来ない|いない|いません|会わない|会いません|関係ない|\baway\b|\bnot\b|\bno longer\b|\boff\b")
_TOLD_PAST = re.compile(r"(?:た|だ|でした|ました|なかった|ません|ない)[」』]?[。．.！!？?\s]*$|(?:た|だった)[。．.!?]|\b(?:was|were|did|had)\b")  # 今日は来なかった, 昨日は来ていた
_ACT_TOLD = "act_told"  # a topic word told as something done (see bot.morph Analysis.told_as_act)
_ACT_TOLD_SETS = frozenset({_ACT_TOLD})
_AGENT = "agent"  # a noun no doer set names, before から/に (see _person_agents)
_AGENT_SETS = frozenset({_AGENT})
_HONORIFICS = frozenset({"さん", "様", "さま", "くん", "ちゃん", "氏"})
_NOT_AGENT_POS = frozenset({"数詞", "副詞可能", "助数詞可能"})  # 昨日から, 3時から, 先月に
# the endings of nouns for people (指導教員, 医師, 教授, 店長, 上司, 先輩, 住職, 監督, コーチ)
_PERSON_TAIL = re.compile(r"(?:員|者|師|士|長|授|手|主|官|司|僚|輩|客|医|職|督|生|人|兵|さん|様|くん|ちゃん|コーチ|オーナー|マネージャー|トレーナー)$")
_COUNTED = re.compile(r"[0-9一二三四五六七八九十何数複]")
_TIME_TAIL = re.compile(r"(?:日|月|年|週|時|分|頃|ごろ|夜|朝|晩|昼|前|後|間|中|末|以来|方)$")  # 昨晩から, 先週末から
_DANGER = "danger"
_DATED_EVENTS = frozenset({"disclosure", "other_event"})  # events a time may date instead of the act (来院, 面会)
_DANGER_SETS = frozenset({_DANGER})
_THREAT_SETS = frozenset({_DANGER, "contacting", "hostile"})  # a threat, of the past when said to have stopped
# held and then let go, within the sentence (連れ去られ、今朝解放された, 監禁されていたが逃げ出した): it ended
_SET_FREE = re.compile(r"[^。！？!?]{0,16}?(?:解放され|逃げ出し|逃げ出せ|脱出し|救出され|助け出され)(?:た|まし|て)")
# an act told right before a message that came (…襲われたと今朝LINEが来ました): the message told it (not 『今どこ』ってLINE: his)
_QUOTE_THEN = re.compile(r"(?<=[たてる])(?:と|って)\s*(?:今朝|けさ|昨日|きのう|昨夜|ゆうべ|さっき|先ほど|今日|きょう|夜中に?|深夜に?)?\s*$")
_TOLD_DONE = re.compile(r"(?:され|させられ|られ)?(?:た|ました)")  # an act told as done (無理やりされた, 触られました)
_POINTING_BACK = ("その", "この", "あの")  # そのストーカーから: the one told of before
_PAST_ACTS = frozenset({"topic", _EXPERIENCED, "unsaid", "intimate_signs", "act_told"})  # the act a て-form leads to
_ONGOING = "ongoing"  # what goes on now: its words, and acts told in the present (bot.morph going_on)
_ONGOING_SETS = frozenset({_ONGOING})
_ONGOING_ACTS = frozenset({"topic", _EXPERIENCED, "intimate_signs", "unsaid", "passive_any"})
_OWN_ACT = "own_act"  # the set _own_acts fills
_OWN_ACT_SETS = frozenset({_OWN_ACT})
_WENT_ON = "went_on"  # the set of acts told as a state that went on then (強要されていた)
_WENT_ON_SETS = frozenset({_WENT_ON})
_WENT_ON_ACTS = frozenset({"topic", "experienced"})
_CONTEXT_ONLY = frozenset({"school_staff"})  # sets that only read a neighbour's context: no noun of theirs is named by them
_QUOTED_AFTER = re.compile(r"[^。、！？!?\n]{0,3}?(?:、\s*と|(?:と[、。\s]|と$|って|っち|とのこと|らしい|そう|と言|と話|と訴))")
_CLAUSE_END = re.compile(r"[^。、！？!?\n\s]{0,4}?(?:[。、.!?！？\n\s]|$)")  # 触られました。, 触られて、
_PARTICLE = re.compile(r"[はがをにでとも、。]")
_TOPIC_COMMA = re.compile(r"(?:さん|ちゃん|くん)?(?:\s*[(（][^)）]{0,12}[)）])?(?:\s*、|[ \t]+)")  # 患者さん（女子大生）、, 利用者さん ヘルパーに
_WORD_TAIL = re.compile(r"[\u4e00-\u9fff\u30a1-\u30f6]{0,2}")  # the rest of a word a keyword begins (救急隊員)
_NAMED_BEFORE = re.compile(r"(?:さん|くん|ちゃん)?\s*[がは](?!いな|いませ)")  # 本人はいま泣いてて: the one it happened to
_QUOTE_CLOSED = re.compile(r"[、」]\s*と(?!も|か|いう|して|は)")  # a quotation closed later in the sentence (…された、…なかった、と来局)
_TOLD_AFTER = re.compile(r"(?:と|か|って|っち)[、\s]*(?:聞かれ|言われ|相談され|話され|頼まれ|訴え|患者|本人|妹|姉|娘|友達|友人|母|彼女)")
_DOER_PRESENT_SETS = frozenset({_DOER_PRESENT})
_PARTNER_NAMED = "partner_named"  # her partner named by a copula as the one who did it (加害者は元交際相手)
_PARTNER_NAMED_SETS = frozenset({_PARTNER_NAMED})
_PARTNER_WORDS = frozenset({"partner", "girlfriend"})
_OTHERS_BEFORE = re.compile(r"(?:の|\bmy |'s )\s*$")  # 私の元彼, 母の交際相手, "my ex", "her mom's boyfriend": someone else's
_ACT_SETS = frozenset({"topic", _EXPERIENCED, _UNSAID, "intimate_signs"})  # what was done (the sets of rules.yaml that name it)
_REPORTING = "reporting"
# after a verb of saying: said to the one who writes (言われて) or by her (言ったら, 言ったのに), not a report
_NOT_REPORTED = re.compile(r"(?:たら|ても|たのに|たけど|たが|たって|ていい)")  # (性暴力って言っていいんですか: naming it)
# 言われて: words said to her ("返せ」って言われて), unless polite words a patient says to staff ("いるんです」って言われて")
_SAID_TO = re.compile(r"わ?れ")
_POLITE_QUOTE = re.compile(r"(?:です|ます|ました|でした|ません)[」』]?\s*(?:って|と)")


def _not_reported(text: str, o: _Occurrence) -> bool:
    """Whether a verb of saying at `o` tells words said to the writer or by her, not a report."""
    if _NOT_REPORTED.match(text, o.end):
        return True
    return bool(_SAID_TO.match(text, o.end)) and not _POLITE_QUOTE.search(text, max(0, o.start - 8), o.start + 3)


_NAMED_ACT = frozenset({"topic", _UNSAID, "intimate_signs"})  # ... by its name (夫に付き添われて is no act)
_ACT_FIRST = _NAMED_ACT | {"experienced", "act_told"}  # the first act an anaphor can point back past (入られてされた。今もそいつ…)
_APPOSITION_WIDTH = 8  # the longest _APPOSITION, ちゃんの男の, and a margin
_APPOSITION = re.compile(r"(?:さん|くん|ちゃん|様)?の(?:男の|女の)?|[(（]")  # ヘルパーさんの男の人, ヘルパー（男性）
_TOPIC_AFTER = re.compile(r"\s*[はがも](?![らい])")
_OTHER_SUBJECT = re.compile(r"[^\sのに]\s*[はが](?![らい])")  # 夫は協力的で、被害は…: the act has its own subject
# English: "by" before the doer names the agent; after it, a few auxiliaries before the act name its subject
_EN_BY = re.compile(r"\bby\s+(?:(?:her|his|my|their|the|a|an|our|your)\s+)?(?:[a-z]+\s+)?$")
_EN_SUBJECT_GAP = re.compile(r"(?:'s)?(?:\s*\([^)]*\))?(?:\s+(?:has|have|had|is|was|keeps|kept|would|will|still|always|often|also|then|now|been|sometimes|repeatedly|again|just|even|allegedly|reportedly))*\s+")
_EN_PRONOUNS = frozenset({"he", "him", "she", "her", "they", "them"})
_EN_NOT = re.compile(r"\bnot\s+(?:by\s+)?$")
_EN_ACT_SETS = frozenset({"topic", "ongoing", "self_victim", _EXPERIENCED, "intimate_signs"})
_SUBJECT_AFTER = re.compile(r"(?<![るた])[)）]?(?:さん|くん|ちゃん)?\s*[がは](?!\s*(?:い|な))")  # not 介護しているが、: "but", after a verb
_FIELD_GAP = re.compile(r"[ \t　]+")
_APART = re.compile(r"[ \t　、,]")
_RELATIVE_PAST = re.compile(r"(?:受けた|された|あった|遭った|られた)$")  # a past clause naming the act (受けた性暴力)
_AGAIN_UNSAID = re.compile(r"(?:でした|です|だった|あった|ありました|(?:さ|ね|よ|な|わ)[ーぁ-ぉ〜~]*(?=\s*(?:[。．.、,！？!?\n]|$)))"  # 昨日もでした, 昨日もさ。
                           r"|[^。！？!?\n]{0,8}?(?:\.{2,}|…)")  # 先月も校長室で…
_DURING = re.compile(r"\s*(?:中|の間|の最中|している間|してる間|後|のあと|の後|あと|帰り|の帰り)")  # 昨晩合コン後: after it, the same night
# "X の Y" where Y only says who X is (交際相手の男性（20歳）, ガイドヘルパーの男性): X names the doer
_TELLING = "disclosure"  # the set of words of telling (相談, 打ち明け, 聞い)
_TELLING_SETS = frozenset({_TELLING})
_TELLING_GAP = re.compile(r"(?:した|された)?(?:の|こと)?[はがも]?\s*")  # 発覚したのは2週間前, 発覚は2週間前
_GENERIC_HEAD = re.compile(r"(?:男性|女性|男|女|(?<![一-龥])人|方|男の人|女の人|おとこのひと|おんなのひと|おとこの人|ひと|職員|スタッフ|学生|大学生|高校生|社会人|会社員|男子|女子)"
                           r"(?:さん|様|くん|ちゃん)?\s*(?:[(（][^)）]*[)）])?$")
_PASSIVE_END = re.compile(r"(?:れ|られ)(?:る|た|て|ます)?$|に(?:あ|遭)$|を受け$")  # an act whose row ends in the passive: 触られる
_QUOTE_MARK = re.compile(r"[「『“」』”]")
_CLAUSE_LEFT = re.compile(r"\s*(?:って(?![いたるくまし])|と[。、\s]|…|\.{2,}|[。、！？!?\n]|$)")  # the verb left unsaid (not 触って)
_PASSIVE_AFTER = re.compile(r"(?:を|に)?\s*(?:させら|さ|ら)?れ|を\s*受け|に\s*(?:あ|遭)")  # させられ, 被害にあった  # 触られ, 強要され: the subject is the one it was done to
_ANAPHOR = r"その[^\s。、はがもの]{1,5}?|そいつ|あいつ|相手|(?:加害者|犯人)(?:の(?:男性|男|女性|女|人|方))?|あの人|あのひと|あの男|彼(?![氏女らの])|\bhe\b|\bhes\b|\bhe's\b"
# being here or coming, now or today (いる, 来る予定, 在宅, 待っている; not いない, 来ない, nor the
# auxiliary of 出ています, 逮捕されています)
_NEAR_WORDS = r"隣|近く|近所|向かい|同じ|目の前|すぐそば"
_ANAPHOR_RE = re.compile(_ANAPHOR)
_NAMED_DOER = ("加害者", "犯人")  # words that name the one who did it, whoever he is
# what may follow the one who did it (_doer_then): the subject of being near now, of contact from him,
# of being away; or nothing (his word, or being with him: 同じ病棟)
_SUBJECT_NOW = rf"(?:さん|くん|ちゃん)?\s*(?:[はがも]|(?=まだ|今も|いまも|今また|いま|{_NEAR_WORDS}))"
_FROM_HIM = r"(?:さん|くん)?\s*から"
_SUBJECT_AWAY = r"(?:さん|くん|ちゃん|氏)?\s*(?:[（(][^)）。]{1,20}[)）]\s*)?(?:[はがも:：]|(?=もう|既に|すでに|今は|いまは)|の(?=行方|所在))"  # 加害者：不明 逃走: a note's label
_OR_WITH_HIM = ""
# for each: the rest after a name, an anaphor with the rest (or being with him), where either may begin
_DOER_THEN = {
    then: (re.compile(then), re.compile(rf"(?:{_ANAPHOR}){then}" if then else rf"{_ANAPHOR}|{_WITH_HIM}"),
           re.compile(rf"(?=(?:{_ANAPHOR})" + (then or rf"|{_WITH_HIM}") + ")"))
    for then in (_SUBJECT_NOW, _FROM_HIM, _SUBJECT_AWAY, _OR_WITH_HIM)
}
_CONTACT_NOW = re.compile(r"[^。、]{0,10}?(?:連絡|電話|line|dm|メッセージ|メール|着信|鬼電|ライン)[^。、]{0,4}?"
                          r"(?:くる|来る|きてる|来てる|きます|来ます|きている|来ている|続いて|続けて|してくる|してきて|かかってくる)")
_SHARED_HOME = re.compile(r"(?:同じ|隣の?|となりの?)\s*(?:家|いえ|部屋|へや|マンション|寮|りょう|アパート|施設|しせつ|フロア|建物|団地"
                          r"|敷地内?の?寮?|シェアハウス)(?:に|で|内で)?\s*(?:住んで(?:る|いる|います|ます)|暮らして(?:る|いる|います)"
                          r"|いる|います|[。]|$)")  # fmt: skip (not 住んでいた)
_IDENTIFIED_BEFORE = re.compile(
    r"(?:加害者|犯人|加害|相手|やったの|したの|された相手)\s*(?:は|:|：|=|＝|→)\s*(?:[^\s。、.!?]{0,10}?の)?\s*$"
    r"|\b(?:perpetrator|perp|assailant|offender|abuser|attacker)(?:\s+(?:is|was)|\s*[:=])\s*(?:her|his|the|a|an|my|their)?\s*(?:[a-z]+(?:\s+|-)){0,2}$",
    re.IGNORECASE)
# the word ends the name (加害者は元交際相手です, 相手は先輩で、), not 夫の友人, 夫じゃなくて, "ex's brother"
_IDENTIFIED_AFTER = re.compile(r"(?:さん|くん|氏)?\s*(?:[（(][^)）]*[)）])?\s*(?:です|でした|だった|だそう|だと|で(?![はも])|とのこと|らしい|みたい|[。、,.;!?\n]|\s|$)(?!\s*(?:じゃな|ではな|でな))")
_OWNER_PEOPLE = frozenset({"partner", "girlfriend", "family", "aggressor", "known_people", "third_person", "perpetrator"})  # 彼氏の友人
_OWNER_NOUN = re.compile(r"([一-龥ァ-ヴー]{2,6})の$")  # the noun a doer's word belongs to (雇用主の男性)
_PRESENT_PREDICATE = re.compile(r"[^。！？!?\n]{0,16}?(?:(?<![てで])い(?:る|ます|ました)|(?<=に)いて|来(?:る|ます)|(?<![てで])く(?:る)|(?<![てで])き(?:ます)|在宅|待って"
                                r"|おる|おります|おった|いてる|待っと[るう]|待っちょ|待ちよ[るう]|(?:戻って|帰って|もどって|かえって)(?:くる|来る)|泊まって|出入り|来てい|来てま|勤務中|訪問中|面会中|来訪中|出勤して|シフトに入|勤務して(?:る|いる|います|おり)|授業中|当直中|夜勤中|在室"
                                r"|(?:今も|いまも|今でも|いまでも|まだ|" + _NEAR_WORDS + r")[^。、]{0,14}?(?:住んで|暮らして|働いて|勤めて|通って)(?!い?た|まし)"
                                r"|(?<=も)(?:住んで|暮らして)(?!い?た|まし)"
                                r"|(?<!れ)(?<!なっ)(?<!出)(?<!絶っ)(?<!離れ)(?<!辞め)(?<!休ん)(?<!移っ)(?<!帰っ)(?<!戻っ)(?<!引っ越し)(?<!し)"
                                r"(?<!思っ)(?<!言っ)(?<!受け)(?<!知っ)(?<!分かっ)(?<!わかっ)(?<!考え)(?<!認め)(?<!否定し)"  # not what he thinks, says or undergoes
                                r"(?:て|で)(?:る|いる|います)(?![なのと])|(?:座っ|待っ|立っ|寝|残っ|隠れ|張っ)て(?:ます|おり))")  # fmt: skip (座ってます, 残っており: not 止めてます) (旦那がまだ待合におる; 今も隣に住んでる, not 遠方に住んで)
_FAR = re.compile(r"遠|県外|海外|道外|国外|実家|地元|別の|他の|ほかの|拘置所|刑務所|留置|警察署|署に|隣の?[市町村県区]|隣県|どこ|何処|(?<![同じこの])[一-龥]{1,4}[市県府](?!内)"
                  r"|本州|九州|四国|北海道|東北|関東|関西|東京|大阪|名古屋|アメリカ|韓国|中国|台湾|フィリピン|ベトナム|タイ|インド|ネパール|ブラジル|ペルー|イギリス|オーストラリア|カナダ|[a-z]{3,}\s*(?=に|で)")  # 山口市の自宅にいて: a city of its own  # 今も県外に住んでいる, 隣の市に住んで, 今はKoreaに住んでいる: far off; 今どこにいるか: not known
# a scene, then an ellipsis (公園の奥に…, 送ってもらったときに…, 歓迎会のあとで…): the act left unsaid
_UNSAID_SCENE = re.compile(r"[^\s。、.!?…]{2,}(?:で|ときに|時に|あとで|後で|中に|の中で|の奥に|の家で|の車で)\s*(?:…|\.{2,}|・{2,})")  # not 病院に…
_TIME_SETS = frozenset({_PAST, "recent"})
_SAID_OF_ACT = re.compile(r" (?:after|since|post) [a-z ]*(?:rape|assault|attack|incident|sa\b)")  # counted from the act
# a visit or a telling right before a time dates that, not the act (受診して48時間たつ, told me 2 hours ago)
_TOLD_BEFORE = re.compile(r"(?:受診|来院|入院|搬送|到着|来局)(?:して|から)\s*$|\b(?:told (?:me|us)|got a call|called|came in|arrived|was seen|saw (?:him|her))\b(?!(?:\s+[a-z]+){0,2}\s+that\b)[^.;!?]{0,12}$")
_RECENT = "recent"  # numbers of time ("3日前") read their context as this set's words do
_EN_DOERS = frozenset({"aggressor", "partner", "family", "persons", "known_people", "staff", "carer", "stranger", "acquaintance", "perpetrator"})
_TIME_PREDICATE = re.compile(r"[ \t]*(?:(?:だった|でした|です|だ)(?:という|と|って|、|。|\s|$)|で、)")  # 3年くらい前で、…: "it was then"
_QUOTE_OPENS = re.compile(r"[『「“]")  # a quote that opens after the time: the time is not in it
_QUOTE_ENDS = re.compile(r"(?:[、,]|[』」”])\s*(?:と|って)[^、。\s]{0,6}?$")  # …車の中で、って本人から電話  # words quoted without brackets end: 夫から、と受診
_NEARER_DAY = re.compile(r"本日|今日|きょう|昨日|きのう|昨夜|昨晩|ゆうべ|今朝|けさ|さっき|先ほど|今(?![回月度年週後更])|現在")  # 4日前の夜 本日は来院: 本日 dates the visit; 6時間前 先輩が今ロビーにいる: 今 dates the presence
_ELLIPSIS_AFTER = re.compile(r"(?:の夜|の朝|の夕方|の晩)?(?:に|、)?\s*(?:\.{2,}|・{2,})")
_ENDS_CLAUSE = re.compile(r"\s*(?:[。．.、,！？!?\n)）]|$)")
_EN_PASSIVE = re.compile(r"\b(?:was|were|got|been|is|being)\s+(?:\w+\s+)?$")


# content words that say nothing beyond "a case, please advise" (for other_words)
_NEUTRAL = frozenset(
    ["病院", "当院", "医院", "こと", "事", "方", "件", "相談", "質問", "お願い", "願う", "対応", "教える", "知る", "分かる", "良い", "いい", "どう", "何", "為る", "有る", "居る", "成る", "出来る", "思う", "人", "さん", "者", "場合", "今", "時", "中", "様", "お", "私", "わたし", "当", "科", "連絡", "紹介", "先", "どこ", "窓口", "支援", "センター", "来る", "行く", "言う", "話", "聞く", "困る", "欲しい", "ほしい", "大丈夫", "必要", "可能", "今後", "まず", "最初", "流れ", "方法", "ここ", "そこ", "これ", "それ", "状況", "様子", "件", "旨", "等", "助ける", "受ける", "様子", "見る"]
)


def _other_words(analysis: Analysis, occs: list[_Occurrence]) -> int:
    """Content words (nouns, verbs, adjectives) that no keyword occurrence covers, that are not
    place names and not the neutral words of any request: what else the message is about."""
    covered = bytearray(len(analysis.text) + 1)
    for o in occs:
        covered[o.start : o.end] = b"\x01" * (o.end - o.start)
    n = 0
    for t in analysis.tokens:
        if t.pos not in ("名詞", "動詞", "形容詞") or t.pos2 in ("固有名詞", "数詞", "非自立可能", "代名詞"):
            continue
        if t.form in _NEUTRAL or t.surface in _NEUTRAL or (len(t.surface) == 1 and t.pos != "名詞"):
            continue
        if any(covered[t.begin : t.end]):
            continue
        n += 1
    return n


class _Text:
    """One normalised message with what the context checks look up in it, computed once: its
    sentence ends, the places where reported speech begins, its quotations."""

    __slots__ = ("clause_from", "ends", "marks", "quotes", "text")

    def __init__(self, text: str):
        self.text = text
        self.ends = [m.start() for m in _SENTENCE_END.finditer(text)]
        self.marks: list[int] = []
        self.clause_from: list[int] = []  # where each mark's reported words may begin
        for m in _REPORTED.finditer(text):
            self.marks.append(m.start())
            if m.group().strip() in ("と", "って"):
                # "…されて、今夜また来るって": a sentence left at と reports its last clause only
                i = bisect_left(self.ends, m.start())
                start = self.ends[i - 1] + 1 if i else 0
                self.clause_from.append(max(text.rfind("、", start, m.start()), text.rfind(",", start, m.start())) + 1)
            else:
                self.clause_from.append(0)
        self.quotes = _quoted(text) if any(q in text for q in _QUOTE_OPEN) else []
        if "'" in text:  # said 'my husband forced me': single quotes, not an apostrophe (she's, girls')
            self.quotes = sorted(self.quotes + [m.span(1) for m in _SINGLE_QUOTED.finditer(text)])

    def sentence(self, i: int) -> int:
        return bisect_left(self.ends, i)

    def reported(self, start: int, end: int) -> bool:
        """Whether the words at [start, end) are reported speech: quoted, or followed in their
        clause by と言っている / とのこと (a clinician quoting the patient is not the writer)."""
        if self.quotes and any(a < start and end <= b for a, b in self.quotes):
            return True
        i = bisect_left(self.ends, end)
        stop = self.ends[i] if i < len(self.ends) else len(self.text)
        j = bisect_left(self.marks, end)
        while j < len(self.marks) and self.marks[j] < stop:
            if start >= self.clause_from[j]:
                return True
            j += 1
        return False


_SENTENCE_END = re.compile(r"[。．！？!?\n;；]|\.(?:\s|$)")


_QUOTE_OPEN = "「『“\""
_QUOTE_PAIRS = {"「": "」", "『": "』", "“": "”", '"': '"'}


# words in single quotes: the opening one after no letter or digit, the closing one before none
_SINGLE_QUOTED = re.compile(r"(?<![a-z0-9])('[^'\n]{1,200}?)'(?![a-z0-9])")


def _quoted(text: str) -> list[tuple[int, int]]:
    """The spans inside quotation marks."""
    out = []
    i = 0
    while i < len(text):
        close = _QUOTE_PAIRS.get(text[i])
        if close is None:
            i += 1
            continue
        j = text.find(close, i + 1)
        if j < 0:
            break
        out.append((i, j))
        i = j + 1
    return out


# 嫌って言ったのに, やめてと言った: the victim's own refusal, not someone else's words reported
_NOT_REFUSAL = "".join(f"(?<!{w})" for w in ("嫌", "いや", "イヤ", "やめて", "ヤメテ", "だめ", "ダメ", "嫌だ", "いやだ", "イヤだ"))
# the words that make what precedes them someone else's speech: 「…」と言っています, ...とのこと
_REPORTED = re.compile(  # where the marker begins: no leading spaces to match (newlines made it quadratic)
    r"(?<![こあひもほふっ])" + _NOT_REFUSAL + r"(?:と(?!ん)|って|とか)[^。、,]{0,8}?(?:言|い[いうっえわ]|話|訴え|泣|打ち明け|相談|書|聞|叫|来院|受診|来局|来所|来室)"
    r"|とのこと|との事|との相談|という|とおっしゃ|とだけ|らしい|そうです|そうだ|模様|ようです|みたい"
    r"|(?<![こあひもほふっ])(?:と|って)[ \t]*(?=[。．！？!?\n]|$)"  # a sentence left at と: what someone said (not こと。)
    r"|\b(?:she|he|they|the patient) (?:says|said|told|reports|reported)"
)


_EN_NEGATION = re.compile(r"\b(no|not|never|isn't|wasn't|aren't|without|denies|denied)\s+(?:\w+\s+){0,2}$")
_ROMAJI_THEN_JAPANESE = re.compile(r"[a-z\-]+\s*[\u3040-\u30ff\u4e00-\u9fff]")


def _en_negated(text: str, start: int) -> bool:
    """An English negation just before the words ("no danger", "is not in danger"); not the particle の
    in romaji before a word Japanese follows (Kurashiki no sanfujinka です)."""
    if start == 0 or not text[max(0, start - 1)].isascii():
        return False
    m = _EN_NEGATION.search(text, max(0, start - 40), start)
    return m is not None and not (m.group(1) == "no" and _ROMAJI_THEN_JAPANESE.match(text, start))


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


def _set_names(doc: Node, key: str, sets: dict[str, tuple[str, ...]]) -> list[str]:
    """A top-level list of keyword set names (`subjects`, `doers`); [] with an error if it is not one."""
    names = doc.value.get(key, []) if doc.is_mapping() else []
    if not isinstance(names, list) or any(n not in sets for n in names):
        doc.error(f"expected keyword set names (defined: {', '.join(sets)})", key)
        return []
    return names


def load_rules(doc: Node, *, sections: set[str], contacts: set[str]) -> Rules:
    """Build Rules from rules.yaml; `sections` and `contacts` are the ids the references must hit."""
    doc.only("meta", "keywords", "subjects", "doers", "flags", "intents", "fallback_intent", "show")
    sets: dict[str, tuple[str, ...]] = {}
    raw_options: dict[str, Node] = {}
    kw = doc.child("keywords")
    if kw is not None and kw.is_mapping():
        for name, words in kw.value.items():
            k = Node(words, kw.file, f"keywords.{name}", kw.problems)
            if isinstance(words, dict):  # the mapping form: words plus how they read their context
                k.only("words", "include", *_OPTION_KEYS)
                raw_options[str(name)] = k
                words = words.get("words")
                k = Node(words, kw.file, f"keywords.{name}.words", kw.problems)
            if not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip() for w in words):
                k.error("expected a non-empty list of non-empty strings")
                continue
            sets[str(name)] = tuple(words)
    for name, node in raw_options.items():  # include: the words of other sets too (gone_now is also separated)
        included = node.value.get("include", [])
        included = [included] if isinstance(included, str) else included
        nested = {x for x, n in raw_options.items() if n.value.get("include")}  # one level: no set includes one that includes
        bad = [x for x in included if x not in sets or x in nested] if isinstance(included, list) else [included]
        if bad:
            node.error(f"unknown keyword set(s) or a set that includes others {bad}", "include")
            continue
        sets[name] = tuple(dict.fromkeys([*sets.get(name, ()), *(w for x in included for w in sets[x])]))
    options: dict[str, SetOptions] = {}
    for name, node in raw_options.items():
        values = {}
        for key in _OPTION_KEYS:
            v = node.value.get(key, [])
            v = [v] if isinstance(v, str) else v
            bad = [x for x in v if x not in sets] if isinstance(v, list) else [v]
            if bad:
                node.error(f"unknown keyword set(s) {bad}", key)
                v = []
            values[key] = frozenset(v)
        options[name] = SetOptions(**values)

    subjects = _set_names(doc, "subjects", sets)
    doers = _set_names(doc, "doers", sets)
    if doers and _UNSAID not in sets:
        doc.error(f"the doers fill a keyword set `{_UNSAID}`: define it", "doers")
        doers = []

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
    lemmas: dict[str, list] = {}
    if sets:
        table: dict[str, set[str]] = {}
        lemma_table: dict[tuple[str, ...], set[str]] = {}
        for name, words in sets.items():
            for w in words:
                if w.startswith("~"):  # dictionary forms in a row: conjugations and spellings too
                    lemma_table.setdefault(tuple(normalize(w[1:]).split()), set()).add(name)
                else:
                    table.setdefault(normalize(w), set()).add(name)
        for seq, names in lemma_table.items():
            k = next(i for i, w in enumerate(seq) if not w.startswith("(") and w != _GAP)  # the anchor: a written form
            lemmas.setdefault(seq[k], []).append((seq, k, frozenset(names)))
        by_key: dict[str, Keyword] = {}
        for w, names in table.items():
            word = w.startswith("[") and w.endswith("]")
            core = w[1:-1] if word else w.rstrip("*")
            if core:
                key = utf8_letters(core)
                kw = Keyword(frozenset(names), len(key), core.isascii(), w.endswith("*"), word)
                if key in by_key:  # "rape" and "rape*" are one key: its sets, a prefix if either is
                    old = by_key[key]
                    kw = Keyword(old.sets | kw.sets, kw.length, kw.latin, old.prefix or kw.prefix,
                                 old.word and kw.word)
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
        _lemmas={k: tuple(v) for k, v in lemmas.items()},
        _options=options,
        _dated_events=_DATED_EVENTS & frozenset(sets),
        _subject_sets=frozenset(subjects),
        _doer_sets=frozenset(doers),
    )
