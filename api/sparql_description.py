"""The RDF documents that describe the endpoint and its data: SPARQL Service
Description and VoID.

Both are built as rdflib graphs from a few facts handed in (the endpoint URL,
the size of each named graph, the limits) and written by pyoxigraph in the
negotiated format, like every other graph the endpoint returns. Counting the
graphs is not done here: the router asks the query pool for the sizes, so the
numbers come from the same store the queries run on.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyoxigraph import RdfFormat, Triple, serialize
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from api.negotiate import GRAPH_FORMATS, RESULT_FORMATS
from safetykg.namespaces import ID, ONTOLOGY_IRI, PREFIXES
from safetykg.store import oxigraph_term

__all__ = ["SD", "VOID", "service_description", "to_bytes", "void_description"]

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
ENTAILMENT = Namespace("http://www.w3.org/ns/entailment/")

_TITLE_EN = "safetykg: work-safety plans and hazards knowledge graph"
_TITLE_ZH = "安全生产治本攻坚知识图谱"


def _format_iris() -> list[URIRef]:
    iris = dict.fromkeys(URIRef(row.iri) for row in RESULT_FORMATS + GRAPH_FORMATS)
    return list(iris)


def service_description(
    endpoint: str, graph_sizes: Mapping[str, int], *, timeout: float, row_limit: int
) -> Graph:
    """The SPARQL 1.1 Service Description of the endpoint at ``endpoint``.

    It states the language (SPARQL 1.1 Query only: no Update, no federation),
    the result formats, that the default graph is the union of the named graphs,
    and the default dataset with each named graph and its triple count. The
    time and row limits are stated in a comment, since SD has no terms for them.

    >>> g = service_description("http://localhost/sparql", {"http://ex/g": 3},
    ...                         timeout=30, row_limit=10)
    >>> (None, SD.endpoint, URIRef("http://localhost/sparql")) in g
    True
    """
    g = _graph()
    service = BNode("service")
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, URIRef(endpoint)))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    g.add((service, SD.defaultEntailmentRegime, ENTAILMENT.Simple))
    for iri in _format_iris():
        g.add((service, SD.resultFormat, iri))
    g.add((service, DCTERMS.title, Literal(_TITLE_EN, lang="en")))
    g.add((service, DCTERMS.title, Literal(_TITLE_ZH, lang="zh")))
    g.add(
        (
            service,
            RDFS.comment,
            Literal(
                "Read-only and closed to the network: SPARQL Update, LOAD and SERVICE are "
                "refused, and FROM / default-graph-uri / named-graph-uri may only name the "
                f"named graphs listed here. A query may run {timeout:g} s; at most "
                f"{row_limit} rows (or triples) are returned, and the response header "
                "SafetyKG-Truncated says whether more were cut off.",
                lang="en",
            ),
        )
    )
    dataset = BNode("dataset")
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    default = BNode("default-graph")
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, VOID.triples, _count(sum(graph_sizes.values()))))
    for i, (name, size) in enumerate(sorted(graph_sizes.items())):
        named, graph = BNode(f"named-{i}"), BNode(f"graph-{i}")
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(name)))
        g.add((named, SD.graph, graph))
        g.add((graph, RDF.type, SD.Graph))
        g.add((graph, VOID.triples, _count(size)))
    return g


def void_description(document: str, endpoint: str, graph_sizes: Mapping[str, int]) -> Graph:
    """A VoID description of the dataset, served at ``document`` (``/.well-known/void``).

    The dataset has one ``void:subset`` per named graph (the graph IRI itself,
    with its ``void:triples``); its own ``void:triples`` is their sum.

    >>> g = void_description("http://localhost/.well-known/void", "http://localhost/sparql",
    ...                      {"http://ex/a": 2, "http://ex/b": 5})
    >>> int(g.value(URIRef("http://localhost/.well-known/void#dataset"), VOID.triples))
    7
    """
    g = _graph()
    doc = URIRef(document)
    dataset = URIRef(document + "#dataset")
    g.add((doc, RDF.type, VOID.DatasetDescription))
    g.add((doc, FOAF.primaryTopic, dataset))
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, DCTERMS.title, Literal(_TITLE_EN, lang="en")))
    g.add((dataset, DCTERMS.title, Literal(_TITLE_ZH, lang="zh")))
    g.add((dataset, VOID.sparqlEndpoint, URIRef(endpoint)))
    g.add((dataset, VOID.uriSpace, Literal(str(ID))))
    g.add((dataset, VOID.vocabulary, ONTOLOGY_IRI))
    g.add((dataset, VOID.triples, _count(sum(graph_sizes.values()))))
    for row in GRAPH_FORMATS:
        g.add((dataset, VOID.feature, URIRef(row.iri)))
    for name, size in sorted(graph_sizes.items()):
        subset = URIRef(name)
        g.add((dataset, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, RDF.type, SD.NamedGraph))
        g.add((subset, SD.name, subset))
        g.add((subset, VOID.triples, _count(size)))
    return g


def to_bytes(graph: Graph, format: RdfFormat) -> bytes:
    """Write ``graph`` with pyoxigraph in ``format`` (our prefixes where the format has them)."""
    ordered = sorted(graph, key=lambda t: (isinstance(t[0], URIRef), str(t[0]), str(t[1])))
    triples = (Triple(*(oxigraph_term(term) for term in triple)) for triple in ordered)
    prefixes = dict(PREFIXES) | {"sd": str(SD), "void": str(VOID), "foaf": str(FOAF)}
    return serialize(triples, format=format, prefixes=prefixes)


def _graph() -> Graph:
    g = Graph()
    g.bind("sd", SD)
    g.bind("void", VOID)
    return g


def _count(n: int) -> Literal:
    return Literal(n, datatype=XSD.integer)
