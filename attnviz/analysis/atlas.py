"""What each head does, measured: per-head scores from α′ and the roles they pass.  Pure numpy.

Every score is a mean over queries of a share of α′ (or a distance, an entropy), defined so that it
means the same for an encoder (every key visible) and a decoder (the future masked: α′ is 0 there).

On the user's text, over the *text queries* Q (every token but the special ones and the first: the
first token of a decoder sees only itself, so its row says nothing about the head):
    sink      Σ_{j∈S} α′_ij, S = the first token and every special token ([CLS], [SEP], BOS)
    special   Σ_{j special} α′_ij (without a BOS, as GPT-2, the sink is a word and this is 0)
    self      α′_ii
    previous  α′_{i,i−1}              next  α′_{i,i+1} (always 0 in a decoder: the future is masked)
    distance  Σ_j α′_ij |i − j|       entropy  −Σ_j α′_ij log2 α′_ij (bits)
    breadth   entropy_i / log2(keys query i sees): 0 one key, 1 uniform over what it may see
On the probe (frame + r_1 … r_T + r_1 … r_T, r drawn without repeats): for t = 1 … T the second
copy's token at P + T + t attends to its first occurrence P + t (duplicate) and to the token after
it, P + t + 1 (induction); each score the mean of those T weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

TEXT_SCORES = ("sink", "special", "self", "previous", "next", "distance", "entropy", "breadth")
PROBE_SCORES = ("induction", "duplicate")
SCORES = TEXT_SCORES + PROBE_SCORES


@dataclass(frozen=True)
class Role:
    name: str  # as JSON writes it
    letter: str  # the terminal grid's mark
    score: str  # the score it is read from
    threshold: float  # the score at which a head has the role
    source: str  # where the head type was described


# Most specific first: a tie of margins goes to the earlier role.  `sink` is shown only when no other
# role passes: a head parks on the sink what it does not use (Xiao et al. 2023), so induction heads
# are sinks too.
ROLES = (
    Role("induction", "I", "induction", 0.4, "Olsson et al. 2022"),
    Role("duplicate", "D", "duplicate", 0.4, "Wang et al. 2023"),
    Role("previous", "P", "previous", 0.5, "Clark et al. 2019"),
    Role("next", "N", "next", 0.5, "Clark et al. 2019"),
    Role("self", "C", "self", 0.5, "Kovaleva et al. 2019 (diagonal)"),
    Role("broad", "B", "breadth", 0.85, "Clark et al. 2019 (broad attention); Kovaleva et al. 2019 (heterogeneous)"),
    Role("sink", "S", "sink", 0.5, "Xiao et al. 2023; Clark et al. 2019 ([CLS]/[SEP])"),
)
ROLE = {r.name: r for r in ROLES}


@dataclass
class Atlas:
    """Every head's scores on a text and on a probe, and the roles they pass."""

    model: str  # the name the user gave (minilm) or the path
    family: str  # the model_type computed (bert, llama, …)
    causal: bool
    kv_heads: int
    text: str
    tokens: list[str]
    ids: list[int]  # the text's token ids
    specials: list[bool]  # [CLS]/[SEP]/BOS-like tokens of the text
    probe_ids: list[int]  # the whole probe, frame included
    probe_tokens: list[str]
    probe_length: int  # T: the probe is frame + T random tokens + the same T again
    probe_start: int  # P: index of the first random token (1 after [CLS] or BOS, 0 without)
    seed: int
    scores: dict[str, np.ndarray]  # name -> [layers, heads]
    text_alpha: np.ndarray = field(repr=False)  # [layers, heads, n, n] α′ on the text
    probe_alpha: np.ndarray = field(repr=False)  # [layers, heads, N, N] α′ on the probe

    @property
    def layers(self) -> int:
        return self.scores["sink"].shape[0]

    @property
    def heads(self) -> int:
        return self.scores["sink"].shape[1]

    def roles(self) -> list[list[list[str]]]:
        """[layers][heads] -> the roles each head passes, strongest first (empty: none)."""
        return head_roles(self.scores)

    def ranked(self, role: str, top: int = 5) -> list[tuple[int, int, float]]:
        """The heads with `role` as (layer, head 1-based, score), highest score first."""
        score = self.scores[ROLE[role].score]
        passing = [(ln + 1, hn + 1, float(score[ln, hn])) for ln, row in enumerate(self.roles())
                   for hn, names in enumerate(row) if role in names]
        return sorted(passing, key=lambda r: -r[2])[:top]


def head_roles(scores: dict[str, np.ndarray]) -> list[list[list[str]]]:
    """Each head's passing roles, ordered by margin (score / threshold), sink always last."""
    layers, heads = scores["sink"].shape
    out = []
    for ln in range(layers):
        row = []
        for hn in range(heads):
            passing = [r for r in ROLES if scores[r.score][ln, hn] >= r.threshold]
            passing.sort(key=lambda r: (r.name == "sink", -scores[r.score][ln, hn] / r.threshold))
            row.append([r.name for r in passing])
        out.append(row)
    return out


def text_queries(specials: list[bool]) -> np.ndarray:
    """Q: the queries whose rows the text scores average (not special, not the first token)."""
    return np.array([i for i, s in enumerate(specials) if i > 0 and not s], dtype=int)


def text_scores(a: np.ndarray, mask: np.ndarray, specials: list[bool]) -> dict[str, np.ndarray]:
    """One layer's heads on the text: a [H, n, n] α′ (0 where masked), mask [n, n] True = visible ->
    each of TEXT_SCORES as [H]."""
    n = a.shape[-1]
    q = text_queries(specials)
    if len(q) == 0:  # a text of special tokens only: every score is about no query
        return {name: np.zeros(a.shape[0]) for name in TEXT_SCORES}
    rows = a[:, q, :].astype(np.float64)  # [H, |Q|, n]
    special = np.array(specials, dtype=bool)
    sink = special.copy()
    sink[0] = True
    dist = np.abs(q[:, None] - np.arange(n)[None, :])  # [|Q|, n]
    bits = -(rows * np.log2(np.where(rows > 0, rows, 1.0))).sum(-1)  # [H, |Q|]
    seen = mask[q].sum(-1)  # [|Q|] keys each query may see
    wide = seen > 1
    return {
        "sink": rows[:, :, sink].sum(-1).mean(-1),
        "special": rows[:, :, special].sum(-1).mean(-1),
        "self": rows[:, np.arange(len(q)), q].mean(-1),
        "previous": _mean_at(rows, q, -1, n),
        "next": _mean_at(rows, q, +1, n),
        "distance": (rows * dist).sum(-1).mean(-1),
        "entropy": bits.mean(-1),
        "breadth": (bits[:, wide] / np.log2(seen[wide])).mean(-1) if wide.any() else np.zeros(a.shape[0]),
    }


def _mean_at(rows: np.ndarray, q: np.ndarray, offset: int, n: int) -> np.ndarray:
    """Mean of α′_{i, i+offset} over the queries of Q whose neighbour exists ([H]; 0 when none has one)."""
    ok = (q + offset >= 0) & (q + offset < n)
    if not ok.any():
        return np.zeros(rows.shape[0])
    return rows[:, np.flatnonzero(ok), q[ok] + offset].mean(-1)


def probe_scores(a: np.ndarray, start: int, length: int) -> dict[str, np.ndarray]:
    """One layer's heads on the probe: a [H, N, N] α′, start P, length T -> induction and duplicate [H]."""
    t = np.arange(length)
    second = start + length + t  # the second copy's queries
    return {
        "induction": a[:, second, start + t + 1].astype(np.float64).mean(-1),
        "duplicate": a[:, second, start + t].astype(np.float64).mean(-1),
    }


def layer_mask(layer, n: int, causal: bool) -> np.ndarray:
    """The [n, n] visibility of a LayerResult: its own mask, else all (encoder) or j ≤ i (decoder)."""
    if getattr(layer, "mask", None) is not None:
        return np.asarray(layer.mask, dtype=bool)
    return np.tril(np.ones((n, n), dtype=bool)) if causal else np.ones((n, n), dtype=bool)
