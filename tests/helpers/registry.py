"""Builders for hazard-registry tests: a fresh store with the plan and reference graphs,
and CSV rows that pass (so that each bad-input test changes exactly one thing).

The store holds what the registry reads from the rest of the graph — the
ontology, the Bozhou plan graph (sectors, lead departments, goals) and the
reference regions — loaded from the repository (or the hand-made fixtures
when a piece does not exist yet). Loading is done once per session into
N-Quads bytes; each test gets its own in-memory store from them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, RdfFormat, Store

from safetykg.namespaces import GRAPH_ONTOLOGY, GRAPH_REFERENCE, ID, plan_graph
from safetykg.registry.creditcode import make_code
from safetykg.registry.ingest import COLUMNS
from tests.helpers.project import HELPERS, REPO

TODAY = dt.date(2026, 11, 30)
"""The day the tests' registry is "as of" (records may not be dated after it)."""

GAS = make_code("341602", "30000001")  # 城镇燃气, 谯城区: lead 市城市管理局
CHEM = make_code("341621", "30000002")  # 危化品, 涡阳县: lead 市应急管理局 (high-risk)
DUST = make_code("341622", "30000003")  # 粉尘涉爆, 蒙城县: no listed lead (三管三必须)
RAIL = make_code("341623", "30000004")  # 铁路沿线, 利辛县: joint lead 交通运输局 + 公安局

DEPT = f"{ID}department/bozhou/"
URBAN = DEPT + "urban-management"
EMERGENCY = DEPT + "emergency-management"
TRANSPORT = DEPT + "transport"
POLICE = DEPT + "public-security"
EDUCATION = DEPT + "education"
QIAOCHENG_GOV = f"{ID}department/qiaocheng/government"
MENGCHENG_GOV = f"{ID}department/mengcheng/government"
CITY_GOV = f"{ID}department/bozhou/government"

ENTERPRISES: dict[str, dict[str, str]] = {
    GAS: {
        "enterprise_name": "亳州市测试燃气有限公司",
        "enterprise_sectors": "城镇燃气",
        "enterprise_region": "谯城区",
        "principal": "张三",
        "actual_controller": "李四",
    },
    CHEM: {
        "enterprise_name": "涡阳县测试化工有限公司",
        "enterprise_sectors": "hazardous-chemicals",
        "enterprise_region": "guoyang",
        "principal": "王五",
        "actual_controller": "王五",
    },
    DUST: {
        "enterprise_name": "蒙城县测试木业有限公司",
        "enterprise_sectors": "粉尘涉爆",
        "enterprise_region": "蒙城县",
        "principal": "赵六",
        "actual_controller": "",
    },
    RAIL: {
        "enterprise_name": "利辛县测试物流有限公司",
        "enterprise_sectors": "铁路沿线",
        "enterprise_region": "利辛县",
        "principal": "钱七",
        "actual_controller": "孙八",
    },
}

HEADER = [c.name for c in COLUMNS]


@cache
def base_nquads() -> bytes:
    """Ontology, plan and reference graphs as N-Quads (read once per session)."""
    store = Store()
    ontology = REPO / "ontology" / "safetykg.ttl"
    plan = REPO / "graph_data" / "plans" / "bozhou-2024.ttl"
    for path, graph, fallback in (
        (ontology, GRAPH_ONTOLOGY, HELPERS / "mini_ontology.ttl"),
        (plan, plan_graph("bozhou-2024"), HELPERS / "mini_plan.ttl"),
    ):
        source = path if path.is_file() else fallback
        store.load(path=str(source), format=RdfFormat.TURTLE, to_graph=NamedNode(str(graph)))
    for path in sorted((REPO / "graph_data" / "reference").glob("*.ttl")):
        store.load(
            path=str(path), format=RdfFormat.TURTLE, to_graph=NamedNode(str(GRAPH_REFERENCE))
        )
    return store.dump(format=RdfFormat.N_QUADS)


def registry_store() -> Store:
    """A fresh in-memory store with the plan and reference graphs and no hazards."""
    store = Store()
    store.load(base_nquads(), format=RdfFormat.N_QUADS)
    return store


def snapshot(store: Store) -> bytes:
    """Every quad of the store, sorted: equal snapshots mean nothing was written."""
    return b"\n".join(sorted(store.dump(format=RdfFormat.N_QUADS).splitlines()))


def enterprise_row(code: str, **overrides: str) -> dict[str, str]:
    """A row that only registers an enterprise."""
    return {"credit_code": code, **ENTERPRISES[code], "synthetic": "true", **overrides}


def hazard_row(hazard_id: str, code: str = GAS, *, full: bool = True, **overrides: Any) -> dict:
    """A valid row for a hazard found 2025-03-01, due 2025-04-30, rectifying; with the
    enterprise's details when ``full`` (else only its credit code)."""
    row: dict[str, Any] = {
        "hazard_id": hazard_id,
        "description": "燃气管道锈蚀",
        "major": "是",
        "credit_code": code,
        "discovered_on": "2025-03-01",
        "channel": "督导检查发现",
        "rectification_deadline": "2025-04-30",
        "status": "整改中",
        "rectifying_on": "2025-03-02",
        "synthetic": "true",
    }
    if full:
        row |= ENTERPRISES[code]
    row |= {k: str(v) for k, v in overrides.items()}
    return row


def closed_row(
    hazard_id: str, code: str = GAS, reviewer: str = "亳州市城市管理局", **kw: Any
) -> dict:
    """A valid row for a hazard closed 2025-04-20 after review by ``reviewer``."""
    fields = {
        "status": "已销号",
        "rectified_on": "2025-04-15",
        "closed_on": "2025-04-20",
        "reviewed_by": reviewer,
    }
    return hazard_row(hazard_id, code, **(fields | kw))


def csv_text(rows: Iterable[Mapping[str, Any]], header: list[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = header or HEADER
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue()


def write_csv(
    path: Path,
    rows: Iterable[Mapping[str, Any]],
    *,
    header: list[str] | None = None,
    encoding: str = "utf-8",
) -> Path:
    path.write_bytes(csv_text(rows, header).encode(encoding))
    return path


def standard_rows() -> list[dict]:
    """A small registry: four enterprises, hazards in every status, overdue and not."""
    return [
        enterprise_row(CHEM),
        enterprise_row(DUST),
        enterprise_row(RAIL),
        closed_row("H-2025-0001"),  # closed on time
        hazard_row("H-2025-0002", full=False),  # rectifying, overdue since 2025-05-01
        hazard_row(
            "H-2025-0003",
            full=False,
            status="已登记",
            rectifying_on="",
            discovered_on="2025-06-01",
            rectification_deadline="2025-06-15",
            escalations="函告@2025-06-20@亳州市城市管理局",
        ),
        closed_row(
            "H-2025-0004",
            CHEM,
            reviewer="亳州市应急管理局",
            full=False,
            rectification_deadline="2025-03-31",
            major="否",
        ),  # closed late: overdue 2025-04-01 … 2025-04-19
        hazard_row("H-2025-0005", DUST, full=False, rectification_deadline="2026-12-31"),
        hazard_row(
            "H-2024-0001",
            RAIL,
            full=False,
            discovered_on="2023-11-01",
            rectifying_on="2023-11-02",
            rectification_deadline="2024-01-31",
        ),  # stock from 2023, still open and overdue
        closed_row(
            "H-2024-0002",
            DUST,
            reviewer="蒙城县人民政府",
            full=False,
            discovered_on="2023-05-01",
            rectifying_on="2023-05-02",
            rectification_deadline="2023-06-30",
            rectified_on="2024-02-20",
            closed_on="2024-03-01",
            channel="企业自查上报",
        ),
    ]
