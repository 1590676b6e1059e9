"""``/api/stats`` and ``/api/goals``: the registry's figures, as of any date.

Statistics by region, sector, status and discovery channel (task 16: 分区域、分行业);
the plan's three headline goals with how far each is met. The figures are the
registry's (:mod:`safetykg.registry.answers`); the shaping is :mod:`safetykg.resources`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import StoreDep
from api.indexes import LookupDep
from api.language import LangDep
from api.rest import JsonLdRoute, PageDep, problems
from safetykg import resources as R
from safetykg.errors import BadParameter

router = APIRouter(prefix="/api", tags=["stats"], route_class=JsonLdRoute)

_DIMENSIONS = ("region", "sector", "status", "channel")
AsOf = Annotated[dt.date | None, Query(description="The day asked about (default today).")]


@router.get("/stats", summary="Hazards by region, sector, status, channel", responses=problems(400))
def statistics(
    store: StoreDep,
    index: LookupDep,
    lang: LangDep,
    as_of: AsOf = None,
    by: Annotated[
        str,
        Query(
            max_length=60,
            description="Comma-separated dimensions: region, sector, status, channel.",
            examples=["region,sector"],
        ),
    ] = "region,sector",
    major: Annotated[bool, Query(description="Only major hazards (重大事故隐患).")] = False,
) -> R.Statistics:
    """Counts of hazards found by `as_of`, with the status in force at the end of
    that day, grouped by the dimensions in `by`, largest first, with the total."""
    dims = [d.strip() for d in by.split(",") if d.strip()]
    unknown = [d for d in dims if d not in _DIMENSIONS]
    if unknown or not dims:
        raise BadParameter(
            f"by: {', '.join(unknown) or 'nothing'} is not a dimension; "
            f"use a comma-separated list of {', '.join(_DIMENSIONS)}."
        )
    return R.hazard_statistics(
        store,
        index.snapshot,
        lang,
        as_of=as_of or dt.date.today(),
        by=dims,  # type: ignore[arg-type]
        major_only=major,
    )


@router.get(
    "/goals", summary="The three headline goals and how far each is met", responses=problems(400)
)
def list_goals(
    store: StoreDep,
    lang: LangDep,
    page: PageDep,
    as_of: AsOf = None,
    plan: Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)] = None,
) -> R.Page[R.GoalStatus]:
    """Each goal with its deadline and the plan's sentence, and the registry's figures
    as of `as_of`: the 2023-and-earlier stock still open at the end of 2024 (goal 1),
    major hazards found per quarter of 2025 against 2024 (goal 2), open and overdue
    at each month end of 2026 (goal 3)."""
    plan_iri = R.resource_iri(plan, "plan", parameter="plan") if plan else None
    goals = R.goals_progress(store, lang, as_of=as_of or dt.date.today(), plan=plan_iri)
    return R.paginate(goals, page.limit, page.offset)


@router.get(
    "/goals/{plan}/{number}", summary="One goal and how far it is met", responses=problems(400, 404)
)
def goal_detail(
    plan: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)],
    number: Annotated[int, Path(ge=1, le=100)],
    store: StoreDep,
    lang: LangDep,
    as_of: AsOf = None,
) -> R.GoalStatus:
    """One headline goal with its deadline, sentence and figures as of `as_of`."""
    goal = R.resource_iri(f"{plan}/{number}", "goal")
    return R.goal_status(store, goal, lang, as_of=as_of or dt.date.today())
