"""A first, unmeasured run of every question in a child process, stopped at a time limit.

pyoxigraph evaluates a query in Rust and cannot be interrupted from Python,
so a query that would run for an hour would stall the whole benchmark. Each
question's ``ours`` and ``floor`` calls are therefore tried once in a child
process that is killed when one call passes the limit; the harness then
times in-process only what finished, and reports the rest as "stopped after
N s". The child answers one job per line on stdout (``{"seconds"}`` or
``{"error"}``) and is restarted after a kill.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from typing import Any

from bench.child import PYTHON, ROOT

__all__ = ["probe"]


class _Child:
    def __init__(self, store_dir: str, subject: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "bench.probe", store_dir, json.dumps(subject)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT, text=True,
            start_new_session=True,
        )

    def ask(self, job: dict[str, str], limit_s: float) -> dict[str, Any] | None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + limit_s + 30  # + the child's set-up, the first time
        while True:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.proc.stdout], [], [], max(left, 0))
            if ready:
                line = self.proc.stdout.readline()
                if not line:
                    return {"error": "the probe child died"}
                answer = json.loads(line)
                if answer.get("seconds", 0) > limit_s:
                    answer["error"] = f"took {answer['seconds']:.1f} s, over {limit_s:g} s"
                return answer
            if left <= 0:
                return None

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def probe(store_dir: str, subject: dict[str, str], jobs: Iterable[tuple[str, str]],
          limit_s: float) -> dict[tuple[str, str], str]:
    """``{(question, engine): why}`` for the calls that failed or ran past ``limit_s``."""
    refused: dict[tuple[str, str], str] = {}
    child: _Child | None = None
    for name, engine in jobs:
        child = child or _Child(store_dir, subject)
        answer = child.ask({"question": name, "engine": engine}, limit_s)
        if answer is None:
            refused[(name, engine)] = f"stopped after {limit_s:g} s"
            child.kill()
            child = None
        elif "error" in answer:
            refused[(name, engine)] = answer["error"]
    if child:
        child.kill()
    return refused


def _serve(store_dir: str, subject_json: str) -> None:
    from pyoxigraph import Store

    from bench.queries import Subject, questions, raw_runner

    store = Store.read_only(store_dir)
    by_name = {q.name: q for q in questions(store, Subject(**json.loads(subject_json)))}
    for line in sys.stdin:
        job = json.loads(line)
        q = by_name[job["question"]]
        call = q.service if job["engine"] == "ours" else raw_runner(store, q.naive)
        try:
            t0 = time.perf_counter()
            call()
            answer: dict[str, Any] = {"seconds": time.perf_counter() - t0}
        except Exception as exc:  # noqa: BLE001 - reported to the harness
            answer = {"error": f"{type(exc).__name__}: {exc}"[:300]}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    _serve(sys.argv[1], sys.argv[2])
