"""What a store must look like after a crash: whole batches, and counts that agree."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from pyoxigraph import Store

from tests.reliability.batch_writer import BATCH_SIZE

SK = "https://w3id.org/safetykg/ontology#"
_BATCH = re.compile(r"/hazard/B(\d{5})-\d{3}$")


def acknowledged(ack_file: Path) -> list[int]:
    """Batches the writer finished (a torn last line, if any, is not an acknowledgement)."""
    if not ack_file.exists():
        return []
    text = ack_file.read_text(encoding="ascii")
    lines = text.split("\n")
    return [int(line) for line in lines[:-1] if line.strip()]


def batches(store: Store) -> Counter[int]:
    """Hazards per batch number, from the typed hazard records."""
    rows = store.query(
        f"SELECT DISTINCT ?h WHERE {{ ?h a <{SK}Hazard> }}", use_default_graph_as_union=True
    )
    found: Counter[int] = Counter()
    for row in rows:
        match = _BATCH.search(row["h"].value)  # type: ignore[index, union-attr]
        if match:
            found[int(match.group(1))] += 1
    return found


def counts(store: Store) -> dict[str, int]:
    """The number of batch hazards as three different queries see it, in one snapshot each:
    typed records, status changes (one per new hazard) and descriptions."""
    one = "FILTER(CONTAINS(STR(?h), '/hazard/B'))"
    typed = f"SELECT (COUNT(DISTINCT ?h) AS ?n) WHERE {{ ?h a <{SK}Hazard> {one} }}"
    changes = f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?h <{SK}hasStatusChange> ?c {one} }}"
    described = f"SELECT (COUNT(DISTINCT ?h) AS ?n) WHERE {{ ?h <{SK}description> ?d {one} }}"
    indexed = (  # the registry's own index: one record digest per hazard
        f"SELECT (COUNT(DISTINCT ?h) AS ?n) WHERE {{ ?h <{SK}recordDigest> ?d {one} }}"
    )
    out = {}
    queries = (
        ("typed", typed),
        ("status changes", changes),
        ("described", described),
        ("index digests", indexed),
    )
    for name, text in queries:
        out[name] = int(next(iter(store.query(text, use_default_graph_as_union=True)))["n"].value)  # type: ignore[index, union-attr]
    return out


def assert_whole(store: Store, acked: list[int]) -> Counter[int]:
    """Every acknowledged batch is whole, no batch is partial, and the counts agree."""
    found = batches(store)
    partial = {n: c for n, c in found.items() if c != BATCH_SIZE}
    assert not partial, f"partial batches: {partial}"
    missing = [n for n in acked if found.get(n) != BATCH_SIZE]
    assert not missing, f"acknowledged but not (wholly) in the store: {missing}"
    total = sum(found.values())
    seen = counts(store)
    assert set(seen.values()) == {total}, f"counts disagree: {seen}, batches hold {total}"
    return found
