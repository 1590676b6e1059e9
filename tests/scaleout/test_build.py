"""safetykg/store.py ``build(…, remote=…)``: a server holds what a fresh embedded build holds."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Store

from safetykg.namespaces import GRAPH, GRAPH_HAZARDS, GRAPH_INFERRED, GRAPH_ONTOLOGY
from safetykg.remote import RemoteStore
from safetykg.store import BuildReport, build, graph_sizes
from tests.scaleout.conftest import build_into


def _triples(store: Store | RemoteStore, graph: str) -> set[str]:
    return {
        " ".join(
            "_:b" if isinstance(t, BlankNode) else str(t)
            for t in (q.subject, q.predicate, q.object)
        )
        for q in store.quads_for_pattern(None, None, None, NamedNode(graph))
    }


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


def test_a_remote_rebuild_replaces_our_graphs_but_keeps_the_audit_trail(
    fresh_store: RemoteStore, project_root: Path, build_report: BuildReport, tmp_path: Path
) -> None:
    audit = NamedNode(str(GRAPH["audit"]))
    stray = NamedNode(str(GRAPH["scratch"]))
    note = Quad(
        NamedNode("https://w3id.org/safetykg/id/audit/1"),
        NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
        Literal("审计"),
        audit,
    )
    fresh_store.extend(
        [
            note,
            Quad(
                NamedNode("https://w3id.org/safetykg/id/x"),
                NamedNode("http://ex/p"),
                Literal("1"),
                stray,
            ),
            Quad(
                NamedNode("https://w3id.org/safetykg/id/hazard/H-1"),
                NamedNode("http://ex/p"),
                Literal("1"),
                NamedNode(str(GRAPH_HAZARDS)),
            ),
        ]
    )
    try:
        report = build(tmp_path, project_root, reextract=False, progress=False, remote=fresh_store)
        assert report.location == fresh_store.url
        assert not (tmp_path / "store").exists()  # nothing embedded was written
        sizes = graph_sizes(fresh_store)
        assert note in fresh_store
        assert stray.value not in sizes
        assert {g: n for g, n in sizes.items() if g != audit.value} == build_report.graphs
    finally:
        fresh_store.remove_graph(audit)


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
