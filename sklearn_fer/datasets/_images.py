"""Faces read from image files: the image-folder release and single photos.

One reader for every image the package opens, so that the loader
(``load_fer2013`` on the image-folder release) and the command line
(``sklearn-fer predict face.png``) agree on which files are images, how they
become 48 x 48 grey levels, and what an unreadable file says. Like
scikit-learn's ``_load_imgs`` for the LFW loaders. Pillow (the ``images``
extra) is imported only here and only when an image is read.
"""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ..utils._parallel import n_threads
from ._emotions import EMOTIONS
from ._pixels import IMAGE_SHAPE, N_PIXELS

#: Suffixes of the image files listed in an image folder (case-insensitive).
IMAGE_SUFFIXES = (
    ".bmp",
    ".gif",
    ".jpeg",
    ".jpg",
    ".pgm",
    ".png",
    ".tif",
    ".tiff",
    ".webp",
)
#: Faces per block when decoding an image folder.
IMAGE_BLOCK = 1024


def _pillow(purpose: str):
    """``PIL.Image``, or an ImportError that says how to install it."""
    try:
        from PIL import Image
    except ImportError as exc:
        raise ImportError(
            f"{purpose} needs Pillow: pip install 'sklearn-fer[images]'."
        ) from exc
    return Image


def read_face(path, *, resize: bool = False) -> np.ndarray:
    """One face from an image file, as 2304 grey levels 0-255.

    Parameters
    ----------
    path : str or path-like
        Any image Pillow reads.
    resize : bool, default=False
        False: the image must already be 48 x 48 (a FER2013 face). True: an
        image of any size is resized to 48 x 48.

    Returns
    -------
    face : ndarray of shape (2304,), dtype uint8

    Raises
    ------
    ValueError
        The file is not an image Pillow can read, or (``resize=False``) is not
        48 x 48; the message names the file.
    """
    Image = _pillow("Reading image files")
    with Image.open(path) as image:
        if resize:
            image = image.convert("L").resize(
                IMAGE_SHAPE[::-1], Image.Resampling.BILINEAR
            )
        pixels = np.asarray(image.convert("L"), dtype=np.uint8)
    if pixels.shape != IMAGE_SHAPE:
        raise ValueError(
            f"{path}: image is {pixels.shape[1]}x{pixels.shape[0]} pixels; FER2013 "
            f"faces are {IMAGE_SHAPE[1]}x{IMAGE_SHAPE[0]}."
        )
    return pixels.reshape(N_PIXELS)


def is_image(path) -> bool:
    """Whether ``path`` is a file that Pillow recognises as an image.

    Recognised by content, not by suffix, so that a ``.webp`` or a suffix-less
    photo is not taken for a CSV file. Without Pillow, by suffix.
    """
    if not Path(path).is_file():
        return False
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        return Path(path).suffix.lower() in IMAGE_SUFFIXES
    try:
        with Image.open(path):
            return True
    except UnidentifiedImageError:
        return False


# -- the image-folder release ------------------------------------------------------


def _image_folder_files(root: Path):
    """``(path, emotion_code, usage)`` of every face image, in a fixed order."""
    splits = [root / "train", root / "test"]
    if not any(split.is_dir() for split in splits):
        raise ValueError(
            f"{root} is a folder but has neither train/ nor test/ in it: the "
            "FER2013 image-folder release has train/<emotion>/*.jpg and "
            "test/<emotion>/*.jpg."
        )
    files = []
    for split in splits:
        if not split.is_dir():
            continue
        for folder in sorted(p for p in split.iterdir() if p.is_dir()):
            name = folder.name.lower()
            if name not in EMOTIONS:
                raise ValueError(
                    f"{folder}: unknown emotion folder {folder.name!r}; expected "
                    f"sub-folders named after {list(EMOTIONS)}."
                )
            for image in sorted(folder.iterdir()):
                if image.suffix.lower() not in IMAGE_SUFFIXES:
                    continue
                if split.name == "train":
                    usage = "Training"
                elif image.name.startswith(("PublicTest", "PrivateTest")):
                    usage = image.name.split("_")[0]
                else:
                    raise ValueError(
                        f"{image}: a test/ image must be named PublicTest_* or "
                        "PrivateTest_* to tell its split (the release's naming)."
                    )
                files.append((image, EMOTIONS.index(name), usage))
    return files


def _decode_images(files):
    """``(pixels, emotion codes, usages)`` of a block of image-folder files."""
    with ThreadPoolExecutor(n_threads()) as pool:
        pixels = list(pool.map(read_face, [f[0] for f in files]))
    return (
        np.stack(pixels) if pixels else np.empty((0, N_PIXELS), np.uint8),
        np.array([f[1] for f in files], dtype=np.int8),
        np.array([f[2] for f in files], dtype=object),
    )


def _iter_folder_records(root: Path):
    """The layout name and an iterator of decoded blocks (see ``_decode_images``)."""
    _pillow("Loading the FER2013 image-folder release")
    files = _image_folder_files(root)
    blocks = (
        _decode_images(files[start : start + IMAGE_BLOCK])
        for start in range(0, len(files), IMAGE_BLOCK)
    )
    return "image-folder", blocks
