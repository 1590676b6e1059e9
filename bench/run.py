"""The harness: every stage for every size, side by side, and the report.

``python -m bench`` (``make bench``): 10k and 100k hazards in full, and 1M
for the import, the overdue and lookup questions and the lookup routes (the
parts the targets name at that size; the full set would not finish in the
time a run has). ``python -m bench --quick`` (``make bench-quick``): 2k
hazards, fewer repetitions, shorter loads, in under two minutes.

For each size: the dataset (cached), the import (ours, the floor), the rdflib
worker (its load is the peer's import), the questions, the HTTP loads (our
server, Oxigraph server and rdflib-endpoint side by side), the exports; then
the targets, the table, ``bench/results/<date>-<size>.json`` and the markdown
summary ``bench/results/<date>.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import exports, http, ingest, queries, report, servers
from bench.child import ROOT
from bench.datasets import Size, cache_dir, ensure_csv, parse_size

__all__ = ["Config", "main", "run"]

STAGES = ("ingest", "queries", "http", "exports")
PARTIAL_QUESTIONS = ("lookup-gas", "overdue-by-department", "department-view")
PARTIAL_ROUTES = ("api/lookup", "api/departments/{id}", "api/hazards?department&overdue",
                  "sparql/simple-lookup")


@dataclass
class Config:
    """What a run measures and how hard; the presets are :func:`preset`."""

    sizes: list[str] = field(default_factory=lambda: ["10k", "100k", "1M"])
    partial: list[str] = field(default_factory=lambda: ["1M"])
    """Sizes measured only for the import, the overdue and lookup questions and routes."""
    stages: list[str] = field(default_factory=lambda: list(STAGES))
    ingest_reps: int = 3
    ingest_reps_large: int = 1
    """Import repetitions from 100k hazards on."""
    query_reps: int = 30
    floor_budget_s: float = 30.0
    """Stop repeating a naive query once it has used this much time (one run at least)."""
    probe_limit_s: float = 60.0
    rdflib_max_hazards: int = 100_000
    rdflib_limit_s: float = 60.0
    rdflib_reps: int = 5
    peer_server_max_hazards: int = 100_000
    http_levels: list[int] = field(default_factory=lambda: [1, 8, 32])
    http_duration_s: float = 5.0
    http_tool: str | None = None
    http_workers: int = 1
    """``safetykg serve --workers``: our server's processes (read-only store, so any number)."""
    http_access_log: bool = True
    """``safetykg serve --no-access-log`` when false."""
    exports: bool = True
    export_limit: int | None = None
    """Only the first N export runs (quick presets)."""
    http_routes: list[str] | None = None
    """Only these routes (default: all; the partial sizes have their own list)."""
    peer_server: bool = True
    """Start rdflib-endpoint (it loads the data into rdflib again: minutes at 100k)."""
    out: str = str(ROOT / "bench" / "results")
    suffix: str = ""
    reuse: bool = False
    """Keep the store of an earlier run of the same dataset instead of importing again."""
    seed: int = 2024


def preset(name: str) -> Config:
    """``full`` (the default), ``quick`` (bench-quick) or ``tiny`` (the harness test)."""
    if name == "quick":
        # 2k hazards and short budgets: every stage and comparison once, in under two minutes
        return Config(sizes=["2k"], partial=[], ingest_reps=1, query_reps=5, probe_limit_s=20,
                      floor_budget_s=2, rdflib_limit_s=3, rdflib_reps=1, http_levels=[1, 32],
                      http_duration_s=2,
                      http_routes=list(PARTIAL_ROUTES), peer_server=False, export_limit=2,
                      suffix="-quick")
    if name == "tiny":
        return Config(sizes=["200"], partial=[], ingest_reps=1, query_reps=2, probe_limit_s=20,
                      rdflib_limit_s=10, rdflib_reps=1, http_levels=[1], http_duration_s=0.3,
                      http_tool="httpx", http_routes=["api/lookup", "sparql/simple-lookup"],
                      peer_server=False, export_limit=1, suffix="-test")
    return Config()


def _log(message: str) -> None:
    print(f"[bench {dt.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def _carry(found: dict[str, Any], label: str, factor: float, cfg: Config,
           skip: dict[tuple[str, str], str], estimates: dict[tuple[str, str], float]) -> None:
    """What not to try at the next size (``factor`` times as many hazards): what was stopped
    at this one, and what would take longer than its limit if it grew with the data."""
    limits = {"ours": cfg.probe_limit_s, "floor": cfg.probe_limit_s, "peer": cfg.rdflib_limit_s}
    for name, entry in found.get("questions", {}).items():
        for engine in ("ours", "floor", "peer"):
            e = entry.get(engine, {})
            why = e.get("status", "") if not e.get("n") else ""
            why = why or e.get("error", "")
            if "stopped" in why or "TimedOut" in why or "over " in why:
                skip.setdefault((name, engine), f"{why.removeprefix('skipped: ')} at {label}")
                if e.get("estimated_ms"):
                    estimates[(name, engine)] = e["estimated_ms"] * factor
                continue
            p50 = e.get("p50_ms") or e.get("estimated_ms")
            if p50:
                estimates[(name, engine)] = p50 * factor
            if p50 and p50 * factor > limits[engine] * 1000:
                skip[(name, engine)] = (f"estimated {p50 * factor / 1000:,.0f} s ({factor:g}× its "
                                        f"{p50 / 1000:.3g} s at {label}), over the "
                                        f"{limits[engine]:g} s limit")


def run_size(size: Size, cfg: Config, skip: dict[tuple[str, str], str],
             estimates: dict[tuple[str, str], float], command: str) -> dict[str, Any]:
    """Every stage for one size; the result (also written as JSON)."""
    from pyoxigraph import Store

    from bench.peer import RdflibWorker

    partial = size.label in cfg.partial
    result: dict[str, Any] = {
        "schema": 1,
        "date": dt.date.today().isoformat(),
        "size": size.label,
        "partial": partial,
        "command": command,
        "machine": report.machine(),
        "config": asdict(cfg),
    }
    t_size = time.perf_counter()
    csv, note = ensure_csv(size, cfg.seed)
    result["dataset"] = {"csv": str(csv.relative_to(ROOT)) if csv.is_relative_to(ROOT)
                         else str(csv), **note}
    work = cache_dir() / f"work-{size.label}"
    saved = work / "ingest.json"
    store_ok = (work / "ours" / "store").exists()
    if "ingest" in cfg.stages and not (cfg.reuse and store_ok and saved.exists()):
        _log(f"{size.label}: import (ours, floor) × {_ingest_reps(cfg, size)}")
        result["ingest"] = ingest.run(size, csv, work, reps=_ingest_reps(cfg, size))
        saved.write_text(json.dumps(result["ingest"], default=str))
    elif saved.exists():
        result["ingest"] = json.loads(saved.read_text())
        result["ingest"]["reused"] = True
    store_dir = (work / "ours" / "store").resolve()
    if not store_dir.exists():
        raise SystemExit(f"no store for {size.label}: run the ingest stage first")
    data_dir = work / "ours"

    if "queries" in cfg.stages:
        peer = None
        peer_wanted = any(k[1] == "peer" and k not in skip for k in
                          ((q, "peer") for q in queries.QUESTION_NAMES))
        if not peer_wanted:
            _log(f"{size.label}: rdflib not loaded: every question is estimated over its limit")
        elif not partial and size.hazards <= cfg.rdflib_max_hazards:
            _log(f"{size.label}: loading rdflib (the peer)")
            peer = RdflibWorker(work / "equivalent.nt", [work / "rest.nt"])
            if result.get("ingest"):
                ingest.peer_figures(result["ingest"], peer.load)
        try:
            _log(f"{size.label}: questions")
            store = Store.read_only(str(store_dir))
            result["queries"] = queries.run(
                store, peer, store_dir=str(store_dir), reps=cfg.query_reps,
                probe_limit_s=cfg.probe_limit_s, floor_budget_s=cfg.floor_budget_s,
                rdflib_reps=cfg.rdflib_reps,
                rdflib_limit_s=cfg.rdflib_limit_s,
                only=PARTIAL_QUESTIONS if partial else None, skip=skip, estimates=estimates)
        finally:
            if peer:
                peer.close()
    if "http" in cfg.stages:
        result["http"] = _http(size, cfg, partial, data_dir, store_dir, result)
    if "exports" in cfg.stages and cfg.exports and not partial:
        _log(f"{size.label}: exports")
        subject = (result.get("queries") or {}).get("subject") or vars(
            queries.pick_subject(Store.read_only(str(store_dir))))
        result["exports"] = exports.run(data_dir, work / "exports", subject["department"],
                                        subject["region"], queries.AS_OF.isoformat(),
                                        limit=cfg.export_limit)
    gc.collect()
    result["seconds"] = round(time.perf_counter() - t_size, 1)
    result["machine"]["load_average_end"] = __import__("os").getloadavg()
    result["targets"] = report.targets(result)
    result["table"] = report.rows(result)
    path = report.write(result, Path(cfg.out), cfg.suffix)
    _log(f"{size.label}: wrote {path} ({result['seconds']:.0f} s)")
    return result


def _ingest_reps(cfg: Config, size: Size) -> int:
    return cfg.ingest_reps if size.hazards < 100_000 else cfg.ingest_reps_large


def _http(size: Size, cfg: Config, partial: bool, data_dir: Path, store_dir: Path,
          result: dict[str, Any]) -> dict[str, Any]:
    from pyoxigraph import Store

    store = Store.read_only(str(store_dir))
    subject_data = (result.get("queries") or {}).get("subject")
    subject = (queries.Subject(**subject_data) if subject_data else queries.pick_subject(store))
    as_of = queries.AS_OF.isoformat()
    routes = http.api_routes(subject, as_of) + http.sparql_routes(subject, as_of,
                                                                  heavy=not partial)
    wanted = PARTIAL_ROUTES if partial else cfg.http_routes
    if wanted:
        routes = [r for r in routes if r.name in wanted]
    running: dict[str, servers.Server] = {}
    notes: dict[str, Any] = {}
    try:
        _log(f"{size.label}: starting servers")
        running["ours"] = servers.start_ours(data_dir, workers=cfg.http_workers,
                                             access_log=cfg.http_access_log)
        if servers.oxigraph_available():
            running["oxigraph"] = servers.start_oxigraph(store_dir)
        else:
            notes["oxigraph"] = "skipped: no `oxigraph` command (pip install oxigraph)"
        if partial or size.hazards > cfg.peer_server_max_hazards or not cfg.peer_server:
            notes["rdflib-endpoint"] = "skipped in this run (size or preset)"
        elif not servers.rdflib_endpoint_available():
            notes["rdflib-endpoint"] = "skipped: no bench/.venv-peer (make bench-peer)"
        else:
            _log(f"{size.label}: rdflib-endpoint loading the data")
            running["rdflib-endpoint"] = servers.start_rdflib(
                [data_dir.parent / "equivalent.nt", data_dir.parent / "rest.nt"])
        _log(f"{size.label}: HTTP loads on {', '.join(running)}")
        out = http.run(running, routes, levels=cfg.http_levels, duration=cfg.http_duration_s,
                       store=store, tool=cfg.http_tool)
    finally:
        for server in running.values():
            notes.setdefault(server.name, {"started_s": server.started_s, **server.extra})
            server.stop()
    out["servers"] = notes
    return out


def run(cfg: Config, command: str, after: Path | None = None) -> list[dict[str, Any]]:
    """Every size of ``cfg``; writes the JSON files and the markdown summary.

    ``after``: the JSON of a smaller size measured earlier, whose stopped or too slow
    calls are not tried again (as when the sizes run in one go).
    """
    skip: dict[tuple[str, str], str] = {}
    estimates: dict[tuple[str, str], float] = {}
    results = []
    t0 = time.perf_counter()
    sizes = [parse_size(label) for label in cfg.sizes]
    if after and sizes:
        earlier = json.loads(after.read_text(encoding="utf-8"))
        factor = sizes[0].hazards / parse_size(earlier["size"]).hazards
        _carry(earlier.get("queries") or {}, earlier["size"], factor, cfg, skip, estimates)
    for i, size in enumerate(sizes):
        results.append(run_size(size, cfg, skip, estimates, command))
        if i + 1 < len(sizes):
            factor = sizes[i + 1].hazards / size.hazards
            _carry(results[-1].get("queries") or {}, size.label, factor, cfg, skip, estimates)
    date = dt.date.today().isoformat()
    summary = report.summary(results, command, time.perf_counter() - t0,
                             f"Benchmarks {date}{cfg.suffix}")
    path = Path(cfg.out) / f"{date}{cfg.suffix}.md"
    path.write_text(summary, encoding="utf-8")
    print(summary)
    _log(f"wrote {path}")
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", choices=["full", "quick", "tiny"], default="full")
    parser.add_argument("--quick", action="store_true", help="the same as --preset quick")
    parser.add_argument("--sizes", help="comma-separated: 10k,100k,1M")
    parser.add_argument("--partial", help="sizes measured only in part (default 1M; '' none)")
    parser.add_argument("--stages", help=f"comma-separated subset of {','.join(STAGES)}")
    parser.add_argument("--reps", type=int, help="query repetitions")
    parser.add_argument("--ingest-reps", type=int)
    parser.add_argument("--duration", type=float, help="seconds per HTTP load")
    parser.add_argument("--levels", help="HTTP concurrency levels, e.g. 1,8,32")
    parser.add_argument("--http-tool", choices=["wrk", "httpx"])
    parser.add_argument("--workers", type=int, help="our server's worker processes (default 1)")
    parser.add_argument("--no-access-log", action="store_true",
                        help="serve ours without its access log (safetykg serve --no-access-log)")
    parser.add_argument("--out", help="results folder (default bench/results)")
    parser.add_argument("--summary", nargs="+", type=Path, metavar="JSON",
                        help="only write the markdown summary of earlier results (one per size)")
    parser.add_argument("--after", type=Path,
                        help="results JSON of a smaller size: skip what was too slow there")
    parser.add_argument("--rdflib-max", type=int,
                        help="largest number of hazards to load into rdflib for the questions")
    parser.add_argument("--peer-max", type=int,
                        help="largest number of hazards to start rdflib-endpoint for")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the imported store of an earlier run of the same dataset")
    args = parser.parse_args(argv)
    if args.summary:
        found = [json.loads(p.read_text(encoding="utf-8")) for p in args.summary]
        commands = "; ".join(dict.fromkeys(r["command"] for r in found))
        text = report.summary(found, commands, sum(r.get("seconds", 0) for r in found),
                              f"Benchmarks {found[0]['date']}")
        target = args.summary[0].parent / f"{found[0]['date']}.md"
        target.write_text(text, encoding="utf-8")
        print(text)
        return 0
    cfg = preset("quick" if args.quick else args.preset)
    if args.sizes:
        cfg.sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    if args.partial is not None:
        cfg.partial = [s.strip() for s in args.partial.split(",") if s.strip()]
    if args.stages:
        cfg.stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    if args.reps:
        cfg.query_reps = args.reps
    if args.ingest_reps:
        cfg.ingest_reps = cfg.ingest_reps_large = args.ingest_reps
    if args.duration:
        cfg.http_duration_s = args.duration
    if args.levels:
        cfg.http_levels = [int(x) for x in args.levels.split(",")]
    if args.http_tool:
        cfg.http_tool = args.http_tool
    if args.workers:
        cfg.http_workers = args.workers
    if args.no_access_log:
        cfg.http_access_log = False
    if args.out:
        cfg.out = args.out
    if args.rdflib_max is not None:
        cfg.rdflib_max_hazards = args.rdflib_max
    if args.peer_max is not None:
        cfg.peer_server_max_hazards = args.peer_max
    cfg.reuse = cfg.reuse or args.reuse
    command = "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:])
    run(cfg, command.strip(), after=args.after)
    return 0
