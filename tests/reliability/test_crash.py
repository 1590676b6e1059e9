"""Durability: a child process imports numbered batches while the parent kills it with
SIGKILL at random moments. After each kill the store opens, every acknowledged batch is
whole, no batch is partial, and four different counts of the batch hazards agree.

Three rounds in the default run; ``slow`` runs 25. The seed is printed, so a failing
sequence of kill times can be replayed (``SAFETYKG_CRASH_SEED``).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from safetykg.store import open_store
from tests.reliability.checks import acknowledged, assert_whole

REPO = Path(__file__).resolve().parents[2]


def crash_rounds(data_dir: Path, tmp_path: Path, rounds: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    acks = tmp_path / "acks.txt"
    next_batch = 1
    killed_with_acks = []
    for round_no in range(rounds):
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.reliability.batch_writer",
                str(data_dir),
                str(acks),
                str(next_batch),
            ],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        if round_no % 3 == 2:  # any moment: start-up, opening the store, or a batch
            _wait(child, time.monotonic() + rng.uniform(0.1, 4.0))
        else:  # inside an import: after a fresh acknowledgement, part-way into the next
            before = len(acknowledged(acks))
            _wait(child, time.monotonic() + 60, until=lambda b=before: len(acknowledged(acks)) > b)
            _wait(child, time.monotonic() + rng.uniform(0.0, 0.5))
        assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        acked = acknowledged(acks)
        store = open_store(data_dir)  # read-write: the lock died with the child
        try:
            found = assert_whole(store, acked)
        finally:
            del store
        next_batch = max([*found, *acked, 0]) + 1
        killed_with_acks.append(len(acked))
        print(f"round {round_no}: {len(acked)} batches acknowledged, {len(found)} in the store")
    return killed_with_acks


def _wait(child: subprocess.Popen, deadline: float, until=lambda: False) -> None:  # type: ignore[no-untyped-def, type-arg]
    while time.monotonic() < deadline and child.poll() is None and not until():
        time.sleep(0.01)


def _seed() -> int:
    seed = int(os.environ.get("SAFETYKG_CRASH_SEED", random.randrange(1 << 30)))
    print(f"SAFETYKG_CRASH_SEED={seed}")
    return seed


@pytest.mark.timeout(300)
def test_kill_during_imports_three_rounds(fresh_dir: Path, tmp_path: Path) -> None:
    acked = crash_rounds(fresh_dir, tmp_path, rounds=3, seed=_seed())
    assert acked[-1] > 0  # the writer got some batches through


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_kill_during_imports_many_rounds(fresh_dir: Path, tmp_path: Path) -> None:
    acked = crash_rounds(fresh_dir, tmp_path, rounds=25, seed=_seed())
    assert acked[-1] > 10


def test_the_check_sees_a_partial_batch(fresh_dir: Path) -> None:
    """The crash test is only as good as its check: half a batch written outside a
    transaction must be caught, and so must a lost acknowledged batch."""
    from safetykg.registry.ingest import ingest_text
    from tests.reliability.batch_writer import BATCH_SIZE, batch

    store = open_store(fresh_dir)
    ingest_text(store, batch(1), "csv", shacl_max_records=0, progress=False)
    assert_whole(store, [1])
    with pytest.raises(AssertionError, match="not \\(wholly\\) in the store"):
        assert_whole(store, [1, 2])
    hazard = "https://w3id.org/safetykg/id/hazard/B00001-000"
    store.update(f"DELETE WHERE {{ GRAPH ?g {{ <{hazard}> ?p ?o }} }}")
    with pytest.raises(AssertionError, match=f"partial batches: {{1: {BATCH_SIZE - 1}}}"):
        assert_whole(store, [])
