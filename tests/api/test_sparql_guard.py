"""Tests of ``api/sparql_guard.py``: SERVICE is refused by token, never by substring.

Every query of the table is also parsed by rdflib's SPARQL parser (an
independent, grammar-driven implementation), and the guard must agree with
it on whether the query contains a SERVICE pattern and which FROM graphs it has.
"""

from __future__ import annotations

import pytest
from rdflib.plugins.sparql.algebra import translateQuery, traverse
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue

from api.sparql_guard import QueryRefused, inspect_query, tokens

EX = "PREFIX ex: <http://example.org/> "

ALLOWED = [
    'SELECT * { ?s ?p "SERVICE <http://evil.example/sparql> { }" }',
    "SELECT * { ?s ?p 'service' }",
    'SELECT * { ?s ?p """a long\nSERVICE <http://x/> {}\nstring""" }',
    "SELECT * { ?s ?p '''it''s a SERVICE''' }",
    'SELECT * { ?s ?p "escaped \\" SERVICE <http://x/> {} \\"" }',
    "SELECT * { ?s ?p ?o } # SERVICE <http://x/> { }",
    "SELECT * { <http://example.org/SERVICE> ?p ?o }",
    "SELECT ?service { ?service ?p ?o }",
    "SELECT $service { $service ?p ?o }",
    "PREFIX service: <http://example.org/> SELECT * { ?s service:SERVICE ?o }",
    EX + "SELECT * { ?s ex:service ?o }",
    'SELECT * { ?s ?p "x"@service }',
    "SELECT * { ?s ?p _:service }",
    "SELECT * { ?s ?p ?o FILTER(CONTAINS(STR(?o), 'from SERVICE')) }",
    "SELECT ?from { ?from ?p ?o }",
    EX + "SELECT * { ?s ex:from ?o }",
]

REFUSED = [
    "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "select * { service <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * { SERVICE ?endpoint { ?s ?p ?o } }",
    "SELECT * { SERVICE<http://127.0.0.1:9/>{} }",
    EX + "SELECT * { SERVICE ex:endpoint { ?s ?p ?o } }",
    "SELECT * { { SELECT * { SERVICE <http://a/> { ?s ?p ?o } } } }",
    "ASK { FILTER EXISTS { SERVICE <http://a/> { } } }",
    'SELECT * { ?s ?p "a string" . SERVICE <http://a/> { ?s ?p ?o } } # "',
    "CONSTRUCT { ?s ?p ?o } WHERE { OPTIONAL { SERVICE <http://a/> { ?s ?p ?o } } }",
    "SELECT * { ?s ?p ?o MINUS { SERVICE <http://a/> { ?s ?p ?o } } }",
]


def _rdflib_has_service(query: str) -> bool:
    found: list[bool] = []

    def visit(node: object) -> None:
        if isinstance(node, CompValue) and node.name == "ServiceGraphPattern":
            found.append(True)

    traverse(translateQuery(parseQuery(query)).algebra, visit)
    return bool(found)


@pytest.mark.parametrize("query", ALLOWED)
def test_service_in_a_string_iri_comment_or_name_is_allowed(query: str) -> None:
    assert not _rdflib_has_service(query)
    assert inspect_query(query).from_graphs == ()


@pytest.mark.parametrize("query", REFUSED)
def test_service_pattern_is_refused_wherever_it_stands(query: str) -> None:
    assert _rdflib_has_service(query)
    with pytest.raises(QueryRefused) as refused:
        inspect_query(query)
    assert refused.value.status == 400
    assert "never contacts other servers" in refused.value.detail


@pytest.mark.parametrize(
    ("query", "base", "default", "named"),
    [
        ("SELECT * FROM <http://g/1> { ?s ?p ?o }", None, ["http://g/1"], []),
        ("SELECT * FROM NAMED <http://g/2> { ?s ?p ?o }", None, [], ["http://g/2"]),
        (
            "SELECT * FROM <http://g/1> FROM <http://g/3> FROM NAMED <http://g/2> {}",
            None,
            ["http://g/1", "http://g/3"],
            ["http://g/2"],
        ),
        ("select * from named <http://g/2> {}", None, [], ["http://g/2"]),
        (
            EX + "SELECT * FROM ex:g FROM NAMED ex:h {}",
            None,
            ["http://example.org/g"],
            ["http://example.org/h"],
        ),
        ("BASE <http://b/x/> SELECT * FROM <g> {}", None, ["http://b/x/g"], []),
        (
            "SELECT * FROM <graph/hazards> {}",
            "https://w3id.org/safetykg/",
            ["https://w3id.org/safetykg/graph/hazards"],
            [],
        ),
        ("SELECT * FROM <http://g/\\u0041> {}", None, ["http://g/A"], []),
        ('SELECT * { ?s ?p "FROM <http://g/1>" }', None, [], []),
        ("CONSTRUCT { ?s ?p ?o } FROM <http://g/1> WHERE { ?s ?p ?o }", None, ["http://g/1"], []),
        ("DESCRIBE ?s FROM <http://g/1> WHERE { ?s ?p ?o }", None, ["http://g/1"], []),
        ("ASK FROM <http://g/1> { ?s ?p ?o }", None, ["http://g/1"], []),
    ],
)
def test_from_clauses_are_read_with_prefixes_and_base(
    query: str, base: str | None, default: list[str], named: list[str]
) -> None:
    shape = inspect_query(query, base_iri=base)
    assert list(shape.from_graphs) == default
    assert list(shape.from_named) == named
    assert shape.has_dataset is bool(default or named)
    clauses = parseQuery(query)[1].datasetClause or []  # "" when absent
    assert len(clauses) == len(default) + len(named)


def test_our_prefixes_are_predeclared_for_from() -> None:
    shape = inspect_query(
        "SELECT * FROM g:hazards {}", prefixes={"g": "https://w3id.org/safetykg/graph/"}
    )
    assert shape.from_graphs == ("https://w3id.org/safetykg/graph/hazards",)


def test_lexer_keeps_strings_iris_and_names_whole() -> None:
    text = "PREFIX ex: <http://e/#x> SELECT ?s { ?s ex:p 'a # b', \"c\"@en-GB , _:b1 }"
    kinds = [kind for kind, _ in tokens(text)]
    assert kinds == [
        "word", "pname", "iri", "word", "var", "other", "var", "pname", "string", "other",
        "string", "langtag", "other", "bnode", "other",
    ]  # fmt: skip
