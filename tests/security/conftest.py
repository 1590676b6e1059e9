"""Fixtures of the security suite: one writable store with known hazards, tokens for every
kind of principal, an app over them, and the canary that must never be contacted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pyoxigraph import Store

from api.app import create_app
from safetykg.settings import Settings
from tests.security.fixtures import (
    Canary,
    ConnectionGuard,
    build_hazard_store,
    make_tokens,
    start_canary,
)


@pytest.fixture(scope="session")
def canary() -> Iterator[Canary]:
    canary, server = start_canary()
    yield canary
    server.shutdown()


@pytest.fixture
def no_network(canary: Canary) -> Iterator[ConnectionGuard]:
    """Fails the test if anything connected out: to the canary, or anywhere from Python."""
    canary.reset()
    with ConnectionGuard() as guard:
        yield guard
    assert not guard.attempts, f"outbound connection attempted: {guard.attempts}"
    assert not canary.touched, f"the canary was contacted: {canary.requests or canary.connections}"


@pytest.fixture(scope="session")
def security_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("security")


@pytest.fixture(scope="session")
def hazard_store(security_dir: Path, project_root: Path) -> Iterator[Store]:
    """A writable store with the three hazards of :mod:`tests.security.fixtures`.

    Tests that change hazards build their own; this one only gains audit records."""
    store = build_hazard_store(security_dir / "data", project_root)
    yield store
    del store


@pytest.fixture(scope="session")
def tokens(security_dir: Path) -> dict[str, str]:
    """name -> secret for every principal of :data:`tests.security.fixtures.PRINCIPALS`."""
    return make_tokens(security_dir / "tokens.json")


def make_app(store: Store, data_dir: Path, tokens_file: Path, **settings: object) -> FastAPI:
    options: dict[str, object] = {"rate_limit": 0, "max_body": 8 * 1024 * 1024}
    options.update(settings)
    return create_app(
        Settings(data_dir=data_dir, tokens_file=tokens_file, **options),  # type: ignore[arg-type]
        store=store,
    )


@pytest.fixture(scope="session")
def app(hazard_store: Store, security_dir: Path, tokens: dict[str, str]) -> FastAPI:
    return make_app(hazard_store, security_dir / "data", security_dir / "tokens.json")


@pytest.fixture(scope="session")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
