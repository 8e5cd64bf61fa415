"""``ConvNetClassifier``'s network as plain data, loaded without unpickling.

A fitted network is kept in a saved model as a dict of plain values, the
layout of ``FORMAT_VERSION``:

* ``format``: the version of this layout, 2;
* ``params``: JSON text of the values of ``NETWORK_PARAMS`` that built it;
* ``history``: JSON text of skorch's history, one dict per epoch;
* ``tensors``: bytes written by :func:`torch.save` of the module's and the
  optimizer's state dicts, read back by ``torch.load(weights_only=True)``,
  which builds tensors and plain containers and runs no code from the file.

Both skops and pickle store this dict, so a skops file of a
``ConvNetClassifier`` loads without trusting anything but the estimator
class. On loading, the network is rebuilt from its parameters, its tensors
checked against the shapes that network must have, and loaded into it.
Files of earlier layouts are first brought to this one by ``_legacy``.
"""

import io
import json
import zipfile
from inspect import signature
from numbers import Integral

import numpy as np
import torch
from skorch.utils import get_map_location

from ..utils._sklearn_api import check_parameters
from ._inference import MAX_CONVOLUTIONS, MAX_WEIGHTS  # the caps of any network
from ._net import (
    NETWORK_PARAMS,
    build_net,
    load_state,
    network_params,
)

#: Version of the layout of the dict; a newer layout is refused by name.
FORMAT_VERSION = 2
_KEYS = {"format", "params", "history", "tensors"}


def pack(params, history, module_state, optimizer_state):
    """The packed network (a dict of the current layout) from its parts.

    Parameters
    ----------
    params : dict
        JSON-ready values of ``NETWORK_PARAMS``.
    history : list of dict
        skorch's history, one dict per epoch.
    module_state, optimizer_state : dict
        State dicts of the module and of the optimizer.
    """
    tensors = io.BytesIO()
    torch.save({"module": module_state, "optimizer": optimizer_state}, tensors)
    return {
        "format": FORMAT_VERSION,
        "params": json.dumps(params),
        "history": json.dumps(history),
        "tensors": tensors.getvalue(),
    }


def pack_network(net):
    """The fitted skorch ``net`` as a dict of JSON text and tensor bytes."""
    return pack(
        network_params(net),
        net.history.to_list(),
        net.module_.state_dict(),
        net.optimizer_.state_dict(),
    )


def read_json(packed, key, kind):
    """``packed[key]``, JSON text of a ``kind``, parsed."""
    text = packed[key]
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except ValueError as exc:
        raise ValueError(f"net_'s {key} is not valid JSON ({exc}).") from exc
    if not isinstance(value, kind):
        raise ValueError(f"net_'s {key} must be JSON text of a {kind.__name__}.")
    return value


def _unpack(packed):
    """Check a packed network; return its parameters, history and tensors."""
    if not isinstance(packed, dict):
        raise ValueError(
            f"ConvNetClassifier's net_ is a {type(packed).__name__}, not a "
            "network saved by sklearn-fer."
        )
    if set(packed) != _KEYS:
        raise ValueError(
            f"net_ holds the keys {sorted(map(str, packed))}, expected {sorted(_KEYS)}."
        )
    if packed["format"] != FORMAT_VERSION:
        raise ValueError(
            f"net_ was saved in layout {packed['format']!r}; this version of "
            f"sklearn-fer reads layouts up to {FORMAT_VERSION}: load it with the "
            "sklearn-fer that saved it."
        )
    params = read_json(packed, "params", dict)
    if set(params) != set(NETWORK_PARAMS):
        raise ValueError(
            f"net_'s params name {sorted(params)}, expected {sorted(NETWORK_PARAMS)}."
        )
    history = read_json(packed, "history", list)
    if not all(isinstance(row, dict) for row in history):
        raise ValueError("net_'s history must be a list of one dict per epoch.")
    if not isinstance(packed["tensors"], bytes):
        raise ValueError(
            f"net_'s tensors must be bytes, got {type(packed['tensors']).__name__}."
        )
    _check_archive(packed["tensors"])
    try:
        tensors = torch.load(
            io.BytesIO(packed["tensors"]), map_location="cpu", weights_only=True
        )
    except Exception as exc:
        raise ValueError(
            f"net_'s tensors cannot be read ({type(exc).__name__}: {exc})."
        ) from exc
    if not (
        isinstance(tensors, dict)
        and set(tensors) == {"module", "optimizer"}
        and isinstance(tensors["module"], dict)
        and isinstance(tensors["optimizer"], dict)
    ):
        raise ValueError(
            "net_'s tensors must be a dict of the module's and the optimizer's "
            "state dicts."
        )
    return params, history, tensors


def _check_archive(data):
    """Refuse tensor bytes that would make ``torch.load`` allocate more than
    they hold: anything but a zip archive of uncompressed members, as
    :func:`torch.save` writes (a deflated member of a few kilobytes can
    decompress to gigabytes; torch's older formats allocate the sizes they
    declare)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ValueError(
            f"net_'s tensors are not the zip archive torch.save writes ({exc})."
        ) from exc
    compressed = [m.filename for m in members if m.compress_type != zipfile.ZIP_STORED]
    if compressed:
        raise ValueError(
            f"net_'s tensors hold compressed members {compressed[:3]}: "
            "torch.save stores them uncompressed."
        )
    if sum(member.file_size for member in members) > len(data):
        raise ValueError("net_'s tensors declare members larger than the archive.")


def _check_tensors(tensors):
    """Every tensor dense and finite, in a storage that holds it.

    A tensor with zero or overlapping strides can claim any size over a few
    bytes of storage (a 45 KB file claiming a network of gigabytes would pass
    the shape checks); torch.save writes contiguous tensors (channels-last
    for the convolutions) that fill their storage.
    """
    found = [(f"weight {name!r}", t) for name, t in tensors["module"].items()]
    found += [
        (f"optimizer state {key!r} of weight {index!r}", value)
        for index, state in tensors["optimizer"].get("state", {}).items()
        if isinstance(state, dict)
        for key, value in state.items()
    ]
    for name, tensor in found:
        if not isinstance(tensor, torch.Tensor):
            continue  # the shape checks name it
        dense = tensor.is_contiguous() or (
            tensor.dim() == 4
            and tensor.is_contiguous(memory_format=torch.channels_last)
        )
        needed = (tensor.storage_offset() + tensor.numel()) * tensor.element_size()
        if not dense or tensor.untyped_storage().nbytes() < needed:
            raise ValueError(
                f"net_'s {name} is not a dense tensor filling its storage "
                f"(shape {tuple(tensor.shape)}, strides {tensor.stride()}, "
                f"{tensor.untyped_storage().nbytes()} bytes of storage)."
            )
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise ValueError(f"net_'s {name} has non-finite values.")


def _check_fitted_state(estimator, history):
    """The estimator's own fitted attributes that the network is built for."""
    classes = getattr(estimator, "classes_", None)
    if not (isinstance(classes, np.ndarray) and classes.ndim == 1):
        raise ValueError("ConvNetClassifier's classes_ must be a 1-D array.")
    image_shape = getattr(estimator, "image_shape_", None)
    n_features = getattr(estimator, "n_features_in_", None)
    if not (
        isinstance(image_shape, tuple)
        and len(image_shape) == 2
        and all(isinstance(side, Integral) and side >= 1 for side in image_shape)
        and image_shape[0] * image_shape[1] == n_features
    ):
        raise ValueError(
            f"ConvNetClassifier's image_shape_ {image_shape!r} does not hold "
            f"its n_features_in_ = {n_features!r} pixels."
        )
    if not isinstance(getattr(estimator, "_rng", None), np.random.RandomState):
        raise ValueError(
            "ConvNetClassifier's _rng (the generator partial_fit continues) "
            "must be a numpy.random.RandomState."
        )
    if len(history) != getattr(estimator, "n_iter_", None):
        raise ValueError(
            f"net_'s history has {len(history)} epochs but n_iter_ is "
            f"{getattr(estimator, 'n_iter_', None)!r}."
        )
    return classes, image_shape


def unpack_network(estimator, packed):
    """The skorch net of ``estimator`` (a ConvNetClassifier being loaded).

    Its network parameters come from ``packed``, the others from the
    estimator; all are validated as ``fit`` would, then the net is built and
    its tensors checked and loaded (``load_network``).

    Raises
    ------
    ValueError
        The dict is not what :func:`pack_network` writes, or does not fit the
        estimator; the message says what is wrong with ``net_``.
    """
    missing = sorted(set(signature(type(estimator)).parameters) - set(vars(estimator)))
    if missing:
        raise ValueError(f"ConvNetClassifier's parameters {missing} are missing.")
    params, history, tensors = _unpack(packed)
    _check_tensors(tensors)
    classes, image_shape = _check_fitted_state(estimator, history)
    builder = type(estimator)(**{**estimator.get_params(), **params})
    check_parameters(builder)
    # A model trained on a GPU loads on a CPU-only machine, on the CPU
    # (skorch warns that it does).
    builder.device = str(get_map_location(estimator.device))
    net = build_net(
        builder.get_params(),
        image_shape=image_shape,
        n_classes=len(classes),
        train_split=None,
        n_train=0,
    )
    return load_network(net, tensors, history)


def load_network(net, tensors, history):
    """Initialize ``net`` and load ``tensors`` and ``history`` into it.

    Every weight is compared with the shape and dtype that ``net``'s module
    has, built first on PyTorch's ``meta`` device (no memory), so a file
    whose weights do not fit the network, or one whose parameters would build
    a huge network, is refused before anything is allocated; the optimizer
    state is checked against the weights it moves.
    """
    expected = _module_tensors(net)
    found = tensors["module"]
    if set(found) != set(expected):
        missing, extra = set(expected) - set(found), set(found) - set(expected)
        raise ValueError(
            f"net_'s weights do not fit the network its parameters build: "
            f"missing {sorted(missing)}, unexpected {sorted(map(str, extra))}."
        )
    for name, reference in expected.items():
        tensor = found[name]
        if not isinstance(tensor, torch.Tensor) or (
            tensor.shape,
            tensor.dtype,
        ) != (reference.shape, reference.dtype):
            raise ValueError(
                f"net_'s weight {name!r} is {_describe(tensor)}; the network "
                f"its parameters build has {_describe(reference)}."
            )
    negative = [
        name
        for name, tensor in found.items()
        if not tensor.is_floating_point() and bool((tensor < 0).any())
    ]
    if negative:
        # Batch counts and the weight average's count of updates.
        raise ValueError(f"net_'s counts {negative} must not be negative.")
    try:
        load_state(net, found, tensors["optimizer"], history)
    except Exception as exc:
        raise ValueError(
            f"net_'s optimizer state does not fit the network "
            f"({type(exc).__name__}: {exc})."
        ) from exc
    for group in net.optimizer_.param_groups:
        for weight in group["params"]:
            for key, value in net.optimizer_.state.get(weight, {}).items():
                if (
                    isinstance(value, torch.Tensor)
                    and value.dim()
                    and (value.shape != weight.shape)
                ):
                    raise ValueError(
                        f"net_'s optimizer state {key!r} has shape "
                        f"{tuple(value.shape)} for a weight of shape "
                        f"{tuple(weight.shape)}."
                    )
    return net


def _module_tensors(net):
    """The state dict of ``net``'s module, built on the meta device (no memory),
    no larger than ``MAX_WEIGHTS``."""
    params = net.get_params_for("module")
    n_convolutions = sum(params["convs_per_block"])
    if n_convolutions > MAX_CONVOLUTIONS:
        raise ValueError(
            f"net_'s parameters build a network of {n_convolutions} convolutions; "
            f"sklearn-fer loads networks of at most {MAX_CONVOLUTIONS}."
        )
    try:
        with torch.device("meta"):
            module = net.module(**params)
    except Exception as exc:
        raise ValueError(
            f"net_'s parameters do not build a network ({type(exc).__name__}: {exc})."
        ) from exc
    state = module.state_dict()
    n_weights = sum(tensor.numel() for tensor in state.values())
    if n_weights > MAX_WEIGHTS:
        raise ValueError(
            f"net_'s parameters build a network of {n_weights:,} weights; "
            f"sklearn-fer loads networks of at most {MAX_WEIGHTS:,}."
        )
    return state


def _describe(tensor):
    if not isinstance(tensor, torch.Tensor):
        return f"a {type(tensor).__name__}, not a tensor"
    return f"of shape {tuple(tensor.shape)} and dtype {tensor.dtype}"
