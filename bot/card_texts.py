"""The printable card's own texts (knowledge/card.yaml): read, validated with key paths, checked
for numbers the knowledge does not hold. Loaded by bot/knowledge.py's check and by bot/card.py."""

from __future__ import annotations

import datetime as dt
import re
import string
from dataclasses import dataclass
from pathlib import Path

from bot.facts import Text, load_contacts, warn_if_stale
from bot.schema import KnowledgeError, Node, Problems, load_yaml


class CardError(Exception):
    """An expected problem making a card (unknown prefecture, bad link, no font): one line for the user."""


CARD_FILE = "card.yaml"
LINES = 5  # the "what to do now" lines
LANGS = ("ja", "en")
MAX_LINE = {"ja": 80, "en": 160}  # characters: about two printed lines on an A6 card
# The card's labels and the placeholders each must contain.
LABELS: dict[str, frozenset[str]] = {
    "kicker": frozenset(),
    "title": frozenset({"prefecture"}),
    "onestop": frozenset(),
    "danger": frozenset(),
    "child": frozenset(),
    "what_to_do": frozenset(),
    "checked": frozenset({"date"}),
    "sources": frozenset(),
    "more": frozenset({"n"}),
    "qr_link": frozenset(),
    "qr_website": frozenset(),
}
# A phone number written the way numbers are published (what check_card looks for in the card's texts).
NUMBER_IN_TEXT_RE = re.compile(
    r"#\d{4}|(?<![\d-])0\d{1,4}-\d{1,4}-\d{2,4}(?![\d-])|(?<![\d.])(?:110|119|189)(?![\d.])"
)


@dataclass(frozen=True)
class Line:
    text: Text
    sources: tuple[str, ...]


@dataclass(frozen=True)
class CardTexts:
    checked_on: dt.date | None
    what_to_do: tuple[Line, ...]
    labels: dict[str, Text]
    label_sources: dict[str, tuple[str, ...]]

    def label(self, key: str, lang: str, **values: object) -> str:
        s = self.labels[key].get(lang)
        return s.format(**values) if values else s


def _placeholders(s: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(s) if name}


def _bilingual(node: Node, extra: tuple[str, ...] = ()) -> Text | None:
    node.only("ja", "en", *extra)
    ja, en = node.text("ja"), node.text("en")
    return Text(ja, en) if ja and en else None


def load_card_texts(doc: Node, national_numbers: frozenset[str] | None = None) -> CardTexts:
    """Read a card.yaml document; every problem goes to `doc.problems` with its key path.
    `national_numbers`: the numbers in national.yaml, the only ones the card's texts may name."""
    doc.only("meta", "what_to_do", "labels")
    checked_on = None
    meta = doc.child("meta")
    if meta is not None and meta.is_mapping():
        meta.only("checked_on", "reviewed_against")
        checked_on = meta.date("checked_on")
        meta.text("reviewed_against")

    lines: list[Line] = []
    for n in doc.items("what_to_do"):
        if not n.is_mapping():
            continue
        text = _bilingual(n, ("sources",))
        sources = n.urls("sources")
        if "sources" in n.value and not sources:
            n.error("a line needs at least one source URL", "sources")
        if text is None:
            continue
        for lang in LANGS:
            if len(text.get(lang)) > MAX_LINE[lang]:
                n.error(f"{len(text.get(lang))} characters; at most {MAX_LINE[lang]} fit on an A6 card", lang)
        lines.append(Line(text, sources))
    items = doc.value.get("what_to_do")
    if isinstance(items, list) and len(items) != LINES:
        doc.error(f"expected exactly {LINES} lines, found {len(items)}", "what_to_do")

    labels: dict[str, Text] = {}
    label_sources: dict[str, tuple[str, ...]] = {}
    node = doc.child("labels")
    if node is not None and node.is_mapping():
        for key in node.value:
            if key not in LABELS:
                node.error(f"unknown label (known: {', '.join(LABELS)})", str(key))
                continue
            child = node.child(key)
            if child is None or not child.is_mapping():
                continue
            text = _bilingual(child, ("sources",))
            if "sources" in child.value:
                label_sources[key] = child.urls("sources")
            if text is None:
                continue
            for lang in LANGS:
                found = _placeholders(text.get(lang))
                if found != LABELS[key]:
                    want = ", ".join(sorted(LABELS[key])) or "none"
                    child.error(f"placeholders {sorted(found)}; expected: {want}", lang)
            labels[key] = text
        for key in LABELS:
            if key not in node.value:
                node.error("missing", key)

    if national_numbers is not None:  # the card's own texts name no number the knowledge does not hold
        texts = [(f"what_to_do[{i}]", line.text) for i, line in enumerate(lines)]
        texts += [(f"labels.{k}", t) for k, t in labels.items()]
        for where, text in texts:
            for lang in LANGS:
                for number in NUMBER_IN_TEXT_RE.findall(text.get(lang)):
                    if number not in national_numbers:
                        doc.error(f"{number} is not a national number in national.yaml: numbers come from "
                                  "centers.yaml and national.yaml, never from the card's texts",
                                  f"{where}.{lang}")  # fmt: skip
    return CardTexts(checked_on, tuple(lines), labels, label_sources)


def _read(directory: Path, problems: Problems) -> CardTexts | None:
    national = Problems()  # national.yaml's own problems are check-knowledge's to report, not ours
    doc = load_yaml(directory / "national.yaml", national)
    numbers = None
    if doc is not None:
        numbers = frozenset(n.number for c in load_contacts(doc) for n in c.numbers)
    start = len(problems.errors)
    doc = load_yaml(directory / CARD_FILE, problems)
    if doc is None:
        return None
    texts = load_card_texts(doc, numbers)
    return None if len(problems.errors) > start else texts


def check_card(directory: Path, problems: Problems, today: dt.date | None = None) -> None:
    """Validate knowledge/card.yaml in `directory`; each problem is added with file and key path.
    With `today`, also warn when the card's texts were checked more than STALE_DAYS before it."""
    texts = _read(Path(directory), problems)
    if texts is not None and today:
        warn_if_stale(problems, CARD_FILE, "meta.checked_on", texts.checked_on, today)


def load_card(directory: Path | str) -> CardTexts:
    """The card texts in `directory`; KnowledgeError listing every problem if they are broken."""
    problems = Problems()
    texts = _read(Path(directory), problems)
    if texts is None:
        raise KnowledgeError(problems.errors or [*problems])
    return texts
