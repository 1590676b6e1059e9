"""queries/*.rq: every named query, with its exact answer on the real plan graph.

The expected answers below were read off the plan text by hand
(``graph_data/source/bozhou-work-safety-plan-2024-2026.txt``), not copied from
what the queries return: the lead table is 四、(二); the deadlines are the
"2024年底前 …" clauses of the tasks, the goals (二、主要任务) and the phases
(三、进度安排); the frequencies are every "每季度/每月/每半年/每年 … 至少 N 次"
and the "一月一调度、一季一通报、一年一评估" of 四、(七). Departments are
written as the text writes them ("市城市管理局"); the graph's labels carry the
city's name in front ("亳州市城市管理局"), which :func:`short` strips.

Where the text and the extracted graph disagree, the test states the text and
would be marked ``xfail`` with the reason, so a fix shows up as an unexpected pass.

The last tests are about the library as a whole: every file has a complete
header and parses, every query has an answer test somewhere in ``tests/``, and
a parameter value full of quotes and braces is bound as a literal — the query
answers nothing rather than failing or answering everything.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from pyoxigraph import QuerySolutions, Store

from safetykg.errors import BadParameter
from safetykg.queries import QUERY_DIR, NamedQuery, QueryLibrary, default_library
from tests.helpers.project import REPO

ID = "https://w3id.org/safetykg/id/"
SK = "https://w3id.org/safetykg/ontology#"
PLAN = f"{ID}plan/bozhou-2024"
TEXT = (REPO / "graph_data/source/bozhou-work-safety-plan-2024-2026.txt").read_text("utf-8")
FLAT_TEXT = re.sub(r"\s+", "", TEXT)
"""The text without its page breaks, for clauses the extractor normalised."""


def dept(slug: str) -> str:
    return f"{ID}department/bozhou/{slug}"


def sector(slug: str) -> str:
    return f"{ID}sector/{slug}"


def task(n: int) -> str:
    return f"{ID}task/bozhou-2024/{n}"


def short(label: str) -> str:
    """A department label as the text writes it: 亳州市城市管理局 -> 市城市管理局."""
    return label.removeprefix("亳州")


F = TypeVar("F", bound=Callable[..., Any])
COVERED: set[str] = set()


def answers(*names: str) -> Callable[[F], F]:
    """Mark a test as checking the answer of the named queries."""
    COVERED.update(names)
    return lambda test: test


@pytest.fixture(scope="module")
def library() -> QueryLibrary:
    return default_library()


@pytest.fixture(scope="module")
def ask(built_store: Store, library: QueryLibrary) -> Callable[..., list[dict[str, str]]]:
    """Run a named query with string parameters (as the CLI and HTTP pass them);
    rows as ``{variable: lexical value}``, unbound variables left out."""

    def run(query_name: str, /, **values: Any) -> list[dict[str, str]]:
        result = library.run(built_store, query_name, values)
        assert isinstance(result, QuerySolutions)
        names = [v.value for v in result.variables]
        return [{n: row[n].value for n in names if row[n] is not None} for row in result]

    return run


Ask = Callable[..., list[dict[str, str]]]


# --------------------------------------------------------------------------- leads

# 四、(二) 加强责任落实, written as the text writes it: department -> sectors it leads.
LEAD_TABLE: dict[str, set[str]] = {
    "市教育局": {"校园"},
    "市经济和信息化局": {"工业企业"},
    "市民政局": {"社会福利机构"},
    "市生态环境局": {"核辐射", "废弃危险化学品", "环保设施"},
    "市住房城乡建设局": {"建筑施工", "自建房", "群租房", "大跨度建(构)筑物"},
    "市城市管理局": {"城镇燃气", "市政工程", "循环产业园", "户外广告", "园林绿化"},
    "市公安局": {"道路交通", "铁路沿线"},
    "市交通运输局": {"道路运输", "水上交通运输", "公路工程", "铁路沿线"},
    "市农业农村局": {"农机", "畜牧养殖", "高标准农田建设", "渔业船舶"},
    "市水利局": {"水利"},
    "市文化旅游体育局": {"文化旅游场所", "文博单位", "体育场馆和设施", "经营性演出"},
    "市卫生健康委": {"医疗卫生", "托育机构"},
    "市应急管理局": {"危化品", "烟花爆竹", "工贸企业"},
    "市市场监管局": {"特种设备", "产品质量"},
    "市商务局": {"商贸流通", "商场超市", "农贸市场"},
    "市自然资源和规划局": {"林业", "地质灾害"},
    "市发展改革委": {"煤矿", "粮油储备", "油气长输管道", "电力"},
    "市邮政管理局": {"邮政快递业"},
    "市消防救援支队": {"消防"},
}
JOINT = {"铁路沿线"}  # "市交通运输局、市公安局等部门按照职责做好铁路沿线安全"


@answers("lead-table")
def test_lead_table_is_the_table_of_the_text(ask: Ask) -> None:
    rows = ask("lead-table")
    assert len(rows) == sum(len(s) for s in LEAD_TABLE.values()) == 48
    got: dict[str, set[str]] = {}
    for r in rows:
        got.setdefault(short(r["deptZh"]), set()).add(r["sectorZh"])
        assert (r["jointLead"] == "true") == (r["sectorZh"] in JOINT), r
        assert r["sectorZh"] in r["quote"] or r["sectorZh"] == "水利", r
        assert r["quote"] in TEXT
    assert got == LEAD_TABLE
    # In the order of the text: 教育局 first, 消防救援支队 last.
    assert short(rows[0]["deptZh"]) == "市教育局"
    assert short(rows[-1]["deptZh"]) == "市消防救援支队"


@answers("sector-lead-departments")
def test_who_leads_urban_gas_and_the_railway_line(ask: Ask) -> None:
    rows = ask("sector-lead-departments", sector=sector("urban-gas"))
    assert [(short(r["deptZh"]), r["jointLead"]) for r in rows] == [("市城市管理局", "false")]
    assert "牵头负责城镇燃气" in rows[0]["quote"]
    assert rows[0]["deptEn"] == "Bozhou Municipal Urban Management Bureau"

    rows = ask("sector-lead-departments", sector=sector("railway-line"))
    assert {(short(r["deptZh"]), r["jointLead"]) for r in rows} == {
        ("市交通运输局", "true"),
        ("市公安局", "true"),
    }
    assert {r["quote"] for r in rows} == {"市交通运输局、市公安局等部门按照职责做好铁路沿线安全"}

    assert [
        short(r["deptZh"]) for r in ask("sector-lead-departments", sector=sector("fire-safety"))
    ] == ["市消防救援支队"]
    assert ask("sector-lead-departments", sector=sector("energy")) == []  # 未列明


@answers("sector-leads-by-name")
def test_who_leads_a_sector_given_by_name(ask: Ask) -> None:
    def leads(name: str) -> set[str]:
        return {short(r["deptZh"]) for r in ask("sector-leads-by-name", name=name) if "deptZh" in r}

    assert leads("城镇燃气") == {"市城市管理局"}
    assert leads("铁路沿线") == {"市交通运输局", "市公安局"}
    assert leads("消防") == {"市消防救援支队"}
    assert leads("Urban gas") == {"市城市管理局"}  # the English label, any case
    # A sector the lead table does not list is found, with no department.
    rows = ask("sector-leads-by-name", name="能源")
    assert [(r["sectorZh"], "dept" in r) for r in rows] == [("能源", False)]
    assert ask("sector-leads-by-name", name="不存在的行业") == []


@answers("department-led-sectors")
def test_what_a_department_leads(ask: Ask) -> None:
    rows = ask("department-led-sectors", dept=dept("urban-management"))
    assert {r["sectorZh"] for r in rows} == LEAD_TABLE["市城市管理局"]
    rows = ask("department-led-sectors", dept=dept("emergency-management"))
    assert {(r["sectorZh"], r["highRisk"]) for r in rows} == {
        ("危化品", "true"),
        ("烟花爆竹", "true"),
        ("工贸企业", "false"),
    }
    assert ask("department-led-sectors", dept=dept("party-school")) == []


@answers("departments-leading-more-than")
def test_departments_leading_more_than_n_sectors(ask: Ask) -> None:
    # 市交通运输局 leads 道路运输、水上交通运输、公路工程 and, jointly, 铁路沿线: 4.
    expected = {
        "市城市管理局": ("5", "0"),
        "市住房城乡建设局": ("4", "0"),
        "市农业农村局": ("4", "0"),
        "市文化旅游体育局": ("4", "0"),
        "市发展改革委": ("4", "0"),
        "市交通运输局": ("4", "1"),
    }
    rows = ask("departments-leading-more-than", min="3")
    assert {short(r["deptZh"]): (r["sectors"], r["jointSectors"]) for r in rows} == expected
    assert short(rows[0]["deptZh"]) == "市城市管理局"  # most first
    assert ask("departments-leading-more-than") == rows  # the default is 3
    assert [short(r["deptZh"]) for r in ask("departments-leading-more-than", min="4")] == [
        "市城市管理局"
    ]
    assert len(ask("departments-leading-more-than", min="0")) == len(LEAD_TABLE) == 19
    assert ask("departments-leading-more-than", min="5") == []


@answers("departments-sharing-sectors")
def test_departments_sharing_a_sector(ask: Ask) -> None:
    rows = ask("departments-sharing-sectors")
    assert [(r["sectorZh"], short(r["dept1Zh"]), short(r["dept2Zh"])) for r in rows] == [
        ("铁路沿线", "市公安局", "市交通运输局")
    ]


@answers("sectors-without-lead")
def test_sectors_without_a_listed_lead_fall_under_three_manages(ask: Ask) -> None:
    # Named by tasks 13 (农林渔业、民政机构、商贸服务业), 18 (交通运输、能源、粉尘涉爆),
    # 12 (粉尘涉爆企业), 19 (交通运输) and 33 (交通运输、成品油、城市运行); none is in the
    # lead table.
    rows = ask("sectors-without-lead")
    assert {r["sectorZh"]: r["tasks"] for r in rows} == {
        "农林渔业": "1",
        "民政机构": "1",
        "商贸服务业": "1",
        "粉尘涉爆": "2",
        "能源": "1",
        "成品油": "1",
        "城市运行": "1",
        "交通运输": "3",
    }
    assert {r["fallbackRule"] for r in rows} == {f"{SK}ThreeManagesThreeMusts"}
    listed = set().union(*LEAD_TABLE.values())
    assert not listed & {r["sectorZh"] for r in rows}


@answers("departments-without-sectors")
def test_departments_that_lead_no_sector(ask: Ask) -> None:
    # 市安委会 is named in tasks 1, 4 and 30; 市委党校 in task 4 ("会同市委党校").
    rows = ask("departments-without-sectors")
    assert [(r["deptZh"], r["namingTasks"]) for r in rows] == [
        ("亳州市委党校", "1"),
        ("亳州市安全生产委员会", "3"),
    ]


@answers("high-risk-sectors")
def test_high_risk_sectors(ask: Ask) -> None:
    # Task 18: "危化品、煤矿等高危企业"; task 21: "危化品、煤矿、烟花爆竹等高危行业".
    rows = ask("high-risk-sectors")
    assert {(r["sectorZh"], short(r["deptZh"])) for r in rows} == {
        ("煤矿", "市发展改革委"),
        ("危化品", "市应急管理局"),
        ("烟花爆竹", "市应急管理局"),
    }


# --------------------------------------------------------------------------- time

DUE_2024 = [4, 16, 17, 18, 21, 22, 24, 29]
"""Tasks with a limit at the end of 2024: 4 ("2024年，重点开展煤矿…"), 16, 17, 18, 21,
22, 24 ("2024年试点推进…") and 29 ("2024 年底前，市县有关部门统筹建立安全生产专家库")."""
DUE_2025 = [4, 18, 19, 20, 24, 25]
DUE_2026 = [4, 18, 29]  # 4: "2026年"; 18: "2026年底"; 29: "三年内"


@answers("tasks-due-by")
def test_tasks_due_by_a_date(ask: Ask) -> None:
    rows = ask("tasks-due-by", by="2024-12-31")
    assert [int(r["number"]) for r in rows] == DUE_2024
    assert {r["dueDate"] for r in rows} == {"2024-12-31"}
    assert {int(r["number"]): r["expression"] for r in rows if r["expression"] != "2024年底前"} == {
        4: "2024年",
        24: "2024年",
    }
    assert all(re.sub(r"\s+", "", r["clause"]) in FLAT_TEXT for r in rows)
    assert ask("tasks-due-by", by="2024-12-30") == []
    rows = ask("tasks-due-by", by="2025-12-31")
    assert Counter(int(r["number"]) for r in rows) == Counter(DUE_2024 + DUE_2025)
    rows = ask("tasks-due-by", by="2026-12-31")
    assert Counter(int(r["number"]) for r in rows) == Counter(DUE_2024 + DUE_2025 + DUE_2026)


@answers("deadlines-between")
def test_deadlines_between_two_dates(ask: Ask) -> None:
    rows = ask("deadlines-between", **{"from": "2025-01-01", "to": "2025-12-31"})
    owners = [r["owner"] for r in rows]
    assert sorted(owners) == sorted([f"{ID}goal/bozhou-2024/2"] + [task(n) for n in DUE_2025])
    rows = ask("deadlines-between", **{"from": "2024-02-01", "to": "2024-04-30"})
    assert [(r["owner"], r["dueDate"], r["expression"]) for r in rows] == [
        (f"{ID}phase/bozhou-2024/1", "2024-02-28", "2月28日前")
    ]
    assert ask("deadlines-between", **{"from": "2026-01-01", "to": "2026-12-30"}) == []


@answers("deadline-calendar")
def test_deadline_calendar(ask: Ask) -> None:
    # goals 1–3 fall on the three year-ends; the phase-1 limit is 2月28日.
    rows = ask("deadline-calendar")
    assert [(r["dueDate"], r["deadlines"], r["tasks"]) for r in rows] == [
        ("2024-02-28", "1", "0"),
        ("2024-12-31", str(len(DUE_2024) + 1), str(len(DUE_2024))),
        ("2025-12-31", str(len(DUE_2025) + 1), str(len(DUE_2025))),
        ("2026-12-31", str(len(DUE_2026) + 1), str(len(DUE_2026))),
    ]


@answers("goals-with-deadlines")
def test_goals_with_deadlines(ask: Ask) -> None:
    rows = ask("goals-with-deadlines")
    assert [(r["number"], r["dueDate"], r["expression"], r["goalZh"]) for r in rows] == [
        ("1", "2024-12-31", "2024年底前", "基本消除2023年及以前排查发现的重大事故隐患存量"),
        ("2", "2025-12-31", "2025年底前", "有效压减重大事故隐患增量"),
        ("3", "2026-12-31", "2026年底前", "形成重大事故隐患动态清零的常态化机制"),
    ]
    assert all(r["quote"] in TEXT and r["quote"].startswith(r["expression"]) for r in rows)


PHASES = [
    ("1", "动员部署阶段", "2024-02-01", "2024-04-30"),  # 2024年2月至4月
    ("2", "专项治理阶段", "2024-05-01", "2025-12-31"),  # 2024年5月至2025年12月
    ("3", "巩固提升阶段", "2026-01-01", "2026-09-30"),  # 2026年1月至2026年9月
    ("4", "总结评估阶段", "2026-10-01", "2026-12-31"),  # 2026年10月至12月
]


@answers("plan-phases")
def test_plan_phases(ask: Ask) -> None:
    rows = ask("plan-phases")
    assert [(r["number"], r["phaseZh"], r["startDate"], r["endDate"]) for r in rows] == PHASES


@answers("phase-on-date")
def test_phase_containing_a_date(ask: Ask) -> None:
    def phase(date: str) -> list[str]:
        return [r["phaseZh"] for r in ask("phase-on-date", date=date)]

    assert phase("2025-06-01") == ["专项治理阶段"]
    assert phase("2024-02-01") == ["动员部署阶段"]
    assert phase("2024-04-30") == ["动员部署阶段"]
    assert phase("2024-05-01") == ["专项治理阶段"]
    assert phase("2026-09-30") == ["巩固提升阶段"]
    assert phase("2026-12-31") == ["总结评估阶段"]
    assert phase("2024-01-31") == []
    assert phase("2027-01-01") == []


@answers("phase-deadlines")
def test_deadlines_within_a_phase(ask: Ask) -> None:
    rows = ask("phase-deadlines", phase=f"{ID}phase/bozhou-2024/1")
    assert [(r["owner"], r["dueDate"], r["clause"]) for r in rows] == [
        (f"{ID}phase/bozhou-2024/1", "2024-02-28", "将各自方案报市安委会办公室")
    ]
    rows = ask("phase-deadlines", phase=f"{ID}phase/bozhou-2024/2")
    assert sorted(r["owner"] for r in rows) == sorted(
        [f"{ID}goal/bozhou-2024/1", f"{ID}goal/bozhou-2024/2"]
        + [task(n) for n in DUE_2024 + DUE_2025]
    )
    assert ask("phase-deadlines", phase=f"{ID}phase/bozhou-2024/3") == []
    rows = ask("phase-deadlines", phase=f"{ID}phase/bozhou-2024/4")
    assert sorted(r["owner"] for r in rows) == sorted(
        [f"{ID}goal/bozhou-2024/3"] + [task(n) for n in DUE_2026]
    )
    assert {r["dueDate"] for r in rows} == {"2026-12-31"}


@answers("task-time-limits")
def test_time_limits_of_a_task(ask: Ask) -> None:
    rows = ask("task-time-limits", task=task(4))
    assert [
        (r["kind"], r.get("dueDate"), r.get("period"), r.get("highRiskVariant"), r["expression"])
        for r in rows
    ] == [
        ("deadline", "2024-12-31", None, None, "2024年"),
        ("deadline", "2025-12-31", None, None, "2025年"),
        ("deadline", "2026-12-31", None, None, "2026年"),
        ("frequency", None, "P3M", "false", "每季度"),
        ("frequency", None, "P1M", "true", "每月"),
    ]
    rows = ask("task-time-limits", task=task(29))
    assert [(r["dueDate"], r["expression"]) for r in rows] == [
        ("2024-12-31", "2024年底前"),
        ("2026-12-31", "三年内"),
    ]
    assert ask("task-time-limits", task=task(2)) == []


@answers("tasks-without-time-limit")
def test_tasks_without_deadline_or_frequency(ask: Ask) -> None:
    with_limits = {1, 4, 7, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 29, 30}
    rows = ask("tasks-without-time-limit")
    assert [int(r["number"]) for r in rows] == sorted(set(range(1, 35)) - with_limits)


# --------------------------------------------------------------------------- frequencies

# Every "每…至少 N 次" of the text, by owner: (task or "plan", period, high-risk variant).
FREQUENCIES = Counter(
    [
        (1, "P3M", "false"),  # 每季度对每个包保的县区、开发园区开展一次不少于2天的督导
        (4, "P3M", "false"),  # 每季度带队…至少开展1次检查
        (4, "P1M", "true"),  # (高危行业领域每月至少1次)
        (7, "P1Y", "false"),  # 每年开展分析研判和调研评估
        (7, "P1Y", "false"),  # 各县区政府每年挂牌督办整改一批典型重大火灾隐患
        (23, "P1Y", "false"),  # 每年至少组织开展一次疏散逃生演练
        (23, "P6M", "true"),  # (高危行业领域每半年至少一次)
        (30, "P3M", "false"),  # 每季度制作安全生产警示片
        ("plan", "P3M", "false"),  # 每季度至少组织研究一次
        ("plan", "P1M", "false"),  # 分管负责同志每月要调度一次
        ("plan", "P1M", "false"),  # 每月向分管负责同志汇报
        ("plan", "P1M", "false"),  # 一月一调度
        ("plan", "P3M", "false"),  # 一季一通报
        ("plan", "P1Y", "false"),  # 一年一评估
    ]
)


@answers("frequency-requirements")
def test_every_frequency_requirement(ask: Ask) -> None:
    rows = ask("frequency-requirements")
    got = Counter(
        (
            int(r["taskNumber"]) if "taskNumber" in r else r["ownerKind"],
            r["period"],
            r["highRiskVariant"],
        )
        for r in rows
    )
    assert got == FREQUENCIES
    assert {r["minCount"] for r in rows} == {"1"}


# graph_data/reference/bozhou-regions.ttl: the city, its district, three counties and two
# development zones (reference data; the plan names none of them).
@answers("regions-within")
def test_regions_within(ask: Ask) -> None:
    def within(name: str) -> list[str]:
        rows = ask("regions-within", region=f"{ID}region/{name}")
        return [r["within"].removeprefix(f"{ID}region/") for r in rows]

    assert set(within("bozhou")) == {
        "bozhou", "qiaocheng", "guoyang", "mengcheng", "lixin", "bozhou-hitech-zone", "bowu-park"
    }
    assert within("lixin") == ["lixin"]
    assert within("atlantis") == []


@answers("tasks-with-frequency")
def test_tasks_with_a_period(ask: Ask) -> None:
    def tasks(period: str) -> list[tuple[int, str]]:
        return [
            (int(r["number"]), r["highRiskVariant"])
            for r in ask("tasks-with-frequency", period=period)
        ]

    for period in ("P1M", "monthly", "每月"):
        assert tasks(period) == [(4, "true")]  # only task 4's high-risk variant
    assert tasks("P3M") == [(1, "false"), (4, "false"), (30, "false")]
    assert tasks("quarterly") == tasks("每季度") == tasks("p3m") == tasks("P3M")
    assert tasks("Half-Yearly") == [(23, "true")]
    assert tasks("每年") == [(7, "false"), (7, "false"), (23, "false")]
    assert tasks("weekly") == []
    assert {(n, p, h) for n, p, h in FREQUENCIES if n != "plan"} == {
        (n, period, h) for period in ("P1M", "P3M", "P6M", "P1Y") for n, h in tasks(period)
    }


@answers("high-risk-frequency-variants")
def test_high_risk_variants(ask: Ask) -> None:
    rows = ask("high-risk-frequency-variants")
    assert [
        (r["taskNumber"], r["generalPeriod"], r["variantPeriod"], r["variantClause"]) for r in rows
    ] == [
        ("4", "P3M", "P1M", "高危行业领域每月至少1次"),
        ("23", "P1Y", "P6M", "高危行业领域每半年至少一次"),
    ]


# --------------------------------------------------------------------------- plan structure


@answers("plan-overview")
def test_plan_overview(ask: Ask) -> None:
    [row] = ask("plan-overview")
    assert row["plan"] == PLAN
    assert row["title"] == "亳州市安全生产治本攻坚三年行动实施方案(2024—2026年)"
    assert row["issuerZh"] == "亳州市安全生产委员会"
    assert (row["issuedOn"], row["startDate"], row["endDate"]) == (
        "2024-02-21",  # 2024年2月21日
        "2024-02-01",  # 从2024年2月至2026年12月
        "2026-12-31",
    )
    assert (row["actions"], row["tasks"], row["goals"], row["phases"]) == ("10", "34", "3", "4")


ACTIONS = [  # (一) … (十): the tasks each action numbers
    ("1", "安全生产责任落实行动", 1, 4),
    ("2", "深化重点行业领域专项治理行动", 5, 13),
    ("3", "开展重大事故隐患动态清零行动", 14, 17),
    ("4", "开展安全科技支撑和工程治理行动", 18, 20),
    ("5", "开展生产经营单位从业人员安全素质能力提升行动", 21, 23),
    ("6", "开展生产经营单位安全管理体系建设和标杆示范企业创建行动", 24, 25),
    ("7", "开展安全生产精准执法和帮扶行动", 26, 29),
    ("8", "开展全民安全素质提升行动", 30, 32),
    ("9", "开展安全生产“打非治违”专项行动", 33, 33),
    ("10", "开展应急救援能力提升行动", 34, 34),
]


@answers("plan-actions")
def test_the_ten_actions(ask: Ask) -> None:
    rows = ask("plan-actions")
    assert [
        (r["number"], r["actionZh"], int(r["firstTask"]), int(r["lastTask"])) for r in rows
    ] == ACTIONS
    assert [int(r["tasks"]) for r in rows] == [last - first + 1 for _, _, first, last in ACTIONS]


@answers("action-tasks")
def test_tasks_of_an_action(ask: Ask) -> None:
    for number, label, first, last in ACTIONS:
        rows = ask("action-tasks", action=f"{ID}action/bozhou-2024/{number}")
        assert [int(r["number"]) for r in rows] == list(range(first, last + 1))
        assert {r["actionZh"] for r in rows} == {label}
    rows = ask("action-tasks", action=f"{ID}action/bozhou-2024/3")
    assert rows[-1]["taskZh"] == "健全重大事故隐患数据库"


# --------------------------------------------------------------------------- tasks and departments


@answers("tasks-naming-department")
def test_tasks_that_name_a_department(ask: Ask) -> None:
    def named(slug: str) -> list[tuple[int, str]]:
        return [
            (int(r["number"]), r["role"].removeprefix(SK))
            for r in ask("tasks-naming-department", dept=dept(slug))
        ]

    # 市安委会: task 1 (以市安委会名义), 4 (市安委会分批组织…), 30 (市安委会全体成员会议).
    assert named("safety-committee") == [(1, "RoleNamed"), (4, "RoleNamed"), (30, "RoleNamed")]
    assert named("party-school") == [(4, "RoleNamed")]  # 会同市委党校
    # Task 8: "公安、交通运输、商务、市场监管、消防等部门(机构)参与".
    for slug in ("public-security", "transport", "commerce", "market-regulation", "fire-rescue"):
        assert named(slug) == [(8, "RoleParticipant")], slug
    assert named("education") == []  # named only in the lead table


@answers("task-connected-departments")
def test_departments_connected_to_a_task(ask: Ask) -> None:
    rows = ask("task-connected-departments", task=task(8))
    assert {(short(r["deptZh"]), r["connection"], r.get("viaSectorZh")) for r in rows} == {
        ("市城市管理局", "leads-sector", "城镇燃气"),  # 燃气行业管理部门牵头
        ("市市场监管局", "leads-sector", "特种设备"),  # 涉燃气特种设备安全监管
        ("市市场监管局", "participating", None),
        ("市公安局", "participating", None),
        ("市交通运输局", "participating", None),
        ("市商务局", "participating", None),
        ("市消防救援支队", "participating", None),
    }
    rows = ask("task-connected-departments", task=task(1))
    assert [(r["deptZh"], r["connection"]) for r in rows] == [("亳州市安全生产委员会", "named")]


@answers("task-sectors-led-by-department")
def test_sectors_a_task_names_that_a_department_leads(ask: Ask) -> None:
    def sectors(n: int, slug: str) -> set[str]:
        return {
            r["sectorZh"]
            for r in ask("task-sectors-led-by-department", task=task(n), dept=dept(slug))
        }

    # Task 18 names 危化品、煤矿、建筑施工、交通运输、水利、能源、消防、粉尘涉爆、烟花爆竹.
    assert sectors(18, "emergency-management") == {"危化品", "烟花爆竹"}
    assert sectors(18, "development-reform") == {"煤矿"}
    assert sectors(18, "housing-construction") == {"建筑施工"}
    assert sectors(18, "culture-tourism-sports") == set()
    assert sectors(8, "urban-management") == {"城镇燃气"}


@answers("tasks-concerning-sector")
def test_tasks_naming_a_sector(ask: Ask) -> None:
    # 燃气: task 8 (深化城镇燃气专项治理) and task 19 ("交通运输、燃气等行业领域").
    rows = ask("tasks-concerning-sector", sector=sector("urban-gas"))
    assert [(int(r["number"]), r["calledHighRisk"]) for r in rows] == [(8, "false"), (19, "false")]
    rows = ask("tasks-concerning-sector", sector=sector("fireworks"))
    assert [(int(r["number"]), r["calledHighRisk"]) for r in rows] == [
        (18, "false"),  # "烟花爆竹等行业领域" — not called 高危 here
        (19, "false"),
        (21, "true"),  # "危化品、煤矿、烟花爆竹等高危行业"
        (33, "false"),
    ]


@answers("tasks-concerning-sector")
def test_tasks_naming_coal_mines_include_task_4(ask: Ask) -> None:
    # Task 4: "2024年，重点开展煤矿企业主要负责人…集中培训".
    rows = ask("tasks-concerning-sector", sector=sector("coal-mines"))
    assert [int(r["number"]) for r in rows] == [4, 6, 18, 19, 21, 33]


@answers("department-sector-tasks")
def test_tasks_in_a_departments_sectors(ask: Ask) -> None:
    # 市应急管理局 leads 危化品 (tasks 9, 18, 19, 21, 33), 烟花爆竹 (18, 19, 21, 33) and
    # 工贸企业 (12, 19, 33).
    rows = ask("department-sector-tasks", dept=dept("emergency-management"))
    assert sorted((int(r["number"]), r["sectorZh"]) for r in rows) == sorted(
        [(n, "危化品") for n in (9, 18, 19, 21, 33)]
        + [(n, "烟花爆竹") for n in (18, 19, 21, 33)]
        + [(n, "工贸企业") for n in (12, 19, 33)]
    )


@answers("responsibility-network-edges")
def test_network_edges(ask: Ask) -> None:
    rows = ask("responsibility-network-edges")
    by_relation = Counter(r["relation"] for r in rows)
    assert by_relation["leadsSector"] == 48  # the lead table
    assert by_relation["participatingDepartment"] == 5  # task 8
    assert by_relation["mentionsDepartment"] == 4  # tasks 1, 4 (×2), 30

    def named_by(n: int) -> set[str]:
        return {
            r["targetZh"]
            for r in rows
            if r["relation"] == "concernsSector" and r["source"] == task(n)
        }

    assert named_by(13) == {  # 校园安全、民政机构安全、铁路安全 … 邮政快递安全
        "校园", "民政机构", "铁路沿线", "水上交通运输", "农林渔业", "商贸服务业",
        "文化旅游场所", "医疗卫生", "托育机构", "特种设备", "体育场馆和设施", "林业",
        "粮油储备", "油气长输管道", "电力", "邮政快递业",
    }  # fmt: skip
    assert named_by(33) == {
        "交通运输", "建筑施工", "危化品", "煤矿", "烟花爆竹", "消防", "工贸企业", "成品油",
        "城市运行", "特种设备",
    }  # fmt: skip
    assert named_by(19) == {
        "危化品",
        "煤矿",
        "工贸企业",
        "烟花爆竹",
        "建筑施工",
        "交通运输",
        "城镇燃气",
    }
    leads = {(short(r["sourceZh"]), r["targetZh"]) for r in rows if r["relation"] == "leadsSector"}
    assert leads == {(d, s) for d, ss in LEAD_TABLE.items() for s in ss}


# --------------------------------------------------------------------------- rules and measures


@answers("three-manages-three-musts")
def test_where_three_manages_three_musts_is_invoked(ask: Ask) -> None:
    rows = ask("three-manages-three-musts")
    assert [(r["where"], r.get("taskNumber"), r["how"]) for r in rows] == [
        (task(3), "3", "named"),  # 按照“三管三必须”责任清单及实施意见要求
        (task(9), "9", "named"),  # 落实“三管三必须”要求
        (PLAN, None, "named"),  # 四(二): 按照“三管三必须”要求，依据“三管三必须”责任清单
        (PLAN, None, "fallback for sectors not listed"),  # 未列明的行业领域…
    ]
    assert all("三管三必须" in r["quote"] and r["quote"] in TEXT for r in rows)
    assert rows[-1]["quote"].startswith("未列明的行业领域")


# Where the text names each measure (函告 通报 约谈 曝光 挂牌督办 红黄牌警示 问责).
MEASURES_NAMED = {
    7: {"挂牌督办"},  # 完善重大火灾隐患政府挂牌督办…
    16: {"函告", "通报", "约谈", "曝光"},  # 及时采取函告、通报、约谈、曝光等措施
    27: {"挂牌督办", "通报", "约谈", "曝光", "红黄牌警示"},  # 集中挂牌…约谈通报、“红黄牌”警示
    30: {"曝光"},  # 曝光存在的突出问题
    "plan": {"通报", "约谈", "曝光", "红黄牌警示", "问责"},  # 四(一)(六)(七)
}


MEASURE_WORDS = {  # how the text writes each measure
    "函告": "函告",
    "通报": "通报",
    "约谈": "约谈",
    "曝光": "曝光",
    "挂牌督办": "挂牌",
    "红黄牌警示": "红黄牌",
    "问责": "问责",
}


@answers("escalation-measures-named")
def test_escalation_measures_and_where_named(ask: Ask) -> None:
    rows = ask("escalation-measures-named")
    got: dict[int | str, set[str]] = {}
    for r in rows:
        where: int | str = int(r["taskNumber"]) if "taskNumber" in r else "plan"
        got.setdefault(where, set()).add(r["measureZh"])
        assert MEASURE_WORDS[r["measureZh"]] in r["quote"], r
    assert got == MEASURES_NAMED
    ladder = {r["measureZh"]: r["escalationOrder"] for r in rows if "escalationOrder" in r}
    assert ladder == {"函告": "1", "通报": "2", "约谈": "3", "曝光": "4"}  # task 16's order


# --------------------------------------------------------------------------- sources


@answers("fact-source")
def test_source_sentence_of_a_fact(ask: Ask) -> None:
    facts = {
        f"{ID}deadline/bozhou-2024/task-17-1": "2024年底前完善数据库运行管理机制",
        f"{ID}frequency/bozhou-2024/task-30-1": "每季度制作安全生产警示片",
        f"{ID}lead/bozhou-2024/railway-line--transport": "市交通运输局、市公安局等部门按照职责做好铁路沿线安全",
    }
    for fact, sentence in facts.items():
        [row] = ask("fact-source", fact=fact)
        assert row["quote"] == sentence
        assert TEXT[int(row["startOffset"]) : int(row["endOffset"])] == sentence
        assert row["file"] == "bozhou-work-safety-plan-2024-2026.txt"
    # The quote keeps the text as it is, page break included.
    [row] = ask("fact-source", fact=f"{ID}lead/bozhou-2024/urban-gas--urban-management")
    assert TEXT[int(row["startOffset"]) : int(row["endOffset"])] == row["quote"]
    assert (
        re.sub(r"\s+", "", row["quote"])
        == "市城市管理局牵头负责城镇燃气、市政工程、循环产业园、户外广告、园林绿化等安全"
    )
    assert ask("fact-source", fact=sector("urban-gas")) == []  # a concept, not a stated fact


@answers("quotes-containing")
def test_facts_quoting_a_phrase(ask: Ask) -> None:
    # "挂牌督办" appears only in task 7 (政府挂牌督办 … 每年挂牌督办整改).
    rows = ask("quotes-containing", text="挂牌督办")
    assert rows
    task7 = TEXT.index("7.深化消防安全专项治理")
    task8 = TEXT.index("8.深化城镇燃气专项治理")
    for r in rows:
        assert "挂牌督办" in r["quote"]
        assert task7 <= int(r["startOffset"]) < task8
    assert task(7) in {r["fact"] for r in rows}
    assert ask("quotes-containing", text="没有这句话") == []


@answers("mentions-of")
def test_where_a_resource_is_named(ask: Ask) -> None:
    [row] = ask("mentions-of", resource=dept("party-school"))
    assert (row["mentionedIn"], row["role"]) == (task(4), f"{SK}RoleNamed")
    assert "会同市委党校" in row["quote"]
    rows = ask("mentions-of", resource=sector("urban-gas"))
    assert [(r["taskNumber"], r["role"].removeprefix(SK)) for r in rows] == [
        ("8", "RoleNamed"),
        ("8", "RoleLead"),  # 燃气行业管理部门牵头
        ("19", "RoleNamed"),
    ]


@answers("find-by-label")
def test_find_resources_by_label(ask: Ask) -> None:
    rows = ask("find-by-label", text="燃气")
    assert {(r["resource"], r["kind"]) for r in rows} == {
        (sector("urban-gas"), f"{SK}Sector"),
        (task(8), f"{SK}Task"),  # 深化城镇燃气专项治理
    }
    rows = ask("find-by-label", text="教育局")
    assert [r["resource"] for r in rows] == [dept("education")]
    rows = ask("find-by-label", text="Fireworks")
    assert [r["labelZh"] for r in rows] == ["烟花爆竹"]


# --------------------------------------------------------------------------- the library as a whole

QUERY_FILES = sorted(QUERY_DIR.glob("*.rq"))
_HAN = re.compile(r"[\u4e00-\u9fff]")


def test_the_library_has_at_least_thirty_queries(library: QueryLibrary) -> None:
    assert len(library) >= 30
    assert set(library) == {p.stem for p in QUERY_FILES}


@pytest.mark.parametrize("path", QUERY_FILES, ids=[p.stem for p in QUERY_FILES])
def test_query_file_has_a_complete_header_and_parses(path: Path) -> None:
    named = QueryLibrary.load(path.parent)[path.stem]  # parses and checks (raises if not)
    assert named.title.strip()
    assert _HAN.search(named.zh), "the # zh: question should be in Chinese"
    assert re.match(r"[A-Z]", named.en), "the # en: question should be in English"
    text = path.read_text(encoding="utf-8")
    declared = re.findall(r"^#\s*param:\s*\?(\w+)\s+(.+)$", text, re.MULTILINE)
    assert [p.name for p in named.params] == [name for name, _ in declared]
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    for p in named.params:
        assert p.type.strip(), p
        assert re.search(rf"\?{p.name}\b", body), f"?{p.name} is declared but not used"
    for prefix in set(re.findall(r"\b([a-z]+):[A-Za-z]", body)) - {"http", "https"}:
        assert re.search(rf"^PREFIX\s+{prefix}:", body, re.MULTILINE), f"{prefix}: not declared"


def _tests_naming(name: str) -> bool:
    tests = Path(__file__).resolve().parents[1]
    needle = f'"{name}"'
    return any(
        needle in p.read_text(encoding="utf-8")
        for p in tests.rglob("*.py")
        if p.resolve() != Path(__file__).resolve()
    )


def test_every_query_has_an_answer_test(library: QueryLibrary) -> None:
    untested = [name for name in library if name not in COVERED and not _tests_naming(name)]
    assert untested == []


# --------------------------------------------------------------------------- binding is safe

NASTY = [
    '"} UNION { ?s ?p ?o } #',
    "') } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o",
    '\\" . ?x ?y ?z } {',
    "}}}{{{",
    "'''\"\"\"",
]


def _sample(named: NamedQuery, name: str) -> str:
    """A valid value for a parameter, chosen by its type."""
    p = named.param(name)
    if p.is_iri:
        return {
            "department": dept("urban-management"),
            "sector": sector("urban-gas"),
            "task": task(8),
            "action": f"{ID}action/bozhou-2024/2",
            "phase": f"{ID}phase/bozhou-2024/2",
            "goal": f"{ID}goal/bozhou-2024/1",
            "plan": PLAN,
            "region": f"{ID}region/bozhou",
        }.get(p.kind or "", sector("urban-gas"))
    return {
        "http://www.w3.org/2001/XMLSchema#date": "2025-06-01",
        "http://www.w3.org/2001/XMLSchema#dateTime": "2025-06-01T00:00:00",
        "http://www.w3.org/2001/XMLSchema#integer": "1",
        "http://www.w3.org/2001/XMLSchema#decimal": "1.0",
        "http://www.w3.org/2001/XMLSchema#boolean": "true",
    }.get(p.datatype or "", "燃气")


TEXT_TYPES = {
    "http://www.w3.org/2001/XMLSchema#string",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString",
}
STRING_PARAMS = [
    (name, p.name)
    for name, named in default_library().items()
    for p in named.params
    if not p.is_list and p.datatype in TEXT_TYPES
]


@pytest.mark.parametrize(
    ("name", "param"), STRING_PARAMS, ids=[f"{n}-{p}" for n, p in STRING_PARAMS]
)
@pytest.mark.parametrize("nasty", NASTY)
def test_quotes_and_braces_are_bound_as_a_literal(
    built_store: Store, library: QueryLibrary, name: str, param: str, nasty: str
) -> None:
    named = library[name]
    values: dict[str, Any] = {
        p.name: [_sample(named, p.name)] if p.is_list else _sample(named, p.name)
        for p in named.params
    }
    values[param] = nasty
    result = named.run(built_store, values)
    assert isinstance(result, QuerySolutions)
    rows = list(result)
    assert rows == [], f"{name} answered {len(rows)} rows for ?{param}={nasty!r}"


def test_a_nasty_value_changes_nothing_but_the_match(ask: Ask) -> None:
    assert ask("find-by-label", text="燃气")  # the control: a plain value matches
    assert ask("find-by-label", text='燃气"} UNION { ?resource ?p ?o } #') == []
    assert ask("sector-leads-by-name", name='城镇燃气" || true || "') == []
    assert ask("quotes-containing", text="挂牌督办') } #") == []


@pytest.mark.parametrize("nasty", NASTY)
def test_an_iri_parameter_with_quotes_or_braces_is_refused(ask: Ask, nasty: str) -> None:
    with pytest.raises(BadParameter):
        ask("sector-lead-departments", sector=sector("urban-gas") + nasty)


def test_an_iri_parameter_outside_our_namespace_is_refused(ask: Ask) -> None:
    with pytest.raises(BadParameter, match="not one of our IRIs"):
        ask("fact-source", fact="http://example.org/x")
    with pytest.raises(BadParameter):
        ask("sector-lead-departments", sector=dept("urban-management"))  # not a sector
    # A well-formed IRI of ours that names nothing is simply no answer.
    assert ask("sector-lead-departments", sector=sector("%22%7D")) == []


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("tasks-due-by", {"by": '2024-12-31"} UNION {'}),
        ("departments-leading-more-than", {"min": "3 } UNION {"}),
        ("phase-on-date", {"date": "2025-02-30"}),
    ],
)
def test_a_typed_parameter_that_is_not_of_its_type_is_refused(
    ask: Ask, name: str, values: dict[str, str]
) -> None:
    with pytest.raises(BadParameter):
        ask(name, **values)
