"""tests/api/test_linked_data.py over the embedded store and Oxigraph server (see conftest.py)."""

from tests.api.test_linked_data import *  # noqa: F403
