"""tests/api/test_departments.py over the embedded store and Oxigraph server (see conftest.py)."""

from tests.api.test_departments import *  # noqa: F403
