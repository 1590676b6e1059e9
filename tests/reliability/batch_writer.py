"""A child process for the durability tests: imports numbered batches of hazards for ever.

    python -m tests.reliability.batch_writer DATA_DIR ACK_FILE FIRST_BATCH [BATCH_SIZE]

Batch ``n`` is ``BATCH_SIZE`` hazards ``B<n>-<i>``, imported with the registry's
:func:`~safetykg.registry.ingest.ingest` (one transaction each). Only after the import
returns is ``n`` appended to ``ACK_FILE`` (flushed and fsynced): an acknowledged batch
is one the store said it had written. The parent kills this process at random moments.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from safetykg.registry.ingest import ingest_text
from safetykg.store import open_store
from tests.security.fixtures import hazard_csv, hazard_row

BATCH_SIZE = 20


def batch_id(n: int, i: int) -> str:
    return f"B{n:05d}-{i:03d}"


def batch(n: int, size: int = BATCH_SIZE) -> bytes:
    return hazard_csv(
        [hazard_row(batch_id(n, i), ("gas", "rail", "dust")[i % 3]) for i in range(size)]
    )


def main(data_dir: str, ack_file: str, first: int, size: int = BATCH_SIZE) -> None:
    store = open_store(data_dir)
    with Path(ack_file).open("a", encoding="ascii") as acks:
        n = first
        while True:
            ingest_text(store, batch(n, size), "csv", shacl_max_records=0, progress=False)
            acks.write(f"{n}\n")
            acks.flush()
            os.fsync(acks.fileno())
            n += 1


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), *(int(a) for a in sys.argv[4:5]))
