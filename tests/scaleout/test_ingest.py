"""safetykg.registry ``ingest`` on a SPARQL server: the same records, index and answers.

A small synthetic registry is imported into a fresh embedded build and into
each server (Oxigraph, Virtuoso), once in one transaction and once through
the bulk path (the spooled N-Quads file, sent in Graph Store batches); the
graphs must come out the same size and the registry's statistics the same.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Store

from safetykg.errors import ValidationFailed
from safetykg.namespaces import GRAPH_HAZARDS
from safetykg.remote import RemoteStore
from safetykg.store import BuildReport, build, graph_sizes, open_store

registry = pytest.importorskip("safetykg.registry", reason="the hazard registry is not there yet")

TODAY = dt.date(2026, 12, 31)
AS_OF = dt.date(2025, 6, 30)


@pytest.fixture(scope="module")
def hazard_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("registry") / "hazards.csv"
    registry.generate(path, enterprises=12, hazards=60, seed=7, progress=False)
    return path


@pytest.fixture
def embedded_fresh(
    project_root: Path, build_report: BuildReport, tmp_path: Path
) -> Iterator[Store]:
    build(tmp_path, project_root, reextract=False, progress=False)
    store = open_store(tmp_path)
    yield store
    del store


@pytest.mark.parametrize("mode", ["transaction", "bulk"])
def test_ingest_writes_what_the_embedded_store_gets(
    fresh_store: RemoteStore, embedded_fresh: Store, hazard_file: Path, mode: str
) -> None:
    options = {"today": TODAY, "progress": False, "shacl_max_records": 0}
    if mode == "bulk":
        options["spool_rows"] = 10  # take the spooled, bulk-loaded path
    expected = registry.ingest(embedded_fresh, hazard_file, **options)
    report = registry.ingest(fresh_store, hazard_file, **options)
    assert report.mode == expected.mode == mode
    assert report.hazards_added == expected.hazards_added == 60
    assert (report.triples_added, report.triples_removed) == (
        expected.triples_added,
        expected.triples_removed,
    )
    assert graph_sizes(fresh_store) == graph_sizes(embedded_fresh)
    assert registry.statistics(fresh_store, AS_OF) == registry.statistics(embedded_fresh, AS_OF)
    again = registry.ingest(fresh_store, hazard_file, **options)  # idempotent
    assert again.hazards_unchanged == 60 and again.mode == "none"


def test_a_refused_file_writes_nothing(fresh_store: RemoteStore, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    registry.generate(bad, enterprises=3, hazards=5, seed=3, progress=False)
    lines = bad.read_text(encoding="utf-8").splitlines()
    lines[-1] = lines[-1].replace("2", "x", 3)  # spoil dates in the last row
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = graph_sizes(fresh_store)
    with pytest.raises(ValidationFailed):
        registry.ingest(fresh_store, bad, today=TODAY, progress=False)
    assert graph_sizes(fresh_store) == before
    assert str(GRAPH_HAZARDS) not in before or before[str(GRAPH_HAZARDS)] == 0


def test_cli_ingest_writes_to_the_server(
    fresh_store: RemoteStore, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from safetykg.cli import app as cli
    from safetykg.store import connect
    from tests.helpers.project import REPO
    from tests.scaleout.conftest import server_settings

    server = request.getfixturevalue(f"{fresh_store.kind.name}_server")
    path = tmp_path / "registry.csv"
    registry.generate(path, enterprises=4, hazards=12, seed=11, as_of=AS_OF, progress=False)
    env = {**server.env, "SAFETYKG_PROJECT_ROOT": str(REPO), "SAFETYKG_DATA_DIR": str(tmp_path)}
    before = graph_sizes(fresh_store).get(str(GRAPH_HAZARDS), 0)
    result = CliRunner().invoke(cli, ["ingest", str(path)], env=env)
    assert result.exit_code == 0, result.output
    assert "hazards +12" in result.output
    # a new client: fresh_store's list of graphs (dataset mode) is cached for seconds
    reader = connect(server_settings(server), read_only=True)
    try:
        assert graph_sizes(reader)[str(GRAPH_HAZARDS)] > before
    finally:
        reader.close()
    assert not (tmp_path / "store").exists()  # nothing went to an embedded store


def test_a_bad_row_after_early_loads_leaves_the_server_as_it_was(
    fresh_store: RemoteStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large first import sends each full spool file while it reads the next; a row refused
    later takes those uploads out again (one DELETE DATA per chunk, not per quad)."""
    from safetykg.registry import writer

    uploaded: list[int] = []
    load = writer._load

    def spy(store: RemoteStore, path: Path) -> None:
        uploaded.append(sum(1 for _ in path.open(encoding="utf-8")))
        load(store, path)

    monkeypatch.setattr(writer, "_load", spy)
    monkeypatch.setattr(writer, "SPOOL_CHUNK_LINES", 200)
    monkeypatch.setattr(writer, "UNLOAD_LINES", 150)  # several chunks per spool file
    path = tmp_path / "late.csv"
    registry.generate(path, enterprises=6, hazards=40, seed=5, progress=False)
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    last = [row for row in rows if row["hazard_id"]][-1]
    last["rectification_deadline"] = "2025-02-30"  # found only when that row is read
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.DictWriter(f, fieldnames=list(rows[0]))
        out.writeheader()
        out.writerows(rows)
    before = sorted(str(q) for q in fresh_store.quads_for_pattern(None, None, None))
    with pytest.raises(ValidationFailed):
        registry.ingest(fresh_store, path, today=TODAY, progress=False, spool_rows=10)
    if fresh_store.loads_early:
        assert len(uploaded) >= 3 and all(n >= 200 for n in uploaded)  # the server held them
    else:  # Virtuoso: DELETE DATA would leave the uploads' language-tagged literals behind
        assert uploaded == []
    assert sorted(str(q) for q in fresh_store.quads_for_pattern(None, None, None)) == before
