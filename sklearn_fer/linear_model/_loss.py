"""Cross-entropy losses of linear classifiers and their gradients.

Each loss maps raw scores ``raw = X @ coef.T + intercept`` of shape
``(n_samples, n_outputs)`` and integer class indices ``y`` to per-sample losses
and to the gradient of each sample's loss with respect to its raw scores. The
SGD engine weights, averages and back-propagates them to ``coef`` and
``intercept``; keeping the losses this small makes them easy to check against
finite differences.
"""

import numpy as np
from scipy.special import expit


def log_softmax(raw):
    """Row-wise ``raw - logsumexp(raw)`` and ``logsumexp(raw)``, without overflow.

    Written out rather than calling ``scipy.special.logsumexp``: its array-API
    dispatch costs more per call than the whole computation on a mini-batch's
    scores (256 x 7 on FER2013), and it runs once per mini-batch.
    """
    shift = raw.max(axis=1, keepdims=True)
    shifted = raw - shift
    log_norm = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    shifted -= log_norm
    return shifted, (shift + log_norm)[:, 0]


class BinaryLogLoss:
    """Binary cross-entropy of a sigmoid on one raw score per sample.

    ``y`` holds 0 or 1, the index of the class in ``classes_``; the raw score is
    the log-odds of class 1.
    """

    #: Largest second derivative of a sample's loss along its raw scores: the
    #: sigmoid's p (1 - p), at most 1/4. ``eta0='auto'`` bounds the curvature
    #: of the training objective with it.
    curvature = 0.25

    @staticmethod
    def n_outputs(n_classes: int) -> int:
        return 1

    @staticmethod
    def loss_gradient(raw, y):
        z = raw[:, 0]
        # log(1 + exp(z)) - y z, written with logaddexp so that it never overflows.
        loss = np.logaddexp(0, z) - y * z
        gradient = expit(z) - y
        return loss, gradient[:, np.newaxis]

    @staticmethod
    def predict_log_proba(raw):
        z = raw[:, 0]
        return np.column_stack([-np.logaddexp(0, z), -np.logaddexp(0, -z)])

    @staticmethod
    def predict_proba(raw):
        p = expit(raw[:, 0])
        return np.column_stack([1 - p, p])

    @staticmethod
    def decision_function(raw):
        return raw[:, 0]


class MultinomialLogLoss:
    """Softmax cross-entropy on one raw score per class (true multinomial)."""

    #: Largest eigenvalue of a sample's Hessian along its raw scores,
    #: ``diag(p) - p p^T``: at most 1/2 (Böhning 1992, "Multinomial logistic
    #: regression algorithm"), reached when two classes share the
    #: probability equally. scikit-learn's SAG solver takes 1/4 here, the
    #: binary bound, which the softmax's two scores per pair of classes exceed.
    curvature = 0.5

    @staticmethod
    def n_outputs(n_classes: int) -> int:
        return n_classes

    @staticmethod
    def loss_gradient(raw, y):
        rows = np.arange(raw.shape[0])
        log_proba, _ = log_softmax(raw)
        loss = -log_proba[rows, y]
        gradient = np.exp(log_proba, out=log_proba)
        gradient[rows, y] -= 1
        return loss, gradient

    @staticmethod
    def predict_log_proba(raw):
        return log_softmax(raw)[0]

    @classmethod
    def predict_proba(cls, raw):
        return np.exp(cls.predict_log_proba(raw))

    @staticmethod
    def decision_function(raw):
        if raw.shape[1] == 2:
            # Binary convention of scikit-learn: one score, positive for classes_[1].
            return raw[:, 1] - raw[:, 0]
        return raw
