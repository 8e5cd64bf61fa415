"""Checks that a loaded model's fitted state holds together, before it is used.

A model file is data: its arrays can disagree with each other (a ``coef_``
narrower than ``n_features_in_``, a ``classes_`` with more entries than
``coef_`` has rows). Such a model would fail at its first prediction with a
matrix-product error, or predict silently wrong labels; these checks refuse it
at load time, naming the estimator and the attribute.
"""

import inspect
from itertools import pairwise
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator

#: Fitted attributes holding one value per input feature (last axis).
_PER_FEATURE = ("feature_names_in_", "mean_", "var_", "scale_")


def check_loaded_model(model, source):
    """Raise ``ValueError`` unless ``model`` is an estimator whose state fits.

    Every estimator reachable from ``model`` (pipeline steps, fitted
    sub-estimators) is checked, and so is every sklearn-fer object: no
    instance attribute may hide a method of its class.

    Parameters
    ----------
    model : object
        What a model file held.
    source : str
        Where it came from (the file), for the messages.
    """
    if isinstance(model, type) or not (
        callable(getattr(model, "fit", None)) and hasattr(model, "get_params")
    ):
        raise ValueError(
            f"{source} holds {_a(model)}, not a scikit-learn estimator: it is not "
            "a model saved by save_model."
        )
    for path, obj in _reachable(model):
        problem = _shadowed_method(obj)
        if problem is None and isinstance(obj, BaseEstimator):
            problem = _array_problem(vars(obj), type(obj))
        if problem is None and isinstance(getattr(obj, "steps", None), list):
            problem = _pipeline_problem(obj.steps)
        if problem is not None:
            raise ValueError(
                f"{source} holds an inconsistent model: the {type(obj).__name__} "
                f"at {path} {problem}."
            )


def _a(obj):
    if isinstance(obj, type):
        return f"the class {obj.__module__}.{obj.__qualname__}"
    return f"a {type(obj).__module__}.{type(obj).__qualname__}"


def _reachable(model):
    """(path, object) for every object with attributes reachable from ``model``."""
    seen, stack = set(), [("model", model)]
    while stack:
        path, obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (str, bytes, np.ndarray, type)):
            continue
        seen.add(id(obj))
        if isinstance(obj, dict):
            children = [(f"{path}[{key!r}]", value) for key, value in obj.items()]
        elif isinstance(obj, (list, tuple)):
            children = [(f"{path}[{i}]", value) for i, value in enumerate(obj)]
        elif _is_checked(obj):
            yield path, obj
            children = [(f"{path}.{name}", value) for name, value in vars(obj).items()]
        else:
            continue
        stack.extend(reversed(children))


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


def _array_problem(state, cls):
    """What is inconsistent among an estimator's fitted arrays, or None."""
    n_features = state.get("n_features_in_")
    if "n_features_in_" in state and not (
        isinstance(n_features, Integral)
        and not isinstance(n_features, bool)
        and n_features >= 1
    ):
        return f"has n_features_in_ = {n_features!r}, not a positive int"
    for name in _PER_FEATURE:
        values = state.get(name)
        if not isinstance(values, np.ndarray) or n_features is None:
            continue
        if values.ndim == 0 or values.shape[-1] != n_features:
            return (
                f"has {name} of shape {values.shape} for n_features_in_ = {n_features}"
            )
        if values.dtype.kind == "f" and not np.isfinite(values).all():
            return f"has non-finite values in {name}"
    classes = state.get("classes_")
    if isinstance(classes, np.ndarray):
        if classes.ndim != 1:
            return f"has classes_ of shape {classes.shape}, not 1-D"
        if classes.dtype != object and len(np.unique(classes)) != len(classes):
            return f"has repeated labels in classes_ {classes.tolist()}"
    return _linear_problem(state, cls, n_features, classes)


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


def _pipeline_problem(steps):
    """A step that does not take as many features as the step before gives."""
    fitted = [
        (name, step)
        for name, step in steps
        if step is not None and not isinstance(step, str)
    ]
    for (_, before), (name, after) in pairwise(fitted):
        n_in = vars(after).get("n_features_in_") if hasattr(after, "__dict__") else None
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
