"""`attnviz heads --json`: a sentence's heads ranked (schema attnviz-heads/1), or a corpus's
(attnviz-corpus-heads/1, views/corpus.py).

Not in jsondoc: views/corpus.py writes JSON Lines through present (and so jsondoc), and this needs
corpus_document; here both are imported and neither imports the other back.
"""

from __future__ import annotations

from ..analysis.corpus import CorpusAnalysis
from ..analysis.summaries import heads_ranking
from .corpus import corpus_document
from .jsondoc import dumps


def heads_document(analysis, i: int | None, j: int | None) -> str:
    """`attnviz heads --json`: schema attnviz-heads/1, every head ranked by α′(i → j) (0-based indices).
    A corpus (heads --file): schema attnviz-corpus-heads/1 from views/corpus.py; i and j unused."""
    if isinstance(analysis, CorpusAnalysis):
        return dumps(corpus_document(analysis))

    rows = [{"layer": r["layer"] - 1, "head": r["head"] - 1, **({"alpha_prime": r["alpha_prime"]} if i is not None else {}),
             "summary": r["summary"]} for r in heads_ranking(analysis, i, j)]
    return dumps({"schema": "attnviz-heads/1", "model": analysis.config.model, "tokens": analysis.tokens,
                  "from": i, "to": j, "heads": rows})
