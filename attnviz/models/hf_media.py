"""`--backend transformers` with pictures and sounds: a ViT, DeiT or DINOv2 (with registers) over
`--image`, a Whisper encoder, wav2vec2 or HuBERT over `--audio`, each through its own processor or
feature extractor from the model directory.  The labels put patches on the picture's cells and
frames on the clip's time axis; `source` says how (rows, cols, items; hop_s, frame_s, items)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import AttnvizError, UsageError
from .hf_torch import imported

IMAGE_TYPES = ("vit", "deit", "dinov2", "dinov2_with_registers")
AUDIO_TYPES = ("whisper", "wav2vec2", "hubert")
KINDS = {"image": ("ViT, DeiT or DINOv2", IMAGE_TYPES), "audio": ("Whisper, wav2vec2 or HuBERT", AUDIO_TYPES)}


def check_kind(model, name: str, given: str | None) -> None:
    """`given` ("image", "audio" or None for text) must be what the model reads: one line if not."""
    model_type = getattr(model.config, "model_type", "?")
    reads = next((k for k, (_, types) in KINDS.items() if model_type in types), None)
    if reads == given:
        return
    if given is None:
        raise UsageError(f"{name} ({model_type}) reads {'pictures' if reads == 'image' else 'sounds'}: give "
                         f"`{reads}` FILE (or demo) instead of a text", reads)
    raise UsageError(f"`{given}` is for a {KINDS[given][0]} model; {name} is {model_type}"
                     + (f", which reads `{reads}`" if reads else ", which reads text"), given)


def image_attentions(model, name: str, image, processor) -> dict:
    """A picture through the model's image processor -> view() keywords: the attentions over the
    prefix tokens ([CLS], DeiT's [DIST], DINOv2's registers) and the patches row by row."""
    from ..inputs.image import MAX_SIZE, read_image

    torch, _ = imported()
    rgb, meta = read_image(image, MAX_SIZE)  # [H, W, 3] in 0 … 1
    pixels = processor(images=np.round(rgb * 255).astype(np.uint8), return_tensors="pt")["pixel_values"]  # [1, 3, h, w]
    with torch.no_grad():
        out = model(pixel_values=pixels, output_attentions=True)
    p = int(np.atleast_1d(model.config.patch_size)[0])
    rows, cols = pixels.shape[2] // p, pixels.shape[3] // p
    n = out.attentions[0].shape[-1]
    prefix = prefix_labels(model.config, n - rows * cols)
    r, c = np.divmod(np.arange(rows * cols), cols)
    labels = prefix + [f"({i + 1},{j + 1})" for i, j in zip(r.tolist(), c.tolist())]
    none = [None] * len(prefix)
    source = {"input": "image", "image": meta, "items_kind": "patches", "patch": p, "rows": rows, "cols": cols,
              "width": int(pixels.shape[3]), "height": int(pixels.shape[2]), "prefix": len(prefix),
              "items": {"row": none + r.tolist(), "col": none + c.tolist()}}
    return {"attention": out.attentions, "tokens": labels, "specials": [True] * len(prefix) + [False] * rows * cols,
            "name": name, "text": None, "source": source}


def prefix_labels(config, k: int) -> list[str]:
    """The k tokens before the patches: [CLS], then DeiT's distillation token or DINOv2's registers."""
    if k < 1:
        raise AttnvizError(f"the model gave no token before its patches ({k}); attnviz expects [CLS] first")
    registers = int(getattr(config, "num_register_tokens", 0) or 0)
    rest = ([f"[REG{i + 1}]" for i in range(registers)] if registers == k - 1
            else ["[DIST]"] if k == 2 and config.model_type == "deit" else [f"[P{i + 2}]" for i in range(k - 1)])
    return ["[CLS]"] + rest


def audio_attentions(model, name: str, audio, extractor) -> dict:
    """A clip through the model's feature extractor -> view() keywords: one token per encoder position
    ("0.02s", its start), with the hop and receptive field of the model's convolutions."""
    from ..inputs.audio import load_audio, resolve_path, time_label

    torch, _ = imported()
    y, sr, _info = load_audio(audio)
    rate = int(extractor.sampling_rate)
    resampled = sr != rate
    if resampled:  # linear interpolation to the extractor's rate (it refuses any other)
        y = np.interp(np.arange(int(len(y) * rate / sr)) * (sr / rate), np.arange(len(y)), y).astype(np.float32)
    longest = getattr(extractor, "n_samples", None)  # Whisper's window (30 s); longer clips it would cut silently
    if model.config.model_type == "whisper" and longest and len(y) > longest:
        raise UsageError(f"`audio` {audio}: {len(y) / rate:.1f} s, but Whisper's encoder reads {longest / rate:g} s at "
                         f"most; cut the clip", "audio")
    inputs = extractor(y, sampling_rate=rate, return_tensors="pt")
    with torch.no_grad():
        if model.config.model_type == "whisper":
            out = model.encoder(inputs["input_features"], output_attentions=True)
        else:
            out = model(inputs["input_values"], output_attentions=True)
    hop, frame = strides(model.config, extractor)
    n = out.attentions[0].shape[-1]
    start = np.arange(n) * hop / rate
    source = {"input": "audio", "audio": "demo" if str(audio) == "demo" else Path(resolve_path(audio)).name,
              "sample_rate": rate, "original_sample_rate": sr, "resampled": resampled, "n_samples": len(y),
              "duration_s": len(y) / rate, "hop_length": hop, "frame_length": frame, "hop_s": hop / rate,
              "frame_s": frame / rate, "n_frames": n, "padding_frames": int(max(0, n - np.ceil(len(y) / hop))),
              "items": {"start_s": np.round(start, 6).tolist(), "end_s": np.round(start + frame / rate, 6).tolist()}}
    return {"attention": out.attentions, "tokens": [time_label(t) for t in start], "specials": [False] * n,
            "name": name, "text": None, "source": source}


def strides(config, extractor) -> tuple[int, int]:
    """-> (hop, receptive field) of one encoder position, in samples.  wav2vec2/HuBERT: the conv
    feature encoder's strides and kernels (320 and 400 by default: 20 and 25 ms at 16 kHz).
    Whisper: two mel frames (its second conv has stride 2) and five mel frames' windows."""
    if config.model_type == "whisper":
        mel = int(extractor.hop_length)
        return 2 * mel, 4 * mel + int(extractor.n_fft)
    hop, field = 1, 1
    for k, s in zip(config.conv_kernel, config.conv_stride):
        field += (k - 1) * hop
        hop *= s
    return hop, field
