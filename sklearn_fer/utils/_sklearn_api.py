"""The private scikit-learn developer API that sklearn-fer relies on, in one place.

``_fit_context``, ``_check_sample_weight``, ``BaseEstimator._validate_params``
and the parameter-constraint classes are not public in scikit-learn, but they
are what its own estimators (and imbalanced-learn) use to validate parameters
and weights. The rest of sklearn-fer reaches them only through the public
names here, so that a future rename in scikit-learn is a one-line fix.
"""

from sklearn.base import _fit_context as fit_context
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
)
from sklearn.utils.validation import _check_sample_weight as check_sample_weight

__all__ = [
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "Options",
    "StrOptions",
    "check_parameters",
    "check_sample_weight",
    "fit_context",
]


def check_parameters(estimator):
    """Check ``estimator``'s parameters against its ``_parameter_constraints``.

    What ``fit_context`` does before ``fit``; for methods that use the
    parameters without fitting, and for ``partial_fit`` calls that
    ``fit_context`` lets through unchecked. Raises scikit-learn's
    ``InvalidParameterError`` (a ``ValueError``) naming the parameter.
    """
    estimator._validate_params()
