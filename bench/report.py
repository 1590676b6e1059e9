"""The report: one table with absolute figures and ratios, JSON per size, a markdown summary.

Columns, for every stage: **ours**, the **floor** (pyoxigraph doing the same
work with nothing of ours around it: the bulk loader, the naive query, Oxigraph
server, a raw dump), the **peer** (rdflib, rdflib-endpoint), ``ours/floor``
(what our layer costs; lower is better, 1 is the floor) and ``peer/ours``
(how much faster we are than what a researcher would otherwise use; higher is
better), then the target and whether it is met — and by how much it is missed.

Files: ``bench/results/<date>-<size>.json`` (one per size of a run; with the
machine, the command and the configuration) and ``bench/results/<date>.md``
(the table of every size of the run).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from bench.child import ROOT
from bench.http import COMPUTED

__all__ = ["machine", "rows", "targets", "to_markdown", "write"]

COLUMNS = ["size", "stage", "case", "ours", "floor", "peer", "ours/floor", "peer/ours",
           "target", "verdict"]


def _run(argv: Sequence[str], cwd: Path = ROOT) -> str:
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, cwd=cwd, timeout=30,
                              check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (done.stdout or done.stderr).strip()


def _version(module: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(module)
    except PackageNotFoundError:
        return None


def machine() -> dict[str, Any]:
    """What the figures were measured on (read-only look-ups, git included)."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    except OSError:
        mem_kib = 0
    peer_python = ROOT / "bench" / ".venv-peer" / "bin" / "python"
    peer_version = _run([str(peer_python), "-c",
                         "import importlib.metadata as m; print(m.version('rdflib-endpoint'))"]
                        ) if peer_python.exists() else None
    from bench.servers import oxigraph_binary

    oxigraph = oxigraph_binary()
    status = _run(["git", "status", "--porcelain"])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 2**20, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
        "packages": {name: _version(name) for name in
                     ("pyoxigraph", "rdflib", "fastapi", "uvicorn", "httpx", "starlette")},
        "rdflib_endpoint": peer_version,
        "oxigraph_server": _run([str(oxigraph), "--version"]) if oxigraph else None,
        "wrk": _run(["wrk", "--version"]).split(" [")[0] if shutil.which("wrk") else None,
        "git_commit": _run(["git", "rev-parse", "HEAD"]),
        "git_dirty_files": len(status.splitlines()) if status else 0,
    }


# --------------------------------------------------------------------------- formatting


def _ms(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.3g} ms" if x < 100 else f"{x:,.0f} ms"


def _s(x: float | None) -> str:
    return "–" if x is None else (f"{x:.3g} s" if x < 100 else f"{x:,.0f} s")


def _mib(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x / 1024:.2f} GiB" if x >= 1024 else f"{x:.0f} MiB"


def _x(r: float | None, estimated: bool = False) -> str:
    if r is None:
        return "–"
    return f"~{r:.3g}× (est.)" if estimated else f"{r:.3g}×"


def _timing(entry: dict[str, Any]) -> str:
    if not entry.get("n"):
        return entry.get("status") or entry.get("error") or "–"
    text = f"{_ms(entry['p50_ms'])} (p95 {_ms(entry['p95_ms'])}, min {_ms(entry['min_ms'])})"
    if entry.get("error"):
        text += f" [{entry['error'][:60]}]"
    return text


def _import(entry: dict[str, Any]) -> str:
    if "seconds" not in entry:
        return entry.get("status", "–")
    return f"{_s(entry['seconds'])}, {_mib(entry.get('peak_rss_mib'))}"


def _load(entry: dict[str, Any] | None) -> str:
    if not entry:
        return "–"
    if "p50_ms" not in entry or entry.get("p50_ms") is None:
        return entry.get("status") or "–"
    text = f"p50 {_ms(entry['p50_ms'])}, p99 {_ms(entry['p99_ms'])}, {entry['rps']:,.0f} req/s"
    bad = entry.get("non_2xx", 0) + entry.get("errors", 0)
    return text + (f" ({bad} failed)" if bad else "")


# --------------------------------------------------------------------------- targets


def _verdict(measured: float | None, limit: float, at_most: bool, unit: str) -> tuple[bool | None,
                                                                                       str]:
    if measured is None:
        return None, "not measured"
    met = measured <= limit if at_most else measured >= limit
    if met:
        return True, "met"
    got = f"{measured:.3g}{unit}"
    if at_most:
        return False, f"missed by {measured / limit:.3g}× ({got}, limit {limit:g}{unit})"
    if measured <= 0:
        return False, f"missed ({got}, needs ≥ {limit:g}{unit})"
    return False, f"missed by {limit / measured:.3g}× ({got}, needs ≥ {limit:g}{unit})"


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target the issues set, evaluated on one size's result."""
    size = result["size"]
    out: list[dict[str, Any]] = []

    def add(name: str, measured: float | None, limit: float, at_most: bool, unit: str,
            applies_to: str | None = None) -> None:
        met, verdict = _verdict(measured, limit, at_most, unit)
        out.append({"target": name, "measured": measured, "limit": limit, "at_most": at_most,
                    "unit": unit, "met": met, "verdict": verdict,
                    "applies_to": applies_to, "binding": applies_to in (None, size)})

    ingest = result.get("ingest") or {}
    if ingest:
        add("import within 1.5× the floor", ingest["ratios"].get("ours/floor"), 1.5, True, "×",
            "1M")
        add("import peak memory under 2 GiB", (ingest["ours"].get("peak_rss_mib") or 0) / 1024
            if ingest["ours"].get("peak_rss_mib") else None, 2.0, True, " GiB", "1M")
    questions = (result.get("queries") or {}).get("questions", {})
    q = questions.get("overdue-by-department")
    if q:
        add("overdue by department p50 < 20 ms", q["ours"].get("p50_ms"), 20.0, True, " ms", "1M")
    for name, entry in questions.items():
        if entry["group"] != "registry":
            continue
        if entry["peer"].get("n"):
            add(f"{name}: ≥ 100× faster than rdflib", entry["ratios"].get("peer/ours"), 100.0,
                False, "×", "100k")
        elif entry["ratios"].get("peer/ours (estimated peer)"):
            add(f"{name}: ≥ 100× faster than rdflib (rdflib estimated)",
                entry["ratios"]["peer/ours (estimated peer)"], 100.0, False, "×", "100k")
    routes = (result.get("http") or {}).get("routes", {})
    for name, entry in routes.items():
        t = entry.get("target") or {}
        for variant, how in _variants(entry["servers"]):
            ours = entry["servers"].get(variant, {}).get("levels", {})
            at32 = ours.get("32") or ours.get(str(max(map(int, ours), default=0)))
            if not at32 or at32.get("p50_ms") is None:
                continue
            clients = f"at {at32['concurrency']} clients, {how}"
            if "p50_ms" in t:
                add(f"{name} p50 < {t['p50_ms']:g} ms {clients}",
                    at32["p50_ms"], t["p50_ms"], True, " ms", "1M")
            if "p99_ms" in t:
                add(f"{name} p99 < {t['p99_ms']:g} ms {clients}",
                    at32["p99_ms"], t["p99_ms"], True, " ms", "1M")
            if "rps_at_32" in t:
                add(f"{name} ≥ {t['rps_at_32']:,.0f} req/s {clients}",
                    at32["rps"], t["rps_at_32"], False, " req/s",
                    "1M" if entry["kind"] == "api" else None)
        if "overhead_ms" in t and "overhead_ms" in entry:
            add(f"{name}: endpoint p50 within {t['overhead_ms']:g} ms of the engine, computed",
                entry["overhead_ms"], t["overhead_ms"], True, " ms")
    return out


# --------------------------------------------------------------------------- the table


def _row(size: str, stage: str, case: str, ours: str, floor: str, peer: str,
         r1: float | str | None, r2: float | str | None, target: str = "",
         verdict: str = "") -> dict[str, str]:
    cells = [r if isinstance(r, str) else _x(r) for r in (r1, r2)]
    return dict(zip(COLUMNS, [size, stage, case, ours, floor, peer, *cells, target, verdict],
                    strict=True))


def rows(result: dict[str, Any]) -> list[dict[str, str]]:
    """The table rows of one size."""
    size = result["size"]
    verdicts = {t["target"]: t for t in result.get("targets", [])}

    def verdict_for(prefix: str, how: str = "") -> tuple[str, str]:
        found = [t for name, t in verdicts.items()
                 if name.startswith(prefix) and name.endswith(how)]
        if not found:
            return "", ""
        names = "; ".join(t["target"].removeprefix(prefix).strip(" :") or t["target"]
                          for t in found)
        texts = "; ".join(t["verdict"] + ("" if t["binding"] else f" (target is at "
                                          f"{t['applies_to']})") for t in found)
        return names, texts

    out = []
    ingest = result.get("ingest")
    if ingest:
        t1 = verdicts.get("import within 1.5× the floor", {})
        t2 = verdicts.get("import peak memory under 2 GiB", {})
        note = "" if t1.get("binding", True) else " (target is at 1M)"
        out.append(_row(size, "import", f"{ingest['hazards']:,} hazards, "
                        f"{ingest['triples'].get('hazards', 0):,} triples (+"
                        f"{ingest['triples'].get('index', 0):,} index)",
                        _import(ingest["ours"]), _import(ingest["floor"]),
                        _import(ingest["rdflib"]),
                        f"{_x(ingest['ratios']['ours/floor'])} (CPU "
                        f"{_x(ingest['ratios'].get('ours/floor cpu'))})",
                        ingest["ratios"]["peer/ours"], "≤ 1.5× floor; < 2 GiB",
                        f"{t1.get('verdict', '')}; {t2.get('verdict', '')}{note}"))
    queries = result.get("queries") or {}
    for name, q in queries.get("questions", {}).items():
        target, verdict = verdict_for(name)
        if name == "overdue-by-department":
            target, verdict = verdict_for("overdue by department")
            extra = verdict_for(name)
            if extra[0]:
                target, verdict = f"{target}; {extra[0]}", f"{verdict}; {extra[1]}"
        r = q["ratios"]
        r1 = r["ours/floor"] if r["ours/floor"] is not None else _x(
            r.get("ours/floor (estimated floor)"), True)
        r2 = r["peer/ours"] if r["peer/ours"] is not None else _x(
            r.get("peer/ours (estimated peer)"), True)
        out.append(_row(size, "query", name, _timing(q["ours"]), _timing(q["floor"]),
                        _timing(q["peer"]), r1, r2, target, verdict))
    http = result.get("http") or {}
    for name, entry in http.get("routes", {}).items():
        servers = entry["servers"]
        ours = servers.get("ours", {})
        levels = sorted({int(k) for s in servers.values() for k in s.get("levels", {})})
        if not levels:
            status = ours.get("check", {})
            out.append(_row(size, "http", name, f"not served: {status.get('status')} "
                            f"{(status.get('error') or '')[:80]}", "", "", None, None))
            continue
        for level in levels:
            key = str(level)
            floor = servers.get("oxigraph", {}).get("levels", {}).get(key)
            peer = servers.get("rdflib-endpoint", {}).get("levels", {}).get(key)
            for variant, how in _variants(servers):
                mine = servers.get(variant, {}).get("levels", {}).get(key)
                r1 = _p50_ratio(mine, floor)
                r2 = _p50_ratio(peer, mine)
                target, verdict = ("", "")
                if level == 32 or level == levels[-1]:
                    target, verdict = verdict_for(name, how)
                case = f"{name} @{level}, {how}"
                if level == 1 and "engine" in entry and how == "computed":
                    case += f" (engine p50 {_ms(entry['engine'].get('p50_ms'))})"
                out.append(_row(size, "http", case, _load(mine), _load(floor), _load(peer),
                                float(f"{r1:.3g}") if r1 else None,
                                float(f"{r2:.3g}") if r2 else None, target, verdict))
    exports = result.get("exports") or {}
    floor = exports.get("floor", {})
    for name, e in exports.get("exports", {}).items():
        size_text = f"{e.get('nodes', '?')} nodes, {e.get('bytes', 0) / 1e6:.1f} MB"
        ours_text = (f"{_s(e['seconds'])}, {_mib(e['peak_rss_mib'])} ({size_text})"
                     if e["status"] == "ok" else e["status"])
        floor_text = (f"whole hazards graph: {_s(floor.get('seconds'))}, "
                      f"{_mib(floor.get('peak_rss_mib'))}") if floor else ""
        out.append(_row(size, "export", name, ours_text, floor_text, "", None, None))
    return out


def _variants(servers: dict[str, Any]) -> list[tuple[str, str]]:
    """Our two loads, named for the table; a result from before the response cache has one."""
    if COMPUTED not in servers:
        return [("ours", "computed")]
    return [("ours", "reused"), (COMPUTED, "computed")]


def _p50_ratio(a: dict[str, Any] | None, b: dict[str, Any] | None) -> float | None:
    x = (a or {}).get("p50_ms")
    y = (b or {}).get("p50_ms")
    return x / y if x is not None and y else None


def summary(results: Sequence[dict[str, Any]], command: str, seconds: float,
            title: str) -> str:
    """The markdown summary of a run: command, machine, the table of every size."""
    m = results[0]["machine"] if results else machine()
    return (
        f"# {title}\n\n"
        f"Command: `{command}` ({seconds:,.0f} s)\n\n"
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']},"
        f" pyoxigraph {m['packages']['pyoxigraph']}, rdflib {m['packages']['rdflib']}, "
        f"rdflib-endpoint {m['rdflib_endpoint']}, {m['oxigraph_server']}, {m['wrk']}; "
        f"load average {m['load_average'][0]:.1f} at the start; commit {m['git_commit'][:10]}"
        f"{' + uncommitted changes' if m['git_dirty_files'] else ''}\n\n"
        + to_markdown(row for r in results for row in r["table"])
    )


def to_markdown(table: Iterable[dict[str, str]]) -> str:
    """The rows as a GitHub markdown table."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in table:
        lines.append("| " + " | ".join(row[c].replace("|", "\\|") for c in COLUMNS) + " |")
    return "\n".join(lines) + "\n"


def write(result: dict[str, Any], out_dir: Path, suffix: str = "") -> Path:
    """``<out_dir>/<date>-<size><suffix>.json``; returns its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    date = result.get("date") or dt.date.today().isoformat()
    path = out_dir / f"{date}-{result['size']}{suffix}.json"
    path.write_text(json.dumps(result, indent=1, ensure_ascii=False, default=str) + "\n",
                    encoding="utf-8")
    return path
