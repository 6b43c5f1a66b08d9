"""Writes docs/web-example.png: the web page's answer on a 360x800 phone screen, in headless
Chromium (Debian's chromium + chromium-driver; see tests/browser.py). Run from the repository root:

    python tools/web_screenshot.py [-o docs/web-example.png]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.engine import Engine  # noqa: E402
from tests.browser import ServerThread, chrome  # noqa: E402

MESSAGE = "当院は横浜市です。患者さんが昨夜性被害にあったかもしれません"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default=str(ROOT / "docs" / "web-example.png"))
    args = parser.parse_args()
    from selenium.webdriver.common.by import By

    with ServerThread(Engine.load(), None) as server, chrome(javascript=False) as driver:
        driver.get(f"{server.url}/")
        driver.find_element(By.ID, "text").send_keys(MESSAGE)
        driver.find_element(By.CSS_SELECTOR, "button.send").click()
        driver.find_element(By.ID, "answer")
        driver.save_screenshot(args.output)
    print(args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
