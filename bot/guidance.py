"""The guidance texts (knowledge/guidance.<lang>.yaml): sections of short points with sources, and
the fixed interface strings (`ui`). Both languages must have the same sections, the same number
of points in each, and the same ui keys."""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass
from typing import Any

from bot.schema import Node, Problems

# The ui strings the engine and the channels use, with the placeholders each must contain.
UI_KEYS: dict[str, frozenset[str]] = {
    "headline_referral": frozenset(),
    "headline_referral_danger": frozenset(),
    "headline_victim": frozenset(),
    "headline_victim_child": frozenset(),
    "headline_help": frozenset(),
    "ask_place": frozenset(),
    "ask_which": frozenset({"names"}),
    "centers_title": frozenset({"prefecture"}),
    "contacts_title": frozenset(),
    "unnamed_center": frozenset({"prefecture"}),
    "phone_unverified": frozenset(),
    "phone_none": frozenset(),
    "status_always": frozenset(),
    "status_open": frozenset({"until"}),
    "status_closed": frozenset({"next"}),
    "status_closed_no_next": frozenset(),
    "status_unknown": frozenset(),
    "out_of_hours_callcenter": frozenset(),
    "out_of_hours_center": frozenset(),
    "out_of_hours_unknown": frozenset(),
    "hours_label": frozenset(),
    "holidays_closed": frozenset(),
    "website_label": frozenset(),
    "area_label": frozenset(),
    "male_only": frozenset(),
    "footer": frozenset({"date"}),
    "weekdays": frozenset(),
    "date_format": frozenset({"month", "day", "weekday", "time"}),
    "today_format": frozenset({"time"}),
    "action_choose_prefecture": frozenset(),
    "action_region": frozenset({"region"}),
    "action_lang": frozenset(),
    "action_minor": frozenset(),
    "action_partner": frozenset(),
    "action_danger": frozenset(),
    "action_acute": frozenset(),
    "action_late": frozenset(),
    "action_carer": frozenset(),
    "action_pharmacy": frozenset(),
    "action_website": frozenset(),
    "action_back": frozenset(),
    "start": frozenset(),
    "privacy_short": frozenset(),
    "numbers_title": frozenset(),
    "error_apology": frozenset(),
    "unknown_prefecture": frozenset({"name"}),
    "did_you_mean": frozenset({"names"}),
    "group_note": frozenset(),  # LINE, greeting in a group
    "lang_note": frozenset(),  # Telegram, /lang
    "commands_title": frozenset(),  # Telegram: the command menu and the help's list
    "command_start": frozenset(),
    "command_help": frozenset(),
    "command_center": frozenset(),
    "command_numbers": frozenset(),
    "command_privacy": frozenset(),
    "command_lang": frozenset(),
}


@dataclass(frozen=True)
class Point:
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class GuidanceSection:
    id: str
    title: str
    points: tuple[Point, ...]
    facts: bool = True


@dataclass(frozen=True)
class Guidance:
    lang: str
    checked_on: dt.date | None
    sections: dict[str, GuidanceSection]
    ui: dict[str, Any]

    def t(self, key: str, **values: Any) -> str:
        """A ui string with its placeholders filled."""
        return self.ui[key].format(**values) if values else self.ui[key]


def _placeholders(s: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(s) if name}


def load_guidance(doc: Node, lang: str) -> Guidance:
    doc.only("meta", "sections", "ui")
    meta = doc.child("meta")
    checked_on = None
    if meta is not None and meta.is_mapping():
        meta.only("lang", "checked_on", "reviewed_against")
        if meta.text("lang") not in ("", lang):
            meta.error(f"expected lang {lang!r} for this file", "lang")
        checked_on = meta.date("checked_on")

    sections: dict[str, GuidanceSection] = {}
    secs = doc.child("sections")
    if secs is not None and secs.is_mapping():
        for sid in secs.value:
            node = secs.child(str(sid))
            if node is None or not node.is_mapping():
                continue
            node.only("title", "facts", "points")
            facts = node.get("facts", bool, required=False, default=True)
            points = []
            for p in node.items("points"):
                if not p.is_mapping():
                    continue
                p.only("text", "sources")
                text = p.text("text")
                sources = p.urls("sources", required=facts, min_items=1 if facts else 0)
                if facts and not sources and isinstance(p.value, dict) and "sources" in p.value:
                    p.error("a guidance point needs at least one source URL", "sources")
                points.append(Point(text, sources))
            if not points:
                node.error("a section needs at least one point", "points")
            sections[str(sid)] = GuidanceSection(str(sid), node.text("title"), tuple(points), facts)

    ui: dict[str, Any] = {}
    ui_node = doc.child("ui")
    if ui_node is not None and ui_node.is_mapping():
        for key, v in ui_node.value.items():
            if key not in UI_KEYS:
                ui_node.error("unknown ui key", str(key))
                continue
            if key == "weekdays":
                if not (isinstance(v, list) and len(v) == 7 and all(isinstance(x, str) for x in v)):
                    ui_node.error("expected a list of 7 weekday names, Monday first", key)
                    continue
            elif not isinstance(v, str) or not v.strip():
                ui_node.error("expected a non-empty string", key)
                continue
            else:
                missing = UI_KEYS[key] - _placeholders(v)
                unknown = _placeholders(v) - UI_KEYS[key]
                if missing:
                    ui_node.error(f"missing placeholder(s) {sorted(missing)}", key)
                if unknown:
                    ui_node.error(f"unknown placeholder(s) {sorted(unknown)}", key)
            ui[key] = v
        for key in UI_KEYS:
            if key not in ui_node.value:
                ui_node.error("missing", key)
    return Guidance(lang, checked_on, sections, ui)


def cross_check(by_lang: dict[str, Guidance], problems: Problems) -> None:
    """Every language has the same sections with the same number of points."""
    if len(by_lang) < 2:
        return
    base = by_lang.get("ja") or by_lang[sorted(by_lang)[0]]  # Japanese first: the reference text
    for lang in sorted(set(by_lang) - {base.lang}):
        other = by_lang[lang]
        file = f"guidance.{lang}.yaml"
        for sid in base.sections.keys() - other.sections.keys():
            problems.error(file, f"sections.{sid}", f"missing (present in guidance.{base.lang}.yaml)")
        for sid in other.sections.keys() - base.sections.keys():
            problems.error(file, f"sections.{sid}", f"not in guidance.{base.lang}.yaml")
        for sid in base.sections.keys() & other.sections.keys():
            a, b = len(base.sections[sid].points), len(other.sections[sid].points)
            if a != b:
                problems.error(file, f"sections.{sid}.points", f"{b} points, but guidance.{base.lang}.yaml has {a}")
