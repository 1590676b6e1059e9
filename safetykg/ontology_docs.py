"""Documentation of the ontology, read from the store's ``graph/ontology``.

This module owns turning the OWL ontology into the terms a documentation page
lists: the header (title, description, version, licence, dates), then each
``sk:`` class, object property, datatype property and named individual with
its bilingual labels, definitions and notes, and its place among the others
(super-classes, domain, range, inverse, types). What the page looks like is
left to ``api/templates/ontology.html``; the RDF forms of the ontology are
written by pyoxigraph (see :func:`ontology_rdf`).

It reads the store, not ``ontology/safetykg.ttl``, so the page documents the
ontology the service actually answers with.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Store

from safetykg.labels import Labels, local_name
from safetykg.namespaces import GRAPH_ONTOLOGY, ONTOLOGY_IRI, PREFIXES, SK, curie
from safetykg.store import query

__all__ = ["KINDS", "OntologyDoc", "Term", "ontology_doc", "ontology_rdf"]

_OWL = "http://www.w3.org/2002/07/owl#"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_DCT = "http://purl.org/dc/terms/"

KINDS: tuple[tuple[str, str, str], ...] = (
    (f"{_OWL}Class", "类", "Classes"),
    (f"{_OWL}ObjectProperty", "对象属性", "Object properties"),
    (f"{_OWL}DatatypeProperty", "数据属性", "Datatype properties"),
    (f"{_OWL}AnnotationProperty", "注释属性", "Annotation properties"),
    (f"{_OWL}NamedIndividual", "命名个体", "Named individuals"),
)
"""The sections of the page, in order: (OWL type, zh heading, en heading)."""

_CHARACTERISTICS = {
    f"{_OWL}FunctionalProperty": "functional",
    f"{_OWL}InverseFunctionalProperty": "inverse functional",
    f"{_OWL}TransitiveProperty": "transitive",
    f"{_OWL}SymmetricProperty": "symmetric",
}


@dataclass
class Ref:
    """A term referred to by another: its CURIE, IRI and whether it is ours (linkable)."""

    curie: str
    iri: str
    ours: bool


@dataclass
class Term:
    """One documented term."""

    iri: str
    curie: str
    anchor: str
    kind: str
    labels: Labels
    definitions: dict[str, str] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    alt_labels: list[str] = field(default_factory=list)
    relations: dict[str, list[Ref]] = field(default_factory=lambda: defaultdict(list))
    """``subClassOf``, ``subPropertyOf``, ``domain``, ``range``, ``inverseOf``,
    ``type``, ``equivalentClass``, and the reverse ``superClassOf`` / ``usedAsDomain`` …"""
    characteristics: list[str] = field(default_factory=list)


@dataclass
class OntologyDoc:
    """What the documentation page shows."""

    iri: str
    title: Labels
    description: dict[str, str]
    version: str
    modified: str
    created: str
    license: str
    notes: dict[str, list[str]]
    sections: list[tuple[str, str, str, list[Term]]]
    """(OWL type, zh heading, en heading, terms sorted by CURIE)."""

    @property
    def size(self) -> int:
        return sum(len(terms) for *_, terms in self.sections)


def _ref(term: NamedNode | BlankNode | Literal) -> Ref:
    if isinstance(term, NamedNode):
        return Ref(curie(term.value), term.value, term.value.startswith(str(SK)))
    return Ref("(class expression)", "", False)


def ontology_doc(store: Store) -> OntologyDoc:
    """Read ``graph/ontology`` into an :class:`OntologyDoc`."""
    graph = NamedNode(str(GRAPH_ONTOLOGY))
    rows = list(query(store, "SELECT ?g ?s ?p ?o { GRAPH ?g { ?s ?p ?o } }", {"g": graph}))
    by_subject: dict[str, list[tuple[str, NamedNode | BlankNode | Literal]]] = defaultdict(list)
    for row in rows:
        if isinstance(row["s"], NamedNode):
            by_subject[row["s"].value].append((row["p"].value, row["o"]))

    terms: dict[str, Term] = {}
    for iri, facts in by_subject.items():
        if not iri.startswith(str(SK)):
            continue
        types = {o.value for p, o in facts if p == f"{_RDF}type" and isinstance(o, NamedNode)}
        kind = next((k for k, _, _ in KINDS if k in types), None)
        if kind is None:
            continue
        labels = Labels.from_literals(
            (o.value, o.language)
            for p, o in facts
            if p == f"{_RDFS}label" and isinstance(o, Literal)
        )
        term = Term(iri, curie(iri), local_name(iri), kind, labels)
        for p, o in facts:
            if isinstance(o, Literal):
                lang = o.language or "en"
                if p == f"{_SKOS}definition":
                    term.definitions[lang] = o.value
                elif p in (
                    f"{_SKOS}scopeNote",
                    f"{_SKOS}editorialNote",
                    f"{_SKOS}changeNote",
                    f"{_RDFS}comment",
                    f"{_SKOS}example",
                ):
                    term.notes[f"{local_name(p)}@{lang}"].append(o.value)
                elif p == f"{_SKOS}altLabel":
                    term.alt_labels.append(o.value)
                continue
            if p == f"{_RDF}type":
                if o.value in _CHARACTERISTICS:
                    term.characteristics.append(_CHARACTERISTICS[o.value])
                elif o.value not in {k for k, _, _ in KINDS}:
                    term.relations["type"].append(_ref(o))
            elif p in (
                f"{_RDFS}subClassOf",
                f"{_RDFS}subPropertyOf",
                f"{_RDFS}domain",
                f"{_RDFS}range",
                f"{_OWL}inverseOf",
                f"{_OWL}equivalentClass",
                f"{_OWL}equivalentProperty",
                f"{_OWL}propertyChainAxiom",
                f"{_OWL}disjointWith",
            ):
                term.relations[local_name(p)].append(_ref(o))
        terms[iri] = term

    reverse = {
        "subClassOf": "superClassOf",
        "subPropertyOf": "superPropertyOf",
        "domain": "usedAsDomain",
        "range": "usedAsRange",
        "type": "instances",
    }
    for term in terms.values():
        for name, back in reverse.items():
            for ref in term.relations.get(name, []):
                if ref.iri in terms:
                    terms[ref.iri].relations[back].append(Ref(term.curie, term.iri, True))
    for term in terms.values():
        for refs in term.relations.values():
            refs.sort(key=lambda r: r.curie)
        term.characteristics.sort()

    facts = by_subject.get(str(ONTOLOGY_IRI), [])
    title = Labels.from_literals(
        (o.value, o.language) for p, o in facts if p == f"{_DCT}title" and isinstance(o, Literal)
    )

    def text(predicate: str) -> str:
        return next((o.value for p, o in facts if p == predicate), "")

    description = {
        (o.language or "en"): o.value
        for p, o in facts
        if p == f"{_DCT}description" and isinstance(o, Literal)
    }
    notes: dict[str, list[str]] = defaultdict(list)
    for p, o in facts:
        if p == f"{_SKOS}editorialNote" and isinstance(o, Literal):
            notes[o.language or "en"].append(o.value)
    return OntologyDoc(
        iri=str(ONTOLOGY_IRI),
        title=title,
        description=description,
        version=text(f"{_OWL}versionInfo"),
        modified=text(f"{_DCT}modified"),
        created=text(f"{_DCT}created"),
        license=text(f"{_DCT}license"),
        notes=dict(notes),
        sections=[
            (
                kind,
                zh,
                en,
                sorted(
                    (t for t in terms.values() if t.kind == kind), key=lambda t: t.curie.lower()
                ),
            )
            for kind, zh, en in KINDS
        ],
    )


def ontology_rdf(store: Store, format: RdfFormat) -> bytes:
    """The ontology graph serialised by pyoxigraph in ``format`` (Turtle, RDF/XML, JSON-LD …)."""
    graph = NamedNode(str(GRAPH_ONTOLOGY))
    if format in (RdfFormat.TURTLE, RdfFormat.TRIG, RdfFormat.N3):
        return store.dump(format=format, from_graph=graph, prefixes=PREFIXES)
    return store.dump(format=format, from_graph=graph)
