"""``safetykg ingest`` and ``safetykg generate`` (thin wrappers in safetykg/cli.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safetykg.cli import app
from tests.helpers.registry import hazard_row, write_csv


@pytest.fixture
def data_dir(tmp_path: Path, build_report) -> Path:  # type: ignore[no-untyped-def]
    """A writable copy of the session's built store."""
    target = tmp_path / "data"
    source = build_report.store_path.resolve()
    (target).mkdir()
    shutil.copytree(source, target / source.name)
    (target / "store").symlink_to(source.name)
    return target


def test_generate_then_ingest_twice(tmp_path: Path, data_dir: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "g.csv"
    done = runner.invoke(
        app,
        ["generate", "--enterprises", "20", "--hazards", "80", "--seed", "3", "--out", str(out)],
    )
    assert done.exit_code == 0, done.output
    assert "20 enterprises, 80 hazards" in done.output
    first = runner.invoke(app, ["ingest", "--data-dir", str(data_dir), "--no-shacl", str(out)])
    assert first.exit_code == 0, first.output
    assert "hazards +80 ~0 =0" in first.output
    again = runner.invoke(app, ["ingest", "--data-dir", str(data_dir), "--no-shacl", str(out)])
    assert again.exit_code == 0 and "hazards +0 ~0 =80" in again.output


def test_ingest_prints_each_error_with_row_and_column(tmp_path: Path, data_dir: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", [hazard_row("H-2025-0001", discovered_on="2024-02-30")])
    result = CliRunner().invoke(app, ["ingest", "--data-dir", str(data_dir), str(path)])
    assert result.exit_code == 1
    assert "row 2, column discovered_on, value '2024-02-30'" in result.output
    assert "不是日历上存在的日期" in result.output


def test_ingest_refuses_a_file_over_the_limit(tmp_path: Path, data_dir: Path) -> None:
    path = write_csv(tmp_path / "big.csv", [hazard_row("H-2025-0001")])
    result = CliRunner().invoke(
        app, ["ingest", "--data-dir", str(data_dir), "--max-bytes", "10", str(path)]
    )
    assert result.exit_code == 1 and "more than the limit of 10" in result.output


def test_generate_refuses_bad_arguments(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["generate", "--enterprises", "0", "--out", str(tmp_path / "x.csv")]
    )
    assert result.exit_code == 1 and "--enterprises" in result.output


def test_a_read_only_store_is_unavailable_not_a_crash(tmp_path: Path, data_dir: Path) -> None:
    from safetykg.errors import StoreUnavailable
    from safetykg.registry.ingest import ingest_text
    from safetykg.store import open_store

    store = open_store(data_dir, read_only=True)
    data = write_csv(tmp_path / "one.csv", [hazard_row("H-2025-0001")]).read_bytes()
    with pytest.raises(StoreUnavailable, match="read-only"):
        ingest_text(store, data, "csv", shacl_max_records=0)
