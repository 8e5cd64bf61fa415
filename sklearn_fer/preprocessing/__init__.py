"""Transformers from FER2013's raw formats to numeric features."""

from ._fer2013_transformer import FER2013Transformer

__all__ = ["FER2013Transformer"]
