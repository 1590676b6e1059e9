"""tests/api/test_exports.py over the embedded store and Oxigraph server (see conftest.py)."""

from tests.api.test_exports import *  # noqa: F403
