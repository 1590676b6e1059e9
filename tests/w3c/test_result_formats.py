"""The W3C result-format tests (json-res, csv-tsv-res), run through our endpoint.

Each test's data file is a named graph of the W3C store (see ``conftest.py``);
its query is sent over HTTP with ``default-graph-uri`` naming that graph and
``Accept`` set to the format of the expected result file. Our answer must match:

* JSON (``.srj``) as parsed result sets: the same variables, and the same
  bindings, each term compared by type, value, datatype and language;
* CSV and TSV textually, cell by cell (CSV cells as the ``csv`` module splits
  them, so quoting counts), after normalising line ends.

Blank node labels are arbitrary, so in both they are renamed in order of first
appearance. Rows are compared in order when the query has ``ORDER BY``, else
as multisets. Columns are compared by variable name, not position: the
queries use ``SELECT *``, whose variable order SPARQL 1.1 leaves to the engine
(the expected files list them in order of appearance; Oxigraph sorts them).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from typing import Any

import httpx
import pytest

from tests.helpers.sparql_server import Server
from tests.w3c.conftest import data_graph
from tests.w3c.manifest import ResultFormatTest, result_format_tests

pytestmark = pytest.mark.w3c

_MANIFEST = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/csv-tsv-res/manifest#"
_DOUBLE = (
    'Oxigraph stores "1.0E6"^^xsd:double as the value 1000000 and writes it so; the '
    "lexical form the test expects is gone before any serialiser runs"
)
_NEGATIVE_INTEGER = (
    "Oxigraph also stores xsd:negativeInteger as xsd:integer, so TSV writes -3 bare "
    'instead of "-3"^^xsd:negativeInteger'
)
KNOWN_GAPS: dict[str, pytest.MarkDecorator] = {
    _MANIFEST + "csv03": pytest.mark.xfail(reason=_DOUBLE, strict=True),
    _MANIFEST + "tsv03": pytest.mark.xfail(reason=f"{_DOUBLE}. {_NEGATIVE_INTEGER}", strict=True),
}
"""Test IRI -> xfail(reason) for result-format tests we do not pass."""

MEDIA_TYPES = {
    ".srj": "application/sparql-results+json",
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
}


def _cases() -> list[object]:
    return [
        pytest.param(t, id=t.iri, marks=[KNOWN_GAPS[t.iri]] if t.iri in KNOWN_GAPS else [])
        for t in result_format_tests()
    ]


def _ask(server: Server, test: ResultFormatTest) -> httpx.Response:
    response = httpx.post(
        server.endpoint,
        params={"default-graph-uri": data_graph(test.data)},
        content=test.query.read_bytes(),
        headers={
            "Content-Type": "application/sparql-query",
            "Accept": MEDIA_TYPES[test.result.suffix],
        },
        trust_env=False,
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(MEDIA_TYPES[test.result.suffix])
    return response


def _ordered(test: ResultFormatTest) -> bool:
    return re.search(r"\bORDER\s+BY\b", test.query.read_text(), re.IGNORECASE) is not None


def _rename_blank_nodes(rows: Iterable[Any]) -> list[Any]:
    """Replace each blank node label by b0, b1 … in order of first appearance."""
    names: dict[str, str] = {}

    def rename(value: Any) -> Any:
        if isinstance(value, dict):
            if value.get("type") == "bnode":
                return {**value, "value": names.setdefault(value["value"], f"b{len(names)}")}
            return {k: rename(v) for k, v in value.items()}
        if isinstance(value, list):
            return [rename(v) for v in value]
        if isinstance(value, str):
            return re.sub(
                r"_:([A-Za-z0-9_.-]+)",
                lambda m: "_:" + names.setdefault(m[1], f"b{len(names)}"),
                value,
            )
        return value

    return [rename(row) for row in rows]


def _same_rows(expected: list[Any], actual: list[Any], ordered: bool) -> None:
    if ordered:
        assert _rename_blank_nodes(actual) == _rename_blank_nodes(expected)
    else:
        key = json.dumps
        assert sorted(map(key, _rename_blank_nodes(actual))) == sorted(
            map(key, _rename_blank_nodes(expected))
        )


def _json_result(document: dict[str, Any]) -> tuple[list[str] | None, Any]:
    if "boolean" in document:
        return None, document["boolean"]
    bindings = [
        {var: dict(term) for var, term in row.items()} for row in document["results"]["bindings"]
    ]
    return document["head"]["vars"], bindings


def _table(text: str, suffix: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV or TSV document, each row as its cells' text."""
    lines = text.replace("\r\n", "\n").rstrip("\n").split("\n")
    if suffix == ".tsv":
        rows = [line.split("\t") for line in lines]
    else:
        rows = list(csv.reader(io.StringIO("\n".join(lines) + "\n")))
    return rows[0], rows[1:]


def _by_header(header: list[str], rows: list[list[str]], order: list[str]) -> list[list[str]]:
    """``rows`` with their columns put in the order of the header ``order``."""
    index = [header.index(name) for name in order]
    return [[row[i] for i in index] for row in rows]


@pytest.mark.parametrize("test", _cases())
def test_result_format(test: ResultFormatTest, w3c_server: Server) -> None:
    response = _ask(w3c_server, test)
    ordered = _ordered(test)
    if test.result.suffix == ".srj":
        expected_vars, expected = _json_result(json.loads(test.result.read_text("utf-8")))
        actual_vars, actual = _json_result(response.json())
        assert sorted(actual_vars or []) == sorted(expected_vars or [])
        if expected_vars is None:
            assert actual is expected
        else:
            _same_rows(expected, actual, ordered)
    else:
        expected_header, expected_rows = _table(test.result.read_text("utf-8"), test.result.suffix)
        header, rows = _table(response.content.decode("utf-8"), test.result.suffix)
        assert sorted(header) == sorted(expected_header)
        _same_rows(expected_rows, _by_header(header, rows, expected_header), ordered)
