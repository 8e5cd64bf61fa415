"""FER2013 files as Dask arrays, converted chunk by chunk (never loaded whole)."""

import os
import pickle
from pathlib import Path

import dask.array as da
import numpy as np

from ..datasets import iter_fer2013
from ..utils._files import atomic_directory


def _write_info(directory: Path, sizes, shape_tail, dtype):
    """The ``info`` file of Dask's ``to_npy_stack`` layout (blocks along axis 0)."""
    info = {
        "chunks": (tuple(sizes), *((n,) for n in shape_tail)),
        "dtype": dtype,
        "axis": 0,
    }
    with open(directory / "info", "wb") as file:
        pickle.dump(info, file)


def fer2013_to_dask(
    path: str | os.PathLike,
    directory: str | os.PathLike,
    *,
    chunksize: int = 4096,
    usage: str | list[str] | None = None,
    target: str | list[str] = "emotion",
):
    """Convert a FER2013 file into Dask arrays of pixels and labels, by chunks.

    The file (any layout :func:`~sklearn_fer.datasets.load_fer2013` reads,
    compressed or not, however large) is streamed once with
    :func:`~sklearn_fer.datasets.iter_fer2013`; each chunk of faces is written
    to ``directory`` as it comes, in Dask's ``to_npy_stack`` layout
    (``pixels/0.npy``, ``pixels/1.npy``, ... and ``labels/...``), so memory
    holds one chunk at a time. The returned arrays read those files lazily
    (memory-mapped), one block per chunk, ready for
    :func:`~sklearn_fer.parallel.fit_dask`. The directory is written under a
    temporary name and renamed when complete: an interrupted conversion leaves
    no half-written directory. Reopen it later with
    ``dask.array.from_npy_stack(directory / "pixels")``. Workers on other
    machines need ``directory`` on a file system they share.

    Read more in the :ref:`User Guide <out_of_core_guide>`.

    Parameters
    ----------
    path : str or path-like
        The FER2013 file or image folder.
    directory : str or path-like
        Where to write the arrays; must not exist yet.
    chunksize : int, default=4096
        Faces per block (a 4096-face block is 9 MiB of uint8 pixels).
    usage, target
        As in :func:`~sklearn_fer.datasets.load_fer2013`.

    Returns
    -------
    X : dask.array.Array of shape (n_faces, 2304), dtype uint8
    y : dask.array.Array of shape (n_faces,), or None for a file without labels

    Examples
    --------
    >>> from pathlib import Path
    >>> from tempfile import mkdtemp
    >>> from sklearn_fer.parallel import fer2013_to_dask
    >>> path = Path(mkdtemp()) / "train.csv"
    >>> rows = [f'{i % 7},"{" ".join(["7"] * 2304)}"' for i in range(10)]
    >>> _ = path.write_text("emotion,pixels\\n" + "\\n".join(rows) + "\\n")
    >>> X, y = fer2013_to_dask(path, path.parent / "arrays", chunksize=4)
    >>> X.chunks[0], y[-3:].compute().tolist()
    ((4, 4, 2), [0, 1, 2])
    """
    directory = Path(directory)
    if directory.exists():
        raise FileExistsError(
            f"{directory} exists already; give a new directory (or reopen the "
            f"arrays with dask.array.from_npy_stack('{directory}/pixels'))."
        )
    with atomic_directory(directory) as staging:
        pixels_dir, labels_dir = staging / "pixels", staging / "labels"
        pixels_dir.mkdir()
        sizes, has_labels, labels_dtype = [], True, None
        for index, (X, y) in enumerate(
            iter_fer2013(path, chunksize=chunksize, usage=usage, target=target)
        ):
            np.save(pixels_dir / f"{index}.npy", X)
            if y is None:
                has_labels = False
            else:
                labels_dir.mkdir(exist_ok=True)
                np.save(labels_dir / f"{index}.npy", y)
                labels_dtype = y.dtype
            sizes.append(len(X))
        if not sizes:
            raise ValueError(f"{path} holds no faces for usage={usage!r}.")
        _write_info(pixels_dir, sizes, (X.shape[1],), np.dtype(np.uint8))
        if has_labels:
            _write_info(labels_dir, sizes, (), labels_dtype)
    X = da.from_npy_stack(directory / "pixels", mmap_mode="r")
    y = da.from_npy_stack(directory / "labels", mmap_mode="r") if has_labels else None
    return X, y
