"""Names shown for class labels: one convention for every display."""

import numpy as np

from ..datasets import EMOTIONS


def is_emotion_codes(classes) -> bool:
    """Whether ``classes`` look like FER2013 codes: integers within 0..6."""
    classes = np.asarray(classes)
    return (
        classes.size > 0
        and np.issubdtype(classes.dtype, np.integer)
        and classes.min() >= 0
        and classes.max() < len(EMOTIONS)
    )


def class_display_labels(classes, display_labels=None) -> list[str]:
    """One name per class, in the order of ``classes``.

    ``display_labels`` when given (one per class, as in scikit-learn's
    displays); else the emotion names when the classes are FER2013 codes
    (integers within 0..6); else the classes themselves, as text.
    """
    classes = np.asarray(classes)
    if display_labels is not None:
        if len(display_labels) != len(classes):
            raise ValueError(
                f"display_labels has {len(display_labels)} names for the "
                f"{len(classes)} classes {classes.tolist()}: give one name per "
                "class, in that order."
            )
        return [str(name) for name in display_labels]
    if is_emotion_codes(classes):
        return [EMOTIONS[int(code)] for code in classes]
    return [str(label) for label in classes]
