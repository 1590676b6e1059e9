"""The FastAPI application: settings, store, error handling and routers, assembled.

Nothing else happens here. Each router lives in ``api/routers/`` and makes one
library call per route; errors are turned into problem documents by
``api/problems.py``.

The store is opened once, at start-up, and kept on ``app.state.store``:
read-only unless the settings allow writes (a read-only handle lets
``safetykg query`` and other readers use the same store at the same time).
If there is no store yet the app still starts, ``/health`` answers 503 and
says to run ``safetykg build``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi.routing import APIRoute
from pyoxigraph import Store

from api import problems, response_cache, security
from api.routers import (
    departments,
    docs,
    enterprises,
    exports,
    hazards,
    health,
    linked_data,
    lookup,
    pages,
    plan,
    regions,
    sectors,
    sparql,
    stats,
    tasks,
)
from api.routers import queries as query_library
from safetykg import __version__
from safetykg.errors import StoreUnavailable
from safetykg.settings import Settings
from safetykg.store import connect

__all__ = ["create_app"]

ROUTE_THREADS = 4
"""Threads that run plain ``def`` routes at once (the rest wait their turn)."""

log = logging.getLogger(__name__)


def _operation_id(route: APIRoute) -> str:
    """Stable, readable OpenAPI operation ids: ``<tag>-<function>``."""
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> FastAPI:
    """Build the app. ``settings`` default to the environment (read here, once).

    Pass ``store`` to serve an already open store (tests do this with the
    session store); otherwise the store the settings name is opened when the
    app starts (:func:`safetykg.store.connect`: the embedded store under
    ``settings.data_dir``, or the SPARQL server of ``SAFETYKG_STORE``).
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Plain ``def`` routes run in anyio's thread pool (40 threads by default). Their work is
        # Python holding the GIL between store lookups, so 32 of them at once fight over it:
        # /api/hazards served 32 calls/s from 32 threads and 74 from 4. Fewer threads, more done.
        anyio.to_thread.current_default_thread_limiter().total_tokens = ROUTE_THREADS
        if store is None:
            try:
                app.state.store = connect(settings)
            except StoreUnavailable as exc:
                log.warning("starting without a store: %s", exc.detail)
                app.state.store_error = exc.detail
        yield
        app.state.store = None  # dropping the last reference closes RocksDB

    app = FastAPI(
        title="safetykg",
        summary="Knowledge graph and semantic query service for work-safety plans",
        version=__version__,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        docs_url=None,  # FastAPI's default pages load Swagger UI and ReDoc from a CDN;
        redoc_url=None,  # api/routers/docs.py serves Swagger UI from npm instead.
    )
    app.state.settings = settings
    app.state.store = store
    app.state.store_error = None
    problems.install(app)
    response_cache.install(app, settings)  # inside the security middleware: see there
    security.install(app, settings)

    # Requests are matched against the routes in this order, one by one (0.05 ms a route):
    # the busiest come first. None of them matches a path another router serves.
    app.include_router(sparql.router)
    app.include_router(lookup.router)
    app.include_router(health.router)
    app.include_router(docs.router)
    app.include_router(plan.router)
    app.include_router(tasks.router)
    app.include_router(departments.router)
    app.include_router(sectors.router)
    app.include_router(regions.router)
    app.include_router(linked_data.router)
    app.include_router(hazards.router)
    app.include_router(stats.router)
    app.include_router(enterprises.router)
    app.include_router(query_library.router)
    app.include_router(exports.router)
    app.include_router(pages.router)
    return app
