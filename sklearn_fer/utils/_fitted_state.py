"""Checks that a loaded model's fitted state holds together, before it is used.

A model file is data: its arrays can disagree with each other (a ``coef_``
narrower than ``n_features_in_``, a ``classes_`` with more entries than
``coef_`` has rows, a scaler that divides by zero), its labels can carry
terminal escape sequences that the command line would print, and its
estimators can sit where no code expects them (the steps of a pipeline as an
object array, which skips every check on them). Such a model would fail at its
first prediction, print garbage, or predict silently wrong labels; these
checks refuse it at load time, naming the estimator and the attribute.

Every object reachable from the model is walked, through every kind of
container (lists, tuples, dicts and their keys, sets, object arrays), and
every estimator found is checked. A file read without ``trust`` must moreover
have the shapes sklearn-fer writes (``strict``): estimators only as the model,
as the steps of a pipeline (a list of ``(name, estimator)`` tuples) or as
attributes of an estimator, and object arrays of strings only.
"""

import inspect
import unicodedata
from itertools import pairwise
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, is_classifier

#: Fitted attributes holding one value per input feature (last axis): a
#: narrower one would fail in a matrix product, or worse.
_PER_FEATURE = ("feature_names_in_", "mean_", "var_", "scale_")
#: The same, on scikit-learn's estimators only: k-means's compiled code reads
#: its centres without bounds checks (PatchKMeansEncoder's centres are patches).
_SKLEARN_PER_FEATURE = ("cluster_centers_",)
#: Attributes whose strings the command line prints.
_PRINTED = ("classes_", "target_names_", "feature_names_in_")
#: The saved name of each code in ``classes_`` (``sklearn-fer train``).
_NAMES = "target_names_"


def check_loaded_model(model, source, *, strict=True):
    """Raise ``ValueError`` unless ``model`` is an estimator whose state fits.

    Every estimator reachable from ``model`` (pipeline steps, fitted
    sub-estimators, estimators inside any container) is checked, and so is
    every sklearn-fer object: no instance attribute may hide a method of its
    class.

    Parameters
    ----------
    model : object
        What a model file held.
    source : str
        Where it came from (the file), for the messages.
    strict : bool, default=True
        Also refuse what sklearn-fer never writes: estimators inside
        containers other than a pipeline's steps, a pipeline whose steps are
        not a list of ``(name, estimator)`` tuples, object arrays of anything
        but strings, ``classes_`` that is not an array.
    """
    if isinstance(model, type) or not (
        callable(getattr(model, "fit", None)) and hasattr(model, "get_params")
    ):
        raise ValueError(
            f"{source} holds {_a(model)}, not a scikit-learn estimator: it is not "
            "a model saved by save_model."
        )
    for path, obj, container in _reachable(model):
        problem = _placement_problem(obj, container) if strict else None
        if problem is None and not _is_checked(obj):
            continue
        if problem is None:
            problem = _shadowed_method(obj)
        if problem is None and isinstance(obj, BaseEstimator):
            problem = _array_problem(vars(obj), type(obj), strict)
        if problem is None and hasattr(obj, "steps"):
            problem = _pipeline_problem(obj.steps, strict)
        if problem is not None:
            what = type(obj).__name__ if _is_checked(obj) else "object"
            raise ValueError(
                f"{source} holds an inconsistent model: the {what} at {path} {problem}."
            )
    problem = _names_problem(model)
    if problem is not None:
        raise ValueError(f"{source} holds an inconsistent model: {problem}.")


def check_loaded_classifier(model, source):
    """``ValueError`` unless ``model`` (a pipeline's last step) is a classifier.

    The command line's ``evaluate`` and ``predict`` need one: a file holding a
    scaler or a transformer alone would fail at its first ``classes_``.
    """
    estimator = _final_estimator(model)
    if not (is_classifier(estimator) and hasattr(estimator, "classes_")):
        described = type(estimator).__name__
        if estimator is None:
            described = f"{type(model).__name__} of malformed steps"
        elif estimator is not model:
            described = f"{type(model).__name__} ending in {described}"
        raise ValueError(
            f"{source} holds a {described}, not a classifier: evaluate and "
            "predict need a fitted classifier, such as the models that "
            "sklearn-fer train saves."
        )


def _a(obj):
    if isinstance(obj, type):
        return f"the class {obj.__module__}.{obj.__qualname__}"
    return f"a {type(obj).__module__}.{type(obj).__qualname__}"


def _reachable(model):
    """(path, object, container) for every object reachable from ``model``.

    ``container`` says how the object was reached: None for the model,
    'attribute' for an attribute of a checked object, 'steps' for the items
    of a pipeline's list of steps and 'step' for what their tuples hold, else
    the kind of container that holds it ('list', 'dict', 'object array'...).
    """
    seen, stack = set(), [("model", model, None)]
    while stack:
        path, obj, container = stack.pop()
        if id(obj) in seen or isinstance(obj, (str, bytes, type)):
            continue
        seen.add(id(obj))
        yield path, obj, container
        if isinstance(obj, dict):
            children = [(f"{path} key {key!r}", key, "dict") for key in obj]
            children += [(f"{path}[{k!r}]", v, "dict") for k, v in obj.items()]
        elif isinstance(obj, (list, tuple)):
            kind = {"steps list": "steps", "steps": "step"}.get(
                container, type(obj).__name__
            )
            children = [(f"{path}[{i}]", value, kind) for i, value in enumerate(obj)]
        elif isinstance(obj, (set, frozenset)):
            children = [(f"{path} item", value, "set") for value in obj]
        elif isinstance(obj, np.ndarray):
            if obj.dtype != object:
                continue
            children = [
                (f"{path}[{', '.join(map(str, index))}]", value, "object array")
                for index, value in np.ndenumerate(obj)
            ]
        elif _is_checked(obj):
            children = [
                (
                    f"{path}.{name}",
                    value,
                    "steps list" if name == "steps" else "attribute",
                )
                for name, value in vars(obj).items()
            ]
        else:
            continue
        stack.extend(reversed(children))


def _placement_problem(obj, container):
    """Where sklearn-fer never puts ``obj``, in words; or None."""
    if container == "steps":
        if not (
            isinstance(obj, tuple)
            and len(obj) == 2
            and isinstance(obj[0], str)
            and isinstance(obj[1], BaseEstimator)
        ):
            return f"is a step that is not a (name, estimator) tuple but {_a(obj)}"
        return None
    if isinstance(obj, BaseEstimator) and container not in (None, "attribute", "step"):
        return f"is an estimator inside a {container}, where sklearn-fer never puts one"
    if isinstance(obj, np.ndarray) and obj.dtype == object:
        kinds = {type(item).__name__ for item in obj.flat if not isinstance(item, str)}
        if kinds:
            return (
                f"is an object array holding {', '.join(sorted(kinds))}: "
                "sklearn-fer writes object arrays of strings only"
            )
    return None


def _is_checked(obj):
    return hasattr(obj, "__dict__") and (
        isinstance(obj, BaseEstimator)
        or type(obj).__module__.startswith("sklearn_fer.")
    )


def _shadowed_method(obj):
    """An instance attribute that hides a method or property of the class.

    It would replace that method for this object (``predict_proba`` read from
    the file instead of the class's code). On sklearn-fer's own classes, any
    class attribute that is not a plain default value (``_loss``) counts.
    """
    ours = type(obj).__module__.startswith("sklearn_fer.")
    for name in vars(obj):
        attribute = inspect.getattr_static(type(obj), name, None)
        if attribute is None or isinstance(attribute, (bool, int, float, str)):
            continue
        if ours or callable(attribute) or hasattr(attribute, "__get__"):
            return f"has an attribute {name!r} that would replace its class's own"
    return None


def _array_problem(state, cls, strict):
    """What is inconsistent among an estimator's fitted arrays, or None."""
    n_features = state.get("n_features_in_")
    if "n_features_in_" in state and not (
        isinstance(n_features, Integral)
        and not isinstance(n_features, bool)
        and n_features >= 1
    ):
        return f"has n_features_in_ = {n_features!r}, not a positive int"
    per_feature = _PER_FEATURE
    if cls.__module__.startswith("sklearn."):
        per_feature += _SKLEARN_PER_FEATURE
    for name in per_feature:
        values = state.get(name)
        if not isinstance(values, np.ndarray) or n_features is None:
            continue
        if values.ndim == 0 or values.shape[-1] != n_features:
            return (
                f"has {name} of shape {values.shape} for n_features_in_ = {n_features}"
            )
        if values.dtype.kind == "f" and not np.isfinite(values).all():
            return f"has non-finite values in {name}"
    problem = _scaler_problem(state)
    if problem is None:
        problem = _strings_problem(state)
    if problem is None:
        problem = _classes_problem(state, cls, strict)
    if problem is None:
        problem = _linear_problem(state, cls, n_features, state.get("classes_"))
    return problem


def _scaler_problem(state):
    """A scale the transform divides by that is not positive, or a negative
    variance."""
    scale, var = state.get("scale_"), state.get("var_")
    if isinstance(scale, np.ndarray) and scale.dtype.kind in "fiu":
        bad = np.flatnonzero(~(scale > 0))
        if bad.size:
            return (
                f"has scale_ = {float(scale.flat[bad[0]])!r} for feature {bad[0]} "
                "(transform divides by it; a fitted scaler has positive scales)"
            )
    if isinstance(var, np.ndarray) and var.dtype.kind in "fiu" and (var < 0).any():
        return "has negative values in var_"
    return None


def _strings_problem(state):
    for name in _PRINTED:
        values = state.get(name)
        if isinstance(values, np.ndarray) and values.dtype.kind in "UO":
            for index, value in enumerate(values.flat):
                if isinstance(value, str) and not _printable(value):
                    return (
                        f"has {name}[{index}] = {value!r}, holding control "
                        "characters (such as terminal escape sequences)"
                    )
    return None


def _printable(text):
    # Cc: controls (ESC, BEL, newline...); Cf: format characters (the
    # right-to-left override); Zl, Zp: line and paragraph separators.
    return not any(
        unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in text
    )


def _classes_problem(state, cls, strict):
    if "classes_" not in state:
        return None
    classes = state["classes_"]
    ours = cls.__module__.startswith("sklearn_fer.")
    if not isinstance(classes, np.ndarray):
        if strict or ours:
            return f"has classes_ of type {type(classes).__name__}, not an array"
        return None
    if classes.ndim != 1:
        return f"has classes_ of shape {classes.shape}, not 1-D"
    if classes.dtype.kind == "O" and not all(isinstance(c, str) for c in classes):
        kinds = sorted({type(c).__name__ for c in classes if not isinstance(c, str)})
        return f"has classes_ of dtype object holding {', '.join(kinds)}"
    if classes.dtype.kind not in "biufUO":
        return f"has classes_ of dtype {classes.dtype}"
    if classes.dtype.kind == "f" and not np.isfinite(classes).all():
        return "has non-finite values in classes_"
    if len(np.unique(classes)) != len(classes):
        return f"has repeated labels in classes_ {classes.tolist()}"
    return None


def _names_problem(model):
    """``target_names_`` (the name of each code of ``classes_``) that does not
    name every class, or is not an array of strings."""
    if not hasattr(model, "__dict__") or _NAMES not in vars(model):
        return None
    names = vars(model)[_NAMES]
    where = f"the {type(model).__name__}'s {_NAMES}"
    if not (isinstance(names, np.ndarray) and names.ndim == 1):
        return f"{where} is {_a(names)}, not a 1-D array of names"
    if names.dtype.kind != "U":
        return f"{where} has dtype {names.dtype}, not strings"
    problem = _strings_problem({_NAMES: names})
    if problem is not None:
        return f"the {type(model).__name__} {problem}"
    classes = getattr(_final_estimator(model), "classes_", None)
    if not isinstance(classes, np.ndarray) or classes.dtype.kind in "UO":
        return None  # no codes, or an older model that learned the names
    if classes.dtype.kind not in "iu":
        return f"{where} names codes, but classes_ has dtype {classes.dtype}"
    if classes.size and not (classes.min() >= 0 and classes.max() < len(names)):
        return (
            f"{where} has {len(names)} names for the codes {classes.tolist()} "
            f"in classes_: each code must be between 0 and {len(names) - 1}"
        )
    return None


def _final_estimator(model):
    """``final_step``, for a pipeline of any steps a trusted file may hold."""
    steps = getattr(model, "steps", None)
    if steps is None:
        return model
    if isinstance(steps, list) and steps and isinstance(steps[-1], tuple):
        return steps[-1][-1]
    return None


def _linear_problem(state, cls, n_features, classes):
    coef, intercept = state.get("coef_"), state.get("intercept_")
    if not isinstance(coef, np.ndarray):
        return None
    if coef.dtype.kind not in "fiu" or coef.ndim not in (1, 2):
        return f"has coef_ of shape {coef.shape} and dtype {coef.dtype}"
    if not np.isfinite(coef).all():
        return "has non-finite values in coef_"
    if n_features is not None and coef.shape[-1] != n_features:
        return (
            f"has coef_ of shape {coef.shape}: {coef.shape[-1]} columns for "
            f"n_features_in_ = {n_features}"
        )
    if isinstance(classes, np.ndarray) and coef.ndim == 2:
        rows, n_classes = coef.shape[0], len(classes)
        loss = getattr(cls, "_loss", None)
        expected = (
            loss.n_outputs(n_classes)
            if hasattr(loss, "n_outputs")
            else (1 if rows == 1 else n_classes)
        )
        if rows != expected or (rows == 1 and n_classes != 2):
            return (
                f"has coef_ with {rows} rows for {n_classes} classes in classes_ "
                f"{classes.tolist()}"
            )
    if isinstance(intercept, np.ndarray):
        rows = coef.shape[0] if coef.ndim == 2 else 1
        if intercept.shape not in ((rows,), ()) or intercept.dtype.kind not in "fiu":
            return (
                f"has intercept_ of shape {intercept.shape} for coef_ of shape "
                f"{coef.shape}"
            )
        if not np.isfinite(intercept).all():
            return "has non-finite values in intercept_"
    return None


def _pipeline_problem(steps, strict):
    """Steps that are not a list, or a step that does not take as many features
    as the step before gives."""
    if not isinstance(steps, list):
        if strict:
            return f"has steps of type {type(steps).__name__}, not a list"
        return None
    fitted = [
        step
        for step in steps
        if isinstance(step, tuple) and len(step) == 2 and hasattr(step[1], "__dict__")
    ]
    for (_, before), (name, after) in pairwise(fitted):
        n_in = vars(after).get("n_features_in_")
        if n_in is None or not hasattr(before, "get_feature_names_out"):
            continue
        try:
            n_out = len(before.get_feature_names_out())
        except Exception:  # unfitted or names not supported: nothing to compare
            continue
        if n_out != n_in:
            return (
                f"has a step {name!r} that takes {n_in} features after a step "
                f"that gives {n_out}"
            )
    return None
