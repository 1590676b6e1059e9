"""The hazard registry of tasks 16–17: enterprises, hazards, their lifecycle, and the answers.

The plan orders a database of major accident hazards: every channel pooled,
each hazard kept on a list until it is rectified and closed after review by
the responsible department, statistics by region and sector, escalation when
rectification is slow, and three goals to measure progress by. This package
keeps that database in the graph (``graph/hazards``) so that the plan's rules
(who leads which sector, who governs which region) answer questions about
real records.

Modules, each owning one job:

==================  ===========================================================
``creditcode``      GB 32100-2015 check character of credit codes
``vocabulary``      statuses, channels, escalation measures, the ladder
``values``          reading one cell (dates, yes/no, codes), refusals in zh/en
``records``         the typed records and the triples each becomes
``reference``       sectors, regions, departments from the graph; the
                    responsibility rules and the 三管三必须 fallback
``lifecycle``       allowed status changes, closing review, reopening
``index``           the access paths for "as of day D" (the default graph)
``writer``          writing a batch (one transaction, or the bulk loader)
``stored``          reading records back from the store
``ingest``          ``safetykg ingest``: CSV/JSON/Turtle in, all or nothing
``answers``         responsibility, overdue, statistics, goals
``generate``        ``safetykg generate``: synthetic registries
==================  ===========================================================
"""

from __future__ import annotations

from safetykg.registry.answers import (
    GoalProgress,
    OverdueItem,
    OverduePage,
    Party,
    Responsibility,
    StatisticsRow,
    department_hazard_counts,
    goal_progress,
    overdue,
    responsibility,
    statistics,
)
from safetykg.registry.generate import GenerateReport, generate
from safetykg.registry.ingest import COLUMNS, IngestReport, ingest, ingest_text
from safetykg.registry.lifecycle import (
    LifecycleError,
    list_for_supervision,
    record_escalation,
    status_on,
    transition,
)
from safetykg.registry.records import EnterpriseRecord, HazardRecord, StatusChangeRecord
from safetykg.registry.vocabulary import Channel, Measure, Status, step_due
from safetykg.registry.writer import rebuild_index

__all__ = [
    "COLUMNS",
    "Channel",
    "EnterpriseRecord",
    "GenerateReport",
    "GoalProgress",
    "HazardRecord",
    "IngestReport",
    "LifecycleError",
    "Measure",
    "OverdueItem",
    "OverduePage",
    "Party",
    "Responsibility",
    "StatisticsRow",
    "Status",
    "StatusChangeRecord",
    "department_hazard_counts",
    "generate",
    "goal_progress",
    "ingest",
    "ingest_text",
    "list_for_supervision",
    "overdue",
    "rebuild_index",
    "record_escalation",
    "responsibility",
    "statistics",
    "status_on",
    "step_due",
    "transition",
]
