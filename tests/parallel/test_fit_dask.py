"""fit_dask on an in-process cluster and on worker processes (127.0.0.1 only)."""

import functools
import threading
import weakref

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
import dask  # noqa: E402
import dask.array as da  # noqa: E402
import pandas as pd  # noqa: E402
from dask.delayed import Delayed  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from sklearn_fer.datasets import make_faces  # noqa: E402
from sklearn_fer.linear_model import (  # noqa: E402
    SGDLogisticRegression,
    SGDSoftmaxRegression,
)
from sklearn_fer.parallel import fit_dask  # noqa: E402

# A dask deadlock must fail the test, not hang CI.
pytestmark = pytest.mark.timeout(120)

CHUNK = 150


#: Dask starts an HTTP server (health, metrics) in the scheduler and in each
#: worker even without a dashboard; an in-process cluster would bind them to
#: every interface (the scheduler's on port 8787).
LOOPBACK_HTTP = {
    "scheduler_kwargs": {"dashboard_address": "127.0.0.1:0"},
    "worker_dashboard_address": "127.0.0.1:0",
}


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=2,
            processes=False,
            dashboard_address=None,
            **LOOPBACK_HTTP,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def faces():
    X, y = make_faces(600, random_state=0, return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    return X, y


def _binary(y):
    return (y == 3).astype(int)  # happy vs rest


def _local_loop(estimator, blocks, classes, epochs, **kwargs):
    for epoch in range(epochs):
        for index, (X, y) in enumerate(blocks):
            extra = {"classes": classes} if epoch == index == 0 else {}
            estimator.partial_fit(X, y, **extra, **kwargs)
    return estimator


def _blocks(X, y):
    return [(X[i : i + CHUNK], y[i : i + CHUNK]) for i in range(0, len(y), CHUNK)]


def test_the_test_cluster_listens_on_loopback_only(client):
    import psutil

    listening = {
        connection.laddr.ip
        for connection in psutil.Process().net_connections(kind="inet")
        if connection.status == psutil.CONN_LISTEN
    }
    assert listening <= {"127.0.0.1", "::1"}


@pytest.mark.parametrize("epochs, blocks_per_task", [(1, 8), (3, 1), (3, 5)])
@pytest.mark.parametrize(
    "Estimator, target",
    [(SGDSoftmaxRegression, None), (SGDLogisticRegression, _binary)],
)
def test_bit_identical_to_a_local_partial_fit_loop(
    client, faces, Estimator, target, epochs, blocks_per_task
):
    X, y = faces
    y = target(y) if target else y
    classes = np.unique(y)
    local = _local_loop(Estimator(random_state=0), _blocks(X, y), classes, epochs)
    estimator = Estimator(random_state=0)
    trained = fit_dask(
        estimator,
        da.from_array(X, chunks=(CHUNK, 500)),  # column blocks get merged
        da.from_array(y, chunks=CHUNK),
        classes=classes,
        epochs=epochs,
        blocks_per_task=blocks_per_task,  # 5: tasks that span two epochs
    )
    np.testing.assert_array_equal(trained.coef_, local.coef_)
    np.testing.assert_array_equal(trained.intercept_, local.intercept_)
    assert trained.loss_curve_ == local.loss_curve_
    assert len(trained.loss_curve_) == epochs * len(_blocks(X, y))
    assert not hasattr(estimator, "coef_"), "the input estimator was modified"


def test_continues_a_fitted_estimator_and_forwards_sample_weight(client, faces):
    X, y = faces
    weight = np.random.RandomState(0).uniform(0.5, 2, len(y))
    first = SGDSoftmaxRegression(random_state=0).fit(X, y)
    local = _local_loop(
        SGDSoftmaxRegression(random_state=0).fit(X, y),
        _blocks(X, y),
        None,
        1,
    )
    trained = fit_dask(first, da.from_array(X, CHUNK), da.from_array(y, CHUNK))
    np.testing.assert_array_equal(trained.coef_, local.coef_)
    weighted = fit_dask(
        SGDSoftmaxRegression(random_state=0),
        da.from_array(X, CHUNK),
        da.from_array(y, CHUNK),
        classes=np.unique(y),
        sample_weight=da.from_array(weight, 100),  # re-chunked to X's blocks
    )
    local = SGDSoftmaxRegression(random_state=0)
    for start in range(0, len(y), CHUNK):
        part = slice(start, start + CHUNK)
        local.partial_fit(X[part], y[part], np.unique(y), sample_weight=weight[part])
    np.testing.assert_array_equal(weighted.coef_, local.coef_)


def test_eval_set_gives_one_validation_loss_per_epoch(client, faces):
    X, y = faces
    trained = fit_dask(
        SGDSoftmaxRegression(random_state=0),
        da.from_array(X[:450], CHUNK),
        da.from_array(y[:450], CHUNK),
        classes=np.unique(y),
        epochs=2,
        eval_set=(X[450:], y[450:]),
    )
    curve = np.array(trained.validation_loss_curve_)
    assert np.isnan(curve[[0, 1, 3, 4]]).all()
    assert np.isfinite(curve[[2, 5]]).all()
    assert curve[5] < curve[2]


def test_dask_dataframe_partitions(client, faces):
    import dask.dataframe as dd

    X, y = faces
    frame = dd.from_pandas(pd.DataFrame(X).add_prefix("pixel_"), npartitions=4)
    labels = dd.from_pandas(pd.Series(y), npartitions=4)
    trained = fit_dask(
        SGDSoftmaxRegression(random_state=0), frame, labels, classes=np.unique(y)
    )
    local = _local_loop(
        SGDSoftmaxRegression(random_state=0),
        [(X[i : i + 150], y[i : i + 150]) for i in range(0, 600, 150)],
        np.unique(y),
        1,
    )
    np.testing.assert_array_equal(trained.coef_, local.coef_)
    assert trained.feature_names_in_[0] == "pixel_0"


def test_compute_false_returns_the_delayed_chain(client, faces):
    X, y = faces
    chain = fit_dask(
        SGDSoftmaxRegression(random_state=0),
        da.from_array(X, CHUNK),
        da.from_array(y, CHUNK),
        classes=np.unique(y),
        compute=False,
    )
    assert isinstance(chain, Delayed)
    assert chain.compute().n_iter_ == 4


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(), ValueError, "classes must be given"),
        (dict(classes=[0, 1], epochs=0), ValueError, "epochs must be a positive"),
        (
            dict(classes=[0, 1], blocks_per_task=0),
            ValueError,
            "blocks_per_task must be a positive",
        ),
        (dict(classes=[0, 1], X=np.zeros((4, 3))), TypeError, "dask.array.Array"),
        (dict(classes=[0, 1], y=da.zeros(5, chunks=5)), ValueError, "X has 4 rows"),
        (dict(classes=[0, 1], estimator=object()), TypeError, "no partial_fit"),
    ],
)
def test_errors(kwargs, error, match):
    arguments = dict(
        estimator=SGDLogisticRegression(),
        X=da.zeros((4, 3), chunks=2),
        y=da.zeros(4, chunks=2),
    )
    arguments.update(kwargs)
    with pytest.raises(error, match=match):
        fit_dask(arguments.pop("estimator"), arguments.pop("X"), **arguments)


def test_unknown_block_sizes_are_an_error():
    X = da.zeros((4, 3), chunks=2)
    X = X[X[:, 0] == 0]  # boolean indexing: lengths unknown until computed
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        fit_dask(SGDLogisticRegression(), X, da.zeros(4, chunks=2), classes=[0, 1])


def test_grid_search_under_the_dask_joblib_backend(client, faces):
    import joblib

    X, y = faces
    search = GridSearchCV(
        SGDSoftmaxRegression(random_state=0), {"eta0": [0.003, 0.03]}, cv=2
    )
    with joblib.parallel_backend("dask"):
        search.fit(X, y)
    assert search.best_score_ > 0.3  # chance: 1/7
    assert set(search.cv_results_["param_eta0"]) == {0.003, 0.03}


def test_dask_ml_incremental_wrapper(client, faces):
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X, y = faces
    # Incremental shuffles the blocks with an unseeded generator by default:
    # in order, it must train exactly as partial_fit block by block does.
    model = wrappers.Incremental(
        SGDSoftmaxRegression(random_state=0), shuffle_blocks=False
    )
    # Whole rows per block: Incremental hands each block to partial_fit as is.
    model.fit(
        da.from_array(X, (CHUNK, -1)), da.from_array(y, CHUNK), classes=np.unique(y)
    )
    by_hand = SGDSoftmaxRegression(random_state=0)
    for start in range(0, len(y), CHUNK):
        block = slice(start, start + CHUNK)
        by_hand.partial_fit(X[block], y[block], classes=np.unique(y))
    assert len(model.estimator_.loss_curve_) == 4
    np.testing.assert_allclose(model.estimator_.coef_, by_hand.coef_, rtol=1e-6)
    np.testing.assert_allclose(model.estimator_.loss_curve_, by_hand.loss_curve_)
    predicted = model.predict(da.from_array(X, (CHUNK, -1))).compute()
    np.testing.assert_array_equal(predicted, by_hand.predict(X))


@functools.cache
def _templates():
    """70 faces that every block repeats (made once per worker process)."""
    X, y = make_faces(70, random_state=0, return_X_y=True)
    return X / np.float32(255), y


def _noisy_faces(block, block_info=None):
    """A lazily generated block of faces: the data never exist in memory whole."""
    index = block_info[None]["chunk-location"][0]
    # The template faces with fresh pixel noise: learnable, and cheap to make.
    X, y = _templates()
    rows = np.arange(len(block)) % len(y)
    out = np.random.default_rng(index).random(block.shape, np.float32)
    out[:, :-1] -= np.float32(0.5)
    out[:, :-1] *= np.float32(0.6)
    out[:, :-1] += X[rows]
    out[:, -1] = y[rows]
    return out


def test_worker_processes_stream_more_data_than_their_memory_limit():
    # 56 blocks of 1000 faces x 2305 float32 = 516 MB through a 450 MiB worker.
    n_blocks, block_rows = 56, 1000
    template = da.zeros((n_blocks * block_rows, 2305), chunks=(block_rows, -1))
    data = template.map_blocks(_noisy_faces, dtype=np.float32)
    X, y = data[:, :-1], data[:, -1].astype(int)
    assert X.nbytes > 450 * 2**20
    # No pausing or spilling: a worker that went over its limit would be
    # killed (at 95%) and the test would fail, rather than slow to a crawl.
    no_pause = {
        "distributed.worker.memory.target": False,
        "distributed.worker.memory.spill": False,
        "distributed.worker.memory.pause": False,
    }
    with (
        dask.config.set(no_pause),
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=2,  # makes the next block while fitting one
            processes=True,
            host="127.0.0.1",
            memory_limit="450MiB",
            dashboard_address=None,
            **LOOPBACK_HTTP,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        trained = fit_dask(SGDSoftmaxRegression(random_state=0), X, y, classes=range(7))
        first_blocks = fit_dask(
            SGDSoftmaxRegression(random_state=0),
            X[: 4 * block_rows],
            y[: 4 * block_rows],
            classes=range(7),
        )
        # The monitor samples every 500 ms: the peak of what it saw.
        memory = client.run(
            lambda dask_worker: max(dask_worker.monitor.quantities["memory"])
        )
    assert len(trained.loss_curve_) == n_blocks
    assert trained.loss_curve_[-1] < trained.loss_curve_[0]
    print(f"peak worker memory: {max(memory.values()) / 2**20:.0f} MiB")
    assert max(memory.values()) < 450 * 2**20
    # Pickled to and from the worker processes, still bit-identical.
    with dask.config.set(scheduler="synchronous"):
        blocks = [(X.blocks[i].compute(), y.blocks[i].compute()) for i in range(4)]
    local = _local_loop(SGDSoftmaxRegression(random_state=0), blocks, range(7), 1)
    np.testing.assert_array_equal(first_blocks.coef_, local.coef_)


_alive = {"now": 0, "most": 0}
_made = {"count": 0}
_alive_lock = threading.Lock()


def _counted_block(block, block_info=None):
    """A block of faces whose lifetime is counted: how many exist at once."""
    index = block_info[None]["chunk-location"][0]
    X, y = make_faces(len(block), random_state=index, return_X_y=True)
    out = np.column_stack([X / np.float32(255), y]).astype(np.float32)
    with _alive_lock:
        _made["count"] += 1
        _alive["now"] += 1
        _alive["most"] = max(_alive["most"], _alive["now"])
    weakref.finalize(out, _forget_block)
    return out


def _forget_block():
    with _alive_lock:
        _alive["now"] -= 1


def test_blocks_are_made_one_step_ahead_of_the_model(client):
    # Making a block is cheap here and training slower: as plain dependencies
    # the blocks would all be made at once and wait in memory.
    n_blocks = 12
    template = da.zeros((n_blocks * 50, 2305), chunks=(50, -1))
    data = template.map_blocks(_counted_block, dtype=np.float32)
    X, y = data[:, :-1], data[:, -1].astype(int)
    _alive.update(now=0, most=0)
    model = fit_dask(
        SGDSoftmaxRegression(batch_size=1, random_state=0), X, y, classes=range(7)
    )
    assert len(model.loss_curve_) == n_blocks
    assert _alive["most"] <= 2


def test_a_block_shared_by_X_and_y_is_made_once(client):
    n_blocks = 6
    template = da.zeros((n_blocks * 50, 2305), chunks=(50, -1))
    data = template.map_blocks(_counted_block, dtype=np.float32)
    X, y = data[:, :-1], data[:, -1].astype(int)
    _made.update(count=0)
    fit_dask(SGDSoftmaxRegression(random_state=0), X, y, classes=range(7))
    assert _made["count"] == n_blocks


def test_empty_blocks_are_skipped(client, faces):
    # Before: partial_fit on the empty block raised "Found array with 0 sample(s)".
    X, y = faces
    chunks = (0, 150, 0, 150, 300, 0)
    eval_set = (X[:100], y[:100])
    trained = fit_dask(
        SGDSoftmaxRegression(random_state=0),
        da.from_array(X, chunks=(chunks, -1)),
        da.from_array(y, chunks=(chunks,)),
        classes=np.unique(y),
        epochs=2,
        eval_set=eval_set,
        blocks_per_task=2,
    )
    local = SGDSoftmaxRegression(random_state=0)
    for epoch in range(2):
        for start, stop in [(0, 150), (150, 300), (300, 600)]:
            local.partial_fit(
                X[start:stop],
                y[start:stop],
                classes=np.unique(y) if epoch == start == 0 else None,
                eval_set=eval_set if stop == 600 else None,
            )
    np.testing.assert_array_equal(trained.coef_, local.coef_)
    np.testing.assert_array_equal(
        trained.validation_loss_curve_, local.validation_loss_curve_
    )
    with pytest.raises(ValueError, match="X has no rows"):
        fit_dask(
            SGDSoftmaxRegression(),
            da.zeros((0, 3), chunks=((0,), (3,))),
            da.zeros(0, chunks=((0,),)),
            classes=[0, 1],
        )


def test_empty_dataframe_partitions_are_skipped(client, faces):
    import dask.dataframe as dd

    X, y = faces
    frame = pd.DataFrame(X).add_prefix("pixel_").assign(label=y, row=range(600))
    parts = dd.from_pandas(frame, npartitions=4)  # rows 0-149, 150-299, ...
    kept = parts[(parts.row >= 150) & ((parts.row < 300) | (parts.row >= 450))]
    trained = fit_dask(
        SGDSoftmaxRegression(random_state=0),
        kept.drop(columns=["label", "row"]),
        kept["label"],
        classes=np.unique(y),
        blocks_per_task=1,  # the first task gets an empty partition only
    )
    local = _local_loop(
        SGDSoftmaxRegression(random_state=0),
        [(X[150:300], y[150:300]), (X[450:], y[450:])],
        np.unique(y),
        1,
    )
    np.testing.assert_array_equal(trained.coef_, local.coef_)
    empty = parts[parts.row < 0]
    with pytest.raises(ValueError, match="Every block of X is empty"):
        fit_dask(
            SGDSoftmaxRegression(),
            empty.drop(columns=["label", "row"]),
            empty["label"],
            classes=np.unique(y),
        )
