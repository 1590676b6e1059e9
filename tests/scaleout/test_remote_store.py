"""safetykg/remote.py: ``RemoteStore`` answers the Store methods as ``pyoxigraph.Store`` does.

Every test runs on a scratch store of each kind — an in-memory
``pyoxigraph.Store``, Oxigraph server and Virtuoso — and checks the content of
what comes back, so a difference between the embedded store and a server
shows up as a failing parameter. The scratch graphs live under
``http://example.org/scratch/``, apart from the session's build on the same
servers, so the scratch stores use ``dataset`` union mode on both servers
(Oxigraph's own ``union-default-graph`` mode is what the build, API and
query-library suites run in).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    Variable,
    parse,
)

from safetykg.remote import RemoteStore, RemoteUnavailable
from tests.helpers.servers import Server
from tests.scaleout.conftest import server_settings

SCRATCH = "http://example.org/scratch/"
G1, G2 = NamedNode(SCRATCH + "g1"), NamedNode(SCRATCH + "g2")
EX = "http://example.org/"
P = NamedNode(EX + "p")

TURTLE = """\
@prefix ex: <http://example.org/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
ex:chain ex:steps ( ex:a ex:b ex:c ) .
ex:s ex:p "一\\n二"@zh , "x \\"q\\" \\\\"  , "2025-01-31"^^<http://www.w3.org/2001/XMLSchema#date> .
ex:s ex:q [ ex:r ex:t ] .
"""


@pytest.fixture(params=["embedded", "oxigraph", "virtuoso"])
def scratch(request: pytest.FixtureRequest) -> Iterator[Store | RemoteStore]:
    """An empty writable store of each kind (remote: graphs under SCRATCH only)."""
    if request.param == "embedded":
        yield Store()
        return
    server: Server = request.getfixturevalue(f"{request.param}_server")
    # The server also holds the session's build: the scratch store sees only its own
    # graphs, so its union default graph is a protocol dataset on every server.
    store = RemoteStore.from_settings(
        server_settings(server, store_graphs=SCRATCH, store_batch=7, store_union="dataset"),
        read_only=False,
    )
    store.clear()
    try:
        yield store
    finally:
        store.clear()
        store.close()


def triples(store: Store | RemoteStore, graph: NamedNode) -> set[str]:
    """The graph's triples as N-Triples lines, blank nodes replaced by ``_:b``."""
    out = set()
    for q in store.quads_for_pattern(None, None, None, graph):
        s = "_:b" if isinstance(q.subject, BlankNode) else str(q.subject)
        o = "_:b" if isinstance(q.object, BlankNode) else str(q.object)
        out.add(f"{s} {q.predicate} {o}")
    return out


def rows(result: object) -> list[tuple[str, ...]]:
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    return sorted(tuple(r[n].value if r[n] is not None else "" for n in names) for r in result)


def test_load_keeps_literals_exactly_and_blank_nodes_connected(
    scratch: Store | RemoteStore,
) -> None:
    scratch.load(TURTLE.encode(), RdfFormat.TURTLE, to_graph=G1)
    got = rows(scratch.query(f"SELECT ?o {{ GRAPH <{G1.value}> {{ <{EX}s> <{EX}p> ?o }} }}"))
    assert got == [("2025-01-31",), ('x "q" \\',), ("一\n二",)]
    lang = scratch.query(
        f"SELECT ?o {{ GRAPH ?g {{ <{EX}s> <{EX}p> ?o FILTER(LANG(?o) = 'zh') }} }}"
    )
    assert [r["o"] for r in lang] == [Literal("一\n二", language="zh")]  # type: ignore[index]
    # the blank node of [ ex:r ex:t ] is one node: the join goes through it
    assert rows(scratch.query(f"SELECT ?t {{ GRAPH ?g {{ <{EX}s> <{EX}q>/<{EX}r> ?t }} }}")) == [
        (EX + "t",)
    ]
    # the RDF list can be walked with quads_for_pattern, blank node by blank node
    head = next(scratch.quads_for_pattern(NamedNode(EX + "chain"), None, None, G1)).object
    first = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#first")
    rest = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#rest")
    walked, node = [], head
    while isinstance(node, BlankNode):
        walked.append(next(scratch.quads_for_pattern(node, first, None, G1)).object.value)
        node = next(scratch.quads_for_pattern(node, rest, None, G1)).object
    assert walked == [EX + "a", EX + "b", EX + "c"]


def test_bulk_load_in_batches_matches_the_embedded_load(
    scratch: Store | RemoteStore, tmp_path: Path
) -> None:
    lines = [f'<{EX}h{i}> <{EX}p> "{i}" <{G1.value}> .\n' for i in range(40)]
    lines += [f'<{EX}h{i}> <{EX}p> "{i}" <{G2.value}> .\n' for i in range(5)]
    plain = tmp_path / "plain.nq"
    plain.write_text("".join(lines), encoding="utf-8")
    scratch.bulk_load(path=str(plain), format=RdfFormat.N_QUADS)  # batches of 7 lines
    with_blanks = tmp_path / "blanks.ttl"
    with_blanks.write_text(TURTLE, encoding="utf-8")
    scratch.bulk_load(path=str(with_blanks), format=RdfFormat.TURTLE, to_graph=G2)
    reference = Store()
    reference.bulk_load(path=str(plain), format=RdfFormat.N_QUADS)
    reference.bulk_load(path=str(with_blanks), format=RdfFormat.TURTLE, to_graph=G2)
    assert triples(scratch, G1) == triples(reference, G1)
    assert triples(scratch, G2) == triples(reference, G2)
    assert len(triples(scratch, G1)) == 40
    steps = scratch.query(
        f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{G2.value}> {{ <{EX}chain> <{EX}steps>/"
        "<http://www.w3.org/1999/02/22-rdf-syntax-ns#rest>*/"
        "<http://www.w3.org/1999/02/22-rdf-syntax-ns#first> ?x } }"
    )
    assert rows(steps) == [("3",)]


def test_writes_graphs_and_counts(scratch: Store | RemoteStore) -> None:
    a, b = NamedNode(EX + "a"), NamedNode(EX + "b")
    scratch.extend([Quad(a, P, Literal("1"), G1), Quad(b, P, Literal("二", language="zh"), G2)])
    scratch.add(Quad(a, P, Literal("2"), G1))
    assert Quad(a, P, Literal("2"), G1) in scratch
    scratch.remove(Quad(a, P, Literal("2"), G1))
    assert Quad(a, P, Literal("2"), G1) not in scratch
    assert {g.value for g in scratch.named_graphs()} == {G1.value, G2.value}
    assert scratch.contains_named_graph(G1) and len(scratch) == 2
    scratch.update(f'INSERT DATA {{ GRAPH <{G1.value}> {{ <{EX}c> <{EX}p> "3" }} }}')
    assert triples(scratch, G1) == {f'<{EX}a> <{EX}p> "1"', f'<{EX}c> <{EX}p> "3"'}
    scratch.remove_graph(G2)
    assert not scratch.contains_named_graph(G2)
    assert [g.value for g in scratch.named_graphs()] == [G1.value]


def test_dump_is_what_was_loaded(scratch: Store | RemoteStore) -> None:
    scratch.load(TURTLE.encode(), RdfFormat.TURTLE, to_graph=G1)
    data = scratch.dump(format=RdfFormat.N_TRIPLES, from_graph=G1)
    assert isinstance(data, bytes)
    reference = Store()
    reference.load(TURTLE.encode(), RdfFormat.TURTLE, to_graph=G1)
    expected = reference.dump(format=RdfFormat.N_TRIPLES, from_graph=G1)

    def shape(nt: bytes) -> list[str]:
        return sorted(
            " ".join(
                "_:b" if isinstance(t, BlankNode) else str(t)
                for t in (q.subject, q.predicate, q.object)
            )
            for q in parse(nt, RdfFormat.N_TRIPLES)
        )

    assert shape(data) == shape(expected)
    turtle = scratch.dump(format=RdfFormat.TURTLE, from_graph=G1, prefixes={"ex": EX})
    assert isinstance(turtle, bytes) and b"@prefix ex: <http://example.org/>" in turtle


def test_results_are_pyoxigraph_objects_and_the_union_is_honoured(
    scratch: Store | RemoteStore,
) -> None:
    a = NamedNode(EX + "a")
    scratch.extend([Quad(a, P, Literal("1"), G1), Quad(a, P, Literal("2"), G2)])
    union = scratch.query("SELECT ?o { ?s ?p ?o }", use_default_graph_as_union=True)
    assert isinstance(union, QuerySolutions) and rows(union) == [("1",), ("2",)]
    assert rows(scratch.query("SELECT ?o { ?s ?p ?o }")) == []  # the default graph is empty
    one = scratch.query("SELECT ?o { ?s ?p ?o }", default_graph=[G1], named_graphs=[])
    assert rows(one) == [("1",)]
    asked = scratch.query(f"ASK {{ GRAPH <{G2.value}> {{ ?s ?p '2' }} }}")
    assert isinstance(asked, QueryBoolean) and bool(asked)
    built = scratch.query(
        "CONSTRUCT { ?s <http://example.org/q> ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
        substitutions={Variable("g"): G2},
    )
    assert isinstance(built, QueryTriples)
    assert [str(t.object) for t in built] == ['"2"']
    bound = scratch.query(
        "SELECT ?o ?g { GRAPH ?g { ?s ?p ?o } }", substitutions={Variable("g"): G1}
    )
    assert rows(bound) == [("1", G1.value)]


def test_a_bad_query_is_a_syntax_error(scratch: Store | RemoteStore) -> None:
    with pytest.raises(SyntaxError):
        scratch.query("SELECT ?s WHERE { ?s ?p }")


def test_read_only_and_unreachable_stores_raise_os_errors(tmp_path: Path) -> None:
    ro = RemoteStore("http://127.0.0.1:9", read_only=True, timeout=2)
    with pytest.raises(OSError, match="read-only"):
        ro.update("CLEAR DEFAULT")
    with pytest.raises(RemoteUnavailable, match="cannot reach"):
        ro.query("ASK {}")
    assert isinstance(RemoteUnavailable("x"), OSError)


def test_requests_carry_the_credentials_and_the_dataset() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = b'{"head":{"vars":["g"]},"results":{"bindings":[]}}'
        return httpx.Response(
            200, content=body, headers={"content-type": "application/sparql-results+json"}
        )

    store = RemoteStore(
        "http://sparql.example/ds",
        kind="fuseki",
        token="s3cret",
        transport=httpx.MockTransport(answer),
    )
    store.query("SELECT ?s { ?s ?p ?o }", use_default_graph_as_union=True)
    query = seen[-1]
    assert query.url == "http://sparql.example/ds/query"
    assert query.headers["authorization"] == "Bearer s3cret"
    form = httpx.QueryParams(query.content.decode())
    # dataset mode: the union of our graphs (none yet) and of the graph that stands in for
    # the default graph is sent as the dataset
    assert form.get_list("default-graph-uri") == ["https://w3id.org/safetykg/graph/default"]
    assert form.get_list("named-graph-uri") == ["urn:x-safetykg:empty"]
    assert form["query"] == "SELECT ?s { ?s ?p ?o }"
    assert store.update_url == "http://sparql.example/ds/update"
    assert store.gsp_url == "http://sparql.example/ds/data"
    assert isinstance(DefaultGraph(), DefaultGraph)
