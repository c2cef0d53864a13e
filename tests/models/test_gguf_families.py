"""The GGUF architectures attnviz reads are the model-family registry's (Family.gguf): a family that
declares a general.architecture is accepted by the header check, and nothing else is."""

from __future__ import annotations

from pathlib import Path

import pytest

from attnviz.errors import AttnvizError
from attnviz.models import FAMILIES, GGUF, Family, gguf_architectures, gguf_family, gguf_spec
from attnviz.models.gguf import architecture
from attnviz.models.gguf_file import Header


def header(arch) -> Header:
    return Header(Path("m.gguf"), 3, {"general.architecture": arch}, {}, 0)


def accepted(arch) -> bool:
    try:
        return architecture(header(arch)) == arch
    except AttnvizError as e:
        assert str(e).endswith(f"attnviz reads GGUF files of {', '.join(gguf_architectures())}"), e
        return False


def test_the_built_in_families_read_the_architectures_they_always_did():
    assert gguf_architectures() == ["gpt2", "llama", "mistral", "qwen2", "qwen3"]  # the order the refusal lists
    for arch in gguf_architectures():
        assert gguf_family(arch).name == arch


@pytest.mark.parametrize("key", sorted(FAMILIES))
def test_a_family_s_names_are_gguf_architectures_only_when_it_declares_them(key):
    """bert, roberta (and its alias xlm-roberta), distilbert, electra: config.json only."""
    assert accepted(key) == (key in [g.arch for g in FAMILIES[key].gguf])


def test_registering_a_family_with_gguf_is_the_one_step(monkeypatch):
    assert not accepted("toyarch")
    toy = Family("toy", "llama", causal=True, gguf=(GGUF("toyarch", "llama"),))
    monkeypatch.setitem(FAMILIES, "toy", toy)  # as models.register(toy) would; undone after the test
    assert accepted("toyarch") and gguf_family("toyarch") is toy
    assert "toyarch" in gguf_architectures() and not accepted("toy")  # its name is a model_type, not an architecture


@pytest.mark.parametrize("arch", ["phi3", "", None, 3, "LLAMA"])
def test_anything_no_family_declares_is_refused(arch):
    assert not accepted(arch)


def test_how_a_file_is_written_is_the_familys_entry_not_its_name():
    """Q/K un-permuting, GPT-2's names and transposes, and rope.dimension_count as the head size follow
    the entry's writer: a family registered under a new architecture gets them without an edit."""
    from attnviz.models import gguf

    assert {a: gguf_spec(a).writer for a in gguf_architectures()} == \
        {"gpt2": "gpt2", "llama": "llama", "mistral": "llama", "qwen2": "decoder", "qwen3": "decoder"}
    source = Path(gguf.__file__).read_text(encoding="utf-8")
    for arch in gguf_architectures():
        for spelled in (f'arch == "{arch}"', f"arch == '{arch}'", f'"{arch}")', f'("{arch}",'):
            assert spelled not in source, spelled
