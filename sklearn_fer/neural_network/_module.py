"""The convolutional network (PyTorch) and the moving average of its weights.

The network augments its training batches itself (``Augment``); validation
and prediction see the centre crop (and, as asked, the corner crops and
mirror images) of the faces untouched.
"""

import math
from collections import OrderedDict

import torch
from torch import nn

# Augment lived here: the pickled skorch nets of 2026-11 (see _legacy) name it
# in this module.
from ._augment import Augment, crop_shape


class WeightAverage(nn.Module):
    """Exponential moving average of a module's weights and batch-norm statistics.

    Holds one buffer per entry of the module's ``state_dict`` (so it is saved
    and loaded with the network). ``update`` moves each towards the module's
    current value by ``1 - min(decay, (1 + k) / (10 + k))`` at the k-th update:
    the first updates forget the random initialisation quickly.
    """

    def __init__(self, module, decay):
        super().__init__()
        self.decay = decay
        self._names = list(module.state_dict())
        for name, tensor in module.state_dict().items():
            self.register_buffer(self._buffer(name), tensor.detach().clone())
        self.register_buffer("n_updates", torch.zeros((), dtype=torch.long))

    @staticmethod
    def _buffer(name):
        return "average_" + name.replace(".", "_")

    def averaged(self):
        """The averaged tensors, by the module's ``state_dict`` names."""
        return {name: getattr(self, self._buffer(name)) for name in self._names}

    @torch.no_grad()
    def update(self, module):
        k = int(self.n_updates)
        decay = min(self.decay, (1 + k) / (10 + k))
        averaged, current = [], []
        for name, tensor in module.state_dict().items():
            average = getattr(self, self._buffer(name))
            if average.is_floating_point():
                averaged.append(average)
                current.append(tensor)
            else:  # batch norm's count of batches
                average.copy_(tensor)
        # One fused call for all tensors, as torch.optim.swa_utils' EMA does.
        torch._foreach_lerp_(averaged, current, 1 - decay)
        self.n_updates += 1


class FaceConvNet(nn.Module):
    """Conv blocks (``convs_per_block[i]`` x Conv2d, BatchNorm, LeakyReLU, then
    MaxPool), a fully connected layer with batch norm and dropout, the scores.

    With ``standardize``, each face is standardised (zero mean, unit variance)
    first, so the network takes grey levels in any scale. Pooling rounds up,
    so any image size works (scikit-learn's checks feed 1 x n_features rows).
    The network sees ``crop_size`` crops: random ones in training (``Augment``
    with ``flip``, ``rotation``, ``shift``, ``scale``, ``blur`` and
    ``erasing``), the centre one (and the four corner ones with
    ``test_time_crops=5``, each also mirrored with ``test_time_flip``) in
    evaluation, whose scores are averaged. With ``ema_decay``, evaluation
    uses the moving average of the weights that ``update_average`` keeps.

    Its arguments other than ``image_shape`` and ``n_classes`` are
    ``ConvNetClassifier``'s parameters of the same names (``convs_per_block``
    one count per block).
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
        standardize,
        crop_size,
        ema_decay,
        flip,
        rotation,
        shift,
        scale,
        blur,
        erasing,
        test_time_crops,
        test_time_flip,
    ):
        super().__init__()
        self.image_shape = tuple(image_shape)
        self.crop_shape = crop_shape(self.image_shape, crop_size)
        self.standardize = standardize
        self.test_time_flip = test_time_flip
        self.test_time_crops = test_time_crops
        self.augment = Augment(
            flip, rotation, shift, scale, blur, crop_size=crop_size, erasing=erasing
        )
        # LeakyReLU in place: the same weights bit for bit, one 48x48 activation
        # less to allocate and stream through memory per layer.
        layers, in_channels = [], 1
        height, width = self.crop_shape
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
        # Built last, from the network's initial tensors (channels_last too).
        self.average = (
            None if ema_decay is None else WeightAverage(self._network(), ema_decay)
        )

    def _network(self):
        """The layers with their state_dict names (a view; nothing is copied)."""
        return nn.Sequential(
            OrderedDict(features=self.features, classifier=self.classifier)
        )

    def update_average(self):
        """Move the averaged weights towards the current ones (after a step)."""
        if self.average is not None:
            self.average.update(self._network())

    def _scores(self, images):
        images = images.contiguous(memory_format=torch.channels_last)
        if self.training or self.average is None:
            return self._network()(images)
        return torch.func.functional_call(
            self._network(), self.average.averaged(), (images,), strict=True
        )

    def _views(self, images, test_time_crops, test_time_flip):
        """The evaluation crops of ``images``, each followed by its mirror."""
        height, width = self.image_shape
        crop_height, crop_width = self.crop_shape
        top, left = (height - crop_height) // 2, (width - crop_width) // 2
        corners = [(top, left)]
        if test_time_crops == 5:
            bottom, right = height - crop_height, width - crop_width
            corners += [(0, 0), (0, right), (bottom, 0), (bottom, right)]
        for row, column in corners:
            view = images[..., row : row + crop_height, column : column + crop_width]
            yield view
            if test_time_flip:
                yield view.flip(-1)

    def forward(self, X, test_time_crops=None, test_time_flip=None):
        """Scores of the faces ``X``; in evaluation, averaged over the views
        ``test_time_crops`` and ``test_time_flip`` ask for (None: the
        module's own, those of the validation loss)."""
        if test_time_crops is None:
            test_time_crops = self.test_time_crops
        if test_time_flip is None:
            test_time_flip = self.test_time_flip
        images = X.reshape(-1, 1, *self.image_shape)
        if self.standardize:
            # Divided by a power of two near its largest |pixel| first (the
            # epsilon too): exact, so the result is bit for bit the same, and
            # the mean and spread of faces of huge grey levels (1e19 and up)
            # do not overflow float32. As ConvNetInference's standardized;
            # log2 and exp2 (of an integer, exact) export to ONNX.
            peak = images.abs().amax(dim=(2, 3), keepdim=True)
            peak = peak.clamp_min(torch.finfo(images.dtype).tiny)
            scale = torch.exp2(torch.floor(torch.log2(peak)) - 1)  # <= 2**127
            images = images / scale
            mean = images.mean(dim=(2, 3), keepdim=True)
            std = images.std(dim=(2, 3), keepdim=True, unbiased=False)
            images = (images - mean) / (std + 1e-6 / scale)
        if self.training:
            return self._scores(self.augment(images))
        views = self._views(images, test_time_crops, test_time_flip)
        scores = [self._scores(view) for view in views]
        return sum(scores) / len(scores)
