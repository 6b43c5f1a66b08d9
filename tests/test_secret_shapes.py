"""Each secret's shape where the platform defines it (bot/settings.py): a wrong shape is one line
naming the variable, never its value, and exit 2 -- before anything listens or calls the platform."""

from __future__ import annotations

import pytest

from bot import cli
from bot import settings as bot_settings
from bot.settings import SettingsError
from tests.fakes import line_api, slack_api
from tests.fakes.telegram_api import TOKEN

SLACK_HTTP = {"SLACK_BOT_TOKEN": slack_api.BOT_TOKEN, "SLACK_SIGNING_SECRET": slack_api.SIGNING_SECRET}
LINE = {"LINE_CHANNEL_ACCESS_TOKEN": line_api.ACCESS_TOKEN, "LINE_CHANNEL_SECRET": line_api.CHANNEL_SECRET}


def test_the_fakes_shapes_are_valid():
    assert bot_settings.slack(SLACK_HTTP, http=True).signing_secret == slack_api.SIGNING_SECRET
    assert bot_settings.slack({"SLACK_BOT_TOKEN": slack_api.BOT_TOKEN, "SLACK_APP_TOKEN": slack_api.APP_TOKEN},
                              http=False).app_token == slack_api.APP_TOKEN  # fmt: skip
    assert bot_settings.line(LINE).channel_secret == line_api.CHANNEL_SECRET
    assert bot_settings.telegram({"TELEGRAM_BOT_TOKEN": TOKEN}).token == TOKEN


@pytest.mark.parametrize(
    ("env", "http", "name", "value"),
    [
        ({**SLACK_HTTP, "SLACK_SIGNING_SECRET": "abc def"}, True, "SLACK_SIGNING_SECRET", "abc def"),
        ({**SLACK_HTTP, "SLACK_SIGNING_SECRET": "g" * 32}, True, "SLACK_SIGNING_SECRET", "g" * 32),
        ({**SLACK_HTTP, "SLACK_SIGNING_SECRET": "ab" * 15}, True, "SLACK_SIGNING_SECRET", "ab" * 15),
        ({**SLACK_HTTP, "SLACK_BOT_TOKEN": "xoxb-has a space"}, True, "SLACK_BOT_TOKEN", "has a space"),
        ({"SLACK_BOT_TOKEN": slack_api.BOT_TOKEN, "SLACK_APP_TOKEN": "xapp-1 2 3 4 5 6"}, False,
         "SLACK_APP_TOKEN", "1 2 3"),
    ],
)  # fmt: skip
def test_slack_shapes(env, http, name, value):
    with pytest.raises(SettingsError) as e:
        bot_settings.slack(env, http=http)
    assert name in str(e.value) and value not in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({**LINE, "LINE_CHANNEL_SECRET": "not-hex-not-hex-not-hex-not-hex!"}, "LINE_CHANNEL_SECRET"),
        ({**LINE, "LINE_CHANNEL_SECRET": "0123456789abcdef"}, "LINE_CHANNEL_SECRET"),
        ({**LINE, "LINE_CHANNEL_ACCESS_TOKEN": "token with spaces in it"}, "LINE_CHANNEL_ACCESS_TOKEN"),
    ],
)
def test_line_shapes(env, name):
    with pytest.raises(SettingsError, match=name):
        bot_settings.line(env)


def test_telegram_base_url_must_end_in_bot():
    env = {"TELEGRAM_BOT_TOKEN": TOKEN}
    assert bot_settings.telegram({**env, "TELEGRAM_BASE_URL": "http://h:8081/bot/"}).base_url == "http://h:8081/bot"
    with pytest.raises(SettingsError, match="TELEGRAM_BASE_URL must end in /bot"):
        bot_settings.telegram({**env, "TELEGRAM_BASE_URL": "http://h:8081"})


@pytest.mark.parametrize(
    ("env", "argv", "name", "value"),
    [
        ({**SLACK_HTTP, "SLACK_SIGNING_SECRET": "abc def"}, ["slack", "--http", "--no-count"],
         "SLACK_SIGNING_SECRET", "abc def"),
        ({**SLACK_HTTP, "SLACK_SIGNING_SECRET": "abc def", "WEB_CHAT": "off"}, ["serve", "--no-count"],
         "SLACK_SIGNING_SECRET", "abc def"),
        ({**LINE, "LINE_CHANNEL_SECRET": "secret with space"}, ["serve", "--no-count"],
         "LINE_CHANNEL_SECRET", "secret with space"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": "http://127.0.0.1:9/"}, ["telegram", "--no-count"],
         "TELEGRAM_BASE_URL", TOKEN),
    ],
)  # fmt: skip
def test_cli_wrong_shape_is_one_line_and_exit_2(monkeypatch, capsys, env, argv, name, value):
    for key in ("SLACK_APP_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "DATABASE_URL"):
        monkeypatch.delenv(key, raising=False)
    for key, v in env.items():
        monkeypatch.setenv(key, v)
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and name in err and value not in err and "Traceback" not in err
