"""Transformers from FER2013's raw formats to numeric features.

``FER2013Transformer`` parses pixel strings; ``HOGTransformer`` and
``PatchKMeansEncoder`` turn faces (pixel rows or images) into features that a
linear model separates better than raw pixels.
"""

from ._fer2013_transformer import FER2013Transformer
from ._hog import HOGTransformer
from ._patch_kmeans import PatchKMeansEncoder

__all__ = ["FER2013Transformer", "HOGTransformer", "PatchKMeansEncoder"]
