"""``/api/plans``, ``/api/actions``, ``/api/phases``, ``/api/deadlines``: the plan's structure."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pyoxigraph import NamedNode

from api.deps import StoreDep
from api.language import LangDep
from api.rest import JsonLdRoute, PageDep, problems
from safetykg import resources as R

router = APIRouter(prefix="/api", tags=["plan"], route_class=JsonLdRoute)

PlanId = Annotated[
    str,
    Path(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80, description="Plan id, e.g. bozhou-2024."),
]
PlanFilter = Annotated[
    str | None,
    Query(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80, description="Only this plan's."),
]
Number = Annotated[int, Path(ge=1, le=10_000, description="The ordinal number in the plan.")]
Sort = Annotated[str | None, Query(max_length=40, description="Sort key; '-' for descending.")]


def _plan(plan: str | None) -> NamedNode | None:
    return R.resource_iri(plan, "plan", parameter="plan") if plan else None


@router.get("/plans", summary="List plans", responses=problems(400))
def list_plans(
    store: StoreDep, lang: LangDep, page: PageDep, sort: Sort = None
) -> R.Page[R.PlanSummary]:
    """Every plan in the store with its dates, issuer and size (sort: id, issued_on)."""
    return R.page_of(
        R.list_plans(store, lang),
        sort=sort,
        keys=R.SORTS["plans"],
        default="id",
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/plans/{plan}", summary="A plan and its parts", responses=problems(400, 404))
def plan_detail(plan: PlanId, store: StoreDep, lang: LangDep) -> R.PlanDetail:
    """Title, issuer, dates, recipients, actions, goals, phases, the rules it states
    and its frequency requirements, with the sentences that state them."""
    return R.plan_detail(store, R.resource_iri(plan, "plan", parameter="plan"), lang)


@router.get("/actions", summary="List actions (十大行动)", responses=problems(400))
def list_actions(
    store: StoreDep, lang: LangDep, page: PageDep, plan: PlanFilter = None, sort: Sort = None
) -> R.Page[R.ActionItem]:
    """The actions of the plan(s), each with its heading as quoted (sort: number)."""
    return R.page_of(
        R.list_actions(store, lang, plan=_plan(plan)),
        sort=sort,
        keys=R.SORTS["actions"],
        default="number",
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/actions/{plan}/{number}", summary="An action and its tasks", responses=problems(400, 404)
)
def action_detail(plan: PlanId, number: Number, store: StoreDep, lang: LangDep) -> R.ActionDetail:
    """One action with its tasks."""
    return R.action_detail(store, R.resource_iri(f"{plan}/{number}", "action"), lang)


@router.get("/phases", summary="List phases (阶段)", responses=problems(400))
def list_phases(
    store: StoreDep,
    lang: LangDep,
    page: PageDep,
    plan: PlanFilter = None,
    on: Annotated[dt.date | None, Query(description="Only the phase containing this day.")] = None,
    sort: Sort = None,
) -> R.Page[R.PhaseItem]:
    """The phases with their start and end dates and their own deadlines
    (sort: number, start_date)."""
    return R.page_of(
        R.list_phases(store, lang, plan=_plan(plan), on=on),
        sort=sort,
        keys=R.SORTS["phases"],
        default="number",
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/phases/{plan}/{number}", summary="A phase", responses=problems(400, 404))
def phase_detail(plan: PlanId, number: Number, store: StoreDep, lang: LangDep) -> R.PhaseItem:
    """One phase with its dates, full text and deadlines."""
    return R.phase_detail(store, R.resource_iri(f"{plan}/{number}", "phase"), lang)


@router.get("/deadlines", summary="List deadlines", responses=problems(400))
def list_deadlines(
    store: StoreDep,
    lang: LangDep,
    page: PageDep,
    plan: PlanFilter = None,
    after: Annotated[dt.date | None, Query(description="Due on or after this day.")] = None,
    before: Annotated[dt.date | None, Query(description="Due on or before this day.")] = None,
    owner: Annotated[
        Literal["task", "goal", "phase", "plan"] | None,
        Query(description="Only deadlines of tasks, goals, phases or the plan itself."),
    ] = None,
    sort: Sort = None,
) -> R.Page[R.DeadlineItem]:
    """Every time limit of the plan: due date (``inferred`` where the text leaves the
    day or year out), the expression as written, the clause it governs and the
    sentence (sort: due_date, id)."""
    items = R.list_deadlines(
        store, lang, plan=_plan(plan), after=after, before=before, owner_kind=owner
    )
    return R.page_of(
        items,
        sort=sort,
        keys=R.SORTS["deadlines"],
        default="due_date",
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/deadlines/{plan}/{key}", summary="A deadline", responses=problems(400, 404))
def deadline_detail(
    plan: PlanId,
    key: Annotated[
        str,
        Path(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80, description="e.g. task-17-1"),
    ],
    store: StoreDep,
    lang: LangDep,
) -> R.DeadlineItem:
    """One deadline."""
    return R.deadline_detail(store, R.resource_iri(f"{plan}/{key}", "deadline"), lang)
