"""The fixed-seed runs of tests/reference_runs.py learn what they learned when recorded.

Within a tolerance for another CPU's rounding; ``python -m tests.reference_runs
check`` is the bit-for-bit comparison.
"""

import importlib.util

import numpy as np

from tests import reference_runs


def test_reference_runs_learn_what_was_recorded():
    names = [
        name
        for name in reference_runs.RUNS
        if importlib.util.find_spec("torch") or not name.startswith("cnn")
    ]
    with np.load(reference_runs.RECORD) as record:
        recorded = {k: v for k, v in record.items() if k.split("/")[0] in names}
    outputs = reference_runs.run_all(names)
    assert sorted(outputs) == sorted(recorded)
    for key, value in outputs.items():
        np.testing.assert_allclose(
            value, recorded[key], rtol=1e-4, atol=1e-5, err_msg=key
        )
