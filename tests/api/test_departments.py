"""api/routers/departments.py: the department list and the department view."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Store

from api.app import create_app
from safetykg.settings import Settings
from tests.helpers.project import REPO

SOURCE = (REPO / "graph_data" / "source" / "bozhou-work-safety-plan-2024-2026.txt").read_text(
    encoding="utf-8"
)
ID = "https://w3id.org/safetykg/id/"
URBAN = ID + "department/bozhou/urban-management"


@pytest.fixture(scope="module")
def client(built_store: Store, data_dir: Path) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=data_dir), store=built_store)
    with TestClient(app) as c:
        yield c


def view(client: TestClient, key: str, **params: str) -> dict:
    response = client.get(f"/api/departments/{key}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    "key",
    [
        "bozhou/urban-management",
        "urban-management",
        quote(URBAN, safe=""),
        URBAN,
        "城管局",
        "市城市管理局",
        "亳州市城市管理局",
        "Bozhou Municipal Urban Management Bureau",
        "urban management",
    ],
)
def test_department_by_slug_iri_or_label(client: TestClient, key: str) -> None:
    body = view(client, key, as_of="2025-06-30")
    assert body["department"]["iri"] == URBAN
    assert body["as_of"] == "2025-06-30"


def test_view_of_urban_management(client: TestClient) -> None:
    body = view(client, "城管局", as_of="2025-06-30")
    assert body["department"]["label"] == "亳州市城市管理局"
    assert body["jurisdiction"]["id"] == "bozhou"
    led = {lead["sector"]["label_zh"]: lead for lead in body["leads"]}
    assert set(led) == {"城镇燃气", "市政工程", "循环产业园", "户外广告", "园林绿化"}
    sentence = led["城镇燃气"]["source"]
    assert sentence["text"] == SOURCE[sentence["start"] : sentence["end"]]
    assert "牵头负责城镇燃气、市政工程、循环产业园、户外广告、园林绿化等安全" in sentence["text"]
    assert not any(lead["joint"] for lead in body["leads"])
    # tasks about its sectors: 8 (城镇燃气专项治理) and 19 (淘汰更新 … 燃气)
    assert {m["number"] for m in body["sector_tasks"]} == {8, 19}
    assert body["summary"].startswith("亳州市城市管理局牵头负责5个行业领域")


def test_joint_leads_are_marked(client: TestClient) -> None:
    body = view(client, "公安局", lang="en")
    joint = {lead["sector"]["id"]: lead["joint"] for lead in body["leads"]}
    assert joint == {"railway-line": True, "road-traffic": False}
    assert body["department"]["label"] == "Bozhou Municipal Public Security Bureau"


def test_deadlines_split_at_as_of(client: TestClient) -> None:
    early = view(client, "应急管理局", as_of="2024-01-01")
    late = view(client, "应急管理局", as_of="2027-01-01")
    assert early["past_deadlines"] == [] and early["upcoming_deadlines"]
    assert late["upcoming_deadlines"] == [] and late["past_deadlines"]
    assert {d["id"] for d in early["upcoming_deadlines"]} == {
        d["id"] for d in late["past_deadlines"]
    }
    dues = [d["due_date"] for d in early["upcoming_deadlines"]]
    assert dues == sorted(dues)
    for d in early["upcoming_deadlines"]:
        assert d["source"]["text"] == SOURCE[d["source"]["start"] : d["source"]["end"]]


def test_tasks_that_name_the_department(client: TestClient) -> None:
    fire = view(client, "消防救援支队")
    assert [(m["number"], m["role"]) for m in fire["tasks"]] == [(8, "participant")]
    assert "消防等部门(机构)参与" in fire["tasks"][0]["source"]["text"]
    school = view(client, "party-school")
    assert [m["number"] for m in school["tasks"]] == [4]
    assert school["leads"] == []


def test_hazard_counts_present_or_null(client: TestClient) -> None:
    body = view(client, "应急局", as_of="2025-06-30")
    assert "hazards" in body
    if body["hazards"] is not None:
        assert body["hazards"]["as_of"] == "2025-06-30"
        assert {"open", "overdue", "escalation_due"} <= set(body["hazards"])


def test_unknown_department_is_404_with_suggestions(client: TestClient) -> None:
    response = client.get("/api/departments/城管处")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert "department" in body["detail"]
    assert "bozhou/urban-management" in [s["id"] for s in body["suggestions"]]


def test_iri_of_another_kind_is_a_bad_parameter(client: TestClient) -> None:
    response = client.get(f"/api/departments/{ID}sector/urban-gas")
    assert response.status_code == 400
    assert "department" in response.json()["detail"]


def test_bad_date_is_400_naming_it(client: TestClient) -> None:
    response = client.get("/api/departments/urban-management", params={"as_of": "2025-13-01"})
    assert response.status_code == 400
    assert "query.as_of" in response.json()["detail"]


def test_list(client: TestClient) -> None:
    page = client.get("/api/departments", params={"limit": 100}).json()
    assert page["total"] == 28
    plain = [d for d in page["items"] if not d["local_government"]]
    assert len(plain) == 21
    assert sum(1 for d in plain if d["sectors_led"]) == 19
    top = client.get("/api/departments", params={"sort": "-sectors_led", "limit": 1}).json()
    assert top["items"][0]["id"] == "bozhou/urban-management"
    assert top["items"][0]["sectors_led"] == 5
    leaders = client.get("/api/departments", params={"leads": "铁路"}).json()
    assert {d["id"] for d in leaders["items"]} == {"bozhou/public-security", "bozhou/transport"}
    governments = client.get("/api/departments", params={"local_government": "true"}).json()
    assert governments["total"] == 7
    found = client.get("/api/departments", params={"q": "应急"}).json()
    assert [d["id"] for d in found["items"]] == ["bozhou/emergency-management"]
