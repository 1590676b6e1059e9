"""The W3C SPARQL 1.1 Protocol tests, run over HTTP against a real server.

Every test the manifest defines is one case, with the W3C test IRI as its id.
Each ``ht:Request`` is sent as written (method, path under our ``/sparql``,
headers, body in its character encoding) and its response is checked against
the manifest: the status class, the format family and, for ASK, the boolean.

Our endpoint is read-only, so the update tests take the refusal path: the
first update request of a test that expects success must get 403 with the
``write-forbidden`` problem, and the requests after it (which read what the
update would have written) are not sent. The ``bad_update_*`` tests expect a
4xx and get one as written.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import httpx
import pytest

from tests.helpers.sparql_server import Server
from tests.w3c.manifest import HttpRequest, ProtocolTest, protocol_tests

pytestmark = pytest.mark.w3c

KNOWN_GAPS: dict[str, pytest.MarkDecorator] = {}
"""Test IRI -> xfail(reason) for protocol tests we do not pass. None at present."""

FORMATS = {
    "boolean": ("application/sparql-results+json", "application/sparql-results+xml"),
    "tabular": (
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ),
    "RDF": ("application/rdf+xml", "text/turtle", "application/n-triples"),
}
"""``mf:expectedFormat`` -> the media types the manifest allows for it."""

SRX = "{http://www.w3.org/2005/sparql-results#}"


def _cases() -> list[object]:
    return [
        pytest.param(t, id=t.iri, marks=[KNOWN_GAPS[t.iri]] if t.iri in KNOWN_GAPS else [])
        for t in protocol_tests()
    ]


def _send(client: httpx.Client, server: Server, request: HttpRequest) -> httpx.Response:
    return client.request(
        request.method,
        server.url + request.path_on("/sparql"),
        headers=dict(request.headers),
        content=request.body,
    )


def _boolean(response: httpx.Response) -> bool:
    media = response.headers["content-type"].split(";")[0]
    if media == "application/sparql-results+json":
        return bool(json.loads(response.content)["boolean"])
    root = ET.fromstring(response.content)
    element = root.find(f"{SRX}boolean")
    assert element is not None, response.text
    return element.text == "true"


@pytest.mark.parametrize("test", _cases())
def test_protocol(test: ProtocolTest, w3c_server: Server) -> None:
    with httpx.Client(trust_env=False, timeout=30) as client:
        for request in test.requests:
            response = _send(client, w3c_server, request)
            if request.is_update and 2 in request.status_classes:
                assert response.status_code == 403, response.text
                problem = response.json()
                assert problem["type"].endswith("/write-forbidden")
                assert "read-only" in problem["detail"]
                return  # what follows reads the update's effect, which we refused
            assert response.status_code // 100 in request.status_classes, response.text
            if request.expected_format:
                media = response.headers["content-type"].split(";")[0]
                assert media in FORMATS[request.expected_format]
            if request.expected_boolean is not None:
                assert _boolean(response) is request.expected_boolean
