"""``ConvNetClassifier``: a small CNN for facial expressions, trained with skorch.

The estimator shell: parameters, validation, ``fit`` and ``partial_fit``,
prediction. The network is ``_module``'s, its augmentation ``_augment``'s;
``_net`` builds the skorch net that trains it, and ``_persistence`` (with
``_legacy`` for older files) saves and loads it.
"""

from inspect import signature
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch import NeuralNetClassifier
from skorch.dataset import Dataset
from skorch.helper import predefined_split

from ..preprocessing._images import flatten_images, resolve_image_shape
from ..utils._iterative import BaseIterativeClassifier, Diverged, fit_method
from ..utils._sklearn_api import (
    Interval,
    Options,
    StrOptions,
    check_parameters,
)
from ._augment import Augment
from ._inference import MAX_NEGATIVE_SLOPE
from ._legacy import upgrade_state
from ._net import (
    NETWORK_PARAMS,
    OPTIMIZERS,
    build_net,
    continue_training,
    convs_per_block,
    drop_training_state,
    network_params,
    network_params_of,
    seeded,
    train,
    view_probabilities,
)
from ._persistence import pack_network, unpack_network


class ConvNetClassifier(BaseIterativeClassifier):
    """Convolutional network for 48 x 48 faces, with on-the-fly augmentation.

    The network of the FER2013 CNN study (see the user guide): blocks of 3 x 3
    convolutions with batch norm and LeakyReLU, each block closed by 2 x 2 max
    pooling, then a fully connected layer with dropout and batch norm. Every
    face is standardised on its own; training batches are flipped, rotated,
    shifted, scaled, blurred and cropped to 44 x 44 at random (never at
    predict time, which averages the centre crop and its mirror image), and
    the network predicts with a moving average of its weights. The
    training loop, history, early stopping and progress display are skorch's;
    PyTorch and skorch come with the ``cnn`` extra.

    Read more in the :ref:`User Guide <cnn_guide>`.

    Parameters
    ----------
    channels : tuple of int, default=(16, 32, 64, 128)
        Output channels of each convolution block.
    convs_per_block : int, tuple of int or None, default=None
        Convolutions in each block: one count for every block, or one per
        block. None means one in the first block and two in each later one
        ((1, 2, 2, 2) for the default ``channels``): a single convolution at
        full 48 x 48 resolution, where activations are largest, makes epochs
        faster, which more than makes up for the lower accuracy per epoch
        within a time budget (figures in the user guide).
    hidden_units : int, default=256
        Width of the fully connected layer.
    dropout : float, default=0.25
        Dropout before both fully connected layers.
    negative_slope : float, default=0.1
        Slope of LeakyReLU for negative inputs, in [0, 10].
    optimizer : {'adam', 'adamw', 'sgd'}, default='adam'
        Optimizer; 'sgd' uses Nesterov momentum 0.9.
    learning_rate : float, default=3e-3
        Initial learning rate (the study reported that 1e-2 overshoots, which
        our studies page did not reproduce on a small network; 3e-3 with
        ``dropout=0.25`` learned more than its 1e-3 with 0.5 on a Training
        holdout, figures in the user guide).
    label_smoothing : float, default=0.0
        Label smoothing of the cross-entropy (training and validation loss);
        0 is plain cross-entropy.
    lr_schedule : {'cosine', 'constant'}, default='cosine'
        'cosine' anneals the learning rate towards 0 over ``max_epochs``
        epochs; ``partial_fit`` (one epoch per call) starts a new cycle every
        ``max_epochs`` epochs.
    weight_decay : float, default=1e-4
        L2 weight decay of the optimizer.
    batch_size : int, default=64
    max_epochs : int, default=30
        Epochs of ``fit``; ``partial_fit`` runs one.
    flip : bool, default=True
        Mirror half of the training faces left-right.
    rotation : float, default=10.0
        Maximum random rotation, in degrees.
    shift : float, default=0.1
        Maximum random shift, as a fraction of the image size.
    scale : float, default=0.1
        Maximum random zoom in or out, as a fraction.
    blur : float, default=1.0
        Maximum sigma (pixels) of a random Gaussian blur; 0 disables it.
    erasing : float, default=0.0
        Probability of erasing a random rectangle (2-33% of the face) of
        each training face, after the other augmentations, to 0: the mean
        grey of a standardised face (black with ``standardize=False`` on a
        0-255 scale); 0 disables it.
    crop_size : int or None, default=44
        Side of the square crops the network sees: a random crop of every
        training face (after the flip, rotation, shift and scale), the centre
        crop of every face it predicts or validates. Clamped to the image;
        None feeds whole faces. Smaller crops are fewer pixels per step, so
        more epochs within a time budget (figures in the user guide).
    test_time_crops : {1, 5}, default=1
        Crops averaged when predicting: the centre one, or the centre and
        the four corners (with ``test_time_flip``, the "ten-crop" of the
        literature). Each view is one more forward pass; with
        ``crop_size=None`` the five crops are the same whole face.
    test_time_flip : bool, default=True
        Also average the scores of each crop's mirror image when predicting
        (twice the forward passes).
    ema_decay : float in [0, 1) or None, default=0.999
        Predict and validate with an exponential moving average of the
        weights (and batch-norm statistics), updated after every training
        step with this decay; it is what a saved model predicts with. None
        uses the last weights.
    image_shape : (int, int) or None, default=None
        (rows, columns) of each face when ``X`` holds flat pixel rows; one of
        them may be -1 to be inferred. None: square faces (48 x 48 for
        FER2013's 2304 pixels), or the shape of 3-D input.
    standardize : bool, default=True
        Standardise each face on its own (zero mean, unit variance) inside the
        network, which makes it robust to lighting and to the grey scale
        (0-255 or 0-1). Turn it off only for inputs that are not images.
    early_stopping : bool, default=False
        Stop when the validation loss has not improved for ``n_iter_no_change``
        epochs and restore the best epoch's weights. Validation data come from
        ``eval_set``, else ``validation_fraction`` (0.1 when None).
    validation_fraction : float or None, default=None
        Share of the training data held out (stratified) for the validation
        loss of every epoch.
    n_iter_no_change : int, default=5
        Patience of early stopping, in epochs.
    device : str, default='cpu'
        PyTorch device, e.g. 'cuda'. A model trained on a GPU loads on a
        CPU-only machine (on the CPU).
    random_state : int, RandomState instance or None, default=None
        Seeds weights, shuffling, dropout, augmentation and the validation
        split: on the CPU, the same seed gives the same weights, whatever
        PyTorch's global generator holds (training leaves it as it was).
        ``partial_fit`` calls continue from the generator of the first; None
        draws fresh seeds from NumPy's global generator.
    verbose : int, default=0
        1 prints one line per epoch (skorch's table), 2 adds a progress bar.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    image_shape_ : tuple of int
        The (height, width) the flat rows are read as.
    net_ : skorch.NeuralNetClassifier
        The trained network and its history.
    n_iter_ : int
        Epochs trained (partial_fit calls included).
    loss_curve_ : list of float
        Mean training loss (cross-entropy on augmented faces) per epoch.
    validation_loss_curve_ : list of float or None
        Validation cross-entropy per epoch, when a validation set was used.
    best_iteration_ : int
        The epoch (from 1) of the lowest validation loss (else training loss).
    training_loss_name : str
        What ``loss_curve_`` measures, 'log loss on augmented faces' (a class
        attribute; :class:`~sklearn_fer.inspection.LossCurveDisplay` labels
        the curve with it).

    Examples
    --------
    >>> from sklearn_fer.datasets import make_faces
    >>> from sklearn_fer.neural_network import ConvNetClassifier
    >>> X, y = make_faces(200, emotions=["happy", "sad"], random_state=0,
    ...                   return_X_y=True)
    >>> model = ConvNetClassifier(channels=(8, 16), max_epochs=2, random_state=0)
    >>> model.fit(X, y).predict_proba(X[:3]).shape
    (3, 2)
    >>> len(model.loss_curve_)
    2
    """

    training_loss_name = "log loss on augmented faces"

    _parameter_constraints: dict = {
        "channels": [tuple, list],
        "convs_per_block": [
            Interval(Integral, 1, None, closed="left"),
            tuple,
            list,
            None,
        ],
        "hidden_units": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        # Bounded as a ConvNetInference file's (check_network).
        "negative_slope": [Interval(Real, 0, MAX_NEGATIVE_SLOPE, closed="both")],
        "optimizer": [StrOptions(set(OPTIMIZERS))],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "lr_schedule": [StrOptions({"cosine", "constant"})],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "flip": ["boolean"],
        "rotation": [Interval(Real, 0, 180, closed="both")],
        "shift": [Interval(Real, 0, 1, closed="left")],
        "scale": [Interval(Real, 0, 1, closed="left")],
        "blur": [Interval(Real, 0, None, closed="left")],
        "erasing": [Interval(Real, 0, 1, closed="both")],
        "crop_size": [Interval(Integral, 1, None, closed="left"), None],
        "test_time_crops": [Options(Integral, {1, 5})],
        "test_time_flip": ["boolean"],
        "ema_decay": [Interval(Real, 0, 1, closed="left"), None],
        "image_shape": [tuple, list, None],
        "standardize": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        channels=(16, 32, 64, 128),
        convs_per_block=None,
        hidden_units=256,
        dropout=0.25,
        negative_slope=0.1,
        optimizer="adam",
        learning_rate=3e-3,
        label_smoothing=0.0,
        lr_schedule="cosine",
        weight_decay=1e-4,
        batch_size=64,
        max_epochs=30,
        flip=True,
        rotation=10.0,
        shift=0.1,
        scale=0.1,
        blur=1.0,
        erasing=0.0,
        crop_size=44,
        test_time_crops=1,
        test_time_flip=True,
        ema_decay=0.999,
        image_shape=None,
        standardize=True,
        early_stopping=False,
        validation_fraction=None,
        n_iter_no_change=5,
        device="cpu",
        random_state=None,
        verbose=0,
    ):
        self.channels = channels
        self.convs_per_block = convs_per_block
        self.hidden_units = hidden_units
        self.dropout = dropout
        self.negative_slope = negative_slope
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.label_smoothing = label_smoothing
        self.lr_schedule = lr_schedule
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.flip = flip
        self.rotation = rotation
        self.shift = shift
        self.scale = scale
        self.blur = blur
        self.erasing = erasing
        self.crop_size = crop_size
        self.test_time_crops = test_time_crops
        self.test_time_flip = test_time_flip
        self.ema_decay = ema_decay
        self.image_shape = image_shape
        self.standardize = standardize
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _validate_params(self):
        """The constraints, then what they cannot say: the entries of
        ``channels`` and ``convs_per_block``, one count per block.

        ``fit_context`` and ``check_parameters`` call it before any work.
        """
        super()._validate_params()
        convs_per_block(self.channels, self.convs_per_block)

    # -- data ---------------------------------------------------------------------

    def _validate_X(self, X, *, reset):
        return self._validate_faces(X, reset=reset)

    def _validate_X_y(self, X, y):
        X, y = self._validate_faces(X, y, reset=True)
        self._check_n_samples(X)
        return X, y

    def _validate_faces(self, X, y="no_validation", *, reset):
        """Faces as float32 pixel rows (and ``y``), by the image-shape rule of
        ``preprocessing``; ``fit`` sets ``image_shape_``, as it does
        ``n_features_in_``."""
        pixels, input_image_shape = flatten_images(X)
        validated = validate_data(self, pixels, y, reset=reset, dtype=np.float32)
        X = validated if isinstance(y, str) else validated[0]
        image_shape = resolve_image_shape(
            self, X.shape[1], input_image_shape, reset=reset
        )
        if reset:
            self.image_shape_ = image_shape
        return validated

    # -- network ------------------------------------------------------------------

    @staticmethod
    def _check_n_samples(X):
        if X.shape[0] < 2:
            raise ValueError(
                f"ConvNetClassifier needs at least 2 samples to train (batch "
                f"norm), got {X.shape[0]} sample."
            )

    def _store(self, net, classes, rng):
        """Set the fitted attributes, only once training has succeeded."""
        drop_training_state(net)
        self.net_ = net
        self.classes_ = classes
        self._rng = rng
        loss = [float(row["train_loss"]) for row in net.history]
        # NaN for the partial_fit epochs that had no eval_set.
        validation = [float(row.get("valid_loss", np.nan)) for row in net.history]
        if np.isnan(validation).all():
            validation = None
        best = int(np.nanargmin(validation or loss)) + 1
        self._store_curves(loss, validation, best)

    # -- persistence ------------------------------------------------------------

    def __getstate__(self):
        """The estimator's state with ``net_`` as JSON text and tensor bytes.

        pickle and skops both store this state: neither pickles the network,
        and a skops file loads it without running code from the file.
        """
        # BaseEstimator hands back the instance's own __dict__: copy it.
        state = dict(super().__getstate__())
        if isinstance(state.get("net_"), NeuralNetClassifier):
            state["net_"] = pack_network(state["net_"])
        return state

    def __setstate__(self, state):
        """Rebuild the network from its packed form (see ``_persistence``),
        from any layout an earlier version saved (``_legacy``)."""
        super().__setstate__(upgrade_state(state))
        if self.__dict__.get("net_") is not None:
            self.net_ = unpack_network(self, self.net_)

    @fit_method
    def fit(self, X, y, eval_set=None):
        """Train the network for ``max_epochs`` epochs (or until early stopping).

        Parameters
        ----------
        X : array-like of shape (n_samples, 2304) or (n_samples, 48, 48)
            Faces; grey levels in any scale (each face is standardised).
        y : array-like of shape (n_samples,)
            Labels of any type.
        eval_set : tuple (X_val, y_val), default=None
            Validation data for ``validation_loss_curve_`` and early stopping.

        Returns
        -------
        self : object

        Raises
        ------
        ValueError
            On bad input. The estimator is then left as it was before the
            call, as it is after an interrupt (``KeyboardInterrupt``).
        """
        X, y_index, classes = self._fit_data(X, y)
        return self._fit(X, y_index, classes, eval_set, incremental=False)

    @fit_method
    def partial_fit(self, X, y, classes=None, eval_set=None):
        """Train for one epoch on the given faces.

        Each call trains the network of the previous calls (or of ``fit``)
        with the parameters as they are then (``set_params``): the learning
        rate (the schedule goes on at its position), ``weight_decay``,
        ``label_smoothing``, ``batch_size``, ``max_epochs`` (the length of a
        cosine cycle), the augmentation, ``verbose``. The parameters of the
        network itself (``channels``, ``convs_per_block``, ``hidden_units``,
        ``dropout``, ``negative_slope``, ``standardize``, ``crop_size``,
        ``ema_decay``, ``optimizer``) are those it was built with: a call
        with other values is an error. A call that fails, or is interrupted,
        leaves the model as it was.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2304) or (n_samples, 48, 48)
        y : array-like of shape (n_samples,)
        classes : array-like, default=None
            All the labels; required on the first call, optional afterwards
            (it must then equal ``classes_``).
        eval_set : tuple (X_val, y_val), default=None
            Validation data whose loss is recorded for this epoch.

        Returns
        -------
        self : object
        """
        X, y_index, classes = self._partial_fit_data(X, y, classes)
        return self._fit(X, y_index, classes, eval_set, incremental=True)

    def _fit(self, X, y_index, classes, eval_set, *, incremental):
        """Train on validated data: the one path of ``fit`` and ``partial_fit``.

        ``fit`` (``incremental=False``) builds a new network and trains it for
        ``max_epochs`` epochs; ``partial_fit`` trains a copy of the fitted one
        (a new one on its first call) for one epoch. The estimator changes
        only once training has succeeded.
        """
        self._check_n_samples(X)
        continuing = incremental and hasattr(self, "net_")
        rng = self._random_state(incremental=incremental)
        seed = rng.randint(np.iinfo(np.int32).max)
        (X, y_index, _), validation = self._validation_split(
            X, y_index, classes, eval_set, seed, incremental=incremental
        )
        train_split = None
        if validation is not None:
            train_split = predefined_split(Dataset(*validation[:2]))
        if continuing:
            self._check_network_params()
        net = build_net(
            self.get_params(),
            image_shape=self.image_shape_,
            n_classes=len(classes),
            train_split=train_split,
            n_train=len(y_index),
        )
        with seeded(seed, self.device):
            if continuing:
                continue_training(net, self.net_)
            try:
                train(net, X, y_index, epochs=1 if incremental else None)
            except Diverged as exc:
                raise self._divergence_error(exc) from exc
        self._store(net, classes, rng)
        return self

    def _divergence_advice(self):
        advice = [f"a smaller learning_rate (now {self.learning_rate:g})"]
        if self.optimizer == "sgd":
            advice.append("optimizer='adam'")
        if not self.standardize:
            advice.append("standardize=True")
        return f"Use {', or '.join(advice)}."

    def _check_network_params(self):
        """Refuse a ``partial_fit`` whose network parameters are not those
        that built the fitted network."""
        built = network_params(self.net_)
        now = network_params_of(self.get_params())
        changed = [name for name in NETWORK_PARAMS if built[name] != now[name]]
        if changed:
            raise ValueError(
                "partial_fit trains the network that was fitted, built with "
                + ", ".join(f"{name}={built[name]!r}" for name in changed)
                + "; the parameters now say "
                + ", ".join(f"{name}={now[name]!r}" for name in changed)
                + ": set them back, or call fit to train a new network."
            )

    # -- prediction ------------------------------------------------------------------

    def augment(self, X, *, random_state=None):
        """Faces as the training augmentation draws them, to look at.

        Applies the ``flip``, ``rotation``, ``shift``, ``scale``, ``blur``,
        ``crop_size`` and ``erasing`` set on this estimator (fitted or not) to
        ``X`` once, as one training epoch shows the faces to the network
        (before its per-face standardisation, so erased rectangles are 0
        here). Prediction never augments.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2304) or (n_samples, 48, 48)
            Faces, any grey scale.
        random_state : int, RandomState instance or None, default=None
            Seed of the random draws; the global PyTorch generator is left as
            it was.

        Returns
        -------
        faces : ndarray of shape (n_samples, n_crop_pixels), dtype float32
            The augmented faces, flattened ``crop_size`` x ``crop_size`` crops
            (the whole faces with ``crop_size=None``), on the grey scale of
            ``X``.

        Examples
        --------
        >>> from sklearn_fer.datasets import make_faces
        >>> from sklearn_fer.neural_network import ConvNetClassifier
        >>> X, _ = make_faces(4, random_state=0, return_X_y=True)
        >>> faces = ConvNetClassifier(rotation=15).augment(X, random_state=0)
        >>> faces.shape, faces.dtype  # 44 x 44 crops
        ((4, 1936), dtype('float32'))
        """
        from sklearn.utils import check_array

        check_parameters(self)
        X, input_image_shape = flatten_images(X)
        X = check_array(X, dtype=np.float32)
        image_shape = resolve_image_shape(
            self, X.shape[1], input_image_shape, reset=True
        )
        seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
        # Augment's arguments are this estimator's parameters of the same names.
        augment = Augment(
            **{name: getattr(self, name) for name in signature(Augment).parameters}
        )
        images = torch.from_numpy(X).reshape(len(X), 1, *image_shape)
        with seeded(seed, "cpu"), torch.no_grad():
            faces = augment.train()(images)
        return faces.reshape(len(X), -1).numpy()

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2304) or (n_samples, 48, 48)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        # The options of this call: set_params(test_time_flip=...) after fit counts.
        proba = view_probabilities(
            self.net_,
            X,
            test_time_crops=self.test_time_crops,
            test_time_flip=self.test_time_flip,
        ).astype(np.float64)
        # float32 softmax rows sum to 1 only to about 1e-7; scikit-learn's
        # metrics (log_loss) check the sums at float64 precision.
        proba /= proba.sum(axis=1, keepdims=True)
        return proba

    def predict(self, X):
        """Most probable class of each face.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2304) or (n_samples, 48, 48)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)  # checks that the model is fitted first
        return self.classes_[proba.argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.device != "cpu"
        return tags
