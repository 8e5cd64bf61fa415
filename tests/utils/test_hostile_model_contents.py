"""Model files whose content is hostile where the load-time checks did not look.

Written by skops itself (``save_model``) from real fitted models that are then
edited, so that every case is a file skops would write and load:

- estimators put where sklearn-fer never puts them (the steps of a pipeline
  as an object array, a tuple or a dict; an estimator inside a list, a dict,
  a set or an object array): refused by name without ``trust``, and with
  ``trust`` (or as a pickle) the estimator inside is checked all the same;
- types that skops trusts by default but sklearn-fer never writes (NumPy and
  SciPy functions, scikit-learn estimators such as an SVC whose narrowed
  ``_dual_coef_`` makes libsvm read out of bounds);
- classes and their names (``target_names_``) that the command line would
  misname or print raw (terminal escape sequences);
- a scaler that divides by zero, a model that is not a classifier.
"""

import copy
import warnings

import numpy as np
import pytest
import skops.io
from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import all_estimators

from sklearn_fer.datasets import EMOTIONS
from sklearn_fer.linear_model import SGDLogisticRegression, SGDSoftmaxRegression
from sklearn_fer.utils import load_model, save_model
from sklearn_fer.utils._fitted_state import check_loaded_classifier
from sklearn_fer.utils._persistence import ALLOWED_TYPES


@pytest.fixture
def pipeline(faces):
    """A fitted pipeline as ``sklearn-fer train`` saves it (codes, named)."""
    X, y = faces
    model = Pipeline(
        [
            ("scale", StandardScaler()),
            ("model", SGDSoftmaxRegression(max_iter=1, random_state=0)),
        ]
    ).fit(X, y)
    model.target_names_ = np.asarray(EMOTIONS, dtype=str)
    return model


def _poisoned(pipeline):
    """The pipeline's classifier with NaN weights: what the file hides."""
    classifier = pipeline.steps[-1][1]
    classifier.coef_ = np.full_like(classifier.coef_, np.nan)
    return classifier


def _poisoned_copy(pipeline):
    """A copy of the pipeline's classifier with NaN weights."""
    classifier = copy.deepcopy(pipeline.steps[-1][1])
    classifier.coef_ = np.full_like(classifier.coef_, np.nan)
    return classifier


def _load(model, tmp_path, format="skops", trust=False):
    path = save_model(model, tmp_path / "m.skops", format=format)
    return load_model(path, format=format, trust=trust)


def _object_array(items):
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


# -- estimators where sklearn-fer never puts them --------------------------------


def _steps_as(kind):
    def edit(pipeline):
        steps = pipeline.steps
        pipeline.steps = {
            "object array": lambda: _object_array(steps),
            "2-D object array": lambda: np.array(steps, dtype=object),
            "tuple": lambda: tuple(steps),
            "dict": lambda: dict(steps),
            "list of lists": lambda: [list(step) for step in steps],
            "nested list": lambda: [[step] for step in steps],
        }[kind]()
        return pipeline

    return edit


def _hidden_in(kind):
    """An attribute of the scaler holding the poisoned classifier."""

    def edit(pipeline):
        poisoned = _poisoned_copy(pipeline)
        pipeline.steps[0][1].extra_ = {
            "list": lambda: [poisoned],
            "tuple": lambda: (1, poisoned),
            "dict": lambda: {"model": poisoned},
            "set": lambda: {poisoned},
            "object array": lambda: _object_array([poisoned]),
            "list in a dict in a tuple": lambda: ({"a": [poisoned]},),
        }[kind]()
        return pipeline

    return edit


def _poisoned_steps(kind):
    def edit(pipeline):
        _poisoned(pipeline)
        return _steps_as(kind)(pipeline)

    return edit


CONTAINERS = {
    **{
        f"steps as {kind}": (_poisoned_steps(kind), "steps of type|step that is not")
        for kind in (
            "object array",
            "2-D object array",
            "tuple",
            "dict",
            "list of lists",
            "nested list",
        )
    },
    **{
        f"an estimator in a {kind}": (_hidden_in(kind), "estimator inside a")
        for kind in ("list", "tuple", "dict")
    },
    "an estimator in an object array": (
        _hidden_in("object array"),
        "object array holding SGDSoftmaxRegression",
    ),
    # sklearn-fer writes no set: refused by its type.
    "an estimator in a set": (_hidden_in("set"), "'builtins.set'"),
    "an estimator in a list in a dict in a tuple": (
        _hidden_in("list in a dict in a tuple"),
        "estimator inside a list",
    ),
    "an object array of numbers as classes_": (
        lambda p: _set(p.steps[-1][1], classes_=_object_array(list(range(7)))),
        "classes_ of dtype object holding int",
    ),
}


def _set(estimator, **attributes):
    for name, value in attributes.items():
        setattr(estimator, name, value)
    return estimator


@pytest.mark.parametrize("case", CONTAINERS)
def test_estimators_where_the_package_never_puts_them(case, pipeline, tmp_path):
    edit, message = CONTAINERS[case]
    model = edit(pipeline)
    with pytest.raises(
        ValueError, match=f"m.skops holds (an inconsistent model|types).*({message})"
    ):
        _load(model, tmp_path)


@pytest.mark.parametrize("format, trust", [("skops", True), ("pickle", False)])
@pytest.mark.parametrize(
    "case", [case for case in CONTAINERS if "classes_" not in case]
)
def test_trusted_files_have_every_estimator_checked(
    case, format, trust, pipeline, tmp_path
):
    # A trusted file may put estimators anywhere: they are checked there.
    edit, _ = CONTAINERS[case]
    with pytest.raises(ValueError, match="non-finite values in coef_"):
        _load(edit(pipeline), tmp_path, format=format, trust=trust)


def test_the_probes_pipeline_exits_with_an_error_not_nan(pipeline, tmp_path, capsys):
    # The probe: steps as an object array, NaN weights and predict_proba
    # replaced by a NumPy function; the command line printed NaN, exit 0.
    from sklearn_fer._cli import main

    classifier = _poisoned(pipeline)
    classifier.predict_proba = np.exp
    path = save_model(_steps_as("2-D object array")(pipeline), tmp_path / "p.skops")
    image = tmp_path / "face.csv"
    image.write_text("pixels\n" + " ".join(["128"] * 2304) + "\n")
    assert main(["predict", "--model", str(path), str(image)]) != 0
    error = capsys.readouterr().err
    assert "p.skops holds types" in error and "numpy.exp" in error
    assert "Traceback" not in error


# -- types skops trusts and sklearn-fer never writes --------------------------------


def _functions():
    from scipy import special

    return [np.exp, np.add, np.negative, special.expit, special.logsumexp]


@pytest.mark.parametrize("function", _functions(), ids=lambda f: f.__name__)
def test_numpy_and_scipy_functions_need_trust(function, pipeline, tmp_path):
    pipeline.steps[0][1].extra_ = function
    path = save_model(pipeline, tmp_path / "f.skops")
    with pytest.raises(ValueError, match=rf"f.skops holds types .*{function.__name__}"):
        load_model(path)
    assert load_model(path, trust=True).steps[0][1].extra_ is function


OTHER_TYPES = {
    "an OrderedDict": lambda: __import__("collections").OrderedDict(a=1),
    "a set": lambda: {1, 2},
    "a masked array": lambda: np.ma.masked_array([1.0, 2.0], mask=[0, 1]),
    "a Generator": lambda: np.random.default_rng(0),
    "an int64 scalar": lambda: np.int64(3),
    "a sparse matrix": lambda: __import__("scipy.sparse").sparse.csr_matrix(np.eye(2)),
    "a float": lambda: np.float16(1.0),
}


@pytest.mark.parametrize("case", OTHER_TYPES)
def test_containers_and_arrays_the_package_never_writes_need_trust(
    case, pipeline, tmp_path
):
    pipeline.steps[0][1].extra_ = OTHER_TYPES[case]()
    path = save_model(pipeline, tmp_path / "t.skops")
    with pytest.raises(ValueError, match="t.skops holds types that are neither"):
        load_model(path)


def _foreign_estimators():
    """Every scikit-learn estimator skops trusts, made with its defaults."""
    found = []
    for name, cls in all_estimators():
        module = f"{cls.__module__}.{cls.__name__}"
        if module in ALLOWED_TYPES:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                skops.io.dumps(estimator := cls())
        except TypeError:  # needs arguments (a meta-estimator), or skops
            continue  # cannot save it
        found.append(pytest.param(estimator, id=name))
    return found


@pytest.mark.parametrize("estimator", _foreign_estimators())
def test_scikit_learn_estimators_need_trust(estimator, tmp_path):
    # skops trusts them; their compiled code trusts their arrays.
    path = save_model(estimator, tmp_path / "e.skops")
    name = f"{type(estimator).__module__}.{type(estimator).__name__}"
    with pytest.raises(ValueError, match=rf"e.skops holds types .*'{name}'"):
        load_model(path)


def test_an_svc_with_a_narrowed_dual_coef(faces, tmp_path):
    # The probe's file: libsvm read out of bounds (NaN, or other values in
    # each process). Refused unless trusted.
    from sklearn.svm import SVC

    X, y = faces
    model = SVC().fit(X[:, :20], y)
    model._dual_coef_ = model._dual_coef_[:, :3]
    model.dual_coef_ = model._dual_coef_
    path = save_model(model, tmp_path / "svc.skops")
    with pytest.raises(ValueError, match=r"svc.skops holds types .*'sklearn.svm._cl"):
        load_model(path)
    assert skops.io.get_untrusted_types(file=path) == []  # skops would load it


# -- classes and the names of their codes ------------------------------------------


def _names(pipeline, names):
    pipeline.target_names_ = names
    return pipeline


def _classes(pipeline, classes):
    pipeline.steps[-1][1].classes_ = classes
    return pipeline


NAMES = {
    "target_names_ shorter than the codes": (
        lambda p: _names(p, np.asarray(EMOTIONS[:5])),
        r"target_names_ has 5 names for the codes \[0, 1, 2, 3, 4, 5, 6\]",
    ),
    "a code beyond target_names_": (
        lambda p: _classes(p, np.arange(7) + 3),
        r"target_names_ has 7 names for the codes \[3, 4, 5, 6, 7, 8, 9\]",
    ),
    "negative codes": (
        lambda p: _classes(p, np.arange(7) - 1),
        r"codes \[-1, 0, 1, 2, 3, 4, 5\] in classes_: each code must be between 0",
    ),
    "duplicate codes": (
        lambda p: _classes(p, np.array([0, 1, 2, 3, 3, 5, 6])),
        "repeated labels in classes_",
    ),
    "classes_ as a list": (
        lambda p: _classes(p, list(range(7))),
        "classes_ of type list, not an array",
    ),
    "classes_ as a tuple": (
        lambda p: _classes(p, tuple(range(7))),
        "classes_ of type tuple, not an array",
    ),
    "object-dtype classes of numbers": (
        lambda p: _classes(p, np.arange(7).astype(object)),
        "classes_ of dtype object holding int",
    ),
    "float codes": (
        lambda p: _classes(p, np.arange(7.0)),
        "target_names_ names codes, but classes_ has dtype float64",
    ),
    "NaN among float classes": (
        lambda p: _classes(p, np.array([0, 1, 2, 3, 4, 5, np.nan])),
        "non-finite values in classes_",
    ),
    "target_names_ as a list": (
        lambda p: _names(p, list(EMOTIONS)),
        "target_names_ is a builtins.list, not a 1-D array",
    ),
    "target_names_ as numbers": (
        lambda p: _names(p, np.arange(7)),
        "target_names_ has dtype int64, not strings",
    ),
    "target_names_ in 2-D": (
        lambda p: _names(p, np.asarray([EMOTIONS])),
        "target_names_ is a numpy.ndarray, not a 1-D array",
    ),
}
ESCAPES = {
    "an ANSI escape sequence": "\x1b[2J\x1b[31mhappy",
    "a title-setting OSC sequence": "\x1b]0;pwned\x07",
    "a carriage return": "sad\rhappy",
    "a newline": "happy\nmodel: ok",
    "a NUL": "hap\x00py",  # (trailing NULs: numpy drops them)
    "a right-to-left override": "\u202eyppah",
    "a line separator": "happy\u2028",
    "a C1 control (CSI)": "\x9b31mhappy",
}


def _escaped(where, text):
    """An edit putting ``text`` first in ``where``."""
    first = np.asarray([text, *EMOTIONS[1:]])

    def edit(pipeline):
        if where == "target_names_":
            return _names(pipeline, first)
        if where == "classes_":  # names learned as labels
            return _classes(pipeline, first)
        features = np.asarray([text] + ["x"] * 2303, dtype=object)
        pipeline.steps[-1][1].feature_names_in_ = features
        return pipeline

    return edit


for _where in ("target_names_", "classes_", "feature_names_in_"):
    for _what, _text in ESCAPES.items():
        NAMES[f"{_what} in {_where}"] = (
            _escaped(_where, _text),
            rf"{_where}\[0\] = .*control characters",
        )


@pytest.mark.parametrize("case", NAMES)
def test_classes_and_names_that_would_be_misnamed_or_printed_raw(
    case, pipeline, tmp_path
):
    edit, message = NAMES[case]
    model = edit(pipeline)
    with pytest.raises(
        ValueError, match=f"m.skops holds an inconsistent model: .*{message}"
    ):
        _load(model, tmp_path)


def test_names_of_other_scripts_load(pipeline, tmp_path):
    names = ["colère", "dégoût", "恐怖", "سعيد", "грусть", "😮", "neutral"]
    pipeline.target_names_ = np.asarray(names)
    assert list(_load(pipeline, tmp_path).target_names_) == names


def test_labels_of_the_library_api_load(faces, tmp_path):
    # Labels learned as names, from an object array (pandas) or a string
    # array, negative labels and float labels: no target_names_, no codes.
    X, y = faces
    for labels in (
        np.asarray(EMOTIONS)[y],
        np.asarray(EMOTIONS, dtype=object)[y],
        y - 3,
        y.astype(float),
    ):
        model = SGDSoftmaxRegression(max_iter=1).fit(X, labels)
        assert list(_load(model, tmp_path).classes_) == sorted(set(labels))
    model = SGDLogisticRegression(max_iter=1).fit(X, np.where(y == 3, -1, 1))
    assert list(_load(model, tmp_path).classes_) == [-1, 1]


# -- scalers and classifiers ---------------------------------------------------------


SCALERS = {
    "scale_ of 0": (
        lambda s: s.scale_.__setitem__(5, 0.0),
        r"scale_ = 0.0 for feature 5",
    ),
    "a negative scale_": (
        lambda s: s.scale_.__setitem__(7, -1.0),
        r"scale_ = -1.0 for feature 7",
    ),
    "a NaN scale_": (lambda s: s.scale_.__setitem__(0, np.nan), "non-finite values"),
    "a negative var_": (
        lambda s: s.var_.__setitem__(3, -2.0),
        "negative values in var_",
    ),
    "an infinite mean_": (
        lambda s: s.mean_.__setitem__(1, np.inf),
        "non-finite values in mean_",
    ),
}


@pytest.mark.parametrize("format", ["skops", "pickle"])
@pytest.mark.parametrize("case", SCALERS)
def test_a_scaler_that_divides_by_zero(case, format, pipeline, tmp_path):
    edit, message = SCALERS[case]
    edit(pipeline.steps[0][1])
    with pytest.raises(
        ValueError,
        match=rf"m.skops holds .*StandardScaler at model.steps\[0\]\[1\] .*{message}",
    ):
        _load(pipeline, tmp_path, format=format)


@pytest.mark.parametrize(
    "model",
    [
        Pipeline([("scale", StandardScaler())]),
        StandardScaler(),
        Pipeline([("scale", StandardScaler()), ("more", StandardScaler())]),
    ],
    ids=["a pipeline of a scaler", "a scaler", "two scalers"],
)
def test_a_model_that_is_not_a_classifier(model, faces, tmp_path, capsys):
    from sklearn_fer._cli import main

    X, _ = faces
    path = save_model(model.fit(X), tmp_path / "scaler.skops")
    with pytest.raises(ValueError, match="scaler.skops holds a .*, not a classifier"):
        check_loaded_classifier(load_model(path), path)
    image = tmp_path / "face.csv"
    image.write_text("pixels\n" + " ".join(["128"] * 2304) + "\n")
    assert main(["predict", "--model", str(path), str(image)]) != 0
    error = capsys.readouterr().err
    assert "not a classifier" in error and "Traceback" not in error
    assert "AttributeError" not in error


def test_what_the_command_line_writes_loads(pipeline, tmp_path):
    loaded = _load(pipeline, tmp_path)
    check_loaded_classifier(loaded, "m.skops")
    assert isinstance(loaded.steps[-1][1], BaseEstimator)
