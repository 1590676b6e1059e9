"""One store and one real server for the W3C suites, built once per session.

The store holds every graph the manifests need, each as a named graph:

* the protocol manifest's ``ut:graphData`` (``data1.nt`` … as
  ``http://kasei.us/2009/09/sparql/data/data1.rdf`` …), plus an empty graph for
  each other IRI its requests name in ``default-graph-uri``/``named-graph-uri``
  (``data0.rdf``): our endpoint answers only for graphs it holds;
* each ``qt:data`` file of the result-format manifests, under its W3C IRI, which
  the result-format tests select with ``default-graph-uri``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from pyoxigraph import NamedNode, RdfFormat, Store

from safetykg.store import store_path
from tests.helpers.sparql_server import Server, running_server
from tests.w3c.manifest import DATA, protocol_tests, result_format_tests

W3C_BASE = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/"


def data_graph(file: Path) -> str:
    """The graph a result-format data file is loaded into: its W3C IRI."""
    return W3C_BASE + file.relative_to(DATA).as_posix()


def _protocol_graphs() -> tuple[dict[str, Path], set[str]]:
    loaded: dict[str, Path] = {}
    named: set[str] = set()
    for test in protocol_tests():
        for data in test.graph_data:
            loaded[data.name] = data.file
        for request in test.requests:
            query = urlsplit(request.path).query
            named.update(
                v for k, v in parse_qsl(query) if k in ("default-graph-uri", "named-graph-uri")
            )
    return loaded, named - loaded.keys()


@pytest.fixture(scope="session")
def w3c_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("w3c")
    store = Store(str(store_path(data_dir)))
    loaded, empty = _protocol_graphs()
    for test in result_format_tests():
        loaded[data_graph(test.data)] = test.data
    for name, file in loaded.items():
        fmt = RdfFormat.N_TRIPLES if file.suffix == ".nt" else RdfFormat.TURTLE
        store.load(path=str(file), format=fmt, to_graph=NamedNode(name), base_iri=file.as_uri())
    for name in empty:
        store.add_graph(NamedNode(name))
    store.flush()
    del store
    return data_dir


@pytest.fixture(scope="session")
def w3c_server(w3c_data_dir: Path) -> Iterator[Server]:
    with running_server(w3c_data_dir) as server:
        yield server
