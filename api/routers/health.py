"""``GET /health``: is the store open, and how big is each named graph."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import StoreDep
from safetykg.store import graph_sizes

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    graphs: dict[str, int]
    """Triple count per named graph IRI."""


@router.get("/health", summary="Liveness, with the size of each named graph")
def health(store: StoreDep) -> Health:
    """200 with the graph sizes once the store is open; a 503 problem before."""
    return Health(graphs=graph_sizes(store))
