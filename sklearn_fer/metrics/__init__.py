"""Scores that scikit-learn's :mod:`sklearn.metrics` does not have.

:func:`expected_calibration_error` says how far a classifier's confidence is
from its accuracy; :func:`sklearn_fer.model_selection.compare_estimators`
reports it for every fold beside the log loss.
"""

from ._calibration import calibration_bins, expected_calibration_error

__all__ = ["calibration_bins", "expected_calibration_error"]
