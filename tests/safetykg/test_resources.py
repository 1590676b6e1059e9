"""safetykg/resources.py: resource answers over the built store, checked against the plan text."""

from __future__ import annotations

import datetime as dt

import pytest
from pyoxigraph import NamedNode, Store

from safetykg import resources as R
from safetykg.errors import BadParameter, NotFound
from tests.helpers.project import REPO

SOURCE = (REPO / "graph_data" / "source" / "bozhou-work-safety-plan-2024-2026.txt").read_text(
    encoding="utf-8"
)
ID = "https://w3id.org/safetykg/id/"
PLAN = NamedNode(ID + "plan/bozhou-2024")


@pytest.fixture(scope="module")
def snapshot(built_store: Store) -> R.Snapshot:
    return R.Snapshot(built_store)


def assert_quoted(quote: R.Quote | None) -> None:
    assert quote is not None
    assert quote.text == SOURCE[quote.start : quote.end]


# --------------------------------------------------------------------------- helpers


def test_resource_iri_accepts_ids_and_iris() -> None:
    assert R.resource_iri("bozhou-2024/17", "task").value == ID + "task/bozhou-2024/17"
    assert R.resource_iri(ID + "sector/urban-gas", "sector").value == ID + "sector/urban-gas"


@pytest.mark.parametrize(
    "value", ["a b", "../x", "x?y", "http://example.com/x", ID + "task/bozhou-2024/1"]
)
def test_resource_iri_rejects_other_things(value: str) -> None:
    with pytest.raises(BadParameter):
        R.resource_iri(value, "sector")


def test_page_of_sorts_then_cuts() -> None:
    page = R.page_of([3, 1, 2], sort="-n", keys={"n": lambda x: x}, default="n", limit=2, offset=1)
    assert (page.total, page.items) == (3, [2, 1])
    with pytest.raises(BadParameter, match="sort"):
        R.page_of([1], sort="x", keys={"n": lambda x: x}, default="n", limit=1, offset=0)


# --------------------------------------------------------------------------- plan structure


def test_plan(built_store: Store) -> None:
    plan = R.plan_detail(built_store, PLAN, "zh")
    assert plan.label_zh == "亳州市安全生产治本攻坚三年行动实施方案(2024—2026年)"
    assert (plan.issued_on, plan.start_date, plan.end_date) == (
        dt.date(2024, 2, 21),
        dt.date(2024, 2, 1),
        dt.date(2026, 12, 31),
    )
    assert plan.issuer.label_zh == "亳州市安全生产委员会"
    assert (plan.actions, plan.tasks, len(plan.goals), len(plan.phases)) == (10, 34, 3, 4)
    assert "亳州高新区管委会" in plan.recipients
    assert plan.rules[0].rule.label_zh == "三管三必须"
    assert_quoted(plan.rules[0].source)
    for quote in plan.sources:
        assert_quoted(quote)


def test_unknown_plan(built_store: Store) -> None:
    with pytest.raises(NotFound):
        R.plan_detail(built_store, NamedNode(ID + "plan/nowhere-2030"), "zh")


def test_actions(built_store: Store) -> None:
    actions = R.list_actions(built_store, "zh", plan=PLAN)
    assert [a.number for a in actions] == list(range(1, 11))
    assert actions[0].label_zh == "安全生产责任落实行动"
    assert [a.tasks for a in actions] == [4, 9, 4, 3, 3, 2, 4, 3, 1, 1]
    for a in actions:
        assert_quoted(a.source)
    detail = R.action_detail(built_store, NamedNode(ID + "action/bozhou-2024/3"), "en")
    assert [t.number for t in detail.task_list] == [14, 15, 16, 17]


def test_tasks_and_their_filters(built_store: Store) -> None:
    tasks = R.list_tasks(built_store, "zh")
    assert [t.number for t in tasks] == list(range(1, 35))
    for t in tasks:
        assert_quoted(t.source)
        assert t.source.text.startswith(f"{t.number}.")
    gas = R.list_tasks(built_store, "zh", sector=NamedNode(ID + "sector/urban-gas"))
    assert [t.number for t in gas] == [8, 19]
    party_school = NamedNode(ID + "department/bozhou/party-school")
    assert [t.number for t in R.list_tasks(built_store, "zh", department=party_school)] == [4]
    due_2024 = R.list_tasks(
        built_store, "zh", due_after=dt.date(2024, 12, 31), due_before=dt.date(2024, 12, 31)
    )
    assert {16, 17, 18, 21, 22, 29} <= {t.number for t in due_2024}
    quarterly = R.list_tasks(built_store, "zh", period="P3M")
    assert {1, 4, 30} <= {t.number for t in quarterly}


def test_task_17(built_store: Store) -> None:
    task = R.task_detail(built_store, NamedNode(ID + "task/bozhou-2024/17"), "zh")
    assert task.label_zh == "健全重大事故隐患数据库"
    assert task.full_text.startswith("17.健全重大事故隐患数据库")
    assert [(d.due_date, d.expression) for d in task.deadlines] == [
        (dt.date(2024, 12, 31), "2024年底前")
    ]
    assert_quoted(task.deadlines[0].source)
    channels = {n.target.iri.rsplit("#", 1)[-1] for n in task.other_named}
    assert {"ChannelSelfReport", "ChannelInspection", "ChannelPublicReport"} <= channels


def test_task_8_names_who_takes_part(built_store: Store) -> None:
    task = R.task_detail(built_store, NamedNode(ID + "task/bozhou-2024/8"), "en")
    participants = {n.target.id for n in task.departments_named if n.role == "participant"}
    assert participants == {
        "bozhou/commerce",
        "bozhou/fire-rescue",
        "bozhou/market-regulation",
        "bozhou/public-security",
        "bozhou/transport",
    }
    for n in task.sectors_named + task.departments_named:
        assert_quoted(n.source)


def test_deadlines_and_phases(built_store: Store) -> None:
    deadlines = R.list_deadlines(built_store, "zh")
    assert len(deadlines) == 21
    assert [d.due_date for d in deadlines] == sorted(d.due_date for d in deadlines)
    for d in deadlines:
        assert_quoted(d.source)
    phase_deadlines = R.list_deadlines(built_store, "zh", owner_kind="phase")
    assert [(d.due_date, d.expression) for d in phase_deadlines] == [
        (dt.date(2024, 2, 28), "2月28日前")
    ]
    phases = R.list_phases(built_store, "zh")
    assert [p.label_zh for p in phases] == [
        "动员部署阶段",
        "专项治理阶段",
        "巩固提升阶段",
        "总结评估阶段",
    ]
    assert [p.number for p in R.list_phases(built_store, "zh", on=dt.date(2025, 6, 30))] == [2]
    assert R.deadline_detail(
        built_store, NamedNode(ID + "deadline/bozhou-2024/goal-1-1"), "zh"
    ).due_date == dt.date(2024, 12, 31)


def test_goals(built_store: Store) -> None:
    goals = R.list_goals(built_store, "zh", plan=PLAN)
    assert [g.label_zh for g in goals] == [
        "基本消除2023年及以前排查发现的重大事故隐患存量",
        "有效压减重大事故隐患增量",
        "形成重大事故隐患动态清零的常态化机制",
    ]
    assert [g.deadlines[0].due_date.year for g in goals] == [2024, 2025, 2026]


# --------------------------------------------------------------------------- responsibility


def test_counts(snapshot: R.Snapshot) -> None:
    sectors = R.list_sectors(snapshot, "zh")
    departments = R.list_departments(snapshot, "zh")
    assert len(sectors) == 55
    assert sum(len(s.leads) for s in sectors) == 48
    assert len({lead.department.iri for s in sectors for lead in s.leads}) == 19
    assert len([d for d in departments if not d.local_government]) == 21
    assert len(R.list_regions(snapshot, "zh")) == 7


def test_sector_filters(snapshot: R.Snapshot) -> None:
    no_lead = {s.id for s in R.list_sectors(snapshot, "zh", has_lead=False)}
    assert {"agriculture-forestry-fishery", "refined-oil", "urban-operation"} <= no_lead
    assert all(s.fallback is not None for s in R.list_sectors(snapshot, "zh", has_lead=False))
    high_risk = {s.id for s in R.list_sectors(snapshot, "zh", high_risk=True)}
    assert high_risk == {"coal-mines", "fireworks", "hazardous-chemicals"}
    led = R.list_sectors(snapshot, "zh", lead=NamedNode(ID + "department/bozhou/transport"))
    assert {s.id for s in led} == {
        "highway-engineering",
        "railway-line",
        "road-transport",
        "waterway-transport",
    }


def test_departments_leading_a_sector(snapshot: R.Snapshot) -> None:
    railway = NamedNode(ID + "sector/railway-line")
    found = R.list_departments(snapshot, "zh", leads=railway)
    assert {d.id for d in found} == {"bozhou/public-security", "bozhou/transport"}
    assert all(d.joint_leads == 1 for d in found)


def test_department_view_splits_deadlines_at_the_date(
    built_store: Store, snapshot: R.Snapshot
) -> None:
    view = R.department_view(
        built_store,
        NamedNode(ID + "department/bozhou/emergency-management"),
        "zh",
        as_of=dt.date(2025, 6, 30),
        snapshot=snapshot,
    )
    assert {lead.sector.id for lead in view.leads} == {
        "fireworks",
        "hazardous-chemicals",
        "industry-trade",
    }
    assert all(d.due_date >= dt.date(2025, 6, 30) for d in view.upcoming_deadlines)
    assert all(d.due_date < dt.date(2025, 6, 30) for d in view.past_deadlines)
    # task 18 (危化品、烟花爆竹 … 监测预警) has deadlines on both sides of the date
    assert "bozhou-2024/task-18-1" in {d.id for d in view.past_deadlines}
    assert "bozhou-2024/task-18-2" in {d.id for d in view.upcoming_deadlines}
    for d in view.upcoming_deadlines + view.past_deadlines:
        assert_quoted(d.source)
    assert {m.number for m in view.sector_tasks} >= {9, 12, 18, 19, 21, 33}


def test_department_view_without_snapshot_reads_the_store(built_store: Store) -> None:
    view = R.department_view(
        built_store,
        NamedNode(ID + "department/bozhou/party-school"),
        "en",
        as_of=dt.date(2024, 1, 1),
    )
    assert view.leads == [] and [m.number for m in view.tasks] == [4]
    assert view.summary == "Bozhou Municipal Party School leads no sector in the lead table."


def test_department_view_of_a_sector_is_not_found(built_store: Store, snapshot: R.Snapshot) -> None:
    with pytest.raises(NotFound):
        R.department_view(
            built_store,
            NamedNode(ID + "sector/urban-gas"),
            "zh",
            as_of=dt.date(2025, 1, 1),
            snapshot=snapshot,
        )


def test_regions(snapshot: R.Snapshot) -> None:
    regions = {r.id: r for r in R.list_regions(snapshot, "zh")}
    assert regions["bozhou"].code == "341600" and regions["bozhou"].part_of is None
    assert regions["guoyang"].region_type == "County"
    assert regions["guoyang"].government.label_zh == "涡阳县人民政府"
    assert regions["bowu-park"].region_type == "Park"
    assert "not stated in the plan" in regions["qiaocheng"].note
