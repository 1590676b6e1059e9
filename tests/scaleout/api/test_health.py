"""tests/api/test_health.py over the embedded store and Oxigraph server (see conftest.py)."""

from tests.api.test_health import *  # noqa: F403
