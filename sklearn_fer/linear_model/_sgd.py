"""The mini-batch SGD engine shared by every linear estimator of sklearn-fer.

The model is ``raw = X @ coef.T + intercept``; a loss from ``_loss`` turns raw
scores into per-sample losses and their gradients, and a ``Penalty`` adds the
regularisation. The objective, for sample weights ``s`` (class weights
included), is::

    sum_i s_i * loss_i / sum_i s_i + penalty(coef)

A mini-batch ``B`` estimates its gradient without bias as
``sum_{i in B} s_i * grad loss_i / (|B| * mean(s))``, so rescaling all weights
by a constant changes nothing, as for ``LogisticRegression``.
"""

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.extmath import safe_sparse_dot

#: Training stops with learning_rate='adaptive' once the step size falls below this.
MIN_ADAPTIVE_STEP = 1e-6
#: Factor by which learning_rate='adaptive' divides the step size on a plateau.
ADAPTIVE_DIVISOR = 5.0


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


class SGDOptimizer:
    """Step-size schedule and momentum state of mini-batch SGD.

    It lives on a fitted estimator between calls to ``partial_fit``, so that
    the schedule and the momentum continue where the previous call left them.

    Parameters
    ----------
    learning_rate : {'constant', 'invscaling', 'adaptive'}
    eta0 : float
        Initial step size.
    power_t : float
        Exponent of 'invscaling': ``eta = eta0 / (t + 1) ** power_t``, with ``t``
        the number of updates already made.
    momentum : float
        Heavy-ball momentum in ``[0, 1)``.
    nesterov : bool
        Use Nesterov's momentum (as scikit-learn's MLP does).
    """

    def __init__(self, learning_rate, eta0, power_t, momentum, nesterov):
        self.learning_rate = learning_rate
        self.eta0 = eta0
        self.power_t = power_t
        self.momentum = momentum
        self.nesterov = nesterov
        self.t = 0
        self.eta = eta0
        self.velocities = None

    def step_size(self):
        if self.learning_rate == "invscaling":
            return self.eta0 / (self.t + 1) ** self.power_t
        return self.eta

    def decrease_on_plateau(self):
        """Divide the step size ('adaptive'); False once it is too small to go on."""
        if self.learning_rate != "adaptive" or self.eta / ADAPTIVE_DIVISOR < (
            MIN_ADAPTIVE_STEP
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
class TrainingHistory:
    """Per-epoch record of a training run, continued by ``partial_fit``."""

    loss: list = field(default_factory=list)
    validation_loss: list | None = None
    best_loss: float = np.inf
    best_iteration: int = 0
    n_no_improvement: int = 0


@dataclass
class ValidationSet:
    X: object
    y: np.ndarray
    sample_weight: np.ndarray


def run_epoch(model, loss, penalty, optimizer, X, y, sample_weight, batch_size, rng):
    """One shuffled pass of mini-batch updates over ``X``.

    Returns the mean weighted loss of the epoch's mini-batches (before the
    penalty); raises ``FloatingPointError`` with the batch index when a
    mini-batch loss is not finite.
    """
    coef, intercept, fit_intercept = model
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
            raise FloatingPointError(f"mini-batch {batch_index}: loss is {value}")
        total += value * len(batch)
        penalty.add_smooth_gradient(coef, grad_coef)
        if fit_intercept:
            optimizer.update([coef, intercept], [grad_coef, grad_intercept], penalty)
        else:
            optimizer.update([coef], [grad_coef], penalty)
    return total / n_samples


def train(
    estimator,
    model,
    loss,
    penalty,
    optimizer,
    history,
    X,
    y,
    sample_weight,
    *,
    n_epochs,
    rng,
    validation=None,
    stopping=False,
):
    """Run up to ``n_epochs`` epochs, recording the loss history in place.

    Parameters
    ----------
    estimator : the estimator being fitted; read for ``batch_size``, ``tol``,
        ``n_iter_no_change``, ``early_stopping``, ``eta0``, ``verbose`` and the
        class name in messages.
    model : tuple ``(coef, intercept, fit_intercept)``, updated in place.
    validation : ValidationSet or None
        Its loss is recorded after every epoch.
    stopping : bool
        Apply the convergence test (``tol``, ``n_iter_no_change``), early
        stopping and the 'adaptive' schedule; False for ``partial_fit``.
    """
    coef, intercept, _ = model
    tol = estimator.tol
    early_stopping = stopping and estimator.early_stopping and validation is not None
    best_params = None
    converged = False
    epochs_before = len(history.loss)
    for epoch in range(1, n_epochs + 1):
        started = time.perf_counter()
        try:
            # Overflow shows up as a non-finite loss, reported below with advice.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                data_loss = run_epoch(
                    model,
                    loss,
                    penalty,
                    optimizer,
                    X,
                    y,
                    sample_weight,
                    estimator.batch_size,
                    rng,
                )
            finite = np.isfinite(coef).all() and np.isfinite(intercept).all()
        except FloatingPointError as exc:
            data_loss, finite, detail = np.nan, False, f" ({exc})"
        else:
            detail = ""
        if not finite:
            raise ValueError(
                f"{type(estimator).__name__} diverged at epoch "
                f"{epochs_before + epoch}{detail}: the loss or the weights are no "
                f"longer finite. Use a smaller eta0 (now {estimator.eta0:g}), "
                "learning_rate='adaptive', or standardize the inputs (for "
                "example with StandardScaler)."
            )
        history.loss.append(data_loss + penalty.value(coef))
        if validation is not None:
            if history.validation_loss is None:
                history.validation_loss = [np.nan] * (len(history.loss) - 1)
            history.validation_loss.append(
                weighted_loss(
                    loss,
                    coef,
                    intercept,
                    validation.X,
                    validation.y,
                    validation.sample_weight,
                )
            )
        elif history.validation_loss is not None:
            # A partial_fit call without eval_set after one with it: keep the
            # two curves aligned epoch by epoch.
            history.validation_loss.append(np.nan)
        monitored = (
            history.validation_loss[-1] if validation is not None else history.loss[-1]
        )
        if monitored < history.best_loss:
            history.best_iteration = len(history.loss)
            if early_stopping:
                best_params = (coef.copy(), intercept.copy())
        if estimator.verbose:
            line = f"-- Epoch {len(history.loss)}: loss {history.loss[-1]:.6f}"
            if validation is not None:
                line += f", validation loss {history.validation_loss[-1]:.6f}"
            elapsed = time.perf_counter() - started
            line += f", step size {optimizer.step_size():.3g}, {elapsed:.2f} s"
            print(line, flush=True)
        if stopping and (tol is not None or early_stopping):
            threshold = history.best_loss - (tol or 0.0)
            history.n_no_improvement = (
                history.n_no_improvement + 1 if monitored > threshold else 0
            )
            if history.n_no_improvement >= estimator.n_iter_no_change:
                history.n_no_improvement = 0
                converged = not optimizer.decrease_on_plateau()
        history.best_loss = min(history.best_loss, monitored)
        if converged:
            break
    if best_params is not None:
        coef[...], intercept[...] = best_params
    if stopping and not converged and tol is not None:
        warnings.warn(
            f"{type(estimator).__name__} reached max_iter={n_epochs} epochs "
            "before the loss stopped improving by tol; increase max_iter, or "
            "tol to stop earlier.",
            ConvergenceWarning,
            stacklevel=3,
        )
