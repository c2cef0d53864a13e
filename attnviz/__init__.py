"""attnviz: see self-attention.  Library API: attnviz.api.analyze(text, Options(...))."""

__version__ = "0.1.0"
