"""Isolation: readers during a large import see the old state or the new one, never half.

Reader threads query the store as a service would, over and over, while one import of
thousands of hazards runs. Each reading counts the new hazards three ways in one query
(one snapshot): typed records, status changes and the registry's index digests. Every
reading must be all zeros (before) or all N (after).

The registry commits an import below its spool threshold as one SPARQL update (one
transaction); above it, with the bulk loader (see safetykg/registry/writer.py).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from pyoxigraph import Store

from safetykg.registry.ingest import SPOOL_ROWS, ingest_text
from safetykg.store import open_store
from tests.security.fixtures import hazard_csv, hazard_row

SK = "https://w3id.org/safetykg/ontology#"
_NEW = "FILTER(STRSTARTS(STR(?h), 'https://w3id.org/safetykg/id/hazard/R-'))"
READING = f"""
SELECT ?typed ?changes ?indexed WHERE {{
  {{ SELECT (COUNT(DISTINCT ?h) AS ?typed) WHERE {{ ?h a <{SK}Hazard> {_NEW} }} }}
  {{ SELECT (COUNT(DISTINCT ?c) AS ?changes)
     WHERE {{ ?h <{SK}hasStatusChange> ?c {_NEW} }} }}
  {{ SELECT (COUNT(DISTINCT ?h) AS ?indexed)
     WHERE {{ ?h <{SK}recordDigest> ?d {_NEW} }} }}
}}"""


def read(store: Store) -> tuple[int, int, int]:
    row = next(iter(store.query(READING, use_default_graph_as_union=True)))
    return tuple(int(row[v].value) for v in ("typed", "changes", "indexed"))  # type: ignore[index, union-attr, return-value]


def import_while_reading(data_dir: Path, size: int) -> set[tuple[int, int, int]]:
    store = open_store(data_dir)
    data = hazard_csv(
        [hazard_row(f"R-{i:06d}", ("gas", "rail", "dust")[i % 3]) for i in range(size)]
    )
    seen: set[tuple[int, int, int]] = set()
    done = threading.Event()
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            while not done.is_set():
                seen.add(read(store))
                time.sleep(0.002)  # leave the importing thread the GIL now and then
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    readers = [threading.Thread(target=reader) for _ in range(2)]
    for t in readers:
        t.start()
    time.sleep(0.05)
    try:
        report = ingest_text(store, data, "csv", shacl_max_records=0, progress=False)
    finally:
        done.set()
        for t in readers:
            t.join()
    assert not errors, errors
    assert report.hazards_added == size
    seen.add(read(store))
    return seen


@pytest.mark.timeout(300)
def test_readers_see_before_or_after_a_transactional_import(fresh_dir: Path) -> None:
    size = min(800, SPOOL_ROWS - 1)
    seen = import_while_reading(fresh_dir, size)
    assert seen <= {(0, 0, 0), (size, size, size)}, sorted(seen)
    assert (size, size, size) in seen


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_readers_see_before_or_after_a_bulk_import(fresh_dir: Path) -> None:
    size = SPOOL_ROWS + 1000
    seen = import_while_reading(fresh_dir, size)
    assert seen <= {(0, 0, 0), (size, size, size)}, sorted(seen)
