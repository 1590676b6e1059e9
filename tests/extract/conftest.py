from pathlib import Path

import pytest
from rdflib import Graph

from safetykg.extract import extract_plan

ROOT = Path(__file__).resolve().parents[2]
BOZHOU = ROOT / "graph_data" / "source" / "bozhou-work-safety-plan-2024-2026.txt"
PREFIXES = """
PREFIX sk: <https://w3id.org/safetykg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX id: <https://w3id.org/safetykg/id/>
"""


class PlanFixture:
    def __init__(self, path: Path, plan_id: str, jurisdiction: str) -> None:
        self.text = path.read_text(encoding="utf-8")
        self.graph: Graph = extract_plan(self.text, plan_id, jurisdiction, path.name)

    def rows(self, query: str, **bindings) -> list[tuple]:
        return [tuple(None if v is None else v.toPython() for v in row)
                for row in self.graph.query(PREFIXES + query, initBindings=bindings)]

    def values(self, query: str, **bindings) -> list:
        return [r[0] for r in self.rows(query, **bindings)]


@pytest.fixture(scope="session")
def bozhou() -> PlanFixture:
    return PlanFixture(BOZHOU, "bozhou-2024", "bozhou")


@pytest.fixture(scope="session")
def lixin() -> PlanFixture:
    return PlanFixture(ROOT / "tests/data/plans/lixin-county-2024.txt", "lixin-2024", "lixin")


@pytest.fixture(scope="session")
def wuhu() -> PlanFixture:
    return PlanFixture(ROOT / "tests/data/plans/wuhu-city-2025.txt", "wuhu-2025", "wuhu")
