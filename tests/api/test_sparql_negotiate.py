"""Tests of ``api/negotiate.py``: ``choose`` against the Accept headers real clients send."""

from __future__ import annotations

import pytest

from api.negotiate import Form, NotAcceptable, choose, parse_accept, prefers_html

FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CHROMIUM = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)
SAFARI = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CURL = "*/*"
SPARQLWRAPPER_JSON = (
    "application/sparql-results+json,application/json,text/javascript,application/javascript"
)
SPARQLWRAPPER_N3 = (
    "application/turtle,text/turtle,text/rdf+n3,application/n-triples,application/n3,text/n3"
)
YASGUI_SELECT = "application/sparql-results+json,*/*;q=0.9"
YASGUI_GRAPH = "application/n-triples,*/*;q=0.9"
JENA_RESULTS = (
    "application/sparql-results+json, application/sparql-results+xml;q=0.9, "
    "text/tab-separated-values;q=0.7, text/csv;q=0.5, application/json;q=0.2, "
    "application/xml;q=0.2, */*;q=0.1"
)
JENA_GRAPH = (
    "text/turtle,application/n-triples;q=0.9,application/ld+json;q=0.8,"
    "application/rdf+xml;q=0.7,*/*;q=0.3"
)
RDF4J_GRAPH = (
    "application/rdf+xml, text/turtle;q=0.9, application/n-triples;q=0.8, "
    "application/ld+json;q=0.7, */*;q=0.1"
)

JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
CSV = "text/csv; charset=utf-8"
TSV = "text/tab-separated-values; charset=utf-8"
TURTLE = "text/turtle; charset=utf-8"
NTRIPLES = "application/n-triples"
JSONLD = "application/ld+json"
RDFXML = "application/rdf+xml"
NONE = None  # 406


@pytest.mark.parametrize(
    ("client", "accept", "results", "graph"),
    [
        ("no Accept header", None, JSON, TURTLE),
        ("empty Accept header", "", JSON, TURTLE),
        ("curl", CURL, JSON, TURTLE),
        ("Firefox", FIREFOX, "application/xml", TURTLE),
        ("Chromium", CHROMIUM, "application/xml", TURTLE),
        ("Safari", SAFARI, "application/xml", TURTLE),
        ("SPARQLWrapper JSON", SPARQLWRAPPER_JSON, JSON, NONE),
        ("SPARQLWrapper XML", "application/sparql-results+xml", XML, NONE),
        ("SPARQLWrapper CSV", "text/csv", CSV, NONE),
        ("SPARQLWrapper TSV", "text/tab-separated-values", TSV, NONE),
        ("SPARQLWrapper Turtle", "application/turtle,text/turtle", NONE, TURTLE),
        ("SPARQLWrapper N3", SPARQLWRAPPER_N3, NONE, TURTLE),
        ("SPARQLWrapper JSON-LD", "application/ld+json,application/x-json+ld", NONE, JSONLD),
        ("SPARQLWrapper RDF/XML", "application/rdf+xml", NONE, RDFXML),
        ("YASGUI select", YASGUI_SELECT, JSON, TURTLE),
        ("YASGUI construct", YASGUI_GRAPH, JSON, NTRIPLES),
        ("Jena results", JENA_RESULTS, JSON, TURTLE),
        ("Jena graph", JENA_GRAPH, JSON, TURTLE),
        ("RDF4J graph", RDF4J_GRAPH, JSON, RDFXML),
        ("plain JSON client", "application/json", "application/json", NONE),
        ("case-insensitive", "Application/SPARQL-Results+XML", XML, NONE),
        ("parameters ignored", "text/csv; charset=utf-8", CSV, NONE),
        ("higher q wins", "text/csv;q=0.5, text/tab-separated-values", TSV, NONE),
        ("q=0 refuses a type", f"{JSON};q=0, */*", "application/json", TURTLE),
        ("specific range beats wildcard", "text/*;q=0.9, text/csv;q=0.1", TSV, TURTLE),
        ("type wildcard", "text/*", CSV, TURTLE),
        ("equal q: our order", f"{XML}, {JSON}", JSON, NONE),
        ("unknown type", "image/png", NONE, NONE),
        ("everything refused", "*/*;q=0", NONE, NONE),
        ("garbage is ignored", "garbage", JSON, TURTLE),
        ("bad q counts as 1", "text/csv;q=high", CSV, NONE),
    ],
    ids=lambda v: v if isinstance(v, str) and " " in v else None,
)
def test_choose(client: str, accept: str | None, results: str | None, graph: str | None) -> None:
    for form, expected in ((Form.RESULTS, results), (Form.GRAPH, graph)):
        if expected is None:
            with pytest.raises(NotAcceptable) as refused:
                choose(accept, form)
            assert refused.value.status == 406
            assert "Available:" in refused.value.detail
        else:
            assert choose(accept, form).media_type == expected, (client, form)


@pytest.mark.parametrize(
    ("name", "results", "graph"),
    [
        ("json", JSON, JSONLD),
        ("JSON", JSON, JSONLD),
        ("xml", XML, RDFXML),
        ("csv", CSV, None),
        ("tsv", TSV, None),
        ("turtle", None, TURTLE),
        ("ttl", None, TURTLE),
        ("nt", None, NTRIPLES),
        ("jsonld", None, JSONLD),
        ("rdfxml", None, RDFXML),
        ("text/csv", CSV, None),
        ("yaml", None, None),
    ],
)
def test_format_parameter_wins_over_accept(
    name: str, results: str | None, graph: str | None
) -> None:
    for form, expected in ((Form.RESULTS, results), (Form.GRAPH, graph)):
        if expected is None:
            with pytest.raises(NotAcceptable, match="format="):
                choose("application/sparql-results+json", form, [name])
        else:
            assert choose("image/png", form, [name]).media_type == expected


def test_parse_accept_reads_q_values() -> None:
    ranges = parse_accept("text/csv;q=0.5, text/*;q=2, */*;q=-1")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [
        ("text", "csv", 0.5),
        ("text", "*", 1.0),
        ("*", "*", 0.0),
    ]


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        (FIREFOX, True),
        (CHROMIUM, True),
        ("text/html", True),
        (CURL, False),
        (None, False),
        ("text/turtle", False),
        ("text/turtle, text/html;q=0.5", False),
        ("*/*;q=0.9, text/html;q=0.9", True),
    ],
)
def test_prefers_html_tells_browsers_from_clients(accept: str | None, html: bool) -> None:
    assert prefers_html(accept) is html


def test_first_format_value_that_fits_wins() -> None:
    # SPARQLWrapper sends format=json-ld&format=application/ld+json,application/x-json+ld
    sent = ["json-ld", "application/ld+json,application/x-json+ld"]
    assert choose(None, Form.GRAPH, sent).media_type == JSONLD
    assert choose(None, Form.GRAPH, ["rdf+xml", "application/rdf+xml"]).media_type == RDFXML
    assert choose(None, Form.RESULTS, ["tsv", "text/tab-separated-values"]).media_type == TSV
