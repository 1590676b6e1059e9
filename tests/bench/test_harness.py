"""The benchmark harness (``bench/``) runs end to end on 200 hazards and writes what it says.

No timing is asserted: the figures depend on the machine. What is checked is
that every stage ran, that the JSON has the keys the README documents, and
that the ratios in it are the ratios of the figures next to them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench import report
from bench.http import COMPUTED
from bench.run import preset, run
from bench.timing import percentile, ratio, summarise


def _ratio(a: float, b: float) -> float:
    return float(f"{a / b:.3g}")


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], Path]]:
    """One tiny run (preset ``tiny``: 200 hazards, short loads), in its own cache and results."""
    out = tmp_path_factory.mktemp("results")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SAFETYKG_BENCH_CACHE", str(tmp_path_factory.mktemp("cache")))
        cfg = preset("tiny")
        cfg.out = str(out)
        results = run(cfg, "python -m bench --preset tiny (tests/bench)")
    yield results[0], out


def test_writes_the_json_and_the_summary(harness: tuple[dict[str, Any], Path]) -> None:
    result, out = harness
    files = sorted(p.name for p in out.iterdir())
    date = result["date"]
    assert files == [f"{date}-200-test.json", f"{date}-test.md"]
    saved = json.loads((out / f"{date}-200-test.json").read_text(encoding="utf-8"))
    for key in ("schema", "date", "size", "command", "machine", "config", "dataset", "ingest",
                "queries", "http", "exports", "targets", "table"):
        assert key in saved, key
    assert saved["size"] == "200" and saved["dataset"]["hazards"] == 200
    assert saved["command"].startswith("python -m bench")
    for key in ("cpu", "cores", "memory_gib", "python", "packages", "git_commit"):
        assert key in saved["machine"], key
    summary = (out / f"{date}-test.md").read_text(encoding="utf-8")
    assert "| size | stage | case | ours | floor | peer | ours/floor | peer/ours |" in summary
    assert summary.count("\n| 200 | ") == len(saved["table"])


def test_import_figures_and_ratios(harness: tuple[dict[str, Any], Path]) -> None:
    ingest = harness[0]["ingest"]
    assert ingest["hazards"] == 200
    assert ingest["triples"]["hazards"] > 200 and ingest["triples"]["index"] > 0
    ours, floor, peer = ingest["ours"], ingest["floor"], ingest["rdflib"]
    assert ours["runs"][0]["status"] == "ok" and floor["runs"][0]["status"] == "ok"
    assert peer["triples"] == ingest["triples"]["hazards"]
    assert ingest["ratios"]["ours/floor"] == _ratio(ours["seconds"], floor["seconds"])
    assert ingest["ratios"]["peer/ours"] == _ratio(peer["seconds"], ours["seconds"])
    assert ingest["ratios"]["ours/floor memory"] == _ratio(ours["peak_rss_mib"],
                                                           floor["peak_rss_mib"])


def test_every_question_three_ways(harness: tuple[dict[str, Any], Path]) -> None:
    found = harness[0]["queries"]["questions"]
    assert len(found) >= 8
    assert {"overdue-by-department", "hazard-responsibility", "statistics-region-sector",
            "goal-progress", "lookup-gas"} <= set(found)
    for name, q in found.items():
        for engine in ("ours", "floor", "peer"):
            e = q[engine]
            if e.get("n"):
                assert e["min_ms"] <= e["p50_ms"] <= e["p95_ms"] <= e["max_ms"], (name, engine)
        p50 = {k: q[k].get("p50_ms") for k in ("ours", "floor", "peer")}
        if p50["ours"] and p50["floor"]:
            assert q["ratios"]["ours/floor"] == _ratio(p50["ours"], p50["floor"])
        if p50["ours"] and p50["peer"]:
            assert q["ratios"]["peer/ours"] == _ratio(p50["peer"], p50["ours"])
    assert found["overdue-by-department"]["target"] == {"p50_ms": 20.0, "size": "1M"}
    assert found["overdue-by-department"]["ours"]["n"] >= 1


def test_http_loads(harness: tuple[dict[str, Any], Path]) -> None:
    http = harness[0]["http"]
    assert http["tool"] == "httpx" and http["levels"] == [1]
    lookup = http["routes"]["api/lookup"]["servers"]["ours"]
    assert lookup["check"]["status"] == 200
    assert lookup["levels"]["1"]["requests"] > 0 and lookup["levels"]["1"]["non_2xx"] == 0
    sparql = http["routes"]["sparql/simple-lookup"]
    assert sparql["servers"]["ours"]["check"]["rows"] >= 1
    assert sparql["engine"]["n"] >= 1
    mine = sparql["servers"]["ours"]["levels"]["1"]
    # the overhead is taken from the load whose answers were worked out, not reused
    computed = sparql["servers"][COMPUTED]["levels"]["1"]
    assert computed["requests"] > 0 and computed["non_2xx"] == 0
    assert sparql["overhead_ms"] == pytest.approx(
        computed["p50_ms"] - sparql["engine"]["p50_ms"], abs=1e-3)
    if "oxigraph" in sparql["servers"]:
        theirs = sparql["servers"]["oxigraph"]["levels"]["1"]
        assert sparql["ratios"]["oxigraph/ours p50 @1"] == _ratio(theirs["p50_ms"],
                                                                  mine["p50_ms"])
        assert sparql["ratios"][f"oxigraph/{COMPUTED} p50 @1"] == _ratio(
            theirs["p50_ms"], computed["p50_ms"])


def test_exports_and_targets(harness: tuple[dict[str, Any], Path]) -> None:
    result = harness[0]
    exports = result["exports"]["exports"]
    assert [e["status"] for e in exports.values()] == ["ok"]
    assert result["exports"]["floor"]["status"] == "ok"
    names = {t["target"] for t in result["targets"]}
    assert "import within 1.5× the floor" in names
    assert "overdue by department p50 < 20 ms" in names
    for t in result["targets"]:
        assert t["met"] in (True, False, None)
        assert t["binding"] == (t["applies_to"] in (None, "200"))
        if t["met"] is False:
            assert t["verdict"].startswith("missed")


# --------------------------------------------------------------------------- the arithmetic


def test_percentiles_and_ratios() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 95) == pytest.approx(4.8)
    assert math.isnan(percentile([], 50))
    s = summarise([0.004, 0.001, 0.003, 0.002])
    assert (s["n"], s["min_ms"], s["p50_ms"], s["max_ms"]) == (4, 1.0, 2.5, 4.0)
    assert ratio(3.0, 2.0) == 1.5 and ratio(1.0, 3.0) == 0.333
    assert ratio(None, 1.0) is None and ratio(1.0, 0.0) is None


def test_verdicts_say_by_how_much() -> None:
    result = {"size": "1M", "ingest": {"ratios": {"ours/floor": 3.0},
                                       "ours": {"peak_rss_mib": 1024.0}}}
    found = {t["target"]: t for t in report.targets(result)}
    assert found["import within 1.5× the floor"]["verdict"] == "missed by 2× (3×, limit 1.5×)"
    assert found["import peak memory under 2 GiB"]["met"] is True
    assert found["import within 1.5× the floor"]["binding"] is True
