"""Procedurally drawn 48 x 48 faces whose expression depends on the emotion.

Each emotion sets the mean of six expression parameters (brow height and
tilt, eye opening, mouth curvature, opening and width), from which every face
draws its own values; pose (shift, scale, rotation), skin and background grey,
lighting gradient and pixel noise vary independently. The classes therefore
overlap: a linear model on the pixels does well above chance and well below
perfect, as on FER2013, and the package runs without any download.
"""

import numpy as np
from scipy.special import expit
from sklearn.utils import Bunch, check_random_state

from ._emotions import EMOTIONS, emotion_codes
from ._pixels import IMAGE_SHAPE, N_PIXELS, pixel_feature_names

# Mean expression per FER2013 code: brow height, brow tilt (inner end up > 0),
# eye opening, mouth curvature (corners up > 0), mouth opening, mouth width.
_EXPRESSIONS = np.array(
    [
        [-0.06, -0.10, 0.75, -0.03, 0.00, 0.90],  # angry
        [-0.04, -0.05, 0.60, -0.08, 0.03, 0.85],  # disgust
        [0.06, 0.08, 1.30, -0.02, 0.08, 1.10],  # fear
        [0.00, 0.00, 0.85, 0.12, 0.05, 1.15],  # happy
        [0.00, 0.10, 0.80, -0.10, 0.00, 0.90],  # sad
        [0.10, 0.02, 1.40, 0.00, 0.18, 0.70],  # surprise
        [0.00, 0.00, 1.00, 0.00, 0.00, 1.00],  # neutral
    ]
)
_EXPRESSION_SPREAD = np.array([0.04, 0.05, 0.22, 0.05, 0.04, 0.12])
#: Faces drawn at once (bounds the memory of the float32 canvases).
_BATCH = 512


def _soft_inside(signed_distance, softness):
    """1 inside a shape, 0 outside, with a smooth edge (distance < 0 is inside)."""
    return expit(-signed_distance / softness)


def _draw(expression, rng):
    n = len(expression)
    brow_height, brow_tilt, eye_open, curve, opening, width = (
        expression[:, i, None, None].astype(np.float32) for i in range(6)
    )
    coords = (np.arange(IMAGE_SHAPE[0], dtype=np.float32) + 0.5) / 24 - 1
    y, x = np.meshgrid(coords, coords, indexing="ij")

    def draw(shape):
        return rng.uniform(shape[0], shape[1], size=(n, 1, 1)).astype(np.float32)

    shift_x, shift_y = draw((-0.08, 0.08)), draw((-0.08, 0.08))
    scale = draw((0.85, 1.1))
    angle = np.deg2rad(rng.normal(0, 8, size=(n, 1, 1))).astype(np.float32)
    cos, sin = np.cos(angle), np.sin(angle)
    u = (cos * (x - shift_x) + sin * (y - shift_y)) / scale
    v = (-sin * (x - shift_x) + cos * (y - shift_y)) / scale
    soft = np.float32(0.02)

    background, skin = draw((0.05, 0.95)), draw((0.45, 0.85))
    face = _soft_inside(np.sqrt((u / 0.62) ** 2 + (v / 0.80) ** 2) - 1, soft * 2)
    image = background + (skin - background) * face

    darkness = np.zeros_like(u)
    for side in (-1.0, 1.0):
        eye_u, eye_v = u - side * 0.26, v + 0.12
        eye_radius_v = 0.07 * eye_open
        eye = np.sqrt((eye_u / 0.11) ** 2 + (eye_v / eye_radius_v) ** 2) - 1
        darkness = np.maximum(darkness, 0.75 * _soft_inside(eye, soft * 3))
        # Brow: a segment from the inner end (|u| = 0.1) to the outer (|u| = 0.42).
        t = np.clip((side * u - 0.10) / 0.32, 0, 1)
        brow_v = -0.36 - brow_height - brow_tilt * (1 - t) + brow_tilt * 0.5
        brow = np.hypot(side * u - (0.10 + 0.32 * t), v - brow_v) - 0.035
        darkness = np.maximum(darkness, 0.6 * _soft_inside(brow, soft))
    mouth_half_width = 0.25 * width
    along = np.clip(u / mouth_half_width, -1, 1)
    centre_v = 0.45 - curve * along**2
    half_height = 0.025 + 0.5 * opening * (1 - along**2)
    mouth = np.maximum(np.abs(v - centre_v) - half_height, np.abs(u) - mouth_half_width)
    darkness = np.maximum(darkness, 0.7 * _soft_inside(mouth, soft))
    nose = np.maximum(np.abs(u) - 0.03, np.abs(v - 0.08) - 0.12)
    darkness = np.maximum(darkness, 0.25 * _soft_inside(nose, soft * 2))

    image *= 1 - darkness * face
    image += draw((-0.15, 0.15)) * x
    return image


def make_faces(
    n_samples: int = 1000,
    *,
    emotions=EMOTIONS,
    noise: float = 0.08,
    random_state=None,
    return_X_y: bool = False,
):
    """Draw synthetic 48 x 48 grayscale faces with one of several expressions.

    A stand-in for FER2013 that needs no download: the same shapes and dtypes
    as :func:`load_fer2013`, classes balanced, expressions drawn from
    overlapping per-emotion distributions with random pose, lighting and noise,
    so that the task is learnable but not trivial.

    Read more in the :ref:`User Guide <data_guide>`.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of faces, spread evenly over the emotions.
    emotions : sequence of str, default=EMOTIONS
        Emotions to draw; ``target`` indexes this sequence.
    noise : float, default=0.08
        Standard deviation of the Gaussian pixel noise, on the 0-1 grey scale.
    random_state : int, RandomState instance or None, default=None
        Seed; the same seed gives the same faces.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        data : ndarray of shape (n_samples, 2304), dtype uint8
        images : ndarray of shape (n_samples, 48, 48), dtype uint8, a view of data
        target : ndarray of shape (n_samples,), indices into ``target_names``
        target_names : ndarray of str
        feature_names : ndarray of str
        DESCR : str
    (data, target) : tuple, with ``return_X_y=True``

    Examples
    --------
    >>> from sklearn_fer.datasets import make_faces
    >>> faces = make_faces(14, random_state=0)
    >>> faces.images.shape, faces.data.dtype
    ((14, 48, 48), dtype('uint8'))
    >>> faces.target_names[faces.target][:3].tolist()
    ['disgust', 'neutral', 'sad']
    """
    if int(n_samples) != n_samples or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}.")
    codes = np.array(emotion_codes(emotions))
    rng = check_random_state(random_state)
    target = rng.permutation(np.arange(n_samples) % len(codes))
    means = _EXPRESSIONS[codes[target]]
    expression = means + rng.normal(size=means.shape) * _EXPRESSION_SPREAD
    expression[:, 2] = np.maximum(expression[:, 2], 0.15)
    expression[:, 4] = np.maximum(expression[:, 4], 0.0)
    data = np.empty((n_samples, N_PIXELS), dtype=np.uint8)
    for start in range(0, n_samples, _BATCH):
        stop = min(start + _BATCH, n_samples)
        image = _draw(expression[start:stop], rng)
        image += rng.normal(0, noise, size=image.shape).astype(np.float32)
        np.clip(image * 255 + 0.5, 0, 255, out=image)
        data[start:stop] = image.reshape(stop - start, N_PIXELS)
    target_names = np.array([EMOTIONS[c] for c in codes])
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        images=data.reshape(-1, *IMAGE_SHAPE),
        target=target,
        target_names=target_names,
        feature_names=pixel_feature_names(),
        DESCR=(
            f"Synthetic faces (sklearn_fer.datasets.make_faces): {n_samples} "
            f"48x48 grayscale faces, emotions {list(target_names)}, noise={noise}."
        ),
    )
