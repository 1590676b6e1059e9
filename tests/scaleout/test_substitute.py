"""safetykg/substitute.py: the text rewrite means what pyoxigraph's ``substitutions`` mean.

Both sides run on the same embedded engine, so any difference is the
rewrite's: the query library over the real build with values taken from the
data itself, and a table of scoping cases (nested groups, OPTIONAL, MINUS,
UNION, subqueries, BIND, VALUES) on a small store.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    Store,
    Variable,
)

from safetykg.namespaces import PREFIXES
from safetykg.queries import NamedQuery, default_library
from safetykg.substitute import (
    has_dataset_clause,
    prologue,
    sparql_term,
    substitute,
    tokenize,
)

XSD = "http://www.w3.org/2001/XMLSchema#"
ID = "https://w3id.org/safetykg/id/"


def answer(store: Store, text: str, subs: dict[Variable, Any] | None = None) -> Any:
    """A comparable form of a query's answer (or the class of the error it raised)."""
    try:
        result = store.query(
            text, substitutions=subs or None, use_default_graph_as_union=True, prefixes=PREFIXES
        )
        if isinstance(result, QuerySolutions):
            names = sorted(v.value for v in result.variables)
            rows = sorted(
                tuple(str(row[n]) if row[n] is not None else "" for n in names) for row in result
            )
            return names, rows
        if isinstance(result, QueryBoolean):
            return bool(result)
        return sorted(str(t) for t in result)
    except (SyntaxError, RuntimeError) as exc:
        return type(exc).__name__


# --------------------------------------------------------------------------- library


def _values_for(store: Store, named: NamedQuery) -> list[dict[str, Any]]:
    """Up to a few parameter sets per query, taken from the data (plus defaults)."""
    choices: dict[str, list[Any]] = {}
    for p in named.params:
        if p.is_iri:
            prefix = f"{ID}{p.kind}/" if p.kind else ID
            rows = store.query(
                "SELECT DISTINCT ?x ?prefix { ?x ?p ?o FILTER(STRSTARTS(STR(?x), ?prefix)) } "
                "ORDER BY ?x LIMIT 3",
                substitutions={Variable("prefix"): Literal(prefix)},
                use_default_graph_as_union=True,
            )
            found = [r["x"].value for r in rows] or [f"{prefix}none"]  # type: ignore[union-attr, index]
            choices[p.name] = [[v] for v in found] if p.is_list else found
        elif p.datatype == XSD + "date":
            choices[p.name] = ["2024-06-30", "2025-12-31"]
        elif p.datatype == XSD + "integer":
            choices[p.name] = ["1", "3"]
        elif p.datatype == XSD + "boolean":
            choices[p.name] = ["true", "false"]
        elif p.datatype == XSD + "duration":
            choices[p.name] = ["P3M", "P1Y"]
        else:
            choices[p.name] = ["燃气", "消防", 'a"b}{\\ ?x #c\nd']
        if p.is_list and not p.is_iri:
            choices[p.name] = [[v] for v in choices[p.name]]
        if not p.required:
            choices[p.name].append(None)
    names = list(choices)
    combos = list(itertools.product(*(choices[n] for n in names)))[:6]
    return [{n: v for n, v in zip(names, combo, strict=True) if v is not None} for combo in combos]


def _library_cases() -> list[Any]:
    return [pytest.param(name, id=name) for name in default_library()]


@pytest.mark.parametrize("name", _library_cases())
def test_named_query_rewrite_answers_as_substitutions_do(embedded_store: Store, name: str) -> None:
    named = default_library()[name]
    cases = _values_for(embedded_store, named)
    assert cases, f"no parameter values for {name}"
    compared = 0
    for values in cases:
        text = named.sparql(values)
        subs = named.bind(values)
        expected = answer(embedded_store, text, subs)
        got = answer(embedded_store, substitute(text, subs) if subs else text)
        assert got == expected, f"{name} with {values}:\n{substitute(text, subs)}"
        compared += 1
    assert compared == len(cases)


# --------------------------------------------------------------------------- scoping


@pytest.fixture(scope="module")
def small() -> Store:
    s = Store()
    g = NamedNode("http://ex/g")
    p = NamedNode("http://ex/p")
    for subject, value in [("a", "1"), ("b", "2"), ("a", "3")]:
        s.add(Quad(NamedNode(f"http://ex/{subject}"), p, Literal(value), g))
    s.add(Quad(NamedNode("http://ex/a"), NamedNode("http://ex/q"), NamedNode("http://ex/b"), g))
    s.add(
        Quad(NamedNode("http://ex/b"), NamedNode("http://ex/l"), Literal("燃气", language="zh"), g)
    )
    return s


A = NamedNode("http://ex/a")
SCOPING = [
    ("SELECT ?o WHERE {?s ?p ?o}", {"s": A}),  # not projected: refused by both
    ("SELECT * WHERE {?s ?p ?o}", {"s": A}),
    ("SELECT * WHERE {?x ?p ?o}", {"s": A}),  # * without ?s: refused by both
    ("SELECT ?s (COUNT(*) AS ?n) WHERE {?s ?p ?o} GROUP BY ?s", {"s": A}),
    ("SELECT ?s ?o WHERE {{?x ?p ?o FILTER(?x=?s)}}", {"s": A}),
    ("SELECT ?s ?o WHERE {?x ?p ?o BIND(?x AS ?s)}", {"s": A}),
    ("SELECT ?s ?o WHERE {?x ?p ?o BIND(?nope AS ?s)}", {"s": A}),
    ("SELECT ?s ?o WHERE {?x ?p ?o VALUES ?s {<http://ex/b>}}", {"s": A}),
    ("SELECT ?s ?o WHERE {{SELECT ?o WHERE {?s ?p ?o}}}", {"s": A}),
    ("SELECT ?s ?o WHERE {{SELECT ?s ?o WHERE {?s ?p ?o}}}", {"s": A}),
    ("SELECT ?s ?o WHERE {{SELECT * WHERE {?s ?p ?o}}}", {"s": A}),
    ("SELECT ?s ?n WHERE {{SELECT (COUNT(*) AS ?n) WHERE {?s ?p ?o} GROUP BY ?s}}", {"s": A}),
    ("SELECT ?s ?o WHERE {?s ?p ?o} ORDER BY ?s LIMIT 1", {"s": A}),
    ("CONSTRUCT {?s ?p ?o} WHERE {?s ?p ?o}", {"s": A}),
    ("CONSTRUCT WHERE {?s ?p ?o}", {"s": A}),
    ("DESCRIBE ?s", {"s": A}),
    ("ASK {?s ?p '2'}", {"s": A}),
    ("ASK {?s ?p ?o}", {"o": Literal("2")}),
    ("SELECT ?s ?o WHERE {?s ?p ?o}", {"s": Literal("x")}),  # a literal as subject
    ("SELECT ?s ?o WHERE { OPTIONAL {?y ?p ?o FILTER(?y = ?s)}}", {"s": A}),
    ("SELECT ?s ?o WHERE { ?y ?p ?o MINUS {?s ?p ?o}}", {"s": A}),
    ("SELECT ?s ?o WHERE { ?y ?p ?o MINUS {?s ?q ?w}}", {"s": A}),
    ("SELECT ?s ?o WHERE { ?y ?p ?o FILTER NOT EXISTS {?s ?p ?o}}", {"s": A}),
    ("SELECT ?s ?x WHERE {{?x ?p ?o} UNION {?s ?p ?o}}", {"s": A}),
    ("SELECT ?s ?x WHERE {GRAPH ?g {?x ?p ?o FILTER(?x = ?s)}}", {"s": A}),
    ("SELECT ?s ?x ?o WHERE {?x <http://ex/q>* ?s . ?s ?p ?o}", {"s": NamedNode("http://ex/b")}),
    ("SELECT ?s ?t ?o WHERE {?s ?p ?o FILTER(?o = ?t)}", {"s": A, "t": Literal("3")}),
    ('SELECT ?s ?o WHERE { ?x ?p ?o FILTER(STR(?o) != "{?s}") FILTER(?x=?s) } # {', {"s": A}),
    ("SELECT ?s ?o WHERE { ?s ?p ?o } VALUES ?s { <http://ex/a> <http://ex/b> }", {"s": A}),
    ("SELECT ?n ?s WHERE { ?s ?l ?o FILTER(CONTAINS(STR(?o), STR(?n))) }", {"n": Literal("燃")}),
    (
        "SELECT ?n ?s WHERE { ?s ?l ?o FILTER(STR(?o) = STR(?n)) }",
        {"n": Literal("燃气", language="zh")},
    ),
    ("SELECT ?n ?s WHERE { ?s ?p ?o FILTER(?o = ?n) }", {"n": Literal('a"b\nc\\')}),
]


@pytest.mark.parametrize(("text", "subs"), SCOPING, ids=[c[0] for c in SCOPING])
def test_rewrite_keeps_the_scoping_of_substitutions(
    small: Store, text: str, subs: dict[str, Any]
) -> None:
    expected = answer(small, text, {Variable(k): v for k, v in subs.items()})
    try:
        rewritten = substitute(text, subs)
    except RuntimeError:
        assert expected == "RuntimeError"  # refused by both
        return
    assert answer(small, rewritten) == expected, rewritten


def test_values_go_into_every_group_that_mentions_the_variable() -> None:
    out = substitute(
        "SELECT ?d ?x { ?x ?p ?y OPTIONAL { ?y ?q ?d } { SELECT ?z { ?z ?r ?d } } }",
        {"d": NamedNode("http://ex/d")},
    )
    assert out.count("VALUES ?d { <http://ex/d> }") == 2  # the WHERE group and OPTIONAL
    assert "{ SELECT ?z { ?z" in out  # a subquery that does not project ?d is left alone


def test_blank_nodes_and_as_bindings_are_refused() -> None:
    with pytest.raises(ValueError, match="blank node"):
        substitute("SELECT ?s { ?s ?p ?o }", {"s": BlankNode("b")})
    with pytest.raises(ValueError, match="AS"):
        substitute("SELECT (?x AS ?s) { ?x ?p ?o }", {"s": A})


def test_literals_are_written_in_sparql_syntax() -> None:
    assert sparql_term(Literal('一\n二\r"\\')) == '"一\\n二\\r\\"\\\\"'
    assert sparql_term(Literal("2025-01-01", datatype=NamedNode(XSD + "date"))) == (
        f'"2025-01-01"^^<{XSD}date>'
    )
    assert sparql_term(Literal("x", language="zh")) == '"x"@zh'


def test_lexer_keeps_strings_iris_and_comments_whole() -> None:
    tokens = [t.text for t in tokenize("SELECT * { ?s <http://ex/a#b> '''}\n{''' } # } {")]
    assert tokens == ["SELECT", "*", "{", "?s", "<http://ex/a#b>", "'''}\n{'''", "}"]


def test_dataset_clauses_and_prologue() -> None:
    assert has_dataset_clause("SELECT * FROM NAMED <http://ex/g> { GRAPH ?g { ?s ?p ?o } }")
    assert not has_dataset_clause("SELECT * { ?s <http://ex/from> ?o } # FROM")
    assert prologue({"ex": "http://ex/"}, "http://base/") == (
        "BASE <http://base/>\nPREFIX ex: <http://ex/>\n"
    )
    with pytest.raises(ValueError):
        prologue({"bad prefix": "http://ex/"})
