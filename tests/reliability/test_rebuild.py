"""``safetykg build`` over a store that has been written to: the plan graphs are made afresh,
while the hazard registry (``graph/hazards`` and its index in the default graph) and the
audit trail (``graph/audit``) are carried over into the new generation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, Store

from safetykg.access import Kind, Principal
from safetykg.audit import GRAPH_AUDIT, AuditEvent, history, record
from safetykg.errors import StoreUnavailable
from safetykg.namespaces import GRAPH_HAZARDS, ID, plan_graph
from safetykg.registry.ingest import ingest_text
from safetykg.registry.stored import load_hazards
from safetykg.registry.writer import rebuild_index
from safetykg.store import build, open_store, store_path
from tests.helpers.project import extractor
from tests.security.fixtures import HAZARDS, hazard_csv, hazard_row

PLAN = NamedNode(str(plan_graph("bozhou-2024")))
STALE = Quad(
    NamedNode(f"{ID}task/bozhou-2024/stale"),
    NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
    Literal("不在原文中"),
    PLAN,
)
"""A triple no extraction makes: a rebuild must drop it from the plan graph."""


def _graph(store: Store, graph: NamedNode | DefaultGraph) -> set[str]:
    return {str(q) for q in store.quads_for_pattern(None, None, None, graph)}


def _write_registry_and_audit(data_dir: Path) -> dict[str, set[str]]:
    """Import three hazards, append an audit record and a stale plan triple; return the
    carried graphs as they were (N-Quads lines by graph)."""
    store = open_store(data_dir)
    rows = [hazard_row(h, e) for h, e in HAZARDS.items()]
    ingest_text(store, hazard_csv(rows), "csv", shacl_max_records=0)
    record(
        store,
        AuditEvent(
            principal=Principal("ops", Kind.ADMIN),
            action="import",
            method="POST",
            path="/api/hazards/import",
            status=201,
            request_id="before-rebuild",
            targets=tuple(f"{ID}hazard/{h}" for h in HAZARDS),
        ),
    )
    store.add(STALE)
    store.flush()
    before = {
        "hazards": _graph(store, NamedNode(str(GRAPH_HAZARDS))),
        "audit": _graph(store, NamedNode(str(GRAPH_AUDIT))),
        "index": _graph(store, DefaultGraph()),
    }
    assert all(before.values()), {k: len(v) for k, v in before.items()}
    return before


@pytest.mark.timeout(300)
def test_rebuild_keeps_hazards_index_and_audit_and_refreshes_the_plan(
    fresh_dir: Path, project_root: Path
) -> None:
    before = _write_registry_and_audit(fresh_dir)
    old_generation = os.readlink(store_path(fresh_dir))

    report = build(fresh_dir, project_root, extract=extractor(), progress=False)

    assert os.readlink(store_path(fresh_dir)) != old_generation
    assert sorted(report.carried) == sorted(["", str(GRAPH_AUDIT), str(GRAPH_HAZARDS)])
    store = open_store(fresh_dir)
    assert _graph(store, NamedNode(str(GRAPH_HAZARDS))) == before["hazards"]
    assert _graph(store, NamedNode(str(GRAPH_AUDIT))) == before["audit"]
    assert _graph(store, DefaultGraph()) == before["index"]
    assert STALE not in store  # the plan graph was made afresh from the text
    assert report.graphs[PLAN.value] > 1000
    [entry] = history(store)
    assert (entry["request_id"], entry["agent"]) == ("before-rebuild", "ops")
    assert sorted(load_hazards(store, list(HAZARDS))) == sorted(HAZARDS)
    # the registry goes on from where it was: after one more import, the index kept up
    # incrementally from the carried one equals the index recomputed from the records
    more = ingest_text(
        store, hazard_csv([hazard_row("H-AFTER-REBUILD", "gas")]), "csv", shacl_max_records=0
    )
    assert more.hazards_added == 1
    incremental = _graph(store, DefaultGraph())
    rebuild_index(store)
    assert _graph(store, DefaultGraph()) == incremental


@pytest.mark.timeout(300)
def test_rebuild_while_the_service_holds_the_store_read_write(
    fresh_dir: Path, project_root: Path
) -> None:
    before = _write_registry_and_audit(fresh_dir)
    service = open_store(fresh_dir)  # the running service's handle
    try:
        report = build(fresh_dir, project_root, extract=extractor(), progress=False)
    finally:
        del service
    assert str(GRAPH_AUDIT) in report.carried
    store = open_store(fresh_dir, read_only=True)
    assert _graph(store, NamedNode(str(GRAPH_AUDIT))) == before["audit"]
    assert _graph(store, NamedNode(str(GRAPH_HAZARDS))) == before["hazards"]


def test_a_build_without_carry_over_starts_the_registry_empty(
    fresh_dir: Path, project_root: Path
) -> None:
    _write_registry_and_audit(fresh_dir)
    report = build(fresh_dir, project_root, extract=extractor(), progress=False, carry_over=False)
    assert report.carried == []
    store = open_store(fresh_dir, read_only=True)
    assert not store.contains_named_graph(NamedNode(str(GRAPH_AUDIT)))
    assert not _graph(store, DefaultGraph())


def test_an_unreadable_store_is_not_silently_replaced(fresh_dir: Path, project_root: Path) -> None:
    current = os.readlink(store_path(fresh_dir))
    (fresh_dir / current / "CURRENT").write_text("MANIFEST-gone\n")  # RocksDB cannot open it
    with pytest.raises(StoreUnavailable):
        build(fresh_dir, project_root, extract=extractor(), progress=False)
    assert os.readlink(store_path(fresh_dir)) == current
    assert not [p for p in fresh_dir.iterdir() if p.name.startswith((".build-", ".carry-"))]


@pytest.mark.timeout(300)
def test_the_cli_says_what_it_carried_and_can_start_empty(
    fresh_dir: Path, project_root: Path
) -> None:
    from typer.testing import CliRunner

    from safetykg.cli import app

    _write_registry_and_audit(fresh_dir)
    args = ["build", "--data-dir", str(fresh_dir), "--project-root", str(project_root)]
    kept = CliRunner().invoke(app, [*args, "--no-extract"])
    assert kept.exit_code == 0, kept.output
    assert f"carried over from the previous store: {GRAPH_HAZARDS}" in kept.output
    assert f"carried over from the previous store: {GRAPH_AUDIT}" in kept.output
    emptied = CliRunner().invoke(app, [*args, "--no-extract", "--no-carry-over"])
    assert emptied.exit_code == 0, emptied.output
    assert "carried over" not in emptied.output
    store = open_store(fresh_dir, read_only=True)
    assert not _graph(store, NamedNode(str(GRAPH_HAZARDS)))
