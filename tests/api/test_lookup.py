"""api/routers/lookup.py: GET /api/lookup over the real app and the built store."""

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


@pytest.fixture(scope="module")
def client(built_store: Store, data_dir: Path) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=data_dir), store=built_store)
    with TestClient(app) as c:
        yield c


def lookup(client: TestClient, q: str, **params: str) -> dict:
    response = client.get("/api/lookup", params={"q": q, **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


# The issue's cases: (text, kind, id, the lead department's zh label)
ISSUE_CASES = [
    ("燃气", "sector", "urban-gas", "亳州市城市管理局"),
    ("城镇燃气", "sector", "urban-gas", "亳州市城市管理局"),
    ("gas", "sector", "urban-gas", "亳州市城市管理局"),
    ("消防", "sector", "fire-safety", "亳州市消防救援支队"),
    ("危化品", "sector", "hazardous-chemicals", "亳州市应急管理局"),
    ("coal mine", "sector", "coal-mines", "亳州市发展改革委"),
    ("谁管燃气?", "sector", "urban-gas", "亳州市城市管理局"),
    ("谁管燃气？", "sector", "urban-gas", "亳州市城市管理局"),
]


@pytest.mark.parametrize(("q", "kind", "id_", "lead"), ISSUE_CASES, ids=[c[0] for c in ISSUE_CASES])
def test_issue_cases(client: TestClient, q: str, kind: str, id_: str, lead: str) -> None:
    body = lookup(client, q)
    assert body["status"] == "match"
    best = body["best"]
    assert (best["kind"], best["id"]) == (kind, id_)
    leads = best["answer"]["leads"]
    assert [x["department"]["label_zh"] for x in leads] == [lead]
    quote = leads[0]["source"]
    assert quote["text"] == SOURCE[quote["start"] : quote["end"]]
    assert quote["text"].replace("\n", "").find(lead.removeprefix("亳州")) >= 0


def test_urban_management_bureau_and_its_sectors(client: TestClient) -> None:
    for q in ("城管局", "城管局负责哪些领域?"):
        body = lookup(client, q)
        assert body["status"] == "match"
        best = body["best"]
        assert best["id"] == "bozhou/urban-management"
        assert best["label"] == "亳州市城市管理局"
        led = {x["sector"]["label_zh"] for x in best["answer"]["leads"]}
        # 市城市管理局牵头负责城镇燃气、市政工程、循环产业园、户外广告、园林绿化等安全
        assert led == {"城镇燃气", "市政工程", "循环产业园", "户外广告", "园林绿化"}


def test_railway_is_led_jointly(client: TestClient) -> None:
    best = lookup(client, "铁路")["best"]
    leads = best["answer"]["leads"]
    assert {x["department"]["label_zh"] for x in leads} == {"亳州市交通运输局", "亳州市公安局"}
    assert all(x["joint"] for x in leads)
    assert "市交通运输局、市公安局等部门按照职责做好铁路沿线安全" in leads[0]["source"]["text"]


def test_unlisted_sector_falls_back(client: TestClient) -> None:
    answer = lookup(client, "农林渔业")["best"]["answer"]
    assert answer["leads"] == []
    assert answer["fallback"]["rule"]["label_zh"] == "三管三必须"
    assert "未列明的行业领域" in answer["fallback"]["source"]["text"]


def test_gas_lists_who_takes_part_and_the_tasks(client: TestClient) -> None:
    answer = lookup(client, "燃气")["best"]["answer"]
    assert {p["department"]["id"] for p in answer["participants"]} == {
        "bozhou/public-security",
        "bozhou/transport",
        "bozhou/commerce",
        "bozhou/market-regulation",
        "bozhou/fire-rescue",
    }
    assert {t["number"] for t in answer["tasks"]} == {8, 19}


def test_language_by_parameter_and_header(client: TestClient) -> None:
    assert lookup(client, "燃气", lang="en")["best"]["label"] == "Urban gas"
    response = client.get(
        "/api/lookup", params={"q": "燃气"}, headers={"Accept-Language": "en-GB,en;q=0.9"}
    )
    assert response.json()["best"]["label"] == "Urban gas"
    assert response.json()["lang"] == "en"
    response = client.get(
        "/api/lookup", params={"q": "gas", "lang": "zh"}, headers={"Accept-Language": "en"}
    )
    assert response.json()["best"]["label"] == "城镇燃气"


def test_ambiguous_question_returns_ranked_candidates(client: TestClient) -> None:
    body = lookup(client, "civil affairs")
    assert body["status"] == "ambiguous" and body["best"] is None
    ids = {c["id"] for c in body["candidates"]}
    assert {"civil-affairs-institutions", "bozhou/civil-affairs"} <= ids
    assert all(0 < c["score"] <= 1 for c in body["candidates"])


def test_nothing_found_returns_suggestions(client: TestClient) -> None:
    body = lookup(client, "燃汽")
    assert body["status"] == "none"
    assert body["suggestions"][0]["id"] == "urban-gas"


def test_kind_filter(client: TestClient) -> None:
    body = lookup(client, "消防", kind="department")
    assert body["best"]["id"] == "bozhou/fire-rescue"
    assert {c["kind"] for c in body["candidates"]} == {"department"}


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"q": ""}, "query.q"),
        ({"q": "燃气", "limit": "0"}, "query.limit"),
        ({"q": "燃气", "kind": "planet"}, "query.kind"),
        ({"q": "燃气", "lang": "fr"}, "query.lang"),
        ({}, "query.q"),
    ],
)
def test_bad_parameters_are_problems_naming_them(
    client: TestClient, params: dict, names: str
) -> None:
    response = client.get("/api/lookup", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/bad-parameter")
    assert names in body["detail"]


def test_question_of_only_punctuation_is_a_bad_parameter(client: TestClient) -> None:
    response = client.get("/api/lookup", params={"q": "？?"})
    assert response.status_code == 400
    assert "q" in response.json()["detail"]


def test_json_ld_on_request(client: TestClient) -> None:
    response = client.get(
        "/api/lookup", params={"q": "燃气"}, headers={"Accept": "application/ld+json"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ld+json"
    assert response.json()["@context"] == "/api/context.jsonld"
    plain = client.get("/api/lookup", params={"q": "燃气"})
    assert 'rel="http://www.w3.org/ns/json-ld#context"' in plain.headers["link"]
