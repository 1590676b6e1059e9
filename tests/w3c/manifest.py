"""A small typed reader for the W3C SPARQL 1.1 test manifests copied under ``data/``.

Each manifest is read as an RDF graph (rdflib) with its own file as base, so
relative references (``<data1.nt>``, ``<jsonres01.rq>``) become local files and
nothing is fetched. ``mf:include`` is followed. Entries keep the order of
``mf:entries``; each has the W3C test IRI as ``iri``, which the tests use as
their pytest id. Three kinds of entries are read:

* :class:`ProtocolTest`: an ``ht:Connection`` with ``ht:Request`` objects, each
  with its expected response (status classes, ``mf:expectedBoolean``,
  ``mf:expectedFormat``), and the ``ut:graphData`` the endpoint should hold;
* :class:`ResultFormatTest`: a query, its data and the expected result file;
* :class:`ServiceDescriptionTest`: a name only (the checks are prose).

The data files are © W3C, under the licence in ``data/LICENSE.md``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

DATA = Path(__file__).resolve().parent / "data"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

_UPDATE_PARAMS = ("update=", "using-graph-uri=", "using-named-graph-uri=")


@dataclass(frozen=True)
class HttpRequest:
    """One ``ht:Request`` and what its response must be."""

    method: str
    path: str
    """``ht:absolutePath`` as written (it starts with ``/sparql/``)."""
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    status_classes: frozenset[int]
    """Allowed first digits of the status: ``hts:StatusCode2xx`` gives 2, and so on."""
    expected_boolean: bool | None
    expected_format: str | None
    """``"boolean"``, ``"tabular"`` or ``"RDF"``."""

    @property
    def content_type(self) -> str:
        return next((v for k, v in self.headers if k.lower() == "content-type"), "")

    @property
    def is_update(self) -> bool:
        """True for a SPARQL Update operation, however it is sent."""
        body = (self.body or b"").decode("utf-8", "replace")
        return (
            self.content_type.startswith("application/sparql-update")
            or any(p in self.path for p in _UPDATE_PARAMS)
            or body.startswith(_UPDATE_PARAMS)
            or any(f"&{p}" in body for p in _UPDATE_PARAMS)
        )

    def path_on(self, endpoint_path: str) -> str:
        """The request path with the manifest's ``/sparql/`` replaced by ours."""
        rest = self.path.removeprefix("/sparql/")
        return (
            endpoint_path + rest if rest.startswith("?") or not rest else f"{endpoint_path}/{rest}"
        )


@dataclass(frozen=True)
class GraphData:
    """A graph the endpoint must hold for a test: ``file`` loaded as graph ``name``."""

    file: Path
    name: str


@dataclass(frozen=True)
class ProtocolTest:
    iri: str
    name: str
    requests: tuple[HttpRequest, ...]
    graph_data: tuple[GraphData, ...]

    @property
    def is_update(self) -> bool:
        return any(r.is_update for r in self.requests)


@dataclass(frozen=True)
class ResultFormatTest:
    iri: str
    name: str
    kind: str
    """The local name of the test type (``QueryEvaluationTest``, ``CSVResultFormatTest``)."""
    query: Path
    data: Path
    result: Path


@dataclass(frozen=True)
class ServiceDescriptionTest:
    iri: str
    name: str


Entry = ProtocolTest | ResultFormatTest | ServiceDescriptionTest


def load(manifest: Path) -> list[Entry]:
    """The entries of ``manifest`` and of every manifest it includes, in order."""
    graph = Graph()
    graph.parse(manifest, format="turtle")
    return list(_entries(graph, URIRef(manifest.resolve().as_uri())))


def protocol_tests() -> list[ProtocolTest]:
    return [e for e in load(DATA / "protocol" / "manifest.ttl") if isinstance(e, ProtocolTest)]


def result_format_tests() -> list[ResultFormatTest]:
    return [
        e
        for folder in ("json-res", "csv-tsv-res")
        for e in load(DATA / folder / "manifest.ttl")
        if isinstance(e, ResultFormatTest)
    ]


def service_description_tests() -> list[ServiceDescriptionTest]:
    entries = load(DATA / "service-description" / "manifest.ttl")
    return [e for e in entries if isinstance(e, ServiceDescriptionTest)]


# --------------------------------------------------------------------------- reading


def _entries(graph: Graph, manifest: URIRef) -> Iterator[Entry]:
    for include in graph.objects(manifest, MF.include):
        for item in Collection(graph, include):
            yield from load(_path(item))
    for entries in graph.objects(manifest, MF.entries):
        for test in Collection(graph, entries):
            kind = graph.value(test, RDF.type)
            name = str(graph.value(test, MF.name))
            if kind == MF.ProtocolTest:
                yield _protocol_test(graph, test, name)
            elif kind == MF.ServiceDescriptionTest:
                yield ServiceDescriptionTest(str(test), name)
            elif kind in (MF.QueryEvaluationTest, MF.CSVResultFormatTest):
                action = graph.value(test, MF.action)
                yield ResultFormatTest(
                    iri=str(test),
                    name=name,
                    kind=str(kind).rpartition("#")[2],
                    query=_path(graph.value(action, QT.query)),
                    data=_path(graph.value(action, QT.data)),
                    result=_path(graph.value(test, MF.result)),
                )
            else:
                raise ValueError(f"{test}: test type {kind} is not read by this runner")


def _protocol_test(graph: Graph, test: Node, name: str) -> ProtocolTest:
    action = graph.value(test, MF.action)
    requests = tuple(
        _request(graph, r) for r in Collection(graph, graph.value(action, HT.requests))
    )
    data = tuple(
        GraphData(_path(graph.value(d, UT.graph)), str(graph.value(d, RDFS.label)))
        for d in graph.objects(test, UT.graphData)
    )
    return ProtocolTest(str(test), name, requests, tuple(sorted(data, key=lambda d: d.name)))


def _request(graph: Graph, request: Node) -> HttpRequest:
    headers: list[tuple[str, str]] = []
    header_list = graph.value(request, HT.headers)
    if header_list is not None:
        for h in Collection(graph, header_list):
            headers.append((str(graph.value(h, HT.fieldName)), str(graph.value(h, HT.fieldValue))))
    body = None
    content = graph.value(request, HT.body)
    if content is not None:
        encoding = str(graph.value(content, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(content, CNT.chars)).encode(encoding)
    response = graph.value(request, HT.resp)
    classes = frozenset(
        int(str(code).rpartition("StatusCode")[2][0])
        for code in graph.objects(response, MF.expectedStatus)
    )
    boolean = graph.value(response, MF.expectedBoolean)
    fmt = graph.value(response, MF.expectedFormat)
    return HttpRequest(
        method=str(graph.value(request, HT.methodName)),
        path=str(graph.value(request, HT.absolutePath)),
        headers=tuple(headers),
        body=body,
        status_classes=classes,
        expected_boolean=None if boolean is None else bool(boolean.toPython()),
        expected_format=None if fmt is None else str(fmt),
    )


def _path(iri: Node | None) -> Path:
    """The local file of a ``file:`` IRI (every reference resolves to one here)."""
    parsed = urlparse(str(iri))
    if parsed.scheme != "file":
        raise ValueError(f"{iri} is not a local file; the W3C data must stay under {DATA}")
    return Path(unquote(parsed.path))
