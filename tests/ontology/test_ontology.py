"""Tests of ``ontology/``: the OWL ontology, the SHACL shapes and the QC queries.

What is checked, in the order of the file:

* the ontology header and the public contract of term names (SPEC "Ontology terms");
* every ``sk:`` term is bilingual, defined and ``rdfs:isDefinedBy`` the ontology;
* the axioms others rely on: functional properties, ranges, inverse pairs, the
  ``sk:responsibleDepartment`` property chain, alignments to ORG/SKOS/PROV/Time/DCTERMS;
* each ``ontology/checks/*-violation.rq`` returns no rows over the real files
  (pyoxigraph, ontology in its named graph) and does return the offending term
  over a deliberately broken variant;
* OWL 2 DL: the OWL API profile checker bundled with HermiT finds no violation,
  and HermiT finds the ontology consistent, with no unsatisfiable class, and
  draws the inferences the property chain and inverses promise;
* the shapes are well-formed SHACL, accept a small hand-made valid graph, and
  reject hand-made invalid variants with the expected shape and focus node;
* the committed plan graph conforms to the shapes.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import owlready2
import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS

from .conftest import (
    CHECKS_DIR,
    ONTOLOGY_TTL,
    PLANS_DIR,
    REFERENCE_DIR,
    copy_graph,
)

SK = Namespace("https://w3id.org/safetykg/ontology#")
SKS = Namespace("https://w3id.org/safetykg/shapes#")
ORG = Namespace("http://www.w3.org/ns/org#")
# Open namespaces: rdflib's closed XSD and TIME warn when pytest probes module attributes.
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
TIME = Namespace("http://www.w3.org/2006/time#")
ID = Namespace("https://w3id.org/safetykg/id/")
ONTOLOGY_IRI = URIRef("https://w3id.org/safetykg/ontology")
GRAPH_ONTOLOGY = "https://w3id.org/safetykg/graph/ontology"
GRAPH_REFERENCE = "https://w3id.org/safetykg/graph/reference"

# pyshacl walks rdflib Datasets through APIs rdflib 7 deprecates: thousands of warnings per run.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib.*")

JAVA = shutil.which("java")
needs_java = pytest.mark.skipif(JAVA is None, reason="HermiT and the OWL API need `java`")

# --------------------------------------------------------------------------- the contract

CLASSES = """
    Plan Action Task Goal Phase SourceDocument SourceSpan Mention MentionRole RuleStatement Rule
    LeadAssignment Deadline FrequencyRequirement Department LocalGovernment Region City County
    District Park Enterprise Sector HighRiskSector ResponsibilityKind EscalationMeasure Hazard
    MajorHazard DiscoveryChannel HazardStatus EscalationEvent StatusChange
""".split()

OBJECT_PROPERTIES = """
    hasAction hasTask hasGoal hasPhase actionOf inAction issuer hasDeadline hasFrequency
    stricterVariantOf jurisdiction partOfRegion government leadDepartment leadsSector
    participatingDepartment mentionsDepartment concernsSector mentionsMeasure mentionsChannel
    assignedSector assignedDepartment qualifiedLead mentionedIn mentionOf mentionRole statesRule
    rule atEnterprise discoveredVia status reviewedBy listedBy hasEscalation measure byOrganization
    inSector inRegion responsibleDepartment fromStatus toStatus source inDocument
""".split()

DATATYPE_PROPERTIES = """
    number fullText recipient issuedOn printedOn copies startDate endDate dueDate dateInferred
    clause expression period minCount highRiskVariant escalationOrder jointLead discoveredOn
    rectificationDeadline closedOn description listedOn eventDate synthetic creditCode principal
    actualController changedAt reason quote startOffset endOffset sha256
""".split()

INDIVIDUALS = {
    "MentionRole": "RoleNamed RoleLead RoleParticipant RoleHighRisk",
    "Rule": "ThreeManagesThreeMusts",
    "ResponsibilityKind": "EnterpriseResponsibility SectorResponsibility TerritorialResponsibility",
    "EscalationMeasure": "MeasureLetter MeasureCircular MeasureInterview MeasureExposure "
    "MeasureListedSupervision MeasureRedYellowCard MeasureAccountability",
    "DiscoveryChannel": "ChannelSelfReport ChannelInspection ChannelPublicReport",
    "HazardStatus": "StatusReported StatusRectifying StatusRectified StatusClosed",
}
INDIVIDUAL_CLASS = {ind: cls for cls, names in INDIVIDUALS.items() for ind in names.split()}

# Classes whose members are the ontology's own named individuals: no data shape needed.
VOCABULARY_CLASSES = set(INDIVIDUALS)


def sk_terms(graph: Graph) -> set[URIRef]:
    """Every IRI in the ``sk:`` namespace that the ontology declares (gives a type)."""
    return {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef) and s.startswith(SK)}


def langs(graph: Graph, subject: URIRef, predicate: URIRef) -> list[str | None]:
    return [o.language for o in graph.objects(subject, predicate) if isinstance(o, Literal)]


# --------------------------------------------------------------------------- header


def test_header_identifies_and_versions_the_ontology(ontology: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(ONTOLOGY_IRI, OWL.versionIRI) == URIRef(
        "https://w3id.org/safetykg/ontology/0.1.0"
    )
    assert ontology.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal("0.1.0")
    assert ontology.value(ONTOLOGY_IRI, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    for prop in (DCTERMS.created, DCTERMS.modified):
        value = ontology.value(ONTOLOGY_IRI, prop)
        assert isinstance(value, Literal) and value.datatype == XSD.date, prop
    assert ontology.value(ONTOLOGY_IRI, DCTERMS.creator) is not None


@pytest.mark.parametrize("prop", [DCTERMS.title, DCTERMS.description])
def test_header_title_and_description_in_both_languages(ontology: Graph, prop: URIRef) -> None:
    assert sorted(langs(ontology, ONTOLOGY_IRI, prop)) == ["en", "zh"]


def test_no_imports_and_no_other_ontology(ontology: Graph) -> None:
    assert not list(ontology.triples((None, OWL.imports, None)))
    assert set(ontology.subjects(RDF.type, OWL.Ontology)) == {ONTOLOGY_IRI}


def test_sections_appear_in_the_fixed_order() -> None:
    text = ONTOLOGY_TTL.read_text(encoding="utf-8")
    banners = [
        "1. Plan structure",
        "2. Deadlines and frequencies",
        "3. Organisations, regions and sectors",
        "4. Responsibility, rules and escalation",
        "5. Hazards and lifecycle",
        "6. Provenance",
        "7. Alignments to ORG, SKOS, PROV-O, OWL-Time, DCTERMS",
    ]
    positions = [text.find(f"#    {b}") for b in banners]
    assert -1 not in positions, dict(zip(banners, positions, strict=True))
    assert positions == sorted(positions)


# --------------------------------------------------------------------------- terms


@pytest.mark.parametrize(
    ("name", "kind"),
    [(n, OWL.Class) for n in CLASSES]
    + [(n, OWL.ObjectProperty) for n in OBJECT_PROPERTIES]
    + [(n, OWL.DatatypeProperty) for n in DATATYPE_PROPERTIES]
    + [(n, OWL.NamedIndividual) for n in INDIVIDUAL_CLASS],
)
def test_spec_term_is_declared_with_its_kind(ontology: Graph, name: str, kind: URIRef) -> None:
    assert (SK[name], RDF.type, kind) in ontology


# Terms added beyond the specification; each says so in a skos:changeNote.
ADDED = ["mentionsRule", "concernsResponsibility", "hasStatusChange"]


@pytest.mark.parametrize("name", ADDED)
def test_added_term_is_an_object_property_with_a_change_note(ontology: Graph, name: str) -> None:
    assert (SK[name], RDF.type, OWL.ObjectProperty) in ontology
    assert sorted(langs(ontology, SK[name], SKOS.changeNote)) == ["en", "zh"]


@pytest.mark.parametrize(("name", "cls"), sorted(INDIVIDUAL_CLASS.items()))
def test_named_individual_has_its_class(ontology: Graph, name: str, cls: str) -> None:
    assert (SK[name], RDF.type, SK[cls]) in ontology


def test_every_sk_term_is_bilingual_defined_and_attributed(ontology: Graph) -> None:
    terms = sk_terms(ontology)
    contract = CLASSES + OBJECT_PROPERTIES + DATATYPE_PROPERTIES + list(INDIVIDUAL_CLASS)
    assert {SK[n] for n in contract + ADDED} <= terms
    problems = []
    for term in sorted(terms):
        if sorted(langs(ontology, term, RDFS.label)) != ["en", "zh"]:
            problems.append(f"{term}: rdfs:label languages {langs(ontology, term, RDFS.label)}")
        if sorted(set(langs(ontology, term, SKOS.definition))) != ["en", "zh"]:
            problems.append(f"{term}: skos:definition in {langs(ontology, term, SKOS.definition)}")
        if (term, RDFS.isDefinedBy, ONTOLOGY_IRI) not in ontology:
            problems.append(f"{term}: no rdfs:isDefinedBy")
    assert not problems, "\n".join(problems)


def test_no_iri_is_two_kinds_of_property(ontology: Graph) -> None:
    kinds = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    clashes = [
        s
        for s in set(ontology.subjects(RDF.type, None))
        if sum((s, RDF.type, k) in ontology for k in kinds) > 1
    ]
    assert not clashes


@pytest.mark.parametrize(
    "iri",
    [
        ORG.Organization,
        ORG.FormalOrganization,
        SKOS.Concept,
        PROV.Activity,
        PROV.Entity,
        TIME.ProperInterval,
        TIME.Instant,
        DCTERMS.Location,
    ],
)
def test_external_classes_are_declared(ontology: Graph, iri: URIRef) -> None:
    assert (iri, RDF.type, OWL.Class) in ontology


@pytest.mark.parametrize(
    ("iri", "kind"),
    [
        (p, OWL.AnnotationProperty)
        for p in (
            SKOS.definition,
            SKOS.altLabel,
            SKOS.prefLabel,
            SKOS.scopeNote,
            SKOS.editorialNote,
            DCTERMS.title,
            DCTERMS.description,
            DCTERMS.license,
            DCTERMS.created,
            DCTERMS.modified,
            DCTERMS.creator,
        )
    ]
    + [
        (PROV.wasDerivedFrom, OWL.ObjectProperty),
        (DCTERMS.publisher, OWL.ObjectProperty),
        (DCTERMS.issued, OWL.DatatypeProperty),
        (TIME.inXSDDate, OWL.DatatypeProperty),
    ],
)
def test_external_properties_are_declared(ontology: Graph, iri: URIRef, kind: URIRef) -> None:
    assert (iri, RDF.type, kind) in ontology


# --------------------------------------------------------------------------- axioms

FUNCTIONAL = """
    number dueDate dateInferred startOffset endOffset quote inDocument period minCount
    escalationOrder creditCode atEnterprise status closedOn discoveredOn rectificationDeadline
    issuedOn startDate endDate actionOf inAction assignedSector assignedDepartment
""".split()


@pytest.mark.parametrize("name", FUNCTIONAL)
def test_functional_property(ontology: Graph, name: str) -> None:
    assert (SK[name], RDF.type, OWL.FunctionalProperty) in ontology


@pytest.mark.parametrize("name", ["responsibleDepartment", "leadDepartment", "leadsSector"])
def test_composite_property_is_not_functional(ontology: Graph, name: str) -> None:
    # A property defined by a chain is non-simple: OWL 2 DL forbids it to be functional.
    assert (SK[name], RDF.type, OWL.FunctionalProperty) not in ontology


@pytest.mark.parametrize(
    ("name", "datatype"),
    [
        ("number", XSD.integer),
        ("dueDate", XSD.date),
        ("dateInferred", XSD.boolean),
        ("period", XSD.duration),
        ("minCount", XSD.integer),
        ("startDate", XSD.date),
        ("endDate", XSD.date),
        ("issuedOn", XSD.date),
        ("copies", XSD.integer),
        ("escalationOrder", XSD.integer),
        ("changedAt", XSD.dateTime),
        ("quote", XSD.string),
        ("startOffset", XSD.integer),
        ("endOffset", XSD.integer),
        ("creditCode", XSD.string),
        ("discoveredOn", XSD.date),
        ("rectificationDeadline", XSD.date),
        ("closedOn", XSD.date),
        ("highRiskVariant", XSD.boolean),
        ("jointLead", XSD.boolean),
        ("synthetic", XSD.boolean),
        ("clause", RDF.PlainLiteral),
        ("fullText", RDF.PlainLiteral),
        ("recipient", RDF.PlainLiteral),
        ("description", RDF.PlainLiteral),
    ],
)
def test_datatype_property_range(ontology: Graph, name: str, datatype: URIRef) -> None:
    assert list(ontology.objects(SK[name], RDFS.range)) == [datatype]


def union_members(graph: Graph, node: object) -> set[object]:
    if isinstance(node, BNode):
        return set(Collection(graph, graph.value(node, OWL.unionOf)))
    return {node}


@pytest.mark.parametrize(
    ("name", "domain", "range_"),
    [
        ("leadDepartment", {SK.Sector}, {SK.Department}),
        ("atEnterprise", {SK.Hazard}, {SK.Enterprise}),
        ("responsibleDepartment", {SK.Hazard}, {SK.Department}),
        ("hasDeadline", {SK.Task, SK.Goal, SK.Phase, SK.Plan}, {SK.Deadline}),
        ("inSector", {SK.Enterprise, SK.Hazard}, {SK.Sector}),
        ("mentionedIn", {SK.Mention}, {SK.Task, SK.Plan, SK.Phase}),
        ("discoveredVia", {SK.Hazard}, {SK.DiscoveryChannel}),
        ("status", {SK.Hazard}, {SK.HazardStatus}),
        ("issuer", {SK.Plan}, {ORG.Organization}),
    ],
)
def test_object_property_domain_and_range(
    ontology: Graph, name: str, domain: set[URIRef], range_: set[URIRef]
) -> None:
    domains = list(ontology.objects(SK[name], RDFS.domain))
    ranges = list(ontology.objects(SK[name], RDFS.range))
    assert len(domains) == 1 and union_members(ontology, domains[0]) == domain
    assert len(ranges) == 1 and union_members(ontology, ranges[0]) == range_


@pytest.mark.parametrize("name", ["source", "hasFrequency", "synthetic"])
def test_property_applying_to_anything_has_no_domain(ontology: Graph, name: str) -> None:
    assert not list(ontology.objects(SK[name], RDFS.domain))


def test_mention_of_has_no_range(ontology: Graph) -> None:
    assert not list(ontology.objects(SK.mentionOf, RDFS.range))


def test_responsible_department_chain_is_exactly_the_design(ontology: Graph) -> None:
    chains = list(ontology.objects(SK.responsibleDepartment, OWL.propertyChainAxiom))
    assert len(chains) == 1
    assert list(Collection(ontology, chains[0])) == [
        SK.atEnterprise,
        SK.inSector,
        SK.leadDepartment,
    ]


def test_lead_department_is_the_shortcut_of_lead_assignments(ontology: Graph) -> None:
    chains = list(ontology.objects(SK.leadDepartment, OWL.propertyChainAxiom))
    assert [list(Collection(ontology, c)) for c in chains] == [
        [SK.qualifiedLead, SK.assignedDepartment]
    ]


@pytest.mark.parametrize(
    ("prop", "inverse"),
    [
        ("leadsSector", "leadDepartment"),
        ("inAction", "hasTask"),
        ("actionOf", "hasAction"),
        ("qualifiedLead", "assignedSector"),
    ],
)
def test_inverse_pair(ontology: Graph, prop: str, inverse: str) -> None:
    assert (SK[prop], OWL.inverseOf, SK[inverse]) in ontology


@pytest.mark.parametrize(
    ("subject", "predicate", "obj"),
    [
        (SK.Department, RDFS.subClassOf, ORG.Organization),
        (SK.Enterprise, RDFS.subClassOf, ORG.FormalOrganization),
        (SK.LocalGovernment, RDFS.subClassOf, SK.Department),
        (SK.Sector, RDFS.subClassOf, SKOS.Concept),
        (SK.HighRiskSector, RDFS.subClassOf, SK.Sector),
        (SK.MajorHazard, RDFS.subClassOf, SK.Hazard),
        (SK.Region, RDFS.subClassOf, DCTERMS.Location),
        (SK.County, RDFS.subClassOf, SK.Region),
        (SK.Phase, RDFS.subClassOf, TIME.ProperInterval),
        (SK.Deadline, RDFS.subClassOf, TIME.Instant),
        (SK.StatusChange, RDFS.subClassOf, PROV.Activity),
        (SK.Plan, RDFS.subClassOf, PROV.Plan),
        (SK.SourceSpan, RDFS.subClassOf, PROV.Entity),
        (SK.source, RDFS.subPropertyOf, PROV.wasDerivedFrom),
        (SK.issuer, RDFS.subPropertyOf, DCTERMS.publisher),
        (SK.issuedOn, RDFS.subPropertyOf, DCTERMS.issued),
        (SK.dueDate, RDFS.subPropertyOf, TIME.inXSDDate),
    ],
)
def test_alignment(ontology: Graph, subject: URIRef, predicate: URIRef, obj: URIRef) -> None:
    assert (subject, predicate, obj) in ontology


def test_escalation_ladder_is_letter_circular_interview_exposure(ontology: Graph) -> None:
    ladder = sorted((int(o), s) for s, o in ontology.subject_objects(SK.escalationOrder))
    assert ladder == [
        (1, SK.MeasureLetter),
        (2, SK.MeasureCircular),
        (3, SK.MeasureInterview),
        (4, SK.MeasureExposure),
    ]
    names = [
        next(str(o) for o in ontology.objects(s, RDFS.label) if o.language == "zh")
        for _, s in ladder
    ]
    assert names == ["函告", "通报", "约谈", "曝光"]


@pytest.mark.parametrize(
    "name", ["MeasureListedSupervision", "MeasureRedYellowCard", "MeasureAccountability"]
)
def test_measures_outside_the_ladder_have_no_order(ontology: Graph, name: str) -> None:
    assert ontology.value(SK[name], SK.escalationOrder) is None


@pytest.mark.parametrize(
    "name",
    list(INDIVIDUALS["EscalationMeasure"].split()) + list(INDIVIDUALS["DiscoveryChannel"].split()),
)
def test_measures_and_channels_have_zh_synonyms(ontology: Graph, name: str) -> None:
    assert "zh" in langs(ontology, SK[name], SKOS.altLabel)


def test_three_manages_three_musts_states_its_three_clauses(ontology: Graph) -> None:
    zh = next(
        str(o)
        for o in ontology.objects(SK.ThreeManagesThreeMusts, SKOS.definition)
        if o.language == "zh"
    )
    for clause in ("管行业必须管安全", "管业务必须管安全", "管生产经营必须管安全"):
        assert clause in zh


def test_sectors_without_lead_fall_under_the_rule(ontology: Graph) -> None:
    for subject in (SK.Sector, SK.ThreeManagesThreeMusts, SK.responsibleDepartment):
        notes = [str(o) for o in ontology.objects(subject, SKOS.scopeNote) if o.language == "en"]
        assert any("lead department" in n or "sk:leadDepartment" in n for n in notes), subject
    sector_notes = " ".join(str(o) for o in ontology.objects(SK.Sector, SKOS.scopeNote))
    assert "sk:ThreeManagesThreeMusts" in sector_notes


def test_hazard_status_is_closed_over_the_four_statuses(ontology: Graph) -> None:
    (equivalent,) = list(ontology.objects(SK.HazardStatus, OWL.equivalentClass))
    members = list(Collection(ontology, ontology.value(equivalent, OWL.oneOf)))
    assert members == [SK.StatusReported, SK.StatusRectifying, SK.StatusRectified, SK.StatusClosed]


# --------------------------------------------------------------------------- QC checks

CHECKS = sorted(CHECKS_DIR.glob("*-violation.rq"))


def check_store(ontology: Graph, data: dict[str, list[Path | str]] | None = None) -> ox.Store:
    """An in-memory store: ``ontology`` in the ontology graph, ``data`` by graph name."""
    store = ox.Store()
    store.load(
        ontology.serialize(format="nt", encoding="utf-8"),
        format=ox.RdfFormat.N_TRIPLES,
        to_graph=ox.NamedNode(GRAPH_ONTOLOGY),
    )
    for graph_name, sources in (data or {}).items():
        for source in sources:
            if isinstance(source, Path):
                store.load(
                    path=source, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph_name)
                )
            else:
                store.load(source, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph_name))
    return store


def run_check(store: ox.Store, check: Path) -> list[list[str]]:
    solutions = store.query(check.read_text(encoding="utf-8"), use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    return [[str(v) if v is not None else "" for v in row] for row in solutions]


def test_there_are_the_required_checks() -> None:
    names = {c.name.removesuffix("-violation.rq") for c in CHECKS}
    assert {
        "missing-zh-label",
        "missing-en-label",
        "missing-definition",
        "missing-isdefinedby",
        "undeclared-term-used",
        "duplicate-label",
    } <= names


@pytest.mark.parametrize("check", CHECKS, ids=lambda p: p.name)
def test_check_has_a_bilingual_header(check: Path) -> None:
    head = [line for line in check.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    assert head and head[0].startswith("# title: ")
    assert any(line.startswith("# zh: ") for line in head)
    assert any(line.startswith("# en: ") for line in head)


@pytest.mark.parametrize("check", CHECKS, ids=lambda p: p.name)
def test_check_finds_nothing_in_the_ontology(ontology: Graph, check: Path) -> None:
    rows = run_check(check_store(ontology), check)
    assert rows == [], f"{check.name} reports:\n" + "\n".join(map(str, rows))


def data_graphs() -> dict[str, list[Path | str]]:
    graphs: dict[str, list[Path | str]] = {
        f"https://w3id.org/safetykg/graph/plan/{p.stem}": [p]
        for p in sorted(PLANS_DIR.glob("*.ttl"))
    }
    references: list[Path | str] = list(sorted(REFERENCE_DIR.glob("*.ttl")))
    if references:
        graphs[GRAPH_REFERENCE] = references
    return graphs


@pytest.mark.skipif(not list(PLANS_DIR.glob("*.ttl")), reason="no plan graph committed yet")
@pytest.mark.parametrize("check", CHECKS, ids=lambda p: p.name)
def test_check_finds_nothing_in_ontology_and_data(ontology: Graph, check: Path) -> None:
    rows = run_check(check_store(ontology, data_graphs()), check)
    assert rows == [], f"{check.name} reports:\n" + "\n".join(map(str, rows))


Mutation = Callable[[Graph], None]


def _drop(subject: URIRef, predicate: URIRef, lang: str | None = None) -> Mutation:
    def mutate(graph: Graph) -> None:
        for o in list(graph.objects(subject, predicate)):
            if lang is None or (isinstance(o, Literal) and o.language == lang):
                graph.remove((subject, predicate, o))

    return mutate


def _add(*triples: tuple[URIRef, URIRef, URIRef | Literal]) -> Mutation:
    def mutate(graph: Graph) -> None:
        for triple in triples:
            graph.add(triple)

    return mutate


# check name -> (change to the ontology, data graph in Turtle or None, terms that must be reported)
BROKEN = {
    "missing-zh-label": (_drop(SK.Task, RDFS.label, "zh"), None, {SK.Task}),
    "missing-en-label": (_drop(SK.dueDate, RDFS.label, "en"), None, {SK.dueDate}),
    "missing-definition": (_drop(SK.Hazard, SKOS.definition, "en"), None, {SK.Hazard}),
    "missing-isdefinedby": (_drop(SK.StatusClosed, RDFS.isDefinedBy), None, {SK.StatusClosed}),
    "duplicate-label": (
        _add((SK.Action, RDFS.label, Literal("Task", lang="en"))),
        None,
        {SK.Task, SK.Action},
    ),
    "undeclared-term-used": (
        None,
        """@prefix sk: <https://w3id.org/safetykg/ontology#> .
        <https://w3id.org/safetykg/id/task/x/1> a sk:Task ; sk:numbr 1 ;
            sk:concernsSector sk:SectorGas .
        <https://w3id.org/safetykg/id/deadline/x/1> a sk:Dedline ; sk:dueDate "2024-12-31" .""",
        {SK.numbr, SK.SectorGas, SK.Dedline},
    ),
    "undeclared-external-term": (
        _add((SK.Task, RDFS.subClassOf, PROV.Bundle), (SK.Task, DCTERMS.subject, Literal("x"))),
        None,
        {PROV.Bundle, DCTERMS.subject},
    ),
}


def test_every_check_has_a_broken_example() -> None:
    assert {c.name.removesuffix("-violation.rq") for c in CHECKS} == set(BROKEN)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_check_reports_exactly_the_broken_terms(ontology: Graph, name: str) -> None:
    mutate, data, expected = BROKEN[name]
    broken = copy_graph(ontology)
    if mutate is not None:
        mutate(broken)
    graphs: dict[str, list[Path | str]] = {}
    if data is not None:
        graphs["https://w3id.org/safetykg/graph/plan/x"] = [data]
    rows = run_check(check_store(broken, graphs), CHECKS_DIR / f"{name}-violation.rq")
    reported = {row[0] for row in rows}
    assert reported == {str(ox.NamedNode(str(t))) for t in expected}
    assert len(rows) == len(expected), rows  # one row per offending term


def test_undeclared_term_check_ignores_the_ontology_graph(ontology: Graph) -> None:
    # A term declared nowhere but *used* inside the ontology graph is not a data problem.
    broken = copy_graph(ontology)
    broken.add((SK.Task, SK.undeclaredAnnotation, Literal("x")))
    rows = run_check(check_store(broken), CHECKS_DIR / "undeclared-term-used-violation.rq")
    assert rows == []


# --------------------------------------------------------------------------- OWL 2 DL

PROFILE_JAVA = """
import java.io.File;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.*;
import org.semanticweb.owlapi.profiles.*;

public class Profile {
    public static void main(String[] args) throws Exception {
        for (String path : args) {
            OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
            OWLOntology ontology = manager.loadOntologyFromOntologyDocument(new File(path));
            OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
            System.out.println("FILE\\t" + path + "\\t" + ontology.getAxiomCount());
            for (OWLProfileViolation v : report.getViolations()) {
                System.out.println("VIOLATION\\t" + path + "\\t" + v.getClass().getSimpleName()
                    + "\\t" + v.toString().replace('\\n', ' '));
            }
        }
    }
}
"""

HERMIT_JAR = Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"


@pytest.fixture(scope="module")
def profile_report(ontology: Graph, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """OWL 2 DL profile violations (OWL API in HermiT.jar) of the ontology and of a bad copy."""
    if JAVA is None:
        pytest.skip("the OWL API needs `java`")
    tmp = tmp_path_factory.mktemp("profile")
    (tmp / "Profile.java").write_text(PROFILE_JAVA, encoding="utf-8")
    good = tmp / "good.nt"
    ontology.serialize(good, format="nt", encoding="utf-8")
    bad_graph = copy_graph(ontology)
    bad_graph.add((SK.responsibleDepartment, RDF.type, OWL.FunctionalProperty))
    bad = tmp / "bad.nt"
    bad_graph.serialize(bad, format="nt", encoding="utf-8")
    out = subprocess.run(
        [JAVA, "-cp", str(HERMIT_JAR), str(tmp / "Profile.java"), str(good), str(bad)],
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    ).stdout
    report: dict = {"good": [], "bad": [], "axioms": {}}
    for line in out.splitlines():
        parts = line.split("\t")
        key = "good" if parts[1] == str(good) else "bad"
        if parts[0] == "FILE":
            report["axioms"][key] = int(parts[2])
        elif parts[0] == "VIOLATION":
            report[key].append(f"{parts[2]}: {parts[3][:300]}")
    return report


@needs_java
def test_ontology_is_in_the_owl2_dl_profile(profile_report: dict) -> None:
    assert profile_report["axioms"]["good"] > 1000
    assert profile_report["good"] == [], "\n".join(profile_report["good"])


@needs_java
def test_profile_checker_catches_a_functional_chain_property(profile_report: dict) -> None:
    # Shows that the check above could fail: the same file with one DL error.
    assert any(
        v.startswith("UseOfNonSimplePropertyInFunctionalPropertyAxiom")
        for v in profile_report["bad"]
    ), profile_report["bad"]


ABOX = """
@prefix sk: <https://w3id.org/safetykg/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix hazard: <https://w3id.org/safetykg/id/hazard/> .
@prefix enterprise: <https://w3id.org/safetykg/id/enterprise/> .
@prefix sector: <https://w3id.org/safetykg/id/sector/> .
@prefix lead: <https://w3id.org/safetykg/id/lead/t/> .
@prefix dept: <https://w3id.org/safetykg/id/department/t/> .
@prefix task: <https://w3id.org/safetykg/id/task/t/> .
@prefix action: <https://w3id.org/safetykg/id/action/t/> .

hazard:H-1 a sk:MajorHazard ;
    sk:atEnterprise enterprise:91341600MA2N123456 ;
    sk:discoveredOn "2025-01-10"^^xsd:date ;
    sk:status sk:StatusRectifying .
enterprise:91341600MA2N123456 a sk:Enterprise ;
    sk:creditCode "91341600MA2N123456" ;
    sk:inSector sector:urban-gas .
sector:urban-gas a sk:Sector ;
    sk:qualifiedLead lead:urban-gas--urban-management .
lead:urban-gas--urban-management a sk:LeadAssignment ;
    sk:assignedDepartment dept:urban-management .
dept:urban-management a sk:Department .
action:1 a sk:Action ; sk:hasTask task:1 .
task:1 a sk:Task ; sk:number 1 .
"""


def load_world(graph: Graph, tmp: Path) -> tuple[owlready2.World, Path]:
    path = tmp / "kg.nt"
    graph.serialize(path, format="nt", encoding="utf-8")
    world = owlready2.World()
    world.get_ontology(path.as_uri()).load()
    return world, path


@pytest.fixture(scope="module")
def reasoned_world(ontology: Graph) -> Iterator[owlready2.World]:
    """HermiT over the ontology plus :data:`ABOX`, with inferred property values."""
    if JAVA is None:
        pytest.skip("HermiT needs `java`")
    graph = copy_graph(ontology)
    graph.parse(data=ABOX, format="turtle")
    with tempfile.TemporaryDirectory(prefix="safetykg-hermit-") as tmp:
        world, _ = load_world(graph, Path(tmp))
        # xsd:date and xsd:duration are outside the OWL 2 datatype map (see the header's
        # skos:editorialNote), hence ignore_unsupported_datatypes.
        owlready2.sync_reasoner_hermit(
            world, infer_property_values=True, debug=0, ignore_unsupported_datatypes=True
        )
        yield world
        world.close()


def values(world: owlready2.World, prop: str, subject: str) -> set[str]:
    return {v.iri for v in world[str(SK[prop])][world[str(ID[subject])]]}


@needs_java
def test_hermit_finds_no_unsatisfiable_class(reasoned_world: owlready2.World) -> None:
    unsatisfiable = [c.iri for c in reasoned_world.inconsistent_classes()]
    assert unsatisfiable == []
    assert reasoned_world[str(SK.MajorHazard)] is not None  # the ontology was loaded


@needs_java
@pytest.mark.parametrize(
    ("prop", "subject", "expected"),
    [
        ("responsibleDepartment", "hazard/H-1", "department/t/urban-management"),
        ("leadDepartment", "sector/urban-gas", "department/t/urban-management"),
        ("leadsSector", "department/t/urban-management", "sector/urban-gas"),
        ("inAction", "task/t/1", "action/t/1"),
    ],
)
def test_hermit_infers_chains_and_inverses(
    reasoned_world: owlready2.World, prop: str, subject: str, expected: str
) -> None:
    assert values(reasoned_world, prop, subject) == {str(ID[expected])}


@needs_java
@pytest.mark.parametrize(
    "contradiction",
    [
        # disjoint classes: a task is not a deadline
        "<https://w3id.org/safetykg/id/task/t/1> a sk:Deadline .",
        # functional datatype property with two values
        "<https://w3id.org/safetykg/id/task/t/1> sk:number 2 .",
        # HazardStatus is exactly the four statuses, which are all different
        "<https://w3id.org/safetykg/id/hazard/H-1> sk:status sk:StatusClosed .",
    ],
    ids=["disjoint-classes", "functional-number", "closed-status-list"],
)
def test_hermit_rejects_a_contradiction(
    ontology: Graph, tmp_path: Path, contradiction: str
) -> None:
    graph = copy_graph(ontology)
    graph.parse(data=ABOX, format="turtle")
    graph.parse(
        data="@prefix sk: <https://w3id.org/safetykg/ontology#> .\n" + contradiction,
        format="turtle",
    )
    world, _ = load_world(graph, tmp_path)
    try:
        with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
            owlready2.sync_reasoner_hermit(world, debug=0, ignore_unsupported_datatypes=True)
    finally:
        world.close()


@pytest.mark.slow
@needs_java
@pytest.mark.skipif(not list(PLANS_DIR.glob("*.ttl")), reason="no plan graph committed yet")
def test_hermit_finds_ontology_and_plan_graphs_consistent(ontology: Graph, tmp_path: Path) -> None:
    graph = copy_graph(ontology)
    for sources in data_graphs().values():
        for source in sources:
            graph.parse(source, format="turtle")
    world, _ = load_world(graph, tmp_path)
    try:
        owlready2.sync_reasoner_hermit(world, debug=0, ignore_unsupported_datatypes=True)
        assert [c.iri for c in world.inconsistent_classes()] == []
    finally:
        world.close()


# --------------------------------------------------------------------------- SHACL

SHACL_SHACL = Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl"


def test_shapes_graph_is_valid_shacl(shapes: Graph) -> None:
    conforms, _, text = pyshacl.validate(shapes, shacl_graph=str(SHACL_SHACL))
    assert conforms, text


def test_shacl_shacl_would_catch_a_malformed_shape(shapes: Graph) -> None:
    # One of our property shapes, copied alone, with a count that is not an integer.
    broken = Graph()
    for p, o in shapes.predicate_objects(SKS["Task-number"]):
        broken.add((SKS["Task-number"], p, o))
    conforms, _, _ = pyshacl.validate(broken, shacl_graph=str(SHACL_SHACL))
    assert conforms
    broken.set((SKS["Task-number"], SH.minCount, Literal("one")))
    conforms, _, _ = pyshacl.validate(broken, shacl_graph=str(SHACL_SHACL))
    assert not conforms


def test_shapes_use_only_declared_sk_terms(shapes: Graph, ontology: Graph) -> None:
    declared = sk_terms(ontology)
    used = {
        node
        for triple in shapes
        for node in triple
        if isinstance(node, URIRef) and node.startswith(SK)
    }
    assert used - declared == set()


def test_every_instantiated_class_has_a_shape(shapes: Graph, ontology: Graph) -> None:
    classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if c.startswith(SK)}
    targeted = set(shapes.objects(None, SH.targetClass))
    data_classes = {c for c in classes if c.removeprefix(str(SK)) not in VOCABULARY_CLASSES}
    assert data_classes - targeted == set()


def test_every_constraint_has_a_bilingual_message(shapes: Graph) -> None:
    holders = set(shapes.subjects(RDF.type, SH.PropertyShape)) | set(
        shapes.objects(None, SH.sparql)
    )
    assert len(holders) > 80
    missing = [h for h in holders if sorted(langs(shapes, h, SH.message)) != ["en", "zh"]]
    assert missing == []


@pytest.mark.parametrize(
    "cls",
    [
        SK.Deadline,
        SK.FrequencyRequirement,
        SK.LeadAssignment,
        SK.Mention,
        SK.Task,
        SK.Action,
        SK.Goal,
        SK.Phase,
        SK.RuleStatement,
    ],
)
def test_every_fact_node_class_needs_a_source(shapes: Graph, cls: URIRef) -> None:
    assert (SKS.SourcedShape, SH.targetClass, cls) in shapes
    assert shapes.value(SKS["Sourced-source"], SH.path) == SK.source
    assert shapes.value(SKS["Sourced-source"], SH.minCount) == Literal(1)


VALID = """
@prefix sk: <https://w3id.org/safetykg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix plan: <https://w3id.org/safetykg/id/plan/> .
@prefix action: <https://w3id.org/safetykg/id/action/t/> .
@prefix task: <https://w3id.org/safetykg/id/task/t/> .
@prefix goal: <https://w3id.org/safetykg/id/goal/t/> .
@prefix phase: <https://w3id.org/safetykg/id/phase/t/> .
@prefix deadline: <https://w3id.org/safetykg/id/deadline/t/> .
@prefix frequency: <https://w3id.org/safetykg/id/frequency/t/> .
@prefix lead: <https://w3id.org/safetykg/id/lead/t/> .
@prefix mention: <https://w3id.org/safetykg/id/mention/t/> .
@prefix rule: <https://w3id.org/safetykg/id/rule/t/> .
@prefix span: <https://w3id.org/safetykg/id/span/t/> .
@prefix source: <https://w3id.org/safetykg/id/source/> .
@prefix dept: <https://w3id.org/safetykg/id/department/t/> .
@prefix sector: <https://w3id.org/safetykg/id/sector/> .
@prefix region: <https://w3id.org/safetykg/id/region/> .
@prefix enterprise: <https://w3id.org/safetykg/id/enterprise/> .
@prefix hazard: <https://w3id.org/safetykg/id/hazard/> .
@prefix event: <https://w3id.org/safetykg/id/escalation/> .
@prefix change: <https://w3id.org/safetykg/id/change/> .

plan:t a sk:Plan ; rdfs:label "测试方案"@zh , "test plan"@en ;
    sk:issuedOn "2024-02-21"^^xsd:date ; sk:issuer dept:committee ;
    sk:startDate "2024-02-01"^^xsd:date ; sk:endDate "2026-12-31"^^xsd:date ;
    sk:hasAction action:1 ; sk:hasGoal goal:1 ; sk:hasPhase phase:1 ; sk:statesRule rule:1 ;
    sk:recipient "各县、区人民政府"@zh ; sk:copies 10 .
action:1 a sk:Action ; rdfs:label "责任落实行动"@zh , "responsibility action"@en ;
    sk:number 1 ; sk:hasTask task:1 ; sk:source span:0-4 .
task:1 a sk:Task ; rdfs:label "开展督导"@zh , "run supervision"@en ;
    sk:number 1 ; sk:fullText "一二三四"@zh ; sk:source span:0-4 ;
    sk:hasDeadline deadline:task-1-1 ; sk:hasFrequency frequency:task-1-1 , frequency:task-1-2 ;
    sk:mentionsDepartment dept:education ; sk:concernsSector sector:campus ;
    sk:mentionsMeasure sk:MeasureLetter ; sk:mentionsChannel sk:ChannelInspection ;
    sk:concernsResponsibility sk:SectorResponsibility ; sk:mentionsRule sk:ThreeManagesThreeMusts .
goal:1 a sk:Goal ; rdfs:label "清零存量"@zh , "clear the backlog"@en ;
    sk:number 1 ; sk:hasDeadline deadline:goal-1-1 ; sk:source span:0-4 .
phase:1 a sk:Phase ; rdfs:label "动员部署阶段"@zh , "mobilisation"@en ; sk:number 1 ;
    sk:startDate "2024-02-01"^^xsd:date ; sk:endDate "2024-04-30"^^xsd:date ; sk:source span:0-4 .
deadline:task-1-1 a sk:Deadline ; rdfs:label "任务1时限"@zh , "task 1 deadline"@en ;
    sk:dueDate "2024-12-31"^^xsd:date ; sk:dateInferred true ; sk:expression "2024年底前" ;
    sk:clause "一二三四"@zh ; sk:source span:0-4 .
deadline:goal-1-1 a sk:Deadline ; rdfs:label "目标1时限"@zh , "goal 1 deadline"@en ;
    sk:dueDate "2024-12-31"^^xsd:date ; sk:dateInferred true ; sk:expression "2024年底前" ;
    sk:clause "一二三四"@zh ; sk:source span:0-4 .
frequency:task-1-1 a sk:FrequencyRequirement ; rdfs:label "每季度"@zh , "quarterly"@en ;
    sk:period "P3M"^^xsd:duration ; sk:minCount 1 ; sk:highRiskVariant false ;
    sk:expression "每季度" ; sk:clause "一二三四"@zh ; sk:source span:0-4 .
frequency:task-1-2 a sk:FrequencyRequirement ; rdfs:label "每月（高危）"@zh , "monthly (high-risk)"@en ;
    sk:period "P1M"^^xsd:duration ; sk:minCount 1 ; sk:highRiskVariant true ;
    sk:stricterVariantOf frequency:task-1-1 ; sk:source span:0-4 .
sector:campus a sk:Sector ; rdfs:label "校园"@zh , "campus"@en ; skos:altLabel "学校"@zh ;
    skos:inScheme <https://w3id.org/safetykg/id/scheme/sectors> ;
    sk:leadDepartment dept:education ; sk:qualifiedLead lead:campus--education .
sector:coal-mines a sk:HighRiskSector ; rdfs:label "煤矿"@zh , "coal mines"@en ;
    skos:inScheme <https://w3id.org/safetykg/id/scheme/sectors> .
lead:campus--education a sk:LeadAssignment ; rdfs:label "教育局牵头校园"@zh ,
        "education leads campus"@en ;
    sk:assignedSector sector:campus ; sk:assignedDepartment dept:education ;
    sk:jointLead false ; sk:source span:0-4 .
dept:education a sk:Department ; rdfs:label "市教育局"@zh , "education bureau"@en ;
    sk:jurisdiction region:t .
dept:committee a sk:Department ; rdfs:label "市安委会"@zh , "safety committee"@en .
dept:government a sk:LocalGovernment ; rdfs:label "市政府"@zh , "city government"@en ;
    sk:jurisdiction region:t .
region:t a sk:City ; rdfs:label "测试市"@zh , "Test City"@en ; sk:government dept:government .
region:t-county a sk:County ; rdfs:label "测试县"@zh , "Test County"@en ; sk:partOfRegion region:t .
rule:1 a sk:RuleStatement ; rdfs:label "三管三必须"@zh , "three musts"@en ;
    sk:rule sk:ThreeManagesThreeMusts ; sk:source span:0-4 .
mention:task-1-1 a sk:Mention ; rdfs:label "任务1提及教育局"@zh , "task 1 names education"@en ;
    sk:mentionedIn task:1 ; sk:mentionOf dept:education ; sk:mentionRole sk:RoleLead ;
    sk:source span:0-4 .
source:t a sk:SourceDocument ; rdfs:label "原文"@zh , "source text"@en ;
    dcterms:identifier "t.txt" ;
    sk:sha256 "31017a2a3b085871c9f69beb46a699f7a7d90fc9fed46fc039dabc1e17e03d43" .
span:0-4 a sk:SourceSpan ; rdfs:label "原文 0–4"@zh , "source text 0–4"@en ;
    sk:quote "一二三四" ; sk:startOffset 0 ; sk:endOffset 4 ; sk:inDocument source:t .
enterprise:91341600MA2N123456 a sk:Enterprise ; rdfs:label "测试燃气公司"@zh , "Test Gas Co."@en ;
    sk:creditCode "91341600MA2N123456" ; sk:inSector sector:campus ; sk:inRegion region:t-county ;
    sk:principal "张三" ; sk:actualController "李四" ; sk:synthetic true .
hazard:H-1 a sk:MajorHazard ; rdfs:label "隐患 H-1"@zh , "hazard H-1"@en ;
    sk:atEnterprise enterprise:91341600MA2N123456 ; sk:discoveredOn "2025-01-10"^^xsd:date ;
    sk:discoveredVia sk:ChannelInspection ; sk:rectificationDeadline "2025-03-31"^^xsd:date ;
    sk:status sk:StatusClosed ; sk:closedOn "2025-03-20"^^xsd:date ; sk:reviewedBy dept:education ;
    sk:description "安全出口锁闭"@zh ; sk:hasEscalation event:1 ; sk:hasStatusChange change:1 .
hazard:H-2 a sk:Hazard ; rdfs:label "隐患 H-2"@zh , "hazard H-2"@en ;
    sk:atEnterprise enterprise:91341600MA2N123456 ; sk:discoveredOn "2025-02-01"^^xsd:date ;
    sk:discoveredVia sk:ChannelSelfReport ; sk:rectificationDeadline "2025-02-28"^^xsd:date ;
    sk:status sk:StatusRectifying .
event:1 a sk:EscalationEvent ; rdfs:label "函告 1"@zh , "letter 1"@en ;
    sk:measure sk:MeasureLetter ; sk:eventDate "2025-03-01"^^xsd:date ; sk:byOrganization dept:education .
change:1 a sk:StatusChange ; rdfs:label "销号"@zh , "closing"@en ;
    sk:fromStatus sk:StatusRectified ; sk:toStatus sk:StatusClosed ;
    sk:changedAt "2025-03-20T10:00:00"^^xsd:dateTime ; sk:reason "复查合格"@zh ;
    prov:wasAssociatedWith dept:education .
"""

UPDATE_PREFIXES = """
PREFIX sk: <https://w3id.org/safetykg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


def validate(data: Graph, shapes: Graph, ontology: Graph) -> tuple[bool, set[tuple[str, str]]]:
    """(conforms, {(focus node, source shape)}) with the settings ``safetykg check`` uses."""
    conforms, results, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        advanced=True,
        allow_warnings=False,
    )
    assert isinstance(results, Graph)
    found = {
        (str(results.value(r, SH.focusNode)), str(results.value(r, SH.sourceShape)))
        for r in results.subjects(RDF.type, SH.ValidationResult)
    }
    return bool(conforms), found


def test_valid_graph_conforms(shapes: Graph, ontology: Graph) -> None:
    data = Graph().parse(data=VALID, format="turtle")
    conforms, found = validate(data, shapes, ontology)
    assert conforms, found


def test_valid_graph_needs_the_ontology_for_subclasses(shapes: Graph) -> None:
    # Without the ontology graph, sk:Department is not known to be an org:Organization
    # (nor sk:City a sk:Region): validate with ont_graph, as ``safetykg check`` does.
    data = Graph().parse(data=VALID, format="turtle")
    conforms, found = validate(data, shapes, Graph())
    assert not conforms
    assert (str(ID["plan/t"]), str(SKS["Plan-issuer"])) in found
    assert (str(ID["department/t/education"]), str(SKS["Department-jurisdiction"])) in found


TASK = str(ID["task/t/1"])
DEADLINE = str(ID["deadline/t/task-1-1"])
PHASE = str(ID["phase/t/1"])
H1, H2 = str(ID["hazard/H-1"]), str(ID["hazard/H-2"])
ENTERPRISE = str(ID["enterprise/91341600MA2N123456"])
FREQUENCY = str(ID["frequency/t/task-1-1"])
VARIANT = str(ID["frequency/t/task-1-2"])
SPAN = str(ID["span/t/0-4"])
LEAD = str(ID["lead/t/campus--education"])
CAMPUS = str(ID["sector/campus"])
ACTION = str(ID["action/t/1"])

# name -> (SPARQL Update on the valid graph, {(focus node, shape local name)} expected)
INVALID = {
    "task-with-two-numbers": (
        "INSERT DATA { <https://w3id.org/safetykg/id/task/t/1> sk:number 2 }",
        {(TASK, "Task-number")},
    ),
    "deadline-with-string-due-date": (
        'DELETE { ?d sk:dueDate ?v } INSERT { ?d sk:dueDate "2024年底" } '
        "WHERE { BIND(<https://w3id.org/safetykg/id/deadline/t/task-1-1> AS ?d) ?d sk:dueDate ?v }",
        {(DEADLINE, "Deadline-dueDate")},
    ),
    "phase-starting-after-it-ends": (
        'DELETE { ?p sk:startDate ?v } INSERT { ?p sk:startDate "2024-05-01"^^xsd:date } '
        "WHERE { BIND(<https://w3id.org/safetykg/id/phase/t/1> AS ?p) ?p sk:startDate ?v }",
        {(PHASE, "Phase-startDate")},
    ),
    "hazard-closed-on-while-rectifying": (
        'INSERT DATA { <https://w3id.org/safetykg/id/hazard/H-2> sk:closedOn "2025-02-20"^^xsd:date }',
        {(H2, "HazardClosedOnShape")},
    ),
    "closed-hazard-without-closing-date": (
        "DELETE WHERE { <https://w3id.org/safetykg/id/hazard/H-1> sk:closedOn ?v }",
        {(H1, "HazardClosedHasDateShape")},
    ),
    "enterprise-with-17-character-credit-code": (
        'DELETE { ?e sk:creditCode ?v } INSERT { ?e sk:creditCode "91341600MA2N12345" } '
        "WHERE { BIND(<https://w3id.org/safetykg/id/enterprise/91341600MA2N123456> AS ?e) ?e sk:creditCode ?v }",
        {(ENTERPRISE, "Enterprise-creditCode")},
    ),
    "credit-code-with-letter-o": (
        'DELETE { ?e sk:creditCode ?v } INSERT { ?e sk:creditCode "91341600MA2NO23456" } '
        "WHERE { BIND(<https://w3id.org/safetykg/id/enterprise/91341600MA2N123456> AS ?e) ?e sk:creditCode ?v }",
        {(ENTERPRISE, "Enterprise-creditCode")},
    ),
    "rectification-deadline-before-discovery": (
        "DELETE { ?h sk:rectificationDeadline ?v } "
        'INSERT { ?h sk:rectificationDeadline "2025-01-15"^^xsd:date } '
        "WHERE { BIND(<https://w3id.org/safetykg/id/hazard/H-2> AS ?h) ?h sk:rectificationDeadline ?v }",
        {(H2, "Hazard-discoveredOn")},
    ),
    "hazard-via-unknown-channel": (
        "DELETE { ?h sk:discoveredVia ?v } INSERT { ?h sk:discoveredVia sk:ChannelRumour } "
        "WHERE { BIND(<https://w3id.org/safetykg/id/hazard/H-2> AS ?h) ?h sk:discoveredVia ?v }",
        {(H2, "Hazard-discoveredVia")},
    ),
    "major-hazard-without-enterprise": (
        "DELETE WHERE { <https://w3id.org/safetykg/id/hazard/H-1> sk:atEnterprise ?v }",
        {(H1, "Hazard-atEnterprise")},
    ),
    "hazard-with-two-statuses": (
        "INSERT DATA { <https://w3id.org/safetykg/id/hazard/H-2> sk:status sk:StatusReported }",
        {(H2, "Hazard-status")},
    ),
    "frequency-every-two-months": (
        'DELETE { ?f sk:period ?v } INSERT { ?f sk:period "P2M"^^xsd:duration } '
        "WHERE { BIND(<https://w3id.org/safetykg/id/frequency/t/task-1-1> AS ?f) ?f sk:period ?v }",
        {(FREQUENCY, "Frequency-period")},
    ),
    "frequency-zero-times": (
        "DELETE { ?f sk:minCount ?v } INSERT { ?f sk:minCount 0 } "
        "WHERE { BIND(<https://w3id.org/safetykg/id/frequency/t/task-1-1> AS ?f) ?f sk:minCount ?v }",
        {(FREQUENCY, "Frequency-minCount")},
    ),
    "high-risk-variant-without-general": (
        "DELETE WHERE { <https://w3id.org/safetykg/id/frequency/t/task-1-2> sk:stricterVariantOf ?v }",
        {(VARIANT, "HighRiskVariantShape")},
    ),
    "task-without-en-label": (
        "DELETE { ?t rdfs:label ?l } WHERE { BIND(<https://w3id.org/safetykg/id/task/t/1> AS ?t) ?t rdfs:label ?l "
        "FILTER(LANG(?l) = 'en') }",
        {(TASK, "Labelled-en")},
    ),
    "task-with-two-zh-labels": (
        'INSERT DATA { <https://w3id.org/safetykg/id/task/t/1> rdfs:label "督导"@zh }',
        {(TASK, "Labelled-tagged")},
    ),
    "sector-label-without-language": (
        'DELETE { ?s rdfs:label ?l } INSERT { ?s rdfs:label "campus" } '
        "WHERE { BIND(<https://w3id.org/safetykg/id/sector/campus> AS ?s) ?s rdfs:label ?l FILTER(LANG(?l) = 'en') }",
        {(CAMPUS, "Labelled-en"), (CAMPUS, "Labelled-tagged")},
    ),
    "deadline-without-source": (
        "DELETE WHERE { <https://w3id.org/safetykg/id/deadline/t/task-1-1> sk:source ?v }",
        {(DEADLINE, "Sourced-source")},
    ),
    "deadline-nobody-sets": (
        "DELETE WHERE { <https://w3id.org/safetykg/id/task/t/1> sk:hasDeadline ?v }",
        {(DEADLINE, "Deadline-owner")},
    ),
    "task-in-no-action": (
        "DELETE WHERE { <https://w3id.org/safetykg/id/action/t/1> sk:hasTask ?v }",
        {(TASK, "Task-action"), (ACTION, "Action-hasTask")},
    ),
    "span-offsets-disagree-with-quote": (
        "DELETE { ?s sk:endOffset ?v } INSERT { ?s sk:endOffset 5 } "
        "WHERE { BIND(<https://w3id.org/safetykg/id/span/t/0-4> AS ?s) ?s sk:endOffset ?v }",
        {(SPAN, "SourceSpanLengthShape")},
    ),
    "lead-assignment-not-reflected": (
        "DELETE WHERE { <https://w3id.org/safetykg/id/sector/campus> sk:leadDepartment ?v }",
        {(LEAD, "LeadAssignmentReflectedShape"), (CAMPUS, "AssignedSector-leadDepartment")},
    ),
    "sector-outside-the-scheme": (
        "DELETE WHERE { <https://w3id.org/safetykg/id/sector/campus> skos:inScheme ?v }",
        {(CAMPUS, "Sector-inScheme")},
    ),
    "task-mentioning-an-unknown-measure": (
        "INSERT DATA { <https://w3id.org/safetykg/id/task/t/1> sk:mentionsMeasure sk:MeasureFine }",
        {(TASK, "Task-mentionsMeasure")},
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_graph_fails_with_the_expected_shape(
    shapes: Graph, ontology: Graph, case: str
) -> None:
    update, expected = INVALID[case]
    data = Graph().parse(data=VALID, format="turtle")
    before = set(data)
    data.update(UPDATE_PREFIXES + update)
    assert set(data) != before  # the update did change the graph
    conforms, found = validate(data, shapes, ontology)
    assert not conforms
    assert found == {(focus, str(SKS[shape])) for focus, shape in expected}


@pytest.mark.skipif(not list(PLANS_DIR.glob("*.ttl")), reason="no plan graph committed yet")
def test_committed_plan_graphs_conform(shapes: Graph, ontology: Graph) -> None:
    data = Graph()
    for sources in data_graphs().values():
        for source in sources:
            data.parse(source, format="turtle")
    conforms, found = validate(data, shapes, ontology)
    assert conforms, "\n".join(f"{f}  {s}" for f, s in sorted(found)[:50])
