"""``api/sparql_guard.py`` :func:`check_nesting` and the worker's stack in
``api/sparql_limits.py``: a query nested thousands deep is refused with a 400 before the
parser sees it (the parser would overflow its stack and kill the worker), brackets in
strings and comments do not count, and ordinary nesting still works."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.sparql_guard import MAX_NESTING, QueryRefused, check_nesting, nesting_depth
from tests.helpers.sparql_store import make_app, make_data_dir

DEEP = {
    "braces": "SELECT * WHERE " + "{" * 10_000 + "?s ?p ?o" + "}" * 10_000,
    "parentheses": "SELECT * WHERE { FILTER(" + "(" * 10_000 + "true" + ")" * 10_000 + ") }",
    "blank-node-lists": "SELECT * WHERE { ?s ?p " + "[ ?p " * 3_000 + "1" + " ]" * 3_000 + " }",
    "collections": "SELECT * WHERE { ?s ?p " + "(" * 3_000 + "1" + ")" * 3_000 + " }",
    "mixed": "SELECT * WHERE " + "{ FILTER EXISTS { ?s ?p [ ?q (" * 1_000 + ") ] } }" * 1_000,
    # '<' is also "less than": the brackets between it and '>' are not an IRI's here
    "less-than-then-greater-than": "ASK { FILTER(?a<" + "(" * 5_000 + "1" + ")" * 5_000 + ">0) }",
}


def nested(depth: int) -> str:
    """A valid query whose group graph patterns nest ``depth`` deep."""
    return "SELECT * WHERE " + "{" * depth + " ?s ?p ?o " + "}" * depth + " LIMIT 1"


# --------------------------------------------------------------------------- the guard alone


@pytest.mark.parametrize(
    ("query", "depth"),
    [
        ("SELECT * { ?s ?p ?o }", 1),
        (nested(20), 20),
        ('SELECT * { ?s ?p "{{{{ ((((" }', 1),
        ("SELECT * { ?s ?p '''[[[[\n(((('''  }", 1),
        ("SELECT * { ?s ?p ?o } # {{{{{{{{", 1),
        ("SELECT * { <http://example.org/a_(b)> ?p ?o }", 2),  # an IRI's brackets count
        ("SELECT * { ?s ?p ?o FILTER((1 < 2) && (3 > 2)) }", 3),
        ("SELECT * { ?s ?p ?o } }}}} {{", 2),  # stray closers do not go below zero
        ('SELECT * { ?s ?p "\\"{{{{" }', 1),  # an escaped quote does not end the string
    ],
)
def test_depth_ignores_strings_and_comments(query: str, depth: int) -> None:
    assert nesting_depth(query) == depth


def test_the_limit_itself_is_allowed_and_one_more_is_not() -> None:
    check_nesting(nested(MAX_NESTING))
    with pytest.raises(QueryRefused, match=f"at most {MAX_NESTING} levels"):
        check_nesting(nested(MAX_NESTING + 1))


@pytest.mark.parametrize("name", sorted(DEEP))
def test_deep_queries_are_refused(name: str) -> None:
    with pytest.raises(QueryRefused) as refused:
        check_nesting(DEEP[name])
    assert f"more than {MAX_NESTING} levels deep" in refused.value.detail


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * { ?s ?p ?o FILTER(?o != "' + "{" * 50_000 + '") }',
        "SELECT * { ?s ?p ?o } # " + "(" * 50_000,
        "SELECT * { " + " ".join(["{ ?s ?p ?o }"] * 5_000) + " }",  # many groups, side by side
        "SELECT * { ?s ?p ?o FILTER(?o IN (" + ", ".join(["(1)"] * 5_000) + ")) }",
    ],
    ids=["in-a-string", "in-a-comment", "wide", "long-list"],
)
def test_many_brackets_that_do_not_nest_are_allowed(query: str) -> None:
    check_nesting(query)


def test_an_apostrophe_between_angle_brackets_is_refused_only_in_a_bracket_heavy_query() -> None:
    # '<' … '>' with an apostrophe reads as an IRI or as "less than … a string": the two
    # pair quotes differently, so the guard cannot see which brackets are in a string.
    hiding = "ASK { FILTER(?a<'>'&&" + "(" * 5_000 + "1" + ")" * 5_000 + "||?b='x') }"
    with pytest.raises(QueryRefused, match="%27"):
        check_nesting(hiding)
    check_nesting("SELECT * { <http://example.org/Ender's_Game> ?p ?o }")


# --------------------------------------------------------------------------- the endpoint


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data_dir: Path = make_data_dir(tmp_path_factory.mktemp("nesting"))
    with TestClient(make_app(data_dir, rate_limit=0)) as client:
        yield client


def _refused(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 400, response.text[:500]
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/query-refused"), problem
    assert f"at most {MAX_NESTING} levels" in problem["detail"]
    return str(problem["detail"])


@pytest.mark.parametrize("name", ["braces", "parentheses", "collections"])
def test_get_with_a_deep_query_is_a_400_that_says_why(client: TestClient, name: str) -> None:
    detail = _refused(client.get("/sparql", params={"query": DEEP[name]}))
    assert "nests" in detail


def test_post_with_a_deep_query_is_a_400_that_says_why(client: TestClient) -> None:
    _refused(
        client.post(
            "/sparql",
            content=DEEP["braces"].encode(),
            headers={"Content-Type": "application/sparql-query"},
        )
    )
    _refused(client.post("/sparql", data={"query": DEEP["mixed"]}))


def test_ordinary_nesting_still_works_and_the_worker_lives_on(client: TestClient) -> None:
    for query in (DEEP["braces"], nested(20)):
        response = client.get(
            "/sparql",
            params={"query": query},
            headers={"Accept": "application/sparql-results+json"},
        )
    assert response.status_code == 200, response.text
    assert len(response.json()["results"]["bindings"]) == 1


def test_braces_in_a_string_do_not_refuse_a_query(client: TestClient) -> None:
    query = 'ASK { FILTER("' + "{" * 10_000 + '" != "x") }'
    response = client.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["boolean"] is True


def test_a_long_flat_chain_is_answered_not_a_dead_worker(client: TestClient) -> None:
    # 10,000 ORs nest no bracket, but the parser still recurses once per operator: that
    # overflowed the 8 MiB main-thread stack (a 503 and a restarted worker); workers now
    # evaluate on a thread with a larger stack.
    query = "ASK { FILTER(" + " || ".join(["false"] * 10_000) + " || true) }"
    response = client.post(
        "/sparql",
        content=query.encode(),
        headers={
            "Content-Type": "application/sparql-query",
            "Accept": "application/sparql-results+json",
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["boolean"] is True
