"""The LINE channel end to end over loopback: the real adapter (bot/channels/line.py, line-bot-sdk v3)
serving its webhook on 127.0.0.1, signed webhook requests into it, and the SDK's real Messaging API
client talking to the local fake in tests/fakes/line_api.py through LINE_API_URL. Nothing of ours is
mocked; the only stand-in is a recorder of counts (CountsStore.record's signature), and one test
uses the real store. No test contacts LINE or needs a real token (conftest's `_loopback_only` refuses any other
connection), and none depends on timing: `LineBot.drain()` waits until every accepted event has
been answered and counted.
"""

from __future__ import annotations

import json
import logging
import socket
from dataclasses import replace
from typing import Any

import pytest

from bot import logs, settings
from bot.channels import line
from bot.model import Case
from bot.render import line as render
from bot.settings import LineSettings, SettingsError
from bot.state import decode
from tests.conftest import WEEKDAY_NOON
from tests.fakes import logs as fake_logs
from tests.fakes.counts import Recorder
from tests.fakes.harness.line import LineHarness
from tests.fakes.line_api import (
    ACCESS_TOKEN,
    CHANNEL_SECRET,
    GROUP_ID,
    OTHER_USER_ID,
    USER_ID,
    Call,
    FakeLine,
    signed_headers,
    webhook_body,
)

KANAGAWA_CENTER = "かながわ性犯罪・性暴力被害者ワンストップ支援センター"
KANAGAWA_PHONE = "045-322-7379"
YOKOHAMA = "横浜市の病院です。昨夜性被害にあったかもしれない患者さんが来ています"


# ---------------------------------------------------------------------------- harness: tests/fakes/harness/line.py


@pytest.fixture
def fake():
    with FakeLine() as f:
        yield f


@pytest.fixture
def counts():
    return Recorder()


def settings_for(fake: FakeLine, **kw: Any) -> LineSettings:
    base: dict[str, Any] = {"access_token": ACCESS_TOKEN, "channel_secret": CHANNEL_SECRET, "api_url": fake.url,
                            "backoff": 0.0}  # fmt: skip
    return LineSettings(**(base | kw))


@pytest.fixture
async def make_bot(fake, engine, counts):
    made: list[LineHarness] = []

    async def make(store: Any = counts, **settings: Any) -> LineHarness:
        made.append(await LineHarness.start(fake, engine, store, settings_for(fake, **settings), clock=lambda: WEEKDAY_NOON))
        return made[-1]

    yield make
    for bot in made:
        await bot.stop()


@pytest.fixture
async def bot(make_bot):
    return await make_bot()


def items(call: Call) -> list[dict[str, Any]]:
    return [i["action"] for i in call.items]


def press(call: Call, predicate) -> str:
    """The postback data of the first quick-reply button of `call` that matches."""
    return next(a["data"] for a in items(call) if predicate(a))


def check_message(call: Call) -> None:
    """What LINE would accept, checked here too (the fake answers 400 otherwise)."""
    [msg] = call.messages
    assert msg["type"] == "text" and 0 < render.utf16_len(msg["text"]) <= render.MAX_TEXT
    assert len(call.items) <= render.MAX_ITEMS
    for a in items(call):
        assert a["type"] == "postback" and 0 < len(a["label"]) <= render.MAX_LABEL
        assert decode(a["data"]) is not None and len(a["data"]) <= render.MAX_DATA
        assert a["displayText"]


def test_the_harness_refuses_connections_beyond_loopback():
    with pytest.raises(AssertionError, match="tried to reach"):
        socket.create_connection(("192.0.2.1", 443), timeout=1)  # TEST-NET-1, never routed


# ---------------------------------------------------------------------------- 1:1 chats
async def test_referral_is_answered_at_once_with_the_center_and_8891(bot, fake, counts, engine):
    event = fake.text_event(YOKOHAMA)
    call = await bot.answer(event)

    assert call.token == ACCESS_TOKEN
    assert call.body["replyToken"] == event["replyToken"]
    check_message(call)
    text = call.text
    assert "#8891" in text and KANAGAWA_CENTER in text and KANAGAWA_PHONE in text
    assert "<b>" not in text and "*" not in text  # plain text: LINE shows no markup
    assert "quoteToken" not in call.messages[0]  # a 1:1 answer quotes nothing
    states = [decode(a["data"]) for a in items(call)]
    assert any(s.case.lang == "en" for s in states)  # switch language
    assert any("danger" in s.case.flags for s in states)  # the danger addition
    assert any("minor" in s.case.flags for s in states) and any("partner" in s.case.flags for s in states)
    assert any(s.region == "*" for s in states)  # the prefecture picker
    assert [(c.prefecture, ch) for c, ch in zip(counts.cases, counts.channels, strict=True)] == [
        ("14", "line")
    ]


async def test_quick_reply_postback_refines_the_answer_and_is_not_counted(bot, fake, counts, engine):
    first = await bot.answer(fake.text_event(YOKOHAMA))
    data = press(first, lambda a: "minor" in decode(a["data"]).case.flags)

    refined = await bot.answer(fake.postback_event(data))

    check_message(refined)
    assert "189" in refined.text and "189" not in first.text  # the child-abuse line
    assert KANAGAWA_CENTER in refined.text and "#8891" in refined.text
    assert all(
        "minor" in decode(a["data"]).case.flags for a in items(refined) if decode(a["data"]).region is None
    )
    labels = [a["label"] for a in items(refined)]
    assert engine.ui("ja", "action_minor") not in labels and engine.ui("ja", "action_danger") in labels
    assert len(counts.cases) == 1  # the press refined the same case


async def test_language_button_answers_in_english(bot, fake, engine):
    first = await bot.answer(fake.text_event(YOKOHAMA))
    english = await bot.answer(
        fake.postback_event(press(first, lambda a: decode(a["data"]).case.lang == "en"))
    )
    assert engine.prefecture_name("14", "en") in english.text and "#8891" in english.text
    assert engine.ui("en", "action_lang") in [a["label"] for a in items(english)]


async def test_prefecture_picker_walks_region_then_prefecture(bot, fake, engine, counts):
    first = await bot.answer(fake.text_event("患者さんが被害にあったかもしれない"))  # no place: asks
    assert engine.ui("ja", "ask_place") in first.text

    regions = await bot.answer(fake.postback_event(press(first, lambda a: decode(a["data"]).region == "*")))
    check_message(regions)
    assert "#8891" in regions.text
    states = [decode(a["data"]) for a in items(regions)]
    assert len([s for s in states if s.region not in (None, "*")]) == 7
    assert items(regions)[-1]["label"] == engine.ui("ja", "action_back") and states[-1].region is None

    kanto = await bot.answer(
        fake.postback_event(press(regions, lambda a: decode(a["data"]).region == "kanto"))
    )
    check_message(kanto)
    assert [a["label"] for a in items(kanto)][:-1] == [
        engine.prefecture_name(f"{n:02d}", "ja") for n in range(8, 15)
    ]  # Ibaraki .. Kanagawa
    assert decode(items(kanto)[-1]["data"]).region == "*"  # back to the regions

    answer = await bot.answer(fake.postback_event(press(kanto, lambda a: a["label"] == "神奈川県")))
    assert KANAGAWA_CENTER in answer.text and KANAGAWA_PHONE in answer.text
    assert len(counts.cases) == 1  # only the message


async def test_ambiguous_place_offers_the_candidates(bot, fake, engine, counts):
    call = await bot.answer(fake.text_event("府中市の病院、性被害の患者さん"))
    assert "「東京都」「広島県」" in call.text
    assert counts.cases == []  # held back until the place is chosen
    picked = await bot.answer(fake.postback_event(press(call, lambda a: a["label"] == "東京都")))
    assert engine.prefecture_name("13", "ja") in picked.text
    assert [c.prefecture for c in counts.cases] == ["13"] and counts.channels == ["line"]  # once, the choice


async def test_forged_postback_data_gets_the_help_answer(bot, fake, engine, counts):
    call = await bot.answer(fake.postback_event("<script>&forged"))
    assert engine.ui("ja", "headline_help") in call.text and "#8891" in call.text
    assert counts.cases == []


async def test_follow_event_greets_with_the_national_numbers(bot, fake, engine, counts):
    call = await bot.answer(fake.follow_event())
    check_message(call)
    assert engine.ui("ja", "start") in call.text and engine.ui("ja", "privacy_short") in call.text
    for number in ("#8891", "110", "#8103", "189"):
        assert number in call.text
    assert engine.ui("ja", "action_lang") in [a["label"] for a in items(call)]
    assert counts.cases == []


async def test_unfollow_and_other_events_are_ignored(bot, fake, counts):
    assert await bot.send(fake.unfollow_event()) == 200
    assert fake.calls() == [] and counts.cases == []


# ---------------------------------------------------------------------------- redelivery
async def test_a_redelivered_event_is_answered_and_counted_once(bot, fake, counts):
    event = fake.text_event(YOKOHAMA)
    assert await bot.send(event) == 200
    again = dict(event, deliveryContext={"isRedelivery": True})
    assert await bot.send(again) == 200  # acknowledged, so LINE stops redelivering
    assert await bot.send(event, event) == 200  # twice in one request, too
    assert len(fake.calls("reply")) == 1
    await bot.answer(fake.text_event(YOKOHAMA))  # a new message with the same words is answered
    assert len(fake.replies()) == 2 and len(counts.cases) == 2


async def test_real_counts_store_counts_one_referral_per_message(make_bot, fake, tmp_path):
    from bot.counts import CountsStore

    store = CountsStore(tmp_path / "counts.db")
    bot = await make_bot(store)
    event = fake.text_event(YOKOHAMA)
    first = await bot.answer(event)
    await bot.send(dict(event, deliveryContext={"isRedelivery": True}))
    await bot.answer(fake.postback_event(press(first, lambda a: "danger" in decode(a["data"]).case.flags)))
    await bot.answer(fake.follow_event())
    await bot.answer(fake.text_event(""))  # help: not a referral
    rows = store.rows()
    assert [(r.prefecture, r.channel, r.n) for r in rows] == [("14", "line", 1)]
    store.close()


# ---------------------------------------------------------------------------- signatures, bad requests
@pytest.mark.parametrize("how", ["forged", "unsigned", "other-body", "garbage-signature"])
async def test_bad_signatures_get_401_and_nothing_happens(bot, fake, counts, how):
    event = fake.text_event(YOKOHAMA)
    body = webhook_body(event)
    if how == "forged":
        headers = signed_headers(body, secret="fedcba9876543210fedcba9876543210")
    elif how == "unsigned":
        headers = {"Content-Type": "application/json"}
    elif how == "other-body":
        headers = signed_headers(body.replace("横浜市", "大阪市"))
    else:
        headers = {"Content-Type": "application/json", "X-Line-Signature": "ｘ" * 44}
    assert (await bot.post(body, headers))[0] == 401
    await bot.adapter.drain()
    assert fake.calls() == [] and counts.cases == []
    assert await bot.send(event) == 200  # a rejected request marks nothing as seen
    assert len(fake.replies()) == 1


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("not json", id="not-json"),
        pytest.param(b"\xff\xfe{}", id="not-utf8"),
        pytest.param(json.dumps({"destination": "x"}), id="no-events"),
        pytest.param(json.dumps({"events": "x"}), id="events-not-a-list"),
        pytest.param(json.dumps([1, 2]), id="a-list"),
    ],
)
async def test_signed_but_malformed_bodies_get_400(bot, fake, body):
    assert (await bot.post(body, signed_headers(body)))[0] == 400
    assert fake.calls() == []


async def test_webhook_verification_and_unreadable_events(bot, fake, counts):
    body = webhook_body()  # the console's "Verify" button: no events
    assert (await bot.post(body, signed_headers(body)))[0] == 200
    good = fake.text_event(YOKOHAMA)
    unknown = {"type": "somethingNew", "webhookEventId": "01X", "mode": "active", "timestamp": 1,
               "deliveryContext": {"isRedelivery": False}}  # fmt: skip
    broken = {"type": "message", "replyToken": "x"}  # no message, no ids
    assert await bot.send(unknown, broken, 42, good) == 200  # the good one is not lost
    assert len(fake.replies()) == 1 and len(counts.cases) == 1


async def test_standby_mode_events_are_left_alone(bot, fake, counts):
    event = fake.text_event(YOKOHAMA)
    event["mode"] = "standby"
    del event["replyToken"]
    assert await bot.send(event) == 200
    assert fake.calls() == [] and counts.cases == []


# ---------------------------------------------------------------------------- odd input
ODD = {
    "empty": "",
    "blank": "   \n\t ",
    "over-5000": "横浜市 " + "あ" * 6000,
    "emoji-only": "😀🙏🏽👩‍⚕️" * 800,  # far over 5000 UTF-16 units
    "control-characters": "\x00\x01\x7f\ufffd\u200b\u202e\x1b[31m横浜市",
}


@pytest.mark.parametrize("text", ODD.values(), ids=ODD.keys())
async def test_odd_input_gets_a_clear_answer(bot, fake, text):
    call = await bot.answer(fake.text_event(text))
    check_message(call)
    assert "#8891" in call.text


@pytest.mark.parametrize("kind", ["sticker", "image"])
async def test_stickers_and_images_get_the_help_answer_and_are_not_counted(bot, fake, engine, counts, kind):
    event = fake.sticker_event() if kind == "sticker" else fake.image_event()
    call = await bot.answer(event)
    assert engine.ui("ja", "headline_help") in call.text and "#8891" in call.text
    assert counts.cases == []


# ---------------------------------------------------------------------------- groups
async def test_groups_answer_only_mentions_and_the_keyword(bot, fake, engine, counts):
    group = fake.group()
    await bot.send(fake.text_event(YOKOHAMA, source=group))  # not for the bot
    await bot.send(fake.text_event(f"@Someone {YOKOHAMA}", source=group,
                                   mention=[{"index": 0, "length": 8, "type": "user", "userId": USER_ID}]))  # fmt: skip
    await bot.send(fake.sticker_event(source=group))
    assert fake.calls() == []

    keyword = fake.text_event("／相談　大阪市の病院です。患者さんが性被害", source=group)
    by_keyword = await bot.answer(keyword)
    assert "大阪府" in by_keyword.text
    assert by_keyword.messages[0]["quoteToken"] == keyword["message"]["quoteToken"]  # quotes the asker

    name = "@Referral 鳥取"  # the bot's display name could look like a place: it is cut out
    mentioned = fake.text_event(f"{name} 横浜市 患者さんが性被害", source=group,
                                mention=[{"index": 0, "length": 12, "type": "user", "isSelf": True}])  # fmt: skip
    by_mention = await bot.answer(mentioned)
    assert KANAGAWA_CENTER in by_mention.text and "鳥取" not in by_mention.text
    assert sorted(c.prefecture for c in counts.cases) == ["14", "27"]


async def test_join_event_explains_how_to_ask_in_a_group(bot, fake, engine):
    call = await bot.answer(fake.join_event())
    assert engine.ui("ja", "group_note") in call.text and "#8891" in call.text


async def test_buttons_pressed_in_a_group_are_answered(bot, fake, counts):
    first = await bot.answer(fake.text_event("/referral 横浜市 患者さん 性被害", source=fake.group()))
    data = press(first, lambda a: "partner" in decode(a["data"]).case.flags)
    refined = await bot.answer(fake.postback_event(data, source=fake.group()))
    assert KANAGAWA_CENTER in refined.text
    assert len(counts.cases) == 1


def test_keyword_needs_a_boundary():
    from linebot.v3.webhooks import TextMessageContent

    def content(text: str) -> TextMessageContent:
        return TextMessageContent.from_dict({"type": "text", "id": "1", "text": text, "quoteToken": "q"})

    assert line.addressed_text(content("/referralx 横浜")) is None
    assert line.addressed_text(content("/REFERRAL 横浜")) == " 横浜"
    assert line.addressed_text(content("/相談")) == ""
    assert line.addressed_text(content("横浜 /相談")) is None


# ---------------------------------------------------------------------------- failures
async def test_5xx_and_429_are_retried(bot, fake, counts):
    fake.fail("reply", 500)
    fake.fail("reply", 429)
    await bot.send(fake.text_event(YOKOHAMA))
    assert [c.status for c in fake.calls("reply")] == [500, 429, 200]
    assert len(fake.replies()) == 1 and len(counts.cases) == 1


async def test_a_retry_never_delivers_twice(bot, fake, counts, caplog):
    caplog.set_level(logging.INFO, logger="bot")
    fake.fail("reply", 500, delivered=True)  # it arrived, but the answer to the bot was lost
    await bot.send(fake.text_event(YOKOHAMA))
    assert [c.status for c in fake.calls("reply")] == [500, 400]  # the used reply token is refused
    assert len(fake.replies()) == 1  # the user saw one answer
    assert any(
        "could not send the answer" in r.getMessage() and "HTTP 400" in r.getMessage() for r in caplog.records
    )
    assert counts.cases == []  # not known to be answered: not counted


async def test_permanent_failure_is_logged_and_the_bot_lives_on(bot, fake, counts, caplog):
    caplog.set_level(logging.INFO, logger="bot")
    fake.fail("reply", 503, times=3)  # every try (Settings.attempts)
    await bot.send(fake.text_event(YOKOHAMA))
    assert [c.status for c in fake.calls("reply")] == [503, 503, 503]
    assert any(r.levelno == logging.WARNING and "3 attempt(s)" in r.getMessage() for r in caplog.records)
    assert counts.cases == []
    await bot.answer(fake.text_event(YOKOHAMA))  # still alive
    assert len(counts.cases) == 1


async def test_a_revoked_token_is_refused_and_not_retried(make_bot, fake, counts):
    bot = await make_bot(access_token="revoked-token-0000000000")
    await bot.send(fake.text_event(YOKOHAMA))
    assert [c.status for c in fake.calls("reply")] == [401]
    with pytest.raises(SettingsError, match="LINE refused LINE_CHANNEL_ACCESS_TOKEN"):
        await bot.adapter.check_token()
    assert counts.cases == []


async def test_check_token_accepts_a_good_token(bot, fake):
    await bot.adapter.check_token()
    assert [c.endpoint for c in fake.calls()] == ["info"]


# ---------------------------------------------------------------------------- logs
SECRET_MARKER = "ZEBRAQUAIL"


@pytest.fixture
def production_logging():
    """Production logging at DEBUG, the library loggers lowered to DEBUG too (tests/fakes/logs.py)."""
    libraries = [*logs.LIBRARY_LOGGERS, "linebot.v3.messaging.async_rest", "linebot.v3"]
    with fake_logs.production_logging(debug_libraries=libraries) as output:
        yield output


async def test_logs_at_debug_hold_no_text_ids_tokens_or_secret(make_bot, fake, caplog, production_logging):
    caplog.set_level(logging.DEBUG)
    bot = await make_bot()
    text = f"{YOKOHAMA} {SECRET_MARKER}"
    events = [fake.text_event(text)]
    first = await bot.answer(events[0])
    events.append(fake.postback_event(press(first, lambda a: True)))
    events.append(fake.text_event(f"/相談 {text}", source=fake.group()))
    events.append(fake.text_event(text, source=fake.group()))  # ignored
    events.append(fake.follow_event())
    events.append(dict(events[0], deliveryContext={"isRedelivery": True}))
    await bot.send(*events[1:])
    fake.fail("reply", 500, times=3)
    events.append(fake.text_event(text))
    await bot.send(events[-1])
    body = webhook_body(fake.text_event(text))
    await bot.post(body, signed_headers(body, secret="fedcba9876543210fedcba9876543210"))  # forged
    await bot.post(f"{SECRET_MARKER}{USER_ID}", signed_headers(f"{SECRET_MARKER}{USER_ID}"))  # malformed
    await bot.adapter.check_token()

    output = production_logging()
    records = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records if r.name.startswith("bot"))
    # line-bot-sdk logs every response body at DEBUG; bot.logs keeps its records out of the output
    assert any(r.name.startswith("linebot") and "response body" in r.getMessage() for r in caplog.records)
    assert "response body" not in output and "linebot" not in output
    assert "line: answered a message (1:1)" in output and "line: answered a button" in output  # capture works
    assert (
        "skipped a repeated event delivery" in output
        and "rejected a request without a valid signature" in output
    )
    assert "could not send the answer to a message (1:1) (HTTP 500, 3 attempt(s))" in output
    reply_tokens = [e["replyToken"] for e in events if "replyToken" in e]
    quote_tokens = [e["message"]["quoteToken"] for e in events if "message" in e]
    forbidden = [SECRET_MARKER, "横浜", USER_ID, OTHER_USER_ID, GROUP_ID, ACCESS_TOKEN, CHANNEL_SECRET,
                 *reply_tokens, *quote_tokens, *(e["webhookEventId"] for e in events)]  # fmt: skip
    for text_ in (output, records):
        fake_logs.assert_private(text_, forbidden)


# ---------------------------------------------------------------------------- settings
def test_settings_from_the_environment():
    env = {"LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN, "LINE_CHANNEL_SECRET": CHANNEL_SECRET}
    s = settings.line(env | {"LINE_API_URL": "http://127.0.0.1:9/"})
    assert (s.access_token, s.channel_secret, s.api_url) == (
        ACCESS_TOKEN,
        CHANNEL_SECRET,
        "http://127.0.0.1:9",
    )
    assert settings.line(env).api_url is None
    assert ACCESS_TOKEN not in repr(s) and CHANNEL_SECRET not in repr(s)
    for bad, match in [
        ({"LINE_CHANNEL_SECRET": ""}, "LINE_CHANNEL_SECRET"),
        ({"LINE_CHANNEL_ACCESS_TOKEN": " "}, "LINE_CHANNEL_ACCESS_TOKEN"),
        ({"LINE_CHANNEL_SECRET": "has a space in it"}, "LINE_CHANNEL_SECRET is malformed"),
        ({"LINE_API_URL": "api.line.me"}, "LINE_API_URL"),
    ]:
        with pytest.raises(SettingsError, match=match):
            settings.line(env | bad)
    assert settings.wanted({"LINE_CHANNEL_SECRET": "x"}) == ["line", "web"]  # the web page unless WEB_CHAT=off
    assert settings.wanted({"LINE_API_URL": "x", "WEB_CHAT": "off"}) == []


def test_signature_is_the_documented_hmac():
    body = b'{"events":[]}'
    assert line.signature_ok(CHANNEL_SECRET, body, signed_headers(body)["X-Line-Signature"])
    assert not line.signature_ok(CHANNEL_SECRET, body + b" ", signed_headers(body)["X-Line-Signature"])
    assert not line.signature_ok(CHANNEL_SECRET, body, None)
    assert not line.signature_ok(CHANNEL_SECRET, body, "")


# ---------------------------------------------------------------------------- rendering
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_prefecture_and_flag_fits_lines_limits(engine, lang):
    from bot.engine import Action

    g = engine.guidance(lang)
    for code in [f"{n:02d}" for n in range(1, 48)]:
        for flags in (frozenset(), frozenset({"acute", "minor", "danger", "partner"})):
            case = Case(lang=lang, prefecture=code, flags=flags)
            reply = engine.answer(case, WEEKDAY_NOON)
            text = render.render_text(reply, g)
            assert render.utf16_len(text) <= render.MAX_TEXT and "#8891" in text
            for center in reply.centers:
                assert center.name in text and all(p in text for p in center.phones)
            quick = render.quick_reply(engine.actions(case))
            assert 0 < len(quick) <= render.MAX_ITEMS
            assert all(len(i["action"]["label"]) <= render.MAX_LABEL for i in quick)
    for region in ["*", *(r.key for r in engine.kb.locator.regions())]:
        back = Action("back", engine.ui(lang, "action_back"), Case(lang=lang), region=None)
        quick = render.quick_reply([*engine.actions(Case(lang=lang), region=region), back])
        assert len(quick) <= render.MAX_ITEMS and quick[-1]["action"]["label"] == engine.ui(
            lang, "action_back"
        )


def test_too_many_buttons_keep_the_language_switch(engine):
    case = Case(candidates=tuple(f"{n:02d}" for n in range(1, 13)))  # 12 candidates, then flags, then lang
    actions = engine.actions(case)
    assert len(actions) > render.MAX_ITEMS
    quick = render.quick_reply(actions)
    labels = [i["action"]["label"] for i in quick]
    assert len(quick) == render.MAX_ITEMS and labels[-1] == engine.ui("ja", "action_lang")
    assert labels[:12] == [engine.prefecture_name(f"{n:02d}", "ja") for n in range(1, 13)]


def test_oversized_replies_keep_the_numbers_and_the_center(engine):
    from bot.model import Section

    reply = engine.reply(YOKOHAMA, WEEKDAY_NOON)
    huge = replace(reply, sections=tuple(Section(f"s{i}", f"Section {i}", ("😀" * 900,)) for i in range(10)))
    text = render.render_text(huge, engine.guidance("ja"))
    assert render.utf16_len(text) <= render.MAX_TEXT
    assert KANAGAWA_CENTER in text and "#8891" in text and "Section 0" in text and "Section 9" not in text


def test_labels_and_clipping():
    long = render.label("配偶者・交際相手から暴力を受けている可能性がある")
    assert len(long) == render.MAX_LABEL and long.startswith("配偶者・交際相手から") and long.endswith("…")
    assert len(render.label("x" * 40)) == render.MAX_LABEL and render.label("  ") == "…"
    clipped = render.clip("😀" * 3000)
    assert render.utf16_len(clipped) <= render.MAX_TEXT and "\ud83d" not in clipped[-2:]
    assert render.message("")["text"] == "…"  # LINE refuses an empty text
