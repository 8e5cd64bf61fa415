"""Weight penalties: ``alpha * (l1_ratio * |w|_1 + (1 - l1_ratio) / 2 * |w|_2^2)``.

This is the parametrisation of scikit-learn's ``SGDClassifier``, so that
``penalty='l2'`` with ``alpha`` matches ``LogisticRegression(C=1 / (alpha * n))``.
The intercept is never penalised. The smooth (L2) part enters the gradient; the
L1 part is applied as a proximal (soft-thresholding) step after each update,
which gives exact zeros instead of weights that oscillate around them.
"""

import numpy as np

L1_RATIOS = {"l2": 0.0, "l1": 1.0, None: 0.0}


class Penalty:
    """Elastic-net penalty on the coefficients.

    Parameters
    ----------
    penalty : {'l2', 'l1', 'elasticnet'} or None
    alpha : float
    l1_ratio : float
        Used only with ``penalty='elasticnet'``.
    """

    def __init__(self, penalty, alpha, l1_ratio):
        self.alpha = 0.0 if penalty is None else float(alpha)
        self.l1_ratio = L1_RATIOS.get(penalty, l1_ratio)

    @property
    def l1_strength(self):
        return self.alpha * self.l1_ratio

    @property
    def l2_strength(self):
        return self.alpha * (1.0 - self.l1_ratio)

    def value(self, coef) -> float:
        value = 0.0
        if self.l2_strength:
            value += 0.5 * self.l2_strength * float(np.vdot(coef, coef))
        if self.l1_strength:
            value += self.l1_strength * float(np.abs(coef).sum())
        return value

    def add_smooth_gradient(self, coef, gradient):
        """Add the gradient of the L2 part to ``gradient`` in place."""
        if self.l2_strength:
            gradient += self.l2_strength * coef

    def subgradient(self, coef):
        """Gradient of the whole penalty (``sign(w)`` for the L1 part at w != 0)."""
        gradient = np.zeros_like(coef)
        self.add_smooth_gradient(coef, gradient)
        if self.l1_strength:
            gradient += self.l1_strength * np.sign(coef)
        return gradient

    def proximal_step(self, coef, step):
        """Soft-threshold ``coef`` in place by ``step * l1_strength``."""
        if self.l1_strength:
            threshold = coef.dtype.type(step * self.l1_strength)
            shrunk = np.abs(coef) - threshold
            np.maximum(shrunk, 0, out=shrunk)
            np.copysign(shrunk, coef, out=coef)
