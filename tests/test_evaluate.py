"""`referral-bot evaluate`: accuracy per field and class, the failures listed, --floor, --json, bad lines."""

from __future__ import annotations

import json

import pytest

from bot import evaluate
from bot.cli import main
from bot.model import Case

# Sapporo is 01: WRONG expects 47, so its place is wrong
RIGHT = {"id": "ok1", "class": "place", "text": "当院は横浜市です。患者さんが性被害にあいました",
         "expect": {"lang": "ja", "intent": "referral", "prefecture": "14"}}  # fmt: skip
WRONG = {"id": "bad1", "class": "english", "text": "Our clinic is in Sapporo. A patient was assaulted.",
         "expect": {"lang": "en", "intent": "referral", "prefecture": "47"}}  # fmt: skip


def write(tmp_path, *items, name="c.jsonl"):
    path = tmp_path / name
    path.write_text(
        "\n".join(i if isinstance(i, str) else json.dumps(i, ensure_ascii=False) for i in items) + "\n",
        encoding="utf-8",
    )
    return str(path)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_right_and_a_wrong_entry(tmp_path, capsys):
    code, out, _ = run(capsys, "evaluate", write(tmp_path, RIGHT, WRONG))
    assert code == 0  # no floor: the numbers are information
    assert "2 entries, 1 with a wrong field" in out
    assert "place" in out and "50.0%  (1/2)" in out  # place: one of two
    assert "lang         100.0%  (2/2)" in out
    failures = out.split("failures (1):")[1]
    assert "bad1 [english] Our clinic is in Sapporo" in failures and "ok1" not in failures
    assert 'place: expected {"prefecture": "47", "candidates": []}' in failures
    assert '"prefecture": "01"' in failures  # what the engine read


def test_floor_exit_codes(tmp_path, capsys):
    both = write(tmp_path, RIGHT, WRONG)
    assert run(capsys, "evaluate", "--floor", "0.98", both)[0] == 1
    code, _, err = run(capsys, "evaluate", "--floor", "0.5", both)
    assert code == 0 and not err
    code, _, err = run(capsys, "evaluate", "--floor", "0.98", write(tmp_path, RIGHT, name="r.jsonl"))
    assert code == 0


def test_floor_names_the_field(tmp_path, capsys):
    code, _, err = run(capsys, "evaluate", "--floor", "0.98", write(tmp_path, RIGHT, WRONG))
    assert code == 1 and "below the floor 0.98: place" in err


def test_json_summary_and_failure_limit(tmp_path, capsys):
    other = {**WRONG, "id": "bad2", "expect": {"lang": "ja"}}
    code, out, _ = run(capsys, "evaluate", "--json", "--failures", "1", write(tmp_path, RIGHT, WRONG, other))
    assert code == 0
    data = json.loads(out)
    assert data["entries"] == 3 and data["failed"] == 2
    assert data["fields"]["place"] == {"accuracy": 0.5, "right": 1, "total": 2}
    assert data["fields"]["lang"]["total"] == 3
    assert [f["id"] for f in data["failures"]] == ["bad1"]
    assert data["failures"][0]["wrong"]["place"]["expected"] == {"prefecture": "47", "candidates": []}
    code, out, _ = run(capsys, "evaluate", "--failures", "0", write(tmp_path, RIGHT, WRONG, other))
    assert "failures (2, 2 not shown):" in out and "bad1" not in out


def test_bad_lines_are_named_by_line_not_a_traceback(tmp_path, capsys):
    path = write(tmp_path, RIGHT, "{not json", {"id": "x", "class": "c", "text": "t"}, "[1, 2]",
                 {**RIGHT, "id": "y", "expect": {"not_flag": ["acute"]}}, {**RIGHT})  # fmt: skip
    code, _, err = run(capsys, "evaluate", path)
    assert code == 2 and "Traceback" not in err
    assert f"{path}:2: not JSON" in err
    assert f"{path}:3: missing 'expect'" in err
    assert f"{path}:4: not a JSON object" in err
    assert f"{path}:5: unknown expect key(s) ['not_flag']" in err
    assert f"{path}:6: id 'ok1' already used at {path}:1" in err


def test_missing_file_is_one_line(tmp_path, capsys):
    code, _, err = run(capsys, "evaluate", str(tmp_path / "nope.jsonl"))
    assert code == 2 and "cannot read" in err and "Traceback" not in err


def _entry(expect, text="x"):
    return evaluate.Entry("e", "c", text, expect)


def test_flags_right_only_when_every_flag_set_and_no_not_flag():
    x = {"flags": ["acute"], "not_flags": ["late", "minor"]}
    assert evaluate.score(_entry(x), Case(flags=frozenset({"acute", "danger"}))).ok
    assert not evaluate.score(_entry(x), Case(flags=frozenset())).ok
    miss = evaluate.score(_entry(x), Case(flags=frozenset({"acute", "minor"}))).misses[0]
    assert miss.field == "flags" and miss.got["unwanted"] == ["minor"]


def test_place_compares_prefecture_and_candidates_together():
    x = {"prefecture": None, "candidates": ["34", "13"]}
    assert evaluate.score(_entry(x), Case(candidates=("13", "34"))).ok
    assert not evaluate.score(_entry(x), Case(prefecture="13")).ok
    assert not evaluate.score(_entry({"prefecture": "13"}), Case(prefecture="13", candidates=("13", "34"))).ok


@pytest.mark.parametrize(
    ("expected", "got", "ok"),
    [(None, None, True), (24, None, False), (None, 3, False), (3, 3.9, True), (3, 4.5, False),
     (168, 180, True), (168, 190, False), (0.5, 1.4, True)],
)  # fmt: skip
def test_hours_within_ten_percent_or_one_hour(expected, got, ok):
    assert evaluate.hours_match(expected, got) is ok


def test_at_reaches_the_engine():
    seen = []

    class Fake:
        def reply(self, text, at, **kw):
            seen.append(at)
            return type("R", (), {"case": Case()})()

    entries, problems = evaluate.parse(
        [json.dumps({**RIGHT, "at": "2026-11-27T21:30:00+09:00"}), json.dumps({**RIGHT, "id": "b"})]
    )
    assert not problems
    res = evaluate.evaluate(Fake(), entries)
    assert seen[0].isoformat() == "2026-11-27T21:30:00+09:00" and seen[1] == evaluate.DEFAULT_AT
    assert res.classes["place"].total == 2


def test_several_files_are_also_scored_apart(tmp_path, capsys):
    first, second = (
        write(tmp_path, RIGHT, name="a.jsonl"),
        write(tmp_path, {**WRONG, "id": "w"}, name="b.jsonl"),
    )
    code, out, _ = run(capsys, "evaluate", first, second)
    assert code == 0
    assert f"{first}  100.0%  (1/1)" in out and f"{second}    0.0%  (0/1)" in out
    code, out, _ = run(capsys, "evaluate", "--json", first, second)
    assert json.loads(out)["files"][second] == {"accuracy": 0.0, "right": 0, "total": 1}
