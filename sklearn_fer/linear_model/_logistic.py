"""Binary logistic regression trained by mini-batch SGD."""

from ._base import BaseSGDLinearClassifier
from ._docstrings import ATTRIBUTES_DOC, PARAMETERS_DOC
from ._loss import BinaryLogLoss


class SGDLogisticRegression(BaseSGDLinearClassifier):
    __doc__ = f"""Binary logistic regression trained by mini-batch SGD.

    Sigmoid of a linear score and binary cross-entropy, minimised by mini-batch
    stochastic gradient descent with momentum, a step-size schedule and an
    optional held-out validation loss per epoch. Made for happy-vs-rest on
    FER2013 pixels; for more classes use :class:`SGDSoftmaxRegression` or wrap
    this estimator in :class:`~sklearn.multiclass.OneVsRestClassifier`.

    Read more in the :ref:`User Guide <linear_models_guide>`.

    Parameters
    ----------
    {PARAMETERS_DOC.strip()}

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features)
        Weights; a positive score means ``classes_[1]``.
    {ATTRIBUTES_DOC.format(n_outputs=1).strip()}

    See Also
    --------
    SGDSoftmaxRegression : Multinomial (softmax) regression by the same engine.
    sklearn.linear_model.LogisticRegression : The same objective, solved exactly.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_fer.linear_model import SGDLogisticRegression
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = make_pipeline(
    ...     StandardScaler(),
    ...     SGDLogisticRegression(batch_size=32, max_iter=30, random_state=0),
    ... )
    >>> round(model.fit(X, y).score(X, y), 2)
    0.99
    >>> len(model[-1].loss_curve_) == model[-1].n_iter_
    True
    """

    _loss = BinaryLogLoss()

    def _check_n_classes(self, classes):
        super()._check_n_classes(classes)
        if len(classes) > 2:
            raise ValueError(
                "Only binary classification is supported by SGDLogisticRegression; "
                f"got {len(classes)} classes. Use SGDSoftmaxRegression for a "
                "multinomial model, or OneVsRestClassifier(SGDLogisticRegression())."
            )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags
