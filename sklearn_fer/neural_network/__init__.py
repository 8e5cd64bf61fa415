"""A convolutional network for facial expressions (extra ``cnn``: torch, skorch).

``ConvNetClassifier`` trains with PyTorch and skorch, imported when it is
first used. ``ConvNetInference`` (made by ``to_numpy``) predicts with a
fitted classifier's network on NumPy alone, so this subpackage, a saved
``ConvNetInference`` and its predictions need no PyTorch; ``export_onnx``
writes the network for onnxruntime.
"""

from ._export import export_onnx, to_numpy
from ._inference import ConvNetInference

__all__ = ["ConvNetClassifier", "ConvNetInference", "export_onnx", "to_numpy"]


def __getattr__(name):
    # PyTorch and skorch are imported on first use of ConvNetClassifier only.
    if name != "ConvNetClassifier":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        import skorch  # noqa: F401
        import torch  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError(
            "sklearn_fer.neural_network.ConvNetClassifier needs PyTorch and "
            "skorch: pip install 'sklearn-fer[cnn]' (on a CPU-only machine, "
            "install torch's CPU build first, e.g. pip install torch==2.13.0)."
        ) from exc
    from ._convnet import ConvNetClassifier

    globals()["ConvNetClassifier"] = ConvNetClassifier
    return ConvNetClassifier
