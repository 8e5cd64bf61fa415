"""Saving and loading fitted models: skops by default, pickle only when asked."""

import pickle
from pathlib import Path

from ._files import atomic_write

FORMATS = ("skops", "pickle")


def save_model(model, path, *, format: str = "skops") -> Path:
    """Save a fitted model; a failed save leaves no partial file behind.

    Parameters
    ----------
    model : estimator
        Any fitted scikit-learn or sklearn-fer estimator or pipeline.
    path : str or path-like
        Where to write; written to a temporary file first, then renamed.
    format : {'skops', 'pickle'}, default='skops'
        ``'skops'`` writes a file that loads without running arbitrary code
        (:mod:`skops.io`); ``'pickle'`` saves anything (``ConvNetClassifier``
        holds PyTorch tensors, which skops cannot), but such a file should only
        be loaded from a source you trust.

    Returns
    -------
    path : Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sklearn_fer.datasets import make_faces
    >>> from sklearn_fer.linear_model import SGDSoftmaxRegression
    >>> from sklearn_fer.utils import load_model, save_model
    >>> X, y = make_faces(200, random_state=0, return_X_y=True)
    >>> model = SGDSoftmaxRegression(random_state=0).fit(X / 255, y)
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> path = save_model(model, folder / "softmax.skops")
    >>> (load_model(path).predict(X / 255) == model.predict(X / 255)).all()
    np.True_
    """
    path = Path(path)
    if format == "skops":
        import skops.io

        try:
            payload = skops.io.dumps(model)
        except (TypeError, RuntimeError) as exc:
            raise ValueError(
                f"{type(model).__name__} cannot be saved with skops ({exc}); "
                "save it with format='pickle' (--format pickle) and load it only "
                "from sources you trust."
            ) from exc
    elif format == "pickle":
        payload = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    else:
        raise ValueError(f"format={format!r}: use one of {list(FORMATS)}.")
    atomic_write(path, payload)
    return path


def _trusted_by_us(type_name: str) -> bool:
    return type_name.startswith("sklearn_fer.")


def load_model(path, *, format: str | None = None, trust: bool = False):
    """Load a model saved by :func:`save_model`.

    Parameters
    ----------
    path : str or path-like
        A ``.skops`` file, or a pickle file with ``format='pickle'``.
    format : {'skops', 'pickle'}, default=None
        None: ``'skops'`` for a ``.skops`` file; any other file is refused
        unless ``format='pickle'`` is given explicitly, since loading a pickle
        can run arbitrary code.
    trust : bool, default=False
        A skops file may hold the types skops trusts by default and
        sklearn-fer's; any other type (a function from ``os``, say) is refused
        unless ``trust=True``.

    Returns
    -------
    model : estimator

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        An untrusted type, a pickle file without ``format='pickle'``, or a file
        that another version of sklearn-fer or scikit-learn wrote and this one
        cannot read; the message says which.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn_fer.utils import load_model, save_model
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> model = DummyClassifier().fit([[0], [1]], ["sad", "happy"])
    >>> path = save_model(model, folder / "dummy.pkl", format="pickle")
    >>> load_model(path)
    Traceback (most recent call last):
    ...
    ValueError: ...dummy.pkl is not a .skops file. Pickle files can run arbitrary...
    >>> load_model(path, format="pickle").predict([[2]])
    array(['happy'], dtype='<U5')
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No model file at {path}.")
    if format is None:
        format = "skops" if path.suffix == ".skops" else "pickle?"
    if format == "pickle?":
        raise ValueError(
            f"{path} is not a .skops file. Pickle files can run arbitrary code "
            "when loaded: pass format='pickle' (--format pickle) only if you "
            "trust where it comes from."
        )
    if format == "pickle":
        with open(path, "rb") as file:
            return pickle.load(file)
    if format != "skops":
        raise ValueError(f"format={format!r}: use one of {list(FORMATS)}.")
    import skops.io

    try:
        untrusted = skops.io.get_untrusted_types(file=path)
    except Exception as exc:
        raise ValueError(
            f"{path} is not a readable skops file ({type(exc).__name__}: {exc})."
        ) from exc
    unknown = [name for name in untrusted if not _trusted_by_us(name)]
    if unknown and not trust:
        raise ValueError(
            f"{path} holds types that are neither scikit-learn's nor "
            f"sklearn-fer's: {unknown}. Load it with trust=True (--trust) only if "
            "you trust where it comes from."
        )
    try:
        return skops.io.load(path, trusted=untrusted)
    except Exception as exc:
        raise ValueError(
            f"{path} could not be loaded ({type(exc).__name__}: {exc}); was it "
            "written by another version of sklearn-fer or scikit-learn?"
        ) from exc
