"""HTTP hardening, as ASGI middleware: request ids, headers, CORS, rate and size limits, audit.

:func:`install` adds, from the outside in:

1. **Request id** — every request gets one (a client's ``X-Request-ID`` if it is
   1–64 of ``[A-Za-z0-9._-]``, else a fresh one), echoed in the response and
   written to the audit trail.
2. **Security headers** on every response: ``X-Content-Type-Options: nosniff``,
   ``Referrer-Policy: same-origin``, ``X-Frame-Options: DENY``; HTML pages also
   get a ``Content-Security-Policy`` naming no origin but our own
   (``frame-ancestors 'none'``) unless the route set a stricter one.
3. **CORS** — off unless ``SAFETYKG_CORS_ORIGINS`` lists origins; then only
   those may read responses from a browser, with ``GET``, ``HEAD``, ``POST``
   and the ``Authorization`` header (Starlette's ``CORSMiddleware``).
4. **Rate limit** — a token bucket per client address (``SAFETYKG_RATE_LIMIT``
   requests/second sustained, ``SAFETYKG_RATE_BURST`` at once); beyond it, 429
   with ``Retry-After``. ``/health`` and page assets are exempt. The buckets
   live in the process: with several workers each keeps its own, so a client
   gets up to N × the limit. Behind a reverse proxy the client address is the
   one uvicorn takes from ``X-Forwarded-For`` (``--forwarded-allow-ips``).
5. **Body size limit** — ``SAFETYKG_MAX_BODY`` bytes: a larger
   ``Content-Length`` is refused before anything is read, and a chunked body is
   cut off the moment it passes the limit; both 413, problem+json. The body's
   SHA-256 and size are kept for the audit record.
6. **Audit** — when a write authenticated by :data:`api.deps.WriterDep`
   answers, its record (who, what, outcome, request id, client) is appended to
   ``graph/audit`` (:mod:`safetykg.audit`) before the response is sent.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import threading
import time
import uuid
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem_response
from safetykg.audit import AuditEvent, record
from safetykg.settings import Settings

__all__ = [
    "AuditTrail",
    "BodyLimit",
    "CSP",
    "RateLimit",
    "RequestId",
    "SecurityHeaders",
    "TokenBucket",
    "install",
]

log = logging.getLogger(__name__)

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
"""The policy of HTML responses that do not set their own: nothing from other origins."""

CSP_INLINE_STYLES = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
"""For pages built by libraries that set ``style`` attributes from script (YASGUI, Swagger UI):
inline styles allowed, scripts still from this origin only."""

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_EXEMPT = ("/health", "/static/", "/favicon.ico")
_SUMMARY_BYTES = 4096


def _state(scope: Scope) -> dict[str, Any]:
    return scope.setdefault("state", {})  # type: ignore[no-any-return]


async def _problem(scope: Scope, receive: Receive, send: Send, **kwargs: Any) -> None:
    response = problem_response(Request(scope), **kwargs)
    await response(scope, receive, send)


# --------------------------------------------------------------------------- request id


class RequestId:
    """Give each request an id (``request.state.request_id``) and echo it as ``X-Request-ID``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Request(scope).headers.get("x-request-id", "")
        rid = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        _state(scope)["request_id"] = rid

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", rid.encode("ascii")),
                ]
            await send(message)

        await self.app(scope, receive, send_with_id)


# --------------------------------------------------------------------------- headers


class SecurityHeaders:
    """Add the security headers to every response (keeping any a route set itself)."""

    def __init__(self, app: ASGIApp, csp: str = CSP) -> None:
        self.app = app
        self.csp = csp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                ]
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html"):
                    extra.append((b"content-security-policy", self.csp.encode("ascii")))
                headers += [(k, v) for k, v in extra if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


# --------------------------------------------------------------------------- rate limit


class TokenBucket:
    """Per-key token buckets: ``rate`` tokens a second, at most ``burst`` saved up.

    >>> bucket = TokenBucket(rate=1, burst=2)
    >>> [bucket.take("a", now=0.0) for _ in range(3)]
    [0.0, 0.0, 1.0]
    >>> bucket.take("a", now=1.0), bucket.take("b", now=1.0)
    (0.0, 0.0)
    """

    def __init__(self, rate: float, burst: int, max_keys: int = 10_000) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> float:
        """Take one token for ``key``: 0.0 if there was one, else the seconds until there is."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                tokens -= 1.0
                wait = 0.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)  # the least recently seen client
            return wait


class RateLimit:
    """Answer 429 with ``Retry-After`` to a client that has used up its bucket."""

    def __init__(self, app: ASGIApp, rate: float, burst: int) -> None:
        self.app = app
        self.bucket = TokenBucket(rate, burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(_EXEMPT):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait = self.bucket.take(client[0] if client else "unknown")
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        retry = max(1, math.ceil(wait))
        await _problem(
            scope,
            receive,
            send,
            status=429,
            title="Too Many Requests",
            detail=(
                f"This client has made more than {self.bucket.burst} requests in a burst or "
                f"{self.bucket.rate:g} a second; try again in {retry} s."
            ),
            type_="https://w3id.org/safetykg/problems/rate-limited",
            headers={"Retry-After": str(retry)},
        )


# --------------------------------------------------------------------------- body size


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes the limit; FastAPI lets an
    ``HTTPException`` from the body reader through, so it becomes a 413 problem."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            f"The request body is larger than the limit of {limit:,} bytes (SAFETYKG_MAX_BODY); "
            "nothing was written. Import large files on the server with `safetykg ingest`.",
        )


class BodyLimit:
    """Refuse bodies over ``limit`` bytes; note each body's SHA-256 and size for the audit."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Request(scope).headers
        declared = headers.get("content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                size = -1
            if size < 0:
                await _problem(
                    scope,
                    receive,
                    send,
                    status=400,
                    title="Bad Request",
                    detail=f"Content-Length {declared[:40]!r} is not a byte count.",
                )
                return
            if size > self.limit:
                await _problem(
                    scope,
                    receive,
                    send,
                    status=413,
                    title="Content Too Large",
                    detail=BodyTooLarge(self.limit).detail,
                )
                return
        state = _state(scope)
        digest = hashlib.sha256()
        seen = 0
        keep = "json" in headers.get("content-type", "")
        head = bytearray()

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                seen += len(chunk)
                if seen > self.limit:
                    raise BodyTooLarge(self.limit)
                digest.update(chunk)
                if keep and len(head) <= _SUMMARY_BYTES:
                    head.extend(chunk[: _SUMMARY_BYTES + 1 - len(head)])
                if not message.get("more_body", False):
                    state["body_sha256"] = digest.hexdigest()
                    state["body_bytes"] = seen
                    if keep and len(head) <= _SUMMARY_BYTES:
                        state["body_text"] = head.decode("utf-8", "replace")
            return message

        await self.app(scope, limited, send)


# --------------------------------------------------------------------------- audit


class AuditTrail:
    """Append an audit record for every write that :data:`api.deps.WriterDep` let in."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = datetime.now(UTC)

        async def send_after_audit(message: Message) -> None:
            if message["type"] == "http.response.start":
                writer = _state(scope).get("writer")
                if writer is not None:
                    await run_in_threadpool(self._record, scope, writer, message["status"], started)
            await send(message)

        await self.app(scope, receive, send_after_audit)

    @staticmethod
    def _record(scope: Scope, writer: Any, status: int, started: datetime) -> None:
        state = _state(scope)
        summary = "\n".join([*writer.notes, state.get("body_text") or ""]).strip()
        client = scope.get("client")
        event = AuditEvent(
            principal=writer.principal,
            action=writer.action,
            method=scope["method"],
            path=scope["path"],
            status=status,
            request_id=state.get("request_id", ""),
            client=client[0] if client else None,
            targets=tuple(dict.fromkeys(writer.targets)),
            summary=summary or None,
            body_sha256=state.get("body_sha256"),
            body_bytes=state.get("body_bytes"),
            started=started,
        )
        try:
            record(writer.store, event)
        except (OSError, RuntimeError, ValueError) as exc:
            # the write itself is done; losing its record is logged loudly, not hidden
            log.error(
                "could not append the audit record of %s %s: %s", event.method, event.path, exc
            )


# --------------------------------------------------------------------------- install


def install(app: FastAPI, settings: Settings) -> None:
    """Add the middleware above to ``app`` (Starlette runs the last added first)."""
    app.add_middleware(AuditTrail)
    app.add_middleware(BodyLimit, limit=settings.max_body)
    if settings.rate_limit > 0:
        app.add_middleware(RateLimit, rate=settings.rate_limit, burst=settings.rate_burst)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Accept",
                "Accept-Language",
                "X-Request-ID",
            ],
            expose_headers=["Retry-After", "X-Request-ID", "Content-Location"],
            max_age=600,
        )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestId)
