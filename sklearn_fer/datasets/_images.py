"""Faces read from image files: the image-folder release and single photos.

One reader for every image the package opens, so that the loader
(``load_fer2013`` on the image-folder release) and the command line
(``sklearn-fer predict face.png``) agree on which files are images, how they
become 48 x 48 grey levels, and what an unreadable file says. Like
scikit-learn's ``_load_imgs`` for the LFW loaders. Pillow (the ``images``
extra) is imported only here and only when an image is read.
"""

import struct
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ..utils._files import open_regular
from ..utils._image_geometry import crop_center
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


def _decoding_errors(Image):
    """What Pillow raises for a file it cannot decode (its plugins differ)."""
    return (
        OSError,
        ValueError,
        SyntaxError,
        EOFError,
        struct.error,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    )


def _grey_levels(image) -> np.ndarray:
    """The decoded image as 8-bit grey levels; 16-bit ones scaled, not clipped."""
    mode = image.mode
    if mode.startswith("I;16"):
        # 0-65535 onto 0-255, rounded (Pillow's convert('L') clips at 255).
        wide = np.asarray(image).astype(np.uint32)
        return ((wide * 255 + 32767) // 65535).astype(np.uint8)
    if mode not in ("L", "1", "P", "PA", "LA", "RGB", "RGBA", "RGBX", "CMYK"):
        image = image.convert("RGB")  # YCbCr, HSV, LAB ...
    return np.asarray(image.convert("L"), dtype=np.uint8)


def _shown_levels(image, grey) -> np.ndarray:
    """The decoded image to show: ``grey`` for a grey image, else 8-bit RGB."""
    if image.mode in ("1", "L", "LA") or image.mode.startswith("I;16"):
        return grey
    return np.asarray(image.convert("RGB"), dtype=np.uint8)


def _decode(path, *, upright: bool, colour: bool = False):
    """The image's grey levels (see ``read_face``) and, with ``colour``, the
    image to show (``_shown_levels``); checked, errors naming ``path``."""
    _pillow("Reading image files")
    with open_regular(path) as file:  # not a pipe, which would block
        return _decode_file(path, file, upright=upright, colour=colour)


def _decode_file(path, file, *, upright, colour):
    from PIL import Image, ImageOps

    errors = _decoding_errors(Image)
    try:
        image = Image.open(file)
    except Image.UnidentifiedImageError:
        raise ValueError(f"{path}: not an image file that Pillow can read.") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValueError(f"{path}: refused without decoding it: {exc}") from None
    except errors as exc:
        raise ValueError(f"{path}: cannot read this image ({exc}).") from None
    with image:
        width, height = image.size
        limit = Image.MAX_IMAGE_PIXELS
        if limit and width * height > limit:
            raise ValueError(
                f"{path}: {width}x{height} pixels, more than Pillow's "
                f"decompression-bomb limit of {limit}; not decoded."
            )
        if image.mode in ("I", "F"):
            kind = "integer" if image.mode == "I" else "floating-point"
            raise ValueError(
                f"{path}: a 32-bit {kind} image, whose grey levels have no fixed "
                "range; save it with 8 or 16 bits per pixel."
            )
        try:
            image.load()
            if upright:
                image = ImageOps.exif_transpose(image)
            grey = _grey_levels(image)
            shown = _shown_levels(image, grey) if colour else None
        except errors as exc:
            raise ValueError(
                f"{path}: cannot decode this image ({type(exc).__name__}: {exc})."
            ) from None
    return grey, shown


def read_face(path, *, resize: bool = False) -> np.ndarray:
    """One face from an image file, as 2304 grey levels 0-255.

    Colour images become grey levels by ITU-R 601-2 luma (as Pillow's
    ``convert('L')``), 16-bit grey images are scaled onto 0-255; 32-bit
    integer and floating-point images are refused, since their range is
    unknown. An image with more pixels than Pillow's decompression-bomb limit
    (``PIL.Image.MAX_IMAGE_PIXELS``) is refused from its header, before
    anything is decoded.

    Parameters
    ----------
    path : str or path-like
        Any image Pillow reads.
    resize : bool, default=False
        False: the image must already be 48 x 48 (a FER2013 face). True: a
        photo of any size is turned upright (its EXIF orientation),
        centre-cropped to a square (never stretched) and resized to 48 x 48,
        as :func:`sklearn_fer.preprocessing.crop_center` does.

    Returns
    -------
    face : ndarray of shape (2304,), dtype uint8

    Raises
    ------
    ValueError
        The file is not an image Pillow can decode, is too large, has no
        fixed grey range, or (``resize=False``) is not 48 x 48; the message
        names the file.
    """
    pixels, _ = _decode(path, upright=resize)
    if resize:
        # Centre-cropped to a square, never stretched: a face keeps its
        # proportions. The same crop as preprocessing.crop_center.
        return crop_center(pixels)
    if pixels.shape != IMAGE_SHAPE:
        raise ValueError(
            f"{path}: image is {pixels.shape[1]}x{pixels.shape[0]} pixels; FER2013 "
            f"faces are {IMAGE_SHAPE[1]}x{IMAGE_SHAPE[0]}."
        )
    return pixels.reshape(N_PIXELS)


def read_photo(path) -> tuple[np.ndarray, np.ndarray]:
    """A photo turned upright: its grey levels, to find faces in, and its colours.

    Decoded and checked as :func:`read_face` does, at full resolution.

    Returns
    -------
    grey : ndarray of shape (height, width), dtype uint8
        Grey levels as ``read_face`` computes them (so that
        ``crop_center(grey)`` is ``read_face(path, resize=True)``).
    shown : ndarray of shape (height, width) or (height, width, 3), dtype uint8
        The photo to draw on: ``grey`` itself for a grey image, else RGB.
    """
    return _decode(path, upright=True, colour=True)


def is_image(path) -> bool:
    """Whether ``path`` is an image file rather than, say, a CSV file.

    Recognised by content (Pillow identifies it), so that a ``.webp`` or a
    photo without a suffix is not taken for a CSV file; a file with an image
    suffix counts too, so that a corrupt ``face.jpg`` is reported as a bad
    image, not as a bad CSV. Without Pillow, by suffix alone.
    """
    path = Path(path)
    if not path.is_file():
        return False
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return True
    try:
        from PIL import Image
    except ImportError:
        return False
    try:
        with Image.open(path):
            return True
    except Image.UnidentifiedImageError:
        return False
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return True


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
    if not files:
        raise ValueError(
            f"{root} holds no face images: none of its train/<emotion>/ and "
            f"test/<emotion>/ folders has a file ending in {', '.join(IMAGE_SUFFIXES)}."
        )
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


def iter_folder_records(root: Path):
    """The layout name and an iterator of decoded blocks (see ``_decode_images``)."""
    _pillow("Loading the FER2013 image-folder release")
    files = _image_folder_files(root)
    blocks = (
        _decode_images(files[start : start + IMAGE_BLOCK])
        for start in range(0, len(files), IMAGE_BLOCK)
    )
    return "image-folder", blocks
