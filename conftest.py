"""pytest set-up shared by the whole repository."""

import os

# scikit-learn's check_array_api_input (run by parametrize_with_checks even for
# numpy-only estimators) is skipped unless SciPy's array-API mode is on; turn it
# on before SciPy is first imported so that the check runs, as sklearn's CI does.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
