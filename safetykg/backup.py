"""Backups and dumps of the store, safe to take while the service runs.

::

    safetykg backup DIR      a RocksDB checkpoint of the current store, plus manifest.json
    safetykg restore DIR     that checkpoint, verified, published as the current store
    safetykg dump FILE.nq    every quad, as N-Quads (any RDF store can read it)
    safetykg load FILE.nq    a new store from N-Quads, published as the current store

**Consistent while the service runs.** The service holds the store
read-write, and RocksDB allows only one such handle; :func:`backup` and
:func:`dump` open a second, read-only handle, which sees the store as of the
moment it was opened — a state at a transaction boundary, so a registry write
(one transaction) is in the copy whole or not at all. The one thing a snapshot
cannot make whole is a *bulk* import caught half-way (the registry's bulk
loader is not transactional); the same import, run again, completes it.

A backup is that snapshot written out (N-Quads, streamed to disk) and loaded
into a fresh store in the backup directory, then checked graph by graph. Why
not a RocksDB checkpoint (``pyoxigraph.Store.backup``)? Taken from a
read-only handle it copies the table files only, and misses whatever the
writer still holds in its write-ahead log: in a test, a checkpoint of a store
whose last writes were not yet flushed came out empty. A checkpoint from the
read-write handle would be exact, but that handle is the running service's.

**Restoring** (:func:`restore`, :func:`load`) never touches the running store:
the data is written to a new generation under ``data_dir`` and published by
the same atomic symlink swap as ``safetykg build`` (:mod:`safetykg.store`). A
running service keeps the generation it opened; restart it to serve the
restored data. The previous generation stays on disk until the next build.

Tokens (``tokens.json``) are not part of a backup: restoring an old copy must
not bring revoked tokens back. Keep that file with your other secrets.

>>> import tempfile, pathlib
>>> from pyoxigraph import Quad, NamedNode, Literal
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> s = Store(str(d / "source"))
>>> s.add(Quad(NamedNode("http://ex/a"), NamedNode("http://ex/p"), Literal("一"),
...            NamedNode("http://ex/g")))
>>> del s
>>> (d / "store").symlink_to("source")
>>> backup(d, d / "copy").quads
1
>>> dump(d, d / "all.nq").quads, load(d / "all.nq", d).quads, restore(d / "copy", d).quads
(1, 1, 1)
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph
from pyoxigraph import RdfFormat, Store

from safetykg.errors import SafetyKGError, StoreUnavailable
from safetykg.store import (  # the build's publishing steps, shared so there is one way
    _BUILD_PREFIX,
    _GENERATION_PREFIX,
    _build_lock,
    _prune,
    _publish,
    graph_sizes,
    open_store,
    store_path,
)

__all__ = ["MANIFEST", "BackupReport", "backup", "dump", "load", "restore"]

MANIFEST = "manifest.json"
_STORE_DIR = "store"


@dataclass
class BackupReport:
    """What a backup, restore, dump or load did."""

    path: str
    quads: int
    graphs: dict[str, int] = field(default_factory=dict)
    created: str = ""
    seconds: float = 0.0
    published: str | None = None
    """The generation made current (restore, load)."""


def _total(sizes: dict[str, int], store: Store) -> int:
    default = sum(1 for _ in store.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph()))
    return sum(sizes.values()) + default


def backup(data_dir: Path | str, target: Path | str) -> BackupReport:
    """Copy the current store to ``target`` (a directory that must not exist yet).

    ``target/store`` is a store that :func:`restore` (or ``pyoxigraph.Store``)
    opens; ``target/manifest.json`` records when, from which generation, and
    how many triples each named graph holds. Raises :class:`StoreUnavailable`
    when there is no store, and :class:`SafetyKGError` when ``target`` exists
    or the copy does not verify.
    """
    started = time.monotonic()
    target = Path(target)
    if target.exists():
        raise SafetyKGError(f"{target} exists; a backup goes into a new directory.")
    source = store_path(data_dir)
    generation = os.readlink(source) if source.is_symlink() else source.name
    work = target.with_name(f".{target.name}.{os.getpid()}.partial")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        snapshot = open_store(data_dir, read_only=True)
        sizes = graph_sizes(snapshot)
        total = _total(sizes, snapshot)
        nquads = work / "snapshot.nq"
        snapshot.dump(str(nquads), RdfFormat.N_QUADS)
        del snapshot
        copy = Store(str(work / _STORE_DIR))
        copy.bulk_load(path=str(nquads), format=RdfFormat.N_QUADS)
        nquads.unlink()
        copied = graph_sizes(copy)
        copied_total = _total(copied, copy)
        copy.flush()
        copy.optimize()
        del copy
        if (copied, copied_total) != (sizes, total):
            raise SafetyKGError(
                f"The backup of {source} did not verify: the copy holds {copied}, "
                f"the snapshot {sizes}."
            )
        report = BackupReport(
            path=str(target),
            quads=total,
            graphs=sizes,
            created=datetime.now(UTC).replace(microsecond=0).isoformat(),
            seconds=round(time.monotonic() - started, 3),
        )
        manifest = asdict(report) | {
            "generation": generation,
            "pyoxigraph": pyoxigraph.__version__,
            "format": 1,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        os.rename(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return report


def _copy_store(source: Path, dest: Path) -> None:
    """Copy a RocksDB directory: table files hard-linked where possible (they are
    immutable), everything else (MANIFEST, WAL, LOG, OPTIONS) copied."""

    def link_or_copy(src: str, dst: str) -> str:
        if src.endswith(".sst"):
            try:
                os.link(src, dst)
                return dst
            except OSError:
                pass
        return shutil.copy2(src, dst)  # type: ignore[no-any-return]

    shutil.copytree(source, dest, copy_function=link_or_copy)


def _publish_new(
    data_dir: Path, fill: str, what: str, expect: dict[str, int] | None, source: Path
) -> BackupReport:
    """Make a new generation with ``fill`` (``"copy"`` or ``"nquads"``), verify, publish."""
    started = time.monotonic()
    data_dir.mkdir(parents=True, exist_ok=True)
    with _build_lock(data_dir):
        work = Path(tempfile.mkdtemp(prefix=_BUILD_PREFIX, dir=data_dir))
        try:
            if fill == "copy":
                work.rmdir()
                _copy_store(source, work)
                store = Store(str(work))
            else:
                store = Store(str(work))
                try:
                    store.bulk_load(path=str(source), format=RdfFormat.N_QUADS)
                except SyntaxError as exc:
                    raise SafetyKGError(f"{source} is not valid N-Quads: {exc}") from exc
            sizes = graph_sizes(store)
            total = _total(sizes, store)
            if expect is not None and sizes != expect:
                raise SafetyKGError(
                    f"{what} does not match its manifest (graphs {sizes}, expected {expect}); "
                    "nothing was restored."
                )
            store.flush()
            store.optimize()
            del store
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            generation = data_dir / f"{_GENERATION_PREFIX}{stamp}-{fill}"
            os.rename(work, generation)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        _publish(data_dir, generation)
        _prune(data_dir)
    return BackupReport(
        path=str(source),
        quads=total,
        graphs=sizes,
        created=datetime.now(UTC).replace(microsecond=0).isoformat(),
        seconds=round(time.monotonic() - started, 3),
        published=generation.name,
    )


def restore(source: Path | str, data_dir: Path | str) -> BackupReport:
    """Make the backup in ``source`` the current store under ``data_dir``.

    The backup is copied (never changed), opened, and its graph sizes are
    checked against its manifest before the ``store`` symlink is swapped.
    Raises :class:`SafetyKGError` for a directory that is not a backup or does
    not verify; the current store is untouched then.
    """
    source = Path(source)
    manifest_path = source / MANIFEST
    if not (manifest_path.is_file() and (source / _STORE_DIR).is_dir()):
        raise SafetyKGError(
            f"{source} is not a safetykg backup (no {MANIFEST} and {_STORE_DIR}/ in it)."
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        expect = {str(k): int(v) for k, v in manifest["graphs"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SafetyKGError(f"{manifest_path} cannot be read: {exc}") from exc
    return _publish_new(Path(data_dir), "copy", str(source), expect, source / _STORE_DIR)


def dump(data_dir: Path | str, target: Path | str) -> BackupReport:
    """Write every quad of the current store to ``target`` as N-Quads.

    Written to a temporary file beside ``target`` and renamed, so ``target`` is
    either the whole dump or absent.
    """
    started = time.monotonic()
    target = Path(target)
    snapshot = open_store(data_dir, read_only=True)
    sizes = graph_sizes(snapshot)
    total = _total(sizes, snapshot)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        snapshot.dump(str(tmp), RdfFormat.N_QUADS)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StoreUnavailable(f"Could not write {target}: {exc}") from exc
    return BackupReport(
        path=str(target),
        quads=total,
        graphs=sizes,
        created=datetime.now(UTC).replace(microsecond=0).isoformat(),
        seconds=round(time.monotonic() - started, 3),
    )


def load(source: Path | str, data_dir: Path | str) -> BackupReport:
    """Make a new store from the N-Quads file ``source`` and publish it as current.

    Raises :class:`SafetyKGError` when the file is missing or is not N-Quads;
    nothing is published then.
    """
    source = Path(source)
    if not source.is_file():
        raise SafetyKGError(f"No file {source}.")
    return _publish_new(Path(data_dir), "nquads", str(source), None, source)
