"""`--backend transformers`: a model transformers loads from a local directory, run with eager
attention and output_attentions, its attentions handed to view().  torch and transformers are
imported here and in hf_media only, through hf_torch (the optional extra attnviz[transformers]); the
numpy families never come here."""

from __future__ import annotations

from pathlib import Path

from ..errors import AttnvizError, UsageError
from .hf_torch import INSTALL, imported  # noqa: F401  (INSTALL: the name hf had)

PARTS = ("encoder", "decoder", "cross")  # an encoder–decoder's three attentions


def load(path: str, given: str | None = None):
    """-> (model in eval mode with eager attention, its preprocessor) from a local directory: the
    tokenizer, or for `given` "image" the image processor, for "audio" the feature extractor."""
    directory = Path(path).expanduser()
    if not (directory / "config.json").is_file():
        raise UsageError(f"`model` {path}: with `backend` transformers give a local model directory (config.json and "
                         f"the weights transformers reads); nothing is downloaded", "model")
    torch, transformers = imported()
    try:
        model = transformers.AutoModel.from_pretrained(str(directory), attn_implementation="eager", local_files_only=True)
    except (OSError, ValueError, KeyError) as e:
        raise AttnvizError(f"transformers could not load {path}: {str(e).splitlines()[0]}") from None
    from .hf_media import check_kind

    check_kind(model, getattr(model.config, "_name_or_path", None) or directory.name, given)
    auto = {"image": transformers.AutoImageProcessor, "audio": transformers.AutoFeatureExtractor}.get(given, transformers.AutoTokenizer)
    try:
        return model.eval(), auto.from_pretrained(str(directory), local_files_only=True)
    except (OSError, ValueError, KeyError) as e:
        what = {"image": "image processor", "audio": "feature extractor"}.get(given, "tokenizer")
        raise AttnvizError(f"transformers could not load the {what} of {path} (preprocessor_config.json or the tokenizer's "
                           f"files beside config.json): {str(e).splitlines()[0]}") from None


def attentions(path: str, text: str | None, target: str | None = None, part: str | None = None, image=None,
               audio=None) -> dict:
    """Run the model over `text` (an encoder–decoder: the source, with `target` on the decoder side),
    or a picture (`image`: ViT, DeiT, DINOv2) or a sound (`audio`: Whisper's encoder, wav2vec2, HuBERT)
    -> view() keywords: attention (per-layer tensors), the labels, name, text (and for media, source)."""
    given = "image" if image is not None else "audio" if audio is not None else None
    model, tok = load(path, given)
    torch, _transformers = imported()
    name = getattr(model.config, "_name_or_path", None) or Path(path).name
    if given is not None:
        from .hf_media import audio_attentions, image_attentions

        if target is not None or part is not None:
            bad = "target" if target is not None else "part"
            raise UsageError(f"`{bad}` is for a text encoder–decoder (T5, BART, Marian), not with `{given}`", bad)
        return image_attentions(model, name, image, tok) if image is not None else audio_attentions(model, name, audio, tok)
    inputs = tok(text, return_tensors="pt")
    if not getattr(model.config, "is_encoder_decoder", False):
        if target is not None or part is not None:
            bad = "target" if target is not None else "part"
            raise UsageError(f"`{bad}` is for an encoder–decoder (T5, BART, Marian); {name} has one stack", bad)
        with torch.no_grad():
            out = model(**inputs, output_attentions=True)
        return {"attention": out.attentions, "tokens": inputs, "tokenizer": tok, "name": name, "text": text}
    if target is None:
        raise UsageError(f"{name} is an encoder–decoder: give the decoder's text with `target`", "target")
    part = part or "cross"
    if part not in PARTS:
        raise UsageError(f"`part` {part!r}: one of {', '.join(PARTS)}", "part")
    decoder = tok(text_target=target, return_tensors="pt")
    with torch.no_grad():
        out = model(**inputs, decoder_input_ids=decoder["input_ids"], output_attentions=True)
    chosen = {"encoder": (out.encoder_attentions, {"tokens": inputs}),
              "decoder": (out.decoder_attentions, {"tokens": decoder}),
              "cross": (out.cross_attentions, {"queries": decoder, "keys": inputs})}[part]
    return {"attention": chosen[0], **chosen[1], "tokenizer": tok, "name": f"{name} ({part})",
            "text": target if part != "encoder" else text}
