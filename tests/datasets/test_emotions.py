"""emotion_codes: names to FER2013 codes, with clear errors."""

import pytest

from sklearn_fer.datasets import emotion_codes


def test_names_are_case_insensitive_and_ordered():
    assert emotion_codes(["Happy", " sad ", "NEUTRAL"]) == [3, 4, 6]


@pytest.mark.parametrize("as_iterable", [list, tuple, iter], ids=repr)
def test_repeated_names_are_reported_whatever_the_iterable(as_iterable):
    # Bug: the message listed the names from an iterator it had already
    # consumed, so a generator argument reported "repeated in []".
    names = ["happy", "sad", "happy"]
    with pytest.raises(ValueError, match=r"repeated in \['happy', 'sad', 'happy'\]"):
        emotion_codes(as_iterable(names))


def test_unknown_name():
    with pytest.raises(ValueError, match="Unknown emotion 'joy'"):
        emotion_codes(name for name in ["happy", "joy"])
