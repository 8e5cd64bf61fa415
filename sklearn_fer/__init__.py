"""sklearn-fer: facial-expression recognition on FER2013 as scikit-learn estimators.

Subpackages
-----------
datasets
    ``EMOTIONS``, the FER2013 loader and streamer (every public layout),
    synthetic faces (``make_faces``), the Training / PublicTest split.
preprocessing
    ``FER2013Transformer`` (pixel strings to arrays); ``HOGTransformer`` and
    ``PatchKMeansEncoder`` (features for linear models); ``FaceCropper``
    (faces found in photos and cropped as FER2013's).
linear_model
    ``SGDLogisticRegression`` and ``SGDSoftmaxRegression``.
neural_network
    ``ConvNetClassifier``, a small CNN trained by skorch (extra ``cnn``);
    ``ConvNetInference`` (``to_numpy``) predicts with its network on NumPy
    alone, ``export_onnx`` writes it for onnxruntime.
model_selection
    ``compare_estimators``: several models cross-validated on the same folds,
    with the corrected resampled t of Nadeau and Bengio.
metrics
    ``expected_calibration_error``, ``calibration_bins``.
pretrained
    ``load_pretrained``: the models shipped inside the package.
inspection
    Loss curves, weight images, face grids, confusion matrices and
    annotated photos (extra ``plot``).
parallel
    Training on Dask arrays larger than memory (extra ``dask``).
utils
    ``save_model`` / ``load_model`` (skops by default) and ``atomic_write``.

The ``sklearn-fer`` command line (also ``python -m sklearn_fer``) runs the
demo, trains, evaluates, predicts, sweeps and compares models without writing
code.

Heavy optional dependencies (torch, matplotlib, Pillow, OpenCV, dask) are
imported only by the functions that need them, never when this package is
imported.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
