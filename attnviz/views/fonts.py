"""matplotlib, started quietly with the Agg backend, and fonts that can draw every label (CJK too).

views/figures.py and the other figure modules get pyplot from _pyplot() and a font family list from
font_for(labels): nothing else in attnviz imports matplotlib.
"""

from __future__ import annotations

import os
from pathlib import Path

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "Droid Sans Fallback", "AR PL UMing CN", "AR PL UKai CN", "Noto Sans SC")
# the optional extra `pip install "attnviz[cjk]"`: the PyPI package noto-cjk-sans-otc (SIL OFL 1.1), whose
# module folder holds Noto Sans CJK Regular (SC, TC, HK, JP, KR faces); found without importing it
CJK_PACKAGE = ("noto_cjk_sans_otc", "NotoSansCJK-Regular.ttc")
CJK_HINT = ('install a CJK font: pip install "attnviz[cjk]" (Noto Sans CJK from PyPI), or the system\'s '
            "(Debian/Ubuntu: apt install fonts-noto-cjk, then delete ~/.cache/matplotlib)")


def _pyplot():
    quiet_matplotlib()
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def quiet_matplotlib() -> None:
    """Before matplotlib's first import: an invalid MPLBACKEND would make the import fail (attnviz
    draws with Agg anyway, so it is set aside while matplotlib starts), and an unusable config
    folder (MPLCONFIGDIR, HOME) would make it log two lines; it then uses a temporary folder, which
    is all attnviz needs, so those lines are dropped."""
    import importlib
    import logging
    import sys

    if "matplotlib" in sys.modules:
        return
    backend = os.environ.pop("MPLBACKEND", None)
    log = logging.getLogger("matplotlib")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        matplotlib = importlib.import_module("matplotlib")
        matplotlib.get_configdir(), matplotlib.get_cachedir()  # cached: they warn here or never
    finally:
        log.setLevel(level)
        if backend is not None:
            os.environ["MPLBACKEND"] = backend


def font_for(labels: list[str]) -> tuple[list[str], str | None]:
    """A font family list that can draw every label, and a warning when some glyph is missing.
    CJK: the system's fonts named in CJK_FONTS, and, when they lack a glyph (or there are none),
    the font the [cjk] extra installs (CJK_PACKAGE)."""
    from matplotlib import font_manager

    chars = {c for s in labels for c in s if not c.isspace()}
    installed = {f.name: f.fname for f in font_manager.fontManager.ttflist}
    families = ["DejaVu Sans"] + [name for name in CJK_FONTS if name in installed]
    fonts = _open_fonts(families, installed)
    missing = sorted(c for c in chars if not any(f.get_char_index(ord(c)) for f in fonts))
    if any(_is_cjk(c) for c in missing):
        packaged = _packaged_cjk_font()
        extra = [name for name in CJK_FONTS if name in packaged and name not in families]
        families += extra
        fonts += _open_fonts(extra, packaged)
        missing = sorted(c for c in missing if not any(f.get_char_index(ord(c)) for f in fonts))
    families = cjk_first(families)
    if not missing:
        return families, None
    hint = CJK_HINT if any(_is_cjk(c) for c in missing) else "install a font that has them (e.g. fonts-noto)"
    return families, f"no installed font can draw {''.join(missing[:10])}{'…' if len(missing) > 10 else ''} in figure labels; {hint}"


def cjk_first(families: list[str]) -> list[str]:
    """Under --lang zh the first CJK family leads: text outside $…$ in a mathtext label (查询 $i$) is
    drawn in the first family only, with no fallback, so it must be one that has Chinese."""
    from ..i18n import language

    cjk = [name for name in families if name in CJK_FONTS]
    return cjk[:1] + [name for name in families if name != cjk[0]] if cjk and language() == "zh" else families


def _open_fonts(names: list[str], files: dict[str, str]) -> list:
    """FT2Font objects for the families `names` ({family: file} first, else matplotlib's findfont)."""
    from matplotlib import font_manager, ft2font

    fonts = []
    for name in names:
        try:
            fonts.append(ft2font.FT2Font(files.get(name) or font_manager.findfont(name)))
        except (OSError, RuntimeError):
            continue
    return fonts


def _is_cjk(c: str) -> bool:
    return "\u3000" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af" or "\uf900" <= c <= "\ufaff"


def _packaged_cjk_font() -> dict[str, str]:
    """{family: file} of the font the [cjk] extra installs, registered with matplotlib on first
    use; {} when the package is not installed.  The package is located, never imported."""
    import importlib.util

    from matplotlib import font_manager

    package, filename = CJK_PACKAGE
    spec = importlib.util.find_spec(package)
    path = Path(spec.origin).parent / filename if spec and spec.origin else None
    if path is None or not path.is_file():
        return {}
    fm = font_manager.fontManager
    if not any(f.fname == str(path) for f in fm.ttflist):
        try:
            fm.addfont(str(path))
        except (OSError, RuntimeError):  # a damaged file: as if the package were not there
            return {}
    return {f.name: f.fname for f in fm.ttflist if f.fname == str(path)}
