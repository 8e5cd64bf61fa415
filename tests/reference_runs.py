"""Fixed-seed training runs of the iterative estimators, recorded to compare code.

Each run trains a small model on synthetic faces (16 x 16, so that the record
stays small) with a fixed seed and returns what it learned: weights, loss
curves, best iteration, predicted probabilities. ``reference_runs.npz`` holds
the record of these runs; a change that only reorganises the code must leave
every array of every run bit for bit the same::

    python -m tests.reference_runs check    # exit 1 when a run differs
    python -m tests.reference_runs record   # after an intended change

``tests/test_reference_runs.py`` compares them within a small tolerance on
every test run (another CPU or BLAS may round differently); ``check`` is the
exact comparison to run on the machine that recorded them. Runs use one
thread, for the same reason.
"""

import sys
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.utils import Bunch

from sklearn_fer.datasets import make_faces
from sklearn_fer.linear_model import SGDLogisticRegression, SGDSoftmaxRegression

RECORD = Path(__file__).with_name("reference_runs.npz")
SIDE = 16


def faces(n_samples, random_state, emotions=("happy", "sad", "surprise")):
    """16 x 16 faces (means of 3 x 3 blocks of make_faces' 48 x 48), labels."""
    X, y = make_faces(
        n_samples, emotions=list(emotions), random_state=random_state, return_X_y=True
    )
    X = X.reshape(len(X), SIDE, 3, SIDE, 3).mean(axis=(2, 4))
    return X.reshape(len(X), -1).astype(np.float32), np.asarray(emotions)[y]


def _data():
    """Training faces, validation faces, test faces (for the probabilities)."""
    X, y = faces(200, random_state=0)
    X_test, _ = faces(30, random_state=1)
    return Bunch(X=X[:160], y=y[:160], X_val=X[160:], y_val=y[160:], X_test=X_test)


# -- linear models ------------------------------------------------------------------


def _linear_outputs(model, X_test):
    return {
        "coef": model.coef_,
        "intercept": model.intercept_,
        "loss_curve": np.asarray(model.loss_curve_),
        "validation_loss_curve": np.asarray(
            np.nan
            if model.validation_loss_curve_ is None
            else model.validation_loss_curve_
        ),
        "best_iteration": np.asarray(model.best_iteration_),
        "proba": model.predict_proba(X_test),
    }


def softmax_default():
    d = _data()
    model = SGDSoftmaxRegression(eta0=0.01, random_state=0).fit(d.X / 255, d.y)
    return _linear_outputs(model, d.X_test / 255)


def softmax_auto_step():
    d = _data()
    model = SGDSoftmaxRegression(random_state=0).fit(d.X, d.y)
    return _linear_outputs(model, d.X_test)


def softmax_eval_set_adaptive_early_stopping():
    d = _data()
    model = SGDSoftmaxRegression(
        learning_rate="adaptive",
        early_stopping=True,
        n_iter_no_change=2,
        tol=1e-3,
        max_iter=20,
        eta0=0.05,
        random_state=0,
    ).fit(d.X / 255, d.y, eval_set=(d.X_val / 255, d.y_val))
    return _linear_outputs(model, d.X_test / 255)


def softmax_elasticnet_nesterov_weights():
    d = _data()
    weights = np.linspace(0.5, 2.0, len(d.y))
    model = SGDSoftmaxRegression(
        penalty="elasticnet",
        l1_ratio=0.5,
        alpha=1e-3,
        nesterov=True,
        momentum=0.5,
        class_weight="balanced",
        validation_fraction=0.2,
        batch_size=32,
        eta0=0.01,
        random_state=np.random.RandomState(3),
    ).fit(d.X / 255, d.y, sample_weight=weights)
    return _linear_outputs(model, d.X_test / 255)


def softmax_sparse_float64_warm_start():
    d = _data()
    X = sparse.csr_matrix(np.where(d.X > 128, d.X, 0) / 255.0)
    model = SGDSoftmaxRegression(
        learning_rate="constant",
        eta0=0.01,
        warm_start=True,
        max_iter=3,
        random_state=0,
    )
    model.fit(X, d.y).fit(X, d.y)
    return _linear_outputs(model, d.X_test / 255.0)


def logistic_l1_float32():
    d = _data()
    binary = d.y != "happy"
    model = SGDLogisticRegression(
        penalty="l1",
        alpha=1e-3,
        momentum=0.0,
        batch_size=16,
        eta0=0.01,
        random_state=0,
    ).fit(d.X / 255, binary)
    return _linear_outputs(model, d.X_test / 255)


def softmax_partial_fit():
    d = _data()
    model = SGDSoftmaxRegression(eta0=0.01, random_state=0)
    model.partial_fit(d.X[:80] / 255, d.y[:80], classes=np.unique(d.y))
    model.partial_fit(d.X[80:] / 255, d.y[80:], eval_set=(d.X_val / 255, d.y_val))
    model.set_params(eta0=0.02, learning_rate="constant")
    model.partial_fit(d.X / 255, d.y)
    return _linear_outputs(model, d.X_test / 255)


# -- the convolutional network -------------------------------------------------------

#: A network of a few hundred weights that exercises every option.
TINY_CNN = dict(
    channels=(2, 4),
    convs_per_block=1,
    hidden_units=4,
    batch_size=16,
    crop_size=12,
    ema_decay=0.9,
    erasing=0.25,
)


def _cnn_outputs(model, X_test):
    outputs = {
        f"weight {name}": tensor.numpy()
        for name, tensor in model.net_.module_.state_dict().items()
    }
    validation = model.validation_loss_curve_
    outputs.update(
        loss_curve=np.asarray(model.loss_curve_),
        validation_loss_curve=np.asarray(np.nan if validation is None else validation),
        best_iteration=np.asarray(model.best_iteration_),
        proba=model.predict_proba(X_test),
    )
    model.set_params(test_time_crops=5, test_time_flip=False)
    outputs["proba five crops"] = model.predict_proba(X_test)
    return outputs


def cnn_fit_eval_set():
    from sklearn_fer.neural_network import ConvNetClassifier

    d = _data()
    model = ConvNetClassifier(**TINY_CNN, max_epochs=3, random_state=0)
    return _cnn_outputs(model.fit(d.X, d.y, eval_set=(d.X_val, d.y_val)), d.X_test)


def cnn_sgd_constant_smoothing_holdout():
    from sklearn_fer.neural_network import ConvNetClassifier

    d = _data()
    params = {**TINY_CNN, "convs_per_block": None, "crop_size": None}
    model = ConvNetClassifier(
        **{**params, "ema_decay": None},
        optimizer="sgd",
        learning_rate=0.01,
        lr_schedule="constant",
        label_smoothing=0.1,
        validation_fraction=0.25,
        max_epochs=2,
        random_state=7,
    )
    return _cnn_outputs(model.fit(d.X.reshape(-1, SIDE, SIDE), d.y), d.X_test)


def cnn_early_stopping():
    from sklearn_fer.neural_network import ConvNetClassifier

    d = _data()
    model = ConvNetClassifier(
        **TINY_CNN,
        optimizer="adamw",
        learning_rate=0.05,
        early_stopping=True,
        n_iter_no_change=1,
        max_epochs=6,
        random_state=1,
    )
    return _cnn_outputs(model.fit(d.X, d.y), d.X_test)


def cnn_first_partial_fit():
    from sklearn_fer.neural_network import ConvNetClassifier

    d = _data()
    model = ConvNetClassifier(**TINY_CNN, random_state=0)
    model.partial_fit(d.X, d.y, classes=np.unique(d.y), eval_set=(d.X_val, d.y_val))
    return _cnn_outputs(model, d.X_test)


def cnn_partial_fit_calls():
    from sklearn_fer.neural_network import ConvNetClassifier

    d = _data()
    model = ConvNetClassifier(**TINY_CNN, random_state=0)
    model.partial_fit(d.X[:80], d.y[:80], classes=np.unique(d.y))
    model.partial_fit(d.X[80:], d.y[80:], eval_set=(d.X_val, d.y_val))
    model.partial_fit(d.X, d.y)
    return _cnn_outputs(model, d.X_test)


def cnn_augment():
    from sklearn_fer.neural_network import ConvNetClassifier

    d = _data()
    model = ConvNetClassifier(**TINY_CNN, rotation=20, blur=2.0)
    return {"faces": model.augment(d.X_test, random_state=0)}


RUNS = {
    run.__name__: run
    for run in (
        softmax_default,
        softmax_auto_step,
        softmax_eval_set_adaptive_early_stopping,
        softmax_elasticnet_nesterov_weights,
        softmax_sparse_float64_warm_start,
        logistic_l1_float32,
        softmax_partial_fit,
        cnn_fit_eval_set,
        cnn_sgd_constant_smoothing_holdout,
        cnn_early_stopping,
        cnn_first_partial_fit,
        cnn_partial_fit_calls,
        cnn_augment,
    )
}


def run_all(names=RUNS):
    """``{"run/array": value}`` of the named runs, on one thread."""
    from threadpoolctl import threadpool_limits

    try:
        import torch
    except ImportError:
        torch = None
    threads = torch.get_num_threads() if torch else None
    outputs = {}
    try:
        if torch:
            torch.set_num_threads(1)
        with threadpool_limits(1):
            for name in names:
                for key, value in RUNS[name]().items():
                    outputs[f"{name}/{key}"] = np.asarray(value)
    finally:
        if torch:
            torch.set_num_threads(threads)
    return outputs


def compare(recorded, outputs):
    """``{run: max abs difference}`` (0.0: bit for bit; inf: arrays differ in shape)."""
    differences = {}
    for key in sorted(set(recorded) | set(outputs)):
        run = key.split("/")[0]
        old, new = recorded.get(key), outputs.get(key)
        if old is None or new is None or old.shape != new.shape:
            difference = np.inf
        elif np.array_equal(old, new, equal_nan=True):
            difference = 0.0
        else:
            difference = float(np.nanmax(np.abs(old.astype(float) - new)))
        differences[run] = max(differences.get(run, 0.0), difference)
    return differences


def main(argv):
    if argv[:1] == ["record"]:
        np.savez_compressed(RECORD, **run_all())
        print(f"recorded {len(RUNS)} runs in {RECORD}")
        return 0
    if argv[:1] != ["check"]:
        print(__doc__)
        return 2
    with np.load(RECORD) as record:
        recorded = dict(record)
    differences = compare(recorded, run_all())
    for run, difference in differences.items():
        print(f"{run:45} {'identical' if difference == 0 else difference}")
    return 0 if not any(differences.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
