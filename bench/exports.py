"""Exports of the largest scopes: ``safetykg export`` in a child process, time and peak memory.

Scopes: the whole plan (GraphML and Turtle), the responsibility network
(GEXF), and the hazards of the department with most hazards that are overdue
on the as-of day (GraphML and N-Triples, no node cap), plus the hazards of a
county with the default cap. The floor is pyoxigraph serialising the whole
hazards graph to N-Triples (``Store.dump``): what writing triples costs with
nothing of ours around it; it is reported per million triples, next to ours
per node, since the scopes are not the same size.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bench.child import measure, python_job
from bench.datasets import cli_has, safetykg_command

__all__ = ["run"]

GRAPH_HAZARDS = "https://w3id.org/safetykg/graph/hazards"
_WROTE = re.compile(r"(\d+) nodes, (\d+) edges")


def scopes(department: str, region: str, as_of: str) -> list[tuple[str, str, int | None]]:
    """``(format, scope, max_nodes)`` for the export runs."""
    dept = department.split("/id/department/", 1)[-1]
    county = region.rsplit("/", 1)[-1]
    overdue = f"hazards:department:{dept}:overdue:{as_of}"
    return [
        ("graphml", "plan", None),
        ("graphml", overdue, 1_000_000),
        ("gexf", "responsibility", None),
        ("turtle", "plan", None),
        ("nt", overdue, 1_000_000),
        ("graphml", f"hazards:region:{county}", None),
    ]


def run(data_dir: Path, out_dir: Path, department: str, region: str, as_of: str,
        *, timeout: float = 900.0, limit: int | None = None) -> dict[str, Any]:
    """Every export once (they take seconds, not milliseconds), and the floor."""
    if not cli_has("export"):
        return {"status": "skipped: no `safetykg export` command"}
    out_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    chosen = scopes(department, region, as_of)
    for fmt, scope, cap in chosen[:limit] if limit else chosen:
        target = out_dir / f"export.{fmt}"
        argv = [*safetykg_command(), "export", fmt, "--out", str(target), "--scope", scope,
                "--data-dir", str(data_dir)]
        if cap:
            argv += ["--max-nodes", str(cap)]
        r = measure(argv, timeout=timeout)
        match = _WROTE.search(r.get("stdout", ""))
        entry = {k: r[k] for k in ("status", "seconds", "cpu_s", "peak_rss_mib", "command")}
        if r["status"] != "ok":
            entry["stderr"] = r.get("stderr", "")[-500:]
        if match:
            entry["nodes"], entry["edges"] = int(match.group(1)), int(match.group(2))
        if target.exists():
            entry["bytes"] = target.stat().st_size
            target.unlink()
        results[f"{fmt} {scope}"] = entry
    floor = python_job("dump", (data_dir / "store").resolve(), out_dir / "floor.nt",
                       GRAPH_HAZARDS, timeout=timeout)
    (out_dir / "floor.nt").unlink(missing_ok=True)
    return {"exports": results,
            "floor": {k: floor[k] for k in ("status", "seconds", "peak_rss_mib", "command")}}
