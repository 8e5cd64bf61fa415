"""Linear classifiers trained by mini-batch SGD, written from the loss up, and
the meta-estimator that trains them on features made chunk by chunk."""

from ._logistic import SGDLogisticRegression
from ._softmax import SGDSoftmaxRegression
from ._streaming import StreamingFeatureClassifier

__all__ = [
    "SGDLogisticRegression",
    "SGDSoftmaxRegression",
    "StreamingFeatureClassifier",
]
