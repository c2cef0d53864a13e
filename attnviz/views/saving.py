"""Saving figures: --save paths checked before any work, and an atomic write (a temporary file
renamed over the target) that leaves nothing behind when it fails or is interrupted."""

from __future__ import annotations

import os
import secrets
import warnings
from pathlib import Path

from ..errors import AttnvizError, UsageError, cwd_exists
from .fonts import _pyplot

FORMATS = ("png", "svg", "pdf")  # figures; --save also takes .html (the interactive page, views.html)
SAVE_FORMATS = FORMATS + ("html",)
MAX_INCHES = 200  # a saved figure's longest side
MAX_PIXELS = 6000  # a saved figure's longest side at any --dpi: a bigger dpi is lowered to fit (a model-view grid)


def check_paths(items: list[str]) -> list[Path]:
    """--save values (repeated, or comma-separated) as paths, checked before any work:
    a file name of a known extension that the file system allows, in an existing folder where a
    file can be created (tried: /proc, /sys and read-only mounts pass os.access but refuse files).
    A file named twice (x.png,./x.png; a/../x.png; through a symbolic link) is saved once, under
    its first spelling."""
    out, seen = [], set()
    for item in items:
        if not item.replace(",", "").strip():  # "" or ",,": no name at all, not a silent nothing saved
            raise UsageError(f"`save` {item!r}: empty; give a file name ending in .png, .svg, .pdf or .html")
        for p in (p.strip() for p in item.split(",") if p.strip()):
            path = _check_path(p)
            if (same := os.path.realpath(path)) not in seen:
                seen.add(same)
                out.append(path)
    return out


def _check_path(p: str) -> Path:
    last = p.replace(os.sep, "/").replace(os.altsep or "/", "/").rsplit("/", 1)[-1]
    if last in ("", ".", ".."):  # a/, a/. or a/..: Path() would drop the ending and write a file named after the folder
        raise UsageError(f"`save` {p}: ends in {repr(last) if last else 'a separator'}, so it names a folder; give a file "
                         f"name ending in .png, .svg, .pdf or .html")
    path = Path(p).expanduser()
    ext = path.suffix.lower().lstrip(".")
    if ext not in SAVE_FORMATS:
        raise UsageError(f"`save` {p}: unknown format {path.suffix or '(no extension)'}; use .png, .svg, .pdf or .html")
    folder = path.parent if str(path.parent) else Path(".")
    if not path.is_absolute() and not cwd_exists():
        raise UsageError(f"`save` {p}: the working directory no longer exists; cd to an existing folder or give an absolute path")
    try:
        longest = os.pathconf(folder if folder.is_dir() else "/", "PC_NAME_MAX")
    except (OSError, ValueError):
        longest = 255
    if len(os.fsencode(path.name)) > longest:
        raise UsageError(f"`save` {p}: the file name is {len(os.fsencode(path.name))} bytes long; this file system "
                         f"allows at most {longest}; give a shorter name")
    if not folder.is_dir():
        raise UsageError(f"`save` {p}: {_not_a_folder(folder)}")
    if path.is_dir():
        raise UsageError(f"`save` {p}: is a folder; give a file name ending in .png, .svg, .pdf or .html")
    probe = None
    try:
        probe = folder / f".attnviz-probe-{secrets.token_hex(8)}"  # named first, as in _save: nothing is left behind
        os.close(create(probe))
    except OSError as e:
        raise AttnvizError(f"`save` {p}: cannot create a file in {folder} ({e.strerror or e}); save somewhere else") from None
    finally:
        if probe is not None:
            probe.unlink(missing_ok=True)
    return path


def _not_a_folder(folder: Path) -> str:
    """Why `folder` cannot hold a file: it, or the nearest part of it that exists, is not a folder."""
    there = next((f for f in (folder, *folder.parents) if os.path.lexists(f)), None)
    if there is None or there.is_dir():
        return f"the folder {folder} does not exist"
    return (f"{there} is {'a device' if there.is_char_device() or there.is_block_device() else 'a file'}, not a folder; "
            f"save into an existing folder")


def temporary_name(path: Path, suffix: str | None = None) -> Path:
    """A fresh name beside path, '.NAME.' + 16 random hex digits + suffix (default path's), NAME cut so
    that it fits wherever path's name fits.  Named before the file exists: whatever stops the write
    once the caller holds the name (an error, Ctrl-C, SIGTERM, delivered on any thread) can remove it."""
    suffix = path.suffix if suffix is None else suffix
    name = path.name[: max(1, len(path.name) - 18 - len(suffix))]
    return (path.parent if str(path.parent) else Path(".")) / f".{name}.{secrets.token_hex(8)}{suffix}"


def create(tmp: Path) -> int:
    """Create tmp (which must not exist) as an ordinary file, the umask applied: a descriptor to write."""
    return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)


def _save(fig, path: Path, dpi: int) -> None:
    """Write atomically: a temporary file in the same folder, renamed over the target when complete.
    Whatever stops the save (an error, Ctrl-C, SIGTERM raised as an exception) removes the temporary file."""
    width, height = fig.get_size_inches()
    if max(width, height) > MAX_INCHES:  # at MAX_PIXELS, that is under 30 dpi: nothing legible
        raise UsageError(f"`save` {path}: a figure of {len(fig.axes)} panels would be {width:.0f} × {height:.0f} inches, "
                         f"too large to read at any resolution (at most {MAX_INCHES} a side); save one head with `head` H, "
                         f"or use fewer `heads`")
    tmp = None
    try:
        tmp = temporary_name(path)  # first the name, then the file: an interrupt in between leaves nothing
        os.close(create(tmp))
        dpi = capped(fig, path, dpi)
        with warnings.catch_warnings():  # missing glyphs were already reported once, by font_for
            warnings.filterwarnings("ignore", message="Glyph .* missing from")
            # "tight" draws the figure twice; a big grid is laid out by hand and needs no trimming
            tight = {"bbox_inches": "tight", "pad_inches": 0.15} if len(fig.axes) <= 24 else {}
            _hook("ATTNVIZ_TEST_SAVE_DELAY")
            fig.savefig(tmp, format=path.suffix.lower().lstrip("."), dpi=dpi, **tight)
        os.replace(tmp, path)
    except BaseException as e:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(e, (MemoryError, KeyboardInterrupt, AttnvizError)) or not isinstance(e, Exception):
            raise
        raise AttnvizError(f"could not write {path}: {_reason(e)}") from None


def capped(fig, path: Path, dpi: float) -> float:
    """dpi, or the dpi that makes the figure's longest side MAX_PIXELS when dpi would exceed it; a PNG
    so lowered says so in a note (`attnviz: note: …` on the CLI)."""
    width, height = fig.get_size_inches()
    top = MAX_PIXELS / max(width, height)
    if dpi <= top:
        return dpi
    if path.suffix.lower() == ".png":
        from ..cost import note

        note(f"{path.name}: {dpi:g} dpi would make it {round(max(width, height) * dpi):,} px {'wide' if width >= height else 'tall'}; "
             f"written at {int(top)} dpi (about {MAX_PIXELS:,} px, the largest attnviz writes)")
    return top


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
