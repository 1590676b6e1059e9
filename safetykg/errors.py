"""The errors safetykg raises on purpose, and what each one means to a client.

::

    SafetyKGError                 500  root; catch it to catch all of ours
    ├── QueryError                400  something is wrong with a query
    │   ├── QuerySyntaxError      400  the SPARQL text does not parse
    │   ├── UnknownQuery          404  no named query by that name
    │   ├── BadParameter          400  a parameter is missing, mistyped or outside our IRIs
    │   └── QueryTimeout          503  the query ran longer than the configured limit
    ├── NotFound                  404  no such resource in the graph
    ├── ValidationFailed          422  data did not pass SHACL; carries the result rows
    ├── WriteForbidden            403  a write without (or with a wrong) token, or writes are off
    └── StoreUnavailable          503  the store is not built, not open, or cannot be read

Each class carries an HTTP ``status``, a short ``title`` and a problem ``type``
URI; ``api/problems.py`` turns any of them into ``application/problem+json``
in one place, so neither the library nor the routers build error bodies. The
message given when raising is the problem ``detail``: write it for the person
who has to act on it.

>>> err = BadParameter("?dept must be an IRI under https://w3id.org/safetykg/id/")
>>> (err.status, err.title, isinstance(err, QueryError))
(400, 'Bad parameter', True)
>>> err.type
'https://w3id.org/safetykg/problems/bad-parameter'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

PROBLEM_BASE = "https://w3id.org/safetykg/problems/"

__all__ = [
    "PROBLEM_BASE",
    "BadParameter",
    "NotFound",
    "QueryError",
    "QuerySyntaxError",
    "QueryTimeout",
    "SafetyKGError",
    "StoreUnavailable",
    "UnknownQuery",
    "ValidationFailed",
    "WriteForbidden",
]


class SafetyKGError(Exception):
    """Root of our errors. Raised as such only for failures with no better class."""

    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal error"
    slug: ClassVar[str] = "internal-error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    @property
    def type(self) -> str:
        """The problem type URI (RFC 9457 ``type``), stable per class."""
        return PROBLEM_BASE + self.slug

    def extensions(self) -> dict[str, Any]:
        """Extra members for the problem document; none by default."""
        return {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.detail!r})"


class QueryError(SafetyKGError):
    """A query could not be run as asked; the client can fix it."""

    status = 400
    title = "Query error"
    slug = "query-error"


class QuerySyntaxError(QueryError):
    """Raised when SPARQL text does not parse (the parser's message is the detail)."""

    title = "SPARQL syntax error"
    slug = "query-syntax"


class UnknownQuery(QueryError):
    """Raised when a named query is asked for that the query library does not have."""

    status = 404
    title = "Unknown query"
    slug = "unknown-query"


class BadParameter(QueryError):
    """Raised at the edge when a parameter is missing, of the wrong type, or an
    IRI outside our namespace, before any query runs."""

    title = "Bad parameter"
    slug = "bad-parameter"


class QueryTimeout(QueryError):
    """Raised when a query runs longer than ``Settings.query_timeout``."""

    status = 503
    title = "Query timed out"
    slug = "query-timeout"


class NotFound(SafetyKGError):
    """Raised when an IRI or id names nothing in the graph."""

    status = 404
    title = "Not found"
    slug = "not-found"


class ValidationFailed(SafetyKGError):
    """Raised when data fails SHACL validation; nothing has been written.

    ``results`` holds one mapping per SHACL result (``focus``, ``path``,
    ``message``, ``severity`` and, for imports, ``row``), and becomes the
    ``errors`` member of the problem document.
    """

    status = 422
    title = "Validation failed"
    slug = "validation-failed"

    def __init__(self, detail: str, results: Sequence[Mapping[str, Any]] = ()) -> None:
        super().__init__(detail)
        self.results = [dict(r) for r in results]

    def extensions(self) -> dict[str, Any]:
        return {"errors": self.results}


class WriteForbidden(SafetyKGError):
    """Raised when a write arrives while writes are off or without the right token."""

    status = 403
    title = "Write forbidden"
    slug = "write-forbidden"


class StoreUnavailable(SafetyKGError):
    """Raised when the store has not been built, is not open, or cannot be read."""

    status = 503
    title = "Store unavailable"
    slug = "store-unavailable"
