"""How the Telegram channel talks to the Bot API: JSON bodies over one aiohttp session, bounded retries.

`BotAPIRequest` is a python-telegram-bot networking backend (`telegram.request.BaseRequest`, the
library's extension point), used for every call (getUpdates with one attempt: the library's polling
loop retries it). aiohttp rather than httpx and JSON rather than a form, for the CPU per call (see
BENCHMARKS.md); HTTPS_PROXY / NO_PROXY are honoured and certificates checked against certifi.
Retries: 429 waits Telegram's retry_after (up to `max_retry_after`), 5xx and network errors back
off; at most `attempts` tries. Only the method name and status are logged (the URL holds the token).
Timeouts: python-telegram-bot's four per call, which together bound the whole call.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.channels.common import compact_json

log = logging.getLogger(__name__)
_DEFAULT = type(BaseRequest.DEFAULT_NONE)  # "not given": use the request's own timeout

JSON_HEADERS = {"Content-Type": "application/json"}
_ssl_context: ssl.SSLContext | None = None


def ssl_context() -> ssl.SSLContext:
    """Certificates checked against certifi's bundle (a slim container may have no system store)."""
    global _ssl_context
    if _ssl_context is None:
        import certifi

        _ssl_context = ssl.create_default_context(cafile=certifi.where())
    return _ssl_context


class BotAPIRequest(BaseRequest):
    """Bot API calls as JSON over a pool of `pool_size` HTTP/1.1 connections, retried with a bound.
    Timeouts are python-telegram-bot's defaults (5 s to connect, read and write; 1 s for a free
    connection from the pool) unless a call names its own. The aiohttp session is made in
    `initialize()` (python-telegram-bot calls it inside the running event loop), or at the first call."""

    __slots__ = ("_attempts", "_backoff", "_max_wait", "_pool_size", "_proxies", "_session", "_timeouts")

    def __init__(
        self,
        *,
        pool_size: int,
        attempts: int = 3,
        backoff: float = 0.5,
        max_retry_after: float = 30.0,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ):
        self._attempts = max(1, attempts)
        self._backoff = max(0.0, backoff)
        self._max_wait = max_retry_after
        self._pool_size = max(1, pool_size)
        self._timeouts = (read_timeout, write_timeout, connect_timeout, pool_timeout)
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}  # (scheme, host) -> proxy URL or None

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts[0]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, ssl=ssl_context()),
                headers={"User-Agent": BaseRequest.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        api = url.rsplit("/", 1)[-1]  # the method name; the rest of the URL holds the token
        timeout = self._timeout(read_timeout, write_timeout, connect_timeout, pool_timeout)
        for attempt in range(1, self._attempts + 1):
            last = attempt == self._attempts
            try:
                code, payload = await self._send(url, method, request_data, timeout)
            except NetworkError as exc:  # no answer at all: connection failed or timed out
                if last:
                    log.warning(
                        "telegram: %s gave up after %d attempts (%s)", api, attempt, type(exc).__name__
                    )
                    raise
                why, delay = type(exc).__name__, self._backoff * 2 ** (attempt - 1)
            else:
                if code == 429:
                    delay = retry_after(payload)
                    if last or delay > self._max_wait:
                        log.warning(
                            "telegram: %s gave up after %d attempts (HTTP 429, retry after %ss)",
                            api,
                            attempt,
                            delay,
                        )
                        return code, payload
                    why = "HTTP 429"
                elif code >= 500:
                    if last:
                        log.warning("telegram: %s gave up after %d attempts (HTTP %d)", api, attempt, code)
                        return code, payload
                    why, delay = f"HTTP {code}", self._backoff * 2 ** (attempt - 1)
                else:
                    return code, payload
            log.info(
                "telegram: %s failed (%s); try %d of %d in %.1fs",
                api,
                why,
                attempt + 1,
                self._attempts,
                delay,
            )
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    # -------------------------------------------------------------- pieces
    def _timeout(self, read: Any, write: Any, connect: Any, pool: Any) -> aiohttp.ClientTimeout:
        given = (read, write, connect, pool)
        every = tuple(d if isinstance(v, _DEFAULT) else v for v, d in zip(given, self._timeouts, strict=True))
        r, _, c, p = every
        return aiohttp.ClientTimeout(
            total=None if None in every else sum(every),
            connect=None if p is None or c is None else p + c,
            sock_connect=c,
            sock_read=r,
        )

    async def _send(
        self, url: str, method: str, request_data: RequestData | None, timeout: aiohttp.ClientTimeout
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            await self.initialize()
        assert self._session is not None
        proxy = self._proxy(url)
        try:
            async with self._session.request(
                method, url, timeout=timeout, proxy=proxy, **_body(request_data)
            ) as res:
                return res.status, await res.read()
        except TimeoutError as exc:  # aiohttp's own timeouts are TimeoutErrors too
            raise TimedOut from exc
        except aiohttp.ClientError as exc:  # the message may hold the URL, which holds the token: class only
            raise NetworkError(f"aiohttp.{type(exc).__name__}") from exc

    def _proxy(self, url: str) -> str | None:
        """The proxy the environment names for this URL's scheme and host (None: connect directly)."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._proxies:
            proxy = urllib.request.getproxies().get(parts.scheme)
            if proxy and urllib.request.proxy_bypass(key[1]):
                proxy = None
            self._proxies[key] = proxy or None
        return self._proxies[key]


def _body(request_data: RequestData | None) -> dict[str, Any]:
    """aiohttp request keyword arguments: a JSON body, or multipart/form-data when a file is uploaded."""
    if request_data is None:
        return {}
    if request_data.contains_files:
        form = aiohttp.FormData()
        for name, value in request_data.json_parameters.items():
            form.add_field(name, value)
        for name, (filename, content, mimetype) in request_data.multipart_data.items():
            form.add_field(name, content, filename=filename, content_type=mimetype)
        return {"data": form}
    return {"data": compact_json(request_data.parameters).encode("utf-8"), "headers": JSON_HEADERS}


def retry_after(payload: bytes) -> float:
    """The seconds a 429 answer asks to wait (1 s when it does not say)."""
    try:
        value = json.loads(payload)["parameters"]["retry_after"]
        return max(0.0, float(value))
    except (ValueError, KeyError, TypeError):
        return 1.0
