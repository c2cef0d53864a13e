"""One measured process for the benchmarks: wall clock, peak RSS and CPU time (os.wait4)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(cmd: list[str], stdout=None) -> tuple[float, float, float]:
    """(wall seconds, peak RSS in MB, CPU seconds: user + system, all threads) of one process run
    from the checkout (PYTHONPATH=ROOT); stdout goes to `stdout` (default: discarded)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=stdout or subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    err = p.stderr.read().decode()
    p.stderr.close()
    if status != 0:
        raise RuntimeError(f"benchmark process failed ({' '.join(cmd[:4])} …): {err[-800:]}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
