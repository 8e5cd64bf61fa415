"""Loading and streaming FER2013 in its CSV layouts and its image-folder release.

A CSV file (plain, gzip or zip) is read in blocks of whole lines; each block is
split into fields and its pixel strings parsed by ``parse_pixel_rows`` in a
worker thread, while the main thread reads and decompresses the next block
(both ``zlib`` and NumPy's parser release the GIL). ``load_fer2013``
concatenates the blocks; ``iter_fer2013`` hands them out in fixed-size chunks,
so its memory stays bounded whatever the file size.
"""

import contextlib
import gzip
import os
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ..utils._files import open_regular
from ..utils._parallel import ordered_thread_map
from ._cache import is_unchanged, read_cached, source_identity, write_cached
from ._emotions import EMOTIONS, USAGES, emotion_codes
from ._images import iter_folder_records
from ._pixels import (
    IMAGE_SHAPE,
    MIN_PIXEL_CHARS,
    N_PIXELS,
    parse_pixel_rows,
    pixel_feature_names,
    shorten,
)

#: Decompressed bytes per parse block: about 1000 faces.
BLOCK_BYTES = 8 << 20
_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"
_HAPPY = EMOTIONS.index("happy")
#: Longest line read: a valid one holds 2304 values of at most 3 digits in some
#: 9.3 kB, so this bounds the memory spent on a file that is not FER2013.
MAX_LINE_BYTES = 64 << 10
#: Lines too short to hold a face (blank ones) read beyond those that may hold
#: one: bounds the work on a file of empty lines (a 2 MB zip holds 2 GiB).
MAX_SHORT_LINES = 10_000
#: What a damaged or unreadable compressed file raises while it is read.
_READ_ERRORS = (OSError, EOFError, RuntimeError, zlib.error, zipfile.BadZipFile)

DESCR = """\
FER2013 facial-expression data set
----------------------------------

48 x 48 grayscale faces, each labelled with one of seven emotions
(0 angry, 1 disgust, 2 fear, 3 happy, 4 sad, 5 surprise, 6 neutral), in three
splits: Training (28,709 faces), PublicTest (3,589) and PrivateTest (3,589).
Introduced by Pierre-Luc Carrier and Aaron Courville for the ICML 2013
"Challenges in Representation Learning" facial-expression challenge.

Loaded from: {source} ({layout} layout), {n_samples} faces, target={target!r}.
"""


@dataclass
class _Records:
    """Faces parsed from one block of a file, in file order."""

    pixels: np.ndarray
    emotion: np.ndarray | None
    usage: np.ndarray | None


@dataclass
class _CSVLayout:
    name: str
    n_fields: int
    pixels: int
    emotion: int | None
    usage: int | None
    default_usage: str | None


# -- reading files --------------------------------------------------------------


def _open_source(path: Path):
    """The FER2013 file at ``path``, opened: a regular file, or an error naming it."""
    try:
        return open_regular(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"No FER2013 file or folder at {path}.") from None


def _open_decompressed(file, path: Path):
    """Binary stream of the CSV text inside ``file`` (plain, gzip or zip).

    ``file`` is the opened ``path``; the caller closes it, after the stream.
    """
    magic = file.read(4)
    file.seek(0)
    if magic.startswith(_GZIP_MAGIC):
        return gzip.GzipFile(fileobj=file, mode="rb")
    if magic != _ZIP_MAGIC:
        return file
    try:
        archive = zipfile.ZipFile(file)
    except (*_READ_ERRORS, NotImplementedError) as exc:
        raise ValueError(f"Cannot read {path} as a zip archive: {exc}") from exc
    members = [
        info.filename
        for info in archive.infolist()
        if not info.is_dir() and info.filename.lower().endswith(".csv")
    ]
    if len(members) != 1:
        raise ValueError(
            f"{path} is a zip archive with {len(members)} CSV files "
            f"({members[:5]}); expected exactly one FER2013 CSV."
        )
    try:
        return archive.open(members[0])
    except (*_READ_ERRORS, NotImplementedError) as exc:
        raise ValueError(f"Cannot read {members[0]} in {path}: {exc}") from exc


def _detect_layout(header: bytes, path: Path) -> _CSVLayout:
    text = header.decode("utf-8-sig", errors="replace").rstrip("\r\n")
    names = [name.strip().strip('"').strip().lower() for name in text.split(",")]
    if "pixels" not in names or len(set(names)) != len(names):
        raise ValueError(
            f"{path} is not a FER2013 CSV: its header is {text[:80]!r}. Expected "
            "the columns of fer2013.csv (emotion,pixels,Usage), "
            "icml_face_data.csv (emotion, Usage, pixels), the challenge's "
            "train.csv (emotion,pixels) or test.csv (pixels), or a folder with "
            "train/ and test/ image sub-folders."
        )
    unknown = set(names) - {"emotion", "pixels", "usage"}
    if unknown:
        raise ValueError(
            f"{path}: unexpected column(s) {sorted(unknown)} in header {text[:80]!r}; "
            "a FER2013 CSV has only emotion, pixels and Usage."
        )
    has_usage = "usage" in names
    has_emotion = "emotion" in names
    if has_emotion and has_usage:
        name = "icml_face_data" if text.startswith("emotion, ") else "fer2013"
    else:
        name = "train" if has_emotion else "test"
    stem = path.name.lower()
    default_usage = "Training" if not has_usage and stem.startswith("train") else None
    return _CSVLayout(
        name=name,
        n_fields=len(names),
        pixels=names.index("pixels"),
        emotion=names.index("emotion") if has_emotion else None,
        usage=names.index("usage") if has_usage else None,
        default_usage=default_usage,
    )


def _read_header_and_blocks(file, path: Path):
    """The layout, and an iterator of ``(first_line_number, block)`` of whole lines.

    Reads the opened ``path``, ``file``. The work on lines too short to hold a
    face (blank ones) is bounded, as the length of a line is: past
    ``MAX_SHORT_LINES`` more of them than lines that may hold a face, the
    file is refused before they are split.
    """
    stream = _open_decompressed(file, path)
    try:
        header = stream.readline(MAX_LINE_BYTES + 1)
    except _READ_ERRORS as exc:
        stream.close()
        raise ValueError(f"Cannot read {path}: {exc}") from exc
    if not header.strip():
        stream.close()
        raise ValueError(f"{path} is empty: no header line, no faces.")
    if len(header) > MAX_LINE_BYTES:
        stream.close()
        raise ValueError(
            f"{path} is not a FER2013 CSV: its first line is longer than "
            f"{MAX_LINE_BYTES:,} bytes (it starts {header[:40]!r})."
        )
    try:
        layout = _detect_layout(header, path)
    except ValueError:
        stream.close()
        raise

    def check_short_lines(block, line_number, counts):
        # A line holding a face is at least MIN_PIXEL_CHARS long: the lines
        # beyond what the block's length can hold are blank or malformed.
        n_lines = block.count(b"\n") + (not block.endswith(b"\n"))
        may_be_faces = min(n_lines, len(block) // MIN_PIXEL_CHARS + 1)
        counts[0] += n_lines - may_be_faces
        counts[1] += may_be_faces
        if counts[0] > MAX_SHORT_LINES + counts[1]:
            raise ValueError(
                f"{path}: over {counts[0]:,} blank or short lines by line "
                f"{line_number + n_lines:,}, more than the lines that may hold "
                f"a face ({counts[1]:,}) and {MAX_SHORT_LINES:,} more; a FER2013 "
                "file holds one face per line. Not read further."
            )

    def blocks():
        line_number = 2
        tail = b""
        counts = [0, 0]  # lines too short for a face, lines that may hold one
        # The decompressing stream is closed here; the file by its opener.
        with stream if stream is not file else contextlib.nullcontext():
            while True:
                try:
                    chunk = stream.read(BLOCK_BYTES)
                except _READ_ERRORS as exc:
                    raise ValueError(
                        f"Cannot read {path} past line {line_number}: {exc}"
                    ) from exc
                if not chunk:
                    break
                cut = chunk.rfind(b"\n") + 1
                if cut == 0:
                    tail += chunk
                    if len(tail) > MAX_LINE_BYTES:
                        raise ValueError(
                            f"{path}, line {line_number}: longer than "
                            f"{MAX_LINE_BYTES:,} bytes; a FER2013 line holds "
                            "one face, at most some 9.3 kB."
                        )
                    continue
                block, tail = tail + chunk[:cut], chunk[cut:]
                check_short_lines(block, line_number, counts)
                yield line_number, block
                line_number += block.count(b"\n")
        if tail:
            check_short_lines(tail, line_number, counts)
            yield line_number, tail

    return layout, blocks()


def _unquote(value: bytes) -> bytes:
    """A field's value without surrounding spaces and one pair of quotes."""
    value = value.strip(b" ")
    if len(value) >= 2 and value[:1] == value[-1:] == b'"':
        return value[1:-1]
    return value


def _parse_block(first_line: int, block: bytes, layout: _CSVLayout, source: str):
    """Split a block of CSV lines into fields and parse them."""
    pixel_fields, emotions, usages, line_numbers, problems = [], [], [], [], []
    for offset, line in enumerate(block.split(b"\n")):
        line = line.rstrip(b"\r")
        if not line.strip():
            continue
        line_number = first_line + offset
        if len(line) > MAX_LINE_BYTES:
            problems.append(
                f"line {line_number}: {len(line):,} bytes, longer than any "
                f"FER2013 line (at most {MAX_LINE_BYTES:,} read)"
            )
            continue
        fields = line.split(b",")
        if len(fields) != layout.n_fields:
            problems.append(
                f"line {line_number}: {len(fields)} fields, expected {layout.n_fields}"
            )
            continue
        line_numbers.append(line_number)
        pixel_fields.append(_unquote(fields[layout.pixels]))
        if layout.emotion is not None:
            token = _unquote(fields[layout.emotion])
            code = int(token) if token.isdigit() and len(token) <= 2 else -1
            if not 0 <= code < len(EMOTIONS):
                problems.append(
                    f"line {line_number}: emotion {shorten(token)} "
                    f"is not a code 0-{len(EMOTIONS) - 1}"
                )
            emotions.append(code)
        if layout.usage is not None:
            usage = _unquote(fields[layout.usage]).decode(errors="replace")
            if usage not in USAGES:
                problems.append(
                    f"line {line_number}: Usage {shorten(usage)} is not "
                    f"one of {list(USAGES)}"
                )
            usages.append(usage)
    if problems:
        plural = "s" if len(problems) > 1 else ""
        shown = " (the first 5)" if len(problems) > 5 else ""
        raise ValueError(
            f"{source}: {len(problems)} malformed line{plural} in the block from "
            f"line {first_line}{shown}: " + "; ".join(problems[:5]) + "."
        )
    pixels = parse_pixel_rows(
        pixel_fields, lambda i: f"{source}, line {line_numbers[i]}"
    )
    n_rows = len(pixel_fields)
    emotion = np.array(emotions, dtype=np.int8) if layout.emotion is not None else None
    if layout.usage is not None:
        usage = np.array(usages, dtype=object)
    elif layout.default_usage is not None:
        usage = np.full(n_rows, layout.default_usage, dtype=object)
    else:
        usage = None
    return _Records(pixels, emotion, usage)


def _iter_csv_records(file, path: Path):
    layout, blocks = _read_header_and_blocks(file, path)
    source = path.name
    records = ordered_thread_map(
        _parse_block, ((first, block, layout, source) for first, block in blocks)
    )
    return layout.name, records


def _closing(records, file):
    """``records``, then ``file`` closed (when they end, or are closed)."""
    with file:
        yield from records


def _iter_records(path, file=None):
    """The layout name and an iterator of ``_Records`` of the file or folder.

    Reads ``file`` (the opened ``path``) when given; else opens ``path``, and
    closes it when the iterator ends.
    """
    path = Path(path)
    if file is None and path.is_dir():
        layout, blocks = iter_folder_records(path)
        return layout, (_Records(*block) for block in blocks)
    if file is not None:
        return _iter_csv_records(file, path)
    file = _open_source(path)
    try:
        layout, records = _iter_csv_records(file, path)
    except BaseException:
        file.close()
        raise
    return layout, _closing(records, file)


def _concatenated(blocks) -> _Records:
    if not blocks:  # with empty labels, so that the error says "no faces"
        return _Records(
            np.empty((0, N_PIXELS), np.uint8), np.empty(0, np.int8), np.empty(0, object)
        )
    return _Records(
        np.concatenate([block.pixels for block in blocks]),
        None
        if blocks[0].emotion is None
        else np.concatenate([block.emotion for block in blocks]),
        None
        if blocks[0].usage is None
        else np.concatenate([block.usage for block in blocks]),
    )


def _read_all_records(path: Path, data_home, cache: bool):
    """The layout and all the faces of ``path``, from the cache if it has them.

    The cache key (the file's size, modification time, inode and first MiB)
    is taken from the opened file before it is parsed, and the faces are
    cached only if the file at ``path`` is still that one afterwards: a file
    replaced or changed while it was parsed is never cached under a key that
    is not its own.
    """
    if path.is_dir():
        layout, blocks = _iter_records(path)
        return layout, _concatenated(list(blocks))
    with _open_source(path) as file:
        identity = source_identity(file, path) if cache else None
        if identity is not None:
            cached = read_cached(identity, data_home)
            if cached is not None:
                layout, pixels, emotion, usage = cached
                return layout, _Records(pixels, emotion, usage)
        layout, blocks = _iter_records(path, file)
        records = _concatenated(list(blocks))
        cacheable = identity is not None and len(records.pixels)
        if cacheable and is_unchanged(identity, file, path):
            write_cached(
                identity,
                data_home,
                layout,
                records.pixels,
                records.emotion,
                records.usage,
            )
    return layout, records


# -- targets and splits --------------------------------------------------------


@dataclass
class _Selection:
    """Which faces to keep and how to label them."""

    usages: tuple | None
    kept_codes: list | None
    label_of_code: np.ndarray
    target_names: np.ndarray
    target_name: str
    # Faces read, in the selected splits and kept, and the splits of blocks
    # without any selected one: what to say when nothing is kept.
    n_read: int = 0
    n_in_usages: int = 0
    n_kept: int = 0
    other_usages: set = field(default_factory=set)

    def apply(self, records: _Records, source: str):
        keep = np.ones(len(records.pixels), dtype=bool)
        self.n_read += len(keep)
        if self.usages is not None:
            if records.usage is None:
                raise ValueError(
                    f"{source} has no Usage column and its name does not tell "
                    f"the split, so usage={list(self.usages)} cannot be selected."
                )
            keep &= np.isin(records.usage, self.usages)
            if not keep.any():
                self.other_usages.update(np.unique(records.usage).tolist())
        self.n_in_usages += int(np.count_nonzero(keep))
        if records.emotion is None:
            if self.kept_codes is not None or self.target_name != "emotion":
                raise ValueError(
                    f"{source} has no emotion labels (the challenge's test.csv "
                    "layout), so only target='emotion' (giving target=None) works."
                )
            self.n_kept += int(np.count_nonzero(keep))
            return keep, None
        if self.kept_codes is not None:
            keep &= np.isin(records.emotion, self.kept_codes)
        self.n_kept += int(np.count_nonzero(keep))
        return keep, self.label_of_code[records.emotion[keep]]

    def check_not_empty(self, source: str, layout: str):
        """Raise if no face was kept, saying why, rather than return no data."""
        if self.n_kept:
            return
        if not self.n_read:
            found = "no images" if layout == "image-folder" else "only a header"
            raise ValueError(f"{source} holds no faces: {found}.")
        if not self.n_in_usages:
            raise ValueError(
                f"{source} has no faces with usage={list(self.usages)}: its "
                f"{self.n_read} faces are in {sorted(self.other_usages)}."
            )
        in_usages = "" if self.usages is None else f" with usage={list(self.usages)}"
        raise ValueError(
            f"{source} has no faces of the emotions {self.target_names.tolist()} "
            f"among its {self.n_in_usages} faces{in_usages}."
        )


def _selection(usage, target) -> _Selection:
    if usage is not None:
        usages = (usage,) if isinstance(usage, str) else tuple(usage)
        unknown = [u for u in usages if u not in USAGES]
        if unknown or not usages:
            raise ValueError(
                f"usage={usage!r}: each split must be one of {list(USAGES)}."
            )
    else:
        usages = None
    if isinstance(target, str):
        if target == "emotion":
            return _Selection(
                usages, None, np.arange(len(EMOTIONS)), np.array(EMOTIONS), "emotion"
            )
        if target == "happy":
            label = (np.arange(len(EMOTIONS)) == _HAPPY).astype(np.int64)
            return _Selection(
                usages, None, label, np.array(["not happy", "happy"]), "happy"
            )
        raise ValueError(
            f"target={target!r}: use 'emotion' (7 classes), 'happy' (happy vs "
            "not happy) or a list of emotion names such as ['happy', 'neutral', "
            "'sad'] (keeps those faces only)."
        )
    codes = emotion_codes(target)
    if len(codes) < 2:
        raise ValueError(f"target={target!r}: a subset needs at least 2 emotions.")
    label = np.full(len(EMOTIONS), -1, dtype=np.int64)
    label[codes] = np.arange(len(codes))
    return _Selection(
        usages, codes, label, np.array([EMOTIONS[c] for c in codes]), "emotion"
    )


# -- public API ------------------------------------------------------------------


def load_fer2013(
    path: str | os.PathLike,
    *,
    usage: str | list[str] | None = None,
    target: str | list[str] = "emotion",
    as_frame: bool = False,
    return_X_y: bool = False,
    data_home: str | os.PathLike | None = None,
    cache: bool = True,
):
    """Load FER2013 from any of its public layouts.

    The layout is detected from the file's header (or from the folder's
    structure): ``fer2013.csv`` (``emotion,pixels,Usage``),
    ``icml_face_data.csv`` (``emotion, Usage, pixels``), the challenge's
    ``train.csv`` (``emotion,pixels``) and ``test.csv`` (``pixels``), each
    plain, gzip-compressed or zipped; or the image-folder release
    (``train/<emotion>/*.jpg``, ``test/<emotion>/PublicTest_*.jpg`` ...; needs
    the ``images`` extra). No checksum is required: re-encoded copies are
    common. Every row is validated instead (2304 integers 0-255, emotion codes
    0-6, known splits), and an error names the offending lines.

    Read more in the :ref:`User Guide <data_guide>`.

    Parameters
    ----------
    path : str or path-like
        A FER2013 CSV file (``.csv``, ``.csv.gz`` or ``.zip``) or an image folder.
    usage : {'Training', 'PublicTest', 'PrivateTest'} or list of them, default=None
        Keep only these splits; None keeps all. A file without a ``Usage``
        column counts as Training when its name starts with "train".
    target : 'emotion', 'happy' or list of str, default='emotion'
        ``'emotion'``: the 7 codes, ``target_names`` = ``EMOTIONS``.
        ``'happy'``: 1 for happy, 0 otherwise. A list of emotion names (for
        example ``['happy', 'neutral', 'sad']``) keeps only those faces and
        numbers them in the list's order.
    as_frame : bool, default=False
        Return ``data`` as a DataFrame (columns ``pixel_0`` ...), ``target`` as a
        Series, and ``frame`` with both and the usage.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    data_home : str or path-like, default=None
        Where to cache the parsed faces of a CSV file, as in scikit-learn's
        fetchers: by default ``~/scikit_learn_data`` or ``$SCIKIT_LEARN_DATA``
        (see :func:`sklearn.datasets.get_data_home`). The cache lives in its
        ``sklearn_fer/fer2013`` sub-folder.
    cache : bool, default=True
        Load the faces of a CSV file from the cache when it has them for the
        file as it is now (same path, size, modification time and first MiB),
        and store them there after parsing it; a damaged entry is ignored and
        rewritten. False reads and parses the file, and writes nothing.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : ndarray of shape (n_samples, 2304), dtype uint8
            One flattened face per row.
        images : ndarray of shape (n_samples, 48, 48), dtype uint8
            The same faces as images: a view of ``data``, not a copy.
        target : ndarray of shape (n_samples,) or None
            None for a file without labels.
        target_names : ndarray of str
            The name of each target code.
        usage : ndarray of str of shape (n_samples,) or None
            Each face's split.
        feature_names : ndarray of str
            ``pixel_0`` ... ``pixel_2303``.
        frame : DataFrame
            Only with ``as_frame=True``: pixels, target and usage together.
        DESCR : str
            A description of the data set and of where it was loaded from.
    (data, target) : tuple
        With ``return_X_y=True``.

    See Also
    --------
    iter_fer2013 : The same faces in bounded-memory chunks, for ``partial_fit``.
    make_faces : Synthetic faces in the same format, no download needed.

    Examples
    --------
    >>> from pathlib import Path
    >>> from tempfile import mkdtemp
    >>> from sklearn_fer.datasets import load_fer2013
    >>> path = Path(mkdtemp()) / "fer2013.csv"
    >>> rows = [f"{code},{' '.join(['128'] * 2304)},Training" for code in (3, 6)]
    >>> _ = path.write_text("emotion,pixels,Usage\\n" + "\\n".join(rows) + "\\n")
    >>> faces = load_fer2013(path, target="happy", data_home=path.parent)
    >>> faces.images.shape, faces.target.tolist(), faces.target_names.tolist()
    ((2, 48, 48), [1, 0], ['not happy', 'happy'])
    """
    selection = _selection(usage, target)
    layout, records = _read_all_records(Path(path), data_home, cache)
    source = Path(path).name
    keep, y = selection.apply(records, source)
    selection.check_not_empty(source, layout)
    data = records.pixels if keep.all() else records.pixels[keep]
    usage_array = None if records.usage is None else records.usage[keep]
    feature_names = pixel_feature_names()
    bunch = Bunch(
        data=data,
        images=data.reshape(-1, *IMAGE_SHAPE),
        target=y,
        target_names=selection.target_names,
        usage=usage_array,
        feature_names=feature_names,
        DESCR=DESCR.format(
            source=source, layout=layout, n_samples=len(data), target=target
        ),
    )
    if as_frame:
        import pandas as pd

        frame_data = pd.DataFrame(data, columns=feature_names, copy=False)
        columns = [frame_data]
        if y is not None:
            bunch.target = pd.Series(y, name=selection.target_name)
            columns.append(bunch.target)
        if usage_array is not None:
            columns.append(pd.Series(usage_array, name="Usage", dtype="category"))
        bunch.data = frame_data
        bunch.frame = pd.concat(columns, axis=1)
    if return_X_y:
        return bunch.data, bunch.target
    return bunch


def iter_fer2013(
    path: str | os.PathLike,
    *,
    chunksize: int = 4096,
    usage: str | list[str] | None = None,
    target: str | list[str] = "emotion",
) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    """Stream FER2013 in chunks of ``chunksize`` faces, for ``partial_fit``.

    Memory stays bounded by a few blocks of the file, however large it is;
    the chunks, concatenated, equal what :func:`load_fer2013` returns for the
    same arguments.

    Read more in the :ref:`User Guide <out_of_core_guide>`.

    Parameters
    ----------
    path : str or path-like
        A FER2013 file or image folder, in any layout ``load_fer2013`` reads.
    chunksize : int, default=4096
        Faces per chunk (the last chunk may be smaller).
    usage, target
        As in :func:`load_fer2013`.

    Yields
    ------
    X : ndarray of shape (n_chunk, 2304), dtype uint8
    y : ndarray of shape (n_chunk,), or None for a file without labels

    Examples
    --------
    >>> from pathlib import Path
    >>> from tempfile import mkdtemp
    >>> from sklearn_fer.datasets import iter_fer2013
    >>> path = Path(mkdtemp()) / "train.csv"
    >>> rows = [f'{i % 7},"{" ".join(["7"] * 2304)}"' for i in range(10)]
    >>> _ = path.write_text("emotion,pixels\\n" + "\\n".join(rows) + "\\n")
    >>> [(X.shape, y.tolist()) for X, y in iter_fer2013(path, chunksize=4)][-1]
    ((2, 2304), [1, 2])
    """
    if chunksize < 1:
        raise ValueError(f"chunksize must be a positive integer, got {chunksize}.")
    selection = _selection(usage, target)
    layout, records = _iter_records(path)
    source = Path(path).name
    pending_X, pending_y, n_pending = [], [], 0
    for block in records:
        keep, labels = selection.apply(block, source)
        pending_X.append(block.pixels[keep])
        pending_y.append(labels)
        n_pending += int(keep.sum())
        while n_pending >= chunksize:
            X = np.concatenate(pending_X)
            y = None if labels is None else np.concatenate(pending_y)
            yield X[:chunksize], None if y is None else y[:chunksize]
            pending_X = [X[chunksize:]]
            pending_y = [None if y is None else y[chunksize:]]
            n_pending -= chunksize
    selection.check_not_empty(source, layout)
    if n_pending:
        X = np.concatenate(pending_X)
        y = None if pending_y[0] is None else np.concatenate(pending_y)
        yield X, y


def emotion_target(emotion, target="emotion"):
    """Keep and label faces of FER2013's emotion codes as ``load_fer2013`` does.

    For faces that carry FER2013's emotion codes without coming from
    :func:`load_fer2013` (such as those of :func:`make_faces` with its
    default ``emotions``): the same ``target`` keeps the same faces and gives
    them the same labels.

    Read more in the :ref:`User Guide <data_guide>`.

    Parameters
    ----------
    emotion : array-like of int, shape (n_samples,)
        Emotion codes, indices into :data:`EMOTIONS`.
    target : 'emotion', 'happy' or list of str, default='emotion'
        What to predict, as in :func:`load_fer2013`: the 7 emotions, happy
        against not happy, or the listed emotions only (the faces of others
        are not kept).

    Returns
    -------
    keep : ndarray of bool, shape (n_samples,)
        The faces that ``target`` keeps.
    y : ndarray of int, shape (n_kept,)
        The labels of the kept faces, indices into ``target_names``.
    target_names : ndarray of str
        The name of each label.

    Examples
    --------
    >>> from sklearn_fer.datasets import EMOTIONS, emotion_target
    >>> codes = [EMOTIONS.index(name) for name in ["happy", "angry", "neutral"]]
    >>> keep, y, names = emotion_target(codes, target="happy")
    >>> y.tolist(), names.tolist()
    ([1, 0, 0], ['not happy', 'happy'])
    >>> keep, y, names = emotion_target(codes, target=["neutral", "happy"])
    >>> keep.tolist(), y.tolist(), names.tolist()
    ([True, False, True], [1, 0], ['neutral', 'happy'])
    """
    selection = _selection(None, target)
    codes = np.asarray(emotion)
    if not (
        codes.ndim == 1
        and (codes.dtype.kind in "iu" or codes.size == 0)
        and ((codes >= 0) & (codes < len(EMOTIONS))).all()
    ):
        shown = ", ".join(map(repr, codes.ravel()[:5].tolist()))
        raise ValueError(
            f"emotion must be a 1-D array of emotion codes from 0 to "
            f"{len(EMOTIONS) - 1} (indices into EMOTIONS); got an array of shape "
            f"{codes.shape} and dtype {codes.dtype}: {shown}..."
        )
    codes = codes.astype(np.intp)
    if selection.kept_codes is None:
        keep = np.ones(len(codes), dtype=bool)
    else:
        keep = np.isin(codes, selection.kept_codes)
    return keep, selection.label_of_code[codes[keep]], selection.target_names
