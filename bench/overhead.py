"""The endpoint's overhead for every query of the library: ``/sparql`` against the engine.

``python -m bench.overhead [--data-dir data] [--duration 2] [--out FILE.json]``

For each named query of ``queries/`` (parameters taken from the data, as in
:mod:`bench.scaleout`; the values written into the text as ``VALUES``, the
same text for both sides):

* **engine**: pyoxigraph in this process on the same store, read-only:
  evaluate and serialise as SPARQL JSON (:func:`bench.http.engine_time`);
* **endpoint**: ``GET /sparql?query=…`` on ``safetykg serve`` (one worker) by
  one client for ``--duration`` seconds, each request with
  ``Cache-Control: no-cache`` so that every answer is worked out, not reused.

The overhead is the endpoint's median round trip minus the engine's median
(issue 4's target: within 2 ms). Both run on the machine at hand; the JSON
records its load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import urllib.parse
from pathlib import Path
from typing import Any

from bench import http, servers
from bench.child import ROOT
from bench.scaleout import parameter_sets

TARGET_MS = 2.0


def measure(data_dir: Path, duration: float) -> dict[str, Any]:
    from pyoxigraph import Store

    from safetykg.queries import default_library
    from safetykg.store import store_path

    store = Store.read_only(str(store_path(data_dir)))
    library = default_library()
    server = servers.start_ours(data_dir)
    rows = []
    try:
        for name in library:
            values = parameter_sets(store, library[name])
            if values is None:
                continue
            text = http._library_text(name, values)
            engine = http.engine_time(store, text)
            url = f"{server.sparql}?{urllib.parse.urlencode({'query': text})}"
            headers = {"Accept": http.SPARQL_JSON, "Cache-Control": "no-cache"}
            endpoint = http.load(url, headers, 1, duration)
            if endpoint.get("non_2xx") or endpoint.get("p50_ms") is None:
                rows.append({"query": name, "error": endpoint})
                continue
            rows.append({
                "query": name,
                "engine_p50_ms": engine["p50_ms"],
                "endpoint_p50_ms": endpoint["p50_ms"],
                "overhead_ms": round(endpoint["p50_ms"] - engine["p50_ms"], 3),
                "requests": endpoint["requests"],
            })  # fmt: skip
    finally:
        server.stop()
    measured = [r["overhead_ms"] for r in rows if "overhead_ms" in r]
    return {
        "rows": rows,
        "queries": len(measured),
        "within_target": sum(1 for x in measured if x <= TARGET_MS),
        "median_overhead_ms": statistics.median(measured),
        "worst": max((r for r in rows if "overhead_ms" in r), key=lambda r: r["overhead_ms"]),
        "target_ms": TARGET_MS,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.overhead", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data")
    parser.add_argument("--duration", type=float, default=2.0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "overhead.json")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    out = measure(args.data_dir, args.duration)
    out |= {
        "command": "python -m bench.overhead " + " ".join(sys.argv[1:] if argv is None else argv),
        "tool": http.backend(),
        "loadavg_at_start": load_before,
        "loadavg_at_end": os.getloadavg(),
    }
    args.out.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for r in out["rows"]:
        if "overhead_ms" in r:
            print(f"{r['query']:40} engine {r['engine_p50_ms']:7.2f} ms  "
                  f"endpoint {r['endpoint_p50_ms']:7.2f} ms  overhead {r['overhead_ms']:5.2f} ms")
        else:
            print(f"{r['query']:40} error {r['error']}")
    print(f"{out['within_target']} of {out['queries']} within {TARGET_MS} ms; median overhead "
          f"{out['median_overhead_ms']:.2f} ms; worst {out['worst']['query']} "
          f"{out['worst']['overhead_ms']:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
