"""The W3C SPARQL 1.1 Service Description tests, against a real server.

The manifest names three tests and describes them in prose only; each is one
check below, keyed by its test IRI (the pytest id):

* ``returns-rdf``: a GET on the endpoint without a query returns RDF, in each
  of the formats we offer;
* ``has-endpoint-triple``: that RDF has ``?service sd:endpoint <the URL fetched>``;
* ``conforms-to-schema``: it uses the SD vocabulary as the spec defines it
  (checked term by term below).
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from rdflib import RDF, Graph, Literal, URIRef

from api.sparql_description import SD
from tests.helpers.sparql_server import Server
from tests.w3c.manifest import ServiceDescriptionTest, service_description_tests

pytestmark = pytest.mark.w3c

RDF_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}
"""The RDF media types we serve, and rdflib's parser for each."""

SD_CLASSES = {
    SD.Service,
    SD.Language,
    SD.Function,
    SD.Aggregate,
    SD.EntailmentRegime,
    SD.EntailmentProfile,
    SD.GraphCollection,
    SD.Dataset,
    SD.Graph,
    SD.NamedGraph,
    SD.Feature,
}
SD_PROPERTIES = {
    SD.endpoint,
    SD.feature,
    SD.defaultEntailmentRegime,
    SD.entailmentRegime,
    SD.defaultSupportedEntailmentProfile,
    SD.supportedEntailmentProfile,
    SD.extensionFunction,
    SD.extensionAggregate,
    SD.languageExtension,
    SD.supportedLanguage,
    SD.propertyFeature,
    SD.defaultDataset,
    SD.availableGraphs,
    SD.resultFormat,
    SD.inputFormat,
    SD.defaultGraph,
    SD.namedGraph,
    SD.name,
    SD.graph,
}
SD_INDIVIDUALS = {
    SD.SPARQL10Query,
    SD.SPARQL11Query,
    SD.SPARQL11Update,
    SD.DereferencesURIs,
    SD.UnionDefaultGraph,
    SD.RequiresDataset,
    SD.EmptyGraphs,
    SD.BasicFederatedQuery,
}
"""Every term of the SD vocabulary (SPARQL 1.1 Service Description, section 3)."""


def _description(server: Server, accept: str = "text/turtle") -> Graph:
    response = httpx.get(server.endpoint, headers={"Accept": accept}, trust_env=False)
    assert response.status_code == 200, response.text
    media = response.headers["content-type"].split(";")[0]
    assert media == accept
    return Graph().parse(data=response.content, format=RDF_TYPES[media])


def returns_rdf(server: Server) -> None:
    for accept in RDF_TYPES:
        graph = _description(server, accept)
        assert (None, RDF.type, SD.Service) in graph, accept


def has_endpoint_triple(server: Server) -> None:
    graph = _description(server)
    services = list(graph.subjects(SD.endpoint, URIRef(server.endpoint)))
    assert services and all((s, RDF.type, SD.Service) in graph for s in services)


def conforms_to_schema(server: Server) -> None:
    graph = _description(server)
    for _s, p, o in graph:
        if str(p).startswith(str(SD)):
            assert p in SD_PROPERTIES, p
        if isinstance(o, URIRef) and str(o).startswith(str(SD)):
            assert o in SD_CLASSES | SD_INDIVIDUALS, o
    for service in graph.subjects(RDF.type, SD.Service):
        assert all(isinstance(e, URIRef) for e in graph.objects(service, SD.endpoint))
        assert set(graph.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query}
        assert all(isinstance(f, URIRef) for f in graph.objects(service, SD.resultFormat))
        assert SD.BasicFederatedQuery not in set(graph.objects(service, SD.feature))
    for dataset in graph.objects(None, SD.defaultDataset):
        assert (dataset, RDF.type, SD.Dataset) in graph
        for default in graph.objects(dataset, SD.defaultGraph):
            assert (default, RDF.type, SD.Graph) in graph
        for named in graph.objects(dataset, SD.namedGraph):
            assert (named, RDF.type, SD.NamedGraph) in graph
            names = list(graph.objects(named, SD.name))
            assert len(names) == 1 and isinstance(names[0], URIRef)
            for g in graph.objects(named, SD.graph):
                assert (g, RDF.type, SD.Graph) in graph
                (triples,) = graph.objects(g, URIRef("http://rdfs.org/ns/void#triples"))
                assert isinstance(triples, Literal) and int(triples) >= 0


CHECKS: dict[str, Callable[[Server], None]] = {
    "has-endpoint-triple": has_endpoint_triple,
    "returns-rdf": returns_rdf,
    "conforms-to-schema": conforms_to_schema,
}


@pytest.mark.parametrize("test", service_description_tests(), ids=lambda t: t.iri)
def test_service_description(test: ServiceDescriptionTest, w3c_server: Server) -> None:
    CHECKS[test.iri.rpartition("#")[2]](w3c_server)
