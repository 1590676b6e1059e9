"""The store: building it from the repository, opening it, and querying it.

This module owns the on-disk layout of the embedded pyoxigraph (RocksDB)
store and the one place where SPARQL is handed to it. It knows which file goes
into which named graph; it does not know how a plan text becomes RDF (that is
:mod:`safetykg.extract`) nor which facts are inferred (that is
:mod:`safetykg.reason`).

Layout under ``data_dir``::

    data_dir/
      store -> store-20250101T120000-ab12cd   symlink to the current build
      store-20250101T120000-ab12cd/           RocksDB files of one complete build
      store-20241231T090000-ef34gh/           the previous build, kept for running readers
      .build.lock                             held while a build runs

``build`` writes a new generation next to the current one and then swaps the
symlink with one ``rename``, so a reader either opens the old store or the new
one, never half of either. A process that already has a store open keeps
reading the generation it opened; the previous generation is kept on disk so a
server started before the last build keeps working until it is restarted.

Named graphs (see :mod:`safetykg.namespaces`): ``graph/ontology``,
``graph/plan/<id>``, ``graph/reference``, ``graph/hazards``, ``graph/inferred``,
and ``graph/audit`` (:mod:`safetykg.audit`). A build makes the ontology, plan,
reference and inferred graphs afresh from the repository; the registry
(``graph/hazards`` and its index in the default graph) and the audit trail are
written at run time, so a build carries them over from the current store
(:data:`CARRIED_GRAPHS`): the embedded build copies them into the new
generation, a build on a SPARQL server leaves them where they are.
:func:`query` always evaluates over the union of the named graphs. Note that
pyoxigraph's union does not remove duplicates: a triple stated in two graphs
matches twice (``COUNT`` counts it twice), which is why the reasoner never
re-states a fact that some graph already holds.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import shutil
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

import rdflib
from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    Triple,
    Variable,
)
from tqdm import tqdm

from safetykg.errors import QueryError, QuerySyntaxError, SafetyKGError, StoreUnavailable
from safetykg.namespaces import (
    GRAPH,
    GRAPH_HAZARDS,
    GRAPH_INFERRED,
    GRAPH_ONTOLOGY,
    GRAPH_REFERENCE,
    PREFIXES,
    plan_graph,
)

if TYPE_CHECKING:
    from safetykg.remote import RemoteStore
    from safetykg.settings import Settings

__all__ = [
    "CARRIED_GRAPHS",
    "BuildReport",
    "PlanEntry",
    "PlanExtractor",
    "QueryResult",
    "Term",
    "build",
    "connect",
    "graph_sizes",
    "open_store",
    "oxigraph_term",
    "query",
    "rdflib_graph",
    "read_plan_list",
    "store_path",
]

log = logging.getLogger(__name__)

Term: TypeAlias = NamedNode | BlankNode | Literal | Triple
"""A pyoxigraph RDF term, as bound in query solutions and substitutions."""

QueryResult: TypeAlias = QuerySolutions | QueryBoolean | QueryTriples
"""What :func:`query` returns: solutions (SELECT), a boolean (ASK) or triples."""

GRAPH_AUDIT = GRAPH["audit"]
"""Written by :mod:`safetykg.audit`; kept by every build (see :data:`CARRIED_GRAPHS`)."""

CARRIED_GRAPHS = (GRAPH_HAZARDS, GRAPH_AUDIT)
"""Named graphs :func:`build` keeps from the current store: they are written at run time
(hazards by ``safetykg ingest`` and the API, audit records by every write), not made from
the repository. The embedded build copies them into the new store; a build on a SPARQL
server leaves them in place (:func:`_build_remote`). The default graph, where the registry
keeps its index (:mod:`safetykg.registry.index`), goes with ``graph/hazards``."""

STORE_LINK = "store"
_GENERATION_PREFIX = "store-"
_BUILD_PREFIX = ".build-"
_PLAN_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class PlanExtractor(Protocol):
    """The signature of :func:`safetykg.extract.plan_turtle`."""

    def __call__(
        self, source_text: str, plan_id: str, jurisdiction: str, source_name: str
    ) -> str: ...


@dataclass(frozen=True)
class PlanEntry:
    """One ``[[plan]]`` table of ``graph_data/plans.toml``."""

    id: str
    source: Path
    """Path of the plan text, relative to ``graph_data/``."""
    jurisdiction: str

    @property
    def source_name(self) -> str:
        """The name the extractor records for the source document (the file name)."""
        return self.source.name

    @property
    def turtle_path(self) -> Path:
        """Where the extracted graph is committed, relative to ``graph_data/``."""
        return Path("plans") / f"{self.id}.ttl"


@dataclass
class BuildReport:
    """What :func:`build` did, for the CLI to print and tests to check."""

    store_path: Path
    graphs: dict[str, int]
    plans_written: list[Path] = field(default_factory=list)
    inferred: int = 0
    seconds: float = 0.0
    location: str | None = None
    """Where the store is, when it is not ``store_path``: the remote server's URL."""
    carried: list[str] = field(default_factory=list)
    """Graphs copied over from the previous store (:data:`CARRIED_GRAPHS`; ``""`` is the
    default graph, the registry's index)."""


# --------------------------------------------------------------------------- layout


def store_path(data_dir: Path | str) -> Path:
    """The path a reader opens: the symlink to the current build.

    >>> store_path("data").as_posix()
    'data/store'
    """
    return Path(data_dir) / STORE_LINK


def open_store(data_dir: Path | str, read_only: bool = False) -> Store:
    """Open the current build under ``data_dir``.

    Open read-only wherever nothing writes (CLI queries, a service with writes
    off): any number of read-only handles can coexist, but RocksDB allows a
    read-write handle only alone, and a read-only handle cannot be opened
    while a read-write one is live.

    The symlink is resolved here, once: RocksDB keeps the path it was opened
    with and creates and deletes its files under it for as long as the handle
    lives, so a handle opened through ``data_dir/store`` would write into (and
    delete files from) whichever generation the link points to *later*, after
    a ``build`` or ``restore`` has swapped it.

    Raises :class:`StoreUnavailable` when nothing has been built yet or the
    store cannot be opened (for instance, because another process holds it
    read-write).
    """
    path = store_path(data_dir)
    if not path.exists():
        raise StoreUnavailable(f"No store at {path}; run `safetykg build` first.")
    generation = path.resolve()
    try:
        return Store.read_only(str(generation)) if read_only else Store(str(generation))
    except (OSError, RuntimeError) as exc:
        raise StoreUnavailable(
            f"Cannot open the store at {path} ({exc}). If another process has it open "
            "read-write, stop it or open this one read-only."
        ) from exc


def connect(settings: Settings, *, read_only: bool | None = None) -> Store | RemoteStore:
    """Open the store the settings name: the one place that chooses embedded or remote.

    ``SAFETYKG_STORE`` unset or a path: the embedded store under the data
    directory (:func:`open_store`); an ``http(s)://`` URL: a
    :class:`safetykg.remote.RemoteStore` on that SPARQL server, which answers
    the same ``Store`` methods. ``read_only`` defaults to "unless the settings
    let someone write".

    Raises :class:`StoreUnavailable` when the embedded store cannot be opened
    (a remote server is only contacted by the first request).

    >>> from safetykg.settings import Settings
    >>> connect(Settings(store="http://127.0.0.1:7878"))
    <RemoteStore oxigraph http://127.0.0.1:7878/query>
    """
    read_only = not settings.writes_enabled if read_only is None else read_only
    if settings.remote_store:
        from safetykg.remote import RemoteStore

        return RemoteStore.from_settings(settings, read_only=read_only)
    return open_store(settings.data_dir, read_only=read_only)


# --------------------------------------------------------------------------- plans


def read_plan_list(project_root: Path | str) -> list[PlanEntry]:
    """Read ``graph_data/plans.toml``: one ``[[plan]]`` table per plan.

    Each entry needs ``id`` (a lowercase slug, used in graph and resource IRIs),
    ``source`` (the plan text, relative to ``graph_data/``) and
    ``jurisdiction`` (the region slug its departments belong to).

    Raises :class:`SafetyKGError` naming the file and entry when one is wrong.
    """
    graph_data = Path(project_root) / "graph_data"
    path = graph_data / "plans.toml"
    if not path.is_file():
        raise SafetyKGError(
            f"No {path}; run from the repository root or set SAFETYKG_PROJECT_ROOT."
        )
    with path.open("rb") as f:
        doc = tomllib.load(f)
    entries: list[PlanEntry] = []
    for i, table in enumerate(doc.get("plan", []), start=1):
        where = f"{path}, plan #{i}"
        missing = {"id", "source", "jurisdiction"} - table.keys()
        if missing:
            raise SafetyKGError(f"{where}: missing {', '.join(sorted(missing))}.")
        if not _PLAN_ID.match(table["id"]) or not _PLAN_ID.match(table["jurisdiction"]):
            raise SafetyKGError(f"{where}: id and jurisdiction must be lowercase slugs.")
        entry = PlanEntry(table["id"], Path(table["source"]), table["jurisdiction"])
        if not (graph_data / entry.source).is_file():
            raise SafetyKGError(f"{where}: source {graph_data / entry.source} does not exist.")
        entries.append(entry)
    ids = [e.id for e in entries]
    if len(set(ids)) != len(ids):
        raise SafetyKGError(f"{path}: plan ids must be unique, got {ids}.")
    return entries


def _default_extractor() -> PlanExtractor:
    try:
        from safetykg.extract import plan_turtle  # type: ignore[attr-defined]
    except ImportError as exc:
        raise SafetyKGError(
            "safetykg.extract.plan_turtle is not available; build with reextract=False "
            "(`safetykg build --no-extract`) to load the committed plan graphs."
        ) from exc
    return plan_turtle  # type: ignore[no-any-return]


def _write_if_changed(path: Path, text: str) -> bool:
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


# --------------------------------------------------------------------------- build


def build(
    data_dir: Path | str,
    project_root: Path | str,
    *,
    extract: PlanExtractor | None = None,
    reextract: bool = True,
    progress: bool | None = None,
    remote: RemoteStore | None = None,
    carry_over: bool = True,
) -> BuildReport:
    """Build a fresh store from the repository and make it the current one.

    1. Read ``graph_data/plans.toml``; for each plan run the extractor on its
       text and rewrite ``graph_data/plans/<id>.ttl`` only if the Turtle
       differs, so a build on a clean checkout leaves the committed files
       byte for byte unchanged (``reextract=False`` skips this step and
       loads the committed files as they are).
    2. Bulk-load ``ontology/safetykg.ttl`` into ``graph/ontology``, each plan
       into ``graph/plan/<id>``, ``graph_data/reference/*.ttl`` into
       ``graph/reference`` and, if present, ``graph_data/hazards/*.ttl`` into
       ``graph/hazards``.
    3. Copy from the current store, if there is one, what no file in the
       repository holds (:func:`_carry_over`): the hazard registry
       (``graph/hazards`` and its index in the default graph) and the audit
       trail (``graph/audit``). ``carry_over=False`` starts them empty.
    4. Materialise ``graph/inferred`` (:func:`safetykg.reason.materialise`),
       over the carried hazards too.
    5. Swap the ``data_dir/store`` symlink to the new build in one rename and
       delete generations older than the previous one.

    The copy is the current store as of the moment step 3 opens it. A service
    that keeps writing to the current store after that writes to the previous
    generation, which the new store does not see: stop writers for the build,
    or restart the service as soon as it is done.

    ``extract`` defaults to :func:`safetykg.extract.plan_turtle`. ``progress``
    defaults to showing a bar only when stderr is a terminal.

    With ``remote`` (a :class:`safetykg.remote.RemoteStore`) steps 2 to 4 run
    on that SPARQL server instead (:func:`_build_remote`) and ``data_dir`` is
    not touched: the graphs the build makes are replaced in place, which
    readers of the server see happen (there is no symlink to swap on a
    server), and the registry, its index and the audit trail are carried over
    by leaving them as they are (``carry_over=False`` drops them).

    Raises :class:`SafetyKGError` for a bad ``plans.toml`` or a missing
    ontology, :class:`StoreUnavailable` when there is a current store but it
    cannot be read (so what it holds cannot be carried over; nothing is
    published), and lets a Turtle ``SyntaxError`` through with the file named.
    """
    from safetykg.reason import materialise  # reason builds on this module

    started = time.monotonic()
    data_dir = Path(data_dir)
    root = Path(project_root)
    graph_data = root / "graph_data"
    show = sys.stderr.isatty() if progress is None else progress

    plans = read_plan_list(root)
    ontology = root / "ontology" / "safetykg.ttl"
    if not ontology.is_file():
        raise SafetyKGError(f"No ontology at {ontology}.")

    written: list[Path] = []
    if reextract:
        extractor = extract or _default_extractor()
        for plan in tqdm(plans, desc="extract", unit="plan", disable=not show):
            text = (graph_data / plan.source).read_text(encoding="utf-8")
            turtle = extractor(text, plan.id, plan.jurisdiction, plan.source_name)
            target = graph_data / plan.turtle_path
            if _write_if_changed(target, turtle):
                written.append(target)
                log.info("wrote %s", target)

    loads: list[tuple[Path, NamedNode]] = [(ontology, _nn(GRAPH_ONTOLOGY))]
    for plan in plans:
        plan_file = graph_data / plan.turtle_path
        if not plan_file.is_file():
            raise SafetyKGError(f"No plan graph at {plan_file}; build with extraction on.")
        loads.append((plan_file, _nn(plan_graph(plan.id))))
    loads += [(p, _nn(GRAPH_REFERENCE)) for p in sorted(graph_data.glob("reference/*.ttl"))]
    loads += [(p, _nn(GRAPH_HAZARDS)) for p in sorted(graph_data.glob("hazards/*.ttl"))]

    if remote is not None:
        sizes, inferred, carried = _build_remote(remote, loads, show, carry_over)
        return BuildReport(
            store_path=store_path(data_dir),
            graphs=sizes,
            plans_written=written,
            inferred=inferred,
            seconds=time.monotonic() - started,
            location=remote.url,
            carried=carried,
        )

    data_dir.mkdir(parents=True, exist_ok=True)
    with _build_lock(data_dir):
        work = Path(tempfile.mkdtemp(prefix=_BUILD_PREFIX, dir=data_dir))
        try:
            store = Store(str(work))
            for path, graph in tqdm(loads, desc="load", unit="file", disable=not show):
                try:
                    store.bulk_load(path=str(path), format=RdfFormat.TURTLE, to_graph=graph)
                except SyntaxError as exc:
                    raise SyntaxError(f"{path}: {exc}") from exc
            for graph in {g for _, g in loads}:
                store.add_graph(graph)  # an empty file still yields its named graph
            carried = _carry_over(data_dir, store) if carry_over else []
            inferred = materialise(store)
            sizes = graph_sizes(store)
            store.flush()
            store.optimize()
            del store  # closes RocksDB before the directory is published
            generation = data_dir / (
                _GENERATION_PREFIX
                + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f-")
                + work.name.removeprefix(_BUILD_PREFIX)
            )
            os.rename(work, generation)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        _publish(data_dir, generation)
        _prune(data_dir)

    return BuildReport(
        store_path=store_path(data_dir),
        graphs=sizes,
        plans_written=written,
        inferred=inferred,
        seconds=time.monotonic() - started,
        carried=carried,
    )


def _carry_over(data_dir: Path, target: Store) -> list[str]:
    """Copy :data:`CARRIED_GRAPHS` and the default graph from the current store into
    ``target``; return the names of the graphs copied (``""``: the default graph).

    The current store is opened read-only, so this works while the service
    holds it read-write. Each graph is streamed through an N-Triples file next
    to the stores and bulk-loaded, so a registry of millions of triples is not
    held in memory. Any other graph that the build does not make is left
    behind, and logged.

    A read-only handle next to a live writer can fail to open, or to read,
    while the writer compacts (a table file it was about to read is gone); the
    copy is then started again, a few times, from a fresh handle.

    Raises :class:`StoreUnavailable` when a current store exists but cannot
    be read.
    """
    if not store_path(data_dir).exists():
        return []
    fd, name = tempfile.mkstemp(prefix=".carry-", suffix=".nt", dir=data_dir)
    os.close(fd)
    scratch = Path(name)
    try:
        for attempt in range(1, _CARRY_ATTEMPTS + 1):
            try:
                return _copy_carried(data_dir, target, scratch)
            except (StoreUnavailable, OSError, RuntimeError) as exc:
                for graph in CARRIED_GRAPHS:
                    target.remove_graph(_nn(graph))
                target.clear_graph(DefaultGraph())
                if attempt == _CARRY_ATTEMPTS:
                    detail = exc.detail if isinstance(exc, StoreUnavailable) else str(exc)
                    raise StoreUnavailable(
                        f"The current store cannot be read, so its hazard registry and audit "
                        f"trail cannot be carried over to the new build ({detail}). Nothing "
                        "was published. Repair or restore it (`safetykg restore`), or build "
                        "without carrying them over."
                    ) from exc
                log.info("build: copying from the current store failed (%s); retrying", exc)
                time.sleep(0.2 * attempt)
    finally:
        scratch.unlink(missing_ok=True)
    raise AssertionError("unreachable")  # pragma: no cover


_CARRY_ATTEMPTS = 5


def _copy_carried(data_dir: Path, target: Store, scratch: Path) -> list[str]:
    """One attempt of :func:`_carry_over`."""
    current = open_store(data_dir, read_only=True)
    wanted = {str(g) for g in CARRIED_GRAPHS}
    graphs: list[NamedNode | DefaultGraph] = []
    for graph in current.named_graphs():
        if graph.value in wanted:
            graphs.append(graph)
        elif not _rebuilt(graph.value):
            log.warning("build: graph <%s> is not carried over to the new store", graph.value)
    graphs.append(DefaultGraph())
    carried: list[str] = []
    for graph in graphs:
        current.dump(output=str(scratch), format=RdfFormat.N_TRIPLES, from_graph=graph)
        if isinstance(graph, NamedNode):
            target.add_graph(graph)  # kept even when empty
        if scratch.stat().st_size:
            target.bulk_load(path=str(scratch), format=RdfFormat.N_TRIPLES, to_graph=graph)
        carried.append(getattr(graph, "value", ""))
    return carried


def _rebuilt(graph: str) -> bool:
    """True for a graph :func:`build` makes from the repository.

    >>> _rebuilt("https://w3id.org/safetykg/graph/plan/bozhou-2024"), _rebuilt(str(GRAPH_AUDIT))
    (True, False)
    """
    made = {str(GRAPH_ONTOLOGY), str(GRAPH_REFERENCE), str(GRAPH_INFERRED)}
    return graph in made or graph.startswith(str(GRAPH["plan/"]))


def _build_remote(
    store: RemoteStore, loads: list[tuple[Path, NamedNode]], show: bool, carry_over: bool
) -> tuple[dict[str, int], int, list[str]]:
    """Steps 2–4 of :func:`build` on a SPARQL server; return the graph sizes, the number
    of inferred triples and the graphs carried over (as :attr:`BuildReport.carried`).

    A server has no second store to build into, so the carry-over is done by
    leaving alone what the embedded build would copy: :data:`CARRIED_GRAPHS`
    and the default graph (the registry's index; kept in ``<graphs>default``
    where the server's default graph is not ours, see :mod:`safetykg.remote`).
    Every other graph of ours is dropped (one not made by a build is logged,
    as the embedded build does), then each file is bulk-loaded into its graph
    and ``graph/inferred`` is materialised (:func:`safetykg.remote.materialise`)
    over all of them, the carried hazards included. ``carry_over=False`` drops
    the carried graphs and clears the default graph too, so the server ends up
    holding what a fresh embedded build holds.
    """
    from safetykg.remote import materialise as materialise_remote

    existing = list(store.named_graphs())
    keep = {str(g) for g in CARRIED_GRAPHS} if carry_over else set()
    drops: list[str] = []
    for graph in existing:
        if graph.value in keep:
            continue
        if carry_over and not _rebuilt(graph.value):
            log.warning("build: graph <%s> is not carried over to the new store", graph.value)
        drops.append(f"DROP SILENT GRAPH {graph}")
    if drops:
        store.update(" ;\n".join(drops))
    if not carry_over:
        store.clear_graph(DefaultGraph())  # the registry keeps record digests there
    carried: list[str] = []
    if carry_over and existing:  # there was a store to carry from, as embedded
        carried = [g.value for g in existing if g.value in keep] + [""]
    for path, graph in tqdm(loads, desc="load", unit="file", disable=not show):
        try:
            store.bulk_load(path=str(path), format=RdfFormat.TURTLE, to_graph=graph)
        except SyntaxError as exc:
            raise SyntaxError(f"{path}: {exc}") from exc
    for graph in {g for _, g in loads}:
        store.add_graph(graph)
    inferred = materialise_remote(store)
    return graph_sizes(store), inferred, carried


@contextlib.contextmanager
def _build_lock(data_dir: Path) -> Iterator[None]:
    with (data_dir / ".build.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise SafetyKGError(f"Another build is running in {data_dir}.") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _publish(data_dir: Path, generation: Path) -> None:
    """Point ``data_dir/store`` at ``generation`` with one atomic rename."""
    link = store_path(data_dir)
    if link.exists() and not link.is_symlink():
        # A plain directory from elsewhere: keep it as an older generation.
        os.rename(link, data_dir / f"{_GENERATION_PREFIX}legacy-{time.time_ns()}")
    tmp_link = data_dir / f".{STORE_LINK}.{os.getpid()}.new"
    with contextlib.suppress(FileNotFoundError):
        tmp_link.unlink()
    tmp_link.symlink_to(generation.name, target_is_directory=True)
    os.replace(tmp_link, link)


def _prune(data_dir: Path, keep: int = 2) -> None:
    """Delete all generations but the current one and the one before it."""
    current = os.readlink(store_path(data_dir))
    generations = sorted(
        (p for p in data_dir.iterdir() if p.name.startswith(_GENERATION_PREFIX) and p.is_dir()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    kept = [g for g in generations if g.name == current]
    kept += [g for g in generations if g.name != current][: keep - 1]
    for old in generations:
        if old not in kept:
            shutil.rmtree(old, ignore_errors=True)


# --------------------------------------------------------------------------- query


def query(
    store: Store,
    sparql: str,
    substitutions: Mapping[str | Variable, Any] | None = None,
    *,
    prefixes: Mapping[str, str] | None = None,
    base_iri: str | None = None,
) -> QueryResult:
    """Run a SPARQL query over the union of all named graphs.

    This is the one door to the engine: the default graph is always the union
    of the named graphs, so ``?s ?p ?o`` sees ontology, plans, reference,
    hazards and inferred facts without ``GRAPH`` clauses, and ``GRAPH ?g``
    still tells them apart.

    ``substitutions`` binds variables to RDF terms before evaluation (never
    paste values into the text). Keys are variable names (``"dept"`` or
    ``"?dept"``) or :class:`pyoxigraph.Variable`; values are pyoxigraph or
    rdflib terms. As in SEP-0007, a substituted variable stays a result
    variable, so it must be projected: ``SELECT ?dept ?label`` or ``SELECT *``,
    not ``SELECT ?label`` (pyoxigraph refuses the latter). ``prefixes`` are
    extra PREFIX declarations the text may use without declaring.

    Raises :class:`QuerySyntaxError` when the text does not parse,
    :class:`QueryError` when it cannot be evaluated as given, and
    :class:`StoreUnavailable` when the store cannot be read.

    >>> from pyoxigraph import Quad
    >>> s = Store()
    >>> s.add(Quad(NamedNode("http://ex/a"), NamedNode("http://ex/p"), Literal("甲", language="zh"),
    ...            NamedNode("http://ex/g")))
    >>> [r["o"].value for r in query(s, "SELECT * { ?s ?p ?o }", {"s": NamedNode("http://ex/a")})]
    ['甲']
    """
    subs = {_variable(k): oxigraph_term(v) for k, v in (substitutions or {}).items()}
    try:
        return store.query(
            sparql,
            use_default_graph_as_union=True,
            substitutions=subs or None,
            prefixes=dict(prefixes) if prefixes else None,
            base_iri=base_iri,
        )
    except SyntaxError as exc:
        raise QuerySyntaxError(str(exc)) from exc
    except OSError as exc:
        raise StoreUnavailable(f"The store could not be read: {exc}") from exc
    except RuntimeError as exc:  # e.g. a substituted variable missing from the projection
        raise QueryError(str(exc)) from exc


def graph_sizes(store: Store) -> dict[str, int]:
    """Triple count of each named graph, by graph IRI (sorted).

    >>> from pyoxigraph import Quad
    >>> s = Store()
    >>> s.add(Quad(NamedNode("http://ex/a"), NamedNode("http://ex/p"), Literal("1"),
    ...            NamedNode("http://ex/g")))
    >>> graph_sizes(s)
    {'http://ex/g': 1}
    """
    rows = store.query("SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    sizes = {r["g"].value: int(r["n"].value) for r in rows}  # type: ignore[union-attr, index]
    for g in store.named_graphs():  # empty graphs have no rows
        sizes.setdefault(g.value, 0)
    return dict(sorted(sizes.items()))


def rdflib_graph(store: Store, *graphs: str | rdflib.URIRef | NamedNode) -> rdflib.Graph:
    """Copy named graphs out of the store into one rdflib graph (for rdflib,
    pyshacl, owlrl and owlready2, which cannot read pyoxigraph directly).

    Blank nodes keep their identity across the graphs copied in one call.
    """
    result = rdflib.Graph()
    for prefix, iri in PREFIXES.items():
        result.bind(prefix, iri)
    data = b"".join(store.dump(format=RdfFormat.N_TRIPLES, from_graph=_nn(g)) for g in graphs)
    result.parse(data=data, format="nt")
    return result


# --------------------------------------------------------------------------- terms


def oxigraph_term(term: Any) -> Term:
    """Convert an rdflib term to the pyoxigraph one (pyoxigraph terms pass through).

    >>> from rdflib import Literal as L, XSD
    >>> oxigraph_term(L("2025-01-31", datatype=XSD.date))
    <Literal value=2025-01-31 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#date>>
    """
    if isinstance(term, NamedNode | BlankNode | Literal | Triple):
        return term
    if isinstance(term, rdflib.URIRef):
        return NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return Literal(str(term), language=term.language)
        datatype = NamedNode(str(term.datatype)) if term.datatype else None
        return Literal(str(term), datatype=datatype)
    raise TypeError(f"not an RDF term: {term!r}")


def _nn(iri: str | rdflib.URIRef | NamedNode) -> NamedNode:
    return iri if isinstance(iri, NamedNode) else NamedNode(str(iri))


def _variable(name: str | Variable) -> Variable:
    return name if isinstance(name, Variable) else Variable(name.removeprefix("?"))
