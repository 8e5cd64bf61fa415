"""The seven FER2013 emotions, in the data set's code order."""

#: Emotion names indexed by their FER2013 code: ``EMOTIONS[3] == 'happy'``.
EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")

#: The three FER2013 splits, as written in the CSV's ``Usage`` column.
USAGES = ("Training", "PublicTest", "PrivateTest")


def emotion_codes(names) -> list[int]:
    """FER2013 codes of emotion names (case-insensitive), with a clear error.

    Parameters
    ----------
    names : iterable of str
        Emotion names such as ``['happy', 'neutral', 'sad']``.

    Returns
    -------
    codes : list of int

    Examples
    --------
    >>> from sklearn_fer.datasets import emotion_codes
    >>> emotion_codes(["happy", "Neutral", "sad"])
    [3, 6, 4]
    """
    names = list(names)  # a generator is read once: kept for the message below
    codes = []
    for name in names:
        key = str(name).strip().lower()
        if key not in EMOTIONS:
            raise ValueError(
                f"Unknown emotion {name!r}; the FER2013 emotions are {list(EMOTIONS)}."
            )
        codes.append(EMOTIONS.index(key))
    if len(set(codes)) != len(codes):
        raise ValueError(f"Emotion names are repeated in {list(names)}.")
    return codes
