"""parse_pixel_rows against a plain reference parser, on valid and mutated rows."""

import tracemalloc

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sklearn_fer.datasets import N_PIXELS, parse_pixel_rows
from sklearn_fer.datasets._pixels import (
    MAX_PIXEL_CHARS,
    _parse_joined,
    _parse_rows_one_by_one,
)


def reference_values(row):
    """The row's values if it is a valid pixel string, else None.

    The definition, written plainly: 2304 tokens separated by single spaces,
    each of 1 to 3 ASCII digits with a value 0-255.
    """
    if isinstance(row, bytes):
        try:
            row = row.decode("ascii")
        except UnicodeDecodeError:
            return None
    if not isinstance(row, str):
        return None
    tokens = row.split(" ")
    if len(tokens) != N_PIXELS:
        return None
    for token in tokens:
        if not (token.isascii() and token.isdigit() and 1 <= len(token) <= 3):
            return None
        if int(token) > 255:
            return None
    return [int(token) for token in tokens]


def pixel_string(values, zero_padded=()):
    return " ".join(
        f"{v:03d}" if i in zero_padded else str(v) for i, v in enumerate(values)
    )


PAYLOADS = [
    "0", "7", "25", "255", "256", "999", "007", "0000", "1000", "65536",
    "65791", "4294967296", "9" * 30, " ", "  ", "\t", "\n", "\r", "\x00", "",
    "\u0663", "\u00b9", "\uff11", "\u00a0", "_", "1_0", "+", "-", "-1", "+5",
    ".", "1.5", "1e2", "0x1", "é", ",", '"', "a",
]  # fmt: skip


@st.composite
def mutated_rows(draw):
    """1-3 valid rows, then 0-3 mutations of characters, rows and their order."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n_rows = draw(st.integers(1, 3))
    # Values of any length, of one digit, or only the extremes 0 and 255.
    choices = draw(st.sampled_from([np.arange(256), np.arange(10), [0, 255]]))
    rows = []
    for _ in range(n_rows):
        values = rng.choice(choices, N_PIXELS)
        padded = set(rng.choice(N_PIXELS, draw(st.integers(0, 2)), replace=False))
        rows.append(pixel_string(values, padded))
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(
            st.sampled_from(
                [
                    "insert", "replace", "delete", "empty", "split", "merge",
                    "shift", "pad", "missing",
                ]
            )
        )  # fmt: skip
        i = draw(st.integers(0, len(rows) - 1))
        row = rows[i]
        if not isinstance(row, str):
            continue
        at = draw(st.integers(0, len(row)))
        payload = draw(st.sampled_from(PAYLOADS) | st.text(max_size=3))
        if kind == "insert":
            rows[i] = row[:at] + payload + row[at:]
        elif kind == "replace":
            rows[i] = row[:at] + payload + row[at + 1 :]
        elif kind == "delete":
            rows[i] = row[:at] + row[at + draw(st.integers(1, 5)) :]
        elif kind == "empty":
            rows[i] = ""
        elif kind == "split":
            rows[i : i + 1] = [row[:at], row[at:]]
        elif kind == "merge" and i + 1 < len(rows) and isinstance(rows[i + 1], str):
            rows[i : i + 2] = [row + draw(st.sampled_from([" ", ""])) + rows[i + 1]]
        elif kind == "shift" and i + 1 < len(rows) and isinstance(rows[i + 1], str):
            # 2303 values in one row, 2305 in the next: the totals still match.
            head, _, last = row.rpartition(" ")
            rows[i], rows[i + 1] = head, f"{last} {rows[i + 1]}"
        elif kind == "pad":
            rows[i] = (payload + row) if draw(st.booleans()) else (row + payload)
        elif kind == "missing":
            rows[i] = draw(st.sampled_from([None, float("nan"), 3]))
    if draw(st.booleans()):
        rows = [r.encode() if isinstance(r, str) else r for r in rows]
    return rows


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated_rows())
def test_parsers_accept_exactly_what_the_reference_accepts(rows):
    expected = [reference_values(row) for row in rows]
    bad = [i for i, values in enumerate(expected) if values is None]
    fast = _parse_joined(rows)
    if not bad:
        reference = np.array(expected, dtype=np.uint8)
        # Valid rows take the vectorised path, and each path gives the same array.
        assert fast is not None
        np.testing.assert_array_equal(fast, reference)
        np.testing.assert_array_equal(parse_pixel_rows(rows), reference)
        one_by_one = _parse_rows_one_by_one(rows, "row {}".format)
        np.testing.assert_array_equal(one_by_one, reference)
        return
    assert fast is None
    with pytest.raises(ValueError, match=f"^{len(bad)} invalid pixel string") as error:
        parse_pixel_rows(rows)
    # The message names the first bad rows, and no valid one.
    named = [i for i in range(len(rows)) if f"\n  row {i}: " in str(error.value)]
    assert named == bad[: len(named)] and named


@pytest.mark.parametrize("as_bytes", [False, True])
@pytest.mark.parametrize(
    "mutate, message",
    [
        # Each was accepted, or read as another number, before this check.
        (lambda v: ["65536" + v[0][1:], v[1]], r"row 0: value 65536 at position 0"),
        (lambda v: ["65791" + v[0][1:], v[1]], r"row 0: value 65791 at position 0"),
        (lambda v: ["\u0663" + v[0][1:], v[1]], r"row 0: token '\u0663' at position 0"),
        (lambda v: ["1_0" + v[0][1:], v[1]], r"row 0: token '1_0' at position 0"),
        (lambda v: ["0 " + v[0], v[1]], r"row 0: 2305 values"),
        (lambda v: [v[0] + " ", v[1]], r"row 0: empty value at position 2304"),
        (lambda v: [" " + v[0], v[1]], r"row 0: empty value at position 0"),
        (lambda v: [v[0].replace(" ", "  ", 1), v[1]], r"row 0: empty value at"),
        (lambda v: [v[0].replace(" ", "\t", 1), v[1]], r"row 0: token '0\\t0'"),
        (lambda v: ["+0" + v[0][1:], v[1]], r"row 0: token '\+0' at position 0"),
        (lambda v: ["0000" + v[0][1:], v[1]], r"row 0: value '0000' .* more than 3"),
        (lambda v: ["0" * 5000 + v[0][1:], v[1]], r"row 0: 9,606 characters"),
        (lambda v: ["0" * 4000 + "1" + v[0][1:], v[1]], r"row 0: value '0{20}'\.\.\. "),
    ],
)
def test_invalid_values_name_the_row(mutate, message, as_bytes):
    rows = mutate([" ".join(["0"] * N_PIXELS), " ".join(["1"] * N_PIXELS)])
    if as_bytes:
        rows = [row.encode() for row in rows]
    with pytest.raises(ValueError, match=message):
        parse_pixel_rows(rows)


def test_a_short_row_cannot_take_the_next_rows_values():
    # 2303 and 2305 values: the totals match, each row is wrong.
    rows = [" ".join(["1"] * (N_PIXELS - 1)), " ".join(["2"] * (N_PIXELS + 1))]
    with pytest.raises(ValueError, match="2 invalid pixel strings") as error:
        parse_pixel_rows(rows, "line {}".format)
    assert "line 0: 2303 values" in str(error.value)
    assert "line 1: 2305 values" in str(error.value)


def test_longest_and_shortest_valid_rows():
    longest = " ".join(["255"] * N_PIXELS)
    zero_padded = " ".join(["007"] * N_PIXELS)
    assert len(longest) == MAX_PIXEL_CHARS
    pixels = parse_pixel_rows([longest, zero_padded, " ".join(["0"] * N_PIXELS)])
    assert pixels.tolist() == [[255] * N_PIXELS, [7] * N_PIXELS, [0] * N_PIXELS]


def test_a_huge_string_is_refused_without_being_split():
    # Splitting 20 MB of values into Python strings took some 600 MB.
    rows = [" ".join(["1"] * N_PIXELS), "1 " * 10_000_000]
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="row 1: 20,000,000 characters"):
            parse_pixel_rows(rows)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5 << 20


def test_no_rows():
    assert parse_pixel_rows([]).shape == (0, N_PIXELS)


def test_a_series_without_label_0():
    # rows[0] looked up the label 0 of a Series: KeyError.
    rows = pd.Series([" ".join(["9"] * N_PIXELS)] * 2, index=[5, 6])
    assert parse_pixel_rows(rows).tolist() == [[9] * N_PIXELS] * 2
