"""``/api/tasks``: the 34 numbered tasks, what each names and by when."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pyoxigraph import NamedNode

from api.deps import StoreDep
from api.indexes import LookupDep
from api.language import LangDep
from api.rest import JsonLdRoute, PageDep, problems
from safetykg import resources as R
from safetykg.errors import BadParameter

router = APIRouter(prefix="/api/tasks", tags=["tasks"], route_class=JsonLdRoute)

_SLUG = r"^[a-z0-9][a-z0-9-]*$"


@router.get("", summary="List tasks", responses=problems(400, 404))
def list_tasks(
    store: StoreDep,
    index: LookupDep,
    lang: LangDep,
    page: PageDep,
    plan: Annotated[str | None, Query(pattern=_SLUG, max_length=80)] = None,
    action: Annotated[
        int | None, Query(ge=1, le=1000, description="Only tasks of this action (its number).")
    ] = None,
    sector: Annotated[
        str | None,
        Query(max_length=300, description="Only tasks concerning this sector (id, IRI or label)."),
    ] = None,
    department: Annotated[
        str | None,
        Query(max_length=300, description="Only tasks naming this department (id, IRI or label)."),
    ] = None,
    due_after: Annotated[
        dt.date | None, Query(description="Only tasks with a deadline on or after this day.")
    ] = None,
    due_before: Annotated[
        dt.date | None, Query(description="Only tasks with a deadline on or before this day.")
    ] = None,
    period: Annotated[
        str | None,
        Query(
            pattern=r"^P[0-9]+[DWMY]$",
            description="Only tasks with a frequency of this "
            "period: P1M monthly, P3M quarterly, P6M half-yearly, P1Y yearly.",
        ),
    ] = None,
    sort: Annotated[
        str | None, Query(max_length=40, description="number, due or label; '-' for descending.")
    ] = None,
) -> R.Page[R.TaskSummary]:
    """Tasks with their action, the sectors and departments they name, due dates and
    frequency periods, and their text as quoted."""
    plan_iri = R.resource_iri(plan, "plan", parameter="plan") if plan else None
    action_iri = None
    if action is not None:
        if plan is None:
            raise BadParameter("action: give plan= too (an action number is per plan).")
        action_iri = R.resource_iri(f"{plan}/{action}", "action", parameter="action")
    items = R.list_tasks(
        store,
        lang,
        plan=plan_iri,
        action=action_iri,
        sector=NamedNode(index.resolve(sector, "sector", parameter="sector")) if sector else None,
        department=NamedNode(index.resolve(department, "department", parameter="department"))
        if department
        else None,
        due_after=due_after,
        due_before=due_before,
        period=period,
    )
    return R.page_of(
        items,
        sort=sort,
        keys=R.SORTS["tasks"],
        default="number",
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{plan}/{number}", summary="A task", responses=problems(400, 404))
def task_detail(
    plan: Annotated[str, Path(pattern=_SLUG, max_length=80, description="e.g. bozhou-2024")],
    number: Annotated[int, Path(ge=1, le=10_000, description="The task number, e.g. 17")],
    store: StoreDep,
    lang: LangDep,
) -> R.TaskDetail:
    """Full text, action, deadlines, frequencies, and every sector, department,
    rule, escalation measure and discovery channel it names, with the sentence."""
    return R.task_detail(store, R.resource_iri(f"{plan}/{number}", "task"), lang)
