"""Run public SPARQL queries under limits that hold: a time limit and a row limit.

pyoxigraph cannot cancel a running query: it evaluates in Rust with the GIL
released and never looks back at Python, so a thread running a runaway query
cannot be stopped, only abandoned (and it keeps burning a core). This module
therefore evaluates queries in a small pool of **worker processes**:

* each worker is a plain subprocess (``python -c``, so the server's ``__main__``
  is never re-imported) that opens the store read-only (``Store.read_only``)
  and answers one job at a time over a socket pair; it also cuts itself off the network
  (``unshare(CLONE_NEWNET)``) where the OS lets it, as a second wall behind
  :mod:`api.sparql_guard`;
* the server waits for the answer at most ``timeout`` seconds; past that the
  worker is killed (SIGKILL frees its memory and CPU at once), the client gets
  :class:`~safetykg.errors.QueryTimeout`, a spare worker that was started ahead
  takes its place at once, and a new spare is started in the background (a
  worker takes about a second to start, mostly importing the package);
* waiting happens in threads, so the event loop keeps serving other clients, and
  with two or more workers a fast query is answered while a slow one runs;
* a worker checks before each job whether the store on disk has changed
  (RocksDB's write-ahead log and manifest) and reopens its read-only handle if
  so, so writes made by the server are seen by the next query.

The row limit is applied while results are written: at most ``row_limit``
solutions (or triples) are serialised, and :attr:`QueryOutcome.truncated`
says whether more were available. Serialising is pyoxigraph's throughout: a
result set is written as TSV up to the limit, read back and written in the
format asked for, so no result writer is ours.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import io
import itertools
import logging
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

from pyoxigraph import (
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    Store,
    parse_query_results,
    serialize,
)

from api.negotiate import Form, choose
from safetykg.errors import (
    BadParameter,
    QuerySyntaxError,
    QueryTimeout,
    SafetyKGError,
    StoreUnavailable,
)
from safetykg.store import graph_sizes

__all__ = [
    "GraphSizesJob",
    "Job",
    "QueryJob",
    "QueryOutcome",
    "QueryPool",
    "evaluate",
]

log = logging.getLogger(__name__)


class Job(Protocol):
    """Work a worker can do on its store; must pickle (module-level dataclasses do)."""

    def run(self, store: Store) -> Any: ...


@dataclass(frozen=True)
class QueryOutcome:
    """A serialised answer, ready to send."""

    body: bytes
    content_type: str
    truncated: bool = False
    """True when the row limit cut the answer short."""


@dataclass(frozen=True)
class QueryJob:
    """One SPARQL query as the protocol asked for it.

    ``default_graphs``/``named_graphs`` are the protocol's ``default-graph-uri``
    and ``named-graph-uri`` (``None`` when absent): when either is given they
    replace the query's own dataset, as the SPARQL Protocol says. Otherwise a
    query without ``FROM`` runs over the union of the named graphs.
    """

    query: str
    base_iri: str | None = None
    prefixes: Mapping[str, str] = field(default_factory=dict)
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    from_graphs: tuple[str, ...] = ()
    """Graphs the query names with ``FROM`` (see :func:`api.sparql_guard.inspect_query`)."""
    from_named: tuple[str, ...] = ()
    accept: str | None = None
    formats: tuple[str, ...] = ()
    """Values of the ``format`` parameter, which win over ``accept``."""
    row_limit: int = 10_000

    def run(self, store: Store) -> QueryOutcome:
        return evaluate(store, self)


@dataclass(frozen=True)
class GraphSizesJob:
    """The triple count of each named graph (for VoID and the service description)."""

    def run(self, store: Store) -> dict[str, int]:
        return graph_sizes(store)


# --------------------------------------------------------------------------- evaluation


def evaluate(store: Store, job: QueryJob) -> QueryOutcome:
    """Run ``job`` on ``store`` and serialise at most ``job.row_limit`` rows.

    This is what a worker does; it runs in-process too (tests call it
    directly), but only the pool enforces the time limit.

    Raises :class:`BadParameter` for a protocol graph that is not in the store,
    :class:`~api.sparql_guard.QueryRefused` for such a ``FROM`` graph,
    :class:`QuerySyntaxError` for text that does not parse and
    :class:`~api.negotiate.NotAcceptable` when the answer's form has no
    acceptable format.

    >>> from pyoxigraph import Quad, Literal
    >>> s = Store()
    >>> for i in range(3):
    ...     s.add(Quad(NamedNode(f"http://ex/{i}"), NamedNode("http://ex/p"), Literal(str(i)),
    ...                NamedNode("http://ex/g")))
    >>> out = evaluate(s, QueryJob("SELECT ?o { ?s ?p ?o } ORDER BY ?o", accept="text/csv",
    ...                            row_limit=2))
    >>> out.body, out.truncated
    (b'o\\r\\n0\\r\\n1\\r\\n', True)
    """
    from api.sparql_guard import QueryRefused  # the guard imports nothing of ours

    protocol_dataset = job.default_graphs is not None or job.named_graphs is not None
    for iri in (job.default_graphs or ()) + (job.named_graphs or ()):
        if not store.contains_named_graph(_named_node(iri)):
            raise BadParameter(_not_a_graph(store, iri, "the dataset parameters name"))
    if not protocol_dataset:
        for iri in job.from_graphs + job.from_named:
            if not store.contains_named_graph(_named_node(iri)):
                raise QueryRefused(_not_a_graph(store, iri, "FROM names"))

    options: dict[str, Any] = {"base_iri": job.base_iri, "prefixes": dict(job.prefixes) or None}
    if protocol_dataset:
        options["default_graph"] = [_named_node(i) for i in job.default_graphs or ()]
        options["named_graphs"] = [_named_node(i) for i in job.named_graphs or ()]
    elif not (job.from_graphs or job.from_named):
        options["use_default_graph_as_union"] = True
    try:
        result = store.query(job.query, **options)
    except SyntaxError as exc:
        raise QuerySyntaxError(f"The query does not parse: {exc}") from exc
    try:
        return _serialise(result, job)
    except OSError as exc:  # evaluation is lazy: reading happens while writing out
        raise StoreUnavailable(f"The query could not be evaluated: {exc}") from exc


def _serialise(result: QueryBoolean | QuerySolutions | QueryTriples, job: QueryJob) -> QueryOutcome:
    if isinstance(result, QueryBoolean):
        chosen = choose(job.accept, Form.RESULTS, job.formats)
        return QueryOutcome(result.serialize(format=chosen.format), chosen.media_type)
    if isinstance(result, QuerySolutions):
        chosen = choose(job.accept, Form.RESULTS, job.formats)
        tsv, truncated = _first_rows_as_tsv(result, job.row_limit)
        if chosen.format == QueryResultsFormat.TSV:
            body = tsv
        else:
            rows = parse_query_results(tsv, QueryResultsFormat.TSV)
            body = rows.serialize(format=chosen.format)  # type: ignore[union-attr]
        return QueryOutcome(body, chosen.media_type, truncated)
    assert isinstance(result, QueryTriples)
    chosen = choose(job.accept, Form.GRAPH, job.formats)
    triples = list(itertools.islice(result, job.row_limit + 1))
    truncated = len(triples) > job.row_limit
    body = serialize(
        triples[: job.row_limit], format=chosen.format, prefixes=dict(job.prefixes) or None
    )
    return QueryOutcome(body, chosen.media_type, truncated)


class _Enough(Exception):
    """Stops pyoxigraph's writer once the rows we need are written."""


class _LineCounter(io.RawIOBase):
    """A sink that keeps what is written and stops after ``lines`` newlines."""

    def __init__(self, lines: int) -> None:
        self.data = bytearray()
        self.lines = lines

    def writable(self) -> bool:
        return True

    def write(self, chunk: Any) -> int:
        self.data += chunk
        if self.data.count(b"\n") >= self.lines:
            raise _Enough
        return len(chunk)


def _first_rows_as_tsv(solutions: QuerySolutions, limit: int) -> tuple[bytes, bool]:
    """TSV of the header and the first ``limit`` solutions; True if there were more.

    TSV writes one solution per line (tabs and newlines in literals are
    escaped) and keeps every term exactly, so it can be cut by lines and read
    back. The writer is stopped once ``limit + 1`` rows exist, so a huge result
    is never written in full.
    """
    sink = _LineCounter(limit + 2)  # header + limit rows + one more
    with contextlib.suppress(_Enough):
        solutions.serialize(sink, QueryResultsFormat.TSV)
    complete = bytes(sink.data).split(b"\n")[:-1]  # the last piece is cut off or empty
    truncated = len(complete) >= limit + 2
    return b"".join(line + b"\n" for line in complete[: limit + 1]), truncated


def _named_node(iri: str) -> NamedNode:
    try:
        return NamedNode(iri)
    except ValueError as exc:
        raise BadParameter(f"<{iri}> is not a valid IRI: {exc}") from exc


def _not_a_graph(store: Store, iri: str, where: str) -> str:
    graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, NamedNode))
    return (
        f"{where} <{iri}>, which is not a graph in this store; this endpoint never "
        f"fetches graphs from elsewhere. Graphs here: {', '.join(graphs) or 'none'}."
    )


# --------------------------------------------------------------------------- worker


_CLONE_NEWNET = 0x40000000


def _isolate_network() -> bool:
    """Move this process into an empty network namespace; False where not allowed."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.unshare(_CLONE_NEWNET) == 0)
    except (OSError, AttributeError):
        return False


class _ReadOnlyStore:
    """A read-only handle that is reopened when the store on disk has changed."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.listed, self.signature = self._scan()
        self.store = Store.read_only(path)

    def _scan(self) -> tuple[int, tuple[tuple[str, int, int], ...]]:
        """The folder's time and the write-ahead logs and manifest (writes change them)."""
        listed = os.stat(self.path).st_mtime_ns
        entries = []
        for entry in os.scandir(self.path):
            name = entry.name
            if name.endswith(".log") or name.startswith("MANIFEST-") or name == "CURRENT":
                stat = entry.stat()
                entries.append((name, stat.st_size, stat.st_mtime_ns))
        return listed, tuple(sorted(entries))

    def _unchanged(self) -> bool:
        # Listing a folder of hundreds of files costs 50-150 µs a query. While no file has been
        # added or removed (the folder's time), the few files of the signature tell the rest.
        if os.stat(self.path).st_mtime_ns != self.listed:
            return False
        for name, size, mtime in self.signature:
            try:
                stat = os.stat(os.path.join(self.path, name))
            except FileNotFoundError:
                return False
            if (stat.st_size, stat.st_mtime_ns) != (size, mtime):
                return False
        return True

    def current(self) -> Store:
        if not self._unchanged():
            listed, signature = self._scan()
            if signature != self.signature:
                self.store = Store.read_only(self.path)
            self.listed, self.signature = listed, signature
        return self.store


def _watch_parent(parent: int) -> None:
    """Exit when the server process is gone, even in the middle of a query."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _worker_main(conn: Connection, store_path: str, isolate: bool) -> None:
    """Serve jobs on ``conn``: open the store, say so, then answer jobs forever."""
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    isolated = _isolate_network() if isolate else False
    try:
        handle = _ReadOnlyStore(store_path)
    except (OSError, RuntimeError) as exc:
        with contextlib.suppress(OSError):
            conn.send(("failed", f"Cannot open the store at {store_path} read-only: {exc}"))
        return
    with contextlib.suppress(EOFError, OSError):  # the server has gone: just exit
        conn.send(("ready", isolated))
        while True:
            job = conn.recv()
            try:
                reply: tuple[str, Any] = ("ok", job.run(handle.current()))
            except SafetyKGError as exc:
                reply = ("error", exc)
            except Exception as exc:  # a bug of ours: the server answers 500 and logs it
                reply = ("crash", f"{type(exc).__name__}: {exc}")
            conn.send(reply)


_WORKER_STACK = 512 * 1024 * 1024
"""Stack of the thread that parses and evaluates a worker's queries.

pyoxigraph parses and evaluates recursively on the calling thread, and a main
thread's 8 MiB stack overflows (killing the worker) at a few hundred nested
RDF collections or a thousand ``OPTIONAL``s in a row. :mod:`api.sparql_guard`
refuses deep nesting before a query gets here; this stack is the second wall,
for long flat chains the guard does not count. It is address space, not
memory: only the pages a query actually touches are ever allocated."""


def _worker_entry() -> None:
    """``python -c`` entry of a worker: ``<socket fd> <store path> <isolate 0|1>``.

    The worker serves from a thread with a :data:`_WORKER_STACK` stack (the
    network namespace, when it can be left, is left by that thread, and the
    store's own threads, started by it, inherit that)."""
    fd, store_path, isolate = sys.argv[1:4]
    threading.stack_size(_WORKER_STACK)
    serve = threading.Thread(
        target=_worker_main,
        args=(Connection(int(fd)), store_path, isolate == "1"),
        name="safetykg-query",
    )
    serve.start()
    threading.stack_size(0)
    serve.join()


_WORKER_CODE = "from api.sparql_limits import _worker_entry; _worker_entry()"


# --------------------------------------------------------------------------- pool


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    conn: Connection
    network_isolated: bool = False


class QueryPool:
    """Worker processes that evaluate jobs against a store on disk, with a time limit.

    ``store_path`` is the RocksDB directory (a symlink is resolved once, so all
    workers read the same build). Workers start on first use. ``timeout`` bounds
    each job's run time; waiting for a free worker is bounded by it too.
    """

    def __init__(
        self,
        store_path: str | Path,
        *,
        timeout: float = 30.0,
        workers: int | None = None,
        isolate_network: bool = True,
    ) -> None:
        path = Path(store_path)
        if not path.exists():
            raise StoreUnavailable(f"No store at {path}; run `safetykg build` first.")
        self.store_path = str(path.resolve())
        self.timeout = timeout
        self.size = max(2, workers or os.cpu_count() or 2)
        self.isolate_network = isolate_network
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._live: set[_Worker] = set()
        self._lock = threading.Lock()
        self._started = False
        self._closed = False
        self._missing = 0
        """Workers whose replacement failed to start; :meth:`_acquire` retries them."""
        self._spare: _Worker | None = None
        """A started, idle worker kept out of service: it replaces a killed one at once."""
        self._threads = ThreadPoolExecutor(
            max_workers=max(16, 4 * self.size), thread_name_prefix="sparql-wait"
        )

    # ------------------------------------------------------------------ public

    async def run(self, job: Job) -> Any:
        """Run ``job`` in a worker without blocking the event loop.

        Raises :class:`QueryTimeout` past the limit (the worker is killed), the
        job's own :class:`SafetyKGError`, or :class:`StoreUnavailable` when no
        worker can open the store.
        """
        future = self._threads.submit(self.run_blocking, job)
        return await asyncio.wrap_future(future)

    def run_blocking(self, job: Job) -> Any:
        """:meth:`run` for callers that are not async (it blocks the calling thread)."""
        self._start()
        worker = self._acquire()
        try:
            worker.conn.send(job)
            started = time.monotonic()
            if not worker.conn.poll(self.timeout):
                self._discard(worker)
                raise QueryTimeout(
                    f"The query was stopped after {self.timeout:g} s, the limit of this "
                    "endpoint. Narrow it down (more specific patterns, a LIMIT) and try again."
                )
            status, payload = worker.conn.recv()
        except (EOFError, OSError) as exc:
            self._discard(worker)
            raise StoreUnavailable(f"A query worker failed ({exc}); please retry.") from exc
        self._release(worker)
        log.debug("job %s took %.1f ms", type(job).__name__, (time.monotonic() - started) * 1e3)
        if status == "ok":
            return payload
        if status == "error":
            raise payload
        raise RuntimeError(f"query worker: {payload}")

    def warm_up(self) -> None:
        """Start the workers in the background, so that the first query need not wait."""
        self._threads.submit(self._start_quietly)

    def _start_quietly(self) -> None:
        try:
            self._start()
        except StoreUnavailable as exc:
            log.warning("SPARQL workers did not start: %s", exc.detail)

    @property
    def network_isolated(self) -> bool:
        """True when every live worker runs without network access."""
        with self._lock:
            return bool(self._live) and all(w.network_isolated for w in self._live)

    def close(self) -> None:
        """Stop all workers (used at application shutdown)."""
        with self._lock:
            self._closed = True
            workers = list(self._live) + ([self._spare] if self._spare else [])
            self._live.clear()
            self._spare = None
        for worker in workers:
            self._stop(worker)
        self._threads.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------------ internals

    def _start(self) -> None:
        with self._lock:
            if self._started:
                return
            if self._closed:
                raise StoreUnavailable("The SPARQL endpoint is shutting down.")
            self._started = True
        pending = [self._spawn() for _ in range(self.size + 1)]  # the last is the spare
        failures = []
        for process, conn in pending:
            try:
                self._keep(self._handshake(process, conn))
            except StoreUnavailable as exc:
                failures.append(exc)
        if len(failures) == len(pending):
            with self._lock:
                self._started = False
            raise failures[0]

    def _spawn(self) -> tuple[subprocess.Popen[bytes], Connection]:
        """Start a worker as a plain subprocess (no re-import of the server's ``__main__``)."""
        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        here = str(Path(__file__).resolve().parents[1])  # the directory holding ``api/``
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [here, env.get("PYTHONPATH")]))
        with theirs:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    _WORKER_CODE,
                    str(theirs.fileno()),
                    self.store_path,
                    "1" if self.isolate_network else "0",
                ],
                pass_fds=(theirs.fileno(),),
                env=env,
                stdin=subprocess.DEVNULL,
            )
        return process, Connection(ours.detach())

    def _handshake(self, process: subprocess.Popen[bytes], conn: Connection) -> _Worker:
        try:
            if not conn.poll(60):
                raise StoreUnavailable("A query worker did not start within 60 s.")
            status, payload = conn.recv()
        except (EOFError, OSError) as exc:
            payload, status = f"A query worker exited while starting ({exc!r}).", "failed"
        if status != "ready":
            process.kill()
            process.wait(5)
            conn.close()
            raise StoreUnavailable(str(payload))
        return _Worker(process, conn, bool(payload))

    def _add(self, worker: _Worker) -> None:
        with self._lock:
            if self._closed:
                self._stop(worker)
                return
            self._live.add(worker)
        self._idle.put(worker)

    def _acquire(self) -> _Worker:
        with self._lock:
            missing, self._missing = self._missing, 0
        for _ in range(missing):
            self._replace()
        try:
            return self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise QueryTimeout(
                f"All {self.size} query workers stayed busy for {self.timeout:g} s; "
                "please retry later."
            ) from None

    def _release(self, worker: _Worker) -> None:
        self._idle.put(worker)

    def _discard(self, worker: _Worker) -> None:
        """Kill a worker now, put the spare in its place, and start a new spare."""
        with self._lock:
            self._live.discard(worker)
            spare, self._spare = self._spare, None
            closed = self._closed
        self._stop(worker)
        if closed:
            return
        if spare is not None:
            self._add(spare)
        threading.Thread(target=self._replace, name="sparql-respawn", daemon=True).start()

    def _replace(self) -> None:
        try:
            self._keep(self._handshake(*self._spawn()))
        except StoreUnavailable:
            log.exception("could not start a replacement SPARQL worker")
            with self._lock:
                self._missing += 1

    def _keep(self, worker: _Worker) -> None:
        """Put a new worker in service if the pool is short, else keep it as the spare."""
        with self._lock:
            spare_wanted = len(self._live) >= self.size and self._spare is None
            if spare_wanted and not self._closed:
                self._spare = worker
                return
        if len(self._live) >= self.size:  # neither needed nor wanted
            self._stop(worker)
            return
        self._add(worker)

    @staticmethod
    def _stop(worker: _Worker) -> None:
        worker.process.kill()
        worker.process.wait(5)
        worker.conn.close()
