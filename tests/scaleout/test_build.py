"""safetykg/store.py ``build(…, remote=…)``: a server holds what an embedded build holds.

A rebuild on a server replaces the graphs made from the repository and, like
the embedded build, keeps the hazard registry (``graph/hazards`` and its index
in the default graph) and the audit trail, unless ``carry_over=False``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, Store

from safetykg import registry
from safetykg.access import Kind, Principal
from safetykg.audit import GRAPH_AUDIT, AuditEvent, history, quads
from safetykg.namespaces import GRAPH, GRAPH_HAZARDS, GRAPH_INFERRED, GRAPH_ONTOLOGY, ID, plan_graph
from safetykg.remote import RemoteStore
from safetykg.store import BuildReport, build, graph_sizes, open_store
from tests.scaleout.conftest import build_into

TODAY = dt.date(2026, 12, 31)
AS_OF = dt.date(2025, 6, 30)
LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
STALE = Quad(
    NamedNode(f"{ID}task/bozhou-2024/stale"),
    LABEL,
    Literal("不在原文中"),
    NamedNode(str(plan_graph("bozhou-2024"))),
)
"""A triple no extraction makes: a rebuild must drop it from the plan graph."""
STRAY = Quad(NamedNode(f"{ID}x"), LABEL, Literal("1"), NamedNode(str(GRAPH["scratch"])))
"""A graph of ours that no build makes and none carries over: a rebuild drops it."""
AUDIT = quads(
    AuditEvent(
        principal=Principal("ops", Kind.ADMIN),
        action="import",
        method="POST",
        path="/api/hazards/import",
        status=201,
        request_id="before-rebuild",
        started=dt.datetime(2025, 6, 1, 8, tzinfo=dt.UTC),
        ended=dt.datetime(2025, 6, 1, 8, 1, tzinfo=dt.UTC),
    ),
    NamedNode(f"{ID}audit/before-rebuild"),
)


@pytest.fixture(scope="module")
def hazard_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("registry") / "hazards.csv"
    registry.generate(path, enterprises=4, hazards=12, seed=11, as_of=AS_OF, progress=False)
    return path


def _triples(store: Store | RemoteStore, graph: str | DefaultGraph) -> set[str]:
    name = graph if isinstance(graph, DefaultGraph) else NamedNode(graph)
    return {
        " ".join(
            "_:b" if isinstance(t, BlankNode) else str(t)
            for t in (q.subject, q.predicate, q.object)
        )
        for q in store.quads_for_pattern(None, None, None, name)
    }


def _write_registry_and_audit(store: Store | RemoteStore, hazard_file: Path) -> None:
    """Import the hazards (records and index), append an audit record, and write a stale
    plan triple and a stray graph."""
    report = registry.ingest(store, hazard_file, today=TODAY, progress=False, shacl_max_records=0)
    assert report.hazards_added == 12
    store.extend([*AUDIT, STALE, STRAY])


def _carried(store: Store | RemoteStore) -> dict[str, set[str]]:
    """What a rebuild carries over: the registry, its index and the audit trail."""
    return {
        "hazards": _triples(store, str(GRAPH_HAZARDS)),
        "index": _triples(store, DefaultGraph()),
        "audit": _triples(store, str(GRAPH_AUDIT)),
    }


def _embedded_twin(project_root: Path, hazard_file: Path, data_dir: Path) -> Store:
    """An embedded store given the same writes and then rebuilt: what a server should match."""
    build(data_dir, project_root, reextract=False, progress=False)
    store = open_store(data_dir)
    _write_registry_and_audit(store, hazard_file)
    store.flush()
    del store
    report = build(data_dir, project_root, reextract=False, progress=False)
    assert str(GRAPH_HAZARDS) in report.carried
    return open_store(data_dir, read_only=True)


def test_every_graph_has_the_size_of_the_embedded_build(
    any_store: Store | RemoteStore, build_report: BuildReport
) -> None:
    sizes = graph_sizes(any_store)
    assert sizes == build_report.graphs
    assert sizes[str(GRAPH_INFERRED)] > 0 and sizes[str(GRAPH_ONTOLOGY)] > 0


def test_inferred_graph_is_the_embedded_one_triple_for_triple(
    any_store: Store | RemoteStore, embedded_store: Store
) -> None:
    expected = _triples(embedded_store, str(GRAPH_INFERRED))
    assert _triples(any_store, str(GRAPH_INFERRED)) == expected
    # one consequence spelled out: the inverse of sk:leadDepartment was materialised
    leads = any_store.query(
        "ASK { GRAPH <https://w3id.org/safetykg/graph/inferred> { "
        "<https://w3id.org/safetykg/id/department/bozhou/emergency-management> "
        "<https://w3id.org/safetykg/ontology#leadsSector> ?s } }"
    )
    assert bool(leads)


def test_ontology_graph_round_trips_with_its_blank_nodes(
    any_store: Store | RemoteStore, embedded_store: Store
) -> None:
    assert _triples(any_store, str(GRAPH_ONTOLOGY)) == _triples(embedded_store, str(GRAPH_ONTOLOGY))


def test_a_remote_rebuild_keeps_the_registry_its_index_and_the_audit_trail(
    fresh_store: RemoteStore,
    project_root: Path,
    build_report: BuildReport,
    hazard_file: Path,
    tmp_path: Path,
) -> None:
    twin = _embedded_twin(project_root, hazard_file, tmp_path / "embedded")
    _write_registry_and_audit(fresh_store, hazard_file)
    before = _carried(fresh_store)
    try:
        report = build(
            tmp_path / "data", project_root, reextract=False, progress=False, remote=fresh_store
        )
        assert report.location == fresh_store.url
        assert not (tmp_path / "data" / "store").exists()  # nothing embedded was written
        assert sorted(report.carried) == sorted(["", str(GRAPH_AUDIT), str(GRAPH_HAZARDS)])
        assert _carried(fresh_store) == before
        assert STALE not in fresh_store  # the plan graph was made afresh
        sizes = graph_sizes(fresh_store)
        assert STRAY.graph_name.value not in sizes  # type: ignore[union-attr]
        made = {g: n for g, n in sizes.items() if g not in (str(GRAPH_AUDIT), str(GRAPH_HAZARDS))}
        inferred = str(GRAPH_INFERRED)
        assert {g: n for g, n in made.items() if g != inferred} == {
            g: n for g, n in build_report.graphs.items() if g != inferred
        }
        # the reasoner ran over the carried hazards, as it does in the embedded build
        assert sizes == graph_sizes(twin)
        assert sizes[inferred] > build_report.graphs[inferred]
        assert _triples(fresh_store, inferred) == _triples(twin, inferred)
        [entry] = history(fresh_store)
        assert (entry["request_id"], entry["agent"]) == ("before-rebuild", "ops")
        stats = registry.statistics(fresh_store, AS_OF)
        assert stats == registry.statistics(twin, AS_OF)
    finally:
        del twin
        # the fixture's own rebuild keeps the registry: leave the server as a fresh build
        build(
            tmp_path / "clean",
            project_root,
            reextract=False,
            progress=False,
            remote=fresh_store,
            carry_over=False,
        )


def test_a_remote_build_without_carry_over_clears_the_registry_and_audit(
    fresh_store: RemoteStore,
    project_root: Path,
    build_report: BuildReport,
    hazard_file: Path,
    tmp_path: Path,
) -> None:
    _write_registry_and_audit(fresh_store, hazard_file)
    assert all(_carried(fresh_store).values())
    report = build(
        tmp_path,
        project_root,
        reextract=False,
        progress=False,
        remote=fresh_store,
        carry_over=False,
    )
    assert report.carried == []
    assert not any(_carried(fresh_store).values())
    assert not fresh_store.contains_named_graph(NamedNode(str(GRAPH_AUDIT)))
    assert graph_sizes(fresh_store) == report.graphs == build_report.graphs


@pytest.mark.parametrize("kind", ["oxigraph"])
def test_build_into_a_server_twice_gives_the_same_store(
    kind: str,
    request: pytest.FixtureRequest,
    project_root: Path,
    build_report: BuildReport,
    tmp_path: Path,
) -> None:
    server = request.getfixturevalue(f"{kind}_server")
    first = build_into(server, project_root, tmp_path / "1")
    second = build_into(server, project_root, tmp_path / "2")
    assert first.graphs == second.graphs == build_report.graphs
