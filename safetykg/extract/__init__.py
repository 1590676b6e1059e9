"""Text -> RDF: a plan's outline, time limits, frequencies and responsibilities.

The parsers (:mod:`.document`, :mod:`.temporal`, :mod:`.responsibility`) read
the clean text of :mod:`.text`; :mod:`.graph` turns what they find into RDF
with a source span for every fact. Nothing here knows a particular plan: the
only curated input is the name lexicon (:mod:`.lexicon`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TypeVar

from rdflib import Graph

from .document import Outline, parse_outline
from .graph import PlanGraph, to_turtle
from .responsibility import Names, concept_mentions, lead_table, task_mentions
from .temporal import DeadlineMatch, FrequencyMatch, find_deadlines, find_frequencies
from .text import SourceText

__all__ = ["extract_plan", "plan_turtle", "extract_file"]

M = TypeVar("M", DeadlineMatch, FrequencyMatch)


def extract_plan(text: str, plan_id: str, jurisdiction: str, source_name: str) -> Graph:
    """The RDF graph of one plan, from its text alone.

    ``jurisdiction`` is the slug of the issuing government's region (``bozhou``);
    it keys the plan's departments and names them in English.
    """
    st = SourceText(text)
    outline = parse_outline(st)
    clean = st.clean
    place_zh, level = _place(outline.front.issuer)
    names = Names(jurisdiction, place_zh, level)
    out = PlanGraph(st, plan_id, jurisdiction, source_name)
    issuer = names.department(outline.front.issuer) if outline.front.issuer else None
    out.add_plan(outline, names.place_en, issuer)

    first_year, plan_end = _plan_years(outline)

    pairs, fallback = lead_table(clean, names)
    for pair in pairs:  # first, so that departments carry the names the lead table writes
        out.add_lead(pair)
    if fallback:
        out.add_rule("ThreeManagesThreeMusts", *fallback)

    # Headline goals: dated clauses in a 目标 section or before the first action.
    goals = []
    for section in outline.sections:
        if "目标" in section.title or section is outline.tasks_section:
            end = section.children[0].start if section.children else section.end
            goals += [_shift(d, section.title_end) for d in find_deadlines(
                clean[section.title_end:end], default_year=first_year, plan_end=plan_end)
                if not d.expression.endswith(("年", "年内"))]
    for i, d in enumerate(goals, 1):
        out.add_goal(i, d)

    numbering_restarts = len({t.number for a in outline.actions for t in a.children}) < \
        sum(len(a.children) for a in outline.actions)
    for action_part in outline.actions:
        action = out.add_action(action_part)
        for part in action_part.children:
            key = f"{action_part.number}-{part.number}" if numbering_restarts else str(part.number)
            task = out.add_task(action, part, key)
            body = clean[part.start:part.end]
            for d in find_deadlines(body, default_year=first_year, plan_end=plan_end):
                out.add_deadline(task, f"task-{key}", _shift(d, part.start))
            out.add_frequencies(task, f"task-{key}",
                                [_shift(f, part.start) for f in find_frequencies(body)])
            out.add_mentions(task, f"task-{key}", f"Task {key}", f"任务{key}",
                             task_mentions(clean, part.start, part.end, part.title, names))

    for phase in outline.phases:
        node = out.add_phase(phase.part, phase.start_date, phase.end_date)
        body_start = phase.part.title_end
        body = clean[body_start:phase.part.end]
        for d in find_deadlines(body, default_year=phase.start_date.year, plan_end=plan_end):
            out.add_deadline(node, f"phase-{phase.part.number}", _shift(d, body_start))

    # Requirements the plan states outside its tasks and phases (保障措施 and the like).
    covered = [outline.tasks_section, outline.phases_section]
    for section in outline.sections:
        if section in covered:
            continue
        body = clean[section.title_end:section.end]
        out.add_frequencies(out.plan, "plan",
                            [_shift(f, section.title_end) for f in find_frequencies(body)])
        out.add_mentions(out.plan, "plan", "The plan", "方案",
                         concept_mentions(clean, section.title_end, section.end))
    return out.graph


def plan_turtle(source_text: str, plan_id: str, jurisdiction: str, source_name: str) -> str:
    """The plan graph as deterministic Turtle (what ``graph_data/plans/<id>.ttl`` holds)."""
    return to_turtle(extract_plan(source_text, plan_id, jurisdiction, source_name))


def extract_file(source: Path, plan_id: str | None = None, jurisdiction: str | None = None) -> str:
    """Turtle for a plan file; the plan id defaults to the file's stem."""
    plan_id = plan_id or source.stem
    return plan_turtle(source.read_text(encoding="utf-8"), plan_id,
                       jurisdiction or plan_id.split("-")[0], source.name)


def _place(issuer: str) -> tuple[str, str]:
    """The issuing place and its level: 亳州市安全生产委员会 → (亳州市, 市)."""
    for i, ch in enumerate(issuer[:8]):
        if ch in "省市县区":
            return issuer[: i + 1], ch
    return "", "市"


def _plan_years(outline: Outline) -> tuple[int, date]:
    """The first year (for dates written without one) and the last day (for 三年内)."""
    if outline.period:
        return outline.period[0].year, outline.period[1]
    if outline.phases:
        return outline.phases[0].start_date.year, outline.phases[-1].end_date
    year = outline.front.issued.year if outline.front.issued else date.today().year
    return year, date(year + 2, 12, 31)  # the genre's three years


def _shift(match: M, offset: int) -> M:
    """A temporal match with its clean offsets moved from a slice to the whole text."""
    return replace(match, start=match.start + offset, end=match.end + offset)
