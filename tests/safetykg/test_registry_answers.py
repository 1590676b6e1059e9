"""The registry's answers (safetykg/registry/answers.py) agree with their definitions.

Each fast answer (from the registry index) is checked against the named query that
states the same question directly over the records, on a generated registry
of a few hundred hazards, for several scopes and days, including pages.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyoxigraph import NamedNode, Quad, RdfFormat, Store

from safetykg.errors import BadParameter, NotFound
from safetykg.namespaces import ID
from safetykg.queries import default_library
from safetykg.registry import (
    department_hazard_counts,
    generate,
    goal_progress,
    ingest,
    overdue,
    responsibility,
    statistics,
)
from safetykg.registry.index import HORIZON, pieces, stabbing
from safetykg.registry.stored import load_hazards
from safetykg.registry.vocabulary import Status, step_due
from tests.helpers.registry import EMERGENCY, TODAY, URBAN, registry_store
from tests.safetykg.test_registry_ingest import loaded  # noqa: F401  (fixture)

DAYS = [
    TODAY,
    dt.date(2026, 1, 31),
    dt.date(2025, 6, 30),
    dt.date(2024, 12, 31),
    dt.date(2023, 3, 15),
]
SCOPES = [
    EMERGENCY,
    URBAN,
    f"{ID}department/bozhou/fire-rescue",
    f"{ID}department/mengcheng/government",
    f"{ID}sector/industry-trade",
    f"{ID}sector/dust-explosion",
    f"{ID}region/qiaocheng",
    f"{ID}region/bozhou",
]


@cache
def _generated() -> bytes:
    store = registry_store()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "g.csv"
        generate(path, enterprises=60, hazards=400, seed=3)
        ingest(store, path, today=TODAY, shacl=False)
    return store.dump(format=RdfFormat.N_QUADS)


@pytest.fixture(scope="module")
def registry() -> Store:
    store = Store()
    store.load(_generated(), format=RdfFormat.N_QUADS)
    return store


def naive_overdue(store: Store, scope: str, day: dt.date) -> list[str]:
    rows = default_library().run(store, "overdue-hazards", {"scope": scope, "asOf": day})
    return [r["hazard"].value for r in rows]


@pytest.mark.parametrize("scope", SCOPES, ids=[s.rsplit("/", 2)[-1] for s in SCOPES])
def test_overdue_pages_equal_the_definition(registry: Store, scope: str) -> None:
    for day in DAYS:
        expected = naive_overdue(registry, scope, day)
        page = overdue(registry, scope, day, limit=500)
        assert page.total == len(expected), day
        assert [i.hazard for i in page.items] == expected, day
        for offset, limit in ((0, 5), (3, 4), (len(expected) - 2, 10)):
            if offset < 0:
                continue
            part = overdue(registry, scope, day, limit=limit, offset=offset)
            assert [i.hazard for i in part.items] == expected[offset : offset + limit]
            assert part.total == len(expected)


def test_the_cutoff_of_a_page_is_the_deadline_of_its_last_row(registry: Store) -> None:
    """``overdue-index-cutoff``: the Nth deadline among a scope's members (by the definition)."""
    from safetykg.registry import index as ix

    day = TODAY

    def rows_of(scope: str) -> list:
        return list(
            default_library().run(registry, "overdue-hazards", {"scope": scope, "asOf": day})
        )

    scope = max(SCOPES[:6], key=lambda s: len(rows_of(s)))  # departments and sectors: one scope
    rows = rows_of(scope)
    deadlines = sorted(dt.date.fromisoformat(r["deadline"].value) for r in rows)
    assert len(deadlines) >= 3
    years = sorted({str(d.year) for d in deadlines})
    members = ix.members_for(ix.scope_path(scope), day, years)
    for n in (1, 2, len(deadlines)):
        got = list(
            default_library().run(
                registry, "overdue-index-cutoff", {"member": members}, limit=1, offset=n - 1
            )
        )
        assert dt.date.fromisoformat(got[0]["deadline"].value) == deadlines[n - 1]
    past_the_end = default_library().run(
        registry, "overdue-index-cutoff", {"member": members}, limit=1, offset=len(deadlines)
    )
    assert list(past_the_end) == []


def test_overdue_items_carry_days_and_the_escalation_step(registry: Store) -> None:
    page = overdue(registry, f"{ID}region/bozhou", TODAY, limit=50)
    assert page.total >= 10
    days = [i.days_overdue for i in page.items]
    assert days == sorted(days, reverse=True) and min(days) >= 1
    for item in page.items:
        assert item.days_overdue == (TODAY - item.deadline).days
        assert item.escalation_due is step_due(item.days_overdue)
        assert item.zh and item.en and item.enterprise_zh


def test_department_counts_equal_the_records(registry: Store) -> None:
    ids = [
        r["h"].value.rsplit("/", 1)[-1]
        for r in registry.query(
            "SELECT ?h WHERE { GRAPH ?g { ?h a <https://w3id.org/safetykg/ontology#Hazard> } }"
        )
    ]
    records = load_hazards(registry, ids)
    for dept in SCOPES[:4]:
        for day in DAYS:
            mine = [r for r in records.values() if dept in r.responsible]
            open_ = [
                r
                for r in mine
                if r.discovered_on <= day and not (r.closed_on and r.closed_on <= day)
            ]
            late = [r for r in open_ if r.deadline < day]
            due = 0
            for r in late:
                rung = step_due((day - r.deadline).days)
                taken = max((e.measure.order or 0 for e in r.escalations if e.on <= day), default=0)
                due += bool(rung and rung.order > taken)
            counts = department_hazard_counts(registry, dept, day)
            assert counts == {"open": len(open_), "overdue": len(late), "escalation_due": due}


def test_statistics_equal_the_definition(registry: Store) -> None:
    for day in DAYS:
        for major_only in (False, True):
            rows = default_library().run(
                registry, "hazard-statistics", {"asOf": day, "majorOnly": major_only}
            )
            expected = Counter(
                {
                    (
                        r["region"].value,
                        r["sector"].value,
                        r["status"].value,
                        r["channel"].value,
                    ): int(r["count"].value)
                    for r in rows
                }
            )
            fast = Counter(
                {
                    (s.region, s.sector, s.status.iri, s.channel.iri): s.count
                    for s in statistics(registry, day, major_only=major_only)
                }
            )
            assert fast == expected, (day, major_only)


def test_statistics_totals_make_sense(registry: Store) -> None:
    rows = statistics(registry, TODAY)
    assert sum(r.count for r in rows) == 400
    by_status = Counter()
    for r in rows:
        by_status[r.status] += r.count
    assert by_status[Status.CLOSED] > by_status[Status.RECTIFYING] > 0
    assert sum(r.count for r in statistics(registry, dt.date(2021, 12, 31))) == 0


def _count(store: Store, name: str, values: dict, key: str) -> int:
    rows = list(default_library().run(store, name, values))
    return int(rows[0][key].value) if rows else 0


def test_goal_progress_equals_the_definitions(registry: Store) -> None:
    for day in (TODAY, dt.date(2025, 8, 15), dt.date(2024, 6, 1)):
        progress = goal_progress(registry, day)
        assert progress.goals["stock"] and progress.goals["dynamic-zero"]
        end_2023 = dt.date(2023, 12, 31)
        assert progress.stock_total == _count(
            registry,
            "major-hazards-found-between",
            {"from": "2000-01-01", "to": end_2023},
            "found",
        )
        assert progress.stock_open_now == _count(
            registry, "major-hazards-open-on", {"day": day, "discoveredBy": end_2023}, "open"
        )
        if day >= dt.date(2024, 12, 31):
            assert progress.stock_open_at_deadline == _count(
                registry,
                "major-hazards-open-on",
                {"day": dt.date(2024, 12, 31), "discoveredBy": end_2023},
                "open",
            )
        else:
            assert progress.stock_open_at_deadline is None and progress.stock_met is None
        for q in progress.quarters:
            start = dt.date(2025, 3 * q.quarter - 2, 1)
            assert q.found_2025 == _count(
                registry, "major-hazards-found-between", {"from": start, "to": q.through}, "found"
            )
            assert q.found_2024 == _count(
                registry,
                "major-hazards-found-between",
                {"from": start.replace(year=2024), "to": q.through.replace(year=2024)},
                "found",
            )
        for m in progress.months:
            assert m.overdue == _count(
                registry, "major-hazards-overdue-on", {"day": m.month_end}, "overdue"
            )
        assert (progress.months != []) == (day >= dt.date(2026, 1, 1))


def test_responsibility_of_the_standard_registry(loaded: Store) -> None:  # noqa: F811
    gas = responsibility(loaded, f"{ID}hazard/H-2025-0001")
    assert (gas.enterprise.kind, gas.enterprise.principal, gas.enterprise.actual_controller) == (
        "enterprise",
        "张三",
        "李四",
    )
    assert [(p.iri, p.joint, p.fallback) for p in gas.sector_parties] == [(URBAN, False, False)]
    assert "城镇燃气" in (gas.sector_parties[0].quote or "")
    assert [p.zh for p in gas.territorial] == ["谯城区人民政府", "亳州市人民政府"]
    rail = responsibility(loaded, f"{ID}hazard/H-2024-0001")
    assert {p.zh for p in rail.sector_parties} == {"亳州市交通运输局", "亳州市公安局"}
    assert all(p.joint for p in rail.sector_parties)
    dust = responsibility(loaded, f"{ID}hazard/H-2025-0005")
    assert dust.fallback
    (party,) = dust.sector_parties
    assert (
        party.zh == "蒙城县人民政府"
        and party.rule
        and party.rule.endswith("ThreeManagesThreeMusts")
    )
    assert "三管三必须" in (party.quote or "")
    with pytest.raises(NotFound):
        responsibility(loaded, f"{ID}hazard/H-1999-0001")


def test_responsibility_does_not_reload_the_reference_data(
    loaded: Store,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Reference.load reads every sector, region and department (seconds on a large
    registry); responsibility() answers from the query and a few index lookups instead,
    and keeps the innermost-first order when the ancestors are stated as well."""
    from safetykg.registry.reference import Reference

    def refuse(store: Store) -> Reference:
        raise AssertionError("responsibility() reloaded the reference data")

    monkeypatch.setattr(Reference, "load", refuse)
    gas = responsibility(loaded, f"{ID}hazard/H-2025-0001")
    assert [p.zh for p in gas.territorial] == ["谯城区人民政府", "亳州市人民政府"]
    province = NamedNode(f"{ID}region/test-province")
    part_of = NamedNode("https://w3id.org/safetykg/ontology#partOfRegion")
    gov = NamedNode("https://w3id.org/safetykg/ontology#government")
    graph = NamedNode("https://w3id.org/safetykg/graph/inferred")
    province_gov = NamedNode(f"{ID}department/test-province/government")
    loaded.extend(
        [
            Quad(NamedNode(f"{ID}region/bozhou"), part_of, province, graph),
            Quad(NamedNode(f"{ID}region/qiaocheng"), part_of, province, graph),  # inferred
            Quad(province, gov, province_gov, graph),
        ]
    )
    ordered = responsibility(loaded, f"{ID}hazard/H-2025-0001").territorial
    assert [p.iri.rsplit("/", 2)[-2] for p in ordered] == ["qiaocheng", "bozhou", "test-province"]


def test_bad_scopes(loaded: Store) -> None:  # noqa: F811
    with pytest.raises(BadParameter):
        overdue(loaded, "http://example.org/dept", TODAY)
    with pytest.raises(BadParameter):
        overdue(loaded, f"{ID}hazard/H-2025-0001", TODAY)
    with pytest.raises(BadParameter):
        overdue(loaded, URBAN, TODAY, limit=0)
    with pytest.raises(NotFound):
        overdue(loaded, f"{ID}region/atlantis", TODAY)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, HORIZON), st.integers(0, HORIZON), st.integers(0, HORIZON - 1))
def test_each_interval_is_found_once_on_each_day_it_contains(a: int, b: int, d: int) -> None:
    found = set(pieces(a, b)) & set(stabbing(d))
    assert len(found) == (1 if a <= d < b else 0)
    covered = sum(1 << level for level, _ in pieces(a, b))
    assert covered == max(0, min(b, HORIZON) - a)
