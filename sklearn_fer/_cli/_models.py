"""The models ``train`` and ``sweep`` fit (``--model``), and how they are saved."""

from ._options import UsageError


def _logistic(random_state):
    from ..linear_model import SGDLogisticRegression

    return SGDLogisticRegression(random_state=random_state, verbose=1)


def _softmax(random_state):
    from ..linear_model import SGDSoftmaxRegression

    return SGDSoftmaxRegression(random_state=random_state, verbose=1)


def _cnn(random_state):
    try:
        from ..neural_network import ConvNetClassifier
    except ImportError as exc:
        raise UsageError(str(exc)) from exc
    return ConvNetClassifier(random_state=random_state, verbose=1)


#: ``--model`` name -> a function of the seed that makes a fresh estimator.
MODELS = {"logistic": _logistic, "softmax": _softmax, "cnn": _cnn}

#: The model file formats each ``--model`` can be saved in. The CNN holds
#: PyTorch tensors, which skops cannot save, so it needs ``--format pickle``.
SAVE_FORMATS = {
    "logistic": ("skops", "pickle"),
    "softmax": ("skops", "pickle"),
    "cnn": ("pickle",),
}


def new_estimator(model, random_state):
    """A fresh estimator for ``--model``."""
    return MODELS[model](random_state)


def check_save_format(model, format):
    """Refuse, before any training, a format that cannot hold ``--model``."""
    if format not in SAVE_FORMATS[model]:
        raise UsageError(
            f"--model {model} cannot be saved with --format {format}: use --format "
            f"{' or '.join(SAVE_FORMATS[model])} (and load a pickle file only "
            "where you trust it)."
        )


def standardizes_its_input(estimator) -> bool:
    """Whether the estimator scales its input itself (a ``standardize`` parameter).

    Those that do not (the linear models) are fitted behind a StandardScaler.
    """
    return "standardize" in estimator.get_params()
