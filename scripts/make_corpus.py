"""Write a corpus of English sentences, one a line, for `attnviz heads --file` and bench/corpus_bench.py.

No downloads: prose sentences of the project's README and docs/ pages (code, tables and markup left out), then
sentences from a seeded template generator (nouns, verbs and adjectives in the style of the notes'
examples) until there are --count.  The same arguments give the same file.

    python scripts/make_corpus.py --count 1000 --out /tmp/corpus.txt
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

NOUNS = ("restaurant", "sandwich", "waiter", "student", "teacher", "model", "sentence", "word", "vector", "head",
         "layer", "query", "key", "value", "matrix", "network", "signal", "image", "pixel", "frame", "speaker",
         "graph", "node", "edge", "course", "lecture", "kitchen", "chef", "customer", "menu", "city", "river",
         "bridge", "train", "station", "library", "book", "author", "reader", "question", "answer", "garden")
VERBS = ("refused", "served", "cooked", "read", "wrote", "saw", "found", "built", "crossed", "explained",
         "ignored", "liked", "followed", "computed", "compared", "described", "opened", "closed", "moved", "changed")
ADJS = ("vegetarian", "long", "short", "quiet", "noisy", "old", "new", "red", "green", "small", "large",
        "careful", "tired", "hungry", "famous", "simple", "hidden", "empty", "busy", "bright")
ADVS = ("quickly", "slowly", "carefully", "only", "never", "often", "again", "finally", "suddenly", "rarely")
TEMPLATES = (
    "The {n1} {v1} the {n2}.",
    "The {a1} {n1} {v1} the {n2}, because it was {a2}.",
    "A {n1} {adv} {v1} a {a1} {n2} near the {n3}.",
    "Why did the {n1} {v0} the {n2}?",
    "The {n1} {v1} me a {n2}, because it {adv} {v1} {a1} {n3}s.",
    "When the {n1} {v1} the {n2}, the {n3} {v2} it {adv}.",
    "It was the {a1} {n1} that {v1} the {n2} in the {n3}.",
    "The {n1} and the {n2} {v1} the {a1} {n3}; then they {v2} the {n4}.",
    "{N1}s {adv} {v0} {a1} {n2}s, but this {n3} {v1} every {n4} it {v2}.",
    "The {n1} that the {a1} {n2} {v1} yesterday {v2} the {n3} of the {a2} {n4} again.",
    "Although the {n1} was {a1}, the {n2} {v1} it, and the {n3} {v2} the {a2} {n4} with a {n5}.",
)


# the pages the README's sections moved to, in the README's old order (the corpus stays about the same)
DOC_PAGES = ("text", "models", "audio", "pictures", "figures-and-page", "long-inputs", "chinese", "api",
             "attention-from-anywhere", "cnn-rnn", "errors", "performance", "development")


def readme_sentences(path: Path) -> list[str]:
    """Prose sentences of a Markdown file: no code blocks, tables, headings, or lines with markup."""
    text, prose, code = path.read_text(encoding="utf-8"), [], False
    for line in text.splitlines():
        if line.startswith("```"):
            code = not code
            continue
        if code or line.startswith(("#", "|", "    ", "!", "<")) or not line.strip():
            continue
        prose.append(line.strip())
    out = []
    for s in re.split(r"(?<=[.!?])\s+", " ".join(prose)):
        if re.fullmatch(r"[A-Za-z][A-Za-z ,;:'()\-]*[.!?]", s) and 5 <= len(s.split()) <= 40:
            out.append(s)
    return list(dict.fromkeys(out))


def generated(rng: random.Random) -> str:
    pick = {f"n{i}": rng.choice(NOUNS) for i in range(1, 6)}
    pick.update({f"v{i}": rng.choice(VERBS) for i in range(1, 3)})
    pick["v0"] = rng.choice(("read", "see", "find", "build", "like", "follow", "compare", "open", "move"))  # base form
    pick.update({f"a{i}": rng.choice(ADJS) for i in range(1, 3)}, adv=rng.choice(ADVS))
    pick["N1"] = pick["n1"].capitalize()
    return rng.choice(TEMPLATES).format(**pick)


def corpus(count: int, seed: int = 0) -> list[str]:
    pages = [ROOT / "README.md", *(ROOT / "docs" / f"{name}.md" for name in DOC_PAGES)]
    lines = list(dict.fromkeys(s for page in pages if page.exists() for s in readme_sentences(page)))[: count // 5]
    rng = random.Random(seed)
    while len(lines) < count:
        lines.append(generated(rng))
    return lines[:count]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="-", help="output file ('-': standard output)")
    args = ap.parse_args()
    text = "\n".join(corpus(args.count, args.seed)) + "\n"
    if args.out == "-":
        print(text, end="")
    else:
        Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
