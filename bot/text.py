"""Input hygiene shared by every matcher: whatever a channel hands us becomes safe, normalised text.

Long inputs are cut to MAX_INPUT_CHARS before matching (a clinician's message is a few hundred
characters; Telegram allows 4096). The cut keeps the cost of a reply linear and bounded.
"""

from __future__ import annotations

import re
import unicodedata

MAX_INPUT_CHARS = 8192

# Control characters (C0, C1, DEL) except tab and newline, bidi marks and other format characters
# that only hide text from a reader, and lone surrogates (which cannot be encoded as UTF-8).
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")
_SPACES = re.compile(r"[ \t\u3000]+")


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
    text = unicodedata.normalize("NFKC", text).casefold()
    return _SPACES.sub(" ", text).strip()


_KANA_OR_KANJI = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
_KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")
_LATIN = re.compile(r"[A-Za-z]")


def guess_lang(text: str) -> str:
    """'ja' or 'en', from the script of the message. Kana means Japanese; otherwise the majority of
    Latin letters over CJK characters means English; anything else (emoji, digits, empty) is Japanese,
    the project's first language."""
    if _KANA.search(text):
        return "ja"
    latin = len(_LATIN.findall(text))
    cjk = len(_KANA_OR_KANJI.findall(text))
    return "en" if latin > 0 and latin >= cjk else "ja"
