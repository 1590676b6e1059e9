"""The service over a SPARQL server: start-up, the SPARQL endpoint, the CLI, several workers.

``SAFETYKG_STORE=http://…`` is the only change: the app opens the server at
start-up, ``safetykg build``/``query`` go to it, and ``safetykg serve
--workers 2`` runs two processes over it. For the embedded store, several
workers are refused while writes are on and allowed read-only.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Literal, NamedNode
from typer.testing import CliRunner

from api.app import create_app
from api.remote_pool import RemoteQueryPool
from safetykg import serving
from safetykg.cli import app as cli
from safetykg.errors import SafetyKGError
from safetykg.namespaces import plan_graph
from safetykg.remote import RemoteStore
from safetykg.serving import check_workers
from safetykg.settings import Settings
from safetykg.store import BuildReport, connect
from tests.helpers.project import REPO
from tests.helpers.servers import Server, free_port
from tests.scaleout.conftest import server_settings

PLAN = str(plan_graph("bozhou-2024"))
MARKER_GRAPH = NamedNode("https://w3id.org/safetykg/graph/test-marker")
MARKER = NamedNode("https://w3id.org/safetykg/id/test/marker")
MARKER_P = NamedNode("https://w3id.org/safetykg/ontology#testMarker")
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
def sparql_client(
    oxigraph: Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """The app as ``SAFETYKG_STORE`` configures it: no override of the query pool."""
    settings = server_settings(oxigraph, data_dir=tmp_path_factory.mktemp("empty"))
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def marker(oxigraph: Server) -> Iterator[str]:
    """A triple that exists only on the server, in a graph of its own (dropped afterwards)."""
    token = f"only-on-the-server-{uuid.uuid4()}"
    writer = connect(server_settings(oxigraph), read_only=False)
    assert isinstance(writer, RemoteStore)
    writer.update(
        f"INSERT DATA {{ GRAPH {MARKER_GRAPH} {{ {MARKER} {MARKER_P} {Literal(token)} }} }}"
    )
    try:
        yield token
    finally:
        writer.update(f"DROP SILENT GRAPH {MARKER_GRAPH}")
        writer.close()


def test_sparql_endpoint_queries_the_configured_server(
    oxigraph: Server, marker: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"  # an embedded store would have to be here
    app = create_app(server_settings(oxigraph, data_dir=data_dir))
    query = f"SELECT ?o WHERE {{ {MARKER} {MARKER_P} ?o }}"
    with TestClient(app) as client:
        got = client.get(
            "/sparql",
            params={"query": query},
            headers={"Accept": "application/sparql-results+json"},
        )
        posted = client.post(
            "/sparql",
            content=query.encode(),
            headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"},
        )
        void = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
        assert got.status_code == 200, got.text
        assert isinstance(app.state.sparql_pool, RemoteQueryPool)
    assert [b["o"]["value"] for b in got.json()["results"]["bindings"]] == [marker]
    assert posted.status_code == 200, posted.text
    assert posted.text.split() == ["o", marker]
    assert void.status_code == 200 and f"<{MARKER_GRAPH.value}>" in void.text  # sizes too
    assert not data_dir.exists()  # the embedded store was neither created nor opened


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


def _exiting_worker(context: Any, settings: Settings, host: str, port: int) -> tuple[Any, float]:
    process = context.Process(target=sys.exit, args=(3,))  # a worker that cannot start
    process.start()
    return process, time.monotonic()


def test_workers_that_keep_failing_to_start_stop_the_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(serving, "_start", _exiting_worker)
    handler = signal.getsignal(signal.SIGTERM)
    started = time.monotonic()
    with pytest.raises(SafetyKGError, match="keep exiting right after they start.*exit code 3"):
        serving._supervise(Settings(), "127.0.0.1", free_port(), 2)
    assert time.monotonic() - started < 60
    assert signal.getsignal(signal.SIGTERM) == handler  # the supervisor's own are undone


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


def _serve_command(env: dict[str, str], args: list[str], port: int) -> dict[str, object]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SAFETYKG_")}
    return {
        "args": [sys.executable, "-m", "safetykg.cli", "serve", "--port", str(port), *args],
        "cwd": REPO,
        "env": {**clean, **env},
    }


def _serve(env: dict[str, str], args: list[str]) -> tuple[subprocess.Popen[bytes], str]:
    """``safetykg serve`` on a free port, once it answers; its log goes to a file (a pipe
    nobody reads would fill up with access-log lines and stall the workers)."""
    port = free_port()
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        **_serve_command(env, args, port),  # type: ignore[arg-type]
        stdout=log,
        stderr=subprocess.STDOUT,
    )
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
            process.wait(10)
            log.seek(0)
            pytest.fail(f"safetykg serve did not come up:\n{log.read().decode()[-4000:]}")
        time.sleep(0.3)


def _workers(pid: int, n: int, exclude: set[int] = frozenset()) -> list[int]:  # type: ignore[assignment]
    """The worker processes of ``safetykg serve`` (multiprocessing children), once there are n."""
    deadline = time.monotonic() + 60
    while True:
        found = [
            c for c in _children(pid)
            if c not in exclude and b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()
        ]  # fmt: skip
        if len(found) == n or time.monotonic() > deadline:
            assert len(found) == n, found
            return found
        time.sleep(0.2)


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _connection_spread(url: str, workers: list[int]) -> dict[int, float]:
    """CPU each worker spent while 16 keep-alive connections each sent 20 requests."""
    before = {w: _cpu(w) for w in workers}
    clients = [httpx.Client(base_url=url, timeout=30) for _ in range(16)]
    try:
        for _ in range(20):
            for client in clients:
                assert client.get("/api/lookup", params={"q": "燃气"}).status_code == 200
    finally:
        for client in clients:
            client.close()
    return {w: _cpu(w) - before[w] for w in workers}


def _serve_ok(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if all(httpx.get(url + "/health", timeout=5).status_code == 200 for _ in range(6)):
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail("the service did not answer after a worker was replaced")


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
        workers = _workers(process.pid, 2)
        with httpx.Client(base_url=url, timeout=10) as client:
            answers = [client.get("/health") for _ in range(20)]
        assert {r.status_code for r in answers} == {200}
        assert answers[0].json()["graphs"] == build_report.graphs
        # each worker has its own listening socket: connections are spread over both
        spread = _connection_spread(url, workers)
        assert all(n > 0 for n in spread.values()), spread
        # a worker that dies is replaced
        os.kill(workers[0], signal.SIGKILL)
        replaced = _workers(process.pid, 2, exclude={workers[0]})
        assert workers[0] not in replaced
        _serve_ok(url)
        # a second service on the same port is refused, not let in beside the first
        port = int(url.rsplit(":", 1)[1])
        second = subprocess.run(
            **_serve_command(env, [*args, "--workers", "2"], port),  # type: ignore[arg-type]
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1, second.stdout + second.stderr
        assert "Cannot listen on 127.0.0.1" in second.stdout + second.stderr
        # workers whose supervisor is killed stop by themselves
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        deadline = time.monotonic() + 30
        while any(_alive(w) for w in replaced) and time.monotonic() < deadline:
            time.sleep(0.3)
        assert not any(_alive(w) for w in replaced), "workers outlived their supervisor"
    finally:
        _stop(process)


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its reaper counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
