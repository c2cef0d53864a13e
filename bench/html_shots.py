"""Screenshots of every view of the interactive page, to look at (not a pixel test).

    PYTHONPATH=. python bench/html_shots.py [OUT_DIR]     (default /tmp/html-shots)

Builds the pages as `show --save x.html` does (word vectors with 3 heads and a window, MiniLM
6 × 12 × 40 tokens, the demo sound with a 150 ms window, the demo picture, a long text) and saves PNGs at 1280 × 800,
and the model page's views at 390 × 844 (a phone).  Needs chromium, chromedriver and selenium.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "helpers"))


def pages(folder: Path) -> dict[str, Path]:
    import html_docs as D

    import attnviz

    results = {"vectors": attnviz.analyze(D.SEED, heads=3, window=4), "model": attnviz.analyze(D.FORTY, model="minilm"),
               "audio": attnviz.analyze(audio="demo", window="150ms"), "image": attnviz.analyze(image="demo"),
               "long": attnviz.analyze(" ".join([D.SEED] * 200), top_k=5)}
    out = {}
    for kind, result in results.items():
        out[kind] = folder / f"{kind}.html"
        result.save(str(out[kind]))
    return out


def driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"):
        opts.add_argument(a)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


class Shooter:
    def __init__(self, d, out: Path):
        self.d, self.out = d, out

    def size(self, w: int, h: int, scale: int = 1):
        self.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": w, "height": h, "deviceScaleFactor": scale,
                                                                       "mobile": w < 600})

    def open(self, path: Path):
        self.d.get(path.as_uri())
        while not self.d.execute_script("return document.querySelector('.attnviz-root').dataset.ready"):
            time.sleep(0.02)

    def css(self, selector: str):
        from selenium.webdriver.common.by import By

        return self.d.find_element(By.CSS_SELECTOR, selector)

    def hover(self, selector: str, dx: int = 0, dy: int = 0, click: bool = False):
        from selenium.webdriver.common.action_chains import ActionChains

        chain = ActionChains(self.d).move_to_element_with_offset(self.css(selector), dx, dy)
        (chain.click() if click else chain).perform()

    def tab(self, view: str):
        self.css(f'.av-tab[data-view="{view}"]').click()

    def shot(self, name: str):
        time.sleep(0.2)
        self.d.save_screenshot(str(self.out / f"{name}.png"))
        print(self.out / f"{name}.png")


def desktop(s: Shooter, files: dict[str, Path]):
    s.size(1280, 800)
    s.open(files["vectors"]); s.shot("vectors-lines")
    s.hover('.av-tok[data-side="q"][data-i="1"]'); s.shot("vectors-lines-hover")
    s.tab("matrix"); s.hover("canvas.av-matrix", 10, 10); s.shot("vectors-matrix")
    s.css('.av-which [data-which="alpha"]').click(); s.shot("vectors-matrix-alpha")
    s.open(files["model"]); s.hover('.av-thumb[data-layer="1"][data-head="6"]'); s.shot("model-grid")
    s.css('.av-thumb[data-layer="2"][data-head="4"]').click(); s.d.execute_script("window.scrollTo(0, 0)")
    s.hover("canvas.av-matrix", 0, -200); s.shot("model-matrix")
    s.tab("lines"); s.hover('.av-tok[data-side="q"][data-i="12"]'); s.shot("model-lines-hover")
    s.open(files["audio"]); s.shot("audio")
    s.hover("canvas.av-spec", 100, 0, click=True); s.shot("audio-click")
    s.open(files["image"]); s.shot("image")
    s.hover("canvas.av-overlay", 60, -50, click=True); s.shot("image-click")
    s.open(files["long"]); s.hover("canvas.av-matrix", 0, -100); s.shot("long-summary")


def phone(s: Shooter, files: dict[str, Path]):
    s.size(390, 844, 2)
    s.open(files["model"]); s.shot("phone-model")
    s.tab("lines"); s.shot("phone-lines")
    s.tab("matrix"); s.shot("phone-matrix")
    s.open(files["image"]); s.hover("canvas.av-overlay", 30, -20, click=True); s.shot("phone-image")


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/html-shots")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        files = pages(Path(tmp))
        d = driver()
        try:
            s = Shooter(d, out)
            desktop(s, files)
            phone(s, files)
        finally:
            d.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
