"""The convolutional network and its on-the-fly augmentation (PyTorch).

Augmentation works on whole training batches: one ``affine_grid`` /
``grid_sample`` call applies every face's flip, rotation, shift and scale, and
one grouped convolution blurs every face with its own Gaussian. It runs only in
training mode, so validation and prediction see the faces untouched.
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


def affine_transform(images, flip, angle_degrees, shift, scale):
    """Flip, rotate (counter-clockwise), shift and scale every image at once.

    Parameters
    ----------
    images : tensor (n, c, h, w)
    flip : bool tensor (n,)
        Mirror left-right.
    angle_degrees, scale : tensors (n,)
    shift : tensor (n, 2)
        Horizontal and vertical shift as fractions of the image size.
    """
    angle = torch.deg2rad(angle_degrees)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    mirror = 1 - 2 * flip.to(images.dtype)
    theta = torch.stack(
        [
            torch.stack([cos * mirror, -sin, -2 * shift[:, 0]], dim=1),
            torch.stack([sin * mirror, cos, -2 * shift[:, 1]], dim=1),
        ],
        dim=1,
    )
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(
        images, grid, mode="bilinear", padding_mode="border", align_corners=False
    )


class Augment(nn.Module):
    """Random flip, rotation, shift, scale and blur of training batches.

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
    """

    def __init__(self, flip, rotation, shift, scale, blur):
        super().__init__()
        self.flip, self.rotation, self.shift = flip, rotation, shift
        self.scale, self.blur = scale, blur

    def forward(self, images):
        if not self.training:
            return images
        n = images.shape[0]
        options = dict(dtype=images.dtype, device=images.device)

        def uniform(low, high, *shape):
            return torch.rand(*shape, **options) * (high - low) + low

        if self.rotation or self.shift or self.scale or self.flip:
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
            )
        if self.blur:
            images = gaussian_blur(images, uniform(0, self.blur, n))
        return images


class FaceConvNet(nn.Module):
    """Conv blocks (``convs_per_block[i]`` x Conv2d, BatchNorm, LeakyReLU, then
    MaxPool), a fully connected layer with batch norm and dropout, the scores.

    With ``standardize``, each face is standardised (zero mean, unit variance)
    first, so the network takes grey levels in any scale. Pooling rounds up,
    so any image size works (scikit-learn's checks feed 1 x n_features rows).
    """

    def __init__(
        self,
        *,
        image_shape,
        n_classes,
        channels,
        convs_per_block,
        hidden_units,
        dropout,
        negative_slope,
        augment,
        test_time_flip,
        standardize,
    ):
        super().__init__()
        self.image_shape = tuple(image_shape)
        self.standardize = standardize
        self.test_time_flip = test_time_flip
        self.augment = augment
        # LeakyReLU in place: the same weights bit for bit, one 48x48 activation
        # less to allocate and stream through memory per layer.
        layers, in_channels = [], 1
        height, width = self.image_shape
        for out_channels, n_convs in zip(channels, convs_per_block, strict=True):
            for _ in range(n_convs):
                layers += [
                    nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
                    nn.BatchNorm2d(out_channels),
                    nn.LeakyReLU(negative_slope, inplace=True),
                ]
                in_channels = out_channels
            layers.append(nn.MaxPool2d(2, ceil_mode=True))
            height, width = math.ceil(height / 2), math.ceil(width / 2)
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(in_channels * height * width, hidden_units, bias=False),
            nn.BatchNorm1d(hidden_units),
            nn.LeakyReLU(negative_slope, inplace=True),
            nn.Dropout(dropout),
            nn.Linear(hidden_units, n_classes),
        )
        # channels_last: faster to train and to predict on CPUs (measured).
        self.to(memory_format=torch.channels_last)

    def _scores(self, images):
        images = images.contiguous(memory_format=torch.channels_last)
        return self.classifier(self.features(images))

    def forward(self, X):
        images = X.reshape(-1, 1, *self.image_shape)
        if self.standardize:
            mean = images.mean(dim=(2, 3), keepdim=True)
            std = images.std(dim=(2, 3), keepdim=True, unbiased=False)
            images = (images - mean) / (std + 1e-6)
        if self.training:
            return self._scores(self.augment(images))
        scores = self._scores(images)
        if self.test_time_flip:
            scores = (scores + self._scores(images.flip(-1))) / 2
        return scores
