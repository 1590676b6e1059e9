"""safetykg/audit.py and the audit middleware: every authenticated write leaves one
PROV-O record in graph/audit — who, when, what, from which request — and none is ever
rewritten."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode, RdfFormat, Store

from safetykg.audit import GRAPH_AUDIT, history
from tests.security.conftest import make_app
from tests.security.fixtures import (
    DEPT,
    HAZARD,
    auth,
    build_hazard_store,
    hazard_csv,
    hazard_row,
    make_tokens,
)


@pytest.fixture(scope="module")
def audited(
    tmp_path_factory: pytest.TempPathFactory, project_root: Path
) -> Iterator[tuple[TestClient, Store, dict[str, str]]]:
    root = tmp_path_factory.mktemp("audit")
    store = build_hazard_store(root / "data", project_root)
    secrets = make_tokens(root / "tokens.json")
    app = make_app(store, root / "data", root / "tokens.json")
    with TestClient(app) as client:
        yield client, store, secrets


def audit_quads(store: Store) -> set[str]:
    data = store.dump(format=RdfFormat.N_QUADS, from_graph=None)
    return {line for line in data.decode().splitlines() if str(GRAPH_AUDIT) in line}


def test_a_write_is_recorded_with_who_when_what_and_request(
    audited: tuple[TestClient, Store, dict[str, str]],
) -> None:
    client, store, secrets = audited
    body = json.dumps({"to": "rectifying", "actor": DEPT + "urban-management"}).encode()
    response = client.post(
        "/api/hazards/H-SEC-GAS/transitions",
        content=body,
        headers={
            **auth(secrets["gas-office"]),
            "Content-Type": "application/json",
            "X-Request-ID": "req-42",
        },
    )
    assert response.status_code == 201, response.text
    assert response.headers["x-request-id"] == "req-42"
    [entry] = history(store, hazard=HAZARD + "H-SEC-GAS", agent="gas-office")
    assert entry["outcome"] == "succeeded" and entry["status"] == 201
    assert entry["kind"] == "department" and entry["action"] == "transition"
    assert (entry["method"], entry["path"]) == ("POST", "/api/hazards/H-SEC-GAS/transitions")
    assert entry["request_id"] == "req-42" and entry["client"] == "testclient"
    assert '"rectifying"' in entry["summary"]
    assert entry["targets"] == [HAZARD + "H-SEC-GAS"]
    digest = store.query(
        "SELECT ?d ?n WHERE { GRAPH ?g { ?r <https://w3id.org/safetykg/ontology#requestDigest> ?d ;"
        " <https://w3id.org/safetykg/ontology#requestBytes> ?n } }",
        use_default_graph_as_union=True,
    )
    assert ("sha256:" + hashlib.sha256(body).hexdigest(), str(len(body))) in {
        (r["d"].value, r["n"].value)
        for r in digest  # type: ignore[index, union-attr]
    }
    agent = NamedNode("https://w3id.org/safetykg/id/agent/gas-office")
    acted_for = {
        q.object.value
        for q in store.quads_for_pattern(
            agent, NamedNode("http://www.w3.org/ns/prov#actedOnBehalfOf"), None, None
        )
    }
    assert acted_for == {DEPT + "urban-management"}


def test_denied_and_refused_writes_are_recorded_unauthenticated_ones_not(
    audited: tuple[TestClient, Store, dict[str, str]],
) -> None:
    client, store, secrets = audited
    before = len(history(store, limit=10_000))
    denied = client.post(
        "/api/hazards/H-SEC-DUST/transitions",
        json={"to": "rectifying", "actor": DEPT + "education"},
        headers=auth(secrets["education"]),
    )
    refused = client.post(
        "/api/hazards/import",
        files={"file": ("h.csv", b"hazard_id\nH-1\n", "text/csv")},
        headers=auth(secrets["ops"]),
    )
    anonymous = client.post("/api/hazards/H-SEC-DUST/transitions", json={"to": "rectifying"})
    assert (denied.status_code, refused.status_code, anonymous.status_code) == (403, 422, 403)
    entries = history(store, limit=10_000)
    assert len(entries) == before + 2
    latest = {e["agent"]: e for e in entries[:2]}
    assert latest["education"]["outcome"] == "denied"
    assert latest["education"]["targets"] == [HAZARD + "H-SEC-DUST"]
    assert latest["ops"]["outcome"] == "refused" and latest["ops"]["action"] == "import"


def test_records_are_only_ever_added(audited: tuple[TestClient, Store, dict[str, str]]) -> None:
    client, store, secrets = audited
    client.post(
        "/api/hazards/H-SEC-RAIL/transitions",
        json={"to": "rectifying", "actor": DEPT + "transport"},
        headers=auth(secrets["transport"]),
    )
    before = audit_quads(store)
    row = hazard_row("H-SEC-AUDIT", "rail")
    response = client.post(
        "/api/hazards/import",
        files={"file": ("h.csv", hazard_csv([row]), "text/csv")},
        headers=auth(secrets["ops"]),
    )
    assert response.status_code == 200, response.text
    after = audit_quads(store)
    assert before < after  # a strict superset: nothing changed, something added
    newest = history(store, limit=1)[0]
    assert newest["agent"] == "ops" and newest["action"] == "import"


def test_audit_trail_is_queryable_over_sparql(
    audited: tuple[TestClient, Store, dict[str, str]],
) -> None:
    client, _, _ = audited
    query = """
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX sk: <https://w3id.org/safetykg/ontology#>
        SELECT ?who ?outcome WHERE {
          GRAPH <https://w3id.org/safetykg/graph/audit> {
            ?r a prov:Activity ; prov:wasAssociatedWith/rdfs:label ?who ; sk:outcome ?outcome
          }
        }"""
    query = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n" + query
    response = client.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.text
    rows = {
        (b["who"]["value"], b["outcome"]["value"]) for b in response.json()["results"]["bindings"]
    }
    assert ("gas-office", "succeeded") in rows and ("education", "denied") in rows
