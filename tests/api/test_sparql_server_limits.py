"""The endpoint's limits, seen by clients of a real server (uvicorn on loopback).

The server runs with a 2 s query timeout and a 10-row limit
(``SAFETYKG_QUERY_TIMEOUT=2``, ``SAFETYKG_ROW_LIMIT=10``); the 1 s limit is
measured without HTTP in ``test_sparql_limits.py``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.helpers.sparql_server import Server, running_server
from tests.helpers.sparql_store import RUNAWAY_QUERY, make_data_dir

TIMEOUT = 2.0
ROWS = 10


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = make_data_dir(tmp_path_factory.mktemp("server-limits"))
    with running_server(data_dir, query_timeout=TIMEOUT, row_limit=ROWS) as server:
        httpx.get(server.endpoint, params={"query": "ASK {}"}, trust_env=False, timeout=60)
        yield server


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=30) as client:
        yield client


def _get(client: httpx.Client, server: Server, query: str, **headers: str) -> httpx.Response:
    return client.get(server.endpoint, params={"query": query}, headers=headers)


def test_runaway_query_gets_a_503_within_the_limit_plus_one_second(
    server: Server, client: httpx.Client
) -> None:
    started = time.monotonic()
    response = _get(client, server, RUNAWAY_QUERY)
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    problem = response.json()
    assert problem["type"].endswith("/query-timeout")
    assert f"stopped after {TIMEOUT:g} s" in problem["detail"]
    assert TIMEOUT <= elapsed < TIMEOUT + 1.0


def test_other_clients_are_answered_while_a_runaway_query_runs(
    server: Server, client: httpx.Client
) -> None:
    time.sleep(3)  # let the pool's spare worker come back after the test before
    runaway: dict[str, httpx.Response] = {}

    def run_away() -> None:
        with httpx.Client(trust_env=False, timeout=30) as other:
            runaway["response"] = _get(other, server, RUNAWAY_QUERY)

    thread = threading.Thread(target=run_away)
    thread.start()
    time.sleep(0.3)
    latencies = []
    for _ in range(5):
        started = time.monotonic()
        response = _get(client, server, "ASK { ?t a sk:Task }")
        latencies.append(time.monotonic() - started)
        assert response.json()["boolean"] is True
    assert thread.is_alive()  # the runaway query was still running all along
    thread.join()
    assert runaway["response"].status_code == 503
    assert max(latencies) < 1.0


def test_row_limit_truncates_and_says_so(server: Server, client: httpx.Client) -> None:
    response = _get(client, server, "SELECT * { ?s ?p ?o }")
    assert len(response.json()["results"]["bindings"]) == ROWS
    assert response.headers["safetykg-truncated"] == "true"
    assert response.headers["safetykg-row-limit"] == str(ROWS)
    assert response.headers["warning"].startswith(f'199 - "Only the first {ROWS} rows')


def test_results_within_the_limit_say_they_are_complete(
    server: Server, client: httpx.Client
) -> None:
    response = _get(client, server, "SELECT * { ?s ?p ?o } LIMIT 10")
    assert len(response.json()["results"]["bindings"]) == ROWS
    assert response.headers["safetykg-truncated"] == "false"
    assert "warning" not in response.headers


def test_row_limit_applies_to_graphs(server: Server, client: httpx.Client) -> None:
    response = _get(client, server, "CONSTRUCT WHERE { ?s ?p ?o }", accept="application/n-triples")
    assert response.text.count(" .\n") == ROWS
    assert response.headers["safetykg-truncated"] == "true"
