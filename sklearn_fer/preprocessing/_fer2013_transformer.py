"""``FER2013Transformer``: FER2013 pixel strings to numeric arrays."""

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import validate_data

from ..datasets import parse_pixel_rows, pixel_feature_names
from ..utils._parallel import ordered_thread_map
from ..utils._sklearn_api import (
    Options,
    StrOptions,
    check_parameters,
    fit_context,
)

#: Rows parsed per thread task.
_BLOCK_ROWS = 1024


class FER2013Transformer(TransformerMixin, BaseEstimator):
    """Turn FER2013 ``pixels`` strings into a numeric pixel matrix.

    Each string holds 2304 space-separated grey levels 0-255 (a 48 x 48 face,
    row-major). The strings are parsed in blocks by NumPy's C parser, in
    parallel threads, and every row is validated: a wrong number of values, a
    token that is not an integer, a value outside 0-255 or a missing string
    raises a ``ValueError`` that names the offending rows (by index label)
    and what is wrong with each. The input is never modified.

    The transformer is stateless: ``transform`` works without ``fit``, which
    only records the input's column names.

    Read more in the :ref:`User Guide <data_guide>`.

    Parameters
    ----------
    column : str, default='pixels'
        Column holding the pixel strings when ``X`` is a DataFrame.
    dtype : {np.float32, np.float64, np.uint8}, default=np.float32
        Output dtype. ``np.uint8`` requires ``scale=None``.
    scale : 'unit' or None, default='unit'
        'unit' divides by 255 to give values in [0, 1]; None keeps 0-255.
    feature_names : {'index', 'row_col'}, default='index'
        Output feature names: ``pixel_0`` ... ``pixel_2303``, or
        ``pixel_r00_c00`` ... ``pixel_r47_c47``.

    Attributes
    ----------
    n_features_in_ : int
        Number of columns of ``X`` in ``fit`` (only for 2-D input).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of ``X`` in ``fit`` (only for a DataFrame).

    See Also
    --------
    sklearn_fer.datasets.load_fer2013 : Loads a whole FER2013 file into arrays.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_fer.preprocessing import FER2013Transformer
    >>> white, black = " ".join(["255"] * 2304), " ".join(["0"] * 2304)
    >>> df = pd.DataFrame({"emotion": [3, 6], "pixels": [white, black]})
    >>> X = FER2013Transformer().fit_transform(df)
    >>> X.shape, X.dtype, X[:, :2].tolist()
    ((2, 2304), dtype('float32'), [[1.0, 1.0], [0.0, 0.0]])
    >>> FER2013Transformer().fit(df).get_feature_names_out()[:2]
    array(['pixel_0', 'pixel_1'], dtype=object)
    """

    _parameter_constraints: dict = {
        "column": [str],
        "dtype": [Options(type, {np.float32, np.float64, np.uint8})],
        "scale": [StrOptions({"unit"}), None],
        "feature_names": [StrOptions({"index", "row_col"})],
    }

    def __init__(
        self, *, column="pixels", dtype=np.float32, scale="unit", feature_names="index"
    ):
        self.column = column
        self.dtype = dtype
        self.scale = scale
        self.feature_names = feature_names

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the parameters and record the input's columns.

        Parameters
        ----------
        X : DataFrame, Series, list or ndarray of str
            Pixel strings, or a DataFrame with a ``column`` of them.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        self._check_dtype()
        self._pixel_strings(X)
        # validate_data cannot count the features of 1-D input, and then keeps
        # those of the previous fit: a refit must forget them.
        self.__dict__.pop("n_features_in_", None)
        validate_data(self, X, skip_check_array=True, reset=True)
        return self

    def _check_dtype(self):
        if self.dtype is np.uint8 and self.scale is not None:
            raise ValueError(
                "dtype=np.uint8 cannot hold pixels scaled to [0, 1]: use "
                "scale=None with uint8, or a float dtype."
            )

    def _pixel_strings(self, X):
        """The pixel strings as a list, and the words naming row ``i`` in errors."""
        if isinstance(X, pd.DataFrame):
            if self.column not in X.columns:
                raise ValueError(
                    f"X has no column {self.column!r}; its columns are "
                    f"{list(X.columns)[:10]}. Set column= to the one holding "
                    "the pixel strings."
                )
            X = X[self.column]
        if isinstance(X, pd.Series):
            labels = X.index.tolist()
            return X.tolist(), lambda i: f"row {labels[i]!r}"
        if isinstance(X, str | bytes):
            raise ValueError(
                "Expected a sequence of pixel strings (one per face), got a "
                "single string; wrap it in a list."
            )
        array = np.asarray(X, dtype=object)
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]
        if array.ndim != 1:
            raise ValueError(
                "Expected a 1-D sequence of pixel strings or a DataFrame with a "
                f"{self.column!r} column, got an array of shape {array.shape}."
            )
        return array.tolist(), "row {}".format

    def transform(self, X):
        """Parse the pixel strings.

        Parameters
        ----------
        X : DataFrame, Series, list or ndarray of str
            Pixel strings, or a DataFrame with a ``column`` of them.

        Returns
        -------
        pixels : ndarray of shape (n_samples, 2304)
            In ``dtype``, scaled to [0, 1] unless ``scale=None``.
        """
        # Stateless: transform may come without fit, or after set_params.
        check_parameters(self)
        self._check_dtype()
        if hasattr(self, "n_features_in_"):
            validate_data(self, X, skip_check_array=True, reset=False)
        rows, describe_row = self._pixel_strings(X)
        blocks = ordered_thread_map(
            lambda start: parse_pixel_rows(
                rows[start : start + _BLOCK_ROWS],
                lambda i: describe_row(start + i),
            ),
            ((start,) for start in range(0, len(rows), _BLOCK_ROWS)),
        )
        pixels = np.concatenate(list(blocks)) if rows else parse_pixel_rows(rows)
        out = pixels.astype(self.dtype, copy=False)
        if self.scale == "unit":
            out /= out.dtype.type(255)
        return out

    def get_feature_names_out(self, input_features=None):
        """Names of the 2304 output pixels.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored: the output names do not depend on the input's.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        return pixel_feature_names(self.feature_names)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = []
        return tags
