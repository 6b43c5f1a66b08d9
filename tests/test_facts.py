"""The facts layer: the shipped centers and contacts, and every kind of validation error, each named
with its file and key path. (Agreement with the researched reference, which lives outside the
repository, is tools/check_reference.py's job, run by .ci/run.)"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bot.facts import CONTACT_IDS, PREFECTURES, Text, load_centers, load_contacts, stale
from bot.schema import Problems, load_yaml

ROOT = Path(__file__).parents[1]
KNOWLEDGE = ROOT / "knowledge"


def _load(path: Path, loader):
    problems = Problems()
    node = load_yaml(path, problems)
    result = loader(node) if node is not None else ()
    return result, problems


@pytest.fixture(scope="module")
def shipped():
    centers, p1 = _load(KNOWLEDGE / "centers.yaml", load_centers)
    contacts, p2 = _load(KNOWLEDGE / "national.yaml", load_contacts)
    return centers, contacts, [*p1, *p2]


# -- the shipped files ---------------------------------------------------------------------------
def test_shipped_files_load_with_no_problem(shipped):
    centers, contacts, problems = shipped
    assert [str(p) for p in problems] == []
    assert len(centers) == 51
    assert {c.id for c in contacts} == set(CONTACT_IDS)


def test_all_47_prefectures_have_a_center(shipped):
    centers, _, _ = shipped
    assert {c.prefecture for c in centers} == set(PREFECTURES)


def test_unverified_numbers_are_never_shown(shipped):
    centers, _, _ = shipped
    for c in centers:
        if not c.verified:
            assert c.shown_phones == (), c.id
    osaka = next(c for c in centers if c.prefecture == "27")
    assert [p.number for p in osaka.phones] == ["072-330-0799"]  # pre-move number: kept for reviewers only
    assert osaka.shown_phones == ()


def test_moved_and_seasonal_centers_read_right(shipped):
    centers, _, _ = shipped
    by_id = {c.id: c for c in centers}
    # Osaka moved in 2025-10; the reference has no page after the move: link to none, not the old site
    assert by_id["osaka-withyou"].website is None
    # Okinawa: open 24 hours first, then the typhoon closure (not a bare "closed" above "open 24 hours")
    okinawa = by_id["okinawa-onestop"].hours
    assert okinawa.always_open is True
    assert okinawa.note.ja.startswith("24時間") and okinawa.note.en.startswith("Open 24 hours")


def test_closed_and_unverified_services_stay_out(shipped):
    _, contacts, _ = shipped
    ids = {c.id for c in contacts}
    assert not ids & {"male_hotline", "boy_hotline", "police_9110", "tokyo_child_hotline"}
    text = (KNOWLEDGE / "national.yaml").read_text(encoding="utf-8")
    for number in ("0120-213-533", "0120-210-109", "#9110", "0120-333-891", "03-6811-0850"):
        assert number not in text


def test_shimane_men_center_and_tokushima_branches(shipped):
    centers, _, _ = shipped
    men = [c for c in centers if c.audience == "male"]
    assert [(c.prefecture, c.verified) for c in men] == [("32", False)]
    tokushima = next(c for c in centers if c.prefecture == "36")
    assert [p.area is not None for p in tokushima.shown_phones] == [True, True, True]


# -- validation on small documents ---------------------------------------------------------------
CENTER = """\
  - id: test-center
    prefecture: "02"
    name: テストセンター
    nickname: null
    name_en: null
    audience: all
    verified: true
    phones:
      - {number: "03-1234-5678", verified: true, area: null}
    hours:
      always_open: false
      weekly:
        - {days: [mon, wed], open: "10:00", close: "21:00"}
      closed_on_holidays: true
      closed_dates: [{from: "12-29", to: "01-03"}]
      out_of_hours: callcenter
      note: {ja: 古い情報, en: old information}
    website: https://example.org/
    area: 青森県
    source_urls: [https://example.org/source]
    source_date: "2022-04-01"
    checked_on: 2026-11-27
    review_note: test entry
"""


def _filler(pref: str) -> str:
    return f"""\
  - id: filler-{pref}
    prefecture: "{pref}"
    name: null
    nickname: null
    name_en: null
    audience: all
    verified: false
    phones: []
    hours: {{always_open: null, weekly: [], closed_on_holidays: null, closed_dates: [], out_of_hours: unknown,
             note: null}}
    website: null
    area: 県
    source_urls: []
    source_date: unknown
    checked_on: 2026-11-27
    review_note: filler
"""


def centers_yaml(*entries: str, skip: tuple[str, ...] = ()) -> str:
    """A centers document: `entries` first (so they are centers[0], [1], ...), then a filler for every
    other prefecture, so the only problems are those of the entries under test."""
    covered = {"02"} if entries else set()
    fillers = [_filler(p) for p in PREFECTURES if p not in covered and p not in skip]
    meta = 'meta: {source: "test", checked_on: 2026-11-27}\n'
    return meta + "centers:\n" + "".join(entries) + "".join(fillers)


def check_centers(tmp_path: Path, text: str) -> list[tuple[str, str, str]]:
    path = tmp_path / "centers.yaml"
    path.write_text(text, encoding="utf-8")
    _, problems = _load(path, load_centers)
    return [(p.file, p.key, p.message) for p in problems]


def only_problem(problems: list[tuple[str, str, str]], key: str, fragment: str) -> None:
    """Exactly one problem, at `key` in centers.yaml/national.yaml, whose message contains `fragment`."""
    assert len(problems) == 1, problems
    file, where, message = problems[0]
    assert file in ("centers.yaml", "national.yaml")
    assert where == key, problems
    assert fragment in message, problems


def test_the_valid_snippet_has_no_problem(tmp_path):
    assert check_centers(tmp_path, centers_yaml(CENTER)) == []


@pytest.mark.parametrize(
    ("old", "new", "key", "fragment"),
    [
        ("    area: 青森県\n", "    area: 青森県\n    phone: x\n", "phone", "unknown key"),
        (
            "      out_of_hours: callcenter\n",
            "      out_of_hours: callcenter\n      open_24h: true\n",
            "hours.open_24h",
            "unknown key",
        ),
        ("    area: 青森県\n", "", "area", "missing"),
        ("    name_en: null\n", "", "name_en", "write null"),
        ("    review_note: test entry\n", "", "review_note", "missing"),
        ('close: "21:00"', 'close: "09:00"', "hours.weekly[0].close", "before it opens"),
        ('close: "21:00"', 'close: "10:00"', "hours.weekly[0].close", "before it opens"),
        ('open: "10:00"', 'open: "25:00"', "hours.weekly[0].open", "HH:MM"),
        ('open: "10:00"', 'open: "9:00"', "hours.weekly[0].open", "HH:MM"),
        ('open: "10:00"', "open: 10:00", "hours.weekly[0].open", "quoted"),
        ("days: [mon, wed]", "days: [mon, wednesday]", "hours.weekly[0].days[1]", "unknown day"),
        ("days: [mon, wed]", "days: [mon, hol]", "hours.weekly[0].days[1]", "unknown day"),
        ("days: [mon, wed]", "days: [mon, mon]", "hours.weekly[0].days[1]", "twice"),
        ("days: [mon, wed]", "days: []", "hours.weekly[0].days", "at least one day"),
        ('from: "12-29"', 'from: "12-32"', "hours.closed_dates[0].from", "MM-DD"),
        ('to: "01-03"', 'to: "02-30"', "hours.closed_dates[0].to", "MM-DD"),
        ('from: "12-29"', 'from: "12/29"', "hours.closed_dates[0].from", "MM-DD"),
        ("always_open: false", "always_open: null", "hours.always_open", "always_open is null"),
        ("out_of_hours: callcenter", "out_of_hours: police", "hours.out_of_hours", "one of"),
        ("audience: all", "audience: women", "audience", "one of"),
        ("id: test-center", "id: Test_Center", "id", "must match"),
        ("website: https://example.org/", "website: example.org", "website", "URL"),
        ("en: old information}", "}", "hours.note.en", "missing"),
        ("source_urls: [https://example.org/source]", "source_urls: []", "source_urls", "needs at least one"),
    ],
)
def test_each_center_problem_is_named_with_its_key_path(tmp_path, old, new, key, fragment):
    assert old in CENTER
    problems = check_centers(tmp_path, centers_yaml(CENTER.replace(old, new)))
    only_problem(problems, f"centers[0].{key}", fragment)


def test_overlapping_slots_on_one_day(tmp_path):
    entry = CENTER.replace(
        '        - {days: [mon, wed], open: "10:00", close: "21:00"}\n',
        '        - {days: [mon, wed], open: "10:00", close: "21:00"}\n'
        '        - {days: [wed], open: "20:00", close: "22:00"}\n',
    )
    only_problem(check_centers(tmp_path, centers_yaml(entry)), "centers[0].hours.weekly", "overlap on wed")


@pytest.mark.parametrize(
    "number",
    ["03-1234-567", "03-1234-56789", "0312345678", "03 1234 5678", "０３-１２３４-５６７８",
     "03-１２３４-５６７８", "+81-3-1234-5678", "8891", "#889", "119", "090-1234-567", "0120-12-345",
     "0570-12345", "03-1234-5678\n", "#8891\n", " 03-1234-5678"],
)  # fmt: skip
def test_malformed_phone_numbers_are_rejected(tmp_path, number):
    entry = CENTER.replace('"03-1234-5678"', json.dumps(number))  # a JSON string is a YAML string
    only_problem(check_centers(tmp_path, centers_yaml(entry)), "centers[0].phones[0].number", repr(number))


@pytest.mark.parametrize(
    "number",
    ["017-777-8349", "0884-23-5111", "090-2599-3105", "0120-31-8341", "0120-8891-77", "0570-064-810",
     "0570-079714", "#8891", "110", "189"],
)  # fmt: skip
def test_published_forms_of_japanese_numbers_are_accepted(tmp_path, number):
    entry = CENTER.replace('"03-1234-5678"', f'"{number}"')
    assert check_centers(tmp_path, centers_yaml(entry)) == []


@pytest.mark.parametrize(
    ("value", "fragment"), [('"48"', "01"), ('"00"', "01"), ('"2"', "01"), ("02", "quoted")]
)
def test_prefecture_codes_outside_01_to_47_are_rejected(tmp_path, value, fragment):
    entry = CENTER.replace('prefecture: "02"', f"prefecture: {value}")
    problems = check_centers(tmp_path, centers_yaml(entry))
    # the entry no longer covers Aomori, so the list also misses prefecture 02
    assert ("centers.yaml", "centers", "no center for prefecture(s) 02: all 47 must be listed") in problems
    only_problem([p for p in problems if p[1] != "centers"], "centers[0].prefecture", fragment)


def test_a_verified_number_on_an_unverified_center_is_rejected(tmp_path):
    entry = CENTER.replace("    verified: true\n", "    verified: false\n")
    problems = check_centers(tmp_path, centers_yaml(entry))
    only_problem(problems, "centers[0].phones[0].verified", "unverified center")


def test_an_unverified_number_on_an_unverified_center_is_fine(tmp_path):
    entry = CENTER.replace("verified: true", "verified: false")
    assert check_centers(tmp_path, centers_yaml(entry)) == []


def test_duplicate_ids_and_numbers_are_rejected(tmp_path):
    second = CENTER.replace("03-1234-5678", "03-8765-4321")
    only_problem(check_centers(tmp_path, centers_yaml(CENTER, second)), "centers[1].id", "duplicate id")
    third = CENTER.replace("id: test-center", "id: test-center-2")
    only_problem(check_centers(tmp_path, centers_yaml(CENTER, third)), "centers[1].phones[0].number",
                 "also listed at centers[0].phones[0]")  # fmt: skip


def test_a_missing_prefecture_is_named(tmp_path):
    only_problem(check_centers(tmp_path, centers_yaml(CENTER, skip=("13", "47"))), "centers", "13, 47")


def test_unknown_top_level_and_meta_keys(tmp_path):
    text = centers_yaml(CENTER).replace('meta: {source: "test", checked_on: 2026-11-27}',
                                        'meta: {source: "test", checked: 2026-11-27}')  # fmt: skip
    problems = check_centers(tmp_path, text)
    assert ("centers.yaml", "meta.checked", "unknown key (allowed: source, checked_on)") in problems
    assert ("centers.yaml", "meta.checked_on", "missing") in problems
    assert len(problems) == 2


# -- national contacts ---------------------------------------------------------------------------
def _contact(cid: str, number: str = "#8891") -> str:
    numbers = f'[{{number: "{number}", note: {{ja: 無料, en: free}}}}]' if number else "[]"
    return f"""\
  - id: {cid}
    label: {{ja: ラベル, en: label}}
    numbers: {numbers}
    hours: {{ja: 24時間, en: 24 hours}}
    for_whom: {{ja: 誰でも, en: anyone}}
    summary: {{ja: 一行, en: one line}}
    url: null
    verified: true
    source_urls: [https://example.org/]
    source_date: unknown
    checked_on: 2026-11-27
"""


def contacts_yaml(first: str | None = None, skip: tuple[str, ...] = ()) -> str:
    entries = [first] if first else []
    entries += [_contact(i) for i in CONTACT_IDS if i not in skip]
    return 'meta: {source: "test", checked_on: 2026-11-27}\ncontacts:\n' + "".join(entries)


def check_contacts(tmp_path: Path, text: str) -> list[tuple[str, str, str]]:
    path = tmp_path / "national.yaml"
    path.write_text(text, encoding="utf-8")
    _, problems = _load(path, load_contacts)
    return [(p.file, p.key, p.message) for p in problems]


def test_valid_contacts_have_no_problem(tmp_path):
    assert check_contacts(tmp_path, contacts_yaml(_contact("extra_line", ""))) == []


@pytest.mark.parametrize(
    ("old", "new", "key", "fragment"),
    [
        ("    url: null\n", "    url: null\n    website: null\n", "contacts[0].website", "unknown key"),
        ("    url: null\n", "", "contacts[0].url", "missing"),
        ("verified: true", "verified: false", "contacts[0].verified", "only verified"),
        ('"#8891"', '"#88"', "contacts[0].numbers[0].number", "not a Japanese phone number"),
        ("hours: {ja: 24時間, en: 24 hours}", "hours: {ja: 24時間, en: ''}", "contacts[0].hours.en", "empty"),
        ("id: extra_line", "id: extra-line", "contacts[0].id", "must match"),
    ],
)
def test_each_contact_problem_is_named_with_its_key_path(tmp_path, old, new, key, fragment):
    entry = _contact("extra_line")
    assert old in entry
    only_problem(check_contacts(tmp_path, contacts_yaml(entry.replace(old, new))), key, fragment)


def test_contacts_the_engine_needs_must_all_be_there(tmp_path):
    only_problem(check_contacts(tmp_path, contacts_yaml(skip=("child_189",))), "contacts", "child_189")


def test_duplicate_contact_ids_are_rejected(tmp_path):
    # the extra entry is contacts[0]; the regular police_110 follows as the third id of CONTACT_IDS
    at = 1 + CONTACT_IDS.index("police_110")
    only_problem(check_contacts(tmp_path, contacts_yaml(_contact("police_110"))), f"contacts[{at}].id",
                 "duplicate id 'police_110' (first at contacts[0])")  # fmt: skip


def test_labels_do_not_repeat_the_number_shown_beside_them(shipped):
    _, contacts, _ = shipped
    for c in contacts:
        for n in c.numbers:
            assert n.number not in c.label.ja and n.number not in c.label.en, c.id


def test_texts_are_read_in_both_languages(shipped):
    _, contacts, _ = shipped
    label = next(c for c in contacts if c.id == "onestop_8891").label
    assert label == Text(
        "ワンストップ支援センター 全国共通番号 (はやくワンストップ)",
        "One-stop support centers, national number",
    )
    assert label.get("en") == "One-stop support centers, national number"
    assert label.get("ja").startswith("ワンストップ")


# -- staleness -----------------------------------------------------------------------------------
def test_stale_warns_only_after_the_limit():
    checked = dt.date(2026, 11, 27)
    assert stale(checked, checked + dt.timedelta(days=180)) is None
    message = stale(checked, checked + dt.timedelta(days=181))
    assert message is not None and "181 days" in message
    assert stale(checked, checked + dt.timedelta(days=31), days=30) is not None
    assert "after today" in (stale(checked, checked - dt.timedelta(days=1)) or "")
