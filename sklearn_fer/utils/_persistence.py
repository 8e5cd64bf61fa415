"""Saving and loading fitted models: skops by default, pickle only when asked."""

import pickle
from pathlib import Path

from ._files import atomic_write
from ._fitted_state import check_loaded_model

FORMATS = ("skops", "pickle")

#: The types of sklearn-fer that a skops file may hold without ``trust=True``:
#: the estimators and transformers (skops names: defining module and class),
#: then the other types their fitted state holds. Only classes whose
#: constructor just stores its arguments, never a function: skops may *call* a
#: trusted name with arguments taken from the file (ConstructorFromReduceNode,
#: the containers' and arrays' nodes, the key types of a dict), hand back a
#: function or type it names (FunctionNode, TypeNode), and set any attribute of
#: an object it creates (ObjectNode). A new estimator is one line here;
#: tests/utils/test_persistence.py fails while one of its fitted types is
#: missing.
TRUSTED_TYPES = (
    "sklearn_fer.linear_model._logistic.SGDLogisticRegression",
    "sklearn_fer.linear_model._softmax.SGDSoftmaxRegression",
    "sklearn_fer.neural_network._convnet.ConvNetClassifier",
    # Checks its network's arrays as it loads (__setstate__); no torch needed.
    "sklearn_fer.neural_network._inference.ConvNetInference",
    "sklearn_fer.preprocessing._fer2013_transformer.FER2013Transformer",
    "sklearn_fer.preprocessing._hog.HOGTransformer",
    "sklearn_fer.preprocessing._patch_kmeans.PatchKMeansEncoder",
    # Fitted state of the SGD estimators (partial_fit goes on from it).
    "sklearn_fer.linear_model._sgd.SGDOptimizer",
    "sklearn_fer.linear_model._sgd.TrainingHistory",
)


def save_model(model, path, *, format: str = "skops") -> Path:
    """Save a fitted model; a failed save leaves no partial file behind.

    Read more in the :ref:`User Guide <model_files>`.

    Parameters
    ----------
    model : estimator
        Any fitted scikit-learn or sklearn-fer estimator or pipeline.
    path : str or path-like
        Where to write; written to a temporary file first, then renamed.
    format : {'skops', 'pickle'}, default='skops'
        ``'skops'`` writes a file that :func:`load_model` loads without
        running code from it (:mod:`skops.io`); every sklearn-fer estimator,
        ``ConvNetClassifier`` included, saves this way. ``'pickle'`` saves
        any Python object, but loading a pickle can run any code, so such a
        file should only be loaded from a source you trust.

    Returns
    -------
    path : Path

    Raises
    ------
    ValueError
        An unknown ``format``, or a model that skops cannot save (the message
        names the type).

    See Also
    --------
    load_model : Load the file again.

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


def load_model(path, *, format: str | None = None, trust: bool = False):
    """Load a model saved by :func:`save_model`, checking it first.

    A skops file is read as data: before any object is created, every type it
    names is compared with the types skops trusts (scikit-learn's estimators,
    NumPy arrays, plain containers) and sklearn-fer's estimators and their
    fitted state; a file naming anything else (a function, a class from
    another package) is refused unless ``trust=True``. Once loaded, the model
    must be an estimator whose fitted arrays agree with each other (the width
    of ``coef_`` with ``n_features_in_``, its rows with ``classes_``...).

    Read more in the :ref:`User Guide <model_files>`.

    Parameters
    ----------
    path : str or path-like
        A ``.skops`` file, or a pickle file with ``format='pickle'``.
    format : {'skops', 'pickle'}, default=None
        None: ``'skops'`` for a ``.skops`` file; any other file is refused
        unless ``format='pickle'`` is given explicitly, since loading a pickle
        can run any code: giving it is trusting the file.
    trust : bool, default=False
        Load a skops file that holds other types too. Such a file may call
        any function it names while loading: only for files from a source
        you trust.

    Returns
    -------
    model : estimator

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        A type that is not trusted (named in the message), a pickle file
        without ``format='pickle'``, a file that is not a model file or is
        damaged, something other than an estimator, an estimator whose fitted
        arrays do not fit together (the attribute is named), or a file that
        another version of sklearn-fer or scikit-learn wrote and this one
        cannot read. The message names the file.

    See Also
    --------
    save_model : Write a model file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from sklearn_fer.utils import load_model, save_model
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> model = DummyClassifier().fit([[0], [1]], ["sad", "happy"])
    >>> load_model(save_model(model, folder / "dummy.skops")).predict([[2]])
    array(['happy'], dtype='<U5')

    A file that names a function is refused before anything is created:

    >>> import os
    >>> path = save_model(FunctionTransformer(os.getcwd), folder / "f.skops")
    >>> load_model(path)
    Traceback (most recent call last):
    ...
    ValueError: ...f.skops holds types that are neither ...getcwd'].... Loading...

    A pickle file is loaded only when the format is given:

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
        model = _load_pickle(path)
    elif format == "skops":
        model = _load_skops(path, trust)
    else:
        raise ValueError(f"format={format!r}: use one of {list(FORMATS)}.")
    check_loaded_model(model, path)
    return model


def _load_pickle(path):
    try:
        with open(path, "rb") as file:
            return pickle.load(file)
    except Exception as exc:
        raise ValueError(
            f"{path} could not be unpickled ({type(exc).__name__}: {exc}): it is "
            "damaged, not a pickle file, or was written by another version of "
            "sklearn-fer or scikit-learn."
        ) from exc


def _load_skops(path, trust):
    import skops.io

    try:
        # Reads schema.json into nodes: imports and creates nothing.
        found = skops.io.get_untrusted_types(file=path)
    except Exception as exc:
        raise ValueError(
            f"{path} is not a readable skops file ({type(exc).__name__}: {exc})."
        ) from exc
    refused = sorted(set(found) - set(TRUSTED_TYPES))
    if refused and not trust:
        raise ValueError(
            f"{path} holds types that are neither scikit-learn's nor "
            f"sklearn-fer's estimators (or their fitted state): {refused}. "
            "Loading could call them with arguments from the file; load it with "
            "trust=True (--trust) only if you trust where it comes from."
        )
    try:
        return skops.io.load(path, trusted=found)
    except Exception as exc:
        raise ValueError(
            f"{path} could not be loaded ({type(exc).__name__}: {exc}): it is "
            "damaged, or was written by another version of sklearn-fer or "
            "scikit-learn."
        ) from exc
