"""api/routers/queries.py: GET /queries (the library's metadata) and GET /queries/{name}."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Store

from api.app import create_app
from safetykg.queries import default_library
from safetykg.settings import Settings

ID = "https://w3id.org/safetykg/id/"
URBAN_GAS = f"{ID}sector/urban-gas"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def client(built_store: Store, data_dir: Path) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=data_dir), store=built_store)
    with TestClient(app) as c:
        yield c


def bindings(response: object) -> list[dict[str, str]]:
    body = response.json()  # type: ignore[attr-defined]
    return [{k: v["value"] for k, v in b.items()} for b in body["results"]["bindings"]]


def test_list_gives_every_query_with_its_header(client: TestClient) -> None:
    response = client.get("/queries")
    assert response.status_code == 200
    body = response.json()
    assert [q["name"] for q in body] == list(default_library())
    assert len(body) >= 30
    by_name = {q["name"]: q for q in body}
    lead = by_name["sector-lead-departments"]
    assert lead["zh"].startswith("某行业领域由哪个")
    assert lead["en"].startswith("Which department")
    assert lead["form"] == "SELECT"
    assert lead["params"] == [
        {
            "name": "sector",
            "type": "sk:Sector IRI",
            "required": True,
            "default": None,
            "list": False,
        }
    ]
    assert lead["url"].endswith("/queries/sector-lead-departments")
    assert by_name["tasks-due-by"]["params"][0]["default"] == "today"


def test_run_binds_the_parameter_and_answers_sparql_json(client: TestClient) -> None:
    response = client.get("/queries/sector-lead-departments", params={"sector": URBAN_GAS})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/sparql-results+json"
    rows = bindings(response)
    assert [(r["sector"], r["deptZh"], r["jointLead"]) for r in rows] == [
        (URBAN_GAS, "亳州市城市管理局", "false")
    ]


def test_run_negotiates_like_the_sparql_endpoint(client: TestClient) -> None:
    response = client.get(
        "/queries/tasks-due-by", params={"by": "2024-12-31"}, headers={"Accept": "text/csv"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [int(r["number"]) for r in rows] == [4, 16, 17, 18, 21, 22, 24, 29]

    response = client.get("/queries/plan-phases", params={"format": "tsv"})
    assert response.headers["content-type"].startswith("text/tab-separated-values")
    assert '"专项治理阶段"@zh' in response.text

    response = client.get(
        "/queries/plan-phases", headers={"Accept": "application/sparql-results+xml"}
    )
    assert response.headers["content-type"] == "application/sparql-results+xml"
    assert "总结评估阶段" in response.text

    response = client.get("/queries/plan-phases", headers={"Accept": "text/turtle"})
    assert response.status_code == 406
    assert response.headers["content-type"] == PROBLEM


def test_run_pages_with_limit_and_offset(client: TestClient) -> None:
    first = bindings(client.get("/queries/lead-table", params={"limit": 2}))
    second = bindings(client.get("/queries/lead-table", params={"limit": 2, "offset": 1}))
    assert [r["sectorZh"] for r in first] == ["校园", "工业企业"]
    assert second[0] == first[1]


def test_a_default_is_used_when_the_parameter_is_left_out(client: TestClient) -> None:
    rows = bindings(client.get("/queries/departments-leading-more-than"))
    assert {r["min"] for r in rows} == {"3"}
    assert len(rows) == 6


@pytest.mark.parametrize(
    ("path", "params", "status", "slug", "says"),
    [
        ("/queries/no-such-query", {}, 404, "unknown-query", "no-such-query"),
        ("/queries/sector-lead-departments", {}, 400, "bad-parameter", "?sector"),
        ("/queries/sector-lead-departments", {"dept": URBAN_GAS}, 400, "bad-parameter", "?dept"),
        ("/queries/sector-lead-departments", {"sector": "urban-gas"}, 400, "bad-parameter", "IRI"),
        ("/queries/phase-on-date", {"date": "2025-02-30"}, 400, "bad-parameter", "date"),
        (
            "/queries/sector-lead-departments",
            {"sector": f"{ID}department/bozhou/education"},
            400,
            "bad-parameter",
            "sector",
        ),
    ],
)
def test_bad_requests_are_problems_naming_what_is_wrong(
    client: TestClient, path: str, params: dict[str, str], status: int, slug: str, says: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["type"].endswith("/" + slug)
    assert says in body["detail"]


def test_a_parameter_given_twice_is_refused(client: TestClient) -> None:
    response = client.get("/queries/tasks-due-by?by=2024-12-31&by=2025-12-31")
    assert response.status_code == 400
    assert "?by takes one value" in response.json()["detail"]


def test_quotes_and_braces_in_a_value_match_nothing(client: TestClient) -> None:
    assert bindings(client.get("/queries/find-by-label", params={"text": "燃气"}))
    response = client.get(
        "/queries/find-by-label", params={"text": '燃气"} UNION { ?resource ?p ?o } #'}
    )
    assert response.status_code == 200
    assert bindings(response) == []
