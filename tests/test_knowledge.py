"""The knowledge validator on broken files: each kind of error is reported with its file and key.
(Centers and contacts: tests/test_facts.py; place files: tests/test_location.py.)"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
import yaml

from bot import knowledge
from bot.schema import KnowledgeError, numbers_read_as_comments
from bot.text import normalize
from tests.conftest import KNOWLEDGE


@pytest.fixture
def copy(tmp_path):
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


def edit(folder, name, old, new, count=1):
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found in {name}: {old!r}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def errors(folder):
    return [str(p) for p in knowledge.check(folder, today=dt.date(2026, 12, 5)).errors]


def test_shipped_knowledge_has_no_problem():
    # the day the facts were last checked: a checked_on after `today` would be a warning
    assert list(knowledge.check(KNOWLEDGE, today=dt.date(2026, 12, 5))) == []


# the place of the acute-hours rule among the flag rules, which the error message names
ACUTE_HOURS = next(i for i, r in enumerate(yaml.safe_load((KNOWLEDGE / "rules.yaml").read_text(encoding="utf-8"))["flags"])
                   if r["id"] == "acute-hours")


def test_load_raises_with_every_problem(copy):
    edit(copy, "rules.yaml", "set: danger", "set: dangr")
    edit(copy, "guidance.en.yaml", "  status_unknown:", "  status_unknwn:")
    with pytest.raises(KnowledgeError) as e:
        knowledge.load(copy)
    text = str(e.value)
    assert "rules.yaml: flags[0].set: unknown flag 'dangr'" in text
    assert "guidance.en.yaml: ui.status_unknwn: unknown ui key" in text
    assert "guidance.en.yaml: ui.status_unknown: missing" in text


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("rules.yaml", "when: {affirmed: [danger]}", "when: {anny: [danger]}",
         "rules.yaml: flags[0].when: unknown condition kind 'anny'"),
        ("rules.yaml", "when: {affirmed: [danger]}", "when: {affirmed: [dangerous]}",
         "rules.yaml: flags[0].when.affirmed: unknown keyword set(s) ['dangerous']"),
        ("rules.yaml", "when: {hours_since_at_most: 72}", "when: {hours_since_at_most: soon}",
         f"rules.yaml: flags[{ACUTE_HOURS}].when.hours_since_at_most: expected a number"),
        ("rules.yaml", "\n  unsaid:\n", "\n  unsaidx:\n", "rules.yaml: doers: the doers fill a keyword set `unsaid`"),
        ("rules.yaml", "\ndoers: [persons,", "\ndoers: [personz,", "rules.yaml: doers: expected keyword set names"),
        ("rules.yaml", "- {ref: danger, if_flag: danger}", "- {ref: dnager, if_flag: danger}",
         "rules.yaml: show.referral.sections[0].ref: unknown guidance section 'dnager'"),
        ("rules.yaml", "      - onestop_8891\n      - {ref: child_189", "      - onestop_8892\n      - {ref: child_189",
         "rules.yaml: show.referral.contacts[1].ref: unknown contact 'onestop_8892'"),
        ("rules.yaml", "- {ref: medical_acute, if_flag: acute}", "- {ref: medical_acute, if_flag: acut}",
         "rules.yaml: show.referral.sections[2].if_flag: expected flag name(s)"),
        ("rules.yaml", "intent: victim\n", "intent: victims\n",
         "rules.yaml: intents[0].intent: unknown intent 'victims'"),
        ("rules.yaml", "  - id: partner-words", "  - id: danger-words",
         "rules.yaml: flags[1].id: duplicate rule id 'danger-words'"),
        ("rules.yaml", "    words:\n    - さっき\n", "    words:\n    - \"\"\n    - さっき\n",
         "rules.yaml: keywords.recent.words: expected a non-empty list of non-empty strings"),
        ("rules.yaml", "show:\n", "colour: blue\nshow:\n", "rules.yaml: colour: unknown key"),
        ("rules.yaml", "include: [gone_now, hidden]", "include: [gone_nowhere, hidden]",
         "rules.yaml: keywords.separated.include: unknown keyword set(s) or a set that includes others ['gone_nowhere']"),
        ("guidance.ja.yaml", "status_open: 現在受付中（{until}まで）", "status_open: 現在受付中",
         "guidance.ja.yaml: ui.status_open: missing placeholder(s) ['until']"),
        ("guidance.ja.yaml", "status_unknown: 受付時間は未確認", "status_unknown: 受付時間は{hours}",
         "guidance.ja.yaml: ui.status_unknown: unknown placeholder(s) ['hours']"),
        ("guidance.en.yaml", "weekdays: [Mon, Tue, Wed, Thu, Fri, Sat, Sun]", "weekdays: [Mon, Tue]",
         "guidance.en.yaml: ui.weekdays: expected a list of 7 weekday names"),
        ("guidance.en.yaml", "          - https://sarc-tokyo.org/about_sarc/\n", "          - sarc-tokyo.org\n",
         "guidance.en.yaml: sections.words.points[0].sources[0]: expected an http(s) URL"),
        ("guidance.en.yaml", "  victim_child:\n", "  victim_kid:\n",
         "guidance.en.yaml: sections.victim_child: missing (present in guidance.ja.yaml)"),
        ("guidance.en.yaml", "      - text: Tell them that sleeplessness", "      - text: Also, tell them that sleeplessness",
         None),  # a harmless edit: still valid
        ("guidance.ja.yaml", '"時間外に #8891 へかけると', "時間外に #8891 へかけると",
         "guidance.ja.yaml: line"),
        ("guidance.ja.yaml", "meta:\n  lang: ja", "meta:\n  lang: en",
         "guidance.ja.yaml: meta.lang: expected lang 'ja' for this file"),
        ("guidance.ja.yaml", "    title: 危険が迫っているとき\n", "    title: [危険]\n",
         "guidance.ja.yaml: sections.danger.title: expected str"),
        ("rules.yaml", "keywords:\n", "keywords:\n  : [\n", "rules.yaml: line"),
        ("rules.yaml", "  minor_weak:\n", "  minor_weak:\n    not_after: [grown]\n",  # YAML would keep the last
         "rules.yaml: line"),
        ("rules.yaml", "keywords:\n", "keywords:\n  ? [a, b]\n  : [c]\n", "rules.yaml: line"),  # a list as a key
        ("centers.yaml", 'unknown_dates: [{from: "12-28"', 'unknown_dates: [{from: "12-32"',
         "centers.yaml: centers[3].hours.unknown_dates[0].from: expected a real month-day"),
    ],
    ids=lambda v: v if isinstance(v, str) and v.endswith(".yaml") else None,
)  # fmt: skip
def test_each_kind_of_error_is_named(copy, file, old, new, expected):
    edit(copy, file, old, new)
    found = errors(copy)
    if expected is None:
        assert found == []
    else:
        assert any(e.startswith("error: " + expected) for e in found), found


def test_points_must_match_between_languages(copy):
    edit(copy, "guidance.en.yaml", "      - text: Tell them that sleeplessness, fear and self-blame are normal reactions.\n"
         "        sources:\n          - https://www.pref.fukui.lg.jp/doc/kenan/anzenanshin/seibouryoku.html\n"
         "          - http://fukuoka-vs.net/savs/\n", "")  # fmt: skip
    assert any("guidance.en.yaml: sections.words.points: 2 points, but guidance.ja.yaml has 3" in e for e in errors(copy))


def test_a_guidance_point_without_sources_is_refused(copy):
    edit(copy, "guidance.en.yaml", "        sources:\n          - https://sarc-tokyo.org/about_sarc/\n",
         "        sources: []\n")  # fmt: skip
    assert any(e.startswith("error: guidance.en.yaml: sections.words.points[0].sources") for e in errors(copy))


def test_a_missing_file_is_named(copy):
    (copy / "guidance.en.yaml").unlink()
    assert "error: guidance.en.yaml: file not found" in errors(copy)


def test_stale_facts_are_warnings_not_errors(copy):
    problems = knowledge.check(copy, today=dt.date(2027, 7, 1))
    assert problems.errors == []
    warnings = [str(p) for p in problems]
    assert any("centers.yaml: centers[okinawa-onestop].checked_on" in w for w in warnings)
    assert any("national.yaml: contacts[onestop_8891].checked_on" in w for w in warnings)
    assert any("guidance.en.yaml: meta.checked_on" in w for w in warnings)


def test_every_guidance_section_and_contact_is_used_by_a_rule(kb):
    used_sections = {s.ref for steps in kb.rules.sections.values() for s in steps}
    used_contacts = {s.ref for steps in kb.rules.contacts.values() for s in steps}
    assert used_sections == set(kb.guidance["ja"].sections)
    # contacts reached from /numbers only are listed by the engine's numbers_reply
    assert used_contacts | {"night_holiday_callcenter", "houterasu_victims", "curetime"} == set(kb.contacts)


def test_every_rule_has_a_golden_conversation_or_flag_test():
    """Each flag and intent rule is exercised: the flags by tests/test_rules.py, the intents by the
    golden conversations (tests/conversations/)."""
    import yaml

    from tests.test_rules import FLAG_CASES

    rules = yaml.safe_load((KNOWLEDGE / "rules.yaml").read_text(encoding="utf-8"))
    flags_tested = {f for _, f, e in FLAG_CASES if e}
    assert {r["set"] for r in rules["flags"]} <= flags_tested
    intents_seen = set()
    for path in (KNOWLEDGE.parent / "tests" / "conversations").glob("*.yaml"):
        intents_seen |= {c["intent"] for c in yaml.safe_load(path.read_text(encoding="utf-8"))}
    assert {r["intent"] for r in rules["intents"]} <= intents_seen


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("a: 時間外に #8891 へ\n", [1]),
        ('a: "時間外に #8891 へ"\n', []),
        ("# a comment with #8891\n", []),
        ("start: |-\n  全国 #8891\n  next\nb: x #8008\n", [4]),
        ("c: 3  # a note\n", []),
        ("- {number: '#8891', note: x}\n", []),
    ],
)
def test_numbers_read_as_comments(text, lines):
    assert numbers_read_as_comments(text) == lines


def test_check_knowledge_also_checks_the_card_texts(copy):
    edit(copy, "card.yaml", "\nmeta:\n", "\ncolour: blue\nmeta:\n")
    assert any(e.startswith("error: card.yaml: colour") for e in errors(copy)), errors(copy)


def test_broken_or_stale_weights_are_named_and_the_rules_read_alone_without_them(copy):
    (copy / "weights.json").write_text('{"decisions": {"danger": ', encoding="utf-8")
    assert any("weights.json" in e and "not valid JSON" in e for e in errors(copy))
    (copy / "weights.json").write_text('{"decisions": {"danger": {"bias": 0, "threshold": 0.5, '
                                       '"weights": {"a:no_such_set": 1}}}}', encoding="utf-8")  # fmt: skip
    assert any("a:no_such_set" in e and "retrain" in e for e in errors(copy))
    (copy / "weights.json").unlink()
    assert errors(copy) == [] and knowledge.load(copy).rules.learned is None


def test_weights_trained_with_another_rules_yaml_are_a_warning(copy):
    edit(copy, "rules.yaml", "fallback_intent: help", "fallback_intent: help  # edited after training")
    problems = knowledge.check(copy, today=dt.date(2026, 12, 5))
    assert not problems.errors
    assert any("weights.json" in str(p) and "retrain" in str(p) and p.level != "error" for p in problems)


def test_a_set_that_includes_another_reads_its_words(kb):
    # separated includes gone_now: a word of gone_now alone sets both, and takes back what each unless names
    assert {"gone_now", "separated"} <= kb.rules.facts(normalize("今は別れて連絡なし"), place=False).affirmed
    assert "separated" not in kb.rules.facts(normalize("今は別れて"), place=False).affirmed
