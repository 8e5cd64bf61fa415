"""The classes of the models the command line writes: codes, named for display.

Models learn the integer codes that ``load_fer2013`` returns for their target
(the label convention of the data guide, ``docs/user_guide/data.rst``), so
that ``load_model(file).score(faces.data, faces.target)`` works on what
``load_fer2013`` returns. The names of the codes (the loader's
``target_names``) are saved with the model, as its ``target_names_``, and
only ever printed: in tables, predictions and reports.
"""

import numpy as np

from ..datasets import EMOTIONS

#: The attribute that carries, on a saved model, the name of each code.
NAMES_ATTRIBUTE = "target_names_"
HAPPY_NAMES = ["not happy", "happy"]


def name_classes(model, target_names):
    """Save the name of each code on ``model``, as ``load_fer2013`` names them."""
    setattr(model, NAMES_ATTRIBUTE, np.asarray(target_names, dtype=str))
    return model


def _is_named(model) -> bool:
    classes = np.asarray(model.classes_)
    return classes.dtype.kind in "OUS"


def class_names(model) -> list[str]:
    """One name per entry of ``model.classes_``.

    The saved ``target_names_`` of a model written by ``sklearn-fer train``;
    else the package's display convention (FER2013 codes 0..6 named by
    emotion, other classes as they are).
    """
    from ..inspection._labels import class_display_labels

    classes = model.classes_
    names = getattr(model, NAMES_ATTRIBUTE, None)
    if names is not None and not _is_named(model):
        return [str(names[int(code)]) for code in classes]
    return class_display_labels(classes)


def fer2013_target(model):
    """The ``load_fer2013`` target whose codes are ``model``'s classes.

    A model of an earlier version, which learned the names themselves, gives
    the target of its names. Raises ValueError for a model whose classes do
    not tell their target.
    """
    classes = [str(c) for c in model.classes_]
    names = getattr(model, NAMES_ATTRIBUTE, None)
    if names is None and not _is_named(model):
        # Only the seven codes name themselves.
        if classes != [str(code) for code in range(len(EMOTIONS))]:
            raise ValueError(
                f"the model's classes {classes} do not say which FER2013 emotions "
                "they stand for: was it trained with sklearn-fer train?"
            )
        return "emotion"
    if names is None:  # learned as names, in any order
        if sorted(classes) == sorted(HAPPY_NAMES):
            return "happy"
        if set(classes) == set(EMOTIONS):
            return "emotion"
        names = classes
    names = [str(name) for name in names]
    if names == HAPPY_NAMES:
        return "happy"
    if names == list(EMOTIONS):
        return "emotion"
    if not set(names) <= set(EMOTIONS):
        raise ValueError(
            f"the model's classes {names} are not FER2013 emotions: was it "
            "trained with sklearn-fer train?"
        )
    return names


def labels_for(model, faces):
    """``faces.target`` as ``model`` learned its labels: codes, or names for a
    model of an earlier version."""
    if _is_named(model):
        return np.asarray(faces.target_names)[faces.target]
    return faces.target
