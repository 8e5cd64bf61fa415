"""sklearn-fer: facial-expression recognition on FER2013 as scikit-learn estimators.

Subpackages
-----------
datasets
    ``EMOTIONS``, the FER2013 loader and streamer, synthetic faces.
preprocessing
    ``FER2013Transformer`` (pixel strings to arrays); ``HOGTransformer`` and
    ``PatchKMeansEncoder`` (features for linear models).
linear_model
    ``SGDLogisticRegression`` and ``SGDSoftmaxRegression``.

Heavy optional dependencies (torch, matplotlib, Pillow) are imported only by
the functions that need them, never when this package is imported.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
