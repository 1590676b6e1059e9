"""Builders for the security and reliability suites: a writable store with a few hazards in
known sectors and regions, the tokens that act on them, a canary HTTP server that records
any connection made to it, and a guard that refuses (and records) Python-level connections.

Hazards (all ``reported``) and who may change them:

===========  ==================  ==========  =============================================
hazard       sector              region      may change (besides admin)
===========  ==================  ==========  =============================================
H-SEC-GAS    urban-gas           qiaocheng   urban-management (leads), qiaocheng, bozhou
H-SEC-RAIL   railway-line        guoyang     transport + public-security (joint), guoyang,
                                             bozhou
H-SEC-DUST   dust-explosion      mengcheng   no lead department (三管三必须): bozhou only
===========  ==================  ==========  =============================================
"""

from __future__ import annotations

import csv
import http.server
import io
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode, Store

from safetykg.access import Kind
from safetykg.audit import GRAPH_AUDIT
from safetykg.namespaces import ID
from safetykg.registry.creditcode import make_code
from safetykg.registry.ingest import ingest_text
from safetykg.store import build, open_store
from safetykg.tokens import TokenFile
from tests.helpers.project import extractor

DEPT = f"{ID}department/bozhou/"
REGION = f"{ID}region/"
HAZARD = f"{ID}hazard/"

ENTERPRISES = {
    "gas": (make_code("341602", "MA2T0001"), "谯城安检燃气有限公司", "urban-gas", "qiaocheng"),
    "rail": (make_code("341621", "MA2T0002"), "涡阳安检物流有限公司", "railway-line", "guoyang"),
    "dust": (
        make_code("341622", "MA2T0003"),
        "蒙城安检木业有限公司",
        "dust-explosion",
        "mengcheng",
    ),
}
HAZARDS = {"H-SEC-GAS": "gas", "H-SEC-RAIL": "rail", "H-SEC-DUST": "dust"}

PRINCIPALS: dict[str, tuple[Kind, str | None]] = {
    "gas-office": (Kind.DEPARTMENT, DEPT + "urban-management"),
    "transport": (Kind.DEPARTMENT, DEPT + "transport"),
    "police": (Kind.DEPARTMENT, DEPT + "public-security"),
    "education": (Kind.DEPARTMENT, DEPT + "education"),
    "qiaocheng": (Kind.REGION, REGION + "qiaocheng"),
    "guoyang": (Kind.REGION, REGION + "guoyang"),
    "city": (Kind.REGION, REGION + "bozhou"),
    "ops": (Kind.ADMIN, None),
}

ALLOWED: dict[str, set[str]] = {
    "H-SEC-GAS": {"gas-office", "qiaocheng", "city", "ops"},
    "H-SEC-RAIL": {"transport", "police", "guoyang", "city", "ops"},
    "H-SEC-DUST": {"city", "ops"},
}
"""Who may change each hazard: the scope rule, written out by hand."""

COLUMNS = [
    "hazard_id",
    "description",
    "major",
    "credit_code",
    "enterprise_name",
    "enterprise_sectors",
    "enterprise_region",
    "discovered_on",
    "channel",
    "rectification_deadline",
    "status",
]


def hazard_csv(rows: list[dict[str, str]]) -> bytes:
    """An import file with :data:`COLUMNS` (missing cells empty)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row.get(c, "") for c in COLUMNS])
    return out.getvalue().encode("utf-8")


def hazard_row(hazard_id: str, enterprise: str = "gas", **cells: str) -> dict[str, str]:
    code, name, sector, region = ENTERPRISES[enterprise]
    return {
        "hazard_id": hazard_id,
        "description": "安全检查发现的隐患",
        "major": "否",
        "credit_code": code,
        "enterprise_name": name,
        "enterprise_sectors": sector,
        "enterprise_region": region,
        "discovered_on": "2025-03-01",
        "channel": "inspection",
        "rectification_deadline": "2025-04-30",
        "status": "reported",
        **cells,
    }


def build_hazard_store(data_dir: Path, project_root: Path) -> Store:
    """Build a store under ``data_dir`` and import the three hazards; opened read-write."""
    build(data_dir, project_root, extract=extractor(), progress=False)
    store = open_store(data_dir)
    rows = [hazard_row(h, e) for h, e in HAZARDS.items()]
    ingest_text(store, hazard_csv(rows), "csv", shacl_max_records=0)
    return store


def make_tokens(path: Path) -> dict[str, str]:
    """A token file with one token per :data:`PRINCIPALS` entry; name -> secret."""
    tokens = TokenFile(path)
    return {name: tokens.create(name, kind, scope) for name, (kind, scope) in PRINCIPALS.items()}


def data_quads(store: Store) -> int:
    """Quads outside ``graph/audit``: what a refused write must leave unchanged."""
    audit = NamedNode(str(GRAPH_AUDIT))
    return len(store) - sum(1 for _ in store.quads_for_pattern(None, None, None, audit))


def auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


# --------------------------------------------------------------------------- network


@dataclass
class Canary:
    """An HTTP server on a loopback port that records every connection and request."""

    url: str
    connections: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def reset(self) -> None:
        self.connections.clear()
        self.requests.clear()

    @property
    def touched(self) -> bool:
        return bool(self.connections or self.requests)


def start_canary() -> tuple[Canary, http.server.ThreadingHTTPServer]:
    canary = Canary(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def setup(self) -> None:
            canary.connections.append(str(self.client_address))
            super().setup()

        def _answer(self) -> None:
            canary.requests.append(f"{self.command} {self.path}")
            body = b'<!ENTITY x "canary">{"@context": {}}'
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_HEAD = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    canary.url = f"http://127.0.0.1:{server.server_port}/canary"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return canary, server


class ConnectionGuard:
    """Refuses every Python-level outbound connection while active, and remembers it.

    (Rust code in pyoxigraph opens its own sockets; the canary catches those.)
    """

    def __init__(self) -> None:
        self.attempts: list[object] = []
        self._saved: dict[str, object] = {}

    def _refuse(self, *args: object, **kwargs: object) -> None:
        self.attempts.append(args[1] if len(args) > 1 else args)
        raise ConnectionRefusedError("outbound connections are not allowed in this test")

    def __enter__(self) -> ConnectionGuard:
        for name in ("connect", "connect_ex"):
            self._saved[name] = getattr(socket.socket, name)
            setattr(socket.socket, name, self._refuse)
        self._saved["create_connection"] = socket.create_connection
        socket.create_connection = self._refuse  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        for name in ("connect", "connect_ex"):
            setattr(socket.socket, name, self._saved[name])
        socket.create_connection = self._saved["create_connection"]  # type: ignore[assignment]


def guarded() -> Iterator[ConnectionGuard]:
    with ConnectionGuard() as guard:
        yield guard
