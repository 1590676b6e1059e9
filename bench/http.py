"""HTTP, side by side: latency and throughput at 1, 8 and 32 concurrent clients.

The load generator is ``wrk`` (Debian's package; closed loop: each connection
sends its next request when the last one is answered) driven by a small Lua
script that prints the latency percentiles as JSON. Without ``wrk`` the
harness falls back to its own bounded asyncio client on httpx (same loop,
same figures, but it spends more of the machine's two cores on itself, so
its throughput figures are lower bounds).

Routes: four of our REST routes (ours only) and the same SPARQL queries sent
to our ``/sparql``, to Oxigraph server and to ``rdflib-endpoint``. Ours is
loaded twice: as a client meets it (``ours``: a repeated request gets the
answer :mod:`api.response_cache` kept) and with ``Cache-Control: no-cache`` on
every request (``ours, computed``: each answer worked out anew). The
servers run side by side; for each concurrency and route they take turns, in
an order rotated each time. For every SPARQL query the engine's own time
(pyoxigraph in this process: evaluate and serialise to SPARQL JSON) is taken
too, so the endpoint's overhead is its median round trip minus that.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import shutil
import subprocess
import tempfile
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.timing import percentile, ratio

__all__ = ["COMPUTED", "Route", "load", "run", "sparql_routes"]

SPARQL_JSON = "application/sparql-results+json"

COMPUTED = "ours, computed"
"""Our server with ``Cache-Control: no-cache`` on every request: no answer reused."""

_LUA = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d,"min_us":%d,"max_us":%d,"mean_us":%.1f,' ..
    '"p50_us":%d,"p95_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency.min, latency.max, latency.mean, latency:percentile(50),
    latency:percentile(95), latency:percentile(99)))
end
"""


@dataclass
class Route:
    """One thing to ask over HTTP: a REST path, or a SPARQL query sent to every endpoint."""

    name: str
    kind: str  # "api" or "sparql"
    path: str = ""
    query: str = ""
    levels: Sequence[int] | None = None
    """Concurrency levels for this route (default: all)."""
    min_duration_s: float | None = None
    """A longer run for a heavy query, so that the slow servers answer a few times."""
    target: dict[str, float] = field(default_factory=dict)


def backend() -> str:
    """``wrk`` when it is installed, else ``httpx``."""
    return "wrk" if shutil.which("wrk") else "httpx"


def _wrk(url: str, headers: dict[str, str], concurrency: int, duration: float) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_LUA)
    argv = ["wrk", f"-t{min(concurrency, 2)}", f"-c{concurrency}", f"-d{max(1, round(duration))}s",
            "--timeout", "60s", "-s", script.name]
    for k, v in headers.items():
        argv += ["-H", f"{k}: {v}"]
    done = subprocess.run([*argv, url], capture_output=True, text=True, check=False)
    match = re.search(r"BENCHJSON (\{.*\})", done.stdout)
    if not match:
        raise RuntimeError(f"wrk: {done.stdout[-500:]} {done.stderr[-500:]}")
    raw = json.loads(match.group(1))
    seconds = raw["duration_us"] / 1e6
    errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    if not raw["requests"]:
        return {"requests": 0, "seconds": round(seconds, 3), "rps": 0.0, "non_2xx": 0,
                "errors": errors, "status": f"no request answered within {seconds:.0f} s"}
    return {
        "requests": raw["requests"],
        "seconds": round(seconds, 3),
        "rps": round(raw["requests"] / seconds, 1),
        "non_2xx": raw["status"],
        "errors": errors,
        "min_ms": raw["min_us"] / 1000,
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
    }


async def _httpx(url: str, headers: dict[str, str], concurrency: int,
                 duration: float) -> dict[str, Any]:
    latencies: list[float] = []
    statuses = {"non_2xx": 0, "errors": 0}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60, headers=headers) as client:
        t_start = time.perf_counter()
        deadline = t_start + duration

        async def worker() -> None:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                try:
                    r = await client.get(url)
                    await r.aread()
                    if not 200 <= r.status_code < 300:
                        statuses["non_2xx"] += 1
                except httpx.HTTPError:
                    statuses["errors"] += 1
                    continue
                latencies.append(time.perf_counter() - t0)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - t_start
    ordered = sorted(latencies)
    if not ordered:
        return {"requests": 0, "seconds": round(seconds, 3), "rps": 0.0, **statuses,
                "status": f"no request answered within {seconds:.0f} s"}

    def ms(q: float) -> float:
        return round(percentile(ordered, q) * 1000, 3) if ordered else math.nan

    return {
        "requests": len(latencies),
        "seconds": round(seconds, 3),
        "rps": round(len(latencies) / seconds, 1),
        **statuses,
        "min_ms": ms(0),
        "p50_ms": ms(50),
        "p95_ms": ms(95),
        "p99_ms": ms(99),
        "max_ms": ms(100),
    }


def load(url: str, headers: dict[str, str], concurrency: int, duration: float,
         tool: str | None = None) -> dict[str, Any]:
    """Closed-loop load on one URL: requests, req/s, non-2xx, errors, latency percentiles."""
    tool = tool or backend()
    if tool == "wrk":
        result = _wrk(url, headers, concurrency, duration)
    else:
        result = asyncio.run(_httpx(url, headers, concurrency, duration))
    result["concurrency"] = concurrency
    result["tool"] = tool
    return result


# --------------------------------------------------------------------------- the routes


def _with_values(text: str, values: dict[str, str]) -> str:
    """The query with ``VALUES`` for its parameters at the top of its WHERE clause.

    The values are the benchmark's own constant terms (N-Triples syntax from
    pyoxigraph), the same text for every endpoint.
    """
    if not values:
        return text
    names = " ".join(f"?{k}" for k in values)
    row = " ".join(values.values())
    match = re.search(r"WHERE\s*\{", text, re.IGNORECASE)
    if not match:
        raise ValueError("no WHERE clause")
    return f"{text[: match.end()]}\n  VALUES ({names}) {{ ({row}) }}{text[match.end():]}"


def _library_text(name: str, values: dict[str, Any]) -> str:
    from safetykg.namespaces import sparql_prefixes
    from safetykg.queries import default_library

    q = default_library().get(name)
    terms = {k.value: str(v) for k, v in q.bind(values).items()}
    body = "\n".join(line for line in q.sparql(values).splitlines()
                     if not line.lstrip().upper().startswith("PREFIX "))
    return sparql_prefixes() + _with_values(body, terms)


def sparql_routes(subject: Any, as_of: str, heavy: bool = True) -> list[Route]:
    """The SPARQL queries sent to every endpoint (prefixes declared in the text)."""
    from safetykg.namespaces import sparql_prefixes

    simple = (sparql_prefixes() + "SELECT ?dept WHERE { "
              f"<{subject.gas_sector}> sk:leadDepartment ?dept }}")
    routes = [
        Route("sparql/simple-lookup", "sparql", query=simple,
              target={"rps_at_32": 1000.0, "overhead_ms": 2.0}),
        Route("sparql/sector-lead-departments", "sparql",
              query=_library_text("sector-lead-departments", {"sector": subject.gas_sector}),
              target={"overhead_ms": 2.0}),
        Route("sparql/tasks-due-by", "sparql",
              query=_library_text("tasks-due-by", {"by": "2025-12-31"}),
              target={"overhead_ms": 2.0}),
        Route("sparql/hazard-responsibility", "sparql",
              query=_library_text("hazard-responsibility", {"hazard": subject.hazard})),
    ]
    if heavy:
        overdue = _library_text("overdue-hazards", {"scope": subject.department, "asOf": as_of})
        routes.append(Route("sparql/overdue-by-department", "sparql", query=overdue, levels=[1],
                            min_duration_s=10))
    return routes


def api_routes(subject: Any, as_of: str) -> list[Route]:
    """Four REST routes, as a safety office's staff would call them."""
    from safetykg.namespaces import ID

    dept = subject.department.removeprefix(str(ID) + "department/")
    hazard_id = subject.hazard.rsplit("/", 1)[-1]
    q = urllib.parse.quote("谁管燃气?")
    fast = {"p50_ms": 5.0, "p99_ms": 20.0, "rps_at_32": 2000.0}
    return [
        Route("api/lookup", "api", f"/api/lookup?q={q}", target=fast),
        Route("api/departments/{id}", "api", f"/api/departments/{dept}?as_of={as_of}",
              target=fast),
        Route("api/hazards?department&overdue", "api",
              f"/api/hazards?department={dept}&overdue=true&as_of={as_of}",
              target={"p50_ms": 25.0}),
        Route("api/hazards/{id}", "api", f"/api/hazards/{hazard_id}"),
    ]


def engine_time(store: Any, text: str, reps: int = 30) -> dict[str, Any]:
    """pyoxigraph's own time for ``text``: evaluate and serialise as SPARQL JSON."""
    from pyoxigraph import QueryResultsFormat

    from bench.timing import Case, interleaved, summarise

    def once() -> bytes:
        return store.query(text, use_default_graph_as_union=True).serialize(
            format=QueryResultsFormat.JSON)

    case = interleaved({"engine": Case(once, budget_s=20)}, reps)["engine"]
    return summarise(case.samples)


def _check(url: str, headers: dict[str, str]) -> dict[str, Any]:
    try:
        r = httpx.get(url, headers=headers, timeout=300)
    except httpx.HTTPError as exc:
        return {"status": None, "error": str(exc)}
    out: dict[str, Any] = {"status": r.status_code, "bytes": len(r.content),
                           "content_type": r.headers.get("content-type")}
    if r.status_code >= 300:
        out["error"] = r.text[:300]
    elif "json" in (r.headers.get("content-type") or "") and "sparql" in out["content_type"]:
        try:
            out["rows"] = len(r.json()["results"]["bindings"])
        except (ValueError, KeyError, TypeError):
            pass
    return out


def run(
    servers: dict[str, Any],
    routes: Sequence[Route],
    *,
    levels: Sequence[int] = (1, 8, 32),
    duration: float = 5.0,
    store: Any = None,
    tool: str | None = None,
    warmup: int = 20,
) -> dict[str, Any]:
    """Load every route on every server that serves it; the figures and ratios per route."""
    tool = tool or backend()
    out: dict[str, Any] = {"tool": tool, "duration_s": duration, "levels": list(levels),
                           "routes": {}}
    plans: list[tuple[Route, dict[str, tuple[str, dict[str, str]]]]] = []
    for route in routes:
        targets: dict[str, tuple[str, dict[str, str]]] = {}
        if route.kind == "api":
            if "ours" in servers:
                targets["ours"] = (servers["ours"].base + route.path,
                                   {"Accept": "application/json"})
        else:
            encoded = urllib.parse.urlencode({"query": route.query})
            for name, server in servers.items():
                targets[name] = (f"{server.sparql}?{encoded}", {"Accept": SPARQL_JSON})
        if "ours" in targets:
            url, headers = targets["ours"]
            targets[COMPUTED] = (url, {**headers, "Cache-Control": "no-cache"})
        entry: dict[str, Any] = {"kind": route.kind, "target": route.target, "servers": {}}
        if route.kind == "api":
            entry["path"] = route.path
        else:
            entry["query"] = route.query
            if store is not None:
                entry["engine"] = engine_time(store, route.query)
        for name, (url, headers) in list(targets.items()):
            check = _check(url, headers)
            entry["servers"][name] = {"check": check, "levels": {}}
            if check.get("error"):
                del targets[name]
                continue
            t_warm = time.perf_counter()
            for _ in range(warmup):  # at most `warmup` requests or 2 s
                httpx.get(url, headers=headers, timeout=300)
                if time.perf_counter() - t_warm > 2:
                    break
        out["routes"][route.name] = entry
        plans.append((route, targets))
    turn = 0
    too_slow: dict[tuple[str, str], str] = {}
    for level in levels:
        for route, targets in plans:
            if route.levels and level not in route.levels:
                continue
            names = list(targets)
            if not names:
                continue
            turn += 1
            order = names[turn % len(names):] + names[: turn % len(names)]
            d = max(duration, route.min_duration_s or 0)
            for name in order:
                url, headers = targets[name]
                levels_out = out["routes"][route.name]["servers"][name]["levels"]
                if (route.name, name) in too_slow:
                    levels_out[str(level)] = {"concurrency": level,
                                              "status": too_slow[(route.name, name)]}
                    continue
                result = load(url, headers, level, d, tool)
                levels_out[str(level)] = result
                p50 = result.get("p50_ms")
                if p50 is None or p50 > d * 1000 / 4:
                    # a server this slow would answer next to nothing under more clients
                    too_slow[(route.name, name)] = (
                        f"skipped: p50 at {level} client(s) was "
                        f"{'over ' + str(round(d)) + ' s' if p50 is None else f'{p50:,.0f} ms'}")
    for entry in out["routes"].values():
        _ratios(entry)
    return out


def _ratios(entry: dict[str, Any]) -> None:
    servers = entry["servers"]
    entry["ratios"] = {}
    for variant in ("ours", COMPUTED):
        ours = servers.get(variant, {}).get("levels", {})
        for peer in ("oxigraph", "rdflib-endpoint"):
            theirs = servers.get(peer, {}).get("levels", {})
            for level, mine in ours.items():
                if level in theirs and "p50_ms" in theirs[level] and "p50_ms" in mine:
                    entry["ratios"][f"{peer}/{variant} p50 @{level}"] = ratio(
                        theirs[level]["p50_ms"], mine["p50_ms"])
                    entry["ratios"][f"{variant}/{peer} req/s @{level}"] = ratio(
                        mine["rps"], theirs[level]["rps"])
    # the engine's time is comparable only with an answer that was worked out
    engine = entry.get("engine", {}).get("p50_ms")
    one = servers.get(COMPUTED, {}).get("levels", {}).get("1", {}).get("p50_ms")
    if engine is not None and one is not None:
        entry["overhead_ms"] = round(one - engine, 3)
        entry["ratios"][f"{COMPUTED}/engine p50 @1"] = ratio(one, engine)
