"""Writing registry changes to the store: records, history and index, together.

A change to the registry is a :class:`Batch`: triples to add, triples to
remove and counter deltas for the index. :func:`commit` applies it

* **in one transaction** (one SPARQL Update, ``DELETE DATA … ; INSERT DATA …``)
  when the batch is small: either all of it is written or none; or
* **with the bulk loader** when the batch is large (an import of thousands of
  hazards): the additions are streamed to an N-Quads file while the import is
  validated and loaded with :meth:`pyoxigraph.Store.bulk_load` only after the
  whole batch has passed. The bulk loader is not transactional: a crash (not
  bad input, which never gets this far) can leave part of a batch written;
  importing the same file again completes it (each record's digest is written
  after the rest of it, and the repair below drops records without one).

  When a large batch only *adds* records (none of its hazards or enterprises
  is stored yet) it may be given the store as ``loader``: each spool file is
  then bulk-loaded in a background thread as soon as it is full, while the
  import goes on building the next one (the loader releases the GIL, so
  Python and RocksDB each keep a core busy; a SPARQL server loads while
  Python reads). Bad input found later still leaves the store as it was:
  every quad such a batch loads is new, so :meth:`Batch.discard` removes
  exactly what was loaded early (``DELETE DATA`` in chunks of
  :data:`UNLOAD_LINES`).

  Records may be in the store before their index counters are (written
  last), so a bulk write first puts :data:`~safetykg.registry.index.BULK_IMPORT_LINE`
  in the index and takes it out with the counters. A crash leaves it there,
  and the next import rebuilds the index before it reads it
  (:func:`repair_interrupted_import`).

The update text is built from N-Quads lines whose terms were serialised by
:mod:`~safetykg.registry.records` (checked ids, ISO dates, pyoxigraph-escaped
literals); nothing from a client is pasted into it.

Writers are serialised by a process-wide lock: the registry's counters are
read, changed and written back, so two writers must not interleave.
"""

from __future__ import annotations

import itertools
import os
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from pyoxigraph import DefaultGraph, NamedNode, RdfFormat, Store

from safetykg.errors import StoreUnavailable
from safetykg.namespaces import GRAPH_HAZARDS, ID, SK
from safetykg.registry import index as ix
from safetykg.registry.records import (
    EnterpriseRecord,
    HazardRecord,
    StatusChangeRecord,
    hazard_iri,
)
from safetykg.registry.reference import Reference

__all__ = [
    "LOCK",
    "Batch",
    "WriteStats",
    "commit",
    "rebuild_index",
    "repair_interrupted_import",
    "replace_hazard",
]

LOCK = threading.RLock()
"""Held while a batch is committed (counters are read-modify-write)."""

_XSD_INT = "http://www.w3.org/2001/XMLSchema#integer"


@dataclass
class WriteStats:
    added: int = 0
    removed: int = 0
    mode: str = "none"
    """``transaction``, ``bulk`` or ``none`` (nothing to write)."""


SPOOL_CHUNK_LINES = 1_000_000
"""Lines per spool file: the bulk loader's memory grows with its input (about 0.9 GB for a
million quads), so a large batch is loaded a file of this size at a time."""


@dataclass
class Batch:
    """Changes to write. Additions go to a list, or, when ``spool`` is set, to a series of
    N-Quads files of :data:`SPOOL_CHUNK_LINES` lines each."""

    reference: Reference
    spool: bool = False
    spool_dir: Path | None = None
    chunk_lines: int = field(default_factory=lambda: SPOOL_CHUNK_LINES)
    loader: Store | None = None
    """Load full spool files into this store while the batch is built (additions only)."""
    add: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    counts: Counter[ix.CountKey] = field(default_factory=Counter)
    added_lines: int = 0
    _file: IO[str] | None = None
    _paths: list[Path] = field(default_factory=list)
    _in_file: int = 0
    _loading: list[tuple[Path, Future[None]]] = field(default_factory=list)
    _thread: ThreadPoolExecutor | None = None
    _index_was_empty: bool | None = None
    _committed: bool = False

    def __post_init__(self) -> None:
        if self.spool:
            if self.loader is not None:
                self._index_was_empty = _index_empty(self.loader)
                _mark_bulk_import(self.loader)
                self._thread = ThreadPoolExecutor(1, thread_name_prefix="safetykg-bulk-load")
            self._rotate()

    def _rotate(self) -> None:
        if self._file is not None:
            self._file.close()
            if self._thread is not None:  # full: load it while the next one is written
                path = self._paths.pop()
                self._loading.append((path, self._thread.submit(_load, self.loader, path)))
        fd, name = tempfile.mkstemp(suffix=".nq", prefix="safetykg-ingest-", dir=self.spool_dir)
        self._paths.append(Path(name))
        self._file = os.fdopen(fd, "w", encoding="utf-8", buffering=1 << 20)
        self._in_file = 0

    # ----------------------------------------------------------------- building

    def extend(self, lines: Iterable[str]) -> None:
        if self._file is not None:
            lines = list(lines)
            self._file.writelines(lines)
            self.added_lines += len(lines)
            self._in_file += len(lines)
            if self._in_file >= self.chunk_lines:
                self._rotate()
        else:
            before = len(self.add)
            self.add.extend(lines)
            self.added_lines += len(self.add) - before

    def hazard(
        self,
        old: HazardRecord | None,
        new: HazardRecord,
        changes: Sequence[StatusChangeRecord] = (),
        superseded: StatusChangeRecord | None = None,
        old_digest: str | None = None,
        old_history: Sequence[StatusChangeRecord] = (),
    ) -> None:
        """Replace ``old`` (``None``: nothing stored yet) by ``new`` and append ``changes``.

        ``old_history`` is the stored history (needed for the statistics entries
        whenever ``old`` is given); ``superseded`` is its last change, now superseded.
        """
        history = list(old_history)
        if superseded is not None and history and history[-1].seq == superseded.seq:
            history[-1] = superseded
        history += changes
        if old is not None:
            before = ix.entries(old, ix.scopes(old, self.reference))
            self.remove.extend(old.lines())
            self.remove.extend(before.members)
            old_lines, old_keys = ix.status_entries(old, old_history)
            self.remove.extend(old_lines)
            self.counts.subtract(old_keys)
            if old_digest is not None:
                before.digest = old_digest
            self.remove.append(before.digest_line(old.iri))
            self.counts.subtract(before.keys)
        lines = new.lines()
        after = ix.entries(new, ix.scopes(new, self.reference), new.digest(lines))
        lines += after.members
        for change in changes:
            lines += change.lines()
        status_lines, status_keys = ix.status_entries(new, history)
        lines += status_lines
        if superseded is not None:
            # the stored last change gains its sk:supersededAt; its other triples stay
            lines += [ln for ln in superseded.lines() if "supersededAt" in ln]
        # The digest says "this record is stored": last, so that a load cut short in order
        # (an interrupted series of uploads) never holds the digest without the rest.
        lines.append(after.digest_line(new.iri))
        self.extend(lines)
        self.counts.update(after.keys)
        self.counts.update(status_keys)

    def enterprise(
        self, old: EnterpriseRecord | None, new: EnterpriseRecord, old_digest: str | None = None
    ) -> None:
        """Replace ``old`` (``None``: new) by ``new``."""
        lines = new.lines()
        if old is not None:
            self.remove.extend(old.lines())
            self.remove.append(ix.Entries([], [], old_digest or old.digest()).digest_line(old.iri))
        lines.append(ix.Entries([], [], new.digest()).digest_line(new.iri))
        self.extend(lines)

    def wait_for_loads(self) -> None:
        """Block until the files handed to the loader are in the store (re-raising its error)."""
        for _, future in self._loading:
            future.result()

    def discard(self) -> None:
        """Throw the spool files away (written, or the batch was refused). A refused batch's
        early loads are taken out of the store again."""
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._thread is not None:
            self._thread.shutdown(wait=True)
            self._thread = None
        if not self._committed and self.loader is not None:
            for path, future in self._loading:
                if future.exception() is None:
                    _unload(self.loader, path)
            self.loader.update(_update_text([ix.BULK_IMPORT_LINE], []))
            self.loader.flush()
        for path in self._paths + [p for p, _ in self._loading]:
            path.unlink(missing_ok=True)
        self._paths = []
        self._loading = []

    @property
    def empty(self) -> bool:
        return not (self.added_lines or self.remove or any(self.counts.values()))


def _mark_bulk_import(store: Store) -> None:
    store.update(_update_text([], [ix.BULK_IMPORT_LINE]))
    store.flush()  # on disk before any record: a crash after a load must find it


def repair_interrupted_import(store: Store, reference: Reference | None = None) -> bool:
    """Repair the registry if a bulk import was interrupted (its mark is still in the
    index); returns whether it did. Records the load cut short (no digest: it is their last
    line) are taken out, then the index is rebuilt. The complete records stay: importing
    the same file again adds the rest."""
    subject, predicate = map(NamedNode, ix.BULK_IMPORT_MARK)
    if not any(True for _ in store.quads_for_pattern(subject, predicate, None)):
        return False
    _drop_incomplete(store)
    rebuild_index(store, reference)
    return True


_RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def _drop_incomplete(store: Store) -> None:
    digests = store.quads_for_pattern(None, NamedNode(str(SK.recordDigest)), None, DefaultGraph())
    complete = {q.subject.value for q in digests}
    graph = NamedNode(str(GRAPH_HAZARDS))
    doomed: set[NamedNode] = set()
    for quad in store.quads_for_pattern(None, _RDF_TYPE, None, graph):
        node = quad.subject.value
        kind, _, rest = node.removeprefix(str(ID)).partition("/")
        record = hazard_iri(rest.split("/")[0]) if kind == "status-change" else node
        if record not in complete:
            doomed.add(quad.subject)  # type: ignore[arg-type]
            doomed.add(NamedNode(record))
    # read them all first: the store is not changed under an open iterator
    _delete_lines(
        store, [f"{q} ." for s in doomed for q in store.quads_for_pattern(s, None, None, graph)]
    )


def _load(store: Store, path: Path) -> None:
    store.bulk_load(path=str(path), format=RdfFormat.N_QUADS)


UNLOAD_LINES = 10_000
"""Lines per ``DELETE DATA`` when early loads are taken out again: one request per chunk to
a SPARQL server; in the embedded store as fast as removing quads one by one."""


def _unload(store: Store, path: Path) -> None:
    """Take the quads of an N-Quads spool file out of ``store`` again."""
    with path.open(encoding="utf-8") as f:
        _delete_lines(store, f)


def _delete_lines(store: Store, lines: Iterable[str]) -> None:
    """``DELETE DATA`` for N-Quads lines, :data:`UNLOAD_LINES` at a time."""
    lines = iter(lines)
    while chunk := list(itertools.islice(lines, UNLOAD_LINES)):
        store.update(_update_text(chunk, []))


def _index_empty(store: Store) -> bool:
    return not any(True for _ in store.quads_for_pattern(None, None, None, DefaultGraph()))


def _read_counts(store: Store, keys: Sequence[ix.CountKey]) -> dict[ix.CountKey, int]:

    by_pair = {ix.count_key_iris(k): k for k in keys}
    pairs = list(by_pair)
    out: dict[ix.CountKey, int] = {}
    for start in range(0, len(pairs), 300):
        part = pairs[start : start + 300]
        values = " ".join(f"({NamedNode(g)} {NamedNode(b)})" for g, b in part)
        rows = store.query(f"SELECT ?g ?b ?n WHERE {{ VALUES (?g ?b) {{ {values} }} ?g ?b ?n }}")
        for r in rows:
            out[by_pair[r["g"].value, r["b"].value]] = int(r["n"].value)  # type: ignore[index, union-attr]
    return out


def _count_changes(
    store: Store, counts: Counter[ix.CountKey], index_empty: bool | None = None
) -> tuple[list[str], list[str], list[str]]:
    """Counter lines: (to add where nothing was stored, to remove, to add replacing).
    ``index_empty``: whether the index was empty before this batch, if known."""
    deltas = {k: v for k, v in counts.items() if v}
    if not deltas:
        return [], [], []
    if index_empty is None:
        index_empty = _index_empty(store)
    stored = {} if index_empty else _read_counts(store, list(deltas))
    fresh, remove, replace = [], [], []
    for key, delta in deltas.items():
        old = stored.get(key, 0)
        new = old + delta
        if new < 0:
            raise StoreUnavailable(
                f"The registry index is inconsistent at {key}; run rebuild_index(store)."
            )
        if old:
            remove.append(ix.count_line(key, old))
            if new:
                replace.append(ix.count_line(key, new))
        elif new:
            fresh.append(ix.count_line(key, new))
    return fresh, remove, replace


_GRAPHS = "<https://w3id.org/safetykg/graph/"


def _update_text(remove: Sequence[str], add: Sequence[str]) -> str:
    """``DELETE DATA``/``INSERT DATA`` for N-Quads lines (a line without a graph IRI of
    ours is in the default graph, where the index lives)."""

    def block(lines: Sequence[str]) -> str:
        graphs: dict[str, list[str]] = {}
        for line in lines:
            body = line.rstrip()[:-1].rstrip()
            head, last = body.rsplit(" ", 1)
            if last.startswith(_GRAPHS):
                graphs.setdefault(last, []).append(head + " .")
            else:
                graphs.setdefault("", []).append(body + " .")
        return " ".join(
            ("\n".join(ts) if not g else f"GRAPH {g} {{\n" + "\n".join(ts) + "\n}")
            for g, ts in graphs.items()
        )

    parts = []
    if remove:
        parts.append(f"DELETE DATA {{ {block(remove)} }}")
    if add:
        parts.append(f"INSERT DATA {{ {block(add)} }}")
    return " ;\n".join(parts)


def commit(store: Store, batch: Batch) -> WriteStats:
    """Write ``batch`` (see the module docstring for when it is one transaction)."""
    with LOCK:
        try:
            batch.wait_for_loads()
            fresh, count_remove, count_replace = _count_changes(
                store, batch.counts, batch._index_was_empty
            )
            batch.counts.clear()  # the counters are lines now; free them before loading
            remove = list(dict.fromkeys(batch.remove))
            if batch._file is not None:
                for start in range(0, len(fresh), batch.chunk_lines):
                    batch.extend(fresh[start : start + batch.chunk_lines])
                batch._file.close()
                batch._file = None
                added = batch.added_lines + len(count_replace)
                del fresh
                if batch.loader is None:
                    _mark_bulk_import(store)
                if remove:
                    store.update(_update_text(remove, []))
                for path in batch._paths:
                    if path.stat().st_size:
                        store.bulk_load(path=str(path), format=RdfFormat.N_QUADS)
                    path.unlink()
                store.update(_update_text([*count_remove, ix.BULK_IMPORT_LINE], count_replace))
                store.flush()
                batch._committed = True
                return WriteStats(added=added, removed=len(remove) + len(count_remove), mode="bulk")
            add = list(dict.fromkeys(batch.add + fresh + count_replace))
            remove += count_remove
            if not add and not remove:
                return WriteStats()
            store.update(_update_text(remove, add))
            return WriteStats(added=len(add), removed=len(remove), mode="transaction")
        except OSError as exc:
            raise StoreUnavailable(f"The store could not be written: {exc}") from exc
        except RuntimeError as exc:  # pyoxigraph on a read-only handle
            raise StoreUnavailable(
                "The store is open read-only and cannot be written; restart the service "
                "after creating a write token (`safetykg token create`)."
            ) from exc
        finally:
            batch.discard()


def replace_hazard(
    store: Store,
    reference: Reference,
    old: HazardRecord,
    new: HazardRecord,
    changes: Sequence[StatusChangeRecord],
    superseded: StatusChangeRecord | None,
) -> WriteStats:
    """Write one hazard's new record and history in one transaction (the lifecycle's writes)."""
    from safetykg.registry.stored import digests, history

    batch = Batch(reference)
    batch.hazard(
        old,
        new,
        changes,
        superseded,
        old_digest=digests(store, [old.iri]).get(old.iri),
        old_history=history(store, old.id),
    )
    return commit(store, batch)


def rebuild_index(store: Store, reference: Reference | None = None) -> int:
    """Recompute the index (the default graph) from the records in ``graph/hazards``;
    returns its size in triples.

    The index is derived data: this is the repair for a crash during a bulk
    import, and what tests compare incremental maintenance against.
    """
    from safetykg.registry.stored import histories, load_enterprises, load_hazards

    ref = reference or Reference.load(store)
    ids = [
        r["h"].value.rsplit("/", 1)[-1]  # type: ignore[index, union-attr]
        for r in store.query(
            "SELECT ?h WHERE { GRAPH ?g { ?h a <https://w3id.org/safetykg/ontology#Hazard> } }"
        )
    ]
    codes = [
        r["e"].value.rsplit("/", 1)[-1]  # type: ignore[index, union-attr]
        for r in store.query(
            "SELECT ?e WHERE { GRAPH ?g { ?e a <https://w3id.org/safetykg/ontology#Enterprise> } }"
        )
    ]
    with LOCK:
        store.clear_graph(DefaultGraph())
        batch = Batch(ref, spool=len(ids) > 5000)
        for i in range(0, len(ids), 2000):
            part = ids[i : i + 2000]
            past = histories(store, part)
            for record in load_hazards(store, part).values():
                batch.hazard(None, record, past.get(record.id, []))
        for record in load_enterprises(store, codes).values():
            batch.extend([ix.Entries([], [], record.digest()).digest_line(record.iri)])
        commit(store, batch)
    return sum(1 for _ in store.quads_for_pattern(None, None, None, DefaultGraph()))
