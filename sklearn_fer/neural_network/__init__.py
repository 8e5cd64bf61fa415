"""A convolutional network for facial expressions (extra ``cnn``: torch, skorch).

Importing ``sklearn_fer`` never imports PyTorch; importing this subpackage does.
"""

try:
    import skorch  # noqa: F401
    import torch  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError(
        "sklearn_fer.neural_network needs PyTorch and skorch: "
        "pip install 'sklearn-fer[cnn]' (on a CPU-only machine, install "
        "torch's CPU build first, e.g. pip install torch==2.13.0)."
    ) from exc

from ._convnet import ConvNetClassifier

__all__ = ["ConvNetClassifier"]
