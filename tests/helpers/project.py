"""Builders for a throw-away copy of the repository to build stores from.

Tests never build inside the checkout: ``build`` may rewrite
``graph_data/plans/<id>.ttl``, so the session fixtures copy ``ontology/`` and
``graph_data/`` into a temporary project root first. Where a piece another
team member is still writing does not exist yet (the ontology, the shapes, the
extractor), the copy gets the small hand-made fixture from this directory
instead; once the real one lands the same tests run against it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from safetykg.store import PlanExtractor

REPO = Path(__file__).resolve().parents[2]
HELPERS = Path(__file__).resolve().parent

REAL_ONTOLOGY = (REPO / "ontology" / "safetykg.ttl").is_file()
REAL_SHAPES = (REPO / "ontology" / "shapes.ttl").is_file()


def real_extractor() -> PlanExtractor | None:
    """:func:`safetykg.extract.plan_turtle` if the extractor exists yet."""
    try:
        from safetykg.extract import plan_turtle  # type: ignore[attr-defined]
    except ImportError:
        return None
    return plan_turtle  # type: ignore[no-any-return]


def fixture_extractor(source_text: str, plan_id: str, jurisdiction: str, source_name: str) -> str:
    """Stands in for the extractor: the hand-made plan sliver, whatever the text."""
    assert plan_id == "bozhou-2024" and jurisdiction == "bozhou", plan_id
    assert "亳州市安全生产治本攻坚三年行动" in source_text
    return (HELPERS / "mini_plan.ttl").read_text(encoding="utf-8")


def extractor() -> PlanExtractor:
    """The extractor the tests build with: the real one when it exists."""
    return real_extractor() or fixture_extractor


def make_project(dest: Path) -> Path:
    """Copy what ``build`` reads into ``dest`` and return it as a project root."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "graph_data", dest / "graph_data", dirs_exist_ok=True)
    if (REPO / "ontology").is_dir():
        shutil.copytree(REPO / "ontology", dest / "ontology", dirs_exist_ok=True)
    (dest / "ontology").mkdir(exist_ok=True)
    if not REAL_ONTOLOGY:
        shutil.copy(HELPERS / "mini_ontology.ttl", dest / "ontology" / "safetykg.ttl")
    if not REAL_SHAPES:
        shutil.copy(HELPERS / "mini_shapes.ttl", dest / "ontology" / "shapes.ttl")
    return dest
