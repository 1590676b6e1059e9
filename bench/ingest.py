"""Import, side by side: our ``safetykg ingest`` vs pyoxigraph's bulk loader vs rdflib.

* **ours** — ``safetykg ingest --data-dir D FILE.csv`` into a fresh store:
  reading, validating every row, writing the records, their history and the
  registry's index (``graph/index``).
* **floor** — :meth:`pyoxigraph.Store.bulk_load` of the *equivalent
  N-Triples* (the triples our import wrote to ``graph/hazards``, dumped after
  the first run) into a fresh store: the fastest way the same records get
  into the same engine, with no validation and no index.
* **rdflib** — ``rdflib.Graph().parse`` of the same N-Triples, in memory;
  measured by the rdflib worker of the query stage (:mod:`bench.peer`) as it
  loads, so the minutes it takes are spent once per size (:func:`peer_figures`).

Ours and the floor run in child processes (:mod:`bench.child`), so wall time
and peak memory are their own; repetitions are interleaved. The last store we
imported into is kept for the query, HTTP and export stages, with two dumps
for the peers: ``equivalent.nt`` (the hazards) and ``rest.nt`` (every other
graph but the derived index).
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

from bench.child import measure, python_job
from bench.datasets import Size, cli_has, fresh_store, safetykg_command
from bench.timing import ratio

__all__ = ["peer_figures", "run"]

GRAPH_HAZARDS = "https://w3id.org/safetykg/graph/hazards"


def _ours(data_dir: Path, csv: Path, timeout: float) -> dict[str, Any]:
    fresh_store(data_dir)
    if cli_has("ingest"):
        argv = [*safetykg_command(), "ingest", "--data-dir", str(data_dir), str(csv)]
        return measure(argv, timeout=timeout)
    result = python_job("ingest", data_dir, csv, timeout=timeout)
    result["note"] = "library call: safetykg.registry.ingest.ingest (no `safetykg ingest` yet)"
    return result


def _floor(data_dir: Path, nt: Path, timeout: float) -> dict[str, Any]:
    store = fresh_store(data_dir)
    return python_job("bulk-load", store, nt, GRAPH_HAZARDS, timeout=timeout)


def _output(text: str) -> Any:
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return text.strip()[-300:] or None


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    for r in runs:
        r["output"] = _output(r.pop("stdout", ""))
    ok = [r for r in runs if r["status"] == "ok"]
    out: dict[str, Any] = {"runs": runs}
    if ok:
        out["seconds"] = round(statistics.median(r["seconds"] for r in ok), 3)
        out["min_seconds"] = min(r["seconds"] for r in ok)
        out["peak_rss_mib"] = max(r["peak_rss_mib"] for r in ok)
    else:
        out["status"] = runs[-1]["status"] if runs else "skipped"
    return out


def graph_sizes(store_dir: Path) -> dict[str, int]:
    """Triples per named graph (the last segment after ``/graph/``); the registry's index,
    kept in the default graph (outside the union that queries see), as ``index``."""
    from pyoxigraph import Store

    store = Store.read_only(str(store_dir))
    default = next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))
    sizes = {"index": int(default["n"].value)}
    text = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    for row in store.query(text):
        sizes[row["g"].value.rsplit("/graph/", 1)[-1]] = int(row["n"].value)
    return sizes


def run(size: Size, csv: Path, work: Path, *, reps: int = 1,
        timeout: float = 3600.0) -> dict[str, Any]:
    """Measure our import and the floor of ``csv``; leaves our store in ``work/ours``."""
    work.mkdir(parents=True, exist_ok=True)
    equiv, rest = work / "equivalent.nt", work / "rest.nt"
    runs: dict[str, list[dict[str, Any]]] = {"ours": [], "floor": []}
    for i in range(reps):
        for engine in (("ours", "floor") if i % 2 == 0 else ("floor", "ours")):
            if engine == "ours":
                runs["ours"].append(_ours(work / "ours", csv, timeout))
                if runs["ours"][-1]["status"] != "ok":
                    raise RuntimeError(f"our import failed: {runs['ours'][-1]}")
                if i == 0:
                    store = work / "ours" / "store"
                    for out, graphs in ((equiv, GRAPH_HAZARDS), (rest, "except:hazards,index")):
                        dumped = python_job("dump", store, out, graphs)
                        if dumped["status"] != "ok":
                            raise RuntimeError(f"dump failed: {dumped}")
            else:
                runs["floor"].append(_floor(work / "floor", equiv, timeout))
    result: dict[str, Any] = {
        "hazards": size.hazards,
        "enterprises": size.enterprises,
        "triples": graph_sizes((work / "ours" / "store").resolve()),
        "csv_bytes": csv.stat().st_size,
        "equivalent_nt_bytes": equiv.stat().st_size,
        "ours": _summary(runs["ours"]),
        "floor": _summary(runs["floor"]),
        "rdflib": {"status": "skipped: not loaded at this size"},
    }
    return with_ratios(result)


def peer_figures(result: dict[str, Any], load: dict[str, Any] | None) -> dict[str, Any]:
    """Put the rdflib worker's parse of ``equivalent.nt`` in as the peer's import."""
    if load:
        result["rdflib"] = {"seconds": load["parse_seconds"], "peak_rss_mib": load["peak_rss_mib"],
                            "triples": load["triples"],
                            "runs": [{"status": "ok", **load}]}
    return with_ratios(result)


def _cpu(entry: dict[str, Any]) -> float | None:
    ok = [r["cpu_s"] for r in entry.get("runs", []) if r.get("status") == "ok" and "cpu_s" in r]
    return round(statistics.median(ok), 3) if ok else None


def with_ratios(result: dict[str, Any]) -> dict[str, Any]:
    """Wall-time, CPU-time and memory ratios (CPU time moves less when the machine is busy)."""
    ours, floor, peer = result["ours"], result["floor"], result["rdflib"]
    for entry in (ours, floor):
        if _cpu(entry) is not None:
            entry["cpu_s"] = _cpu(entry)
    result["ratios"] = {
        "ours/floor cpu": ratio(ours.get("cpu_s"), floor.get("cpu_s")),
        "ours/floor": ratio(ours.get("seconds"), floor.get("seconds")),
        "peer/ours": ratio(peer.get("seconds"), ours.get("seconds")),
        "ours/floor memory": ratio(ours.get("peak_rss_mib"), floor.get("peak_rss_mib")),
        "peer/ours memory": ratio(peer.get("peak_rss_mib"), ours.get("peak_rss_mib")),
    }
    return result
