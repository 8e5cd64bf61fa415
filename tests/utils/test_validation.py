"""The input checks and the validation split shared by the estimators."""

import numpy as np
import pandas as pd
import pytest

from sklearn_fer.utils._validation import (
    check_label_vector,
    encode_labels,
    make_validation_split,
    numeric_features,
)

CLASSES = np.array(["a", "b", "c"])


def _identity(X):
    return np.asarray(X, dtype=float)


def _split(eval_set=None, fraction=None, early_stopping=False, weighted=True):
    y = np.repeat([0, 1, 2], 10)
    X = np.arange(60.0).reshape(30, 2)
    return make_validation_split(
        X,
        y,
        CLASSES,
        eval_set=eval_set,
        validation_fraction=fraction,
        early_stopping=early_stopping,
        random_state=np.random.RandomState(0),
        validate_X=_identity,
        sample_weight=np.ones(30) if weighted else None,
    )


def test_eval_set_else_fraction_else_a_tenth_under_early_stopping():
    (X, _, _), validation = _split()
    assert len(X) == 30 and validation is None
    (X, _, weight), (X_val, y_val, weight_val) = _split(fraction=0.2)
    assert (len(X), len(X_val)) == (24, 6) and len(weight) == 24
    assert sorted(np.bincount(y_val)) == [2, 2, 2]  # stratified
    (X, _, _), (X_val, _, _) = _split(early_stopping=True)
    assert (len(X), len(X_val)) == (27, 3)
    (X, _, _), (X_val, y_val, weight_val) = _split(
        eval_set=([[0, 1], [2, 3]], ["c", "a"]), fraction=0.2, early_stopping=True
    )
    assert len(X) == 30 and y_val.tolist() == [2, 0] and weight_val.tolist() == [1, 1]
    (_, _, no_weight), (_, _, no_weight_val) = _split(fraction=0.2, weighted=False)
    assert no_weight is None and no_weight_val is None


@pytest.mark.parametrize(
    "eval_set, weighted, match",
    [
        (([[0, 1]], ["a"], [1.0], "x"), True, r"length 4"),
        (([[0, 1]], ["a"], [1.0]), False, r"tuple \(X_val, y_val\); got .*length 3"),
        (np.zeros((2, 2)), True, "got ndarray"),
        (([[0, 1], [2, 3]], ["a"]), True, "2 samples in X but 1 labels"),
        (([[0, 1]], ["z"]), True, r"eval_set's y contains labels not in classes_"),
        (([[0, 1]], ["a"], [-1.0]), True, "(?i)negative"),
    ],
)
def test_eval_set_errors(eval_set, weighted, match):
    with pytest.raises(ValueError, match=match):
        _split(eval_set=eval_set, weighted=weighted)


def test_label_vectors():
    check_label_vector([0, 1, 2])
    check_label_vector(np.zeros((3, 1)))  # a column: left to column_or_1d
    with pytest.raises(ValueError, match=r"1-D.*shape \(3, 3\).*argmax"):
        check_label_vector(np.eye(3))
    # Before: an IndexError from deep in the training loop, or labels of shape
    # (n, 1) that broke the loss.
    with pytest.raises(ValueError, match="1-D"):
        encode_labels(np.eye(3), np.array([0.0, 1.0]))
    with pytest.warns(Warning, match="column-vector"):
        assert encode_labels(np.array([["b"], ["a"]]), CLASSES).tolist() == [1, 0]


class _Named:
    pass


@pytest.mark.parametrize(
    "X, where",
    [
        (np.array([[1.0, 2.0], [3.0, "x y"]], dtype=object), "row 1, column 1"),
        ([["1", "2"], ["3", "x y"]], "row 1, column 1"),
        (
            pd.DataFrame({"a": [1.0, 2.0], "pixels": ["0 1", "2 3"]}, index=[7, 8]),
            "row 7, column 'pixels'",
        ),
        (pd.Series(["0 1"], index=["face"]), "row 'face', column 0"),
    ],
)
def test_text_in_X_is_named_where_it_is(X, where):
    with (
        pytest.raises(ValueError, match=rf"{where}: '.*'; _Named needs numbers"),
        numeric_features(X, _Named()),
    ):
        np.asarray(X, dtype=float)


def test_other_conversion_errors_pass_through():
    with (
        pytest.raises(ValueError, match="something else"),
        numeric_features([[1.0]], _Named()),
    ):
        raise ValueError("something else")
