"""What dominates each layer: a cProfile of the slowest part of each, top functions by own time.

Layers: a reply to 4,096-character messages (the engine), knowledge load from the files, knowledge
load from the cache. (Process start-up is broken down by `python -X importtime`, in the start-up
section's JSON: `reply_imports.slowest_self_ms`.)
"""

from __future__ import annotations

import cProfile
import gc
import io
import pstats

from benchmarks import corpus
from benchmarks.engine_bench import AT
from bot import knowledge


def _top(profile: cProfile.Profile, n: int = 12) -> list[dict]:
    stats = pstats.Stats(profile, stream=io.StringIO())
    total = sum(v[2] for v in stats.stats.values()) or 1.0  # own time of every function
    rows = []
    for (file, line, func), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():
        where = file.split("/site-packages/")[-1].replace(str(knowledge.default_dir().parent) + "/", "")
        rows.append({"function": f"{where}:{line}({func})" if line else func, "calls": calls,
                     "own_ms": tottime * 1000, "cum_ms": cumtime * 1000, "own_share": tottime / total})  # fmt: skip
    rows.sort(key=lambda r: -r["own_ms"])
    return rows[:n]


def run(engine, quick: bool) -> dict:
    # The objects the benchmarks left behind must not make a garbage collection land inside a
    # profile (one did, and showed a dict comprehension taking 240 ms): freeze them first.
    gc.collect()
    gc.freeze()
    try:
        return _run(engine, quick)
    finally:
        gc.unfreeze()


def _run(engine, quick: bool) -> dict:
    out = {}
    texts = corpus.messages(4096, 30 if quick else 200)
    for t in texts[:10]:
        engine.reply(t, AT)
    prof = cProfile.Profile()
    prof.enable()
    for t in texts:
        engine.reply(t, AT)
    prof.disable()
    out[f"engine.reply, {len(texts)} messages of 4,096 chars"] = _top(prof)

    prof = cProfile.Profile()
    prof.enable()
    knowledge.load(cache=False)
    prof.disable()
    out["knowledge.load from the files"] = _top(prof)

    knowledge.load()
    prof = cProfile.Profile()
    prof.enable()
    knowledge.load()
    prof.disable()
    out["knowledge.load from the cache"] = _top(prof, 6)
    return out


def render(profiles: dict) -> str:
    lines = ["What dominates each layer (cProfile, own time; profiling inflates small calls):"]
    for layer, rows in profiles.items():
        lines.append(f"-- {layer}")
        for r in rows:
            lines.append(f"   {r['own_share'] * 100:5.1f}%  {r['own_ms']:8.1f} ms  {r['calls']:>8}  {r['function']}")
    return "\n".join(lines)
