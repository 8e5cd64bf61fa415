"""``ConvNetInference``: a fitted ConvNetClassifier's network, predicting on NumPy.

The network of :class:`ConvNetClassifier` in evaluation mode is a function of
plain arrays: 3 x 3 convolutions (their batch norm folded into the weights
and a bias), LeakyReLU, 2 x 2 max pooling that rounds up, a fully connected
layer (its batch norm folded too), LeakyReLU, the scores; dropout does
nothing at prediction. This module computes it with NumPy alone, on the
test-time views of ``ConvNetClassifier.predict_proba`` (the centre crop, the
four corner ones with ``test_time_crops=5``, each mirrored with
``test_time_flip``), their scores averaged. It imports neither PyTorch nor
skorch: :func:`to_numpy` (``_export``) builds the estimator from a fitted
``ConvNetClassifier``; a saved one loads and predicts where PyTorch is not
installed.

Activations are NHWC (faces, rows, columns, channels): a convolution is
one copy of every face's 3 x 3 neighbourhoods (``im2col``, each row of three
pixels one contiguous run) and one BLAS matrix product; the first one,
of one grey channel, is computed as (channels, pixels) so that its product has
a long dimension. Max pooling is applied before the bias and LeakyReLU
where a block ends: both are non-decreasing, so the maximum is the same
number, on a quarter of the values.
"""

import math
from concurrent.futures import ThreadPoolExecutor
from numbers import Integral, Real

import numpy as np
from joblib import effective_n_jobs
from numpy.lib.stride_tricks import as_strided
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.extmath import softmax
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import ThreadpoolController, threadpool_limits

from ..preprocessing._images import flatten_images
from ..utils._sklearn_api import Interval, Options, check_parameters

#: The largest network a file may hold (a ConvNetClassifier's or a
#: ConvNetInference's), in values of its state (for a ConvNetClassifier,
#: counted on the meta device before anything is allocated): 200 MB of
#: float32. The default network has 1.2 million; four blocks of (64, 128,
#: 256, 512) channels of two convolutions and 1024 hidden units, about 19
#: million.
MAX_WEIGHTS = 50_000_000
#: The most convolutions its network may have (for a ConvNetClassifier,
#: checked before the network is even built on the meta device: each is a
#: module object).
MAX_CONVOLUTIONS = 256
#: The most values one face's view may need in any layer (activations and
#: their 3 x 3 neighbourhoods), so that a file cannot make prediction
#: allocate without bound: 200 MB of float32. The default network needs
#: under 300,000.
MAX_VALUES_PER_VIEW = 50_000_000
#: What each chunk of faces may use for its activations, which sets how many
#: faces go through the network at once (``batch_size`` at most).
WORKSPACE_BYTES = 64 * 2**20
#: Added to each face's standard deviation, as the network does.
STANDARDIZE_EPSILON = np.float32(1e-6)
#: The largest LeakyReLU slope a network may have (ConvNetClassifier's
#: ``negative_slope`` too). Slopes in use are below 1 (0.01 to 0.3); above 1
#: LeakyReLU is min(x, slope * x), which works, so the cap leaves room above
#: it while keeping the slope from overflowing float32 by itself (1e30).
MAX_NEGATIVE_SLOPE = 10.0

#: The fitted attributes that hold the network, with those of every
#: classifier (``classes_``, ``n_features_in_``, ``feature_names_in_``).
NETWORK_ATTRIBUTES = (
    "image_shape_",
    "crop_shape_",
    "standardize_",
    "negative_slope_",
    "convs_per_block_",
    "conv_weights_",
    "conv_biases_",
    "hidden_weights_",
    "hidden_bias_",
    "output_weights_",
    "output_bias_",
)


def pooled_shape(shape):
    """(rows, columns) after a 2 x 2 max pooling that rounds up."""
    return tuple(math.ceil(side / 2) for side in shape)


def view_corners(image_shape, crop_shape, test_time_crops):
    """The (top, left) corner of each test-time crop: the centre, then the
    four corners with ``test_time_crops=5``, as ``FaceConvNet`` takes them."""
    (height, width), (crop_height, crop_width) = image_shape, crop_shape
    corners = [((height - crop_height) // 2, (width - crop_width) // 2)]
    if test_time_crops == 5:
        bottom, right = height - crop_height, width - crop_width
        corners += [(0, 0), (0, right), (bottom, 0), (bottom, right)]
    return corners


class ConvNetInference(ClassifierMixin, BaseEstimator):
    """A fitted ConvNetClassifier's network, predicting with NumPy alone.

    Made by :func:`to_numpy` from a fitted
    :class:`~sklearn_fer.neural_network.ConvNetClassifier`: the network it
    predicts with (the moving average of its weights where it keeps one),
    batch norm folded into the weights, as NumPy arrays (float32, or the
    weights in float16 for a file half the size). It predicts
    the same probabilities (within 1e-4 in float32; float32 rounding), needs neither
    PyTorch nor skorch, and saves and loads with
    :func:`~sklearn_fer.utils.save_model` and
    :func:`~sklearn_fer.utils.load_model`, which check its arrays at load.

    It does not train: ``fit`` is an error. Train or fine-tune the
    ConvNetClassifier (``fit``, ``partial_fit``) and convert it again. In a
    :class:`~sklearn.pipeline.Pipeline` it is a fitted last step (call
    ``predict`` on a pipeline of fitted steps), or wrap it in
    :class:`sklearn.frozen.FrozenEstimator` for a pipeline that is fitted as
    a whole.

    Read more in the :ref:`User Guide <cnn_without_torch>`.

    Parameters
    ----------
    test_time_crops : {1, 5}, default=1
        Crops averaged when predicting: the centre one, or the centre and
        the four corners (see ``ConvNetClassifier``); :func:`to_numpy` copies
        the classifier's.
    test_time_flip : bool, default=True
        Also average the scores of each crop's mirror image; :func:`to_numpy`
        copies the classifier's.
    batch_size : int, default=16
        The most faces that go through the network at once in each thread
        (fewer when their activations would take more than 64 MB). It
        changes the speed and the memory, not the predictions.
    n_jobs : int or None, default=None
        Threads that predict chunks of ``batch_size`` faces at once, each
        with one BLAS thread (so that the copies and activations run in
        parallel too, not only the matrix products); -1 means all the CPUs.
        None: as many as NumPy's BLAS uses for its own products (its
        default, ``OMP_NUM_THREADS``, or a ``threadpoolctl`` limit around
        the call).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Only when the classifier was fitted on a DataFrame.
    image_shape_ : tuple of int
        The (height, width) the flat rows are read as.
    crop_shape_ : tuple of int
        The (height, width) of the crops the network sees.
    standardize_ : bool
        Each face standardised on its own first.
    negative_slope_ : float
        LeakyReLU's slope for negative inputs, in [0, 10].
    convs_per_block_ : tuple of int
        Convolutions in each block; each block ends with max pooling.
    conv_weights_ : list of ndarray of shape (3, 3, in_channels, out_channels)
        The convolutions, batch norm folded in, float32 or float16 (computed
        in float32 either way).
    conv_biases_ : list of ndarray of shape (out_channels,)
        The folded batch norm's shift of each convolution.
    hidden_weights_ : ndarray of shape (n_flat, hidden_units)
        The fully connected layer, batch norm folded in; its rows in the
        order of the last block's (row, column, channel). float32 or float16,
        as ``conv_weights_``; the biases are float32.
    hidden_bias_ : ndarray of shape (hidden_units,)
    output_weights_ : ndarray of shape (hidden_units, n_classes)
    output_bias_ : ndarray of shape (n_classes,)

    See Also
    --------
    to_numpy : Make one from a fitted ConvNetClassifier.
    export_onnx : The same network as an ONNX file, for onnxruntime.

    Examples
    --------
    >>> import pytest; _ = pytest.importorskip("torch")  # to train the network
    >>> from sklearn_fer.datasets import make_faces
    >>> from sklearn_fer.neural_network import ConvNetClassifier, to_numpy
    >>> X, y = make_faces(200, emotions=["happy", "sad"], random_state=0,
    ...                   return_X_y=True)
    >>> convnet = ConvNetClassifier(channels=(8, 16), max_epochs=2,
    ...                             random_state=0).fit(X, y)
    >>> model = to_numpy(convnet)
    >>> bool(abs(model.predict_proba(X) - convnet.predict_proba(X)).max() < 1e-4)
    True
    >>> model.fit(X, y)
    Traceback (most recent call last):
    ...
    TypeError: ConvNetInference does not train...
    """

    _parameter_constraints: dict = {
        "test_time_crops": [Options(Integral, {1, 5})],
        "test_time_flip": ["boolean"],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self, *, test_time_crops=1, test_time_flip=True, batch_size=16, n_jobs=None
    ):
        self.test_time_crops = test_time_crops
        self.test_time_flip = test_time_flip
        self.batch_size = batch_size
        self.n_jobs = n_jobs

    def fit(self, X, y=None):
        """Not supported: this network predicts, it does not train.

        Raises
        ------
        TypeError
            Always; train the ConvNetClassifier and convert it again.
        """
        raise TypeError(
            "ConvNetInference does not train: it predicts with the network of "
            "the ConvNetClassifier it was made from. Train or fine-tune that "
            "classifier (fit, partial_fit) and call to_numpy again; to fit a "
            "pipeline around it, wrap it in sklearn.frozen.FrozenEstimator."
        )

    def __setstate__(self, state):
        """Check the network a file holds before it can predict (``ValueError``
        naming the attribute); pickle and skops both load through here.

        A state with any fitted attribute (``classes_``, anything ending in
        ``_``, as ``check_is_fitted`` sees it) must hold the whole network:
        otherwise a file without one would load and fail only at predict.
        An unfitted estimator's (a clone's) has none and loads as it is.
        """
        if any(name.endswith("_") and not name.startswith("__") for name in state):
            check_network(state)
        super().__setstate__(state)

    # -- prediction -----------------------------------------------------------------

    def _validate_X(self, X):
        check_parameters(self)
        pixels, input_image_shape = flatten_images(X)
        X = validate_data(self, pixels, reset=False, dtype=np.float32)
        if input_image_shape is not None and (
            tuple(input_image_shape) != self.image_shape_
        ):
            raise ValueError(
                f"X holds images of shape {tuple(input_image_shape)}, but "
                f"ConvNetInference's network takes images of shape "
                f"{self.image_shape_}."
            )
        return X

    def decision_function(self, X):
        """The network's scores of each class, averaged over the test-time views.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2304) or (n_samples, 48, 48)

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes), dtype float32
            The logits whose softmax ``predict_proba`` returns.
        """
        check_is_fitted(self)
        X = self._validate_X(X)
        views = len(
            view_corners(self.image_shape_, self.crop_shape_, self.test_time_crops)
        ) * (2 if self.test_time_flip else 1)
        chunk = max(1, min(self.batch_size, faces_per_chunk(self, views)))
        starts = range(0, len(X), chunk)
        scores = np.empty((len(X), len(self.classes_)), np.float32)
        n_threads = min(self._n_threads(), len(starts))

        def predict_chunks(thread):
            # Every thread its own workspace; chunks dealt round-robin.
            network = _Network(self)
            # An overflow is reported below, naming the faces, not warned
            # about (errstate is per thread).
            with np.errstate(over="ignore", invalid="ignore"):
                for start in starts[thread::n_threads]:
                    stop = start + chunk
                    scores[start:stop] = network.scores(
                        X[start:stop], self.test_time_crops, self.test_time_flip
                    )

        # One BLAS thread per thread of chunks: the copies, pooling and
        # activations run in parallel too, not only the matrix products.
        with threadpool_limits(limits=1, user_api="blas"):
            if n_threads <= 1:
                predict_chunks(0)
            else:
                with ThreadPoolExecutor(n_threads) as executor:
                    list(executor.map(predict_chunks, range(n_threads)))
        _check_finite_scores(scores, self.standardize_)
        return scores

    def _n_threads(self):
        if self.n_jobs is None:
            blas = ThreadpoolController().select(user_api="blas").info()
            return max([1, *(pool["num_threads"] for pool in blas)])
        return effective_n_jobs(self.n_jobs)

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2304) or (n_samples, 48, 48)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return softmax(self.decision_function(X).astype(np.float64))

    def predict(self, X):
        """Most probable class of each face.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2304) or (n_samples, 48, 48)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        scores = self.decision_function(X)  # checks that the model is fitted first
        return self.classes_[scores.argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


# -- the forward pass ---------------------------------------------------------------


class _Workspace:
    """Arrays reused from one chunk of faces to the next, by name and shape.

    Fresh large arrays cost a page fault per 4 KB at first touch; reusing
    them does not. Borders that are written once (zero padding, -inf for
    pooling) stay as they are, since later chunks write only the inside.
    """

    def __init__(self):
        self._arrays = {}

    def get(self, name, shape, fill=None):
        key = (name, shape)
        array = self._arrays.get(key)
        if array is None:
            array = (np.empty if fill is None else np.full)(
                shape, *(() if fill is None else (fill,)), dtype=np.float32
            )
            self._arrays[key] = array
        return array


class _Network:
    """The forward pass of a ConvNetInference's arrays, for one predict call."""

    def __init__(self, model):
        self.model = model
        self.workspace = _Workspace()
        self.slope = np.float32(model.negative_slope_)
        # Weights stored as float16 (to_numpy(weights_dtype='float16')) are
        # computed with in float32, as the biases and activations are.
        self.conv_weights = [_as_float32(w) for w in model.conv_weights_]
        self.hidden_weights = _as_float32(model.hidden_weights_)
        self.output_weights = _as_float32(model.output_weights_)

    def _leaky_relu(self, values):
        """LeakyReLU in place (``values`` may be a strided view)."""
        slope = self.slope
        if slope == 0:
            np.maximum(values, 0, out=values)
            return
        scaled = self.workspace.get("scaled", values.shape)
        np.multiply(values, slope, out=scaled)
        # max(x, slope * x) for slopes up to 1, min above.
        (np.maximum if slope <= 1 else np.minimum)(values, scaled, out=values)

    def _views(self, faces, test_time_crops, test_time_flip):
        """The first layer's input: every view of every face, in a border of
        zeros, (views * n, h + 2, w + 2, 1), and the number of views."""
        model = self.model
        images = faces.reshape(-1, *model.image_shape_)
        if model.standardize_:
            images = standardized(images)
        crop_height, crop_width = model.crop_shape_
        corners = view_corners(model.image_shape_, model.crop_shape_, test_time_crops)
        n_views = len(corners) * (2 if test_time_flip else 1)
        n = len(images)
        padded = self.workspace.get(
            "input", (n_views * n, crop_height + 2, crop_width + 2, 1), fill=0
        )
        view = 0
        for top, left in corners:
            crop = images[:, top : top + crop_height, left : left + crop_width]
            for mirrored in (False, True)[: 1 + test_time_flip]:
                inside = padded[view * n : (view + 1) * n, 1:-1, 1:-1, 0]
                inside[...] = crop[..., ::-1] if mirrored else crop
                view += 1
        return padded, n_views

    def scores(self, faces, test_time_crops, test_time_flip):
        """The scores of ``faces`` (float32 pixel rows), averaged over the views."""
        model = self.model
        activations, n_views = self._views(faces, test_time_crops, test_time_flip)
        layer = 0
        for block, n_convs in enumerate(model.convs_per_block_):
            for index in range(n_convs):
                last_of_block = index == n_convs - 1
                last = last_of_block and block == len(model.convs_per_block_) - 1
                activations = self._convolution(
                    layer, activations, pool=last_of_block, pad=not last
                )
                layer += 1
        flat = activations.reshape(len(activations), -1)
        hidden = flat @ self.hidden_weights
        hidden += model.hidden_bias_
        self._leaky_relu(hidden)
        scores = hidden @ self.output_weights
        scores += model.output_bias_
        # The views' scores summed in order, then divided: as FaceConvNet.
        scores = scores.reshape(n_views, len(faces), -1)
        total = scores[0].copy()
        for view_scores in scores[1:]:
            total += view_scores
        total /= np.float32(n_views)
        return total

    def _convolution(self, layer, padded, *, pool, pad):
        """One convolution (3 x 3, zero padding 1) with its bias and LeakyReLU,
        then max pooling with ``pool``.

        ``padded`` holds the input with a border of zeros; the output is
        written inside a new zero border with ``pad`` (the next convolution's
        input), else as it is (the last block's).
        """
        model, workspace = self.model, self.workspace
        weights, bias = self.conv_weights[layer], model.conv_biases_[layer]
        in_channels, out_channels = weights.shape[2:]
        n, height, width = padded.shape[0], padded.shape[1] - 2, padded.shape[2] - 2
        out_height, out_width = (
            pooled_shape((height, width)) if pool else (height, width)
        )
        if pad:
            output = workspace.get(
                f"output{layer}", (n, out_height + 2, out_width + 2, out_channels), 0
            )
            inside = output[:, 1:-1, 1:-1]
        else:
            output = inside = np.empty(
                (n, out_height, out_width, out_channels), np.float32
            )
        if in_channels == 1:
            # Pooled, biased and activated as (channels, faces, rows,
            # columns), each plane contiguous; then into NHWC.
            values = self._first_convolution(layer, padded)
            if pool:
                pooled = workspace.get(
                    f"pooled{layer}", (out_channels * n, out_height, out_width, 1)
                )
                self._max_pool(
                    layer, values.reshape(out_channels * n, height, width, 1), pooled
                )
                values = pooled.reshape(out_channels, n, out_height, out_width)
            values += bias[:, None, None, None]
            self._leaky_relu(values)
            np.copyto(inside, values.transpose(1, 2, 3, 0))
            return output
        else:
            # Each output pixel's 3 x 3 x in_channels neighbourhood, one row
            # of it (3 * in_channels values) contiguous in the padded input.
            row, column, channel = padded.strides[1:]
            neighbourhoods = as_strided(
                padded,
                (n, height, width, 3, 3 * in_channels),
                (padded.strides[0], row, column, row, channel),
                writeable=False,
            )
            columns = workspace.get(
                f"columns{layer}", (n, height, width, 3, 3 * in_channels)
            )
            np.copyto(columns, neighbourhoods)
            values = workspace.get(f"values{layer}", (n * height * width, out_channels))
            np.matmul(
                columns.reshape(n * height * width, 9 * in_channels),
                weights.reshape(9 * in_channels, out_channels),
                out=values,
            )
            values = values.reshape(n, height, width, out_channels)
        if pool:
            self._max_pool(layer, values, inside)
            inside += bias
        else:
            np.add(values, bias, out=inside)
        self._leaky_relu(inside)
        return output

    def _first_convolution(self, layer, padded):
        """The convolution of the grey input (one channel): (channels, pixels)
        = weights (channels, 9) @ neighbourhoods (9, pixels), as an array of
        shape (channels, faces, rows, columns)."""
        weights = self.conv_weights[layer]
        out_channels = weights.shape[3]
        n, height, width = padded.shape[0], padded.shape[1] - 2, padded.shape[2] - 2
        columns = self.workspace.get(f"columns{layer}", (9, n, height, width))
        for offset in range(9):
            row, column = divmod(offset, 3)
            columns[offset] = padded[:, row : row + height, column : column + width, 0]
        values = self.workspace.get(f"values{layer}", (out_channels, n, height, width))
        np.matmul(
            weights.reshape(9, out_channels).T,
            columns.reshape(9, -1),
            out=values.reshape(out_channels, -1),
        )
        return values

    def _max_pool(self, layer, values, out):
        """2 x 2 max pooling of ``values`` (n, h, w, c) into ``out``, rounding
        up: an odd last row or column is pooled on its own (padded with -inf)."""
        n, height, width, channels = values.shape
        if height % 2 or width % 2:
            padded = self.workspace.get(
                f"pool{layer}",
                (n, height + height % 2, width + width % 2, channels),
                fill=-np.inf,
            )
            padded[:, :height, :width] = values
            values = padded
        rows = self.workspace.get(
            f"rows{layer}", (n, values.shape[1] // 2, values.shape[2], channels)
        )
        np.maximum(values[:, 0::2], values[:, 1::2], out=rows)
        np.maximum(rows[:, :, 0::2], rows[:, :, 1::2], out=out)


def standardized(images):
    """Each of ``images`` (faces, rows, columns; float32) standardised on its
    own, ``(x - mean) / (std + STANDARDIZE_EPSILON)``, as ``FaceConvNet`` does.

    Each face is first divided by a power of two near its largest absolute
    pixel, the epsilon too, so that its mean and spread are computed in
    float32 without overflowing for any finite pixels (the squares of grey
    levels near 1e19 do not fit in float32). Dividing by a power of two is
    exact, so the result is bit for bit that of standardising directly
    wherever that does not overflow. It is the same for ``X * c`` as for
    ``X`` (``c > 0``), within float32 rounding, wherever the faces' standard
    deviation is well above the epsilon. Returns a new float32 array.
    """
    # Two reductions rather than np.abs: no copy of the faces.
    peak = np.maximum(
        images.max(axis=(1, 2), keepdims=True), -images.min(axis=(1, 2), keepdims=True)
    )
    # A black face: 0 / scale, then 0 / (0 + epsilon / scale), stays 0.
    np.maximum(peak, np.finfo(np.float32).tiny, out=peak)
    # 2**(e - 1) <= peak < 2**e: at most 2**127, within float32.
    scale = np.ldexp(np.float32(1), np.frexp(peak)[1] - 1)
    scaled = images / scale
    mean = scaled.mean(axis=(1, 2), keepdims=True)
    std = scaled.std(axis=(1, 2), keepdims=True)
    scaled -= mean
    scaled /= std + STANDARDIZE_EPSILON / scale
    return scaled


def _check_finite_scores(scores, standardize):
    """Raise ``ValueError`` naming the faces whose scores overflowed float32,
    rather than return NaN probabilities (and a label picked from them)."""
    finite = np.isfinite(scores).all(axis=1)
    if finite.all():
        return
    faces = np.flatnonzero(~finite)
    listed = ", ".join(map(str, faces[:5])) + (", ..." if len(faces) > 5 else "")
    # Without standardisation the network sees the grey levels as they are.
    pixels = (
        ", on the scale the network was trained on (it does not standardise faces),"
        if not standardize
        else ""
    )
    raise ValueError(
        f"ConvNetInference's scores of {len(faces)} face(s) (rows {listed}) are "
        "not finite: float32 overflowed in the network. Check that X holds "
        f"finite pixels{pixels} and that the model file is the one to_numpy "
        "made from a trained ConvNetClassifier (its weights and "
        "negative_slope_)."
    )


# -- checks of a network's arrays ---------------------------------------------------


def faces_per_chunk(model, views):
    """Faces whose activations, on ``views`` views each, fit in
    ``WORKSPACE_BYTES``."""
    per_view = sum(
        _values_per_view(model.crop_shape_, model.convs_per_block_, model.conv_weights_)
    )
    return WORKSPACE_BYTES // (4 * per_view * views)


def _values_per_view(crop_shape, convs_per_block, conv_weights):
    """For each convolution, the values one view needs: its neighbourhoods
    (``9 * in_channels`` per pixel) and its output."""
    shape, layer = tuple(crop_shape), 0
    for n_convs in convs_per_block:
        for _ in range(n_convs):
            in_channels, out_channels = conv_weights[layer].shape[2:]
            yield shape[0] * shape[1] * (9 * in_channels + 2 * out_channels)
            layer += 1
        shape = pooled_shape(shape)


def _positive_int_pair(value):
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and all(
            isinstance(side, Integral) and not isinstance(side, bool) and side >= 1
            for side in value
        )
    )


def _as_float32(array):
    return array.astype(np.float32, copy=False)


#: The dtypes a network's weights may be stored in (its biases: float32).
WEIGHT_DTYPES = ("float32", "float16")


def _float_array(name, value, ndim, dtypes=("float32",)):
    if not (isinstance(value, np.ndarray) and value.dtype.name in dtypes):
        kind = (
            f"an array of dtype {value.dtype}"
            if isinstance(value, np.ndarray)
            else f"a {type(value).__name__}"
        )
        raise ValueError(
            f"ConvNetInference's {name} is {kind}, not {' or '.join(dtypes)}."
        )
    if value.ndim != ndim:
        raise ValueError(
            f"ConvNetInference's {name} has shape {value.shape}, not {ndim}-D."
        )
    if not np.isfinite(value).all():
        raise ValueError(f"ConvNetInference's {name} has non-finite values.")
    return value


def check_network(state):
    """Raise ``ValueError`` unless ``state`` (a ConvNetInference's attributes)
    holds a network that predicts: every attribute present, finite weights
    (float32 or float16, ``WEIGHT_DTYPES``) and biases (float32) whose shapes
    chain from one grey channel to one score per class, a LeakyReLU slope in
    [0, ``MAX_NEGATIVE_SLOPE``], no more than ``MAX_CONVOLUTIONS``
    convolutions, ``MAX_WEIGHTS`` weights and ``MAX_VALUES_PER_VIEW`` values
    of activations per view. The message names the attribute."""
    missing = [name for name in NETWORK_ATTRIBUTES if name not in state]
    missing += [n for n in ("classes_", "n_features_in_") if n not in state]
    if missing:
        raise ValueError(
            f"ConvNetInference's fitted attributes {missing} are missing: the "
            "file does not hold a whole network. Save the ConvNetInference "
            "that to_numpy makes."
        )
    classes = state["classes_"]
    if not (isinstance(classes, np.ndarray) and classes.ndim == 1 and len(classes)):
        raise ValueError("ConvNetInference's classes_ must be a non-empty 1-D array.")
    image_shape, crop_shape = state["image_shape_"], state["crop_shape_"]
    n_features = state["n_features_in_"]
    if not (
        _positive_int_pair(image_shape)
        and isinstance(n_features, Integral)
        and image_shape[0] * image_shape[1] == n_features
    ):
        raise ValueError(
            f"ConvNetInference's image_shape_ {image_shape!r} does not hold its "
            f"n_features_in_ = {n_features!r} pixels."
        )
    if not (
        _positive_int_pair(crop_shape)
        and all(c <= s for c, s in zip(crop_shape, image_shape, strict=True))
    ):
        raise ValueError(
            f"ConvNetInference's crop_shape_ {crop_shape!r} is not a crop of its "
            f"images of shape {image_shape}."
        )
    if not isinstance(state["standardize_"], bool):
        raise ValueError("ConvNetInference's standardize_ must be a bool.")
    slope = state["negative_slope_"]
    if not (
        isinstance(slope, Real)
        and not isinstance(slope, bool)
        and 0 <= slope <= MAX_NEGATIVE_SLOPE
    ):
        raise ValueError(
            f"ConvNetInference's negative_slope_ {slope!r} must be a number "
            f"in [0, {MAX_NEGATIVE_SLOPE:g}], as ConvNetClassifier's "
            "negative_slope is; the file is not one to_numpy made."
        )
    blocks = state["convs_per_block_"]
    if not (
        isinstance(blocks, tuple)
        and blocks
        and all(isinstance(c, Integral) and not isinstance(c, bool) for c in blocks)
        and all(c >= 1 for c in blocks)
    ):
        raise ValueError(
            f"ConvNetInference's convs_per_block_ {blocks!r} must be a non-empty "
            "tuple of ints >= 1."
        )
    if sum(blocks) > MAX_CONVOLUTIONS:
        raise ValueError(
            f"ConvNetInference's network has {sum(blocks)} convolutions; "
            f"sklearn-fer loads networks of at most {MAX_CONVOLUTIONS}."
        )
    weights, biases = state["conv_weights_"], state["conv_biases_"]
    for name, values in (("conv_weights_", weights), ("conv_biases_", biases)):
        if not (isinstance(values, list) and len(values) == sum(blocks)):
            raise ValueError(
                f"ConvNetInference's {name} must be a list of {sum(blocks)} "
                "arrays, one per convolution (convs_per_block_)."
            )
    # Shapes are checked before any value is read, so that a huge array
    # claiming to be a weight is refused before it is scanned.
    channels = 1
    for layer, (weight, bias) in enumerate(zip(weights, biases, strict=True)):
        if not (
            isinstance(weight, np.ndarray)
            and weight.shape[:3] == (3, 3, channels)
            and weight.ndim == 4
            and isinstance(bias, np.ndarray)
            and bias.shape == weight.shape[3:]
        ):
            raise ValueError(
                f"ConvNetInference's convolution {layer} has weights of shape "
                f"{getattr(weight, 'shape', None)} and bias of shape "
                f"{getattr(bias, 'shape', None)}; expected (3, 3, {channels}, c) "
                "and (c,)."
            )
        channels = weight.shape[3]
    per_view = max(_values_per_view(crop_shape, blocks, weights))
    if per_view > MAX_VALUES_PER_VIEW:
        raise ValueError(
            f"ConvNetInference's network needs {per_view:,} values per face in a "
            f"layer; sklearn-fer loads networks of at most {MAX_VALUES_PER_VIEW:,}."
        )
    shape = tuple(crop_shape)
    for _ in blocks:
        shape = pooled_shape(shape)
    n_flat = shape[0] * shape[1] * channels
    hidden, hidden_bias = state["hidden_weights_"], state["hidden_bias_"]
    output, output_bias = state["output_weights_"], state["output_bias_"]
    expected = {
        "hidden_weights_": (n_flat, getattr(hidden_bias, "shape", (None,))[0]),
        "hidden_bias_": getattr(hidden, "shape", (None, None))[1:],
        "output_weights_": (getattr(hidden, "shape", (None, None))[1], len(classes)),
        "output_bias_": (len(classes),),
    }
    for name, value in zip(
        expected, (hidden, hidden_bias, output, output_bias), strict=True
    ):
        if getattr(value, "shape", None) != expected[name]:
            raise ValueError(
                f"ConvNetInference's {name} has shape {getattr(value, 'shape', None)}; "
                f"the network's layers need {expected[name]}."
            )
    n_weights = sum(array.size for array in [*weights, *biases]) + sum(
        array.size for array in (hidden, hidden_bias, output, output_bias)
    )
    if n_weights > MAX_WEIGHTS:
        raise ValueError(
            f"ConvNetInference's network has {n_weights:,} weights; sklearn-fer "
            f"loads networks of at most {MAX_WEIGHTS:,}."
        )
    for layer, (weight, bias) in enumerate(zip(weights, biases, strict=True)):
        _float_array(f"conv_weights_[{layer}]", weight, 4, WEIGHT_DTYPES)
        _float_array(f"conv_biases_[{layer}]", bias, 1)
    for name, ndim, dtypes in (
        ("hidden_weights_", 2, WEIGHT_DTYPES),
        ("hidden_bias_", 1, ("float32",)),
        ("output_weights_", 2, WEIGHT_DTYPES),
        ("output_bias_", 1, ("float32",)),
    ):
        _float_array(name, state[name], ndim, dtypes)
