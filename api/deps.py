"""What a route can ask for, as ``Annotated`` types.

A route's signature reads as the list of what it needs::

    def health(store: StoreDep) -> Health: ...

The store and the settings live on ``app.state`` (set once by
:func:`api.app.create_app` and its lifespan). Tests swap any of them with
``app.dependency_overrides[get_store] = ...``; nothing here is a module global.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from pyoxigraph import Store

from safetykg.errors import StoreUnavailable, WriteForbidden
from safetykg.settings import Settings

__all__ = ["SettingsDep", "StoreDep", "WriterDep", "get_settings", "get_store", "require_writer"]


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    return request.app.state.settings  # type: ignore[no-any-return]


def get_store(request: Request) -> Store:
    """The store opened at start-up; :class:`StoreUnavailable` (503) if there is none."""
    store = getattr(request.app.state, "store", None)
    if store is None:
        reason = getattr(request.app.state, "store_error", None) or "The store is not open."
        raise StoreUnavailable(reason)
    return store  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]


def require_writer(request: Request, settings: SettingsDep) -> None:
    """Let a write through only with ``Authorization: Bearer <SAFETYKG_WRITE_TOKEN>``."""
    token = settings.write_token.get_secret_value() if settings.write_token else ""
    if not token:
        raise WriteForbidden("Writes are switched off on this service (no write token is set).")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), token):
        raise WriteForbidden("This write needs the header `Authorization: Bearer <write token>`.")


WriterDep = Annotated[None, Depends(require_writer)]
