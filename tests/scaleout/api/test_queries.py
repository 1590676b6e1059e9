"""tests/api/test_queries.py over the embedded store and Oxigraph server (see conftest.py)."""

from tests.api.test_queries import *  # noqa: F403
