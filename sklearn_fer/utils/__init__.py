"""Saving and loading models; private helpers shared by the subpackages."""

from ._persistence import load_model, save_model

__all__ = ["load_model", "save_model"]
