"""On-the-fly augmentation of training faces (PyTorch), batch by batch.

One ``affine_grid`` / ``grid_sample`` call applies every face's random crop,
flip, rotation, shift and scale, and one grouped convolution blurs every face
with its own Gaussian; random erasing masks a rectangle of each. ``Augment``
runs only in training mode: validation and prediction see the faces untouched.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F


def _gaussian_kernels(sigmas, radius):
    """One normalised 1-D Gaussian per sigma, shape (n, 2 * radius + 1)."""
    offsets = torch.arange(
        -radius, radius + 1, dtype=sigmas.dtype, device=sigmas.device
    )
    safe = sigmas.clamp_min(1e-3)[:, None]
    kernels = torch.exp(-0.5 * (offsets[None, :] / safe) ** 2)
    return kernels / kernels.sum(dim=1, keepdim=True)


def gaussian_blur(images, sigmas):
    """Blur each image of ``images`` (n, 1, h, w) with its own ``sigmas[i]``.

    A sigma of 0 leaves its image unchanged (its kernel is a unit impulse).
    """
    n, channels, height, width = images.shape
    radius = max(1, math.ceil(3 * float(sigmas.max())))
    kernels = _gaussian_kernels(sigmas, radius)
    # Separable: a horizontal then a vertical pass, every face its own group.
    stacked = images.reshape(1, n * channels, height, width)
    horizontal = kernels.repeat_interleave(channels, 0)[:, None, None, :]
    vertical = kernels.repeat_interleave(channels, 0)[:, None, :, None]
    stacked = F.pad(stacked, (radius, radius, 0, 0), mode="replicate")
    stacked = F.conv2d(stacked, horizontal, groups=n * channels)
    stacked = F.pad(stacked, (0, 0, radius, radius), mode="replicate")
    stacked = F.conv2d(stacked, vertical, groups=n * channels)
    return stacked.reshape(n, channels, height, width)


def random_erasing(images, probability, uniform):
    """Set one random rectangle of each face, with ``probability``, to 0.

    The rectangle covers 2% to 33% of the face, its aspect ratio log-uniform
    in [0.3, 3.3] (torchvision's ``RandomErasing``); 0 is the face's mean
    grey once standardised. ``uniform(low, high, n)`` draws the randomness.
    """
    n, _, height, width = images.shape
    area = uniform(0.02, 0.33, n) * height * width
    ratio = torch.exp(uniform(math.log(0.3), math.log(3.3), n))
    erased_height = (area * ratio).sqrt().clamp(1, height)
    erased_width = (area / ratio).sqrt().clamp(1, width)
    top = uniform(0, 1, n) * (height - erased_height)
    left = uniform(0, 1, n) * (width - erased_width)
    rows = torch.arange(height, device=images.device, dtype=images.dtype)
    columns = torch.arange(width, device=images.device, dtype=images.dtype)
    in_rows = (rows >= top[:, None]) & (rows < (top + erased_height)[:, None])
    in_columns = (columns >= left[:, None]) & (columns < (left + erased_width)[:, None])
    erased = in_rows[:, :, None] & in_columns[:, None, :]
    erased &= (uniform(0, 1, n) < probability)[:, None, None]
    return images.masked_fill(erased[:, None], 0)


def crop_shape(image_shape, crop_size):
    """The (height, width) of the crops of ``image_shape``: ``crop_size`` on
    each side, clamped to the image (None: the whole image)."""
    if crop_size is None:
        return tuple(image_shape)
    return tuple(min(crop_size, side) for side in image_shape)


def affine_transform(images, flip, angle_degrees, shift, scale, crop=None):
    """Flip, rotate (counter-clockwise), shift, scale and crop every image at once.

    Parameters
    ----------
    images : tensor (n, c, h, w)
    flip : bool tensor (n,)
        Mirror left-right.
    angle_degrees, scale : tensors (n,)
    shift : tensor (n, 2)
        Horizontal and vertical shift as fractions of the image size.
    crop : tuple (crop_shape, offset) or None
        Sample a ``crop_shape`` window of the transformed image, its centre
        moved by ``offset`` (tensor (n, 2), horizontal and vertical, in
        grid units: -1 to 1 spans the image). None keeps the image's shape.
    """
    angle = torch.deg2rad(angle_degrees)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    mirror = 1 - 2 * flip.to(images.dtype)
    # Rows map output grid coordinates (x, y, 1) to input ones.
    linear = torch.stack(
        [
            torch.stack([cos * mirror, -sin], dim=1),
            torch.stack([sin * mirror, cos], dim=1),
        ],
        dim=1,
    )
    translation = -2 * shift
    output_shape = list(images.shape)
    if crop is not None:
        (crop_height, crop_width), offset = crop
        height, width = images.shape[-2:]
        # The crop's grid spans crop / side of the image's, around its offset
        # centre, and is then transformed as the whole image would be.
        window = images.new_tensor([crop_width / width, crop_height / height])
        translation = translation + (linear @ offset[:, :, None])[:, :, 0]
        linear = linear * window[None, None, :]
        output_shape[-2:] = crop_height, crop_width
    theta = torch.cat([linear, translation[:, :, None]], dim=2)
    grid = F.affine_grid(theta, output_shape, align_corners=False)
    return F.grid_sample(
        images, grid, mode="bilinear", padding_mode="border", align_corners=False
    )


class Augment(nn.Module):
    """Random flip, rotation, shift, scale, crop, blur and erasing of faces.

    Parameters
    ----------
    flip : bool
        Mirror half of the faces left-right.
    rotation : float
        Maximum rotation in degrees (uniform in ``[-rotation, rotation]``).
    shift : float
        Maximum shift, as a fraction of the image size, in each direction.
    scale : float
        Maximum relative zoom (uniform in ``[1 - scale, 1 + scale]``).
    blur : float
        Maximum Gaussian sigma in pixels (uniform in ``[0, blur]``); 0 disables.
    crop_size : int or None, default=None
        Side of the square window taken at a uniformly random place of each
        face (clamped to the image); None keeps the whole face.
    erasing : float, default=0.0
        Probability of erasing a random rectangle of each face (to 0).
    """

    def __init__(self, flip, rotation, shift, scale, blur, crop_size=None, erasing=0.0):
        super().__init__()
        self.flip, self.rotation, self.shift = flip, rotation, shift
        self.scale, self.blur, self.crop_size = scale, blur, crop_size
        self.erasing = erasing

    def forward(self, images):
        if not self.training:
            return images
        n, _, height, width = images.shape
        options = dict(dtype=images.dtype, device=images.device)

        def uniform(low, high, *shape):
            return torch.rand(*shape, **options) * (high - low) + low

        window = crop_shape((height, width), self.crop_size)
        crop = None
        if window != (height, width):
            # Offsets that keep the window inside the image, in grid units.
            room = images.new_tensor([1 - window[1] / width, 1 - window[0] / height])
            crop = (window, uniform(-1, 1, n, 2) * room)
        if self.rotation or self.shift or self.scale or self.flip or crop:
            flip = (
                torch.rand(n, device=images.device) < 0.5
                if self.flip
                else torch.zeros(n, dtype=torch.bool, device=images.device)
            )
            images = affine_transform(
                images,
                flip,
                uniform(-self.rotation, self.rotation, n),
                uniform(-self.shift, self.shift, n, 2),
                uniform(1 - self.scale, 1 + self.scale, n),
                crop,
            )
        if self.blur:
            images = gaussian_blur(images, uniform(0, self.blur, n))
        if self.erasing:
            images = random_erasing(images, self.erasing, uniform)
        return images
