"""The studies page's findings: every claim checked has a verdict, and parses.

``docs/studies/<study>.json`` is written by ``python -m benchmarks.studies``
and rendered by ``docs/_ext/study_claims.py``; these tests read the files
and run the checks on a few synthetic faces (the code, not the claims).
"""

import importlib.util
import json
from pathlib import Path

import pytest

from benchmarks.studies import CLAIMS, STUDIES, VERDICTS, Context, run_study

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _records():
    return {
        path.stem: json.loads(path.read_text())
        for path in sorted((DOCS / "studies").glob("*.json"))
    }


def _check_finding(finding):
    assert finding["verdict"] in VERDICTS
    assert finding["ran"].strip() and finding["margin"].strip()
    for table in finding["tables"]:
        assert table["title"] and table["rows"]
        for row in table["rows"]:
            assert len(row) == len(table["columns"]), table["title"]
    for figure in finding["figures"]:
        assert figure["kind"] in ("lines", "bars") and figure["panels"]
        for panel in figure["panels"]:
            for series in panel["series"]:
                length = len(panel["categories"]) if figure["kind"] == "bars" else None
                assert len(series["y"]) == (length or len(series["x"]))


def test_every_claim_of_a_study_with_results_has_a_verdict():
    records = _records()
    assert set(records) == set(STUDIES)  # every study's findings are committed
    for study, record in records.items():
        assert study in STUDIES
        registered = [key for name, key in CLAIMS if name == study]
        found = [claim["key"] for claim in record["claims"]]
        assert found == registered, f"{study}: run python -m benchmarks.studies"
        for finding in record["claims"]:
            _check_finding(finding)
            assert finding["data"]["sha256"], "findings come from FER2013"


@pytest.mark.parametrize("study", sorted(STUDIES))
def test_the_checks_run_on_synthetic_faces(study, tmp_path):
    if study == "cnn":
        pytest.importorskip("torch")
    context = Context(path=None, quick=True, seeds=(0,))
    record = run_study(study, context, out=tmp_path)
    written = json.loads((tmp_path / f"{study}.json").read_text())
    assert written == json.loads(json.dumps(record))
    assert [c["key"] for c in written["claims"]] == [
        key for name, key in CLAIMS if name == study
    ]
    for finding in written["claims"]:
        _check_finding(finding)


def test_the_page_renders_every_finding(tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("sphinx")
    spec = importlib.util.spec_from_file_location(
        "study_claims", DOCS / "_ext" / "study_claims.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for study, record in _records().items():
        for claim in record["claims"]:
            lines = module._claim_lines(study, claim, tmp_path)
            verdict = f":Verdict: **{claim['verdict']}**"
            assert any(line.startswith(verdict) for line in lines)
            figures = list(
                (tmp_path / module.FIGURES).glob(f"{study}-{claim['key']}-*")
            )
            assert len(figures) == len(claim["figures"])


def test_cells_are_escaped():
    spec = importlib.util.spec_from_file_location(
        "study_claims", DOCS / "_ext" / "study_claims.py"
    )
    if importlib.util.find_spec("sphinx") is None:
        pytest.skip("needs sphinx")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.escape("-") == "\\-"
    assert (
        module.escape("+0.01 *x* `y` a|b c_ d")
        == "\\+0.01 \\*x\\* \\`y\\` a\\|b c\\_ d"
    )
    assert module.escape("") == "\\ "
