"""The mini-batch SGD engine shared by every linear estimator of sklearn-fer.

The model is ``raw = X @ coef.T + intercept``; a loss from ``_loss`` turns raw
scores into per-sample losses and their gradients, and a ``Penalty`` adds the
regularisation. The objective, for sample weights ``s`` (class weights
included), is::

    sum_i s_i * loss_i / sum_i s_i + penalty(coef)

A mini-batch ``B`` estimates its gradient without bias as
``sum_{i in B} s_i * grad loss_i / (|B| * mean(s))``, so rescaling all weights
by a constant changes nothing, as for ``LogisticRegression``.

The engine knows nothing of estimators: ``train`` is handed the parameters, the
loss, the penalty, the optimizer, the stopping rule and the data, runs the
epochs (each one is ``run_epoch``) and records them in a ``TrainingHistory``.
"""

import functools
import time
from dataclasses import dataclass, field

import numpy as np
from sklearn.utils.extmath import safe_sparse_dot
from threadpoolctl import ThreadpoolController

from ..utils._iterative import Diverged
from ._step_size import auto_step_size

#: Training stops with learning_rate='adaptive' once the step size falls below
#: this share of its initial value (1e-6 for eta0=0.01): relative, since the
#: step of eta0='auto' follows the scale of the data.
MIN_ADAPTIVE_REDUCTION = 1e-4
#: Factor by which learning_rate='adaptive' divides the step size on a plateau.
ADAPTIVE_DIVISOR = 5.0


@functools.cache
def _blas_controller():
    """The loaded BLAS libraries, found once (a lookup takes milliseconds)."""
    return ThreadpoolController()


def raw_scores(X, coef, intercept):
    """Linear scores ``X @ coef.T + intercept`` for dense or sparse ``X``."""
    return safe_sparse_dot(X, coef.T, dense_output=True) + intercept


def weighted_loss(loss, coef, intercept, X, y, sample_weight):
    """Weighted mean loss ``sum(s * loss) / sum(s)``, without the penalty."""
    per_sample, _ = loss.loss_gradient(raw_scores(X, coef, intercept), y)
    return float(np.dot(sample_weight, per_sample)) / float(sample_weight.sum())


def loss_gradient(loss, coef, intercept, X, y, sample_weight, weight_norm):
    """Data term ``sum(s * loss) / weight_norm`` and its gradients.

    Returns
    -------
    value : float
    grad_coef : ndarray of shape coef.shape
    grad_intercept : ndarray of shape intercept.shape
    """
    per_sample, grad_raw = loss.loss_gradient(raw_scores(X, coef, intercept), y)
    scaled_weight = sample_weight / coef.dtype.type(weight_norm)
    value = float(np.dot(scaled_weight, per_sample))
    grad_raw *= scaled_weight[:, np.newaxis]
    grad_coef = np.asarray(safe_sparse_dot(grad_raw.T, X, dense_output=True))
    return value, grad_coef, grad_raw.sum(axis=0)


def check_weight_sum(sample_weight, dtype, *, class_weighted):
    """Raise ``ValueError`` unless the weights' sum is positive and fits ``dtype``.

    The engine divides each weight by their mean: an infinite sum would turn
    every weight into 0 or NaN, and training into nothing, or into a
    divergence error that blames the step size.
    """
    what = "sample_weight times class_weight" if class_weighted else "sample_weight"
    with np.errstate(over="ignore"):
        total = float(np.sum(sample_weight, dtype=np.float64))
    if not total > 0:
        raise ValueError(f"The weights ({what}) are all zero: there is nothing to fit.")
    if not total <= float(np.finfo(dtype).max):
        raise ValueError(
            f"The weights ({what}) sum to {total:.3g}, beyond the range of "
            f"{np.dtype(dtype).name} (largest weight {np.max(sample_weight):.3g}). "
            "Only their ratios matter: divide them all by the same number."
        )


class SGDOptimizer:
    """Step-size schedule and momentum state of mini-batch SGD.

    It lives on a fitted estimator between calls to ``partial_fit``, so that
    the schedule and the momentum continue where the previous call left them
    (``continue_from``), with the parameters of the new call.

    Parameters
    ----------
    learning_rate : {'constant', 'invscaling', 'adaptive'}
    eta0 : float or 'auto'
        Initial step size, or 'auto' to compute it from the first data
        trained on (``set_initial_step``).
    power_t : float
        Exponent of 'invscaling': ``eta = eta0 / (t + 1) ** power_t``, with ``t``
        the number of updates already made.
    momentum : float
        Heavy-ball momentum in ``[0, 1)``.
    nesterov : bool
        Use Nesterov's momentum (as scikit-learn's MLP does).

    Attributes
    ----------
    initial_step : float or None
        The step the schedule starts from: ``eta0``, or the one 'auto' chose;
        None until 'auto' has seen data.
    """

    def __init__(self, learning_rate, eta0, power_t, momentum, nesterov):
        self.learning_rate = learning_rate
        self.eta0 = eta0
        self.power_t = power_t
        self.momentum = momentum
        self.nesterov = nesterov
        self.t = 0
        self.initial_step = None if eta0 == "auto" else eta0
        # The step of 'adaptive', and its share of the initial step.
        self.eta = self.initial_step
        self._reduction = 1.0
        self.velocities = None

    def continue_from(self, previous):
        """Take over the state of ``previous``: updates made, momentum, the
        initial step 'auto' chose (while eta0 stays 'auto'), and the
        'adaptive' reductions of the step (relative to a new initial step)."""
        self.t = previous.t
        # Optimizers saved before eta0='auto' have no initial_step.
        previous_step = getattr(previous, "initial_step", previous.eta0)
        if self.eta0 == "auto" and previous.eta0 == "auto":
            self.initial_step = previous_step
        self._reduction = previous.eta / previous_step
        if self.initial_step is not None:
            self.set_initial_step(self.initial_step)
        if previous.velocities is not None:
            self.velocities = [velocity.copy() for velocity in previous.velocities]

    def set_initial_step(self, step):
        """Start the schedule from ``step``, keeping the 'adaptive' reductions
        taken over by ``continue_from``."""
        self.initial_step = step
        self.eta = step * self._reduction

    def step_size(self):
        if self.learning_rate == "invscaling":
            return self.initial_step / (self.t + 1) ** self.power_t
        if self.learning_rate == "adaptive":
            return self.eta
        return self.initial_step

    def decrease_on_plateau(self):
        """Divide the step size ('adaptive'); False once it is too small to go on."""
        if self.learning_rate != "adaptive" or self.eta / ADAPTIVE_DIVISOR < (
            MIN_ADAPTIVE_REDUCTION * self.initial_step
        ):
            return False
        self.eta /= ADAPTIVE_DIVISOR
        return True

    def update(self, params, grads, penalty):
        """One step on ``params`` (``[coef, intercept]``), in place."""
        eta = self.step_size()
        if self.momentum:
            if self.velocities is None:
                self.velocities = [np.zeros_like(p) for p in params]
            for param, velocity, grad in zip(
                params, self.velocities, grads, strict=True
            ):
                velocity *= self.momentum
                velocity -= eta * grad
                if self.nesterov:
                    param += self.momentum * velocity - eta * grad
                else:
                    param += velocity
        else:
            for param, grad in zip(params, grads, strict=True):
                param -= eta * grad
        penalty.proximal_step(params[0], eta)
        self.t += 1


@dataclass
class LinearParams:
    """The weights being trained, updated in place."""

    coef: np.ndarray
    intercept: np.ndarray
    fit_intercept: bool


@dataclass
class WeightedData:
    """Samples, their class indices and their weights (training or validation)."""

    X: object
    y: np.ndarray
    sample_weight: np.ndarray


@dataclass
class TrainingHistory:
    """Per-epoch record of a training run, continued by ``partial_fit``."""

    loss: list = field(default_factory=list)
    validation_loss: list | None = None
    best_loss: float = np.inf
    best_iteration: int = 0


@dataclass
class StoppingRule:
    """What ``fit`` does on a plateau, as MLP's ``_update_no_improvement_count``.

    A plateau is ``n_iter_no_change`` epochs in a row in which the monitored
    loss did not improve on the best so far by ``tol`` (by anything when
    ``tol`` is None). On a plateau the optimizer lowers its step size if its
    schedule can ('adaptive'); otherwise, if the rule ``stops``, training has
    converged.

    Parameters
    ----------
    tol : float or None
    n_iter_no_change : int
    stops : bool
        Whether a plateau ends training (``tol`` or early stopping set), or
        only lowers the 'adaptive' step.
    restore_best : bool
        Early stopping: put back the weights of the best epoch at the end.
    """

    tol: float | None
    n_iter_no_change: int
    stops: bool = True
    restore_best: bool = False
    n_no_improvement: int = 0

    def is_plateau(self, monitored, best_loss):
        """Count this epoch; True when the patience has run out (and restart)."""
        threshold = best_loss - (self.tol or 0.0)
        self.n_no_improvement = (
            self.n_no_improvement + 1 if monitored > threshold else 0
        )
        if self.n_no_improvement >= self.n_iter_no_change:
            self.n_no_improvement = 0
            return True
        return False


#: The weights may not exceed what float32 holds: beyond it, a float64 model
#: is useless anyway, and its scores overflow in float32.
MAX_WEIGHT = float(np.finfo(np.float32).max)


def run_epoch(params, loss, penalty, optimizer, data, batch_size, rng):
    """One shuffled pass of mini-batch updates over ``data``.

    Returns the mean weighted loss of the epoch's mini-batches (before the
    penalty); raises ``FloatingPointError`` with the batch index when a
    mini-batch loss is not finite.
    """
    coef, intercept = params.coef, params.intercept
    X, y, sample_weight = data.X, data.y, data.sample_weight
    n_samples = X.shape[0]
    batch_size = min(batch_size, n_samples)
    weight_mean = float(sample_weight.mean())
    order = rng.permutation(n_samples)
    total = 0.0
    for batch_index, start in enumerate(range(0, n_samples, batch_size)):
        batch = order[start : start + batch_size]
        value, grad_coef, grad_intercept = loss_gradient(
            loss,
            coef,
            intercept,
            X[batch],
            y[batch],
            sample_weight[batch],
            len(batch) * weight_mean,
        )
        if not np.isfinite(value):
            raise FloatingPointError(f"the loss of mini-batch {batch_index} is {value}")
        total += value * len(batch)
        penalty.add_smooth_gradient(coef, grad_coef)
        if params.fit_intercept:
            optimizer.update([coef, intercept], [grad_coef, grad_intercept], penalty)
        else:
            optimizer.update([coef], [grad_coef], penalty)
    return total / n_samples


def _checked_epoch(params, loss, penalty, optimizer, data, batch_size, rng, epoch):
    """``run_epoch``, then the training objective; ``Diverged`` when the loss
    stops being finite or the weights leave the range of float32.

    The mini-batch products are small (128 x 2304 by 2304 x 7 on FER2013):
    BLAS threads cost more to wake than they save, and when the cores are busy
    they wait on each other. One thread made a softmax epoch on FER2013
    Training about 10 times faster on a loaded 2-core machine.
    """
    # Overflow shows up as a non-finite loss or weights, reported as Diverged.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        try:
            with _blas_controller().limit(limits=1, user_api="blas"):
                data_loss = run_epoch(
                    params, loss, penalty, optimizer, data, batch_size, rng
                )
        except FloatingPointError as exc:
            raise Diverged(epoch, str(exc)) from exc
        largest = max(
            np.abs(params.coef).max(), np.abs(params.intercept).max(initial=0)
        )
        if not largest <= MAX_WEIGHT:
            raise Diverged(
                epoch, f"the weights reach {largest:.3g}, beyond the range of float32"
            )
        return data_loss + penalty.value(params.coef)


def _record_validation(history, loss, params, validation):
    """Append the validation loss of this epoch (NaN when there is no validation)."""
    if validation is not None:
        if history.validation_loss is None:
            history.validation_loss = [np.nan] * (len(history.loss) - 1)
        history.validation_loss.append(
            weighted_loss(
                loss,
                params.coef,
                params.intercept,
                validation.X,
                validation.y,
                validation.sample_weight,
            )
        )
    elif history.validation_loss is not None:
        # A partial_fit call without eval_set after one with it: keep the
        # two curves aligned epoch by epoch.
        history.validation_loss.append(np.nan)


def _print_epoch(history, has_validation, optimizer, elapsed):
    line = f"-- Epoch {len(history.loss)}: loss {history.loss[-1]:.6f}"
    if has_validation:
        line += f", validation loss {history.validation_loss[-1]:.6f}"
    line += f", step size {optimizer.step_size():.3g}, {elapsed:.2f} s"
    print(line, flush=True)


def train(
    params,
    loss,
    penalty,
    optimizer,
    history,
    data,
    *,
    n_epochs,
    batch_size,
    rng,
    max_loss=np.inf,
    validation=None,
    stopping=None,
    verbose=0,
):
    """Run up to ``n_epochs`` epochs, recording the loss history in place.

    Parameters
    ----------
    params : LinearParams
        Updated in place.
    loss : a loss of ``_loss``
    penalty : Penalty
    optimizer : SGDOptimizer
        Its schedule and momentum continue from their state; with
        ``eta0='auto'`` and no initial step yet, ``auto_step_size`` of the
        training data sets it.
    history : TrainingHistory
        Appended to, one entry per epoch.
    data : WeightedData
        The training data.
    n_epochs : int
    batch_size : int
    rng : RandomState
        Shuffles the mini-batches.
    max_loss : float
        A training objective above this is divergence, even while finite.
    validation : WeightedData or None
        Its loss is recorded after every epoch.
    stopping : StoppingRule or None
        When to stop before ``n_epochs``; None runs them all (``partial_fit``).
    verbose : int
        Print one line per epoch.

    Returns
    -------
    converged : bool
        Whether the stopping rule ended the training.

    Raises
    ------
    Diverged
        When the training objective exceeds ``max_loss`` or is not finite, or
        the weights leave the range of float32; the state is then partly
        updated, for the caller to discard.
    """
    if optimizer.initial_step is None:
        optimizer.set_initial_step(
            auto_step_size(
                data.X,
                data.sample_weight,
                curvature=loss.curvature,
                l2_strength=penalty.l2_strength,
                fit_intercept=params.fit_intercept,
                batch_size=batch_size,
            )
        )
    best_params = None
    for _ in range(n_epochs):
        started = time.perf_counter()
        epoch = len(history.loss) + 1
        objective = _checked_epoch(
            params, loss, penalty, optimizer, data, batch_size, rng, epoch
        )
        if not objective <= max_loss:
            raise Diverged(
                epoch,
                f"the training loss reaches {objective:.3g} (more than {max_loss:.3g})",
            )
        history.loss.append(objective)
        _record_validation(history, loss, params, validation)
        monitored = (
            history.validation_loss[-1] if validation is not None else history.loss[-1]
        )
        if monitored < history.best_loss:
            history.best_iteration = epoch
            if stopping is not None and stopping.restore_best:
                best_params = (params.coef.copy(), params.intercept.copy())
        if verbose:
            _print_epoch(
                history,
                validation is not None,
                optimizer,
                time.perf_counter() - started,
            )
        converged = (
            stopping is not None
            and stopping.is_plateau(monitored, history.best_loss)
            and not optimizer.decrease_on_plateau()
            and stopping.stops
        )
        history.best_loss = min(history.best_loss, monitored)
        if converged:
            break
    else:
        converged = False
    if best_params is not None:
        params.coef[...], params.intercept[...] = best_params
    return converged
