"""Fixtures for the ontology tests: the two hand-written files, parsed once.

The graphs are session-scoped and must not be changed in place; a test that
needs a broken variant copies first (:func:`copy_graph`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

ROOT = Path(__file__).resolve().parents[2]
ONTOLOGY_TTL = ROOT / "ontology" / "safetykg.ttl"
SHAPES_TTL = ROOT / "ontology" / "shapes.ttl"
CHECKS_DIR = ROOT / "ontology" / "checks"
PLANS_DIR = ROOT / "graph_data" / "plans"
REFERENCE_DIR = ROOT / "graph_data" / "reference"


def copy_graph(graph: Graph) -> Graph:
    """A fresh, independent copy of ``graph`` (with its prefixes)."""
    out = Graph()
    for prefix, namespace in graph.namespaces():
        out.bind(prefix, namespace, override=True)
    for triple in graph:
        out.add(triple)
    return out


@pytest.fixture(scope="session")
def ontology() -> Graph:
    """``ontology/safetykg.ttl`` (read-only)."""
    return Graph().parse(ONTOLOGY_TTL, format="turtle")


@pytest.fixture(scope="session")
def shapes() -> Graph:
    """``ontology/shapes.ttl`` (read-only)."""
    return Graph().parse(SHAPES_TTL, format="turtle")
