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

``_main`` builds the parser, reserves every command's outputs before it runs
and publishes them together after it (``_outputs``: nothing is written over an
input, no folder we did not write is replaced, two commands never write one
output) and turns errors into exit codes: 0 success, 1 failure (bad file,
divergence ...), 2 usage error, 130 interrupted; one line on stderr, a
traceback only with ``--debug``. ``_entry.main`` is the entry point: it takes
Ctrl-C over before the heavy imports (importing this package imports nothing).
``_options`` declares the options several commands share; ``_models`` the
models ``--model`` names; ``_data`` loads the faces; ``_labels`` names the
codes a model learns (the data guide's label convention); ``_reporting``
scores a model and writes its report; ``_progress`` says on a terminal what
starts. Image files become faces in ``sklearn_fer.datasets._images``, as for the loader.
"""

import importlib

#: The public names, and the module of each: imported when first asked for,
#: so that importing this package imports nothing heavy (see ``_entry``).
_EXPORTS = {
    "EXIT_FAILURE": "_main",
    "EXIT_INTERRUPTED": "_entry",
    "EXIT_OK": "_main",
    "EXIT_USAGE": "_main",
    "UsageError": "_options",
    "build_parser": "_main",
    "main": "_entry",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
