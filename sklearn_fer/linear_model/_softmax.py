"""Multinomial (softmax cross-entropy) regression trained by mini-batch SGD."""

from ._base import BaseSGDLinearClassifier
from ._docstrings import ATTRIBUTES_DOC, PARAMETERS_DOC
from ._loss import MultinomialLogLoss


class SGDSoftmaxRegression(BaseSGDLinearClassifier):
    __doc__ = f"""Multinomial logistic (softmax) regression trained by mini-batch SGD.

    One linear score per class, softmax probabilities and cross-entropy
    (computed with ``logsumexp``), minimised by mini-batch stochastic gradient
    descent. Unlike :class:`~sklearn.linear_model.SGDClassifier`, which trains
    one-vs-rest binary models, this is the true multinomial model, the one
    :class:`~sklearn.linear_model.LogisticRegression` fits exactly. It records
    the training and validation loss per epoch and supports ``partial_fit``.

    Read more in the :ref:`User Guide <linear_models_guide>`.

    Parameters
    ----------
    {PARAMETERS_DOC.strip()}

    Attributes
    ----------
    coef_ : ndarray of shape (n_classes, n_features)
        One weight vector per class, also with two classes (the multinomial
        parametrisation; ``decision_function`` then returns the difference of
        the two scores).
    {ATTRIBUTES_DOC.format(n_outputs="n_classes").strip()}

    See Also
    --------
    SGDLogisticRegression : Binary logistic regression by the same engine.
    sklearn.linear_model.LogisticRegression : The same objective, solved exactly.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_fer.linear_model import SGDSoftmaxRegression
    >>> X, y = load_digits(return_X_y=True)
    >>> model = make_pipeline(
    ...     StandardScaler(),
    ...     SGDSoftmaxRegression(batch_size=32, max_iter=30, random_state=0),
    ... )
    >>> round(model.fit(X, y).score(X, y), 2)
    0.96
    >>> model.predict_proba(X[:2]).shape
    (2, 10)
    """

    _loss = MultinomialLogLoss()
