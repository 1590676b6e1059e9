"""Running the API in one or several processes, and which stores allow several.

``safetykg serve --workers N`` starts N uvicorn worker processes, each with
its own app and its own handle on the store. Whether that is allowed depends
on the store (:func:`check_workers`):

* **a SPARQL server** (``SAFETYKG_STORE=http://…``): any N. The workers are
  stateless; the server serialises writes and each request is a transaction.
* **the embedded store, read-only** (no write token, updates off): any N.
  RocksDB lets any number of processes open a store read-only at once; each
  worker reads the build that was current when it started, and picks up a new
  ``safetykg build`` when restarted — exactly as a single process does.
* **the embedded store with writes on**: one process only. RocksDB admits one
  read-write handle, and pyoxigraph 0.5 has no secondary mode that would let
  other processes follow a live writer (a read-only handle next to a writer
  is undefined behaviour in its documentation). Several writers therefore
  need a SPARQL server; :func:`check_workers` refuses N > 1 and says so.

Settings reach the workers through the environment (uvicorn imports
``api.app:create_app`` afresh in each), so :func:`run_server` exports the
values the command line changed before it starts them.
"""

from __future__ import annotations

import os

from safetykg.errors import SafetyKGError
from safetykg.settings import Settings

__all__ = ["check_workers", "run_server"]


def check_workers(settings: Settings, workers: int) -> None:
    """Refuse a number of worker processes the configured store cannot serve.

    >>> check_workers(Settings(store="http://127.0.0.1:7878", write_token="t"), 4)
    >>> check_workers(Settings(), 4)  # embedded, read-only: fine
    >>> check_workers(Settings(write_token="t"), 2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    safetykg.errors.SafetyKGError: ...
    """
    if workers < 1:
        raise SafetyKGError(f"--workers must be at least 1, not {workers}.")
    if workers == 1 or settings.remote_store or not settings.writes_enabled:
        return
    raise SafetyKGError(
        f"--workers {workers} needs a SPARQL server when writes are on: the embedded store "
        "admits one writing process. Serve with --workers 1, switch writes off (no "
        "SAFETYKG_WRITE_TOKEN, SAFETYKG_ALLOW_UPDATE off) to serve the embedded store "
        "read-only from several processes, or set SAFETYKG_STORE=http://… (see README, "
        "'Scaling out')."
    )


def run_server(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    """Serve the API with uvicorn in ``workers`` processes (checked by :func:`check_workers`)."""
    import uvicorn

    check_workers(settings, workers)
    if workers == 1:
        from api.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port)
        return
    os.environ["SAFETYKG_DATA_DIR"] = str(settings.data_dir)
    if settings.store:
        os.environ["SAFETYKG_STORE"] = settings.store
    uvicorn.run(
        "api.app:create_app", factory=True, host=host, port=port, workers=workers
    )
