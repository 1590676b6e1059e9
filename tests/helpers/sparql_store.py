"""Builders for the SPARQL endpoint tests: a small on-disk store and an app serving it.

The endpoint evaluates queries in worker processes that open the store from
disk (see ``api/sparql_limits.py``), so these tests need a store on disk, not an
in-memory one. ``sparql_fixture.trig`` holds the data; its sizes are below.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from pyoxigraph import RdfFormat, Store

from api.app import create_app
from safetykg.settings import Settings
from safetykg.store import store_path

HELPERS = Path(__file__).resolve().parent
FIXTURE = HELPERS / "sparql_fixture.trig"

PLAN_GRAPH = "https://w3id.org/safetykg/graph/plan/test-plan"
REFERENCE_GRAPH = "https://w3id.org/safetykg/graph/reference"
HAZARDS_GRAPH = "https://w3id.org/safetykg/graph/hazards"
GRAPH_SIZES = {HAZARDS_GRAPH: 5, PLAN_GRAPH: 18, REFERENCE_GRAPH: 8}

RUNAWAY_QUERY = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
    "?m ?n1 ?o . ?p ?q ?r }"
)
"""A cross product of every triple six times (31⁶ ≈ 9·10⁸ rows): minutes of work."""


def make_data_dir(data_dir: Path, *sources: Path) -> Path:
    """Load ``sources`` (TriG; default the fixture) into ``data_dir``'s store."""
    store = Store(str(store_path(data_dir)))
    for source in sources or (FIXTURE,):
        store.load(path=str(source), format=RdfFormat.TRIG)
    store.flush()
    del store  # close RocksDB before the app opens it
    return data_dir


def make_app(data_dir: Path, project_root: Path | None = None, **settings: object) -> FastAPI:
    """The real application over ``data_dir``, with settings overridden as given."""
    return create_app(
        Settings(data_dir=data_dir, project_root=project_root or data_dir, **settings)  # type: ignore[arg-type]
    )


REPO_NODE_MODULES = HELPERS.parents[1] / "node_modules"
"""Where ``npm ci`` puts the front-end packages the query page serves."""
