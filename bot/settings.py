"""Every setting read from the environment, in one place: frozen dataclasses and one error type.

No other module of bot/ reads os.environ. Each reader takes the environment as a mapping (default:
os.environ, read when called) and raises SettingsError, one line naming the variable, for a missing
or malformed value; the command prints it and exits 2. Names and spellings are the README's.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

Env = Mapping[str, str]

DEFAULT_DB = Path("data") / "counts.db"
DEFAULT_HOST = "0.0.0.0"
SERVE_PORT, SLACK_PORT, TELEGRAM_PORT = 8080, 3000, 8443
DEFAULT_SLACK_COMMAND = "/referral"
CARD_FONT_ENV = "REFERRAL_CARD_FONT"
SECRET_NAMES = (  # never logged: registered with bot.logs by the commands that read them
    "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN", "LINE_CHANNEL_ACCESS_TOKEN", "LINE_CHANNEL_SECRET",
)  # fmt: skip
NO_CHANNEL = (
    "no channel to serve (WEB_CHAT=off): set LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN, "
    "SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN, or TELEGRAM_WEBHOOK_SECRET and TELEGRAM_BOT_TOKEN"
)

_TELEGRAM_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
_TELEGRAM_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what setWebhook accepts as secret_token
_PRINTABLE = re.compile(r"^[\x21-\x7e]{8,4096}$")  # LINE access tokens: visible ASCII, no spaces
_HEX32 = re.compile(r"^[0-9A-Fa-f]{32}$")  # Slack's signing secret and LINE's channel secret: 32 hex digits
_SLACK_BOT_TOKEN = re.compile(r"^xoxb-[\x21-\x7e]{8,}$")  # no whitespace after the prefix
_SLACK_APP_TOKEN = re.compile(r"^xapp-[\x21-\x7e]{8,}$")
_SLACK_COMMAND = re.compile(r"/[a-z0-9_-]{1,31}")
_CODE = re.compile(r"0[1-9]|[1-3][0-9]|4[0-7]")
_OFF = ("off", "0", "false", "no")
_ON = ("", "on", "1", "true", "yes")
_FRAME_SOURCE = re.compile(  # a CSP host-source or keyword, as WEB_FRAME_ANCESTORS may list them
    r"^(?:'self'|'none'|https?://(?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::\d{1,5})?)$"
)


class SettingsError(ValueError):
    """A missing or malformed setting, or a token the platform refused: one line, exit code 2."""


def _env(env: Env | None) -> Env:
    return os.environ if env is None else env


def _get(env: Env, name: str) -> str | None:
    return env.get(name, "").strip() or None


# ---------------------------------------------------------------------------- shared validators
def listen_port(flag: int | None, env: Env | None = None, *, default: int, allow_any: bool = False) -> int:
    """--port, else $PORT, else `default`. allow_any: 0 (any free port) is allowed."""
    if flag is not None:
        value = flag
    else:
        raw = _get(_env(env), "PORT")
        if raw is not None and not raw.isdigit():
            raise SettingsError(f"PORT must be a number, not {raw!r}")
        value = int(raw) if raw is not None else default
    if not (0 if allow_any else 1) <= value < 65536:
        raise SettingsError(f"port out of range: {value}")
    return value


def url(name: str, value: str | None, *, example: str, https_only: bool = False) -> str | None:
    """An http(s) URL with a host (https only when asked), or None when unset."""
    if value is None:
        return None
    parts = urlsplit(value)
    schemes = ("https",) if https_only else ("http", "https")
    if parts.scheme not in schemes or not parts.hostname:
        raise SettingsError(f"{name} must be an {'https' if https_only else 'http(s)'} URL, e.g. {example}")
    return value


def secret(name: str, value: str | None, pattern: re.Pattern[str], hint: str) -> str:
    """A token or secret that matches the platform's form; SettingsError never quotes the value."""
    if value is None or not pattern.match(value):
        raise SettingsError(f"{name} is malformed ({hint})")
    return value


def switch(env: Env, name: str, default: bool) -> bool:
    """An on/off variable: on, 1, true, yes / off, 0, false, no (any case); unset or empty: `default`."""
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    if value in _OFF:
        return False
    if value in _ON:
        return True
    raise SettingsError(f"{name} must be on or off, not {value!r}")


def prefecture_code(value: str | None) -> str | None:
    """A JIS code "01".."47" as written, else None (names are resolved against the knowledge by
    bot.prefecture, which the wiring calls)."""
    return value if value is not None and _CODE.fullmatch(value) else None


# ---------------------------------------------------------------------------- process-wide
@dataclass(frozen=True)
class Paths:
    knowledge_dir: Path | None  # REFERRAL_KNOWLEDGE_DIR: an edited copy of knowledge/ to try
    cache_dir: str | None  # REFERRAL_CACHE_DIR as written ("off" turns the cache off)
    xdg_cache_home: str | None
    referral_db: Path  # REFERRAL_DB, else data/counts.db
    chart_font: str | None  # REFERRAL_CHART_FONT
    card_font: str | None  # REFERRAL_CARD_FONT


def paths(env: Env | None = None) -> Paths:
    env = _env(env)
    knowledge_dir = env.get("REFERRAL_KNOWLEDGE_DIR")
    return Paths(
        knowledge_dir=Path(knowledge_dir) if knowledge_dir else None,
        cache_dir=env.get("REFERRAL_CACHE_DIR"),
        xdg_cache_home=env.get("XDG_CACHE_HOME"),
        referral_db=Path(env.get("REFERRAL_DB") or DEFAULT_DB),
        chart_font=env.get("REFERRAL_CHART_FONT") or None,
        card_font=env.get(CARD_FONT_ENV) or None,
    )


_PG_SCHEMES = ("postgresql", "postgres")


def database_url(env: Env | None = None) -> str | None:
    """DATABASE_URL (postgresql:// or postgres://, a host and a database), or None: counts then go to
    REFERRAL_DB. The SettingsError never quotes the value (it holds a password)."""
    value = _get(_env(env), "DATABASE_URL")
    if value is None:
        return None
    try:
        parts = urlsplit(value)
        ok = parts.scheme in _PG_SCHEMES and bool(parts.hostname) and len(parts.path) > 1
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        ok = False
    if not ok:
        raise SettingsError("DATABASE_URL must look like postgresql://USER:PASSWORD@HOST:5432/DATABASE")
    return value


def log_level(env: Env | None = None) -> str:
    return _env(env).get("LOG_LEVEL", "INFO")


def log_format(env: Env | None = None) -> str:
    """LOG_FORMAT as written: "json" for JSON Lines; anything else (default "text") for text lines."""
    return _env(env).get("LOG_FORMAT", "")


def host(env: Env | None = None) -> str:
    return _get(_env(env), "HOST") or DEFAULT_HOST


def default_prefecture(env: Env | None = None) -> str | None:
    """DEFAULT_PREFECTURE as written ("14", "神奈川県"); the wiring resolves it to a code."""
    return _get(_env(env), "DEFAULT_PREFECTURE")


def secrets(env: Env | None = None) -> list[str]:
    env = _env(env)
    found = [v for n in SECRET_NAMES if (v := _get(env, n))]
    with contextlib.suppress(ValueError):  # DATABASE_URL's password, as written and as decoded
        password = urlsplit(_get(env, "DATABASE_URL") or "").password
        if password:
            found += [password, unquote(password)]
    return found


# ---------------------------------------------------------------------------- Telegram
@dataclass(frozen=True)
class TelegramSettings:
    token: str
    webhook_url: str | None = None  # webhook mode when set; long polling otherwise
    webhook_secret: str | None = None  # required in webhook mode
    base_url: str | None = None  # python-telegram-bot's base_url ("http://host:8081/bot"); tests use a fake
    port: int = TELEGRAM_PORT
    listen: str = DEFAULT_HOST
    attempts: int = 3  # tries per Bot API call, the first included
    backoff: float = 0.5  # seconds before retrying a 5xx or network error; doubles each time
    max_retry_after: float = 30.0  # a 429 asking for a longer wait is given up at once
    concurrent_updates: int = 8  # one slow answer (a 429 wait) must not hold up everyone else
    dedup_window: int = 2048

    def __repr__(self) -> str:  # never print the token or the secret
        return f"Settings(webhook_url={self.webhook_url!r}, base_url={self.base_url!r}, port={self.port})"

    @classmethod
    def from_env(cls, environ: Env, *, webhook_url: str | None = None, port: int | None = None) -> TelegramSettings:
        return telegram(environ, webhook_url=webhook_url, port=port)


def _telegram_secret(value: str | None) -> str:
    return secret("TELEGRAM_WEBHOOK_SECRET", value, _TELEGRAM_SECRET, "1-256 of A-Z a-z 0-9 _ -")


def _telegram_webhook_url(name: str, value: str, base_url: str | None, what: str) -> str:
    parts = urlsplit(value)
    if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and base_url)):
        raise SettingsError(f"{name} must be {what}")  # plain http only towards a self-hosted API
    return value


def telegram(env: Env | None = None, *, webhook_url: str | None = None, port: int | None = None) -> TelegramSettings:
    """`referral-bot telegram`: long polling, or webhook mode with --webhook-url."""
    env = _env(env)
    token = _get(env, "TELEGRAM_BOT_TOKEN")
    if token is None:
        raise SettingsError("TELEGRAM_BOT_TOKEN is not set (create a bot with @BotFather)")
    if not _TELEGRAM_TOKEN.match(token):
        raise SettingsError("TELEGRAM_BOT_TOKEN is malformed (expected <digits>:<secret> as @BotFather gives it)")
    base_url = _get(env, "TELEGRAM_BASE_URL")
    if base_url and urlsplit(base_url).scheme not in ("http", "https"):
        raise SettingsError("TELEGRAM_BASE_URL must start with http:// or https://")
    if base_url and not base_url.rstrip("/").endswith("/bot"):  # the token follows it: .../bot<token>/getMe
        raise SettingsError("TELEGRAM_BASE_URL must end in /bot, e.g. http://localhost:8081/bot")
    if base_url:
        base_url = base_url.rstrip("/")
    if not webhook_url:
        if port is not None:
            raise SettingsError("--port is for webhook mode; add --webhook-url (long polling needs no port)")
        return TelegramSettings(token=token, base_url=base_url)
    _telegram_webhook_url("--webhook-url", webhook_url, base_url, "a public https:// URL")
    raw_secret = _get(env, "TELEGRAM_WEBHOOK_SECRET")
    if raw_secret is None:
        raise SettingsError("webhook mode needs TELEGRAM_WEBHOOK_SECRET (1-256 of A-Z a-z 0-9 _ -)")
    return TelegramSettings(
        token=token,
        base_url=base_url,
        webhook_url=webhook_url,
        webhook_secret=_telegram_secret(raw_secret),
        port=listen_port(port, env, default=TELEGRAM_PORT),
    )


def telegram_webhook(env: Env | None = None) -> TelegramSettings:
    """Telegram under `serve`: the token, TELEGRAM_WEBHOOK_SECRET, optional TELEGRAM_WEBHOOK_URL."""
    env = _env(env)
    settings = telegram(env)
    hook = _get(env, "TELEGRAM_WEBHOOK_URL")
    if hook is not None:
        _telegram_webhook_url(
            "TELEGRAM_WEBHOOK_URL", hook, settings.base_url, "the public https:// URL of /telegram/webhook"
        )
    return TelegramSettings(
        token=settings.token,
        base_url=settings.base_url,
        webhook_secret=_telegram_secret(_get(env, "TELEGRAM_WEBHOOK_SECRET") or ""),
        webhook_url=hook,
    )


# ---------------------------------------------------------------------------- Slack
@dataclass(frozen=True)
class SlackSettings:
    bot_token: str
    signing_secret: str | None = None  # HTTP mode
    app_token: str | None = None  # Socket Mode
    api_url: str | None = None  # SLACK_API_URL: the Web API base URL (GovSlack, a proxy)
    command: str = DEFAULT_SLACK_COMMAND
    default_prefecture: str | None = None  # JIS code "01".."47" for a workspace in one place


def slack(env: Env | None = None, *, http: bool) -> SlackSettings:
    """Socket Mode (http=False) or HTTP mode; SettingsError names every missing variable."""
    env = _env(env)
    need = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET") if http else ("SLACK_APP_TOKEN", "SLACK_BOT_TOKEN")
    missing = [n for n in need if _get(env, n) is None]
    if missing:
        mode = "HTTP mode" if http else "Socket Mode"
        raise SettingsError(f"{mode} needs {' and '.join(missing)} (see the README, Slack)")
    bot_token = _get(env, "SLACK_BOT_TOKEN") or ""
    if not _SLACK_BOT_TOKEN.match(bot_token):
        raise SettingsError("SLACK_BOT_TOKEN must be the bot token (xoxb-..., no spaces)")
    app_token = _get(env, "SLACK_APP_TOKEN")
    if not http and app_token is not None and not _SLACK_APP_TOKEN.match(app_token):
        raise SettingsError("SLACK_APP_TOKEN must be an app-level token (xapp-..., no spaces) with connections:write")
    signing_secret = _get(env, "SLACK_SIGNING_SECRET")
    if http or signing_secret is not None:
        signing_secret = secret("SLACK_SIGNING_SECRET", signing_secret, _HEX32,
                                "32 hex digits, from Basic Information > App Credentials")  # fmt: skip
    command = _get(env, "SLACK_COMMAND") or DEFAULT_SLACK_COMMAND
    if not _SLACK_COMMAND.fullmatch(command):
        raise SettingsError(f"SLACK_COMMAND must look like {DEFAULT_SLACK_COMMAND} (lower case, no spaces)")
    api_url = _get(env, "SLACK_API_URL")
    if api_url is not None:
        if not api_url.startswith(("https://", "http://")):
            raise SettingsError("SLACK_API_URL must be an http(s) URL, e.g. https://slack-gov.com/api/")
        api_url = api_url.rstrip("/") + "/"
    return SlackSettings(
        bot_token=bot_token,
        signing_secret=signing_secret,
        app_token=app_token,
        api_url=api_url,
        command=command,
    )


# ---------------------------------------------------------------------------- LINE
@dataclass(frozen=True)
class LineSettings:
    access_token: str
    channel_secret: str
    api_url: str | None = None  # LINE_API_URL: the Messaging API's base URL (tests, proxies)
    default_prefecture: str | None = None  # JIS code for a deployment in one place
    attempts: int = 3  # tries per reply, the first included
    backoff: float = 0.5  # seconds before retrying; doubles each time
    request_timeout: float = 10.0  # seconds per Messaging API call (the SDK's default is 5 minutes)
    dedup_window: int = 10_000  # webhook event ids remembered for de-duplication

    def __repr__(self) -> str:  # never print the token or the secret
        return f"Settings(api_url={self.api_url!r}, default_prefecture={self.default_prefecture!r})"


def line(env: Env | None = None) -> LineSettings:
    env = _env(env)
    missing = [n for n in ("LINE_CHANNEL_ACCESS_TOKEN", "LINE_CHANNEL_SECRET") if _get(env, n) is None]
    if missing:
        raise SettingsError(f"LINE needs {' and '.join(missing)} (LINE Developers Console, Messaging API channel)")
    token = secret("LINE_CHANNEL_ACCESS_TOKEN", _get(env, "LINE_CHANNEL_ACCESS_TOKEN"), _PRINTABLE,
                   "the channel access token, no spaces")  # fmt: skip
    channel_secret = secret("LINE_CHANNEL_SECRET", _get(env, "LINE_CHANNEL_SECRET"), _HEX32,
                            "32 hex digits, the channel secret from Basic settings")  # fmt: skip
    api_url = url("LINE_API_URL", _get(env, "LINE_API_URL"), example="https://api.line.me")
    return LineSettings(access_token=token, channel_secret=channel_secret,
                        api_url=api_url.rstrip("/") if api_url else None)  # fmt: skip


# ---------------------------------------------------------------------------- the web page
@dataclass(frozen=True)
class WebSettings:
    frame_ancestors: str = "'none'"  # CSP frame-ancestors: who may show the page in a frame
    trust_proxy: bool = False  # take the client's address from X-Forwarded-For


def web_wanted(env: Env | None = None) -> bool:
    """The web page is served unless WEB_CHAT is off (a malformed value is web()'s error to name)."""
    return _env(env).get("WEB_CHAT", "").strip().lower() not in _OFF


def web(env: Env | None = None) -> WebSettings | None:
    """The web page's settings, or None when WEB_CHAT is off: WEB_FRAME_ANCESTORS (who may frame the
    page: 'self', 'none' or https://host[:port] origins, default 'none'), TRUST_PROXY (believe
    X-Forwarded-For: only behind a proxy that sets it)."""
    env = _env(env)
    if not switch(env, "WEB_CHAT", True):
        return None
    sources = []
    for token in env.get("WEB_FRAME_ANCESTORS", "").split():
        token = f"'{token}'" if token in ("self", "none") else token
        if not _FRAME_SOURCE.match(token):
            raise SettingsError(
                "WEB_FRAME_ANCESTORS must list 'self', 'none' or https://host[:port] origins, "
                f"separated by spaces (not {token[:40]!r})"
            )
        sources.append(token)
    if "'none'" in sources and len(sources) > 1:
        raise SettingsError("WEB_FRAME_ANCESTORS: 'none' cannot be combined with other sources")
    return WebSettings(frame_ancestors=" ".join(sources) or "'none'", trust_proxy=switch(env, "TRUST_PROXY", False))


# ---------------------------------------------------------------------------- serve
# The channels `serve` can host, in /healthz order: what asks for one (the variables whose presence
# does, or a test of the environment), and the reader of its settings (None: a channel with no
# settings of its own). One line per channel.
Asks = tuple[str, ...] | Callable[[Env], bool]
SERVED: dict[str, tuple[Asks, Callable[[Env], object] | None]] = {
    "line": (("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN"), line),
    "slack": (("SLACK_SIGNING_SECRET",), lambda env: slack(env, http=True)),  # a bot token alone: Socket Mode
    "telegram": (("TELEGRAM_WEBHOOK_SECRET",), telegram_webhook),  # a token alone: the polling worker
    "web": (web_wanted, web),  # the page: on unless WEB_CHAT=off, no platform settings needed
}


def _asked(env: Env, asks: Asks) -> bool:
    return asks(env) if callable(asks) else any(_get(env, n) for n in asks)


def wanted(env: Env | None = None) -> list[str]:
    """The channels the environment asks `serve` for (cheap: imports nothing)."""
    env = _env(env)
    return [name for name, (asks, _) in SERVED.items() if _asked(env, asks)]


@dataclass(frozen=True)
class ServeSettings:
    host: str = DEFAULT_HOST
    port: int = SERVE_PORT
    # channel name -> its settings (None for a channel that needs none), in SERVED order
    served: Mapping[str, object] = field(default_factory=dict)
    default_prefecture: str | None = None  # as written; the wiring resolves names

    @property
    def channels(self) -> list[str]:
        return list(self.served)


def serve(env: Env | None = None, *, port_flag: int | None = None) -> ServeSettings:
    """Every served channel's settings, validated; SettingsError names the first problem."""
    env = _env(env)
    chosen_port = listen_port(port_flag, env, default=SERVE_PORT, allow_any=True)
    names = wanted(env)
    if not names:
        raise SettingsError(NO_CHANNEL)
    return ServeSettings(
        host=host(env),
        port=chosen_port,
        served={name: (read(env) if (read := SERVED[name][1]) else None) for name in names},
        default_prefecture=default_prefecture(env),
    )
