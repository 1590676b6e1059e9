"""Synthetic registries (safetykg/registry/generate.py) and the committed sample."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from safetykg.registry import generate, ingest
from safetykg.registry.creditcode import is_valid
from safetykg.registry.ingest import COLUMNS
from tests.helpers.project import REPO
from tests.helpers.registry import TODAY, registry_store

SAMPLE = REPO / "graph_data" / "samples" / "hazards.csv"
SAMPLE_ARGS = {"enterprises": 300, "hazards": 2000, "seed": 2024}


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    a = generate(tmp_path / "a.csv", enterprises=40, hazards=300, seed=5)
    b = generate(tmp_path / "b.csv", enterprises=40, hazards=300, seed=5)
    c = generate(tmp_path / "c.csv", enterprises=40, hazards=300, seed=6)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "c.csv").read_bytes()
    assert a == b.__class__(**{**b.__dict__, "path": a.path}) and c.hazards == 300


def test_the_committed_sample_is_what_the_generator_writes(tmp_path: Path) -> None:
    generate(tmp_path / "sample.csv", **SAMPLE_ARGS)
    assert (tmp_path / "sample.csv").read_bytes() == SAMPLE.read_bytes()


def test_the_sample_is_plausible() -> None:
    data = rows(SAMPLE)
    assert list(data[0]) == [c.name for c in COLUMNS]
    hazards = [r for r in data if r["hazard_id"]]
    assert len(hazards) == 2000
    assert all(r["synthetic"] == "true" for r in data)
    assert all(is_valid(r["credit_code"]) for r in data)
    assert len({r["credit_code"] for r in data}) == 300
    regions = Counter(r["enterprise_region"] for r in data if r["enterprise_region"])
    assert {"谯城区", "涡阳县", "蒙城县", "利辛县", "亳州高新区", "亳芜现代产业园区"} <= set(
        regions
    )
    sectors = Counter(r["enterprise_sectors"] for r in data if r["enterprise_sectors"])
    assert sectors.most_common(1)[0][0] == "工贸企业"
    years = Counter(r["discovered_on"][:4] for r in hazards)
    assert set(years) == {"2022", "2023", "2024", "2025", "2026"}
    assert years["2023"] > years["2025"] > years["2026"]  # the 2023 campaign, then fewer
    status = Counter(r["status"] for r in hazards)
    assert 0.9 < status["已销号"] / 2000 < 0.99
    assert status["整改中"] and status["已登记"] and status["已整改待销号"]
    overdue = [
        r
        for r in hazards
        if r["status"] != "已销号" and dt.date.fromisoformat(r["rectification_deadline"]) < TODAY
    ]
    assert 0.005 < len(overdue) / 2000 < 0.06
    assert any(r["escalations"] for r in hazards) and any(r["listed_by"] for r in hazards)
    assert 0.2 < sum(r["major"] == "是" for r in hazards) / 2000 < 0.4


def test_generated_data_imports_cleanly(tmp_path: Path) -> None:
    report = generate(tmp_path / "g.csv", enterprises=50, hazards=300, seed=9)
    store = registry_store()
    result = ingest(store, tmp_path / "g.csv", today=TODAY, shacl=True, shacl_max_records=300)
    assert (result.hazards_added, result.enterprises_added) == (300, 50)
    assert result.shacl == "passed"
    assert report.closed + report.open == 300


def test_generated_enterprises_have_zh_and_en_labels(tmp_path: Path) -> None:
    """Every resource has a @zh and an @en label: the generator gives each enterprise an
    English name (by region, sector and number, marked synthetic) and the import writes it."""
    generate(tmp_path / "g.csv", enterprises=30, hazards=60, seed=4)
    defined = [r for r in rows(tmp_path / "g.csv") if r["enterprise_sectors"]]
    names_en = {r["credit_code"]: r["enterprise_name_en"] for r in defined}
    assert len(names_en) == 30 and len(set(names_en.values())) == 30
    assert all(n.endswith("(synthetic)") and "Enterprise No. " in n for n in names_en.values())
    assert any(n.startswith("Qiaocheng ") for n in names_en.values())
    store = registry_store()
    ingest(store, tmp_path / "g.csv", today=TODAY, shacl=False)
    labels: dict[str, dict[str, str]] = {}
    for row in store.query(
        "SELECT ?e ?label WHERE { GRAPH ?g { ?e a sk:Enterprise ; rdfs:label ?label } }",
        prefixes={
            "sk": "https://w3id.org/safetykg/ontology#",
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        },
    ):
        labels.setdefault(row["e"].value.rsplit("/", 1)[-1], {})[row["label"].language] = row[
            "label"
        ].value
    assert {code: names["en"] for code, names in labels.items()} == names_en
    assert all(names.get("zh") for names in labels.values())


@pytest.mark.parametrize("bad", [{"enterprises": 0}, {"hazards": -1}])
def test_bad_arguments(tmp_path: Path, bad: dict) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path / "x.csv", **bad)
