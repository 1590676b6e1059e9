"""safetykg/store.py: building, the named graphs, union querying, atomic rebuilds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Store

from safetykg.errors import QuerySyntaxError, SafetyKGError, StoreUnavailable
from safetykg.namespaces import (
    GRAPH_INFERRED,
    GRAPH_ONTOLOGY,
    GRAPH_REFERENCE,
    ID,
    SK,
    plan_graph,
)
from safetykg.store import (
    BuildReport,
    build,
    graph_sizes,
    open_store,
    oxigraph_term,
    query,
    read_plan_list,
)
from tests.helpers.project import REPO, fixture_extractor, real_extractor

PLAN = str(plan_graph("bozhou-2024"))


def test_named_graphs_are_present_and_filled(built_store: Store) -> None:
    sizes = graph_sizes(built_store)
    for graph in (GRAPH_ONTOLOGY, GRAPH_REFERENCE, GRAPH_INFERRED, plan_graph("bozhou-2024")):
        assert sizes.get(str(graph), 0) > 0, (graph, sizes)


def test_each_source_lands_in_its_graph(built_store: Store) -> None:
    rows = query(
        built_store,
        "SELECT * { GRAPH ?g { ?s a ?c } }",
        {"s": NamedNode(f"{ID}region/guoyang"), "c": NamedNode(f"{SK}County")},
    )
    assert [r["g"].value for r in rows] == [str(GRAPH_REFERENCE)]
    rows = query(
        built_store,
        "SELECT * { GRAPH ?g { ?c a owl:Class } }",
        {"c": NamedNode(f"{SK}Plan")},
        prefixes={"owl": "http://www.w3.org/2002/07/owl#"},
    )
    assert [r["g"].value for r in rows] == [str(GRAPH_ONTOLOGY)]


def test_query_sees_the_union_of_named_graphs(built_store: Store) -> None:
    # One pattern joins the plan (the plan node), the ontology (the class label)
    # and the reference data (the city), with no GRAPH clause.
    rows = list(
        query(
            built_store,
            """PREFIX sk: <https://w3id.org/safetykg/ontology#>
               PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
               SELECT ?classLabel ?cityLabel {
                 ?plan a sk:Plan .
                 sk:Plan rdfs:label ?classLabel . FILTER(lang(?classLabel) = "en")
                 ?city a sk:City ; rdfs:label ?cityLabel . FILTER(lang(?cityLabel) = "zh")
               }""",
        )
    )
    assert rows, "no plan, class label or city found over the union"
    assert {r["cityLabel"].value for r in rows} == {"亳州市"}


def test_substitutions_bind_terms_not_text(built_store: Store) -> None:
    sparql = "SELECT ?r ?label { ?r rdfs:label ?label FILTER(lang(?label) = 'zh') }"
    prefixes = {"rdfs": "http://www.w3.org/2000/01/rdf-schema#"}
    rows = query(built_store, sparql, {"?r": NamedNode(f"{ID}region/guoyang")}, prefixes=prefixes)
    assert [r["label"].value for r in rows] == ["涡阳县"]
    # A hostile value is a term: it matches nothing and changes no query text.
    hostile = Literal("涡阳县' } ; DROP ALL ; SELECT * { '", language="zh")
    assert list(query(built_store, sparql, {"label": hostile}, prefixes=prefixes)) == []
    with pytest.raises(ValueError):
        NamedNode("http://x/>} ; DROP ALL")


def test_rdflib_terms_are_accepted_as_substitutions() -> None:
    from rdflib import Literal as RLiteral
    from rdflib import URIRef

    assert oxigraph_term(URIRef("http://x/a")) == NamedNode("http://x/a")
    assert oxigraph_term(RLiteral("亳州", lang="zh")) == Literal("亳州", language="zh")


def test_syntax_errors_become_query_syntax_error(built_store: Store) -> None:
    with pytest.raises(QuerySyntaxError) as err:
        query(built_store, "SELEKT * { ?s ?p ?o }")
    assert err.value.status == 400


def test_open_store_without_a_build(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="safetykg build"):
        open_store(tmp_path)


def test_plans_toml_lists_the_bozhou_plan() -> None:
    [plan] = read_plan_list(REPO)
    assert (plan.id, plan.jurisdiction, plan.source_name) == (
        "bozhou-2024",
        "bozhou",
        "bozhou-work-safety-plan-2024-2026.txt",
    )


def test_bad_plans_toml_names_the_problem(tmp_path: Path) -> None:
    (tmp_path / "graph_data").mkdir()
    (tmp_path / "graph_data" / "plans.toml").write_text('[[plan]]\nid = "x"\n', encoding="utf-8")
    with pytest.raises(SafetyKGError, match="missing jurisdiction, source"):
        read_plan_list(tmp_path)


@pytest.mark.skipif(real_extractor() is None, reason="the extractor does not exist yet")
def test_session_build_left_the_committed_plan_graph_unchanged(
    build_report: BuildReport, project_root: Path
) -> None:
    # The session build ran the real extractor over a copy of the checkout;
    # it must have reproduced the committed graph byte for byte.
    assert build_report.plans_written == []
    committed = REPO / "graph_data" / "plans" / "bozhou-2024.ttl"
    assert (
        project_root / "graph_data/plans/bozhou-2024.ttl"
    ).read_bytes() == committed.read_bytes()


def test_build_writes_a_plan_graph_only_when_it_changes(project_root: Path, tmp_path: Path) -> None:
    from tests.helpers.project import make_project

    root = make_project(tmp_path / "project")
    target = root / "graph_data" / "plans" / "bozhou-2024.ttl"
    first = build(tmp_path / "data", root, extract=fixture_extractor, progress=False)
    assert first.plans_written == [target]
    stamp = target.stat().st_mtime_ns
    second = build(tmp_path / "data", root, extract=fixture_extractor, progress=False)
    assert second.plans_written == []
    assert target.stat().st_mtime_ns == stamp


def test_rebuild_is_atomic_for_a_running_reader(project_root: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    build(data, project_root, reextract=False, progress=False)
    first_target = os.readlink(data / "store")
    reader = open_store(data, read_only=True)
    before = graph_sizes(reader)

    build(data, project_root, reextract=False, progress=False)
    # The reader still reads its own, complete generation ...
    assert graph_sizes(reader) == before
    # ... while new readers get the new one, which is just as complete.
    assert os.readlink(data / "store") != first_target
    assert graph_sizes(open_store(data, read_only=True)) == before

    build(data, project_root, reextract=False, progress=False)
    generations = sorted(p.name for p in data.iterdir() if p.name.startswith("store-"))
    assert len(generations) == 2, generations  # current + previous
    assert not [p for p in data.iterdir() if p.name.startswith(".build-")]


def test_failed_build_keeps_the_current_store(project_root: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    build(data, project_root, reextract=False, progress=False)
    current = os.readlink(data / "store")

    def broken(*_: str) -> str:
        return "this is not turtle ."

    with pytest.raises(SyntaxError, match="bozhou-2024.ttl"):
        import shutil

        root = tmp_path / "broken"
        shutil.copytree(project_root, root)
        build(data, root, extract=broken, progress=False)
    assert os.readlink(data / "store") == current
    assert not [p for p in data.iterdir() if p.name.startswith(".build-")]
    assert graph_sizes(open_store(data, read_only=True))[PLAN] > 0
