"""safetykg/check.py: HermiT consistency and SHACL validation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import Store

from safetykg.check import CheckReport, check_graphs, hermit, load_store_graphs, shacl

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java")

EX = "http://example.org/"


@pytest.fixture(scope="module")
def report(built_store: Store, project_root: Path) -> CheckReport:
    ontology, data = load_store_graphs(built_store)
    shapes = rdflib.Graph().parse(project_root / "ontology" / "shapes.ttl")
    return check_graphs(ontology, data, shapes)


def test_hermit_finds_the_built_graphs_consistent(report: CheckReport) -> None:
    assert report.hermit is not None
    assert report.hermit.consistent is True, "\n".join(report.lines())
    assert report.hermit.unsatisfiable == [], "\n".join(report.lines())


def test_shacl_finds_no_violations_in_the_built_graphs(report: CheckReport) -> None:
    assert report.shacl is not None
    assert report.shacl.violations == [], "\n".join(report.lines())


def test_check_graphs_reads_plans_and_reference_but_not_inferences(built_store: Store) -> None:
    _, data = load_store_graphs(built_store)
    subjects = {str(s) for s in data.subjects()}
    assert "https://w3id.org/safetykg/id/region/guoyang" in subjects  # reference
    assert "https://w3id.org/safetykg/id/plan/bozhou-2024" in subjects  # plan
    leads_sector = rdflib.URIRef("https://w3id.org/safetykg/ontology#leadsSector")
    assert not list(data.triples((None, leads_sector, None)))  # only in graph/inferred


def test_hermit_reports_an_inconsistency_and_unsatisfiable_classes() -> None:
    ontology = rdflib.Graph().parse(
        data=f"""
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <{EX}Dept> a owl:Class . <{EX}Region> a owl:Class ; owl:disjointWith <{EX}Dept> .
        <{EX}Impossible> a owl:Class ; rdfs:subClassOf <{EX}Dept> , <{EX}Region> .
        """,
        format="turtle",
    )
    fine = hermit(ontology, rdflib.Graph())
    assert fine.consistent is True
    assert fine.unsatisfiable == [f"{EX}Impossible"]
    assert not fine.ok

    data = rdflib.Graph().parse(data=f"<{EX}x> a <{EX}Dept> , <{EX}Region> .", format="turtle")
    broken = hermit(ontology, data)
    assert broken.consistent is False and not broken.ok


def test_shacl_reports_focus_path_and_message() -> None:
    shapes = rdflib.Graph().parse(
        data=f"""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <{EX}DeptShape> a sh:NodeShape ; sh:targetClass <{EX}Dept> ;
            sh:property [ sh:path rdfs:label ; sh:minCount 1 ;
                          sh:message "a department needs a label" ] .
        """,
        format="turtle",
    )
    ontology = rdflib.Graph().parse(
        data=f"<{EX}Bureau> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{EX}Dept> .",
        format="turtle",
    )
    # Typed only as the subclass: the ontology's subClassOf makes the shape apply.
    data = rdflib.Graph().parse(data=f"<{EX}edu> a <{EX}Bureau> .", format="turtle")
    result = shacl(data, shapes, ontology)
    [violation] = result.violations
    assert (violation.focus, violation.path, violation.message) == (
        f"{EX}edu",
        "rdfs:label",
        "a department needs a label",
    )
    assert violation.line().startswith(f"Violation: {EX}edu rdfs:label")
    assert not result.ok
