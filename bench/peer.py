"""rdflib, the peer, in a worker process: loaded once, then asked questions one at a time.

Loading a registry into rdflib takes minutes at 100k hazards, so it is done
once per size, in a child process that is then kept to answer the query
stage's questions. That gives the import figure (the time to parse the
equivalent N-Triples, and the peak memory it took, from the child's own
``ru_maxrss``) and a graph for the queries from one load, while the harness
still interleaves the peer's repetitions with ours.

Protocol: one JSON object per line. The child first answers
``{"parse_seconds", "peak_rss_mib", "triples"}`` for the timed file, then
loads the rest of the files, then answers each
``{"name", "naive": [[query, values], …], "limit_s"}`` with
``{"seconds", "rows"}`` or ``{"error"}``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.child import PYTHON, ROOT
from bench.timing import Measured, TimedOut, time_limit

__all__ = ["RdflibWorker"]


class RdflibWorker:
    """The harness's side of the worker."""

    def __init__(self, timed: Path, rest: list[Path], *, timeout: float = 1200.0) -> None:
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "bench.peer", str(timed), *map(str, rest)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
            text=True,
        )
        self.load = self._read(timeout)

    def _read(self, timeout: float) -> dict[str, Any]:
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line:
            raise RuntimeError("the rdflib worker died")
        return json.loads(line)

    def ask(self, name: str, naive: list[tuple[str, dict[str, Any]]], limit_s: float) -> Measured:
        """Run a question once in the worker; raises what the worker reports."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"name": name, "naive": naive, "limit_s": limit_s}) + "\n")
        self.proc.stdin.flush()
        answer = self._read(limit_s + 60)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return Measured(answer["seconds"], answer["rows"])

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _serve(timed: str, rest: list[str]) -> None:
    import rdflib

    from bench.queries import rdflib_runner

    graph = rdflib.Graph()
    t0 = time.perf_counter()
    graph.parse(timed, format="nt")
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"parse_seconds": round(seconds, 3), "peak_rss_mib": round(peak, 1),
                      "triples": len(graph), "file": timed}), flush=True)
    for path in rest:
        graph.parse(path, format="nt")
    runners: dict[str, Any] = {}
    for line in sys.stdin:
        job = json.loads(line)
        try:
            run = runners.get(job["name"])
            if run is None:
                run = runners[job["name"]] = rdflib_runner(graph, [tuple(x) for x in job["naive"]])
            with time_limit(job["limit_s"]):
                t0 = time.perf_counter()
                rows = run()
                elapsed = time.perf_counter() - t0
            answer: dict[str, Any] = {"seconds": elapsed, "rows": len(rows)}
        except TimedOut as exc:
            answer = {"error": f"TimedOut: {exc}"}
        except Exception as exc:  # noqa: BLE001 - reported to the harness
            answer = {"error": f"{type(exc).__name__}: {exc}"[:300]}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    os.nice(0)
    _serve(sys.argv[1], sys.argv[2:])
