"""``annotate_faces``: a copy of a photo with its faces boxed and labelled."""

import numpy as np

from ..preprocessing._face_cropper import check_boxes
from ..preprocessing._face_detectors import import_cv2
from ..utils._image_geometry import image_array


def annotate_faces(image, boxes, labels=None, *, color=(0, 200, 0)) -> np.ndarray:
    """Draw a box, and a label above it, around each face of a copy of ``image``.

    Drawn with OpenCV (extra ``faces``), at the image's own resolution: the
    result can be saved as a picture file, e.g. with Pillow's
    ``Image.fromarray(annotated).save(path)``. The input is not modified.

    Parameters
    ----------
    image : array-like of shape (height, width) or (height, width, 3 or 4)
        Grey or RGB(A) image (alpha dropped); uint8, uint16, or float in
        [0, 1].
    boxes : array-like of shape (n_faces, 4)
        ``(x, y, width, height)`` per face, as
        :meth:`~sklearn_fer.preprocessing.FaceCropper.detect` returns them.
    labels : sequence of str, default=None
        One label per box (e.g. the predicted emotion; an empty one, or
        None, draws no label); None draws boxes only.
    color : tuple of 3 int or array-like of shape (n_faces, 3), default=(0, 200, 0)
        RGB colour of the boxes and of the labels' background (the text is
        black): one for all faces, or one per face.

    Returns
    -------
    annotated : ndarray of shape (height, width, 3), dtype uint8
        RGB copy of the image with the annotations.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_fer.inspection import annotate_faces
    >>> photo = np.full((200, 300), 128, dtype=np.uint8)
    >>> annotated = annotate_faces(photo, [[100, 60, 80, 80]], ["happy"])
    >>> annotated.shape, annotated[60, 140].tolist(), annotated[190, 10].tolist()
    ((200, 300, 3), [0, 200, 0], [128, 128, 128])
    """
    cv2 = import_cv2()
    array, to_255 = image_array(image)
    boxes = check_boxes(boxes, array.shape[:2])
    if labels is not None and len(labels) != len(boxes):
        raise ValueError(
            f"labels has {len(labels)} entries for {len(boxes)} boxes: give one "
            "label per box."
        )
    if array.ndim == 2:
        array = array[:, :, None].repeat(3, axis=2)
    if array.dtype == np.uint8:
        annotated = np.ascontiguousarray(array[:, :, :3], dtype=np.uint8).copy()
    else:
        annotated = np.clip(np.rint(array[:, :, :3] * to_255), 0, 255)
        annotated = np.ascontiguousarray(annotated, dtype=np.uint8)
    colors = _colors(color, len(boxes))
    boxes = np.rint(boxes).astype(int)
    for (x, y, w, h), box_color in zip(boxes, colors, strict=True):
        # Lines grow with the face, so that they read on big photos.
        thickness = max(2, round(w / 60))
        cv2.rectangle(annotated, (x, y), (x + w - 1, y + h - 1), box_color, thickness)
    if labels is None:
        return annotated
    # Labels after every box, so that no box's line crosses a label; the
    # largest faces' first, so that their (larger) labels do not hide the
    # labels of the small faces near them.
    for row in np.argsort(-boxes[:, 2], kind="stable"):
        if labels[row] is not None and str(labels[row]):
            _draw_label(cv2, annotated, boxes[row], str(labels[row]), colors[row])
    return annotated


def _colors(color, n_faces):
    """One RGB tuple of int per face, from one colour or one per face."""
    array = np.asarray(color)
    if array.shape == (3,):
        array = np.tile(array, (n_faces, 1))
    if (
        array.shape != (n_faces, 3)
        or not np.issubdtype(array.dtype, np.number)
        or not np.isfinite(array).all()
        or (array < 0).any()
        or (array > 255).any()
    ):
        raise ValueError(
            "color must be one RGB colour (3 numbers in 0-255) or one per box "
            f"({n_faces} x 3), got {np.asarray(color).tolist()!r}."
        )
    return [tuple(int(channel) for channel in row) for row in array]


def _draw_label(cv2, annotated, box, text, color):
    """``text`` in black on ``color`` above ``box`` (inside its top edge where
    there is no room above), moved into the photo where the box leaves it."""
    x, y, w, _ = box
    height, width = annotated.shape[:2]
    font = cv2.FONT_HERSHEY_SIMPLEX
    scale = max(0.4, w / 200)
    text_thickness = max(1, round(scale * 1.5))
    (text_w, text_h), baseline = cv2.getTextSize(text, font, scale, text_thickness)
    label_w, label_h = text_w + 4, text_h + baseline + 4
    top = y - label_h if y - label_h >= 0 else y
    # A box over the photo's border keeps its label in the photo, readable.
    left = min(max(x, 0), max(width - label_w, 0))
    top = min(max(top, 0), max(height - label_h, 0))
    cv2.rectangle(
        annotated, (left, top), (left + label_w, top + label_h), color, cv2.FILLED
    )
    cv2.putText(
        annotated,
        text,
        (left + 2, top + text_h + 2),
        font,
        scale,
        (0, 0, 0),
        text_thickness,
        cv2.LINE_AA,
    )
