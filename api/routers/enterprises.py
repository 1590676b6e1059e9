"""``/api/enterprises``: the units (生产经营单位) the hazard registry holds records of."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pyoxigraph import NamedNode

from api.deps import StoreDep
from api.indexes import LookupDep
from api.language import LangDep
from api.rest import JsonLdRoute, PageDep, problems
from safetykg import resources as R

router = APIRouter(prefix="/api/enterprises", tags=["enterprises"], route_class=JsonLdRoute)


@router.get("", summary="List enterprises", responses=problems(400, 404))
def list_enterprises(
    store: StoreDep,
    index: LookupDep,
    lang: LangDep,
    page: PageDep,
    sector: Annotated[
        str | None, Query(max_length=300, description="Sector (id, IRI or label).")
    ] = None,
    region: Annotated[
        str | None,
        Query(max_length=300, description="Region, with the regions inside it (id or label)."),
    ] = None,
    q: Annotated[str | None, Query(max_length=100, description="Part of the name.")] = None,
) -> R.Page[R.EnterpriseItem]:
    """Enterprises by credit code, with their sectors, region and hazard counts."""
    return R.list_enterprises(
        store,
        index.snapshot,
        lang,
        sector=NamedNode(index.resolve(sector, "sector", parameter="sector")) if sector else None,
        region=NamedNode(index.resolve(region, "region", parameter="region")) if region else None,
        q=q,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{code}", summary="An enterprise", responses=problems(400, 404))
def enterprise_detail(
    code: Annotated[
        str,
        Path(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$", description="Unified social credit code"),
    ],
    store: StoreDep,
    index: LookupDep,
    lang: LangDep,
) -> R.EnterpriseDetail:
    """One enterprise: name, sectors (high-risk marked), region, principal, actual
    controller and how many hazards it has."""
    return R.enterprise_detail(store, index.snapshot, code, lang)
