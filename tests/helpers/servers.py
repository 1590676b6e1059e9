"""Real SPARQL servers for the scale-out tests: Oxigraph server and Virtuoso 7.

Each starter runs the server on a free loopback port with its data in a
temporary directory, waits until it answers, and returns a :class:`Server`
whose ``stop()`` ends that one process (by its id). A starter returns ``None``
with the reason when the server is not installed, so tests can skip saying why.

* Oxigraph: the ``oxigraph`` console script of the PyPI package ``oxigraph``
  (in the ``test`` extra), found next to the running Python.
* Virtuoso: ``virtuoso-t`` of the Debian package ``virtuoso-opensource`` (or
  ``$SAFETYKG_VIRTUOSO_BIN``), started in the foreground with a generated
  ``virtuoso.ini``: loopback ports, ``ResultSetMaxRows`` raised so that no
  answer is cut at Virtuoso's default 10,000 rows, and the ``dba`` account
  (password ``dba`` on a fresh database) for the authenticated update and
  Graph Store URLs.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = ["Server", "free_port", "free_ports", "start_oxigraph", "start_virtuoso"]


@dataclass
class Server:
    kind: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str]
    """The ``SAFETYKG_STORE*`` settings that point safetykg at this server."""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(n: int) -> list[int]:
    """``n`` distinct free loopback ports (held together while chosen, so never the same)."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


class _Exited(RuntimeError):
    """The server exited while starting (a port taken since it was chosen, most often)."""


def _wait(url: str, process: subprocess.Popen[bytes], logs: list[Path], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tails = "\n".join(
                f"{p}:\n{p.read_text(errors='replace')[-2000:]}" for p in logs if p.exists()
            )
            raise _Exited(f"the server exited ({process.returncode}):\n{tails}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    process.wait(10)
    raise RuntimeError(f"the server did not answer {url} within {seconds:g} s")


def _retrying(start: Callable[[], Server], attempts: int = 3) -> Server:
    """``start()``, again (on new ports) if the server exits while starting."""
    for attempt in range(attempts):
        try:
            return start()
        except _Exited:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def oxigraph_binary() -> str | None:
    here = Path(sys.executable).parent / "oxigraph"
    return str(here) if here.exists() else shutil.which("oxigraph")


def start_oxigraph(directory: Path) -> Server | None:
    """``oxigraph serve --location DIR --bind 127.0.0.1:PORT``; None when not installed."""
    binary = oxigraph_binary()
    if binary is None:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    log = directory.parent / f"{directory.name}.log"

    def start() -> Server:
        port = free_port()
        process = subprocess.Popen(
            [binary, "serve", "--location", str(directory), "--bind", f"127.0.0.1:{port}"],
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        _wait(f"{url}/query?query=ASK%7B%7D", process, [log], 30)
        return Server("oxigraph", url, process, log, {"SAFETYKG_STORE": url})

    return _retrying(start)


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CaseMode = 2
DirsAllowed = ., {dir}
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
MaxQueryMem = 1G
ThreadsPerQuery = 4

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {vsp}
MaxClientConnections = 20
ServerThreads = 20
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryExecutionTime = 300
MaxQueryCostEstimationTime = 1000
"""


def virtuoso_binary() -> str | None:
    return os.environ.get("SAFETYKG_VIRTUOSO_BIN") or shutil.which("virtuoso-t")


def start_virtuoso(directory: Path) -> Server | None:
    """Start Virtuoso 7 on two free loopback ports; None when ``virtuoso-t`` is absent.

    A fresh database takes Virtuoso about 10 s to create on a small machine,
    hence the generous wait; if it exits while starting (a port taken in the
    meantime), it is started again on new ports.
    """
    binary = virtuoso_binary()
    if binary is None:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    vsp = "/var/lib/virtuoso-opensource-7/vsp"
    log = directory / "stdout.log"

    def start() -> Server:
        for leftover in directory.glob("virtuoso*"):  # a failed attempt's files
            leftover.unlink()
        http_port, sql_port = free_ports(2)
        ini = directory / "virtuoso.ini"
        ini.write_text(
            VIRTUOSO_INI.format(
                dir=directory,
                sql_port=sql_port,
                http_port=http_port,
                vsp=vsp if Path(vsp).is_dir() else directory,
            )
        )
        process = subprocess.Popen(
            [binary, "+configfile", str(ini), "+foreground"],
            cwd=directory,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{http_port}"
        _wait(f"{url}/sparql?query=ASK%7B%7D", process, [log, directory / "virtuoso.log"], 180)
        env = {
            "SAFETYKG_STORE": url,
            "SAFETYKG_STORE_KIND": "virtuoso",
            "SAFETYKG_STORE_USER": "dba",
            "SAFETYKG_STORE_PASSWORD": "dba",
            "SAFETYKG_STORE_AUTH": "digest",
        }
        return Server("virtuoso", url, process, log, env)

    return _retrying(start)
