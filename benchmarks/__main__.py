"""python -m benchmarks [--quick] [--only SECTION ...] [--runs N] [--profile] [--out FILE.json]

Prints the table (machine in the header) and writes it as JSON under benchmarks/results/ (git-ignored;
latest.json is the last full run). Benchmarks assert nothing: they measure. See BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

SECTIONS = ("engine", "startup", "counts", "instances", "telegram", "slack")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[1])
    p.add_argument("--quick", action="store_true", help="small inputs and few runs: proves it works (for CI)")
    p.add_argument("--only", nargs="+", choices=SECTIONS, metavar="SECTION",
                   help=f"run only these sections ({', '.join(SECTIONS)})")  # fmt: skip
    p.add_argument("--runs", type=int, help="runs per figure (default 5, --quick 2)")
    p.add_argument("--profile", action="store_true", help="also print what dominates each layer (cProfile)")
    p.add_argument("--out", type=Path, help="JSON file to write (default: benchmarks/results/bench-DATE.json)")
    args = p.parse_args(argv)
    runs = args.runs or (2 if args.quick else 5)
    sections = args.only or SECTIONS

    from benchmarks import harness

    info = harness.machine(args.quick, runs)
    figures: list[harness.Figure] = []
    notes: list[str] = []
    extra: dict = {}
    started = time.perf_counter()
    engine = None

    def step(name: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {name}", file=sys.stderr, flush=True)

    if "engine" in sections or args.profile:
        from bot.engine import Engine

        engine = Engine.load()
    if "engine" in sections:
        from benchmarks import engine_bench

        step("engine")
        f, e = engine_bench.run(engine, runs, args.quick, notes)
        figures += f
        extra["engine"] = e
    if "startup" in sections:
        from benchmarks import startup

        step("start-up and memory")
        f, e = startup.run(runs, args.quick, notes)
        figures += f
        extra["startup"] = e
    if "counts" in sections:
        from benchmarks import counts_bench

        step("counts store")
        f, e = counts_bench.run(runs, args.quick, notes)
        figures += f
        extra["counts"] = e
    if "instances" in sections:
        from benchmarks import instances_bench

        step("several instances on PostgreSQL")
        f, e = instances_bench.run(runs, args.quick, notes)
        figures += f
        extra["instances"] = e
    for channel in ("telegram", "slack"):
        if channel in sections:
            from benchmarks import pipelines

            step(f"{channel} pipeline")
            f, e = pipelines.run(channel, runs, args.quick, notes)
            figures += f
            extra[channel] = e
    if args.profile:
        from benchmarks import profiles

        step("profiles")
        extra["profiles"] = profiles.run(engine, args.quick)

    info["load_after"] = list(os.getloadavg())
    info["seconds"] = round(time.perf_counter() - started, 1)
    print(harness.table(info, figures, notes))
    if args.profile:
        from benchmarks import profiles

        print()
        print(profiles.render(extra["profiles"]))
    path = harness.write_json(info, figures, notes, extra, args.out)
    print(f"\nwritten: {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
