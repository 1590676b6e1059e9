"""The plan on one time axis: its phases, its goals and every deadline, with their sources.

This module owns the reading of a plan's dates for display (the ``/timeline``
page): phases with their start and end, goals with their due date, and every
``sk:Deadline`` with the clause it governs, whether its date was inferred from
an expression such as "2024年底前", what it belongs to (plan, phase, goal or
task) and the sentence it was taken from. Drawing is left to the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pyoxigraph import Literal, NamedNode, Store

from safetykg.errors import NotFound
from safetykg.labels import Labels, fetch_labels
from safetykg.namespaces import SK, plan_graph
from safetykg.store import query

__all__ = ["Deadline", "Period", "Timeline", "timeline"]

_PROLOGUE = "PREFIX sk: <https://w3id.org/safetykg/ontology#>\n"


@dataclass
class Period:
    """A phase (or the plan itself): a labelled span of dates."""

    iri: str
    number: int
    labels: Labels
    start: date
    end: date
    quote: str = ""


@dataclass
class Deadline:
    """One time limit of the plan."""

    iri: str
    due: date
    inferred: bool
    expression: str
    clause: str
    owner: str
    """The IRI of what the deadline belongs to (a task, goal, phase or the plan)."""
    owner_kind: str
    """``Task``, ``Goal``, ``Phase`` or ``Plan``."""
    owner_number: int | None
    owner_labels: Labels
    quote: str = ""


@dataclass
class Timeline:
    """Everything ``/timeline`` draws, in date order."""

    plan: str
    plan_labels: Labels
    start: date
    end: date
    phases: list[Period] = field(default_factory=list)
    goals: list[Deadline] = field(default_factory=list)
    """The deadlines that belong to the plan's headline goals."""
    deadlines: list[Deadline] = field(default_factory=list)
    """Every deadline, goals' included, by due date."""


def _date(term: Literal | None) -> date | None:
    if term is None:
        return None
    try:
        return date.fromisoformat(term.value)
    except ValueError:
        return None


def timeline(store: Store, plan_id: str) -> Timeline:
    """The phases, goals and deadlines of plan ``plan_id``, sorted by date.

    Raises :class:`NotFound` when the store has no such plan.
    """
    graph = NamedNode(str(plan_graph(plan_id)))
    plans = [
        (r["plan"].value, _date(r["start"]), _date(r["end"]))
        for r in query(
            store,
            _PROLOGUE
            + """SELECT ?g ?plan ?start ?end { GRAPH ?g { ?plan a sk:Plan
              OPTIONAL { ?plan sk:startDate ?start } OPTIONAL { ?plan sk:endDate ?end } } }""",
            {"g": graph},
        )
    ]
    if not plans:
        raise NotFound(f"No plan {plan_id!r} in the store.")
    plan, plan_start, plan_end = plans[0]
    phases = [
        Period(
            iri=r["phase"].value,
            number=int(r["n"].value),
            labels=Labels(),
            start=_date(r["start"]) or date.min,
            end=_date(r["end"]) or date.max,
            quote=r["quote"].value if r["quote"] else "",
        )
        for r in query(
            store,
            _PROLOGUE
            + """SELECT ?g ?phase ?n ?start ?end ?quote { GRAPH ?g {
              ?plan sk:hasPhase ?phase . ?phase sk:number ?n ; sk:startDate ?start ;
                                                  sk:endDate ?end .
              OPTIONAL { ?phase sk:source ?span . ?span sk:quote ?quote } } } ORDER BY ?n""",
            {"g": graph},
        )
    ]
    deadlines: list[Deadline] = []
    for r in query(
        store,
        _PROLOGUE
        + """SELECT ?g ?d ?due ?inferred ?expr ?clause ?owner ?kind ?n ?quote { GRAPH ?g {
          ?owner sk:hasDeadline ?d . ?d sk:dueDate ?due .
          ?owner a ?kind FILTER(?kind IN (sk:Task, sk:Goal, sk:Phase, sk:Plan))
          OPTIONAL { ?owner sk:number ?n }
          OPTIONAL { ?d sk:dateInferred ?inferred } OPTIONAL { ?d sk:expression ?expr }
          OPTIONAL { ?d sk:clause ?clause }
          OPTIONAL { ?d sk:source ?span . ?span sk:quote ?quote } } } ORDER BY ?due ?d""",
        {"g": graph},
    ):
        due = _date(r["due"])
        if due is None:
            continue
        deadlines.append(
            Deadline(
                iri=r["d"].value,
                due=due,
                inferred=bool(r["inferred"] and r["inferred"].value == "true"),
                expression=r["expr"].value if r["expr"] else "",
                clause=r["clause"].value if r["clause"] else "",
                owner=r["owner"].value,
                owner_kind=r["kind"].value.removeprefix(str(SK)),
                owner_number=int(r["n"].value) if r["n"] else None,
                owner_labels=Labels(),
                quote=r["quote"].value if r["quote"] else "",
            )
        )
    labels = fetch_labels(store, [plan] + [p.iri for p in phases] + [d.owner for d in deadlines])
    for phase in phases:
        phase.labels = labels.get(phase.iri, Labels())
    for deadline in deadlines:
        deadline.owner_labels = labels.get(deadline.owner, Labels())
    dates = [p.start for p in phases] + [p.end for p in phases] + [d.due for d in deadlines]
    start = plan_start or min(dates, default=date.today())
    end = plan_end or max(dates, default=date.today())
    return Timeline(
        plan=plan,
        plan_labels=labels.get(plan, Labels()),
        start=min([start, *dates]),
        end=max([end, *dates]),
        phases=phases,
        goals=[d for d in deadlines if d.owner_kind == "Goal"],
        deadlines=deadlines,
    )
