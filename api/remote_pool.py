"""The SPARQL endpoint's job runner when the store is a SPARQL server.

:class:`api.sparql_limits.QueryPool` evaluates public queries in worker
processes that open the embedded store read-only and cut themselves off the
network, because pyoxigraph cannot cancel a query in progress. Over a SPARQL
server neither applies: the query runs in the server, which enforces its own
time limit (Oxigraph ``--timeout-s``, Virtuoso ``MaxQueryExecutionTime``,
Fuseki ``arq:queryTimeout``), and the workers must reach that server. So
:class:`RemoteQueryPool` answers the same interface — ``run``,
``run_blocking``, ``warm_up``, ``close``, ``network_isolated`` — with threads
over one shared :class:`~safetykg.remote.RemoteStore` whose HTTP timeout is
the endpoint's limit: past it the connection is dropped and the client gets
:class:`~safetykg.errors.QueryTimeout`, as from the process pool.

The SPARQL router picks it in ``get_query_pool`` when ``SAFETYKG_STORE`` is a
URL::

    if settings.remote_store:
        pool = RemoteQueryPool.from_settings(settings)
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from safetykg.errors import QueryTimeout, StoreUnavailable
from safetykg.remote import RemoteStore, RemoteTimeout, RemoteUnavailable
from safetykg.settings import Settings

__all__ = ["RemoteQueryPool"]


class _Job(Protocol):
    def run(self, store: Any) -> Any: ...


class RemoteQueryPool:
    """Run endpoint jobs against a SPARQL server, ``size`` at a time."""

    network_isolated = False
    """The workers talk to the SPARQL server; the query guard still refuses SERVICE."""

    def __init__(self, store: RemoteStore, *, timeout: float = 30.0, size: int = 16) -> None:
        self.store = store
        self.timeout = timeout
        self.size = size
        self._threads = ThreadPoolExecutor(max_workers=size, thread_name_prefix="sparql-remote")

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteQueryPool:
        """A pool over the server of ``SAFETYKG_STORE``, read-only, with the endpoint's limit."""
        store = RemoteStore.from_settings(
            settings.model_copy(update={"store_timeout": settings.query_timeout}),
            read_only=True,
        )
        return cls(store, timeout=settings.query_timeout)

    async def run(self, job: _Job) -> Any:
        """Run ``job`` in a thread without blocking the event loop."""
        return await asyncio.wrap_future(self._threads.submit(self.run_blocking, job))

    def run_blocking(self, job: _Job) -> Any:
        try:
            return job.run(self.store)
        except RemoteTimeout as exc:
            raise QueryTimeout(
                f"The query was stopped after {self.timeout:g} s, the limit of this "
                "endpoint. Narrow it down (more specific patterns, a LIMIT) and try again."
            ) from exc
        except RemoteUnavailable as exc:
            raise StoreUnavailable(f"The SPARQL server could not answer: {exc}") from exc

    def warm_up(self) -> None:
        """Nothing to start: the server is already running."""

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        self.store.close()
