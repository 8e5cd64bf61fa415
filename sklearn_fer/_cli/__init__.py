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
- ``compare``: several models cross-validated on the same folds, with
  corrected statistics, a report folder and resumable folds.

``_main`` builds the parser, checks every command's outputs before it runs
(``_outputs``: nothing is written over an input, no folder we did not write is
replaced) and turns errors into exit codes: 0 success, 1 failure (bad file,
divergence ...), 2 usage error, 130 interrupted; one line on stderr, a
traceback only with ``--debug``. ``_options`` declares the options several
commands share; ``_models`` the models ``--model`` names; ``_data`` loads the
faces; ``_labels`` names the codes a model learns (the data guide's label
convention); ``_reporting`` scores a model and writes its report;
``_progress`` says on a terminal what starts. Image files
become faces in ``sklearn_fer.datasets._images``, as for the loader.
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
