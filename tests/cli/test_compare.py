"""``sklearn-fer compare``: the report folder, the fold cache, resuming, Dask,
the guard."""

import json

import pandas as pd
import pytest

from sklearn_fer._cli import EXIT_OK, EXIT_USAGE, _progress
from sklearn_fer._cli._main import EXIT_INTERRUPTED
from sklearn_fer._cli._outputs import MARKER, WORK_MARKER
from sklearn_fer.linear_model import SGDSoftmaxRegression

from .conftest import error_lines

#: Two quick models on the 300 Training faces of the conftest's file.
QUICK = ["--models", "softmax,sgd-classifier", "--cv", "3"]


@pytest.fixture(scope="module")
def report(fer_file, tmp_path_factory):
    from sklearn_fer._cli import main

    folder = tmp_path_factory.mktemp("compare") / "report"
    argv = ["compare", "--data", str(fer_file), *QUICK, "--final"]
    assert main([*argv, "--report", str(folder)]) == EXIT_OK
    return folder


def test_the_report_holds_the_tables_and_the_plots(report):
    written = json.loads((report / MARKER).read_text())["files"]
    expected = {
        "scores.csv",
        "summary.csv",
        "baseline.csv",
        "final.csv",
        "comparison.json",
        "report.md",
    }
    pytest.importorskip("matplotlib")
    expected |= {"fold_scores.png", "score_vs_fit_time.png", "recall_per_class.png"}
    assert set(written) == expected
    # Regular files only, each listed: the finished folds are kept apart.
    assert {path.name for path in report.iterdir()} == expected | {MARKER}
    for name in expected:
        assert (report / name).is_file() and not (report / name).is_symlink()
        assert (report / name).stat().st_size > 0, name


def test_the_finished_folds_are_kept_beside_the_report(report):
    cache = report.with_name("report.folds")
    assert json.loads((cache / WORK_MARKER).read_text())["option"] == "--cache"
    assert {path.name for path in cache.iterdir()} <= {WORK_MARKER, "folds", "features"}
    assert len(list((cache / "folds").glob("*.json"))) == 6


def test_the_tables_say_what_was_measured(report):
    scores = pd.read_csv(report / "scores.csv")
    assert len(scores) == 6  # 2 models x 3 folds
    assert scores["estimator"].unique().tolist() == [
        "softmax:pixels",
        "sgd-classifier:pixels",
    ]
    assert "recall_happy" in scores.columns
    summary = pd.read_csv(report / "summary.csv", index_col=0)
    assert summary.loc["softmax:pixels", "accuracy_mean"] == pytest.approx(
        scores.loc[scores["estimator"] == "softmax:pixels", "accuracy"].mean()
    )
    baseline = pd.read_csv(report / "baseline.csv", index_col=0)
    assert baseline.index.tolist() == ["sgd-classifier:pixels"]
    markdown = (report / "report.md").read_text()
    assert "| model | accuracy | 95% interval |" in markdown
    assert "| softmax:pixels |" in markdown
    assert "## Final fit: all Training faces, scored on PublicTest" in markdown
    # The final scores come after the cross-validation, apart.
    assert markdown.index("## Final fit") > markdown.index("## Against")
    final = pd.read_csv(report / "final.csv", index_col=0)
    assert final.index.tolist() == ["softmax:pixels", "sgd-classifier:pixels"]
    settings = json.loads((report / "comparison.json").read_text())
    assert settings["data"]["sha256"] and settings["baseline"] == "softmax:pixels"


def test_an_earlier_report_is_kept_unless_resumed_or_forced(run, report, fer_file):
    before = (report / "scores.csv").read_bytes()
    code, _, err = run("compare", "--data", fer_file, *QUICK, "--report", report)
    assert code == EXIT_USAGE
    (line,) = error_lines(err)
    assert "holds an earlier comparison" in line and "--resume" in line
    assert (report / "scores.csv").read_bytes() == before
    code, _, err = run("compare", *QUICK, "--report", report, "--resume", "--force")
    assert code == EXIT_USAGE and "not both" in err


@pytest.mark.parametrize("option", ["--report", "--cache"])
def test_a_folder_of_someone_else_is_never_used(run, tmp_path, option):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "thesis.tex").write_text("years of work")
    for flag in ("--force", "--resume"):
        code, _, err = run("compare", "--n-faces", "100", *QUICK, option, notes, flag)
        assert code == EXIT_USAGE
        (line,) = error_lines(err)
        assert f"{option} {notes}" in line and "did not write" in line
    assert [p.name for p in notes.iterdir()] == ["thesis.tex"]


@pytest.mark.parametrize(
    "forge, says",
    [
        (lambda c: (c / WORK_MARKER).write_text('{"option": "--out"}'), "--cache's"),
        (lambda c: (c / WORK_MARKER).write_text("[1, 2]"), "--cache's"),
        (
            lambda c: _made((c / WORK_MARKER).unlink() or c / WORK_MARKER),
            "not a regular",
        ),
        (lambda c: (c / "folds").write_text("x"), "not a folder"),
        (lambda c: (c / "folds").symlink_to(c.parent), "not a folder"),
        (lambda c: (c / "thesis.tex").write_text("x"), "did not write (thesis.tex)"),
    ],
)
def test_a_cache_folder_not_ours_is_refused(run, tmp_path, forge, says):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / WORK_MARKER).write_text('{"option": "--cache"}')
    forge(cache)
    before = sorted(path.name for path in cache.iterdir())
    argv = ["compare", "--n-faces", "100", *QUICK, "--report", tmp_path / "r"]
    for flag in ("--force", "--resume"):
        code, _, err = run(*argv, "--cache", cache, flag)
        assert code == EXIT_USAGE
        (line,) = error_lines(err)
        assert f"--cache {cache}" in line and says in line
    assert sorted(path.name for path in cache.iterdir()) == before
    assert not (tmp_path / "r").exists()


def _made(folder):
    folder.mkdir()
    return folder


@pytest.mark.parametrize(
    "where, says",
    [
        (lambda tmp: (_made(tmp / "r"), tmp / "r" / "folds"), "is inside --report"),
        (lambda tmp: (tmp / "c" / "r", _made(tmp / "c")), "holds --report"),
        (lambda tmp: (tmp / "r", tmp / "r"), "is also --report"),
    ],
)
def test_the_cache_is_apart_from_the_report(run, tmp_path, where, says):
    report, cache = where(tmp_path)
    code, _, err = run(
        "compare", "--n-faces", "100", *QUICK, "--report", report, "--cache", cache
    )
    assert code == EXIT_USAGE
    (line,) = error_lines(err)
    assert says in line
    for folder in (report, cache):  # nothing written
        assert not folder.exists() or not any(folder.iterdir())


def test_force_forgets_only_the_finished_folds(run, tmp_path):
    cache = tmp_path / "cache"
    argv = ["compare", "--n-faces", "100", *QUICK, "--cv", "2"]
    argv += ["--report", tmp_path / "r", "--cache", cache]
    assert run(*argv)[0] == EXIT_OK
    folds = sorted((cache / "folds").glob("*.json"))
    assert len(folds) == 4
    (cache / "folds" / "notes.txt").write_text("not a fold")
    stamps = {path: path.stat().st_mtime_ns for path in folds}
    code, _, err = run(*argv)
    assert code == EXIT_USAGE and "--cache" in err and "--resume" in err
    assert run(*argv, "--force")[0] == EXIT_OK
    assert (cache / "folds" / "notes.txt").read_text() == "not a fold"
    assert all(path.stat().st_mtime_ns != stamps[path] for path in folds)


def test_resume_fits_only_the_unfinished_folds(run, tmp_path, monkeypatch):
    fits = []
    original = SGDSoftmaxRegression.fit

    def fit(self, X, y, **kwargs):
        fits.append(len(y))
        if len(fits) == interrupt_at[0]:
            raise KeyboardInterrupt
        return original(self, X, y, **kwargs)

    monkeypatch.setattr(SGDSoftmaxRegression, "fit", fit)
    folder = tmp_path / "report"
    argv = ["compare", "--n-faces", "150", "--models", "softmax,softmax:hog"]
    argv += ["--cv", "3", "--report", folder]
    interrupt_at = [5]  # the 3rd fold's first model
    code, _, err = run(*argv)
    assert code == EXIT_INTERRUPTED
    assert "--resume" in err
    # Nothing half-made is published; what the run finished is kept, marked.
    assert not folder.exists()
    cache = tmp_path / "report.folds"
    assert len(list((cache / "folds").glob("*.json"))) == 4
    assert json.loads((cache / WORK_MARKER).read_text())["option"] == "--cache"
    # Run again as it was, the folds are neither reused nor lost unasked.
    code, _, err = run(*argv)
    assert code == EXIT_USAGE and "--resume" in err
    assert len(list((cache / "folds").glob("*.json"))) == 4
    fits.clear()
    interrupt_at = [0]
    code, _, _ = run(*argv, "--resume")
    assert code == EXIT_OK
    assert len(fits) == 2  # the 3rd fold of both models
    assert len(pd.read_csv(folder / "scores.csv")) == 6
    fits.clear()
    code, _, _ = run(*argv, "--force")  # starts again
    assert code == EXIT_OK
    assert len(fits) == 6


def test_progress_per_model_and_fold(run, tmp_path, monkeypatch):
    monkeypatch.setattr(_progress, "_stderr_is_terminal", lambda: True)
    code, _, err = run(
        "compare", "--n-faces", "150", *QUICK, "--cv", "2", "--report", tmp_path / "r"
    )
    assert code == EXIT_OK
    lines = [line for line in err.splitlines() if line.endswith(" ...")]
    assert lines == [
        "sklearn-fer compare: softmax:pixels: split 1 of 2 ...",
        "sklearn-fer compare: sgd-classifier:pixels: split 1 of 2 ...",
        "sklearn-fer compare: softmax:pixels: split 2 of 2 ...",
        "sklearn-fer compare: sgd-classifier:pixels: split 2 of 2 ...",
    ]


def test_the_same_results_on_a_dask_cluster(run, tmp_path):
    distributed = pytest.importorskip("distributed")
    argv = ["compare", "--n-faces", "150", *QUICK, "--cv", "2"]
    assert run(*argv, "--report", tmp_path / "local")[0] == EXIT_OK
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=False,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        worker_dashboard_address="127.0.0.1:0",
    ) as cluster:
        code, _, err = run(
            *argv,
            "--scheduler",
            cluster.scheduler_address,
            "--report",
            tmp_path / "dask",
        )
    assert code == EXIT_OK, err
    local = pd.read_csv(tmp_path / "local" / "scores.csv")
    remote = pd.read_csv(tmp_path / "dask" / "scores.csv")
    columns = [c for c in local.columns if not c.endswith("_time")]
    pd.testing.assert_frame_equal(local[columns], remote[columns])


@pytest.mark.parametrize(
    "argv, says",
    [
        (["--models", "softmax,forest"], "no model 'forest'"),
        (["--models", "softmax,mlp:edges"], "no features 'edges'"),
        (["--models", "softmax,cnn:hog"], "write cnn"),
        (["--models", "softmax"], "at least two"),
        (["--models", "softmax,mlp", "--baseline", "svm"], "--baseline svm"),
        (["--final"], "--final scores PublicTest: give --data"),
        (["--subsample", "100"], "--subsample samples FER2013"),
        (["--target", "happy,joy"], "--target"),
    ],
)
def test_usage_errors(run, tmp_path, argv, says, monkeypatch):
    monkeypatch.delenv("SKLEARN_FER_DATA", raising=False)
    code, _, err = run("compare", *argv, "--report", tmp_path / "r")
    assert code == EXIT_USAGE
    (line,) = error_lines(err)
    assert says in line
    assert not (tmp_path / "r").exists()


def test_hog_is_computed_once_per_fold_for_all_models_on_it(run, tmp_path, monkeypatch):
    from sklearn_fer.preprocessing import HOGTransformer

    fits = []
    original = HOGTransformer.fit

    def fit(self, X, y=None):
        fits.append(len(X))
        return original(self, X, y)

    monkeypatch.setattr(HOGTransformer, "fit", fit)
    models = "softmax:hog,sgd-classifier:hog,logistic-regression:hog"
    code, _, _ = run(
        "compare",
        "--n-faces",
        "150",
        "--models",
        models,
        "--cv",
        "2",
        "--report",
        tmp_path / "r",
    )
    assert code == EXIT_OK
    assert len(fits) == 2  # one per fold, not one per model and fold
