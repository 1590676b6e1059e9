"""Run tests/queries/test_library.py over ``any_store``: embedded, Oxigraph server, Virtuoso.

Virtuoso 7 keeps no ``xsd:duration`` value: ``"P3M"`` is stored as the
number of months (``3``), ``"P1D"`` as seconds (``86400.0``), so periods can
be neither read back nor matched. The tests of queries about periods are
listed in :data:`VIRTUOSO_GAPS`, marked ``xfail`` for the Virtuoso store
only, so a fix shows up as an unexpected pass. (Virtuoso's other deviations
the library meets — ``BIND(EXISTS … AS ?x)`` answered as 1/0, ``STR()`` of a
non-ASCII constant — are rewritten away by :class:`safetykg.remote.RemoteStore`.)
"""

from __future__ import annotations

import pytest
from pyoxigraph import Store

from safetykg.remote import RemoteStore

DURATION = "Virtuoso 7 stores xsd:duration as a number (P3M -> 3): periods are lost on load"
VIRTUOSO_GAPS = {
    "test_time_limits_of_a_task": DURATION,
    "test_every_frequency_requirement": DURATION,
    "test_tasks_with_a_period": DURATION,
    "test_high_risk_variants": DURATION,
}


@pytest.fixture(scope="session")
def built_store(any_store: Store | RemoteStore) -> Store | RemoteStore:
    return any_store


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/scaleout/queries/" not in item.nodeid or not item.nodeid.endswith("[virtuoso]"):
            continue
        reason = VIRTUOSO_GAPS.get(getattr(item, "originalname", item.name))
        if reason:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=False))
