"""Namespaces, named graphs and the minting of resource IRIs.

Everything that spells an IRI of ours goes through here, so that the public
contract of DESIGN.md (``sk:`` terms, ``id/<kind>/<key>`` resources, one named
graph per source) is written down exactly once.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, TIME, XSD

SK = Namespace("https://w3id.org/safetykg/ontology#")
ONTOLOGY_IRI = URIRef("https://w3id.org/safetykg/ontology")
ID = Namespace("https://w3id.org/safetykg/id/")
GRAPH = Namespace("https://w3id.org/safetykg/graph/")
ORG = Namespace("http://www.w3.org/ns/org#")

GRAPH_ONTOLOGY = GRAPH["ontology"]
GRAPH_REFERENCE = GRAPH["reference"]
GRAPH_HAZARDS = GRAPH["hazards"]
GRAPH_INFERRED = GRAPH["inferred"]

PREFIXES: dict[str, str] = {
    "sk": str(SK),
    "id": str(ID),
    "org": str(ORG),
    "skos": str(SKOS),
    "prov": str(PROV),
    "time": str(TIME),
    "dcterms": str(DCTERMS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
}


def plan_graph(plan_id: str) -> URIRef:
    """The named graph that holds one plan's extracted facts."""
    return GRAPH[f"plan/{plan_id}"]


def mint(kind: str, *keys: str | int) -> URIRef:
    """The IRI of a resource: ``id/<kind>/<key>/<key>…``.

    >>> mint("task", "bozhou-2024", 17)
    rdflib.term.URIRef('https://w3id.org/safetykg/id/task/bozhou-2024/17')
    """
    return ID["/".join([kind, *(str(k) for k in keys)])]


def sparql_prefixes() -> str:
    """PREFIX lines for every namespace above, for query headers and the UI."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def curie(iri: str) -> str:
    """A short display form of ``iri`` (``prefix:rest``) for tables and reports.

    For people, not parsers: the rest may contain ``/``, which is not a valid
    SPARQL local name. IRIs in no known namespace come back unchanged.

    >>> curie("https://w3id.org/safetykg/id/department/bozhou/education")
    'id:department/bozhou/education'
    >>> curie("http://example.com/x")
    'http://example.com/x'
    """
    best = max((ns for ns in PREFIXES.values() if iri.startswith(ns)), key=len, default=None)
    if best is None or best == iri:
        return iri
    prefix = next(p for p, ns in PREFIXES.items() if ns == best)
    return f"{prefix}:{iri[len(best):]}"
