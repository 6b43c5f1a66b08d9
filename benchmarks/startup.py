"""Item 2: start-up. Whole-process wall time of `referral-bot reply TEXT` against `python -c pass` and
against importing the package alone; which modules `reply` imports (no channel library may be among
them); the time to load and validate the knowledge, from the files and from the cache; resident
memory of a process that has answered 10,000 messages.

Subprocesses run with the bytecode cache on (PYTHONDONTWRITEBYTECODE unset, PYTHONPYCACHEPREFIX in a
private temporary directory), as an installed package runs, and with a private knowledge cache
directory, filled by a warm-up run; one figure shows `reply` with the knowledge cache off.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import time
from pathlib import Path

from benchmarks.harness import ROOT, Figure, Stat

SECTION = "start-up and memory"
TEXT = "当院は横浜市です。患者さんが昨夜性被害にあったかもしれません"
CHANNEL_LIBRARIES = ("telegram", "slack_bolt", "slack_sdk", "aiohttp", "matplotlib", "sqlite_utils", "numpy",
                     "japanize_matplotlib", "httpx")  # fmt: skip
ANSWERS = 10_000


def _script() -> list[str]:
    """The installed console script, run by this interpreter; `python -m bot` when not installed."""
    path = Path(sysconfig.get_path("scripts")) / "referral-bot"
    if path.is_file():
        return [sys.executable, str(path)]
    return [sys.executable, "-m", "bot"]


def _env(tmp: Path, *, cache: bool = True) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    env["REFERRAL_CACHE_DIR"] = str(tmp / "cache") if cache else "off"
    env["REFERRAL_DB"] = str(tmp / "counts.db")
    env.pop("REFERRAL_KNOWLEDGE_DIR", None)
    return env


def _wall(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
    elapsed = (time.perf_counter() - t0) * 1000
    if r.returncode != 0:
        raise RuntimeError(f"{cmd} failed: {r.stderr.decode(errors='replace')[-500:]}")
    return elapsed


def run(runs: int, quick: bool, notes: list[str]) -> tuple[list[Figure], dict]:
    figures: list[Figure] = []
    extra: dict = {}
    with tempfile.TemporaryDirectory(prefix="referral-bench-") as d:
        tmp = Path(d)
        env, env_nocache = _env(tmp), _env(tmp, cache=False)
        script = _script()
        cmds = {
            "pass": [sys.executable, "-c", "pass"],
            "import": [sys.executable, "-c", "import bot.engine"],
            "reply": [*script, "reply", TEXT],
        }
        for cmd in cmds.values():  # warm-up: bytecode and knowledge caches written
            _wall(cmd, env)
        _wall(cmds["reply"], env_nocache)
        n = max(runs * 2, 5)
        times: dict[str, list[float]] = {k: [] for k in (*cmds, "reply-nocache")}
        for _ in range(n):  # interleaved, so load on the machine weighs on all alike
            for k, cmd in cmds.items():
                times[k].append(_wall(cmd, env))
            times["reply-nocache"].append(_wall(cmds["reply"], env_nocache))
        s = {k: Stat.of(v) for k, v in times.items()}
        shown = " ".join(Path(c).name if i < 2 else c for i, c in enumerate(cmds["reply"]))
        figures += [
            Figure(SECTION, 'process: python -c "import bot.engine"', "ms", s["import"], s["pass"], "python -c pass"),
            Figure(SECTION, f"process: {shown[:40]}…", "ms", s["reply"], s["pass"], "python -c pass"),
            Figure(SECTION, "process: reply, same", "ms", s["reply"], s["import"], 'python -c "import bot.engine"'),
            Figure(SECTION, "process: reply, knowledge cache off", "ms", s["reply-nocache"], s["reply"],
                   "reply with the cache"),
        ]  # fmt: skip
        shim = shutil.which("referral-bot")
        if shim and Path(shim).resolve() != Path(script[-1]).resolve() and "shims" in shim:
            shim_times = [_wall([shim, "reply", TEXT], env) for _ in range(max(3, runs))]
            figures.append(Figure(SECTION, "process: referral-bot via PATH (pyenv shim)", "ms", Stat.of(shim_times),
                                  s["reply"], "the script run directly",
                                  note="the pyenv shim is a bash script that runs pyenv"))  # fmt: skip

        imports = _imports(script, env)
        extra["reply_imports"] = imports
        bad = imports["channel_libraries"]
        figures.append(Figure(SECTION, "channel libraries imported by reply", "modules", Stat.of([len(bad)]),
                              Stat.of([imports["modules_pass"]]), "modules imported by python -c pass",
                              note=", ".join(bad) or "none"))  # fmt: skip
        figures.append(Figure(SECTION, "modules imported by reply", "modules", Stat.of([imports["modules"]]),
                              Stat.of([imports["modules_pass"]]), "python -c pass"))  # fmt: skip
        notes.append("reply imports no channel library" if not bad else f"reply imports channel libraries: {bad}")
        notes.append("slowest imports of reply (self ms): "
                     + ", ".join(f"{m} {t:.1f}" for m, t in imports["slowest_self_ms"][:8]))  # fmt: skip

        load = _knowledge_load(runs, tmp)
        extra["knowledge_load"] = load
        figures += [
            Figure(SECTION, "knowledge: load and validate, from the files", "ms", Stat.of(load["files"]),
                   Stat.of(load["floor"]), "read + parse (C YAML, TSV split)"),
            Figure(SECTION, "knowledge: load, from the cache", "ms", Stat.of(load["cached"]),
                   Stat.of(load["files"]), "from the files"),
        ]  # fmt: skip

        answers = 1_000 if quick else ANSWERS
        mem = [_memory(answers, env) for _ in range(1 if quick else 2)]
        extra["memory"] = mem
        figures += [
            Figure(SECTION, f"resident memory after {answers:,} answers", "MB", Stat.of([m["rss_after"] for m in mem]),
                   Stat.of([m["rss_loaded"] for m in mem]), "after load, 0 answers"),
            Figure(SECTION, "resident memory after load, 0 answers", "MB", Stat.of([m["rss_loaded"] for m in mem]),
                   Stat.of([m["rss_start"] for m in mem]), "interpreter, before import"),
            Figure(SECTION, f"peak resident memory, {answers:,} answers", "MB", Stat.of([m["peak"] for m in mem]),
                   Stat.of([m["rss_after"] for m in mem]), "resident at the end"),
        ]  # fmt: skip
    return figures, extra


def _imports(script: list[str], env: dict[str, str]) -> dict:
    def modules(cmd: list[str]) -> list[tuple[str, int, int]]:
        r = subprocess.run([cmd[0], "-X", "importtime", *cmd[1:]], env=env, cwd=ROOT, capture_output=True,
                           text=True, timeout=120)  # fmt: skip
        out = []
        for line in r.stderr.splitlines():
            if line.startswith("import time:") and "|" in line and "self [us]" not in line:
                self_us, cum_us, name = (x.strip() for x in line.split(":", 1)[1].split("|"))
                out.append((name, int(self_us), int(cum_us)))
        return out

    mods = modules([*script, "reply", TEXT])
    base = modules([sys.executable, "-c", "pass"])
    tops = sorted({m.split(".")[0] for m, _, _ in mods})
    return {
        "modules": len(mods),
        "modules_pass": len(base),
        "top_level": tops,
        "channel_libraries": [m for m in tops if m in CHANNEL_LIBRARIES],
        "slowest_self_ms": sorted(((m, s / 1000) for m, s, _ in mods), key=lambda x: -x[1])[:15],
        "import_total_ms": sum(s for _, s, _ in mods) / 1000,
    }


_LOAD = textwrap.dedent(
    """
    import json, sys, time, yaml
    from pathlib import Path
    from bot import knowledge
    d = knowledge.default_dir()
    files, floor, cached = [], [], []
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    knowledge.load(d)  # warm: the cache holds this knowledge
    try:
        knowledge.load(d, cache=False)
        from_files = lambda: knowledge.load(d, cache=False)
    except TypeError:  # an engine without the cache (to measure the one before it)
        from_files = lambda: knowledge.load(d)
    for _ in range(int(sys.argv[1])):
        t0 = time.perf_counter()
        for f in sorted(d.iterdir()):
            if f.suffix == ".yaml":
                yaml.load(f.read_text(encoding="utf-8"), Loader=loader)
            elif f.suffix == ".tsv":
                [line.split("\\t") for line in f.read_text(encoding="utf-8").splitlines()]
        t1 = time.perf_counter()
        from_files()
        t2 = time.perf_counter()
        knowledge.load(d)
        t3 = time.perf_counter()
        floor.append((t1 - t0) * 1000); files.append((t2 - t1) * 1000); cached.append((t3 - t2) * 1000)
    print(json.dumps({"files": files, "floor": floor, "cached": cached}))
    """
)


def _knowledge_load(runs: int, tmp: Path) -> dict:
    r = subprocess.run([sys.executable, "-c", _LOAD, str(max(runs, 3))], env=_env(tmp), cwd=ROOT,
                       capture_output=True, text=True, timeout=600)  # fmt: skip
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-1000:])
    return json.loads(r.stdout)


_MEMORY = textwrap.dedent(
    """
    import datetime as dt, gc, json, sys
    def rss():
        fields = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
    start = rss()[0]
    from benchmarks import corpus
    from bot.engine import Engine, TOKYO
    texts = corpus.messages(50, 200) + corpus.messages(300, 200) + corpus.messages(4096, 100)
    gc.collect()
    base = rss()[0]
    engine = Engine.load()
    at = dt.datetime(2026, 11, 27, 13, 0, tzinfo=TOKYO)
    gc.collect()
    loaded = rss()[0]
    n = int(sys.argv[1])
    for i in range(n):
        engine.reply(texts[i % len(texts)], at)
    gc.collect()
    after, peak = rss()
    print(json.dumps({"rss_start": start, "rss_corpus": base, "rss_loaded": loaded, "rss_after": after,
                      "peak": peak, "answers": n}))
    """
)


def _memory(answers: int, env: dict[str, str]) -> dict:
    r = subprocess.run([sys.executable, "-c", _MEMORY, str(answers)], env=env, cwd=ROOT, capture_output=True,
                       text=True, timeout=900)  # fmt: skip
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-1000:])
    return json.loads(r.stdout)
