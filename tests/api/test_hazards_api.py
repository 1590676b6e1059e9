"""api/routers/hazards.py: reading and writing the hazard registry over HTTP.

Writes go to a store of their own (built once for this module, opened read-write
because a write token is set); the session store stays read-only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode, Store

from api.app import create_app
from safetykg.audit import GRAPH_AUDIT
from safetykg.registry.creditcode import make_code
from safetykg.settings import Settings
from safetykg.store import build
from tests.helpers.project import extractor

TOKEN = "test-write-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CODE = make_code("341602", "MA2T0001")
GAS_WORKS = {
    "hazard_id": "H-2025-9001",
    "description": "燃气调压站管道腐蚀",
    "major": "是",
    "credit_code": CODE,
    "enterprise_name": "谯城测试燃气有限公司",
    "enterprise_name_en": "Qiaocheng Test Gas Co., Ltd.",
    "enterprise_sectors": "城镇燃气",
    "enterprise_region": "谯城区",
    "discovered_on": "2025-03-01",
    "channel": "督导检查发现",
    "rectification_deadline": "2025-04-30",
    "status": "rectifying",
}


RAILWAY_FIRM = make_code("341621", "MA2T0002")
FUEL_FIRM = make_code("341623", "MA2T0003")
RECORDS = [
    GAS_WORKS,
    {  # railway line: led jointly by 交通运输局 and 公安局
        "hazard_id": "H-2025-9011",
        "description": "铁路沿线违章搭建",
        "major": "否",
        "credit_code": RAILWAY_FIRM,
        "enterprise_name": "涡阳测试物流有限公司",
        "enterprise_sectors": "铁路沿线",
        "enterprise_region": "涡阳县",
        "principal": "张三",
        "actual_controller": "李四",
        "discovered_on": "2025-01-10",
        "channel": "群众举报查实",
        "rectification_deadline": "2025-02-10",
        "status": "reported",
    },
    {  # refined oil: not in the lead table, so 三管三必须 (the county government)
        "hazard_id": "H-2025-9012",
        "description": "加油站储罐渗漏",
        "major": "是",
        "credit_code": FUEL_FIRM,
        "enterprise_name": "利辛测试石化有限公司",
        "enterprise_sectors": "成品油",
        "enterprise_region": "利辛县",
        "discovered_on": "2025-03-15",
        "channel": "企业自查上报",
        "rectification_deadline": "2025-06-01",
        "status": "rectifying",
    },
    {  # closed in time, after a letter (函告)
        "hazard_id": "H-2025-9013",
        "description": "燃气报警器失效",
        "major": "否",
        "credit_code": CODE,
        "enterprise_name": "谯城测试燃气有限公司",
        "discovered_on": "2025-01-05",
        "channel": "企业自查上报",
        "rectification_deadline": "2025-02-01",
        "status": "closed",
        "rectified_on": "2025-01-25",
        "closed_on": "2025-01-30",
        "reviewed_by": "城管局",
        "escalations": "函告@2025-01-20@市城市管理局",
    },
]
AS_OF = "2025-06-30"
AUDIT = NamedNode(str(GRAPH_AUDIT))


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory, project_root: Path) -> Iterator[TestClient]:
    """A registry with the four RECORDS and nothing else (only read from)."""
    data_dir = tmp_path_factory.mktemp("registry")
    build(data_dir, project_root, extract=extractor(), progress=False)
    app = create_app(Settings(data_dir=data_dir, write_token=TOKEN))
    with TestClient(app) as c:
        for record in RECORDS:
            response = c.post("/api/hazards", json=record, headers=AUTH)
            assert response.status_code == 201, response.text
        yield c


def ids(page: dict) -> list[str]:
    return [item["id"] for item in page["items"]]


# --------------------------------------------------------------------------- reads


def test_overdue_of_a_department_most_overdue_first(reader: TestClient) -> None:
    page = reader.get(
        "/api/hazards", params={"department": "城管局", "overdue": "true", "as_of": AS_OF}
    ).json()
    assert page["total"] == 1 and ids(page) == ["H-2025-9001"]
    item = page["items"][0]
    assert item["days_overdue"] == 61  # 2025-04-30 -> 2025-06-30
    assert item["escalation_due"]["label_zh"] == "约谈"
    assert item["sector"]["label_zh"] == "城镇燃气" and item["region"]["label_zh"] == "谯城区"
    everyone = reader.get(
        "/api/hazards", params={"region": "亳州市", "overdue": "true", "as_of": AS_OF}
    ).json()
    assert ids(everyone) == ["H-2025-9011", "H-2025-9001", "H-2025-9012"]
    assert [i["days_overdue"] for i in everyone["items"]] == [140, 61, 29]


@pytest.mark.parametrize(
    "params",
    [
        {"department": "城管局", "overdue": "true"},  # answered from the registry's index
        {"sector": "燃气"},  # answered by a SPARQL query
    ],
)
def test_enterprises_in_lists_have_both_names(reader: TestClient, params: dict) -> None:
    page = reader.get("/api/hazards", params={"as_of": AS_OF, "lang": "en", **params}).json()
    gas = [i["enterprise"] for i in page["items"] if i["enterprise"]["id"] == CODE]
    assert gas, page
    for enterprise in gas:
        assert enterprise["label_zh"] == "谯城测试燃气有限公司"
        assert enterprise["label_en"] == enterprise["label"] == "Qiaocheng Test Gas Co., Ltd."


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"department": "交通运输局", "overdue": "true"}, ["H-2025-9011"]),
        ({"department": "公安局", "overdue": "true"}, ["H-2025-9011"]),
        ({"department": "public-security"}, ["H-2025-9011"]),
        ({"department": "利辛县人民政府", "overdue": "true"}, ["H-2025-9012"]),
        ({"sector": "燃气"}, ["H-2025-9001", "H-2025-9013"]),
        ({"sector": "gas", "overdue": "false"}, ["H-2025-9013"]),
        ({"region": "涡阳县"}, ["H-2025-9011"]),
        ({"region": "lixin", "overdue": "true"}, ["H-2025-9012"]),
        ({"status": "closed"}, ["H-2025-9013"]),
        ({"status": "整改中"}, ["H-2025-9001", "H-2025-9012"]),
        ({"major": "true", "overdue": "true"}, ["H-2025-9001", "H-2025-9012"]),
        ({"overdue": "true", "sort": "id"}, ["H-2025-9001", "H-2025-9011", "H-2025-9012"]),
        ({"sort": "days_overdue"}, ["H-2025-9013", "H-2025-9012", "H-2025-9001", "H-2025-9011"]),
    ],
)
def test_filters(reader: TestClient, params: dict, expected: list[str]) -> None:
    response = reader.get("/api/hazards", params={"as_of": AS_OF, **params})
    assert response.status_code == 200, response.text
    page = response.json()
    assert ids(page) == expected
    assert page["total"] == len(expected)


def test_overdue_depends_on_the_date(reader: TestClient) -> None:
    early = reader.get("/api/hazards", params={"overdue": "true", "as_of": "2025-01-31"}).json()
    assert early["total"] == 0
    mid = reader.get("/api/hazards", params={"overdue": "true", "as_of": "2025-02-15"}).json()
    assert ids(mid) == ["H-2025-9011"]  # 9013 was due 02-01 but closed 01-30


def test_pagination_keeps_the_total(reader: TestClient) -> None:
    page = reader.get("/api/hazards", params={"as_of": AS_OF, "limit": 2, "offset": 1}).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (4, 2, 1, 2)
    empty = reader.get("/api/hazards", params={"as_of": AS_OF, "limit": 0}).json()
    assert empty["total"] == 4 and empty["items"] == []


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"status": "lost"}, "status"),
        ({"sort": "colour"}, "sort"),
        ({"department": "不存在的局"}, "department"),
        ({"as_of": "2025-02-30"}, "query.as_of"),
        ({"region": "urban-gas"}, "region"),
    ],
)
def test_bad_filters(reader: TestClient, params: dict, names: str) -> None:
    response = reader.get("/api/hazards", params=params)
    assert response.status_code in (400, 404)
    assert response.headers["content-type"] == "application/problem+json"
    assert names in response.json()["detail"]


def test_hazard_detail_with_the_responsibility_chain(reader: TestClient) -> None:
    hazard = reader.get("/api/hazards/H-2025-9011", params={"as_of": AS_OF}).json()
    chain = hazard["responsibility"]
    assert chain["enterprise"]["organisation"]["label_zh"] == "涡阳测试物流有限公司"
    assert (chain["enterprise"]["principal"], chain["enterprise"]["actual_controller"]) == (
        "张三",
        "李四",
    )
    sector = {p["organisation"]["id"]: p for p in chain["sector"]}
    assert set(sector) == {"bozhou/public-security", "bozhou/transport"}
    assert all(p["joint"] for p in sector.values())
    assert "铁路沿线安全" in sector["bozhou/transport"]["source"]["text"]
    assert [p["organisation"]["id"] for p in chain["territorial"]] == [
        "guoyang/government",
        "bozhou/government",
    ]
    assert hazard["days_overdue"] == 140
    assert hazard["channel"]["key"] == "public-report"
    assert [c["to_status"] for c in hazard["history"]] == ["reported"]


def test_fallback_chain_for_an_unlisted_sector(reader: TestClient) -> None:
    chain = reader.get("/api/hazards/H-2025-9012", params={"lang": "en"}).json()["responsibility"]
    assert chain["fallback"] is True
    assert [p["organisation"]["id"] for p in chain["sector"]] == ["lixin/government"]
    assert chain["sector"][0]["fallback"] is True
    assert chain["sector"][0]["source"]["text"].startswith("未列明的行业领域")


def test_closed_hazard_history_and_escalations(reader: TestClient) -> None:
    hazard = reader.get("/api/hazards/H-2025-9013", params={"as_of": AS_OF}).json()
    assert hazard["days_overdue"] is None
    assert hazard["reviewed_by"]["id"] == "bozhou/urban-management"
    assert [e["measure"]["label_zh"] for e in hazard["escalations"]] == ["函告"]
    assert [c["to_status"] for c in hazard["history"]][-1] == "closed"
    assert reader.get("/api/hazards/H-1999-0001").status_code == 404


def test_department_view_counts_hazards(reader: TestClient) -> None:
    counts = reader.get("/api/departments/城管局", params={"as_of": AS_OF}).json()["hazards"]
    assert counts == {"as_of": AS_OF, "open": 1, "overdue": 1, "escalation_due": 1}
    before = reader.get("/api/departments/城管局", params={"as_of": "2025-01-20"}).json()
    # only H-2025-9013 then: found 01-05, due 02-01, closed 01-30
    assert before["hazards"]["open"] == 1 and before["hazards"]["overdue"] == 0


def test_statistics(reader: TestClient) -> None:
    stats = reader.get("/api/stats", params={"as_of": AS_OF, "by": "region,sector"}).json()
    assert stats["total"] == 4
    cells = {(r["region"]["id"], r["sector"]["id"]): r["count"] for r in stats["rows"]}
    assert cells == {
        ("qiaocheng", "urban-gas"): 2,
        ("guoyang", "railway-line"): 1,
        ("lixin", "refined-oil"): 1,
    }
    by_status = reader.get("/api/stats", params={"as_of": AS_OF, "by": "status"}).json()
    assert {r["status"]["key"]: r["count"] for r in by_status["rows"]} == {
        "rectifying": 2,
        "reported": 1,
        "closed": 1,
    }
    assert reader.get("/api/stats", params={"by": "colour"}).status_code == 400


def test_goals(reader: TestClient) -> None:
    goals = reader.get("/api/goals", params={"as_of": "2026-01-31"}).json()
    assert [g["status"]["key"] for g in goals["items"]] == ["stock", "increment", "dynamic-zero"]
    stock = goals["items"][0]["status"]
    assert (stock["stock_total"], stock["met"]) == (0, True)
    assert goals["items"][2]["status"]["months"][0]["month_end"] == "2026-01-31"
    one = reader.get("/api/goals/bozhou-2024/2", params={"as_of": "2025-06-30"}).json()
    assert one["deadlines"][0]["due_date"] == "2025-12-31"
    assert [q["quarter"] for q in one["status"]["quarters"]] == [1, 2]


def test_enterprises(reader: TestClient) -> None:
    page = reader.get("/api/enterprises").json()
    assert page["total"] == 3
    by_id = {e["id"]: e for e in page["items"]}
    assert (by_id[CODE]["hazards"], by_id[CODE]["open_hazards"]) == (2, 1)
    assert [s["id"] for s in by_id[CODE]["sectors"]] == ["urban-gas"]
    assert [
        e["id"] for e in reader.get("/api/enterprises", params={"sector": "成品油"}).json()["items"]
    ] == [FUEL_FIRM]
    assert [
        e["id"] for e in reader.get("/api/enterprises", params={"region": "涡阳县"}).json()["items"]
    ] == [RAILWAY_FIRM]
    assert reader.get("/api/enterprises", params={"q": "石化"}).json()["total"] == 1
    assert reader.get("/api/enterprises", params={"q": '"} UNION {'}).json()["total"] == 0
    firm = reader.get(f"/api/enterprises/{RAILWAY_FIRM}").json()
    assert (firm["label"], firm["principal"], firm["actual_controller"]) == (
        "涡阳测试物流有限公司",
        "张三",
        "李四",
    )
    assert firm["region"]["id"] == "guoyang"
    assert reader.get("/api/enterprises/91341602MA2T0009XX").status_code in (400, 404)


@pytest.fixture(scope="module")
def writer(tmp_path_factory: pytest.TempPathFactory, project_root: Path) -> Iterator[TestClient]:
    data_dir = tmp_path_factory.mktemp("writable")
    build(data_dir, project_root, extract=extractor(), progress=False)
    app = create_app(Settings(data_dir=data_dir, write_token=TOKEN))
    with TestClient(app) as c:
        assert c.post("/api/hazards", json=GAS_WORKS, headers=AUTH).status_code == 201
        yield c


# --------------------------------------------------------------------------- authentication


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}],
)
def test_writes_need_the_token(writer: TestClient, headers: dict) -> None:
    for url, kwargs in [
        ("/api/hazards", {"json": GAS_WORKS}),
        ("/api/hazards/H-2025-9001/transitions", {"json": {"to": "rectified", "actor": "城管局"}}),
        ("/api/hazards/import", {"files": {"file": ("h.csv", b"x", "text/csv")}}),
    ]:
        response = writer.post(url, headers=headers, **kwargs)
        assert response.status_code == 403, url
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/write-forbidden")


def test_writes_are_off_without_a_token(built_store, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(Settings(data_dir=data_dir), store=built_store)
    with TestClient(app) as c:
        response = c.post("/api/hazards", json=GAS_WORKS, headers=AUTH)
    assert response.status_code == 403
    assert "switched off" in response.json()["detail"]


# --------------------------------------------------------------------------- one record


def test_same_record_again_changes_nothing(writer: TestClient) -> None:
    response = writer.post("/api/hazards", json=GAS_WORKS, headers=AUTH)
    assert response.status_code == 201
    report = response.json()
    assert (report["hazards_added"], report["hazards_unchanged"]) == (0, 1)
    assert report["triples_added"] == 0


@pytest.mark.parametrize(
    ("change", "column", "code"),
    [
        ({"discovered_on": "2024-02-30"}, "discovered_on", "date-impossible"),
        ({"credit_code": CODE[:-1] + ("0" if CODE[-1] != "0" else "1")}, "credit_code", None),
        ({"rectification_deadline": "2025-01-01"}, "rectification_deadline", None),
        ({"sector": "不存在的行业"}, "sector", None),
    ],
)
def test_bad_record_is_422_and_writes_nothing(
    writer: TestClient, change: dict, column: str, code: str | None
) -> None:
    hazard_id = f"H-2025-93{len(column):02d}"
    record = {**GAS_WORKS, "hazard_id": hazard_id, **change}
    response = writer.post("/api/hazards", json=record, headers=AUTH)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["type"].endswith("/validation-failed")
    assert any(e["column"] == column for e in body["errors"])
    assert all(e.get("message_zh") for e in body["errors"])
    if code:
        assert body["errors"][0]["code"] == code
    again = writer.post("/api/hazards", json={**GAS_WORKS, "hazard_id": hazard_id}, headers=AUTH)
    assert again.json()["hazards_added"] == 1  # the refused write left nothing behind


def test_unknown_field_is_a_bad_parameter(writer: TestClient) -> None:
    response = writer.post("/api/hazards", json={**GAS_WORKS, "colour": "red"}, headers=AUTH)
    assert response.status_code == 400
    assert "body.colour" in response.json()["detail"]


# --------------------------------------------------------------------------- import


def test_import_csv_all_or_nothing(writer: TestClient) -> None:
    header = (
        "hazard_id,description,major,credit_code,enterprise_name,discovered_on,channel,"
        "rectification_deadline,status\n"
    )
    good = f"H-2025-9101,阀门泄漏,否,{CODE},谯城测试燃气有限公司,2025-05-01,企业自查上报,2025-05-20,reported\n"
    bad = f"H-2025-9102,软管老化,否,{CODE},谯城测试燃气有限公司,二〇二五年,企业自查上报,2025-05-20,reported\n"
    refused = writer.post(
        "/api/hazards/import",
        headers=AUTH,
        files={"file": ("batch.csv", (header + good + bad).encode(), "text/csv")},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["row"] == 3  # the header is row 1
    accepted = writer.post(
        "/api/hazards/import",
        headers=AUTH,
        files={"file": ("batch.csv", (header + good).encode(), "text/csv")},
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["hazards_added"] == 1  # the refused batch wrote nothing
    assert accepted.json()["format"] == "csv"


def test_import_needs_a_format(writer: TestClient) -> None:
    response = writer.post(
        "/api/hazards/import",
        headers=AUTH,
        files={"file": ("batch.dat", b"hazard_id\n", "application/octet-stream")},
    )
    assert response.status_code == 400
    assert "format" in response.json()["detail"]


# --------------------------------------------------------------------------- transitions


def test_lifecycle_over_http(writer: TestClient) -> None:
    record = {**GAS_WORKS, "hazard_id": "H-2025-9201"}
    assert writer.post("/api/hazards", json=record, headers=AUTH).status_code == 201
    url = "/api/hazards/H-2025-9201/transitions"
    skipped = writer.post(url, headers=AUTH, json={"to": "closed", "actor": "城管局"})
    assert skipped.status_code == 422  # rectifying -> closed skips a step
    done = writer.post(url, headers=AUTH, json={"to": "rectified", "actor": "城管局"})
    assert done.status_code == 201
    assert (done.json()["from_status"], done.json()["to_status"]) == ("rectifying", "rectified")
    wrong = writer.post(url, headers=AUTH, json={"to": "closed", "actor": "应急管理局"})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["code"] == "reviewer-not-responsible"
    closed = writer.post(url, headers=AUTH, json={"to": "closed", "actor": "城管局"})
    assert closed.status_code == 201
    assert closed.json()["actor"]["id"] == "bozhou/urban-management"
    reopen = writer.post(url, headers=AUTH, json={"to": "rectifying", "actor": "城管局"})
    assert reopen.status_code == 422  # reopening needs a reason
    reopened = writer.post(
        url,
        headers=AUTH,
        json={"to": "rectifying", "actor": "城管局", "reason": "复查发现仍有泄漏"},
    )
    assert reopened.status_code == 201 and reopened.json()["reason"] == "复查发现仍有泄漏"


def test_transition_of_unknown_hazard_or_actor(writer: TestClient) -> None:
    missing = writer.post(
        "/api/hazards/H-1999-0001/transitions",
        headers=AUTH,
        json={"to": "rectified", "actor": "城管局"},
    )
    assert missing.status_code == 404
    nobody = writer.post(
        "/api/hazards/H-2025-9001/transitions",
        headers=AUTH,
        json={"to": "rectified", "actor": "不存在的局"},
    )
    assert nobody.status_code == 404
    assert "actor" in nobody.json()["detail"]


def _data(store: Store) -> bytes:
    """The store's quads outside the audit graph (every write attempt is audited)."""
    return b"".join(
        sorted(
            str(q).encode()
            for q in store.quads_for_pattern(None, None, None)
            if q.graph_name != AUDIT
        )
    )


def test_transition_to_an_unknown_status_is_422_naming_the_field(writer: TestClient) -> None:
    store = writer.app.state.store  # type: ignore[attr-defined]
    before = _data(store)
    response = writer.post(
        "/api/hazards/H-2025-9001/transitions",
        headers=AUTH,
        json={"to": 'closed" } ; DROP ALL ; #', "actor": "城管局"},
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["type"].endswith("/validation-failed")
    assert "to: unknown status" in body["detail"] and "H-2025-9001" in body["detail"]
    (error,) = body["errors"]
    assert (error["column"], error["code"]) == ("to", "unknown-status")
    assert "已销号" in error["message_zh"]
    assert _data(store) == before


# --------------------------------------------------------------------------- hostile JSON


def _import_json(writer: TestClient, data: bytes) -> dict:
    response = writer.post(
        "/api/hazards/import",
        headers=AUTH,
        files={"file": ("batch.json", data, "application/json")},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


@pytest.mark.parametrize(
    "data",
    [
        b'{"records":' * 50_000 + b"[]" + b"}" * 50_000,
        b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=["objects", "arrays"],
)
def test_deeply_nested_json_is_422_and_writes_nothing(writer: TestClient, data: bytes) -> None:
    store = writer.app.state.store  # type: ignore[attr-defined]
    before = _data(store)
    body = _import_json(writer, data)
    assert "nested too deeply" in body["detail"] and "nothing was imported" in body["detail"]
    assert body["errors"][0]["code"] == "json-too-deep"
    assert body["errors"][0]["message_zh"]
    assert _data(store) == before


def test_a_lone_surrogate_is_422_naming_record_and_field(writer: TestClient) -> None:
    store = writer.app.state.store  # type: ignore[attr-defined]
    before = _data(store)
    record = {**GAS_WORKS, "hazard_id": "H-2025-9301", "description": "\ud800泄漏"}
    data = json.dumps([GAS_WORKS, record]).encode("ascii")  # "\ud800" as a JSON escape
    body = _import_json(writer, data)
    (error,) = body["errors"]
    assert (error["row"], error["column"], error["code"]) == (2, "description", "invalid-text")
    assert error["value"] == "\\ud800泄漏"
    assert "record 2, key 'description'" in body["detail"]
    assert "第 2 条记录" in error["message_zh"]
    # the same through the one-record route
    created = writer.post(
        "/api/hazards",
        headers={**AUTH, "Content-Type": "application/json"},
        content=json.dumps(record).encode("ascii"),
    )
    assert created.status_code in (400, 422), created.text
    assert "description" in created.text
    assert _data(store) == before


def test_unknown_keys_in_json_are_refused_naming_key_and_record(writer: TestClient) -> None:
    store = writer.app.state.store  # type: ignore[attr-defined]
    before = _data(store)
    record = {**GAS_WORKS, "hazard_id": "H-2025-9302", "remarks": "x"}
    body = _import_json(writer, json.dumps({"records": [GAS_WORKS, record]}).encode())
    (error,) = body["errors"]
    assert (error["row"], error["column"], error["code"]) == (2, "remarks", "unknown-column")
    assert "record 2: unknown key 'remarks'" in error["message"]
    assert "第 2 条记录" in error["message_zh"] and "remarks" in error["message_zh"]
    top = _import_json(writer, json.dumps({"@context": "x", "records": [record]}).encode())
    assert "'@context'" in top["detail"] and top["errors"][0]["column"] == "@context"
    assert top["errors"][0]["message_zh"]
    assert _data(store) == before
