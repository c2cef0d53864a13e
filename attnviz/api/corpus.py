"""A corpus, one text a line: each line's Result (analyze_lines), their JSON Lines (write_lines: what
`show --file F --lines --json` writes), and every head over it (corpus_heads: `heads --file`).

    for r in attnviz.analyze_lines("corpus.txt", model="minilm"): r.tokens
    attnviz.write_lines(sys.stdout, "corpus.txt")
    attnviz.corpus_heads("corpus.txt", source="it", target="restaurant").ranking()[0]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from ..errors import UsageError
from ..options import Options
from .checks import check_arguments, check_generate, options_of
from .results import Result, _warn

__all__ = ["CorpusHeads", "analyze_lines", "blank_lines_message", "corpus_heads", "read_lines", "write_lines"]


def read_lines(path: str | None = None, lines: Iterable[str] | None = None):
    """The corpus (analysis.corpus.Corpus: its non-blank lines, their numbers, the blank lines counted)
    of a UTF-8 file, read as `show --file` reads it, or of the given lines."""
    from ..analysis.corpus import corpus_of, read_corpus

    if (path is None) == (lines is None):
        raise UsageError("give a corpus: `path` (a UTF-8 file, one text a line) or `lines`, not both", "path")
    return read_corpus(path) if path is not None else corpus_of([str(line) for line in lines])


def blank_lines_message(n: int) -> str:
    """What `show --lines` warns when n lines were blank (they have no document)."""
    from ..i18n import ngettext

    return ngettext("{n} blank line skipped: document k is the k-th non-blank line",
                    "{n} blank lines skipped: document k is the k-th non-blank line", n).format(n=n)


def analyze_lines(path: str | None = None, options: Options | None = None, *, lines: Iterable[str] | None = None,
                  model: str | None = None, words: bool = False, layer: int | None = None, head: int | None = None,
                  generate: int = 0, accept_cost: bool = False, blank: Callable[[int], None] | None = None,
                  **kw) -> "LineResults":
    """One Result per non-blank line of `path` (or of `lines`), in order, each as analyze(line, …) gives it
    (options, model, words, layer, head, generate as there).  Checked before the first Result: with a
    `model`, every line against its position limit; without, every line's tokens against DENSE_MAX
    (a line's Result holds full matrices) and for a word the vectors know.  blank(n) is told how many lines were blank (default: an
    AttnvizWarning when some were).  The Results are computed as they are read (len(): how many)."""
    from ..cost import accepting
    from .analyze import analyze

    opts = options_of(options, kw)
    check_arguments(compare=None, head=head, layer=layer)
    check_generate(generate)
    corpus = read_lines(path, lines)
    with accepting(accept_cost):
        check_lines(corpus, model, opts)
    if blank is not None:
        blank(corpus.blank)
    elif corpus.blank:
        _warn([blank_lines_message(corpus.blank)])

    def one(line: str) -> Result:
        result = analyze(line, opts, model=model, words=words, layer=layer, head=head, generate=generate,
                         accept_cost=accept_cost)
        result.inputs.update({"file": str(path)} if path is not None else {})  # its save() must spare the corpus too
        return result

    return LineResults(corpus, one)


class LineResults:
    """A corpus's Results, one per non-blank line, each computed when iteration reaches it.
    len(): how many; .corpus: the lines, their numbers in the file, the blank lines counted."""

    def __init__(self, corpus, one: Callable[[str], Result]):
        self.corpus, self._one = corpus, one

    def __len__(self) -> int:
        return len(self.corpus.lines)

    def __iter__(self) -> Iterator[Result]:
        return (self._one(line) for line in self.corpus.lines)


def check_lines(corpus, model: str | None, opts: Options) -> None:
    """Every line fits one document, before the first is written: a model's position limit (each
    line encoded), or DENSE_MAX tokens for word vectors (each line tokenized)."""
    if model is not None:
        from ..models.checkpoint import encode_batch, open_model

        encode_batch(open_model(model), corpus.lines, [f"{corpus.name} line {k}" for k in corpus.numbers])
    else:
        from ..analysis.corpus import check_line_lengths

        check_line_lengths(corpus, opts)


def write_lines(out, path: str | None = None, options: Options | None = None, *, include_vectors: bool = False,
                progress: Callable[[int, int], None] | None = None, **kw) -> None:
    """What `show --file F --lines --json` writes: one attnviz/1 document per non-blank line, in order
    (JSON Lines), to the text stream `out`.  Every other argument as analyze_lines (lines=, model=, blank=,
    …); every line is checked before the first document.  progress(1, total) after each line."""
    write_results(analyze_lines(path, options, **kw), out, include_vectors, progress)


def write_results(results: LineResults, out, include_vectors: bool = False, progress=None) -> None:
    """Each Result's document as one line of out, as it is computed; progress(1, total) after each."""
    from ..views.present import write_json

    for result in results:
        write_json(result.analysis, include_vectors, out)
        if progress:
            progress(1, len(results))


def corpus_heads(path: str | None = None, *, lines: Iterable[str] | None = None, model: str = "minilm",
                 source: str | None = None, target: str | None = None,
                 progress: Callable[[int, int], None] | None = None) -> "CorpusHeads":
    """What `heads --file` computes: every head's summary (entropy, [CLS], [SEP], self, prev, next,
    punct; a decoder's sink) averaged over a corpus, one sentence a line of `path` (or `lines`); with
    source and target (whole words, the CLI's --from and --to), mean α′(source → target) over the
    sentences with both words, and the heads ranked by it.  progress(k, total) after each batch."""
    from ..analysis import corpus

    return CorpusHeads(corpus.analyze_corpus(read_lines(path, lines), model, source, target, progress))


class CorpusHeads:
    """Heads over a corpus (analysis.corpus.CorpusAnalysis in .analysis) and its views."""

    def __init__(self, analysis):
        self.analysis = analysis

    def __repr__(self) -> str:
        a = self.analysis
        return f"<attnviz corpus heads: {a.model}, {a.sentences} sentences, {a.layers} layers × {a.heads} heads>"

    def ranking(self) -> list[dict]:
        """Every head as `heads --file --json` lists it (layer, head 0-based; summary, summary_sd; with
        source and target: alpha_prime, alpha_prime_sd, strongest first)."""
        return self.to_dict()["heads"]

    def to_dict(self) -> dict:
        """The JSON document (schema attnviz-corpus-heads/1) as a dict."""
        from ..views.corpus import corpus_document

        return corpus_document(self.analysis)

    def to_json(self) -> str:
        """What `heads --file … --json` writes."""
        from ..views.heads_json import heads_document

        return heads_document(self.analysis, None, None) + "\n"

    def table(self, width: int = 80, top: int = 10, color: bool = False, lang: str | None = None) -> str:
        """What `heads --file` prints in a terminal this wide (top: heads listed with source and target)."""
        import io

        from ..i18n import using
        from ..views.corpus import render_corpus
        from ..views.screen import Screen

        buffer = io.StringIO()
        with using(lang):
            render_corpus(self.analysis, Screen(buffer, width, "truecolor" if color else None), top)
        return buffer.getvalue()
