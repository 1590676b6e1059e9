"""One store fixture, three stores: the embedded one and two SPARQL servers.

``any_store`` is parametrised over ``embedded`` (the session's pyoxigraph
store), ``oxigraph-server`` (Oxigraph's HTTP server from the PyPI package
``oxigraph``) and ``virtuoso`` (Virtuoso open source 7 from Debian). Each
server is started once per session on a free loopback port with a temporary
directory, and the repository is built into it once with
``build(…, target=…)`` — the same code path as ``SAFETYKG_STORE=http://… safetykg build``.
A server that is not installed makes its tests skip, saying what to install.

``api_store`` is the same without Virtuoso (the API suites run over the
embedded store and Oxigraph server; Virtuoso runs build, ingest and the query
library). Suites in ``tests/scaleout/queries`` and ``tests/scaleout/api``
re-run the existing test modules unchanged: their ``conftest.py`` makes the
``built_store`` those modules ask for one of these.

``fresh_store`` is for tests that write: the same servers, rebuilt before
the test and again after it, so the shared build is what the next test sees.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import Store

from safetykg.remote import RemoteStore
from safetykg.settings import Settings
from safetykg.store import BuildReport, build, connect, open_store
from tests.helpers.servers import Server, start_oxigraph, start_virtuoso

INSTALL = {
    "oxigraph": "the Oxigraph server is not installed (pip install oxigraph, in the test extra)",
    "virtuoso": (
        "Virtuoso is not installed: apt-get install -y virtuoso-opensource "
        "(virtuoso-t on the PATH, or SAFETYKG_VIRTUOSO_BIN)"
    ),
}
STARTERS: dict[str, Callable[[Path], Server | None]] = {
    "oxigraph": start_oxigraph,
    "virtuoso": start_virtuoso,
}


def server_settings(server: Server, **extra: Any) -> Settings:
    """Settings pointing at ``server``, as its ``SAFETYKG_STORE*`` environment would."""
    values = {k.removeprefix("SAFETYKG_").lower(): v for k, v in server.env.items()}
    return Settings(**values, **extra)


def _server(kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = STARTERS[kind](tmp_path_factory.mktemp(kind))
    if server is None:
        pytest.skip(INSTALL[kind])
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _server("oxigraph", tmp_path_factory)


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _server("virtuoso", tmp_path_factory)


def build_into(server: Server, project_root: Path, tmp: Path) -> BuildReport:
    """Build the session's project into ``server`` (the committed plan graphs as extracted)."""
    target = connect(server_settings(server), read_only=False)
    assert isinstance(target, RemoteStore)
    try:
        return build(
            tmp, project_root, reextract=False, progress=False, remote=target, carry_over=False
        )
    finally:
        target.close()


def _built(
    kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> RemoteStore:
    server: Server = request.getfixturevalue(f"{kind}_server")
    request.getfixturevalue("build_report")  # the embedded build extracted the plans
    build_into(server, request.getfixturevalue("project_root"), tmp_path_factory.mktemp("b"))
    store = connect(server_settings(server), read_only=True)
    assert isinstance(store, RemoteStore)
    return store


@pytest.fixture(scope="session")
def oxigraph_built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RemoteStore]:
    store = _built("oxigraph", request, tmp_path_factory)
    yield store
    store.close()


@pytest.fixture(scope="session")
def virtuoso_built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RemoteStore]:
    store = _built("virtuoso", request, tmp_path_factory)
    yield store
    store.close()


@pytest.fixture(scope="session")
def embedded_store(build_report: BuildReport) -> Iterator[Store]:
    """The session build, in a read-only handle of its own."""
    store = open_store(build_report.store_path.parent, read_only=True)
    yield store
    del store


def _store(kind: str, request: pytest.FixtureRequest) -> Store | RemoteStore:
    if kind == "embedded":
        return request.getfixturevalue("embedded_store")  # type: ignore[no-any-return]
    return request.getfixturevalue(f"{kind.removesuffix('-server')}_built")  # type: ignore[no-any-return]


@pytest.fixture(scope="session", params=["embedded", "oxigraph-server", "virtuoso"])
def any_store(request: pytest.FixtureRequest) -> Store | RemoteStore:
    """The repository's build, read-only, in each kind of store."""
    return _store(request.param, request)


@pytest.fixture(scope="session", params=["embedded", "oxigraph-server"])
def api_store(request: pytest.FixtureRequest) -> Store | RemoteStore:
    """``any_store`` without Virtuoso."""
    return _store(request.param, request)


@pytest.fixture(params=["oxigraph", pytest.param("virtuoso", marks=pytest.mark.slow)])
def fresh_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RemoteStore]:
    """A writable store on each server, holding a fresh build; rebuilt afterwards."""
    server: Server = request.getfixturevalue(f"{request.param}_server")
    request.getfixturevalue("build_report")
    root = request.getfixturevalue("project_root")
    build_into(server, root, tmp_path_factory.mktemp("b"))
    store = connect(server_settings(server), read_only=False)
    assert isinstance(store, RemoteStore)
    try:
        yield store
    finally:
        store.close()
        build_into(server, root, tmp_path_factory.mktemp("b"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Drop re-run tests that use no store: they already ran in their own module."""
    rerun = ("tests/scaleout/api/", "tests/scaleout/queries/")
    dropped = [
        item
        for item in items
        if item.nodeid.startswith(rerun)
        and not {"any_store", "api_store"} & set(getattr(item, "fixturenames", ()))
    ]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]
