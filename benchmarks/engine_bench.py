"""Item 1: the engine's reply latency and throughput on one core, against the floor of any matcher.

Baseline ("floor"): the least work any matcher must do on the same text: NFKC normalisation (the
fastest we have, bot.text.nfkc, which normalises only the runs of characters NFKC can change and is
proved equal to unicodedata's on every code point) and case folding, then one pass of one
precompiled pyahocorasick automaton holding the same vocabulary (every place form and every rule
keyword), over the text's UTF-8 bytes as the engine's automata run, with every match reported. The
engine does that and the rest: cleaning, a second automaton pass for keywords, context checks on
each place match, ages, elapsed times, postal codes, the answer and its text. For 1 MB inputs the
engine reads only its first MAX_INPUT_CHARS characters (bot.text), so the baseline reads the same.

Growth: the matcher layers called directly (no cut) on 4 KB, 64 KB and 1 MB of text, mixed corpus
and each adversarial family; the figure is the cost per 1,000 characters and the ratio is to the
same layer at 4 KB: 1.0 means linear.
"""

from __future__ import annotations

import collections
import datetime as dt
import gc
import itertools
import time
from pathlib import Path

import ahocorasick
import yaml

from benchmarks import corpus
from benchmarks.harness import Figure, Stat, percentile
from bot.engine import TOKYO, Engine
from bot.text import _UNSAFE, MAX_INPUT_CHARS, nfkc, normalize

AT = dt.datetime(2026, 11, 27, 13, 0, tzinfo=TOKYO)  # a Friday afternoon: most centers open
SIZES = (50, 300, 4096)
MB = 1 << 20
SECTION = "engine: reply on one core (single thread)"
GROWTH = ("growth: matcher layers on long text, no cut (cost per 1,000 chars; ratio to the smaller size: "
          "1.0 = linear, 16 = quadratic)")


def utf8_letters(text: str) -> str:
    """Text as UTF-8 bytes read as Latin-1 (as bot.text.utf8_letters): pyahocorasick runs several
    times faster over bytes than over Japanese characters (see bot/text.py)."""
    return text if text.isascii() else text.encode("utf-8", "surrogatepass").decode("latin-1")


class Floor:
    """NFKC + case folding + one pass of one automaton with the whole vocabulary.

    The vocabulary is read from the knowledge files, not from the engine (so the same floor serves to
    measure an older engine): every form in places.tsv, every prefecture's names and readings, every
    rule keyword, normalised as the engine normalises them."""

    def __init__(self, directory: Path):
        forms: set[str] = set()
        for line in (directory / "places.tsv").read_text("utf-8").splitlines():
            if line and not line.startswith("#") and (row := line.split("\t"))[2] != "kana_short":
                forms.add(row[0])  # (a kana_short reading is only looked up, never in the automaton)
        doc = yaml.safe_load((directory / "prefectures.yaml").read_text("utf-8"))
        for p in doc["prefectures"]:
            kana = p["kana"]
            forms.update((p["name"], p["short"], kana, _katakana(kana), p["romaji"], *p.get("en", [])))
        for words in yaml.safe_load((directory / "rules.yaml").read_text("utf-8"))["keywords"].values():
            forms.update(w.rstrip("*") for w in words)
        keys = {utf8_letters(normalize(f)) for f in forms} - {""}
        # pyahocorasick scans a node's children in insertion order, so the order of the keys matters
        # (up to 2x): frequent bytes first, by their frequency in the guidance texts (not the corpus)
        freq: collections.Counter[str] = collections.Counter()
        for lang in ("ja", "en"):
            freq.update(utf8_letters(normalize((directory / f"guidance.{lang}.yaml").read_text("utf-8"))))
        rank = {c: i for i, (c, _) in enumerate(freq.most_common())}
        automaton = ahocorasick.Automaton(ahocorasick.STORE_LENGTH)
        for k in sorted(keys, key=lambda k: [rank.get(c, len(rank)) for c in k]):
            automaton.add_word(k)
        automaton.make_automaton()
        self.automaton = automaton
        self.words = len(keys)

    def __call__(self, text: str) -> None:
        t = nfkc(text[:MAX_INPUT_CHARS]).casefold()
        collections.deque(self.automaton.iter(utf8_letters(t)), maxlen=0)

    def whole(self, text: str) -> None:
        """The same over all of `text` (for the growth figures)."""
        t = nfkc(text).casefold()
        collections.deque(self.automaton.iter(utf8_letters(t)), maxlen=0)


def _katakana(hira: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in hira)


def _timed_pairs(engine: Engine, floor: Floor, texts: list[str], busy: int = 0) -> tuple[list[float], ...]:
    """Reply and floor times (ms) for each text, interleaved message by message; with `busy`, also
    the time of `_busy(busy)` after each pair (the same work every time: the machine's noise)."""
    reply, base, fixed = [], [], []
    clock = time.perf_counter_ns
    for text in texts:
        t0 = clock()
        engine.reply(text, AT)
        t1 = clock()
        floor(text)
        t2 = clock()
        reply.append((t1 - t0) / 1e6)
        base.append((t2 - t1) / 1e6)
        if busy:
            t3 = clock()
            _busy(busy)
            fixed.append((clock() - t3) / 1e6)
    return reply, base, fixed


def _busy(n: int) -> int:
    """Fixed pure-Python work: every call does exactly the same, so how its times spread is the
    machine's doing (other tenants, frequency, interrupts), not the work's."""
    s = 0
    for i in range(n):
        s += i * i
    return s


def _busy_for(ms: float) -> int:
    """The `n` for which _busy(n) takes about `ms` milliseconds here."""
    n, t0 = 200_000, time.perf_counter()
    _busy(n)
    return max(1, int(n * ms / ((time.perf_counter() - t0) * 1000)))


def run(engine: Engine, runs: int, quick: bool, notes: list[str]) -> tuple[list[Figure], dict]:
    floor = Floor(engine.kb.directory)
    figures: list[Figure] = []
    extra: dict = {"floor_words": floor.words}
    base_name = f"NFKC + 1 AC pass ({floor.words:,} words)"
    for size in SIZES:
        n = (60 if size == 4096 else 100) if quick else (400 if size == 4096 else 1000)
        texts = corpus.messages(size, n)
        warm, _, _ = _timed_pairs(engine, floor, texts[: min(50, n)])  # caches, lazy imports (jpholiday)
        # at 4,096 characters, a fixed work as long as a reply runs after each pair: its p99/p50 is
        # how much of a p99 here is the machine's
        busy = _busy_for(sorted(warm)[len(warm) // 2]) if size == 4096 else 0
        per: dict[str, list[float]] = collections.defaultdict(list)
        for _ in range(runs):
            gc.collect()
            reply, base, fixed = _timed_pairs(engine, floor, texts, busy)
            for name, times in (("reply", reply), ("base", base), ("fixed", fixed)):
                if not times:
                    continue
                s = sorted(times)
                per[f"{name}.p50"].append(percentile(s, 50))
                per[f"{name}.p99"].append(percentile(s, 99))
                per[f"{name}.max"].append(s[-1])
                per[f"{name}.rate"].append(len(s) / (sum(s) / 1000))
        for stat, label in (("p50", "p50"), ("p99", "p99"), ("max", "max")):
            figures.append(Figure(SECTION, f"reply latency {label}, {size} chars", "ms",
                                  Stat.of(per[f"reply.{stat}"]), Stat.of(per[f"base.{stat}"]), base_name,
                                  note=f"{n} messages per run"))  # fmt: skip
        figures.append(Figure(SECTION, f"replies per second, {size} chars", "1/s", Stat.of(per["reply.rate"]),
                              Stat.of(per["base.rate"]), base_name + " per second"))  # fmt: skip
        if busy:
            figures.append(Figure(SECTION, "machine noise: fixed work as long as a reply, p99", "ms",
                                  Stat.of(per["fixed.p99"]), Stat.of(per["fixed.p50"]), "the same work's p50",
                                  note="the same pure-Python loop after each pair: its spread is the machine's"))  # fmt: skip

    # 1 MB of adversarial text, each family: the engine cuts it, so its cost is that of MAX_INPUT_CHARS
    size = 256 * 1024 if quick else MB
    label = "256 KB" if quick else "1 MB"
    worst = None
    per_family = {}
    for family, make in corpus.ADVERSARIAL.items():
        text = make(size)
        engine.reply(text, AT)
        vals, bases = [], []
        for _ in range(runs):
            t0 = time.perf_counter_ns()
            for _ in range(5):
                engine.reply(text, AT)
            t1 = time.perf_counter_ns()
            for _ in range(5):
                floor(text)
            t2 = time.perf_counter_ns()
            vals.append((t1 - t0) / 5e6)
            bases.append((t2 - t1) / 5e6)
        per_family[family] = (Stat.of(vals), Stat.of(bases))
        if worst is None or per_family[family][0].median > per_family[worst][0].median:
            worst = family
    extra["adversarial_reply_ms"] = {k: {"reply": v[0].__dict__, "floor": v[1].__dict__} for k, v in per_family.items()}
    for family, (v, b) in per_family.items():
        figures.append(Figure(SECTION, f"reply, {label} adversarial: {family}", "ms", v, b,
                              f"NFKC + 1 AC pass over the first {MAX_INPUT_CHARS:,} chars",
                              note="worst family" if family == worst else ""))  # fmt: skip
    notes.append(f"engine: input is cut to bot.text.MAX_INPUT_CHARS = {MAX_INPUT_CHARS:,} characters before "
                 f"matching, so a {label} message costs what its first {MAX_INPUT_CHARS:,} characters cost; "
                 f"worst adversarial family: {worst}.")  # fmt: skip

    g_figures, g_extra = growth(engine, floor, runs, quick, notes)
    figures += g_figures
    extra["growth"] = g_extra
    return figures, extra


# ---------------------------------------------------------------- growth with input size
def _mixed(size: int) -> str:
    parts, n = [], 0
    for m in corpus.messages(4096, size // 4096 + 1, seed=99):
        parts.append(m)
        n += len(m)
        if n >= size:
            break
    return "".join(parts)[:size]


def _cost_per_kchar(fn, text: str, budget_s: float) -> float:
    """µs per 1,000 characters: repeat `fn(text)` until `budget_s` has passed (at least once)."""
    reps, start = 0, time.perf_counter()
    while True:
        fn(text)
        reps += 1
        elapsed = time.perf_counter() - start
        if elapsed >= budget_s:
            break
    return elapsed / reps / len(text) * 1e9


def growth(engine: Engine, floor: Floor, runs: int, quick: bool, notes: list[str]) -> tuple[list[Figure], dict]:
    locator, rules = engine.kb.locator, engine.kb.rules
    layers = {
        "normalize": lambda raw, norm: normalize(raw),
        "Locator.find": lambda raw, norm: locator.find(norm),
        "Rules.facts": lambda raw, norm: rules.facts(norm, place=True),
        "floor: NFKC + 1 AC pass": lambda raw, norm: floor.whole(raw),
    }
    sizes = (4096, 65536, 262144) if quick else (4096, 65536, MB)
    labels = {4096: "4 KB", 65536: "64 KB", 262144: "256 KB", MB: "1 MB"}
    texts = {"mixed corpus": _mixed}
    texts.update({f"adversarial {k}": v for k, v in corpus.ADVERSARIAL.items()})
    results: dict = {}
    budget = 0.05 if quick else 0.2
    for tname, make in texts.items():
        results[tname] = {}
        for size in sizes:
            raw = make(size)
            norm = normalize(_UNSAFE.sub(" ", raw))  # what clean() does, without the cut
            for lname, fn in layers.items():
                key = (lname, size)
                prev = results[tname].get((lname, sizes[sizes.index(size) - 1])) if size != sizes[0] else None
                if prev is not None and prev.get("skipped"):
                    results[tname][key] = {"skipped": True}
                    continue
                if prev is not None:  # guard against a superlinear layer: do not start a run of hours
                    est = prev["median"] * (size / 1000) * (size / sizes[sizes.index(size) - 1]) / 1e6
                    if est > 120:
                        results[tname][key] = {"skipped": True, "estimated_s": est}
                        notes.append(f"growth: {lname} on {tname} {labels[size]} skipped (estimated {est:.0f} s)")
                        continue
                reps = runs if size < MB else min(runs, 3)
                vals = [_cost_per_kchar(lambda t, fn=fn, norm=norm: fn(t, norm), raw, budget) for _ in range(reps)]
                s = Stat.of(vals)
                results[tname][key] = {"median": s.median, "min": s.min, "max": s.max, "runs": s.runs}
    figures: list[Figure] = []
    # the table shows the mixed corpus and, per layer, the adversarial family that grows worst
    for lname in layers:
        shown = ["mixed corpus"]
        worst, worst_growth = None, 0.0
        for tname in texts:
            if tname == "mixed corpus":
                continue
            r = results[tname]
            big, small = r.get((lname, sizes[-1])), r.get((lname, sizes[0]))
            g = float("inf") if big is None or big.get("skipped") else big["median"] / small["median"]
            if worst is None or g > worst_growth:
                worst, worst_growth = tname, g
        shown.append(worst)
        for tname in shown:
            r = results[tname]
            for prev, size in itertools.pairwise(sizes):
                b, v = r[(lname, prev)], r[(lname, size)]
                name = f"{lname}, {tname}, {labels[size]}"
                if v.get("skipped") or b.get("skipped"):
                    figures.append(Figure(GROWTH, name, "µs/kchar", Stat.of([]), None, note="skipped: superlinear"))
                    continue
                figures.append(Figure(GROWTH, name, "µs/kchar", Stat(v["median"], v["min"], v["max"], v["runs"]),
                                      Stat(b["median"], b["min"], b["max"], b["runs"]),
                                      f"same at {labels[prev]} ({size // prev}x less text)"))  # fmt: skip
    extra = {t: {f"{k[0]} @ {k[1]}": v for k, v in r.items()} for t, r in results.items()}
    return figures, extra
