"""referral-bot: the command line. Each command parses its input, calls one function, formats output.

Channel libraries are imported only by the command that needs them, so `reply` starts fast.
Expected problems (bad flags, broken knowledge, missing settings) print one line and exit 2 (or 1
for a failed check); they never print a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Sequence

from bot import __version__, wiring
from bot.counts import month_arg
from bot.settings import SettingsError

EXIT_USAGE = 2


class CliError(Exception):
    """An expected problem with the command's input: shown as one line, exit code 2."""


def _at(value: str | None) -> dt.datetime:
    from bot.engine import TOKYO

    if not value:
        return dt.datetime.now(TOKYO)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"--at: not an ISO-8601 date-time: {value!r} (e.g. 2026-11-27T21:30+09:00)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=TOKYO)


# ---------------------------------------------------------------------------- commands
def cmd_chat(args: argparse.Namespace) -> int:
    from bot.channels import console

    return console.run(wiring.engine(), wiring.counts(enabled=not args.no_count), stdin=sys.stdin,
                       stdout=sys.stdout, clock=wiring.clock, lang=args.lang)  # fmt: skip


def cmd_reply(args: argparse.Namespace) -> int:
    engine = wiring.engine()
    default_at = _at(args.at)
    if args.jsonl:
        for n, line in enumerate(sys.stdin, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                if not isinstance(item, dict):
                    raise ValueError("expected a JSON object")
                at = _at(item["at"]) if item.get("at") else default_at
                lang = item.get("lang") or args.lang
                reply = engine.reply(item.get("text", ""), at, lang=lang)
                out = reply.to_json()
            except (ValueError, CliError) as e:
                out = {"error": f"line {n}: {e}"}
            print(json.dumps(out, ensure_ascii=False), flush=False)
        sys.stdout.flush()
        return 0
    text = " ".join(args.text)
    if not text and not sys.stdin.isatty():
        text = sys.stdin.read()
    reply = engine.reply(text, default_at, lang=args.lang)
    if args.json:
        print(json.dumps(reply.to_json(), ensure_ascii=False, indent=2))
    else:
        print(reply.text)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from bot import evaluate

    entries, problems = [], []
    for name in args.files:
        try:
            with open(name, encoding="utf-8") as f:
                got, bad = evaluate.parse(f, name)
        except (OSError, UnicodeDecodeError) as e:
            raise CliError(f"cannot read {name}: {e}") from None
        entries += got
        problems += bad
    problems += evaluate.check_ids(entries)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        raise CliError(f"{len(problems)} bad line(s): fix them first")
    if not entries:
        raise CliError("no entries")
    res = evaluate.evaluate(wiring.engine(), entries, default_at=_at(args.at) if args.at else evaluate.DEFAULT_AT)
    if args.json:
        print(json.dumps(evaluate.summary(res, failures=args.failures), ensure_ascii=False, indent=2))
    else:
        print(evaluate.format_text(res, failures=args.failures))
    below = res.below(args.floor) if args.floor is not None else []
    if below:
        print(f"below the floor {args.floor}: {', '.join(below)}", file=sys.stderr)
        return 1
    return 0


def cmd_check_knowledge(args: argparse.Namespace) -> int:
    from bot import knowledge

    today = dt.date.fromisoformat(args.today) if args.today else None
    problems = knowledge.check(args.dir, today=today)
    for p in problems:
        print(p)
    errors = len(problems.errors)
    warnings = len(problems) - errors
    if errors:
        print(f"knowledge: {errors} error(s), {warnings} warning(s)")
        return 1
    kb = knowledge.load(args.dir)
    shown = sum(len(c.shown_phones) for c in kb.centers)
    learned = kb.rules.learned
    weights = [d.name for d in (*learned.flags, *learned.keeps, learned.victim, learned.help, learned.case)
               if d is not None] if learned else []  # fmt: skip
    print(
        f"knowledge ok: {len(kb.centers)} centers in 47 prefectures "
        f"({sum(c.verified for c in kb.centers)} verified, {shown} numbers shown), "
        f"{len(kb.contacts)} national contacts, {len(kb.rules.rule_ids())} rules, "
        f"learned weights for {', '.join(weights) or 'nothing'}; "
        f"{warnings} warning(s); oldest check {kb.checked_on}"
    )
    return 0


def cmd_card(args: argparse.Namespace) -> int:
    from bot import card

    try:
        written = card.write_cards(wiring.engine().kb, prefecture=args.prefecture, all_prefectures=args.all,
                                   lang=args.lang, fmt=args.format, size=args.size, link=args.link,
                                   output=args.output)  # fmt: skip
    except card.CardError as e:
        raise CliError(str(e)) from None
    for path in written:
        print(path)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from bot import report

    return report.main(args)


def cmd_privacy(args: argparse.Namespace) -> int:
    from bot import privacy

    return privacy.main(args)


def cmd_backup(args: argparse.Namespace) -> int:
    from bot import settings
    from bot.maintenance import MaintenanceError, backup

    if args.db is None:
        settings.database_url()  # a malformed DATABASE_URL: one line, exit 2
    try:
        done = backup(args.db, args.file, force=args.force)  # None: $REFERRAL_DB, refused with DATABASE_URL
    except MaintenanceError as e:
        raise CliError(str(e)) from None
    span = f", {done.first_month}..{done.last_month}" if done.first_month else ""
    print(f"backed up {done.rows} rows{span} to {done.target}")
    return 0


def cmd_telegram(args: argparse.Namespace) -> int:
    from bot import logs, settings

    config = settings.telegram(webhook_url=args.webhook_url, port=args.port)
    logs.register_secret(config.token)
    logs.register_secret(config.webhook_secret)
    logs.setup_logging(settings.log_level())
    engine = wiring.engine()
    from bot.channels import telegram

    counts = wiring.counts(enabled=not args.no_count, background=True)
    try:
        telegram.run(engine, counts, config, wiring.clock)
    except telegram.StartError as e:
        print(f"referral-bot telegram: {e}", file=sys.stderr)
        return 1
    finally:
        if counts is not None:
            counts.close()  # writes the counts still queued
    return 0


def cmd_slack(args: argparse.Namespace) -> int:
    import asyncio

    from bot import logs, settings

    config = settings.slack(http=args.http)
    port = settings.listen_port(args.port, default=settings.SLACK_PORT) if args.http else settings.SLACK_PORT
    for value in (config.bot_token, config.app_token, config.signing_secret):
        logs.register_secret(value)
    engine = wiring.engine()
    config = wiring.with_default_prefecture(config, wiring.default_prefecture(engine, settings.default_prefecture()))
    logs.setup_logging(settings.log_level())
    from bot.channels import slack

    counts = wiring.counts(enabled=not args.no_count, background=True)
    try:
        asyncio.run(slack.run(engine, counts, config, http=args.http, host=settings.host(), port=port,
                              clock=wiring.clock))  # fmt: skip
    finally:
        if counts is not None:
            counts.close()  # writes the counts still queued
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from bot import logs, settings
    from bot.counts import migrate_store

    for value in settings.secrets():
        logs.register_secret(value)
    settings.database_url()  # a malformed DATABASE_URL: one line, exit 2
    try:
        where, applied = migrate_store()
    except Exception as e:  # the database is unreachable or refused us: its class, never its message
        code = getattr(e, "sqlstate", None) or getattr(e, "sqlite_errorname", None)
        print(f"referral-bot migrate: cannot migrate the counts ({type(e).__name__}{f'({code})' if code else ''})",
              file=sys.stderr)  # fmt: skip
        return 1
    print(f"counts at {where}: " + (f"applied {', '.join(applied)}" if applied else "up to date"))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from bot import serve

    serve.main(port=args.port, count=not args.no_count)
    return 0


# ---------------------------------------------------------------------------- parser
def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser. Arguments whose definitions live in heavy modules (report: sqlite-utils)
    are added only when `command` is theirs or None (all), so `reply` stays fast."""
    p = argparse.ArgumentParser(
        prog="referral-bot",
        description="Tells medical staff in Japan what to do when a patient may be a victim of sexual "
        "violence, and where to refer them (one-stop support centers, #8891).",
    )
    p.add_argument("--version", action="version", version=f"referral-bot {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("chat", help="talk to the bot in the terminal (the demo; no token needed)",
                       description="An interactive console conversation. Numbered choices follow each answer.")  # fmt: skip
    s.add_argument("--lang", choices=["ja", "en"], help="answer in this language (default: the message's)")
    s.add_argument("--no-count", action="store_true", help="do not record anonymous referral counts")
    s.set_defaults(func=cmd_chat)

    s = sub.add_parser("reply", help="print one reply (text or --json); --jsonl for batches",
                       description="Print the reply to TEXT (or to stdin). With --jsonl, read JSON Lines "
                       '{"text": ..., "lang"?: ..., "at"?: ...} from stdin and write one JSON reply per line.')  # fmt: skip
    s.add_argument("text", nargs="*", metavar="TEXT",
                   help="the message, as a clinician would write it (several words are joined; none: read stdin)")  # fmt: skip
    s.add_argument("--lang", choices=["ja", "en"], help="answer in this language (default: the message's)")
    s.add_argument("--at", metavar="ISO-8601", help="the moment to answer for (default: now, Asia/Tokyo)")
    fmt = s.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print one JSON object (the documented contract)")
    fmt.add_argument("--jsonl", action="store_true", help="batch: JSON Lines in on stdin, JSON Lines out")
    s.set_defaults(func=cmd_reply)

    s = sub.add_parser("evaluate", help="measure understanding against a labelled corpus (JSON Lines)",
                       description="Read every message of the labelled JSON Lines FILEs with the engine and print "
                       "the accuracy per field (lang, intent, place, flags, hours_since, all), per class, each flag's "
                       "precision and recall, then every failure. Bad lines are listed and exit 2. See the README, "
                       "'Measuring understanding'.")  # fmt: skip
    s.add_argument("files", nargs="+", metavar="FILE.jsonl",
                   help="labelled messages, one JSON object a line (README: Measuring understanding)")
    s.add_argument("--floor", type=float, default=None, metavar="0.98",
                   help="exit 1 when a field's accuracy (lang, intent, place, flags, hours_since) is below this")  # fmt: skip
    s.add_argument("--json", action="store_true", help="print a machine-readable summary")
    s.add_argument("--failures", type=int, default=None, metavar="N", help="list at most N failures")
    s.add_argument("--at", metavar="ISO-8601",
                   help="the moment for entries without their own 'at' (default: 2026-12-05T10:00+09:00)")  # fmt: skip
    s.set_defaults(func=cmd_evaluate)

    s = sub.add_parser("check-knowledge", help="validate the knowledge files; warn of stale facts",
                       description="Print every problem in knowledge/ (file and key), and warn of facts "
                       "checked more than 180 days ago. Exit 1 on any error.")  # fmt: skip
    s.add_argument("--dir", help="knowledge directory to check (default: the shipped one)")
    s.add_argument("--today", metavar="YYYY-MM-DD", help="date to measure staleness from (default: today)")
    s.set_defaults(func=cmd_check_knowledge)

    s = sub.add_parser("card", help="a printable referral card (PDF or PNG) for a prefecture, or all 47",
                       description="Write a one-page referral card for medical staff: what to do now, the "
                       "prefecture's center(s) with their verified numbers and hours, #8891 and 0120-8891-77, "
                       "110 and 189, the date the facts were checked and their sources, and QR codes for --link "
                       "and the center's website. Facts come from the knowledge files only.")  # fmt: skip
    which = s.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--prefecture", metavar="CODE|NAME", help="JIS code (14) or name (神奈川, Kanagawa, 横浜)"
    )
    which.add_argument(
        "--all", action="store_true", help="one card per prefecture, 47 files, into the folder -o DIR"
    )
    s.add_argument("--lang", choices=["ja", "en"], default="ja", help="language of the card (default: ja)")
    s.add_argument("--format", choices=["pdf", "png"], help="default: png if -o ends in .png, else pdf")
    s.add_argument("--size", choices=["a6", "a4"], default="a6", help="a6 (magnet-sheet size, default) or a4")
    s.add_argument(
        "--link", metavar="URL", help="the bot's Telegram, LINE or Slack link, printed as a QR code"
    )
    s.add_argument("-o", "--output", metavar="FILE|DIR",
                   help="file to write (default: referral-card-CODE-NAME-LANG-SIZE.pdf here); with --all, a folder "
                   "(default: cards)")  # fmt: skip
    s.set_defaults(func=cmd_card)

    s = sub.add_parser("report", help="anonymous referral counts, with small cells suppressed",
                       description="Report the anonymous referral counts as a table (or CSV, JSON, a chart), "
                       "prefectures or another category by month. Cells under the threshold show as <10, and "
                       "cells that would give one away as x.")  # fmt: skip
    if command in (None, "report"):
        from bot import report

        report.add_arguments(s)
    s.set_defaults(func=cmd_report)

    s = sub.add_parser("privacy", help="what the bot stores, what it never stores, and how to delete it",
                       description="Print the privacy statement of the referral counts (Japanese, then English). "
                       "With --delete-before, delete the counts of older months instead.")  # fmt: skip
    s.add_argument("--lang", choices=["ja", "en"], default=None, help="only this language (default: both)")
    s.add_argument("--delete-before", metavar="YYYY-MM", type=month_arg,
                   help="delete every count of the months before this one (secure delete; safe while the bot runs)")  # fmt: skip
    s.add_argument("--db", metavar="FILE", help="the counts file (default: the PostgreSQL database of "
                   "$DATABASE_URL, else $REFERRAL_DB or data/counts.db)")  # fmt: skip
    s.set_defaults(func=cmd_privacy)

    s = sub.add_parser("backup", help="a consistent copy of the counts file, safe while the bot runs",
                       description="Copy the counts file to FILE with SQLite's online backup API: a consistent "
                       "snapshot even while the bot writes (a plain file copy can miss what is still in the -wal "
                       "file). The copy is one owner-only file. To restore, stop every bot process and run "
                       "`referral-bot backup --db BACKUP --force $REFERRAL_DB`. With DATABASE_URL (PostgreSQL) it refuses: "
                       "use pg_dump.")  # fmt: skip
    s.add_argument("file", metavar="FILE", help="where to write the copy (refused if it exists, unless --force)")
    s.add_argument("--db", metavar="FILE", help="the counts file to copy (default: $REFERRAL_DB or data/counts.db)")
    s.add_argument("--force", action="store_true", help="overwrite FILE if it exists (a restore, with the bot stopped)")
    s.set_defaults(func=cmd_backup)

    s = sub.add_parser("migrate", help="create or update the counts' tables (PostgreSQL or SQLite), then exit",
                       description="Apply the schema's pending steps to the counts store: DATABASE_URL "
                       "(PostgreSQL) if set, else REFERRAL_DB (SQLite, default data/counts.db). For a platform's "
                       "release phase; every command also migrates when it first opens the store, and "
                       "instances starting at once wait for each other.")  # fmt: skip
    s.set_defaults(func=cmd_migrate)

    s = sub.add_parser("telegram", help="run the Telegram bot (long polling, or --webhook-url)",
                       description="Run the Telegram bot. Settings from the environment: TELEGRAM_BOT_TOKEN, "
                       "TELEGRAM_WEBHOOK_SECRET (webhook mode), TELEGRAM_BASE_URL (ending in /bot), REFERRAL_DB, LOG_LEVEL, LOG_FORMAT (text or json). "
                       "Exit 2 (one line) for a malformed setting or a token Telegram refuses; a Bot API out of reach at start "
                       "is tried again after 1, 2, 4 ... 60 s; SIGTERM or SIGINT writes the queued counts and exits 0. Webhook mode: GET /healthz as serve's. All settings: docs/configuration.md.")  # fmt: skip
    s.add_argument(
        "--webhook-url", metavar="URL", help="webhook mode: the public HTTPS URL Telegram posts to"
    )
    s.add_argument("--port", type=int, default=None, help="webhook mode: local port (default: $PORT or 8443)")
    s.add_argument("--no-count", action="store_true", help="do not record anonymous referral counts")
    s.set_defaults(func=cmd_telegram)

    s = sub.add_parser("slack", help="run the Slack app (Socket Mode, or --http)",
                       description="Run the Slack app. Socket Mode needs SLACK_APP_TOKEN and SLACK_BOT_TOKEN; "
                       "--http needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET. Optional: SLACK_API_URL, "
                       "SLACK_COMMAND (default /referral), DEFAULT_PREFECTURE, HOST and PORT (HTTP mode), "
                       "REFERRAL_DB, LOG_LEVEL, LOG_FORMAT (text or json). Exit 2 (one line) for a malformed setting or a token Slack "
                       "refuses; Slack out of reach at start (either mode) is tried again after 1, 2, 4 ... 60 s; SIGTERM or SIGINT writes the "
                       "queued counts and exits 0. HTTP mode: GET /healthz as serve's. All settings: docs/configuration.md.")  # fmt: skip
    s.add_argument("--http", action="store_true", help="HTTP mode on /slack/events instead of Socket Mode")
    s.add_argument("--port", type=int, default=None, help="HTTP mode: port (default: $PORT or 3000)")
    s.add_argument("--no-count", action="store_true", help="do not record anonymous referral counts")
    s.set_defaults(func=cmd_slack)

    s = sub.add_parser("serve", help="one web server: the web page and every webhook channel (LINE, Slack, Telegram)",
                       description="Serve the web page for clinicians (GET and POST /; WEB_CHAT=off turns it off; "
                       "WEB_FRAME_ANCESTORS, TRUST_PROXY) and every configured webhook channel from one web process: "
                       "POST /line/webhook (LINE_CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN), POST /slack/events "
                       "(SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN), POST /telegram/webhook (TELEGRAM_WEBHOOK_SECRET, "
                       "TELEGRAM_BOT_TOKEN, optional TELEGRAM_WEBHOOK_URL), GET /healthz. A channel without its "
                       "settings answers 404. Optional: LINE_API_URL, SLACK_API_URL, TELEGRAM_BASE_URL, "
                       "DEFAULT_PREFECTURE, HOST (default 0.0.0.0), PORT, DATABASE_URL (PostgreSQL, for several "
                       "instances), REFERRAL_DB, LOG_LEVEL, LOG_FORMAT (text or json). Exit 2 (one line) for a malformed "
                       "setting or a refused token; a platform out of reach at start is tried again after 1, 2, 4 ... 60 s "
                       "while the rest is served (/healthz degraded, the channel under waiting). All settings: "
                       "docs/configuration.md.")  # fmt: skip
    s.add_argument("--port", type=int, default=None, help="port (default: $PORT or 8080)")
    s.add_argument("--no-count", action="store_true", help="do not record anonymous referral counts")
    s.set_defaults(func=cmd_serve)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), "")
    parser = build_parser(command)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args) or 0
    except (CliError, SettingsError) as e:
        print(f"referral-bot {args.command}: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
