"""``/api/sectors``: the sectors (行业领域), who leads each and what the plan asks of it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pyoxigraph import NamedNode

from api.indexes import LookupDep
from api.language import LangDep
from api.rest import JsonLdRoute, PageDep, problems
from safetykg import resources as R

router = APIRouter(prefix="/api/sectors", tags=["sectors"], route_class=JsonLdRoute)


@router.get("", summary="List sectors with their lead departments", responses=problems(400, 404))
def list_sectors(
    index: LookupDep,
    lang: LangDep,
    page: PageDep,
    q: Annotated[
        str | None, Query(max_length=200, description="Labels or aliases like this (zh or en).")
    ] = None,
    lead: Annotated[
        str | None,
        Query(max_length=300, description="Only sectors this department leads (id, IRI or label)."),
    ] = None,
    high_risk: Annotated[bool | None, Query(description="Only high-risk sectors (高危).")] = None,
    has_lead: Annotated[
        bool | None,
        Query(description="false: only sectors the lead table does not list (三管三必须)."),
    ] = None,
    sort: Annotated[
        str | None, Query(max_length=40, description="id, label or leads; '-' for descending.")
    ] = None,
) -> R.Page[R.SectorSummary]:
    """Every sector with its lead department(s) (joint marked, with the sentence of
    the lead table) or, where the table lists none, the 三管三必须 fallback rule."""
    items = R.list_sectors(
        index.snapshot,
        lang,
        only=index.matching(q, "sector") if q else None,
        lead=NamedNode(index.resolve(lead, "department", parameter="lead")) if lead else None,
        high_risk=high_risk,
        has_lead=has_lead,
    )
    return R.page_of(
        items,
        sort=sort,
        keys=R.SORTS["sectors"],
        default="id",
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/{sector:path}",
    summary="A sector: who leads, who takes part, which tasks concern it",
    responses=problems(400, 404),
)
def sector_detail(
    sector: Annotated[
        str,
        Path(
            description="An id (urban-gas), the IRI, or a zh/en label or alias (燃气, gas).",
            examples=["urban-gas"],
        ),
    ],
    index: LookupDep,
    lang: LangDep,
) -> R.SectorProfile:
    """Lead department(s) (joint marked) or the fallback rule, the departments that
    take part, the tasks that concern the sector, and whether the plan calls it
    high-risk — each with the plan's sentence."""
    iri = index.resolve(sector, "sector", parameter="sector")
    return R.sector_detail(index.snapshot, NamedNode(iri), lang)
