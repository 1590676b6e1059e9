"""safetykg/cli.py: each verb through typer's CliRunner, checking what it prints."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safetykg.cli import app
from tests.helpers.project import HELPERS, REPO, real_extractor

runner = CliRunner()

LEADS = """\
# Which departments lead the urban-gas sector?
SELECT ?dept ?label WHERE {
  id:sector\\/urban-gas sk:leadDepartment ?dept .
  ?dept rdfs:label ?label . FILTER(lang(?label) = "zh")
}
"""


@pytest.fixture
def leads_rq(tmp_path: Path) -> Path:
    path = tmp_path / "leads.rq"
    path.write_text(LEADS, encoding="utf-8")
    return path


def test_query_prints_an_aligned_table(data_dir: Path, leads_rq: Path) -> None:
    result = runner.invoke(app, ["query", str(leads_rq), "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    header, rule, *rows = result.output.splitlines()
    assert header.split() == ["dept", "label"]
    assert rows and "id:department/bozhou/" in rows[0]
    assert "城市管理局" in result.output
    # Columns line up: the label column starts where the rule's second dash run does.
    column = rule.index("  -") + 2
    assert header[column:].startswith("label")


def test_query_writes_csv(data_dir: Path, leads_rq: Path) -> None:
    result = runner.invoke(
        app, ["query", str(leads_rq), "--format", "csv", "--data-dir", str(data_dir)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows and all(
        r["dept"].startswith("https://w3id.org/safetykg/id/department/") for r in rows
    )
    assert any("城市管理局" in r["label"] for r in rows)


def test_query_writes_sparql_json(data_dir: Path, leads_rq: Path, monkeypatch) -> None:
    monkeypatch.setenv("SAFETYKG_DATA_DIR", str(data_dir))  # the default dir
    result = runner.invoke(app, ["query", str(leads_rq), "-f", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["head"]["vars"] == ["dept", "label"]
    labels = [b["label"] for b in doc["results"]["bindings"]]
    assert any(lab["xml:lang"] == "zh" and "城市管理局" in lab["value"] for lab in labels)


def test_query_reports_bad_sparql_and_a_missing_store(data_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT ?x WHERE { ?x }", encoding="utf-8")
    result = runner.invoke(app, ["query", str(bad), "--data-dir", str(data_dir)])
    assert result.exit_code == 1 and result.output.startswith("error: ")
    result = runner.invoke(app, ["query", str(bad), "--data-dir", str(tmp_path / "none")])
    assert result.exit_code == 1 and "safetykg build" in result.output


def test_build_prints_graph_sizes(project_root: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["build", "--data-dir", str(tmp_path), "--project-root", str(project_root), "--no-extract"],
    )
    assert result.exit_code == 0, result.output
    assert "https://w3id.org/safetykg/graph/plan/bozhou-2024" in result.output
    assert (tmp_path / "store").is_symlink()


@pytest.mark.skipif(real_extractor() is None, reason="the extractor does not exist yet")
def test_extract_writes_what_build_commits(project_root: Path, tmp_path: Path) -> None:
    source = REPO / "graph_data" / "source" / "bozhou-work-safety-plan-2024-2026.txt"
    out = tmp_path / "plan.ttl"
    result = runner.invoke(app, ["extract", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "plan bozhou-2024, jurisdiction bozhou" in result.output
    assert out.read_bytes() == (project_root / "graph_data/plans/bozhou-2024.ttl").read_bytes()


@pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java")
def test_check_prints_the_report_and_sets_the_exit_status(tmp_path: Path) -> None:
    # A tiny project (the fixture ontology, shapes and plan) keeps this fast.
    root = tmp_path / "project"
    (root / "ontology").mkdir(parents=True)
    (root / "graph_data" / "plans").mkdir(parents=True)
    shutil.copy(HELPERS / "mini_ontology.ttl", root / "ontology" / "safetykg.ttl")
    shutil.copy(HELPERS / "mini_shapes.ttl", root / "ontology" / "shapes.ttl")
    shutil.copytree(REPO / "graph_data" / "source", root / "graph_data" / "source")
    shutil.copytree(REPO / "graph_data" / "reference", root / "graph_data" / "reference")
    shutil.copy(REPO / "graph_data" / "plans.toml", root / "graph_data" / "plans.toml")
    plan = root / "graph_data" / "plans" / "bozhou-2024.ttl"
    shutil.copy(HELPERS / "mini_plan.ttl", plan)

    result = runner.invoke(app, ["check", "--project-root", str(root)])
    assert result.exit_code == 0, result.output
    assert "HermiT: consistent" in result.output and "SHACL: 0 violations" in result.output

    # Task 8 loses its number: a SHACL violation, and the command fails.
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text.replace('"Task 8: urban gas"@en ; sk:number 8 ;', '"Task 8"@en ;'))
    result = runner.invoke(app, ["check", "--project-root", str(root), "--no-hermit"])
    assert result.exit_code == 1
    assert "Violation: id:task/bozhou-2024/8 sk:number" in result.output
    assert result.output.rstrip().endswith("check: FAILED")
