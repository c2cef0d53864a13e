"""Heatmap figures (PNG, SVG, PDF): data in, file out.  matplotlib (Agg) is imported only here.

Every function takes arrays and labels and does no attention math.  Masked cells (NaN in α,
or given as a mask) are drawn hatched on gray, never as a 0-colored cell.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..cost import pe_inches  # the figure's size; in cost, which estimates a canvas before it is drawn
from ..errors import AttnvizError, UsageError
from ..i18n import N_, _

FORMATS = ("png", "svg", "pdf")  # figures; --save also takes .html (the interactive page, views.html)
SAVE_FORMATS = FORMATS + ("html",)
MAX_INCHES = 200  # a saved figure's longest side
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "Droid Sans Fallback", "AR PL UMing CN", "AR PL UKai CN", "Noto Sans SC")
# the optional extra `pip install "attnviz[cjk]"`: the PyPI package noto-cjk-sans-otc (SIL OFL 1.1), whose
# module folder holds Noto Sans CJK Regular (SC, TC, HK, JP, KR faces); found without importing it
CJK_PACKAGE = ("noto_cjk_sans_otc", "NotoSansCJK-Regular.ttc")
CJK_HINT = ('install a CJK font: pip install "attnviz[cjk]" (Noto Sans CJK from PyPI), or the system\'s '
            "(Debian/Ubuntu: apt install fonts-noto-cjk, then delete ~/.cache/matplotlib)")


@dataclass
class Panel:
    """One heatmap: a matrix with its kind ('alpha' diverging around 0, 'alpha-prime' 0 … 1)."""

    matrix: np.ndarray  # [n_q, n_k]; NaN = masked
    kind: str
    title: str
    mask: np.ndarray | None = None  # [n_q, n_k] True where allowed (α′ is 0 where masked, so it needs this)


@dataclass(frozen=True)
class Style:
    """How a figure looks (`show --cmap/--vmax/--title/--no-title`).

    cmap   the colormap of α′ (default viridis); α keeps a diverging map centred at 0
    vmax   the top of α′'s colour scale (default: the largest weight shown, so no panel comes out dark)
    title  None: the default title; "": no title; else this text
    view   None: heatmaps; "lines": the two-column lines view (views/lines_figure.py)
    """

    cmap: str | None = None
    vmax: float | None = None
    title: str | None = None
    view: str | None = None

    def heading(self, default: str) -> str:
        return default if self.title is None else self.title


def check_style(style: Style) -> Style:
    """Refuse an unknown colormap or a vmax that is not a positive number, before any work."""
    if style.vmax is not None and not (np.isfinite(style.vmax) and style.vmax > 0):
        raise UsageError(f"`vmax` must be a positive number (got {style.vmax})", "vmax")
    if style.cmap is not None:
        import matplotlib

        if style.cmap not in matplotlib.colormaps:
            near = [c for c in sorted(matplotlib.colormaps) if c.lower().startswith(style.cmap[:3].lower()) and not c.endswith("_r")]
            raise UsageError(f"`cmap` {style.cmap!r} is not a matplotlib colormap (try "
                             f"{', '.join(near[:6] or ['viridis', 'magma', 'Blues', 'Greys'])})", "cmap")
    return style


def tex_safe(text: str) -> str:
    """User text (a file name, a token) in a figure label: a $ would start mathtext."""
    return text.replace("$", r"\$")


def check_paths(items: list[str]) -> list[Path]:
    """--save values (repeated, or comma-separated) as paths, checked before any work:
    a file name of a known extension that the file system allows, in an existing folder where a
    file can be created (tried: /proc, /sys and read-only mounts pass os.access but refuse files).
    A file named twice (x.png,./x.png; a/../x.png; through a symbolic link) is saved once, under
    its first spelling."""
    out, seen = [], set()
    for item in items:
        if not item.strip():
            raise UsageError(f"`save` {item!r}: empty; give a file name ending in .png, .svg, .pdf or .html")
        for p in (p.strip() for p in item.split(",") if p.strip()):
            path = _check_path(p)
            if (same := os.path.realpath(path)) not in seen:
                seen.add(same)
                out.append(path)
    return out


def _check_path(p: str) -> Path:
    path = Path(p).expanduser()
    ext = path.suffix.lower().lstrip(".")
    if ext not in SAVE_FORMATS:
        raise UsageError(f"`save` {p}: unknown format {path.suffix or '(no extension)'}; use .png, .svg, .pdf or .html")
    folder = path.parent if str(path.parent) else Path(".")
    if not path.is_absolute() and not _cwd_exists():
        raise UsageError(f"`save` {p}: the working directory no longer exists; cd to an existing folder or give an absolute path")
    try:
        longest = os.pathconf(folder if folder.is_dir() else "/", "PC_NAME_MAX")
    except (OSError, ValueError):
        longest = 255
    if len(os.fsencode(path.name)) > longest:
        raise UsageError(f"`save` {p}: the file name is {len(os.fsencode(path.name))} bytes long; this file system "
                         f"allows at most {longest}; give a shorter name")
    if not folder.is_dir():
        raise UsageError(f"`save` {p}: the folder {folder} does not exist")
    if path.is_dir():
        raise UsageError(f"`save` {p}: is a folder; give a file name ending in .png, .svg, .pdf or .html")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".attnviz-probe-", dir=folder)
    except OSError as e:
        raise AttnvizError(f"`save` {p}: cannot create a file in {folder} ({e.strerror or e}); save somewhere else") from None
    try:
        os.close(fd)
    finally:
        os.unlink(tmp)
    return path


def _temporary(path: Path) -> tuple[int, str]:
    """mkstemp next to path: '.NAME.XXXXXXXX.EXT', NAME cut so the temporary name fits where path fits."""
    name = path.name[: max(1, len(path.name) - 20)]
    return tempfile.mkstemp(prefix=f".{name}.", suffix=path.suffix, dir=path.parent if str(path.parent) else ".")


def _cwd_exists() -> bool:
    try:
        os.getcwd()
        return True
    except OSError:
        return False


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


LABEL_ALL = 120  # tokens: up to this many every row and column is labelled; beyond, ~20 numbered ticks
MATRIX_INCHES = 8.0  # beyond LABEL_ALL tokens a matrix panel is at most this wide


def _layout(n: int) -> tuple[float, float]:
    """Inches per cell and label font size for n tokens: big for short sentences, small for long;
    past LABEL_ALL tokens the panel stays MATRIX_INCHES wide (a cell is then a pixel or less)."""
    cell = float(np.clip(7.0 / max(n, 1), 0.2, 0.5))
    if n > LABEL_ALL:
        cell = min(cell, MATRIX_INCHES / n)
    return cell, float(np.clip(cell * 34, 6.5, 11))


def _ticks(axis, count: int, labels: list[str], fontsize: float, rotation: int = 0) -> None:
    """Every label up to LABEL_ALL items, else about 20 ticks numbered from 1 (a label per pixel
    row would be unreadable)."""
    if count <= LABEL_ALL:
        axis.set_ticks(range(count))
        axis.set_ticklabels(labels, rotation=rotation, fontsize=fontsize)
        return
    step = int(np.ceil(count / 20))
    where = list(range(0, count, step))
    axis.set_ticks(where)
    axis.set_ticklabels([str(k + 1) for k in where], rotation=rotation, fontsize=fontsize)


def _draw(ax, panel: Panel, tokens_q, tokens_k, vmin, vmax, cmap, fontsize, values: bool, show_q=True, show_k=True):
    import matplotlib.colors as mcolors

    m = np.asarray(panel.matrix, dtype=float)
    masked = ~np.isfinite(m)
    if panel.mask is not None:
        masked |= ~panel.mask
    data = np.ma.masked_array(np.nan_to_num(m), mask=masked)
    cm = cmap.with_extremes(bad=(0, 0, 0, 0))  # transparent: the hatched gray background shows through
    if masked.any():  # hatching is slow to draw: only where something is masked
        ax.set_facecolor("#d9d9d9")
        ax.patch.set_hatch("////")
        ax.patch.set_edgecolor("#a6a6a6")
    norm = mcolors.TwoSlopeNorm(0.0, vmin, vmax) if panel.kind == "alpha" and vmin < 0 < vmax else mcolors.Normalize(vmin, vmax)
    n_q, n_k = m.shape
    image = ax.imshow(data, cmap=cm, norm=norm, aspect="equal",
                      interpolation="nearest" if max(n_q, n_k) <= 400 else "antialiased")  # more cells than pixels: averaged
    ax.set_xticks([])  # tick objects are costly: none where no label is shown
    ax.set_yticks([])
    if show_k:
        _ticks(ax.xaxis, n_k, tokens_k, fontsize, rotation=90)
    if show_q:
        _ticks(ax.yaxis, n_q, tokens_q, fontsize)
    ax.xaxis.tick_top()
    ax.tick_params(length=0, pad=2)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(panel.title, fontsize=fontsize + 1.5, pad=6)
    if values:
        for i in range(n_q):
            for j in range(n_k):
                if masked[i, j]:
                    continue
                rgba = cm(norm(m[i, j]))
                light = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2] > 0.55
                text = f"{m[i, j]:.2f}".replace("0.", ".", 1) if abs(m[i, j]) < 1 else f"{m[i, j]:.1f}"
                ax.text(j, i, text, ha="center", va="center", fontsize=fontsize * 0.72, color="black" if light else "white")
    return image


LABELS = {"alpha": N_(r"$\alpha_{i,j}$ (score)"), "alpha-prime": N_(r"$\alpha'_{i,j}$ (weight)")}


def label_of(kind: str) -> str:
    """The colorbar / row label of a kind ("alpha", "alpha-prime") in the language in use."""
    return _(LABELS[kind])


def _cmap(kind: str, name: str | None = None):
    """α: diverging RdBu_r (centred at 0); α′: `name` (default viridis)."""
    import matplotlib

    return matplotlib.colormaps["RdBu_r" if kind == "alpha" else (name or "viridis")]


def _range(panels: list[Panel], vmax: float | None = None) -> tuple[float, float]:
    """α: symmetric ±max|α|.  α′: 0 … vmax, default the largest weight shown (1 when there is none)."""
    kind = panels[0].kind
    finite = np.concatenate([p.matrix[np.isfinite(p.matrix)] for p in panels])
    if kind == "alpha":
        top = float(np.abs(finite).max()) if finite.size else 1.0
        return -(top or 1.0), top or 1.0
    if vmax is not None:
        return 0.0, float(vmax)
    top = float(finite.max()) if finite.size else 1.0
    return 0.0, top if top > 0 else 1.0


def _save(fig, path: Path, dpi: int) -> None:
    """Write atomically: a temporary file in the same folder, renamed over the target when complete.
    Whatever stops the save (an error, Ctrl-C, SIGTERM raised as an exception) removes the temporary file."""
    width, height = fig.get_size_inches()
    if max(width, height) > MAX_INCHES:  # at the 6000-pixel cap below, that is under 30 dpi: nothing legible
        raise UsageError(f"`save` {path}: a figure of {len(fig.axes)} panels would be {width:.0f} × {height:.0f} inches, "
                         f"too large to read at any resolution (at most {MAX_INCHES} a side); save one head with `head` H, "
                         f"or use fewer `heads`")
    try:
        fd, tmp = _temporary(path)
    except OSError as e:
        raise AttnvizError(f"could not write {path}: {e.strerror or e}") from None
    os.close(fd)
    try:
        dpi = min(dpi, 6000 / max(fig.get_size_inches()))  # a model-view grid: at most ~6000 pixels across
        with warnings.catch_warnings():  # missing glyphs were already reported once, by font_for
            warnings.filterwarnings("ignore", message="Glyph .* missing from")
            # "tight" draws the figure twice; a big grid is laid out by hand and needs no trimming
            tight = {"bbox_inches": "tight", "pad_inches": 0.15} if len(fig.axes) <= 24 else {}
            _hook("ATTNVIZ_TEST_SAVE_DELAY")
            fig.savefig(tmp, format=path.suffix.lower().lstrip("."), dpi=dpi, **tight)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a saved figure is an ordinary file
        os.replace(tmp, path)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, (MemoryError, KeyboardInterrupt, AttnvizError)) or not isinstance(e, Exception):
            raise
        raise AttnvizError(f"could not write {path}: {_reason(e)}") from None


def _reason(e: Exception) -> str:
    """Why a save failed, in words a user can act on (FreeType's own message is not)."""
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    if "freetype" in type(e).__name__.lower() or "FT_" in str(e) or "Glyph" in str(e):
        return f"the figure is too large to draw its labels ({e}); save fewer heads (`head` H) or a smaller figure"
    return str(e) or type(e).__name__


def _hook(name: str) -> None:
    """Tests only: sleep ATTNVIZ_TEST_SAVE_DELAY seconds with the temporary file in place, so a
    signal lands mid-save deterministically."""
    delay = os.environ.get(name)
    if delay:
        import time

        time.sleep(float(delay))


def save(fig, path: Path, dpi: int = 150) -> None:
    """Write the figure atomically and free it."""
    plt = _pyplot()
    try:
        _save(fig, path, dpi)
    finally:
        plt.close(fig)


def pair_figure(tokens: list[str], alpha: np.ndarray, alpha_prime: np.ndarray, title: str,
                mask: np.ndarray | None = None, style: Style = Style(), keys: list[str] | None = None):
    """α (diverging, centred at 0) and α′ (0 … its largest weight, or style.vmax) side by side, each
    with its colorbar.  title: "" for none; keys: the columns' labels (cross-attention; default tokens).
    Returns (figure, warning or None)."""
    plt = _pyplot()
    keys = tokens if keys is None else keys
    families, warning = font_for(tokens + keys + [title])
    n = max(len(tokens), len(keys))
    cell, fontsize = _layout(n)
    side = max(n * cell, 2.5)
    with plt.rc_context({"font.family": families}):
        fig, axes = plt.subplots(1, 2, figsize=(2 * side + 3.2, side + (1.8 if title else 1.2)), constrained_layout=True)
        values = n <= 16
        panels = (Panel(alpha, "alpha", label_of("alpha"), mask),
                  Panel(alpha_prime, "alpha-prime", _(r"$\alpha'_{i,j}$ (weight; rows sum to 1)"), mask))
        for ax, panel in zip(axes, panels):
            vmin, vmax = _range([panel], style.vmax)
            image = _draw(ax, panel, tokens, keys, vmin, vmax, _cmap(panel.kind, style.cmap), fontsize, values)
            fig.colorbar(image, ax=ax, shrink=0.8, pad=0.02)
        for ax in axes:
            ax.set_ylabel(_("query $i$"), fontsize=fontsize)
            ax.set_xlabel(_("key $j$"), fontsize=fontsize)
            ax.xaxis.set_label_position("top")
        if title:
            fig.suptitle(title, fontsize=max(9.0, fontsize + 1))
    return fig, warning


def grid_figure(tokens: list[str], rows: list[list[Panel]], row_labels: list[str], title: str, style: Style = Style(),
                keys: list[str] | None = None):
    """A grid of heatmaps (rows × columns: e.g. layers × heads, or one row of settings) laid out
    by hand: panels close together, token labels on the left column and top row only, and one
    colorbar per kind attached to the right of the rows it colours (shared scale).  title: "" for none;
    keys: the columns' labels (cross-attention; default tokens)."""
    plt = _pyplot()
    keys = tokens if keys is None else keys
    families, warning = font_for(tokens + keys + [title] + row_labels)
    n_cols, n = max(len(r) for r in rows), max(len(tokens), len(keys))
    cell, fontsize = _layout(n)
    side = min(float(np.clip(n * cell * 0.6, 1.2, 4.5)), max(1.2, 28.0 / n_cols))  # a 12-head row ≈ 30 inches
    labels = n <= 60
    kinds = list(dict.fromkeys(p.kind for r in rows for p in r))
    ranges = {k: _range([p for r in rows for p in r if p.kind == k], style.vmax) for k in kinds}
    small = max(3.5, min(fontsize * min(1.0, side / (n * 0.14)), 0.75 * side * 72 / n))  # ≤ a cell's height
    name_fs, row_fs = max(fontsize, 5 + n_cols * 0.4), max(fontsize, 6 + n_cols * 0.5)
    title_fs = max(9.0, fontsize + 1, 7 + n_cols * 0.8)
    box = _grid_box(tokens + keys if labels else [], small, name_fs, row_fs, title_fs, title, side, len(rows), n_cols,
                    any(row_labels))
    with plt.rc_context({"font.family": families}):
        fig = plt.figure(figsize=(box.width, box.height))
        images, spans = {}, {}
        for r, row in enumerate(rows):
            for c, p in enumerate(row):
                ax = fig.add_axes(box.panel(r, c))
                vmin, vmax = ranges[p.kind]
                images[p.kind] = _draw(ax, p, tokens, keys, vmin, vmax, _cmap(p.kind, style.cmap), small, values=False,
                                       show_q=labels and c == 0, show_k=labels and r == 0)
                ax.set_title("")
                ax.set_xlabel(p.title, fontsize=name_fs, labelpad=3)  # below: key labels are on top
                spans.setdefault(p.kind, []).append(r)
            if row_labels[r]:
                fig.axes[-len(row)].set_ylabel(row_labels[r], fontsize=row_fs)
        for kind, image in images.items():
            bar = fig.colorbar(image, cax=fig.add_axes(box.colorbar(min(spans[kind]), max(spans[kind]))))
            bar.set_label(label_of(kind), fontsize=row_fs)
            bar.ax.tick_params(labelsize=max(fontsize - 1, 6 + n_cols * 0.5))
        if title:
            fig.suptitle(title, fontsize=title_fs, y=1 - 0.12 / box.height, va="top")
    return fig, warning


@dataclass
class _GridBox:
    """Inches of a hand-laid grid: margins, panel side and gaps; positions as figure fractions."""

    left: float
    top: float
    side: float
    wgap: float
    hgap: float
    n_rows: int
    n_cols: int
    bar: float = 0.16  # colorbar width
    bar_gap: float = 0.12
    right: float = 0.9  # colorbar ticks and label
    bottom: float = 0.1

    @property
    def width(self) -> float:
        return self.left + self.n_cols * self.side + (self.n_cols - 1) * self.wgap + self.bar_gap + self.bar + self.right

    @property
    def height(self) -> float:
        return self.top + self.n_rows * self.side + self.n_rows * self.hgap + self.bottom

    def panel(self, r: int, c: int) -> list[float]:
        x = self.left + c * (self.side + self.wgap)
        y = self.height - self.top - r * (self.side + self.hgap) - self.side
        return [x / self.width, y / self.height, self.side / self.width, self.side / self.height]

    def colorbar(self, r0: int, r1: int) -> list[float]:
        """Beside rows r0 … r1 (0-based), exactly as tall as their panels."""
        x = self.left + self.n_cols * self.side + (self.n_cols - 1) * self.wgap + self.bar_gap
        top = self.height - self.top - r0 * (self.side + self.hgap)
        bottom = self.height - self.top - r1 * (self.side + self.hgap) - self.side
        return [x / self.width, bottom / self.height, self.bar / self.width, (top - bottom) / self.height]


def _grid_box(tokens: list[str], small: float, name_fs: float, row_fs: float, title_fs: float, title: str,
              side: float, n_rows: int, n_cols: int, row_labels: bool) -> _GridBox:
    """Margins from what is drawn there: token labels (≈ 0.6 em a character), row labels, the title."""
    label_in = (max(len(t) for t in tokens) * small * 0.6 / 72 + 0.06) if tokens else 0.0
    title_in = (title.count("\n") + 1) * title_fs * 1.45 / 72 + 0.2 if title else 0.1
    left = label_in + (row_fs * 1.5 / 72 + 0.05 if row_labels else 0.0) + 0.05
    return _GridBox(left=left, top=title_in + label_in + 0.05, side=side, wgap=0.06 * side,
                    hgap=name_fs * 1.7 / 72 + 0.08, n_rows=n_rows, n_cols=n_cols)


def focus_figure(tokens: list[str], i: int, rows: list[tuple[str, np.ndarray, np.ndarray]], title: str):
    """One query's α′ row as horizontal bars, strongest on top, α written beside each bar;
    one chart per (label, α′ row, α row) in rows (e.g. per head).  Tokens are numbered from 1."""
    plt = _pyplot()
    families, warning = font_for(tokens + [title])
    n = len(tokens)
    with plt.rc_context({"font.family": families}):
        fig, axes = plt.subplots(len(rows), 1, figsize=(7.5, len(rows) * max(2.0, 0.28 * n + 1.0) + (0.6 if title else 0.2)),
                                 squeeze=False, constrained_layout=True)
        for ax, (label, alpha_prime_row, alpha_row) in zip(axes[:, 0], rows):
            order = list(np.argsort(-alpha_prime_row, kind="stable"))
            ys = np.arange(n)
            values = np.array([alpha_prime_row[j] for j in order])
            ax.barh(ys, values, color=["#c0392b" if j == i else "#2c7fb8" for j in order], height=0.7)
            ax.set_yticks(ys)
            ax.set_yticklabels([f"{tokens[j]} ({j + 1})" for j in order], fontsize=9)
            ax.invert_yaxis()
            top = float(values.max()) or 1.0
            for y, j in zip(ys, order):
                masked = not np.isfinite(alpha_row[j])
                text = _("masked") if masked else f"{alpha_prime_row[j]:.3f}   ($\\alpha$ = {alpha_row[j]:.3g})"
                ax.text(alpha_prime_row[j] + top * 0.01, y, text, va="center", fontsize=8, color="#555555")
            ax.set_xlim(0, top * 1.45)
            ax.set_xlabel(f"$\\alpha'_{{{i + 1},j}}$: " + _("the weights of query “{token}” ({n}) on each key $j$").format(
                token=tex_safe(tokens[i]), n=i + 1), fontsize=9)
            ax.set_title(label, fontsize=10, loc="left")
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
        if title:
            fig.suptitle(title, fontsize=10)
    return fig, warning


def pe_figure(pe: np.ndarray, title: str, shape: tuple[int, int] | None = None):
    """The positional-encoding matrix: positions down, dimensions across, −1 … 1 diverging.
    pe [rows, cols]: the whole matrix, or (shape = (n, d), the true size) evenly spaced rows and
    columns of it (pe_sample), drawn over the axes of the n × d matrix."""
    plt = _pyplot()
    n, d = shape or pe.shape
    width, height = pe_inches(n, d)
    families, warning = font_for([title])
    with plt.rc_context({"font.family": families}):
        fig, ax = plt.subplots(figsize=(width + 1.5, height + 1), constrained_layout=True)
        image = ax.imshow(pe, cmap=_cmap("alpha"), vmin=-1, vmax=1, interpolation="nearest", aspect="auto",
                          extent=(-0.5, d - 0.5, n - 0.5, -0.5))
        ax.set_xlabel(_("dimension $k$ (even $k = 2i$: sin, odd $k = 2i + 1$: cos)"))
        ax.set_ylabel(_("position $p$"))
        ax.set_title(title + "\n" + r"$PE_{p,2i} = \sin(p / 10000^{2i/d})$,   $PE_{p,2i+1} = \cos(p / 10000^{2i/d})$", fontsize=10)
        fig.colorbar(image, ax=ax, shrink=0.8).set_label("$PE_{p,k}$")
    return fig, warning


def pe_sample(n: int, d: int, dpi: int) -> np.ndarray:
    """The n × d sinusoidal encoding at most one row and one column per pixel of pe_figure at dpi
    (evenly spaced, first and last kept): what a nearest-neighbour drawing shows of the whole
    matrix, without the whole matrix (100 000 × 4 096 is 3.3 GB).  -> [rows, cols] float64."""
    width, height = pe_inches(n, d)
    rows, cols = _spaced(n, int(height * dpi)), _spaced(d, int(width * dpi))
    angle = rows[:, None] / np.power(10000.0, (cols - cols % 2)[None, :] / d)  # k = 2i or 2i + 1: 10000^(2i/d)
    return np.where(cols % 2 == 0, np.sin(angle), np.cos(angle))


def _spaced(n: int, m: int) -> np.ndarray:
    """0 … n−1, or m evenly spaced of them when n > m."""
    return np.arange(n) if n <= m else np.unique(np.linspace(0, n - 1, max(m, 2)).round().astype(np.int64))
