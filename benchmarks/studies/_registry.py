"""The claims of the studies, each with the check that tests it.

A claim is registered with :func:`claim` on the function that checks it: the
function gets a :class:`Context` (the data, the seeds) and returns a
:class:`Finding` (what was run, the verdict and its margin, tables and
figures). ``python -m benchmarks studies`` runs the checks and writes each
study's findings to ``docs/studies/<study>.json``, which the user guide's
studies page renders (``docs/_ext/study_claims.py``); the docs build runs
nothing.

To add a study's claims (the CNN study's, say): write
``benchmarks/studies/<study>.py`` with one ``@claim("<study>", "<id>", ...)``
function per claim, import it in ``benchmarks/studies/__init__.py``, run
``python -m benchmarks studies --study <study>``, and put
``.. study-claims:: <study>`` on the studies page. Nothing else changes.
"""

import dataclasses
from collections.abc import Callable

#: The verdicts a finding may give. "holds only under a condition" says the
#: condition in the margin.
VERDICTS = ("holds", "does not hold", "holds only under a condition")
#: Kinds of figures the studies page draws from a finding's data.
FIGURE_KINDS = ("lines", "bars")


@dataclasses.dataclass(frozen=True)
class Study:
    """A study the package grows from."""

    key: str
    title: str
    paper: str
    summary: str


STUDIES = {
    "linear": Study(
        key="linear",
        title="Detecting facial expressions (logistic and softmax regression "
        "trained by SGD)",
        paper="/work/shared/papers/000_6116bd9118aa0ba4.txt",
        summary="Logistic regression (happy vs not happy) and softmax "
        "cross-entropy (7 emotions) on FER2013 pixels, trained by stochastic "
        "gradient descent; training and validation loss per epoch (its "
        "Figures 2 and 3); batch size and learning rate as the key "
        "hyper-parameters.",
    ),
    "cnn": Study(
        key="cnn",
        title="Deep Learning Model for Facial Expression Recognition (a PyTorch CNN)",
        paper="/work/shared/papers/003_aa45efcb3d354100.txt",
        summary="A CNN (convolution, LeakyReLU, max-pooling; a fully "
        "connected layer with dropout and batch norm) on happy / neutral / "
        "sad, with Gaussian blur, flip and rotation as augmentation.",
    ),
}


@dataclasses.dataclass
class Table:
    """A table of a finding: a title, column names and rows of cells."""

    title: str
    columns: list
    rows: list


@dataclasses.dataclass
class Figure:
    """A figure of a finding, drawn by the studies page from its data.

    ``kind`` ``'lines'``: ``panels`` is a list of axes, each a dict with
    ``title``, ``xlabel``, ``ylabel``, optional ``xscale`` / ``yscale``
    (``'log'``) and ``series``: dicts with ``label``, ``x``, ``y``, optional
    ``style`` (matplotlib's ``'-'``, ``'--'``, ``'o-'``), ``group`` (series
    of one group share a colour) and ``low`` / ``high`` (a band).
    ``kind`` ``'bars'``: each panel has ``categories`` and ``series`` of
    ``label``, ``y`` and optional ``low`` / ``high`` (error bars).
    """

    title: str
    kind: str
    panels: list
    caption: str = ""


@dataclasses.dataclass
class Finding:
    """What a check found.

    ``ran`` says what was run (models, data, splits, epochs, seeds);
    ``verdict`` is one of :data:`VERDICTS`; ``margin`` gives the numbers that
    decide it (and, for a conditional verdict, the condition); ``summary``
    says it in a line, for the README's table.
    """

    ran: str
    verdict: str
    margin: str
    summary: str = ""
    tables: list = dataclasses.field(default_factory=list)
    figures: list = dataclasses.field(default_factory=list)
    seeds: list = dataclasses.field(default_factory=list)

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict {self.verdict!r} is not one of {VERDICTS}.")
        for figure in self.figures:
            if figure.kind not in FIGURE_KINDS:
                raise ValueError(f"figure kind {figure.kind!r} not in {FIGURE_KINDS}.")


@dataclasses.dataclass(frozen=True)
class Claim:
    """A claim of a study and the function that checks it."""

    study: str
    key: str
    statement: str
    source: str
    check: Callable


#: (study, claim key) -> Claim, in the order they were registered.
CLAIMS: dict = {}


def claim(study: str, key: str, *, statement: str, source: str):
    """Register the decorated function as the check of a claim of ``study``.

    The function takes a :class:`Context` and returns a :class:`Finding`.
    """
    if study not in STUDIES:
        raise ValueError(f"unknown study {study!r}; add it to STUDIES.")

    def register(check):
        if (study, key) in CLAIMS:
            raise ValueError(f"claim {study}/{key} is registered twice.")
        CLAIMS[study, key] = Claim(study, key, statement, source, check)
        return check

    return register
