"""FER2013Transformer on every input container, in pipelines, and on bad rows."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline

from sklearn_fer.linear_model import SGDSoftmaxRegression
from sklearn_fer.preprocessing import FER2013Transformer


@pytest.fixture
def pixels():
    return np.random.RandomState(0).randint(0, 256, size=(6, 2304)).astype(np.uint8)


@pytest.fixture
def frame(pixels):
    return pd.DataFrame(
        {
            "emotion": [3, 0, 6, 3, 4, 6],
            "pixels": pd.array(
                [" ".join(map(str, row)) for row in pixels], dtype="string"
            ),
        },
        index=[10, 11, 12, 13, 14, 15],
    )


def test_dataframe_series_list_and_array_inputs(frame, pixels):
    expected = pixels.astype(np.float32) / 255
    strings = frame["pixels"]
    for X in (
        frame,
        strings,
        strings.tolist(),
        np.array(strings.tolist()),
        np.array(strings.tolist())[:, None],
    ):
        out = FER2013Transformer().fit_transform(X)
        assert out.dtype == np.float32
        np.testing.assert_array_equal(out, expected)


def test_dtype_and_scale(frame, pixels):
    raw = FER2013Transformer(dtype=np.uint8, scale=None).fit_transform(frame)
    np.testing.assert_array_equal(raw, pixels)
    wide = FER2013Transformer(dtype=np.float64).fit_transform(frame)
    assert wide.dtype == np.float64 and wide.max() <= 1.0
    with pytest.raises(ValueError, match="uint8 cannot hold pixels scaled"):
        FER2013Transformer(dtype=np.uint8).fit(frame)
    with pytest.raises(ValueError, match="dtype"):
        FER2013Transformer(dtype="int7").fit(frame)


def test_input_is_not_modified(frame):
    before = frame.copy(deep=True)
    FER2013Transformer().fit_transform(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_transform_without_fit_and_feature_names(frame):
    out = FER2013Transformer().transform(frame)
    assert out.shape == (6, 2304)
    transformer = FER2013Transformer().fit(frame)
    assert list(transformer.feature_names_in_) == ["emotion", "pixels"]
    assert transformer.n_features_in_ == 2
    names = FER2013Transformer(feature_names="row_col").get_feature_names_out()
    assert names[0] == "pixel_r00_c00" and names[-1] == "pixel_r47_c47"
    assert transformer.get_feature_names_out()[2303] == "pixel_2303"


def test_set_output_pandas_keeps_the_index(frame, pixels):
    out = FER2013Transformer().set_output(transform="pandas").fit_transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.index) == list(frame.index)
    assert out.columns[0] == "pixel_0"
    np.testing.assert_array_equal(out.to_numpy(), pixels / np.float32(255))


def test_in_column_transformer_and_pipeline(frame):
    for columns in ("pixels", ["pixels"]):
        ct = ColumnTransformer([("faces", FER2013Transformer(), columns)])
        assert ct.fit_transform(frame).shape == (6, 2304)
    pipe = make_pipeline(FER2013Transformer(), SGDSoftmaxRegression(random_state=0))
    pipe.fit(frame, frame["emotion"])
    assert set(pipe.predict(frame)) <= {0, 3, 4, 6}
    assert clone(pipe).get_params()["fer2013transformer__column"] == "pixels"


def test_bad_rows_name_the_index_label_and_the_problem(frame):
    bad = frame.copy()
    bad.loc[11, "pixels"] = "1 2 3"
    bad.loc[13, "pixels"] = "1 x" + " 0" * 2302
    bad.loc[14, "pixels"] = pd.NA
    with pytest.raises(ValueError, match="3 invalid pixel strings") as error:
        FER2013Transformer().fit_transform(bad)
    message = str(error.value)
    assert "row 11: 3 values, expected 2304" in message
    assert "row 13: token 'x' at position 1 is not an integer" in message
    assert "row 14: empty or missing pixel string" in message
    with pytest.raises(ValueError, match="row 0: value 300 at position 0"):
        FER2013Transformer().transform(["300" + " 0" * 2303])


def test_bad_containers(frame):
    with pytest.raises(ValueError, match="no column 'pixel'"):
        FER2013Transformer(column="pixel").fit(frame)
    with pytest.raises(ValueError, match="single string"):
        FER2013Transformer().transform("0 " * 2304)
    with pytest.raises(ValueError, match="shape"):
        FER2013Transformer().transform(np.array([["a", "b"], ["c", "d"]]))


def test_many_rows_are_parsed_in_order(pixels):
    rows = [" ".join(map(str, row)) for row in pixels] * 400  # several thread blocks
    out = FER2013Transformer(dtype=np.uint8, scale=None).transform(rows)
    np.testing.assert_array_equal(out, np.tile(pixels, (400, 1)))
    rows[2000] = "1 2"
    with pytest.raises(ValueError, match="row 2000: 2 values"):
        FER2013Transformer().transform(rows)


def test_rows_the_parser_used_to_accept_name_their_index_label(frame):
    bad = frame.copy()
    # 2303 then 2305 values: the totals match, and each row is wrong.
    head, _, last = bad.loc[11, "pixels"].rpartition(" ")
    bad.loc[11, "pixels"] = head
    bad.loc[12, "pixels"] = f"{last} {bad.loc[12, 'pixels']}"
    bad.loc[13, "pixels"] = "65536" + " 0" * 2303
    bad.loc[14, "pixels"] = "\u0663" + " 0" * 2303
    bad.loc[15, "pixels"] = "1_0" + " 0" * 2303
    with pytest.raises(ValueError, match="5 invalid pixel strings") as error:
        FER2013Transformer().fit_transform(bad)
    message = str(error.value)
    assert "row 11: 2303 values, expected 2304" in message
    assert "row 12: 2305 values, expected 2304" in message
    assert "row 13: value 65536 at position 0 is outside 0-255" in message
    assert "row 14: token '\u0663' at position 0 is not an integer" in message
    assert "row 15: token '1_0' at position 0 is not an integer" in message


def test_a_refit_forgets_the_previous_input(frame, pixels):
    # Before: n_features_in_ = 2 from the DataFrame stayed, and transforming
    # the Series failed with "X does not contain any features".
    transformer = FER2013Transformer().fit(frame).fit(frame["pixels"])
    assert not hasattr(transformer, "n_features_in_")
    assert not hasattr(transformer, "feature_names_in_")
    np.testing.assert_array_equal(
        transformer.transform(frame["pixels"]), pixels.astype(np.float32) / 255
    )
    assert FER2013Transformer().fit(frame).fit_transform(frame["pixels"]).shape == (
        6,
        2304,
    )


@pytest.mark.parametrize(
    "params, match",
    [(dict(scale="bad"), "scale"), (dict(feature_names="x"), "feature_names")],
)
def test_transform_validates_the_parameters(frame, params, match):
    # Before: transform without fit ignored scale="bad" (no scaling at all).
    with pytest.raises(ValueError, match=match):
        FER2013Transformer(**params).transform(frame)
    fitted = FER2013Transformer().fit(frame).set_params(**params)
    with pytest.raises(ValueError, match=match):
        fitted.transform(frame)
