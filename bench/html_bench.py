"""Bench the interactive page (issue #15) in headless Chromium: the MiniLM page for 6 layers × 12
heads × 40 tokens.  Prints a markdown table.

    PYTHONPATH=. python bench/html_bench.py [--hovers 20] [--runs 3]

Measured in the page itself: first paint and first contentful paint from
performance.getEntriesByType('paint') (ms after navigation start); the page's own drawing is done
when it sets data-ready.  A hover redraw is timed by the page around its handler with
performance.now() (data-redraw-ms: the DOM update) and until the next frame was drawn
(data-frame-ms: requestAnimationFrame, then a task) — the median over --hovers tokens.
Needs chromium, chromedriver and selenium.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

TEXT = ("The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food. The waiter "
        "apologized twice and offered hot tomato soup instead, which I happily accepted with fresh bread and butter.")


def build(folder: Path) -> tuple[Path, int, int, float]:
    """The page on disk, its token count, its size in bytes and the seconds html_page() took."""
    from attnviz.api import analyze_model
    from attnviz.views import html
    from attnviz.views.jsondoc import document

    doc = document(analyze_model(TEXT, "minilm"))
    t0 = time.perf_counter()
    page = html.html_page(doc)
    seconds = time.perf_counter() - t0
    path = folder / "model.html"
    html.save_page(page, path)
    return path, len(doc["tokens"]), len(page.encode("utf-8")), seconds


def driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,800"):
        opts.add_argument(a)
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
    return d


def load(d, path: Path) -> dict:
    d.get(path.as_uri())
    while not d.execute_script("return document.querySelector('.attnviz-root').dataset.ready"):
        time.sleep(0.01)
    time.sleep(0.3)  # let the paint entries arrive
    return d.execute_script("""const p = {};
      for (const e of performance.getEntriesByType('paint')) p[e.name] = e.startTime;
      const nav = performance.getEntriesByType('navigation')[0];
      p.load = nav.loadEventEnd; p.ready = +document.querySelector('.attnviz-root').dataset.readyMs; return p;""")


def hovers(d, count: int) -> tuple[list[float], list[float]]:
    """Hover `count` query tokens in the lines view (all 12 heads checked) and read the page's timings."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    d.find_element(By.CSS_SELECTOR, '.av-tab[data-view="lines"]').click()
    redraw, frame = [], []
    for k in range(count):
        i = 1 + (k * 7) % 38
        tok = d.find_element(By.CSS_SELECTOR, f'.av-tok[data-side="q"][data-i="{i}"]')
        ActionChains(d).move_to_element(tok).perform()
        time.sleep(0.15)
        r, f = d.execute_script("const r = document.querySelector('.attnviz-root').dataset; return [r.redrawMs, r.frameMs];")
        redraw.append(float(r))
        frame.append(float(f))
    return redraw, frame


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hovers", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3, help="page loads; first paint is the median over them")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path, n, size, build_s = build(Path(tmp))
        d = driver()
        try:
            loads = [load(d, path) for _ in range(args.runs)]
            redraw, frame = hovers(d, args.hovers)
        finally:
            d.quit()
    med = lambda key: statistics.median(p.get(key, float("nan")) for p in loads)  # noqa: E731
    print(f"MiniLM page, 6 layers × 12 heads × {n} tokens, Chromium headless, 1280 × 800\n")
    print("| measure | value | target |\n|---|---|---|")
    print(f"| page size | {size / 1e6:.2f} MB | ≤ 2 MB |")
    print(f"| html_page() in Python (trim + embed) | {build_s * 1000:.0f} ms | |")
    print(f"| first paint (median of {args.runs} loads) | {med('first-paint'):.0f} ms | ≤ 1000 ms |")
    print(f"| first contentful paint | {med('first-contentful-paint'):.0f} ms | |")
    print(f"| first view drawn (data-ready) | {med('ready'):.0f} ms | |")
    print(f"| load event end | {med('load'):.0f} ms | |")
    print(f"| hover redraw, handler (median of {args.hovers}, all 12 heads) | {statistics.median(redraw):.1f} ms | ≤ 50 ms |")
    print(f"| hover redraw, until the next frame (median) | {statistics.median(frame):.1f} ms | ≤ 50 ms |")
    print(f"| hover redraw, until the next frame (max) | {max(frame):.1f} ms | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
