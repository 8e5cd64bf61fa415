"""The skorch side of ``ConvNetClassifier``: its parameters routed, its net built.

Every parameter of ``ConvNetClassifier`` that ``FaceConvNet`` takes as an
argument of the same name reaches it as ``module__<name>``, skorch's own
routing (``NeuralNet.get_params_for("module")`` reads them back); the few
that skorch knows under another name are in ``SKORCH_NAMES``; the rest
choose callbacks. ``NETWORK_PARAMS`` are those that make the network what it
is, which a saved network keeps.
"""

import contextlib
import copy
import inspect
import math
import sys
from numbers import Integral

import numpy as np
import torch
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback, EarlyStopping, LRScheduler, PrintLog
from skorch.history import History
from skorch.utils import Ansi
from torch import nn

from ..utils._iterative import DIVERGENCE_FACTOR, Diverged
from ..utils._sklearn_api import InvalidParameterError
from ._module import FaceConvNet

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
}
#: Settings of an optimizer that are not parameters: SGD has Nesterov momentum.
_OPTIMIZER_SETTINGS = {"sgd": {"optimizer__momentum": 0.9, "optimizer__nesterov": True}}

#: ConvNetClassifier's parameters that FaceConvNet takes (as module__<name>).
MODULE_PARAMS = tuple(
    name
    for name in inspect.signature(FaceConvNet).parameters
    if name not in ("image_shape", "n_classes")
)
#: ConvNetClassifier's parameters that skorch takes, by skorch's name for them.
SKORCH_NAMES = {
    "learning_rate": "lr",
    "weight_decay": "optimizer__weight_decay",
    "label_smoothing": "criterion__label_smoothing",
    "batch_size": "batch_size",
    "max_epochs": "max_epochs",
    "device": "device",
    "verbose": "verbose",
}
#: The parameters that make the network what it is: the shapes of its
#: weights, its forward pass, the state of its optimizer. A saved network
#: holds their values and is rebuilt with them, whatever the estimator's
#: parameters are by then.
NETWORK_PARAMS = (
    "channels",
    "convs_per_block",
    "hidden_units",
    "dropout",
    "negative_slope",
    "standardize",
    "crop_size",
    "ema_decay",
    "optimizer",
)


def _positive_ints(values):
    return all(
        isinstance(value, Integral) and not isinstance(value, bool) and value >= 1
        for value in values
    )


def convs_per_block(channels, counts):
    """One convolution count per block of ``channels``, from ``counts``.

    Checks what ``_parameter_constraints`` cannot say of ConvNetClassifier's
    ``channels`` and ``convs_per_block``: their entries, and one count per
    block; raises ``InvalidParameterError`` naming the parameter.
    """
    if len(channels) == 0 or not _positive_ints(channels):
        raise InvalidParameterError(
            "The 'channels' parameter of ConvNetClassifier must be a non-empty "
            "tuple or list of ints >= 1 (the output channels of each block); "
            f"got {channels!r}."
        )
    if counts is None:
        return (1,) + (2,) * (len(channels) - 1)
    if isinstance(counts, Integral):
        return (counts,) * len(channels)
    counts = tuple(counts)
    if not _positive_ints(counts):
        raise InvalidParameterError(
            "The 'convs_per_block' parameter of ConvNetClassifier must be an int "
            ">= 1, a tuple or list of them (one per block) or None; got "
            f"{counts!r}."
        )
    if len(counts) != len(channels):
        raise InvalidParameterError(
            f"convs_per_block has {len(counts)} entries but channels has "
            f"{len(channels)} blocks: give one count per block or a single int."
        )
    return counts


@contextlib.contextmanager
def seeded(seed, device):
    """PyTorch's randomness drawn from ``seed`` inside; its global generators
    (the CPU's and, on a GPU, the device's) as they were afterwards.

    Weight initialisation, shuffling, dropout and the augmentation draw from
    PyTorch's global generators; forking them keeps a user's other PyTorch
    code unaffected by our training, and our training by theirs.
    """
    device = torch.device(device)
    on_cuda = device.type == "cuda" and torch.cuda.is_available()
    index = None
    if on_cuda:
        index = (
            device.index if device.index is not None else torch.cuda.current_device()
        )
    with torch.random.fork_rng(devices=[] if index is None else [index]):
        torch.random.default_generator.manual_seed(seed)
        if on_cuda:
            with torch.cuda.device(index):
                torch.cuda.manual_seed(seed)
        yield


def _on_terminal(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # not a file, or closed
        return False


class EpochTable(PrintLog):
    """skorch's table of epochs (``verbose=1``), coloured only on a terminal.

    skorch colours the best scores with ANSI escape codes wherever the table
    goes; written to a log or a file, they are noise.
    """

    def format_row(self, row, key, color):
        formatted = super().format_row(row, key, color)
        if isinstance(formatted, str) and not _on_terminal(sys.stdout):
            formatted = formatted.replace(color, "").replace(Ansi.ENDC.value, "")
        return formatted


class StopOnDivergence(Callback):
    """Raise ``Diverged`` as soon as training diverges.

    A mini-batch loss that is not finite stops it at once; at the end of an
    epoch, so do a mean training loss above ``max_loss`` or weights that are
    no longer finite (the linear models' rule, ``utils._iterative``).
    """

    def __init__(self, max_loss):
        self.max_loss = max_loss

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if training:
            batches = net.history[-1]["batches"]
            loss = batches[-1]["train_loss"]
            if not math.isfinite(loss):
                raise Diverged(
                    len(net.history),
                    f"the loss of mini-batch {len(batches) - 1} is {loss}",
                )

    def on_epoch_end(self, net, **kwargs):
        epoch, loss = len(net.history), net.history[-1]["train_loss"]
        if not loss <= self.max_loss:
            raise Diverged(
                epoch,
                f"the training loss reaches {loss:.3g} (more than {self.max_loss:.3g})",
            )
        if not all(bool(torch.isfinite(w).all()) for w in net.module_.parameters()):
            raise Diverged(epoch, "the weights are no longer finite")


class UpdateWeightAverage(Callback):
    """After every training step, move the network's averaged weights."""

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if training:
            net.module_.update_average()


def _callbacks(params, train_split, n_classes):
    # Divergence first: a diverged epoch is an error, not an early stop.
    max_loss = DIVERGENCE_FACTOR * math.log(n_classes)
    callbacks = [("divergence", StopOnDivergence(max_loss))]
    if params["lr_schedule"] == "cosine":
        # With warm restarts, partial_fit past max_epochs starts a new
        # cycle; CosineAnnealingLR would train an epoch at 0, then climb.
        callbacks.append(
            (
                "lr_schedule",
                LRScheduler(
                    torch.optim.lr_scheduler.CosineAnnealingWarmRestarts,
                    T_0=params["max_epochs"],
                ),
            )
        )
    if params["early_stopping"] and train_split is not None:
        callbacks.append(
            (
                "early_stopping",
                EarlyStopping(
                    monitor="valid_loss",
                    patience=params["n_iter_no_change"],
                    load_best=True,
                    sink=print if params["verbose"] else (lambda *_: None),
                ),
            )
        )
    if params["ema_decay"] is not None:
        callbacks.append(("weight_average", UpdateWeightAverage()))
    if params["verbose"] > 1:
        from skorch.callbacks import ProgressBar

        callbacks.append(("progress", ProgressBar()))
    return callbacks


def build_net(params, *, image_shape, n_classes, train_split, n_train):
    """The skorch net that trains a ``FaceConvNet`` as ``params`` say.

    Parameters
    ----------
    params : dict
        ``ConvNetClassifier``'s parameters (``get_params()``).
    image_shape : tuple of int
        (height, width) of the faces.
    n_classes : int
    train_split : callable or None
        skorch's ``train_split``: the validation data, if any.
    n_train : int
        Training faces; the incomplete last batch is dropped when there is
        more than one batch (batch norm cannot train on one face).
    """
    module = {f"module__{name}": params[name] for name in MODULE_PARAMS}
    module["module__channels"] = tuple(params["channels"])
    module["module__convs_per_block"] = convs_per_block(
        params["channels"], params["convs_per_block"]
    )
    return NeuralNetClassifier(
        module=FaceConvNet,
        module__image_shape=image_shape,
        module__n_classes=n_classes,
        **module,
        criterion=nn.CrossEntropyLoss,
        optimizer=OPTIMIZERS[params["optimizer"]],
        **_OPTIMIZER_SETTINGS.get(params["optimizer"], {}),
        **{skorch: params[name] for name, skorch in SKORCH_NAMES.items()},
        train_split=train_split,
        callbacks=_callbacks(params, train_split, n_classes),
        callbacks__print_log=EpochTable(),
        classes=np.arange(n_classes),
        iterator_train__shuffle=True,
        iterator_train__drop_last=n_train > params["batch_size"],
    )


def view_probabilities(net, X, *, test_time_crops, test_time_flip):
    """The probabilities ``net`` predicts for ``X`` with these test-time views.

    skorch's ``predict_proba`` (the same batches, the softmax of the scores
    on the CPU), with the views passed to the module for this call rather
    than set on it, and the module left in the mode it was in: prediction
    changes nothing.
    """
    net.check_is_fitted()
    training = net.module_.training
    probabilities = []
    try:
        net.module_.eval()
        with torch.no_grad():
            for batch in net.get_iterator(net.get_dataset(X), training=False):
                scores = net.infer(
                    batch[0],
                    test_time_crops=test_time_crops,
                    test_time_flip=test_time_flip,
                )
                probabilities.append(torch.softmax(scores.cpu(), dim=-1).numpy())
    finally:
        net.module_.train(training)
    return np.concatenate(probabilities, axis=0)


def load_state(net, module_state, optimizer_state, history):
    """Initialize ``net`` and give it a trained network's state.

    The module's weights, the optimizer's moments and the history are those
    given; the optimizer's settings (learning rate, weight decay) are
    ``net``'s own, the parameters of this call. Nothing given is shared with
    ``net``: the weights are copied into its module, the rest is copied.
    """
    net.initialize()
    net.module_.load_state_dict(module_state)
    net.optimizer_.load_state_dict(copy.deepcopy(optimizer_state))
    for group in net.optimizer_.param_groups:
        group.update(net.optimizer_.defaults)
        # The base of the learning-rate schedule, which goes on where it was.
        group["initial_lr"] = group["lr"]
    net.history = History(copy.deepcopy(history))


def train(net, X, y, *, epochs=None):
    """Train ``net``: ``fit`` (``epochs=None``) or ``epochs`` more epochs.

    skorch ends training quietly on ``KeyboardInterrupt``, keeping the
    half-trained net (``EarlyStopping`` stops training by raising one): a
    training that neither ran all its epochs nor was stopped early was
    interrupted, and raises ``KeyboardInterrupt`` for the caller to discard
    the net.
    """
    n_before = len(net.history) if epochs is not None and net.initialized_ else 0
    if epochs is None:
        net.fit(X, y)
    else:
        net.partial_fit(X, y, epochs=epochs)
    expected = n_before + (net.max_epochs if epochs is None else epochs)
    stopping = dict(net.callbacks_).get("early_stopping")
    stopped_early = stopping is not None and stopping.misses_ >= stopping.patience
    finished = len(net.history) == expected and "dur" in net.history[-1]
    if not (finished or stopped_early):
        raise KeyboardInterrupt("the training of the network was interrupted")
    return net


def continue_training(net, trained):
    """``net``, initialized with the state of the ``trained`` net, to train on."""
    load_state(
        net,
        trained.module_.state_dict(),
        trained.optimizer_.state_dict(),
        trained.history.to_list(),
    )
    return net


def network_params_of(params):
    """The values of ``NETWORK_PARAMS`` in ``params``, ConvNetClassifier's
    parameters, as a saved network holds them (JSON-ready, one convolution
    count per block)."""
    values = {name: params[name] for name in NETWORK_PARAMS}
    values["channels"] = list(params["channels"])
    values["convs_per_block"] = list(
        convs_per_block(params["channels"], params["convs_per_block"])
    )
    return values


def network_params(net, older=None):
    """The values of ``NETWORK_PARAMS`` that built ``net`` (JSON-ready).

    Read from the net rather than from the estimator, so that a model whose
    parameters were changed after fitting still saves the network it has.
    ``older`` gives the values of parameters that a net built before they
    existed lacks.
    """
    names = {optimizer: name for name, optimizer in OPTIMIZERS.items()}
    return network_params_of(
        {
            **(older or {}),
            **net.get_params_for("module"),
            "optimizer": names[net.optimizer],
        }
    )


def drop_training_state(net):
    """Let go of what only the training loop needs, before the net is kept.

    skorch unpickles the module and optimizer with ``map_location``, so a
    net trained on a GPU loads on a CPU-only machine, but the LR
    scheduler keeps its own reference to the optimizer, whose GPU tensors
    would then be unpickled as they are and fail (skorch issue #1096).
    skorch builds a new scheduler at the start of every fit or partial_fit
    anyway. The validation split holds the validation faces, which a
    saved model should not carry.
    """
    for _, callback in net.callbacks_:
        if isinstance(callback, LRScheduler):
            callback.lr_scheduler_ = None
    net.train_split = None
