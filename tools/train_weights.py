"""Train knowledge/weights.json (bot.learned) from the labelled development sets.

    pip install -e '.[train]'
    python tools/train_weights.py            # writes knowledge/weights.json
    python tools/train_weights.py --cv       # and prints six-fold grouped cross-validation figures first

Reads tests/corpus/messages.jsonl and tests/corpus/dev*.jsonl, never heldout*.jsonl: the held-out
sets stay text the weights have not seen. Retrain after every change to knowledge/rules.yaml or to
the development sets (check-knowledge warns when the weights are older than either).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import knowledge as knowledge_mod  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.evaluate import DEFAULT_AT  # noqa: E402
from bot.learned import (  # noqa: E402
    DECISION_NAMES,
    FLAG_DECISIONS,
    KEEP,
    KEEP_DECISIONS,
    Learned,
    load_learned,
    may_add,
    may_drop,
)
from bot.model import FLAGS, INTENT_HELP, INTENT_REFERRAL, INTENT_VICTIM  # noqa: E402
from bot.rules import Rules  # noqa: E402
from bot.schema import Node, Problems  # noqa: E402

C = 3.0  # inverse strength of the L2 penalty: six-fold grouped cross-validation errors with letter pairs 5,098 (C=1.5), 5,080 (3), 5,109 (6)
# chosen on six-fold grouped cross-validation over the development sets (BENCHMARKS.md, nineteenth
# session), a missed safety reading weighed above a false one: danger 0.3 (0.25 misses 29 fewer, 56
# more false), acute 0.3; carer 0.3 (23 fewer missed, 14 more false than 0.4); case 0.3 (a missed
# case costs more: 18 fewer missed, 7 more questions read as cases); help 0.8 (0.7 reads 23 fewer
# questions as cases and 9 more cases as questions, among them a place alone: 当院は横浜市です);
# keep_<flag>: taken back below it (acute 0.4: on six-fold CV 11 wrongly taken back and 137 false kept,
# against 5 and 156 at 0.2; a stated 被害にあったのは今日 is never taken back (may_drop), and a time
# taken back is unknown, so the 72-hour actions are still shown, as conditions;
# minor 0.3, not 0.4: a child's answer lost costs more than one given; pharmacy 0.3: 30 of 74 false
# pharmacies taken back, 2 true ones; pharmacy added at 0.5: 11 found, none wrongly; keep_danger 0.02,
# never where the rules read the one who did it here: 117 of 632 false dangers taken back, no true one,
# against 133 and 1 without that guard, 175 and 3 at 0.05); late 0.7, added only where the rules read no
# time (six-fold CV: 33 of 515 missed lates found for 1 more false, against 46 for 5 at 0.5: a false late
# hides the 72-hour actions)
THRESHOLDS = {"danger": 0.3, "carer": 0.3, "acute": 0.3, "partner": 0.5, "pharmacy": 0.5, "victim": 0.5, "help": 0.8, "case": 0.3,
              "keep_acute": 0.4, "keep_partner": 0.5, "keep_carer": 0.5, "keep_minor": 0.3, "keep_pharmacy": 0.3,
              "keep_danger": 0.02, "late": 0.7}
MIN_WEIGHT = 0.03  # smaller weights are dropped: at 0.005 the same decisions from twice the file (BENCHMARKS.md)
WHOSE = (INTENT_VICTIM, INTENT_REFERRAL)
COUNTED = (*FLAG_DECISIONS, "minor")  # the flags the decisions change: their errors, with and without weights


def corpus_files(corpus: Path) -> list[Path]:
    return [corpus / "messages.jsonl", *sorted(corpus.glob("dev*.jsonl"))]


def rows(engine: Engine, files: list[Path]) -> list[dict]:
    """Each message's cues and labels, read by the rules alone. A word that names a place (okinawa,
    sapporo) is no cue: where a message comes from says nothing of danger or whose story it is."""
    places: dict[str, bool] = {}

    def place(cue: str) -> bool:
        if not cue.startswith("w:"):
            return False
        if cue not in places:
            places[cue] = engine.kb.locator.find(cue[2:], normalized=True).found
        return places[cue]

    out = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            expect = item["expect"]
            at = dt.datetime.fromisoformat(item["at"]) if item.get("at") else DEFAULT_AT
            _, _, facts, _ = engine.read(item["text"], at=at)
            out.append({
                "set": path.stem, "cues": frozenset(c for c in facts.cues if not place(c)), "flags": facts.flags,
                "intent": engine.kb.rules.intent(facts), "expect": expect,
            })  # fmt: skip
    return out


def examples(name: str, data: list[dict]) -> tuple[list[dict], list[int]]:
    """The rows a decision learns from, and their answers."""
    if name == "victim":  # the rules chose victim or referral, and so did the label
        picked = [r for r in data if r["intent"] in WHOSE and r["expect"].get("intent") in WHOSE]
        return picked, [int(r["expect"]["intent"] == INTENT_VICTIM) for r in picked]
    if name == "help":  # the rules chose victim or referral: was it a case at all?
        picked = [r for r in data if r["intent"] in WHOSE and r["expect"].get("intent")]
        return picked, [int(r["expect"]["intent"] == INTENT_HELP) for r in picked]
    if name in KEEP_DECISIONS:  # the rules set the flag, weights may take it back (may_drop) and the label says
        flag = name[len(KEEP) :]
        picked = [r for r in data if flag in r["flags"] and may_drop(flag, r["cues"])
                  and (flag in r["expect"].get("flags", ()) or flag in r["expect"].get("not_flags", ()))]  # fmt: skip
        return picked, [int(flag in r["expect"].get("flags", ())) for r in picked]
    if name == "case":  # the rules read no case: was it one after all?
        picked = [r for r in data if r["intent"] == INTENT_HELP and r["expect"].get("intent")]
        return picked, [int(r["expect"]["intent"] in WHOSE) for r in picked]
    if name == "late":  # added only where the rules read no time (may_add): learned where they read none
        picked = [r for r in data if r["expect"].get("intent") in WHOSE and "late" not in r["flags"] and may_add("late", r["cues"])]
        return picked, [int("late" in r["expect"].get("flags", ())) for r in picked]
    picked = [r for r in data if r["expect"].get("intent") in WHOSE]  # a flag is read only in a case
    return picked, [int(name in r["expect"].get("flags", ())) for r in picked]


def fit(name: str, data: list[dict], c: float):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    picked, y = examples(name, data)
    if len(set(y)) < 2:
        return None  # nothing to learn: every example says the same
    vec = DictVectorizer()
    x = vec.fit_transform([dict.fromkeys(r["cues"], 1) for r in picked])
    model = LogisticRegression(C=c, max_iter=5000)
    model.fit(x, y)
    weights = {k: round(float(w), 4) for k, w in zip(vec.get_feature_names_out(), model.coef_[0], strict=True)
               if abs(w) >= MIN_WEIGHT}  # fmt: skip
    return round(float(model.intercept_[0]), 4), dict(sorted(weights.items()))


def decisions(trained: dict[str, tuple[float, dict] | None]) -> dict[str, dict]:
    """The `decisions` of weights.json, from what `fit` returned for each."""
    return {n: {"bias": t[0], "threshold": THRESHOLDS[n], "weights": t[1]} for n, t in trained.items() if t is not None}


def learned(trained: dict[str, tuple[float, dict] | None], rules: Rules) -> Learned:
    """The weights as the bot reads them: through bot.learned's own loader, checks and all."""
    problems = Problems()
    doc = Node({"decisions": decisions(trained)}, knowledge_mod.WEIGHTS, "", problems)
    made = load_learned(doc, sets=rules.keyword_sets, flags=FLAGS, rules=[r.id for r in rules.intent_rules])
    if problems.errors:
        raise SystemExit("\n".join(str(p) for p in problems.errors))
    return made


def errors(data: list[dict], model: Learned | None) -> dict[str, int]:
    """The errors as `referral-bot evaluate` counts them, by decision: a wrong victim/referral, a
    flag expected and missing, a flag set that must not be."""
    out = dict.fromkeys(["whose", "help read as a case", "case read as help",
                         *(f"{f} {k}" for f in COUNTED for k in ("missing", "unwanted"))], 0)  # fmt: skip
    for r in data:
        intent, flags = r["intent"], r["flags"]
        if model is not None:  # as Rules.facts: flags are added only where the reading is a case
            intent = model.intent(intent, r["cues"])
            added = model.added_flags(flags, r["cues"]) if intent in WHOSE else frozenset()
            flags = (flags - model.dropped_flags(flags, r["cues"])) | added
        want = r["expect"]
        if want.get("intent") in WHOSE and intent in WHOSE and intent != want["intent"]:
            out["whose"] += 1
        out["help read as a case"] += want.get("intent") == INTENT_HELP and intent in WHOSE
        out["case read as help"] += want.get("intent") in WHOSE and intent == INTENT_HELP
        for f in COUNTED:
            out[f"{f} missing"] += f in want.get("flags", ()) and f not in flags
            out[f"{f} unwanted"] += f in want.get("not_flags", ()) and f in flags
    return out


def cross_validate(data: list[dict], c: float, rules: Rules, folds: int = 6) -> None:
    """Grouped cross-validation: whole development sets per fold (the n-th set, in name order, in fold
    n % folds), each fold read by weights trained on the others and on messages.jsonl."""
    sets = sorted({r["set"] for r in data if r["set"] != "messages"})
    fold = {s: i % folds for i, s in enumerate(sets)}
    dev = [r for r in data if r["set"] != "messages"]
    after = dict.fromkeys(errors([], None), 0)
    for k in range(folds):
        train = [r for r in data if fold.get(r["set"]) != k]
        model = learned({n: fit(n, train, c) for n in DECISION_NAMES}, rules)
        for name, v in errors([r for r in dev if fold[r["set"]] == k], model).items():
            after[name] += v
    base = errors(dev, None)
    print(f"{folds}-fold grouped cross-validation over {len(sets)} development sets ({len(dev)} messages), C={c}:")
    for k in base:
        print(f"  {k:<20} rules alone {base[k]:>4}   with weights {after[k]:>4}")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--knowledge", type=Path, default=ROOT / "knowledge")
    ap.add_argument("--corpus", type=Path, default=ROOT / "tests" / "corpus")
    ap.add_argument("--out", type=Path, help="default: weights.json in --knowledge")
    ap.add_argument("--cv", action="store_true", help="print grouped cross-validation figures first (whole sets per fold)")
    ap.add_argument("--folds", type=int, default=6, help="folds of --cv (default 6)")
    ap.add_argument("-C", type=float, default=C)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:  # the rules alone: the old weights may be stale
        plain = Path(tmp) / "knowledge"
        shutil.copytree(args.knowledge, plain, ignore=shutil.ignore_patterns(knowledge_mod.WEIGHTS))
        kb = knowledge_mod.load(plain)
    engine = Engine(replace(kb, rules=replace(kb.rules, learned=Learned((), None))))  # cues, no weights
    files = corpus_files(args.corpus)
    data = rows(engine, files)
    if args.cv:
        cross_validate(data, args.C, engine.kb.rules, args.folds)
    trained = {n: t for n in DECISION_NAMES if (t := fit(n, data, args.C)) is not None}
    doc = {
        "meta": {
            "about": "bot/learned.py: logistic weights over the rules' cues and the words; "
                     "trained by tools/train_weights.py, never on the held-out sets",
            "trained_on": [f.name for f in files],
            "corpus_sha256": {f.name: sha256(f) for f in files},
            "rules_sha256": sha256(args.knowledge / "rules.yaml"),
            "messages": len(data),
            "C": args.C,
        },
        "decisions": decisions(trained),
    }  # fmt: skip
    out = args.out or args.knowledge / knowledge_mod.WEIGHTS
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=0, sort_keys=False) + "\n", encoding="utf-8")
    sizes = ", ".join(f"{n} {len(w)}" for n, (_, w) in trained.items())
    print(f"wrote {out} from {len(data)} messages (weights: {sizes})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
