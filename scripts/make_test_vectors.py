"""Write the tiny vector files in tests/data (one per format gensim reads).  Deterministic.

    python scripts/make_test_vectors.py
"""

from pathlib import Path

import numpy as np
from gensim.models import FastText, KeyedVectors
from gensim.models.fasttext import save_facebook_model

OUT = Path(__file__).resolve().parent.parent / "tests" / "data"
WORDS = "the restaurant refused to serve me a ham sandwich because it only cooks vegetarian food bread".split()
DIM = 8


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    kv = KeyedVectors(DIM)
    kv.add_vectors(WORDS, rng.normal(size=(len(WORDS), DIM)).astype(np.float32))
    kv.save_word2vec_format(str(OUT / "tiny.w2v.txt"), binary=False)
    kv.save_word2vec_format(str(OUT / "tiny.w2v.bin"), binary=True)
    kv.save_word2vec_format(str(OUT / "tiny.vec"), binary=False)  # fastText's text format
    with open(OUT / "tiny.glove.txt", "w") as f:  # GloVe: no header line
        for w in WORDS:
            f.write(w + " " + " ".join(f"{x:.6f}" for x in kv[w]) + "\n")
    sentences = [WORDS, WORDS[::-1], WORDS[3:] + WORDS[:3]] * 5
    ft = FastText(vector_size=DIM, window=3, min_count=1, min_n=3, max_n=4, bucket=500, seed=7, workers=1)
    ft.build_vocab(corpus_iterable=sentences)
    ft.train(corpus_iterable=sentences, total_examples=len(sentences), epochs=2)
    save_facebook_model(ft, str(OUT / "tiny.fasttext.bin"))


if __name__ == "__main__":
    main()
