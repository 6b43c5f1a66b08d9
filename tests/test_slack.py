"""The Slack channel end to end over loopback: the real Bolt app served by the same aiohttp
application as HTTP mode on 127.0.0.1, real signed requests into it, and a real AsyncWebClient
whose base_url is a local fake of Slack's Web API (tests/fakes/slack_api.py). No test needs a token
or reaches beyond loopback (conftest's `_loopback_only` refuses any other connection).

Waiting: Bolt acknowledges first and the answer is sent by a task that exists before the
acknowledgement does. `settle()` waits for those tasks (slack.settle, what a SIGTERM waits for
too), so "nothing else was sent" is checked after the work is done, not after a sleep. Timeouts
are only safety nets.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import yaml
from slack_sdk.web.async_client import AsyncWebClient

from bot import cli, logs, wiring
from bot import settings as bot_settings
from bot.channels import slack
from bot.model import Case
from bot.render import slack as render
from bot.settings import SettingsError, SlackSettings
from bot.state import decode
from tests.conftest import WEEKDAY_NOON
from tests.fakes import logs as fake_logs
from tests.fakes.counts import Recorder
from tests.fakes.harness.slack import Loop, SlackHarness, event_body
from tests.fakes.slack_api import (
    APP_TOKEN,
    BOT_ID,
    BOT_TOKEN,
    BOT_USER_ID,
    SIGNING_SECRET,
    TEAM_ID,
    WAIT_S,
    FakeSlack,
    signed_headers,
)

ROOT = Path(__file__).resolve().parents[1]
USER = "U0NURSE042"
CHANNEL = "C0WARD0042"
DM = "D0DIRECT42"
KANAGAWA_CENTER = "かながわ性犯罪・性暴力被害者ワンストップ支援センター"
YOKOHAMA = "横浜市の病院です。昨夜被害にあったかもしれない患者さんが来ています"


# ---------------------------------------------------------------------------- harness


def dm(text: str, **more: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "channel": DM,
        "channel_type": "im",
        "user": USER,
        "text": text,
        "ts": "1700000000.000100",
        **more,
    }


def mention(text: str, **more: Any) -> dict[str, Any]:
    return {
        "type": "app_mention",
        "channel": CHANNEL,
        "user": USER,
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": "1700000000.000200",
        **more,
    }


def all_text(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def step_buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """label -> button element, for the buttons that refine the answer."""
    return {
        e["text"]["text"]: e for b in blocks if b["type"] == "actions" for e in b["elements"] if "value" in e
    }


@pytest.fixture
def fake():
    with FakeSlack() as f:
        yield f


@pytest.fixture
def counts():
    return Recorder()


@pytest.fixture
def make_bot(fake, engine, counts):
    bots: list[SlackHarness] = []

    def make(**settings: Any) -> SlackHarness:
        bot = SlackHarness.start(
            fake, engine, counts, SlackSettings(bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, **settings),
            clock=lambda: WEEKDAY_NOON,
        )
        bots.append(bot)
        return bot

    yield make
    for bot in bots:
        bot.stop()


@pytest.fixture
def bot(make_bot):
    return make_bot()


def test_the_harness_refuses_connections_beyond_loopback():
    with pytest.raises(AssertionError, match="tried to reach"):
        socket.create_connection(("192.0.2.1", 443), timeout=1)  # TEST-NET-1, never routed


# ---------------------------------------------------------------------------- slash command
def test_slash_command_answers_only_the_asker(bot, fake, counts):
    status, body = bot.command(YOKOHAMA)
    assert (status, body) == (200, "")  # acknowledged at once, with nothing shown in the channel
    bot.settle()
    [call] = fake.calls("response_url")
    answer = call.params
    assert answer["response_type"] == "ephemeral"
    assert "#8891" in answer["text"] and KANAGAWA_CENTER in answer["text"]
    shown = all_text(answer["blocks"])
    assert "#8891" in shown and KANAGAWA_CENTER in shown
    assert fake.calls("chat.postMessage") == []  # nothing public
    assert [c.prefecture for c in counts.cases] == ["14"] and counts.channels == ["slack"]


def test_empty_command_shows_help_and_is_not_counted(bot, fake, engine, counts):
    bot.command("")
    bot.settle()
    [call] = fake.calls("response_url")
    assert call.params["response_type"] == "ephemeral"
    assert call.params["blocks"][0]["text"]["text"] == engine.ui("ja", "headline_help")
    assert "#8891" in call.params["text"]
    assert counts.cases == []


def test_command_falls_back_to_post_ephemeral_when_response_url_fails(bot, fake, counts):
    fake.fail("response_url")
    bot.command(YOKOHAMA)
    bot.settle()
    [call] = fake.calls("chat.postEphemeral")
    assert call.token == BOT_TOKEN
    assert (call.params["channel"], call.params["user"]) == (CHANNEL, USER)
    assert KANAGAWA_CENTER in call.params["text"]
    assert len(counts.cases) == 1


def test_command_name_is_configurable(make_bot, fake):
    bot = make_bot(command="/soudan")
    bot.command(YOKOHAMA, command="/referral")  # not ours any more: Bolt answers 404, nothing sent
    bot.command(YOKOHAMA, command="/soudan", key="mine")
    bot.settle()
    assert [c.key for c in fake.calls("response_url")] == ["mine"]


# ---------------------------------------------------------------------------- events
def test_answers_go_to_the_web_api_as_utf8_json(bot, fake):
    """One kept-alive session whose JSON bodies are UTF-8, as declared: Japanese is not escaped
    into \\uXXXX, which doubled the bytes of every answer."""
    bot.event(dm(YOKOHAMA))
    [posted] = fake.wait_for("chat.postMessage")
    assert posted.content_type.replace(" ", "").lower() == "application/json;charset=utf-8"
    assert KANAGAWA_CENTER.encode("utf-8") in posted.raw and b"\\u" not in posted.raw
    assert json.loads(posted.raw.decode("utf-8"))["blocks"] == posted.params["blocks"]


def test_app_mention_is_answered_in_its_thread(bot, fake, counts):
    assert bot.event(mention("大阪市の病院です。患者さんが被害にあったかもしれない"))[0] == 200
    bot.event(mention(YOKOHAMA, thread_ts="1699999999.000001"), event_id="Ev0000000002")
    bot.settle()
    calls = fake.calls("chat.postMessage")
    assert sorted(c.params["thread_ts"] for c in calls) == ["1699999999.000001", "1700000000.000200"]
    assert {c.params["channel"] for c in calls} == {CHANNEL}
    assert {c.token for c in calls} == {BOT_TOKEN}
    assert sorted(c.prefecture for c in counts.cases) == ["14", "27"]


def test_direct_message_is_answered_in_the_dm(bot, fake, counts):
    bot.event(dm(YOKOHAMA))
    bot.settle()
    [call] = fake.calls("chat.postMessage")
    assert call.params["channel"] == DM and "thread_ts" not in call.params
    assert KANAGAWA_CENTER in all_text(call.params["blocks"])
    assert len(counts.cases) == 1


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(dm(YOKOHAMA, user=BOT_USER_ID, bot_id=BOT_ID), id="own-message"),
        pytest.param(
            dm(YOKOHAMA, user="U0OTHERBOT", bot_id="B0OTHERBOT", subtype="bot_message"), id="other-bot"
        ),
        pytest.param(dm(YOKOHAMA, subtype="message_changed"), id="edit"),
        pytest.param(
            dict(dm(YOKOHAMA), channel=CHANNEL, channel_type="channel"), id="channel-without-mention"
        ),
        pytest.param(mention(YOKOHAMA, bot_id="B0OTHERBOT"), id="mention-by-a-bot"),
    ],
)
def test_messages_not_for_the_bot_are_ignored(bot, fake, counts, event):
    assert bot.event(event)[0] == 200
    bot.event(dm("大阪市 患者さん"), event_id="Ev0000000099")  # a control: the app is listening
    bot.settle()
    [call] = fake.calls("chat.postMessage")
    assert "大阪" in call.params["text"]
    assert [c.prefecture for c in counts.cases] == ["27"]


def test_redelivered_event_is_answered_and_counted_once(bot, fake, counts):
    bot.event(dm(YOKOHAMA), event_id="Ev0000000007")
    bot.settle()
    status, _ = bot.event(dm(YOKOHAMA), event_id="Ev0000000007", retry=1)
    assert status == 200  # acknowledged, so Slack stops retrying
    bot.event(dm(YOKOHAMA), event_id="Ev0000000007", retry=2)
    bot.event(dm(YOKOHAMA), event_id="Ev0000000008")  # a new message with the same words is answered
    bot.settle()
    assert len(fake.calls("chat.postMessage")) == 2
    assert len(counts.cases) == 2


def test_url_verification_echoes_the_challenge(bot):
    body = json.dumps(
        {
            "token": "unused",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    status, text = bot.send(body, content_type="application/json")
    assert status == 200
    assert json.loads(text) == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


@pytest.mark.parametrize("how", ["forged", "stale", "unsigned", "other-body"])
def test_bad_signatures_get_401_and_nothing_happens(bot, fake, counts, how):
    body = json.dumps(event_body(dm(YOKOHAMA), "Ev0000000042"))
    if how == "forged":
        headers = signed_headers(body, secret="not-the-signing-secret", content_type="application/json")
    elif how == "stale":  # correctly signed, 6 minutes ago
        headers = signed_headers(body, timestamp=int(time.time()) - 6 * 60, content_type="application/json")
    elif how == "unsigned":
        headers = {"Content-Type": "application/json"}
    else:
        headers = signed_headers(
            body.replace("Ev0000000042", "Ev0000000043"), content_type="application/json"
        )
    assert bot.post(body, headers)[0] == 401
    bot.settle()
    assert fake.calls() == []  # nothing reached Slack: the app asks auth.test at its first verified request
    assert counts.cases == []
    assert bot.event(dm(YOKOHAMA), event_id="Ev0000000042")[0] == 200  # a rejected request marks nothing
    bot.settle()
    assert len(fake.calls("chat.postMessage")) == 1


# ---------------------------------------------------------------------------- buttons
def test_button_refines_the_answer_without_counting_again(bot, fake, counts, engine):
    bot.command(YOKOHAMA)
    bot.settle()
    [first] = fake.calls("response_url")
    buttons = step_buttons(first.params["blocks"])
    minor = buttons[engine.ui("ja", "action_minor")]
    assert bot.press(minor)[0] == 200
    bot.settle()
    [_, refined] = fake.calls("response_url")
    assert refined.key == "act" and refined.params["replace_original"] is True
    assert "189" in refined.params["text"] and "189" not in first.params["text"]  # the child-abuse line
    assert KANAGAWA_CENTER in refined.params["text"]
    new = {decode(b["value"]).case for b in step_buttons(refined.params["blocks"]).values()}
    assert all("minor" in case.flags for case in new)  # the next buttons build on the refined case
    assert len(counts.cases) == 1  # the button did not count a second referral


def test_prefecture_picker_walks_region_then_prefecture(bot, fake, engine, counts):
    bot.command("患者さんが被害にあったかもしれない")  # no place: the bot asks, and offers the picker
    bot.settle()
    picker = step_buttons(fake.calls("response_url")[0].params["blocks"])[
        engine.ui("ja", "action_choose_prefecture")
    ]
    bot.press(picker, key="regions")
    bot.settle()
    regions = step_buttons(fake.calls("response_url")[1].params["blocks"])
    assert all(decode(b["value"]).region not in (None, "*") for b in regions.values())
    kanto = next(b for b in regions.values() if decode(b["value"]).region == "kanto")
    bot.press(kanto, key="kanto")
    bot.settle()
    prefectures = step_buttons(fake.calls("response_url")[2].params["blocks"])
    bot.press(prefectures["神奈川県"], key="kanagawa")
    bot.settle()
    last = fake.calls("response_url")[3]
    assert last.key == "kanagawa" and KANAGAWA_CENTER in last.params["text"]
    assert len(counts.cases) == 1


def test_button_falls_back_to_chat_update_when_response_url_fails(bot, fake, engine):
    bot.event(mention(YOKOHAMA))
    bot.settle()
    [posted] = fake.calls("chat.postMessage")
    fake.fail("response_url")
    bot.press(step_buttons(posted.params["blocks"])[engine.ui("ja", "action_lang")], ephemeral=False)
    bot.settle()
    [update] = fake.calls("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (CHANNEL, "1700000000.000001")
    assert update.params["blocks"][0]["text"]["text"] == engine.ui("en", "headline_referral")
    assert "Kanagawa" in update.params["text"]


def test_link_buttons_are_acknowledged_and_forged_values_get_help(bot, fake, engine, counts):
    assert bot.press({"action_id": render.URL_PREFIX + "5", "url": "https://example.org/"})[0] == 200
    assert (
        bot.press({"action_id": render.STEP_PREFIX + "0", "value": "<script>&forged"}, key="forged")[0] == 200
    )
    bot.settle()
    [call] = fake.calls("response_url")
    assert call.key == "forged" and call.params["blocks"][0]["text"]["text"] == engine.ui(
        "ja", "headline_help"
    )
    assert counts.cases == []


# ---------------------------------------------------------------------------- odd input
@pytest.mark.parametrize(
    "text",
    [
        pytest.param("😀🙏🏥", id="emoji-only"),
        pytest.param("   \n\t ", id="blank"),
        pytest.param("横浜市 " + "あ" * 20_000, id="huge"),
        pytest.param(
            "<https://evil.example|横浜市> &amp; &lt;b&gt; <@U0SOMEONE> <!channel>", id="slack-markup"
        ),
        pytest.param("\x00\x07\u202e\ufeff横浜市", id="control-characters"),
    ],
)
def test_odd_input_gets_a_clear_answer(bot, fake, text):
    assert bot.command(text)[0] == 200
    bot.settle()
    [call] = fake.calls("response_url")
    blocks = call.params["blocks"]
    assert blocks and "#8891" in call.params["text"]
    check_limits(blocks)
    assert "<https://evil" not in call.params["text"] and "<!channel>" not in all_text(blocks)


def test_default_prefecture_is_used_unless_the_message_names_a_place(make_bot, fake, counts):
    bot = make_bot(default_prefecture="14")
    bot.command("患者さんが昨夜被害にあったかもしれない", key="none")
    bot.command("大阪市の病院です。患者さんが昨夜被害にあったかもしれない", key="osaka")
    bot.settle()
    answers = {c.key: c.params["text"] for c in fake.calls("response_url")}
    assert KANAGAWA_CENTER in answers["none"]
    assert KANAGAWA_CENTER not in answers["osaka"] and "大阪府" in answers["osaka"]
    assert sorted(c.prefecture for c in counts.cases) == ["14", "27"]


def test_default_prefecture_setting_accepts_a_name_or_code_and_rejects_nonsense(engine):
    assert wiring.default_prefecture(engine, "神奈川県") == "14"
    assert wiring.default_prefecture(engine, "14") == "14"
    assert wiring.default_prefecture(engine, "") is None
    with pytest.raises(SettingsError, match="DEFAULT_PREFECTURE"):
        wiring.default_prefecture(engine, "Atlantis")


# ---------------------------------------------------------------------------- App Home
def test_app_home_shows_the_numbers_and_how_to_use(bot, fake, engine):
    bot.event({"type": "app_home_opened", "user": USER, "channel": DM, "tab": "home"})
    bot.event(
        {"type": "app_home_opened", "user": USER, "channel": DM, "tab": "messages"}, event_id="Ev0000000003"
    )
    bot.settle()
    [call] = fake.calls("views.publish")
    assert call.params["user_id"] == USER and call.params["view"]["type"] == "home"
    shown = all_text(call.params["view"]["blocks"])
    for lang in ("ja", "en"):
        assert engine.ui(lang, "numbers_title") in shown
        assert engine.ui(lang, "privacy_short") in shown
    for number in ("#8891", "110", "#8103", "189"):
        assert number in shown
    assert "/referral" in shown
    assert len(call.params["view"]["blocks"]) <= render.MAX_VIEW_BLOCKS


# ---------------------------------------------------------------------------- Socket Mode
async def _socket_mode_handler(app):  # made in the loop it will run in
    return slack.socket_mode_handler(app, APP_TOKEN)


def test_socket_mode_answers_over_the_websocket(fake, engine, counts, caplog, production_logging):
    caplog.set_level(logging.DEBUG)
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.url)
    app = slack.build_app(
        engine,
        counts,
        SlackSettings(bot_token=BOT_TOKEN, app_token=APP_TOKEN),
        client=client,
        clock=lambda: WEEKDAY_NOON,
    )
    loop = Loop()
    handler = loop.run(_socket_mode_handler(app))
    loop.run(handler.connect_async())
    try:
        fake.wait_connected()
        [opened] = fake.calls("apps.connections.open")
        assert opened.token == APP_TOKEN
        command = {
            "command": "/referral",
            "text": YOKOHAMA,
            "user_id": USER,
            "channel_id": CHANNEL,
            "team_id": TEAM_ID,
            "response_url": fake.response_url("socket"),
            "trigger_id": "1.2.3",
        }
        fake.push(
            {
                "envelope_id": "env-command",
                "type": "slash_commands",
                "payload": command,
                "accepts_response_payload": True,
            }
        )
        [answer] = fake.wait_for("response_url")
        assert answer.params["response_type"] == "ephemeral" and KANAGAWA_CENTER in answer.params["text"]
        fake.push(
            {
                "envelope_id": "env-dm",
                "type": "events_api",
                "payload": event_body(dm("大阪市 患者さん"), "EvSock1"),
                "accepts_response_payload": False,
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        fake.push(
            {
                "envelope_id": "env-dm-again",
                "type": "events_api",
                "retry_attempt": 1,
                "retry_reason": "timeout",
                "payload": event_body(dm("大阪市 患者さん"), "EvSock1"),
                "accepts_response_payload": False,
            }
        )
        [posted] = fake.wait_for("chat.postMessage")
        assert posted.params["channel"] == DM and "大阪" in posted.params["text"]
        acks = fake.wait_for("socket_mode.ack", 3)
        assert {a.params["envelope_id"] for a in acks} == {"env-command", "env-dm", "env-dm-again"}
        assert loop.run(slack.settle(app, WAIT_S))
    finally:
        loop.run(handler.close_async())
        loop.close()
    assert len(fake.calls("chat.postMessage")) == 1  # the redelivered envelope was not answered again
    assert sorted(c.prefecture for c in counts.cases) == ["14", "27"]
    output = production_logging()
    assert "answered a slash command" in output and "skipped a repeated event" in output
    assert_private(output)
    assert_private("\n".join(r.getMessage() for r in caplog.records))


# ---------------------------------------------------------------------------- logs
SECRET_MARKER = "ZEBRAQUAIL"
FORBIDDEN = (
    SECRET_MARKER,
    "横浜",
    "大阪",
    USER,
    CHANNEL,
    DM,
    TEAM_ID,
    BOT_USER_ID,
    "Ev0",
    "EvSock",
    "1111.2222",
    BOT_TOKEN,
    APP_TOKEN,
    SIGNING_SECRET,
    "xoxb-",
    "xapp-",
)


def assert_private(text: str) -> None:
    fake_logs.assert_private(text, FORBIDDEN)


@pytest.fixture
def production_logging():
    """Production logging at DEBUG into a buffer (tests/fakes/logs.py), Slack's secrets registered."""
    for secret in (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET):
        logs.register_secret(secret)
    with fake_logs.production_logging() as output:
        yield output


def test_logs_at_debug_hold_no_text_ids_tokens_or_secret(make_bot, fake, caplog, production_logging):
    caplog.set_level(logging.DEBUG)
    bot = make_bot()
    text = f"{YOKOHAMA} {SECRET_MARKER}"
    bot.command(text)
    bot.event(mention(text), event_id="Ev0000000101")
    bot.event(mention(text), event_id="Ev0000000101", retry=1)
    bot.settle()  # the mention's answer is sent before the next call is made to fail
    fake.fail("chat.postMessage", "channel_not_found")
    bot.event(dm(text), event_id="Ev0000000102")
    bot.event(
        {"type": "app_home_opened", "user": USER, "channel": DM, "tab": "home"}, event_id="Ev0000000103"
    )
    bot.settle()
    buttons = step_buttons(fake.calls("response_url")[0].params["blocks"])
    bot.press(next(iter(buttons.values())))
    body = json.dumps(event_body(dm(text), "Ev0000000104"))
    bot.post(body, signed_headers(body, secret="forged", content_type="application/json"))
    bot.post(f"payload={SECRET_MARKER}{USER}", signed_headers(f"payload={SECRET_MARKER}{USER}"))  # malformed
    bot.settle()

    output = production_logging()
    records = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    assert "answered a slash command" in output and "skipped a repeated event" in output  # capture works
    assert "Slack refused the answer to a direct message: channel_not_found" in output
    assert_private(output)
    assert_private(records)  # even before the redacting filter


def test_slack_sdk_formats_no_debug_line_even_at_debug(make_bot, fake, production_logging, monkeypatch):
    """slack_sdk decides to build a debug line holding a request's or response's whole body from
    its logger's own level (`logger.level <= DEBUG`), not the effective one: with the level unset it
    formatted every answer twice for a line no handler prints (~10% of the CPU per Slack event).
    The Web API client's logger and the one of `respond` have their own level, even at DEBUG."""
    bot = make_bot()
    formatted: list[str] = []
    for logger in (bot.client.logger, logging.getLogger("slack_sdk.webhook.async_client")):
        monkeypatch.setattr(logger, "debug", lambda msg, *args, **kwargs: formatted.append(str(msg)))
    bot.command(YOKOHAMA)  # answered through the response_url (Bolt's respond)
    bot.event(dm(YOKOHAMA), event_id="Ev0000000201")  # answered with chat.postMessage
    bot.settle()
    assert fake.calls("response_url") and fake.calls("chat.postMessage")
    assert formatted == []


# ---------------------------------------------------------------------------- rendering
def check_limits(blocks: list[dict[str, Any]]) -> None:
    assert 0 < len(blocks) <= render.MAX_BLOCKS
    for b in blocks:
        if b["type"] == "section":
            assert 0 < len(b["text"]["text"]) <= render.MAX_SECTION
        elif b["type"] == "header":
            assert 0 < len(b["text"]["text"]) <= render.MAX_HEADER
        elif b["type"] == "context":
            assert 0 < len(b["elements"]) <= 10
            assert all(len(e["text"]) <= render.MAX_CONTEXT for e in b["elements"])
        elif b["type"] == "actions":
            assert 0 < len(b["elements"]) <= render.MAX_ACTIONS
            ids = [e["action_id"] for e in b["elements"]]
            assert len(ids) == len(set(ids))
            for e in b["elements"]:
                assert len(e["text"]["text"]) <= render.MAX_BUTTON_TEXT
                assert ("url" in e) != ("value" in e)
                if "value" in e:
                    assert decode(e["value"]) is not None and len(e["value"]) <= render.MAX_VALUE
        else:
            assert b["type"] == "divider"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_prefecture_and_flag_renders_within_slack_limits(engine, lang):
    for code in [f"{n:02d}" for n in range(1, 48)]:
        for flags in (frozenset(), frozenset({"acute", "minor", "danger", "partner"})):
            case = Case(lang=lang, prefecture=code, flags=flags)
            reply = engine.answer(case, WEEKDAY_NOON)
            blocks = render.render_blocks(reply, engine.kb.guidance[lang], engine.actions(case))
            check_limits(blocks)
            assert reply.centers[0].name.replace("&", "&amp;").split("<")[0][:20] in all_text(blocks)
    for region in ("*", "kanto"):
        blocks = render.render_blocks(reply, engine.kb.guidance[lang], engine.actions(case, region=region))
        check_limits(blocks)


def test_blocks_are_the_same_whatever_was_rendered_before_and_never_shared(engine):
    """The escaped guidance and the sources line are kept once made; each answer still gets blocks
    of its own: changing one answer's blocks changes no other answer's."""
    g = engine.kb.guidance["ja"]
    reply = engine.reply(YOKOHAMA, WEEKDAY_NOON)
    render._guidance_texts.cache_clear()
    render._sources_line.cache_clear()
    cold = json.loads(json.dumps(render.render_blocks(reply, g, engine.actions(reply.case))))  # a copy
    for code in ("01", "13", "27", "47"):  # other answers in between
        other = engine.answer(Case(lang="ja", prefecture=code, flags=frozenset({"minor"})), WEEKDAY_NOON)
        render.render_blocks(other, g, engine.actions(other.case))
    warm = render.render_blocks(reply, g, engine.actions(reply.case))
    assert warm == cold
    for block in warm:  # vandalise one answer's blocks...
        if block["type"] in ("section", "context"):
            for part in [block["text"]] if block["type"] == "section" else block["elements"]:
                part["text"] = "changed"
    again = render.render_blocks(reply, g, engine.actions(reply.case))
    assert again == cold  # ...and the next answer is whole


def test_fallback_text_is_a_summary_with_every_number(engine):
    """`text` is what mobile notifications and clients without blocks show: the headline, the
    center and every number, not the guidance again (which the blocks carry)."""
    for text in (
        YOKOHAMA,
        "横浜市 14歳 彼氏から 昨夜 性被害 まだ危ない",
        "Osaka, patient assaulted last night",
    ):
        reply = engine.reply(text, WEEKDAY_NOON)
        g = engine.kb.guidance[reply.case.lang]
        fallback = render.render_text(reply, g)
        assert fallback.startswith(render.escape(reply.headline))
        assert "#8891" in fallback
        for c in reply.centers:
            assert render.escape(c.name) in fallback and all(p in fallback for p in c.phones)
        for k in reply.contacts:
            assert (k.number or render.escape(k.label)) in fallback
        assert reply.sections and not any(render.escape(s.title) in fallback for s in reply.sections)
        assert len(fallback) < len(reply.text) / 2
        blocks_text = all_text(render.render_blocks(reply, g, engine.actions(reply.case)))
        in_json = [
            json.dumps(render.escape(line), ensure_ascii=False)[1:-1]
            for s in reply.sections
            for line in s.lines
        ]
        assert all(line in blocks_text for line in in_json)


def test_sources_are_linked_once_each_up_to_the_context_limit(engine):
    """The sources line keeps the longest run of whole links that fits MAX_CONTEXT, in order."""

    from bot.model import Section

    reply = engine.reply(YOKOHAMA, WEEKDAY_NOON)
    urls = [f"https://example{i % 7}.go.jp/{'p' * (i % 50)}/{i}?a=1&b=<2>" for i in range(200)]
    many = replace(reply, sections=(Section("s", "t", ("x",), (*urls, *urls[:5])),))
    context = render.render_blocks(many, engine.kb.guidance["ja"])[-1]
    assert context["type"] == "context"
    line = context["elements"][-1]["text"]
    items = line.split(" · ")
    assert 0 < len(items) < len(urls) and len(line) <= render.MAX_CONTEXT
    assert items == [render.link(u, urlsplit(u).hostname) for u in urls[: len(items)]]
    one_more = " · ".join([*items, render.link(urls[len(items)], urlsplit(urls[len(items)]).hostname)])
    assert len(one_more) > render.MAX_CONTEXT
    assert "<2>" not in line  # the URL cannot break out of its link


def test_oversized_replies_are_cut_to_fit_and_escaped(engine):

    from bot.model import Section

    reply = engine.reply(YOKOHAMA, WEEKDAY_NOON)
    long_line = "<b>&" + "長" * 5000
    huge = replace(
        reply,
        headline="見出し" * 100,
        sections=tuple(Section(f"s{i}", f"<title {i}>", (long_line, "short")) for i in range(60)),
    )
    blocks = render.render_blocks(huge, engine.kb.guidance["ja"], engine.actions(reply.case))
    check_limits(blocks)
    shown = all_text(blocks)
    assert KANAGAWA_CENTER in shown and "#8891" in shown  # the numbers and the center always stay
    assert blocks[-1]["type"] == "actions" and blocks[-2]["type"] == "context"
    assert "<b>" not in shown and "&lt;b&gt;&amp;" in shown and "&lt;title 0&gt;" in shown
    assert render.render_text(huge, engine.kb.guidance["ja"]).count("<") == 0


def test_many_buttons_are_split_into_actions_blocks(engine):
    from bot.engine import Action

    reply = engine.reply(YOKOHAMA, WEEKDAY_NOON)
    actions = [Action("flag", f"ボタン{i}" * 20, reply.case) for i in range(60)]
    blocks = render.render_blocks(reply, engine.kb.guidance["ja"], actions)
    check_limits(blocks)
    assert [len(b["elements"]) for b in blocks if b["type"] == "actions"] == [25, 25, 10]


# ---------------------------------------------------------------------------- real counts store
def test_real_counts_store_counts_one_referral_per_message(fake, engine, tmp_path):
    from bot.counts import CountsStore

    store = CountsStore(tmp_path / "counts.db")
    bot = SlackHarness.start(fake, engine, store, SlackSettings(bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET),
                             clock=lambda: WEEKDAY_NOON)  # fmt: skip
    try:
        bot.event(dm(YOKOHAMA), event_id="Ev0000000201")
        bot.event(dm(YOKOHAMA), event_id="Ev0000000201", retry=1)
        bot.command("")  # help: not a referral
        bot.settle()
    finally:
        bot.stop()
    rows = store.rows()
    assert [(r.prefecture, r.channel, r.n) for r in rows] == [("14", "slack", 1)]
    store.close()


# ---------------------------------------------------------------------------- CLI
def test_cli_missing_settings_exit_2_with_one_line(capsys):
    assert cli.main(["slack"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "SLACK_APP_TOKEN" in err and "SLACK_BOT_TOKEN" in err
    assert "Traceback" not in err

    assert cli.main(["slack", "--http"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "SLACK_SIGNING_SECRET" in err


def test_cli_rejected_token_and_bad_prefecture_exit_2(monkeypatch, capsys, fake):
    monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-0000-revoked")
    monkeypatch.setenv("SLACK_API_URL", fake.url)
    assert cli.main(["slack", "--no-count"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "referral-bot slack: Slack refused SLACK_BOT_TOKEN (invalid_auth)"
    assert [c.method for c in fake.calls()] == ["auth.test"]  # through SLACK_API_URL, not slack.com

    monkeypatch.setenv("DEFAULT_PREFECTURE", "Atlantis")
    assert cli.main(["slack", "--no-count"]) == 2
    assert "DEFAULT_PREFECTURE" in capsys.readouterr().err


def test_settings_from_the_environment():
    env = {
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_COMMAND": "/soudan",
        "SLACK_API_URL": "https://slack-gov.com/api",
    }
    settings = bot_settings.slack(env, http=False)
    assert (settings.command, settings.api_url, settings.signing_secret) == (
        "/soudan",
        "https://slack-gov.com/api/",
        None,
    )
    assert bot_settings.slack(
        {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}, http=True
    ).command == ("/referral")
    for bad, match in [
        ({"SLACK_BOT_TOKEN": APP_TOKEN}, "xoxb-"),
        ({"SLACK_APP_TOKEN": BOT_TOKEN}, "xapp-"),
        ({"SLACK_COMMAND": "referral bot"}, "SLACK_COMMAND"),
        ({"SLACK_API_URL": "slack.com"}, "http"),
    ]:
        with pytest.raises(SettingsError, match=match):
            bot_settings.slack(env | bad, http=False)


def test_manifest_matches_the_app():
    manifest = yaml.safe_load((ROOT / "slack-manifest.yml").read_text(encoding="utf-8"))
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == bot_settings.DEFAULT_SLACK_COMMAND
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True and settings["interactivity"]["is_enabled"] is True
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_mention",
        "message.im",
        "app_home_opened",
    }
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert scopes == {"commands", "chat:write", "app_mentions:read", "im:history"}
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    about = manifest["display_information"]
    assert len(about["name"]) <= 35 and len(about["description"]) <= 140
    assert 174 <= len(about["long_description"]) <= 4000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_bot(args: list[str], env: dict[str, str], log_file: Path) -> subprocess.Popen:
    """`python -m bot slack ...` as the Procfile runs it, settings from the environment."""
    full = {k: v for k, v in os.environ.items()} | {"LOG_LEVEL": "DEBUG", "PYTHONUNBUFFERED": "1"} | env
    with log_file.open("w") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "slack", *args],
            cwd=ROOT,
            env=full,
            stderr=err,
            stdout=subprocess.DEVNULL,
        )


def stop(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(WAIT_S)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_http_mode_in_a_real_process(fake, tmp_path):
    port = free_port()
    log_file = tmp_path / "stderr.txt"
    proc = run_bot(
        ["--http"],
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.url,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "DEFAULT_PREFECTURE": "神奈川県",
        },
        log_file,
    )
    try:
        deadline = time.monotonic() + 3 * WAIT_S  # a safety net: the process loads the knowledge first
        while True:
            assert proc.poll() is None, log_file.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=WAIT_S) as r:
                    health = json.loads(r.read())  # serve's handler: JSON, never a secret
                    assert r.status == 200 and health["status"] == "ok" and health["channels"] == ["slack"]
                    assert SIGNING_SECRET not in json.dumps(health) and BOT_TOKEN not in json.dumps(health)
                    break
            except urllib.error.URLError:
                assert time.monotonic() < deadline, "the HTTP server did not start"
                time.sleep(0.05)
        body = urlencode(
            {
                "command": "/referral",
                "text": f"患者さんが昨夜 {SECRET_MARKER}",
                "user_id": USER,
                "channel_id": CHANNEL,
                "team_id": TEAM_ID,
                "response_url": fake.response_url("proc"),
            }
        )
        url = f"http://127.0.0.1:{port}{slack.EVENTS_PATH}"
        request = urllib.request.Request(url, data=body.encode(), headers=signed_headers(body))
        with urllib.request.urlopen(request, timeout=WAIT_S) as r:
            assert r.status == 200
        forged = urllib.request.Request(
            url, data=body.encode(), headers=signed_headers(body, secret="forged")
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forged, timeout=WAIT_S)
        assert refused.value.code == 401
        [answer] = fake.wait_for("response_url")
        assert KANAGAWA_CENTER in answer.params["text"]  # DEFAULT_PREFECTURE from the environment
    finally:
        code = stop(proc)
    assert code == 0
    output = log_file.read_text()
    assert "HTTP mode on port" in output and "answered a slash command" in output
    assert_private(output)
    from bot.counts import CountsStore  # the process counted through its queue, written by shutdown

    rows = CountsStore(os.environ["REFERRAL_DB"]).rows()
    assert [(r.prefecture, r.channel, r.n) for r in rows] == [("14", "slack", 1)]


def test_socket_mode_in_a_real_process(fake, tmp_path):
    log_file = tmp_path / "stderr.txt"
    proc = run_bot(
        ["--no-count"],
        {"SLACK_APP_TOKEN": APP_TOKEN, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fake.url},
        log_file,
    )
    try:
        fake.wait_connected(timeout=3 * WAIT_S)
        command = {
            "command": "/referral",
            "text": f"{YOKOHAMA} {SECRET_MARKER}",
            "user_id": USER,
            "channel_id": CHANNEL,
            "team_id": TEAM_ID,
            "response_url": fake.response_url("proc"),
        }
        fake.push(
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "payload": command,
                "accepts_response_payload": True,
            }
        )
        [answer] = fake.wait_for("response_url")
        assert KANAGAWA_CENTER in answer.params["text"]
    finally:
        code = stop(proc)
    assert code == 0
    output = log_file.read_text()
    assert "Socket Mode" in output and "answered a slash command" in output
    assert_private(output)


def test_socket_mode_sigterm_writes_the_queued_count_and_exits_0(fake, tmp_path):
    db = tmp_path / "counts.db"
    log_file = tmp_path / "stderr.txt"
    env = {"SLACK_APP_TOKEN": APP_TOKEN, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fake.url,
           "REFERRAL_DB": str(db), "DEFAULT_PREFECTURE": "神奈川県"}  # fmt: skip
    proc = run_bot([], env, log_file)
    try:
        fake.wait_connected(timeout=3 * WAIT_S)
        fake.push({"envelope_id": "env-dm", "type": "events_api", "accepts_response_payload": False,
                   "payload": event_body(dm(YOKOHAMA), "EvProc1")})  # fmt: skip
        fake.wait_for("chat.postMessage")
    finally:
        started = time.monotonic()
        code = stop(proc)
    assert code == 0 and time.monotonic() - started < 5, log_file.read_text()[-2000:]
    from bot.counts import CountsStore

    assert [(r.prefecture, r.channel, r.n) for r in CountsStore(db).rows()] == [("14", "slack", 1)]


def test_socket_mode_refused_app_token_is_one_line_and_exit_2(tmp_path):
    with FakeSlack(app_token=APP_TOKEN) as refusing:
        log_file = tmp_path / "stderr.txt"
        env = {"SLACK_APP_TOKEN": "xapp-1-A0-revoked-by-slack", "SLACK_BOT_TOKEN": BOT_TOKEN,
               "SLACK_API_URL": refusing.url}  # fmt: skip
        proc = run_bot(["--no-count"], env, log_file)
        try:
            code = proc.wait(3 * WAIT_S)
        finally:
            if proc.poll() is None:
                proc.kill()
        output = log_file.read_text()
        assert code == 2, output[-2000:]
        assert output.splitlines()[-1] == "referral-bot slack: Slack refused SLACK_APP_TOKEN (invalid_auth)"
        assert "Traceback" not in output and "revoked-by-slack" not in output
        assert [c.method for c in refusing.calls()] == ["auth.test", "apps.connections.open"]  # no retry


def test_socket_mode_unreachable_websocket_retries_in_one_line_and_stops_on_sigterm(tmp_path):
    with FakeSlack(ws_url=f"ws://127.0.0.1:{free_port()}/link/?ticket=gone") as fake:
        log_file = tmp_path / "stderr.txt"
        env = {"SLACK_APP_TOKEN": APP_TOKEN, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fake.url,
               "LOG_LEVEL": "INFO"}  # fmt: skip
        proc = run_bot(["--no-count"], env, log_file)
        try:
            fake.wait_for("apps.connections.open", 2, timeout=3 * WAIT_S)  # ours, then the client's first try
            time.sleep(0.5)
        finally:
            started = time.monotonic()
            code = stop(proc)
        output = log_file.read_text()
        assert code == 0 and time.monotonic() - started < 5, output[-2000:]
        assert "Traceback" not in output and "Failed to connect" in output


def test_socket_mode_web_api_out_of_reach_is_retried_and_sigterm_exits_0(tmp_path):
    log_file = tmp_path / "stderr.txt"
    env = {"SLACK_APP_TOKEN": APP_TOKEN, "SLACK_BOT_TOKEN": BOT_TOKEN, "LOG_LEVEL": "INFO",
           "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/"}  # fmt: skip
    proc = run_bot(["--no-count"], env, log_file)
    try:
        deadline = time.monotonic() + 3 * WAIT_S
        while log_file.read_text().count("cannot reach the Slack Web API") < 2:
            assert proc.poll() is None and time.monotonic() < deadline, log_file.read_text()[-2000:]
            time.sleep(0.1)
    finally:
        started = time.monotonic()
        code = stop(proc)
    output = log_file.read_text()
    assert code == 0 and time.monotonic() - started < 5, output[-2000:]
    assert "trying again in 1 s" in output and "Traceback" not in output


def test_http_mode_web_api_out_of_reach_is_retried_and_sigterm_exits_0(tmp_path):
    """`slack --http` as a service: auth.test out of reach at start is tried again (1, 2, 4 ... s, one
    line a try, never a traceback) instead of exit 2, which the unit file does not restart."""
    log_file = tmp_path / "stderr.txt"
    db = tmp_path / "counts.db"
    env = {"SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_BOT_TOKEN": BOT_TOKEN, "LOG_LEVEL": "INFO",
           "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/", "HOST": "127.0.0.1",
           "PORT": str(free_port()), "REFERRAL_DB": str(db)}  # fmt: skip
    proc = run_bot(["--http"], env, log_file)
    try:
        deadline = time.monotonic() + 3 * WAIT_S
        while log_file.read_text().count("cannot reach the Slack Web API") < 2:
            assert proc.poll() is None and time.monotonic() < deadline, log_file.read_text()[-2000:]
            time.sleep(0.1)
    finally:
        started = time.monotonic()
        code = stop(proc)
    elapsed = time.monotonic() - started
    output = log_file.read_text()
    assert code == 0 and elapsed < 5, output[-2000:]
    tries = [line for line in output.splitlines() if "cannot reach the Slack Web API" in line]
    assert "trying again in 1 s" in tries[0] and "trying again in 2 s" in tries[1]
    assert "Traceback" not in output and "HTTP mode on port" not in output
    assert_private(output)


def test_http_mode_refused_bot_token_is_one_line_and_exit_2(tmp_path, fake):
    log_file = tmp_path / "stderr.txt"
    env = {"SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_BOT_TOKEN": "xoxb-0000-revoked",
           "SLACK_API_URL": fake.url, "HOST": "127.0.0.1", "PORT": str(free_port())}  # fmt: skip
    proc = run_bot(["--http", "--no-count"], env, log_file)
    try:
        code = proc.wait(3 * WAIT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
    output = log_file.read_text()
    assert code == 2, output[-2000:]
    assert output.splitlines()[-1] == "referral-bot slack: Slack refused SLACK_BOT_TOKEN (invalid_auth)"
    assert "Traceback" not in output and [c.method for c in fake.calls()] == ["auth.test"]  # no retry


def test_socket_mode_unreachable_api_is_retried_until_stopped(monkeypatch, caplog):
    """apps.connections.open on a port nobody listens on: tried again with a doubling wait, one line
    each, until SIGINT or SIGTERM (here: the event they set)."""
    import asyncio

    from bot.channels import common

    monkeypatch.setattr(common, "RETRY_FIRST_S", 0.01)

    async def go():
        client = AsyncWebClient(token=BOT_TOKEN, base_url=f"http://127.0.0.1:{free_port()}/api/")
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(3.0, stop.set)  # the client retries once itself
        return await slack.check_app_token(client, APP_TOKEN, stop)

    with caplog.at_level(logging.WARNING, logger="bot.channels.slack"):
        assert asyncio.run(go()) is False
    tries = [r for r in caplog.records if "cannot open a Socket Mode connection" in r.getMessage()]
    assert len(tries) >= 2 and all(r.exc_info is None for r in tries)
    assert "trying again in 0 s" in tries[0].getMessage()


def test_reply_command_does_not_import_slack_libraries():
    code = (
        "import sys; from bot import cli; cli.main(['reply', '横浜市']); "
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('slack_bolt', 'slack_sdk', 'aiohttp')]; "
        "print(loaded, file=sys.stderr); sys.exit(1 if loaded else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
