"""The core never imports its optional extras at module load."""

import subprocess
import sys


def test_core_imports_no_optional_dependency():
    code = (
        "import sys, sklearn_fer, sklearn_fer.datasets, sklearn_fer.linear_model, "
        "sklearn_fer.preprocessing, sklearn_fer.inspection, sklearn_fer._cli, "
        "sklearn_fer.model_selection, sklearn_fer.metrics, "
        "sklearn_fer.utils\n"
        "optional = {'torch', 'skorch', 'matplotlib', 'PIL', 'dask', 'distributed',"
        " 'skops', 'cv2'}\n"
        "heavy = optional & set(sys.modules)\n"
        "print(sorted(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
