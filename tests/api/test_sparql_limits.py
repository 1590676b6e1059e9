"""Tests of ``api/sparql_limits.py``: the limits hold, measured.

* time: a runaway query (a six-fold cross product) is answered with
  ``QueryTimeout`` within the limit plus one second, its worker process is
  gone, and the pool answers the next query with a fresh worker;
* concurrency: a fast query is answered while a runaway one runs;
* rows: at most ``row_limit`` rows or triples, with ``truncated`` set exactly
  when more were available;
* network: a worker cannot open a connection even if a SERVICE query got past
  the guard (where the OS lets the worker drop its network).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store

from api.negotiate import NotAcceptable
from api.sparql_guard import QueryRefused
from api.sparql_limits import GraphSizesJob, QueryJob, QueryPool, evaluate
from safetykg.errors import BadParameter, QuerySyntaxError, QueryTimeout, StoreUnavailable
from safetykg.namespaces import PREFIXES
from safetykg.store import store_path
from tests.helpers.sparql_store import (
    FIXTURE,
    GRAPH_SIZES,
    PLAN_GRAPH,
    RUNAWAY_QUERY,
    make_data_dir,
)

LIMIT = 1.0


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_data_dir(tmp_path_factory.mktemp("limits"))


@pytest.fixture(scope="module")
def pool(data_dir: Path) -> Iterator[QueryPool]:
    pool = QueryPool(store_path(data_dir), timeout=LIMIT, workers=2)
    yield pool
    pool.close()


@pytest.fixture(scope="module")
def memory_store() -> Store:
    store = Store()
    store.load(path=str(FIXTURE), format=RdfFormat.TRIG)
    return store


def _job(query: str, **options: object) -> QueryJob:
    return QueryJob(query, prefixes=PREFIXES, **options)  # type: ignore[arg-type]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a killed child that has not been reaped yet is a zombie: it holds no memory or CPU
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


# --------------------------------------------------------------------------- time


def test_runaway_query_is_stopped_within_the_limit_plus_one_second(pool: QueryPool) -> None:
    pool.run_blocking(_job("ASK {}"))  # workers are up
    before = {w.process.pid for w in pool._live}
    started = time.monotonic()
    with pytest.raises(QueryTimeout) as stopped:
        pool.run_blocking(_job(RUNAWAY_QUERY))
    elapsed = time.monotonic() - started
    assert LIMIT <= elapsed < LIMIT + 1.0
    assert stopped.value.status == 503
    assert f"stopped after {LIMIT:g} s" in stopped.value.detail
    killed = before - {w.process.pid for w in pool._live}
    assert len(killed) == 1
    assert not _alive(killed.pop())  # its CPU and memory are freed


def _wait_for_spare(pool: QueryPool) -> None:
    deadline = time.monotonic() + 30
    while pool._spare is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pool._spare is not None


def test_pool_recovers_after_a_timeout(pool: QueryPool) -> None:
    _wait_for_spare(pool)
    with pytest.raises(QueryTimeout):
        pool.run_blocking(_job(RUNAWAY_QUERY))
    assert len(pool._live) == pool.size  # the spare took the killed worker's place
    started = time.monotonic()
    out = pool.run_blocking(_job("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", accept="text/csv"))
    assert time.monotonic() - started < 0.5
    assert out.body.decode().split() == ["n", "31"]
    _wait_for_spare(pool)  # and a new spare gets ready for the next one


def test_fast_query_is_answered_while_a_runaway_one_runs(data_dir: Path) -> None:
    pool = QueryPool(store_path(data_dir), timeout=2.0, workers=2)

    async def scenario() -> tuple[float, bool]:
        runaway = asyncio.ensure_future(pool.run(_job(RUNAWAY_QUERY)))
        await asyncio.sleep(0.3)  # the runaway query is evaluating now
        started = time.monotonic()
        answer = await pool.run(_job("ASK { ?s a sk:Task }"))
        elapsed = time.monotonic() - started
        still_running = not runaway.done()
        with pytest.raises(QueryTimeout):
            await runaway
        return elapsed, still_running and b"true" in answer.body

    try:
        pool.run_blocking(_job("ASK {}"))
        elapsed, answered_meanwhile = asyncio.run(scenario())
    finally:
        pool.close()
    assert answered_meanwhile
    assert elapsed < 0.5


def test_event_loop_is_not_blocked_while_a_query_runs(data_dir: Path) -> None:
    pool = QueryPool(store_path(data_dir), timeout=1.0, workers=2)

    async def scenario() -> int:
        ticks = 0
        runaway = asyncio.ensure_future(pool.run(_job(RUNAWAY_QUERY)))
        while not runaway.done():
            await asyncio.sleep(0.01)
            ticks += 1
        with pytest.raises(QueryTimeout):
            runaway.result()
        return ticks

    try:
        pool.run_blocking(_job("ASK {}"))
        ticks = asyncio.run(scenario())
    finally:
        pool.close()
    assert ticks > 50  # about 100 in the one second the query ran


# --------------------------------------------------------------------------- rows


@pytest.mark.parametrize(
    ("limit", "rows", "truncated"),
    [(100, 31, False), (31, 31, False), (30, 30, True), (1, 1, True)],
)
def test_row_limit_cuts_results_and_says_so(
    memory_store: Store, limit: int, rows: int, truncated: bool
) -> None:
    out = evaluate(memory_store, _job("SELECT * { ?s ?p ?o }", row_limit=limit))
    assert len(json.loads(out.body)["results"]["bindings"]) == rows
    assert out.truncated is truncated


@pytest.mark.parametrize("accept", ["text/csv", "text/tab-separated-values", "application/xml"])
def test_truncated_results_stay_well_formed_in_every_format(
    memory_store: Store, accept: str
) -> None:
    query = "SELECT ?s ?label { ?s rdfs:label ?label } ORDER BY ?s ?label"
    out = evaluate(memory_store, _job(query, accept=accept, row_limit=3))
    assert out.truncated
    if accept == "text/csv":
        rows = list(csv.reader(io.StringIO(out.body.decode())))
        assert rows[0] == ["s", "label"] and len(rows) == 4
    elif accept == "text/tab-separated-values":
        assert out.body.decode().count("\n") == 4
    else:
        assert out.body.count(b"<result>") == 3


def test_row_limit_applies_to_construct(memory_store: Store) -> None:
    out = evaluate(
        memory_store,
        _job("CONSTRUCT WHERE { ?s ?p ?o }", accept="application/n-triples", row_limit=5),
    )
    assert out.truncated and out.body.decode().count(" .\n") == 5
    out = evaluate(memory_store, _job("CONSTRUCT WHERE { ?s a sk:Task }", row_limit=5))
    assert not out.truncated and out.content_type.startswith("text/turtle")


def test_results_without_variables_survive_the_row_limit(memory_store: Store) -> None:
    out = evaluate(memory_store, _job("SELECT * {}", row_limit=5))
    assert json.loads(out.body) == {"head": {"vars": []}, "results": {"bindings": [{}]}}


# --------------------------------------------------------------------------- datasets


def test_query_runs_over_the_union_of_named_graphs(memory_store: Store) -> None:
    out = evaluate(memory_store, _job("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", accept="text/csv"))
    assert out.body.decode().split() == ["n", str(sum(GRAPH_SIZES.values()))]


def test_protocol_dataset_replaces_the_union(memory_store: Store) -> None:
    job = _job(
        "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
        accept="text/csv",
        default_graphs=(PLAN_GRAPH,),
        named_graphs=(),
    )
    assert evaluate(memory_store, job).body.decode().split() == ["n", "18"]


def test_graphs_outside_the_store_are_refused(memory_store: Store) -> None:
    with pytest.raises(BadParameter, match="not a graph in this store"):
        evaluate(memory_store, _job("ASK {}", default_graphs=("http://elsewhere/g",)))
    with pytest.raises(QueryRefused, match="FROM names <http://elsewhere/g>"):
        evaluate(memory_store, _job("ASK {}", from_graphs=("http://elsewhere/g",)))


def test_syntax_errors_and_unacceptable_formats(memory_store: Store) -> None:
    with pytest.raises(QuerySyntaxError, match="does not parse"):
        evaluate(memory_store, _job("SELECT * {"))
    with pytest.raises(NotAcceptable):
        evaluate(memory_store, _job("CONSTRUCT WHERE { ?s ?p ?o }", accept="text/csv"))


def test_errors_cross_the_process_boundary(pool: QueryPool) -> None:
    with pytest.raises(QuerySyntaxError):
        pool.run_blocking(_job("SELECT * {"))
    assert pool.run_blocking(GraphSizesJob()) == GRAPH_SIZES


def test_missing_store_is_reported(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="safetykg build"):
        QueryPool(tmp_path / "nothing-here")


def test_workers_see_writes_made_after_they_started(tmp_path: Path) -> None:
    data_dir = make_data_dir(tmp_path)
    pool = QueryPool(store_path(data_dir), timeout=5, workers=2)
    ask = _job('ASK { ?s rdfs:label "新部门"@zh }')
    try:
        assert b"false" in pool.run_blocking(ask).body
        writer = Store(str(store_path(data_dir)))  # as the service does when writes are on
        writer.add(
            Quad(
                NamedNode("https://w3id.org/safetykg/id/department/test/new"),
                NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                Literal("新部门", language="zh"),
                NamedNode(PLAN_GRAPH),
            )
        )
        assert b"true" in pool.run_blocking(ask).body
        assert b"true" in pool.run_blocking(ask).body  # the other worker too
    finally:
        pool.close()


# --------------------------------------------------------------------------- network


def test_a_worker_cannot_open_connections(pool: QueryPool) -> None:
    pool.run_blocking(_job("ASK {}"))
    if not pool.network_isolated:
        pytest.skip("this OS does not let the worker leave the network (needs CAP_SYS_ADMIN)")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(1.0)
    port = listener.getsockname()[1]
    service = f"SELECT * {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
    with listener:
        with pytest.raises(StoreUnavailable, match="unreachable"):  # guard bypassed on purpose
            pool.run_blocking(_job(service))
        with pytest.raises(socket.timeout):
            listener.accept()
