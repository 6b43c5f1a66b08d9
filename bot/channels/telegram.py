"""The Telegram channel: a thin python-telegram-bot adapter over the engine (the only module that
imports python-telegram-bot).

`build_application(engine, counts, settings, clock)` makes the Application; `run` is
`referral-bot telegram` (long polling, or its own webhook server); `TelegramChannel` is the webhook
under `serve`. Private chats get every message answered, groups only commands and mentions; a
button carries its whole case (bot/state.py) and is never counted; a redelivered update_id is
answered once. Bot API calls go through BotAPIRequest (telegram_request.py). Logs hold no text,
ids or token: LibraryScrub strips arguments and messages from the library's own records.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import hmac
import json
import logging
import re
import signal
import traceback
import weakref
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
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
    ExtBot,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.channels.common import (
    Counts,
    Unreachable,
    answer_message,
    count_referral,
    delivery_ids,
    follow_up,
    greeting,
    now,
)
from bot.channels.telegram_request import BotAPIRequest
from bot.engine import Action, Engine
from bot.logs import register_secret
from bot.model import INTENT_HELP, INTENT_REFERRAL, Case, Reply
from bot.render.telegram import MAX_CHARS, e, fit, keyboard, render_html, utf16_len
from bot.settings import SettingsError, TelegramSettings
from bot.state import decode
from bot.text import clean

log = logging.getLogger(__name__)

CHANNEL = "telegram"
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]  # never edited messages: one answer per message
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
KEYBOARDS_CACHED = 4096  # keyboards kept, by case (a few hundred bytes each)

COMMAND_NAMES = ("start", "help", "center", "numbers", "privacy", "lang")  # described by guidance's command_*


def commands(engine: Engine, lang: str) -> list[tuple[str, str]]:
    """The command menu: (name, description) in `lang`, from knowledge/guidance.*.yaml."""
    return [(name, engine.ui(lang, f"command_{name}")) for name in COMMAND_NAMES]


def polling_kwargs() -> dict[str, Any]:
    """For Application.run_polling / Updater.start_polling."""
    return {"allowed_updates": ALLOWED_UPDATES, "drop_pending_updates": False}


def webhook_kwargs(settings: TelegramSettings) -> dict[str, Any]:
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
    def __init__(self, engine: Engine, counts: Counts | None, settings: TelegramSettings,
                 clock: Callable[[], dt.datetime] = now):  # fmt: skip
        self.engine = engine
        self.counts = counts
        self.clock = clock
        self.seen = delivery_ids(settings.dedup_window, CHANNEL)
        self._keyboards = functools.lru_cache(maxsize=KEYBOARDS_CACHED)(self._keyboard)

    # -------------------------------------------------------------- pieces
    def html(self, reply: Reply) -> str:
        return render_html(reply, self.engine.guidance(reply.case.lang))

    def buttons(self, case: Case) -> InlineKeyboardMarkup | None:
        """The keyboard for a case, built once per case: the same few thousand cases recur and a
        keyboard is a frozen python-telegram-bot object."""
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
        at = self.clock()
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
        body = self.html(self.engine.answer(case, self.clock()))
        listed = "\n".join(f"/{c} — {e(d)}" for c, d in commands(self.engine, lang))
        for block in (*extra, f"<b>{e(self.engine.ui(lang, 'commands_title'))}</b>\n{listed}"):
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
        html = "\n\n".join(e(part) for part in greeting(self.engine, lang, numbers=False))
        await self.send(update.effective_message, html, self.buttons(Case(lang=lang, intent=INTENT_HELP)))

    async def cmd_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message:
            await self.send(update.effective_message, *self.help_html(lang_of(update, context.args)))

    async def cmd_lang(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not update.effective_message:
            return
        named = [a for a in (context.args or ()) if a.lower() in ("en", "english", "ja", "jp", "日本語")]
        lang = lang_of(update, named) if named else ("ja" if lang_of(update) == "en" else "en")
        await self.send(update.effective_message, *self.help_html(lang, e(self.engine.ui(lang, "lang_note"))))

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
        reply, suggestions = self.engine.center_reply(name, self.clock(), lang=lang)
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
async def register_commands(application: Application, engine: Engine) -> None:
    """setMyCommands in Japanese (also the default for other languages) and English."""
    for language_code, lang in ((None, "ja"), ("ja", "ja"), ("en", "en")):
        menu = [BotCommand(c, d) for c, d in commands(engine, lang)]
        try:
            await application.bot.set_my_commands(menu, language_code=language_code)
        except TelegramError as exc:  # the bot works without its menu
            log.warning("telegram: setMyCommands failed (%s)", type(exc).__name__)


async def _register_commands_of(engine: Engine, application: Application) -> None:
    await register_commands(application, engine)


def build_application(engine: Engine, counts: Counts | None, settings: TelegramSettings,
                      clock: Callable[[], dt.datetime] = now) -> Application:  # fmt: skip
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
        .post_init(functools.partial(_register_commands_of, engine))
    )
    if settings.base_url:
        builder = builder.base_url(settings.base_url)
    app = builder.build()

    h = _Handlers(engine, counts, settings, clock)
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
def run(engine: Engine, counts: Counts | None, settings: TelegramSettings,
        clock: Callable[[], dt.datetime] = now) -> None:  # fmt: skip
    """`referral-bot telegram`: long polling, or a webhook server with GET /healthz, until SIGINT or
    SIGTERM. SettingsError for a refused token; a Bot API out of reach is waited for."""
    loop = asyncio.new_event_loop()  # the probe's, then run_polling's / the webhook server's
    asyncio.set_event_loop(loop)
    if not loop.run_until_complete(reach_bot_api(settings)):
        loop.close()
        return  # SIGINT or SIGTERM before the Bot API answered
    if settings.webhook_url:
        try:
            loop.run_until_complete(serve_webhook(engine, counts, settings, clock))
        finally:
            loop.close()
        return
    app = build_application(engine, counts, settings, clock)
    try:
        log.info("telegram: long polling")
        app.run_polling(**polling_kwargs(), close_loop=False)
    except InvalidToken:
        raise SettingsError("Telegram refused TELEGRAM_BOT_TOKEN (revoked, or from another bot?)") from None
    except TelegramError as exc:
        raise StartError(f"could not start: {type(exc).__name__}") from None
    finally:
        loop = asyncio.get_event_loop()  # the one run_polling ran on, left open for this
        loop.run_until_complete(close_requests(app))
        loop.close()


async def serve_webhook(engine: Engine, counts: Counts | None, settings: TelegramSettings,
                        clock: Callable[[], dt.datetime] = now) -> None:  # fmt: skip
    """`telegram --webhook-url`: the channel `serve` runs (TelegramChannel: setWebhook, the secret
    token header, else 403) on the URL's path, and serve's GET /healthz, until SIGINT or SIGTERM;
    then the updates already accepted are answered."""
    from bot.channels.common import stop_on_signals
    from bot.channels.health import PATH, Health

    stop = stop_on_signals()
    channel = TelegramChannel(engine, counts, settings, clock)
    await channel.start()
    runner: web.AppRunner | None = None
    try:
        app = web.Application()
        app.router.add_post("/" + urlsplit(settings.webhook_url or "").path.strip("/"), channel.webhook)
        app.router.add_get(PATH, Health(engine.kb, counts, [CHANNEL], clock=clock).handler)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=10.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, settings.listen, settings.port).start()
        except OSError as e:
            raise SettingsError(f"cannot listen on {settings.listen}:{settings.port} ({type(e).__name__})") from None
        log.info("telegram: webhook mode, listening on port %d", runner.addresses[0][1])
        await stop.wait()
    finally:
        if runner is not None:
            await runner.cleanup()
        await channel.stop()


PROBE_TIMEOUT_S = 10.0
REFUSED_TOKEN = "Telegram refused TELEGRAM_BOT_TOKEN (revoked, or from another bot?)"


async def probe_bot_api(settings: TelegramSettings) -> None:
    """getMe once: SettingsError for a 401; Unreachable for no connection, a 5xx, or an answer that is
    not the Bot API's (a proxy's 404 page), never quoting the URL (it holds the token)."""
    import httpx

    url = f"{settings.base_url or 'https://api.telegram.org/bot'}{settings.token}/getMe"
    try:
        async with httpx.AsyncClient(timeout=PROBE_TIMEOUT_S) as client:
            response = await client.get(url)
        reason = _probe_answer(response.status_code, response.content)
    except httpx.HTTPError as e:
        reason = type(e).__name__
    if reason is not None:
        raise Unreachable(f"cannot reach the Bot API ({reason})")


async def reach_bot_api(settings: TelegramSettings) -> bool:
    """getMe until the Bot API answers, before python-telegram-bot starts (which, out of reach,
    stops with a traceback; and reads a 404 as a refused token): `probe_bot_api` tried again after
    1, 2, 4 ... 60 s, one log line a try (common.until_reached). False when SIGINT or SIGTERM came first."""
    from bot.channels.common import stop_on_signals, until_reached

    stop = stop_on_signals()
    try:
        return await until_reached(lambda: probe_bot_api(settings), stop, CHANNEL, logger=log)
    finally:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):  # python-telegram-bot installs its own
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)


def _probe_answer(status: int, body: bytes) -> str | None:
    """None when getMe answered as the Bot API does; SettingsError for a refused token; else why
    it is worth trying again."""
    try:
        data = json.loads(body)
        ours = isinstance(data, dict) and isinstance(data.get("ok"), bool)
    except ValueError:
        data, ours = None, False
    if not ours:
        return f"HTTP {status}, not the Bot API's answer"
    if data["ok"]:
        return None
    if status == 401 or data.get("error_code") == 401:
        raise SettingsError(REFUSED_TOKEN)
    return f"HTTP {status}"


class StartError(Exception):
    """The Bot API failed at start-up for another reason than the token: exit code 1."""


# ---------------------------------------------------------------------------- under `serve`
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class TelegramChannel:
    """Telegram's webhook under `serve` (bot/channels/base.py): POST /telegram/webhook, checked by the
    secret token header (else 403); updates go to the Application's queue, no updater of its own."""

    name = CHANNEL

    def __init__(self, engine: Engine, counts: Counts | None, settings: TelegramSettings,
                 clock: Callable[[], dt.datetime] = now):  # fmt: skip
        self.settings = settings
        self.app = build_application(engine, counts, settings, clock)
        self._started = False

    async def start(self) -> None:
        """getMe first (Unreachable: `serve` tries start again), then the Application."""
        app, settings = self.app, self.settings
        await probe_bot_api(settings)
        try:
            await app.initialize()  # getMe: checks the token
        except InvalidToken:
            await close_requests(app)
            raise SettingsError("Telegram refused TELEGRAM_BOT_TOKEN (revoked, or from another bot?)") from None
        except TelegramError as e:
            await close_requests(app)
            raise SettingsError(f"cannot reach the Telegram Bot API ({type(e).__name__})") from None
        except Exception as e:  # an answer the library cannot read (a proxy's page, a broken API)
            await close_requests(app)
            raise SettingsError(f"the Telegram Bot API gave an unreadable answer ({type(e).__name__})") from None
        self._started = True
        if app.post_init:
            await app.post_init(app)  # setMyCommands, as run_webhook would
        if settings.webhook_url:
            try:
                await app.bot.set_webhook(
                    url=settings.webhook_url,
                    secret_token=settings.webhook_secret,
                    allowed_updates=ALLOWED_UPDATES,
                    drop_pending_updates=False,
                )
            except TelegramError as e:
                raise SettingsError(f"Telegram refused TELEGRAM_WEBHOOK_URL ({type(e).__name__})") from None
        await app.start()  # the update queue's consumer; no updater: updates come from the route

    def routes(self, web_app: web.Application) -> None:
        web_app.router.add_post(WEBHOOK_PATH, self.webhook)

    async def webhook(self, request: web.Request) -> web.Response:
        secret = (self.settings.webhook_secret or "").encode("utf-8")
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not secret or not hmac.compare_digest(given, secret):
            log.warning("telegram: rejected a webhook request without the right secret token")
            return web.Response(status=403, text="forbidden")
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, self.app.bot) if isinstance(data, dict) else None
        except Exception as e:  # never log the data or the message: they quote the update
            log.warning("telegram: rejected an unreadable update (%s)", type(e).__name__)
            update = None
        if update is None:
            return web.Response(status=400, text="bad request")
        if isinstance(self.app.bot, ExtBot):
            self.app.bot.insert_callback_data(update)
        await self.app.update_queue.put(update)
        return web.Response(text="OK")

    async def stop(self) -> None:
        app, started, self._started = self.app, self._started, False
        if not started:
            return
        with contextlib.suppress(Exception):
            if app.running:
                await app.stop()  # handles the updates already queued first
            await app.shutdown()


webhook_channel = TelegramChannel
