"""attnviz: see self-attention.  `attnviz.analyze(text, heads=4)` -> a Result (see attnviz.api)."""

__version__ = "0.3.0"


def __getattr__(name):  # the CLI imports attnviz on every start: the library loads only when used
    if name in ("analyze", "analyze_model", "atlas", "Options", "Result"):
        from . import api

        return getattr(api, name)
    if name in ("view", "view_file", "analyze_transformers"):  # attention from anywhere (attnviz/given.py)
        from . import given

        return getattr(given, name)
    if name in ("conv", "rnn"):  # the notes' comparisons (README: "Self-attention, CNN and RNN")
        from . import api_notes

        return getattr(api_notes, name)
    if name in ("set_language", "language"):  # the views' language: attnviz.set_language("zh")
        from . import i18n

        return getattr(i18n, name)
    raise AttributeError(name)
