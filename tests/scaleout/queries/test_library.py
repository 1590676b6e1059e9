"""tests/queries/test_library.py, every named query with its exact answer, over every store."""

from tests.queries.test_library import *  # noqa: F403
