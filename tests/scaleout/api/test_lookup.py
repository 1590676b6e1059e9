"""tests/api/test_lookup.py over the embedded store and Oxigraph server (see conftest.py)."""

from tests.api.test_lookup import *  # noqa: F403
