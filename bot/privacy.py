"""`referral-bot privacy`: what the referral counts file stores, what it does not, and how to delete it.

Keep this text, bot/counts/ and the README's privacy section saying the same thing.
"""

from __future__ import annotations

import argparse
import sys

from bot.counts import default_path

PRIVACY_JA = """\
プライバシーについて (紹介件数の記録)

保存するもの
  紹介に答えるたびに、次の組み合わせごとの件数を 1 増やします。これ以外は何も保存しません。
  - 月 (YYYY-MM、日本時間)。日付や時刻は保存しません。
  - 都道府県コード (01〜47)。分からないときは「unknown」。
  - 経路の種類 (console, telegram, slack, line, web, other)。
  - 事案の区分: 未成年か否か、急性期、危険、パートナーからの被害 (例 "minor+acute")。
  - 回答の種類: 医療者向け案内 / 被害者向け案内 / 都道府県の確認 / 使い方。
  ほかにあるのは、表の作成・更新の記録 (sqlite-utils の migrations 表、作成した月だけ) です。

保存しないもの
  メッセージの文面、氏名・年齢・病院名・電話番号、利用者・チャット・チーム・チャンネルの ID、
  IP アドレス、日付や時刻。ボットは会話を保存しません。記録に失敗したときのログにも文面や事案の
  内容は書きません。Telegram・Slack・LINE 上のメッセージは、それぞれのサービスの方針で保存されます。

公表するとき
  `referral-bot report` は 1〜9 件の欄を「<10」と表示し、合計から逆算できる欄も「x」で隠します。
  `--raw` の実数は、このファイルを直接読める人だけが使うもので、公表しないでください。

保存期間
  件数は月単位で、削除するまで残ります。自動では削除しません。
  ファイルの更新時刻 (OS が記録するもの) は最後に数えた時刻を示すので、ファイルの閲覧は管理者に限ってください
  (作成時の権限は所有者のみ 0600)。

削除のしかた
  ボットをすべて止めてから、3 つのファイルを消します:
    rm -f {path} {path}-wal {path}-shm
  次に紹介を数えるとき、空のファイルが新しく作られます。ある月より前だけを消すには (ボットを止めずに可):
    referral-bot privacy --delete-before 2025-04
  `referral-bot backup` の複製にも同じ件数が入っているので、古い複製も削除してください。
  コンソールで数えずに使うには `referral-bot chat --no-count` とします。

ファイルの場所: {path} (環境変数 REFERRAL_DB で変更できます)
"""

PRIVACY_EN = """\
Privacy (referral counts)

What is stored
  Each answered referral adds 1 to a counter for this combination, and nothing else:
  - the month (YYYY-MM, Japan time); never a day or a time
  - the prefecture code (01..47), or "unknown"
  - the kind of channel (console, telegram, slack, line, web, other)
  - the kind of case: minor or not, acute, danger, partner (e.g. "minor+acute")
  - the kind of answer: clinician guidance, victim-facing answer, prefecture asked, usage help
  The only other table records which schema migrations were applied, with the month only.

What is not stored
  No message text; no name, age, hospital or phone number; no user, chat, team or channel id; no IP
  address; no date or time. The bot keeps no conversation. When counting fails, the log line says
  why, never what was written or what the case was. Telegram, Slack and LINE keep messages under
  their own policies.

Publishing
  `referral-bot report` shows counts of 1..9 as "<10" and hides with "x" any cell that could be
  worked out from the totals. `--raw` exact numbers are only for someone who can read the file
  anyway: do not publish them.

Retention
  Counts are kept by month until they are deleted; nothing is deleted automatically. The file's
  modification time (kept by the operating system) shows when the last count was made, so keep the
  file readable by administrators only (it is created owner-only, mode 0600).

How to delete
  Stop every bot process, then delete the three files:
    rm -f {path} {path}-wal {path}-shm
  A new, empty file is created at the next count. To delete only the months before one (the bot may
  keep running):
    referral-bot privacy --delete-before 2025-04
  Copies made with `referral-bot backup` hold the same counts: delete old ones too.
  To use the console without counting: `referral-bot chat --no-count`.

Where the file is: {path} (set REFERRAL_DB to change it)
"""


# With DATABASE_URL, the counts are in PostgreSQL: these replace the file's deletion and location.
DELETE_PG_JA = """\
削除のしかた (PostgreSQL、環境変数 DATABASE_URL)
  すべて消すには、ボットをすべて止めてから:
    psql "$DATABASE_URL" -c "DROP TABLE counts, delivery_ids, referral_migrations;"
  次の起動 (または referral-bot migrate) で空の表が作られます。ある月より前だけを消すには (ボットを止めずに可):
    referral-bot privacy --delete-before 2025-04
  これは DELETE FROM counts WHERE month < '2025-04' のあと VACUUM FULL counts を実行し、消した行の
  領域を書き直します。バックアップ (pg_dump) や WAL アーカイブの中の古い行は、その保存期間が過ぎるまで残ります。
  delivery_ids 表は、複数のインスタンスが同じ配信に二度答えないよう、配信 ID のハッシュと
  期限 (1 時間単位) だけを 1 日保持し、自動で削除します。表を読めるロールは管理者に限ってください。

データベース: {path} (パスワードは表示しません)
"""

DELETE_PG_EN = """\
How to delete (PostgreSQL, DATABASE_URL)
  To delete everything, stop every bot process, then:
    psql "$DATABASE_URL" -c "DROP TABLE counts, delivery_ids, referral_migrations;"
  Empty tables are created at the next start (or by referral-bot migrate). To delete only the months
  before one (the bot may keep running):
    referral-bot privacy --delete-before 2025-04
  It runs DELETE FROM counts WHERE month < '2025-04', then VACUUM FULL counts, which rewrites the
  table without the deleted rows; backups (pg_dump) and WAL archives keep old rows until they expire. The delivery_ids table keeps, for one day, a hash of each platform delivery id
  and the hour it expires, so that several instances answer a redelivery once; it prunes itself.
  Grant access to the tables to administrators only.

The database: {path} (the password is never shown)
"""


def statement(lang: str | None = None, path: object = None) -> str:
    """The statement in "ja", "en", or both (None), naming the counts file's path (or, with
    DATABASE_URL and no path given, the PostgreSQL database without its password)."""
    from bot.counts import database_url, where

    pg = path is None and database_url() is not None
    p = str(path or (where() if pg else default_path()))
    texts = {"ja": PRIVACY_JA, "en": PRIVACY_EN}
    if pg:  # the file's deletion and location give way to the database's
        texts = {"ja": PRIVACY_JA.split("削除のしかた")[0] + DELETE_PG_JA,
                 "en": PRIVACY_EN.split("How to delete")[0] + DELETE_PG_EN}  # fmt: skip
    chosen = [texts[lang]] if lang in texts else list(texts.values())
    return "\n".join(t.format(path=p) for t in chosen)


def main(args: argparse.Namespace) -> int:
    before = getattr(args, "delete_before", None)
    if before:
        return _delete(getattr(args, "db", None), before)
    sys.stdout.write(statement(getattr(args, "lang", None), getattr(args, "db", None)))
    return 0


def _delete(path: str | None, before: str) -> int:
    """From the file `path`, else the configured store (PostgreSQL with DATABASE_URL, else the file)."""
    from bot.counts import where
    from bot.maintenance import MaintenanceError, delete_before

    try:
        deleted = delete_before(path, before)
    except MaintenanceError as e:
        print(f"referral-bot privacy: {e}", file=sys.stderr)
        return 1
    print(f"deleted {deleted} rows of the months before {before} from {path or where()}")
    return 0
