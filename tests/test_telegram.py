"""The Telegram channel end to end: a real python-telegram-bot Application, built by
build_application and run by its real Updater (long polling, or the webhook server), talks over
loopback to the fake Bot API in tests/fakes/telegram_api.py. Nothing of ours is mocked; the only
stand-in is a recorder of counts (the counts store's `record` signature). No test contacts
Telegram, needs a real token, or depends on timing (waits have a safety timeout only).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import socket
import sys
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from typing import Any, ClassVar

import httpx
import pytest
from aiohttp import web

from bot.channels.telegram import (
    build_application,
    commands,
    webhook_kwargs,
)
from bot.logs import LIBRARY_LOGGERS
from bot.model import CenterView, ContactView, Reply, Section
from bot.render.telegram import MAX_CHARS, render_html, utf16_len
from bot.settings import TelegramSettings
from bot.state import decode
from tests.fakes import logs as fake_logs
from tests.fakes.counts import Recorder
from tests.fakes.harness.telegram import TelegramHarness
from tests.fakes.telegram_api import BOT_USERNAME, TOKEN, Call, FakeBotAPI

# python-telegram-bot warns about its own RetryAfter.retry_after type change when it builds one
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET = "webhook-secret_0123456789"
USER_ID = 7265019384  # also the private chat id
GROUP_ID = -1009876543210
YOKOHAMA = "横浜市の病院です。性被害にあったかもしれない患者さんがいます"


def settings_for(api: FakeBotAPI, **kw: Any) -> TelegramSettings:
    return TelegramSettings(token=TOKEN, base_url=api.base_url, backoff=0.0, **kw)


@pytest.fixture
async def api():
    fake = await FakeBotAPI().start()
    yield fake
    await fake.close()


async def start_polling(api: FakeBotAPI, engine, counts) -> TelegramHarness:
    return await TelegramHarness.start(api, engine, counts, settings_for(api))


@pytest.fixture
async def bot(api, engine):
    running = await start_polling(api, engine, Recorder())
    yield running
    await running.stop()


class TelegramHTML(HTMLParser):
    """Checks that a text is well-formed Telegram HTML using only the tags we emit."""

    ALLOWED: ClassVar[set[str]] = {"b", "i", "code", "a"}

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.hrefs: list[str] = []
        self.feed(text)
        self.close()
        assert not self.stack, f"unclosed tags: {self.stack}"

    def handle_starttag(self, tag, attrs):
        assert tag in self.ALLOWED, tag
        if tag == "a":
            self.hrefs.append(dict(attrs)["href"])
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, f"misnested </{tag}>"


def buttons(call: Call) -> list[dict[str, str]]:
    markup = call.json("reply_markup") or {"inline_keyboard": []}
    return [b for row in markup["inline_keyboard"] for b in row]


def press(bot: TelegramHarness, sent: Call, predicate) -> dict[str, Any]:
    """The update for pressing the first button of `sent` that matches."""
    button = next(b for b in buttons(sent) if "callback_data" in b and predicate(b))
    return bot.api.button(button["callback_data"], message=bot.api.sent_message(sent))


def visible(html_text: str) -> str:
    """What the user reads (tags removed, entities decoded)."""
    import re

    return unescape(re.sub(r"<[^>]+>", "", html_text))


# ---------------------------------------------------------------------------- private chats
async def test_referral_in_private_chat(bot, engine):
    expected = engine.reply(YOKOHAMA, dt.datetime.now(dt.UTC))
    assert expected.case.prefecture == "14"  # 横浜市 -> 神奈川県

    sent = await bot.send(bot.api.private_text(YOKOHAMA))

    assert sent.params["chat_id"] == str(USER_ID)
    assert sent.params["parse_mode"] == "HTML"
    text = sent.params["text"]
    TelegramHTML(text)
    assert utf16_len(text) <= MAX_CHARS
    assert "#8891" in visible(text)
    assert expected.centers
    for center in expected.centers:
        assert center.name in visible(text)
        for phone in center.phones:
            assert phone in visible(text)
    assert json.loads(sent.params["link_preview_options"])["is_disabled"] is True

    data = [b["callback_data"] for b in buttons(sent) if "callback_data" in b]
    assert data and all(len(d.encode()) <= 64 and decode(d) is not None for d in data)
    assert any(decode(d).case.lang == "en" for d in data)  # switch language
    assert any("danger" in decode(d).case.flags for d in data)  # the danger addition
    websites = [c.website for c in expected.centers if c.website]
    assert [b["url"] for b in buttons(sent) if "url" in b] == websites

    await bot.stop()  # counting follows the send: let every update finish
    assert bot.counts.counted == [("14", "telegram")]


async def test_answers_go_to_the_bot_api_as_json(bot, engine):
    """Parameters go as one UTF-8 JSON object (not a percent-encoded form, three times the bytes
    of a Japanese answer): nested objects as objects, the text as written."""
    sent = await bot.send(bot.api.private_text(YOKOHAMA))
    assert sent.content_type == "application/json"
    assert sent.raw is not None and sent.raw["text"] == sent.params["text"]
    assert isinstance(sent.raw["chat_id"], int) and sent.raw["chat_id"] == USER_ID
    assert isinstance(sent.raw["reply_markup"], dict) and sent.raw["reply_markup"]["inline_keyboard"]
    assert sent.raw["link_preview_options"] == {"is_disabled": True}
    assert "神奈川" in sent.raw["text"]
    update = press(bot, sent, lambda b: "danger" in decode(b["callback_data"]).case.flags)
    edited = await bot.send(update, "editMessageText")
    assert edited.content_type == "application/json" and isinstance(edited.raw["message_id"], int)


async def test_get_updates_goes_through_our_request_too(bot):
    """getUpdates, like every call, goes through BotAPIRequest (aiohttp, JSON)."""
    await bot.send(bot.api.private_text(YOKOHAMA))
    polls = bot.api.calls_to("getUpdates")
    assert polls and all(c.content_type == "application/json" for c in polls)
    assert all(isinstance(c.raw["timeout"], int | float) for c in polls)


async def test_a_file_goes_as_multipart_form_data(api):
    """We send no files, but BotAPIRequest is a whole networking backend: a call with a file goes as
    multipart/form-data, with the other parameters beside it."""
    from telegram import Bot
    from telegram.error import TelegramError

    from bot.channels.telegram_request import BotAPIRequest

    request = BotAPIRequest(pool_size=1, attempts=1)
    async with Bot(TOKEN, base_url=api.base_url, request=request, get_updates_request=BotAPIRequest(pool_size=1)) as b:
        with pytest.raises(TelegramError):  # the fake knows no sendDocument: 404
            await b.send_document(chat_id=USER_ID, document=b"referral card", filename="card.txt", caption="カード")
    [call] = api.calls_to("sendDocument")
    assert call.content_type == "multipart/form-data"
    assert call.params["chat_id"] == str(USER_ID) and call.params["caption"] == "カード"


async def test_a_call_that_outlasts_its_read_timeout_is_tried_again_then_times_out():
    from aiohttp import web
    from telegram.error import TimedOut
    from telegram.request import RequestData

    from bot.channels.telegram_request import BotAPIRequest

    hits = []

    async def slow(request: web.Request) -> web.Response:
        hits.append(request.path)
        await asyncio.sleep(5)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", slow)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/bot{TOKEN}/getMe"
    request = BotAPIRequest(pool_size=2, attempts=2, backoff=0.0, read_timeout=0.1)
    try:
        with pytest.raises(TimedOut):
            await request.do_request(url, "POST", RequestData([]))
        assert hits == [f"/bot{TOKEN}/getMe"] * 2  # tried twice, each given up after 0.1 s
    finally:
        await request.shutdown()
        await runner.cleanup()


async def test_the_proxy_the_environment_names_is_used_unless_no_proxy_says_otherwise(monkeypatch):
    """HTTP(S)_PROXY and NO_PROXY, as httpx honoured them: here a local stand-in for a forward proxy
    answers for a Bot API address where nothing listens."""
    from aiohttp import web
    from telegram.error import NetworkError
    from telegram.request import RequestData

    from bot.channels.telegram_request import BotAPIRequest

    seen = []

    async def proxy(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Host"))
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{runner.addresses[0][1]}")
    nowhere = f"http://127.0.0.1:1/bot{TOKEN}/getMe"  # port 1: nothing listens there
    try:
        request = BotAPIRequest(pool_size=1, attempts=1)
        assert (await request.do_request(nowhere, "POST", RequestData([])))[0] == 200
        assert seen == ["127.0.0.1:1"]  # the request went to the proxy, for the Bot API's address
        await request.shutdown()

        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        request = BotAPIRequest(pool_size=1, attempts=1)
        with pytest.raises(NetworkError):  # straight to port 1: refused
            await request.do_request(nowhere, "POST", RequestData([]))
        assert seen == ["127.0.0.1:1"]
        await request.shutdown()
    finally:
        await runner.cleanup()


async def test_button_edits_the_same_message_and_is_not_counted(bot, engine):
    sent = await bot.send(bot.api.private_text(YOKOHAMA))
    update = press(bot, sent, lambda b: "danger" in decode(b["callback_data"]).case.flags)

    edited = await bot.send(update, "editMessageText")

    assert edited.params["message_id"] == str(sent.result["message_id"])
    assert edited.params["chat_id"] == str(USER_ID)
    assert edited.params["parse_mode"] == "HTML"
    TelegramHTML(edited.params["text"])
    assert engine.ui("ja", "headline_referral_danger") in visible(edited.params["text"])
    labels = [b["text"] for b in buttons(edited)]
    assert engine.ui("ja", "action_danger") not in labels and engine.ui("ja", "action_minor") in labels
    await bot.api.wait_for("answerCallbackQuery")
    await bot.stop()
    assert len(bot.counts.cases) == 1  # the press refined the same case
    assert len(bot.api.answered("sendMessage")) == 1


async def test_counts_reach_the_real_store_once(api, engine, tmp_path):
    from bot.counts import CountsStore

    store = CountsStore(tmp_path / "counts.db")
    running = await start_polling(api, engine, store)
    try:
        update = api.private_text(YOKOHAMA)
        api.feed(update, update)  # delivered twice
        sent = (await api.wait_for("sendMessage"))[0]
        await running.send(
            press(running, sent, lambda b: "minor" in decode(b["callback_data"]).case.flags),
            "editMessageText",
        )
    finally:
        await running.stop()
    rows = store.rows()
    assert [(r.prefecture, r.channel, r.n) for r in rows] == [("14", "telegram", 1)]


async def test_language_button_switches_the_answer_to_english(bot, engine):
    sent = await bot.send(bot.api.private_text(YOKOHAMA))
    edited = await bot.send(
        press(bot, sent, lambda b: decode(b["callback_data"]).case.lang == "en"), "editMessageText"
    )
    prefecture = engine.prefecture_name("14", "en")
    assert prefecture in visible(edited.params["text"])
    assert any(b["text"] == engine.ui("en", "action_lang") for b in buttons(edited))


async def test_ambiguous_place_asks_with_buttons_then_answers(bot, engine):
    sent = await bot.send(bot.api.private_text("府中市の病院、性被害の患者さん"))
    choices = [decode(b["callback_data"]).case for b in buttons(sent) if "callback_data" in b]
    assert {c.prefecture for c in choices if c.prefecture} >= {"13", "34"}

    edited = await bot.send(
        press(bot, sent, lambda b: decode(b["callback_data"]).case.prefecture == "13"), "editMessageText"
    )
    assert engine.prefecture_name("13", "ja") in visible(edited.params["text"])
    await bot.stop()  # counting follows the send: let every update finish
    assert bot.counts.counted == [("13", "telegram")]  # once, under the choice


async def test_prefecture_picker_changes_only_the_buttons(bot, engine):
    sent = await bot.send(bot.api.private_text(YOKOHAMA))
    regions = await bot.send(
        press(bot, sent, lambda b: decode(b["callback_data"]).region == "*"), "editMessageReplyMarkup"
    )
    assert regions.params["message_id"] == str(sent.result["message_id"])
    region_buttons = [decode(b["callback_data"]) for b in buttons(regions)]
    assert len([s for s in region_buttons if s.region not in (None, "*")]) >= 6
    assert region_buttons[-1].region is None  # back to the answer

    region = next(s.region for s in region_buttons if s.region not in (None, "*"))
    first = next(b for b in buttons(regions) if decode(b["callback_data"]).region == region)
    prefectures = await bot.send(
        bot.api.button(first["callback_data"], message=bot.api.sent_message(sent)), "editMessageReplyMarkup"
    )
    picked = [decode(b["callback_data"]) for b in buttons(prefectures)]
    code = next(s.case.prefecture for s in picked if s.case.prefecture and s.region is None)
    target = next(b for b in buttons(prefectures) if decode(b["callback_data"]).case.prefecture == code)

    edited = await bot.send(
        bot.api.button(target["callback_data"], message=bot.api.sent_message(sent)), "editMessageText"
    )
    assert engine.prefecture_name(code, "ja") in visible(edited.params["text"])
    await bot.stop()  # counting follows the send: let every update finish
    assert len(bot.counts.cases) == 1


async def test_forged_button_data_is_ignored_quietly(bot):
    bot.api.feed(bot.api.button("not-our-data"))
    await bot.api.wait_for("answerCallbackQuery")
    await bot.stop()
    assert not bot.api.calls_to("editMessageText") and not bot.api.calls_to("sendMessage")


ODD_INPUTS = {
    "empty": "",
    "4096 characters": "あ" * 4000 + "横浜市" + "x" * 93,
    "emoji only": "😀🙏🏽👩‍⚕️" * 10,
    "binary-ish": "\x00\x01\x02\x7f\ufffd\u200b\u202e\x1b[31m",
}


@pytest.mark.parametrize("text", ODD_INPUTS.values(), ids=ODD_INPUTS.keys())
async def test_odd_input_gets_a_clear_answer(bot, text):
    sent = await bot.send(bot.api.private_text(text))
    TelegramHTML(sent.params["text"])
    assert "#8891" in visible(sent.params["text"])
    assert utf16_len(sent.params["text"]) <= MAX_CHARS


async def test_a_sticker_gets_the_help_answer_and_is_not_counted(bot):
    sent = await bot.send(
        bot.api.private_text(
            None,
            sticker={
                "file_id": "x",
                "file_unique_id": "y",
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            },
        )
    )
    assert "#8891" in visible(sent.params["text"])
    await bot.stop()  # counting follows the send: let every update finish
    assert bot.counts.cases == []


async def test_edited_messages_are_not_answered_again(bot):
    bot.api.feed(bot.api.update(edited_message=bot.api.message(YOKOHAMA, edit_date=1)))
    await bot.send(bot.api.private_text("sentinel"))
    await bot.stop()
    assert len(bot.api.answered("sendMessage")) == 1


# ---------------------------------------------------------------------------- commands
async def test_commands_are_registered_in_japanese_and_english(bot, engine):
    calls = bot.api.answered("setMyCommands")
    by_language = {c.params.get("language_code"): [x["command"] for x in c.json("commands")] for c in calls}
    names = ["start", "help", "center", "numbers", "privacy", "lang"]
    assert by_language == {None: names, "ja": names, "en": names}
    english = next(c for c in calls if c.params.get("language_code") == "en").json("commands")
    assert [x["description"] for x in english] == [d for _, d in commands(engine, "en")]


async def test_start(bot, engine):
    sent = await bot.send(bot.api.command("/start"))
    text = visible(sent.params["text"])
    assert engine.ui("ja", "start") in text and engine.ui("ja", "privacy_short") in text
    await bot.stop()  # counting follows the send: let every update finish
    assert bot.counts.cases == []


async def test_help_in_the_users_language(bot, engine):
    sent = await bot.send(bot.api.command("/help", user=bot.api.user(language_code="en")))
    text = visible(sent.params["text"])
    assert engine.ui("en", "headline_help") in text
    assert all(f"/{name}" in text for name, _ in commands(engine, "en"))


async def test_center_with_a_place(bot, engine):
    sent = await bot.send(bot.api.command("/center 横浜"))
    expected, _ = engine.center_reply("横浜", dt.datetime.now(dt.UTC), lang="ja")
    assert expected is not None and expected.centers
    assert expected.centers[0].name in visible(sent.params["text"])
    await bot.stop()  # counting follows the send: let every update finish
    assert bot.counts.cases == []  # a directory lookup, not a referral


async def test_center_without_a_place_asks_and_offers_the_picker(bot, engine):
    sent = await bot.send(bot.api.command("/center"))
    assert engine.ui("ja", "ask_place") in visible(sent.params["text"])
    assert [decode(b["callback_data"]).region for b in buttons(sent)] == ["*"]


async def test_center_with_an_unknown_place_says_so(bot, engine):
    sent = await bot.send(bot.api.command("/center <b>ありえない町</b>"))
    assert engine.ui("ja", "unknown_prefecture", name="<b>ありえない町</b>") in visible(sent.params["text"])
    TelegramHTML(sent.params["text"])  # the user's text is escaped, not markup


@pytest.mark.parametrize("odd", ["\ud800", "\u202e", "\x00"])
async def test_an_echoed_place_is_cleaned_first(bot, engine, odd):
    """The one place user text is echoed: a lone surrogate (valid JSON from Telegram, not encodable
    as UTF-8), a bidi override (could turn the answer around) or a control character is blanked,
    and the answer goes out instead of the apology."""
    sent = await bot.send(bot.api.command(f"/center ありえない{odd}町"))
    assert engine.ui("ja", "unknown_prefecture", name="ありえない 町") in visible(sent.params["text"])


async def test_numbers(bot, engine):
    sent = await bot.send(bot.api.command("/numbers"))
    assert visible(sent.params["text"]) == engine.numbers_reply("ja")


async def test_privacy(bot, engine):
    sent = await bot.send(bot.api.command("/privacy en"))
    assert visible(sent.params["text"]) == engine.ui("en", "privacy_short")


async def test_lang_shows_the_other_language(bot, engine):
    sent = await bot.send(bot.api.command("/lang"))  # a Japanese user
    text = visible(sent.params["text"])
    assert engine.ui("en", "lang_note") in text
    assert any(b["text"] == engine.ui("en", "action_lang") for b in buttons(sent))


async def test_unknown_command_in_private_gets_help(bot):
    sent = await bot.send(bot.api.command("/frobnicate"))
    assert "/center" in visible(sent.params["text"])


# ---------------------------------------------------------------------------- groups
async def test_groups_answer_only_commands_and_mentions(bot):
    api = bot.api
    api.feed(api.group_text(YOKOHAMA))  # ignored: no mention
    api.feed(api.command("/help@some_other_bot", chat_id=GROUP_ID, chat_type="supergroup"))  # not for us
    mention = api.group_text(f"@{BOT_USERNAME} {YOKOHAMA}", mention=True)
    api.feed(mention)
    api.feed(api.command(f"/numbers@{BOT_USERNAME}", chat_id=GROUP_ID, chat_type="supergroup"))
    await api.wait_for("sendMessage", 2)
    await bot.stop()

    sent = api.answered("sendMessage")
    assert len(sent) == 2
    assert all(c.params["chat_id"] == str(GROUP_ID) for c in sent)
    answer = next(c for c in sent if "#8891" in c.params["text"] and c.params.get("reply_markup"))
    assert json.loads(answer.params["reply_parameters"])["message_id"] == mention["message"]["message_id"]
    await bot.stop()  # counting follows the send: let every update finish
    assert [c.prefecture for c in bot.counts.cases] == ["14"]  # only the mention counted


# ---------------------------------------------------------------------------- dedup
async def test_an_update_delivered_twice_is_answered_and_counted_once(bot):
    update = bot.api.private_text(YOKOHAMA)
    bot.api.feed(update, update)
    await bot.send(bot.api.private_text("sentinel"))
    await bot.stop()
    assert len(bot.api.answered("sendMessage")) == 2  # the referral once, and the sentinel
    assert len(bot.counts.cases) == 1


# ---------------------------------------------------------------------------- faults
async def test_429_is_retried_after_retry_after(bot):
    bot.api.fail("sendMessage", 429, retry_after=1)
    await bot.send(bot.api.private_text(YOKOHAMA))
    assert [c.status for c in bot.api.calls_to("sendMessage")] == [429, 200]
    await bot.stop()  # counting follows the send: let every update finish
    assert len(bot.counts.cases) == 1


@pytest.mark.parametrize("status", [500, 502])
async def test_5xx_is_retried(bot, status):
    bot.api.fail("sendMessage", status, times=2)
    sent = await bot.send(bot.api.private_text(YOKOHAMA))
    assert [c.status for c in bot.api.calls_to("sendMessage")] == [status, status, 200]
    assert "#8891" in sent.params["text"] and sent.params.get("parse_mode") == "HTML"


async def test_a_dropped_connection_is_retried(bot):
    bot.api.fail("sendMessage", 0)  # the fake closes the connection without answering
    await bot.send(bot.api.private_text(YOKOHAMA))
    assert [c.status for c in bot.api.calls_to("sendMessage")] == [0, 200]


async def test_permanent_failure_is_logged_apologised_for_and_the_bot_lives_on(bot, engine, caplog):
    bot.api.fail("sendMessage", 500, times=3)  # every try of the answer (Settings.attempts)
    caplog.set_level(logging.INFO, logger="bot")
    apology = await bot.send(bot.api.private_text(YOKOHAMA))

    assert [c.status for c in bot.api.calls_to("sendMessage")] == [500, 500, 500, 200]
    assert apology.params["text"] == engine.ui("ja", "error_apology") and "#8891" in apology.params["text"]
    assert "parse_mode" not in apology.params
    assert any(
        r.levelno == logging.WARNING and "gave up after 3 attempts" in r.getMessage() for r in caplog.records
    )
    assert any(r.levelno == logging.ERROR and r.name == "bot.channels.telegram" for r in caplog.records)

    after = await bot.send(bot.api.private_text(YOKOHAMA))  # still alive
    assert after.params.get("parse_mode") == "HTML"


async def test_blocked_by_the_user_is_not_retried(bot, caplog):
    bot.api.fail("sendMessage", 403, times=2)  # the answer and the apology
    caplog.set_level(logging.INFO, logger="bot")
    bot.api.feed(bot.api.private_text(YOKOHAMA))
    await bot.api.wait_for("sendMessage", 2, ok=False)
    await bot.send(bot.api.private_text("sentinel"))
    assert [c.status for c in bot.api.calls_to("sendMessage")] == [403, 403, 200]
    assert any("could not send the apology (Forbidden)" in r.getMessage() for r in caplog.records)


async def test_a_429_asking_for_too_long_is_given_up_at_once(bot, engine):
    bot.api.fail("sendMessage", 429, retry_after=3600)
    apology = await bot.send(bot.api.private_text(YOKOHAMA))
    assert [c.status for c in bot.api.calls_to("sendMessage")] == [429, 200]
    assert apology.params["text"] == engine.ui("ja", "error_apology")


async def test_polling_survives_a_failing_getupdates(bot):
    bot.api.fail("getUpdates", 502)  # the next long poll fails (the one pending now returns normally)
    await bot.send(bot.api.private_text(YOKOHAMA))
    await bot.api.wait_until(lambda: any(c.status == 502 for c in bot.api.calls_to("getUpdates")))
    await bot.send(bot.api.private_text(YOKOHAMA))  # python-telegram-bot backed off and polls again
    assert len(bot.api.answered("sendMessage")) == 2


# ---------------------------------------------------------------------------- webhook
@pytest.fixture
async def webhook(api, engine):
    """The real webhook server of python-telegram-bot, on a loopback socket bound to port 0
    (start_webhook accepts a bound socket; production listens on settings.port)."""
    settings = settings_for(api, webhook_url="https://bot.example.org/tg/hook", webhook_secret=SECRET)
    counts = Recorder()
    app = build_application(engine, counts, settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.setblocking(False)
    await app.initialize()
    kwargs = {k: v for k, v in webhook_kwargs(settings).items() if k not in ("listen", "port")}
    await app.updater.start_webhook(**kwargs, unix=sock)
    await app.start()
    async with httpx.AsyncClient(trust_env=False) as client:
        running = Webhook(
            app, api, counts, url=f"http://127.0.0.1:{sock.getsockname()[1]}/tg/hook", client=client
        )
        yield running
        await running.stop()


@dataclass
class Webhook(TelegramHarness):
    url: str = ""
    client: httpx.AsyncClient | None = None

    async def post(self, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
        """POST an update the way Telegram does (JSON), with the given headers."""
        assert self.client is not None
        return await self.client.post(
            self.url, content=json.dumps(body), headers={"Content-Type": "application/json", **headers}
        )


async def test_webhook_checks_the_secret_token(webhook):
    api = webhook.api
    set_webhook = api.answered("setWebhook")[-1]
    assert set_webhook.params["url"] == "https://bot.example.org/tg/hook"
    assert set_webhook.params["secret_token"] == SECRET

    assert (await webhook.post(api.private_text(YOKOHAMA), {})).status_code == 403
    wrong = {"X-Telegram-Bot-Api-Secret-Token": "not-the-secret"}
    assert (await webhook.post(api.private_text(YOKOHAMA), wrong)).status_code == 403
    right = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    update = api.private_text(YOKOHAMA)
    assert (await webhook.post(update, right)).status_code == 200
    assert (await webhook.post(update, right)).status_code == 200  # Telegram redelivers: answered once
    await api.wait_for("sendMessage")
    await webhook.stop()
    assert len(api.answered("sendMessage")) == 1
    assert len(webhook.counts.cases) == 1


# ---------------------------------------------------------------------------- logs
@pytest.fixture
def production_logs():
    """Production logging at DEBUG, the library loggers lowered to DEBUG too (tests/fakes/logs.py)."""
    libraries = [*LIBRARY_LOGGERS, "telegram.ext.Updater", "telegram.ext.Application", "telegram.Bot", "tornado"]
    with fake_logs.production_logging(debug_libraries=libraries) as output:
        yield output


async def test_logs_at_debug_hold_no_text_id_or_token(production_logs, webhook, engine):
    api = webhook.api
    right = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    marker = "患者ミナトミライ太郎さん 横浜市 性被害 090-1234-5678"

    assert (await webhook.post(api.private_text(marker), right)).status_code == 200
    sent = await api.wait_for("sendMessage")
    press_it = api.button(buttons(sent[-1])[0]["callback_data"], message=api.sent_message(sent[-1]))
    assert (await webhook.post(press_it, right)).status_code == 200
    await api.wait_for("editMessageReplyMarkup")
    api.fail("sendMessage", 500, times=3)  # a failure: retries, give-up, error handler, apology
    assert (await webhook.post(api.private_text(marker), right)).status_code == 200
    await api.wait_for("sendMessage", 2)
    broken = {"update_id": 424242, "message": {"text": marker, "chat": {"id": USER_ID}}}  # unparsable
    assert (await webhook.post(broken, right)).status_code == 400
    assert (
        await webhook.post(api.private_text(marker), {"X-Telegram-Bot-Api-Secret-Token": "wrong-secret-Zq81"})
    ).status_code == 403
    await webhook.stop()

    out = production_logs()
    assert (
        "telegram: answered a message" in out and "handling an update failed" in out
    )  # DEBUG and ERROR got out
    forbidden = (marker, "ミナトミライ", "090-1234-5678", USER_ID, TOKEN, TOKEN.split(":")[1], SECRET, "wrong-secret-Zq81")
    fake_logs.assert_private(out, forbidden)


# ---------------------------------------------------------------------------- the command line
def run_cli(argv: list[str], capsys) -> tuple[int, list[str]]:
    from bot import cli

    code = cli.main(argv)
    return code, capsys.readouterr().err.splitlines()


@pytest.mark.parametrize(
    ("env", "argv", "says"),
    [
        ({}, ["telegram"], "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "abc"}, ["telegram"], "TELEGRAM_BOT_TOKEN is malformed"),
        ({"TELEGRAM_BOT_TOKEN": "123456:short"}, ["telegram"], "TELEGRAM_BOT_TOKEN is malformed"),
        (
            {"TELEGRAM_BOT_TOKEN": TOKEN},
            ["telegram", "--webhook-url", "https://x.example/tg"],
            "TELEGRAM_WEBHOOK_SECRET",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": "has space"},
            ["telegram", "--webhook-url", "https://x.example/tg"],
            "TELEGRAM_WEBHOOK_SECRET is malformed",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": SECRET},
            ["telegram", "--webhook-url", "http://x.example/tg"],
            "https://",
        ),
        ({"TELEGRAM_BOT_TOKEN": TOKEN}, ["telegram", "--port", "8080"], "--port is for webhook mode"),
    ],
)
def test_cli_settings_errors_are_one_line_and_exit_2(monkeypatch, capsys, env, argv, says):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    code, err = run_cli(argv, capsys)
    assert code == 2
    assert len(err) == 1 and says in err[0] and err[0].startswith("referral-bot telegram: ")
    assert "short" not in err[0] and TOKEN not in err[0]


async def test_cli_token_refused_by_telegram_exits_2_without_printing_it(tmp_path):
    fake = await FakeBotAPI(token="999999:another-token-abcdefghijklmnopqrstuvw").start()  # refuses TOKEN
    try:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "HTTP_PROXY", "HTTPS_PROXY"))
        }
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_BASE_URL=fake.base_url,
            REFERRAL_DB=str(tmp_path / "c.db"),
            LOG_LEVEL="DEBUG",
            PYTHONPATH=ROOT,
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "telegram",
            "--no-count",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        await fake.close()
    lines = err.decode().splitlines()
    assert proc.returncode == 2
    assert (
        lines[-1]
        == "referral-bot telegram: Telegram refused TELEGRAM_BOT_TOKEN (revoked, or from another bot?)"
    )
    assert TOKEN not in err.decode() and TOKEN.split(":")[1] not in err.decode()
    assert "Traceback" not in err.decode()
    assert "Unclosed" not in err.decode()  # the HTTP sessions were closed, though start-up failed


async def _start_bot(base_url: str, tmp_path, *args: str, extra: dict[str, str] | None = None) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "HTTP_PROXY", "HTTPS_PROXY"))}
    env.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=base_url, REFERRAL_DB=str(tmp_path / "c.db"),
               LOG_LEVEL="INFO", PYTHONPATH=ROOT, DEFAULT_PREFECTURE="神奈川県")  # fmt: skip
    env.update(extra or {})
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "telegram", *args, cwd=ROOT, env=env,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)  # fmt: skip


async def _sigterm(proc: asyncio.subprocess.Process, after: float) -> tuple[int, float, str]:
    """SIGTERM after `after` seconds: (exit code, seconds it took to exit, stderr)."""
    await asyncio.sleep(after)
    started = asyncio.get_running_loop().time()
    proc.terminate()
    try:
        _, err = await asyncio.wait_for(proc.communicate(), 10)
    finally:
        if proc.returncode is None:
            proc.kill()
    return proc.returncode, asyncio.get_running_loop().time() - started, err.decode()


async def test_unreachable_bot_api_is_retried_one_line_a_try_and_sigterm_exits_0(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nobody listens here
    proc = await _start_bot(f"http://127.0.0.1:{port}/bot", tmp_path)
    code, took, err = await _sigterm(proc, 8.0)  # the knowledge loads first, then 1 s, 2 s ...
    assert code == 0 and took < 5, err[-2000:]
    tries = [line for line in err.splitlines() if "cannot reach the Bot API (ConnectError)" in line]
    assert len(tries) >= 2 and "trying again in 1 s" in tries[0] and "trying again in 2 s" in tries[1]
    assert "Traceback" not in err and TOKEN.split(":")[1] not in err


async def test_a_404_that_is_not_the_bot_api_is_not_a_refused_token(tmp_path):
    async def not_found(_: web.Request) -> web.Response:
        return web.Response(status=404, text="<html>Not Found (proxy)</html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", not_found)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        proc = await _start_bot(f"http://127.0.0.1:{port}/bot", tmp_path)
        code, took, err = await _sigterm(proc, 6.0)
    finally:
        await runner.cleanup()
    assert code == 0 and took < 5, err[-2000:]
    assert "refused" not in err and "HTTP 404, not the Bot API's answer" in err and "Traceback" not in err


async def test_polling_sigterm_writes_the_queued_count_and_exits_0(tmp_path):
    fake = await FakeBotAPI().start()
    try:
        proc = await _start_bot(fake.base_url, tmp_path)
        fake.feed(fake.private_text("横浜市の病院です。昨夜被害にあった患者さん"))
        await asyncio.wait_for(fake.wait_for("sendMessage"), 60)
        code, took, err = await _sigterm(proc, 0.2)
    finally:
        await fake.close()
    assert code == 0 and took < 5, err[-2000:]
    from bot.counts import CountsStore

    assert [(r.prefecture, r.channel, r.n) for r in CountsStore(tmp_path / "c.db").rows()] == [("14", "telegram", 1)]


async def test_webhook_mode_in_a_real_process_answers_and_sigterm_writes_the_count(tmp_path):
    fake = await FakeBotAPI().start()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    try:
        env_secret = "hook-secret_1"
        proc = await _start_bot(fake.base_url, tmp_path, "--webhook-url", "http://bot.example.org/tg/hook",
                                "--port", str(port), extra={"TELEGRAM_WEBHOOK_SECRET": env_secret})  # fmt: skip
        url = f"http://127.0.0.1:{port}/tg/hook"
        update = json.dumps(fake.private_text("横浜市の病院です。昨夜被害にあった患者さん"))
        async with httpx.AsyncClient(trust_env=False) as client:
            for _ in range(600):
                try:
                    health = await client.get(f"http://127.0.0.1:{port}/healthz")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            assert health.json()["status"] == "ok"
            headers = {"Content-Type": "application/json"}
            assert (await client.post(url, content=update, headers=headers)).status_code == 403
            headers["X-Telegram-Bot-Api-Secret-Token"] = env_secret
            assert (await client.post(url, content=update, headers=headers)).status_code == 200
        await asyncio.wait_for(fake.wait_for("sendMessage"), 60)
        code, took, err = await _sigterm(proc, 0.1)
    finally:
        await fake.close()
    assert code == 0 and took < 5, err[-2000:]
    assert "Traceback" not in err and env_secret not in err
    from bot.counts import CountsStore

    assert [(r.prefecture, r.channel, r.n) for r in CountsStore(tmp_path / "c.db").rows()] == [("14", "telegram", 1)]


def test_reply_command_does_not_import_telegram():
    import subprocess

    code = (
        "import sys; from bot import cli; cli.main(['reply', '横浜']); assert 'telegram' not in sys.modules"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------------------- the renderer
class _Labels:
    lang = "en"

    def t(self, key: str, **values: object) -> str:
        return f"{key}{values or ''}"


def _reply(**kw: Any) -> Reply:
    from bot.model import Case

    return Reply(case=Case(lang="en"), headline="Call #8891 <now> & then", **kw)


def test_render_escapes_every_dynamic_string():
    center = CenterView(
        id="c",
        name='<script>"x" & y</script>',
        phones=("045-000-0000",),
        verified=True,
        open_now=None,
        status="s<",
        hours="",
        out_of_hours="",
        website='https://e.x/?a=1&b="2"',
    )
    contact = ContactView(id="k", label="One <stop>", number="#8891", note="a & b", url=None)
    text = render_html(_reply(centers=(center,), contacts=(contact,), prefecture_name="P&Q"), _Labels())
    parser = TelegramHTML(text)
    assert parser.hrefs == ['https://e.x/?a=1&b="2"']
    assert '<script>"x" & y</script>' in visible(text) and "<code>#8891</code>" in text
    assert "045-000-0000" in text and "<code>045" not in text  # full numbers stay plain for auto-linking


def test_render_drops_guidance_from_the_end_but_never_the_numbers():
    contact = ContactView(id="k", label="One-stop", number="#8891", note="", url=None)
    sections = tuple(Section(f"s{i}", f"Section {i}", ("é" * 900,)) for i in range(8))
    text = render_html(_reply(contacts=(contact,), sections=sections, footer="Sources"), _Labels())
    assert utf16_len(text) <= MAX_CHARS
    assert "#8891" in text and "Section 0" in text and "Section 7" not in text and "Sources" in text
    TelegramHTML(text)
