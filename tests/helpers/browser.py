"""A headless Chromium for the tests that look at HTML pages (selenium + Debian's chromium and
chromium-driver): the `browser` fixture skips, with the reason, when one of them is missing."""

from __future__ import annotations

import math
import time
from pathlib import Path

import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install selenium)"
    for path, what in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromedriver")):
        if not Path(path).exists():
            return f"no {what} at {path} (apt-get install chromium chromium-driver)"
    return None


def start(downloads: Path):
    """A headless Chromium at 1280 × 800 that logs its network traffic; files it downloads go to
    `downloads` (the driver's .downloads)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,800"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
    driver.downloads = downloads
    return driver


def open_page(driver, path: Path) -> None:
    driver.get(path.as_uri())
    for _ in range(100):
        if driver.execute_script("const r = document.querySelector('.attnviz-root'); return r && r.dataset.ready"):
            return
        time.sleep(0.05)
    raise AssertionError(f"the page never finished drawing: {driver.get_log('browser')}")


def at_offset(driver, css: str, x: float, y: float, do_click: bool = False):
    """Move the mouse to (x, y) CSS pixels from the element's top-left corner, scrolling that point
    into view first (selenium's element offsets count from the visible part's centre)."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    left, top = driver.execute_script("""const e = document.querySelector(arguments[0]);
      let b = e.getBoundingClientRect();
      window.scrollBy(0, b.top + arguments[2] - innerHeight / 2);
      b = e.getBoundingClientRect();
      return [b.left, b.top];""", css, x, y)
    actions = ActionBuilder(driver)
    actions.pointer_action.move_to_location(math.floor(left + x), math.floor(top + y))
    if do_click:
        actions.pointer_action.click()
    actions.perform()


# --- acting on a page (the tests that drive one share these) ---

def hover(driver, css: str):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    ActionChains(driver).move_to_element(driver.find_element(By.CSS_SELECTOR, css)).perform()


def click(driver, css: str):
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, css).click()


def choose(driver, name: str, index: int):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(By.CSS_SELECTOR, f'select[name="{name}"]')).select_by_value(str(index))


VISIBLE_LINES = """const shown = (e) => { for (; e; e = e.parentElement) {
    const s = getComputedStyle(e); if (s.display === 'none' || s.visibility === 'hidden') return false; } return true; };
  return [...document.querySelectorAll('svg.av-lines line')].filter(shown)
  .map(l => [+l.dataset.q, +l.dataset.k, +l.dataset.h, +l.getAttribute('stroke-opacity')]);"""


def read_tip(driver) -> dict[str, str]:
    rows = driver.execute_script("""const t = document.querySelector('.av-tip');
      return t.hidden ? null : [...t.querySelectorAll('.av-tip-row')].map(r => [r.children[0].textContent, r.children[1].textContent]);""")
    assert rows, "no tooltip"
    return dict(rows)
