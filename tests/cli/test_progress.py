"""Progress lines on standard error: on a terminal only, and not with --quiet."""

import pytest

from sklearn_fer._cli import EXIT_OK, _progress


@pytest.fixture
def terminal(monkeypatch):
    """Standard error taken for a terminal."""
    monkeypatch.setattr(_progress, "_stderr_is_terminal", lambda: True)


def _progress_lines(err):
    return [line for line in err.splitlines() if line.endswith(" ...")]


def test_loading_a_file_is_announced(run, softmax_file, fer_file, terminal):
    code, printed, err = run("evaluate", "--model", softmax_file, "--data", fer_file)
    assert code == EXIT_OK
    size = fer_file.stat().st_size / 1e6
    assert _progress_lines(err) == [
        f"sklearn-fer evaluate: loading {fer_file} ({size:.1f} MB) ..."
    ]
    assert "loading" not in printed  # standard output stays the results


def test_quiet_or_not_a_terminal_says_nothing(run, softmax_file, fer_file, terminal):
    argv = ["evaluate", "--model", softmax_file, "--data", fer_file]
    code, _, err = run(*argv, "--quiet")
    assert code == EXIT_OK and not _progress_lines(err)


def test_not_a_terminal_says_nothing(run, softmax_file, fer_file):
    # capsys's standard error is not a terminal, as a log or a pipe is not.
    code, _, err = run("evaluate", "--model", softmax_file, "--data", fer_file)
    assert code == EXIT_OK and not _progress_lines(err)


def test_sweep_says_which_value_is_cross_validated(run, fer_file, tmp_path, terminal):
    code, _, err = run(
        "sweep",
        "--data",
        fer_file,
        "--eta0",
        "1e-3,1e-2",
        "--batch-size",
        "32",
        "--cv",
        "2",
        "--param",
        "max_iter=2",
        "--out",
        tmp_path / "sweep",
    )
    assert code == EXIT_OK
    assert _progress_lines(err)[1:] == [
        "sklearn-fer sweep: eta0=0.001: 2-fold cross-validation ...",
        "sklearn-fer sweep: eta0=0.01: 2-fold cross-validation ...",
        "sklearn-fer sweep: batch_size=32: 2-fold cross-validation ...",
    ]


def test_the_cnn_shows_its_progress_within_epochs_on_a_terminal(terminal):
    # skorch's ProgressBar (verbose=2) where progress is shown, else epoch lines.
    pytest.importorskip("skorch")
    from sklearn_fer._cli._models import new_estimator

    _progress.start("train", quiet=False)
    assert new_estimator("cnn", 0).verbose == 2
    _progress.start("train", quiet=True)
    assert new_estimator("cnn", 0).verbose == 1
