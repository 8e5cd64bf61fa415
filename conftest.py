"""pytest set-up shared by the whole repository."""

import os

import pytest

# scikit-learn's check_array_api_input (run by parametrize_with_checks even for
# numpy-only estimators) is skipped unless SciPy's array-API mode is on; turn it
# on before SciPy is first imported so that the check runs, as sklearn's CI does.
os.environ.setdefault("SCIPY_ARRAY_API", "1")


@pytest.fixture(autouse=True, scope="session")
def _data_home_in_a_temporary_folder(tmp_path_factory):
    """load_fer2013 caches what it parses under the data home: not the user's."""
    patch = pytest.MonkeyPatch()
    data_home = tmp_path_factory.mktemp("scikit_learn_data")
    patch.setenv("SCIKIT_LEARN_DATA", str(data_home))
    yield
    patch.undo()
