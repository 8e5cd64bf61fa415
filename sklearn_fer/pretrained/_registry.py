"""The models shipped inside the package: listed, described, loaded safely."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import NamedTuple

#: name -> what the model is, in one line. Each has, in ``models/``, its file
#: (NAME.skops), its facts (NAME.json, written by ``build``) and its card
#: (NAME.md, written from the facts).
SHIPPED = {
    "emotions-linear": (
        "SGDSoftmaxRegression on learned patch features (1024 flip-invariant "
        "k-means centroids), the 7 emotions; needs the core install only"
    ),
    "emotions-cnn": (
        "The network of a ConvNetClassifier (four convolution blocks of 16 to "
        "128 channels), the 7 emotions, as a ConvNetInference: predicts with "
        "NumPy, the core install only"
    ),
}
#: What ``load_pretrained()`` returns without a name, and what ``sklearn-fer
#: predict`` answers with without ``--model``: the more accurate one. Its
#: network predicts with NumPy, so it needs no PyTorch either.
DEFAULT_MODEL = "emotions-cnn"


class PretrainedModel(NamedTuple):
    """One shipped model, as :func:`list_pretrained` describes it.

    Attributes
    ----------
    name : str
        What :func:`load_pretrained` takes.
    description : str
        What the model is, in one line.
    path : pathlib.Path
        The model file (skops), inside the installed package.
    card : pathlib.Path
        Its model card (markdown): data, command, scores, limits.
    facts : dict
        The card's figures as ``build`` measured them: the data file's
        SHA-256, the command, package versions, PublicTest accuracy,
        macro-F1, recall per emotion, expected calibration error.
    """

    name: str
    description: str
    path: Path
    card: Path
    facts: dict


def _models_folder() -> Path:
    return Path(str(resources.files(__package__).joinpath("models")))


def _model_file(name) -> Path:
    return _models_folder() / f"{name}.skops"


def read_facts(path) -> dict:
    """A model's facts (NAME.json, as ``build`` wrote them), or a ValueError
    naming the file: a damaged card must not read as a Python error."""
    try:
        facts = json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} is not the JSON of a model's facts: {exc}") from None
    if not isinstance(facts, dict):
        raise ValueError(f"{path} is not the JSON of a model's facts: not an object")
    return facts


def _described(name) -> PretrainedModel:
    folder = _models_folder()
    facts_file = folder / f"{name}.json"
    facts = read_facts(facts_file) if facts_file.is_file() else {}
    return PretrainedModel(
        name,
        SHIPPED[name],
        _model_file(name),
        folder / f"{name}.md",
        facts,
    )


def list_pretrained() -> list[PretrainedModel]:
    """The models shipped inside sklearn-fer, nothing downloaded.

    Returns
    -------
    models : list of PretrainedModel
        Name, description, file, card and measured figures of each model.

    Examples
    --------
    >>> from sklearn_fer.pretrained import list_pretrained
    >>> [model.name for model in list_pretrained()]
    ['emotions-linear', 'emotions-cnn']
    >>> list_pretrained()[0].facts["scores"]["accuracy"] > 0.5
    True
    """
    return [_described(name) for name in SHIPPED]


def load_pretrained(name: str = DEFAULT_MODEL):
    """A fitted model shipped inside sklearn-fer, loaded by the safe loader.

    The file is read by :func:`sklearn_fer.utils.load_model` with its checks
    and without ``trust``: it runs no code. The model predicts the codes of
    FER2013's emotions (``0`` angry ... ``6`` neutral, as
    :func:`~sklearn_fer.datasets.load_fer2013` labels them);
    ``model.target_names_`` names them. It reads rows of 48 x 48 grey faces
    (pixels 0-255) and goes into a :class:`~sklearn.pipeline.Pipeline`.
    Neither needs PyTorch. The last step of ``'emotions-linear'`` can be
    trained further on your faces with ``partial_fit`` (see the
    :ref:`user guide <pretrained>`); ``'emotions-cnn'`` predicts only.

    Read more in the :ref:`User Guide <pretrained>`.

    Parameters
    ----------
    name : {'emotions-cnn', 'emotions-linear'}, default='emotions-cnn'
        One of the names :func:`list_pretrained` gives.

    Returns
    -------
    model : ConvNetInference or Pipeline
        Fitted. ``'emotions-cnn'``: the network, its weights stored in
        float16 (:class:`~sklearn_fer.neural_network.ConvNetInference`).
        ``'emotions-linear'``: patch features, a scaler and
        :class:`~sklearn_fer.linear_model.SGDSoftmaxRegression`.

    Examples
    --------
    >>> from sklearn_fer.datasets import EMOTIONS, make_faces
    >>> from sklearn_fer.pretrained import load_pretrained
    >>> model = load_pretrained()
    >>> model.classes_.tolist() == list(range(7))
    True
    >>> X, _ = make_faces(n_samples=3, random_state=0, return_X_y=True)
    >>> model.predict_proba(X).shape
    (3, 7)
    """
    from ..utils import load_model

    if name not in SHIPPED:
        raise ValueError(
            f"No pretrained model {name!r}; the shipped ones are "
            f"{', '.join(map(repr, SHIPPED))}."
        )
    path = _model_file(name)  # its facts are not needed to load it
    if not path.is_file():
        raise FileNotFoundError(
            f"The pretrained model {name!r} is missing from this installation "
            f"({path}); reinstall sklearn-fer, or build it with python -m "
            "sklearn_fer.pretrained.build."
        )
    return load_model(path)
