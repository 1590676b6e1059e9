"""Running one measured job in a child process: wall time, CPU time and peak memory.

Peak memory is the child's own maximum resident set size, read from
``wait4`` (``ru_maxrss``) for that one process, so jobs run one after the
other never see each other's peaks. A job that outlives its time limit is
killed and reported as such, with the time it had used.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["PYTHON", "ROOT", "measure", "python_job"]

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def measure(
    argv: Sequence[str],
    *,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> dict[str, Any]:
    """Run ``argv`` and report ``seconds``, ``cpu_s``, ``peak_rss_mib``, ``status`` and output.

    ``status`` is ``ok``, ``failed`` (non-zero exit; the last lines of stderr
    are kept) or ``timeout`` (killed after ``timeout`` seconds).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            list(argv),
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            cwd=cwd or ROOT,
            start_new_session=True,
        )
        status = "ok"
        deadline = None if timeout is None else t0 + timeout
        while True:
            pid, code, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                pid, code, usage = os.wait4(proc.pid, 0)
                status = "timeout"
                break
            time.sleep(0.01)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(code)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if status == "ok" and proc.returncode != 0:
        status = "failed"
    result: dict[str, Any] = {
        "status": status,
        "seconds": round(seconds, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "returncode": proc.returncode,
        "command": " ".join(str(a) for a in argv),
        "stdout": stdout[-2000:],
    }
    if status != "ok":
        result["stderr"] = stderr[-2000:]
    return result


def python_job(job: str, *args: object, timeout: float | None = None) -> dict[str, Any]:
    """Run ``python -m bench.jobs JOB ARGS…`` measured (see :mod:`bench.jobs`)."""
    return measure([PYTHON, "-m", "bench.jobs", job, *map(str, args)], timeout=timeout)
