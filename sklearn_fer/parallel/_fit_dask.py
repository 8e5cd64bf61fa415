"""``fit_dask``: one chain of ``partial_fit`` tasks over the blocks of a Dask array."""

import copy
import warnings
from concurrent.futures import ThreadPoolExecutor

import cloudpickle
import dask
import dask.array as da
import numpy as np
from dask.local import get_sync
from dask.optimization import cull

#: A block whose own graph pickles to more than this holds its data in the graph
#: (``da.from_array``): it is passed to ``partial_fit`` as it is.
_GRAPH_PAYLOAD_LIMIT = 2**20


def _make_block(source):
    """A block's (X, y, sample_weight): computed from its pickled graph, or as given."""
    if not isinstance(source, bytes):
        return source
    graph, keys = cloudpickle.loads(source)
    # One execution for all the keys: X and y often share their parent task.
    values = iter(get_sync(graph, [key for key in keys if key is not None]))
    return tuple(None if key is None else next(values) for key in keys)


def _train_on_blocks(carried, steps):
    """One task of the chain: ``partial_fit`` on each block of ``steps`` in turn.

    ``carried`` is ``(estimator, pending)``; ``steps`` holds ``(source, kwargs)``
    pairs. An empty block (a Dask DataFrame partition that a filter emptied)
    is skipped, and its kwargs (``classes``, ``eval_set``) go with the next
    block trained, in this task or the next (``pending``). A background thread
    makes the next block while the estimator trains on the current one, so
    that making blocks (reading, decoding, augmenting) overlaps with training
    and at most two blocks exist at a time.
    """
    estimator, pending = carried
    # A task must not mutate its input: Dask may keep the previous model (or
    # recompute a task after a worker is lost), so train a copy.
    estimator = copy.deepcopy(estimator)
    with ThreadPoolExecutor(max_workers=1) as maker:
        upcoming = maker.submit(_make_block, steps[0][0])
        for index, (_, kwargs) in enumerate(steps):
            X, y, sample_weight = upcoming.result()
            upcoming = None  # the block is referenced only by X, y from here on
            if index + 1 < len(steps):
                upcoming = maker.submit(_make_block, steps[index + 1][0])
            kwargs = {**pending, **kwargs}
            if X.shape[0] == 0:
                pending = kwargs
                continue
            pending = {}
            if sample_weight is not None:
                kwargs = {**kwargs, "sample_weight": sample_weight}
            estimator.partial_fit(X, y, **kwargs)
            del X, y, sample_weight
    return estimator, pending


def _trained_estimator(carried):
    """The end of the chain: the estimator, once every block has been seen."""
    estimator, pending = carried
    if "classes" in pending:
        raise ValueError("Every block of X is empty: there is nothing to train on.")
    if "eval_set" in pending:
        warnings.warn(
            "The last blocks of X are empty: eval_set's loss of the last epoch "
            "was not recorded.",
            UserWarning,
            stacklevel=2,
        )
    return estimator


def _block_payloads(*block_lists):
    """Per row block, its (X, y, sample_weight) graph pickled, or None.

    The blocks Dask must compute (read from files, generated) are made by the
    chain task that trains on them, so that the scheduler cannot make them far
    ahead of the model that consumes them: left as ordinary dependencies, they are
    independent tasks that a free thread computes as soon as it can, and they
    pile up in memory (then spill to disk) whenever making a block is faster
    than training on it. None: the block's data already sit in memory (in the
    graph, or persisted on the cluster); it is passed as a dependency.
    """
    graphs = {}
    payloads = []
    for blocks in zip(*block_lists, strict=True):
        merged = {}
        for block in blocks:
            if block is not None:
                graph = block.__dask_graph__()
                merged.update(graphs.setdefault(id(graph), dict(graph)))
        keys = [None if block is None else block.key for block in blocks]
        try:
            subgraph, _ = cull(merged, [key for key in keys if key is not None])
        except KeyError:  # it depends on data persisted on the cluster
            payloads.append(None)
            continue
        payload = cloudpickle.dumps((subgraph, keys))
        payloads.append(payload if len(payload) <= _GRAPH_PAYLOAD_LIMIT else None)
    return payloads


def _row_blocks(collection, name):
    """The delayed row blocks of a Dask array / DataFrame / Series, and their sizes."""
    if isinstance(collection, da.Array):
        if collection.ndim == 2 and collection.numblocks[1] != 1:
            # partial_fit needs whole rows: one block across the columns.
            collection = collection.rechunk({1: -1})
        sizes = collection.chunks[0]
        if any(np.isnan(size) for size in sizes):
            raise ValueError(
                f"{name} has blocks of unknown length; call "
                f"{name}.compute_chunk_sizes() first."
            )
        # Unoptimized: fusion would copy a task that X and y share (one
        # array split into pixels and labels) into each, and make it twice.
        blocks = collection.to_delayed(optimize_graph=False).ravel()
        return list(blocks), tuple(sizes)
    if hasattr(collection, "to_delayed") and hasattr(collection, "npartitions"):
        return list(collection.to_delayed()), None  # Dask DataFrame / Series
    raise TypeError(
        f"{name} must be a dask.array.Array or a Dask DataFrame / Series, got "
        f"{type(collection).__name__}. For in-memory data call partial_fit in a "
        "loop (or fit) directly."
    )


def _aligned_blocks(X, other, name, x_sizes):
    """Blocks of ``y`` / ``sample_weight`` row-aligned with those of ``X``."""
    if other is None:
        return None
    if isinstance(other, da.Array) and x_sizes is not None:
        if other.shape[0] != sum(x_sizes):
            raise ValueError(
                f"X has {sum(x_sizes)} rows but {name} has {other.shape[0]}."
            )
        other = other.rechunk({0: x_sizes})
    blocks, _ = _row_blocks(other, name)
    if len(blocks) != len(X):
        raise ValueError(
            f"X has {len(X)} blocks (partitions) but {name} has {len(blocks)}; "
            f"give them the same partitions."
        )
    return blocks


def fit_dask(
    estimator,
    X,
    y,
    *,
    classes=None,
    sample_weight=None,
    epochs: int = 1,
    eval_set=None,
    blocks_per_task: int = 8,
    compute: bool = True,
):
    """Train a ``partial_fit`` estimator over the blocks of a Dask collection.

    The training is one chain of Dask tasks: ``partial_fit`` on the first
    ``blocks_per_task`` blocks, then on the next ones with the model the
    first task returned, and so on, ``epochs`` times over the blocks in order.
    A block that Dask must compute (read from files, generated) is made inside
    the task that trains on it, by a thread that makes the next block while
    the current one trains: at most two blocks are in a worker's memory, the
    data stream through the workers and never have to fit in the client's
    memory, and the result is exactly (bit for bit) what a local loop of
    ``partial_fit`` over the same blocks gives. It runs on the active
    scheduler: a ``distributed.Client`` when one exists, else Dask's local
    threads.

    Read more in the :ref:`User Guide <out_of_core_guide>`.

    Parameters
    ----------
    estimator : estimator with ``partial_fit``
        Any sklearn-fer estimator (``SGDLogisticRegression``,
        ``SGDSoftmaxRegression``, ``ConvNetClassifier``) or any other with
        ``partial_fit``. A fitted estimator is trained further. It is not
        modified: the trained copy is returned.
    X : dask.array.Array of shape (n_samples, n_features), or Dask DataFrame
        Training data; each row block (partition) is one ``partial_fit`` call,
        so its size sets the memory each task needs. Empty blocks are skipped:
        a Dask array's when the graph is built (its block sizes are known), a
        DataFrame's when the task that makes it finds it empty; what that
        block would have been passed (``classes``, ``eval_set``) goes with the
        next block trained.
    y : dask.array.Array of shape (n_samples,), or Dask Series
        Labels, re-chunked to the row blocks of ``X`` when needed.
    classes : array-like, default=None
        All the labels; required unless ``estimator`` is already fitted.
    sample_weight : dask.array.Array of shape (n_samples,), default=None
        Per-sample weights, passed to every ``partial_fit`` call.
    epochs : int, default=1
        Passes over the blocks; one ``partial_fit`` call per block and epoch.
    eval_set : tuple (X_val, y_val), default=None
        In-memory validation data, passed with the last block of every epoch:
        ``validation_loss_curve_`` then holds one loss per epoch (NaN for the
        other calls).
    blocks_per_task : int, default=8
        Blocks trained on by one task of the chain. Each task costs a round
        trip to the scheduler (milliseconds on a distributed cluster), which
        more blocks per task spread thinner; fewer blocks per task lose less
        work when a worker dies and show progress more often. Blocks already
        in memory (``da.from_array``, persisted collections) are gathered on
        the worker ``blocks_per_task`` at a time.
    compute : bool, default=True
        Return the trained estimator; with False, the ``dask.delayed`` object
        of the chain, to compute later (or persist / inspect).

    Returns
    -------
    estimator : estimator or dask.delayed.Delayed
        The trained copy of ``estimator``; ``loss_curve_`` holds one entry per
        ``partial_fit`` call, as with a local loop.

    See Also
    --------
    sklearn_fer.parallel.fer2013_to_dask : FER2013 files as Dask arrays, by chunks.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn_fer.datasets import make_faces
    >>> from sklearn_fer.linear_model import SGDSoftmaxRegression
    >>> from sklearn_fer.parallel import fit_dask
    >>> X, y = make_faces(600, random_state=0, return_X_y=True)
    >>> X, y = da.from_array(X / 255, chunks=200), da.from_array(y, chunks=200)
    >>> model = fit_dask(SGDSoftmaxRegression(random_state=0), X, y,
    ...                  classes=list(range(7)), epochs=2)
    >>> len(model.loss_curve_)  # 3 blocks x 2 epochs
    6
    """
    if not hasattr(estimator, "partial_fit"):
        raise TypeError(
            f"{type(estimator).__name__} has no partial_fit: fit_dask trains "
            "estimators block by block."
        )
    for name, value in [("epochs", epochs), ("blocks_per_task", blocks_per_task)]:
        if not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    fitted = hasattr(estimator, "classes_")
    if classes is None and not fitted:
        raise ValueError(
            "classes must be given (all the labels that will ever be seen) when "
            "the estimator is not fitted yet; for a Dask y, e.g. "
            "classes=dask.array.unique(y).compute()."
        )
    X_blocks, x_sizes = _row_blocks(X, "X")
    y_blocks = _aligned_blocks(X_blocks, y, "y", x_sizes)
    weight_blocks = _aligned_blocks(X_blocks, sample_weight, "sample_weight", x_sizes)
    if weight_blocks is None:
        weight_blocks = [None] * len(X_blocks)
    if eval_set is not None:
        # One graph key for the validation data, however many epochs use it.
        eval_set = dask.delayed(tuple(eval_set), pure=True, traverse=False)
    payloads = _block_payloads(X_blocks, y_blocks, weight_blocks)
    # Blocks of known size 0 are left out here; those of a Dask DataFrame,
    # whose sizes are unknown, are skipped by the task that makes them.
    trained = [
        index for index in range(len(X_blocks)) if x_sizes is None or x_sizes[index] > 0
    ]
    if not trained:
        raise ValueError("X has no rows: there is nothing to train on.")
    steps = []
    for epoch in range(epochs):
        for index in trained:
            kwargs = {}
            if classes is not None and epoch == 0 and index == trained[0]:
                kwargs["classes"] = classes
            if eval_set is not None and index == trained[-1]:
                kwargs["eval_set"] = eval_set
            blocks = (X_blocks[index], y_blocks[index], weight_blocks[index])
            source = payloads[index] if payloads[index] is not None else blocks
            steps.append((source, kwargs))
    train_on_blocks = dask.delayed(_train_on_blocks, pure=False)
    carried = (estimator, {})
    for start in range(0, len(steps), blocks_per_task):
        carried = train_on_blocks(carried, steps[start : start + blocks_per_task])
    model = dask.delayed(_trained_estimator, pure=True)(carried)
    return model.compute() if compute else model
