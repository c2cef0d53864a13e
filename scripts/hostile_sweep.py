"""A hostile-input sweep of the CLI (issue #16): random combinations of options and odd input files.

    nice python scripts/hostile_sweep.py [--cases 1200] [--env-cases 80] [--seed 16] [--out DIR]

Every case must end with: exit 0, 1 or 2; no traceback and no "internal error" on stderr; a
failure as exactly one `attnviz: error:` line (warnings may come before it); strict JSON on stdout
with --json (one document, or JSON Lines with --top-k: no NaN/Infinity); no temporary file left in
the --save folder, and every file it names either complete (PNG/SVG/PDF magic) or absent.

Most cases run in this process through attnviz.cli.main (fresh stdin/stdout/stderr per case, an
alarm as the time limit, an address-space limit so that runaway memory becomes MemoryError, which
must still end in one line).  The --env-cases run as subprocesses with odd streams and environment
(closed or full stdout, closed stderr, PYTHONIOENCODING=ascii, MPLBACKEND, MPLCONFIGDIR, HOME, few
file descriptors).  Prints the counts by exit code and every violation; exits 1 if there was one.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "data"
SEED = "The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food."
CASE_SECONDS = 60  # one case's limit (a loaded 2-core box)
MAGIC = {".png": b"\x89PNG", ".svg": b"<?xml", ".pdf": b"%PDF"}

TEXTS = [SEED, "it refused the food", "", "   ", "?!", "[/] [bold] it", "² ³ it", "café ☃ naïve", "the the the the",
         "餐厅拒绝了我", "\u202eevil it food", "a" * 300, "x\x00y it", "it " * 300, "1,000 3.5 it's well-known",
         ":smile: it [red]x[/red]", "-", "it\tfood\nthe", "Ⅻ ½ ①", "\ud7ff it"]


def files(d: Path) -> dict[str, list[str]]:
    """The hostile input files, by option."""
    rng = np.random.default_rng(16)
    words = "it refused the food [/] [bold] :smile: zebra".split()

    def vectors(name: str, body: bytes) -> str:
        (d / name).write_bytes(body)
        return str(d / name)

    def text_rows(rows, header=True, dim=5):
        lines = [f"{len(rows)} {dim}"] if header else []
        return ("\n".join(lines + [w + " " + " ".join(v) for w, v in rows]) + "\n").encode()

    good = [(w, [f"{x:.3f}" for x in rng.normal(size=5)]) for w in words]
    ft = (DATA / "tiny.fasttext.bin").read_bytes()
    vec = [str(DATA / "tiny.w2v.txt"), str(DATA / "tiny.glove.txt"), str(DATA / "tiny.w2v.bin"), str(DATA / "tiny.fasttext.bin"),
           vectors("good.txt", text_rows(good)),
           vectors("bom.txt", b"\xef\xbb\xbf" + text_rows(good)),
           vectors("bom_glove.txt", b"\xef\xbb\xbf" + text_rows(good, header=False)),
           vectors("nan.txt", text_rows(good[:3] + [("zebra", ["nan", "1", "2", "3", "4"])] + good[3:])),
           vectors("inf.txt", text_rows(good + [("x", ["1e39"] * 5)])),
           vectors("zero.txt", b"3 0\nit\nthe\nfood\n"),
           vectors("nonum.txt", b"it a b\nthe c d\n"),
           vectors("bighdr.txt", b"2 100000000\nit 1 2\nthe 3 4\n"),
           vectors("bigcount.txt", b"99999999999 300\nit 1 2\n"),
           vectors("empty.txt", b""),
           vectors("garbage.bin", bytes(rng.integers(0, 256, 4096, dtype=np.uint8))),
           vectors("ragged.txt", b"3 5\nit 1 2 3 4 5\nthe 1 2\nfood 1 2 3 4 5 6 7\n"),
           vectors("gz.txt.gz", b"\x1f\x8b\x08\x00garbage"),
           vectors("bz.txt", b"BZh9garbage"),
           vectors("neg.txt", b"-3 5\nit 1 2 3 4 5\n"),
           vectors("dup.txt", text_rows(good + good)),
           str(d), "/dev/null", str(d / "missing.txt"), "glove-nonexistent-300"]
    vec += [vectors(f"ft_{cut}.bin", ft[:cut]) for cut in (8, 64, 90, 100, 150, 400, 2000, 9000, 16000)]

    def npz(name, **arrays):
        np.savez(d / name, **arrays)
        return str(d / name)

    r = rng.normal
    wts = [npz("w_ok.npz", Wq=r(size=(300, 8)), Wk=r(size=(300, 8)), Wv=r(size=(300, 8))),
           npz("w_wo.npz", Wq=r(size=(300, 8)), Wk=r(size=(300, 8)), Wv=r(size=(300, 8)), Wo=r(size=(8, 300))),
           npz("w_zero.npz", Wq=np.zeros((300, 0)), Wk=np.zeros((300, 0)), Wv=np.zeros((300, 0))),
           npz("w_cx.npz", Wq=r(size=(300, 8)) + 1j, Wk=r(size=(300, 8)), Wv=r(size=(300, 8))),
           npz("w_bool.npz", Wq=np.ones((300, 8), bool), Wk=np.ones((300, 8), bool), Wv=np.ones((300, 8), bool)),
           npz("w_nan.npz", Wq=np.full((300, 8), np.nan), Wk=r(size=(300, 8)), Wv=r(size=(300, 8))),
           npz("w_big.npz", Wq=np.full((300, 8), 1e200), Wk=np.full((300, 8), 1e200), Wv=r(size=(300, 8))),
           npz("w_f32big.npz", Wq=np.full((300, 8), 1e19), Wk=np.full((300, 8), 1e19), Wv=r(size=(300, 8))),
           npz("w_shape.npz", Wq=r(size=(5, 8)), Wk=r(size=(5, 8)), Wv=r(size=(5, 8))),
           npz("w_3d.npz", Wq=r(size=(300, 8, 1)), Wk=r(size=(300, 8)), Wv=r(size=(300, 8))),
           npz("w_str.npz", Wq=np.array(["a"] * 8), Wk=r(size=(300, 8)), Wv=r(size=(300, 8))),
           npz("w_add.npz", W1=r(size=(8, 4)), W2=r(size=(8, 4)), w=r(size=4)),
           npz("w_add300.npz", W1=r(size=(300, 4)), W2=r(size=(300, 4)), w=r(size=4)),
           npz("w_addbig.npz", W1=r(size=(300, 4)), W2=r(size=(300, 4)), w=np.full(4, 1e38)),
           npz("w_add37.npz", W1=r(size=(300, 4)), W2=r(size=(300, 4)), w=np.full(4, 1e37)),
           npz("w_addpart.npz", W1=r(size=(300, 4))),
           npz("w_none.npz", foo=np.zeros(3))]
    np.save(d / "w.npy", r(size=(300, 8)))
    (d / "w_text.npz").write_text("not a zip")
    wts += [str(d / "w.npy"), str(d / "w_text.npz"), str(d), "/dev/null", str(d / "missing.npz")]

    inp = []
    for name, body in (("m.csv", "label,a,b\n[/],1,2\n[bold],3,1\n:smile:,0,1\n"), ("nan.csv", "1,2\nnan,3\n"),
                       ("inf.csv", "1,2\ninf,3\n"), ("labels.csv", "a\nb\nc\n"), ("one.csv", "1,2\n"), ("empty.csv", ""),
                       ("ragged.csv", "1,2\n3\n4,5,6\n"), ("bom.csv", "\ufeffx,y\n1,2\n3,4\n"), ("t.tsv", "a\t1\t2\nb\t3\t4\n"),
                       ("huge.csv", "1e308,1e308\n1e308,1e308\n"), ("wide.csv", ",".join(["1"] * 5000) + "\n"),
                       ("quotes.csv", '"a,b",1,2\n"c""d",3,4\n')):
        (d / name).write_text(body, encoding="utf-8")
        inp.append(str(d / name))
    for name, array in (("v.npy", r(size=(6, 4))), ("v3.npy", r(size=(2, 3, 4))), ("v0.npy", np.zeros((0, 4))),
                        ("vd0.npy", np.zeros((4, 0))), ("vc.npy", r(size=(4, 4)) + 1j), ("vs.npy", np.array(["a", "b"])),
                        ("v1.npy", r(size=4)), ("vnan.npy", np.full((3, 3), np.nan))):
        np.save(d / name, array)
        inp.append(str(d / name))
    np.savez(d / "v.npz", vectors=r(size=(5, 3)), labels=np.array(["[/]", "b", "c", "d", "e"]))
    np.savez(d / "v_nolab.npz", x=r(size=(5, 3)))
    inp += [str(d / "v.npz"), str(d / "v_nolab.npz"), str(d / "w.npy"), "/dev/null", str(d), str(d / "nope.csv"),
            str(d / "good.txt")]

    graphs = []
    for name, body in (("g.txt", b"it-food\nfood-the\n"), ("g_bom.txt", b"\xef\xbb\xbfit-food\n"), ("g_empty.txt", b""),
                       ("g_comments.txt", b"# only\n# comments\n"), ("g_bin.txt", b"\xff\xfe\x00\x01"),
                       ("g_digits.txt", b"\xc2\xb2-1\n"), ("g_bad.txt", b"it--\n-\n")):
        (d / name).write_bytes(body)
        graphs.append(str(d / name))
    graphs += [str(d), "/dev/null", str(d / "nope.txt")]
    return {"--vectors": vec, "--weights": wts, "--input": inp, "--graph": graphs}


NUMBERS = {  # option: (values that should work, values that should be refused or are extreme)
    "--heads": (["1", "2", "3", "4"], ["7", "300", "1024", "1025", "0", "-1", "1e3", "x"]),
    "--d-k": (["1", "4", "64"], ["100000", "100000000", "0", "-3", "abc"]),
    "--d-a": (["1", "8"], ["100000", "1000000000", "0"]),
    "--seed": (["0", "7"], ["-1", str(2 ** 70), "1.5"]),
    "--temperature": (["1", "0.01", "3"], ["1e-300", "5e-324", "1e308", "0", "-1", "nan", "inf", "abc"]),
    "--window": (["0", "1", "3"], ["-1", str(10 ** 20)]),
    "--pos-scale": (["0.5", "2"], ["1e300", "nan", "-inf"]),
    "--top-k": (["1", "2", "5"], ["0", str(10 ** 12)]),
    "--top": (["1", "3"], ["0", "1000"]),
    "--dpi": (["30", "72"], ["29", "1200", "5000"]),
    "--dims": (["1", "4"], ["0", "100000"]),
    "--head": (["1", "2"], ["0", "99"]),
    "--layer": (["1"], ["0", "99"]),
}
CHOICE = {
    "--projection": ["identity", "random", "random", "nope"], "--score": ["scaled-dot", "dot", "additive", "cosine", "x"],
    "--normalize": ["softmax", "relu", "none", "x"], "--embedding": ["vectors", "onehot", "onehot", "x"],
    "--input-norm": ["standard", "center", "none", "x"], "--pos": ["none", "sinusoidal", "sinusoidal", "x"],
    "--cells": ["auto", "numbers", "heat", "x"], "--matrix": ["both", "alpha", "alpha-prime", "x"],
}
FLAGS = ["--causal", "--directed", "--no-self", "--punct", "--json", "--include-vectors", "--trust-pickle", "--words"]
WORDISH = ["it", "food", "0", "3", "99", "-1", "²", "[/]", "[bold]", "", "it-food", "the", "１"]


def pick_case(rng: random.Random, inputs: dict[str, list[str]], save_dir: Path) -> list[str]:
    """One random command line."""
    command = rng.choices(["show", "explain", "pe", "heads"], weights=[80, 14, 4, 2])[0]
    if command == "pe":
        return ["pe", "-n", rng.choice(["1", "8", "100000", "0", "-4", "x"]), "-d", rng.choice(["2", "7", "64", "4096", "1", "5000"])] + (
            ["--save", str(save_dir / f"pe{rng.randrange(9)}.png")] if rng.random() < 0.2 else [])
    if command == "heads":
        return ["heads", rng.choice(TEXTS[:3] + ["[/] it"]), "--model", rng.choice(["minilm", "nope", str(save_dir)])] + (
            ["--from", rng.choice(WORDISH), "--to", rng.choice(WORDISH)] if rng.random() < 0.5 else []) + (["--json"] if rng.random() < 0.5 else [])
    args = [command]
    use_input = rng.random() < 0.15
    if use_input:
        args += ["--input", rng.choice(inputs["--input"])]
    else:
        args.append(rng.choice(TEXTS))
    if command == "explain":
        args += ["--focus", rng.choice(WORDISH)]
    for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 4, 6])):
        kind = rng.random()
        if kind < 0.35:
            option = rng.choice([o for o in NUMBERS if command == "explain" or o != "--dims"])
            good, bad = NUMBERS[option]
            args += [option, rng.choice(good if rng.random() < 0.8 else bad)]
        elif kind < 0.55:
            option = rng.choice(list(CHOICE))
            args += [option, rng.choice(CHOICE[option])]
        elif kind < 0.7:
            args.append(rng.choice(FLAGS))
        elif kind < 0.85:
            option = rng.choice(list(inputs))
            if option != "--input":
                args += [option, rng.choice(inputs[option])]
        elif kind < 0.92:
            args += ["--edges", rng.choice(["it-food", "²-1", "1-²", "0-99", "-", ",,", "it-it", "[/]-it", "food->it", "a b"])]
        elif command == "show":
            args += ["--focus", rng.choice(WORDISH)]
    if command == "show" and rng.random() < 0.12:
        name = rng.choice(["a.png", "b.svg", "c.pdf", "d.bmp", "", " ", "a" * 300 + ".png", "sub/x.png", "/proc/x.png",
                           "/sys/x.png", "e.png,f.svg"])
        args += ["--save", name if name.startswith(("/", " ")) or not name else str(save_dir / name)]
    return args


class Timeout(BaseException):
    pass


def run_in_process(args: list[str], stdin: bytes = b"") -> tuple[int, str, str, float]:
    """attnviz.cli.main(args) with fresh standard streams; (exit code, stdout, stderr, seconds)."""
    from attnviz.cli import main

    saved = sys.stdin, sys.stdout, sys.stderr
    out, err = io.BytesIO(), io.BytesIO()
    streams = (io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"), io.TextIOWrapper(out, encoding="utf-8", write_through=True),
               io.TextIOWrapper(err, encoding="utf-8", write_through=True))  # kept: a collected wrapper closes its buffer
    sys.stdin, sys.stdout, sys.stderr = streams
    start = time.monotonic()
    signal.alarm(CASE_SECONDS)
    try:
        code = main(args)
    except Timeout:
        code = "timeout"
    except SystemExit as e:
        code = e.code
    except BaseException as e:  # anything escaping guarded is a violation
        code = f"escaped {type(e).__name__}: {e}"
    finally:
        signal.alarm(0)
        for stream in streams[1:]:
            stream.flush()
        sys.stdin, sys.stdout, sys.stderr = saved
    return code, out.getvalue().decode("utf-8", "replace"), err.getvalue().decode("utf-8", "replace"), time.monotonic() - start


def strict_json(text: str) -> str | None:
    """None when text is strict JSON: one document, or JSON Lines (one per line); else why not."""
    def refuse(constant):
        raise ValueError(f"non-finite {constant}")

    try:
        json.loads(text, parse_constant=refuse)
        return None
    except ValueError as e:
        if "non-finite" in str(e) or "Extra data" not in str(e):
            return str(e)[:200]
    try:
        for line in text.splitlines():
            json.loads(line, parse_constant=refuse)
    except ValueError as e:
        return str(e)[:200]
    return None


def violations(args: list[str], code, out: str, err: str, save_dir: Path, streams: str = "") -> list[str]:
    """What this case did wrong (empty when nothing); streams: the shell redirection of an env case."""
    bad = []
    if code not in (0, 1, 2):
        bad.append(f"exit {code!r}")
    if "Traceback" in err or "internal error" in err:
        bad.append("traceback/internal error: " + err.strip().splitlines()[-1][:300])
    lines = err.strip().splitlines()
    if code in (1, 2) and "2>&-" not in streams:
        errors = [line for line in lines if line.startswith("attnviz: error:")]
        if len(errors) != 1 or lines[-1] != errors[0]:
            bad.append(f"not one error line: {lines[-3:]}")
    if code == 0 and "--json" in args and args[0] in ("show", "heads") and not streams:
        why = strict_json(out)
        if why:
            bad.append(f"stdout is not strict JSON ({why})")
    for path in save_dir.rglob("*"):
        if path.name.startswith("."):
            bad.append(f"temporary file left: {path.name[:60]}")
        elif path.is_file() and path.suffix in MAGIC and not path.read_bytes().startswith(MAGIC[path.suffix]):
            bad.append(f"half-written file: {path.name[:60]}")
    if code not in (0, "timeout") and any(p.is_file() for p in save_dir.rglob("*")) and "saved" not in err and "2>&-" not in streams:
        bad.append("a file was written by a run that failed")
    return bad


ENV_CASES = [
    ({"PYTHONIOENCODING": "ascii"}, ""), ({"MPLBACKEND": "nonsense"}, ""), ({"MPLCONFIGDIR": "/proc/nope"}, ""),
    ({"HOME": "/proc/nope", "MPLCONFIGDIR": ""}, ""), ({}, ">&-"), ({}, "> /dev/full"), ({}, "2>&-"), ({}, "<&-"),
    ({}, "ulimit -n 8;"), ({"COLUMNS": "5"}, ""), ({"NO_COLOR": "1"}, ""), ({"TERM": "dumb", "COLUMNS": "1000"}, ""),
]


def run_env_case(rng: random.Random, inputs, save_dir: Path) -> tuple[list[str], str, int, str, str]:
    env, redirect = rng.choice(ENV_CASES)
    args = [a.replace("\x00", "") for a in pick_case(rng, inputs, save_dir)]  # argv cannot hold NUL
    if rng.random() < 0.5 and args[0] == "show" and "--save" not in args:
        args += ["--save", str(save_dir / "env.png")]
    quoted = " ".join("'" + a.replace("'", "'\\''") + "'" for a in args)
    prefix = redirect if redirect.endswith(";") else ""
    suffix = "" if prefix else redirect
    shell = f"{prefix} exec {sys.executable} -m attnviz {quoted} {suffix}"
    full = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    p = subprocess.run(["bash", "-c", shell], capture_output=True, env=full, cwd=save_dir, timeout=CASE_SECONDS * 3)
    return args, " ".join([redirect, *(f"{k}={v}" for k, v in env.items())]), p.returncode, \
        p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1200)
    parser.add_argument("--env-cases", type=int, default=80)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--out", default=None, help="folder for the generated files (default: a temporary one)")
    opts = parser.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ["COLUMNS"] = "80"
    resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, resource.RLIM_INFINITY))  # runaway memory -> MemoryError
    signal.signal(signal.SIGALRM, lambda *a: (_ for _ in ()).throw(Timeout()))
    root = Path(opts.out or tempfile.mkdtemp(prefix="attnviz-sweep-"))
    (root / "inputs").mkdir(parents=True, exist_ok=True)
    inputs = files(root / "inputs")
    rng = random.Random(opts.seed)
    codes, problems, slow = Counter(), [], []
    start = time.monotonic()
    for n in range(opts.cases + opts.env_cases):
        save_dir = root / f"save{n}"
        save_dir.mkdir()
        (save_dir / "sub").mkdir() if rng.random() < 0.5 else None
        if n < opts.cases:
            args = pick_case(rng, inputs, save_dir)
            stdin = rng.choice([b"", SEED.encode(), b"\xff\xfe", b"it food " * 200])
            if rng.random() < 0.05 and args[0] in ("show", "explain") and "--input" not in args:
                args[1] = "-"
            code, out, err, seconds = run_in_process(args, stdin)
            streams = ""
            if seconds > 20:
                slow.append((round(seconds, 1), args))
        else:
            args, streams, code, out, err = run_env_case(rng, inputs, save_dir)
        codes[code if code in (0, 1, 2) else "other"] += 1
        for problem in violations(args, code, out, err, save_dir, streams):
            problems.append((problem, [streams, *args] if streams else args))
        if (n + 1) % 100 == 0:
            print(f"{n + 1} cases, {time.monotonic() - start:.0f} s, {len(problems)} problems", file=sys.stderr, flush=True)
    print(f"cases: {sum(codes.values())} ({opts.cases} in process, {opts.env_cases} with odd streams/environment) "
          f"in {time.monotonic() - start:.0f} s")
    print("exit codes: " + ", ".join(f"{k}: {v}" for k, v in sorted(codes.items(), key=str)))
    print(f"slow (> 20 s): {len(slow)}")
    for seconds, args in slow[:10]:
        print(f"  {seconds} s: {args}")
    print(f"violations: {len(problems)}")
    for problem, args in problems[:60]:
        print(f"  {problem}\n      {[a[:80] for a in args]}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
