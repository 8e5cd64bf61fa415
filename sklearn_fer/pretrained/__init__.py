"""Models shipped inside sklearn-fer: an emotion for a face without training.

Nothing is downloaded: the files are package data, loaded by the safe loader
(:func:`sklearn_fer.utils.load_model`). ``python -m sklearn_fer.pretrained.build``
rebuilds them from FER2013, seeded, fit on Training only.
"""

from ._registry import PretrainedModel, list_pretrained, load_pretrained

__all__ = ["PretrainedModel", "list_pretrained", "load_pretrained"]
