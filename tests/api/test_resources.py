"""api/routers/{plan,tasks,sectors,regions}.py: lists and details over the built store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture(scope="module")
def client(built_store: Store, data_dir: Path) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=data_dir, page_size=20), store=built_store)
    with TestClient(app) as c:
        yield c


def get(client: TestClient, url: str, status: int = 200, **params: object) -> dict:
    response = client.get(url, params=params)
    assert response.status_code == status, response.text
    return response.json()


def assert_quoted(quote: dict) -> None:
    assert quote["text"] == SOURCE[quote["start"] : quote["end"]]


# --------------------------------------------------------------------------- plan


def test_plans(client: TestClient) -> None:
    page = get(client, "/api/plans")
    assert page["total"] == 1
    plan = page["items"][0]
    assert plan["iri"] == ID + "plan/bozhou-2024"
    assert plan["label_zh"] == "亳州市安全生产治本攻坚三年行动实施方案(2024—2026年)"
    assert plan["label_en"].startswith("Bozhou implementation plan")
    assert (plan["issued_on"], plan["actions"], plan["tasks"]) == ("2024-02-21", 10, 34)
    for quote in plan["sources"]:
        assert_quoted(quote)


def test_plan_detail(client: TestClient) -> None:
    plan = get(client, "/api/plans/bozhou-2024", lang="en")
    assert plan["label"].startswith("Bozhou implementation plan")
    assert [a["number"] for a in plan["action_list"]] == list(range(1, 11))
    assert [g["number"] for g in plan["goals"]] == [1, 2, 3]
    assert [p["start_date"] for p in plan["phases"]] == [
        "2024-02-01",
        "2024-05-01",
        "2026-01-01",
        "2026-10-01",
    ]
    assert plan["rules"][0]["rule"]["label_en"] == "three manages, three musts"
    assert {f["period"] for f in plan["frequencies"]} >= {"P1M", "P3M"}


def test_unknown_plan_is_404(client: TestClient) -> None:
    body = get(client, "/api/plans/nowhere-2030", 404)
    assert body["type"].endswith("/not-found")


def test_actions_paginated_and_sorted(client: TestClient) -> None:
    page = get(client, "/api/actions", limit=3, offset=2, sort="-number")
    assert page["total"] == 10 and page["limit"] == 3 and page["offset"] == 2
    assert [a["number"] for a in page["items"]] == [8, 7, 6]
    action = get(client, "/api/actions/bozhou-2024/2")
    assert action["label_zh"] == "深化重点行业领域专项治理行动"
    assert [t["number"] for t in action["task_list"]] == [5, 6, 7, 8, 9, 10, 11, 12, 13]
    assert_quoted(action["source"])


def test_phases(client: TestClient) -> None:
    page = get(client, "/api/phases", on="2026-03-15")
    assert [p["label_zh"] for p in page["items"]] == ["巩固提升阶段"]
    phase = get(client, "/api/phases/bozhou-2024/1")
    assert phase["deadlines"][0]["due_date"] == "2024-02-28"
    assert phase["deadlines"][0]["inferred"] is True


def test_deadlines(client: TestClient) -> None:
    page = get(client, "/api/deadlines", after="2025-01-01", before="2025-12-31", limit=100)
    assert page["total"] >= 5
    assert all("2025-01-01" <= d["due_date"] <= "2025-12-31" for d in page["items"])
    for d in page["items"]:
        assert_quoted(d["source"])
    goal = get(client, "/api/deadlines/bozhou-2024/goal-1-1")
    assert (goal["due_date"], goal["expression"]) == ("2024-12-31", "2024年底前")
    assert goal["owner"]["id"] == "bozhou-2024/1" and goal["owner"]["kind"] == "goal"
    only_goals = get(client, "/api/deadlines", owner="goal")
    assert only_goals["total"] == 3


# --------------------------------------------------------------------------- tasks


def test_tasks_default_page(client: TestClient) -> None:
    page = get(client, "/api/tasks")
    assert page["total"] == 34 and page["limit"] == 20 and len(page["items"]) == 20
    assert [t["number"] for t in page["items"]] == list(range(1, 21))


def test_tasks_filtered_by_sector_label_and_department(client: TestClient) -> None:
    assert [t["number"] for t in get(client, "/api/tasks", sector="燃气")["items"]] == [8, 19]
    assert [t["number"] for t in get(client, "/api/tasks", sector="urban-gas")["items"]] == [8, 19]
    assert [t["number"] for t in get(client, "/api/tasks", department="市委党校")["items"]] == [4]
    by_action = get(client, "/api/tasks", plan="bozhou-2024", action=3)
    assert [t["number"] for t in by_action["items"]] == [14, 15, 16, 17]
    monthly = get(client, "/api/tasks", period="P1M")
    assert 4 in [t["number"] for t in monthly["items"]]


def test_tasks_sorted_by_due_date(client: TestClient) -> None:
    page = get(client, "/api/tasks", sort="due", limit=100)
    dated = [t["due_dates"][0] for t in page["items"] if t["due_dates"]]
    assert dated == sorted(dated)
    assert page["items"][-1]["due_dates"] == []  # undated last


def test_task_detail(client: TestClient) -> None:
    task = get(client, "/api/tasks/bozhou-2024/16", lang="en")
    assert task["label_en"] == "Task 16"
    assert task["label"] == "Task 16"
    assert task["deadlines"][0]["due_date"] == "2024-12-31"
    measures = {n["target"]["label_zh"] for n in task["other_named"]}
    assert {"函告", "通报", "约谈", "曝光"} <= measures
    for n in task["other_named"]:
        assert_quoted(n["source"])


@pytest.mark.parametrize(
    ("url", "params", "status", "names"),
    [
        ("/api/tasks/bozhou-2024/99", {}, 404, None),
        ("/api/tasks/bozhou-2024/0", {}, 400, "path.number"),
        ("/api/tasks/Bad Plan/1", {}, 400, "path.plan"),
        ("/api/tasks", {"sort": "colour"}, 400, "sort"),
        ("/api/tasks", {"limit": "-1"}, 400, "query.limit"),
        ("/api/tasks", {"limit": "5000"}, 400, "query.limit"),
        ("/api/tasks", {"due_after": "2024-02-30"}, 400, "query.due_after"),
        ("/api/tasks", {"action": "2"}, 400, "action"),
        ("/api/tasks", {"sector": "燃汽"}, 404, "sector"),
        ("/api/tasks", {"period": "monthly"}, 400, "query.period"),
    ],
)
def test_task_errors(
    client: TestClient, url: str, params: dict, status: int, names: str | None
) -> None:
    response = client.get(url, params=params)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    if names:
        assert names in response.json()["detail"]


def test_unknown_sector_filter_suggests(client: TestClient) -> None:
    body = get(client, "/api/tasks", 404, sector="燃汽")
    assert body["suggestions"][0]["id"] == "urban-gas"


# --------------------------------------------------------------------------- sectors


def test_sectors(client: TestClient) -> None:
    page = get(client, "/api/sectors", limit=100)
    assert page["total"] == 55
    assert sum(len(s["leads"]) for s in page["items"]) == 48
    by_id = {s["id"]: s for s in page["items"]}
    assert by_id["urban-gas"]["leads"][0]["department"]["label_zh"] == "亳州市城市管理局"
    assert_quoted(by_id["urban-gas"]["leads"][0]["source"])
    assert by_id["refined-oil"]["fallback"]["rule"]["label_zh"] == "三管三必须"
    assert "燃气" in by_id["urban-gas"]["aliases"]


def test_sector_filters(client: TestClient) -> None:
    page = get(client, "/api/sectors", lead="交通运输局")
    assert {s["id"] for s in page["items"]} == {
        "road-transport",
        "waterway-transport",
        "highway-engineering",
        "railway-line",
    }
    assert get(client, "/api/sectors", high_risk="true")["total"] == 3
    assert get(client, "/api/sectors", has_lead="false")["total"] == 8
    assert {s["id"] for s in get(client, "/api/sectors", q="燃气")["items"]} >= {"urban-gas"}
    ordered = get(client, "/api/sectors", sort="-leads", limit=1)["items"][0]
    assert ordered["id"] == "railway-line"


@pytest.mark.parametrize("key", ["urban-gas", "燃气", "城镇燃气", "gas", ID + "sector/urban-gas"])
def test_sector_detail_by_id_label_or_iri(client: TestClient, key: str) -> None:
    sector = get(client, f"/api/sectors/{key}")
    assert sector["sector"]["id"] == "urban-gas"
    assert sector["summary"] == "城镇燃气由亳州市城市管理局牵头负责。"


def test_unknown_sector_is_404_with_suggestions(client: TestClient) -> None:
    body = get(client, "/api/sectors/urban-gaz", 404)
    assert body["suggestions"][0]["id"] == "urban-gas"
    assert "sector" in body["detail"]


# --------------------------------------------------------------------------- regions


def test_regions(client: TestClient) -> None:
    page = get(client, "/api/regions")
    assert page["total"] == 7
    assert page["items"][0]["id"] == "bozhou"
    assert [r["code"] for r in page["items"][1:5]] == ["341602", "341621", "341622", "341623"]
    region = get(client, "/api/regions/涡阳县", lang="en")
    assert region["region"]["label"] == "Guoyang County"
    assert region["government"]["label_zh"] == "涡阳县人民政府"
    assert region["part_of"]["id"] == "bozhou"
    assert get(client, "/api/regions/atlantis", 404)["type"].endswith("/not-found")
