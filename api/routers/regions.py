"""``/api/regions``: the counties, districts and parks (reference data, not from the plan)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pyoxigraph import NamedNode

from api.indexes import LookupDep
from api.language import LangDep
from api.rest import JsonLdRoute, PageDep, problems
from safetykg import resources as R

router = APIRouter(prefix="/api/regions", tags=["regions"], route_class=JsonLdRoute)


@router.get("", summary="List regions", responses=problems(400))
def list_regions(
    index: LookupDep,
    lang: LangDep,
    page: PageDep,
    sort: Annotated[
        str | None, Query(max_length=40, description="code, id or label; '-' for descending.")
    ] = None,
) -> R.Page[R.RegionItem]:
    """The city, its counties and district, and the two parks the plan addresses, with
    their GB/T 2260 codes and governments. These facts are reference data: each item's
    ``note`` says where they come from."""
    return R.page_of(
        R.list_regions(index.snapshot, lang),
        sort=sort,
        keys=R.SORTS["regions"],
        default="code",
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{region:path}", summary="A region and its government", responses=problems(400, 404))
def region_detail(
    region: Annotated[
        str, Path(description="An id (guoyang), the IRI, or a label (涡阳县, Guoyang County).")
    ],
    index: LookupDep,
    lang: LangDep,
) -> R.RegionProfile:
    """The region, the government or management committee of it, and the region it is part of."""
    iri = index.resolve(region, "region", parameter="region")
    return R.region_detail(index.snapshot, NamedNode(iri), lang)
