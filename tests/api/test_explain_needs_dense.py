"""explain follows one query through full matrices: a long input's summary (top-k) and a comparison
hold none, and are refused in one line before any view is drawn (api.checks.check_dense)."""

import pytest

import attnviz
from attnviz.api.checks import check_dense
from attnviz.errors import UsageError
from attnviz.options import DENSE_MAX
from conftest import invoke

S = "The cat sat on the mat"


def test_a_dense_result_passes():
    check_dense(attnviz.analyze(S))
    check_dense(attnviz.analyze(S, head=1))


@pytest.mark.parametrize("kw,says,option", [
    (dict(top_k=2), "this result keeps each query's top keys only: analyze without `top_k`", "top_k"),
    (dict(compare="heads=1,2"), "explain follows one setting; this result compares several", "compare"),
])
def test_a_result_without_full_matrices_is_refused_with_its_reason(kw, says, option):
    with pytest.raises(UsageError) as e:
        check_dense(attnviz.analyze(S, **kw))
    assert says in str(e.value) and "items (over" not in str(e.value) and e.value.option == option


def test_the_command_refuses_a_long_input(runner):
    words = ("ham sandwich " * DENSE_MAX).split()[: DENSE_MAX + 1]
    result = invoke(runner, "explain", " ".join(words), "--focus", "ham")
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"attnviz: error: explain follows one query through full matrices; this input has {DENSE_MAX + 1:,} "
                             f"items (over {DENSE_MAX:,}); shorten it (--size for pictures)\n")


@pytest.mark.parametrize("kw", [dict(top_k=2), dict(compare="heads=1,2"), dict(model="minilm")])
def test_result_explain_refuses_them_in_one_line(kw):
    if "model" in kw:
        from installed import minilm_dir

        minilm_dir()  # skips without the MiniLM wheel
    with pytest.raises(UsageError, match=r"^explain (follows|walks) one") as e:
        attnviz.analyze(S, **kw).explain("cat")
    assert "items (over" not in str(e.value)
