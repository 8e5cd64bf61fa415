"""``compare_estimators``: several estimators on the same folds, in one table.

Each estimator is cross-validated by scikit-learn's ``cross_validate`` with
one multi-metric scorer (``FoldScorer``). The folds are taken in batches of
as many as run at once (``n_jobs``), and in each batch every estimator is
fitted in turn, so that:

- a batch's scores are written to the fold cache as soon as they exist (an
  interrupted comparison loses at most the batch in flight);
- a transformer that several pipelines start with (the same class and
  parameters) is fitted once per fold: those pipelines share a
  ``joblib.Memory``, which holds the features of one batch of folds at a time
  and is emptied when the batch is done.
"""

import contextlib
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from ._fold_cache import (
    FoldStore,
    data_sha256,
    estimator_digest,
    split_digest,
)
from ._scoring import LOWER_IS_BETTER, SCORES, FoldScorer, recall_column
from ._statistics import corrected_t_interval, corrected_t_test

#: The columns that say which split a row is about.
SPLIT_COLUMNS = ("split", "repeat", "fold", "n_train", "n_test")
#: What ``summarize_scores`` reports for each score.
SUMMARY_STATISTICS = ("mean", "std", "ci_low", "ci_high")


def _named(estimators) -> dict:
    pairs = list(estimators.items() if isinstance(estimators, Mapping) else estimators)
    try:
        named = {name: estimator for name, estimator in pairs}
    except (TypeError, ValueError):
        raise TypeError(
            "estimators must be a dict of name -> estimator, or a list of "
            "(name, estimator) pairs."
        ) from None
    if len(named) != len(pairs):
        raise ValueError("estimators: each name must be given once.")
    if not named:
        raise ValueError("estimators: give at least one.")
    for name, estimator in named.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"estimators: the name {name!r} is not a non-empty str.")
        if not hasattr(estimator, "fit"):
            raise TypeError(f"estimators[{name!r}] has no fit method.")
    return named


def _class_names(labels, target_names):
    if target_names is None:
        from ..datasets import EMOTIONS

        codes = np.issubdtype(labels.dtype, np.integer) and (
            labels.min() >= 0 and labels.max() < len(EMOTIONS)
        )
        return [EMOTIONS[label] if codes else str(label) for label in labels]
    names = [str(name) for name in target_names]
    if len(names) != len(labels):
        raise ValueError(
            f"target_names has {len(names)} names for the {len(labels)} classes "
            f"{labels.tolist()} of y: give one name per class, in sorted order."
        )
    if len(set(names)) != len(names):
        raise ValueError(f"target_names repeats a name: {names}.")
    return names


def _first_step(estimator):
    steps = getattr(estimator, "steps", None)
    if not steps or getattr(estimator, "memory", None) is not None:
        return None
    step = steps[0][1]
    if step is None or step == "passthrough" or not hasattr(step, "transform"):
        return None
    return estimator_digest(step)


def _share_features(named: dict, memory) -> dict:
    """Clones of ``named``; the pipelines that start alike get ``memory``."""
    from collections import Counter

    from sklearn.base import clone

    firsts = {name: _first_step(estimator) for name, estimator in named.items()}
    counts = Counter(first for first in firsts.values() if first is not None)
    fitted = {}
    for name, estimator in named.items():
        fitted[name] = clone(estimator)
        if memory is not None and counts.get(firsts[name], 0) > 1:
            fitted[name].set_params(memory=memory)
    return fitted


def _fold_numbers(cv, n_splits):
    """(repeat, fold) of each split: repeated k-fold splits come k by k."""
    n_repeats = getattr(cv, "n_repeats", 1)
    if not isinstance(n_repeats, int) or n_repeats < 1 or n_splits % n_repeats:
        n_repeats = 1
    per_repeat = n_splits // n_repeats
    return [(split // per_repeat, split % per_repeat) for split in range(n_splits)]


def _folds_text(splits, n_splits):
    numbers = [split + 1 for split in splits]
    if len(numbers) == 1:
        return f"split {numbers[0]} of {n_splits}"
    return f"splits {numbers[0]}-{numbers[-1]} of {n_splits}"


def _failed(name, splits, n_splits, exc):
    import warnings

    from sklearn.exceptions import FitFailedWarning

    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc)
    warnings.warn(
        f"{name} failed on {_folds_text(splits, n_splits)}: {reason}",
        FitFailedWarning,
        stacklevel=3,
    )


def compare_estimators(
    estimators,
    X,
    y,
    *,
    cv=5,
    groups=None,
    target_names=None,
    n_jobs=None,
    cache_dir=None,
    share_features: bool = True,
    error_score="raise",
    progress: Callable[[str], None] | None = None,
):
    """Cross-validate several classifiers on the same splits: one row per fold.

    Each estimator is evaluated by :func:`sklearn.model_selection.cross_validate`
    on the same splits, with one scorer that predicts each test fold once and
    measures everything from that prediction. The result is tidy: one row per
    estimator and split, ready for :func:`summarize_scores` (mean, standard
    deviation and the corrected 95% interval per estimator) and
    :func:`compare_to_baseline` (each estimator against one of them).

    Read more in the :ref:`User Guide <comparing_guide>`.

    Parameters
    ----------
    estimators : dict or list of (str, estimator)
        Classifiers by name, in the order of the table. Unfitted; each is
        cloned.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    cv : int, cross-validation generator or iterable, default=5
        As for ``cross_validate``: an int is a ``StratifiedKFold`` without
        shuffling. For repeated cross-validation give a
        :class:`~sklearn.model_selection.RepeatedStratifiedKFold`: its splits
        are numbered by repeat and fold, and the interval's correction counts
        every split of every repeat (with ``n_train`` / ``n_test`` of one).
    groups : array-like of shape (n_samples,), default=None
        For group splitters.
    target_names : list of str, default=None
        A name per class of ``y`` (sorted labels), for the recall columns. By
        default FER2013's emotion names when ``y`` holds codes 0-6, else the
        labels as text.
    n_jobs : int, default=None
        Folds fitted at once by ``cross_validate`` (joblib's convention; -1:
        all CPUs). Under ``joblib.parallel_backend('dask')`` the fits run on
        the Dask cluster.
    cache_dir : str or path-like, default=None
        A folder where each finished fold's scores are kept (``folds/``) and,
        meanwhile, the shared features (``features/``): a comparison run again
        on the same data, estimators and splits reads the finished folds
        instead of fitting them, so an interrupted one goes on where it
        stopped. None: nothing is kept, and the features of the folds in
        flight go to a temporary folder.
    share_features : bool, default=True
        Give the pipelines whose first step is the same transformer (class
        and parameters) one ``joblib.Memory``, so that it is fitted, and
        transforms the training fold, once per fold rather than once per
        pipeline. The workers must see the same file system (not so on a
        remote Dask cluster: pass False there).
    error_score : 'raise' or float, default='raise'
        What a failed fit (divergence, say) gives: raise its error, or this
        value as its accuracy (the other scores NaN), with a
        ``FitFailedWarning``. All the splits of the batch in which a fit fails
        get it, and none is cached.
    progress : callable, default=None
        Called with one line of text before each estimator fits a batch of
        folds, and after, with its accuracies (``print``, a logger ...).

    Returns
    -------
    scores : pandas.DataFrame
        One row per estimator and split, in the order of ``estimators`` and
        the splits: ``estimator`` (categorical), ``split``, ``repeat``,
        ``fold``, ``n_train``, ``n_test``, ``accuracy``,
        ``balanced_accuracy``, ``f1_macro``, ``log_loss``,
        ``expected_calibration_error`` (both NaN for an estimator without
        ``predict_proba``), ``recall_<class name>`` for each class,
        ``fit_time`` and ``predict_time`` (seconds; for a fold read from
        ``cache_dir``, those of the run that fitted it).

    See Also
    --------
    summarize_scores : Mean, standard deviation and corrected interval.
    compare_to_baseline : Each estimator against one of them.

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_fer.datasets import make_faces
    >>> from sklearn_fer.linear_model import SGDSoftmaxRegression
    >>> from sklearn_fer.model_selection import compare_estimators
    >>> X, y = make_faces(300, random_state=0, return_X_y=True)
    >>> estimators = {
    ...     "softmax": make_pipeline(StandardScaler(), SGDSoftmaxRegression(
    ...         batch_size=32, max_iter=10, random_state=0)),
    ...     "prior": DummyClassifier(),
    ... }
    >>> scores = compare_estimators(estimators, X / 255, y, cv=3)
    >>> scores.shape
    (6, 20)
    >>> list(scores.columns[:7])
    ['estimator', 'split', 'repeat', 'fold', 'n_train', 'n_test', 'accuracy']
    >>> bool(scores["accuracy"].between(0, 1).all())
    True
    """
    from joblib import Memory, effective_n_jobs
    from sklearn.model_selection import check_cv, cross_validate
    from sklearn.utils import indexable
    from sklearn.utils.validation import column_or_1d

    named = _named(estimators)
    X, y, groups = indexable(X, y, groups)
    y = column_or_1d(y)
    labels = np.unique(y)
    names = _class_names(labels, target_names)
    scorer = FoldScorer(labels, names)
    cv = check_cv(cv, y, classifier=True)
    splits = list(cv.split(X, y, groups))
    n_splits = len(splits)
    numbers = _fold_numbers(cv, n_splits)
    say = progress or (lambda line: None)

    store = keys = None
    if cache_dir is not None:
        store = FoldStore(Path(cache_dir) / "folds", scorer.identity())
        data = data_sha256(X, y)
        split_keys = [split_digest(train, test) for train, test in splits]
        keys = {
            name: [store.key(data, estimator_digest(estimator), s) for s in split_keys]
            for name, estimator in named.items()
        }

    rows = {}
    with contextlib.ExitStack() as stack:
        memory = None
        if share_features:
            if cache_dir is not None:
                location = Path(cache_dir) / "features"
            else:
                location = stack.enter_context(
                    tempfile.TemporaryDirectory(prefix="sklearn-fer-features-")
                )
            memory = Memory(location, verbose=0)
        fitted = _share_features(named, memory)
        batch = max(1, effective_n_jobs(n_jobs))
        for start in range(0, n_splits, batch):
            chunk = range(start, min(start + batch, n_splits))
            for name, estimator in fitted.items():
                todo = []
                for split in chunk:
                    cached = store.load(keys[name][split]) if store else None
                    if cached is None:
                        todo.append(split)
                    else:
                        rows[name, split] = cached
                if not todo:
                    continue
                say(f"{name}: {_folds_text(todo, n_splits)} ...")
                try:
                    results = cross_validate(
                        estimator,
                        X,
                        y,
                        groups=groups,
                        cv=[splits[split] for split in todo],
                        scoring=scorer,
                        n_jobs=n_jobs,
                        error_score="raise",
                    )
                except Exception as exc:
                    if isinstance(error_score, str):
                        raise
                    _failed(name, todo, n_splits, exc)
                    for split in todo:
                        rows[name, split] = {"accuracy": float(error_score)}
                    continue
                for position, split in enumerate(todo):
                    row = {
                        key[len("test_") :]: float(values[position])
                        for key, values in results.items()
                        if key.startswith("test_")
                    }
                    row["fit_time"] = float(results["fit_time"][position])
                    rows[name, split] = row
                    if store:
                        store.save(keys[name][split], row)
                accuracies = ", ".join(
                    f"{rows[name, split]['accuracy']:.4f}" for split in todo
                )
                say(f"{name}: accuracy {accuracies}")
            if memory is not None:
                memory.clear(warn=False)
    return _table(named, rows, splits, numbers, names)


def _table(named, rows, splits, numbers, names):
    import pandas as pd

    columns = [
        *SCORES,
        *(recall_column(name) for name in names),
        "fit_time",
        "predict_time",
    ]
    records = []
    for name in named:
        for split, ((train, test), (repeat, fold)) in enumerate(
            zip(splits, numbers, strict=True)
        ):
            scores = rows[name, split]
            records.append(
                {
                    "estimator": name,
                    "split": split,
                    "repeat": repeat,
                    "fold": fold,
                    "n_train": len(train),
                    "n_test": len(test),
                    **{column: scores.get(column, np.nan) for column in columns},
                }
            )
    table = pd.DataFrame.from_records(
        records, columns=["estimator", *SPLIT_COLUMNS, *columns]
    )
    table["estimator"] = pd.Categorical(
        table["estimator"], categories=list(named), ordered=True
    )
    return table


def _score_columns(scores) -> list:
    return [
        column
        for column in scores.columns
        if column != "estimator"
        and column not in SPLIT_COLUMNS
        and np.issubdtype(scores[column].dtype, np.number)
    ]


def _check_scores(scores):
    missing = {"estimator", *SPLIT_COLUMNS} - set(scores.columns)
    if missing:
        raise ValueError(
            f"scores lacks the columns {sorted(missing)}: give the table that "
            "compare_estimators returns."
        )


def _overlap(group):
    """The mean training and test sizes of a split, for the correction."""
    return float(group["n_train"].mean()), float(group["n_test"].mean())


def summarize_scores(scores, *, confidence: float = 0.95):
    """Mean, standard deviation and corrected interval of each score, per estimator.

    The interval is the corrected resampled t interval of Nadeau and Bengio
    (:func:`corrected_t_interval`), which accounts for the training faces
    that the folds share; the standard deviation is the plain one over the
    splits (``ddof=1``). A score that is NaN on some split (the log loss of
    an estimator without probabilities) is NaN throughout.

    Parameters
    ----------
    scores : pandas.DataFrame
        The table of :func:`compare_estimators`.
    confidence : float, default=0.95

    Returns
    -------
    summary : pandas.DataFrame
        One row per estimator (in the table's order); columns a MultiIndex of
        (score, statistic), statistics ``mean``, ``std``, ``ci_low`` and
        ``ci_high``: ``summary["accuracy"]`` is a table of four columns,
        ``summary.xs("mean", axis=1, level=1)`` the means of every score.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_fer.model_selection import summarize_scores
    >>> scores = pd.DataFrame({
    ...     "estimator": ["a", "a", "a"], "split": [0, 1, 2], "repeat": 0,
    ...     "fold": [0, 1, 2], "n_train": 80, "n_test": 20,
    ...     "accuracy": [0.50, 0.52, 0.54]})
    >>> summarize_scores(scores)["accuracy"].round(3)
               mean   std  ci_low  ci_high
    estimator
    a          0.52  0.02   0.454    0.586
    """
    import pandas as pd

    _check_scores(scores)
    metrics = _score_columns(scores)
    summary = {}
    for name, group in scores.groupby("estimator", sort=False, observed=True):
        n_train, n_test = _overlap(group)
        row = {}
        for metric in metrics:
            values = group[metric].to_numpy(dtype=np.float64)
            low = high = np.nan
            if len(values) >= 2 and np.all(np.isfinite(values)):
                low, high = corrected_t_interval(
                    values, n_train=n_train, n_test=n_test, confidence=confidence
                )
            std = values.std(ddof=1) if len(values) >= 2 else np.nan
            row.update(
                {
                    (metric, "mean"): values.mean(),
                    (metric, "std"): std,
                    (metric, "ci_low"): low,
                    (metric, "ci_high"): high,
                }
            )
        summary[name] = row
    frame = pd.DataFrame.from_dict(summary, orient="index")
    frame.columns = pd.MultiIndex.from_tuples(frame.columns)
    frame.index.name = "estimator"
    return frame


def compare_to_baseline(
    scores,
    baseline: str,
    *,
    metric: str = "accuracy",
    rope: float = 0.0,
    confidence: float = 0.95,
    greater_is_better: bool | None = None,
):
    """Each estimator against a baseline, on the same splits: is it better?

    For every estimator other than ``baseline``, the differences of ``metric``
    split by split go through :func:`corrected_t_test` (the corrected
    resampled t-test of Nadeau and Bengio, read also as the Bayesian
    correlated t-test of Benavoli et al.): the mean difference, its corrected
    interval, the one-sided p-value of "no better" and the posterior
    probabilities of better, practically equivalent (within ``rope``) and
    worse.

    Parameters
    ----------
    scores : pandas.DataFrame
        The table of :func:`compare_estimators`.
    baseline : str
        The name of the estimator the others are compared with.
    metric : str, default='accuracy'
        A score column of ``scores``.
    rope : float, default=0.0
        Half-width of the region of practical equivalence, in the metric's
        units (0.01: a point of accuracy).
    confidence : float, default=0.95
        Of the interval of the difference.
    greater_is_better : bool, default=None
        Whether a higher ``metric`` is better; by default False for
        ``log_loss``, ``expected_calibration_error``, ``fit_time`` and
        ``predict_time``, True otherwise.

    Returns
    -------
    comparison : pandas.DataFrame
        One row per other estimator: ``mean`` (its mean ``metric``),
        ``difference`` (its mean minus the baseline's), ``ci_low`` and
        ``ci_high`` (of the difference), ``t``, ``p_value``, ``prob_better``,
        ``prob_equivalent``, ``prob_worse``; "better" follows
        ``greater_is_better``. NaN where a split's score is NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_fer.model_selection import compare_to_baseline
    >>> scores = pd.DataFrame({
    ...     "estimator": ["a"] * 3 + ["b"] * 3, "split": [0, 1, 2] * 2,
    ...     "repeat": 0, "fold": [0, 1, 2] * 2, "n_train": 80, "n_test": 20,
    ...     "accuracy": [0.50, 0.52, 0.54, 0.51, 0.54, 0.57]})
    >>> result = compare_to_baseline(scores, "a")
    >>> result[["difference", "p_value", "prob_better"]].round(4)
               difference  p_value  prob_better
    estimator
    b                0.02   0.0601       0.9399
    """
    import pandas as pd

    _check_scores(scores)
    if metric not in _score_columns(scores):
        raise ValueError(
            f"metric {metric!r} is not a score of the table; choose from "
            f"{_score_columns(scores)}."
        )
    present = list(pd.unique(scores["estimator"]))
    if baseline not in present:
        raise ValueError(f"baseline {baseline!r} is not one of {present}.")
    if greater_is_better is None:
        greater_is_better = metric not in LOWER_IS_BETTER
    sign = 1.0 if greater_is_better else -1.0
    by_split = scores.pivot_table(
        index="split", columns="estimator", values=metric, observed=True, dropna=False
    )
    reference = by_split[baseline]
    rows = {}
    for name, group in scores.groupby("estimator", sort=False, observed=True):
        if name == baseline:
            continue
        n_train, n_test = _overlap(group)
        differences = (by_split[name] - reference).to_numpy(dtype=np.float64)
        row = dict.fromkeys(
            (
                "difference",
                "ci_low",
                "ci_high",
                "t",
                "p_value",
                "prob_better",
                "prob_equivalent",
                "prob_worse",
            ),
            np.nan,
        )
        row = {"mean": group[metric].mean(), **row}
        if len(differences) >= 2 and np.all(np.isfinite(differences)):
            low, high = corrected_t_interval(
                differences, n_train=n_train, n_test=n_test, confidence=confidence
            )
            test = corrected_t_test(
                sign * differences, n_train=n_train, n_test=n_test, rope=rope
            )
            row.update(
                difference=differences.mean(),
                ci_low=low,
                ci_high=high,
                t=sign * test.t,
                p_value=test.p_value,
                prob_better=test.prob_better,
                prob_equivalent=test.prob_equivalent,
                prob_worse=test.prob_worse,
            )
        rows[name] = row
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "estimator"
    return frame
