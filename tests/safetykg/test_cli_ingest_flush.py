"""``safetykg ingest`` leaves nothing in the store's write-ahead log.

A log left behind is replayed by every later open, read-only ones included: after
importing the 2,000 sample hazards that was 86 MB and 8–16 s added to the start of
``safetykg serve`` (measured by hand). The newest log file is where unflushed
writes would be; after the command it must be empty.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from safetykg.cli import app


def test_ingest_flushes_the_write_ahead_log(tmp_path: Path, build_report) -> None:  # type: ignore[no-untyped-def]
    data_dir = tmp_path / "data"
    source = build_report.store_path.resolve()
    data_dir.mkdir()
    shutil.copytree(source, data_dir / source.name)
    (data_dir / "store").symlink_to(source.name)
    csv = tmp_path / "g.csv"
    runner = CliRunner()
    args = ["generate", "--enterprises", "20", "--hazards", "200", "--seed", "5", "--out", str(csv)]
    assert runner.invoke(app, args).exit_code == 0
    result = runner.invoke(app, ["ingest", "--data-dir", str(data_dir), "--no-shacl", str(csv)])
    assert result.exit_code == 0, result.output
    logs = sorted((data_dir / "store").glob("*.log"), key=lambda p: int(p.stem))
    assert logs, "no write-ahead log: is this still a RocksDB store?"
    assert logs[-1].stat().st_size == 0, [(p.name, p.stat().st_size) for p in logs]
