"""`--backend transformers` with pictures and sounds (issue #24): tiny random ViT, DINOv2 with registers,
Whisper, wav2vec2 and HuBERT saved with their processors in the test session; the views' numbers are
transformers' own attentions, patches land on their picture cells, frames on the clip's time axis."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

import attnviz  # noqa: E402
from attnviz.errors import UsageError  # noqa: E402
from test_backend_transformers import bert_dir, sharpen  # noqa: E402,F401 (bert_dir: a text model for the errors)

VIT = dict(image_size=32, patch_size=8, hidden_size=32, num_hidden_layers=2, num_attention_heads=4)
SPEECH = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64, conv_dim=(16,) * 7,
              num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4, vocab_size=10)


@pytest.fixture(scope="module")
def vit_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("tiny-vit")
    sharpen(transformers.ViTModel(transformers.ViTConfig(**VIT, intermediate_size=64), add_pooling_layer=False)).save_pretrained(d)
    transformers.ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(d)
    return d


@pytest.fixture(scope="module")
def deit_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("tiny-deit")
    sharpen(transformers.DeiTModel(transformers.DeiTConfig(**VIT, intermediate_size=64), add_pooling_layer=False)).save_pretrained(d)
    transformers.DeiTImageProcessor(size={"height": 32, "width": 32}, crop_size={"height": 32, "width": 32}).save_pretrained(d)
    return d


@pytest.fixture(scope="module")
def dino_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("tiny-dinov2-registers")
    config = transformers.Dinov2WithRegistersConfig(**VIT, mlp_ratio=2, num_register_tokens=2)
    sharpen(transformers.Dinov2WithRegistersModel(config)).save_pretrained(d)
    transformers.BitImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}).save_pretrained(d)
    return d


@pytest.fixture(scope="module")
def whisper_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("tiny-whisper")
    config = transformers.WhisperConfig(d_model=32, encoder_layers=2, decoder_layers=1, encoder_attention_heads=4,
                                        decoder_attention_heads=4, encoder_ffn_dim=64, decoder_ffn_dim=64, num_mel_bins=80,
                                        max_source_positions=50, max_target_positions=16, vocab_size=100,
                                        pad_token_id=0, bos_token_id=1, eos_token_id=2, decoder_start_token_id=1,
                                        suppress_tokens=[], begin_suppress_tokens=[])
    sharpen(transformers.WhisperModel(config)).save_pretrained(d)
    transformers.WhisperFeatureExtractor(feature_size=80, chunk_length=1).save_pretrained(d)  # 1 s: 100 mel frames
    return d


@pytest.fixture(scope="module", params=["wav2vec2", "hubert"])
def speech_dir(tmp_path_factory, request):
    d = tmp_path_factory.mktemp(f"tiny-{request.param}")
    cls = {"wav2vec2": (transformers.Wav2Vec2Config, transformers.Wav2Vec2Model),
           "hubert": (transformers.HubertConfig, transformers.HubertModel)}[request.param]
    sharpen(cls[1](cls[0](**SPEECH))).save_pretrained(d)
    transformers.Wav2Vec2FeatureExtractor(sampling_rate=16000).save_pretrained(d)
    return d


@pytest.fixture(scope="module")
def bright_png(tmp_path_factory):
    """A dark 32 × 32 picture with one bright 8 × 8 patch at row 2, column 3 (1-based)."""
    from PIL import Image

    rgb = np.full((32, 32, 3), 30, dtype=np.uint8)
    rgb[8:16, 16:24] = 250
    path = tmp_path_factory.mktemp("pictures") / "bright.png"
    Image.fromarray(rgb).save(path)
    return path


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """1 s at 16 kHz: a chirp, so frames differ."""
    import soundfile as sf

    t = np.arange(16000) / 16000
    path = tmp_path_factory.mktemp("sounds") / "chirp.wav"
    sf.write(path, (0.5 * np.sin(2 * np.pi * (200 + 800 * t) * t)).astype(np.float32), 16000)
    return path


def stack(attentions):
    return np.stack([a[0].numpy() for a in attentions])


def image_reference(directory, png):
    from PIL import Image

    model = transformers.AutoModel.from_pretrained(str(directory), attn_implementation="eager").eval()
    pixels = transformers.AutoImageProcessor.from_pretrained(str(directory))(
        images=np.asarray(Image.open(png).convert("RGB")), return_tensors="pt")["pixel_values"]
    with torch.no_grad():
        return model, pixels, model(pixel_values=pixels, output_attentions=True)


@pytest.mark.parametrize("which, prefix", [("vit", ["[CLS]"]), ("deit", ["[CLS]", "[DIST]"]), ("dino", ["[CLS]", "[REG1]", "[REG2]"])])
def test_a_picture_model_equals_transformers_own_attentions(which, prefix, bright_png, request):
    directory = request.getfixturevalue(f"{which}_dir")
    r = attnviz.analyze(image=str(bright_png), model=str(directory), backend="transformers")
    _, _, out = image_reference(directory, bright_png)
    ref = stack(out.attentions)
    np.testing.assert_allclose(r.alpha_prime, ref, atol=1e-6)
    assert ref.max() > 0.6  # not flat
    k = len(prefix)
    assert r.tokens[:k] == prefix and r.specials == [True] * k + [False] * 16
    assert r.tokens[k:k + 5] == ["(1,1)", "(1,2)", "(1,3)", "(1,4)", "(2,1)"]
    assert r.source.media["rows"] == r.source.media["cols"] == 4 and r.source.media["items"]["row"][:k] == [None] * k


def test_the_bright_patch_lands_on_its_picture_cell(vit_dir, bright_png):
    """The token whose patch embedding differs from all others (the bright patch, in the processor's
    own patch order) is the one attnviz labels (2,3), at row 1, column 2 (0-based) in source.items."""
    model, pixels, _ = image_reference(vit_dir, bright_png)
    with torch.no_grad():
        patches = model.embeddings.patch_embeddings(pixels)[0].numpy()  # [16, hidden]
    distinct = np.abs(patches - np.median(patches, axis=0)).sum(axis=1)
    assert (distinct > 1e-3).sum() == 1  # one patch differs: the bright one
    token = 1 + int(np.argmax(distinct))  # after [CLS]
    r = attnviz.analyze(image=str(bright_png), model=str(vit_dir), backend="transformers")
    assert r.tokens[token] == "(2,3)"
    assert (r.source.media["items"]["row"][token], r.source.media["items"]["col"][token]) == (1, 2)


def audio_reference(directory, wav):
    import soundfile as sf

    model = transformers.AutoModel.from_pretrained(str(directory), attn_implementation="eager").eval()
    y, sr = sf.read(wav, dtype="float32")
    inputs = transformers.AutoFeatureExtractor.from_pretrained(str(directory))(y, sampling_rate=sr, return_tensors="pt")
    with torch.no_grad():
        if model.config.model_type == "whisper":
            return model.encoder(inputs["input_features"], output_attentions=True)
        return model(inputs["input_values"], output_attentions=True)


def test_whisper_encoder_equals_transformers_own_attentions(whisper_dir, clip):
    r = attnviz.analyze(audio=str(clip), model=str(whisper_dir), backend="transformers")
    ref = stack(audio_reference(whisper_dir, clip).attentions)
    np.testing.assert_allclose(r.alpha_prime, ref, atol=1e-6)
    assert ref.shape == (2, 4, 50, 50) and ref.max() > 0.5
    assert r.source.hop_s == pytest.approx(0.02) and r.tokens[:3] == ["0.00s", "0.02s", "0.04s"]
    assert r.source.media["items"]["start_s"][49] == pytest.approx(0.98)


def test_wav2vec2_and_hubert_equal_transformers_own_attentions(speech_dir, clip):
    r = attnviz.analyze(audio=str(clip), model=str(speech_dir), backend="transformers")
    ref = stack(audio_reference(speech_dir, clip).attentions)
    np.testing.assert_allclose(r.alpha_prime, ref, atol=1e-6)
    assert ref.shape[-1] == 49 and ref.max() > 0.5  # (16000 − 400) / 320 + 1 frames
    assert (r.source.hop_s, r.source.media["frame_s"]) == pytest.approx((0.02, 0.025))
    assert r.source.media["items"]["end_s"][-1] == pytest.approx(48 * 0.02 + 0.025)


def test_a_clip_at_another_rate_is_resampled_to_the_extractors(speech_dir, tmp_path):
    import soundfile as sf

    sf.write(tmp_path / "8k.wav", np.sin(np.arange(8000) / 5).astype(np.float32), 8000)  # 1 s at 8 kHz
    r = attnviz.analyze(audio=str(tmp_path / "8k.wav"), model=str(speech_dir), backend="transformers")
    assert (r.source.media["resampled"], r.source.media["original_sample_rate"], r.source.media["n_samples"]) == (True, 8000, 16000)
    assert r.alpha_prime.shape[-1] == 49 and r.tokens[-1] == "0.96s"


def test_cli_picture_and_sound(cli, vit_dir, whisper_dir, bright_png, clip):
    doc = json.loads(cli("show", "--model", vit_dir, "--backend", "transformers", "--image", bright_png, "--json").stdout)
    assert doc["tokens"][:2] == ["[CLS]", "(1,1)"] and doc["source"]["items"]["col"][1:5] == [0, 1, 2, 3]
    doc = json.loads(cli("show", "--model", whisper_dir, "--backend", "transformers", "--audio", clip, "--json").stdout)
    assert doc["source"]["items"]["start_s"][:2] == [0.0, 0.02] and "NaN" not in json.dumps(doc)


def test_focus_names_a_patch_a_prefix_token_or_a_time(cli, dino_dir, speech_dir, bright_png, clip):
    show = ["show", "--backend", "transformers", "--layer", "1", "--head", "2", "--model"]
    assert "query 10 “(2,3)”" in cli(*show, dino_dir, "--image", bright_png, "--focus", "2,3").stdout  # after [CLS] [REG1] [REG2]
    assert "query 2 “[REG1]”" in cli(*show, dino_dir, "--image", bright_png, "--focus", "[REG1]").stdout
    assert "query 26 “0.50s”" in cli(*show, speech_dir, "--audio", clip, "--focus", "0.5s").stdout


@pytest.mark.parametrize("args, needle", [
    (["--model", "{vit}", "--backend", "transformers", "--image", "{png}", "--layer", "1", "--head", "1", "--focus", "5,1"],
     "outside the picture, which has 4 rows and 4 columns of patches"),
    (["--model", "{vit}", "--backend", "transformers", "--audio", "{wav}"], "--audio is for a Whisper, wav2vec2 or HuBERT model"),
    (["--model", "{whisper}", "--backend", "transformers", "--image", "{png}"], "--image is for a ViT, DeiT or DINOv2 model"),
    (["--model", "{vit}", "--backend", "transformers", "the cat"], "reads pictures: give --image FILE"),
    (["--model", "{bert}", "--backend", "transformers", "--image", "{png}"], "which reads text"),
])
def test_media_errors(runner, vit_dir, whisper_dir, bert_dir, bright_png, clip, args, needle):
    from conftest import invoke

    args = [a.format(vit=vit_dir, whisper=whisper_dir, bert=bert_dir, png=bright_png, wav=clip) for a in args]
    result = invoke(runner, "show", *args)
    assert result.exit_code == 2 and needle in result.output and len(result.output.strip().splitlines()) == 1, result.output


def test_whisper_refuses_a_clip_longer_than_its_window(whisper_dir, tmp_path):
    import soundfile as sf

    sf.write(tmp_path / "long.wav", np.zeros(24000, dtype=np.float32), 16000)  # 1.5 s; this Whisper reads 1 s
    with pytest.raises(UsageError, match="reads 1 s at most; cut the clip"):
        attnviz.analyze(audio=str(tmp_path / "long.wav"), model=str(whisper_dir), backend="transformers")


def test_library_refuses_both_media(vit_dir, bright_png, clip):
    with pytest.raises(UsageError, match="not both"):
        attnviz.analyze(image=str(bright_png), audio=str(clip), model=str(vit_dir), backend="transformers")
