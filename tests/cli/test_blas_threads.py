"""The command's idle BLAS threads sleep within 2²² cycles (cli/edge.py), not OpenBLAS's 2²⁸: its
worker spins ~0.1 s after numpy loads, which on 2 busy cores took half of `import numpy`
(docs/performance.md).  Set before numpy is imported, only in the `attnviz` process itself."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = ("import os, sys; sys.argv[0] = sys.argv[1]; import attnviz.cli; "
         "print(os.environ.get('OPENBLAS_THREAD_TIMEOUT'), 'numpy' in sys.modules)")


def probe(argv0: str, **env: str) -> str:
    base = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    out = subprocess.run([sys.executable, "-c", PROBE, argv0], capture_output=True, text=True, cwd=ROOT,
                         env={**base, "PYTHONPATH": str(ROOT), **env}, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_the_command_sets_the_timeout_before_numpy_loads():
    assert probe("/usr/bin/attnviz") == "22 False"
    assert probe(os.path.join("attnviz", "__main__.py")) == "22 False"  # python -m attnviz


def test_a_timeout_the_user_set_is_kept():
    assert probe("attnviz", OPENBLAS_THREAD_TIMEOUT="28") == "28 False"


def test_a_host_importing_the_cli_is_left_alone():
    assert probe("host.py") == "None False"
