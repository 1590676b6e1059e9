"""Run the doctests of the SPARQL endpoint's modules (``make test`` collects doctests
from ``safetykg/`` only), so their examples cannot go stale."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "api.negotiate",
    "api.sparql_guard",
    "api.sparql_limits",
    "api.sparql_description",
    "api.sparql_examples",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
