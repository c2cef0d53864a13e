"""Interrupts end in one line and whole output lines (issue #25, item 21): Ctrl-C while the CLI
starts, SIGINT or SIGTERM while a model's document streams into a file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from installed import minilm_dir

ATTNVIZ = [sys.executable, "-m", "attnviz"]


HOOK = """
import os, signal, sys
sys.argv = ["attnviz", "show", "the cat sat"]  # as the console script starts it
class CtrlC:  # Ctrl-C pressed just as the CLI imports typer (the start-up's largest import)
    def find_spec(self, name, path=None, target=None):
        if name == "typer":
            os.kill(os.getpid(), signal.SIGINT)
        return None
sys.meta_path.insert(0, CtrlC())
from attnviz.cli import run
run()
"""


def test_ctrl_c_while_the_cli_imports_is_one_line():
    """Before, an interrupt during the imports (the first ~100 ms) printed a Python traceback."""
    r = subprocess.run([sys.executable, "-c", HOOK], capture_output=True, text=True, timeout=60)
    assert r.returncode == 130 and r.stderr == "attnviz: interrupted (Ctrl-C)\n", r.stderr


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stopped_model_document_leaves_whole_lines_in_the_file(tmp_path, sig, code):
    minilm_dir()  # skip where the MiniLM wheel is absent
    path = tmp_path / "m.jsonl"
    text = " ".join(["the cat sat on the mat"] * 50)  # 302 tokens: ~130 MB of JSON, seconds to write
    with open(path, "wb") as out:
        p = subprocess.Popen([*ATTNVIZ, "show", "--model", "minilm", text, "--json"], stdout=out, stderr=subprocess.PIPE)
        for _ in range(600):
            if path.stat().st_size > 1 << 20 or p.poll() is not None:
                break
            time.sleep(0.01)
        assert p.poll() is None, "the document was written before the signal: make the text longer"
        p.send_signal(sig)
        _out, err = p.communicate(timeout=120)
    assert p.returncode == code, err.decode()
    data = path.read_bytes()
    assert data == b"" or data.endswith(b"\n"), (len(data), data[-80:])
