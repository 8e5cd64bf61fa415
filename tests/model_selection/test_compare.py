"""compare_estimators on synthetic faces: the table, the cache, Dask."""

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import RidgeClassifier
from sklearn.model_selection import RepeatedStratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_fer.datasets import EMOTIONS, make_faces
from sklearn_fer.linear_model import SGDSoftmaxRegression
from sklearn_fer.model_selection import (
    compare_estimators,
    compare_to_baseline,
    corrected_t_interval,
    corrected_t_test,
    summarize_scores,
)
from sklearn_fer.preprocessing import HOGTransformer


@pytest.fixture(scope="module")
def faces():
    X, y = make_faces(280, random_state=0, return_X_y=True)
    return X.astype(np.float32) / 255, y


def softmax(**params):
    return SGDSoftmaxRegression(batch_size=32, max_iter=3, random_state=0, **params)


def lineup():
    return {
        "pixels": make_pipeline(StandardScaler(), softmax()),
        "hog": make_pipeline(HOGTransformer(), StandardScaler(), softmax()),
        "prior": DummyClassifier(),
    }


def test_the_table_is_one_row_per_estimator_and_split(faces):
    X, y = faces
    scores = compare_estimators(lineup(), X, y, cv=3)
    assert len(scores) == 9
    assert list(scores["estimator"].cat.categories) == ["pixels", "hog", "prior"]
    assert scores["split"].tolist() == [0, 1, 2] * 3
    assert (scores["n_train"] + scores["n_test"] == len(y)).all()
    recalls = [f"recall_{name}" for name in EMOTIONS]
    assert list(scores.columns[-9:]) == [*recalls, "fit_time", "predict_time"]
    # The prior predicts the most frequent class: recall 1 there, 0 elsewhere.
    prior = scores[scores["estimator"] == "prior"]
    assert set(np.unique(prior[recalls].to_numpy())) <= {0.0, 1.0}
    assert (prior["expected_calibration_error"] >= 0).all()


def test_scores_are_those_of_cross_validate(faces):
    X, y = faces
    scores = compare_estimators({"pixels": lineup()["pixels"]}, X, y, cv=3)
    reference = cross_validate(
        lineup()["pixels"],
        X,
        y,
        cv=3,
        scoring=["accuracy", "balanced_accuracy", "f1_macro", "neg_log_loss"],
    )
    np.testing.assert_allclose(scores["accuracy"], reference["test_accuracy"])
    np.testing.assert_allclose(
        scores["balanced_accuracy"], reference["test_balanced_accuracy"]
    )
    np.testing.assert_allclose(scores["f1_macro"], reference["test_f1_macro"])
    np.testing.assert_allclose(
        scores["log_loss"], -reference["test_neg_log_loss"], rtol=1e-6
    )


def test_estimator_without_probabilities_has_no_log_loss(faces):
    X, y = faces
    estimators = {"ridge": make_pipeline(StandardScaler(), RidgeClassifier())}
    scores = compare_estimators(estimators, X, y, cv=2, target_names=list("abcdefg"))
    assert scores["log_loss"].isna().all()
    assert scores["expected_calibration_error"].isna().all()
    assert scores["accuracy"].notna().all()
    assert "recall_g" in scores.columns


def test_repeated_folds_are_numbered_and_summarised(faces):
    X, y = faces
    cv = RepeatedStratifiedKFold(n_splits=2, n_repeats=2, random_state=0)
    scores = compare_estimators(lineup(), X, y, cv=cv)
    assert scores["repeat"].tolist()[:4] == [0, 0, 1, 1]
    assert scores["fold"].tolist()[:4] == [0, 1, 0, 1]
    summary = summarize_scores(scores)
    pixels = scores[scores["estimator"] == "pixels"]
    low, high = corrected_t_interval(
        pixels["accuracy"], n_train=len(y) / 2, n_test=len(y) / 2
    )
    assert summary.loc["pixels", ("accuracy", "ci_low")] == pytest.approx(low)
    assert summary.loc["pixels", ("accuracy", "ci_high")] == pytest.approx(high)
    assert summary.loc["pixels", ("accuracy", "mean")] == pytest.approx(
        pixels["accuracy"].mean()
    )
    comparison = compare_to_baseline(scores, "prior", rope=0.01)
    assert list(comparison.index) == ["pixels", "hog"]
    differences = (
        pixels["accuracy"].to_numpy()
        - scores.loc[scores["estimator"] == "prior", "accuracy"].to_numpy()
    )
    test = corrected_t_test(differences, n_train=140, n_test=140, rope=0.01)
    assert comparison.loc["pixels", "prob_better"] == pytest.approx(test.prob_better)
    assert comparison.loc["pixels", "p_value"] == pytest.approx(test.p_value)
    assert comparison.loc["pixels", "difference"] == pytest.approx(differences.mean())


def test_lower_is_better_for_losses(faces):
    X, y = faces
    scores = compare_estimators(lineup(), X, y, cv=3)
    by_loss = compare_to_baseline(scores, "prior", metric="log_loss")
    # A lower log loss than the prior's is better: positive t, small p.
    ahead = by_loss["difference"] < 0
    assert (by_loss.loc[ahead, "prob_better"] > 0.5).all()
    assert (by_loss.loc[ahead, "t"] < 0).all()  # t of the raw difference
    with pytest.raises(ValueError, match="baseline 'nope'"):
        compare_to_baseline(scores, "nope")
    with pytest.raises(ValueError, match="metric 'auc'"):
        compare_to_baseline(scores, "prior", metric="auc")


class CountingHOG(HOGTransformer):
    """HOGTransformer that counts its fits (in this process: n_jobs=1)."""

    fits = 0

    def fit(self, X, y=None):
        type(self).fits += 1
        return super().fit(X, y)


def test_a_shared_transformer_is_fitted_once_per_fold(faces, tmp_path):
    X, y = faces
    estimators = {
        f"hog{i}": make_pipeline(CountingHOG(), StandardScaler(), softmax(alpha=a))
        for i, a in enumerate([0.01, 0.001, 0.1])
    }
    CountingHOG.fits = 0
    shared = compare_estimators(estimators, X, y, cv=3, cache_dir=tmp_path)
    assert CountingHOG.fits == 3
    CountingHOG.fits = 0
    alone = compare_estimators(estimators, X, y, cv=3, share_features=False)
    assert CountingHOG.fits == 9
    columns = ["accuracy", "log_loss", "recall_happy"]
    pd.testing.assert_frame_equal(shared[columns], alone[columns])
    # The features of the last batch are gone; the folds stay.
    assert not list((tmp_path / "features").rglob("output.pkl"))
    assert len(list((tmp_path / "folds").glob("*.json"))) == 9


class FailingOnce(DummyClassifier):
    """DummyClassifier that counts its fits and fails the one numbered ``fail_at``."""

    fits = 0
    fail_at = None

    def fit(self, X, y, sample_weight=None):
        type(self).fits += 1
        if type(self).fits == type(self).fail_at:
            raise KeyboardInterrupt  # as Ctrl-C in the middle of a comparison
        return super().fit(X, y, sample_weight)


def test_an_interrupted_comparison_resumes_with_the_unfinished_folds(faces, tmp_path):
    X, y = faces
    estimators = {
        "prior": FailingOnce(strategy="prior"),
        "uniform": FailingOnce(strategy="uniform", random_state=0),
    }
    FailingOnce.fits, FailingOnce.fail_at = 0, 4  # the 2nd fold of "uniform"
    with pytest.raises(KeyboardInterrupt):
        compare_estimators(estimators, X, y, cv=3, cache_dir=tmp_path)
    assert len(list((tmp_path / "folds").glob("*.json"))) == 3
    FailingOnce.fits, FailingOnce.fail_at = 0, None
    lines = []
    resumed = compare_estimators(
        estimators, X, y, cv=3, cache_dir=tmp_path, progress=lines.append
    )
    assert FailingOnce.fits == 3  # uniform's 2nd fold, then both 3rd folds
    assert lines[0] == "uniform: split 2 of 3 ..."
    FailingOnce.fits = 0
    again = compare_estimators(estimators, X, y, cv=3, cache_dir=tmp_path)
    assert FailingOnce.fits == 0  # everything read from the cache
    fresh = compare_estimators(estimators, X, y, cv=3)
    columns = [c for c in fresh.columns if not c.endswith("_time")]
    pd.testing.assert_frame_equal(resumed[columns], fresh[columns])
    pd.testing.assert_frame_equal(again, resumed)


def test_cache_keys_on_data_estimator_and_split(faces, tmp_path):
    X, y = faces
    estimators = {"prior": FailingOnce(strategy="prior")}
    FailingOnce.fits, FailingOnce.fail_at = 0, None
    compare_estimators(estimators, X, y, cv=3, cache_dir=tmp_path)
    other_data = X.copy()
    other_data[0, 0] += 1
    compare_estimators(estimators, other_data, y, cv=3, cache_dir=tmp_path)
    compare_estimators(
        {"prior": FailingOnce(strategy="most_frequent")},
        X,
        y,
        cv=3,
        cache_dir=tmp_path,
    )
    compare_estimators(estimators, X, y, cv=2, cache_dir=tmp_path)
    assert FailingOnce.fits == 3 + 3 + 3 + 2
    # A renamed estimator is the same estimator.
    compare_estimators({"renamed": estimators["prior"]}, X, y, cv=3, cache_dir=tmp_path)
    assert FailingOnce.fits == 11


def test_a_damaged_cache_file_is_fitted_again(faces, tmp_path):
    X, y = faces
    estimators = {"prior": FailingOnce(strategy="prior")}
    FailingOnce.fits, FailingOnce.fail_at = 0, None
    compare_estimators(estimators, X, y, cv=2, cache_dir=tmp_path)
    first = sorted((tmp_path / "folds").glob("*.json"))[0]
    first.write_text('{"accuracy": "lots"}')
    compare_estimators(estimators, X, y, cv=2, cache_dir=tmp_path)
    assert FailingOnce.fits == 3


def test_bad_arguments(faces):
    X, y = faces
    with pytest.raises(TypeError, match="dict of name"):
        compare_estimators([DummyClassifier()], X, y)
    with pytest.raises(ValueError, match="at least one"):
        compare_estimators({}, X, y)
    with pytest.raises(ValueError, match="7 classes"):
        compare_estimators({"a": DummyClassifier()}, X, y, target_names=["x"])
    with pytest.raises(ValueError, match="lacks the columns"):
        summarize_scores(pd.DataFrame({"estimator": ["a"], "accuracy": [0.5]}))


def test_identical_on_a_dask_cluster(faces):
    distributed = pytest.importorskip("distributed")
    from joblib import parallel_config

    X, y = faces
    local = compare_estimators(lineup(), X, y, cv=3)
    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=2,
            processes=False,
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            worker_dashboard_address="127.0.0.1:0",
        ) as cluster,
        distributed.Client(cluster) as client,
        parallel_config(backend="dask"),
        distributed.get_task_stream(client) as tasks,
    ):
        remote = compare_estimators(lineup(), X, y, cv=3, n_jobs=-1)
    assert len(tasks.data) >= 3  # the fits ran on the cluster
    columns = [c for c in local.columns if not c.endswith("_time")]
    pd.testing.assert_frame_equal(local[columns], remote[columns])


def test_a_failed_fit_raises_or_scores_error_score(faces):
    from sklearn.exceptions import FitFailedWarning

    X, y = faces
    diverging = {"wild": SGDSoftmaxRegression(eta0=1e4, learning_rate="constant")}
    with pytest.raises(ValueError, match="diverged"):
        compare_estimators(diverging, X * 255, y, cv=2)
    failed = "wild failed on split [12] of 2: SGDSoftmaxRegression diverged"
    with pytest.warns(FitFailedWarning, match=failed):
        scores = compare_estimators(
            {**diverging, "prior": DummyClassifier()},
            X * 255,
            y,
            cv=2,
            error_score=np.nan,
        )
    wild = scores[scores["estimator"] == "wild"]
    assert wild["accuracy"].isna().all() and len(wild) == 2
    assert scores.loc[scores["estimator"] == "prior", "accuracy"].notna().all()
