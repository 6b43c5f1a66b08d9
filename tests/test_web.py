"""The web page (bot/channels/web.py, bot/render/html.py) over plain HTTP on loopback: headers, the
answer, refinements, bad input, the rate limit, settings. The browser tests are in test_web_browser.py.

The server is the real one: `serve.Server` where the wiring matters, else the real WebChat routes on
an aiohttp test server (127.0.0.1). Counts go to a Recorder (tests/fakes/counts.py) or a real store.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from html import unescape
from urllib.parse import quote

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot import serve, settings, wiring
from bot.channels.web import MAX_BODY, RateLimiter, WebChat
from bot.counts import CountsStore
from bot.engine import Action
from bot.model import INTENT_REFERRAL, Case, Reply
from bot.render.html import render_actions, render_html, tel
from bot.settings import SettingsError, WebSettings
from bot.state import encode
from tests.conftest import ROOT, WEEKDAY_NOON
from tests.fakes.counts import Recorder
from tests.fakes.logs import assert_private

YOKOHAMA = "横浜市の病院です。昨夜性被害にあったかもしれない患者さんが来ています"
FUCHU = "府中市の病院です。患者さんが性被害にあったかもしれません"
KANAGAWA_CENTER = "かながわ性犯罪・性暴力被害者ワンストップ支援センター"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
MAX_PAGE_BYTES = 50 * 1024


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


async def client_for(chat: WebChat) -> TestClient:
    app = web.Application()
    chat.routes(app)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    return client


@pytest.fixture
async def counted():
    return Recorder()


@pytest.fixture
async def client(engine, counted):
    c = await client_for(WebChat(engine, counted, WebSettings(), clock=lambda: WEEKDAY_NOON))
    yield c
    await c.close()


def form(**fields: str) -> str:
    return "&".join(f"{k}={quote(v)}" for k, v in fields.items())


async def send(client: TestClient, body: str | bytes, headers: dict[str, str] | None = None):
    r = await client.post("/", data=body.encode() if isinstance(body, str) else body, headers=headers or FORM)
    return r.status, await r.text(), r.headers


def buttons(page: str) -> dict[str, str]:
    """label -> the case a refinement button carries."""
    return {unescape(label): unescape(value)
            for value, label in re.findall(r'<button type="submit" name="case" value="([^"]*)"[^>]*>([^<]*)</button>', page)}  # fmt: skip


def shows_8891(page: str) -> bool:
    return 'href="tel:%238891"' in page and "0120-8891-77" in page


# ---------------------------------------------------------------------------- the page
async def test_the_empty_page_is_japanese_labelled_and_closed_to_other_hosts(client):
    r = await client.get("/")
    page = await r.text()
    assert r.status == 200 and r.content_type == "text/html" and r.charset == "utf-8"
    assert '<html lang="ja">' in page
    assert '<label for="text">状況を書いてください</label>' in page and '<textarea id="text" name="text"' in page
    assert re.search(r'<form class="ask" method="post" action="/#answer"', page)
    assert shows_8891(page) and 'href="tel:110"' in page
    # nothing loaded from anywhere else: every src and stylesheet is this server's
    for url in re.findall(r'(?:src|href)="([^"]*)"', page):
        assert url.startswith(("/", "tel:")), url
    csp = r.headers["Content-Security-Policy"]
    for directive in ("default-src 'none'", "style-src 'self'", "script-src 'self'", "form-action 'self'",
                      "base-uri 'none'", "frame-ancestors 'none'"):  # fmt: skip
        assert directive in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in r.headers
    assert "<script>" not in page and not re.search(r"<[^>]*\son[a-z]+=", page)  # no inline script or handler


@pytest.mark.parametrize(
    ("query", "accept", "lang"),
    [("", "", "ja"), ("", "en-US,en;q=0.9", "en"), ("", "fr, en;q=0.5, ja;q=0.8", "ja"), ("?lang=en", "ja", "en"),
     ("?lang=ja", "en", "ja"), ("?lang=xx", "", "ja"), ("", "en;q=abc", "ja")],
)  # fmt: skip
async def test_the_language_comes_from_the_link_or_accept_language(client, query, accept, lang):
    r = await client.get(f"/{query}", headers={"Accept-Language": accept} if accept else {})
    page = await r.text()
    assert f'<html lang="{lang}">' in page and r.headers["Content-Language"] == lang
    other = "en" if lang == "ja" else "ja"
    assert f'href="/?lang={other}" lang="{other}"' in page
    assert ("Describe the situation" in page) == (lang == "en")


async def test_the_stylesheet_and_script_are_served_here_and_nothing_else(client):
    r = await client.get("/static/style.css")
    assert r.status == 200 and r.content_type == "text/css" and r.headers["X-Content-Type-Options"] == "nosniff"
    assert "@media print" in await r.text()
    r = await client.get("/static/app.js")
    assert r.status == 200 and r.content_type == "text/javascript"
    for path in ("/static/page.html", "/static/..%2fweb.py", "/static/nope.css"):
        r = await client.get(path)
        assert r.status == 404 and shows_8891(await r.text())
    assert (await client.get("/favicon.ico")).status == 204


# ---------------------------------------------------------------------------- answers
async def test_a_message_is_answered_with_links_and_counted_once(client, counted, caplog):
    caplog.set_level(logging.DEBUG)
    status, page, headers = await send(client, form(text=YOKOHAMA, lang="ja"))
    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert '<section class="answer" id="answer"' in page
    assert KANAGAWA_CENTER in page
    assert 'href="tel:045-322-7379"' in page and shows_8891(page)
    assert re.search(r'<a href="http://www\.pref\.kanagawa\.jp/[^"]*">サイト', page)
    assert YOKOHAMA not in page and "横浜市の病院" not in page  # the message is never echoed back
    assert counted.counted == [("14", "web")]
    assert {"18歳未満", "配偶者・交際相手から", "危険が迫っている", "English", "都道府県を選ぶ"} <= set(buttons(page))
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("bot"))  # (the test
    assert "web: answered a message" in logged  # server's access log is on; serve's is off: see below)
    assert_private(logged, ("横浜", "127.0.0.1"))


async def test_a_refinement_answers_the_same_case_refined_and_is_not_counted(client, counted):
    _, page, _ = await send(client, form(text=YOKOHAMA, lang="ja"))
    child = buttons(page)["18歳未満"]
    status, page, _ = await send(client, form(case=child))
    assert status == 200 and 'href="tel:189"' in page and KANAGAWA_CENTER in page
    assert "18歳未満" not in buttons(page)  # already added
    status, page, _ = await send(client, form(case=buttons(page)["English"]))
    assert status == 200 and '<html lang="en">' in page and "Kanagawa" in page and 'href="tel:189"' in page
    assert counted.counted == [("14", "web")]  # only the message


async def test_an_ambiguous_place_offers_its_prefectures(client, counted):
    _, page, _ = await send(client, form(text=FUCHU))
    assert "「東京都」「広島県」" in page
    question = page.index('<p class="question">')
    assert question < page.index('form="refine">東京都</button>') < page.index("<h3>")  # right under the question
    status, page, _ = await send(client, form(case=buttons(page)["東京都"]))
    assert status == 200 and "東京都のセンター" in page
    assert counted.counted == [("13", "web")]  # the question is not counted; the choice is, once


async def test_the_prefecture_picker_goes_region_then_prefecture_and_back(client):
    _, page, _ = await send(client, form(text="患者さんが性被害にあったかもしれません"))
    assert page.index('<p class="question">') < page.index('form="refine">都道府県を選ぶ</button>') < page.index("<h3>")
    _, regions, _ = await send(client, form(case=buttons(page)["都道府県を選ぶ"]))
    assert "もどる" in buttons(regions) and len(buttons(regions)) > 5
    kanto = next(v for k, v in buttons(regions).items() if "関東" in k)
    _, prefectures, _ = await send(client, form(case=kanto))
    assert "神奈川県" in buttons(prefectures)
    _, back, _ = await send(client, form(case=buttons(prefectures)["もどる"]))
    assert buttons(back).keys() == buttons(regions).keys()
    _, answer, _ = await send(client, form(case=buttons(prefectures)["神奈川県"]))
    assert KANAGAWA_CENTER in answer


async def test_a_message_in_english_is_answered_in_english(client, counted):
    _, page, _ = await send(client, form(text="Our hospital is in Sapporo. A 15-year-old patient was assaulted 3 hours ago",
                                         lang="ja"))  # fmt: skip
    assert '<html lang="en">' in page and 'href="tel:189"' in page
    assert counted.counted == [("01", "web")]


async def test_a_post_from_another_sites_page_is_answered_but_not_counted(client, counted):
    status, page, _ = await send(client, form(text=YOKOHAMA), FORM | {"Sec-Fetch-Site": "cross-site"})
    assert status == 200 and KANAGAWA_CENTER in page
    assert counted.counted == []
    await send(client, form(text=YOKOHAMA), FORM | {"Sec-Fetch-Site": "same-origin"})
    assert counted.counted == [("14", "web")]


async def test_a_message_in_the_url_is_never_read(client, counted):
    r = await client.get("/", params={"text": YOKOHAMA})
    page = await r.text()
    assert r.status == 200 and KANAGAWA_CENTER not in page and 'id="answer"' not in page
    assert counted.counted == []


async def test_a_failure_gets_the_apology_with_8891_uncounted(engine):
    def broken_clock():
        raise RuntimeError("the clock broke")

    counts = Recorder()
    client = await client_for(WebChat(engine, counts, WebSettings(), clock=broken_clock))
    try:
        status, page, _ = await send(client, form(text=YOKOHAMA))
        assert status == 500 and shows_8891(page) and "申し訳ありません" in page
        assert counts.counted == []
    finally:
        await client.close()


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("body", ["", "text=", "text=%20%0A", "lang=en", "other=1"])
async def test_an_empty_message_gets_the_help_answer_uncounted(client, counted, body):
    status, page, _ = await send(client, body)
    assert status == 200 and shows_8891(page)
    assert counted.counted == []


async def test_the_empty_message_is_answered_in_the_pages_language(client):
    _, page, _ = await send(client, "text=&lang=en")
    assert '<html lang="en">' in page and shows_8891(page)


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"text=" + b"%E6%A8%AA" * (MAX_BODY // 9 + 1), FORM, 413),  # over the limit, with its length
        (b"x" * (1 << 20), FORM, 413),  # 1 MB
        (b"text=%82%A0%82%A2", FORM, 400),  # Shift_JIS, percent-encoded
        ("text=横浜".encode("shift_jis"), FORM, 400),  # raw non-ASCII bytes
        (b"text=%FF", FORM, 400),
        (b'{"text": "x"}', {"Content-Type": "application/json"}, 415),
        (b"text=x", {"Content-Type": "text/plain"}, 415),
        (b"text=x", {"Content-Type": "application/x-www-form-urlencoded; charset=shift_jis"}, 415),
        (b"case=1jr99f~~", FORM, 400),  # not a case of ours
        (b"case=%3Cscript%3E", FORM, 400),
    ],
)
async def test_bad_input_gets_a_page_with_8891_and_is_not_counted(client, counted, body, headers, status):
    got, page, resp_headers = await send(client, body, headers)
    assert got == status and shows_8891(page) and '<p class="problem" role="alert">' in page
    assert resp_headers["Cache-Control"] == "no-store" and "default-src 'none'" in resp_headers["Content-Security-Policy"]
    assert counted.counted == []


async def test_a_body_sent_in_chunks_is_cut_at_the_limit(client, counted):
    async def chunks():
        for _ in range(MAX_BODY // 1024 + 2):
            yield b"a" * 1024

    r = await client.post("/", data=chunks(), headers=FORM)
    assert r.status == 413 and "短くして" in await r.text()
    assert counted.counted == []


async def test_a_multipart_form_is_refused(client):
    r = await client.post("/", data=aiohttp.FormData({"text": YOKOHAMA}, default_to_multipart=True))
    assert r.status == 415


# ---------------------------------------------------------------------------- rate limit
async def test_a_client_over_its_rate_gets_429_with_8891_and_is_not_counted(engine):
    counts, clock = Recorder(), FakeClock()
    chat = WebChat(engine, counts, WebSettings(), clock=lambda: WEEKDAY_NOON,
                   limiter=RateLimiter(burst=3, per_s=0.5, clock=clock))  # fmt: skip
    client = await client_for(chat)
    try:
        for _ in range(3):
            assert (await send(client, form(text=YOKOHAMA)))[0] == 200
        status, page, headers = await send(client, form(text=YOKOHAMA))
        assert status == 429 and shows_8891(page) and headers["Retry-After"] == "2"
        # the forwarded-for header is not believed without TRUST_PROXY: the same peer, the same bucket
        status, _, _ = await send(client, form(text=YOKOHAMA), FORM | {"X-Forwarded-For": "203.0.113.9"})
        assert status == 429
        assert len(counts.counted) == 3
        clock.t += 2.0  # one token back
        assert (await send(client, form(text=YOKOHAMA)))[0] == 200
        assert (await send(client, form(text=YOKOHAMA)))[0] == 429
        assert len(counts.counted) == 4
        assert (await client.get("/")).status == 200  # reading the page is not limited
    finally:
        await client.close()


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket(engine):
    counts = Recorder()
    chat = WebChat(engine, counts, WebSettings(trust_proxy=True), clock=lambda: WEEKDAY_NOON,
                   limiter=RateLimiter(burst=1, per_s=0.001, clock=FakeClock()))  # fmt: skip
    client = await client_for(chat)
    try:
        first = FORM | {"X-Forwarded-For": "198.51.100.7, 203.0.113.1"}  # the proxy appended .1
        assert (await send(client, form(text=YOKOHAMA), first))[0] == 200
        assert (await send(client, form(text=YOKOHAMA), first))[0] == 429
        spoofed = FORM | {"X-Forwarded-For": "198.51.100.8, 203.0.113.1"}  # a client-written hop changes nothing
        assert (await send(client, form(text=YOKOHAMA), spoofed))[0] == 429
        other = FORM | {"X-Forwarded-For": "203.0.113.2"}
        assert (await send(client, form(text=YOKOHAMA), other))[0] == 200
        assert len(counts.counted) == 2
    finally:
        await client.close()


def test_the_rate_limiter_forgets_the_least_recently_seen_clients():
    clock = FakeClock()
    limiter = RateLimiter(burst=1, per_s=0.001, max_clients=2, clock=clock)
    assert limiter.allow("a")[0] and limiter.allow("b")[0] and not limiter.allow("a")[0]
    assert limiter.allow("c")[0]  # forgets "b"
    assert limiter.allow("b")[0] and len(limiter._buckets) == 2
    assert all(len(key) == 16 and key != b"b" for key in limiter._buckets)  # a keyed hash, not the address


# ---------------------------------------------------------------------------- settings and serve
def test_settings_from_the_environment():
    assert settings.web({}) == WebSettings("'none'", False)
    assert settings.web({"WEB_CHAT": "off"}) is None and settings.web({"WEB_CHAT": "0"}) is None
    assert settings.web({"WEB_FRAME_ANCESTORS": "self https://intranet.example:8443", "TRUST_PROXY": "1"}) == (
        WebSettings("'self' https://intranet.example:8443", True)
    )
    for bad in ("https://a.example; script-src *", "'none' 'self'", "javascript:alert(1)", "*"):
        with pytest.raises(SettingsError, match="WEB_FRAME_ANCESTORS"):
            settings.web({"WEB_FRAME_ANCESTORS": bad})


async def test_frame_ancestors_from_the_setting(engine):
    client = await client_for(WebChat(engine, None, WebSettings("'self' https://intranet.example")))
    try:
        r = await client.get("/")
        assert "frame-ancestors 'self' https://intranet.example" in r.headers["Content-Security-Policy"]
        assert "X-Frame-Options" not in r.headers
    finally:
        await client.close()


async def test_serve_with_no_platform_settings_serves_the_page_and_counts_web(engine, tmp_path):
    store = CountsStore(tmp_path / "counts.db")
    config = wiring.serve_settings(engine, port_flag=0, env={"HOST": "127.0.0.1"})
    assert config.channels == ["web"]
    server = await serve.Server(config, engine, store).start()
    try:
        async with aiohttp.ClientSession(trust_env=False) as http:
            async with http.get(f"{server.url}/") as r:
                assert r.status == 200 and "状況を書いてください" in await r.text()
            async with http.post(f"{server.url}/", data={"text": YOKOHAMA}) as r:
                assert r.status == 200 and KANAGAWA_CENTER in await r.text()
            async with http.get(f"{server.url}{serve.HEALTH_PATH}") as r:
                assert (await r.json())["channels"] == ["web"]
    finally:
        await server.stop()
    assert [(r.prefecture, r.channel, r.n) for r in store.rows()] == [("14", "web", 1)]
    store.close()


async def test_web_chat_off_serves_no_page(engine, tmp_path):
    from tests.fakes.line_api import ACCESS_TOKEN, CHANNEL_SECRET, FakeLine

    with FakeLine() as line:
        env = {"HOST": "127.0.0.1", "WEB_CHAT": "off", "LINE_CHANNEL_SECRET": CHANNEL_SECRET,
               "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN, "LINE_API_URL": line.url}  # fmt: skip
        config = wiring.serve_settings(engine, port_flag=0, env=env)
        assert config.channels == ["line"] and "web" not in config.served
        server = await serve.Server(config, engine, None).start()
        try:
            async with aiohttp.ClientSession(trust_env=False) as http:
                async with http.get(f"{server.url}/") as r:
                    assert r.status == 404
                async with http.post(f"{server.url}/", data={"text": YOKOHAMA}) as r:
                    assert r.status in (404, 405)
        finally:
            await server.stop()
    with pytest.raises(SettingsError, match="no channel to serve"):
        wiring.serve_settings(engine, env={"WEB_CHAT": "off"})


def test_python_m_bot_serve_with_no_settings_serves_the_page_and_logs_no_text_or_address(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_", "LINE_", "WEB_"))}
    env |= {"HOST": "127.0.0.1", "LOG_LEVEL": "DEBUG", "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT),
            "REFERRAL_DB": str(tmp_path / "counts.db")}  # fmt: skip
    env.pop("PORT", None)
    log_file = tmp_path / "stderr.txt"
    with log_file.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", "0"], cwd=tmp_path, env=env,
                                stderr=err, stdout=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 60  # a safety net: the process loads the knowledge
        while not (found := re.search(r"serve: listening on port (\d+) for web", log_file.read_text())):
            assert proc.poll() is None, log_file.read_text()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        base = f"http://127.0.0.1:{found[1]}/"
        with urllib.request.urlopen(base, timeout=10) as r:
            assert r.status == 200 and "状況を書いてください" in r.read().decode()
        request = urllib.request.Request(base, data=form(text=f"{YOKOHAMA} ZEBRAQUAIL").encode(), headers=FORM)
        with urllib.request.urlopen(request, timeout=10) as r:
            assert KANAGAWA_CENTER in r.read().decode()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert code == 0
    output = log_file.read_text()
    assert "web: answered a message" in output
    assert_private(output, ("横浜", "ZEBRAQUAIL", "127.0.0.1 ", "POST /"))
    assert [(r.prefecture, r.channel, r.n) for r in CountsStore(tmp_path / "counts.db").rows()] == [("14", "web", 1)]


# ---------------------------------------------------------------------------- weight
async def test_the_page_with_the_longest_answer_weighs_under_50_kb(client):
    text = "横浜市の病院です。15歳の患者さんが交際相手から2時間前に性被害。加害者が待合室にいて危険です"
    _, page, _ = await send(client, form(text=text))
    assert 'href="tel:189"' in page and 'href="tel:110"' in page
    css = await (await client.get("/static/style.css")).read()
    js = await (await client.get("/static/app.js")).read()
    weight = len(page.encode()) + len(css) + len(js)
    assert weight < MAX_PAGE_BYTES, weight


# ---------------------------------------------------------------------------- the renderer
def test_tel_links_encode_the_hash_and_keep_digits():
    assert tel("#8891") == "tel:%238891"
    assert tel("0120-8891-77") == "tel:0120-8891-77"
    assert tel("045 322 7379") == "tel:0453227379"
    assert tel("+81-45-322-7379") == "tel:+81-45-322-7379"


def test_every_string_is_escaped(engine):
    reply = engine.answer(Case(prefecture="14"), WEEKDAY_NOON)
    hostile = Reply(case=reply.case, headline='<script>alert("x")</script>', question="a & <b>",
                    centers=reply.centers, contacts=reply.contacts, footer="<img src=x>")  # fmt: skip
    html = render_html(hostile, engine.guidance("ja"))
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;img src=x&gt;" in html
    assert "a &amp; &lt;b&gt;" in html


def test_actions_render_by_kind_so_new_kinds_just_work():
    case = Case(lang="ja", intent=INTENT_REFERRAL, prefecture="14")
    actions = [
        Action("flag", "72時間以上", case.with_(flags=frozenset({"acute"}))),
        Action("someday", "新しい種類 <b>", case.with_(lang="en")),
        Action("url", "サイト", url="https://example.org/a?b=1&c=2"),
        Action("url", "悪い", url="javascript:alert(1)"),
        Action("flag", "ケースなし"),
    ]
    html = render_actions(actions)
    assert f'value="{encode(actions[0].case)}">72時間以上</button>' in html
    assert '<div class="actions actions-someday">' in html and "新しい種類 &lt;b&gt;" in html
    assert '<a class="button link" href="https://example.org/a?b=1&amp;c=2">サイト</a>' in html
    assert "javascript:" not in html and "ケースなし" not in html

