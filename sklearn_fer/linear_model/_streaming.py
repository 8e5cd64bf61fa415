"""``StreamingFeatureClassifier``: a classifier trained on features made chunk by chunk.

Features of faces (learned patches, HOG) can outgrow memory long before the
faces do: 28,709 FER2013 faces are 66 MB of pixels, but 40,000 float32
features each are 4.6 GB. This meta-estimator never holds them all: each
epoch, it makes the features of one chunk of faces at a time (or reads them
back from a float16 cache on disk), standardizes them with statistics learned
in a first pass, and hands them to the classifier's ``partial_fit``. The next
chunk is made by a background thread while the classifier trains on the
current one.
"""

import copy
import functools
import inspect
import os
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    clone,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.preprocessing import StandardScaler
from sklearn.utils import _safe_indexing, assert_all_finite, check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    indexable,
)
from threadpoolctl import threadpool_limits

from ..preprocessing._images import mirror_faces, shift_faces
from ..utils._iterative import fit_method
from ..utils._sklearn_api import HasMethods, Interval, check_parameters
from ..utils._validation import check_label_vector, stratified_holdout
from ._sgd import StoppingRule

#: Marks the end of an iterator in ``_made_ahead``.
_END = object()
#: float16 holds the cached features: half the disk and reading of float32,
#: and 3 significant digits, far finer than what SGD resolves.
_CACHE_DTYPE = np.float16


def _classifier_has(name):
    """For ``available_if``: the classifier (fitted, else given) has ``name``."""

    def check(self):
        return hasattr(getattr(self, "classifier_", self.classifier), name)

    return check


class _FeatureCache:
    """Features of each chunk (and of its faces' other views) in float16 files.

    One ``.npy`` file per chunk and view, written once. ``read`` gathers each
    face's row from the file of the view drawn for it, through a memory map
    of that one file: only those rows are read (one view's worth of a chunk,
    however many views there are), and the map is closed with the chunk, so
    the process's memory stays bounded by the chunk, not by the files.
    """

    def __init__(self, directory):
        self._folder = tempfile.TemporaryDirectory(
            prefix="sklearn-fer-features-", dir=directory
        )
        self.path = self._folder.name

    def _file(self, index, view):
        return os.path.join(self.path, f"{index}-{view}.npy")

    def write(self, index, features, view=0):
        largest = float(np.abs(features).max(initial=0))
        if not largest <= float(np.finfo(_CACHE_DTYPE).max):
            raise ValueError(
                f"The features reach {largest:.4g}, beyond float16, the dtype of "
                "the feature cache: set cache_features=False, or scale the "
                "features down (e.g. PatchKMeansEncoder(power=0.5) or "
                "pooling='mean')."
            )
        np.save(self._file(index, view), features.astype(_CACHE_DTYPE))

    def read(self, index, views=None):
        """The chunk's features, float32: row ``i`` from view ``views[i]``
        (None: all from the faces themselves, view 0)."""
        if views is None:
            return np.load(self._file(index, 0)).astype(np.float32)
        features = None
        for view in np.unique(views):
            rows = np.flatnonzero(views == view)
            stored = np.load(self._file(index, view), mmap_mode="r")
            if features is None:
                features = np.empty(stored.shape, np.float32)
            features[rows] = stored[rows]
            del stored
        return features

    def close(self):
        self._folder.cleanup()


class StreamingFeatureClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Train a classifier with ``partial_fit`` on features made chunk by chunk.

    The features of all the faces are never in memory at once: ``fit`` learns
    the ``transformer`` from the faces, then makes the features of
    ``chunk_size`` faces at a time, standardizes them and trains the
    ``classifier`` on them with ``partial_fit``, for ``max_iter`` epochs over
    all the chunks. Memory is bounded by the features of a few chunks (and of
    the validation faces), however many faces and features there are; the
    epochs record their training and validation loss and may stop early, as
    the SGD estimators' ``fit`` does.

    Each epoch makes the features again (with ``flip`` or ``shift``, of a
    new random choice of mirrored or shifted faces), unless
    ``cache_features`` writes them to disk once, in float16, and reads them
    back in later epochs: then an epoch costs a read instead of an encoding,
    which for large dictionaries is many times cheaper.

    Read more in the :ref:`User Guide <streaming_features>`.

    Parameters
    ----------
    transformer : transformer
        Makes the features of faces (or of any input), e.g.
        :class:`~sklearn_fer.preprocessing.PatchKMeansEncoder` or a
        ``FeatureUnion``. Cloned and fitted by ``fit`` on the training faces;
        wrap a fitted one in :class:`sklearn.frozen.FrozenEstimator` to keep
        it as it is.
    classifier : classifier with ``partial_fit``
        Trained on the features, e.g.
        :class:`~sklearn_fer.linear_model.SGDSoftmaxRegression`: one
        ``partial_fit`` call per chunk and epoch. Its own ``max_iter``,
        ``early_stopping`` and ``validation_fraction`` do not apply (those of
        this estimator do).
    chunk_size : int, default=1024
        Faces whose features are made at a time. The features of a chunk take
        ``chunk_size * n_features * 4`` bytes, and training holds about four
        times that: the chunk trained on, the classifier's copy of its
        mini-batches, and the next chunk being made.
    max_iter : int, default=10
        Epochs: passes over all the chunks.
    standardize : bool, default=True
        Standardize the features with their mean and standard deviation over
        the training faces, learned in a first pass over the chunks
        (``StandardScaler.partial_fit``, ``scaler_``).
    flip : bool, default=False
        Train on the mirror image (left to right) of a random half of the
        faces, drawn anew every epoch (see ``shift``).
    shift : int, default=0
        Train also on the faces moved by this many pixels down, up, right and
        left (the pixels at the edge repeated): each epoch, each face is seen
        in one of its five views (itself included), drawn at random; with
        ``flip``, in one of ten (each view or its mirror image). 0: no shifts.
    test_time_flip : bool, default=False
        Predict from the average of the scores (probabilities) of each face
        and its mirror image: twice the features to make.
    image_shape : (int, int) or None, default=None
        (rows, columns) of the faces given as flat rows, to mirror them; None:
        square faces, or the shape of 3-D input.
    cache_features : bool, default=False
        Write the training features to float16 files the first time they are
        made (with ``flip`` or ``shift``, those of every view of the faces:
        up to ten times as many) and read them back in later epochs. The
        files are in a temporary folder, deleted when ``fit`` ends.
    cache_dir : str or None, default=None
        Where the temporary folder of ``cache_features`` goes; None: the
        system's temporary directory.
    shuffle : bool, default=True
        Chunks hold random faces (drawn once) and are visited in a new random
        order every epoch. False: chunks of consecutive faces, in order. The
        faces of a chunk keep their order in ``X`` either way.
    early_stopping : bool, default=False
        Stop when the validation loss has not improved (by ``tol``, if set)
        for ``n_iter_no_change`` epochs, and restore the classifier's weights
        of the best epoch. The validation faces are ``eval_set`` if given to
        ``fit``, else ``validation_fraction`` of the faces (0.1 when it is
        None).
    validation_fraction : float or None, default=None
        Share of the faces held out (stratified) to record the validation loss
        every epoch. None holds out nothing.
    n_iter_no_change : int, default=5
        Patience, in epochs, of ``tol`` and ``early_stopping``.
    tol : float or None, default=None
        Stop when the monitored loss (validation loss with early stopping,
        else the training loss) has not improved by ``tol`` for
        ``n_iter_no_change`` epochs. None: no convergence test.
    prefetch : bool, default=False
        Make the next chunk's features in a background thread while the
        classifier trains on the current one, so that both run at once.
        Measured on 2 cores it did not pay (an epoch of the best patch
        features 6.1 s against 5.3 s with the encoder on both threads; the
        same within noise on one): SGD's step is short beside the encoding,
        leaving little to overlap. Results are the same either way.
    random_state : int, RandomState instance or None, default=None
        Draws the chunks, their order, the flips and the validation faces.
    verbose : int, default=0
        Print one line per pass (losses and time).

    Attributes
    ----------
    transformer_ : transformer
        The fitted clone of ``transformer``.
    scaler_ : StandardScaler or None
        The standardization of the features (None without ``standardize``).
    classifier_ : classifier
        The trained clone of ``classifier``.
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    n_features_in_ : int
        Number of features of the faces, as the transformer saw them.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of ``X`` in ``fit``, when it is a DataFrame.
    n_features_out_ : int
        Number of features the classifier reads.
    n_iter_ : int
        Epochs run (``partial_fit`` calls count one each).
    loss_curve_ : list of float or None
        Training loss per epoch: the mean, weighted by chunk size, of the
        classifier's loss on the epoch's chunks (its ``loss_curve_``); None
        when the classifier records none.
    validation_loss_curve_ : list of float or None
        Validation log loss after each epoch, as the classifier computes it
        for its ``eval_set`` (else :func:`sklearn.metrics.log_loss`); None
        without validation faces.
    best_iteration_ : int
        The epoch (from 1) of the lowest monitored loss; with
        ``early_stopping``, the classifier's weights are those of this epoch.

    See Also
    --------
    sklearn_fer.preprocessing.PatchKMeansEncoder : Learned patch features.
    sklearn_fer.parallel.fit_dask : Trains this estimator (``partial_fit``)
        over the blocks of a Dask array.

    Notes
    -----
    With one chunk holding all the faces (``chunk_size >= n_samples``), no
    flips and no validation, ``fit`` gives exactly the classifier that
    ``make_pipeline(transformer, StandardScaler(), classifier).fit(X, y)``
    gives with ``max_iter`` epochs: the same features, statistics and
    ``partial_fit`` epochs in the same order. With several chunks it equals
    a loop of ``partial_fit`` over their standardized features.

    ``partial_fit`` trains on one chunk; its first call learns the
    transformer and the standardization from that chunk alone (make it a
    fair sample), then keeps them. That is what
    :func:`sklearn_fer.parallel.fit_dask` calls on each block.

    Examples
    --------
    >>> from sklearn_fer.datasets import make_faces
    >>> from sklearn_fer.linear_model import (
    ...     SGDSoftmaxRegression, StreamingFeatureClassifier
    ... )
    >>> from sklearn_fer.preprocessing import PatchKMeansEncoder
    >>> X, y = make_faces(300, random_state=0, return_X_y=True)
    >>> model = StreamingFeatureClassifier(
    ...     PatchKMeansEncoder(n_components=16, n_patches=5000, random_state=0),
    ...     SGDSoftmaxRegression(random_state=0),
    ...     chunk_size=100, max_iter=3, random_state=0,
    ... ).fit(X, y)
    >>> model.n_features_out_, len(model.loss_curve_)
    (256, 3)
    >>> model.predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        "transformer": [HasMethods(["fit", "transform"])],
        "classifier": [HasMethods(["partial_fit"])],
        "chunk_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "standardize": ["boolean"],
        "flip": ["boolean"],
        "shift": [Interval(Integral, 0, None, closed="left")],
        "test_time_flip": ["boolean"],
        "image_shape": [tuple, list, None],
        "cache_features": ["boolean"],
        "cache_dir": [str, os.PathLike, None],
        "shuffle": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "prefetch": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        transformer,
        classifier,
        *,
        chunk_size=1024,
        max_iter=10,
        standardize=True,
        flip=False,
        shift=0,
        test_time_flip=False,
        image_shape=None,
        cache_features=False,
        cache_dir=None,
        shuffle=True,
        early_stopping=False,
        validation_fraction=None,
        n_iter_no_change=5,
        tol=None,
        prefetch=False,
        random_state=None,
        verbose=0,
    ):
        self.transformer = transformer
        self.classifier = classifier
        self.chunk_size = chunk_size
        self.max_iter = max_iter
        self.standardize = standardize
        self.flip = flip
        self.shift = shift
        self.test_time_flip = test_time_flip
        self.image_shape = image_shape
        self.cache_features = cache_features
        self.cache_dir = cache_dir
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.prefetch = prefetch
        self.random_state = random_state
        self.verbose = verbose

    # -- features -------------------------------------------------------------

    def _mirror(self, X):
        return mirror_faces(X, self.image_shape)

    def _views(self):
        """The views of a face trained on: itself first, then (``shift``) moved
        down, up, right and left, then (``flip``) the mirror image of each."""
        shape, step = self.image_shape, self.shift
        views = [None]
        if step:
            views += [
                functools.partial(
                    shift_faces, rows=rows, columns=columns, image_shape=shape
                )
                for rows, columns in ((step, 0), (-step, 0), (0, step), (0, -step))
            ]
        if self.flip:
            views += [
                self._mirror if view is None else _then_mirror(view, self._mirror)
                for view in views
            ]
        return views

    def _raw_features(self, X):
        """The transformer's features of ``X``, as a float array."""
        features = np.asarray(self.transformer_.transform(X))
        if features.dtype.kind != "f":
            features = features.astype(np.float32)
        return features

    def _standardized(self, features):
        """``features`` standardized in place (when ``standardize``)."""
        if self.scaler_ is None:
            return features
        return self.scaler_.transform(features, copy=False)

    def _features(self, X):
        """Standardized features of ``X`` (a new array)."""
        return self._standardized(self._raw_features(X))

    def _features_in_chunks(self, X, method):
        """``method`` of the classifier on the features of ``X``, chunk by chunk."""
        (X,) = indexable(X)
        n_samples = _num_rows(X)
        if n_samples == 0:
            # The transformer says what is wrong with empty input.
            self.transformer_.transform(X)
        parts = [
            getattr(self.classifier_, method)(
                self._features(_safe_indexing(X, np.arange(start, stop)))
            )
            for start, stop in _bounds(n_samples, self.chunk_size)
        ]
        return np.concatenate(parts)

    def _chunk_features(self, chunk, cache, rng):
        """Standardized features of a chunk ``(index, X, y)``, in random views.

        With ``shift`` or ``flip``, each face is seen in one of its views
        (``_views``), drawn at random. Cached chunks are read from disk (``X``
        is then None).
        """
        index, X, y = chunk
        views = self._views()
        drawn = rng.randint(len(views), size=len(y)) if len(views) > 1 else None
        if cache is not None:
            features = cache.read(index, drawn)
        else:
            if drawn is not None and drawn.any():
                X = _replace_rows(
                    X,
                    [(drawn == view, function) for view, function in enumerate(views)],
                )
            features = self._raw_features(X)
        return self._standardized(features), y

    # -- fitting --------------------------------------------------------------

    def _pass_zero(self, source, cache, classes):
        """One pass over the chunks: learn the scaler, write the cache.

        Returns the classes (those seen when ``classes`` is None) and each
        chunk's labels (kept only with the cache, whose chunks are read back
        in any order).
        """
        scaler = StandardScaler(copy=False) if self.standardize else None
        seen, labels, n_faces = [], [], 0
        started = time.perf_counter()
        for index, (X, y) in enumerate(source):
            features = self._raw_features(X)
            if scaler is not None:
                scaler.partial_fit(features)
            if cache is not None:
                cache.write(index, features)
                for view, function in enumerate(self._views()[1:], start=1):
                    cache.write(index, self._raw_features(function(X)), view)
                labels.append(y)
            del features
            seen.append(np.unique(y))
            n_faces += len(y)
        if not seen:
            raise ValueError("There are no chunks of faces to train on.")
        if self.verbose:
            what = "made and cached" if cache is not None else "made"
            print(
                f"-- Pass 0: features of {n_faces} faces in {len(seen)} chunks "
                f"{what}, {time.perf_counter() - started:.2f} s",
                flush=True,
            )
        self.scaler_ = scaler
        if classes is None:
            classes = np.unique(np.concatenate(seen))
        return classes, labels

    def _epoch(self, source, cache, labels, rng):
        """The chunks ``(index, X, y)`` of one epoch, in the order trained on.

        Cached chunks and chunks of in-memory faces are visited in a random
        order (with ``shuffle``); a stream is read in its own order.
        """
        if cache is not None:
            order = rng.permutation(len(labels)) if self.shuffle else range(len(labels))
            return ((index, None, labels[index]) for index in order)
        if isinstance(source, _ArrayChunks):
            order = rng.permutation(len(source)) if self.shuffle else range(len(source))
            return ((index, *source[index]) for index in order)
        return ((index, X, y) for index, (X, y) in enumerate(source))

    def _validation_features(self, eval_set):
        if eval_set is None:
            return None
        X_val, y_val = eval_set
        parts = [
            self._features(_safe_indexing(X_val, np.arange(start, stop)))
            for start, stop in _bounds(len(y_val), self.chunk_size)
        ]
        return np.concatenate(parts), y_val

    def _start(self, classes, rng):
        """Fresh training state: a clone of the classifier, empty curves."""
        check_classification_targets(classes)
        self.classes_ = np.asarray(classes)
        self.classifier_ = clone(self.classifier)
        self._takes_eval_set = (
            "eval_set" in inspect.signature(self.classifier_.partial_fit).parameters
        )
        self._rng = rng
        self.loss_curve_ = None
        self.validation_loss_curve_ = None
        self.best_iteration_ = 0
        self.n_iter_ = 0

    def _train_on(self, features, y, *, first, validation):
        """One ``partial_fit`` of the classifier; the validation set with it."""
        kwargs = {"classes": self.classes_} if first else {}
        if validation is not None and self._takes_eval_set:
            kwargs["eval_set"] = validation
        self.classifier_.partial_fit(features, y, **kwargs)

    def _record_epoch(self, n_calls, sizes, validation):
        """Append the epoch's losses (over its last ``n_calls`` partial_fit
        calls); return the monitored one, or None when there is none."""
        curve = getattr(self.classifier_, "loss_curve_", None)
        if curve is not None:
            self.loss_curve_ = self.loss_curve_ or []
            # One chunk: the classifier's own loss, not rounded by averaging.
            losses = curve[-n_calls:]
            mean = losses[0] if n_calls == 1 else np.average(losses, weights=sizes)
            self.loss_curve_.append(float(mean))
        self.n_iter_ += 1
        if validation is not None:
            if self._takes_eval_set:
                loss = float(self.classifier_.validation_loss_curve_[-1])
            else:
                proba = self.classifier_.predict_proba(validation[0])
                loss = float(log_loss(validation[1], proba, labels=self.classes_))
            self.validation_loss_curve_ = self.validation_loss_curve_ or []
            self.validation_loss_curve_.append(loss)
            return loss
        return None if curve is None else self.loss_curve_[-1]

    def _train(self, source, classes, eval_set, rng):
        """Pass 0 (scaler, cache), then the epochs of ``partial_fit``."""
        cache = _FeatureCache(self.cache_dir) if self.cache_features else None
        # One BLAS thread throughout: the encoder's threads (n_jobs) and the
        # chunk made in the background are the parallelism. Left to each
        # step, the limit would be lifted by one while the other runs.
        try:
            with threadpool_limits(limits=1, user_api="blas"):
                classes, labels = self._pass_zero(source, cache, classes)
                self._start(classes, rng)
                validation = self._validation_features(eval_set)
                self._run_epochs(source, cache, labels, validation, rng)
        finally:
            if cache is not None:
                cache.close()
        return self

    def _run_epochs(self, source, cache, labels, validation, rng):
        stopping = None
        if self.tol is not None or self.early_stopping:
            stopping = StoppingRule(
                self.tol,
                self.n_iter_no_change,
                restore_best=self.early_stopping and validation is not None,
            )
        best_loss, best_state = np.inf, None
        for epoch in range(1, self.max_iter + 1):
            started = time.perf_counter()
            sizes = []
            chunks = _made_ahead(
                lambda chunk: self._chunk_features(chunk, cache, rng),
                self._epoch(source, cache, labels, rng),
                self.prefetch,
            )
            for (features, y), last in chunks:
                self._train_on(
                    features,
                    y,
                    first=epoch == 1 and not sizes,
                    validation=validation if last else None,
                )
                sizes.append(len(y))
                del features
            monitored = self._record_epoch(len(sizes), sizes, validation)
            if self.verbose:
                self._print_epoch(time.perf_counter() - started)
            if monitored is None:
                continue
            if monitored < best_loss:
                self.best_iteration_ = epoch
                if stopping is not None and stopping.restore_best:
                    best_state = _weights(self.classifier_)
            plateau = stopping is not None and stopping.is_plateau(monitored, best_loss)
            best_loss = min(best_loss, monitored)
            if plateau:
                break
        else:
            if self.tol is not None:
                warnings.warn(
                    f"{type(self).__name__} reached max_iter={self.max_iter} "
                    "epochs before the loss stopped improving by tol; increase "
                    "max_iter, or tol to stop earlier.",
                    ConvergenceWarning,
                    stacklevel=4,
                )
        if best_state is not None:
            self.classifier_ = _restored(self.classifier_, best_state)

    def _print_epoch(self, seconds):
        line = f"-- Epoch {self.n_iter_}:"
        if self.loss_curve_ is not None:
            line += f" loss {self.loss_curve_[-1]:.6f},"
        if self.validation_loss_curve_ is not None:
            line += f" validation loss {self.validation_loss_curve_[-1]:.6f},"
        print(f"{line} {seconds:.2f} s", flush=True)

    @staticmethod
    def _check_X_y(X, y, where="y"):
        """``X`` indexable, ``y`` a 1-D vector of labels as long as it, no NaN."""
        check_label_vector(y, where=where)
        X, y = indexable(X, y)
        check_consistent_length(X, y)
        y = column_or_1d(y, warn=True)
        assert_all_finite(y, input_name=where)
        return X, y

    def _check_eval_set(self, eval_set):
        if not isinstance(eval_set, tuple | list) or len(eval_set) != 2:
            raise ValueError("eval_set must be a tuple (X_val, y_val).")
        return self._check_X_y(*eval_set, where="eval_set's y")

    def _split(self, X, y, eval_set, rng):
        """Training faces and labels, and the validation faces and labels."""
        if eval_set is not None:
            return X, y, self._check_eval_set(eval_set)
        fraction = self.validation_fraction
        if fraction is None and self.early_stopping:
            fraction = 0.1
        if fraction is None:
            return X, y, None
        _, y_index = np.unique(y, return_inverse=True)
        train, val = stratified_holdout(
            y_index, fraction, rng.randint(np.iinfo(np.int32).max)
        )
        train, val = np.sort(train), np.sort(val)
        return (
            _safe_indexing(X, train),
            y[train],
            (_safe_indexing(X, val), y[val]),
        )

    def _fit_transformer(self, X, y):
        self.transformer_ = clone(self.transformer).fit(X, y)
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(self.transformer_, name):
                setattr(self, name, getattr(self.transformer_, name))
            elif hasattr(self, name):
                delattr(self, name)

    @fit_method(prefer_skip_nested_validation=False)
    def fit(self, X, y, eval_set=None):
        """Learn the transformer, then train the classifier chunk by chunk.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, rows, columns)
            Training faces (any input the transformer takes).
        y : array-like of shape (n_samples,)
            Their labels.
        eval_set : tuple (X_val, y_val), default=None
            Validation faces, whose loss is recorded after every epoch
            (``validation_loss_curve_``) and monitored by ``early_stopping``;
            takes the place of ``validation_fraction``.

        Returns
        -------
        self : object
        """
        X, y = self._check_X_y(X, y)
        check_classification_targets(y)
        rng = check_random_state(self.random_state)
        X, y, eval_set = self._split(X, y, eval_set, rng)
        self._fit_transformer(X, y)
        source = _ArrayChunks(X, y, self.chunk_size, rng if self.shuffle else None)
        return self._train(source, np.unique(y), eval_set, rng)

    def fit_chunks(self, chunks, *, classes=None, eval_set=None):
        """Learn the transformer and train the classifier from chunks of faces.

        For faces that do not fit in memory, e.g. a FER2013 file read by
        :func:`~sklearn_fer.datasets.iter_fer2013`. The transformer is fitted
        on the first chunk (make it a fair sample of the faces); a first pass
        over the chunks learns the standardization (and writes the cache);
        each epoch then reads the chunks again: from ``chunks``, in its
        order, or from the cache, in a random order.

        Parameters
        ----------
        chunks : callable
            Called with no argument once per pass; returns an iterable of
            ``(X, y)`` chunks, the same each time, e.g.
            ``functools.partial(iter_fer2013, path, usage="Training",
            chunksize=1024)``.
        classes : array-like, default=None
            All the labels; None: those seen in the first pass.
        eval_set : tuple (X_val, y_val), default=None
            In-memory validation faces; ``validation_fraction`` does not apply.

        Returns
        -------
        self : object
        """
        check_parameters(self)
        if not callable(chunks):
            raise TypeError(
                "chunks must be a function that returns an iterable of (X, y) "
                "chunks (called once per pass), e.g. functools.partial("
                f"iter_fer2013, path, chunksize=1024); got {type(chunks).__name__}."
            )
        rng = check_random_state(self.random_state)
        source = _StreamChunks(chunks)
        first = next(iter(source), None)
        if first is None:
            raise ValueError("chunks() yields no chunk: there is nothing to train on.")
        self._fit_transformer(*first)
        del first
        if eval_set is not None:
            eval_set = self._check_eval_set(eval_set)
        if classes is not None:
            classes = np.unique(np.asarray(classes))
        return self._train(source, classes, eval_set, rng)

    @fit_method(prefer_skip_nested_validation=False)
    def partial_fit(self, X, y, classes=None, eval_set=None):
        """Train on one chunk of faces (one ``partial_fit`` of the classifier).

        The first call (on an estimator that ``fit`` has not trained) fits
        the transformer and the standardization on this chunk and needs
        ``classes``; later calls keep them and continue the classifier. Each
        call counts as an epoch in ``loss_curve_``, as it does for the SGD
        estimators.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, rows, columns)
            A chunk of faces.
        y : array-like of shape (n_samples,)
            Its labels.
        classes : array-like, default=None
            All the labels; required on the first call.
        eval_set : tuple (X_val, y_val), default=None
            Validation faces whose loss is appended to
            ``validation_loss_curve_``.

        Returns
        -------
        self : object
        """
        X, y = self._check_X_y(X, y)
        first = not hasattr(self, "classifier_")
        if first:
            if classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit "
                    "(all the labels that will ever be seen)."
                )
            self._fit_transformer(X, y)
            self.scaler_ = None
            if self.standardize:
                scaler = StandardScaler(copy=False)
                self.scaler_ = scaler.partial_fit(self._raw_features(X))
            self._start(
                np.unique(np.asarray(classes)), check_random_state(self.random_state)
            )
        elif classes is not None and not np.array_equal(
            np.unique(np.asarray(classes)), self.classes_
        ):
            raise ValueError(
                f"classes={np.asarray(classes).tolist()} differs from classes_ "
                f"{self.classes_.tolist()} of the previous calls."
            )
        features, y = self._chunk_features((0, X, y), None, self._rng)
        validation = None
        if eval_set is not None:
            validation = self._validation_features(self._check_eval_set(eval_set))
        self._train_on(features, y, first=first, validation=validation)
        self._record_epoch(1, [len(y)], validation)
        return self

    # -- prediction -------------------------------------------------------------

    def _averaged(self, method, X):
        check_is_fitted(self)
        result = self._features_in_chunks(X, method)
        if self.test_time_flip:
            result = (result + self._features_in_chunks(self._mirror(X), method)) / 2
        return result

    @property
    def n_features_out_(self):
        """Number of features the classifier reads."""
        check_is_fitted(self)
        return self.classifier_.n_features_in_

    @available_if(_classifier_has("decision_function"))
    def decision_function(self, X):
        """The classifier's scores of the features of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, rows, columns)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            With ``test_time_flip``, the mean of the face's and its mirror's.
        """
        return self._averaged("decision_function", X)

    @available_if(_classifier_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, rows, columns)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            With ``test_time_flip``, the mean of the face's and its mirror's.
        """
        return self._averaged("predict_proba", X)

    @available_if(_classifier_has("predict_proba"))
    def predict_log_proba(self, X):
        """Logarithm of ``predict_proba``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, rows, columns)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        if not self.test_time_flip:
            check_is_fitted(self)
            if hasattr(self.classifier_, "predict_log_proba"):
                return self._features_in_chunks(X, "predict_log_proba")
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The most probable class of each face.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, rows, columns)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        if not self.test_time_flip:
            return self._features_in_chunks(X, "predict")
        if hasattr(self.classifier_, "predict_proba"):
            scores = self.predict_proba(X)
        else:
            scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[scores.argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        transformer_tags = self.transformer.__sklearn_tags__()
        classifier_tags = self.classifier.__sklearn_tags__()
        tags.input_tags = copy.deepcopy(transformer_tags.input_tags)
        tags.input_tags.sparse = False
        # Missing values must get through the features to the classifier.
        tags.input_tags.allow_nan = (
            transformer_tags.input_tags.allow_nan
            and classifier_tags.input_tags.allow_nan
        )
        tags.classifier_tags = copy.deepcopy(classifier_tags.classifier_tags)
        tags.non_deterministic = (
            transformer_tags.non_deterministic or classifier_tags.non_deterministic
        )
        return tags


class _ArrayChunks:
    """Chunks of in-memory faces: ``chunk_size`` rows each, random rows when
    ``rng`` is given (drawn once), each chunk's rows in their order in ``X``."""

    def __init__(self, X, y, chunk_size, rng):
        order = np.arange(len(y)) if rng is None else rng.permutation(len(y))
        self._X, self._y = X, y
        self._rows = [
            np.sort(order[start:stop]) for start, stop in _bounds(len(y), chunk_size)
        ]

    def __len__(self):
        return len(self._rows)

    def __getitem__(self, index):
        rows = self._rows[index]
        return _safe_indexing(self._X, rows), self._y[rows]

    def __iter__(self):
        return (self[index] for index in range(len(self)))


class _StreamChunks:
    """Chunks from a function that returns an iterable of ``(X, y)``, checked."""

    def __init__(self, chunks):
        self._chunks = chunks

    def __iter__(self):
        for index, chunk in enumerate(self._chunks()):
            if not isinstance(chunk, tuple | list) or len(chunk) != 2:
                raise ValueError(
                    f"Chunk {index} is not a pair (X, y): chunks() must yield "
                    "(faces, labels) pairs."
                )
            X, y = chunk
            if y is None:
                raise ValueError(
                    f"Chunk {index} has no labels (y is None): training needs "
                    "labelled faces."
                )
            yield StreamingFeatureClassifier._check_X_y(
                X, y, where=f"y of chunk {index}"
            )


def _num_rows(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _bounds(n_samples, chunk_size):
    """``(start, stop)`` of consecutive chunks covering ``range(n_samples)``."""
    return [
        (start, min(start + chunk_size, n_samples))
        for start in range(0, n_samples, chunk_size)
    ]


def _replace_rows(X, changes):
    """A copy of ``X`` whose rows in each mask are replaced by their view:
    ``changes`` holds ``(mask, function)`` pairs (None: the rows as they are)."""
    changed = X.copy() if hasattr(X, "iloc") else np.array(X, copy=True)
    for rows, function in changes:
        if function is None or not rows.any():
            continue
        if hasattr(X, "iloc"):
            changed.iloc[rows] = function(X.iloc[rows]).to_numpy()
        else:
            changed[rows] = function(np.asarray(X)[rows])
    return changed


def _then_mirror(view, mirror):
    """The mirror image of ``view`` of the faces."""
    return lambda X: mirror(view(X))


def _made_ahead(make, items, prefetch):
    """``(make(item), is_last)`` for each of ``items`` (an iterator), in order.

    The next item is drawn before the current one is handed out (that says
    whether it is the last); with ``prefetch``, a background thread makes it
    meanwhile, so that at most two items are made at a time. Items are made
    one after the other either way, in order, so the results are the same.
    """
    items = iter(items)
    item = next(items, _END)
    if item is _END:
        return
    with ThreadPoolExecutor(max_workers=1) if prefetch else nullcontext() as maker:
        made = make(item)
        while True:
            following = next(items, _END)
            last = following is _END
            upcoming = None
            if maker is not None and not last:
                upcoming = maker.submit(make, following)
            yield made, last
            del made
            if last:
                return
            made = make(following) if upcoming is None else upcoming.result()


def _weights(classifier):
    """What restoring the best epoch puts back: the weights, or the classifier."""
    if hasattr(classifier, "coef_") and hasattr(classifier, "intercept_"):
        return {
            "coef_": classifier.coef_.copy(),
            "intercept_": classifier.intercept_.copy(),
        }
    return copy.deepcopy(classifier)


def _restored(classifier, state):
    if isinstance(state, dict):
        for name, value in state.items():
            setattr(classifier, name, value)
        return classifier
    return state
