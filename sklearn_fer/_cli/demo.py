"""``sklearn-fer demo``: the logistic / softmax study end to end."""

import time
import warnings

import numpy as np

from ._data import load_faces
from ._options import (
    COMMON_OPTIONS,
    DATA_OPTIONS,
    SEED_OPTIONS,
    at_least,
    data_path,
)
from ._outputs import Outputs
from ._progress import say
from ._reporting import print_loss_curves, print_table, print_wrapped, scores

HELP = "logistic (happy vs rest) and softmax (7 emotions) beside sklearn"
DESCRIPTION = (
    "Fit SGDLogisticRegression (happy vs not happy) and SGDSoftmaxRegression "
    "(all emotions) beside scikit-learn's baselines; print the loss per epoch "
    "and the test scores. On FER2013 (Training to fit, PublicTest to score) "
    "with --data or $SKLEARN_FER_DATA, else on synthetic faces."
)
EXAMPLES = [
    "sklearn-fer demo",
    "sklearn-fer demo --data fer2013.csv.gz",
]
PARENTS = [DATA_OPTIONS, SEED_OPTIONS, COMMON_OPTIONS]


def add_arguments(parser):
    parser.add_argument(
        "--n-faces",
        type=at_least(1),
        default=3500,
        metavar="INT",
        help="synthetic faces to draw without --data",
    )


def outputs(args) -> Outputs:
    return Outputs()  # the demo only prints


def _faces(path, n_faces, random_state):
    """FER2013 from ``path``, else synthetic faces with 20% set aside as PublicTest."""
    from ..datasets import make_faces

    if path:
        faces = load_faces(path, labelled=True)
        source = f"FER2013 from {path}"
    else:
        from sklearn.model_selection import train_test_split

        faces = make_faces(n_faces, random_state=random_state)
        _, test = train_test_split(
            np.arange(n_faces),
            test_size=0.2,
            stratify=faces.target,
            random_state=random_state,
        )
        faces.usage = np.full(n_faces, "Training", dtype=object)
        faces.usage[test] = "PublicTest"
        source = "synthetic faces (make_faces; pass --data PATH for real FER2013)"
    return faces, source


def _compare(title, ours, baselines, data):
    """Fit ``ours`` and the baselines; print our loss curves and everyone's scores."""
    X_train, y_train, X_test, y_test = data
    rows = {}
    for name, model in [(type(ours).__name__, ours), *baselines]:
        say(f"{title}: fitting {name} ...")
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # baselines' ConvergenceWarning
            model.fit(X_train, y_train)
        seconds = time.perf_counter() - started
        rows[name] = {**scores(model, X_test, y_test)[0], "fit_time_seconds": seconds}
        if model is ours:
            print(f"\n{title}: {name}, loss per epoch")
            print_loss_curves(model)
    print_table(f"{title}: test-set scores", rows)


def run(args):
    from sklearn.linear_model import LogisticRegression, SGDClassifier

    from ..datasets import EMOTIONS, train_test_by_usage
    from ..linear_model import SGDLogisticRegression, SGDSoftmaxRegression

    faces, source = _faces(
        data_path(args, required=False), args.n_faces, args.random_state
    )
    try:
        split = train_test_by_usage(faces)
    except ValueError as exc:  # no Training faces
        raise ValueError(f"{source}: {exc}") from exc
    if not len(split.y_test):
        raise ValueError(f"{source} has no PublicTest faces to score the demo on.")
    print_wrapped(
        f"sklearn-fer demo on {source}: {len(split.y_train)} Training / "
        f"{len(split.y_test)} PublicTest faces"
    )
    seed = args.random_state
    happy = EMOTIONS.index("happy")
    _compare(
        "Happy vs not happy",
        SGDLogisticRegression(validation_fraction=0.1, tol=None, random_state=seed),
        [("LogisticRegression(C=0.01)", LogisticRegression(C=0.01))],
        (
            split.X_train,
            (split.y_train == happy) * 1,
            split.X_test,
            (split.y_test == happy) * 1,
        ),
    )
    _compare(
        f"{len(np.unique(split.y_train))} emotions",
        SGDSoftmaxRegression(validation_fraction=0.1, tol=None, random_state=seed),
        [
            ("LogisticRegression(C=0.01)", LogisticRegression(C=0.01)),
            (
                "SGDClassifier(log_loss)",
                SGDClassifier(
                    loss="log_loss", max_iter=20, tol=None, random_state=seed
                ),
            ),
        ],
        (split.X_train, split.y_train, split.X_test, split.y_test),
    )
