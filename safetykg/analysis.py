"""Analysis of the responsibility network: who carries how much, who is central, what is unled.

This module owns the questions an analyst asks of the department × sector
network as a whole (``safetykg analyse``, ``GET /api/analysis``):

- each department's load: the sectors it leads (joint ones counted apart), the
  tasks that name it, and the hazards it is responsible for (all, open and
  overdue as of a date, overdue as DESIGN.md defines it);
- its centrality in the responsibility network (degree and betweenness, on
  the undirected department–sector graph that :mod:`safetykg.export` builds
  for the ``responsibility`` scope);
- the departments that share sectors (lead the same sector jointly);
- the sectors the plan names but gives no lead department (the plan's
  fallback for them is the rule 三管三必须, ``sk:ThreeManagesThreeMusts``).

The network comes from :func:`safetykg.export.scope_graph`, so the analysis
and the exports can never disagree about who leads what; networkx computes
the measures. Counting is done in SPARQL with the date bound as a term.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from itertools import combinations
from typing import Any

import networkx as nx
from pyoxigraph import Literal, NamedNode, Store

from safetykg.export import scope_graph
from safetykg.labels import Labels, fetch_labels
from safetykg.store import query

__all__ = [
    "Analysis",
    "DepartmentLoad",
    "LeadCell",
    "Matrix",
    "SharedSectors",
    "UnledSector",
    "analyse",
    "responsibility_matrix",
]

_PROLOGUE = "PREFIX sk: <https://w3id.org/safetykg/ontology#>\n"
_XSD_DATE = NamedNode("http://www.w3.org/2001/XMLSchema#date")


@dataclass
class Named:
    """A resource with its labels."""

    iri: str
    label_zh: str
    label_en: str


@dataclass
class DepartmentLoad(Named):
    """How much one department carries, and where it sits in the network."""

    sectors: int = 0
    """Sectors it leads (alone or jointly)."""
    joint_sectors: int = 0
    """Of those, the ones it leads jointly with another department."""
    tasks: int = 0
    """Tasks that name it (``sk:mentionsDepartment`` or ``sk:participatingDepartment``)."""
    hazards: int = 0
    """Hazards it is responsible for (``sk:responsibleDepartment``)."""
    open_hazards: int = 0
    """Of those, discovered by the date and not closed by it."""
    overdue_hazards: int = 0
    """Of those, past their rectification deadline and not closed, as of the date."""
    degree_centrality: float = 0.0
    betweenness_centrality: float = 0.0


@dataclass
class SharedSectors:
    """Two departments that lead the same sector(s)."""

    departments: list[Named]
    sectors: list[Named]


@dataclass
class UnledSector(Named):
    """A sector with no lead department in the plan; the fallback rule applies."""

    tasks: int = 0
    """Tasks that concern it."""
    rule: str = "https://w3id.org/safetykg/ontology#ThreeManagesThreeMusts"


@dataclass
class Analysis:
    """The whole answer of :func:`analyse`."""

    as_of: date
    departments: list[DepartmentLoad] = field(default_factory=list)
    shared_sectors: list[SharedSectors] = field(default_factory=list)
    unled_sectors: list[UnledSector] = field(default_factory=list)
    network: dict[str, int] = field(default_factory=dict)
    """Size of the responsibility network: departments, sectors, lead edges."""

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (dates as ISO strings)."""
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        return data


def _named(iri: str, labels: dict[str, Labels]) -> Named:
    found = labels.get(iri, Labels())
    return Named(iri, found.zh or found.get("zh", iri), found.en or found.get("en", iri))


def analyse(store: Store, *, as_of: date | None = None) -> Analysis:
    """Analyse the responsibility network and the departments' load as of ``as_of`` (today).

    Departments are ranked by the number of sectors they lead, then by tasks.

    >>> from safetykg.store import open_store  # doctest: +SKIP
    >>> analyse(open_store("data", read_only=True)).network  # doctest: +SKIP
    {'departments': 19, 'sectors': 47, 'lead_edges': 48}
    """
    as_of = as_of or date.today()
    network = scope_graph(store, "responsibility").graph
    leads = [(s, o, d) for s, o, d in network.edges(data=True) if d.get("role") == "lead"]
    departments_in_network = {s for s, _, _ in leads}
    sectors_in_network = {o for _, o, _ in leads}

    departments = sorted(
        {
            r["d"].value
            for r in query(
                store,
                _PROLOGUE
                + """SELECT DISTINCT ?d { GRAPH ?g { ?d a sk:Department }
                FILTER(STRSTARTS(STR(?g), "https://w3id.org/safetykg/graph/plan/")) }""",
            )
        }
        | departments_in_network
    )
    unled_rows = _unled_rows(store)
    everything = departments + sorted(sectors_in_network) + [r["s"].value for r in unled_rows]
    labels = fetch_labels(store, everything)

    undirected = nx.Graph()
    undirected.add_edges_from((s, o) for s, o, _ in leads)
    degree = nx.degree_centrality(undirected) if undirected else {}
    betweenness = nx.betweenness_centrality(undirected) if undirected else {}

    tasks = {
        r["d"].value: int(r["n"].value)
        for r in query(
            store,
            _PROLOGUE
            + """SELECT ?d (COUNT(DISTINCT ?t) AS ?n) {
              ?t a sk:Task ; sk:mentionsDepartment|sk:participatingDepartment ?d } GROUP BY ?d""",
        )
    }
    hazards = _hazard_counts(store, as_of)

    loads = []
    for iri in departments:
        named = _named(iri, labels)
        mine = [d for s, _, d in leads if s == iri]
        total, open_, late = hazards.get(iri, (0, 0, 0))
        loads.append(
            DepartmentLoad(
                **asdict(named),
                sectors=len(mine),
                joint_sectors=sum(1 for d in mine if d.get("joint")),
                tasks=tasks.get(iri, 0),
                hazards=total,
                open_hazards=open_,
                overdue_hazards=late,
                degree_centrality=round(degree.get(iri, 0.0), 4),
                betweenness_centrality=round(betweenness.get(iri, 0.0), 4),
            )
        )
    loads.sort(key=lambda d: (-d.sectors, -d.tasks, -d.hazards, d.iri))

    shared: list[SharedSectors] = []
    led: dict[str, set[str]] = {}
    for s, o, _ in leads:
        led.setdefault(s, set()).add(o)
    for a, b in combinations(sorted(led), 2):
        common = led[a] & led[b]
        if common:
            shared.append(
                SharedSectors(
                    departments=[_named(a, labels), _named(b, labels)],
                    sectors=[_named(s, labels) for s in sorted(common)],
                )
            )

    unled = [
        UnledSector(**asdict(_named(r["s"].value, labels)), tasks=int(r["tasks"].value))
        for r in unled_rows
    ]
    return Analysis(
        as_of=as_of,
        departments=loads,
        shared_sectors=shared,
        unled_sectors=unled,
        network={
            "departments": len(departments_in_network),
            "sectors": len(sectors_in_network),
            "lead_edges": len(leads),
        },
    )


def _unled_rows(store: Store) -> list[Any]:
    """Sectors with no lead department, with the number of tasks that concern them."""
    return list(
        query(
            store,
            _PROLOGUE
            + """SELECT ?s (COUNT(DISTINCT ?t) AS ?tasks) {
              GRAPH ?g { ?s a ?c } FILTER(?c IN (sk:Sector, sk:HighRiskSector))
              FILTER(STRSTARTS(STR(?g), "https://w3id.org/safetykg/graph/"))
              FILTER NOT EXISTS { ?s sk:leadDepartment ?d }
              OPTIONAL { ?t sk:concernsSector ?s }
            } GROUP BY ?s ORDER BY ?s""",
        )
    )


def _hazard_counts(store: Store, as_of: date) -> dict[str, tuple[int, int, int]]:
    """(all, open, overdue) hazards per responsible department, as of a date."""
    sparql = (
        _PROLOGUE
        + """SELECT ?asOf ?d (COUNT(?h) AS ?total) (SUM(?open) AS ?nopen) (SUM(?late) AS ?nlate) {
          { SELECT DISTINCT ?d ?h { ?h sk:responsibleDepartment ?d } }
          OPTIONAL { ?h sk:discoveredOn ?found }
          OPTIONAL { ?h sk:rectificationDeadline ?deadline }
          BIND(EXISTS { ?h sk:closedOn ?c FILTER(?c <= ?asOf) } AS ?closed)
          BIND(IF(!?closed && (!BOUND(?found) || ?found <= ?asOf), 1, 0) AS ?open)
          BIND(IF(!?closed && BOUND(?deadline) && ?deadline < ?asOf, 1, 0) AS ?late)
        } GROUP BY ?asOf ?d"""
    )
    rows = query(store, sparql, {"asOf": Literal(as_of.isoformat(), datatype=_XSD_DATE)})
    return {
        r["d"].value: (int(r["total"].value), int(r["nopen"].value), int(r["nlate"].value))
        for r in rows
    }


# --------------------------------------------------------------------------- the matrix


@dataclass
class LeadCell:
    """One department leading one sector, with the sentence that says so."""

    joint: bool
    assignment: str
    source: str
    """The ``sk:SourceSpan`` IRI."""
    quote: str
    anchor: str
    """A fragment id for the span (``src-11128-11164``), shared by cells of one sentence."""


@dataclass
class Matrix:
    """Departments × sectors: who leads what (``/matrix``)."""

    departments: list[Named]
    """Columns: the lead departments, most sectors first."""
    sectors: list[Named]
    """Rows: the led sectors, grouped by their first lead department."""
    cells: dict[tuple[str, str], LeadCell]
    """(sector IRI, department IRI) → the lead."""
    unled: list[Named]
    """Sectors the plan names with no lead (三管三必须 applies)."""
    sources: list[tuple[str, str, str]]
    """(anchor, span IRI, quote) of every sentence a cell cites, in text order."""


def responsibility_matrix(store: Store) -> Matrix:
    """The responsibility network as a table, built from the same graph the exports write."""
    network = scope_graph(store, "responsibility").graph
    leads = [(s, o, d) for s, o, d in network.edges(data=True) if d.get("role") == "lead"]
    count: dict[str, int] = {}
    for s, _, _ in leads:
        count[s] = count.get(s, 0) + 1

    def named(iri: str) -> Named:
        data = network.nodes[iri]
        return Named(iri, data.get("label_zh") or iri, data.get("label_en") or iri)

    departments = [named(d) for d in sorted(count, key=lambda d: (-count[d], d))]
    order = {d.iri: i for i, d in enumerate(departments)}
    first_lead: dict[str, int] = {}
    for s, o, _ in leads:
        first_lead[o] = min(first_lead.get(o, len(order)), order[s])
    sectors = [named(o) for o in sorted(first_lead, key=lambda o: (first_lead[o], o))]
    cells: dict[tuple[str, str], LeadCell] = {}
    sources: dict[str, tuple[int, str, str]] = {}
    for s, o, data in leads:
        span = str(data.get("source_span", ""))
        offsets = span.rsplit("/", 1)[-1]
        anchor = "src-" + offsets if span else ""
        cells[(o, s)] = LeadCell(
            bool(data.get("joint")),
            str(data.get("assignment", "")),
            span,
            str(data.get("quote", "")),
            anchor,
        )
        if span:
            start = offsets.split("-", 1)[0]
            sources[anchor] = (int(start) if start.isdigit() else 0, span, cells[(o, s)].quote)
    rows = _unled_rows(store)
    labels = fetch_labels(store, [r["s"].value for r in rows])
    return Matrix(
        departments=departments,
        sectors=sectors,
        cells=cells,
        unled=[_named(r["s"].value, labels) for r in rows],
        sources=[(a, span, q) for a, (_, span, q) in sorted(sources.items(), key=lambda i: i[1])],
    )
