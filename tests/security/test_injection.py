"""Injection strings in every parameter of every read route, property-tested.

For each parameter of each GET operation in the OpenAPI schema — path, query and header —
and each parameter of each named query, hypothesis sends values built from the
characters and fragments that break a query pasted together from text (quotes, ``>``,
``}``, ``\\u0022``, newlines, Unicode escapes, ``UNION { ?s ?p ?o }`` …), each behind the
marker ``zqxj``, which names nothing. A route that binds its values as terms keeps the
query's structure, so the answer is a 4xx, or a well-formed answer with no more rows
than the marker alone gets. Never a 5xx.

The default run tries a few values per parameter; ``slow`` tries many more.
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyoxigraph import Store

from api.app import create_app
from safetykg.settings import Settings

MARKER = "zqxj"
FRAGMENTS = [
    '"',
    "'",
    ">",
    "<",
    "}",
    "{",
    "\\u0022",
    "\\u003E",
    "\\U0000007D",
    '\\"',
    "\n",
    "\r\n",
    "\\n",
    "#",
    ";",
    ")",
    " . ",
    "%22",
    "%3E",
    "\u202e",
    "\x00",
    '" } UNION { ?s ?p ?o } #',
    "> <https://evil.example/> .",
    "') || true || ('",
    '"^^<http://www.w3.org/2001/XMLSchema#string>',
    '"@zh',
    "?s ?p ?o",
    "../../etc/passwd",
    "%2e%2e%2f",
]
values = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=4).map(
    lambda parts: MARKER + "".join(parts)
)
header_values = values.map(
    lambda v: re.sub(r"[^\x20-\x7e]", "?", v)  # what an HTTP header can carry
)

EXAMPLES = int(os.environ.get("SAFETYKG_FUZZ_EXAMPLES", "4"))

LEGIT_PATH = {
    "plan": "bozhou-2024",
    "number": "1",
    "key": "task-4-1",
    "department": "bozhou/urban-management",
    "sector": "urban-gas",
    "region": "qiaocheng",
    "kind": "task",
    "hazard_id": "H-SEC-GAS",
    "code": "91341602MA2T00010X",
    "name": "action-tasks",
    "format": "graphml",
}


@dataclass(frozen=True)
class Target:
    path: str
    param: str
    where: str  # path, query, header, named

    @property
    def id(self) -> str:
        return f"{self.where}:{self.param}@{self.path}"


def _schema_targets() -> list[Target]:
    schema = create_app(Settings(data_dir="/nonexistent")).openapi()
    out = []
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if not get:
            continue
        for param in get.get("parameters", []):
            out.append(Target(path, param["name"], param["in"]))
    return out


TARGETS = _schema_targets()


@pytest.fixture(scope="module")
def reader(hazard_store: Store, security_dir) -> FastAPI:  # type: ignore[no-untyped-def]
    from tests.security.conftest import make_app

    return make_app(hazard_store, security_dir / "data", security_dir / "tokens.json")


@pytest.fixture(scope="module")
def http(reader: FastAPI):  # type: ignore[no-untyped-def]
    with TestClient(reader, raise_server_exceptions=False) as c:
        yield c


def rows(response: Any) -> int:
    """How many records an answer holds: the JSON objects in it (SPARQL bindings included),
    leaving out ``suggestions``, the lookup's fuzzy hints for text that matched nothing."""
    if response.status_code >= 300:
        return 0
    kind = response.headers.get("content-type", "")
    if "json" not in kind:
        return 0
    try:
        data = response.json()
    except json.JSONDecodeError:
        return 0

    def count(node: Any) -> int:
        if isinstance(node, dict):  # fuzzy "did you mean" hints are not results
            return 1 + sum(count(v) for k, v in node.items() if k != "suggestions")
        if isinstance(node, list):
            return sum(count(v) for v in node)
        return 0

    return count(data)


def request(http: TestClient, target: Target, value: str) -> Any:
    path = target.path
    params: dict[str, str] = {}
    headers: dict[str, str] = {}
    for name in re.findall(r"{(\w+)(?::path)?}", path):
        given = value if (target.where == "path" and name == target.param) else LEGIT_PATH[name]
        path = path.replace(f"{{{name}}}", quote(given, safe="/" if name == "department" else ""))
        path = path.replace(f"{{{name}:path}}", quote(given, safe="/"))
    if target.where == "query":
        params[target.param] = value
    elif target.where == "header":
        headers[target.param] = value
    return http.get(path, params=params, headers=headers)


@functools.cache
def _baseline(http_id: int, target: Target, http: TestClient) -> int:
    return rows(request(http, target, MARKER))


def check(http: TestClient, target: Target, value: str) -> None:
    response = request(http, target, value)
    assert response.status_code < 500, (target.id, value, response.status_code, response.text[:300])
    if 200 <= response.status_code < 300 and "json" in response.headers.get("content-type", ""):
        response.json()  # well-formed
    assert rows(response) <= _baseline(id(http), target, http), (target.id, value)


@pytest.mark.parametrize("target", TARGETS, ids=[t.id for t in TARGETS])
def test_schema_parameters_keep_their_meaning(http: TestClient, target: Target) -> None:
    strategy = header_values if target.where == "header" else values

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(value=strategy)
    def run(value: str) -> None:
        check(http, target, value)

    run()


# --------------------------------------------------------------------------- named queries


def _named(http: TestClient) -> list[tuple[str, dict[str, Any], list[dict[str, Any]]]]:
    return [(q["name"], q, q["params"]) for q in http.get("/queries").json()]


def _legit(store: Store, kind: str) -> str:
    if kind == "xsd:date":
        return "2025-06-30"
    if kind == "xsd:integer":
        return "1"
    if kind == "xsd:boolean":
        return "true"
    if kind == "xsd:string":
        return "燃气"
    match = re.match(r"sk:(\w+) IRI", kind)
    cls = f"https://w3id.org/safetykg/ontology#{match.group(1)}" if match else None
    query = (
        f"SELECT ?x WHERE {{ ?x a <{cls}> }} ORDER BY ?x LIMIT 1"
        if cls
        else "SELECT ?x WHERE { ?x a <https://w3id.org/safetykg/ontology#Department> } LIMIT 1"
    )
    found = list(store.query(query, use_default_graph_as_union=True))
    return found[0]["x"].value if found else "https://w3id.org/safetykg/id/task/bozhou-2024/1"  # type: ignore[index, union-attr]


def _fuzz_named(
    http: TestClient, name: str, legit: dict[str, str], param: str, baseline: int
) -> None:
    @settings(
        max_examples=max(2, EXAMPLES // 2),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(value=values)
    def run(value: str) -> None:
        response = http.get(f"/queries/{name}", params={**legit, param: value})
        where = (name, param, value)
        assert response.status_code < 500, (where, response.text[:300])
        assert rows(response) <= baseline, where

    run()


def test_named_query_parameters_keep_their_meaning(http: TestClient, hazard_store: Store) -> None:
    checked = 0
    for name, _, params in _named(http):
        legit = {p["name"]: _legit(hazard_store, p["type"]) for p in params}
        for param in params:
            baseline = rows(http.get(f"/queries/{name}", params={**legit, param["name"]: MARKER}))
            _fuzz_named(http, name, legit, param["name"], baseline)
            checked += 1
    assert checked >= 20  # the library has parameters to test


@pytest.mark.slow
@pytest.mark.parametrize("target", TARGETS, ids=[t.id for t in TARGETS])
def test_schema_parameters_many_examples(http: TestClient, target: Target) -> None:
    strategy = header_values if target.where == "header" else values

    @settings(
        max_examples=100, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(value=strategy)
    def run(value: str) -> None:
        check(http, target, value)

    run()
