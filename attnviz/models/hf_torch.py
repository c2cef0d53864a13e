"""torch and transformers, imported on demand for `backend` transformers (the optional extra
attnviz[transformers]).  Its own module so that models.hf (text) and models.hf_media (pictures,
sounds) both import it without importing each other."""

from __future__ import annotations

from ..errors import UsageError

INSTALL = "pip install 'attnviz[transformers]' (torch and transformers)"


def imported():
    """(torch, transformers), or a UsageError saying how to install them."""
    try:
        import torch
        import transformers
    except ImportError as e:
        raise UsageError(f"`backend` transformers needs torch and transformers ({e.name} is missing): {INSTALL}",
                         "backend") from None
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()  # stderr keeps attnviz's lines only
    return torch, transformers
