"""The HTTP servers under test, each started in its own process group and stopped by its pid.

* **ours** — ``safetykg serve`` (uvicorn, one process, as deployed) over our
  store, with the per-client rate limit off (a load generator is one client).
* **oxigraph** — ``oxigraph serve-read-only --union-default-graph`` over the
  *same* RocksDB folder (the stores are read-only, so both can open it).
* **rdflib-endpoint** — ``rdflib-endpoint serve`` (FastAPI + rdflib, in memory)
  over the same triples, from its own venv ``bench/.venv-peer`` (``make
  bench-peer-venv``); skipped when that venv is missing.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from bench.child import PYTHON, ROOT
from bench.datasets import safetykg_command

__all__ = ["PEER_VENV", "Server", "free_port", "start_oxigraph", "start_ours", "start_rdflib"]

PEER_VENV = ROOT / "bench" / ".venv-peer"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running server: its name, base URL, SPARQL URL and process."""

    name: str
    base: str
    sparql: str
    proc: subprocess.Popen[bytes]
    log: IO[bytes]
    started_s: float = 0.0
    extra: dict[str, object] = field(default_factory=dict)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()

    def tail(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-1500:]


def _start(name: str, argv: list[str], base: str, sparql: str, ready: str,
           timeout: float, env: dict[str, str] | None = None) -> Server:
    log = tempfile.TemporaryFile()
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            cwd=ROOT, env={**os.environ, **(env or {})}, start_new_session=True)
    server = Server(name, base, sparql, proc, log)
    deadline = t0 + timeout
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited: {server.tail()}")
        try:
            if httpx.get(ready, timeout=timeout).status_code < 500:
                server.started_s = round(time.perf_counter() - t0, 2)
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    server.stop()
    raise RuntimeError(f"{name} was not ready after {timeout:.0f} s")


def start_ours(data_dir: Path, port: int | None = None, timeout: float = 600,
               workers: int = 1, access_log: bool = True) -> Server:
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [*safetykg_command(), "serve", "--data-dir", str(data_dir), "--port", str(port),
            "--workers", str(workers), "--access-log" if access_log else "--no-access-log"]
    env = {"SAFETYKG_RATE_LIMIT": "0", "SAFETYKG_QUERY_TIMEOUT": "120",
           "SAFETYKG_DATA_DIR": str(data_dir)}
    # not /health: it counts every graph's triples, which takes seconds at a million hazards;
    # a lookup also builds the alias index, as the first real request would
    ready = base + "/api/lookup?q=gas"
    server = _start("ours", argv, base, base + "/sparql", ready, timeout, env)
    server.extra["command"] = " ".join(argv)
    return server


def start_oxigraph(store_dir: Path, port: int | None = None, timeout: float = 120) -> Server:
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [str(oxigraph_binary()), "serve-read-only", "--location", str(store_dir),
            "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
    server = _start("oxigraph", argv, base, base + "/query",
                    base + "/query?query=ASK%7B%7D", timeout)
    server.extra["command"] = " ".join(argv)
    return server


def start_rdflib(files: list[Path], port: int | None = None, timeout: float = 1800) -> Server:
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [str(PEER_VENV / "bin" / "rdflib-endpoint"), "serve", *map(str, files),
            "--host", "127.0.0.1", "--port", str(port)]
    server = _start("rdflib-endpoint", argv, base, base + "/",
                    base + "/?query=ASK%7B%7D", timeout)
    server.extra["command"] = " ".join(argv)
    return server


def oxigraph_binary() -> Path | None:
    """``oxigraph`` from our venv, the peers' venv or the PATH (its version must read our store)."""
    for candidate in (Path(PYTHON).parent / "oxigraph", PEER_VENV / "bin" / "oxigraph"):
        if candidate.exists():
            return candidate
    found = shutil.which("oxigraph")
    return Path(found) if found else None


def oxigraph_available() -> bool:
    return oxigraph_binary() is not None


def rdflib_endpoint_available() -> bool:
    return (PEER_VENV / "bin" / "rdflib-endpoint").exists()
