"""Parsing of FER2013 ``pixels`` strings, shared by the loader and the transformer.

A FER2013 face is a string of 2304 integers 0-255 (48 x 48 grey levels,
row-major), each written in one to three ASCII digits, separated by single
spaces. Splitting one string at a time into Python integers costs more than
reading the whole CSV; instead a block of rows is joined into one byte string
and checked and converted by a few NumPy operations on all its bytes at once,
which release the GIL so that blocks parse in parallel threads. Only when a
block fails is it parsed row by row, to say which rows are wrong and why. The
row-by-row parser is the definition of a valid string; the vectorised one
accepts exactly the same strings (tests/datasets/test_pixels.py checks both
against a reference on random mutations of valid rows).
"""

from collections.abc import Callable, Sequence

import numpy as np

from ..utils._image_geometry import IMAGE_SHAPE, N_PIXELS

#: How many offending rows an error message lists.
MAX_REPORTED_ROWS = 5
#: Digits of one value: 0-255 needs at most 3 ("007" is accepted, "0007" is not).
MAX_DIGITS = 3
#: Length of the shortest and of the longest valid pixel string.
MIN_PIXEL_CHARS = 2 * N_PIXELS - 1
MAX_PIXEL_CHARS = (MAX_DIGITS + 1) * N_PIXELS - 1

_SPACE = ord(" ")
_ZERO = ord("0")


def pixel_feature_names(style: str = "index") -> np.ndarray:
    """Names of the 2304 pixel features.

    Parameters
    ----------
    style : {'index', 'row_col'}, default='index'
        ``pixel_0`` ... ``pixel_2303``, or ``pixel_r00_c00`` ... ``pixel_r47_c47``.

    Returns
    -------
    names : ndarray of str, shape (2304,)

    Examples
    --------
    >>> from sklearn_fer.datasets import pixel_feature_names
    >>> pixel_feature_names()[[0, -1]]
    array(['pixel_0', 'pixel_2303'], dtype=object)
    >>> pixel_feature_names("row_col")[[1, 48]]
    array(['pixel_r00_c01', 'pixel_r01_c00'], dtype=object)
    """
    if style == "index":
        return np.array([f"pixel_{i}" for i in range(N_PIXELS)], dtype=object)
    return np.array(
        [
            f"pixel_r{r:02d}_c{c:02d}"
            for r in range(IMAGE_SHAPE[0])
            for c in range(IMAGE_SHAPE[1])
        ],
        dtype=object,
    )


def parse_pixel_rows(
    rows: Sequence,
    describe_row: Callable[[int], str] = "row {}".format,
) -> np.ndarray:
    """Parse pixel strings into a ``(len(rows), 2304)`` uint8 array.

    A valid pixel string holds exactly 2304 values 0-255, each written in one
    to three ASCII digits, separated by single spaces, with nothing before the
    first value or after the last: no sign, no other whitespace, no other
    digits (such as ``'٣'``) and no underscores.

    Parameters
    ----------
    rows : sequence of str or bytes
        One pixel string per face, without surrounding quotes or whitespace.
        Missing values (None, NaN) are reported as errors.
    describe_row : callable, default="row {}".format
        Turns a position in ``rows`` into the words an error message uses for
        it (for example the row's index label, or its line in a file).

    Returns
    -------
    pixels : ndarray of shape (n_rows, 2304), dtype uint8

    Raises
    ------
    ValueError
        Naming the first offending rows and what is wrong with each: a wrong
        number of values, a token that is not an integer, a value outside
        0-255, an empty value (a doubled, leading or trailing space), a string
        too long to hold 2304 values, an empty or missing string.

    Examples
    --------
    >>> from sklearn_fer.datasets import parse_pixel_rows
    >>> pixels = parse_pixel_rows(["0 " * 2303 + "255", "7 " * 2303 + "7"])
    >>> pixels.shape, pixels.dtype, pixels[0, -1], pixels[1, 0]
    ((2, 2304), dtype('uint8'), np.uint8(255), np.uint8(7))
    >>> parse_pixel_rows(["1 2 3"])
    Traceback (most recent call last):
    ...
    ValueError: 1 invalid pixel string...
      row 0: 3 values, expected 2304
    """
    if len(rows) == 0:
        return np.empty((0, N_PIXELS), dtype=np.uint8)
    pixels = _parse_joined(rows)
    if pixels is None:
        pixels = _parse_rows_one_by_one(rows, describe_row)
    return pixels


def _join_with_spaces(rows):
    """Each row followed by one space, as ASCII bytes; None if impossible."""
    rows = list(rows)  # a Series' rows[0] would look up the label 0
    try:
        if isinstance(rows[0], bytes):
            return b" ".join([*rows, b""])
        return " ".join([*rows, ""]).encode("ascii")
    except (TypeError, UnicodeEncodeError):
        return None


def _parse_joined(rows):
    """The pixels of all ``rows`` at once, or None if any row is not valid.

    Vectorised over the bytes of the joined rows; no row is split in Python.
    """
    n_rows = len(rows)
    try:
        lengths = np.fromiter(map(len, rows), dtype=np.intp, count=n_rows)
    except TypeError:  # None, NaN or another object without a length
        return None
    # Also bounds the work and memory spent on absurdly long strings.
    if lengths.min() < MIN_PIXEL_CHARS or lengths.max() > MAX_PIXEL_CHARS:
        return None
    text = _join_with_spaces(rows)
    if text is None:
        return None
    chars = np.frombuffer(text, dtype=np.uint8)
    # One space after each value: after its last digit.
    ends = np.flatnonzero(chars == _SPACE)
    if ends.size != n_rows * N_PIXELS:
        return None
    digits = chars - np.uint8(_ZERO)  # bytes below "0" wrap around to >= 10
    if np.count_nonzero(digits < 10) != chars.size - ends.size:
        return None  # a byte that is neither an ASCII digit nor a space
    # 1 to 3 digits between consecutive spaces, which also rules out empty
    # values, that is doubled, leading and trailing spaces.
    n_digits = np.empty(ends.size, dtype=np.int32)
    n_digits[0] = ends[0]
    np.subtract(ends[1:], ends[:-1], out=n_digits[1:], casting="same_kind")
    n_digits[1:] -= 1
    if n_digits.min() < 1 or n_digits.max() > MAX_DIGITS:
        return None
    # The space ending each row must end its 2304th value, or a row with too
    # few values would take the next row's first values.
    if not np.array_equal(ends[N_PIXELS - 1 :: N_PIXELS], np.cumsum(lengths + 1) - 1):
        return None
    has_tens, has_hundreds = n_digits >= 2, n_digits == 3
    del n_digits
    # Units, tens, hundreds: the digits 1, 2, 3 bytes before each space. An
    # index before the first byte wraps around; np.where drops its digit.
    ends -= 1
    values = digits[ends].astype(np.uint16)
    ends -= 1
    values += np.where(has_tens, digits[ends], 0) * np.uint16(10)
    ends -= 1
    values += np.where(has_hundreds, digits[ends], 0) * np.uint16(100)
    if values.max() > 255:
        return None
    return values.astype(np.uint8).reshape(n_rows, N_PIXELS)


def shorten(text: str | bytes, length: int = 20) -> str:
    """``repr`` of ``text``, cut to ``length`` characters, for an error message."""
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return repr(text) if len(text) <= length else f"{text[:length]!r}..."


def _row_values(row):
    """The values of one row as a list and None, or None and what is wrong."""
    if isinstance(row, bytes):
        row = row.decode(errors="replace")
    if not isinstance(row, str) or not row:
        got = "" if isinstance(row, str) else f" (got {shorten(repr(row))})"
        return None, f"empty or missing pixel string{got}"
    if len(row) > MAX_PIXEL_CHARS:
        # Said without splitting it: the string may be huge.
        return None, (
            f"{len(row):,} characters, more than the {MAX_PIXEL_CHARS:,} of "
            f"{N_PIXELS} values of at most {MAX_DIGITS} digits"
        )
    tokens = row.split(" ")
    values = []
    for position, token in enumerate(tokens):
        if not token:
            return None, (
                f"empty value at position {position}: values are separated by "
                "single spaces, with none at the start or end"
            )
        if not (token.isascii() and token.isdigit()):
            return None, (
                f"token {shorten(token)} at position {position} is not an "
                "integer (only the ASCII digits 0-9 may be used)"
            )
        significant = token.lstrip("0") or "0"
        if len(significant) > MAX_DIGITS or int(significant) > 255:
            if len(significant) > 12:
                significant = f"{significant[:6]}...({len(significant)} digits)"
            return None, f"value {significant} at position {position} is outside 0-255"
        if len(token) > MAX_DIGITS:
            return None, (
                f"value {shorten(token)} at position {position} has more than "
                f"{MAX_DIGITS} digits"
            )
        values.append(int(token))
    if len(values) != N_PIXELS:
        return None, f"{len(values)} values, expected {N_PIXELS}"
    return values, None


def _parse_rows_one_by_one(rows, describe_row):
    pixels = np.empty((len(rows), N_PIXELS), dtype=np.uint8)
    problems = []
    n_bad = 0
    for position, row in enumerate(rows):
        # Most rows of a failed block are valid: the vectorised parser is faster.
        parsed = _parse_joined([row])
        if parsed is not None:
            pixels[position] = parsed[0]
            continue
        values, problem = _row_values(row)
        if problem is None:
            pixels[position] = values
            continue
        n_bad += 1
        if len(problems) < MAX_REPORTED_ROWS:
            problems.append(f"{describe_row(position)}: {problem}")
    if n_bad:
        shown = "" if n_bad <= MAX_REPORTED_ROWS else f" (first {len(problems)})"
        raise ValueError(
            f"{n_bad} invalid pixel string{'s' if n_bad > 1 else ''}{shown}; "
            f"each must hold {N_PIXELS} integers 0-255 of 1 to {MAX_DIGITS} "
            "ASCII digits, separated by single spaces:\n  " + "\n  ".join(problems)
        )
    return pixels
