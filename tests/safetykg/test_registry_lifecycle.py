"""The hazard lifecycle (safetykg/registry/lifecycle.py): transitions, review, history."""

from __future__ import annotations

import datetime as dt

import pytest
from pyoxigraph import Store

from safetykg.errors import NotFound
from safetykg.registry import (
    LifecycleError,
    department_hazard_counts,
    list_for_supervision,
    overdue,
    record_escalation,
    status_on,
    transition,
)
from safetykg.registry.records import TZ
from safetykg.registry.stored import history, load_hazards
from safetykg.registry.vocabulary import Measure, Status
from tests.helpers.registry import (
    CITY_GOV,
    EDUCATION,
    EMERGENCY,
    MENGCHENG_GOV,
    POLICE,
    QIAOCHENG_GOV,
    TODAY,
    TRANSPORT,
    URBAN,
    snapshot,
)
from tests.safetykg.test_registry_ingest import loaded  # noqa: F401  (fixture)


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=TZ)


def test_forward_one_step_at_a_time_with_history(loaded: Store) -> None:  # noqa: F811
    change = transition(loaded, "H-2025-0003", "整改中", actor=URBAN, at=at("2025-07-01"))
    assert (change.seq, change.from_status, change.to_status) == (
        2,
        Status.REPORTED,
        Status.RECTIFYING,
    )
    transition(loaded, "H-2025-0003", Status.RECTIFIED, actor=URBAN, at=at("2025-07-10"))
    closed = transition(loaded, "H-2025-0003", "closed", actor=URBAN, at=at("2025-07-20"))
    record = load_hazards(loaded, ["H-2025-0003"])["H-2025-0003"]
    assert (record.status, record.closed_on, record.reviewed_by) == (
        Status.CLOSED,
        dt.date(2025, 7, 20),
        URBAN,
    )
    changes = history(loaded, "H-2025-0003")
    assert [c.seq for c in changes] == [1, 2, 3, 4] and changes[-1] == closed
    assert [c.superseded_at for c in changes[:-1]] == [c.at for c in changes[1:]]
    # the state on any past day can be rebuilt
    assert status_on(changes, dt.date(2025, 5, 31)) is None
    assert status_on(changes, dt.date(2025, 6, 1)) is Status.REPORTED
    assert status_on(changes, dt.date(2025, 7, 15)) is Status.RECTIFIED
    assert status_on(changes, TODAY) is Status.CLOSED
    # no longer overdue from the day it closed; overdue before
    assert "H-2025-0003" not in {i.id for i in overdue(loaded, URBAN, TODAY).items}
    assert "H-2025-0003" in {i.id for i in overdue(loaded, URBAN, dt.date(2025, 7, 19)).items}


@pytest.mark.parametrize(
    ("hazard", "to", "actor", "code"),
    [
        ("H-2025-0003", Status.RECTIFIED, URBAN, "skipped-step"),
        ("H-2025-0003", Status.CLOSED, URBAN, "skipped-step"),
        ("H-2025-0002", Status.RECTIFYING, URBAN, "no-change"),
        ("H-2025-0001", Status.RECTIFYING, URBAN, "reopen-without-reason"),
    ],
)
def test_refused_moves_write_nothing(
    loaded: Store,  # noqa: F811
    hazard: str,
    to: Status,
    actor: str,
    code: str,
) -> None:
    before = snapshot(loaded)
    with pytest.raises(LifecycleError) as caught:
        transition(loaded, hazard, to, actor=actor, at=at("2025-08-01"))
    assert code in {p.code for p in caught.value.problems}
    assert caught.value.results[0]["message_zh"]
    assert snapshot(loaded) == before


def _to_rectified(store: Store, hazard: str, actor: str) -> None:
    transition(store, hazard, Status.RECTIFIED, actor=actor, at=at("2025-08-01"))


@pytest.mark.parametrize(
    ("hazard", "reviewer", "allowed"),
    [
        ("H-2025-0002", URBAN, True),  # the sector's lead department
        ("H-2025-0002", QIAOCHENG_GOV, True),  # the region's government
        ("H-2025-0002", CITY_GOV, True),  # the government of the containing region
        ("H-2025-0002", EMERGENCY, False),  # leads other sectors, not this one
        ("H-2025-0002", EDUCATION, False),
        ("H-2024-0001", POLICE, True),  # joint lead
        ("H-2024-0001", TRANSPORT, True),  # joint lead
        ("H-2025-0005", MENGCHENG_GOV, True),  # unlisted sector: the government
        ("H-2025-0005", EMERGENCY, False),
    ],
)
def test_closing_needs_a_review_by_a_lead_or_the_government(
    loaded: Store,  # noqa: F811
    hazard: str,
    reviewer: str,
    allowed: bool,
) -> None:
    _to_rectified(loaded, hazard, URBAN)
    before = snapshot(loaded)
    if allowed:
        change = transition(loaded, hazard, "closed", actor=reviewer, at=at("2025-08-05"))
        assert change.actor == reviewer
        assert load_hazards(loaded, [hazard])[hazard].reviewed_by == reviewer
    else:
        with pytest.raises(LifecycleError) as caught:
            transition(loaded, hazard, "closed", actor=reviewer, at=at("2025-08-05"))
        problem = caught.value.problems[0]
        assert (problem.column, problem.code) == ("reviewed_by", "reviewer-not-responsible")
        assert snapshot(loaded) == before


def test_reopening_with_a_reason_clears_the_closing(loaded: Store) -> None:  # noqa: F811
    change = transition(
        loaded,
        "H-2025-0001",
        "rectifying",
        actor=URBAN,
        at=at("2025-09-01"),
        reason="复查发现阀门仍泄漏",
    )
    assert (change.from_status, change.reason) == (Status.CLOSED, "复查发现阀门仍泄漏")
    record = load_hazards(loaded, ["H-2025-0001"])["H-2025-0001"]
    assert record.closed_on is None and record.reviewed_by is None
    changes = history(loaded, "H-2025-0001")
    assert status_on(changes, dt.date(2025, 8, 1)) is Status.CLOSED
    assert status_on(changes, dt.date(2025, 9, 1)) is Status.RECTIFYING
    # the closing is withdrawn: overdue by DESIGN.md's definition from the deadline on,
    # including the days it was (wrongly) closed; its history still shows them
    assert "H-2025-0001" in {i.id for i in overdue(loaded, URBAN, TODAY).items}
    assert "H-2025-0001" in {i.id for i in overdue(loaded, URBAN, dt.date(2025, 8, 1)).items}


def test_dates_may_not_go_back_or_forward(loaded: Store) -> None:  # noqa: F811
    with pytest.raises(LifecycleError, match="before the last recorded change"):
        transition(loaded, "H-2025-0002", "rectified", actor=URBAN, at=at("2025-03-01", 0))
    with pytest.raises(LifecycleError, match="future"):
        transition(
            loaded,
            "H-2025-0002",
            "rectified",
            actor=URBAN,
            at=dt.datetime.now(TZ) + dt.timedelta(days=3),
        )


def test_unknown_hazard(loaded: Store) -> None:  # noqa: F811
    with pytest.raises(NotFound):
        transition(loaded, "H-1999-0001", "rectified", actor=URBAN)


def test_escalation_and_listing(loaded: Store) -> None:  # noqa: F811
    before = overdue(loaded, URBAN, TODAY)
    item = next(i for i in before.items if i.id == "H-2025-0002")
    assert item.escalation_due is Measure.EXPOSURE and item.action_needed
    assert department_hazard_counts(loaded, URBAN, TODAY)["escalation_due"] == 2
    record_escalation(loaded, "H-2025-0002", "曝光", dt.date(2025, 9, 1), by=QIAOCHENG_GOV)
    list_for_supervision(loaded, "H-2025-0002", QIAOCHENG_GOV, dt.date(2025, 9, 2))
    after = next(i for i in overdue(loaded, URBAN, TODAY).items if i.id == "H-2025-0002")
    assert after.escalation_taken is Measure.EXPOSURE and not after.action_needed
    assert (after.listed_by, after.listed_on) == (QIAOCHENG_GOV, dt.date(2025, 9, 2))
    assert department_hazard_counts(loaded, URBAN, TODAY)["escalation_due"] == 1
    # on a day before the exposure, it was still due
    assert department_hazard_counts(loaded, URBAN, dt.date(2025, 8, 31))["escalation_due"] == 2
    with pytest.raises(LifecycleError):
        record_escalation(loaded, "H-2025-0002", "函告", dt.date(2020, 1, 1))


def test_the_index_kept_up_to_date_equals_one_rebuilt_from_the_records(
    loaded: Store,  # noqa: F811
) -> None:
    from pyoxigraph import DefaultGraph

    from safetykg.registry.writer import rebuild_index

    transition(loaded, "H-2025-0002", "rectified", actor=URBAN, at=at("2025-08-01"))
    transition(loaded, "H-2025-0001", "rectifying", actor=URBAN, at=at("2025-08-02"), reason="复查")
    record_escalation(loaded, "H-2024-0001", "函告", dt.date(2025, 8, 3), by=TRANSPORT)

    def index_quads() -> set[str]:
        return {str(q) for q in loaded.quads_for_pattern(None, None, None, DefaultGraph())}

    incremental = index_quads()
    assert rebuild_index(loaded) == len(incremental)
    assert index_quads() == incremental
