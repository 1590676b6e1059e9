"""The terms of the audit trail (``safetykg/audit.py``) and of the registry's own writes are
declared in the ontology and checked by the shapes.

The records are written by the library itself (:func:`safetykg.audit.record`,
:func:`safetykg.registry.ingest.ingest_text` is left to the registry's tests), so a
term added to the writer but not to ``ontology/safetykg.ttl`` fails here, not in a
researcher's query.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from safetykg.access import Kind, Principal
from safetykg.audit import GRAPH_AUDIT, AuditEvent, quads, record

from .conftest import CHECKS_DIR
from .test_ontology import SK, SKS, XSD, check_store, langs, run_check, validate

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib.*")

DEPT = "https://w3id.org/safetykg/id/department/bozhou/urban-management"
HAZARD = "https://w3id.org/safetykg/id/hazard/H-2025-0137"

FULL = AuditEvent(
    principal=Principal("gas-office", Kind.DEPARTMENT, DEPT),
    action="transition",
    method="POST",
    path="/api/hazards/H-2025-0137/transitions",
    status=201,
    request_id="9f1c2d",
    client="10.1.2.3",
    targets=(HAZARD,),
    summary='{"to": "closed"}',
    body_sha256="ab" * 32,
    body_bytes=57,
    started=datetime(2025, 3, 1, 2, 3, 4, tzinfo=UTC),
    ended=datetime(2025, 3, 1, 2, 3, 5, tzinfo=UTC),
)
"""A record with every optional field set, so every term the writer can use appears."""

# The kinds the ontology must give what an audit record uses.
KINDS = {
    SK.AuditRecord: OWL.Class,
    PROV.Activity: OWL.Class,
    PROV.Agent: OWL.Class,
    SK.action: OWL.DatatypeProperty,
    SK.outcome: OWL.DatatypeProperty,
    SK.httpStatus: OWL.DatatypeProperty,
    SK.httpMethod: OWL.DatatypeProperty,
    SK.requestPath: OWL.DatatypeProperty,
    SK.requestId: OWL.DatatypeProperty,
    SK.clientAddress: OWL.DatatypeProperty,
    SK.requestDigest: OWL.DatatypeProperty,
    SK.requestBytes: OWL.DatatypeProperty,
    SK.tokenKind: OWL.DatatypeProperty,
    PROV.startedAtTime: OWL.DatatypeProperty,
    PROV.endedAtTime: OWL.DatatypeProperty,
    PROV.wasAssociatedWith: OWL.ObjectProperty,
    PROV.actedOnBehalfOf: OWL.ObjectProperty,
    PROV.used: OWL.ObjectProperty,
}

# Vocabularies whose terms need no declaration of ours (OWL 2 DL reserves them).
BUILT_IN = (str(RDF), str(RDFS), str(OWL), str(XSD))


def audit_graph(*events: AuditEvent) -> Graph:
    """The audit records of ``events``, written by :func:`record` into a pyoxigraph store."""
    store = ox.Store()
    for event in events:
        record(store, event)
    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(str(GRAPH_AUDIT)))
    return Graph().parse(data=data, format="nt")


def used_terms(graph: Graph) -> set[URIRef]:
    """Every predicate and every class (object of ``rdf:type``) the graph uses."""
    return {p for p in graph.predicates()} | {
        o for o in graph.objects(None, RDF.type) if isinstance(o, URIRef)
    }


def test_a_full_record_uses_exactly_the_terms_listed_here() -> None:
    # A term added to safetykg/audit.py shows up here first: add it to KINDS and the ontology.
    assert used_terms(audit_graph(FULL)) - {RDF.type, RDFS.label, DCTERMS.description} == set(KINDS)


@pytest.mark.parametrize(("term", "kind"), sorted(KINDS.items()), ids=lambda t: str(t))
def test_audit_term_is_declared_with_its_kind(ontology: Graph, term: URIRef, kind: URIRef) -> None:
    assert (term, RDF.type, kind) in ontology


def test_every_term_a_record_uses_is_declared(ontology: Graph) -> None:
    declared = set(ontology.subjects(RDF.type, None))
    undeclared = {
        t for t in used_terms(audit_graph(FULL)) if not str(t).startswith(BUILT_IN)
    } - declared
    assert undeclared == set()


def test_audit_sk_terms_are_bilingual_defined_and_new(ontology: Graph) -> None:
    terms = sorted(t for t in KINDS if str(t).startswith(str(SK)))
    for term in terms:
        assert sorted(langs(ontology, term, RDFS.label)) == ["en", "zh"], term
        assert sorted(set(langs(ontology, term, SKOS.definition))) == ["en", "zh"], term
        assert sorted(langs(ontology, term, SKOS.changeNote)) == ["en", "zh"], term


def test_audit_record_is_a_prov_activity(ontology: Graph) -> None:
    assert (SK.AuditRecord, RDFS.subClassOf, PROV.Activity) in ontology
    assert (SK.tokenKind, RDFS.domain, PROV.Agent) in ontology
    for name in ("httpStatus", "requestBytes"):
        assert list(ontology.objects(SK[name], RDFS.range)) == [XSD.integer]


def test_undeclared_term_check_passes_over_an_audit_graph(ontology: Graph) -> None:
    store = check_store(ontology)
    store.extend(quads(FULL))
    rows = run_check(store, CHECKS_DIR / "undeclared-term-used-violation.rq")
    assert rows == [], rows


def test_undeclared_term_check_would_catch_a_new_audit_term(ontology: Graph) -> None:
    store = check_store(ontology)
    node = ox.NamedNode("https://w3id.org/safetykg/id/audit/x")
    store.add(
        ox.Quad(
            node,
            ox.NamedNode(f"{SK}tokenHash"),
            ox.Literal("x"),
            ox.NamedNode(str(GRAPH_AUDIT)),
        )
    )
    rows = run_check(store, CHECKS_DIR / "undeclared-term-used-violation.rq")
    assert [row[0] for row in rows] == [f"<{SK}tokenHash>"]


def test_audit_records_conform_to_the_shapes(shapes: Graph, ontology: Graph) -> None:
    admin = AuditEvent(  # the fewest fields: no client, body, targets or scope
        principal=Principal("ops", Kind.ADMIN),
        action="create",
        method="POST",
        path="/api/hazards",
        status=403,
        request_id="r2",
    )
    conforms, found = validate(audit_graph(FULL, admin), shapes, ontology)
    assert conforms, found


@pytest.mark.parametrize(
    ("predicate", "value", "shape"),
    [
        (SK.httpStatus, Literal("created"), "AuditRecord-httpStatus"),
        (SK.outcome, Literal("maybe"), "AuditRecord-outcome"),
        (SK.requestDigest, Literal("md5:00"), "AuditRecord-requestDigest"),
        (SK.requestPath, Literal("api/hazards"), "AuditRecord-requestPath"),
    ],
)
def test_a_malformed_audit_record_is_caught_by_its_shape(
    shapes: Graph, ontology: Graph, predicate: URIRef, value: Literal, shape: str
) -> None:
    data = audit_graph(FULL)
    (node,) = data.subjects(RDF.type, SK.AuditRecord)
    data.set((node, predicate, value))
    conforms, found = validate(data, shapes, ontology)
    assert not conforms
    assert found == {(str(node), str(SKS[shape]))}


@pytest.mark.parametrize("term", ["HighRiskEnterprise", "supersededAt", "recordDigest"])
def test_registry_terms_are_declared(ontology: Graph, term: str) -> None:
    # Written by safetykg/registry (records.py, index.py) besides the specification's terms.
    assert (SK[term], RDF.type, None) in ontology
    assert sorted(langs(ontology, SK[term], RDFS.label)) == ["en", "zh"]
