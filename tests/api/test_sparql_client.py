"""A standard SPARQL client against a real server: SPARQLWrapper over HTTP.

uvicorn serves the real app on a free loopback port (started and stopped by the
module fixture). SELECT and ASK are read as JSON, XML and CSV; CONSTRUCT as
Turtle and JSON-LD; each by GET and by POST.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from xml.dom.minidom import Document

import pytest
from rdflib import Graph, Literal, URIRef
from SPARQLWrapper import CSV, GET, JSON, JSONLD, POST, TURTLE, XML, SPARQLWrapper

from safetykg.namespaces import sparql_prefixes
from tests.helpers.sparql_server import Server, running_server
from tests.helpers.sparql_store import make_data_dir

TASK_1 = "https://w3id.org/safetykg/id/task/test-plan/1"
SELECT = sparql_prefixes() + (
    "SELECT ?task ?label WHERE { ?task a sk:Task ; rdfs:label ?label "
    "FILTER(lang(?label) = 'zh') } ORDER BY ?task"
)
ASK = sparql_prefixes() + "ASK { ?h a sk:MajorHazard }"
CONSTRUCT = sparql_prefixes() + (
    "CONSTRUCT { ?d rdfs:label ?l } WHERE { ?d a sk:Department ; rdfs:label ?l }"
)
EDUCATION = URIRef("https://w3id.org/safetykg/id/department/test/education")
LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir: Path = make_data_dir(tmp_path_factory.mktemp("client"))
    with running_server(data_dir) as server:
        yield server


def _client(server: Server, query: str, fmt: str, method: str) -> SPARQLWrapper:
    client = SPARQLWrapper(server.endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    return client


@pytest.mark.parametrize("method", [GET, POST])
def test_select_json(server: Server, method: str) -> None:
    result = _client(server, SELECT, JSON, method).queryAndConvert()
    rows = [(b["task"]["value"], b["label"]["value"]) for b in result["results"]["bindings"]]
    assert rows[0] == (TASK_1, "任务1") and len(rows) == 2


@pytest.mark.parametrize("method", [GET, POST])
def test_select_xml(server: Server, method: str) -> None:
    document = _client(server, SELECT, XML, method).queryAndConvert()
    assert isinstance(document, Document)
    literals = [node.firstChild.data for node in document.getElementsByTagName("literal")]
    assert literals == ["任务1", "任务2"]


@pytest.mark.parametrize("method", [GET, POST])
def test_select_csv(server: Server, method: str) -> None:
    body = _client(server, SELECT, CSV, method).queryAndConvert()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows == [
        ["task", "label"],
        [TASK_1, "任务1"],
        ["https://w3id.org/safetykg/id/task/test-plan/2", "任务2"],
    ]


@pytest.mark.parametrize("method", [GET, POST])
def test_ask_json(server: Server, method: str) -> None:
    assert _client(server, ASK, JSON, method).queryAndConvert() == {"head": {}, "boolean": True}


@pytest.mark.parametrize("method", [GET, POST])
def test_ask_xml(server: Server, method: str) -> None:
    document = _client(server, ASK, XML, method).queryAndConvert()
    (boolean,) = document.getElementsByTagName("boolean")
    assert boolean.firstChild.data == "true"


@pytest.mark.parametrize("method", [GET, POST])
def test_ask_csv(server: Server, method: str) -> None:
    assert _client(server, ASK, CSV, method).queryAndConvert().strip() == b"true"


@pytest.mark.parametrize("method", [GET, POST])
def test_construct_turtle(server: Server, method: str) -> None:
    body = _client(server, CONSTRUCT, TURTLE, method).queryAndConvert()
    graph = Graph().parse(data=body, format="turtle")
    assert len(graph) == 4
    assert (EDUCATION, LABEL, Literal("市教育局", lang="zh")) in graph


@pytest.mark.parametrize("method", [GET, POST])
def test_construct_jsonld(server: Server, method: str) -> None:
    result = _client(server, CONSTRUCT, JSONLD, method).queryAndConvert()
    graph = result if isinstance(result, Graph) else Graph().parse(data=result, format="json-ld")
    assert len(graph) == 4
    assert (EDUCATION, LABEL, Literal("Municipal Education Bureau", lang="en")) in graph
