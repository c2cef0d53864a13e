"""The library: input -> set of vectors -> attention -> analysis, and its views, in a few lines.

    import attnviz
    a = attnviz.analyze("The restaurant refused …", heads=4, window=3)
    a.alpha, a.alpha_prime, a.tokens            # [layers, heads, n, n] arrays, the labels
    a.to_json(); a.figure(); a.save("x.png"); a.table()
    m = attnviz.analyze("…", model="minilm"); m.heads_ranking("it", "restaurant")

The CLI is one client of this package:
    checks.py   the argument checks (a leaf: every other module may use it)
    results.py  Result, AtlasResult (what every call returns) and AttnvizWarning
    analyze.py  analyze(), analyze_model(), analyze_long(), atlas()
    corpus.py   a corpus line by line (analyze_lines, write_lines) and heads over it (corpus_heads)
    pe.py       the positional-encoding table (positional_encoding)
    given.py    attention from anywhere (view, view_file, analyze_transformers)
    notes.py    the notes' comparisons (rnn, conv)
"""

from __future__ import annotations

from ..errors import UsageError
from ..options import DENSE_MAX, Options
# analyze_compare, analyze_model_checked and the checks: attnviz.api.X as before the split (api.py was one module)
from .analyze import analyze, analyze_compare, analyze_long, analyze_model, analyze_model_checked, atlas
from .checks import MAX_GENERATE, check_arguments, check_generate, check_head, check_save, options_of
from .corpus import CorpusHeads, analyze_lines, corpus_heads, write_lines
from .pe import PETable, positional_encoding
from .results import AtlasResult, AttnvizWarning, Result

__all__ = ["AtlasResult", "AttnvizWarning", "CorpusHeads", "DENSE_MAX", "Options", "PETable", "Result", "UsageError",
           "analyze", "analyze_lines", "analyze_long", "analyze_model", "atlas", "corpus_heads", "positional_encoding",
           "write_lines"]
