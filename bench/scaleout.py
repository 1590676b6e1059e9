"""Scale-out benchmark: the same service on Oxigraph server, against the embedded store.

``python -m bench.scaleout [--hazards 2000] [--reps 7] [--duration 15] [--concurrency 16]``

Three measurements, each on loopback with nothing else of ours running:

1. **Queries**: every named query of ``queries/`` (parameters taken from the
   data), run ``--reps`` times on the embedded store and through
   :class:`safetykg.remote.RemoteStore` on a local Oxigraph server holding the
   same build and the same hazards, repetitions interleaved. The figure is the
   median wall time per query, results read in full, and the ratio
   remote/embedded; the summary is the geometric mean and the worst ratio
   (issue 7's target: within 3x).
2. **Ingest**: ``safetykg.registry.ingest`` of ``--hazards`` synthetic hazards
   (``safetykg generate``), embedded and remote, through the bulk path (the
   batch is spooled and sent in Graph Store batches); hazards per second and
   quads per second written, and the time to 1,000,000 hazards at that rate
   (the target: under 5 minutes).
3. **Lookup throughput**: ``safetykg serve --workers 1`` and ``--workers 2``
   over the Oxigraph server, driven for ``--duration`` seconds by a bounded
   load generator on loopback (``wrk`` when installed, else a bounded asyncio
   httpx client; ``--concurrency`` connections, each sending its next request
   when the last is answered) on ``GET /api/lookup?q=…`` with a rotating set
   of terms; requests per second and p50/p95 latency, and the ratio
   2 workers / 1 (the target: at least 1.6). One worker and two alternate
   ``--rounds`` times and the medians are compared, since the load generator,
   the server and the workers share the machine with whatever else runs.

Everything runs on the machine at hand: the server, the workers and the
load generator share its cores, which the JSON records (``--out``).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0] or ".").resolve() == REPO / "bench":
    sys.path.pop(0)  # run as a script: bench/http.py would shadow the standard library's http
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
from pyoxigraph import Literal, QuerySolutions, QueryTriples, Store, Variable  # noqa: E402

from safetykg.queries import default_library  # noqa: E402
from safetykg.remote import RemoteStore  # noqa: E402
from safetykg.store import build, graph_sizes, open_store  # noqa: E402

ID = "https://w3id.org/safetykg/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"
TERMS = ["燃气", "城管局", "谁管燃气?", "gas", "消防", "应急管理局", "危化品", "建筑施工",
         "道路运输", "教育局", "coal mine", "渔业船舶"]  # fmt: skip


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def start_oxigraph(directory: Path) -> tuple[subprocess.Popen[bytes], str]:
    binary = Path(sys.executable).parent / "oxigraph"
    command = str(binary) if binary.exists() else shutil.which("oxigraph")
    if command is None:
        raise SystemExit("Oxigraph server is not installed: pip install oxigraph")
    port = _port()
    process = subprocess.Popen(
        [command, "serve", "--location", str(directory), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    _wait(url + "/query?query=ASK%7B%7D", process)
    return process, url


# --------------------------------------------------------------------------- queries


def parameter_sets(store: Store, named: Any) -> dict[str, Any] | None:
    """One set of parameters for a named query, taken from the data; None if impossible."""
    values: dict[str, Any] = {}
    for p in named.params:
        if p.is_iri:
            prefix = f"{ID}{p.kind}/" if p.kind else ID
            rows = store.query(
                "SELECT ?x ?prefix { ?x ?p ?o FILTER(STRSTARTS(STR(?x), ?prefix)) } LIMIT 1",
                substitutions={Variable("prefix"): Literal(prefix)},
                use_default_graph_as_union=True,
            )
            found = [r["x"].value for r in rows]  # type: ignore[union-attr, index]
            if not found:
                if p.required:
                    return None
                continue
            values[p.name] = [found[0]] if p.is_list else found[0]
        elif p.required or p.is_list:
            sample = {
                XSD + "date": "2025-06-30",
                XSD + "integer": "2",
                XSD + "boolean": "true",
                XSD + "duration": "P3M",
            }.get(p.datatype or "", "燃气")
            values[p.name] = [sample] if p.is_list else sample
    return values


def _run(named: Any, store: Any, values: dict[str, Any]) -> float:
    started = time.perf_counter()
    result = named.run(store, values)
    if isinstance(result, QuerySolutions):
        for row in result:
            for v in result.variables:
                row[v]
    elif isinstance(result, QueryTriples):
        list(result)
    return time.perf_counter() - started


def bench_queries(embedded: Store, remote: RemoteStore, reps: int) -> dict[str, Any]:
    library = default_library()
    rows = []
    for name in library:
        named = library[name]
        values = parameter_sets(embedded, named)
        if values is None:
            continue
        _run(named, embedded, values), _run(named, remote, values)  # warm both
        times: dict[str, list[float]] = {"embedded": [], "remote": []}
        for i in range(reps):
            order = ["embedded", "remote"] if i % 2 == 0 else ["remote", "embedded"]
            for which in order:
                store = embedded if which == "embedded" else remote
                times[which].append(_run(named, store, values))
        e, r = statistics.median(times["embedded"]), statistics.median(times["remote"])
        rows.append({"query": name, "embedded_ms": e * 1e3, "remote_ms": r * 1e3, "ratio": r / e})
    ratios = [row["ratio"] for row in rows]
    return {
        "rows": rows,
        "geomean_ratio": math.exp(sum(math.log(x) for x in ratios) / len(ratios)),
        "median_ratio": statistics.median(ratios),
        "worst": max(rows, key=lambda row: row["ratio"]),
        "embedded_total_ms": sum(row["embedded_ms"] for row in rows),
        "remote_total_ms": sum(row["remote_ms"] for row in rows),
        "loadavg_after": os.getloadavg(),
    }


# --------------------------------------------------------------------------- ingest


def bench_ingest(store: Any, csv: Path) -> dict[str, Any]:
    from safetykg.registry import ingest

    before = sum(graph_sizes(store).values())
    started = time.perf_counter()
    report = ingest(store, csv, today=dt.date(2026, 12, 31), progress=False, spool_rows=1000)
    seconds = time.perf_counter() - started
    written = sum(graph_sizes(store).values()) - before
    return {
        "hazards": report.hazards_added,
        "mode": report.mode,
        "seconds": seconds,
        "seconds_writing": report.seconds_writing,
        "quads_written": written,
        "hazards_per_s": report.hazards_added / seconds,
        "quads_per_s_writing": written / report.seconds_writing if report.seconds_writing else None,
        "minutes_for_1M_hazards": 1_000_000 / (report.hazards_added / seconds) / 60,
        "loadavg_after": os.getloadavg(),
    }


# --------------------------------------------------------------------------- HTTP


async def _load(url: str, duration: float, concurrency: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:

        async def loop(k: int) -> None:
            nonlocal errors
            i = k
            while time.perf_counter() < stop:
                started = time.perf_counter()
                response = await client.get("/api/lookup", params={"q": TERMS[i % len(TERMS)]})
                if response.status_code == 200:
                    latencies.append(time.perf_counter() - started)
                else:
                    errors += 1
                i += concurrency

        began = time.perf_counter()
        await asyncio.gather(*(loop(k) for k in range(concurrency)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "seconds": elapsed,
        "rps": len(latencies) / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1e3 if latencies else None,
        "p95_ms": latencies[int(len(latencies) * 0.95)] * 1e3 if latencies else None,
    }


_WRK_LUA = r"""
local terms = {TERMS}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/lookup?q=" .. terms[(i % #terms) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format('BENCHJSON {"requests":%d,"duration_us":%d,"errors":%d,' ..
    '"p50_us":%d,"p95_us":%d}\n', summary.requests, summary.duration,
    summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.timeout, latency:percentile(50), latency:percentile(95)))
end
"""


def _wrk(url: str, duration: float, concurrency: int) -> dict[str, Any]:
    """The same closed loop with wrk (C, two threads): less of the machine spent on load."""
    from urllib.parse import quote

    terms = "{" + ", ".join(f'"{quote(t)}"' for t in TERMS) + "}"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_LUA.replace("{TERMS}", terms))
    try:
        out = subprocess.run(
            ["wrk", "-t", "2", "-c", str(concurrency), "-d", f"{duration:g}s",
             "--timeout", "30s", "-s", script.name, url],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(script.name)
    line = next(x for x in out.splitlines() if x.startswith("BENCHJSON "))
    data = json.loads(line.removeprefix("BENCHJSON "))
    seconds = data["duration_us"] / 1e6
    return {
        "requests": data["requests"],
        "errors": data["errors"],
        "seconds": seconds,
        "rps": (data["requests"] - data["errors"]) / seconds,
        "p50_ms": data["p50_us"] / 1e3,
        "p95_ms": data["p95_us"] / 1e3,
    }


def bench_workers(
    store_url: str, workers: int, duration: float, concurrency: int, tool: str = "httpx"
) -> dict[str, Any]:
    port = _port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFETYKG_")}
    env.update({"SAFETYKG_STORE": store_url, "SAFETYKG_RATE_LIMIT": "0"})
    process = subprocess.Popen(
        [sys.executable, "-m", "safetykg.cli", "serve", "--port", str(port),
         "--workers", str(workers)],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url + "/health", process, 180)
        asyncio.run(_load(url, min(3.0, duration), concurrency))  # warm every worker
        if tool == "wrk":
            measured = {"tool": "wrk", **_wrk(url, duration, concurrency)}
        else:
            measured = {"tool": "httpx", **asyncio.run(_load(url, duration, concurrency))}
        return {"workers": workers, **measured, "loadavg_after": os.getloadavg()}
    finally:
        _stop(process)


def bench_scaling(
    store_url: str, rounds: int, duration: float, concurrency: int, tool: str
) -> dict[str, Any]:
    """1 worker, then 2, ``rounds`` times: on a shared machine one pair says little.

    The figure is the ratio of the median requests per second; each round's
    ratio (the two runs next to each other, so under similar load) is kept too.
    """
    runs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for _ in range(rounds):
        one = bench_workers(store_url, 1, duration, concurrency, tool)
        two = bench_workers(store_url, 2, duration, concurrency, tool)
        runs.append((one, two))
    one_rps = statistics.median(one["rps"] for one, _ in runs)
    two_rps = statistics.median(two["rps"] for _, two in runs)
    return {
        "rounds": [{"one": one, "two": two} for one, two in runs],
        "ratios": [two["rps"] / one["rps"] for one, two in runs],
        "one_rps_median": one_rps,
        "two_rps_median": two_rps,
        "ratio": two_rps / one_rps,
    }


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hazards", type=int, default=2000)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--stages",
        default="queries,workers",
        help="besides the remote ingest: queries, workers, embedded (the embedded ingest, "
        "also run for queries)",
    )
    parser.add_argument(
        "--tool",
        choices=["httpx", "wrk"],
        default="wrk" if shutil.which("wrk") else "httpx",
        help="load generator for the lookup throughput [default: wrk when installed]",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="lookup throughput: alternate 1 and 2 workers this many times, report medians",
    )
    parser.add_argument(
        "--non-atomic",
        action="store_true",
        help="remote ingest with SAFETYKG_STORE_ATOMIC_BATCHES off (Oxigraph's bulk loader)",
    )
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "scaleout.json")
    args = parser.parse_args(argv)
    stages = set(args.stages.split(","))

    from safetykg.registry import generate

    work = Path(tempfile.mkdtemp(prefix="safetykg-scaleout-"))
    server, url = start_oxigraph(work / "oxigraph")
    out: dict[str, Any] = {
        "command": " ".join([Path(sys.executable).name, "-m", "bench.scaleout", *sys.argv[1:]]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "loadavg_at_start": os.getloadavg()},
        "hazards": args.hazards,
        "atomic_batches": not args.non_atomic,
    }  # fmt: skip
    try:
        csv = work / "hazards.csv"
        generate(csv, enterprises=max(1, args.hazards // 10), hazards=args.hazards, seed=2024,
                 progress=False)  # fmt: skip
        build(work / "data", REPO, reextract=False, progress=False)
        embedded = open_store(work / "data")
        remote = RemoteStore(url, timeout=600, atomic_batches=not args.non_atomic)
        build(work / "unused", REPO, reextract=False, progress=False, remote=remote)
        out["ingest"] = {}  # the queries and the lookups run over these hazards
        if stages & {"queries", "embedded"}:
            out["ingest"]["embedded"] = bench_ingest(embedded, csv)
        out["ingest"]["remote"] = bench_ingest(remote, csv)
        print(json.dumps(out["ingest"], indent=2))
        if "queries" in stages:
            out["queries"] = bench_queries(embedded, remote, args.reps)
            q, worst = out["queries"], out["queries"]["worst"]
            print(
                f"queries: geomean remote/embedded {q['geomean_ratio']:.2f}, median "
                f"{q['median_ratio']:.2f}, worst {worst['query']} {worst['ratio']:.2f}"
            )
        del embedded
        if "workers" in stages:
            out["workers"] = bench_scaling(
                url, args.rounds, args.duration, args.concurrency, args.tool
            )
            w = out["workers"]
            print(
                f"lookup: 1 worker {w['one_rps_median']:.0f} req/s, 2 workers "
                f"{w['two_rps_median']:.0f} req/s (medians of {args.rounds}), ratio of the "
                f"medians {w['ratio']:.2f}, per round {', '.join(f'{r:.2f}' for r in w['ratios'])}"
            )
        out["machine"]["loadavg_at_end"] = os.getloadavg()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8")
        print(f"wrote {args.out}")
    finally:
        _stop(server)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
