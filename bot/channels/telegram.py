"""The Telegram channel: a thin python-telegram-bot (22.x) adapter over the engine.

`build_application(engine, counts, settings)` returns a configured `telegram.ext.Application`;
`main(args)` runs it (`referral-bot telegram`: long polling; `--webhook-url URL [--port N]`: webhook).
This is the only module that imports python-telegram-bot, so the other commands start fast.

What it does (issue 4):
- Private chats: any message gets the engine's answer as Telegram HTML (bot/render/telegram.py),
  with inline buttons for the next step. A button carries its whole case in its callback data
  (bot/state.py), so the bot keeps no conversation state; a press edits the same message and is
  never counted. Groups: only commands and messages that mention the bot are answered.
- Commands, registered with setMyCommands in Japanese and English: /start /help /center /numbers
  /privacy /lang. Command answers use the language of the user's Telegram app ("en..." -> English,
  anything else -> Japanese) unless the command names one (`/help en`); a message is answered in
  the language it is written in; every answer has a button to switch.
- Dedup: an update_id seen before (Telegram redelivers after a failed or slow webhook response) is
  skipped before anything answers or counts it. The window is the last DEDUP_WINDOW ids, in memory:
  update ids carry nothing about anyone.
- Every Bot API call goes through BotAPIRequest (bot/channels/telegram_request.py): aiohttp rather
  than python-telegram-bot's httpx client (a quarter of the CPU per call), parameters as JSON rather
  than a form. Retries, for every call except getUpdates (whose loop in python-telegram-bot already
  retries forever with a back-off): 429 waits the retry_after Telegram names
  (and gives up at once if that is longer than `max_retry_after`), 5xx and network errors back off
  (`backoff`, doubling); at most `attempts` tries, then the call fails, which is logged (method name
  and status only) and answered by the error handler with the fixed apology (#8891).
  A timed-out sendMessage may have been delivered: a retry can then send it twice, which is
  better than a clinician getting no answer.
- Logs never hold message text, user or chat ids, or the token: our code logs only kinds and API
  method names; bot.logs holds library loggers at WARNING and redacts registered secrets; and
  LibraryScrub strips arguments and exception messages from python-telegram-bot's own records
  (its webhook server logs a whole unparsable update at CRITICAL), keeping types and frames.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import importlib.util
import logging
import os
import re
import sys
import traceback
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, InvalidToken, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.channels.common import Counts, RecentIds, answer_message, count_referral, follow_up, now
from bot.channels.telegram_request import BotAPIRequest
from bot.engine import Action, Engine
from bot.logs import register_secret, setup_logging
from bot.model import INTENT_HELP, INTENT_REFERRAL, Case, Reply
from bot.render.telegram import MAX_CHARS, e, fit, keyboard, render_html, utf16_len
from bot.state import decode
from bot.text import clean

log = logging.getLogger(__name__)

CHANNEL = "telegram"
EXIT_USAGE = 2
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]  # never edited messages: one answer per message
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
KEYBOARDS_CACHED = 4096  # keyboards kept, by case (a few hundred bytes each)
_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what setWebhook accepts as secret_token

# Texts that only a Telegram client shows: the command menu, and the /lang note. (The rest comes
# from knowledge/guidance.*.yaml through engine.ui.)
COMMANDS: dict[str, list[tuple[str, str]]] = {
    "ja": [
        ("start", "このボットについて"),
        ("help", "使い方と全国の番号"),
        ("center", "都道府県のセンター（例：/center 神奈川）"),
        ("numbers", "全国の相談番号"),
        ("privacy", "保存するもの・しないもの"),
        ("lang", "English / 日本語"),
    ],
    "en": [
        ("start", "What this bot is"),
        ("help", "How to use it, national numbers"),
        ("center", "A prefecture's center (e.g. /center Kanagawa)"),
        ("numbers", "National numbers"),
        ("privacy", "What is stored and what is not"),
        ("lang", "日本語 / English"),
    ],
}
COMMANDS_TITLE = {"ja": "コマンド", "en": "Commands"}
LANG_NOTE = {
    "ja": "メッセージには、書かれた言語で答えます。どの回答にも言語を切り替えるボタンがあります。",
    "en": "Messages are answered in the language they are written in. Every answer has a button to switch.",
}


# ---------------------------------------------------------------------------- settings
class SettingsError(ValueError):
    """A missing or malformed setting: one line for the user, exit code 2."""


@dataclass(frozen=True)
class Settings:
    token: str
    webhook_url: str | None = None  # webhook mode when set; long polling otherwise
    webhook_secret: str | None = None  # required in webhook mode
    base_url: str | None = None  # python-telegram-bot's base_url ("http://host:8081/bot"); tests use a fake
    port: int = 8443
    listen: str = "0.0.0.0"
    attempts: int = 3  # tries per Bot API call, the first included
    backoff: float = 0.5  # seconds before retrying a 5xx or network error; doubles each time
    max_retry_after: float = 30.0  # a 429 asking for a longer wait is given up at once
    # one slow answer (a 429 wait) must not hold up everyone else; 8, not more: the benchmarks measured
    # about half the throughput at 32 (httpcore's connection-pool bookkeeping, before the move to aiohttp)
    concurrent_updates: int = 8
    dedup_window: int = 2048

    def __repr__(self) -> str:  # never print the token or the secret
        return f"Settings(webhook_url={self.webhook_url!r}, base_url={self.base_url!r}, port={self.port})"

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str], *, webhook_url: str | None = None, port: int | None = None
    ) -> Settings:
        token = environ.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            raise SettingsError("TELEGRAM_BOT_TOKEN is not set (create a bot with @BotFather)")
        if not _TOKEN.match(token):
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is malformed (expected <digits>:<secret> as @BotFather gives it)"
            )
        base_url = environ.get("TELEGRAM_BASE_URL", "").strip() or None
        if base_url and urlsplit(base_url).scheme not in ("http", "https"):
            raise SettingsError("TELEGRAM_BASE_URL must start with http:// or https://")
        if not webhook_url:
            if port is not None:
                raise SettingsError(
                    "--port is for webhook mode; add --webhook-url (long polling needs no port)"
                )
            return cls(token=token, base_url=base_url)

        url = urlsplit(webhook_url)
        if not url.hostname or not (url.scheme == "https" or (url.scheme == "http" and base_url)):
            raise SettingsError("--webhook-url must be a public https:// URL")
        secret = environ.get("TELEGRAM_WEBHOOK_SECRET", "").strip()
        if not secret:
            raise SettingsError("webhook mode needs TELEGRAM_WEBHOOK_SECRET (1-256 of A-Z a-z 0-9 _ -)")
        if not _SECRET.match(secret):
            raise SettingsError("TELEGRAM_WEBHOOK_SECRET is malformed (1-256 of A-Z a-z 0-9 _ -)")
        if port is None:
            try:
                port = int(environ.get("PORT") or 8443)
            except ValueError:
                raise SettingsError("PORT is not a number") from None
        if not 0 < port < 65536:
            raise SettingsError(f"port out of range: {port}")
        return cls(token=token, base_url=base_url, webhook_url=webhook_url, webhook_secret=secret, port=port)


def polling_kwargs() -> dict[str, Any]:
    """For Application.run_polling / Updater.start_polling."""
    return {"allowed_updates": ALLOWED_UPDATES, "drop_pending_updates": False}


def webhook_kwargs(settings: Settings) -> dict[str, Any]:
    """For Application.run_webhook / Updater.start_webhook. The server listens on the URL's path
    and answers 403 to any request without the secret token header (python-telegram-bot)."""
    if not settings.webhook_url or not settings.webhook_secret:
        raise SettingsError("webhook mode needs --webhook-url and TELEGRAM_WEBHOOK_SECRET")
    return {
        "listen": settings.listen,
        "port": settings.port,
        "url_path": urlsplit(settings.webhook_url).path.strip("/"),
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret,
        "allowed_updates": ALLOWED_UPDATES,
        "drop_pending_updates": False,
    }


# ---------------------------------------------------------------------------- logging
def describe(exc: BaseException | None) -> str:
    """An exception's type and where it was raised, without its message (which can quote a
    message, an id or a URL with the token), following the chain of causes."""
    parts: list[str] = []
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        frames = "".join(traceback.format_list(traceback.extract_tb(exc.__traceback__)))
        parts.append(
            f"{type(exc).__module__}.{type(exc).__qualname__}" + (f"\n{frames.rstrip()}" if frames else "")
        )
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    return "\n caused by ".join(parts)


class LibraryScrub(logging.Filter):
    """On python-telegram-bot's loggers: keep each record's fixed text, drop its arguments (updates,
    request data, secret tokens) and replace a traceback by types and frames only."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            try:
                record.msg = str(record.msg) % tuple("…" for _ in args)  # "%s" placeholders
            except (TypeError, ValueError):
                record.msg = f"{record.msg} [details not logged]"
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = describe(record.exc_info[1])
        return True


def _scrub_library_loggers() -> None:
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        ours = (name == "telegram" or name.startswith("telegram.")) and isinstance(logger, logging.Logger)
        if ours and not any(isinstance(f, LibraryScrub) for f in logger.filters):
            logger.addFilter(LibraryScrub())


# ---------------------------------------------------------------------------- the handlers


def lang_of(update: object, args: list[str] | None = None) -> str:
    """A command's language: named in it ("/help en"), else the user's Telegram app language."""
    for a in args or ():
        if a.lower() in ("en", "english"):
            return "en"
        if a.lower() in ("ja", "jp", "日本語"):
            return "ja"
    user = update.effective_user if isinstance(update, Update) else None
    code = (user.language_code or "") if user else ""
    return "en" if code.lower().startswith("en") else "ja"


def _markup(rows: list[list[dict[str, str]]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(**b) for b in row] for row in rows])


class _Handlers:
    def __init__(self, engine: Engine, counts: Counts | None, settings: Settings):
        self.engine = engine
        self.counts = counts
        self.seen = RecentIds(settings.dedup_window)
        self._keyboards = functools.lru_cache(maxsize=KEYBOARDS_CACHED)(self._keyboard)

    # -------------------------------------------------------------- pieces
    def html(self, reply: Reply) -> str:
        return render_html(reply, self.engine.guidance(reply.case.lang))

    def buttons(self, case: Case) -> InlineKeyboardMarkup | None:
        """The keyboard for a case. The same few thousand cases recur (prefecture, flags, language),
        and a keyboard is a frozen python-telegram-bot object, so each is built once: building one
        (actions, encoding each button's case, the button objects) cost ~0.25 ms per answer."""
        return self._keyboards(case)

    def _keyboard(self, case: Case) -> InlineKeyboardMarkup | None:
        return _markup(keyboard(self.engine.actions(case)))

    async def send(self, message: Message, html: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Answer `message` in its chat (quoting it in groups, where several people talk)."""
        quote = None
        if message.chat.type != "private":
            quote = ReplyParameters(message_id=message.message_id, allow_sending_without_reply=True)
        await message.get_bot().send_message(
            chat_id=message.chat.id,
            text=html,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            link_preview_options=NO_PREVIEW,
            reply_parameters=quote,
        )

    async def answer(self, message: Message, text: str) -> None:
        """A new message: the engine's answer, then counted once. `counts` must not block the event
        loop: `main` and `serve` pass a CountsQueue, whose record() only queues the row's key."""
        at = now()
        reply = answer_message(self.engine, None, text, channel=CHANNEL, at=at)
        await self.send(message, self.html(reply), self.buttons(reply.case))
        count_referral(self.counts, reply, channel=CHANNEL, at=at)
        log.debug("telegram: answered a message (%s chat)", message.chat.type)

    def picker(self, lang: str) -> InlineKeyboardMarkup | None:
        """One button that opens the prefecture picker (regions, then prefectures)."""
        label = self.engine.ui(lang, "action_choose_prefecture")
        return _markup(
            keyboard([Action("regions", label, Case(lang=lang, intent=INTENT_REFERRAL), region="*")])
        )

    def help_html(self, lang: str, *extra: str) -> tuple[str, InlineKeyboardMarkup | None]:
        case = Case(lang=lang, intent=INTENT_HELP)
        body = self.html(self.engine.answer(case, now()))
        commands = "\n".join(f"/{c} — {e(d)}" for c, d in COMMANDS[lang])
        for block in (*extra, f"<b>{COMMANDS_TITLE[lang]}</b>\n{commands}"):
            if utf16_len(f"{body}\n\n{block}") <= MAX_CHARS:
                body = f"{body}\n\n{block}"
        return body, self.buttons(case)

    # -------------------------------------------------------------- every update, first
    async def gate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not self.seen.first_time(update.update_id):
            log.info("telegram: skipped an update delivered twice")
            raise ApplicationHandlerStop

    # -------------------------------------------------------------- messages
    async def on_private(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        await self.answer(message, message.text or message.caption or "")

    async def on_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        username = (context.bot.username or "").lower()
        mentioned = False
        for entity, value in message.parse_entities(
            [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
        ).items():
            if (entity.type == MessageEntity.MENTION and value.lower() == f"@{username}") or (
                entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == context.bot.id
            ):
                mentioned = True
        if not mentioned:
            return  # groups: only commands and mentions of the bot
        text = (
            re.sub(rf"@{re.escape(username)}\b", " ", message.text, flags=re.IGNORECASE) if username else ""
        )
        await self.answer(message, text)

    # -------------------------------------------------------------- commands
    async def cmd_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not update.effective_message:
            return
        lang = lang_of(update, context.args)
        ui = self.engine.ui
        html = f"{e(ui(lang, 'start'))}\n\n{e(ui(lang, 'privacy_short'))}"
        await self.send(update.effective_message, html, self.buttons(Case(lang=lang, intent=INTENT_HELP)))

    async def cmd_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message:
            await self.send(update.effective_message, *self.help_html(lang_of(update, context.args)))

    async def cmd_lang(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not update.effective_message:
            return
        named = [a for a in (context.args or ()) if a.lower() in ("en", "english", "ja", "jp", "日本語")]
        lang = lang_of(update, named) if named else ("ja" if lang_of(update) == "en" else "en")
        await self.send(update.effective_message, *self.help_html(lang, e(LANG_NOTE[lang])))

    async def cmd_numbers(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message:
            await self.send(
                update.effective_message, fit(self.engine.numbers_reply(lang_of(update, context.args)))
            )

    async def cmd_privacy(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message:
            lang = lang_of(update, context.args)
            await self.send(update.effective_message, e(self.engine.ui(lang, "privacy_short")))

    async def cmd_center(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if not message:
            return
        lang = lang_of(update)
        name = " ".join(context.args or ()).strip()
        pick = self.picker(lang)
        if not name:
            await self.send(message, e(self.engine.ui(lang, "ask_place")), pick)
            return
        reply, suggestions = self.engine.center_reply(name, now(), lang=lang)
        if reply is not None:
            await self.send(message, self.html(reply), self.buttons(reply.case))
            return
        # the one place user text is echoed: cleaned (no control, bidi or broken characters), cut short
        lines = [self.engine.ui(lang, "unknown_prefecture", name=clean(name)[:60].strip())]
        if suggestions:
            names = ("、" if lang == "ja" else ", ").join(suggestions[:5])
            lines.append(self.engine.ui(lang, "did_you_mean", names=names))
        await self.send(message, fit("\n".join(lines)), pick)

    async def cmd_unknown(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.cmd_help(update, context)

    # -------------------------------------------------------------- buttons
    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        try:
            await query.answer()  # stops the client's spinner; the answer below matters more
        except TelegramError as exc:
            log.info("telegram: answerCallbackQuery failed (%s)", type(exc).__name__)
        result = follow_up(self.engine, query.data, counts=self.counts, channel=CHANNEL)  # counted only if a place is chosen
        if result is None or query.message is None:
            log.debug("telegram: ignored a button that is not ours")
            return
        reply, region = result
        html = self.html(reply)
        if region:  # the prefecture picker: only the buttons change
            back = Action(
                "back",
                self.engine.ui(reply.case.lang, "action_back"),
                reply.case,
                region=None if region == "*" else "*",
            )
            markup = _markup(keyboard([*self.engine.actions(reply.case, region=region), back]))
        else:
            markup = self.buttons(reply.case)
        message = query.message
        if message.is_accessible:
            try:
                if region:
                    await query.edit_message_reply_markup(reply_markup=markup)
                else:
                    await query.edit_message_text(
                        html, parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=NO_PREVIEW
                    )
                log.debug("telegram: answered a button")
                return
            except BadRequest as exc:
                if "not modified" in exc.message.lower():
                    return  # the same button pressed twice
        # too old to edit, or deleted: follow up with a new message instead
        await context.bot.send_message(
            chat_id=message.chat.id,
            text=html,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            link_preview_options=NO_PREVIEW,
        )
        log.debug("telegram: answered a button")

    # -------------------------------------------------------------- errors
    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure (type and frames, never text or ids) and send the fixed apology."""
        log.error("telegram: handling an update failed: %s", describe(context.error))
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        lang = lang_of(update)
        if update.callback_query and (state := decode(update.callback_query.data)):
            lang = state.case.lang
        try:
            await context.bot.send_message(
                chat_id=update.effective_chat.id, text=self.engine.ui(lang, "error_apology")
            )
        except Exception as exc:  # the error handler itself must never fail
            log.warning("telegram: could not send the apology (%s)", type(exc).__name__)


# ---------------------------------------------------------------------------- the application
async def register_commands(application: Application) -> None:
    """setMyCommands in Japanese (also the default for other languages) and English."""
    for language_code, lang in ((None, "ja"), ("ja", "ja"), ("en", "en")):
        commands = [BotCommand(c, d) for c, d in COMMANDS[lang]]
        try:
            await application.bot.set_my_commands(commands, language_code=language_code)
        except TelegramError as exc:  # the bot works without its menu
            log.warning("telegram: setMyCommands failed (%s)", type(exc).__name__)


def build_application(engine: Engine, counts: Counts | None, settings: Settings) -> Application:
    """The Telegram bot, ready to run; collaborators come in so a test can pass a fake Bot API
    (settings.base_url) and a recorder of counts."""
    register_secret(settings.token)
    register_secret(settings.webhook_secret)
    _scrub_library_loggers()
    request = BotAPIRequest(
        pool_size=settings.concurrent_updates + 8,
        attempts=settings.attempts,
        backoff=settings.backoff,
        max_retry_after=settings.max_retry_after,
    )
    updates_request = BotAPIRequest(pool_size=1, attempts=1)  # getUpdates: its own loop retries it
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .request(request)
        .get_updates_request(updates_request)
        .concurrent_updates(settings.concurrent_updates)
        .post_init(register_commands)
    )
    if settings.base_url:
        builder = builder.base_url(settings.base_url)
    app = builder.build()

    h = _Handlers(engine, counts, settings)
    new = filters.UpdateType.MESSAGE  # not edited messages: each message is answered (and counted) once
    private = filters.ChatType.PRIVATE
    app.add_handler(TypeHandler(Update, h.gate), group=-1)
    for name, callback in (
        ("start", h.cmd_start),
        ("help", h.cmd_help),
        ("center", h.cmd_center),
        ("numbers", h.cmd_numbers),
        ("privacy", h.cmd_privacy),
        ("lang", h.cmd_lang),
    ):
        app.add_handler(CommandHandler(name, callback, filters=new))
    app.add_handler(MessageHandler(new & private & filters.COMMAND, h.cmd_unknown))
    app.add_handler(MessageHandler(new & private & ~filters.COMMAND, h.on_private))
    app.add_handler(
        MessageHandler(new & filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND, h.on_group)
    )
    app.add_handler(CallbackQueryHandler(h.on_button))
    app.add_error_handler(h.on_error)
    _requests[app] = (request, updates_request)
    return app


_requests: weakref.WeakKeyDictionary[Application, tuple[BotAPIRequest, ...]] = weakref.WeakKeyDictionary()


async def close_requests(app: Application) -> None:
    """Close the HTTP sessions of an application from build_application. Application.shutdown does
    it too, but only for one whose initialize() succeeded; after a refused token or an unreachable
    Bot API this does (else aiohttp reports the open sessions on the way out)."""
    for request in _requests.pop(app, ()):
        await request.shutdown()


# ---------------------------------------------------------------------------- the command
def _fail(message: object, code: int = EXIT_USAGE) -> int:
    print(f"referral-bot telegram: {message}", file=sys.stderr)
    return code


def main(args: argparse.Namespace) -> int:
    """`referral-bot telegram [--webhook-url URL] [--port N] [--no-count]`."""
    try:
        settings = Settings.from_env(
            os.environ, webhook_url=getattr(args, "webhook_url", None), port=getattr(args, "port", None)
        )
    except SettingsError as exc:
        return _fail(exc)
    if settings.webhook_url and importlib.util.find_spec("tornado") is None:
        return _fail(
            "webhook mode needs python-telegram-bot[webhooks] (pip install 'python-telegram-bot[webhooks]')"
        )
    register_secret(settings.token)
    register_secret(settings.webhook_secret)
    setup_logging()

    from bot.cli import CliError, _counts, _engine

    try:
        engine = _engine()
    except CliError as exc:
        return _fail(exc)
    counts = _counts(args, background=True)
    app = build_application(engine, counts, settings)
    try:
        if settings.webhook_url:
            log.info("telegram: webhook mode, listening on port %d", settings.port)
            app.run_webhook(**webhook_kwargs(settings), close_loop=False)
        else:
            log.info("telegram: long polling")
            app.run_polling(**polling_kwargs(), close_loop=False)
    except InvalidToken:
        return _fail("Telegram refused TELEGRAM_BOT_TOKEN (revoked, or from another bot?)")
    except TelegramError as exc:
        return _fail(f"could not start: {type(exc).__name__}", 1)
    finally:
        loop = asyncio.get_event_loop()  # the one run_polling / run_webhook ran on, left open for this
        loop.run_until_complete(close_requests(app))
        loop.close()
        if counts is not None:
            counts.close()  # writes the counts still queued
    return 0
