"""Saving and loading fitted models: skops by default, pickle only when asked."""

import pickle
from pathlib import Path

from ._files import atomic_write
from ._fitted_state import check_loaded_model
from ._skops_files import (
    UnsafeModelFile,
    all_type_names,
    construct,
    node_tree,
    node_types,
    read_members,
)

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
    "sklearn_fer.linear_model._streaming.StreamingFeatureClassifier",
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
#: Every type a file that sklearn-fer writes holds, by the kind of skops node
#: that creates it: its own classes (TRUSTED_TYPES), the pipeline and scaler
#: the command line saves them in and the k-means of PatchKMeansEncoder, all
#: created empty and given their state (ObjectNode, never called with
#: arguments from the file); NumPy arrays (read with allow_pickle=False) and
#: scalars; random states; plain containers; and the types handed back as
#: they are (str for the keys of dicts, the dtypes of FER2013Transformer's
#: ``dtype``). A file holding anything else is refused without
#: ``trust=True``: also the many types that skops trusts by default (NumPy and
#: SciPy functions; scikit-learn estimators, whose compiled code trusts their
#: arrays: an SVC with a narrowed ``_dual_coef_`` makes libsvm read out of
#: bounds), and the types listed here in other nodes (``bytes`` or
#: ``numpy.ndarray`` *called* with a size from the file would allocate it).
#: tests/utils/test_persistence.py lists the nodes of every model the package
#: saves and fails while one is missing here or listed but never written.
ALLOWED_NODES = {
    "ObjectNode": (
        *TRUSTED_TYPES,
        "sklearn.pipeline.Pipeline",
        "sklearn.preprocessing._data.StandardScaler",
        "sklearn.cluster._kmeans.MiniBatchKMeans",
    ),
    "NdArrayNode": ("numpy.ndarray", "numpy.float32", "numpy.float64"),
    "RandomStateNode": ("numpy.random.mtrand.RandomState",),
    "DictNode": ("builtins.dict",),
    "ListNode": ("builtins.list",),
    "TupleNode": ("builtins.tuple",),
    "BytesNode": ("builtins.bytes",),
    "TypeNode": ("builtins.str", "numpy.float32", "numpy.float64", "numpy.uint8"),
}
ALLOWED_TYPES = frozenset(name for names in ALLOWED_NODES.values() for name in names)


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

    A skops file is read as data. Before anything is decompressed, the sizes
    its zip declares must stay under caps far above what sklearn-fer writes
    (a file of a few hundred kB cannot make the loader allocate gigabytes).
    Before any object is created, every type it names is compared with the
    types of the files sklearn-fer writes: its estimators and their fitted
    state, the pipeline and scaler the command line saves them in, NumPy
    arrays, plain containers. A file naming anything else (a function, a
    class from another package, another scikit-learn estimator) is refused
    unless ``trust=True``. Once loaded, the model must be an estimator whose
    fitted arrays agree with each other (the width of ``coef_`` with
    ``n_features_in_``, its rows with ``classes_``, a scaler's positive
    ``scale_``...), with printable labels, and every estimator wherever the
    file holds it is checked; without ``trust``, the file must also have the
    shapes sklearn-fer writes (estimators as pipeline steps or attributes,
    not inside other containers).

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
        Load a skops file that holds other types too (for example a
        scikit-learn model of your own). Such a file may call any function it
        names while loading: only for files from a source you trust.

    Returns
    -------
    model : estimator

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        A type that is not trusted (named in the message), a skops file whose
        members are too large or too compressed, a pickle file without
        ``format='pickle'``, a file that is not a model file or is damaged,
        something other than an estimator, an estimator whose fitted arrays
        do not fit together (the attribute is named), or a file that another
        version of sklearn-fer or scikit-learn wrote and this one cannot
        read. The message names the file.

    See Also
    --------
    save_model : Write a model file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from sklearn_fer.linear_model import SGDSoftmaxRegression
    >>> from sklearn_fer.utils import load_model, save_model
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> model = SGDSoftmaxRegression().fit([[0], [1]], ["sad", "happy"])
    >>> load_model(save_model(model, folder / "softmax.skops")).predict([[2]])
    array(['happy'], dtype='<U5')

    A file that names a function is refused before anything is created, and
    so is a scikit-learn model, unless you trust it:

    >>> import os
    >>> path = save_model(FunctionTransformer(os.getcwd), folder / "f.skops")
    >>> load_model(path)
    Traceback (most recent call last):
    ...
    ValueError: ...f.skops holds types that are neither ...getcwd', ...]. Loading...
    >>> model = DummyClassifier().fit([[0], [1]], ["sad", "happy"])
    >>> path = save_model(model, folder / "dummy.skops")
    >>> load_model(path)
    Traceback (most recent call last):
    ...
    ValueError: ...dummy.skops holds types ...['sklearn.dummy.DummyClassifier']...
    >>> load_model(path, trust=True).predict([[2]])
    array(['happy'], dtype='<U5')

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
        format = "skops" if path.suffix.lower() == ".skops" else "pickle?"
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
    # A trusted file (a pickle, or trust=True) may hold what sklearn-fer
    # never writes; its estimators are checked all the same.
    check_loaded_model(model, path, strict=format == "skops" and not trust)
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
    try:
        # Sizes checked before anything is decompressed; each member read once.
        members = read_members(path)
        # Reads schema.json into nodes: imports and creates nothing.
        tree = node_tree(members)
        found = all_type_names(tree)
        nodes = node_types(tree)
    except UnsafeModelFile as exc:
        raise ValueError(f"{path} is refused before loading: {exc}.") from exc
    except Exception as exc:
        raise ValueError(
            f"{path} is not a readable skops file ({type(exc).__name__}: {exc})."
        ) from exc
    refused = sorted(
        (set(found) - ALLOWED_TYPES)
        | {
            f"{name} ({kind})" if name in ALLOWED_TYPES else name
            for kind, name in nodes
            if name not in ALLOWED_NODES.get(kind, ())
        }
    )
    if refused and not trust:
        raise ValueError(
            f"{path} holds types that are neither sklearn-fer's estimators nor "
            "what their files hold (a pipeline, a scaler, arrays): "
            f"{refused}. Loading could call them with arguments from the file; "
            "load it with trust=True (--trust) only if you trust where it comes "
            "from."
        )
    try:
        return construct(tree, found)
    except Exception as exc:
        raise ValueError(
            f"{path} could not be loaded ({type(exc).__name__}: {exc}): it is "
            "damaged, or was written by another version of sklearn-fer or "
            "scikit-learn."
        ) from exc
