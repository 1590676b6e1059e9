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

Each worker gets the settings :func:`run_server` was given (pickled to the
spawned process), so what the command line changed (``--data-dir``) holds in
every worker. Only the fallback to uvicorn's own workers, where there is no
``SO_REUSEPORT``, passes them through the environment.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import time
from typing import Any

from safetykg.errors import SafetyKGError
from safetykg.settings import Settings

__all__ = ["check_workers", "run_server"]

log = logging.getLogger(__name__)


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
    """Serve the API with uvicorn in ``workers`` processes (checked by :func:`check_workers`).

    One worker runs in this process. Several each listen on a socket of their
    own bound with ``SO_REUSEPORT``, so the kernel spreads *connections* over
    them evenly. (uvicorn's ``--workers`` shares one listening socket, and the
    first worker to wake accepts every connection waiting: keep-alive clients
    — a proxy, a load generator — then all land on one process while the
    others idle.) Where ``SO_REUSEPORT`` does not exist, or for ``port`` 0,
    uvicorn's own workers are used.

    This process supervises them: a worker that dies is started again, and a
    worker that exits within :data:`QUICK_EXIT` seconds of starting
    :data:`QUICK_EXITS` times in a row stops the service with
    :class:`SafetyKGError` (a worker that cannot start would otherwise be
    restarted for ever). SIGTERM or Ctrl-C stops them all; a worker whose
    supervisor is gone (killed) stops itself.

    Raises :class:`SafetyKGError` when the address is already in use.
    """
    import uvicorn

    check_workers(settings, workers)
    if workers == 1:
        from api.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, access_log=settings.access_log)
        return
    if not hasattr(socket, "SO_REUSEPORT") or port == 0:
        _export(settings)
        uvicorn.run(
            "api.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=settings.access_log,
        )
        return
    try:
        _bind(host, port, shared=False).close()  # taken, even by a socket that shares it?
    except OSError as exc:
        raise SafetyKGError(f"Cannot listen on {host}:{port}: {exc.strerror}.") from exc
    _supervise(settings, host, port, workers)


QUICK_EXIT = 10.0
"""Seconds: a worker that exits sooner than this after starting did not start."""

QUICK_EXITS = 5
"""That many quick exits in a row, and :func:`run_server` gives up."""


def _supervise(settings: Settings, host: str, port: int, workers: int) -> None:
    context = multiprocessing.get_context("spawn")
    processes = [_start(context, settings, host, port) for _ in range(workers)]
    stopping = False
    quick = 0

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stopping:
            time.sleep(0.5)
            for i, (process, started) in enumerate(processes):
                if process.is_alive() or stopping:
                    continue
                ran = time.monotonic() - started
                quick = quick + 1 if ran < QUICK_EXIT else 0
                if quick >= QUICK_EXITS:
                    raise SafetyKGError(
                        f"The workers keep exiting right after they start (the last with "
                        f"exit code {process.exitcode}); the log above says why."
                    )
                log.warning(
                    "worker %s exited with %s after %.0f s; starting another",
                    process.pid,
                    process.exitcode,
                    ran,
                )
                processes[i] = _start(context, settings, host, port)
    finally:
        for process, _ in processes:
            if process.is_alive():
                process.terminate()
        for process, _ in processes:
            process.join(30)
            if process.is_alive():
                process.kill()
                process.join(10)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _export(settings: Settings) -> None:
    """Put what the command line may have changed where uvicorn's workers read it."""
    os.environ["SAFETYKG_DATA_DIR"] = str(settings.data_dir)
    if settings.store:
        os.environ["SAFETYKG_STORE"] = settings.store
    else:
        os.environ.pop("SAFETYKG_STORE", None)  # --data-dir: not the server of the environment


def _bind(host: str, port: int, *, shared: bool = True) -> socket.socket:
    """A TCP socket bound to ``host:port``; ``shared``: with ``SO_REUSEPORT``.

    Binding without it fails while any socket listens there, ours included,
    which is how :func:`run_server` makes sure it does not join another
    service's sockets.
    """
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if shared:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def _start(context: Any, settings: Settings, host: str, port: int) -> tuple[Any, float]:
    process = context.Process(
        target=_worker, args=(settings, host, port, os.getpid()), name="safetykg-worker"
    )
    process.start()
    return process, time.monotonic()


def _worker(settings: Settings, host: str, port: int, supervisor: int) -> None:
    """One worker process: its own socket on the shared port, its own app."""
    import threading

    import uvicorn

    from api.app import create_app

    sock = _bind(host, port)
    sock.listen(2048)
    threading.Thread(target=_follow, args=(supervisor,), daemon=True).start()
    config = uvicorn.Config(
        create_app(settings), host=host, port=port, access_log=settings.access_log
    )
    uvicorn.Server(config).run(sockets=[sock])


def _follow(supervisor: int) -> None:
    """Stop this worker (gracefully, as uvicorn does on SIGTERM) once its supervisor is gone."""
    while os.getppid() == supervisor:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGTERM)
