"""Run tests/api modules over ``api_store``: the embedded store and Oxigraph server.

The modules in this directory import an existing test module whole; the
``built_store`` its fixtures ask for is overridden here. For a remote store,
``data_dir`` is an empty directory, so anything that still opened the
embedded store behind the app's back would fail instead of passing unseen.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Store

from safetykg.remote import RemoteStore


@pytest.fixture(scope="session")
def built_store(api_store: Store | RemoteStore) -> Store | RemoteStore:
    return api_store


@pytest.fixture(scope="session")
def data_dir(
    built_store: Store | RemoteStore, build_report: object, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    if isinstance(built_store, RemoteStore):
        return tmp_path_factory.mktemp("no-embedded-store")
    return build_report.store_path.parent  # type: ignore[attr-defined, no-any-return]


EMBEDDED_ONLY = {
    "test_serve_answers_health_over_a_real_socket": "starts `safetykg serve --data-dir` on the embedded store; the remote one is in tests/scaleout/test_service.py",
    "test_app_opens_the_store_itself_at_start_up": (
        "opens the embedded store under data_dir; the remote start-up is "
        "tests/scaleout/test_service.py::test_app_opens_the_remote_store_at_start_up"
    ),
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        embedded = "[embedded]" in item.nodeid or "[embedded-" in item.nodeid  # more params
        if not item.nodeid.startswith("tests/scaleout/api/") or embedded:
            continue
        reason = EMBEDDED_ONLY.get(getattr(item, "originalname", item.name))
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))
