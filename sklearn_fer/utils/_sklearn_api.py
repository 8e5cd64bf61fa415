"""The private scikit-learn developer API that sklearn-fer relies on, in one place.

``_fit_context`` and the parameter-constraint classes are not public in
scikit-learn, but they are what its own estimators (and imbalanced-learn) use to
validate parameters. Importing them only here keeps a future rename a one-line fix.
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions

__all__ = [
    "HasMethods",
    "Interval",
    "Options",
    "StrOptions",
    "_fit_context",
    "validate_params",
]


def validate_params(estimator):
    """Check the parameters against ``_parameter_constraints``, as ``_fit_context``
    does before ``fit``: for methods that may run without ``fit``."""
    estimator._validate_params()
