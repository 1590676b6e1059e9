"""tests/api/test_resources.py over the embedded store and Oxigraph server (see conftest.py)."""

from tests.api.test_resources import *  # noqa: F403
