"""Out-of-core and distributed training on Dask (extra ``dask``).

Importing ``sklearn_fer`` never imports Dask; importing this subpackage does.
"""

try:
    import dask
    import dask.array  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError(
        "sklearn_fer.parallel needs Dask: pip install 'sklearn-fer[dask]'."
    ) from exc

from ._fer2013_dask import fer2013_to_dask
from ._fit_dask import fit_dask

__all__ = ["fer2013_to_dask", "fit_dask"]
