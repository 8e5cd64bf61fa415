"""What every check of a claim reads: the faces, the seeds, the budget."""

import dataclasses
import hashlib
from pathlib import Path

import numpy as np


@dataclasses.dataclass
class Context:
    """The data and settings that the checks of the claims share.

    ``path`` is FER2013 (its Training faces are used; PublicTest is never
    looked at by a claim), or None for synthetic faces (``make_faces``), with
    which ``quick=True`` runs every check in seconds to test the code, not the
    claims. ``cache`` is a folder for ``compare_estimators``' finished folds,
    so that a study run again only fits what changed.
    """

    path: str | None
    seeds: tuple = (0, 1, 2)
    quick: bool = False
    cache: str | None = None
    _faces: dict = dataclasses.field(default_factory=dict, repr=False)

    def training(self, target="emotion"):
        """The Training faces as float32 in [0, 1], and their labels.

        ``target`` as ``load_fer2013`` takes it: ``'emotion'``, ``'happy'`` or
        a list of emotion names (``['happy', 'neutral', 'sad']``, the CNN
        study's), numbered in the list's order.
        """
        key = target if isinstance(target, str) else tuple(target)
        if key not in self._faces:
            self._faces[key] = self._load(target)
        return self._faces[key]

    def _load(self, target):
        from sklearn_fer.datasets import EMOTIONS, load_fer2013, make_faces

        if self.path is None:
            faces = make_faces(400 if self.quick else 6000, random_state=0)
            X, codes = faces.data, faces.target
            if target == "happy":
                codes = (codes == EMOTIONS.index("happy")).astype(int)
            elif not isinstance(target, str):
                kept = [EMOTIONS.index(name) for name in target]
                keep = np.isin(codes, kept)
                X, codes = X[keep], np.array([kept.index(c) for c in codes[keep]])
        else:
            faces = load_fer2013(self.path, usage="Training", target=target)
            X, codes = faces.data, faces.target
        return X.astype(np.float32) / np.float32(255), codes

    def epochs(self, full: int) -> int:
        """``full`` epochs, or 3 in a quick run."""
        return 3 if self.quick else full

    def data_facts(self) -> dict:
        """The data file's name and SHA-256 (None for synthetic faces)."""
        if self.path is None:
            return {"name": "make_faces (synthetic)", "sha256": None}
        digest = hashlib.sha256()
        with open(self.path, "rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
        return {"name": Path(self.path).name, "sha256": digest.hexdigest()}
