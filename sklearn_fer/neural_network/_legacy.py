"""``ConvNetClassifier`` files of earlier layouts, brought to the current one.

Each layout that a release of sklearn-fer wrote is read here and turned into
the current one (``_persistence``), which is then checked and loaded like any
file of today, so that old files meet the same checks:

* **the skorch net** (up to 2026-11-26): a pickle holding ``net_``, skorch's
  ``NeuralNetClassifier`` itself, with a module that knew nothing of crops,
  test-time views, erasing or the weight average;
* **layout 1** (2026-11-28 to 2026-12-04): the packed network of today, whose
  ``params`` also named the augmentation (now the estimator's, like every
  parameter that does not shape the network); until 2026-12-04 they lacked
  ``crop_size`` and ``ema_decay``, and the estimator lacked them and
  ``erasing`` and ``test_time_crops``; every file lacks ``image_shape``
  (the rule was then a square, else one row of pixels: what ``image_shape_``
  holds).

``tests/neural_network/model_files`` holds a file of each, written by those
releases.
"""

import json

from sklearn.utils import check_random_state
from skorch import NeuralNetClassifier

from ._net import NETWORK_PARAMS, network_params
from ._persistence import FORMAT_VERSION, pack, read_json

#: Parameters added since the first model files, with the value that the
#: files saved before them behave as: such a file lacks them.
ADDED_PARAMS = {
    "crop_size": None,
    "ema_decay": None,
    "erasing": 0.0,
    "test_time_crops": 1,
    "image_shape": None,
}


def upgrade_state(state):
    """``state``, an estimator's state from a file, in the current layout.

    A state already in it, or one that is none of the layouts above, is
    returned as it is, for the current loader to check. Earlier layouts had
    no generator for ``partial_fit`` to continue: one is seeded from
    ``random_state``, as a first ``partial_fit`` would.
    """
    net = state.get("net_")
    if isinstance(net, dict) and net.get("format") == 1:
        state = _with_added_params(state)
        return {**state, "net_": _from_layout_1(net, state)}
    if isinstance(net, NeuralNetClassifier):
        return {**_with_added_params(state), "net_": _from_skorch_net(net)}
    return state


def _with_added_params(state):
    rng = check_random_state(state.get("random_state"))
    return {**ADDED_PARAMS, "_rng": rng, **state}


def _from_layout_1(packed, state):
    """A layout-1 network in the current layout: the same dict, but only the
    network's parameters, those added later at the values it was built with."""
    params = read_json(packed, "params", dict)
    older = {name: state[name] for name in NETWORK_PARAMS if name in ADDED_PARAMS}
    params = {**older, **params}
    # The augmentation is the estimator's own parameters now; anything else
    # is left for the current loader to refuse.
    for name in ("flip", "rotation", "shift", "scale", "blur", "erasing"):
        params.pop(name, None)
    return {**packed, "format": FORMAT_VERSION, "params": json.dumps(params)}


def _from_skorch_net(net):
    """A pickled skorch net in the current layout: its parameters, history and
    state dicts (the module's layers are named as today's, and it had neither
    crops nor a weight average)."""
    return pack(
        network_params(net, older=ADDED_PARAMS),
        net.history.to_list(),
        net.module_.state_dict(),
        net.optimizer_.state_dict(),
    )
