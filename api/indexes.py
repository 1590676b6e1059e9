"""``LookupDep`` and ``SnapshotDep``: the in-memory lookup index kept next to the store.

The plan's responsibility facts and the alias index
(:class:`safetykg.lookup.LookupIndex`, holding a
:class:`safetykg.resources.Snapshot`) are read from the store once, on the
first request that needs them (a few hundred milliseconds), and kept on
``app.state`` for every request after; ``/api/lookup`` and the department
view then answer from memory, and the write routes validate against its
:attr:`~safetykg.resources.Snapshot.reference`. They are rebuilt when the app
is given another store (a rebuild); hazard and enterprise writes do not change
what they hold.

Tests swap the index like any dependency:
``app.dependency_overrides[get_lookup] = lambda: index``.
"""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import Depends, Request
from pyoxigraph import Store
from starlette.concurrency import run_in_threadpool

from api.deps import StoreDep
from safetykg.lookup import LookupIndex
from safetykg.resources import Snapshot

__all__ = ["LookupDep", "SnapshotDep", "get_lookup", "get_snapshot"]

_building = threading.Lock()


async def get_lookup(request: Request, store: StoreDep) -> LookupIndex:
    """The lookup index of the app's current store, built on first use (in the thread pool:
    reading the store takes a moment, and the event loop must not wait for it)."""
    state = request.app.state
    index: LookupIndex | None = getattr(state, "lookup_index", None)
    if index is not None and getattr(state, "lookup_store_id", None) == id(store):
        return index
    return await run_in_threadpool(_build, state, store)


def _build(state: Any, store: Store) -> LookupIndex:
    with _building:
        index = getattr(state, "lookup_index", None)
        if index is None or getattr(state, "lookup_store_id", None) != id(store):
            index = LookupIndex.build(store)
            state.lookup_index = index
            state.lookup_store_id = id(store)
    return index  # type: ignore[no-any-return]


LookupDep = Annotated[LookupIndex, Depends(get_lookup)]


async def get_snapshot(index: LookupDep) -> Snapshot:
    """The responsibility snapshot the lookup index answers from."""
    return index.snapshot


SnapshotDep = Annotated[Snapshot, Depends(get_snapshot)]
