"""FER2013 loading and streaming, the emotion names, and synthetic faces."""

from ._emotions import EMOTIONS, USAGES, emotion_codes
from ._faces import make_faces
from ._fer2013 import iter_fer2013, load_fer2013
from ._pixels import IMAGE_SHAPE, N_PIXELS, parse_pixel_rows, pixel_feature_names

__all__ = [
    "EMOTIONS",
    "IMAGE_SHAPE",
    "N_PIXELS",
    "USAGES",
    "emotion_codes",
    "iter_fer2013",
    "load_fer2013",
    "make_faces",
    "parse_pixel_rows",
    "pixel_feature_names",
]
