"""Displays for the training history, the learned weights and the faces.

They follow scikit-learn's Display API (``from_estimator``, ``plot(ax=None)``
returning ``self``, ``ax_``, ``figure_``). Matplotlib (extra ``plot``) is
imported only when something is plotted. One label convention: displays take
``display_labels`` (one name per class) and, by default, name FER2013's codes
(integers within 0..6) with the emotions of ``sklearn_fer.datasets.EMOTIONS``.
:func:`confusion_matrix_display` draws scikit-learn's
:class:`~sklearn.metrics.ConfusionMatrixDisplay` normalised over the true
labels; :func:`annotate_faces` (extra ``faces``) boxes and labels the faces of
a photo. :class:`FoldScoresDisplay`, :class:`ScoreVsTimeDisplay` and
:class:`RecallHeatmapDisplay` draw the table of
:func:`sklearn_fer.model_selection.compare_estimators`.
"""

from ._coef_images import CoefImageDisplay
from ._comparison import FoldScoresDisplay, RecallHeatmapDisplay, ScoreVsTimeDisplay
from ._confusion_matrix import confusion_matrix_display
from ._face_boxes import annotate_faces
from ._face_grid import FaceGridDisplay
from ._loss_curve import LossCurveDisplay

__all__ = [
    "CoefImageDisplay",
    "FaceGridDisplay",
    "FoldScoresDisplay",
    "LossCurveDisplay",
    "RecallHeatmapDisplay",
    "ScoreVsTimeDisplay",
    "annotate_faces",
    "confusion_matrix_display",
]
