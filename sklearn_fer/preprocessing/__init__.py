"""Transformers from FER2013's raw formats to numeric features."""

from ..datasets._geometry import crop_center
from ._face_cropper import FaceCropper, FaceCrops, crop_faces
from ._fer2013_transformer import FER2013Transformer

__all__ = [
    "FER2013Transformer",
    "FaceCropper",
    "FaceCrops",
    "crop_center",
    "crop_faces",
]
