"""``GET /api/lookup?q=``: who is responsible for what a person typed, in zh or en."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.indexes import LookupDep
from api.language import LangDep
from api.rest import JsonLdRoute, problems
from safetykg.lookup import KINDS, LookupAnswer

router = APIRouter(prefix="/api", tags=["lookup"], route_class=JsonLdRoute)


@router.get(
    "/lookup",
    summary="Find the sector(s) or department(s) a text names, and who is responsible",
    responses=problems(400),
)
async def lookup(  # answered from memory in about a millisecond: no thread hop
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description="What to look up, as people write it: 燃气, 城管局, 谁管燃气?, gas, "
            "coal mine, 城管局负责哪些领域?",
            examples=["谁管燃气?"],
        ),
    ],
    index: LookupDep,
    lang: LangDep,
    kind: Annotated[
        list[Literal["sector", "department", "region"]] | None,
        Query(description="Only these kinds (repeat the parameter); default all."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=50, description="Most candidates to list.")] = 5,
) -> LookupAnswer:
    """``match``: one clear answer in ``best`` with who leads (joint marked), who takes
    part and which tasks concern it, each with the plan's sentence. ``ambiguous``:
    ranked ``candidates`` with scores and their answers, no guess. ``none``:
    ``suggestions`` (edit distance, shared characters)."""
    return index.answer(q, lang, kinds=tuple(kind) if kind else KINDS, limit=limit)
