"""Saving and loading models, writing a file whole; helpers of the subpackages."""

from ._files import atomic_write
from ._persistence import load_model, save_model

__all__ = ["atomic_write", "load_model", "save_model"]
