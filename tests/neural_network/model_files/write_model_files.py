"""Write the small ConvNetClassifier files that tests/neural_network load.

Each file is a tiny network (16 x 16 faces, 2 and 4 channels) trained for two
epochs by one version of sklearn-fer, with the probabilities it predicts for
``faces.npz`` beside it (``<name>.proba.npy``), so that the tests can check
that files written by earlier versions still load and predict as they did.
Run it with the sklearn-fer of that version first on the path, e.g. for the
version of commit C::

    git archive C sklearn_fer | tar -x -C /tmp/old
    cd tests/neural_network/model_files
    PYTHONPATH=/tmp/old python write_model_files.py NAME

The files here were written by:

* ``skorch-net-2026-11-26.pkl``: commit 79997ce (main before the network was
  packed, 2026-11-26): a pickle holding the skorch net itself.
* ``format-1-2026-11-28.skops`` / ``.pkl``: commit 4ac5129 (format 1 of the
  packed network, before crops, views, erasing and weight averaging).
* ``format-1-2026-12-04.skops`` / ``.pkl``: commit 14d65a5 (format 1 with
  crops, five test-time views, erasing and the weight average).
"""

import inspect
import pickle
import sys
from pathlib import Path

import numpy as np

from sklearn_fer.datasets import make_faces
from sklearn_fer.neural_network import ConvNetClassifier

HERE = Path(__file__).parent
#: 16 x 16 faces: means of the 3 x 3 blocks of make_faces' 48 x 48 ones.
SIDE = 16


def faces(n_samples, random_state):
    X, y = make_faces(
        n_samples,
        emotions=["happy", "sad", "surprise"],
        random_state=random_state,
        return_X_y=True,
    )
    small = X.reshape(len(X), SIDE, 3, SIDE, 3).mean(axis=(2, 4))
    names = np.array(["happy", "sad", "surprise"])
    return np.round(small).astype(np.uint8).reshape(len(X), -1), names[y]


def model():
    """The tiny network, with every option of this version that shapes it."""
    params = dict(
        channels=(2, 4),
        convs_per_block=1,
        hidden_units=4,
        batch_size=16,
        max_epochs=2,
        random_state=0,
    )
    known = inspect.signature(ConvNetClassifier).parameters
    newer = dict(crop_size=12, test_time_crops=5, erasing=0.25, ema_decay=0.9)
    params.update({name: value for name, value in newer.items() if name in known})
    return ConvNetClassifier(**params)


def main(name):
    X, y = faces(150, random_state=0)
    X_test, _ = faces(30, random_state=1)
    fitted = model().fit(X[:120], y[:120], eval_set=(X[120:], y[120:]))
    np.savez_compressed(HERE / "faces.npz", X_test=X_test)
    np.save(HERE / f"{name}.proba.npy", fitted.predict_proba(X_test))
    try:
        from sklearn_fer.utils import save_model
    except ImportError:  # before save_model existed
        save_model = None
    if save_model is None or name.startswith("skorch-net"):
        (HERE / f"{name}.pkl").write_bytes(pickle.dumps(fitted))
        return
    save_model(fitted, HERE / f"{name}.skops")
    save_model(fitted, HERE / f"{name}.pkl", format="pickle")


if __name__ == "__main__":
    main(sys.argv[1])
