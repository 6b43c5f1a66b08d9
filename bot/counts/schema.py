"""The schema of both stores, described once: versioned steps, each with its SQL for SQLite and for
PostgreSQL (None: the step does not apply to that store). sqlite.py and postgres.py apply them.

A step is never edited once released: a change is a new step. The counts table's CHECKs refuse
anything but a count row (bot/counts/keys.py) in both dialects; the delivery ids (PostgreSQL only,
for several instances) hold a hash of a platform's delivery id and the hour it expires, nothing else.
"""

from __future__ import annotations

from typing import NamedTuple


class Step(NamedTuple):
    version: int
    name: str  # sqlite-utils' migration name in SQLite files (m001_counts: as released)
    sqlite: tuple[str, ...] | None
    postgres: tuple[str, ...] | None


# As released: a later change to the channels or kinds is a new step (ALTER TABLE on the named CHECK).
_PG_COUNTS = """
CREATE TABLE counts (
    month text NOT NULL CONSTRAINT counts_month_check CHECK (month ~ '^[12][0-9]{3}-(0[1-9]|1[0-2])$'),
    prefecture text NOT NULL CONSTRAINT counts_prefecture_check
        CHECK (prefecture = 'unknown' OR prefecture ~ '^(0[1-9]|[1-3][0-9]|4[0-7])$'),
    channel text NOT NULL CONSTRAINT counts_channel_check
        CHECK (channel IN ('console', 'telegram', 'slack', 'line', 'other')),
    case_kind text NOT NULL CONSTRAINT counts_case_kind_check
        CHECK (length(case_kind) BETWEEN 5 AND 40 AND case_kind ~ '^[a-z+]+$'),
    answer_kind text NOT NULL CONSTRAINT counts_answer_kind_check
        CHECK (answer_kind IN ('clinician', 'victim', 'clarify', 'help')),
    n bigint NOT NULL CONSTRAINT counts_n_check CHECK (n > 0),
    PRIMARY KEY (month, prefecture, channel, case_kind, answer_kind)
)
"""

STEPS: tuple[Step, ...] = (
    Step(
        1,
        "m001_counts",
        sqlite=(
            # WITHOUT ROWID: rows are kept in key order, so the file does not even record which key
            # was seen first. The trigger keeps sqlite-utils' bookkeeping to the month, like
            # everything else (it fires for this migration's own record, inserted in the same
            # transaction).
            """
            CREATE TABLE counts (
                month TEXT NOT NULL CHECK (month GLOB '[12][0-9][0-9][0-9]-[01][0-9]'),
                prefecture TEXT NOT NULL CHECK (prefecture = 'unknown' OR (length(prefecture) = 2
                    AND prefecture GLOB '[0-4][0-9]' AND prefecture BETWEEN '01' AND '47')),
                channel TEXT NOT NULL CHECK (channel IN ('console', 'telegram', 'slack', 'line', 'other')),
                case_kind TEXT NOT NULL CHECK (length(case_kind) BETWEEN 5 AND 40
                    AND case_kind NOT GLOB '*[^a-z+]*'),
                answer_kind TEXT NOT NULL CHECK (answer_kind IN ('clinician', 'victim', 'clarify', 'help')),
                n INTEGER NOT NULL CHECK (typeof(n) = 'integer' AND n > 0),
                PRIMARY KEY (month, prefecture, channel, case_kind, answer_kind)
            ) WITHOUT ROWID
            """,
            """
            CREATE TRIGGER migrations_month_only AFTER INSERT ON _sqlite_migrations
            BEGIN
                UPDATE _sqlite_migrations SET applied_at = substr(NEW.applied_at, 1, 7) WHERE id = NEW.id;
            END
            """,
        ),
        postgres=(_PG_COUNTS,),
    ),
    Step(
        2,
        "m002_web_channel",
        # Channel "web" (the web page, bot/channels/web.py). SQLite cannot change a CHECK constraint
        # in place: the table is made again with the new one and the rows copied over.
        sqlite=(
            """
            CREATE TABLE counts_new (
                month TEXT NOT NULL CHECK (month GLOB '[12][0-9][0-9][0-9]-[01][0-9]'),
                prefecture TEXT NOT NULL CHECK (prefecture = 'unknown' OR (length(prefecture) = 2
                    AND prefecture GLOB '[0-4][0-9]' AND prefecture BETWEEN '01' AND '47')),
                channel TEXT NOT NULL CHECK (channel IN ('console', 'telegram', 'slack', 'line', 'web', 'other')),
                case_kind TEXT NOT NULL CHECK (length(case_kind) BETWEEN 5 AND 40
                    AND case_kind NOT GLOB '*[^a-z+]*'),
                answer_kind TEXT NOT NULL CHECK (answer_kind IN ('clinician', 'victim', 'clarify', 'help')),
                n INTEGER NOT NULL CHECK (typeof(n) = 'integer' AND n > 0),
                PRIMARY KEY (month, prefecture, channel, case_kind, answer_kind)
            ) WITHOUT ROWID
            """,
            """
            INSERT INTO counts_new (month, prefecture, channel, case_kind, answer_kind, n)
            SELECT month, prefecture, channel, case_kind, answer_kind, n FROM counts
            """,
            "DROP TABLE counts",
            "ALTER TABLE counts_new RENAME TO counts",
        ),
        # PostgreSQL changes the named CHECK in place, in the migration's transaction.
        postgres=(
            """
            ALTER TABLE counts
                DROP CONSTRAINT counts_channel_check,
                ADD CONSTRAINT counts_channel_check
                    CHECK (channel IN ('console', 'telegram', 'slack', 'line', 'web', 'other'))
            """,
        ),
    ),
    Step(
        3,
        "m003_delivery_ids",
        sqlite=None,  # one process per SQLite file answers: its delivery ids stay in memory
        postgres=(
            # id: the first 16 bytes of SHA-256 of "channel:delivery id"; expires: UTC, to the hour.
            """
            CREATE TABLE delivery_ids (
                id bytea PRIMARY KEY CHECK (octet_length(id) = 16),
                expires timestamp NOT NULL CHECK (expires = date_trunc('hour', expires))
            )
            """,
            "CREATE INDEX delivery_ids_expires ON delivery_ids (expires)",
        ),
    ),
)

# PostgreSQL's bookkeeping: which steps were applied, and the month (never a finer time).
PG_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS referral_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL CHECK (name ~ '^m[0-9]{3}_[a-z_]+$'),
    applied_month text NOT NULL CHECK (applied_month ~ '^[12][0-9]{3}-(0[1-9]|1[0-2])$')
)
"""
PG_LOCK_KEY = 0x52454652  # pg_advisory_xact_lock: one migrating instance at a time ("REFR")
