"""Reuse the answers to repeated reads, until the data changes (ASGI middleware).

The questions a safety office asks are few and asked often ("谁管燃气?", the
overdue hazards of one department as of today). :class:`ResponseCache` keeps
the bytes of each successful ``GET`` answer and sends them again for the same
request, without routing, reading the store or serialising anything.

**When an answer is reused.** Same method (``GET``), path, query string,
``Accept``, ``Accept-Language`` and ``Host``, and the same day: an answer
whose ``as_of`` defaults to today is not reused tomorrow. Never reused or kept:

* requests with ``Authorization`` (what they may see depends on the token);
* responses other than 200, larger than :data:`MAX_ENTRY`, or marked
  ``Cache-Control: no-store``/``no-cache``/``private`` by their route (the SPARQL
  endpoint marks queries calling ``NOW()``, ``RAND()``, ``UUID()``… that way);
* ``/health`` (it reports on the store, not the data).

A client that sends ``Cache-Control: no-cache`` gets a freshly computed answer
(which then replaces the kept one). ``X-Cache: HIT`` or ``MISS`` says which
happened; a kept answer carries an ``ETag``, and a request with a matching
``If-None-Match`` gets ``304 Not Modified``.

**When the data changes.** Every write to the service is authenticated
(:mod:`api.deps`: hazard writes, imports, transitions, SPARQL Update), so any
request other than ``GET``/``HEAD``/``OPTIONS`` that carries ``Authorization``
empties the cache, before it runs and again when it ends — an answer computed
while a write was under way is not kept. That covers every change this
process can see: the embedded store has one writing process, and read-only
workers read the build they started with. Other processes writing to a
SPARQL server are invisible to it, so over a remote store answers are reused
only for ``SAFETYKG_CACHE_SECONDS`` (default 0: not at all).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from safetykg.settings import Settings

__all__ = ["MAX_ENTRY", "ResponseCache", "install"]

MAX_ENTRY = 1024 * 1024
"""Bytes: a larger answer (an export, a big query result) is sent but not kept."""

_READS = frozenset({"GET", "HEAD", "OPTIONS"})
_UNCACHEABLE = (b"no-store", b"no-cache", b"private")
_VARY = (b"accept", b"accept-language", b"host")
_EXEMPT = ("/health",)


@dataclass(frozen=True, slots=True)
class _Entry:
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes
    stored: float

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 200


class ResponseCache:
    """Keep up to ``max_bytes`` of answers, least recently used dropped first.

    ``ttl``: seconds an answer may be reused (``None``: until the data changes).
    """

    def __init__(self, app: ASGIApp, max_bytes: int, ttl: float | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.ttl = ttl
        self.entries: OrderedDict[tuple[object, ...], _Entry] = OrderedDict()
        self.size = 0
        self.generation = 0
        """Raised by every write: an answer computed across a change is not kept."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        method = scope["method"]
        if b"authorization" in headers:
            if method in _READS:
                await self.app(scope, receive, send)
                return
            self.clear()
            try:
                await self.app(scope, receive, send)
            finally:
                self.clear()
            return
        if method != "GET" or scope["path"].startswith(_EXEMPT):
            await self.app(scope, receive, send)
            return
        key = (
            scope["path"],
            scope["query_string"],
            _today(),
            *(headers.get(name) for name in _VARY),
        )
        if b"no-cache" not in headers.get(b"cache-control", b""):
            entry = self._get(key)
            if entry is not None:
                await self._send(entry, headers.get(b"if-none-match"), send)
                return
        await self.app(scope, receive, self._keeping(key, send))

    def clear(self) -> None:
        self.generation += 1
        self.entries.clear()
        self.size = 0

    def _get(self, key: tuple[object, ...]) -> _Entry | None:
        entry = self.entries.get(key)
        if entry is None:
            return None
        if self.ttl is not None and time.monotonic() - entry.stored >= self.ttl:
            self._drop(key)
            return None
        self.entries.move_to_end(key)
        return entry

    def _drop(self, key: tuple[object, ...]) -> None:
        self.size -= self.entries.pop(key).size

    def _put(self, key: tuple[object, ...], entry: _Entry) -> None:
        if key in self.entries:
            self._drop(key)
        self.entries[key] = entry
        self.size += entry.size
        while self.size > self.max_bytes:
            self._drop(next(iter(self.entries)))

    @staticmethod
    async def _send(entry: _Entry, if_none_match: bytes | None, send: Send) -> None:
        age = str(int(time.monotonic() - entry.stored)).encode()
        extra = [(b"etag", entry.etag), (b"age", age), (b"x-cache", b"HIT")]
        if if_none_match is not None and entry.etag in _tags(if_none_match):
            keep = [(k, v) for k, v in entry.headers if k in (b"vary", b"cache-control")]
            await send({"type": "http.response.start", "status": 304, "headers": keep + extra})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": entry.headers + extra})
        await send({"type": "http.response.body", "body": entry.body})

    def _keeping(self, key: tuple[object, ...], send: Send) -> Send:
        """``send``, also collecting a keepable answer and keeping it when it is complete."""
        generation = self.generation
        started = time.monotonic()
        headers: list[tuple[bytes, bytes]] | None = None
        chunks: list[bytes] = []
        size = 0

        async def keep(message: Message) -> None:
            nonlocal headers, size
            if message["type"] == "http.response.start":
                given = list(message.get("headers", []))
                if message["status"] == 200 and _keepable(given):
                    headers = given
                message["headers"] = [*given, (b"x-cache", b"MISS")]
            elif message["type"] == "http.response.body" and headers is not None:
                body = message.get("body", b"")
                size += len(body)
                if size > MAX_ENTRY:
                    headers = None
                    chunks.clear()
                else:
                    chunks.append(body)
                    if not message.get("more_body", False) and generation == self.generation:
                        whole = b"".join(chunks)
                        self._put(key, _Entry(headers, whole, _etag(whole), started))
            await send(message)

        return keep


def _today() -> dt.date:
    return dt.date.today()


def _etag(body: bytes) -> bytes:
    return b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'


def _tags(if_none_match: bytes) -> list[bytes]:
    return [tag.strip() for tag in if_none_match.split(b",")]


def _keepable(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"set-cookie":
            return False
        if name == b"cache-control" and any(word in value.lower() for word in _UNCACHEABLE):
            return False
    return True


def install(app: FastAPI, settings: Settings) -> None:
    """Add the cache to ``app`` unless the settings switch it off.

    Call it before :func:`api.security.install`, so that request ids, security
    headers and the rate limit wrap it and apply to reused answers too.
    """
    ttl = settings.cache_seconds
    if ttl is None and settings.remote_store:
        ttl = 0.0  # writes by other processes would go unseen
    if settings.cache_mb > 0 and ttl != 0:
        app.add_middleware(ResponseCache, max_bytes=settings.cache_mb * 1024 * 1024, ttl=ttl)
