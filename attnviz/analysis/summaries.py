"""What heads do, in numbers: summaries, rankings, strongest links; what b^i is near."""

from __future__ import annotations

import numpy as np


def head_summary(a: np.ndarray, specials: list[bool], causal: bool = False) -> dict[str, float]:
    """One head's α′ [n, n] in numbers: mean row entropy (bits) and the mean share of attention
    that goes to [CLS], [SEP] (any special token but the first; <s>, </s> in RoBERTa), self, the previous
    and the next token.  A decoder's (causal) adds `sink`: the mean share on the first token of every
    query after it (the first query has nothing else to attend to), the attention sink of Xiao et al. (2023)."""
    n = a.shape[0]
    idx = np.arange(n)
    safe = np.where(a > 0, a, 1.0)
    entropy = float((-(a * np.log2(safe)).sum(axis=1)).mean())
    first_special = specials[0] if specials else False
    seps = [j for j in range(1, n) if specials[j]]
    out = {
        "entropy": entropy,
        "cls": float(a[:, 0].mean()) if first_special else 0.0,
        "sep": float(a[:, seps].sum(axis=1).mean()) if seps else 0.0,
        "self": float(a[idx, idx].mean()),
        "prev": float(a[idx[1:], idx[:-1]].mean()) if n > 1 else 0.0,
        "next": float(a[idx[:-1], idx[1:]].mean()) if n > 1 else 0.0,
    }
    if causal:
        out["sink"] = float(a[1:, 0].mean()) if n > 1 else 1.0
    return out


def cross_summary(a: np.ndarray, key_specials: list[bool]) -> dict[str, float]:
    """head_summary() of cross-attention α′ [n_q, n_k] (queries and keys are different sequences):
    entropy, and the shares on the first key when special (cls) and on the other special keys (sep);
    self, prev and next are 0 (no key is the query's own position)."""
    safe = np.where(a > 0, a, 1.0)
    seps = [j for j in range(1, a.shape[1]) if key_specials[j]]
    return {"entropy": float((-(a * np.log2(safe)).sum(axis=1)).mean()),
            "cls": float(a[:, 0].mean()) if key_specials[0] else 0.0,
            "sep": float(a[:, seps].sum(axis=1).mean()) if seps else 0.0, "self": 0.0, "prev": 0.0, "next": 0.0}


def special_names(tokens: list[str], specials: list[bool]) -> tuple[str | None, str | None]:
    """What head_summary's cls and sep measure, as the model names it: the first token when it is
    special ([CLS], <s>), and the first other special token ([SEP], </s>); None for one the text lacks."""
    first = tokens[0] if specials and specials[0] else None
    rest = next((t for t, special in zip(tokens[1:], specials[1:]) if special), None)
    return first, rest


def strongest_links(analysis, top: int = 10) -> list[tuple[float, int, int, int, int]]:
    """(weight, layer, head, from, to) between words at least two apart — self, neighbours and
    special tokens left out (and a decoder's first token, its attention sink) — each (from, to)
    pair once, with its strongest head."""
    special = list(analysis.specials)
    if analysis.config.causal and special:
        special[0] = True
    n = len(analysis.tokens)
    near = np.abs(np.subtract.outer(np.arange(n), np.arange(n))) <= 1
    key_special = special
    if getattr(analysis, "keys", None) is not None:  # cross-attention: no key is near a query
        key_special = list(analysis.key_specials)
        near = np.zeros((n, len(analysis.keys)), dtype=bool)
    best: dict[tuple[int, int], tuple[float, int, int, int, int]] = {}
    for ln, layer in zip(analysis.layer_numbers, analysis.layers):
        for hn, hd in zip(analysis.head_numbers, layer.heads):
            a = hd.alpha_prime.copy()
            a[:, key_special] = 0
            a[special, :] = 0
            a[near] = 0
            for i, j in zip(*np.unravel_index(np.argsort(a, axis=None)[-top:], a.shape)):
                w = float(a[i, j])
                if w > best.get((i, j), (0.0,))[0]:
                    best[(int(i), int(j))] = (w, ln, hn, int(i), int(j))
    return sorted(best.values(), reverse=True)[:top]


def heads_ranking(analysis, i: int | None, j: int | None) -> list[dict]:
    """Every kept head as {layer, head (1-based), alpha_prime (of i → j), rank (of key j in row i), summary},
    ranked by α′(i → j) when i and j are given, else in layer/head order."""
    rows = []
    for ln, layer in zip(analysis.layer_numbers, analysis.layers):
        for hn, hd in zip(analysis.head_numbers, layer.heads):
            row = {"layer": ln, "head": hn, "summary": analysis.summaries[(ln, hn)]}
            if i is not None:
                row["alpha_prime"] = float(hd.alpha_prime[i, j])
                row["rank"] = int((hd.alpha_prime[i] > hd.alpha_prime[i, j]).sum()) + 1
            rows.append(row)
    if i is not None:
        rows.sort(key=lambda r: -r["alpha_prime"])
    return rows


def nearest(analysis, top: int = 4):
    """For each token, the vocabulary words nearest to b^i (cosine), when b^i lives in the word-vector
    space (identity projection, real word vectors); else None."""
    if not analysis.in_embedding_space:
        return None
    from ..inputs.wordvectors import nearest_words

    return nearest_words(analysis.layer.output, analysis.sequence.lexicon, analysis.options.input_norm, top)


PRONOUNS = ("it", "its", "they", "them", "their", "he", "him", "his", "she", "her")
DETERMINERS = ("the", "a", "an")


def suggested_link(analysis) -> tuple[int, int]:
    """A (query, key) pair worth a closer look, 0-based: the first pronoun after another word and
    the word after the first determiner before it (The restaurant … it), else the pronoun's
    strongest other key; without a pronoun, the strongest off-diagonal α′ of the first head."""
    tokens = [t.lower() for t in analysis.tokens]
    p = analysis.layers[0].heads[0].alpha_prime
    pronoun = next((i for i, t in enumerate(tokens) if t in PRONOUNS and i > 0), None)
    if pronoun is not None:
        det = next((k for k in range(pronoun - 1) if tokens[k] in DETERMINERS and tokens[k + 1] not in PRONOUNS), None)
        if det is not None:
            return pronoun, det + 1
        row = p[pronoun].copy()
        row[pronoun] = -1.0
        return pronoun, int(row.argmax())
    off = p.copy()
    np.fill_diagonal(off, -1.0)
    i, j = np.unravel_index(int(off.argmax()), off.shape)
    return int(i), int(j)


def model_installed(name: str = "minilm") -> bool:
    """Whether `attnviz heads --model NAME` would find the model (looked up, never imported or downloaded)."""
    from ..errors import AttnvizError
    from ..models.files import resolve_model

    try:
        resolve_model(name)
    except AttnvizError:
        return False
    return True


def model_names(text: str, tokens: list[str], picks: list[int], name: str = "minilm") -> list[str] | None:
    """How `attnviz heads --model NAME --from/--to` names the tokens picks (0-based, in `tokens`,
    this text's own tokens): the word when the model has it as one token found once, else its
    number from 1 in the model's numbering ([CLS] is 1).  None when a token cannot be placed.
    Only the tokenizer runs (≈ 40 ms), never the model (nor models.checkpoint, kept off the first screen)."""
    from ..models.files import resolve_model

    try:
        folder = resolve_model(name)
    except Exception:  # noqa: BLE001  no model: no hint (heads --model says why when run)
        return None
    quick = names_by_vocabulary(text, [tokens[i] for i in picks], folder)
    if quick is not None:
        return quick
    from tokenizers import Tokenizer

    starts, at = [], 0
    for t in tokens:  # each token's first character in text, in order
        at = text.find(t, at)
        if at < 0:
            return None
        starts.append(at)
        at += len(t)
    try:
        tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    except Exception:  # noqa: BLE001  an unreadable tokenizer: no hint (heads --model says why when run)
        return None
    tok.no_truncation()
    enc = tok.encode(text)
    pieces = [t.lower() for t in enc.tokens]
    first = {start: k for k, ((start, end), w) in reversed(list(enumerate(zip(enc.offsets, enc.word_ids)))) if w is not None}
    names = []
    for i in picks:
        k = first.get(starts[i])
        if k is None:
            return None
        whole = enc.offsets[k][1] == starts[i] + len(tokens[i])
        names.append(tokens[i] if whole and pieces.count(pieces[k]) == 1 else str(k + 1))
    return names


def names_by_vocabulary(text: str, words: list[str], folder) -> list[str] | None:
    """model_names without the tokenizer (its 40 ms are most of a first screen's cost over numpy's
    import), when it is sure to give the words themselves: a lower-casing WordPiece model (vocab.txt,
    do_lower_case) whose vocabulary has each word, ASCII letters only, and no other word of the text
    starting with it (whose first piece could be the same token).  None: ask the tokenizer."""
    import json
    import re

    try:
        if json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8")).get("do_lower_case") is not True:
            return None
        low = text.lower()
        if not all(w.isascii() and w.isalpha() and len(re.findall(rf"\b{w.lower()}", low)) == 1 for w in words):
            return None
        vocab = set((folder / "vocab.txt").read_text(encoding="utf-8").split("\n"))
    except (OSError, ValueError, AttributeError):
        return None
    return list(words) if all(w.lower() in vocab for w in words) else None
