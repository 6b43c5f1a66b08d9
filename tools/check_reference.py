#!/usr/bin/env python3
"""Compare knowledge/ with a researched reference directory (centers.yaml, national_resources.yaml).

usage: python tools/check_reference.py KNOWLEDGE_DIR REFERENCE_DIR

Prints every difference and exits 1 if there is any (2 if a directory cannot be read). The reference
lives outside the repository, so this runs in CI beside it (`.ci/run`), not in pytest.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml

from bot.facts import load_centers, load_contacts
from bot.schema import Problems, load_yaml

# Numbers verified on an official page, as of the reference pass of 2026-12-05: 20 verified entries,
# 19 with direct lines (Tokushima's three), Shizuoka none.
SHOWN_NUMBERS = 21
NATIONAL_NUMBERS = {"#8891", "0120-8891-77", "110", "#8103", "189", "#8008", "0120-279-889", "0570-079714"}
# not inside a longer run of letters and digits: a SHA-256 in weights.json's meta is no phone number
PHONE = re.compile(r"(?<![0-9A-Za-z-])(?:0\d{1,4}-\d{1,4}-\d{2,4}|0\d{9,10}|#\d{4})(?![0-9A-Za-z-])")


def _load(path: Path, loader):
    problems = Problems()
    node = load_yaml(path, problems)
    return (loader(node) if node is not None else ()), problems


def _ref_numbers(entry: dict) -> list[str]:
    return [p if isinstance(p, str) else p["number"] for p in entry["phones"] or []]


def _numbers(folder: Path, exts: set[str]) -> dict[str, set[str]]:
    """Every phone number in the folder's files, digits only (a #-number as written)."""
    out: dict[str, set[str]] = {}
    for p in folder.rglob("*"):
        if p.is_file() and p.suffix in exts:
            for m in PHONE.finditer(p.read_text(errors="replace")):
                number = m.group() if m.group().startswith("#") else re.sub(r"\D", "", m.group())
                out.setdefault(number, set()).add(p.name)
    return out


def differences(knowledge: Path, reference: Path) -> Iterator[str]:
    centers, p1 = _load(knowledge / "centers.yaml", load_centers)
    contacts, p2 = _load(knowledge / "national.yaml", load_contacts)
    for p in [*p1, *p2]:
        yield f"knowledge: {p}"
    with (reference / "centers.yaml").open(encoding="utf-8") as f:
        ref_centers = yaml.safe_load(f)["centers"]
    with (reference / "national_resources.yaml").open(encoding="utf-8") as f:
        resources = yaml.safe_load(f)["resources"]

    # the centers follow the reference entry by entry
    if len(centers) != len(ref_centers):
        yield f"centers: {len(centers)} in knowledge, {len(ref_centers)} in the reference"
    for c, r in zip(centers, ref_centers, strict=False):
        for field, ours, theirs in (
            ("prefecture", c.prefecture, r["pref_code"]),
            ("verified", c.verified, r["verified"]),
            ("phones", [p.number for p in c.phones], _ref_numbers(r)),
            ("source_urls", list(c.source_urls), r["source_urls"]),
            ("source_date", c.source_date, str(r["source_date"])),
        ):
            if ours != theirs:
                yield f"center {c.id}: {field} is {ours!r}, the reference has {theirs!r}"
        if not all(p.verified is r["verified"] for p in c.phones):
            yield f"center {c.id}: a phone's `verified` differs from the reference's {r['verified']!r}"

    # every shown number is verified in the reference
    verified = {(r["pref_code"], n) for r in ref_centers if r["verified"] for n in _ref_numbers(r)}
    shown = [(c.prefecture, p.number) for c in centers for p in c.shown_phones]
    for pref, number in shown:
        if (pref, number) not in verified:
            yield f"center number {number} ({pref}) is shown but not verified in the reference"
    if not len(shown) == len(verified) == SHOWN_NUMBERS:
        yield f"shown numbers: {len(shown)} shown, {len(verified)} verified, {SHOWN_NUMBERS} expected"

    # the national numbers come from the same reference resource
    by_id = {r["id"]: r for r in resources}
    for c in contacts:
        ref = by_id.get(c.id)
        if ref is None:
            yield f"contact {c.id}: not in the reference"
            continue
        if ref["verified"] is not True:
            yield f"contact {c.id}: not verified in the reference"
        ours, theirs = [n.number for n in c.numbers], [n["number"] for n in ref["numbers"]]
        if ours != theirs:
            yield f"contact {c.id}: numbers {ours!r}, the reference has {theirs!r}"
    numbers = {n.number for c in contacts for n in c.numbers}
    if numbers != NATIONAL_NUMBERS:
        yield f"national numbers: {sorted(numbers ^ NATIONAL_NUMBERS)} differ from the expected set"

    # every phone number anywhere in knowledge/ comes from the reference
    known = _numbers(reference, {".yaml", ".yml", ".md"})
    used = _numbers(knowledge, {".yaml", ".yml", ".json", ".toml", ".tsv", ".csv", ".md", ".txt"})
    if not used:
        yield "no phone number found in knowledge/"
    for number, files in sorted(used.items()):
        if number not in known:
            yield f"number {number}: not in the reference ({', '.join(sorted(files))})"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    knowledge, reference = Path(argv[0]), Path(argv[1])
    for d in (knowledge, reference):
        if not d.is_dir():
            print(f"check_reference: not a directory: {d}", file=sys.stderr)
            return 2
    found = list(differences(knowledge, reference))
    for line in found:
        print(line)
    if found:
        print(f"reference: {len(found)} difference(s) between {knowledge} and {reference}")
        return 1
    print(f"reference ok: {knowledge} agrees with {reference}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
