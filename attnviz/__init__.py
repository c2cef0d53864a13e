"""attnviz: see self-attention.  `attnviz.analyze(text, heads=4)` -> a Result (see attnviz.api)."""

__version__ = "0.3.0"

# the public API, each name -> the module that defines it (imported on first use: the CLI imports
# attnviz on every start, and the library loads only when used)
_LAZY = {
    **dict.fromkeys(("analyze", "analyze_model", "atlas", "Options", "Result"), "api"),
    **dict.fromkeys(("view", "view_file", "analyze_transformers"), "api.given"),  # attention from anywhere
    **dict.fromkeys(("analyze_lines", "write_lines", "corpus_heads"), "api.corpus"),  # a corpus, one text a line
    "positional_encoding": "api.pe",  # what `attnviz pe` prints and saves
    **dict.fromkeys(("conv", "rnn"), "api.notes"),  # the notes' comparisons (README: "Self-attention, CNN and RNN")
    **dict.fromkeys(("set_language", "language"), "i18n"),  # the views' language: attnviz.set_language("zh")
    "register_score": "api.registry",  # a score of your own, in every view: attnviz.register_score(name, fn, formula=…)
}
__all__ = ["__version__", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'attnviz' has no attribute {name!r}")


def __dir__():
    """What a notebook's Tab and dir(attnviz) show: the public API, though it is not imported yet."""
    return sorted(set(globals()) | set(_LAZY))
