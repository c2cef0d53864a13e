"""Result as a type: declared properties (dir() and a notebook's Tab show them), no blanket forwarding,
and save() with the CLI's safety check (an input is never overwritten)."""

import numpy as np
import pytest

from attnviz.errors import UsageError

PUBLIC = ("alpha", "alpha_prime", "tokens", "config", "source", "text", "layers", "layer_numbers", "head_numbers",
          "options", "sequence", "x", "oov", "rollout", "summaries", "specials", "unknown", "generated", "keys", "heads",
          "output", "settings", "warnings", "is_comparison", "to_dict", "to_json", "table", "figure", "save", "html",
          "heads_ranking")


def test_dir_lists_the_public_attributes_as_documented_properties():
    from attnviz import Result

    names = dir(Result)
    assert set(PUBLIC) <= set(names), set(PUBLIC) - set(names)
    for name in PUBLIC:
        member = getattr(Result, name)
        assert member.__doc__, name
        if not callable(member):
            assert isinstance(member, property), name
    assert "__getattr__" not in vars(Result)  # no blanket forwarding to the analysis


def test_properties_read_the_analysis_and_a_field_its_kind_lacks_is_an_attribute_error():
    import attnviz

    a = attnviz.analyze("ham sandwich", heads=2)
    assert a.tokens == a.analysis.tokens and a.options is a.analysis.options and a.layers == a.analysis.layers
    with pytest.raises(AttributeError):
        a.rollout  # word vectors: no rollout (a model has one)
    with pytest.raises(AttributeError):
        a.only_head  # the analysis's methods are not the Result's


def picture(path):
    from PIL import Image

    Image.fromarray((np.arange(8 * 8 * 3) % 256).astype(np.uint8).reshape(8, 8, 3)).save(path)
    return path


def test_save_refuses_to_overwrite_an_input_as_the_cli_does(cli, runner, tmp_path):
    import attnviz
    from conftest import invoke

    path = str(picture(tmp_path / "pic.png"))
    before = (tmp_path / "pic.png").read_bytes()
    r = attnviz.analyze(image=path)
    assert r.inputs == {"image": path}
    with pytest.raises(UsageError, match=r"`save` .*pic.png is the `image` input; saving there would destroy it") as e:
        r.save(str(tmp_path / "." / "pic.png"))
    assert e.value.option == "save" and (tmp_path / "pic.png").read_bytes() == before
    cli_says = invoke(runner, "show", "--image", path, "--save", path)
    assert cli_says.exit_code == 2 and "is the --image input; saving there would destroy it" in cli_says.stderr
    r.save(str(tmp_path / "other.png"))  # any other path is saved
    assert (tmp_path / "other.png").stat().st_size > 0


def test_arrays_and_view_file_inputs():
    import attnviz

    assert attnviz.analyze(input=np.eye(3)).inputs == {}  # an array is no file
    assert attnviz.analyze("ham sandwich").inputs == {}


def test_the_head_count_check_is_the_library_s(runner):
    import attnviz
    from conftest import invoke

    with pytest.raises(UsageError, match=r"`head` 9: there are only 4 heads \(`heads` 4\)"):
        attnviz.analyze("ham sandwich", heads=4, head=9)
    result = invoke(runner, "explain", "ham sandwich", "--heads", "4", "--head", "9", "--focus", "ham")
    assert result.exit_code == 2 and result.stderr == "attnviz: error: --head 9: there are only 4 heads (--heads 4)\n"


def test_an_atlas_result_declares_every_field_of_the_atlas():
    """AtlasResult forwards nothing blindly: each of the Atlas's fields (and layers, heads, roles,
    ranked) is a documented member, so a new Atlas field fails here until it is declared."""
    from dataclasses import fields

    from attnviz.analysis.atlas import Atlas
    from attnviz.api.results import AtlasResult

    names = [f.name for f in fields(Atlas)] + ["layers", "heads", "roles", "ranked"]
    assert "__getattr__" not in vars(AtlasResult)
    for name in names:
        member = vars(AtlasResult).get(name)
        assert member is not None and member.__doc__, f"AtlasResult.{name} is not declared with a docstring"
        assert callable(member) or isinstance(member, property), name
