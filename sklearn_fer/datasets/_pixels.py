"""Parsing of FER2013 ``pixels`` strings, shared by the loader and the transformer.

A FER2013 face is a string of 2304 space-separated integers 0-255 (48 x 48
grey levels, row-major). Parsing one string at a time with ``str.split`` costs
more than reading the whole CSV; instead a block of rows is joined into one
byte string and parsed in a single call of NumPy's C parser, which releases the
GIL so that blocks parse in parallel threads. Only when a block fails the fast
checks is it parsed row by row, to say which rows are wrong and why.
"""

from collections.abc import Callable, Sequence

import numpy as np

IMAGE_SHAPE = (48, 48)
N_PIXELS = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]
#: How many offending rows an error message lists.
MAX_REPORTED_ROWS = 5

_DIGITS_AND_SPACE = b"0123456789 "


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


def _join(rows):
    """All rows as one ASCII byte string, or None when that is not possible."""
    try:
        if isinstance(rows[0], bytes):
            return b" ".join(rows)
        return " ".join(rows).encode("ascii")
    except (TypeError, UnicodeEncodeError):
        return None


def parse_pixel_rows(
    rows: Sequence,
    describe_row: Callable[[int], str] = "row {}".format,
) -> np.ndarray:
    """Parse pixel strings into a ``(len(rows), 2304)`` uint8 array.

    Parameters
    ----------
    rows : sequence of str or bytes
        One pixel string per face, already stripped of quotes and whitespace.
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
        0-255, an empty or missing string.

    Examples
    --------
    >>> from sklearn_fer.datasets import parse_pixel_rows
    >>> pixels = parse_pixel_rows(["0 " * 2303 + "255", "7 " * 2304])
    >>> pixels.shape, pixels.dtype, pixels[0, -1], pixels[1, 0]
    ((2, 2304), dtype('uint8'), np.uint8(255), np.uint8(7))
    >>> parse_pixel_rows(["1 2 3"])
    Traceback (most recent call last):
    ...
    ValueError: 1 invalid pixel string...
      row 0: 3 values, expected 2304
    """
    n_rows = len(rows)
    if n_rows == 0:
        return np.empty((0, N_PIXELS), dtype=np.uint8)
    text = _join(rows)
    if text is not None and not text.translate(None, _DIGITS_AND_SPACE) and all(rows):
        values = np.fromstring(text, dtype=np.uint16, sep=" ")
        if values.size == n_rows * N_PIXELS and values.max() <= 255:
            return values.astype(np.uint8).reshape(n_rows, N_PIXELS)
    return _parse_rows_one_by_one(rows, describe_row)


def _row_values(row):
    """The row's values as a list of ints, or the reason why it has none."""
    if isinstance(row, bytes):
        row = row.decode("ascii", errors="replace")
    if not isinstance(row, str) or not row.strip():
        return None, "empty or missing pixel string"
    tokens = row.split()
    if len(tokens) != N_PIXELS:
        return None, f"{len(tokens)} values, expected {N_PIXELS}"
    values = []
    for position, token in enumerate(tokens):
        try:
            value = int(token)
        except ValueError:
            return None, f"token {token!r} at position {position} is not an integer"
        if not 0 <= value <= 255:
            return None, f"value {value} at position {position} is outside 0-255"
        values.append(value)
    return values, None


def _parse_rows_one_by_one(rows, describe_row):
    pixels = np.empty((len(rows), N_PIXELS), dtype=np.uint8)
    problems = []
    n_bad = 0
    for position, row in enumerate(rows):
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
            f"each must hold {N_PIXELS} integers 0-255 separated by spaces:\n  "
            + "\n  ".join(problems)
        )
    return pixels
