"""Linear classifiers trained by mini-batch SGD, written from the loss up."""

from ._logistic import SGDLogisticRegression
from ._softmax import SGDSoftmaxRegression

__all__ = ["SGDLogisticRegression", "SGDSoftmaxRegression"]
