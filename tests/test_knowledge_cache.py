"""The knowledge cache: used when nothing it was built from changed, ignored when anything did or
when the file is not a private one of this user; never used by check()."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import pickle
import shutil

import pytest

from bot import knowledge
from tests.conftest import KNOWLEDGE

SENTINEL = dt.date(2000, 1, 1)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    where = tmp_path / "cache"
    monkeypatch.setenv("REFERRAL_CACHE_DIR", str(where))
    return where


@pytest.fixture
def folder(tmp_path):
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


def plant(path, kb):
    """Replace the cache file with a recognisable Knowledge: if load() returns it, it read the cache."""
    path.write_bytes(pickle.dumps(dataclasses.replace(kb, checked_on=SENTINEL)))
    os.chmod(path, 0o600)


def the_cache_file(cache):
    files = list(cache.glob("knowledge-*.pickle"))
    assert len(files) == 1, files
    return files[0]


def test_first_load_writes_a_private_cache_and_the_next_reads_it(cache, folder):
    kb = knowledge.load(folder)
    path = the_cache_file(cache)
    assert path.stat().st_mode & 0o777 == 0o600
    plant(path, kb)
    assert knowledge.load(folder).checked_on == SENTINEL


def test_cached_knowledge_answers_like_the_files(cache, folder):
    from bot.engine import Engine

    fresh = Engine(knowledge.load(folder, cache=False))
    knowledge.load(folder)
    cached = Engine(knowledge.load(folder))
    at = dt.datetime(2026, 11, 27, 13, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    for text in ("当院は横浜市です。昨夜、15歳の患者が性被害", "府中市 patient raped by her husband 3 hours ago"):
        assert cached.reply(text, at) == fresh.reply(text, at)
        assert cached.reply(text, at).text == fresh.reply(text, at).text


def test_an_edited_knowledge_file_misses_the_cache(cache, folder):
    kb = knowledge.load(folder)
    plant(the_cache_file(cache), kb)
    guidance = folder / "guidance.en.yaml"
    guidance.write_text(guidance.read_text(encoding="utf-8").replace("It is not your fault.", "You are not to blame."),
                        encoding="utf-8")  # fmt: skip
    again = knowledge.load(folder)
    assert again.checked_on != SENTINEL
    assert again.guidance["en"].sections["victim_now"].points[0].text == "You are not to blame."


def test_a_cache_others_could_write_is_ignored(cache, folder):
    kb = knowledge.load(folder)
    path = the_cache_file(cache)
    plant(path, kb)
    os.chmod(path, 0o666)
    assert knowledge.load(folder).checked_on != SENTINEL


def test_a_corrupt_cache_is_ignored(cache, folder):
    knowledge.load(folder)
    path = the_cache_file(cache)
    path.write_bytes(b"not a pickle")
    assert knowledge.load(folder).checked_on == dt.date(2026, 11, 27)


def test_cache_off_writes_nothing(tmp_path, monkeypatch, folder):
    monkeypatch.setenv("REFERRAL_CACHE_DIR", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    knowledge.load(folder)
    assert not (tmp_path / "xdg").exists()


def test_check_never_uses_the_cache(cache, folder):
    kb = knowledge.load(folder)
    plant(the_cache_file(cache), kb)
    rules = folder / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("set: danger", "set: dangr", 1), encoding="utf-8")
    assert any("unknown flag 'dangr'" in str(p) for p in knowledge.check(folder).errors)


def test_an_unwritable_cache_directory_costs_only_speed(tmp_path, monkeypatch, folder):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("REFERRAL_CACHE_DIR", str(blocker / "cache"))  # cannot be created
    assert knowledge.load(folder).checked_on == dt.date(2026, 11, 27)
