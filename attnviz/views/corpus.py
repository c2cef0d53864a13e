"""Views of a corpus run: progress on stderr, the head table over the corpus, its JSON, JSON Lines."""

from __future__ import annotations

import time

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..analysis.corpus import KEYS
from ..i18n import N_, _, ngettext
from .header import fit_header
from .style import fmt
from .terminal_model import special_columns

CORPUS_SCHEMA = "attnviz-corpus-heads/1"
UNITS = (N_("sentences"), N_("lines"))  # the units of Progress (given by the CLI), translated where shown


class Progress:
    """Progress on err: a rich bar on a terminal; else one plain line every `every` seconds.

    with Progress(sys.stderr, "sentences") as advance: advance(k, total) after k more items.
    unit: one of UNITS, shown in the language in use."""

    def __init__(self, err, unit: str, every: float = 5.0):
        self.err, self.unit, self.every = err, unit, every
        self.bar, self.done = None, 0

    def __enter__(self):
        self.start = self.last = time.monotonic()
        return self.advance

    def advance(self, k: int, total: int) -> None:
        self.done += k
        tty = getattr(self.err, "isatty", lambda: False)()
        if tty:
            if self.bar is None:
                from rich.progress import Progress as Bar

                self.bar = Bar(console=Console(file=self.err), transient=True)
                self.task = self.bar.add_task(_(self.unit), total=total)
                self.bar.start()
            self.bar.update(self.task, completed=self.done)
            return
        now = time.monotonic()
        if now - self.last >= self.every and self.done < total:
            self.last = now
            line = _("{done}/{total} {unit} ({percent}%), {seconds} s").format(
                done=self.done, total=total, unit=_(self.unit), percent=100 * self.done // total, seconds=f"{now - self.start:.0f}")
            self.err.write(f"attnviz: {line}\n")
            self.err.flush()

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()


def header(analysis) -> Text:
    from .terminal_model import layers_heads

    c = analysis.corpus
    t = Text()
    t.append("attnviz ", style="bold")
    counts = (ngettext("{n} sentence", "{n} sentences", analysis.sentences).format(n=analysis.sentences) + _(", ")
              + ngettext("{n} token", "{n} tokens", analysis.tokens).format(n=analysis.tokens))
    t.append(f"· {analysis.model.split('/')[-1]} · {layers_heads(analysis.layers, analysis.heads)} · {counts}")
    if c.blank:
        t.append(ngettext(" ({n} blank line skipped)", " ({n} blank lines skipped)", c.blank).format(n=c.blank))
    t.append("\n" + _("means over sentences of each one's mean over its tokens · layers, heads from 1"), style="dim")
    return t


def render_corpus(analysis, console: Console, top: int = 10) -> None:
    """Every head's summary over the corpus, or the heads ranked by mean α′(from → to)."""
    console.print(fit_header(header(analysis), console))
    p = analysis.pair
    rows = [(ln, hn) for ln in range(analysis.layers) for hn in range(analysis.heads)]
    if p is not None:
        rows.sort(key=lambda r: -p.mean[r])
        rows = rows[:top]
        title = ngettext("heads ranked by mean α′({source} → {target}) over the {n} sentence with both words "
                         "(“{source}” in {a}, “{target}” in {b})",
                         "heads ranked by mean α′({source} → {target}) over the {n} sentences with both words "
                         "(“{source}” in {a}, “{target}” in {b})", p.sentences).format(
            source=p.source, target=p.target, n=p.sentences, a=p.source_sentences, b=p.target_sentences)
    else:
        title = _("every head: entropy and where its attention goes (mean share of α′)")
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold", pad_edge=False)
    keys = ("sink", "self", "prev", "punct") if analysis.causal else KEYS[1:]  # a decoder: no later token, its first is the sink
    specials = special_columns(analysis.special_names)
    titles = {"sink": _("first"), "cls": specials[0], "sep": specials[1], "self": _("self"), "prev": _("prev"), "next": _("next"),
              "punct": _("punct")}
    for name in ["#", _("L"), _("H")] + (["α′", _("±sd")] if p is not None else []) + [_("bits")] + [titles[key] for key in keys]:
        table.add_column(name, justify="right", no_wrap=True)
    for k, (ln, hn) in enumerate(rows, start=1):
        s = analysis.summary(ln, hn)
        cells = [str(k), str(ln + 1), str(hn + 1)]
        if p is not None:
            cells += [fmt(float(p.mean[ln, hn]), 3), fmt(float(p.sd[ln, hn]), 3)]
        cells += [f"{s['entropy']:.2f}"] + [fmt(s[key], 3) for key in keys]
        table.add_row(*cells)
    console.print(Text("\n" + title, style="bold"))
    if p is not None and p.unseen:
        console.print(Text(ngettext(
            "({n} more sentence has both words but “{target}” only after “{source}”: in a decoder a token attends only "
            "to itself and earlier tokens, so it is not counted)",
            "({n} more sentences have both words but “{target}” only after “{source}”: in a decoder a token attends only "
            "to itself and earlier tokens, so they are not counted)", p.unseen).format(n=p.unseen, source=p.source, target=p.target),
            style="dim"))
    console.print(table)
    console.print(Text(_("bits: mean row entropy of α′; punct: share on punctuation tokens; α′ of words: summed over the "
                         "key word's pieces, averaged over the query word's"), style="dim"))


def corpus_document(analysis) -> dict:
    """`attnviz heads --file … --json`: schema attnviz-corpus-heads/1 (docs/drafts/model-json.md); 0-based."""
    p = analysis.pair
    heads = []
    for ln in range(analysis.layers):
        for hn in range(analysis.heads):
            row = {"layer": ln, "head": hn}
            if p is not None:
                row.update(alpha_prime=float(p.mean[ln, hn]), alpha_prime_sd=float(p.sd[ln, hn]))
            row.update(summary=analysis.summary(ln, hn), summary_sd=analysis.summary(ln, hn, sd=True))
            heads.append(row)
    if p is not None:
        heads.sort(key=lambda r: -r["alpha_prime"])
    c = analysis.corpus
    return {"schema": CORPUS_SCHEMA, "model": analysis.model, "file": c.name, "sentences": analysis.sentences,
            "tokens": analysis.tokens, "blank_lines": c.blank, "from": p.source if p else None, "to": p.target if p else None,
            "pair_sentences": p.sentences if p else None, "from_sentences": p.source_sentences if p else None,
            "to_sentences": p.target_sentences if p else None, "pair_sentences_skipped": p.unseen if p else None,
            "heads": heads}


def write_lines(corpus, analyze_one, include_vectors: bool, out, progress=None) -> None:
    """`show --file F --lines --json`: one attnviz/1 document per sentence (JSON Lines), in file order.
    analyze_one(text) -> an analysis; blank lines have no document."""
    from .present import write_json

    for text in corpus.lines:
        write_json(analyze_one(text), include_vectors, out)
        if progress:
            progress(1, len(corpus.lines))
