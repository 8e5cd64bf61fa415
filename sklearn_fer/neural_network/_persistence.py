"""``ConvNetClassifier``'s network as plain data, loaded without unpickling.

A fitted network is kept in a saved model as a dict of plain values: the
parameters it was built with and its training history (JSON text), and its
weights and optimizer state (bytes written by :func:`torch.save`, read back by
``torch.load(weights_only=True)``, which builds tensors and plain containers
and runs no code from the file). Both skops and pickle store this dict, so a
skops file of a ``ConvNetClassifier`` loads without trusting anything but the
estimator class; the network is then rebuilt, its tensors checked against the
shapes that network must have, and loaded into it.
"""

import io
import json

import torch
from skorch.history import History

#: Version of the layout of the dict; a newer layout is refused by name.
FORMAT_VERSION = 1
_KEYS = {"format", "params", "history", "tensors"}


def pack_network(net, params):
    """The fitted skorch ``net`` as a dict of JSON text and tensor bytes.

    Parameters
    ----------
    net : skorch.NeuralNetClassifier
        An initialized network.
    params : dict
        JSON-ready estimator parameters that rebuild a network whose tensors
        have the shapes of ``net``'s.
    """
    tensors = io.BytesIO()
    torch.save(
        {
            "module": net.module_.state_dict(),
            "optimizer": net.optimizer_.state_dict(),
        },
        tensors,
    )
    return {
        "format": FORMAT_VERSION,
        "params": json.dumps(params),
        "history": json.dumps(net.history.to_list()),
        "tensors": tensors.getvalue(),
    }


def is_packed_network(value):
    """True for the dict :func:`pack_network` makes (whatever its version)."""
    return isinstance(value, dict) and "tensors" in value and "format" in value


def unpack_network(packed):
    """Check a packed network; return its parameters, history and tensors.

    Raises
    ------
    ValueError
        The dict is not what :func:`pack_network` writes; the message says
        what is wrong with ``net_``.
    """
    if set(packed) != _KEYS:
        raise ValueError(
            f"net_ holds the keys {sorted(map(str, packed))}, expected {sorted(_KEYS)}."
        )
    if packed["format"] != FORMAT_VERSION:
        raise ValueError(
            f"net_ was saved in layout {packed['format']!r}; this version of "
            f"sklearn-fer reads layout {FORMAT_VERSION}: load it with the "
            "sklearn-fer that saved it."
        )
    params = _json(packed, "params", dict)
    history = _json(packed, "history", list)
    if not all(isinstance(row, dict) for row in history):
        raise ValueError("net_'s history must be a list of one dict per epoch.")
    if not isinstance(packed["tensors"], bytes):
        raise ValueError(
            f"net_'s tensors must be bytes, got {type(packed['tensors']).__name__}."
        )
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


def _json(packed, key, kind):
    text = packed[key]
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except ValueError as exc:
        raise ValueError(f"net_'s {key} is not valid JSON ({exc}).") from exc
    if not isinstance(value, kind):
        raise ValueError(f"net_'s {key} must be JSON text of a {kind.__name__}.")
    return value


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
    net.initialize()
    net.module_.load_state_dict(found)
    try:
        net.optimizer_.load_state_dict(tensors["optimizer"])
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
    net.history = History(history)
    return net


def _module_tensors(net):
    """The state dict of ``net``'s module, built on the meta device."""
    try:
        with torch.device("meta"):
            module = net.module(**net.get_params_for("module"))
    except Exception as exc:
        raise ValueError(
            f"net_'s parameters do not build a network ({type(exc).__name__}: {exc})."
        ) from exc
    return module.state_dict()


def _describe(tensor):
    if not isinstance(tensor, torch.Tensor):
        return f"a {type(tensor).__name__}, not a tensor"
    return f"of shape {tuple(tensor.shape)} and dtype {tensor.dtype}"
