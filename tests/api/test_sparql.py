"""HTTP behaviour of ``api/routers/sparql.py``, through FastAPI's TestClient.

The app is the real one (``create_app``) over a small store on disk holding
``tests/helpers/sparql_fixture.trig`` in three named graphs.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef

from api.sparql_description import SD, VOID
from tests.helpers.sparql_store import (
    GRAPH_SIZES,
    HAZARDS_GRAPH,
    PLAN_GRAPH,
    REFERENCE_GRAPH,
    make_app,
    make_data_dir,
)

TASK_1 = "https://w3id.org/safetykg/id/task/test-plan/1"
TASKS = "SELECT ?task ?label WHERE { ?task a sk:Task ; rdfs:label ?label FILTER(lang(?label) = 'zh') } ORDER BY ?task"
SPARQL_QUERY = {"Content-Type": "application/sparql-query"}
EXAMPLE = """# title: Tasks of the plan
# en: Which tasks does the plan have?
# zh: 方案有哪些任务？
SELECT ?task WHERE { ?task a sk:Task }
"""


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = make_data_dir(tmp_path_factory.mktemp("sparql"))
    (data_dir / "queries").mkdir()
    (data_dir / "queries" / "tasks.rq").write_text(EXAMPLE, encoding="utf-8")
    return data_dir


@pytest.fixture(scope="module")
def client(data_dir: Path) -> Iterator[TestClient]:
    with TestClient(make_app(data_dir, row_limit=1000)) as client:
        yield client


def _bindings(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    rows = response.json()["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in rows]


def _problem(response, status: int, slug: str) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert problem["type"].endswith("/" + slug), problem
    return str(problem["detail"])


# --------------------------------------------------------------------------- the three ways in


def test_get_post_form_and_post_direct_give_the_same_answer(client: TestClient) -> None:
    expected = [
        {"task": TASK_1, "label": "任务1"},
        {"task": "https://w3id.org/safetykg/id/task/test-plan/2", "label": "任务2"},
    ]
    assert _bindings(client.get("/sparql", params={"query": TASKS})) == expected
    assert _bindings(client.post("/sparql", data={"query": TASKS})) == expected
    assert _bindings(client.post("/sparql", content=TASKS, headers=SPARQL_QUERY)) == expected


def test_query_results_keep_language_tags(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": TASKS})
    first = response.json()["results"]["bindings"][0]["label"]
    assert first == {"type": "literal", "value": "任务1", "xml:lang": "zh"}


def test_our_prefixes_are_predeclared_and_a_query_may_redefine_them(client: TestClient) -> None:
    redefined = "PREFIX sk: <http://example.org/> ASK { ?t a sk:Task }"
    response = client.get("/sparql", params={"query": redefined})
    assert response.json() == {"head": {}, "boolean": False}


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv; charset=utf-8"),
        ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
        ("application/json", "application/json"),
    ],
)
def test_select_formats_by_accept(client: TestClient, accept: str, media_type: str) -> None:
    response = client.get("/sparql", params={"query": TASKS}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert response.headers["vary"] == "Accept"
    text = response.text
    if "csv" in accept:
        assert list(csv.reader(io.StringIO(text)))[1] == [TASK_1, "任务1"]
    elif "tab" in accept:
        assert text.splitlines()[1] == f'<{TASK_1}>\t"任务1"@zh'
    elif "xml" in accept:
        ns = "{http://www.w3.org/2005/sparql-results#}"
        literals = ET.fromstring(text).iter(f"{ns}literal")
        assert [lit.text for lit in literals] == ["任务1", "任务2"]
    else:
        assert json.loads(text)["head"]["vars"] == ["task", "label"]


def test_format_parameter_overrides_accept(client: TestClient) -> None:
    response = client.get(
        "/sparql", params={"query": TASKS, "format": "csv"}, headers={"Accept": "text/html"}
    )
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.text.splitlines()[0] == "task,label"


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_construct_formats(client: TestClient, accept: str, rdflib_format: str) -> None:
    query = "CONSTRUCT { ?t rdfs:label ?l } WHERE { ?t a sk:Task ; rdfs:label ?l }"
    response = client.post("/sparql", content=query, headers={**SPARQL_QUERY, "Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == accept
    graph = Graph().parse(data=response.content, format=rdflib_format)
    assert len(graph) == 4
    label = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
    assert (URIRef(TASK_1), label, Literal("任务1", lang="zh")) in graph


def test_describe_returns_the_resource(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": f"DESCRIBE <{TASK_1}>", "format": "nt"})
    graph = Graph().parse(data=response.content, format="nt")
    assert set(graph.subjects()) == {URIRef(TASK_1)} and len(graph) == 4


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/xml"])
def test_ask(client: TestClient, accept: str) -> None:
    response = client.get(
        "/sparql", params={"query": "ASK { ?h a sk:MajorHazard }"}, headers={"Accept": accept}
    )
    assert response.status_code == 200
    assert ("true" in response.text) and response.headers["content-type"] == accept


def test_no_acceptable_format_is_406(client: TestClient) -> None:
    detail = _problem(
        client.get("/sparql", params={"query": TASKS}, headers={"Accept": "image/png"}),
        406,
        "not-acceptable",
    )
    assert "image/png" in detail
    construct = "CONSTRUCT WHERE { ?s a sk:Task }"
    response = client.get("/sparql", params={"query": construct}, headers={"Accept": "text/csv"})
    assert "text/turtle" in _problem(response, 406, "not-acceptable")


# --------------------------------------------------------------------------- datasets


def _count(client: TestClient, query: str, **params: object) -> int:
    response = client.get("/sparql", params={"query": query, **params})
    return int(_bindings(response)[0]["n"])


def test_default_graph_is_the_union_of_the_named_graphs(client: TestClient) -> None:
    assert _count(client, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }") == sum(GRAPH_SIZES.values())
    graphs = "SELECT (COUNT(DISTINCT ?g) AS ?n) { GRAPH ?g { ?s ?p ?o } }"
    assert _count(client, graphs) == 3


def test_default_graph_uri_and_named_graph_uri(client: TestClient) -> None:
    all_triples = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    assert _count(client, all_triples, **{"default-graph-uri": PLAN_GRAPH}) == 18
    both = {"default-graph-uri": [PLAN_GRAPH, HAZARDS_GRAPH]}
    assert _count(client, all_triples, **both) == 23
    named = "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"
    assert _count(client, named, **{"named-graph-uri": REFERENCE_GRAPH}) == 8
    assert _count(client, all_triples, **{"named-graph-uri": REFERENCE_GRAPH}) == 0


def test_from_and_from_named_within_the_store(client: TestClient) -> None:
    query = f"SELECT (COUNT(*) AS ?n) FROM <{HAZARDS_GRAPH}> {{ ?s ?p ?o }}"
    assert _count(client, query) == 5
    prefixed = "PREFIX g: <https://w3id.org/safetykg/graph/> SELECT (COUNT(*) AS ?n) "
    assert _count(client, prefixed + "FROM NAMED g:reference { GRAPH ?g { ?s ?p ?o } }") == 8


def test_graphs_outside_the_store_are_refused_with_the_reason(client: TestClient) -> None:
    response = client.get(
        "/sparql", params={"query": "ASK {}", "default-graph-uri": "http://example.org/data.rdf"}
    )
    detail = _problem(response, 400, "bad-parameter")
    assert "not a graph in this store" in detail and PLAN_GRAPH in detail
    from_elsewhere = "SELECT * FROM <http://example.org/data.rdf> { ?s ?p ?o }"
    detail = _problem(client.get("/sparql", params={"query": from_elsewhere}), 400, "query-refused")
    assert "never fetches graphs from elsewhere" in detail
    named = "SELECT * FROM NAMED <http://example.org/data.rdf> { ?s ?p ?o }"
    _problem(client.get("/sparql", params={"query": named}), 400, "query-refused")


def test_invalid_graph_iri_is_a_bad_parameter(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "ASK {}", "named-graph-uri": "not an iri"})
    assert "not a valid IRI" in _problem(response, 400, "bad-parameter")


# --------------------------------------------------------------------------- refusals


def test_service_is_refused(client: TestClient) -> None:
    query = "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    detail = _problem(client.get("/sparql", params={"query": query}), 400, "query-refused")
    assert "SERVICE" in detail


def test_the_word_service_in_a_literal_is_fine(client: TestClient) -> None:
    query = 'SELECT ?t { ?t rdfs:label "Task 1: a SERVICE FROM the word list"@en }'
    assert _bindings(client.get("/sparql", params={"query": query})) == [{"t": TASK_1}]


@pytest.mark.parametrize(
    "send",
    [
        lambda c: c.post(
            "/sparql", content="CLEAR ALL", headers={"Content-Type": "application/sparql-update"}
        ),
        lambda c: c.post("/sparql", data={"update": "DROP ALL"}),
        lambda c: c.post("/sparql", data={"update": "LOAD <http://example.org/data.ttl>"}),
        lambda c: c.get("/sparql", params={"update": "CLEAR ALL"}),
        lambda c: c.post("/sparql", data={"query": "ASK {}", "update": "CLEAR ALL"}),
    ],
    ids=["direct", "form", "LOAD", "GET", "query+update"],
)
def test_updates_are_refused_and_change_nothing(client: TestClient, send) -> None:  # type: ignore[no-untyped-def]
    detail = _problem(send(client), 403, "write-forbidden")
    assert "read-only" in detail and "authenticated API" in detail
    assert _count(client, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }") == sum(GRAPH_SIZES.values())


def test_update_sent_as_query_is_a_syntax_error(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "LOAD <http://example.org/data.ttl>"})
    _problem(response, 400, "query-syntax")


def test_syntax_error_says_where(client: TestClient) -> None:
    detail = _problem(client.get("/sparql", params={"query": "SELECT * {"}), 400, "query-syntax")
    assert re.search(r"1:\d+", detail)


@pytest.mark.parametrize(
    ("send", "message"),
    [
        (lambda c: c.get("/sparql", params={"query": ["ASK {}", "ASK {}"]}), "exactly one"),
        (
            lambda c: c.post("/sparql", content="ASK {}", headers={"Content-Type": "text/plain"}),
            "application/sparql-query",
        ),
        (
            lambda c: c.post(
                "/sparql",
                content="ASK {}".encode("utf-16"),
                headers={"Content-Type": "application/sparql-query; charset=UTF-16"},
            ),
            "UTF-8",
        ),
        (
            lambda c: c.post("/sparql", content=b"ASK { ?s ?p '\xff' }", headers=SPARQL_QUERY),
            "UTF-8",
        ),
        (lambda c: c.get("/sparql", params={"query": "  "}), "empty"),
    ],
    ids=["two queries", "wrong media type", "UTF-16", "bad UTF-8", "empty"],
)
def test_protocol_misuse_is_a_bad_parameter(client: TestClient, send, message: str) -> None:  # type: ignore[no-untyped-def]
    assert message in _problem(send(client), 400, "bad-parameter")


def test_other_methods_are_not_allowed(client: TestClient) -> None:
    assert client.put("/sparql", params={"query": "ASK {}"}).status_code == 405


# --------------------------------------------------------------------------- descriptions


def test_service_description_without_query(client: TestClient) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"
    graph = Graph().parse(data=response.content, format="turtle")
    (service,) = graph.subjects(SD.endpoint, URIRef("http://testserver/sparql"))
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    formats = set(graph.objects(service, SD.resultFormat))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_CSV") in formats
    assert URIRef("http://www.w3.org/ns/formats/JSON-LD") in formats
    sizes = {
        str(graph.value(named, SD.name)): int(
            graph.value(graph.value(named, SD.graph), VOID.triples)
        )
        for named in graph.subjects(SD.name, None)
    }
    assert sizes == GRAPH_SIZES


def test_service_description_is_negotiated(client: TestClient) -> None:
    response = client.get("/sparql", headers={"Accept": "application/ld+json"})
    graph = Graph().parse(data=response.content, format="json-ld")
    assert (None, SD.endpoint, URIRef("http://testserver/sparql")) in graph


def test_void_counts_triples_per_graph(client: TestClient) -> None:
    response = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format="turtle")
    dataset = URIRef("http://testserver/.well-known/void#dataset")
    assert int(graph.value(dataset, VOID.triples)) == sum(GRAPH_SIZES.values())
    assert graph.value(dataset, VOID.sparqlEndpoint) == URIRef("http://testserver/sparql")
    subsets = {
        str(s): int(graph.value(s, VOID.triples)) for s in graph.objects(dataset, VOID.subset)
    }
    assert subsets == GRAPH_SIZES


# --------------------------------------------------------------------------- the page


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_browser_gets_the_query_page(client: TestClient) -> None:
    response = client.get("/sparql", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    config = json.loads(
        re.search(
            r'<script id="safetykg-config" type="application/json">(.*?)</script>', page, re.S
        )[1]  # type: ignore[index]
    )
    assert config["endpoint"] == "http://testserver/sparql"
    assert config["prefixes"]["sk"] == "https://w3id.org/safetykg/ontology#"
    assert "PREFIX sk: <https://w3id.org/safetykg/ontology#>" in config["defaultQuery"]
    links = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert links and not [link for link in links if "//" in link]  # all local


def test_examples_come_from_the_queries_folder(client: TestClient) -> None:
    (example,) = client.get("/sparql/examples").json()
    assert example["name"] == "tasks" and example["title"] == "Tasks of the plan"
    assert example["zh"] == "方案有哪些任务？"
    assert "PREFIX sk: <https://w3id.org/safetykg/ontology#>" in example["query"]


def test_page_assets_are_served_locally(client: TestClient) -> None:
    script = client.get("/sparql/assets/sparql.js")
    assert script.status_code == 200 and "safetykg-config" in script.text
    yasgui = client.get("/sparql/assets/yasgui.min.js")
    if yasgui.status_code == 404:
        pytest.skip("node_modules is not installed (npm ci)")
    assert yasgui.headers["content-type"].startswith("text/javascript")
    assert "Yasgui" in yasgui.text[:200_000]
    assert client.get("/sparql/assets/yasgui.min.css").status_code == 200


def test_unknown_assets_are_not_found(client: TestClient) -> None:
    assert client.get("/sparql/assets/..%2F..%2Fsettings.py").status_code == 404
    assert "package.json" in _problem(client.get("/sparql/assets/package.json"), 404, "not-found")
