"""Transformers from FER2013's raw formats to numeric features.

``FER2013Transformer`` parses pixel strings; ``HOGTransformer`` and
``PatchKMeansEncoder`` turn faces (pixel rows or images) into features that a
linear model separates better than raw pixels.
"""

from ..utils._image_geometry import crop_center
from ._face_cropper import FaceCropper, FaceCrops, FaceLocations, crop_faces
from ._fer2013_transformer import FER2013Transformer
from ._hog import HOGTransformer
from ._patch_kmeans import PatchKMeansEncoder

__all__ = [
    "FER2013Transformer",
    "FaceCropper",
    "FaceCrops",
    "FaceLocations",
    "HOGTransformer",
    "PatchKMeansEncoder",
    "crop_center",
    "crop_faces",
]
