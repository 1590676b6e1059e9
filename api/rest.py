"""Conventions every REST router under ``/api`` shares, written once.

- :class:`Problem` and :func:`problems`: the ``application/problem+json``
  error documents a route can answer, declared in OpenAPI (the documents
  themselves are written by :mod:`api.problems`);
- :data:`PageDep`: ``limit`` (default ``SAFETYKG_PAGE_SIZE``) and ``offset``;
- :class:`JsonLdRoute`: every JSON answer is also JSON-LD. It carries a
  ``Link`` header to the local context (``/api/context.jsonld``, JSON-LD 1.1
  §6.1), and a client that prefers ``application/ld+json`` gets the same body
  with ``"@context"`` in it and that media type.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from api.deps import SettingsDep
from api.negotiate import parse_accept

__all__ = [
    "CONTEXT_PATH",
    "JSON_LD",
    "JsonLdRoute",
    "PageDep",
    "PageParams",
    "Problem",
    "problems",
    "wants_json_ld",
]

CONTEXT_PATH = "/api/context.jsonld"
JSON_LD = "application/ld+json"
_CONTEXT_LINK = f'<{CONTEXT_PATH}>; rel="http://www.w3.org/ns/json-ld#context"; type="{JSON_LD}"'
MAX_LIMIT = 1000


class Problem(BaseModel):
    """An error (RFC 9457): what went wrong and what to do about it."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="problem type URI, stable per kind of error")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


_MEANING = {
    400: "A parameter is missing, malformed or out of range (the detail names it).",
    401: "Authentication is needed.",
    403: "Writes need `Authorization: Bearer <token>` (or are switched off).",
    404: "No such resource; `suggestions` lists near misses where there are any.",
    406: "None of the accepted media types can be written.",
    413: "The upload is larger than the configured limit.",
    422: "The data did not pass validation; `errors` lists each problem.",
    503: "The store is not available.",
}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the problem documents a route may answer (503 always)."""
    return {
        code: {
            "model": Problem,
            "description": _MEANING.get(code, "Error"),
            "content": {"application/problem+json": {}},
        }
        for code in sorted({*codes, 503})
    }


@dataclass(frozen=True)
class PageParams:
    """Which slice of a list to return."""

    limit: int
    offset: int


async def page_params(
    settings: SettingsDep,
    limit: Annotated[
        int | None,
        Query(ge=0, le=MAX_LIMIT, description="Items per page (default: the service's page size)."),
    ] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000, description="Items to skip.")] = 0,
) -> PageParams:
    return PageParams(limit=settings.page_size if limit is None else limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]


def wants_json_ld(accept: str | None) -> bool:
    """True when the client ranks ``application/ld+json`` above plain JSON.

    >>> wants_json_ld("application/ld+json"), wants_json_ld("application/json, */*")
    (True, False)
    >>> wants_json_ld(None)
    False
    """
    if not accept:
        return False
    best: dict[str, tuple[int, float]] = {}
    for r in parse_accept(accept):
        for media in (JSON_LD, "application/json"):
            if r.matches(media):
                specificity = (r.type != "*") + (r.subtype != "*")
                if media not in best or specificity > best[media][0]:
                    best[media] = (specificity, r.q)
    ld = best.get(JSON_LD, (0, 0.0))[1]
    plain = best.get("application/json", (0, 0.0))[1]
    return ld > 0 and (
        ld > plain or best.get(JSON_LD, (0, 0))[0] > best.get("application/json", (0, 0))[0]
    )


class JsonLdRoute(APIRoute):
    """A route whose JSON answers are JSON-LD too (see the module docstring)."""

    def get_route_handler(self):  # type: ignore[no-untyped-def]
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            response = await handler(request)
            if response.media_type != "application/json" or response.status_code >= 300:
                return response
            response.headers["Link"] = _CONTEXT_LINK
            if not wants_json_ld(request.headers.get("accept")):
                return response
            body = json.loads(bytes(response.body))
            if isinstance(body, dict):
                body = {"@context": CONTEXT_PATH, **body}
            headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
            headers.pop("content-type", None)
            return JSONResponse(
                body, status_code=response.status_code, headers=headers, media_type=JSON_LD
            )

        return route
