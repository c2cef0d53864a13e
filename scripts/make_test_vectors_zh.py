"""Write tests/data/tiny.zh.w2v.txt: a small Chinese vectors file (word2vec text format, like the
Chinese-Word-Vectors sgns files) with word- and character-level entries.  Deterministic.

    python scripts/make_test_vectors_zh.py

The words are built by hand from 8 named directions, so which words are near which is explicit:

    dim  0 place  1 food  2 vegetarian  3 bread  4 meat  5 refusal  6 cause  7 person

    餐厅 restaurant  = place + .8 food          它 it        = .9 place + .3 vegetarian
    素食 vegetarian  = .9 food + vegetarian      火腿 ham     = .8 bread + meat
    三明治 sandwich  = .7 food + bread           拒绝 refuse  = refusal + .2 vegetarian
    素食者 vegetarian (person) = vegetarian + .8 person, …

so, by cosine, the intended links in 餐厅拒绝给我一个火腿三明治，因为它只做素食。 are
    它 ↔ 餐厅 (.74: the notes' "it" → "restaurant"), 三明治 ↔ 火腿 (.51: ham sandwich),
    素食 → 餐厅 (.42, before 三明治 .38): 餐厅/素食/三明治 share the food direction.
Every character of those words also has an entry (seeded random: character-level vectors that
know nothing of the words), so a tokenizer that splits characters finds vectors too, but not the
links.  The character vectors absorb the mean, so the file's mean is 0 and centering
(--input-norm standard) keeps the designed cosines.  三明 is deliberately absent (三 and 明 are
present): longest match must reach 三明治.  鳕 (cod) is absent altogether.
"""

from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "tiny.zh.w2v.txt"
DIM = 8
PLACE, FOOD, VEG, BREAD, MEAT, REFUSAL, CAUSE, PERSON = range(DIM)
WORDS = {  # word: {direction: weight}
    "餐厅": {PLACE: 1.0, FOOD: 0.8},
    "素食": {FOOD: 0.9, VEG: 1.0},
    "三明治": {FOOD: 0.7, BREAD: 1.0},
    "火腿": {BREAD: 0.8, MEAT: 1.0},
    "它": {PLACE: 0.9, VEG: 0.3},
    "拒绝": {REFUSAL: 1.0, VEG: 0.2},
    "因为": {CAUSE: 1.0},
    "给": {PERSON: 0.5, CAUSE: 0.3},
    "我": {PERSON: 1.0},
    "一个": {BREAD: 0.2, CAUSE: 0.2, PERSON: 0.2},
    "只": {REFUSAL: 0.7, VEG: 0.3, PERSON: 0.3},
    "做": {MEAT: 0.2, CAUSE: 0.4, PERSON: 0.1},
    "素食者": {VEG: 1.0, PERSON: 0.8},
    "餐": {FOOD: 0.3},
}
CHARS = "餐厅素食三明治火腿拒绝因为一个者"  # 餐 is above (a word of its own); the rest random


def vectors() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(12)
    out = {}
    for word, parts in WORDS.items():
        v = np.zeros(DIM)
        for dim, weight in parts.items():
            v[dim] = weight
        out[word] = v
    chars = [ch for ch in CHARS if ch not in out]
    noise = rng.normal(scale=0.3, size=(len(chars), DIM))
    noise -= (noise.sum(axis=0) + sum(out.values())) / len(chars)  # the file's mean becomes 0
    out.update(zip(chars, noise))
    return out


def main() -> None:
    table = vectors()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{len(table)} {DIM}"] + [w + " " + " ".join(f"{x:.4f}" for x in v) for w, v in table.items()]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
