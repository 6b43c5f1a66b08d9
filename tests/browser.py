"""Headless Chromium for the web page's tests (and tools/web_screenshot.py): Debian's `chromium` and
`chromium-driver`, driven by Selenium through /usr/bin/chromedriver. Selenium Manager never runs
(the driver's path is given and SE_OFFLINE is set), so nothing is downloaded; the flags keep
Chromium off the network (no background requests, updates, sync or QUIC), and every browser gets a
fresh profile directory. A serve.Server runs in a thread of its own, bound to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

APT_PACKAGES = "chromium chromium-driver"
MISSING = (
    "the web page's browser tests need Chromium and its driver: "
    f"apt-get update && apt-get install -y {APT_PACKAGES}"
)
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--no-default-browser-check",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1")  # fmt: skip


def find_chromium() -> tuple[str, str] | None:
    """(browser, driver) paths, or None when either is missing."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None)
    return (browser, driver) if browser and driver else None


def _fonts_conf(directory: Path) -> Path | None:
    """A fontconfig file adding the IPAexGothic font japanize-matplotlib ships (a dependency), so
    Japanese renders in screenshots on a machine without Japanese fonts."""
    spec = importlib.util.find_spec("japanize_matplotlib")  # found, not imported (matplotlib is slow)
    if spec is None or spec.origin is None:
        return None
    fonts = Path(spec.origin).parent / "fonts"
    conf = directory / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{fonts}</dir><cachedir>{directory / 'fontcache'}</cachedir></fontconfig>"
    )
    return conf


@contextmanager
def chrome(*, javascript: bool = True, width: int = 360, height: int = 800, lang: str = "ja") -> Iterator:
    """A headless Chromium WebDriver with a fresh profile; closed and removed on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    found = find_chromium()
    if found is None:
        raise RuntimeError(MISSING)
    browser, driver_path = found
    with tempfile.TemporaryDirectory(prefix="referral-chromium-") as tmp, _offline_selenium():
        profile = Path(tmp) / "profile"
        options = webdriver.ChromeOptions()
        options.binary_location = browser
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        options.add_argument(f"--window-size={width},{height}")
        options.add_argument(f"--lang={lang}")
        prefs = {"intl.accept_languages": lang}
        if not javascript:
            prefs["profile.managed_default_content_settings.javascript"] = 2
        options.add_experimental_option("prefs", prefs)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        env = dict(os.environ)
        conf = _fonts_conf(Path(tmp))
        if conf is not None:
            env["FONTCONFIG_FILE"] = str(conf)
        service = Service(executable_path=driver_path, env=env)
        driver = webdriver.Chrome(options=options, service=service)
        try:
            driver.set_page_load_timeout(30)
            driver.execute_cdp_cmd(  # the viewport exactly, whatever the window's frame takes
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
            )
            yield driver
        finally:
            driver.quit()


@contextmanager
def _offline_selenium() -> Iterator[None]:
    """SE_OFFLINE=1 while a driver starts: Selenium Manager never looks for a driver online."""
    before = os.environ.get("SE_OFFLINE")
    os.environ["SE_OFFLINE"] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SE_OFFLINE", None)
        else:
            os.environ["SE_OFFLINE"] = before


class ServerThread:
    """serve.Server (the web page only, unless `env` adds channels) on 127.0.0.1 in its own thread."""

    def __init__(self, engine, counts, env: dict[str, str] | None = None):
        self.engine, self.counts, self.env = engine, counts, env or {}
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="web-test-server", daemon=True)
        self.server = None

    def __enter__(self) -> ServerThread:
        from bot import serve, wiring

        self.thread.start()
        config = wiring.serve_settings(self.engine, port_flag=0, env={"HOST": "127.0.0.1", **self.env})
        server = serve.Server(config, self.engine, self.counts)
        self.server = asyncio.run_coroutine_threadsafe(server.start(), self.loop).result(60)
        return self

    @property
    def url(self) -> str:
        return self.server.url

    def __exit__(self, *exc: object) -> None:
        try:
            if self.server is not None:
                asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(60)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()
