"""api/routers/linked_data.py and safetykg/linked_data.py: /id/... dereferencing, the context."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from fastapi.testclient import TestClient
from pyoxigraph import Store

from api.app import create_app
from safetykg.settings import Settings

ID = "https://w3id.org/safetykg/id/"
SK = rdflib.Namespace("https://w3id.org/safetykg/ontology#")
GAS = rdflib.URIRef(ID + "sector/urban-gas")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def client(built_store: Store, data_dir: Path) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=data_dir), store=built_store)
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def context(client: TestClient) -> dict:
    response = client.get("/api/context.jsonld")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ld+json"
    return response.json()


def parse_json_ld(text: str, context: dict) -> rdflib.Graph:
    """Parse our JSON-LD with the context inlined (nothing is fetched)."""
    doc = json.loads(text)
    doc["@context"] = context["@context"]
    return rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")


@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("*/*", "text/turtle", "turtle"),
    ],
)
def test_rdf_by_accept(client: TestClient, accept: str, media: str, fmt: str) -> None:
    response = client.get("/id/sector/urban-gas", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    assert "Accept" in response.headers["vary"]
    graph = rdflib.Graph().parse(data=response.text, format=fmt)
    assert (GAS, rdflib.RDFS.label, rdflib.Literal("城镇燃气", lang="zh")) in graph
    assert (
        GAS,
        SK.leadDepartment,
        rdflib.URIRef(ID + "department/bozhou/urban-management"),
    ) in graph
    # the lead table's sentence comes with it
    quotes = {str(q) for q in graph.objects(None, SK.quote)}
    assert any("牵头负责城镇燃气" in q for q in quotes) or any(
        "城镇燃气" in str(o) for o in graph.objects(None, rdflib.RDFS.label)
    )


def test_json_ld_reads_back_with_the_local_context(client: TestClient, context: dict) -> None:
    response = client.get("/id/sector/urban-gas", headers={"Accept": "application/ld+json"})
    assert response.headers["content-type"] == "application/ld+json"
    assert response.json()["@context"] == "/api/context.jsonld"
    graph = parse_json_ld(response.text, context)
    assert (GAS, rdflib.RDFS.label, rdflib.Literal("Urban gas", lang="en")) in graph
    assert (GAS, rdflib.RDF.type, SK.Sector) in graph


def test_task_document_carries_its_source_sentence(client: TestClient) -> None:
    response = client.get("/id/task/bozhou-2024/17", params={"format": "nt"})
    graph = rdflib.Graph().parse(data=response.text, format="nt")
    task = rdflib.URIRef(ID + "task/bozhou-2024/17")
    span = graph.value(task, SK.source)
    assert str(graph.value(span, SK.quote)).startswith("17.健全重大事故隐患数据库")


def test_html_for_browsers(client: TestClient) -> None:
    response = client.get("/id/department/bozhou/urban-management", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<h1>亳州市城市管理局</h1>" in page
    assert "Bozhou Municipal Urban Management Bureau" in page
    assert 'href="/id/sector/urban-gas"' in page
    assert "http://" not in page.split("<body>")[0].replace("http://www.w3.org", "")
    assert "<script" not in page and "<link" not in page
    english = client.get(
        "/id/department/bozhou/urban-management",
        headers={"Accept": BROWSER, "Accept-Language": "en"},
    ).text
    assert "<h1>Bozhou Municipal Urban Management Bureau</h1>" in english


def test_html_shows_source_sentences(client: TestClient) -> None:
    page = client.get(
        "/id/lead/bozhou-2024/railway-line--transport", params={"format": "html"}
    ).text
    assert "<blockquote" in page and "铁路沿线安全" in page


def test_format_parameter_wins(client: TestClient) -> None:
    response = client.get(
        "/id/sector/urban-gas", params={"format": "jsonld"}, headers={"Accept": "text/turtle"}
    )
    assert response.headers["content-type"] == "application/ld+json"


@pytest.mark.parametrize(
    ("url", "headers", "status"),
    [
        ("/id/sector/no-such-sector", {}, 404),
        ("/id/sector/urban-gas", {"Accept": "image/png"}, 406),
        ("/id/sector/urban-gas?format=docx", {}, 406),
        ("/id/Sector/urban-gas", {}, 400),
        ("/id/sector/a b", {}, 400),
    ],
)
def test_errors(client: TestClient, url: str, headers: dict, status: int) -> None:
    response = client.get(url, headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


def test_api_json_is_json_ld_with_the_context(client: TestClient, context: dict) -> None:
    response = client.get("/api/sectors/urban-gas", headers={"Accept": "application/ld+json"})
    assert response.headers["content-type"] == "application/ld+json"
    graph = parse_json_ld(response.text, context)
    assert (GAS, rdflib.RDFS.label, rdflib.Literal("城镇燃气", lang="zh")) in graph
    lead = graph.value(GAS, SK.qualifiedLead)
    assert graph.value(lead, SK.assignedDepartment) == rdflib.URIRef(
        ID + "department/bozhou/urban-management"
    )
    span = graph.value(lead, SK.source)
    assert "牵头负责城镇燃气" in str(graph.value(span, SK.quote)).replace("\n", "")


def test_context_is_local(context: dict) -> None:
    text = json.dumps(context)
    assert context["@context"]["iri"] == "@id"
    assert "http" not in json.dumps(context["@context"].get("@import", ""))
    assert '"@context": "http' not in text
