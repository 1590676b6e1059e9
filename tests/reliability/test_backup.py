"""safetykg/backup.py and ``safetykg backup|restore|dump|load``: consistent copies while a
writer runs, restores that never touch the running store, and an N-Quads round trip to
an isomorphic dataset."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import DefaultGraph, Store
from rdflib.compare import isomorphic
from typer.testing import CliRunner

from safetykg.backup import MANIFEST, backup, dump, load, restore
from safetykg.cli import app as cli
from safetykg.errors import SafetyKGError
from safetykg.registry.ingest import ingest_text
from safetykg.store import graph_sizes, open_store, store_path
from tests.reliability.batch_writer import batch
from tests.reliability.checks import acknowledged, assert_whole

REPO = Path(__file__).resolve().parents[2]


def _writer(data_dir: Path, acks: Path) -> subprocess.Popen:  # type: ignore[type-arg]
    return subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.batch_writer", str(data_dir), str(acks), "1"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_for_acks(child: subprocess.Popen, acks: Path, n: int) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + 120
    while len(acknowledged(acks)) < n:
        assert child.poll() is None, child.stderr.read().decode()  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "the writer acknowledged nothing"
        time.sleep(0.05)


@pytest.mark.timeout(300)
def test_backup_and_restore_while_a_writer_runs(fresh_dir: Path, tmp_path: Path) -> None:
    acks = tmp_path / "acks.txt"
    child = _writer(fresh_dir, acks)
    try:
        _wait_for_acks(child, acks, 2)
        acked_before = acknowledged(acks)
        report = backup(fresh_dir, tmp_path / "backup")
        _wait_for_acks(child, acks, len(acked_before) + 1)  # still writing after the backup
        copy = Store.read_only(str(tmp_path / "backup" / "store"))
        in_backup = assert_whole(copy, acked_before)
        assert graph_sizes(copy) == report.graphs
        del copy
        manifest = json.loads((tmp_path / "backup" / MANIFEST).read_text())
        assert manifest["graphs"] == report.graphs and manifest["quads"] == report.quads

        restored = restore(tmp_path / "backup", fresh_dir)  # the writer keeps its generation
        assert restored.graphs == report.graphs and child.poll() is None
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    store = open_store(fresh_dir)
    assert os.readlink(store_path(fresh_dir)) == restored.published
    assert graph_sizes(store) == report.graphs
    assert assert_whole(store, acked_before) == in_backup


def _dataset(store: Store) -> dict[str, list[tuple[str, str, str]]]:
    """Each graph's triples (N-Triples terms), by graph name."""
    graphs: dict[str, list[tuple[str, str, str]]] = {}
    for name in [*store.named_graphs(), DefaultGraph()]:
        key = getattr(name, "value", "") or "(default)"
        graphs[key] = [
            (str(q.subject), str(q.predicate), str(q.object))
            for q in store.quads_for_pattern(None, None, None, name)
        ]
    return graphs


def _isomorphic(a: list[tuple[str, str, str]], b: list[tuple[str, str, str]]) -> bool:
    """Equal as sets when there is no blank node; else rdflib's isomorphism test."""
    if not any(t.startswith("_:") for triple in a for t in triple):
        return set(a) == set(b)

    def graph(triples: list[tuple[str, str, str]]) -> rdflib.Graph:
        return rdflib.Graph().parse(
            data="".join(f"{s} {p} {o} .\n" for s, p, o in triples), format="nt"
        )

    return isomorphic(graph(a), graph(b))


@pytest.mark.timeout(300)
def test_nquads_round_trip_is_isomorphic(fresh_dir: Path, tmp_path: Path) -> None:
    store = open_store(fresh_dir)
    ingest_text(store, batch(1), "csv", shacl_max_records=0, progress=False)
    del store
    dumped = dump(fresh_dir, tmp_path / "all.nq")
    loaded = load(tmp_path / "all.nq", tmp_path / "other")
    assert loaded.quads == dumped.quads and loaded.graphs == dumped.graphs
    before = _dataset(open_store(fresh_dir, read_only=True))
    after = _dataset(open_store(tmp_path / "other", read_only=True))
    assert before.keys() == after.keys()
    blank = [k for k, g in before.items() if any(t.startswith("_:") for q in g for t in q)]
    assert blank, "no graph with blank nodes: the round trip would prove less"
    for name, triples in before.items():
        assert _isomorphic(triples, after[name]), name


def test_refusals_leave_the_current_store_alone(fresh_dir: Path, tmp_path: Path) -> None:
    current = os.readlink(store_path(fresh_dir))
    (tmp_path / "exists").mkdir()
    with pytest.raises(SafetyKGError, match="exists"):
        backup(fresh_dir, tmp_path / "exists")
    with pytest.raises(SafetyKGError, match="not a safetykg backup"):
        restore(tmp_path / "exists", fresh_dir)
    (tmp_path / "bad.nq").write_text("<urn:a> <urn:b> oops .\n")
    with pytest.raises(SafetyKGError, match="not valid N-Quads"):
        load(tmp_path / "bad.nq", fresh_dir)
    good = backup(fresh_dir, tmp_path / "good")
    manifest = tmp_path / "good" / MANIFEST
    tampered = json.loads(manifest.read_text())
    tampered["graphs"] = {k: v + 1 for k, v in good.graphs.items()}
    manifest.write_text(json.dumps(tampered))
    with pytest.raises(SafetyKGError, match="does not match its manifest"):
        restore(tmp_path / "good", fresh_dir)
    assert os.readlink(store_path(fresh_dir)) == current
    assert not [p for p in fresh_dir.iterdir() if p.name.startswith(".build-")]


def test_cli_backup_restore_dump_load(fresh_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    common = ["--data-dir", str(fresh_dir)]
    made = runner.invoke(cli, ["backup", str(tmp_path / "bk"), *common])
    assert made.exit_code == 0, made.output
    assert "backed up" in made.stdout and "graph/ontology" in made.stdout
    again = runner.invoke(cli, ["backup", str(tmp_path / "bk"), *common])
    assert again.exit_code == 1 and "exists" in again.stderr
    restored = runner.invoke(cli, ["restore", str(tmp_path / "bk"), *common])
    assert restored.exit_code == 0 and "restart a running service" in restored.stdout
    dumped = runner.invoke(cli, ["dump", str(tmp_path / "all.nq"), *common])
    assert dumped.exit_code == 0 and (tmp_path / "all.nq").stat().st_size > 0
    loaded = runner.invoke(cli, ["load", str(tmp_path / "all.nq"), *common])
    assert loaded.exit_code == 0, loaded.output
    missing = runner.invoke(cli, ["load", str(tmp_path / "none.nq"), *common])
    assert missing.exit_code == 1 and "No file" in missing.stderr
