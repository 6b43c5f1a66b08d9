"""The counts and the delivery ids in PostgreSQL (DATABASE_URL), against a real server the suite starts
(tests/fakes/pg_server.py; skipped without the binaries unless CI=true). No mock of our code or of
the database: what is refused is refused by the server."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest

from bot import cli, privacy, settings, wiring
from bot.counts import ANSWER_KINDS, CHANNELS, CountsQueue, CountsStore, key_of, open_counts
from bot.counts.postgres import DeliveryClaims, PostgresStore, delete_before, delivery_digest, redact
from bot.model import Case
from bot.settings import SettingsError
from tests.fakes.logs import assert_private, production_logging

ROOT = Path(__file__).resolve().parents[1]
AT = dt.datetime(2026, 11, 27, 13, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))


def case(pref: str | None = "14", *flags: str, intent: str = "referral") -> Case:
    return Case(lang="ja", intent=intent, prefecture=pref, flags=frozenset(flags))


def password(url: str) -> str:
    return url.split(":")[2].split("@")[0]


# ---------------------------------------------------------------------------- settings
def test_database_url_is_checked_and_never_quoted(monkeypatch):
    assert settings.database_url({}) is None
    for ok in ("postgresql://u:p@db:5432/referral", "postgres://u:p@db/referral", "postgresql://db.internal/x"):
        assert settings.database_url({"DATABASE_URL": ok}) == ok
    for bad in ("mysql://u:s3cr3tpw@db/x", "postgresql://u:s3cr3tpw@db", "postgresql:///x",
                "postgresql://u:s3cr3tpw@db:port/x", "s3cr3tpw"):  # fmt: skip
        with pytest.raises(SettingsError) as e:
            settings.database_url({"DATABASE_URL": bad})
        assert "s3cr3tpw" not in str(e.value)
    assert "p%40ss" in settings.secrets({"DATABASE_URL": "postgresql://u:p%40ss@db/x"})
    assert "p@ss" in settings.secrets({"DATABASE_URL": "postgresql://u:p%40ss@db/x"})
    assert redact("postgres://u:pw@db.internal:6543/referral?sslmode=require") == "postgresql://u@db.internal:6543/referral"


def test_database_url_wins_over_referral_db(monkeypatch, pg_url, tmp_path):
    monkeypatch.setenv("DATABASE_URL", pg_url)
    store = open_counts()
    assert isinstance(store, PostgresStore) and store.path == redact(pg_url)
    assert isinstance(open_counts(tmp_path / "x.db"), CountsStore)  # an explicit file (report --db) is a file
    queue = open_counts(background=True)
    assert isinstance(queue, CountsQueue) and queue.path == redact(pg_url)
    queue.close()


def test_the_log_names_the_store_never_the_password(monkeypatch, pg_url):
    monkeypatch.setenv("DATABASE_URL", pg_url)
    for value in settings.secrets():
        from bot.logs import register_secret

        register_secret(value)
    with production_logging() as logged:
        counts = wiring.counts(background=True)
        claims = wiring.delivery_claims()
        counts.close()
        claims.close()
    text = logged()
    assert f"counts: PostgreSQL at {redact(pg_url)}" in text
    assert f"delivery ids: shared in PostgreSQL at {redact(pg_url)}" in text
    assert_private(text, [password(pg_url)])


# ---------------------------------------------------------------------------- the table
def test_counts_are_written_read_and_added_up(pg_url):
    store = PostgresStore(pg_url)
    assert store.health() == {"path": redact(pg_url), "ok": True, "dropped": 0, "error": None}
    assert store.record(case("14", "acute"), channel="line", at=AT)
    assert store.record(case("14", "acute"), channel="line", at=AT)
    assert store.add({key_of(case(None), "slack", AT): 5})
    rows = [(r.month, r.prefecture, r.channel, r.case_kind, r.answer_kind, r.n) for r in store.rows()]
    assert rows == [("2026-11", "14", "line", "adult+acute", "clinician", 2),
                    ("2026-11", "unknown", "slack", "adult", "clarify", 5)]  # fmt: skip
    assert [r.n for r in store.rows(prefecture="14", month_from="2026-11", month_to="2026-11")] == [2]
    assert store.rows(month_from="2026-12") == []
    store.close()


BAD_ROWS = [
    ("2026-11-27", "14", "line", "adult", "clinician", 1),  # a day
    ("2026-13", "14", "line", "adult", "clinician", 1),
    ("2026-11", "48", "line", "adult", "clinician", 1),
    ("2026-11", "横浜", "line", "adult", "clinician", 1),
    ("2026-11", "14", "U0000000000000000000000000test01", "adult", "clinician", 1),  # an id
    ("2026-11", "14", "line", "横浜市の病院です", "clinician", 1),  # text
    ("2026-11", "14", "line", "adult 12", "clinician", 1),
    ("2026-11", "14", "line", "adult", "free text", 1),
    ("2026-11", "14", "line", "adult", "clinician", 0),
    ("2026-11", "14", "line", "adult", "clinician", -3),
]


def test_the_table_refuses_anything_but_a_count_row(pg_url):
    PostgresStore(pg_url).health()  # creates the tables
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for row in BAD_ROWS:
            with pytest.raises(psycopg.errors.CheckViolation):
                conn.execute("INSERT INTO counts VALUES (%s, %s, %s, %s, %s, %s)", row)
        with pytest.raises(psycopg.errors.CheckViolation):  # a delivery id as it came, or a time finer than the hour
            conn.execute("INSERT INTO delivery_ids VALUES (%s, now())", [b"update-123456789"])
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("INSERT INTO delivery_ids VALUES (%s, '2026-11-27 13:00')", [b"short"])
        for channel in CHANNELS:  # and accepts every channel and answer kind the code can count
            for kind in ANSWER_KINDS:
                conn.execute("INSERT INTO counts VALUES ('2026-11', '14', %s, 'adult', %s, 1)", [channel, kind])
        tables = {t for (t,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        assert tables == {"counts", "delivery_ids", "referral_migrations"}
        columns = [c for (c,) in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'counts' ORDER BY ordinal_position")]  # fmt: skip
        assert columns == ["month", "prefecture", "channel", "case_kind", "answer_kind", "n"]
        applied = conn.execute("SELECT version, name, applied_month FROM referral_migrations ORDER BY version").fetchall()
        assert [(v, n) for v, n, _ in applied] == [(1, "m001_counts"), (2, "m002_web_channel"), (3, "m003_delivery_ids")]
        assert all(len(month) == 7 for _, _, month in applied)  # the month, never a finer time


def test_a_malformed_count_is_dropped_and_counted_never_written(pg_url):
    store = PostgresStore(pg_url)
    assert not store.add({("2026-11", "14", "line", "adult", "clinician"): 0})
    assert not store.add({("2026-11-27", "14", "line", "adult", "clinician"): 1})  # the server's CHECK refuses
    assert store.dropped == 2 and store.rows() == []


def test_two_writers_adding_the_same_rows_in_opposite_orders_never_deadlock(pg_url):
    keys = [key_of(case(f"{i % 47 + 1:02d}", *(["acute"] if i % 2 else [])), "line", AT) for i in range(60)]
    stores = [PostgresStore(pg_url), PostgresStore(pg_url)]
    stores[0].health()
    results: list[bool] = []

    def write(store: PostgresStore, order: list) -> None:
        for _ in range(40):
            results.append(store.add(dict.fromkeys(order, 1)))

    threads = [threading.Thread(target=write, args=(stores[0], keys)),
               threading.Thread(target=write, args=(stores[1], keys[::-1]))]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert results == [True] * 80 and stores[0].dropped == stores[1].dropped == 0
    assert sum(r.n for r in stores[0].rows()) == 80 * 60


# ---------------------------------------------------------------------------- migrations
def _migrate_proc(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot", "migrate"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def test_instances_starting_at_once_on_an_empty_database_do_not_race(pg_url):
    env = {**os.environ, "DATABASE_URL": pg_url, "PYTHONPATH": str(ROOT)}
    procs = [_migrate_proc(env) for _ in range(4)]  # four processes at once
    outs = [(p.communicate(timeout=120), p.returncode) for p in procs]
    assert [code for _, code in outs] == [0, 0, 0, 0], outs
    said = sorted(out.strip() for (out, _), _ in outs)
    assert said[0] == f"counts at {redact(pg_url)}: applied m001_counts, m002_web_channel, m003_delivery_ids"  # one applied
    assert said[1:] == [f"counts at {redact(pg_url)}: up to date"] * 3  # the others waited, then found them
    assert all(password(pg_url) not in out + err for (out, err), _ in outs)

    # and threads of one process, each with its own store, writing at once against a second empty database
    url2 = pg_url.rsplit("/", 1)[0] + "/" + pg_url.rsplit("/", 1)[1][:50] + "_b"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{url2.rsplit("/", 1)[1]}"')
    barrier = threading.Barrier(8)
    results: list[bool] = []

    def start() -> None:
        store = PostgresStore(url2)
        barrier.wait()
        results.append(store.record(case("14"), channel="line", at=AT))
        store.close()

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == [True] * 8
    assert [r.n for r in PostgresStore(url2).rows()] == [8]


def test_migrate_on_sqlite_and_postgres(monkeypatch, capsys, pg_url, tmp_path):
    db = tmp_path / "m.db"
    monkeypatch.setenv("REFERRAL_DB", str(db))
    assert cli.main(["migrate"]) == 0
    assert capsys.readouterr().out == f"counts at {db}: applied m001_counts, m002_web_channel\n"
    assert oct(db.stat().st_mode & 0o777) == "0o600"
    assert cli.main(["migrate"]) == 0
    assert capsys.readouterr().out == f"counts at {db}: up to date\n"
    monkeypatch.setenv("DATABASE_URL", pg_url)
    assert cli.main(["migrate"]) == 0
    assert capsys.readouterr().out == f"counts at {redact(pg_url)}: applied m001_counts, m002_web_channel, m003_delivery_ids\n"
    monkeypatch.setenv("DATABASE_URL", pg_url.replace(password(pg_url), "wrong-password-123"))
    assert cli.main(["migrate"]) == 1
    err = capsys.readouterr().err
    assert err == "referral-bot migrate: cannot migrate the counts (OperationalError)\n"
    monkeypatch.setenv("DATABASE_URL", "mysql://x")
    assert cli.main(["migrate"]) == 2


# ---------------------------------------------------------------------------- report and privacy
def _fill(store) -> None:
    counts = {}
    for i in range(40):
        c = case(f"{i % 5 + 10:02d}", *(["acute"] if i % 3 else []))
        counts[key_of(c, "line", AT)] = counts.get(key_of(c, "line", AT), 0) + i % 7 + 1
    counts[key_of(case("13"), "slack", AT - dt.timedelta(days=40))] = 3
    assert store.add(counts)


@pytest.mark.parametrize("argv", [["report"], ["report", "--by", "kind"], ["report", "--format", "csv"],
                                  ["report", "--prefecture", "14"], ["report", "--raw", "--format", "json"],
                                  ["report", "--from", "2026-11"]])  # fmt: skip
def test_report_on_postgres_is_the_report_on_sqlite(monkeypatch, capsys, pg_url, tmp_path, argv):
    _fill(CountsStore(tmp_path / "same.db"))
    _fill(PostgresStore(pg_url))
    monkeypatch.setenv("REFERRAL_DB", str(tmp_path / "same.db"))
    assert cli.main(argv) == 0
    from_sqlite = capsys.readouterr()
    monkeypatch.setenv("DATABASE_URL", pg_url)
    assert cli.main(argv) == 0
    from_postgres = capsys.readouterr()
    assert from_postgres == from_sqlite
    assert "<10" in from_postgres.out or "--raw" in argv or "csv" in argv or "json" in argv


def test_report_says_when_postgres_cannot_be_read(monkeypatch, capsys, pg_url):
    monkeypatch.setenv("DATABASE_URL", pg_url.replace(password(pg_url), "wrong-password-123"))
    assert cli.main(["report"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"referral-bot report: cannot read {redact(pg_url)}: OperationalError")
    monkeypatch.setenv("DATABASE_URL", pg_url)  # an empty database: an empty report, nothing created
    assert cli.main(["report"]) == 0
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT to_regclass('counts')").fetchone()[0] is None


def test_privacy_names_the_database_and_how_to_delete_old_months(monkeypatch, pg_url):
    monkeypatch.setenv("DATABASE_URL", pg_url)
    text = privacy.statement()
    assert redact(pg_url) in text and password(pg_url) not in text
    assert "DELETE FROM counts WHERE month < '2025-04'" in text and "rm -f" not in text
    assert text.count("delivery_ids") == 4  # both languages: what it holds, and how it is dropped
    monkeypatch.delenv("DATABASE_URL")
    assert "rm -f" in privacy.statement("en")


# ---------------------------------------------------------------------------- delivery ids
def test_a_delivery_id_is_claimed_once_across_instances_and_expires(pg_url):
    a, b = DeliveryClaims(pg_url), DeliveryClaims(pg_url)
    assert a.claim("line", "01JABCDEFGHJKMNPQRSTVWXYZ") is True
    assert b.claim("line", "01JABCDEFGHJKMNPQRSTVWXYZ") is False  # the other instance: already answered
    assert b.claim("slack", "01JABCDEFGHJKMNPQRSTVWXYZ") is True  # another channel's ids are apart
    assert a.claim("telegram", 123456789) is True and b.claim("telegram", 123456789) is False
    with psycopg.connect(pg_url, autocommit=True) as conn:
        ids = [bytes(i) for (i,) in conn.execute("SELECT id FROM delivery_ids")]
        assert sorted(ids) == sorted(delivery_digest(c, k) for c, k in (
            ("line", "01JABCDEFGHJKMNPQRSTVWXYZ"), ("slack", "01JABCDEFGHJKMNPQRSTVWXYZ"), ("telegram", 123456789)))  # fmt: skip
        (hours,) = conn.execute(
            "SELECT DISTINCT extract(epoch FROM expires - now() AT TIME ZONE 'UTC') / 3600 FROM delivery_ids"
        ).fetchone()
        assert 24 <= hours <= 25  # a day, to the hour
        conn.execute("UPDATE delivery_ids SET expires = expires - interval '2 days' WHERE id = %s",
                     [delivery_digest("telegram", 123456789)])  # fmt: skip
    a._pruned_at = 0.0  # prune at the next claim (it does every PRUNE_EVERY_S)
    assert a.claim("telegram", 123456790) is True
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM delivery_ids").fetchone()[0] == 3
    assert b.claim("telegram", 123456789) is True  # expired and pruned: a new delivery
    a.close()
    b.close()


def test_psycopg_is_imported_only_with_database_url(tmp_path):
    code = ("import sys; from bot import serve, report, privacy; from bot.counts import open_counts; "
            "open_counts().health(); privacy.statement(); print('psycopg' in sys.modules)")  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"REFERRAL_DB": str(tmp_path / "c.db"),
                                                                           "PYTHONPATH": str(ROOT)}  # fmt: skip
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == "False", run.stderr


def test_a_malformed_database_url_stops_serve_in_one_line(monkeypatch, capsys):
    from tests.fakes import line_api

    monkeypatch.setenv("LINE_CHANNEL_ACCESS_TOKEN", line_api.ACCESS_TOKEN)
    monkeypatch.setenv("LINE_CHANNEL_SECRET", line_api.CHANNEL_SECRET)
    monkeypatch.setenv("LINE_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.setenv("DATABASE_URL", "mysql://bot:s3cr3t-pw@db/x")
    for flags in ([], ["--no-count"]):  # the delivery ids need it too
        assert cli.main(["serve", "--port", "0", *flags]) == 2
        err = capsys.readouterr().err
        assert err.strip().splitlines()[-1] == (
            "referral-bot serve: DATABASE_URL must look like postgresql://USER:PASSWORD@HOST:5432/DATABASE")
        assert "s3cr3t-pw" not in err


def test_a_database_of_the_first_schema_keeps_its_counts_and_takes_the_web_channel(pg_url):
    from bot.counts.schema import PG_BOOKKEEPING, STEPS

    with psycopg.connect(pg_url, autocommit=True) as conn:  # a database made before the web page existed
        conn.execute(PG_BOOKKEEPING)
        for sql in STEPS[0].postgres:
            conn.execute(sql)
        conn.execute("INSERT INTO referral_migrations VALUES (1, 'm001_counts', '2026-10')")
        conn.execute("INSERT INTO counts VALUES ('2026-10', '13', 'line', 'adult', 'clinician', 4)")
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("INSERT INTO counts VALUES ('2026-10', '13', 'web', 'adult', 'clinician', 1)")
    store = PostgresStore(pg_url)
    assert store.record(case("13"), channel="web", at=AT)
    assert sorted((r.channel, r.n) for r in store.rows()) == [("line", 4), ("web", 1)]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.CheckViolation):  # still only the channels the code counts
            conn.execute("INSERT INTO counts VALUES ('2026-10', '13', 'webpage', 'adult', 'clinician', 1)")
        versions = [v for (v,) in conn.execute("SELECT version FROM referral_migrations ORDER BY version")]
        assert versions == [1, 2, 3]
    store.close()


async def test_the_web_page_counts_into_postgres(monkeypatch, engine, pg_url):
    from bot.channels.web import WebChat
    from bot.settings import WebSettings
    from tests.conftest import WEEKDAY_NOON
    from tests.test_web import FORM, YOKOHAMA, client_for, form

    monkeypatch.setenv("DATABASE_URL", pg_url)
    queue = wiring.counts(background=True)  # as serve makes it
    client = await client_for(WebChat(engine, queue, WebSettings(), clock=lambda: WEEKDAY_NOON))
    try:
        r = await client.post("/", data=form(text=YOKOHAMA, lang="ja").encode(), headers=FORM)
        assert r.status == 200
    finally:
        await client.close()
        queue.close()  # writes what is queued
    rows = PostgresStore(pg_url).rows()
    assert [(r.prefecture, r.channel, r.n) for r in rows] == [("14", "web", 1)]


def test_privacy_delete_before_and_backup_with_database_url(monkeypatch, capsys, pg_url, tmp_path):
    monkeypatch.setenv("DATABASE_URL", pg_url)
    store = PostgresStore(pg_url)
    _fill(store)  # 2026-11 and 2026-10
    assert cli.main(["privacy", "--delete-before", "2026-11"]) == 0
    out, err = capsys.readouterr()
    assert out == f"deleted 1 rows of the months before 2026-11 from {redact(pg_url)}\n" and not err
    assert password(pg_url) not in out
    assert {r.month for r in store.rows()} == {"2026-11"}
    file_store = CountsStore(tmp_path / "c.db")  # an explicit --db is still a file
    file_store.record(case("13"), channel="line", at=AT - dt.timedelta(days=60))
    file_store.close()
    assert cli.main(["privacy", "--db", str(tmp_path / "c.db"), "--delete-before", "2026-11"]) == 0
    assert capsys.readouterr().out == f"deleted 1 rows of the months before 2026-11 from {tmp_path / 'c.db'}\n"

    assert cli.main(["backup", str(tmp_path / "copy.db")]) == 2  # nothing to copy: one line, pg_dump
    out, err = capsys.readouterr()
    assert not out and len(err.strip().splitlines()) == 1 and "pg_dump" in err and password(pg_url) not in err
    assert not (tmp_path / "copy.db").exists()

    monkeypatch.setenv("DATABASE_URL", pg_url.replace(password(pg_url), "wrong-password-123"))
    assert cli.main(["privacy", "--delete-before", "2026-11"]) == 1
    err = capsys.readouterr().err
    assert err == f"referral-bot privacy: cannot delete from {redact(pg_url)}: OperationalError\n"
    store.close()


def test_deleting_old_months_on_postgres(pg_url):
    assert delete_before(pg_url, "2026-11") == 0  # no table yet: nothing to delete, nothing created
    store = PostgresStore(pg_url)
    _fill(store)  # 2026-11 and 2026-10
    before = store.rows()
    assert delete_before(pg_url, "2026-11") == 1
    assert store.rows() == [r for r in before if r.month >= "2026-11"]
    assert store.record(case("14"), channel="line", at=AT)  # the bot's connection goes on writing
    with pytest.raises(ValueError):
        delete_before(pg_url, "2026-11'; DROP TABLE counts; --")
