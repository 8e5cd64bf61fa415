"""The step size of ``eta0='auto'``: safe for any scaling of the inputs.

A fixed ``eta0`` suits one scale of the data only: the curvature of the
objective grows with the square of the inputs, so the step tuned on
standardized pixels (0.01) is 10^5 times too large on pixels of 0-255, and
training overshoots at its first epoch. ``eta0='auto'`` takes the step from the
data, as scikit-learn's SAG solvers do (``sklearn.linear_model._sag.
get_auto_step_size``: ``1 / L``, with ``L`` the Lipschitz constant of the
gradient of one sample's loss), adapted to what this engine runs:

1. **The curvature of a mini-batch objective.** A sample's loss has, along its
   raw scores, a Hessian of largest eigenvalue at most ``c`` (1/4 for the
   sigmoid, 1/2 for the softmax: ``curvature`` of the losses in ``_loss``).
   Along the weights of ``[x, 1]`` (the 1 for the intercept), the sample's
   curvature is at most ``c * ||[x, 1]||^2``, and a mini-batch of ``b``
   samples, weighted as the engine weights them (``s_i / mean(s)``), has
   curvature at most ``c`` times the largest eigenvalue of its weighted
   second-moment matrix. Over the random mini-batches of an epoch that is
   bounded in expectation by the *expected smoothness* of ``b``-sampling
   without replacement (Gower et al., "SGD: general analysis and improved
   rates", ICML 2019, Proposition 3.8)::

       L_b = n (b - 1) / (b (n - 1)) * L_full + (n - b) / (b (n - 1)) * L_max

   with ``L_full`` the largest eigenvalue of the whole data's weighted second
   moment ``sum_i s_i [x_i, 1] [x_i, 1]^T / sum_i s_i`` and ``L_max`` the
   largest ``s_i / mean(s) * ||[x_i, 1]||^2``. For ``b = 1`` this is SAG's
   ``L_max``, for ``b = n`` the full gradient's ``L_full``; in between it
   follows the batch: on standardized FER2013 Training with ``b = 128``, 347,
   where 20 random batches had largest eigenvalues of 320 on average and 376
   at most (``L_max`` is 7,894, ``L_full`` 288). SAG's ``L_max`` alone would
   take steps 20 times smaller than mini-batches allow. The L2 part of the
   penalty adds ``alpha * (1 - l1_ratio)``; the L1 part, a proximal step,
   adds nothing.

2. **Momentum does not change it.** On a quadratic of curvature ``L``,
   gradient descent is stable for steps below ``2 / L``; ``1 / L``, SAG's
   step, is half that edge. Heavy-ball momentum ``beta`` moves the edge to
   ``2 (1 + beta) / L`` and the Nesterov form the engine runs to
   ``2 (1 + beta) / ((1 + 2 beta) L)``, never below ``4 / (3 L)`` (from the
   roots of the two-step recurrence; ``tests/linear_model/test_step_size.py``
   runs the engine's update on both sides of each edge). So::

       eta0_ = 1 / (c * L_b + alpha * (1 - l1_ratio))

   is stable for every ``momentum`` and ``nesterov``, also when
   ``set_params`` changes them between ``partial_fit`` calls that keep the
   step. The larger steps heavy-ball momentum would allow (half its edge,
   ``(1 + beta) / L``) are not taken: momentum already multiplies the step
   along flat directions by ``1 / (1 - beta)``, and the gradient noise with
   it. On FER2013 Training (3-fold cross-validation, pixels standardized)
   half the edge matched the tuned 0.01 for the softmax (accuracy 0.3657
   against 0.3659) but cost the binary model 0.0044 of ROC AUC (0.7531
   against 0.7575); ``1 / L`` costs 0.0022 of accuracy (0.3637, half a
   standard deviation of the folds) and 0.0007 of ROC AUC (0.7568)
   (``python -m benchmarks.bench_linear step``). With the defaults (batches of 128)
   on standardized FER2013 the step is 0.0058 for the softmax and 0.012 for
   the binary model, and 5e-8 on pixels of 0-255.

3. **The schedule** starts from this step and only ever lowers it
   ('invscaling', 'adaptive'), so the bound holds throughout.

The largest eigenvalue comes from the Gram matrix when one side of the data is
small, else from Lanczos iterations (``scipy.sparse.linalg.eigsh``) on at most
``MAX_MOMENT_SAMPLES`` samples: on FER2013 Training, 0.2 s, a fifth of the
time of ``fit``'s 8 epochs.
"""

import numpy as np
import scipy.sparse
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh
from sklearn.utils.extmath import row_norms, safe_sparse_dot

#: The largest eigenvalue of the second moment is estimated on this many
#: samples at most: on FER2013 Training (28,709 faces; standardized, scaled to
#: [0, 1] or raw) three draws came within 1.3% of the whole data's, in 0.2 s
#: instead of 0.9 s. The factor of at least 4/3 to the stability edge covers
#: the difference.
MAX_MOMENT_SAMPLES = 4096
#: Up to this size of the Gram matrix (the smaller of samples and features),
#: its largest eigenvalue is computed exactly; beyond, by Lanczos iterations.
MAX_EXACT_SIZE = 512


def auto_step_size(
    X,
    sample_weight,
    *,
    curvature,
    l2_strength,
    fit_intercept,
    batch_size,
):
    """The initial step of ``eta0='auto'`` (see the module docstring).

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        The training data.
    sample_weight : ndarray of shape (n_samples,)
        Non-negative weights with a positive, finite sum.
    curvature : float
        Bound on the curvature of a sample's loss along its raw scores.
    l2_strength : float
        Strength of the L2 part of the penalty.
    fit_intercept : bool
    batch_size : int

    Returns
    -------
    step : float
        Positive and finite.

    Raises
    ------
    ValueError
        When the squared norms of the samples overflow: no step can be
        computed, and SGD could not train on such data either.
    """
    n_samples = X.shape[0]
    batch_size = min(batch_size, n_samples)
    relative_weight = sample_weight / sample_weight.mean()
    with np.errstate(over="ignore"):
        squared_norms = row_norms(X, squared=True).astype(np.float64) + fit_intercept
        largest_sample = float(np.max(relative_weight * squared_norms))
    if not np.isfinite(largest_sample):
        raise ValueError(
            "eta0='auto' cannot choose a step: the squared norms of the samples "
            f"overflow {X.dtype}. Scale the inputs (for example with "
            "StandardScaler)."
        )
    if n_samples > 1:
        rows = slice(None)
        if n_samples > MAX_MOMENT_SAMPLES:
            # Not the estimator's random_state: drawing from it would change
            # the shuffles of the epochs.
            sample = np.random.RandomState(0).choice(
                n_samples, MAX_MOMENT_SAMPLES, replace=False
            )
            rows = np.sort(sample)
        full = _largest_eigenvalue(X[rows], sample_weight[rows], fit_intercept)
        denominator = batch_size * (n_samples - 1)
        smoothness = (
            n_samples * (batch_size - 1) / denominator * full
            + (n_samples - batch_size) / denominator * largest_sample
        )
    else:
        smoothness = largest_sample
    lipschitz = curvature * smoothness + l2_strength
    if lipschitz == 0:
        # All-zero data, no intercept, no L2: the objective is flat, any step
        # leaves the weights where they are.
        return 1.0
    return float(1 / lipschitz)


def _largest_eigenvalue(X, sample_weight, fit_intercept):
    """Largest eigenvalue of ``sum_i s_i [x_i, 1] [x_i, 1]^T / sum_i s_i``.

    The 1 is there with ``fit_intercept`` only. Computed in float64 for small
    data, in the dtype of ``X`` (no copy) by Lanczos iterations for large data.
    """
    n_samples, n_features = X.shape
    scaled = sample_weight / sample_weight.sum()
    if min(n_samples, n_features + fit_intercept) <= MAX_EXACT_SIZE:
        root = np.sqrt(scaled)
        if n_samples <= n_features + fit_intercept:
            # The n x n Gram matrix of the weighted rows shares the eigenvalues.
            gram = safe_sparse_dot(X, X.T, dense_output=True)
            gram = np.asarray(gram, dtype=np.float64) + fit_intercept
            gram *= root[:, np.newaxis]
            gram *= root[np.newaxis, :]
        else:
            if scipy.sparse.issparse(X):
                rows = scipy.sparse.csr_matrix(X.multiply(root[:, np.newaxis]))
            else:
                rows = X * root.astype(X.dtype)[:, np.newaxis]
            gram = np.asarray(
                safe_sparse_dot(rows.T, rows, dense_output=True), dtype=np.float64
            )
            if fit_intercept:
                column = np.asarray(safe_sparse_dot(rows.T, root)).ravel()
                gram = np.block(
                    [[gram, column[:, np.newaxis]], [column, np.sum(scaled)]]
                )
        return float(np.linalg.eigvalsh(gram)[-1])
    dtype = X.dtype
    weights = scaled.astype(dtype)

    def product(vector):
        vector = np.asarray(vector).ravel()
        scores = safe_sparse_dot(X, vector[:n_features].astype(dtype))
        scores = np.asarray(scores).ravel()
        if fit_intercept:
            scores += dtype.type(vector[-1])
        scores *= weights
        result = np.asarray(safe_sparse_dot(scores, X)).ravel()
        if fit_intercept:
            result = np.append(result, scores.sum())
        return result.astype(np.float64)

    size = n_features + fit_intercept
    operator = LinearOperator((size, size), matvec=product, dtype=np.float64)
    try:
        # A Ritz value never exceeds the eigenvalue; tol=1e-3 puts it within
        # 0.1% of it, a small share of the margin to the stability edge.
        # Lanczos vectors: 8 converge in 9 products on FER2013 (standardized,
        # scaled to [0, 1] or raw), where the default 20 needs 21.
        [value] = eigsh(
            operator,
            k=1,
            which="LA",
            v0=np.ones(size),
            ncv=8,
            tol=1e-3,
            return_eigenvectors=False,
        )
    except ArpackNoConvergence:
        # The trace (the weighted mean squared norm) is never smaller.
        return float(np.dot(scaled, row_norms(X, squared=True)) + fit_intercept)
    return float(value)
