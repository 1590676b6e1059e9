"""Every error response is ``application/problem+json`` (RFC 9457), written here.

One handler on :class:`safetykg.errors.SafetyKGError` covers the whole tree
(Starlette looks handlers up along the exception's class hierarchy), so
routers raise library errors and never build error bodies. FastAPI's own
errors (unknown route, wrong method, invalid parameters) are rewritten into
the same shape. Anything else is a bug: it is logged with its traceback and
answered with a bare 500 that reveals nothing about the internals.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from safetykg.errors import BadParameter, SafetyKGError

__all__ = ["PROBLEM_JSON", "install", "problem_response"]

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


def problem_response(
    request: Request,
    *,
    status: int,
    title: str,
    detail: str | None = None,
    type_: str = "about:blank",
    extensions: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem document for ``request`` (``instance`` is the request path)."""
    body: dict[str, Any] = {"type": type_, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body["instance"] = request.url.path
    body.update(extensions or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def _our_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SafetyKGError)
    if exc.status >= 500:
        log.warning("%s on %s: %s", type(exc).__name__, request.url.path, exc.detail)
    return problem_response(
        request,
        status=exc.status,
        title=exc.title,
        detail=exc.detail,
        type_=exc.type,
        extensions=exc.extensions(),
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    from http import HTTPStatus

    title = HTTPStatus(exc.status_code).phrase
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
    return problem_response(
        request, status=exc.status_code, title=title, detail=detail, headers=exc.headers
    )


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"location": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
        for e in exc.errors()
    ]
    detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors)
    return problem_response(
        request,
        status=BadParameter.status,
        title=BadParameter.title,
        detail=detail,
        type_=BadParameter("").type,
        extensions={"errors": errors},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(request, status=500, title="Internal Server Error")


def install(app: FastAPI) -> None:
    """Register the problem handlers on ``app``."""
    app.add_exception_handler(SafetyKGError, _our_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(Exception, _unexpected)
