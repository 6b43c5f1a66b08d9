"""Benchmark inputs, generated from the knowledge files with a fixed seed (the same run after run).

* `messages(size, n)`: a realistic mixed corpus in Japanese and English: a clinician's sentences
  built from the real place names (places.tsv, prefectures.yaml), the rule keywords (rules.yaml),
  stated times and ages, postal codes and phone numbers, padded with the guidance texts
  (guidance.*.yaml) the way a long note quotes what was done. Cut to exactly `size` characters.
* `ADVERSARIAL`: families of hostile text, each built to any length, that aim at the matchers'
  weak spots: digit runs and whitespace runs for the regular expressions (backtracking), text
  made only of place names or keywords (a match at every character), kana runs, Latin words
  against the word-boundary checks, postal-code look-alikes, control and bidi characters.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import cache
from pathlib import Path

import yaml

from bot.knowledge import default_dir

SEED = 8891


@cache
def _vocab(directory: str) -> dict[str, list[str]]:
    d = Path(directory)
    places: dict[str, list[str]] = {"municipality": [], "ward": [], "kana": [], "romaji": [], "city_alias": []}
    for line in (d / "places.tsv").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        form, _pref, kind, _jis = line.split("\t")
        places.setdefault(kind, []).append(form)
    prefs = yaml.safe_load((d / "prefectures.yaml").read_text(encoding="utf-8"))["prefectures"]
    rules = yaml.safe_load((d / "rules.yaml").read_text(encoding="utf-8"))["keywords"]
    postal = [line.split("\t")[0] for line in (d / "postal.tsv").read_text(encoding="utf-8").splitlines()
              if line and not line.startswith("#")]  # fmt: skip
    guidance: dict[str, list[str]] = {}
    for lang in ("ja", "en"):
        g = yaml.safe_load((d / f"guidance.{lang}.yaml").read_text(encoding="utf-8"))
        guidance[lang] = [p["text"] for s in g["sections"].values() for p in s["points"]]
    words = {k: [w.rstrip("*") for w in v] for k, v in rules.items()}
    return {
        "pref_ja": [p["name"] for p in prefs],
        "pref_en": [p["romaji"] for p in prefs],
        "place_ja": places["municipality"] + places["ward"],
        "place_kana": places["kana"],
        "place_en": places["romaji"],
        "postal": [p for p in postal if len(p) == 7] or ["1000001"],
        "kw_ja": [w for ws in words.values() for w in ws if not w.isascii()],
        "kw_en": [w for ws in words.values() for w in ws if w.isascii()],
        "topic_ja": [w for w in words["topic"] if not w.isascii()],
        "topic_en": [w for w in words["topic"] if w.isascii()],
        "guide_ja": guidance["ja"],
        "guide_en": guidance["en"],
    }


def vocab(directory: Path | None = None) -> dict[str, list[str]]:
    return _vocab(str(directory or default_dir()))


_JA = (
    "当院は{place_ja}にあります。",
    "{pref_ja}{place_ja}の救急外来です。",
    "患者さんが{when_ja}{topic_ja}にあったかもしれません。",
    "{age_ja}の女性が{when_ja}来院しました。",
    "本人は警察への届出を迷っています。{kw_ja}について相談したいです。",
    "〒{postal3}-{postal4} の病院から連絡しています。",
    "相手は{kw_ja}で、帰宅が心配です。",
    "受診は{hours}時間前に起きたことについてです。",
    "電話は03-5577-3899でつながりませんでした。",
    "{place_kana}の近くです。",
    "{guide_ja}",
)
_EN = (
    "Our hospital is in {place_en}.",
    "A patient from {pref_en} says she was {topic_en} {when_en}.",
    "A {age_en}-year-old was seen in the ER {hours} hours ago.",
    "The patient is unsure about the police; we want to talk about {kw_en}.",
    "Postal code {postal3}-{postal4}, near {place_en}.",
    "Dr. Chiba asked about {kw_en} and the one-stop center.",
    "{guide_en}",
)
_WHEN_JA = ("昨夜", "今朝", "3時間前", "2日前", "一週間前", "さっき", "先月", "半年前", "")
_WHEN_EN = ("last night", "this morning", "3 hours ago", "two days ago", "a week ago", "yesterday", "")


def _sentence(rng: random.Random, v: dict[str, list[str]], lang: str) -> str:
    template = rng.choice(_JA if lang == "ja" else _EN)
    postal = rng.choice(v["postal"])
    return template.format(
        place_ja=rng.choice(v["place_ja"]),
        place_kana=rng.choice(v["place_kana"]),
        place_en=rng.choice(v["place_en"]),
        pref_ja=rng.choice(v["pref_ja"]),
        pref_en=rng.choice(v["pref_en"]),
        topic_ja=rng.choice(v["topic_ja"]),
        topic_en=rng.choice(v["topic_en"]),
        kw_ja=rng.choice(v["kw_ja"]),
        kw_en=rng.choice(v["kw_en"]),
        when_ja=rng.choice(_WHEN_JA),
        when_en=rng.choice(_WHEN_EN),
        age_ja=f"{rng.randint(8, 80)}歳",
        age_en=rng.randint(8, 80),
        hours=rng.randint(1, 200),
        postal3=postal[:3],
        postal4=postal[3:],
        guide_ja=rng.choice(v["guide_ja"]),
        guide_en=rng.choice(v["guide_en"]),
    )


def message(rng: random.Random, size: int, v: dict[str, list[str]] | None = None) -> str:
    """One message of exactly `size` characters; mostly one language, as real messages are."""
    v = v or vocab()
    main = rng.choice(("ja", "ja", "en"))  # the bot's users write Japanese more often
    parts: list[str] = []
    length = 0
    while length < size:
        lang = main if rng.random() < 0.8 else ("en" if main == "ja" else "ja")
        s = _sentence(rng, v, lang) + ("" if lang == "ja" else " ")
        parts.append(s)
        length += len(s)
    return "".join(parts)[:size]


def messages(size: int, n: int, *, seed: int = SEED) -> list[str]:
    rng = random.Random(f"{seed}:{size}:{n}")
    v = vocab()
    return [message(rng, size, v) for _ in range(n)]


# ---------------------------------------------------------------- adversarial families
def _repeat(unit: str, size: int) -> str:
    return (unit * (size // max(len(unit), 1) + 1))[:size]


def _from_words(words: list[str], size: int, sep: str = "") -> str:
    rng = random.Random(f"{SEED}:words:{size}:{sep!r}")
    out, length = [], 0
    while length < size:
        w = rng.choice(words) + sep
        out.append(w)
        length += len(w)
    return "".join(out)[:size]


def _junk(size: int) -> str:
    rng = random.Random(f"{SEED}:junk:{size}")
    pool = (
        "\x00\x01\x1b\x7f\u200b\u200e\u202e\u2066\ufeff\ud800\udfff"  # controls, bidi, lone surrogates
        "😀👩‍⚕️🇯🇵\u3000 \t\n０１２ＡＢｱｲｳ"  # emoji, wide and half-width forms
        "東京都府中市さんの前歳代-〒"
    )
    return "".join(rng.choice(pool) for _ in range(size))


ADVERSARIAL: dict[str, Callable[[int], str]] = {
    # one digit run: regular expressions that retry \d+ at every digit go quadratic
    "digits": lambda n: _repeat("1", n),
    # a Latin word then a whitespace run: two adjacent \s* go quadratic on the run
    "newlines": lambda n: "a" + _repeat("\n", n - 2) + "x",
    "digit-newlines": lambda n: _repeat("1" + "\n" * 63, n),
    "ago-newlines": lambda n: "1時間" + _repeat("\n", n - 4) + "x",
    # a match ending at every character: place names back to back (Python work per match)
    "places": lambda n: _from_words(vocab()["place_ja"], n),
    "kana-places": lambda n: _from_words(vocab()["place_kana"], n),
    "romaji-places": lambda n: _from_words(vocab()["place_en"], n, " "),
    "keywords": lambda n: _from_words(vocab()["kw_ja"] + vocab()["kw_en"], n, " "),
    "postal-like": lambda n: _repeat("〒123-4567-890 ", n),
    # the one who did it named again and again: every doer word once looked at every other word
    "doers": lambda n: _repeat("夫に", n),
    "doers-today": lambda n: "夫に無理やりされた。" + _repeat("今日も夫が来る夫の夫は", n - 10),
    "junk": _junk,
}
