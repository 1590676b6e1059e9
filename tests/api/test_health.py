"""api/routers/health.py (and the app's start-up): GET /health."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Store

from api.app import create_app
from safetykg.namespaces import GRAPH_INFERRED, GRAPH_ONTOLOGY, GRAPH_REFERENCE, plan_graph
from safetykg.settings import Settings
from safetykg.store import graph_sizes
from tests.helpers.project import REPO

GRAPHS = {
    str(g) for g in (GRAPH_ONTOLOGY, GRAPH_REFERENCE, GRAPH_INFERRED, plan_graph("bozhou-2024"))
}


@pytest.fixture(scope="module")
def client(built_store: Store, data_dir: Path) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=data_dir), store=built_store)
    with TestClient(app) as c:
        yield c


def test_health_reports_each_named_graph(client: TestClient, built_store: Store) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert GRAPHS <= body["graphs"].keys()
    assert body["graphs"] == graph_sizes(built_store)
    assert all(n > 0 for g, n in body["graphs"].items() if g in GRAPHS)


def test_app_opens_the_store_itself_at_start_up(data_dir: Path) -> None:
    with TestClient(create_app(Settings(data_dir=data_dir))) as c:
        body = c.get("/health").json()
    assert body["graphs"][str(plan_graph("bozhou-2024"))] > 0


def test_health_is_a_503_problem_without_a_store(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(data_dir=tmp_path))) as c:
        response = c.get("/health")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "https://w3id.org/safetykg/problems/store-unavailable"
    assert problem["instance"] == "/health"
    assert "safetykg build" in problem["detail"]


def test_openapi_names_operations_by_tag_and_function(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"] == "safetykg"
    assert spec["paths"]["/health"]["get"]["operationId"] == "health-health"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("flags", [[], ["--no-access-log"]])
def test_serve_answers_health_over_a_real_socket(data_dir: Path, flags: list[str]) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFETYKG_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "safetykg.cli", "serve", "--data-dir", str(data_dir),
         "--host", "127.0.0.1", "--port", str(port), *flags],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    output = proc.stdout.read().decode() if proc.stdout else ""
                    pytest.fail(f"server did not come up:\n{output}")
                time.sleep(0.2)
        assert response.status_code == 200
        assert GRAPHS <= response.json()["graphs"].keys()
    finally:
        proc.terminate()
        output = proc.communicate(timeout=10)[0].decode()
    logged = '"GET /health HTTP/1.1" 200' in output
    assert logged == (not flags), output  # one line per request, unless switched off


def test_graph_sizes_are_counted_once_per_max_age(
    built_store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import api.routers.health as health

    counted: list[int] = []

    def counting(store: Store) -> dict[str, int]:
        counted.append(1)
        return graph_sizes(store)

    monkeypatch.setattr(health, "graph_sizes", counting)
    with TestClient(create_app(Settings(data_dir=data_dir), store=built_store)) as c:
        first = [c.get("/health").json() for _ in range(5)]
        assert len(counted) == 1 and all(b == first[0] for b in first)
        monkeypatch.setattr(health, "MAX_AGE_S", 0.0)
        c.get("/health")
    assert len(counted) == 2
