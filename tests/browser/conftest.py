"""A real server and a real browser for the page tests (marked ``browser``).

``server`` runs ``safetykg serve`` (uvicorn) in a subprocess on a free loopback
port over the session's built store, read-only. ``browser`` is Debian's
chromium driven by Playwright (``/usr/bin/chromium``; ``apt-get install -y
chromium`` if it is missing), started with no background networking. Every
page opened through :func:`open_page` has requests to anything but the server
blocked and recorded, and its console errors collected, so a test can assert
that nothing left 127.0.0.1 and nothing failed. Screenshots go to
``tests/artifacts/`` (ignored by git).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from safetykg.store import build, open_store
from tests.helpers.project import REPO, extractor

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _serve(data_dir: Path, name: str) -> Iterator[str]:
    """``safetykg serve`` over ``data_dir`` on a free port; its log goes to the artifacts."""
    port = _free_port()
    env = {**os.environ, "SAFETYKG_DATA_DIR": str(data_dir), "SAFETYKG_PROJECT_ROOT": str(REPO)}
    env.pop("SAFETYKG_WRITE_TOKEN", None)
    env.pop("SAFETYKG_ALLOW_UPDATE", None)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n", encoding="utf-8")
    log = ARTIFACTS / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "safetykg.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"the server did not start; see {log}")
            time.sleep(0.3)
        try:
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def server(data_dir: Path) -> Iterator[str]:
    """The base URL of ``safetykg serve`` over the session store (the plan, no hazards)."""
    with _serve(data_dir, "server") as base:
        yield base


HAZARD_AS_OF = dt.date(2026, 6, 30)


@pytest.fixture(scope="session")
def hazard_data_dir(tmp_path_factory: pytest.TempPathFactory, project_root: Path) -> Path:
    """A store of its own with a synthetic registry (80 enterprises, 600 hazards, seed 7)."""
    from safetykg.registry.generate import generate
    from safetykg.registry.ingest import ingest

    data_dir = tmp_path_factory.mktemp("hazard-data")
    build(data_dir, project_root, extract=extractor(), progress=False)
    csv_path = data_dir / "hazards.csv"
    generate(csv_path, enterprises=80, hazards=600, seed=7, as_of=HAZARD_AS_OF, progress=False)
    store = open_store(data_dir)
    ingest(store, csv_path, today=HAZARD_AS_OF, progress=False)
    del store  # close the read-write handle before the server opens the store
    return data_dir


@pytest.fixture(scope="session")
def hazard_server(hazard_data_dir: Path) -> Iterator[str]:
    """The base URL of a server over :func:`hazard_data_dir`."""
    with _serve(hazard_data_dir, "hazard-server") as base:
        yield base


# Package scope: Playwright's sync API keeps an event loop running in this thread while it is
# open, and later suites call asyncio.run(), which refuses to start inside a running loop.
@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Visit:
    """A page opened by :func:`open_page`, with what went wrong on the way."""

    page: object
    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.outside_requests == [], "requests left 127.0.0.1"
        assert self.console_errors == [], "console errors"


def open_page(
    browser: object,
    base: str,
    path: str,
    *,
    javascript: bool = True,
    width: int = 1366,
    height: int = 860,
) -> Visit:
    """Open ``base + path`` in a fresh context (a laptop-sized viewport) and wait for it."""
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": width, "height": height},
        java_script_enabled=javascript,
        accept_downloads=True,
        locale="zh-CN",
    )
    page = context.new_page()
    visit = Visit(page)

    def route(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url.startswith((base + "/", "data:", "blob:")) or url == base:
            route.continue_()  # type: ignore[attr-defined]
        else:
            visit.outside_requests.append(url)
            route.abort()  # type: ignore[attr-defined]

    page.route("**/*", route)
    page.on("console", lambda msg: msg.type == "error" and visit.console_errors.append(msg.text))
    page.on("pageerror", lambda exc: visit.console_errors.append(str(exc)))
    page.goto(base + path, wait_until="networkidle")
    return visit


def screenshot(visit: Visit, name: str, *, full_page: bool = True) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    visit.page.screenshot(path=str(path), full_page=full_page)  # type: ignore[attr-defined]
    return path
