"""Hand-written hostile model files: each is refused before anything in it runs.

A skops file is a zip holding ``schema.json``, a tree of nodes that name
modules and types. Loading imports what a node names and, depending on the
node, calls it with arguments from the file (ConstructorFromReduceNode,
LossNode, the dict, list and array nodes, RandomStateNode, a dict's key
types), returns it for later calls (FunctionNode, TypeNode, PartialNode,
MethodNode) or creates it and sets its attributes (ObjectNode). These tests
write such files by hand for every function, class and method of sklearn_fer
(found by walking the package, so a new one is covered without editing this
file) and for functions elsewhere that run commands, and check that
``load_model`` refuses each one with a message naming what it refused, before
skops constructs a single node. The payloads that would write a marker file
prove it by the marker's absence.

Files that are damaged, are not estimators or hold fitted arrays that
contradict each other are here too: each gives a ``ValueError`` naming the
file.
"""

import importlib
import inspect
import io
import os
import pickle
import pkgutil
import zipfile

import numpy as np
import pytest
import scipy.sparse
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from skops.io._audit import Node

import sklearn_fer
from sklearn_fer.linear_model import SGDSoftmaxRegression
from sklearn_fer.utils import load_model, save_model
from sklearn_fer.utils._persistence import ALLOWED_TYPES, TRUSTED_TYPES

from ._schema import (
    bytes_node,
    call,
    dict_node,
    json_value,
    list_node,
    node,
    npy,
    tuple_node,
    write_model,
)


def _uses(module, name):
    """Every kind of node that imports ``module.name`` and calls or returns it."""
    return {
        "called with arguments": call(module, name, json_value("x"), json_value(1)),
        "called as a loss": node(
            "LossNode",
            module,
            name,
            content=dict_node({}),
            __reduce__={"args": tuple_node(json_value("x"))},
        ),
        "called with no arguments (dict)": dict_node({}, module, name),
        "called with a list": list_node(json_value("x"), module=module, name=name),
        "called with an array": node(
            "NdArrayNode", module, name, type="numpy", file="array.npy"
        ),
        "called as a random state": node(
            "RandomStateNode", module, name, content=dict_node({})
        ),
        "called on a dict key": dict_node(
            {"key": json_value(1)}, key_type=node("TypeNode", module, name)
        ),
        "created as an object": node("ObjectNode", module, name),
        "returned as a function": node("FunctionNode", module, name),
        "returned as a type": node("TypeNode", module, name),
        "wrapped in a partial": node(
            "PartialNode",
            "functools",
            "partial",
            content={
                "func": node("FunctionNode", module, name),
                "args": tuple_node(json_value("x")),
                "kwds": dict_node({}),
                "namespace": json_value(None),
            },
        ),
    }


@pytest.fixture
def constructed(monkeypatch):
    """The nodes skops constructs, which it may not: none, for a refused file.

    Construction is stopped, so that a regression cannot run a payload here.
    """
    calls = []

    def stop(node):
        calls.append(f"{node.module_name}.{node.class_name}")
        raise AssertionError("a node was constructed")

    monkeypatch.setattr(Node, "construct", stop)
    return calls


def _assert_refused(path, refused, constructed):
    with pytest.raises(ValueError) as info:
        load_model(path)
    message = str(info.value)
    assert str(path) in message
    assert "holds types that are neither" in message, message
    assert all(repr(name) in message for name in refused), message
    assert constructed == [], f"constructed {constructed}"


# -- everything in sklearn_fer that a file could name ------------------------------


def _package_modules():
    modules = [sklearn_fer]
    for info in pkgutil.walk_packages(sklearn_fer.__path__, "sklearn_fer."):
        if info.name.endswith("__main__"):  # importing it runs the command line
            continue
        try:
            modules.append(importlib.import_module(info.name))
        except ImportError:  # an optional extra that is not installed
            continue
    return modules


def _package_names():
    """(module, name, object) of each function and class of sklearn_fer, under
    every module that holds it (``sklearn_fer.utils.save_model`` and
    ``sklearn_fer.utils._persistence.save_model`` are two names for one)."""
    found = []
    for module in _package_modules():
        for name, obj in sorted(vars(module).items()):
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if getattr(obj, "__module__", "").startswith("sklearn_fer"):
                found.append((module.__name__, name, obj))
    return found


PACKAGE_NAMES = _package_names()
FUNCTIONS = [(m, n) for m, n, obj in PACKAGE_NAMES if inspect.isfunction(obj)]
CLASSES = [
    (m, n)
    for m, n, obj in PACKAGE_NAMES
    if inspect.isclass(obj) and f"{m}.{n}" not in TRUSTED_TYPES
]
#: Classes that define methods: each method of each, inherited ones included.
METHOD_OWNERS = [
    obj for m, n, obj in PACKAGE_NAMES if inspect.isclass(obj) and obj.__module__ == m
]


def _ids(pairs):
    return [".".join(pair) for pair in pairs]


def test_the_walk_finds_the_package():
    names = {f"{m}.{n}" for m, n in FUNCTIONS}
    assert {
        "sklearn_fer.utils.save_model",
        "sklearn_fer.utils._persistence.save_model",
        "sklearn_fer.utils._persistence.atomic_write",
        "sklearn_fer.datasets.load_fer2013",
        "sklearn_fer.parallel._fit_dask._make_block",
    } <= names
    assert SGDSoftmaxRegression in METHOD_OWNERS
    assert len(FUNCTIONS) > 100 and len(METHOD_OWNERS) >= 15


@pytest.mark.parametrize(("module", "name"), FUNCTIONS, ids=_ids(FUNCTIONS))
def test_package_functions_are_refused(module, name, tmp_path, constructed):
    for use, payload in _uses(module, name).items():
        path = write_model(tmp_path / f"{use}.skops", payload)
        _assert_refused(path, [f"{module}.{name}"], constructed)


@pytest.mark.parametrize(("module", "name"), CLASSES, ids=_ids(CLASSES))
def test_package_classes_outside_the_trusted_list_are_refused(
    module, name, tmp_path, constructed
):
    for use, payload in _uses(module, name).items():
        path = write_model(tmp_path / f"{use}.skops", payload)
        _assert_refused(path, [f"{module}.{name}"], constructed)


@pytest.mark.parametrize("cls", METHOD_OWNERS, ids=lambda cls: cls.__qualname__)
def test_package_methods_are_refused(cls, tmp_path, constructed):
    owner = node("ObjectNode", cls.__module__, cls.__name__)
    trusted = f"{cls.__module__}.{cls.__name__}" in TRUSTED_TYPES
    for method in dir(cls):
        if not callable(getattr(cls, method, None)):
            continue
        payload = node(
            "MethodNode",
            cls.__module__,
            cls.__name__,
            content={"func": method, "obj": owner},
        )
        path = write_model(tmp_path / "method.skops", payload)
        refused = [f"{cls.__module__}.{cls.__name__}.{method}"]
        if not trusted:
            refused = sorted([*refused, f"{cls.__module__}.{cls.__name__}"])
        _assert_refused(path, refused, constructed)


@pytest.mark.parametrize("name", sorted(ALLOWED_TYPES))
def test_allowed_types_are_not_called_with_arguments_from_the_file(
    name, tmp_path, constructed
):
    # Allowed as data (an object given its state, an array, a container), a
    # type is refused as a call with arguments from the file: bytes(10**10)
    # or numpy.ndarray((10**10,)) would allocate gigabytes.
    module, _, cls = name.rpartition(".")
    path = write_model(tmp_path / "m.skops", call(module, cls, json_value(10**10)))
    _assert_refused(path, [f"{name} (ConstructorFromReduceNode)"], constructed)


@pytest.mark.parametrize("name", TRUSTED_TYPES)
def test_trusted_classes_called_with_arguments_from_a_trusted_file_fail_cleanly(
    name, tmp_path
):
    # With trust, a class of sklearn-fer may be called with positional
    # arguments from the file: each takes keyword arguments only (or just
    # stores them), so nothing runs.
    if ".neural_network." in name:
        pytest.importorskip("torch")
    module, _, cls = name.rpartition(".")
    path = write_model(tmp_path / "m.skops", call(module, cls, *[json_value("x")] * 6))
    with pytest.raises(ValueError, match="m.skops could not be loaded .TypeError"):
        load_model(path, trust=True)


# -- payloads that would leave a marker ----------------------------------------------


class _Touch:
    """Unpickled, opens (creates) the marker file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _marker_payloads(marker):
    """(refused name, payload, extra files) that would create ``marker``."""
    touch = ["touch", str(marker)]
    create = f"open({str(marker)!r}, 'w')"
    pickled = pickle.dumps(_Touch(marker))
    system = os.system.__module__  # posix, or nt
    return {
        "os.system": ("os.system", call("os", "system", json_value(" ".join(touch)))),
        "posix.system": (
            f"{system}.system",
            call(system, "system", json_value(" ".join(touch))),
        ),
        "subprocess.Popen": (
            "subprocess.Popen",
            call("subprocess", "Popen", list_node(*map(json_value, touch))),
        ),
        "subprocess.run": (
            "subprocess.run",
            call("subprocess", "run", list_node(*map(json_value, touch))),
        ),
        "subprocess.check_call as a loss": (
            "subprocess.check_call",
            node(
                "LossNode",
                "subprocess",
                "check_call",
                content=dict_node({}),
                __reduce__={"args": tuple_node(list_node(*map(json_value, touch)))},
            ),
        ),
        "builtins.eval": (
            "builtins.eval",
            call("builtins", "eval", json_value(create)),
        ),
        "builtins.exec": (
            "builtins.exec",
            call("builtins", "exec", json_value(create)),
        ),
        "builtins.open": (
            "builtins.open",
            call("builtins", "open", json_value(str(marker)), json_value("w")),
        ),
        "pickle.loads": (
            "_pickle.loads",
            call("_pickle", "loads", bytes_node("payload.bin")),
        ),
        "a helper of sklearn_fer that unpickles bytes": (
            "sklearn_fer.parallel._fit_dask._make_block",
            call(
                "sklearn_fer.parallel._fit_dask",
                "_make_block",
                bytes_node("payload.bin"),
            ),
        ),
        "sklearn_fer.utils.save_model": (
            "sklearn_fer.utils.save_model",
            call(
                "sklearn_fer.utils",
                "save_model",
                json_value({}),
                json_value(str(marker)),
            ),
        ),
        "numpy.load of a pickle": (
            "numpy.load",
            call(
                "numpy",
                "load",
                json_value(str(marker.with_name("payload.npy"))),
                json_value(None),
                json_value(True),
            ),
        ),
        "an object array holding a call": (
            "os.system",
            node(
                "NdArrayNode",
                "numpy",
                "ndarray",
                type="json",
                content=[call("os", "system", json_value(" ".join(touch)))],
                shape=tuple_node(json_value(1)),
            ),
        ),
        "functools.partial of os.system": (
            "os.system",
            node(
                "PartialNode",
                "functools",
                "partial",
                content={
                    "func": node("FunctionNode", "os", "system"),
                    "args": tuple_node(json_value(" ".join(touch))),
                    "kwds": dict_node({}),
                    "namespace": json_value(None),
                },
            ),
        ),
        "operator.methodcaller": (
            "operator.methodcaller",
            node(
                "OperatorFuncNode",
                "operator",
                "methodcaller",
                attrs=tuple_node(json_value("system"), json_value(" ".join(touch))),
            ),
        ),
        "a protocol-0 function node": (
            f"{system}.system",
            node(
                "FunctionNode",
                "builtins",
                "function",
                content={"module_path": system, "function": "system"},
            ),
        ),
    }, {"payload.bin": pickled}


def test_payloads_that_would_leave_a_marker_leave_none(tmp_path):
    marker = tmp_path / "marker"
    payloads, files = _marker_payloads(marker)
    (tmp_path / "payload.npy").write_bytes(
        npy(np.array([_Touch(marker)], dtype=object), allow_pickle=True)
    )
    for case, (refused, payload) in payloads.items():
        protocol = {"protocol": 0} if "protocol-0" in case else {}
        path = write_model(tmp_path / "hostile.skops", payload, files, **protocol)
        with pytest.raises(ValueError, match="hostile.skops holds types") as info:
            load_model(path)
        assert repr(refused) in str(info.value), case
        assert not marker.exists(), f"{case} ran"


def test_the_marker_shows_a_payload_that_runs(tmp_path):
    # The control: loaded with trust=True, the save_model payload does write
    # the marker (any file naming a sklearn_fer function did, before the
    # trusted names were a list of classes).
    marker = tmp_path / "marker"
    payloads, _ = _marker_payloads(marker)
    path = write_model(
        tmp_path / "h.skops", payloads["sklearn_fer.utils.save_model"][1]
    )
    load_model(path, trust=True)
    assert marker.exists()


def test_a_pickle_inside_an_array_file_is_not_unpickled(tmp_path):
    marker = tmp_path / "marker"
    array = npy(np.array([_Touch(marker)], dtype=object), allow_pickle=True)
    payload = node("NdArrayNode", "numpy", "ndarray", type="numpy", file="obj.npy")
    path = write_model(tmp_path / "array.skops", payload, {"obj.npy": array})
    # Refused from its header, before skops reads it (with allow_pickle=False).
    for trust in (False, True):
        with pytest.raises(ValueError, match="array.skops is refused.*Python objects"):
            load_model(path, trust=trust)
    sparse = io.BytesIO()
    np.savez(sparse, data=np.array([_Touch(marker)], dtype=object), format=b"csr")
    # spmatrix, the one name skops trusts for a sparse matrix.
    module = scipy.sparse.spmatrix.__module__
    payload = node("SparseMatrixNode", module, "spmatrix", type="scipy", file="s.npz")
    path = write_model(tmp_path / "sparse.skops", payload, {"s.npz": sparse.getvalue()})
    # sklearn-fer writes no sparse matrix: refused by name, and trusted, read
    # without unpickling.
    with pytest.raises(ValueError, match=r"sparse.skops holds types.*spmatrix"):
        load_model(path)
    with pytest.raises(ValueError, match="sparse.skops could not be loaded"):
        load_model(path, trust=True)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("case", "payload", "fields"),
    [
        ("unknown node", node("EvalNode", "builtins", "eval"), {}),
        ("newer protocol", json_value(1), {"protocol": 99}),
        ("protocol not an int", json_value(1), {"protocol": "2"}),
        ("cached node of no object", node("CachedNode", "x", "y", __id__=7), {}),
        (
            "method of another object",
            node(
                "MethodNode",
                "sklearn_fer.linear_model._softmax",
                "SGDSoftmaxRegression",
                content={"func": "fit", "obj": dict_node({})},
            ),
            {},
        ),
        (
            "array file missing",
            node("NdArrayNode", "numpy", "ndarray", type="numpy", file="none.npy"),
            {},
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_malformed_schemas_are_not_readable_skops_files(
    case, payload, fields, tmp_path, constructed
):
    path = write_model(tmp_path / "bad.skops", payload, **fields)
    with pytest.raises(ValueError, match="bad.skops is not a readable skops file"):
        load_model(path)
    assert constructed == []


# -- fitted state that does not hold together -----------------------------------


@pytest.fixture
def softmax(faces):
    X, y = faces
    return SGDSoftmaxRegression(max_iter=2, random_state=0).fit(X, y)


def _edit(model, **attributes):
    for name, value in attributes.items():
        setattr(model, name, value)
    return model


INCONSISTENT = {
    "coef_ narrower than n_features_in_": (
        lambda m: _edit(m, coef_=m.coef_[:, :-1]),
        r"SGDSoftmaxRegression at model has coef_ of shape \(7, 2303\): 2303 "
        "columns for n_features_in_ = 2304",
    ),
    "a class more than coef_ has rows": (
        lambda m: _edit(m, classes_=np.arange(8)),
        "coef_ with 7 rows for 8 classes",
    ),
    "one row for seven classes": (
        lambda m: _edit(m, coef_=m.coef_[:1], intercept_=m.intercept_[:1]),
        "coef_ with 1 rows for 7 classes",
    ),
    "two rows for two classes where softmax needs one per class": (
        lambda m: _edit(m, classes_=np.arange(3)),
        "coef_ with 7 rows for 3 classes",
    ),
    "intercept_ of the wrong length": (
        lambda m: _edit(m, intercept_=m.intercept_[:3]),
        r"intercept_ of shape \(3,\) for coef_ of shape \(7, 2304\)",
    ),
    "NaN in coef_": (
        lambda m: _edit(m, coef_=np.full_like(m.coef_, np.nan)),
        "non-finite values in coef_",
    ),
    "infinite intercept_": (
        lambda m: _edit(m, intercept_=np.full_like(m.intercept_, np.inf)),
        "non-finite values in intercept_",
    ),
    "coef_ of strings": (
        lambda m: _edit(m, coef_=m.coef_.astype(str)),
        "coef_ of shape .* and dtype <U",
    ),
    "n_features_in_ not an int": (
        lambda m: _edit(m, n_features_in_="2304"),
        "n_features_in_ = '2304', not a positive int",
    ),
    "repeated classes": (
        lambda m: _edit(m, classes_=np.array([3] * 7)),
        "repeated labels in classes_",
    ),
    "2-D classes": (
        lambda m: _edit(m, classes_=np.arange(7)[:, None]),
        r"classes_ of shape \(7, 1\), not 1-D",
    ),
    "feature_names_in_ of the wrong length": (
        lambda m: _edit(m, feature_names_in_=np.array(["a", "b"], dtype=object)),
        r"feature_names_in_ of shape \(2,\) for n_features_in_ = 2304",
    ),
    "a method replaced by a function skops trusts": (
        lambda m: _edit(m, predict_proba=np.exp),
        "attribute 'predict_proba' that would replace its class's own",
    ),
    "the class's loss replaced": (
        lambda m: _edit(m, _loss=StandardScaler()),
        "attribute '_loss' that would replace",
    ),
}


@pytest.mark.parametrize(
    "format, trust", [("skops", False), ("skops", True), ("pickle", False)]
)
@pytest.mark.parametrize("case", INCONSISTENT)
def test_inconsistent_fitted_state_is_refused_at_load(
    case, format, trust, softmax, tmp_path
):
    # Trusting a file lets it name any type, never hold inconsistent arrays.
    edit, message = INCONSISTENT[case]
    path = save_model(edit(softmax), tmp_path / "m.skops", format=format)
    if format == "skops" and not trust and case.endswith("a function skops trusts"):
        message = r"m.skops holds types .*\['numpy.exp'\]"
    else:
        message = "m.skops holds an inconsistent model: .*" + message
    with pytest.raises(ValueError, match=message):
        load_model(path, format=format, trust=trust)


def test_pipeline_steps_that_do_not_fit_together(faces, tmp_path):
    X, y = faces
    scaler = StandardScaler().fit(X)
    model = SGDSoftmaxRegression(max_iter=1).fit(X[:, :100], y)
    path = save_model(
        Pipeline([("scale", scaler), ("model", model)]), tmp_path / "p.skops"
    )
    with pytest.raises(
        ValueError,
        match=r"the Pipeline at model has a step 'model' that takes 100 features "
        "after a step that gives 2304",
    ):
        load_model(path)
    scaler.mean_ = scaler.mean_[:10]
    path = save_model(make_pipeline(scaler), tmp_path / "s.skops")
    with pytest.raises(
        ValueError,
        match=r"StandardScaler at model.steps\[0\]\[1\] has mean_ of shape \(10,\)",
    ):
        load_model(path)


# -- files that are not models -------------------------------------------------------


@pytest.mark.parametrize("format", ["skops", "pickle"])
@pytest.mark.parametrize(
    "content",
    [{"coef_": [1.0]}, [1, 2], "model", np.arange(3), SGDSoftmaxRegression],
    ids=["dict", "list", "str", "array", "a class"],
)
def test_what_is_not_an_estimator_is_refused(content, format, tmp_path):
    path = save_model(content, tmp_path / "m.skops", format=format)
    for trust in (False, True):
        message = "m.skops holds (a|the class) .*, not a scikit-learn est"
        if format == "skops" and isinstance(content, type) and not trust:
            # A class handed back as it is: sklearn-fer's files hold none.
            message = r"m.skops holds types .*\(TypeNode\)"
        with pytest.raises(ValueError, match=message):
            load_model(path, format=format, trust=trust)


class _Plain:
    """A pickled object that is not an estimator, though it has a classes_."""

    classes_ = np.array([0, 1])


def test_a_pickled_plain_object_is_refused(tmp_path):
    path = save_model(_Plain(), tmp_path / "plain.pkl", format="pickle")
    with pytest.raises(ValueError, match=r"plain.pkl holds a .*\._Plain, not a sci"):
        load_model(path, format="pickle")


def _damaged_skops_files(folder, good):
    files = {
        "truncated.skops": good[: len(good) // 2],
        "cut short.skops": good[:-30],
        "text.skops": b"emotion,pixels\n0,1 2 3\n",
        "empty.skops": b"",
    }
    for name, payload in files.items():
        (folder / name).write_bytes(payload)
    for name, schema in {
        "no_schema.skops": None,
        "bad_json.skops": "{not json",
    }.items():
        with zipfile.ZipFile(folder / name, "w") as archive:
            if schema is None:
                archive.writestr("other.json", "{}")
            else:
                archive.writestr("schema.json", schema)
        files[name] = None
    return [folder / name for name in files]


def test_damaged_skops_files(tmp_path, softmax):
    good = save_model(softmax, tmp_path / "good.skops").read_bytes()
    for path in _damaged_skops_files(tmp_path, good):
        with pytest.raises(ValueError, match=f"{path.name} is not a readable skops"):
            load_model(path)


def test_damaged_pickle_files(tmp_path, softmax):
    payload = pickle.dumps(softmax)
    for name, content in {
        "truncated.pkl": payload[: len(payload) // 2],
        "text.pkl": b"emotion,pixels\n",
        "empty.pkl": b"",
    }.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(ValueError, match=f"{name} could not be unpickled"):
            load_model(path, format="pickle")


def test_a_folder_or_nothing_is_not_found(tmp_path):
    for path in (tmp_path, tmp_path / "missing.skops"):
        with pytest.raises(FileNotFoundError, match="No model file at"):
            load_model(path)


def test_the_command_line_runs_nothing_either(tmp_path, capsys):
    from sklearn_fer._cli import main

    marker = tmp_path / "marker"
    path = write_model(
        tmp_path / "hostile.skops", call("builtins", "open", json_value(str(marker)))
    )
    assert main(["predict", "--model", str(path), str(tmp_path / "x.csv")]) != 0
    error = capsys.readouterr().err
    assert "hostile.skops holds types" in error and "builtins.open" in error
    assert "Traceback" not in error
    assert not marker.exists()
