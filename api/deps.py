"""What a route can ask for, as ``Annotated`` types.

A route's signature reads as the list of what it needs::

    def health(store: StoreDep) -> Health: ...
    def transition_hazard(hazard_id: HazardId, change: TransitionIn, writer: WriterDep): ...

The store and the settings live on ``app.state`` (set once by
:func:`api.app.create_app` and its lifespan). Tests swap any of them with
``app.dependency_overrides[get_store] = ...``; nothing here is a module global.

**Writes.** :data:`WriterDep` lets a write through only with
``Authorization: Bearer <token>``, where the token is a named one from
``safetykg token create`` (``SAFETYKG_TOKENS_FILE``) or the service-wide
``SAFETYKG_WRITE_TOKEN`` (which acts as admin). It hands the route a
:class:`Writer` — the :class:`~safetykg.access.Principal`, and the scope checks
bound to the store — and leaves it on ``request.state`` for the audit
middleware (:mod:`api.security`), which records every authenticated write.

What it enforces before the route runs:

* a route with a hazard id in its path (``/api/hazards/{hazard_id}/…``) is
  checked against that hazard: a department token only in sectors it leads,
  a region token only in its region (:func:`safetykg.access.authorise`);
* a JSON body naming an ``actor`` must, for a scoped token, name the token's
  own organisation (a department cannot record a change as another);
* a route with no hazard in its path (a new record, an import) is open to
  scoped tokens only if it checks each record itself — it says so by using
  :data:`ScopedWriterDep` and passing :meth:`Writer.guard` to the import; with
  plain :data:`WriterDep` only admin tokens get through (fail closed).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pyoxigraph import Store
from starlette.concurrency import run_in_threadpool

from safetykg.access import (
    Action,
    Kind,
    Principal,
    ScopedRecord,
    actor_for,
    authorise,
    check_actor,
    record_guard,
)
from safetykg.errors import NotFound, SafetyKGError, StoreUnavailable, WriteForbidden
from safetykg.namespaces import ID
from safetykg.registry.records import HAZARD_ID
from safetykg.settings import Settings
from safetykg.tokens import TokenFile, default_path

__all__ = [
    "ENV_TOKEN_NAME",
    "ScopedWriterDep",
    "SettingsDep",
    "StoreDep",
    "Writer",
    "WriterDep",
    "get_settings",
    "get_store",
    "get_tokens",
    "require_scoped_writer",
    "require_writer",
]

log = logging.getLogger(__name__)

ENV_TOKEN_NAME = "write-token"
"""The principal name ``SAFETYKG_WRITE_TOKEN`` stands for (an admin) in the audit trail."""

_HAZARD_PARAMS = ("hazard_id", "hazard", "id")
_ACTIONS = {
    "transitions": Action.TRANSITION,
    "escalations": Action.ESCALATE,
    "listing": Action.LIST,
    "supervision": Action.LIST,
    "import": Action.IMPORT,
    "hazards": Action.CREATE,
}


# The cheap dependencies are coroutines: FastAPI runs a plain ``def`` dependency in the
# thread pool, and a dozen thread hops per request cost more than the answer itself.


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_store(request: Request) -> Store:
    """The store opened at start-up; :class:`StoreUnavailable` (503) if there is none."""
    store = getattr(request.app.state, "store", None)
    if store is None:
        reason = getattr(request.app.state, "store_error", None) or "The store is not open."
        raise StoreUnavailable(reason)
    return store  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]


async def get_tokens(request: Request, settings: SettingsDep) -> TokenFile:
    """The named-token file (one :class:`TokenFile` per app, so its cache is shared)."""
    tokens = getattr(request.app.state, "tokens", None)
    if tokens is None:
        tokens = TokenFile(settings.tokens_file or default_path(settings.data_dir))
        request.app.state.tokens = tokens
    return tokens  # type: ignore[no-any-return]


@dataclass
class Writer:
    """The principal making a write, with the scope checks bound to the store.

    The audit middleware reads ``action``, ``targets`` and ``notes`` when the
    response starts; routes may add to them (:meth:`note`).
    """

    principal: Principal
    store: Store
    action: str = "write"
    targets: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def is_admin(self) -> bool:
        return self.principal.kind is Kind.ADMIN

    @property
    def actor(self) -> str | None:
        """The organisation this token acts as (``None`` for admin: the request says)."""
        return actor_for(self.principal, self.store)

    def authorise(self, action: Action | str, hazard_iri: str) -> None:
        """:func:`safetykg.access.authorise` for this principal; records the target."""
        if hazard_iri not in self.targets:
            self.targets.append(hazard_iri)  # recorded in the audit trail even when refused
        authorise(self.principal, action, hazard_iri, self.store)

    def acting_as(self, requested: str | None) -> str | None:
        """The actor to record: ``requested`` for admin; a scoped token's own organisation
        (raises :class:`WriteForbidden` if ``requested`` names another)."""
        return check_actor(self.principal, requested, self.store)

    def guard(self, action: Action | str = Action.IMPORT) -> Callable[..., None]:
        """A per-record check for an import (``guard(new, old=None)``), see
        :func:`safetykg.access.record_guard`."""
        check = record_guard(self.principal, self.store, action)

        def guard(new: ScopedRecord, old: ScopedRecord | None = None) -> None:
            check(new, old)
            if len(self.targets) < 1000:
                self.targets.append(getattr(new, "iri", None) or f"{ID}hazard/{new.id}")

        return guard

    def note(self, text: str) -> None:
        """Add a line to the audit record's description of what changed."""
        self.notes.append(text)


bearer = HTTPBearer(
    auto_error=False,
    scheme_name="writeToken",
    description="A write token from `safetykg token create` (or SAFETYKG_WRITE_TOKEN).",
)
"""Declares the bearer scheme in the OpenAPI document; the checking is ours."""


def _bearer(request: Request) -> str | None:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    given = given.strip()
    return given if scheme.lower() == "bearer" and given else None


def _principal(request: Request, settings: Settings, tokens: TokenFile) -> Principal:
    env_token = settings.write_token.get_secret_value() if settings.write_token else ""
    try:
        named = tokens.list()
    except SafetyKGError as exc:  # fail closed, and keep the file's path out of the answer
        log.error("write tokens cannot be checked: %s", exc.detail)
        raise WriteForbidden(
            "Write tokens cannot be checked right now (the token file is unreadable); "
            "the server log says why."
        ) from exc
    if not env_token and not named:
        raise WriteForbidden(
            "Writes are switched off on this service (no write token is set): an operator "
            "creates one with `safetykg token create`."
        )
    given = _bearer(request)
    if given is None:
        raise WriteForbidden(
            "This write needs the header `Authorization: Bearer <token>` with a write token "
            "(`safetykg token create` makes one)."
        )
    if env_token and hmac.compare_digest(given.encode(), env_token.encode()):
        return Principal(ENV_TOKEN_NAME, Kind.ADMIN)
    principal = tokens.verify(given)
    if principal is None:
        raise WriteForbidden(
            "The bearer token is not a valid write token (unknown, mistyped or revoked)."
        )
    return principal


def _action(request: Request) -> Action | str:
    route = request.scope.get("route")
    template = getattr(route, "path", request.url.path)
    last = template.rstrip("/").rsplit("/", 1)[-1]
    return _ACTIONS.get(last, f"{request.method} {template}")


async def _json_actor(request: Request) -> str | None:
    content_type = request.headers.get("content-type", "")
    if "json" not in content_type.split(";")[0]:
        return None
    try:
        body = json.loads(await request.body())
    except (ValueError, RuntimeError):
        return None
    actor = body.get("actor") if isinstance(body, dict) else None
    return actor if isinstance(actor, str) and actor.strip() else None


async def _writer(request: Request, settings: Settings, store: Store, records: bool) -> Writer:
    principal = _principal(request, settings, await get_tokens(request, settings))
    writer = Writer(principal, store, action=str(_action(request)))
    request.state.writer = writer  # the audit middleware records the outcome from here on
    params = request.path_params
    route = getattr(request.scope.get("route"), "path", "")
    hazard = (
        next((params[p] for p in _HAZARD_PARAMS if p in params), None)
        if route.startswith("/api/hazards/")
        else None
    )
    if hazard is not None and not HAZARD_ID.match(hazard):
        raise NotFound(f"No hazard {hazard[:80]!r}: hazard ids look like H-2025-0137.")
    if writer.is_admin:
        if hazard is not None:
            writer.targets.append(f"{ID}hazard/{hazard}")
        return writer
    if hazard is not None:
        await run_in_threadpool(writer.authorise, writer.action, f"{ID}hazard/{hazard}")
    elif not records:
        raise WriteForbidden(
            f"{principal.describe()} may change only hazards already in its scope "
            "(e.g. POST /api/hazards/{id}/transitions); this write needs an admin token."
        )
    actor = await _json_actor(request)
    if actor is not None:
        from api.indexes import get_lookup  # api.indexes depends on this module

        index = await get_lookup(request, store)
        reference = await run_in_threadpool(lambda: index.snapshot.reference)  # read once
        try:
            iri = reference.resolve("department", actor)
        except LookupError:  # KeyError too: the route answers with its own message
            iri = None
        if iri is not None:
            await run_in_threadpool(writer.acting_as, iri)
    return writer


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


async def require_writer(
    request: Request, settings: SettingsDep, store: StoreDep, _: Credentials
) -> Writer:
    """Authenticate a write and check its scope (see the module docstring)."""
    return await _writer(request, settings, store, records=False)


async def require_scoped_writer(
    request: Request, settings: SettingsDep, store: StoreDep, _: Credentials
) -> Writer:
    """:func:`require_writer` for routes that check each record with :meth:`Writer.guard`."""
    return await _writer(request, settings, store, records=True)


WriterDep = Annotated[Writer, Depends(require_writer)]
"""An authenticated write; scoped tokens only on routes with a hazard id in the path."""

ScopedWriterDep = Annotated[Writer, Depends(require_scoped_writer)]
"""An authenticated write whose route passes :meth:`Writer.guard` to the import, so
department and region tokens may create and import records within their scope."""
