"""The service over a SPARQL server: start-up, the SPARQL endpoint, the CLI, several workers.

``SAFETYKG_STORE=http://…`` is the only change: the app opens the server at
start-up, ``safetykg build``/``query`` go to it, and ``safetykg serve
--workers 2`` runs two processes over it. For the embedded store, several
workers are refused while writes are on and allowed read-only.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.remote_pool import RemoteQueryPool
from api.routers.sparql import get_query_pool
from safetykg.cli import app as cli
from safetykg.errors import SafetyKGError
from safetykg.namespaces import plan_graph
from safetykg.remote import RemoteStore
from safetykg.serving import check_workers
from safetykg.settings import Settings
from safetykg.store import BuildReport
from tests.helpers.project import REPO
from tests.helpers.servers import Server, free_port
from tests.scaleout.conftest import server_settings

PLAN = str(plan_graph("bozhou-2024"))
SK = "https://w3id.org/safetykg/ontology#"


@pytest.fixture(scope="module")
def oxigraph(oxigraph_server: Server, oxigraph_built: RemoteStore) -> Server:
    """The Oxigraph server, holding the session's build."""
    return oxigraph_server


def test_app_opens_the_remote_store_at_start_up(
    oxigraph: Server, build_report: BuildReport, tmp_path: Path
) -> None:
    settings = server_settings(oxigraph, data_dir=tmp_path)  # no embedded store there
    with TestClient(create_app(settings)) as client:
        body = client.get("/health").json()
        assert body["graphs"] == build_report.graphs
        lead = client.get("/api/sectors/urban-gas").json()
        assert "bozhou/urban-management" in str(lead)


@pytest.fixture(scope="module")
def sparql_client(oxigraph: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = server_settings(oxigraph, data_dir=tmp_path_factory.mktemp("empty"))
    app = create_app(settings)
    pool = RemoteQueryPool.from_settings(settings)
    app.dependency_overrides[get_query_pool] = lambda: pool
    with TestClient(app) as client:
        yield client
    pool.close()


def test_sparql_endpoint_answers_over_the_server(sparql_client: TestClient) -> None:
    query = (
        f"PREFIX sk: <{SK}> SELECT ?dept WHERE {{ "
        "<https://w3id.org/safetykg/id/sector/urban-gas> sk:leadDepartment ?dept }"
    )
    response = sparql_client.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.text
    values = [b["dept"]["value"] for b in response.json()["results"]["bindings"]]
    assert values == ["https://w3id.org/safetykg/id/department/bozhou/urban-management"]
    # a protocol dataset narrows the default graph to the ontology: no plan facts there
    narrowed = sparql_client.get(
        "/sparql",
        params={"query": query, "default-graph-uri": "https://w3id.org/safetykg/graph/ontology"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert narrowed.status_code == 200 and narrowed.json()["results"]["bindings"] == []
    bad = sparql_client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")


def test_cli_builds_and_queries_the_server(
    oxigraph: Server, project_root: Path, build_report: BuildReport
) -> None:
    env = {**oxigraph.env, "SAFETYKG_PROJECT_ROOT": str(project_root)}
    runner = CliRunner()
    built = runner.invoke(cli, ["build", "--no-extract"], env=env)
    assert built.exit_code == 0, built.output
    assert f"built {oxigraph.url}" in built.output
    assert f"{build_report.graphs[PLAN]:>9}  {PLAN}" in built.output
    asked = runner.invoke(
        cli,
        ["query", "sector-lead-departments", "-p",
         "sector=https://w3id.org/safetykg/id/sector/fire-safety", "-f", "csv"],
        env=env,
    )  # fmt: skip
    assert asked.exit_code == 0, asked.output
    assert "消防救援支队" in asked.output


# --------------------------------------------------------------------------- workers


def test_several_workers_need_a_server_or_read_only() -> None:
    check_workers(Settings(store="http://127.0.0.1:7878", write_token="t"), 8)
    check_workers(Settings(), 8)  # embedded, read-only
    with pytest.raises(SafetyKGError, match="needs a SPARQL server when writes are on"):
        check_workers(Settings(write_token="t"), 2)
    result = CliRunner().invoke(
        cli, ["serve", "--workers", "2"], env={"SAFETYKG_WRITE_TOKEN": "t", "SAFETYKG_STORE": ""}
    )
    assert result.exit_code == 1
    assert "embedded store admits one writing process" in result.output


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def _serve(env: dict[str, str], args: list[str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SAFETYKG_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "safetykg.cli", "serve", "--port", str(port), *args],
        cwd=REPO, env={**clean, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            output = process.stdout.read().decode() if process.stdout else ""
            pytest.fail(f"safetykg serve did not come up:\n{output}")
        time.sleep(0.3)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


@pytest.mark.slow
@pytest.mark.parametrize("store", ["oxigraph-server", "embedded-read-only"])
def test_serve_runs_two_workers(
    store: str, request: pytest.FixtureRequest, build_report: BuildReport
) -> None:
    if store == "oxigraph-server":
        server: Server = request.getfixturevalue("oxigraph")
        env, args = dict(server.env), []
    else:
        env, args = {}, ["--data-dir", str(build_report.store_path.parent)]
    process, url = _serve(env, [*args, "--workers", "2"])
    try:
        deadline = time.monotonic() + 30
        while len(_children(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = _children(process.pid)
        assert len(workers) >= 2, workers
        with httpx.Client(base_url=url, timeout=10) as client:
            answers = [client.get("/health") for _ in range(20)]
        assert {r.status_code for r in answers} == {200}
        assert answers[0].json()["graphs"] == build_report.graphs
    finally:
        _stop(process)
