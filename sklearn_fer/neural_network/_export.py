"""A fitted ConvNetClassifier's network, out of PyTorch: NumPy arrays or ONNX.

:func:`to_numpy` reads the network's weights (the moving average where the
classifier keeps one, as its predictions do) into a
:class:`ConvNetInference`; :func:`export_onnx` writes the network, its
standardisation, test-time views and softmax included, as an ONNX file. Both
import PyTorch only when called, so that this module, and the
``ConvNetInference`` it makes, import without it.
"""

import contextlib
import io
import logging
import os
import warnings
from pathlib import Path

import numpy as np

from ..utils._files import atomic_write
from ._inference import (
    WEIGHT_DTYPES,
    ConvNetInference,
    check_network,
    pooled_shape,
)


def _fitted_convnet(convnet):
    """``convnet``'s fitted module, or an error saying what it is not."""
    from sklearn.utils.validation import check_is_fitted

    from ._convnet import ConvNetClassifier

    if not isinstance(convnet, ConvNetClassifier):
        raise TypeError(
            f"Expected a fitted ConvNetClassifier, got a {type(convnet).__name__}."
        )
    check_is_fitted(convnet)
    return convnet.net_.module_


def _predicting_state(module):
    """The tensors ``module`` predicts with, as float64 arrays by state-dict
    name ("features.0.weight", ...): the moving average where it keeps one."""
    names = {
        f"{part}.{name}": tensor
        for part in ("features", "classifier")
        for name, tensor in getattr(module, part).state_dict().items()
    }
    if module.average is not None:
        names = module.average.averaged()
    return {
        name: tensor.detach().cpu().double().numpy()
        for name, tensor in names.items()
        if tensor.is_floating_point()
    }


def _folded(state, prefix, batch_norm):
    """(scale, shift) of the batch norm at ``prefix`` in evaluation:
    ``scale * x + shift``, from its running statistics."""
    scale = state[f"{prefix}.weight"] / np.sqrt(
        state[f"{prefix}.running_var"] + batch_norm.eps
    )
    return scale, state[f"{prefix}.bias"] - state[f"{prefix}.running_mean"] * scale


def _float32(array):
    return np.ascontiguousarray(array, dtype=np.float32)


def _store_weights_as(fitted, dtype):
    """Cast the weights in ``fitted`` to ``dtype``; a weight beyond its range
    is an error (it would be infinite)."""
    largest = np.finfo(dtype).max
    for name in ("conv_weights_", "hidden_weights_", "output_weights_"):
        arrays = fitted[name] if name == "conv_weights_" else [fitted[name]]
        if any(np.abs(array).max() > largest for array in arrays):
            raise ValueError(
                f"The network's {name} hold values beyond {dtype.name}'s range "
                f"({largest:g}); keep weights_dtype='float32'."
            )
        cast = [array.astype(dtype) for array in arrays]
        fitted[name] = cast if name == "conv_weights_" else cast[0]


def to_numpy(convnet, *, weights_dtype: str = "float32"):
    """The network of a fitted ConvNetClassifier as a NumPy estimator.

    Reads the weights the classifier predicts with (the moving average of
    its weights with ``ema_decay``), folds each batch norm into the layer
    before it (computed in float64, stored as float32) and returns a fitted
    :class:`ConvNetInference` that predicts the same probabilities within
    1e-4, with the classifier's ``classes_``, ``test_time_crops`` and
    ``test_time_flip``, and needs neither PyTorch nor skorch to load or
    predict.

    Read more in the :ref:`User Guide <cnn_without_torch>`.

    Parameters
    ----------
    convnet : ConvNetClassifier
        Fitted, on any device.
    weights_dtype : {'float32', 'float16'}, default='float32'
        How the weights of the convolutions and of the fully connected layers
        are stored (the biases stay float32). 'float16' halves the saved
        file; the network still computes in float32, from weights rounded to
        about three significant digits, so its probabilities move by about
        1e-3 (measure the predictions you need to keep).

    Returns
    -------
    model : ConvNetInference

    Raises
    ------
    TypeError
        ``convnet`` is not a ConvNetClassifier.
    sklearn.exceptions.NotFittedError
        It is not fitted.
    ValueError
        An unknown ``weights_dtype``, or a weight beyond float16's range.

    See Also
    --------
    ConvNetInference : What it returns.
    export_onnx : The network as an ONNX file.

    Examples
    --------
    >>> import pytest; _ = pytest.importorskip("torch")  # to train the network
    >>> from sklearn_fer.datasets import make_faces
    >>> from sklearn_fer.neural_network import ConvNetClassifier, to_numpy
    >>> X, y = make_faces(200, emotions=["happy", "sad"], random_state=0,
    ...                   return_X_y=True)
    >>> convnet = ConvNetClassifier(channels=(8, 16), max_epochs=2,
    ...                             random_state=0).fit(X, y)
    >>> model = to_numpy(convnet)
    >>> (model.predict(X) == convnet.predict(X)).all()
    np.True_
    >>> [weights.shape for weights in model.conv_weights_]
    [(3, 3, 1, 8), (3, 3, 8, 16), (3, 3, 16, 16)]
    """
    from torch import nn

    if weights_dtype not in WEIGHT_DTYPES:
        raise ValueError(
            f"weights_dtype must be one of {', '.join(map(repr, WEIGHT_DTYPES))}; "
            f"got {weights_dtype!r}."
        )
    module = _fitted_convnet(convnet)
    state = _predicting_state(module)
    conv_weights, conv_biases, convs_per_block = [], [], []
    layers = list(module.features.named_children())
    for position, (name, layer) in enumerate(layers):
        if isinstance(layer, nn.Conv2d):
            batch_norm_name, batch_norm = layers[position + 1]
            scale, shift = _folded(state, f"features.{batch_norm_name}", batch_norm)
            weight = state[f"features.{name}.weight"] * scale[:, None, None, None]
            # (out, in, row, column) -> (row, column, in, out)
            conv_weights.append(_float32(weight.transpose(2, 3, 1, 0)))
            conv_biases.append(_float32(shift))
            if not convs_per_block or isinstance(layers[position - 1][1], nn.MaxPool2d):
                convs_per_block.append(0)
            convs_per_block[-1] += 1
    classifier = dict(module.classifier.named_children())
    hidden_name, hidden_bn, output_name = (
        name
        for name, layer in classifier.items()
        if isinstance(layer, (nn.Linear, nn.BatchNorm1d))
    )
    scale, shift = _folded(state, f"classifier.{hidden_bn}", classifier[hidden_bn])
    hidden = state[f"classifier.{hidden_name}.weight"] * scale[:, None]
    # Its columns follow torch's flattening of (channel, row, column); the
    # NumPy network flattens (row, column, channel).
    height, width = module.crop_shape
    for _ in convs_per_block:
        height, width = pooled_shape((height, width))
    channels = conv_weights[-1].shape[3]
    hidden = hidden.reshape(-1, channels, height, width).transpose(0, 2, 3, 1)
    slope = next(
        layer.negative_slope
        for layer in module.features.children()
        if isinstance(layer, nn.LeakyReLU)
    )
    model = ConvNetInference(
        test_time_crops=convnet.test_time_crops,
        test_time_flip=convnet.test_time_flip,
    )
    fitted = {
        "classes_": convnet.classes_.copy(),
        "n_features_in_": convnet.n_features_in_,
        "image_shape_": tuple(int(side) for side in module.image_shape),
        "crop_shape_": tuple(int(side) for side in module.crop_shape),
        "standardize_": bool(module.standardize),
        "negative_slope_": float(slope),
        "convs_per_block_": tuple(convs_per_block),
        "conv_weights_": conv_weights,
        "conv_biases_": conv_biases,
        "hidden_weights_": _float32(hidden.reshape(len(hidden), -1).T),
        "hidden_bias_": _float32(shift),
        "output_weights_": _float32(state[f"classifier.{output_name}.weight"].T),
        "output_bias_": _float32(state[f"classifier.{output_name}.bias"]),
    }
    if hasattr(convnet, "feature_names_in_"):
        fitted["feature_names_in_"] = convnet.feature_names_in_.copy()
    if weights_dtype != "float32":
        _store_weights_as(fitted, np.dtype(weights_dtype))
    check_network(fitted)
    vars(model).update(fitted)
    return model


def _probabilities_module(module, test_time_crops, test_time_flip):
    """A copy of ``module`` that predicts probabilities with the weights the
    classifier predicts with (the moving average loaded into it), in
    evaluation mode, for ``torch.onnx.export`` to trace."""
    import copy

    import torch

    network = copy.deepcopy(module)
    if network.average is not None:
        averaged = network.average.averaged()
        for part in ("features", "classifier"):
            getattr(network, part).load_state_dict(
                {
                    name[len(part) + 1 :]: tensor
                    for name, tensor in averaged.items()
                    if name.startswith(part + ".")
                }
            )
        network.average = None

    class Probabilities(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.network = network

        def forward(self, pixels):
            scores = self.network(
                pixels, test_time_crops=test_time_crops, test_time_flip=test_time_flip
            )
            return torch.softmax(scores, dim=-1)

    return Probabilities().eval()


@contextlib.contextmanager
def _exporter_quiet():
    """The exporter's notes that concern it, not the user: the torchvision
    operators it skips, a deprecation inside torch.export."""
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", message=".*LeafSpec", category=FutureWarning
            )
            yield
    finally:
        logger.setLevel(level)


def export_onnx(convnet, path, *, overwrite=False):
    """Write a fitted ConvNetClassifier's network to an ONNX file.

    The graph takes float32 pixel rows ``pixels`` of shape ``(n_faces,
    n_features_in_)``, any number of faces, and returns ``probabilities`` of
    shape ``(n_faces, n_classes)``, columns in the order of ``classes_``: the
    per-face standardisation, the test-time views (``test_time_crops``,
    ``test_time_flip``), the weights the classifier predicts with and the
    softmax are all in it, so onnxruntime predicts what ``predict_proba``
    does (within 1e-4). The class labels are not in the graph: keep
    ``convnet.classes_``.

    Needs PyTorch's ONNX exporter, that is the packages ``onnx`` and
    ``onnxscript`` (extra ``onnx``, which also installs ``onnxruntime`` to
    run the file). The file is written whole or not at all.

    Read more in the :ref:`User Guide <cnn_without_torch>`.

    Parameters
    ----------
    convnet : ConvNetClassifier
        Fitted.
    path : str or path-like
        The ONNX file to write.
    overwrite : bool, default=False
        Replace an existing file; by default an existing ``path`` is an error.

    Returns
    -------
    path : Path

    Raises
    ------
    FileExistsError
        ``path`` exists and ``overwrite`` is False.
    ImportError
        The exporter's packages are missing (the message says which extra).

    See Also
    --------
    to_numpy : The network as a NumPy estimator, no file and no exporter.

    Examples
    --------
    >>> import pytest
    >>> _ = pytest.importorskip("torch"); _ = pytest.importorskip("onnxscript")
    >>> ort = pytest.importorskip("onnxruntime")
    >>> import tempfile, pathlib
    >>> from sklearn_fer.datasets import make_faces
    >>> from sklearn_fer.neural_network import ConvNetClassifier, export_onnx
    >>> X, y = make_faces(200, emotions=["happy", "sad"], random_state=0,
    ...                   return_X_y=True)
    >>> convnet = ConvNetClassifier(channels=(8, 16), max_epochs=2,
    ...                             random_state=0).fit(X, y)
    >>> path = export_onnx(convnet, pathlib.Path(tempfile.mkdtemp()) / "cnn.onnx")
    >>> session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    >>> proba = session.run(None, {"pixels": X[:5].astype("float32")})[0]
    >>> bool(abs(proba - convnet.predict_proba(X[:5])).max() < 1e-4)
    True
    """
    import torch

    module = _fitted_convnet(convnet)
    path = Path(path)
    if not overwrite and os.path.lexists(path):
        raise FileExistsError(
            f"{path} exists already: pass overwrite=True to replace it."
        )
    for package in ("onnx", "onnxscript"):
        try:
            __import__(package)
        except ImportError as exc:
            raise ImportError(
                f"export_onnx needs PyTorch's ONNX exporter, which needs "
                f"{package}: pip install 'sklearn-fer[onnx]'."
            ) from exc
    wrapper = _probabilities_module(
        module, convnet.test_time_crops, convnet.test_time_flip
    )
    example = torch.zeros((2, convnet.n_features_in_), dtype=torch.float32)
    with torch.no_grad(), _exporter_quiet():
        program = torch.onnx.export(
            wrapper,
            (example,),
            input_names=["pixels"],
            output_names=["probabilities"],
            dynamic_shapes={"pixels": {0: torch.export.Dim("n_faces")}},
            dynamo=True,
            verbose=False,
        )
    buffer = io.BytesIO()
    program.save(buffer)
    if not overwrite and os.path.lexists(path):
        raise FileExistsError(
            f"{path} exists already: pass overwrite=True to replace it."
        )
    return atomic_write(path, buffer.getvalue())
