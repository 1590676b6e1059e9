"""``GET /health``: is the store open, and how big is each named graph.

Counting every graph reads the whole store (seconds at a million hazards), and
load balancers probe often: the sizes are counted at most once every
:data:`MAX_AGE_S` seconds per store and shared in between, so they may lag a
write by that much.
"""

from __future__ import annotations

import threading
import time
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel

from api.deps import StoreDep
from safetykg.store import graph_sizes

router = APIRouter(tags=["health"])

MAX_AGE_S = 10.0
_counting = threading.Lock()


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    graphs: dict[str, int]
    """Triple count per named graph IRI (at most ten seconds old)."""


@router.get("/health", summary="Liveness, with the size of each named graph")
def health(request: Request, store: StoreDep) -> Health:
    """200 with the graph sizes once the store is open; a 503 problem before."""
    state = request.app.state
    with _counting:  # one count at a time; the others wait for it and share it
        cached = getattr(state, "health_sizes", None)
        now = time.monotonic()
        if cached is None or cached[0] is not store or now - cached[1] > MAX_AGE_S:
            cached = (store, now, graph_sizes(store))
            state.health_sizes = cached
    return Health(graphs=cached[2])
