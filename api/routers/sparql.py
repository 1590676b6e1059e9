"""``/sparql``: the SPARQL 1.1 Protocol for queries, read-only, with its query page.

Routes:

* ``GET /sparql?query=…`` and ``POST /sparql`` (``application/x-www-form-urlencoded``
  with ``query=``, or an ``application/sparql-query`` body), with
  ``default-graph-uri`` / ``named-graph-uri`` naming graphs of the store. The
  default graph is the union of the named graphs unless the request or the
  query (``FROM``) says otherwise. Our prefixes (``sk:``, ``id:`` …) are
  predeclared. SELECT/ASK answer in SPARQL JSON, XML, CSV or TSV, and
  CONSTRUCT/DESCRIBE in Turtle, N-Triples, JSON-LD or RDF/XML, chosen by
  ``Accept`` or by ``format=`` (see :mod:`api.negotiate`); 406 if none fits.
* ``GET /sparql`` without a query: the SPARQL Service Description (RDF), or the
  YASGUI query page for a browser (``Accept: text/html``).
* ``GET /sparql/examples``: the example queries the page offers (``queries/*.rq``).
* ``GET /sparql/assets/{name}``: the page's script and style, YASGUI from
  ``node_modules`` (``npm ci``), so the page loads nothing from elsewhere.
* ``GET /.well-known/void``: a VoID description with the size of each named graph.

Limits, so that one client cannot take the service from the others: a query
runs in a worker process for at most ``SAFETYKG_QUERY_TIMEOUT`` seconds (then
it is killed and the client gets a 503 problem), and at most
``SAFETYKG_ROW_LIMIT`` rows or triples are returned. Every query response says
``SafetyKG-Truncated: true|false`` and ``SafetyKG-Row-Limit: <n>``; a truncated
one also carries ``Warning: 199``. See :mod:`api.sparql_limits`. Over a SPARQL
server (``SAFETYKG_STORE=http://…``) the query runs in that server instead,
under the same time limit as its HTTP timeout (:mod:`api.remote_pool`).

Refused, with a problem document that says why: SPARQL Update in any form
(``update=``, ``application/sparql-update``; ``LOAD`` is an update) with 403 —
data changes go through the authenticated API; ``SERVICE``, and ``FROM`` or
dataset parameters naming graphs that are not in the store, with 400 — the
endpoint never opens a connection (see :mod:`api.sparql_guard`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from api.deps import SettingsDep
from api.negotiate import Form, NotAcceptable, choose, prefers_html
from api.remote_pool import RemoteQueryPool
from api.security import CSP_INLINE_STYLES
from api.sparql_description import service_description, to_bytes, void_description
from api.sparql_examples import load_examples
from api.sparql_guard import inspect_query
from api.sparql_limits import GraphSizesJob, QueryJob, QueryOutcome, QueryPool
from api.vendor import npm_file
from safetykg.errors import BadParameter, NotFound, WriteForbidden
from safetykg.namespaces import PREFIXES, sparql_prefixes
from safetykg.settings import Settings
from safetykg.store import store_path

__all__ = ["AnyQueryPool", "QueryPoolDep", "get_query_pool", "router"]

STATIC = Path(__file__).resolve().parents[1] / "static" / "sparql"

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"

DEFAULT_QUERY = """SELECT ?class (COUNT(?s) AS ?instances) WHERE {
  ?s a ?class .
}
GROUP BY ?class
ORDER BY DESC(?instances)
LIMIT 25
"""


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    pool = getattr(app.state, "sparql_pool", None)
    if pool is not None:
        pool.close()
        app.state.sparql_pool = None


router = APIRouter(tags=["sparql"], lifespan=_lifespan)

AnyQueryPool = QueryPool | RemoteQueryPool
"""What runs the endpoint's jobs: worker processes (embedded) or threads (SPARQL server)."""


async def get_query_pool(request: Request, settings: SettingsDep) -> AnyQueryPool:
    """The app's query runner, started on first use (async, so created once).

    Over a SPARQL server (``SAFETYKG_STORE=http://…``) queries go to that server
    (:class:`~api.remote_pool.RemoteQueryPool`); otherwise worker processes
    open the embedded store read-only (:class:`~api.sparql_limits.QueryPool`).
    """
    pool: AnyQueryPool | None = getattr(request.app.state, "sparql_pool", None)
    if pool is None:
        if settings.remote_store:
            pool = RemoteQueryPool.from_settings(settings)
        else:
            pool = QueryPool(store_path(settings.data_dir), timeout=settings.query_timeout)
        request.app.state.sparql_pool = pool
    return pool


QueryPoolDep = Annotated[AnyQueryPool, Depends(get_query_pool)]


# --------------------------------------------------------------------------- protocol


@dataclass(frozen=True)
class _Request:
    """The protocol parameters of one request, however they came."""

    queries: list[str]
    updates: list[str]
    default_graphs: list[str]
    named_graphs: list[str]
    formats: tuple[str, ...]


def _params(pairs: list[tuple[str, str]]) -> _Request:
    def values(name: str) -> list[str]:
        return [v for k, v in pairs if k == name]

    return _Request(
        queries=values("query"),
        updates=values("update") + values("using-graph-uri") + values("using-named-graph-uri"),
        default_graphs=values("default-graph-uri"),
        named_graphs=values("named-graph-uri"),
        formats=tuple(values("format")),
    )


def _refuse_updates(params: _Request) -> None:
    if params.updates:
        raise WriteForbidden(
            "This SPARQL endpoint is read-only: SPARQL Update (including LOAD) is not "
            "accepted here. Data changes go through the authenticated API (for hazard "
            "records, the import routes with a write token)."
        )


def _media_type(request: Request) -> tuple[str, dict[str, str]]:
    raw = request.headers.get("content-type", "")
    media, *params = (p.strip() for p in raw.split(";"))
    parsed = {}
    for param in params:
        name, _, value = param.partition("=")
        parsed[name.strip().lower()] = value.strip().strip('"')
    return media.lower(), parsed


def _decode(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadParameter(f"The {what} is not valid UTF-8 ({exc.reason}).") from exc


async def _post_params(request: Request) -> _Request:
    media, options = _media_type(request)
    url_pairs = list(request.query_params.multi_items())
    charset = options.get("charset", "utf-8").lower()
    if media == FORM:
        body = _decode(await request.body(), "form body")
        return _params(url_pairs + parse_qsl(body, keep_blank_values=True))
    if media == SPARQL_UPDATE:
        return _params(url_pairs + [("update", "")])  # refused unread, whatever it holds
    if media == SPARQL_QUERY:
        if charset not in ("utf-8", "utf8"):
            raise BadParameter(f"{media} must be sent as UTF-8, not {charset}.")
        text = _decode(await request.body(), f"{media} body")
        return _params(url_pairs + [("query", text)])
    raise BadParameter(
        f"POST a query as {FORM} (query=…) or as {SPARQL_QUERY}; "
        f"got Content-Type {media or '(none)'}."
    )


def _endpoint(request: Request) -> str:
    """The endpoint's absolute URL (the base IRI of every query). ``url_for`` walks every
    route of the app (0.7 ms a call): the path is looked up once per app and kept."""
    path = getattr(request.app.state, "sparql_path", None)
    if path is None:
        path = request.app.state.sparql_path = request.app.url_path_for("sparql")
    return str(path.make_absolute_url(request.base_url))


def _negotiable(request: Request, formats: tuple[str, ...]) -> None:
    """406 before running anything if neither a result set nor a graph could be sent."""
    accept = request.headers.get("accept")
    try:
        choose(accept, Form.RESULTS, formats)
        return
    except NotAcceptable as results:
        try:
            choose(accept, Form.GRAPH, formats)
        except NotAcceptable as graph:
            raise NotAcceptable(
                f"{results.detail} For CONSTRUCT/DESCRIBE: {graph.detail}"
            ) from None


def _outcome_response(outcome: QueryOutcome, row_limit: int, volatile: bool) -> Response:
    headers = {
        "Vary": "Accept",
        "SafetyKG-Truncated": "true" if outcome.truncated else "false",
        "SafetyKG-Row-Limit": str(row_limit),
    }
    if volatile:  # NOW(), RAND()…: no cache may give this answer again
        headers["Cache-Control"] = "no-store"
    if outcome.truncated:
        headers["Warning"] = (
            f'199 - "Only the first {row_limit} rows are returned; '
            'use LIMIT and OFFSET to page through the rest"'
        )
    return Response(outcome.body, media_type=outcome.content_type, headers=headers)


async def _answer(
    request: Request, params: _Request, pool: AnyQueryPool, settings: Settings
) -> Response:
    """The shared handler: one query, however it was sent."""
    _refuse_updates(params)
    if len(params.queries) > 1:
        raise BadParameter(f"Send exactly one query; this request has {len(params.queries)}.")
    if not params.queries:
        return await _describe(request, params, pool, settings)
    text = params.queries[0]
    if not text.strip():
        raise BadParameter("The query is empty.")
    _negotiable(request, params.formats)
    endpoint = _endpoint(request)
    shape = inspect_query(text, base_iri=endpoint, prefixes=PREFIXES)
    protocol_dataset = bool(params.default_graphs or params.named_graphs)
    job = QueryJob(
        query=text,
        base_iri=endpoint,
        prefixes=PREFIXES,
        default_graphs=tuple(params.default_graphs) if protocol_dataset else None,
        named_graphs=tuple(params.named_graphs) if protocol_dataset else None,
        from_graphs=shape.from_graphs,
        from_named=shape.from_named,
        accept=request.headers.get("accept"),
        formats=params.formats,
        row_limit=settings.row_limit,
    )
    outcome: QueryOutcome = await pool.run(job)
    return _outcome_response(outcome, settings.row_limit, shape.volatile)


async def _describe(
    request: Request, params: _Request, pool: AnyQueryPool, settings: Settings
) -> Response:
    """GET without a query: the page for a browser, else the service description."""
    accept = request.headers.get("accept")
    if not params.formats and prefers_html(accept):
        pool.warm_up()  # the page's first query should not wait for the workers to start
        page = _page(_endpoint(request), str(request.url_for("sparql_examples")))
        return HTMLResponse(
            page, headers={"Vary": "Accept", "Content-Security-Policy": CSP_INLINE_STYLES}
        )
    chosen = choose(accept, Form.GRAPH, params.formats)
    sizes = await pool.run(GraphSizesJob())
    graph = service_description(
        _endpoint(request), sizes, timeout=settings.query_timeout, row_limit=settings.row_limit
    )
    return Response(
        to_bytes(graph, chosen.format), media_type=chosen.media_type, headers={"Vary": "Accept"}
    )


_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Query results (SELECT/ASK: SPARQL JSON, XML, CSV, TSV; "
        "CONSTRUCT/DESCRIBE: Turtle, N-Triples, JSON-LD, RDF/XML), the service "
        "description, or the query page",
        "content": {
            "application/sparql-results+json": {},
            "application/sparql-results+xml": {},
            "text/csv": {},
            "text/tab-separated-values": {},
            "text/turtle": {},
            "application/ld+json": {},
            "text/html": {},
        },
    },
    400: {"description": "Bad query, bad parameters, SERVICE, or a graph not in the store"},
    403: {"description": "SPARQL Update is refused on this endpoint"},
    406: {"description": "No acceptable format for this answer"},
    503: {"description": "The query ran longer than the time limit"},
}


@router.get("/sparql", name="sparql", summary="SPARQL 1.1 query (GET)", responses=_RESPONSES)
async def sparql_get(
    request: Request,
    pool: QueryPoolDep,
    settings: SettingsDep,
    query: Annotated[list[str] | None, Query(description="The SPARQL query")] = None,
    default_graph_uri: Annotated[
        list[str] | None, Query(alias="default-graph-uri", description="Graphs merged as default")
    ] = None,
    named_graph_uri: Annotated[
        list[str] | None, Query(alias="named-graph-uri", description="Graphs for GRAPH ?g")
    ] = None,
    format: Annotated[
        str | None, Query(description="Result format, overriding Accept (json, csv, turtle, …)")
    ] = None,
) -> Response:
    """Run the ``query`` parameter; without one, describe the service (or show the page)."""
    return await _answer(request, _params(list(request.query_params.multi_items())), pool, settings)


@router.post(
    "/sparql",
    name="sparql_post",
    summary="SPARQL 1.1 query (POST, form-encoded or application/sparql-query)",
    responses=_RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                FORM: {"schema": {"type": "object", "properties": {"query": {"type": "string"}}}},
                SPARQL_QUERY: {"schema": {"type": "string"}},
            },
        }
    },
)
async def sparql_post(request: Request, pool: QueryPoolDep, settings: SettingsDep) -> Response:
    """Run a query sent in the request body."""
    return await _answer(request, await _post_params(request), pool, settings)


# --------------------------------------------------------------------------- VoID


@router.get(
    "/.well-known/void",
    name="void",
    summary="VoID description of the dataset, with the size of each named graph",
    responses={200: {"content": {"text/turtle": {}, "application/ld+json": {}}}},
)
async def void(
    request: Request,
    pool: QueryPoolDep,
    format: Annotated[str | None, Query(description="turtle, jsonld, ntriples, rdfxml")] = None,
) -> Response:
    """The dataset, its SPARQL endpoint, vocabulary, and triples per named graph."""
    chosen = choose(request.headers.get("accept"), Form.GRAPH, [format] if format else ())
    sizes = await pool.run(GraphSizesJob())
    graph = void_description(str(request.url_for("void")), _endpoint(request), sizes)
    return Response(
        to_bytes(graph, chosen.format), media_type=chosen.media_type, headers={"Vary": "Accept"}
    )


# --------------------------------------------------------------------------- the page


@router.get("/sparql/examples", name="sparql_examples", summary="Example queries for the page")
def sparql_examples(settings: SettingsDep) -> JSONResponse:
    """The queries of ``queries/*.rq`` with their titles, for the page's example list."""
    examples = load_examples(Path(settings.project_root) / "queries")
    return JSONResponse([e.as_json() for e in examples])


@dataclass(frozen=True)
class _Asset:
    path: str
    media_type: str
    from_npm: bool = False


_ASSETS = {
    "yasgui.min.js": _Asset("@zazuko/yasgui/build/yasgui.min.js", "text/javascript", True),
    "yasgui.min.js.map": _Asset("@zazuko/yasgui/build/yasgui.min.js.map", "application/json", True),
    "yasgui.min.css": _Asset("@zazuko/yasgui/build/yasgui.min.css", "text/css", True),
    "sparql.js": _Asset("sparql.js", "text/javascript"),
    "sparql.css": _Asset("sparql.css", "text/css"),
}


@router.get("/sparql/assets/{name}", name="sparql_asset", include_in_schema=False)
def sparql_asset(name: str, settings: SettingsDep) -> FileResponse:
    """A file of the query page: ours from ``api/static/sparql``, YASGUI from npm."""
    asset = _ASSETS.get(name)
    if asset is None:
        raise NotFound(f"No asset {name!r} here.")
    if asset.from_npm:
        path = npm_file(Path(settings.project_root), asset.path)
    else:
        path = STATIC / asset.path
    return FileResponse(
        path, media_type=asset.media_type, headers={"Cache-Control": "public, max-age=3600"}
    )


@lru_cache(maxsize=1)
def _template() -> str:
    return (STATIC / "index.html").read_text(encoding="utf-8")


def _page(endpoint: str, examples: str) -> str:
    config = {
        "endpoint": endpoint,
        "examples": examples,
        "defaultQuery": sparql_prefixes() + "\n" + DEFAULT_QUERY,
        "prefixes": PREFIXES,
    }
    # Inside <script type="application/json">: only "</" could end the element early.
    blob = json.dumps(config, ensure_ascii=False).replace("</", "<\\/")
    return _template().replace("__SAFETYKG_CONFIG__", blob)
