"""Input hygiene shared by every matcher: whatever a channel hands us becomes safe, normalised text.

Long inputs are cut to MAX_INPUT_CHARS before matching (a clinician's message is a few hundred
characters; Telegram allows 4096). The cut keeps the cost of a reply linear and bounded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

MAX_INPUT_CHARS = 8192

# what a writer puts after a word to take it back (茨城じゃなくて栃木, 3日前…いや4日前: see bot.location
# and bot.rules)
TAKEN_BACK = ("じゃなくて", "じゃなく", "ではなくて", "ではなく", "ではありません")

# Control characters (C0, C1, DEL) except tab and newline, bidi marks and other format characters
# that only hide text from a reader, and lone surrogates (which cannot be encoded as UTF-8).
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")
_SPACES = re.compile(r"[ \t\u3000]+")
_CIRCLED = re.compile("[\u2460-\u2473]")  # ① to ⑳: a list's numbers, read as (1) to (20)

# NFKC leaves these characters as they are, and none of them combines with a character before it
# (it and the first character of its decomposition have canonical combining class 0 and are the
# second character of no canonical composition): ASCII, kana, CJK ideographs, 、。「」『』 and ー,
# i.e. most of a clinician's message; tests/test_text.py proves both over every code point. So NFKC
# need only see the runs of other characters, each with the one character before it (which it may
# combine with: カ + U+3099 is ガ); the rest is copied. Measured:
# 0.37 -> 0.13 ms for 4,096 characters of the benchmark corpus, the biggest single cost of a reply.
NFKC_INERT = "\x00-\x7f\u3001\u3002\u300c-\u300f\u3041-\u3096\u30a1-\u30fa\u30fc\u4e00-\u9fff"
_NFKC_WORK = re.compile(f"[^{NFKC_INERT}]+")


def clean(text: object) -> str:
    """Make any input a str that is safe to match, log-free and encodable: never raises."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    elif not isinstance(text, str):
        text = "" if text is None else str(text)
    text = text[: MAX_INPUT_CHARS * 2]  # bound the work before anything else touches it
    text = _UNSAFE.sub(" ", text)
    return text[:MAX_INPUT_CHARS]


def normalize(text: str) -> str:
    """NFKC (full/half width, compatibility forms), case-folded, runs of spaces collapsed.

    Matchers (places, rules) work on this form; keyword lists in knowledge/ are normalised the same
    way when loaded, so they may be written in any width or case.
    """
    if not text.isascii() and _CIRCLED.search(text):  # ①15歳女子: NFKC would read 115歳
        text = _CIRCLED.sub(lambda m: f" ({ord(m.group()) - 0x245F}) ", text)
    text = nfkc(text).casefold()
    if "  " in text or "\t" in text or "\u3000" in text:  # else every run is one space: nothing to do
        text = _SPACES.sub(" ", text)
    return text.strip()


def nfkc(text: str) -> str:
    """unicodedata.normalize("NFKC", text), normalising only the runs of characters outside
    NFKC_INERT (see there)."""
    if text.isascii():
        return text
    parts = []
    last = 0
    for m in _NFKC_WORK.finditer(text):
        start, end = m.span()
        if start > last:  # the inert character just before the run goes with it
            parts.append(text[last : start - 1])
            start -= 1
        parts.append(unicodedata.normalize("NFKC", text[start:end]))
        last = end
    parts.append(text[last:])
    return "".join(parts)


_KANA_OR_KANJI = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
_KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")
_LATIN = re.compile(r"[A-Za-z]")
_HIRAGANA = re.compile(r"[\u3040-\u309f]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z']+")
_QUOTED = re.compile(r"(?<![A-Za-z])'[^'\n]{3,200}'(?![A-Za-z])|\"[^\"\n]{3,200}\"|[「『“][^」』”\n]{1,200}[」』”]")


def guess_lang(text: str) -> str:
    """'ja' or 'en', from the script of the message. With kana, English when its words outnumber
    the Japanese ones, counted as half the kana and kanji with hiragana (the grammar) counted twice:
    "Patient 19F, 先週末 party で drugged and raped" is English with Japanese nouns, "Pt 14yo、uncleから
    abuse、今朝disclosed。" Japanese with English nouns. Without kana, the majority of Latin letters
    over CJK characters means English; anything else (emoji, digits, empty) is Japanese, the
    project's first language."""
    if _KANA.search(text):
        if _KANA.search(unquoted := _QUOTED.sub(" ", text)):
            text = unquoted  # 'Mrs. A said the night shift man touched her' 施設は Takasaki: words quoted are another's
        japanese = (len(_KANA_OR_KANJI.findall(text)) + len(_HIRAGANA.findall(text))) / 2
        return "en" if len(_LATIN_WORD.findall(text)) > japanese else "ja"
    latin = len(_LATIN.findall(text))
    cjk = len(_KANA_OR_KANJI.findall(text))
    return "en" if latin > 0 and latin >= cjk else "ja"


# katakana -> hiragana (ァ..ヶ), for str.translate: one table for every module that reads kana both ways
KATAKANA_TO_HIRAGANA = {c: c - 0x60 for c in range(0x30A1, 0x30F7)}


def utf8_letters(text: str) -> str:
    """`text` as its UTF-8 bytes, one character per byte (read as Latin-1): what the Aho-Corasick
    automata of bot.location and bot.rules are built on and run over, keys and text alike.

    pyahocorasick looks a character up among a trie node's children one by one, and the root of the
    place names has hundreds of children (every first character of a name), so each character of
    Japanese text cost a scan of hundreds. Over UTF-8 bytes no node has more than about 130
    children, and a continuation byte at most 64: several times faster, and the same matches (UTF-8
    is self-synchronising: a key's bytes only match at character boundaries). Offsets are byte
    offsets; ASCII text is returned as it is (its byte and character offsets agree).
    """
    return text if text.isascii() else text.encode("utf-8", "surrogatepass").decode("latin-1")


class Zoned:
    """`pattern.finditer(text)`, with the same matches, scanning only the parts of the text that can
    hold one. The `re` engine cannot skip ahead to a pattern that begins with a look-behind, \\b or a
    repeated class, so it runs the whole pattern at every character: about 40 ns each, 0.2 ms for a
    4,096-character message, per pattern. Finding a word with `str.find` costs about 1 ns a character.

    What the pattern must satisfy (the tests and the benchmarks' differential check hold it to it):
      * every character a match consumes is in `alphabet` (the body of a regex character class);
      * every match contains one of `needles`, at a place where `needle_ok(text, index)` is true
        (when given: a cheap test that rejects most occurrences, e.g. "is a digit before it");
      * it never matches the empty string, and looks at most `ahead` characters past a match's end.

    Then each match lies inside one zone: a maximal run of `alphabet` around a usable needle. The
    pattern runs on each zone in turn (`finditer(text, start, end + ahead)`, which still sees the text
    before `start`, so look-behinds and \\b behave as on the whole text), in order, and a zone is
    scanned once however many needles it holds: linear in the text. Returns the matches as a list.
    """

    def __init__(self, pattern: re.Pattern[str], alphabet: str, needles: tuple[str, ...], *, ahead: int = 0,
                 needle_ok: Callable[[str, int], bool] | None = None):  # fmt: skip
        self.pattern = pattern
        self.needles = needles
        self.ahead = ahead
        self.needle_ok = needle_ok
        self._run = re.compile(f"[{alphabet}]*")

    def finditer(self, text: str, reverse: str | None = None) -> list[re.Match[str]]:
        """`reverse`: text[::-1], when the caller has it (several scans of one text share it)."""
        ok = self.needle_ok
        hits = []
        for needle in self.needles:
            i = text.find(needle)
            while i >= 0:
                if ok is None or ok(text, i):
                    hits.append(i)
                i = text.find(needle, i + 1)
        if not hits:
            return []
        hits.sort()
        n, run, search, ahead = len(text), self._run.match, self.pattern.search, self.ahead
        if reverse is None:
            reverse = text[::-1]  # the run that ends before q starts at n - q in the reversed text
        out: list[re.Match[str]] = []
        end = 0
        k, last = 0, len(hits)
        while k < last:
            q = hits[k]
            start = q - (run(reverse, n - q).end() - (n - q))
            end = run(text, q).end()
            limit = min(n, end + ahead)
            m = search(text, start, limit)
            while m is not None:  # what finditer(text, start, limit) yields, with fewer searches:
                out.append(m)
                after = m.end()
                while k < last and hits[k] < after:
                    k += 1
                if k == last or hits[k] >= end:
                    break  # no needle left in this zone, so no further match in it
                m = search(text, after, limit)
            while k < last and hits[k] < end:
                k += 1  # the rest of this zone's needles
        return out


def digit_before(chars: str = "") -> Callable[[str, int], bool]:
    """A `needle_ok` for Zoned: a decimal digit (as \\d) or one of `chars` comes before the needle,
    after any whitespace and hyphens between."""

    def ok(text: str, i: int) -> bool:
        i -= 1
        while i >= 0 and (text[i].isspace() or text[i] == "-"):
            i -= 1
        return i >= 0 and (text[i].isdecimal() or text[i] in chars)

    return ok
