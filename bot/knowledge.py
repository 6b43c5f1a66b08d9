"""Load and validate every knowledge file into one immutable Knowledge object.

Fail fast at start-up: `load()` raises KnowledgeError listing every problem with its file and key
path. `check()` returns the problems instead (errors, plus warnings for facts checked more than
STALE_DAYS ago) for `referral-bot check-knowledge`.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from bot.facts import Center, Contact, load_centers, load_contacts, stale
from bot.guidance import Guidance, cross_check, load_guidance
from bot.location import Locator
from bot.model import LANGS
from bot.rules import Rules, load_rules
from bot.schema import KnowledgeError, Problems, load_yaml

STALE_DAYS = 180


def default_dir() -> Path:
    """knowledge/ inside the installed package, or beside the package in a source checkout;
    $REFERRAL_KNOWLEDGE_DIR overrides both (for reviewers trying an edited copy)."""
    env = os.environ.get("REFERRAL_KNOWLEDGE_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    installed = here / "knowledge"
    return installed if installed.is_dir() else here.parent / "knowledge"


@dataclass(frozen=True)
class Knowledge:
    directory: Path
    centers: tuple[Center, ...]
    contacts: dict[str, Contact]
    guidance: dict[str, Guidance]
    rules: Rules
    locator: Locator
    checked_on: dt.date  # the oldest date a fact was checked: shown in every reply's footer

    def centers_in(self, prefecture: str) -> tuple[Center, ...]:
        return tuple(c for c in self.centers if c.prefecture == prefecture)


def _read(directory: Path, problems: Problems) -> Knowledge | None:
    try:
        locator = Locator.load(directory)
    except KnowledgeError as e:
        problems.extend(e.problems)
        locator = None

    centers: tuple[Center, ...] = ()
    doc = load_yaml(directory / "centers.yaml", problems)
    if doc is not None:
        centers = load_centers(doc)

    contacts: dict[str, Contact] = {}
    doc = load_yaml(directory / "national.yaml", problems)
    if doc is not None:
        contacts = {c.id: c for c in load_contacts(doc)}

    guidance: dict[str, Guidance] = {}
    for lang in LANGS:
        doc = load_yaml(directory / f"guidance.{lang}.yaml", problems)
        if doc is not None:
            guidance[lang] = load_guidance(doc, lang)
    cross_check(guidance, problems)

    rules = None
    doc = load_yaml(directory / "rules.yaml", problems)
    if doc is not None:
        section_ids = set().union(*(g.sections for g in guidance.values())) if guidance else set()
        rules = load_rules(doc, sections=section_ids, contacts=set(contacts))

    if problems.errors or locator is None or rules is None or len(guidance) != len(LANGS):
        return None
    dates = [c.checked_on for c in centers] + [c.checked_on for c in contacts.values()]
    dates += [g.checked_on for g in guidance.values() if g.checked_on]
    return Knowledge(directory, centers, contacts, guidance, rules, locator, min(dates))


def load(directory: Path | str | None = None) -> Knowledge:
    directory = Path(directory) if directory else default_dir()
    problems = Problems()
    kb = _read(directory, problems)
    if kb is None:
        raise KnowledgeError(problems.errors or [*problems])
    return kb


def check(directory: Path | str | None = None, today: dt.date | None = None) -> Problems:
    """Every problem in the knowledge files, errors first, then staleness warnings."""
    directory = Path(directory) if directory else default_dir()
    problems = Problems()
    kb = _read(directory, problems)
    if kb is not None:
        today = today or dt.date.today()
        for c in kb.centers:
            if stale(c.checked_on, today, STALE_DAYS):
                problems.warn("centers.yaml", f"centers[{c.id}].checked_on",
                              f"checked {c.checked_on}, more than {STALE_DAYS} days ago: check again")  # fmt: skip
        for c in kb.contacts.values():
            if stale(c.checked_on, today, STALE_DAYS):
                problems.warn("national.yaml", f"contacts[{c.id}].checked_on",
                              f"checked {c.checked_on}, more than {STALE_DAYS} days ago: check again")  # fmt: skip
        for g in kb.guidance.values():
            if g.checked_on and stale(g.checked_on, today, STALE_DAYS):
                problems.warn(f"guidance.{g.lang}.yaml", "meta.checked_on",
                              f"checked {g.checked_on}, more than {STALE_DAYS} days ago: check again")  # fmt: skip
    return problems
