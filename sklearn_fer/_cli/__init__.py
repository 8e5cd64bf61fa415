"""The ``sklearn-fer`` command line (also ``python -m sklearn_fer``).

One module per command, each declaring its options (``add_arguments``) and
doing its work (``run``):

- ``demo``: the logistic / softmax study of FER2013 end to end, beside
  scikit-learn's baselines, on synthetic faces or on FER2013.
- ``train``: fit a logistic, softmax or CNN model on Training, save it (skops)
  and a report folder (metrics JSON, loss curves, confusion matrix).
- ``evaluate``: score a saved model on a split.
- ``predict``: the emotion of CSV rows or image files.
- ``sweep``: the step-size and batch-size study, by cross-validation.

``_main`` builds the parser and turns errors into exit codes: 0 success,
1 failure (bad file, divergence ...), 2 usage error. ``_options`` declares the
options several commands share; ``_models`` the models ``--model`` names;
``_reporting`` scores a model and writes its report.
"""

from ._main import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, build_parser, main
from ._options import UsageError

__all__ = [
    "EXIT_FAILURE",
    "EXIT_OK",
    "EXIT_USAGE",
    "UsageError",
    "build_parser",
    "main",
]
