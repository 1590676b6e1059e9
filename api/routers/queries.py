"""``/queries``: the query library over HTTP — list the named queries, run one by name.

Routes:

* ``GET /queries``: every query of ``queries/*.rq`` with its header as JSON —
  name, title, the question in Chinese and English, the query form and the
  parameters (name, type, required, default, list) — plus the URL that runs it.
* ``GET /queries/{name}?param=…``: run one. Each declared parameter is a
  query-string parameter of the same name (``?by=2024-12-31``, ``?dept=`` the
  department's full IRI); a list parameter is repeated. ``limit`` and ``offset``
  page through the rows. The answer is negotiated exactly as on ``/sparql``
  (:mod:`api.negotiate`): SELECT/ASK as SPARQL JSON, XML, CSV or TSV,
  CONSTRUCT/DESCRIBE as Turtle, N-Triples, JSON-LD or RDF/XML, by ``Accept`` or
  ``format=``; 406 when nothing fits.

Values are never pasted into query text: :mod:`safetykg.queries` turns each one
into a typed RDF term (an IRI under our namespaces, an ``xsd:date`` …) and binds
it with pyoxigraph ``substitutions``, so a bad value is a 400 problem naming the
parameter, and a value full of quotes and braces is just a string that matches
nothing. Reading the headers, checking and binding are the library's; this
router only maps HTTP onto it and lets pyoxigraph write the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.deps import StoreDep
from api.negotiate import Form, choose
from safetykg.errors import BadParameter
from safetykg.queries import NamedQuery, QueryLibrary, default_library

__all__ = ["QueriesDep", "QueryInfo", "QueryParamInfo", "get_query_library", "router"]

router = APIRouter(prefix="/queries", tags=["queries"])

RESERVED = frozenset({"format", "limit", "offset"})
"""Query-string names that steer the answer rather than bind a parameter."""

_GRAPH_FORMS = frozenset({"CONSTRUCT", "DESCRIBE"})


async def get_query_library() -> QueryLibrary:
    """The repository's query library, loaded (and every file checked) once per process."""
    return default_library()


QueriesDep = Annotated[QueryLibrary, Depends(get_query_library)]


class QueryParamInfo(BaseModel):
    """One parameter of a named query, as its header declares it."""

    name: str = Field(description="the variable name, without '?'", examples=["dept"])
    type: str = Field(
        description="'IRI' (after its class), or an XSD datatype", examples=["xsd:date"]
    )
    required: bool
    default: str | None = Field(description="the default as written ('today' = current date)")
    list: bool = Field(description="true: repeat the parameter to give several values")


class QueryInfo(BaseModel):
    """One named query: what it asks and how to call it."""

    name: str = Field(examples=["sector-lead-departments"])
    title: str
    zh: str = Field(description="the question it answers, in Chinese")
    en: str = Field(description="the question it answers, in English")
    form: str = Field(description="SELECT, ASK, CONSTRUCT or DESCRIBE")
    params: list[QueryParamInfo]
    url: str = Field(description="where to run it (add the parameters to the query string)")


@router.get("", summary="The named queries, with their questions and parameters")
def list_queries(request: Request, library: QueriesDep) -> list[QueryInfo]:
    """Every query of the library, by name, with the header of its file."""
    return [
        QueryInfo(**library[name].describe(), url=str(request.url_for("run_query", name=name)))
        for name in library
    ]


_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The answer, in the negotiated format",
        "content": {
            "application/sparql-results+json": {},
            "application/sparql-results+xml": {},
            "text/csv": {},
            "text/tab-separated-values": {},
            "text/turtle": {},
            "application/ld+json": {},
        },
    },
    400: {"description": "A parameter is missing, unknown, or not of its type"},
    404: {"description": "No query by that name"},
    406: {"description": "No acceptable format for this answer"},
}


@router.get(
    "/{name}",
    name="run_query",
    summary="Run a named query with its parameters bound as RDF terms",
    responses=_RESPONSES,
)
def run_query(
    name: str,
    request: Request,
    store: StoreDep,
    library: QueriesDep,
    format: Annotated[
        str | None, Query(description="Result format, overriding Accept (json, csv, turtle, …)")
    ] = None,
    limit: Annotated[int | None, Query(ge=0, description="At most this many rows")] = None,
    offset: Annotated[int | None, Query(ge=0, description="Skip this many rows first")] = None,
) -> Response:
    """Run ``name``; its parameters are the other query-string parameters."""
    named = library.get(name)
    values = parameter_values(named, request.query_params)
    form = Form.GRAPH if named.form in _GRAPH_FORMS else Form.RESULTS
    chosen = choose(request.headers.get("accept"), form, format)
    result = named.run(store, values, limit=limit, offset=offset)
    return Response(
        result.serialize(format=chosen.format),  # type: ignore[arg-type]
        media_type=chosen.media_type,
        headers={"Vary": "Accept"},
    )


def parameter_values(named: NamedQuery, query_params: Any) -> dict[str, Any]:
    """The query string as the library's ``values``: one string per parameter, a
    list for a list parameter. Names the query does not declare are left in, so
    that the library refuses them by name (:class:`BadParameter`).

    >>> from safetykg.queries import QueryLibrary
    >>> lib = QueryLibrary.from_texts({"q": '''# title: q
    ... # zh: 问？
    ... # en: Ask?
    ... # param: ?by xsd:date (default: today)
    ... SELECT ?by WHERE { }'''})
    >>> parameter_values(lib["q"], {"by": "2024-12-31", "format": "csv"})
    {'by': '2024-12-31'}
    """
    lists = {p.name for p in named.params if p.is_list}
    values: dict[str, Any] = {}
    for key in _keys(query_params):
        if key in RESERVED:
            continue
        given = _all(query_params, key)
        if key in lists:
            values[key] = given
        elif len(given) > 1:
            raise BadParameter(f"?{key} takes one value; this request gives {len(given)}.")
        else:
            values[key] = given[0]
    return values


def _keys(params: Mapping[str, Any]) -> list[str]:
    return list(dict.fromkeys(params.keys()))


def _all(params: Any, key: str) -> list[str]:
    getlist = getattr(params, "getlist", None)
    return list(getlist(key)) if getlist else [params[key]]
