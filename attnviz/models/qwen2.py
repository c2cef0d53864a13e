"""Qwen2 (model_type qwen2): see models/qwen.py."""

from .qwen import *  # noqa: F401,F403
from .qwen import read_qwen2 as read_config  # noqa: F401
