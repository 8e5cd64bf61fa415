"""Displays for the training history, the learned weights and the faces.

They follow scikit-learn's Display API (``from_estimator``, ``plot(ax=None)``
returning ``self``, ``ax_``, ``figure_``). Matplotlib (extra ``plot``) is
imported only when something is plotted; confusion matrices use scikit-learn's
:class:`~sklearn.metrics.ConfusionMatrixDisplay` with ``display_labels``.
"""

from ._coef_images import CoefImageDisplay
from ._face_grid import FaceGridDisplay
from ._loss_curve import LossCurveDisplay

__all__ = ["CoefImageDisplay", "FaceGridDisplay", "LossCurveDisplay"]
