"""The split every study here uses: fit on Training, score on PublicTest."""

import numpy as np
from sklearn.utils import Bunch


def train_test_by_usage(faces, *, standardize: bool = True) -> Bunch:
    """Training faces to fit and PublicTest faces to score, from a FER2013 Bunch.

    PrivateTest faces are left out: they are the held-back test of the
    challenge. With ``standardize=True`` the pixels become float32
    standardized by a :class:`~sklearn.preprocessing.StandardScaler` fitted
    on the Training faces alone, and the PublicTest faces are transformed by
    that same scaler, so nothing about PublicTest leaks into the fit.

    Parameters
    ----------
    faces : Bunch
        With ``data``, ``target`` and ``usage``, as :func:`load_fer2013`
        returns it. When ``usage`` is None (a file without a Usage column)
        every face counts as Training.
    standardize : bool, default=True
        Standardize as above; False returns the pixels unchanged.

    Returns
    -------
    split : :class:`~sklearn.utils.Bunch`
        X_train, y_train : the Training faces and their targets.
        X_test, y_test : the PublicTest faces (none when the file has none).
        scaler : the fitted ``StandardScaler``, or None without ``standardize``.

    Raises
    ------
    ValueError
        There are no Training faces.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_fer.datasets import make_faces, train_test_by_usage
    >>> faces = make_faces(10, random_state=0)
    >>> faces.usage = np.array(["Training"] * 8 + ["PublicTest"] * 2)
    >>> split = train_test_by_usage(faces)
    >>> split.X_train.shape, split.X_test.shape, split.X_train.dtype
    ((8, 2304), (2, 2304), dtype('float32'))
    >>> bool(np.allclose(split.X_train.mean(axis=0), 0, atol=1e-5))
    True
    """
    usage = faces.usage
    if usage is None:
        train = np.ones(len(faces.data), dtype=bool)
        test = ~train
    else:
        usage = np.asarray(usage)
        train, test = usage == "Training", usage == "PublicTest"
    if not train.any():
        found = "none" if usage is None else sorted(set(usage.tolist()))
        raise ValueError(f"No Training faces to fit on (splits found: {found}).")
    target = faces.target
    data = np.asarray(faces.data)
    X_train, X_test = data[train], data[test]
    scaler = None
    if standardize:
        from sklearn.preprocessing import StandardScaler

        # Fresh float32 copies: transformed in place, the input left as it was;
        # the scaler keeps copy=True for whoever uses it next.
        X_train = X_train.astype(np.float32)
        scaler = StandardScaler().fit(X_train)
        X_train = scaler.transform(X_train, copy=False)
        X_test = X_test.astype(np.float32)
        if len(X_test):
            X_test = scaler.transform(X_test, copy=False)
    return Bunch(
        X_train=X_train,
        y_train=None if target is None else np.asarray(target)[train],
        X_test=X_test,
        y_test=None if target is None else np.asarray(target)[test],
        scaler=scaler,
    )
