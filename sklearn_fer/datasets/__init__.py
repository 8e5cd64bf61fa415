"""FER2013 loading and streaming, the emotion names, synthetic faces, the split."""

from ._emotions import EMOTIONS, USAGES, emotion_codes
from ._faces import make_faces
from ._fer2013 import emotion_target, iter_fer2013, load_fer2013
from ._pixels import IMAGE_SHAPE, N_PIXELS, parse_pixel_rows, pixel_feature_names
from ._splits import train_test_by_usage

__all__ = [
    "EMOTIONS",
    "IMAGE_SHAPE",
    "N_PIXELS",
    "USAGES",
    "emotion_codes",
    "emotion_target",
    "iter_fer2013",
    "load_fer2013",
    "make_faces",
    "parse_pixel_rows",
    "pixel_feature_names",
    "train_test_by_usage",
]
