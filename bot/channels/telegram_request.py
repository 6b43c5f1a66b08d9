"""How the Telegram channel talks to the Bot API: JSON bodies over one httpx client, bounded retries.

`BotAPIRequest` is a python-telegram-bot networking backend (a `telegram.request.BaseRequest`, the
library's documented extension point), used for every Bot API call except getUpdates.

- JSON, not a form. python-telegram-bot's own HTTPXRequest sends parameters as
  application/x-www-form-urlencoded, which percent-encodes every byte of a Japanese answer (a
  1,500-character answer, ~4 KB of UTF-8, becomes ~12 KB) in pure Python (`urllib.parse.quote`,
  byte by byte): measured at about a tenth of the whole pipeline's time. The Bot API takes
  application/json for every method that uploads no file, so the parameters go as one UTF-8 JSON
  object (`RequestData.parameters`: nested objects as objects). A call with a file (we send none)
  would still go as multipart/form-data.
- Retries: 429 waits the retry_after Telegram names (and gives up at once if that is longer than
  `max_retry_after`), 5xx and network errors back off (`backoff`, doubling); at most `attempts`
  tries, then the answer goes back to python-telegram-bot, which raises as usual. Only the method
  name and the status are logged: the rest of the URL holds the token, the body holds the answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)
_DEFAULT = type(BaseRequest.DEFAULT_NONE)  # "not given": use the client's own timeout

JSON_HEADERS = {"User-Agent": BaseRequest.USER_AGENT, "Content-Type": "application/json"}
FORM_HEADERS = {"User-Agent": BaseRequest.USER_AGENT}


class BotAPIRequest(BaseRequest):
    """Bot API calls as JSON over a pool of `pool_size` HTTP/1.1 connections, retried with a bound.
    Timeouts are python-telegram-bot's defaults (5 s to connect, read and write; 1 s for a free
    connection from the pool) unless a call names its own."""

    __slots__ = ("_attempts", "_backoff", "_client", "_client_kwargs", "_max_wait")

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
        self._client_kwargs: dict[str, Any] = {
            "timeout": httpx.Timeout(
                connect=connect_timeout, read=read_timeout, write=write_timeout, pool=pool_timeout
            ),
            "limits": httpx.Limits(max_connections=max(1, pool_size)),
            "http1": True,
            "http2": False,
        }
        self._client = httpx.AsyncClient(**self._client_kwargs)

    @property
    def read_timeout(self) -> float | None:
        return self._client.timeout.read

    async def initialize(self) -> None:
        if self._client.is_closed:
            self._client = httpx.AsyncClient(**self._client_kwargs)

    async def shutdown(self) -> None:
        if not self._client.is_closed:
            await self._client.aclose()

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
        body = _body(request_data)
        for attempt in range(1, self._attempts + 1):
            last = attempt == self._attempts
            try:
                code, payload = await self._send(url, method, body, timeout)
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
    def _timeout(self, read: Any, write: Any, connect: Any, pool: Any) -> httpx.Timeout:
        default = self._client.timeout
        return httpx.Timeout(
            connect=default.connect if isinstance(connect, _DEFAULT) else connect,
            read=default.read if isinstance(read, _DEFAULT) else read,
            write=default.write if isinstance(write, _DEFAULT) else write,
            pool=default.pool if isinstance(pool, _DEFAULT) else pool,
        )

    async def _send(
        self, url: str, method: str, body: dict[str, Any], timeout: httpx.Timeout
    ) -> tuple[int, bytes]:
        try:
            res = await self._client.request(method=method, url=url, timeout=timeout, **body)
        except httpx.PoolTimeout as exc:
            raise TimedOut("Pool timeout: every connection to the Bot API is busy") from exc
        except httpx.TimeoutException as exc:
            raise TimedOut from exc
        except httpx.HTTPError as exc:  # the message may hold the URL, which holds the token: class only
            raise NetworkError(f"httpx.{type(exc).__name__}") from exc
        return res.status_code, res.content


def _body(request_data: RequestData | None) -> dict[str, Any]:
    """httpx.request keyword arguments: a JSON body, or multipart/form-data when a file is uploaded."""
    if request_data is None:
        return {"headers": FORM_HEADERS}
    if request_data.contains_files:
        return {
            "headers": FORM_HEADERS,
            "data": request_data.json_parameters,
            "files": request_data.multipart_data,
        }
    payload = json.dumps(request_data.parameters, ensure_ascii=False, separators=(",", ":"))
    return {"headers": JSON_HEADERS, "content": payload.encode("utf-8")}


def retry_after(payload: bytes) -> float:
    """The seconds a 429 answer asks to wait (1 s when it does not say)."""
    try:
        value = json.loads(payload)["parameters"]["retry_after"]
        return max(0.0, float(value))
    except (ValueError, KeyError, TypeError):
        return 1.0
