import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

DATA = Path(__file__).parent / "data"
SEED = "The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food."


@pytest.fixture(autouse=True)
def english_views(monkeypatch):
    """Every test starts in English whatever the machine's locale (LANG=zh_CN would switch the
    views to Chinese), and a test that chose a language (--lang zh) does not leak it."""
    from attnviz import i18n

    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if os.environ.get(name, "").lower().startswith("zh"):
            monkeypatch.setenv(name, "C.UTF-8")
    i18n.set_language(None)
    yield
    i18n.set_language("en")


def one_line(result, code, *needles):
    """exit `code`, exactly one stderr line, an `attnviz: error:` naming every needle."""
    assert result.exit_code == code, (result.output, result.exception)
    err = result.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("attnviz: error:"), result.stderr
    assert "internal error" not in err[0] and "Traceback" not in result.output
    for needle in needles:
        assert needle in err[0], err[0]
    return err[0]


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """GGUF caches (models/gguf_cache.py) go to the session's own folder, never the user's ~/.cache;
    a test that sets XDG_CACHE_HOME itself clears this first.  Subprocesses inherit it."""
    old = os.environ.get("ATTNVIZ_CACHE_DIR")
    os.environ["ATTNVIZ_CACHE_DIR"] = str(tmp_path_factory.mktemp("attnviz-cache"))
    yield
    if old is None:
        os.environ.pop("ATTNVIZ_CACHE_DIR", None)
    else:
        os.environ["ATTNVIZ_CACHE_DIR"] = old


@pytest.fixture
def runner(monkeypatch):
    """Runs the CLI in-process at a fixed 80-column width, no color, no user environment."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return CliRunner()


def invoke(runner, *args, input=None):
    from attnviz.cli import app

    return runner.invoke(app, [str(a) for a in args], input=input)


@pytest.fixture
def cli(runner):
    def run(*args, input=None, code=0):
        result = invoke(runner, *args, input=input)
        assert result.exit_code == code, f"exit {result.exit_code}\n{result.output}\n{result.exception!r}"
        return result

    return run


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Chromium (tests/helpers/browser.py); skips with the reason when it or selenium is missing."""
    import browser as chromium

    reason = chromium.missing()
    if reason:
        pytest.skip(reason)
    driver = chromium.start(tmp_path_factory.mktemp("downloads"))
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def smollm2_atlas():
    """SmolLM2's atlas of the seed sentence with the CLI's defaults (a probe of 50 tokens × 2, seed 0),
    computed once for the atlas tests that read it; skipped where --model smollm2 does not open."""
    from attnviz.errors import AttnvizError
    from attnviz.models.files import resolve_model

    try:
        resolve_model("smollm2")
    except AttnvizError as e:
        pytest.skip(f"smollm2 does not open here ({e})")
    import attnviz

    return attnviz.atlas("smollm2", SEED, probe_length=50, seed=0)
