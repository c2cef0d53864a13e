"""Qwen3 (model_type qwen3): see models/qwen.py."""

from .qwen import *  # noqa: F401,F403
from .qwen import read_qwen3 as read_config  # noqa: F401
