"""Comparing estimators by cross-validation, with statistics that fit it.

:func:`compare_estimators` cross-validates several classifiers on the same
splits (scikit-learn's ``cross_validate``) and returns one row per estimator
and split; :func:`summarize_scores` gives each estimator's mean, standard
deviation and 95% interval, and :func:`compare_to_baseline` says how likely
each one is better than a baseline. Both use the corrected resampled t of
Nadeau and Bengio (:func:`corrected_t_interval`, :func:`corrected_t_test`),
which accounts for the training data that cross-validation folds share.
"""

from ._compare import compare_estimators, compare_to_baseline, summarize_scores
from ._statistics import CorrectedTTest, corrected_t_interval, corrected_t_test

__all__ = [
    "CorrectedTTest",
    "compare_estimators",
    "compare_to_baseline",
    "corrected_t_interval",
    "corrected_t_test",
    "summarize_scores",
]
