"""``safetykg query NAME --param k=v``: the query library from the command line."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safetykg.cli import app

ID = "https://w3id.org/safetykg/id/"


@pytest.fixture(scope="module")
def env(data_dir: Path) -> dict[str, str]:
    return {"SAFETYKG_DATA_DIR": str(data_dir)}


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["query", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_a_named_query_with_a_parameter(env: dict[str, str]) -> None:
    code, out, _ = run(
        env, "sector-lead-departments", "--param", f"sector={ID}sector/railway-line", "-f", "csv"
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["deptZh"] for r in rows} == {"亳州市交通运输局", "亳州市公安局"}
    assert {r["jointLead"] for r in rows} == {"true"}


def test_the_table_format_and_a_default(env: dict[str, str]) -> None:
    code, out, _ = run(env, "departments-leading-more-than", "-p", "min=4")
    assert code == 0
    assert "亳州市城市管理局" in out
    assert "亳州市农业农村局" not in out


def test_a_file_with_a_header_takes_parameters_too(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "phase.rq"
    path.write_text(
        "# title: phase\n# zh: 哪个阶段？\n# en: Which phase?\n# param: ?d xsd:date (required)\n"
        "PREFIX sk: <https://w3id.org/safetykg/ontology#>\n"
        "SELECT ?d ?n WHERE { ?p sk:startDate ?s ; sk:endDate ?e ; sk:number ?n "
        "FILTER(?s <= ?d && ?d <= ?e) }\n",
        encoding="utf-8",
    )
    code, out, _ = run(env, str(path), "-p", "d=2026-10-01", "-f", "csv")
    assert code == 0
    assert out.splitlines() == ["d,n", "2026-10-01,4"]


def test_list_names_the_queries_and_their_parameters(env: dict[str, str]) -> None:
    code, out, _ = run(env, "--list")
    assert code == 0
    assert "tasks-due-by\n" in out
    assert "--param by=…  xsd:date (default: today)" in out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["no-such-query"], "No query named 'no-such-query'"),
        (["sector-lead-departments"], "needs ?sector"),
        (["phase-on-date", "-p", "date=2025-02-30"], "is not a date"),
        (["phase-on-date", "-p", "date"], "--param takes k=v"),
        (["tasks-due-by", "-p", "by=2024-12-31", "-p", "by=2025-12-31"], "given twice"),
    ],
)
def test_mistakes_are_one_line_errors(env: dict[str, str], args: list[str], says: str) -> None:
    code, _, err = run(env, *args)
    assert code == 1
    assert says in err
    assert err.startswith("error: ")
