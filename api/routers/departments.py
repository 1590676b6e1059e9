"""``/api/departments``: the departments of the plan and what each is responsible for."""

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

router = APIRouter(prefix="/api/departments", tags=["departments"], route_class=JsonLdRoute)


@router.get("", summary="List departments", responses=problems(400, 404))
def list_departments(
    index: LookupDep,
    lang: LangDep,
    page: PageDep,
    q: Annotated[
        str | None, Query(max_length=200, description="Labels or aliases like this (zh or en).")
    ] = None,
    leads: Annotated[
        str | None,
        Query(max_length=300, description="Only those leading this sector (id, IRI or label)."),
    ] = None,
    local_government: Annotated[
        bool | None, Query(description="Only local governments (true) or only departments (false).")
    ] = None,
    sort: Annotated[
        str | None,
        Query(
            max_length=40, description="id, label, sectors_led or tasks_named; '-' for descending."
        ),
    ] = None,
) -> R.Page[R.DepartmentSummary]:
    """Departments (and the local governments of the regions) with how many sectors
    each leads (joint ones counted) and how many tasks name it."""
    items = R.list_departments(
        index.snapshot,
        lang,
        only=index.matching(q, "department") if q else None,
        leads=NamedNode(index.resolve(leads, "sector", parameter="leads")) if leads else None,
        local_government=local_government,
    )
    return R.page_of(
        items,
        sort=sort,
        keys=R.SORTS["departments"],
        default="id",
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/{department:path}",
    summary="A department: what it leads, tasks, deadlines and hazards",
    responses=problems(400, 404),
)
def department_view(
    department: Annotated[
        str,
        Path(
            description="An id (bozhou/urban-management or urban-management), the IRI, "
            "or a zh/en label or alias (城管局, Urban Management Bureau).",
            examples=["bozhou/urban-management"],
        ),
    ],
    store: StoreDep,
    index: LookupDep,
    lang: LangDep,
    as_of: Annotated[
        dt.date | None,
        Query(description="Date to split deadlines and count hazards at (default today)."),
    ] = None,
) -> R.DepartmentView:
    """Sectors it leads (joint ones marked), tasks that name it and that concern its
    sectors, its deadlines on or after ``as_of`` and before, and its open, overdue and
    escalation-due hazards as of ``as_of`` — every fact with the plan's sentence."""
    iri = index.resolve(department, "department", parameter="department")
    return R.department_view(
        store, NamedNode(iri), lang, as_of=as_of or dt.date.today(), snapshot=index.snapshot
    )
