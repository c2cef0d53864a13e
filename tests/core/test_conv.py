"""`show --image … --conv K`: a convolution computed as K² heads of self-attention (Cordonnier et al. 2020),
checked against torch's conv2d (zero padding), interior and border."""

import json

import numpy as np
import pytest

import attnviz
from attnviz.core.conv import shifts


def torch_conv2d(image, kernel):
    """[H, W, d_in], [K, K, d_in, d_out] -> [H, W, d_out] by torch (cross-correlation, zero padding K // 2)."""
    torch = pytest.importorskip("torch")  # the reference; skip where torch is absent
    x = torch.tensor(image).permute(2, 0, 1)[None]
    w = torch.tensor(kernel).permute(3, 2, 0, 1)
    return torch.nn.functional.conv2d(x, w, padding=kernel.shape[0] // 2)[0].permute(1, 2, 0).numpy()


def picture(result):
    s = result.source
    return np.asarray(result.sequence.vectors, dtype=np.float64).reshape(s.rows, s.cols, -1)


@pytest.mark.parametrize("k", [3, 5])
@pytest.mark.parametrize("kind", ["default", "random"])
def test_output_equals_conv2d_inside_and_on_the_border(k, kind, tmp_path):
    kernel = None
    if kind == "random":
        kernel = str(tmp_path / "k.npy")
        np.save(kernel, np.random.default_rng(k).normal(0, 1, (k, k, 3, 4)))
    c = attnviz.conv(image="demo", k=k, kernel=kernel)
    reference = torch_conv2d(picture(c), c.kernel)
    diff = np.abs(c.layer.output - reference).max(axis=2)  # [H, W]
    r = k // 2
    interior, border = diff[r:-r, r:-r], np.concatenate([diff[:r].ravel(), diff[-r:].ravel(), diff[:, :r].ravel(), diff[:, -r:].ravel()])
    assert interior.max() < 1e-4 and border.max() < 1e-4
    assert np.abs(reference).max() > 1.0  # the convolution is far from 0: the comparison means something
    assert abs(c.error - np.abs(c.layer.output - c.layer.direct).max()) == 0 and c.error < 1e-4


@pytest.mark.parametrize("focus", ["1,1", "17,14", "32,27"])
def test_each_head_is_one_hot_on_its_shift(focus):
    c = attnviz.conv(image="demo", k=3, focus=focus)
    assert c.layer.on_shift.min() > 1 - 1e-4  # every head, every pixel
    fr, fc = c.focus
    for h, (dr, dc) in enumerate(shifts(3)):
        weights = c.layer.focus_weights[h]  # over the padded grid (1 pixel of zeros around)
        target = (fr + dr + 1, fc + dc + 1)
        assert abs(weights[target] - 1) < 1e-4
        rest = weights.copy()
        rest[target] = 0
        assert rest.max() < 1e-4
    assert len({tuple(np.unravel_index(w.argmax(), w.shape)) for w in c.layer.focus_weights}) == 9  # a different neighbour each


def test_compare_over_alpha_approaches_the_limit(cli):
    doc = json.loads(cli("show", "--image", "demo", "--conv", "3", "--compare", "alpha=0.5,2,5,20", "--json").stdout)
    errors = [s["max_abs_error"] for s in doc["compare"]]
    ons = [s["min_on_shift"] for s in doc["compare"]]
    assert errors == sorted(errors, reverse=True) and errors[0] > 1 and errors[-1] < 1e-4
    assert ons == sorted(ons) and ons[0] < 0.5 < ons[-1]
    assert doc["schema"] == "attnviz-conv/1" and doc["alpha"] == 20


def test_terminal_states_the_error_and_what_attention_adds(cli, tmp_path):
    out = " ".join(cli("show", "--image", "demo", "--conv", "3", "--save", tmp_path / "c.png").stdout.split())
    assert "max |b − conv2d(x, kernel)| =" in out and "α = 20" in out
    assert "full self-attention adds" in out
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("args, words", [
    (["--conv", "4"], "K must be 3 or 5"),
    (["--conv", "7"], "K must be 3 or 5"),
    (["--conv", "3", "--heads", "2"], "drop --heads"),
    (["--conv", "3", "--score", "dot"], "drop --score"),
    (["--kernel", "k.npy"], "--kernel goes with --conv"),
    (["--conv", "3", "--conv-alpha", "0"], "--conv-alpha must be a positive number"),
    (["--conv", "3", "--compare", "heads=1,2"], "compare α"),
])
def test_bad_values_are_one_line(cli, args, words):
    err = cli("show", "--image", "demo", *args, code=2).stderr
    assert words in err and len(err.strip().splitlines()) == 1, err


def test_a_kernel_of_the_wrong_shape_is_one_line(cli, tmp_path):
    path = tmp_path / "k.npy"
    np.save(path, np.ones((3, 3, 2, 1)))
    err = cli("show", "--image", "demo", "--conv", "3", "--kernel", path, code=2).stderr
    assert "has shape [3, 3, 2, 1]" in err and "[3, 3, 3, d_out]" in err and len(err.strip().splitlines()) == 1


def test_conv_needs_a_picture(cli):
    assert "give --image" in cli("show", "--audio", "demo", "--conv", "3", code=2).stderr
    assert "TEXT does not go with --conv" in cli("show", "ham", "--conv", "3", code=2).stderr
