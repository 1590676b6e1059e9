"""Questions, side by side: our service layer vs raw pyoxigraph vs rdflib, on the same data.

Each :class:`Question` is something a user of safetykg asks (who leads a
sector, what is overdue in a department, who answers for a hazard, …) and is
answered three ways:

* **ours** — the library function the API calls (:mod:`safetykg.registry.answers`,
  :mod:`safetykg.resources`, the lookup index, the named-query library);
* **floor** — raw pyoxigraph running the *naive* query: the ``queries/*.rq``
  definition of the same question over the records (several queries where the
  service answers from several), on the same on-disk store, rows materialised;
* **peer** — ``rdflib.Graph.query`` running the same naive text on the same
  triples, loaded in memory (up to the largest size it manages; a query that
  takes more than a minute is stopped and not repeated).

The parameters (the department, region and sector with most hazards, one
hazard) are picked from the data before timing, the same for all three.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bench.timing import Case, interleaved, ratio, summarise

if TYPE_CHECKING:
    from bench.peer import RdflibWorker

__all__ = ["AS_OF", "Question", "Subject", "pick_subject", "questions", "run"]

AS_OF = dt.date(2026, 6, 30)
ID = "https://w3id.org/safetykg/id/"
SK = "https://w3id.org/safetykg/ontology#"


@dataclass(frozen=True)
class Subject:
    """What the questions are asked about, picked from the data."""

    department: str
    region: str
    sector: str
    hazard: str
    gas_sector: str = ID + "sector/urban-gas"


@dataclass
class Question:
    """A question, the service call that answers it and the naive queries that state it."""

    name: str
    group: str  # "plan" or "registry"
    text: str
    service: Callable[[], Any]
    naive: Sequence[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """``(query name, parameter values)``, run one after the other."""
    target_p50_ms: float | None = None
    target_size: str | None = None


QUESTION_NAMES = (
    "lookup-gas", "sector-lead-departments", "department-led-sectors", "tasks-due-by",
    "department-view", "overdue-by-department", "overdue-by-region", "overdue-by-sector",
    "hazard-responsibility", "statistics-region-sector", "goal-progress",
)
"""The questions of :func:`questions`, in order (known without a store)."""


def _top(store: Any, pattern: str) -> str:
    rows = store.query(
        f"SELECT ?x (COUNT(*) AS ?n) WHERE {{ {pattern} }} GROUP BY ?x ORDER BY DESC(?n) LIMIT 1",
        use_default_graph_as_union=True,
    )
    return next(iter(rows))["x"].value


def pick_subject(store: Any) -> Subject:
    """The department, region and sector with most hazards, and an overdue hazard of the first."""
    department = _top(store, f"?h <{SK}responsibleDepartment> ?x")
    region = _top(store, f"?h a <{SK}Hazard> ; <{SK}inRegion> ?x")
    sector = _top(store, f"?h a <{SK}Hazard> ; <{SK}inSector> ?x")
    from safetykg.registry.answers import overdue

    page = overdue(store, department, AS_OF, limit=1)
    if page.items:
        hazard = page.items[0].hazard
    else:
        rows = store.query(f"SELECT ?h WHERE {{ ?h a <{SK}Hazard> }} LIMIT 1",
                           use_default_graph_as_union=True)
        hazard = next(iter(rows))["h"].value
    return Subject(department, region, sector, hazard)


def _month_ends(year: int, until: dt.date) -> list[dt.date]:
    out = []
    for m in range(1, 13):
        end = dt.date(year + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)
        if end > until:
            break
        out.append(end)
    return out


def _goal_queries(day: dt.date) -> list[tuple[str, dict[str, Any]]]:
    stock = "2023-12-31"
    out: list[tuple[str, dict[str, Any]]] = [
        ("major-hazards-open-on", {"day": "2024-12-31", "discoveredBy": stock}),
        ("major-hazards-open-on", {"day": day.isoformat(), "discoveredBy": stock}),
    ]
    for q in range(1, 5):
        for year in (2024, 2025):
            start = dt.date(year, 3 * q - 2, 1)
            end = dt.date(year + q // 4, (3 * q) % 12 + 1, 1) - dt.timedelta(days=1)
            out.append(("major-hazards-found-between",
                        {"from": start.isoformat(), "to": end.isoformat()}))
    out += [("major-hazards-overdue-on", {"day": d.isoformat()}) for d in _month_ends(2026, day)]
    out.append(("major-hazards-overdue-on", {"day": day.isoformat()}))
    return out


def questions(store: Any, subject: Subject) -> list[Question]:
    """The questions, with our service calls bound to ``store``."""
    from pyoxigraph import NamedNode

    from safetykg import resources
    from safetykg.lookup import LookupIndex
    from safetykg.queries import default_library
    from safetykg.registry import answers
    from safetykg.registry.reference import Reference

    lib = default_library()
    index = LookupIndex.build(store)  # the API builds it once, at the first request
    reference = Reference.load(store)  # likewise read once per process
    s, day = subject, AS_OF

    def named(name: str, **values: Any) -> Callable[[], Any]:
        return lambda: list(lib.run(store, name, values))

    return [
        Question("lookup-gas", "plan", "谁管燃气? — /api/lookup (alias index) vs the by-name query",
                 lambda: index.answer("谁管燃气?", "zh"),
                 [("sector-leads-by-name", {"name": "城镇燃气"})]),
        Question("sector-lead-departments", "plan", "who leads urban gas (named query)",
                 named("sector-lead-departments", sector=s.gas_sector),
                 [("sector-lead-departments", {"sector": s.gas_sector})]),
        Question("department-led-sectors", "plan", "which sectors a department leads",
                 named("department-led-sectors", dept=s.department),
                 [("department-led-sectors", {"dept": s.department})]),
        Question("tasks-due-by", "plan", "tasks due by 2025-12-31",
                 named("tasks-due-by", by="2025-12-31"),
                 [("tasks-due-by", {"by": "2025-12-31"})]),
        Question("department-view", "registry",
                 "department view: leads, tasks, deadlines, hazard counts as of D",
                 lambda: resources.department_view(store, NamedNode(s.department), "zh",
                                                    as_of=day, snapshot=index.snapshot),
                 [("department-led-sectors", {"dept": s.department}),
                  ("tasks-naming-department", {"dept": s.department}),
                  ("overdue-hazards", {"scope": s.department, "asOf": day.isoformat()})]),
        Question("overdue-by-department", "registry",
                 "overdue hazards of a department as of D: first page (20) and total",
                 lambda: answers.overdue(store, s.department, day, limit=20,
                                         reference=reference),
                 [("overdue-hazards", {"scope": s.department, "asOf": day.isoformat()})],
                 target_p50_ms=20.0, target_size="1M"),
        Question("overdue-by-region", "registry",
                 "overdue hazards of a region (and the regions in it) as of D: page and total",
                 lambda: answers.overdue(store, s.region, day, limit=20, reference=reference),
                 [("overdue-hazards", {"scope": s.region, "asOf": day.isoformat()})]),
        Question("overdue-by-sector", "registry",
                 "overdue hazards of a sector as of D: page and total",
                 lambda: answers.overdue(store, s.sector, day, limit=20, reference=reference),
                 [("overdue-hazards", {"scope": s.sector, "asOf": day.isoformat()})]),
        Question("hazard-responsibility", "registry",
                 "responsibility chain of one hazard (主体/行业/属地)",
                 lambda: answers.responsibility(store, s.hazard),
                 [("hazard-responsibility", {"hazard": s.hazard})]),
        Question("statistics-region-sector", "registry",
                 "hazards by region × sector × status × channel as of D",
                 lambda: answers.statistics(store, day),
                 [("hazard-statistics", {"asOf": day.isoformat()})]),
        Question("goal-progress", "registry", "the three headline goals as of D",
                 lambda: answers.goal_progress(store, day),
                 _goal_queries(day)),
    ]


# --------------------------------------------------------------------------- the naive runners


def _to_rdflib(term: Any) -> Any:
    import rdflib
    from pyoxigraph import Literal, NamedNode

    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
    raise TypeError(term)


def raw_runner(store: Any, naive: Sequence[tuple[str, dict[str, Any]]]) -> Callable[[], Any]:
    """Raw pyoxigraph: the naive texts with their substitutions, every row read."""
    from safetykg.namespaces import PREFIXES
    from safetykg.queries import default_library

    lib = default_library()
    prepared = []
    for name, values in naive:
        q = lib.get(name)
        prepared.append((q.sparql(values), q.bind(values)))

    def run() -> list[Any]:
        rows: list[Any] = []
        for text, subs in prepared:
            rows.extend(store.query(text, substitutions=subs or None, prefixes=PREFIXES,
                                    use_default_graph_as_union=True))
        return rows

    return run


def rdflib_runner(graph: Any, naive: Sequence[tuple[str, dict[str, Any]]]) -> Callable[[], Any]:
    """rdflib: the same texts, parsed once, with the same values as ``initBindings``."""
    from rdflib.plugins.sparql import prepareQuery

    from safetykg.namespaces import PREFIXES
    from safetykg.queries import default_library

    lib = default_library()
    prepared = []
    for name, values in naive:
        q = lib.get(name)
        bindings = {k.value: _to_rdflib(v) for k, v in q.bind(values).items()}
        prepared.append((prepareQuery(q.sparql(values), initNs=PREFIXES), bindings))

    def run() -> list[Any]:
        rows: list[Any] = []
        for query, bindings in prepared:
            rows.extend(graph.query(query, initBindings=bindings))
        return rows

    return run


def run(
    store: Any,
    peer: RdflibWorker | None,
    *,
    store_dir: str,
    reps: int = 20,
    probe_limit_s: float = 60.0,
    floor_budget_s: float = 30.0,
    rdflib_reps: int = 5,
    rdflib_limit_s: float = 60.0,
    rdflib_budget_s: float = 120.0,
    only: Sequence[str] | None = None,
    skip: dict[tuple[str, str], str] | None = None,
    estimates: dict[tuple[str, str], float] | None = None,
) -> dict[str, Any]:
    """Time every question three ways, interleaved; p50/p95/min and the ratios.

    ``skip`` names ``(question, engine)`` pairs not to run (with the reason),
    e.g. those stopped at a smaller size; the others are first tried once in a
    child process (:mod:`bench.probe`) and dropped if they pass ``probe_limit_s``.
    """
    from bench.probe import probe

    subject = pick_subject(store)
    out: dict[str, Any] = {"subject": vars(subject), "as_of": AS_OF.isoformat(), "questions": {}}
    chosen = [q for q in questions(store, subject) if not only or q.name in only]
    skip = dict(skip or {})
    # a call estimated (from a smaller size) well under the limit is not probed
    known = estimates or {}
    jobs = [(q.name, e) for q in chosen for e in ("ours", "floor")
            if (q.name, e) not in skip and (e == "ours" or q.naive)
            and known.get((q.name, e), math.inf) > probe_limit_s * 1000 / 10]
    skip.update(probe(store_dir, vars(subject), jobs, probe_limit_s))
    for q in chosen:
        cases: dict[str, Case] = {}
        if (q.name, "ours") not in skip:
            cases["ours"] = Case(q.service)
        if q.naive and (q.name, "floor") not in skip:
            cases["floor"] = Case(raw_runner(store, q.naive), budget_s=floor_budget_s)
        if q.naive and peer is not None and (q.name, "peer") not in skip:
            cases["peer"] = Case(
                lambda q=q: peer.ask(q.name, list(q.naive), rdflib_limit_s),
                max_reps=rdflib_reps,
                budget_s=rdflib_budget_s,
            )
        done = interleaved(cases, reps)
        entry: dict[str, Any] = {"group": q.group, "text": q.text,
                                 "naive": [n for n, _ in q.naive]}
        for key in ("ours", "floor", "peer"):
            case = done.get(key)
            if case is not None:
                entry[key] = {**summarise(case.samples), "rows": case.rows}
                if case.error:
                    entry[key]["error"] = case.error
            elif (q.name, key) in skip:
                entry[key] = {"n": 0, "status": f"skipped: {skip[(q.name, key)]}"}
                if estimates and (q.name, key) in estimates:
                    entry[key]["estimated_ms"] = round(estimates[(q.name, key)], 1)
            elif key == "peer" and peer is None:
                entry[key] = {"n": 0, "status": "skipped: rdflib not loaded at this size"}
                if estimates and (q.name, key) in estimates:
                    entry[key]["estimated_ms"] = round(estimates[(q.name, key)], 1)
            else:
                entry[key] = {"n": 0, "status": "n/a"}
        p50 = {k: entry[k].get("p50_ms") for k in ("ours", "floor", "peer")}
        entry["ratios"] = {"ours/floor": ratio(p50["ours"], p50["floor"]),
                           "peer/ours": ratio(p50["peer"], p50["ours"])}
        guess = {k: entry[k].get("estimated_ms") for k in ("floor", "peer")}
        if guess["floor"] and p50["ours"]:
            entry["ratios"]["ours/floor (estimated floor)"] = ratio(p50["ours"], guess["floor"])
        if guess["peer"] and p50["ours"]:
            entry["ratios"]["peer/ours (estimated peer)"] = ratio(guess["peer"], p50["ours"])
        if q.target_p50_ms is not None:
            entry["target"] = {"p50_ms": q.target_p50_ms, "size": q.target_size}
        out["questions"][q.name] = entry
    return out
