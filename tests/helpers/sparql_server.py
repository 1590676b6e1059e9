"""A real server for the tests that must go over HTTP: uvicorn in a subprocess.

The socket is bound here, on 127.0.0.1 port 0, and handed to uvicorn with
``--fd``, so there is no race for a free port and nothing listens beyond the
loopback. The app is the real one (``api.app:create_app``), configured by
``SAFETYKG_*`` variables exactly as in production.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Server:
    url: str
    """Base URL, e.g. ``http://127.0.0.1:40123`` (no trailing slash)."""

    @property
    def endpoint(self) -> str:
        return self.url + "/sparql"


@contextmanager
def running_server(data_dir: Path, **settings: object) -> Iterator[Server]:
    """Serve the store in ``data_dir`` until the block ends; ``settings`` become
    ``SAFETYKG_<NAME>`` variables (e.g. ``query_timeout=2``)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    env = dict(os.environ)
    env.update({"SAFETYKG_DATA_DIR": str(data_dir), "SAFETYKG_PROJECT_ROOT": str(data_dir)})
    env.update({f"SAFETYKG_{k.upper()}": str(v) for k, v in settings.items()})
    command = [sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app"]
    command += ["--fd", str(sock.fileno()), "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=REPO, env=env, pass_fds=(sock.fileno(),))
    sock.close()
    server = Server(f"http://127.0.0.1:{port}")
    try:
        _wait_until_up(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _wait_until_up(server: Server, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode} while starting")
        try:
            httpx.get(server.url + "/health", timeout=1, trust_env=False)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"uvicorn did not answer on {server.url} within {timeout} s")
