"""The hazard registry's benchmark: import against the bulk-load floor, and the answers.

::

    python -m bench.registry --hazards 1000000 --enterprises 100000   # the issue's size
    python -m bench.registry --hazards 20000 --enterprises 2000 --reps 1   # a quick look

1. **Data**: ``safetykg generate`` (seed 2024, as of 2026-11-30), cached in
   ``bench/cache/registry-<size>.csv``.
2. **Import, side by side** (each run in its own child process, so that wall
   time and peak memory (``ru_maxrss``) are its own; runs interleaved):

   * *ours*: :func:`safetykg.registry.ingest` of the CSV into a store holding
     the plan and reference graphs: reading and validating every row, writing
     the records, their history and the index;
   * *floor*: :meth:`pyoxigraph.Store.bulk_load` of the **equivalent
     N-Triples** (what our import wrote to ``graph/hazards``, dumped after the
     first run) into ``graph/hazards`` of a store holding the same plan and
     reference graphs: the fastest way the same records get into the same
     engine, with no validation and no index;
   * *floor+index*: the same with every quad our import wrote (records and
     index, as N-Quads), for reference.

   The figure the issue asks for is ``ours / floor`` (target ≤ 1.5) and ours'
   peak memory (target < 2 GiB).
3. **Answers** on the imported store, opened read-only: "overdue hazards of a
   department as of D" (first page of 20 and the total) for every department
   and government responsible for any hazard and four days, each repeated;
   p50 and p95 over all (target: p50 < 20 ms); the same question answered by
   its definition (``overdue-hazards``, the naive join) once for the largest
   department, in a child process with a time limit; the department counts,
   the statistics table and the goals; and re-importing the unchanged file.

Results: printed as a table and written to ``bench/results/registry-<size>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / "cache"
RESULTS = ROOT / "bench" / "results"
HAZARDS_GRAPH = "https://w3id.org/safetykg/graph/hazards"
AS_OF = dt.date(2026, 11, 30)
DAYS = [AS_OF, dt.date(2025, 6, 30), dt.date(2024, 12, 31), dt.date(2023, 6, 30)]

_CHILD = r"""
import json, resource, sys, time, datetime as dt
sys.path.insert(0, {root!r})
from bench.registry import base_store
job, args = {job!r}, {args!r}
store = base_store(args["store"], read_only=args.get("read_only", False))
started = time.perf_counter()
out = {{}}
if job == "ours":
    from safetykg.registry.ingest import ingest
    report = ingest(store, args["csv"], today=dt.date(2026, 11, 30), progress=False)
    out = {{"writing_s": report.seconds_writing, "triples": report.triples_added,
           "hazards": report.hazards_added, "mode": report.mode}}
elif job == "floor":
    import pyoxigraph as ox
    graph = ox.NamedNode(args["graph"]) if args.get("graph") else None
    fmt = ox.RdfFormat.N_TRIPLES if graph else ox.RdfFormat.N_QUADS
    store.bulk_load(path=args["nt"], format=fmt, to_graph=graph)
    store.flush()
elif job == "naive":
    from safetykg.queries import default_library
    rows = list(default_library().run(store, "overdue-hazards",
                                      {{"scope": args["scope"], "asOf": args["day"]}}))
    out = {{"rows": len(rows)}}
out["seconds"] = time.perf_counter() - started
out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def base_store(path: str | Path, read_only: bool = False) -> Any:
    """An on-disk store holding the ontology, the plan graph and the reference graph
    (loaded only if it is empty)."""
    import pyoxigraph as ox

    from safetykg.namespaces import GRAPH_ONTOLOGY, GRAPH_REFERENCE, plan_graph

    if read_only:
        return ox.Store.read_only(str(path))
    store = ox.Store(str(path))
    if not store.contains_named_graph(ox.NamedNode(str(GRAPH_ONTOLOGY))):
        loads = [
            (ROOT / "ontology" / "safetykg.ttl", GRAPH_ONTOLOGY),
            (ROOT / "graph_data" / "plans" / "bozhou-2024.ttl", plan_graph("bozhou-2024")),
            *(
                (p, GRAPH_REFERENCE)
                for p in sorted((ROOT / "graph_data" / "reference").glob("*.ttl"))
            ),
        ]
        for file, graph in loads:
            store.load(
                path=str(file), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(graph))
            )
    return store


def child(job: str, args: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
    code = _CHILD.format(root=str(ROOT), job=job, args=args)
    wall = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"timeout": timeout, "seconds": None}
    if done.returncode:
        raise RuntimeError(f"{job} failed:\n{done.stderr[-4000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["wall_s"] = time.perf_counter() - wall
    return out


def dataset(hazards: int, enterprises: int, seed: int) -> Path:
    from safetykg.registry.generate import generate

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"registry-{hazards}-{enterprises}-seed{seed}.csv"
    if not path.is_file():
        started = time.perf_counter()
        report = generate(path, enterprises=enterprises, hazards=hazards, seed=seed, as_of=AS_OF)
        print(f"generated {path.name} in {time.perf_counter() - started:.0f} s: {report}")
    return path


def _fresh(path: Path) -> str:
    shutil.rmtree(path, ignore_errors=True)
    return str(path)


def import_stage(csv: Path, work: Path, reps: int, with_index_floor: bool = True) -> dict[str, Any]:
    import pyoxigraph as ox

    ours: list[dict[str, Any]] = []
    floor: list[dict[str, Any]] = []
    floor_all: list[dict[str, Any]] = []
    records_nt = work / "equivalent.nt"
    everything_nq = work / "everything.nq"
    for rep in range(reps):
        result = child("ours", {"store": _fresh(work / "ours"), "csv": str(csv)})
        ours.append(result)
        print(f"  ours #{rep + 1}: {result['seconds']:.1f} s, {result['peak_rss_mib']:.0f} MiB")
        if rep == 0:
            store = ox.Store.read_only(str(work / "ours"))
            with records_nt.open("wb") as f:
                store.dump(f, format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(HAZARDS_GRAPH))
            if with_index_floor:
                with everything_nq.open("wb") as f:
                    for graph in (ox.NamedNode(HAZARDS_GRAPH), ox.DefaultGraph()):
                        store.dump(f, format=ox.RdfFormat.N_QUADS, from_graph=graph)
            del store
        result = child(
            "floor",
            {"store": _fresh(work / "floor"), "nt": str(records_nt), "graph": HAZARDS_GRAPH},
        )
        floor.append(result)
        print(f"  floor #{rep + 1}: {result['seconds']:.1f} s, {result['peak_rss_mib']:.0f} MiB")
        if rep == 0 and with_index_floor:
            result = child("floor", {"store": _fresh(work / "floor"), "nt": str(everything_nq)})
            floor_all.append(result)
            everything_nq.unlink()
            print(f"  floor+index: {result['seconds']:.1f} s")
    shutil.rmtree(work / "floor", ignore_errors=True)
    med = statistics.median
    return {
        "ours_s": [r["seconds"] for r in ours],
        "floor_s": [r["seconds"] for r in floor],
        "floor_with_index_s": [r["seconds"] for r in floor_all],
        "ratio": med(r["seconds"] for r in ours) / med(r["seconds"] for r in floor),
        "ratio_to_floor_with_index": med(r["seconds"] for r in ours)
        / med(r["seconds"] for r in floor_all)
        if floor_all
        else None,
        "ours_peak_rss_mib": max(r["peak_rss_mib"] for r in ours),
        "floor_peak_rss_mib": max(r["peak_rss_mib"] for r in floor),
        "ours_writing_s": [r["writing_s"] for r in ours],
        "triples_written": ours[0]["triples"],
        "records_triples": sum(1 for _ in records_nt.open("rb")),
        "mode": ours[0]["mode"],
    }


def _ms(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    return {
        "p50_ms": 1000 * values[len(values) // 2],
        "p95_ms": 1000 * values[min(len(values) - 1, int(len(values) * 0.95))],
        "max_ms": 1000 * values[-1],
        "n": len(values),
    }


def query_stage(work: Path, repeats: int) -> dict[str, Any]:
    from safetykg.registry.answers import department_hazard_counts, goal_progress, overdue
    from safetykg.registry.answers import statistics as stats
    from safetykg.registry.reference import Reference

    store = base_store(work / "ours", read_only=True)
    ref = Reference.load(store)
    departments = sorted({d for s in ref.sectors.values() for d in s.leads})
    departments += sorted(r.government for r in ref.regions.values() if r.government)
    timings: list[float] = []
    per_department: dict[str, Any] = {}
    for dept in departments:
        own: list[float] = []
        for day in DAYS:
            overdue(store, dept, day)  # warm the caches for this key
            for _ in range(repeats):
                started = time.perf_counter()
                page = overdue(store, dept, day, limit=20)
                own.append(time.perf_counter() - started)
            per_department.setdefault(dept.rsplit("/", 2)[-2] + "/" + dept.rsplit("/", 1)[-1], {})[
                str(day)
            ] = page.total
        timings += own
    largest = max(departments, key=lambda d: overdue(store, d, AS_OF).total)
    largest_times = []
    for _ in range(repeats * 3):
        started = time.perf_counter()
        page = overdue(store, largest, AS_OF, limit=20)
        largest_times.append(time.perf_counter() - started)
    other: dict[str, Any] = {}
    for name, call in (
        ("department-counts", lambda: department_hazard_counts(store, largest, AS_OF)),
        ("statistics (today)", lambda: stats(store, AS_OF)),
        ("statistics (2024-12-31)", lambda: stats(store, dt.date(2024, 12, 31))),
        ("goal-progress", lambda: goal_progress(store, AS_OF)),
        ("overdue region bozhou", lambda: overdue(store, f"{ref_id()}region/bozhou", AS_OF)),
    ):
        values = []
        for _ in range(max(3, repeats // 2)):
            started = time.perf_counter()
            call()
            values.append(time.perf_counter() - started)
        other[name] = _ms(values)
    naive = child(
        "naive",
        {
            "store": str(work / "ours"),
            "scope": largest,
            "day": AS_OF.isoformat(),
            "read_only": True,
        },
        timeout=900,
    )
    return {
        "overdue_by_department": _ms(timings),
        "largest_department": largest,
        "largest_department_total": page.total,
        "largest_department_timing": _ms(largest_times),
        "naive_largest_department_s": naive.get("seconds"),
        "naive_timeout_s": naive.get("timeout"),
        "other": other,
        "totals": per_department,
    }


def ref_id() -> str:
    from safetykg.namespaces import ID

    return str(ID)


def reimport_stage(csv: Path, work: Path) -> dict[str, Any]:
    result = child("ours", {"store": str(work / "ours"), "csv": str(csv)})
    return {"seconds": result["seconds"], "peak_rss_mib": result["peak_rss_mib"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hazards", type=int, default=1_000_000)
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--reps", type=int, default=2, help="import repetitions (interleaved)")
    parser.add_argument("--query-reps", type=int, default=7)
    parser.add_argument("--work", type=Path, default=None, help="scratch directory")
    parser.add_argument("--skip-import", action="store_true", help="reuse the last import")
    parser.add_argument(
        "--no-index-floor", action="store_true", help="skip the floor+index load (saves disk)"
    )
    options = parser.parse_args(argv)
    csv = dataset(options.hazards, options.enterprises, options.seed)
    work = options.work or Path(tempfile.gettempdir()) / f"safetykg-bench-{options.hazards}"
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "hazards": options.hazards,
        "enterprises": options.enterprises,
        "seed": options.seed,
        "csv_bytes": csv.stat().st_size,
        "machine": {"cpus": os.cpu_count(), "load_avg_at_start": os.getloadavg()},
        "command": "python -m bench.registry " + " ".join(argv or sys.argv[1:]),
        "date": dt.datetime.now().isoformat(timespec="seconds"),
    }
    if not options.skip_import:
        print("import, side by side …")
        results["import"] = import_stage(
            csv, work, options.reps, with_index_floor=not options.no_index_floor
        )
    print("answers …")
    results["answers"] = query_stage(work, options.query_reps)
    print("re-import of the unchanged file …")
    results["reimport"] = reimport_stage(csv, work)
    results["machine"]["load_avg_at_end"] = os.getloadavg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"registry-{options.hazards}.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    print(summary(results))
    print(f"written {out}")
    return 0


def summary(r: dict[str, Any]) -> str:
    lines = [f"hazards {r['hazards']:,}, enterprises {r['enterprises']:,} ({r['command']})", ""]
    if "import" in r:
        i = r["import"]
        med = statistics.median
        lines += [
            "| import | seconds | peak memory |",
            "|---|---|---|",
            f"| ours (`safetykg ingest`) | {med(i['ours_s']):.0f} "
            f"| {i['ours_peak_rss_mib']:.0f} MiB |",
            f"| floor: bulk_load of the equivalent N-Triples | {med(i['floor_s']):.0f} "
            f"| {i['floor_peak_rss_mib']:.0f} MiB |",
            f"| floor + index (every quad we wrote) | "
            f"{med(i['floor_with_index_s']) if i['floor_with_index_s'] else float('nan'):.0f} | |",
            f"| **ratio ours / floor** | **{i['ratio']:.2f}** | |",
            "",
        ]
    a = r["answers"]
    o, big = a["overdue_by_department"], a["largest_department_timing"]
    lines += [
        "| answer | p50 | p95 |",
        "|---|---|---|",
        f"| overdue of a department (page of 20 + total), all departments × 4 days "
        f"| {o['p50_ms']:.1f} ms | {o['p95_ms']:.1f} ms |",
        f"| … the largest ({a['largest_department'].rsplit('/', 1)[-1]}, "
        f"{a['largest_department_total']:,} overdue) | {big['p50_ms']:.1f} ms "
        f"| {big['p95_ms']:.1f} ms |",
    ]
    for name, t in a["other"].items():
        lines.append(f"| {name} | {t['p50_ms']:.1f} ms | {t['p95_ms']:.1f} ms |")
    naive = a["naive_largest_department_s"]
    lines.append(
        "| the same by its definition (`overdue-hazards`, naive join) | "
        + (f"{naive:.1f} s" if naive else f"> {a['naive_timeout_s']:.0f} s")
        + " | |"
    )
    lines.append(f"| re-import of the unchanged file | {r['reimport']['seconds']:.0f} s | |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
