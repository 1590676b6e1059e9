"""Exports: one scope of the graph as a networkx graph, written in the format a tool reads.

This module owns two things: the mapping from RDF in the store to a
:class:`networkx.MultiDiGraph` for a *scope* (what part of the graph to take),
and the table of export formats. The writing itself is left to the libraries:
networkx writes GraphML, GEXF 1.3, Cytoscape.js JSON and D3 node-link JSON,
pydot writes DOT, :mod:`csv` writes the node and edge tables, pyoxigraph writes
Turtle, N-Triples and TriG, and rdflib writes JSON-LD with a local context.

Scopes (the text form is what ``--scope`` and ``?scope=`` take):

==============================================  ==============================================
``plan`` / ``plan:<plan-id>``                   every resource and link of one plan's named graph
``department:<id>``                             a department, what it links to and what links to
                                                it, the tasks about the sectors it leads and
                                                the departments that lead them with it
``sector:<slug>``                               the same for a sector
``node:<iri or kind/key>``                      the same for any resource (the explorer's "expand")
``action:<n>`` / ``action:<plan-id>/<n>``       an action, its tasks, their deadlines, frequencies,
                                                departments and sectors
``responsibility`` / ``responsibility:<plan>``  departments × sectors: who leads (joint marked)
``hazards:region|sector|department:<id>``       hazards with their enterprise, sector, region and
``[:overdue[:YYYY-MM-DD]]``                     responsible department; capped at ``max_nodes``
==============================================  ==============================================

A department ``<id>`` is its path under ``id/department/`` (``bozhou/education``),
its last segment when that is unique (``education``) or its full IRI.

The graph model, the same for every scope and every format:

- a node is a resource (an IRI); its key is the IRI. Attributes are plain
  scalars so that every tool opens the file: ``type`` (the most specific
  class asserted, as a CURIE such as ``sk:Task``), ``label`` (zh, else en),
  ``label_zh``, ``label_en``, ``iri``, ``alt_labels`` (``" | "``-joined), the
  source sentence (``source`` span IRI and ``quote``) where the resource has
  one, and one attribute per literal-valued property (``number``,
  ``dueDate`` …; named by the local name for ``sk:`` terms, ``prefix_local``
  otherwise; several values are joined with ``"; "``);
- an edge is a link between two resources, keyed ``e0``, ``e1`` …, with
  ``predicate`` (CURIE), ``predicate_iri`` and the predicate's ``label``,
  ``label_zh``, ``label_en``. A lead edge also carries ``role`` (lead),
  ``joint``, ``assignment`` (the ``sk:LeadAssignment``), ``source_span`` and
  ``quote``; an edge a task's mention states carries ``source_span`` and ``quote``.
  (Not ``source``: D3, Cytoscape.js and the CSV edge list use that for the edge's end.)

Only asserted facts are taken (the plan, reference and hazard graphs), except
``sk:responsibleDepartment`` of hazards, which only the reasoner states.
The RDF formats write the same resources: every asserted triple whose subject
is a node (or a lead assignment or source span the graph cites) and whose
object is a literal, a class, an ``sk:`` term or another such resource.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import networkx as nx
import rdflib
from networkx.readwrite import json_graph
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, Store, Triple, serialize

from safetykg.errors import BadParameter, NotFound
from safetykg.labels import Labels, fetch_labels, local_name
from safetykg.namespaces import (
    GRAPH,
    GRAPH_HAZARDS,
    GRAPH_ONTOLOGY,
    GRAPH_REFERENCE,
    ID,
    PREFIXES,
    SK,
    curie,
    plan_graph,
)
from safetykg.store import query

__all__ = [
    "DEFAULT_MAX_NODES",
    "FORMATS",
    "ExportFormat",
    "ScopedGraph",
    "Scope",
    "export",
    "parse_scope",
    "scope_graph",
    "write",
]

DEFAULT_MAX_NODES = 500
"""The node cap of the hazard scopes unless another is given."""

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"
_CHUNK = 400
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

_PROLOGUE = """\
PREFIX sk: <https://w3id.org/safetykg/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
_ASSERTED_EXPR = f"""(STRSTARTS(STR(?g), "{GRAPH}plan/") || ?g = <{GRAPH_REFERENCE}>
                || ?g = <{GRAPH_HAZARDS}>)"""
_ASSERTED = f"FILTER{_ASSERTED_EXPR}"
"""True for the graphs that hold stated facts (not the ontology, not inferences)."""
_REIFIED = "sk:Mention sk:LeadAssignment sk:SourceSpan sk:SourceDocument"
"""Statement-like nodes left out of neighbourhoods: what they say is a direct link already."""


# --------------------------------------------------------------------------- scopes


@dataclass(frozen=True)
class Scope:
    """A parsed scope (see the module docstring for the text forms).

    >>> parse_scope("hazards:region:guoyang:overdue:2025-06-30")
    Scope(kind='hazards', key='guoyang', by='region', as_of=datetime.date(2025, 6, 30))
    """

    kind: str
    key: str | None = None
    by: str | None = None
    """For hazards: ``region``, ``sector`` or ``department``."""
    as_of: date | None = None
    """For hazards: keep only those overdue as of this date."""

    @property
    def text(self) -> str:
        """The scope back in its text form."""
        parts = [self.kind]
        if self.by:
            parts.append(self.by)
        if self.key:
            parts.append(self.key)
        if self.as_of:
            parts += ["overdue", self.as_of.isoformat()]
        return ":".join(parts)

    @property
    def slug(self) -> str:
        """A file-name-safe form, for download names.

        >>> parse_scope("department:bozhou/education").slug
        'department-bozhou-education'
        """
        return re.sub(r"[^A-Za-z0-9]+", "-", self.text.removeprefix(str(ID))).strip("-")


_SCOPE_KINDS = ("plan", "department", "sector", "node", "action", "responsibility", "hazards")
_HAZARD_BY = ("region", "sector", "department")


def parse_scope(text: str, *, today: date | None = None) -> Scope:
    """Read a scope from its text form; :class:`BadParameter` names what is wrong.

    >>> parse_scope("plan")
    Scope(kind='plan', key=None, by=None, as_of=None)
    >>> parse_scope("action:3").key
    '3'
    >>> parse_scope("hazards:sector:urban-gas:overdue", today=date(2025, 1, 1)).as_of
    datetime.date(2025, 1, 1)
    >>> parse_scope("galaxy:1")
    Traceback (most recent call last):
    ...
    safetykg.errors.BadParameter: Unknown scope 'galaxy:1'; ...
    """
    text = (text or "").strip()
    kind, _, rest = text.partition(":")
    if kind not in _SCOPE_KINDS:
        raise BadParameter(
            f"Unknown scope {text!r}; use one of plan, plan:<plan-id>, department:<id>, "
            "sector:<slug>, node:<iri>, action:<n>, responsibility, "
            "hazards:region|sector|department:<id>[:overdue[:YYYY-MM-DD]]."
        )
    if kind in ("plan", "responsibility"):
        return Scope(kind, rest or None)
    if kind != "hazards":
        if not rest:
            raise BadParameter(f"The scope {kind}: needs an id, e.g. {_EXAMPLES[kind]}.")
        return Scope(kind, rest)
    by, _, rest = rest.partition(":")
    if by not in _HAZARD_BY:
        raise BadParameter(
            f"Unknown hazard scope {text!r}; use hazards:region:<slug>, hazards:sector:<slug> "
            "or hazards:department:<id>, optionally followed by :overdue[:YYYY-MM-DD]."
        )
    key, as_of = rest, None
    if ":overdue" in rest or rest.endswith("overdue"):
        key, _, when = rest.rpartition(":overdue")
        when = when.removeprefix(":")
        if not when:
            as_of = today or date.today()
        else:
            as_of = _parse_date(when)
    if not key:
        raise BadParameter(f"The scope {text!r} needs an id after hazards:{by}:.")
    return Scope("hazards", key, by, as_of)


_EXAMPLES = {
    "department": "department:bozhou/education",
    "sector": "sector:urban-gas",
    "node": "node:task/bozhou-2024/4",
    "action": "action:1",
}


def _parse_date(text: str) -> date:
    if not _DATE.match(text):
        raise BadParameter(f"{text!r} is not a date; write it as YYYY-MM-DD.")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise BadParameter(f"{text!r} is not a real date ({exc}).") from exc


# --------------------------------------------------------------------------- result


@dataclass
class ScopedGraph:
    """A scope taken out of the store: the graph, and whether a cap cut it."""

    scope: Scope
    graph: nx.MultiDiGraph
    truncated: bool = False
    note: str | None = None
    """What a person should know about the graph, e.g. that the node cap cut it."""
    extra_subjects: set[str] = field(default_factory=set)
    """Resources the graph cites (lead assignments, spans) whose triples the RDF
    formats also write."""


def scope_graph(
    store: Store,
    scope: Scope | str,
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
    today: date | None = None,
) -> ScopedGraph:
    """Take ``scope`` out of ``store`` as a :class:`ScopedGraph`.

    Use it when a graph library, not a SPARQL client, is the consumer: the
    exports and the analysis call it. ``max_nodes`` caps the hazard scopes
    (the most overdue hazards first, else by deadline); when it cuts,
    ``truncated`` is set and ``note`` says how many were left out.

    Raises :class:`BadParameter` for a malformed scope and :class:`NotFound`
    when its id names nothing.
    """
    if isinstance(scope, str):
        scope = parse_scope(scope, today=today)
    if max_nodes < 1:
        raise BadParameter("max_nodes must be at least 1.")
    builder = _Builder(store, scope)
    match scope.kind:
        case "plan":
            builder.take_plan(_plan_id(store, scope.key))
        case "department":
            builder.take_department(_resolve(store, "department", scope.key))
        case "sector":
            builder.take_neighbourhood(_resolve(store, "sector", scope.key))
        case "node":
            builder.take_neighbourhood(_resolve(store, None, scope.key))
        case "action":
            builder.take_action(_action_iri(store, scope.key))
        case "responsibility":
            builder.take_responsibility(_plan_id(store, scope.key) if scope.key else None)
        case "hazards":
            kind = "region" if scope.by == "region" else scope.by
            builder.take_hazards(_resolve(store, kind, scope.key), max_nodes)
    return builder.finish()


# --------------------------------------------------------------------------- resolving ids


def _plan_id(store: Store, key: str | None) -> str:
    plans = sorted(
        r["plan"].value.removeprefix(f"{ID}plan/")
        for r in query(store, _PROLOGUE + "SELECT DISTINCT ?plan { ?plan a sk:Plan }")
    )
    if key is None:
        if not plans:
            raise NotFound("The store holds no plan; run `safetykg build`.")
        if len(plans) > 1:
            raise BadParameter(f"The store holds several plans; name one: plan:{plans[0]} …")
        return plans[0]
    if key not in plans:
        raise NotFound(f"No plan {key!r}; the store holds {', '.join(plans) or 'none'}.")
    return key


_KIND_CLASS = {"department": "sk:Department", "sector": "sk:Sector", "region": "sk:Region"}


def _resolve(store: Store, kind: str | None, key: str | None) -> NamedNode:
    """The IRI ``key`` names: a full IRI, a path under ``id/<kind>/``, or a unique last segment."""
    key = (key or "").strip()
    if key.startswith(("http://", "https://")):
        if not key.startswith(str(ID)):
            raise BadParameter(f"{key!r} is not one of our resources (they start with {ID}).")
        candidates = [key]
    elif kind is None:
        candidates = [f"{ID}{key}"]
    elif "/" in key:
        candidates = [f"{ID}{kind}/{key}"]
    else:
        sparql = (
            _PROLOGUE
            + f"SELECT DISTINCT ?x ?suffix {{ ?x a {_KIND_CLASS[kind]} "
            + "FILTER(isIRI(?x) && STRENDS(STR(?x), ?suffix)) }"
        )
        direct = f"{ID}{kind}/{key}"
        found = sorted(_column(query(store, sparql, {"suffix": Literal(f"/{key}")}), "x"))
        nested = [f for f in found if f.startswith(f"{ID}{kind}/")]
        candidates = nested or [direct]
        if len(nested) > 1:
            raise BadParameter(
                f"{kind} {key!r} is ambiguous: "
                + ", ".join(f.removeprefix(f"{ID}{kind}/") for f in nested)
            )
    try:
        node = NamedNode(candidates[0])
    except ValueError as exc:
        raise BadParameter(f"{key!r} does not make a valid IRI.") from exc
    used = _column(query(store, "SELECT ?x ?p { ?x ?p ?o } LIMIT 1", {"x": node}), "p")
    used = used or _column(query(store, "SELECT ?x ?p { ?s ?p ?x } LIMIT 1", {"x": node}), "p")
    if not used:
        what = kind or "resource"
        raise NotFound(f"No {what} {key!r} ({node.value}) in the graph.")
    return node


def _column(rows: Any, name: str) -> list[str]:
    """The values of one variable, as plain strings.

    Query solutions must not outlive the call that made them: pyoxigraph's
    objects cannot be dropped on another thread, and an exception raised with
    them in a frame's locals is dropped wherever its handler runs.
    """
    return [r[name].value for r in rows if r[name] is not None]


def _action_iri(store: Store, key: str | None) -> NamedNode:
    key = key or ""
    plan, _, number = key.rpartition("/")
    if not number.isdigit():
        raise BadParameter(f"action:{key} needs an action number, e.g. action:1.")
    return _resolve(store, None, f"action/{_plan_id(store, plan or None)}/{int(number)}")


# --------------------------------------------------------------------------- building


def _values(terms: Iterable[NamedNode | BlankNode]) -> str:
    """A VALUES body from checked terms (``str()`` of a term is its SPARQL syntax)."""
    return " ".join(str(t) for t in terms)


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _key(term: NamedNode | BlankNode) -> str:
    return term.value if isinstance(term, NamedNode) else f"_:{term.value}"


def _term(key: str) -> NamedNode | BlankNode:
    return BlankNode(key[2:]) if key.startswith("_:") else NamedNode(key)


class _Builder:
    """Collects nodes and links for one scope, then decorates them from the store."""

    def __init__(self, store: Store, scope: Scope) -> None:
        self.store = store
        self.scope = scope
        self.nodes: dict[str, NamedNode | BlankNode] = {}
        self.links: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.truncated = False
        self.note: str | None = None
        self.extra: set[str] = set()

    # ---- collecting

    def add_node(self, term: NamedNode | BlankNode) -> None:
        self.nodes.setdefault(_key(term), term)

    def add_link(
        self, s: NamedNode | BlankNode, p: str, o: NamedNode | BlankNode, **attrs: Any
    ) -> None:
        self.add_node(s)
        self.add_node(o)
        self.links.setdefault((_key(s), p, _key(o)), {}).update(attrs)

    def take_plan(self, plan_id: str) -> None:
        graph = NamedNode(str(plan_graph(plan_id)))
        sparql = "SELECT DISTINCT ?g ?s ?p ?o { GRAPH ?g { ?s ?p ?o } }"
        for row in query(self.store, sparql, {"g": graph}):
            s, p, o = row["s"], row["p"], row["o"]
            self.add_node(s)
            if p.value != _RDF_TYPE and isinstance(o, NamedNode | BlankNode):
                self.add_link(s, p.value, o)

    def take_neighbourhood(self, focus: NamedNode) -> None:
        """The focus and every resource one asserted link away.

        Links in the hazard registry count only when the focus is a registry
        record (a hazard or an enterprise): a sector's or a department's
        hazards are the hazard scopes' business, with their node cap.
        """
        self.add_node(focus)
        record = focus.value.startswith((f"{ID}hazard/", f"{ID}enterprise/"))
        registry = "" if record else f"FILTER(?g != <{GRAPH_HAZARDS}>)"
        sparql = (
            _PROLOGUE
            + f"""SELECT DISTINCT ?focus ?x {{
              {{ GRAPH ?g {{ ?focus ?p ?x }} FILTER(!isLiteral(?x)) }}
              UNION {{ GRAPH ?g {{ ?x ?p ?focus }} }}
              FILTER(?p != rdf:type) {_ASSERTED}
              {registry}
              FILTER NOT EXISTS {{ ?x a ?reified VALUES ?reified {{ {_REIFIED} }} }}
            }}"""
        )
        for row in query(self.store, sparql, {"focus": focus}):
            self.add_node(row["x"])
        self.induce()

    def take_department(self, dept: NamedNode) -> None:
        """The neighbourhood, plus the tasks about the sectors it leads and their co-leads."""
        sparql = (
            _PROLOGUE
            + """SELECT DISTINCT ?dept ?x {
              ?sector sk:leadDepartment ?dept .
              { ?x sk:concernsSector ?sector } UNION { ?sector sk:leadDepartment ?x }
            }"""
        )
        for row in query(self.store, sparql, {"dept": dept}):
            self.add_node(row["x"])
        self.take_neighbourhood(dept)

    def take_action(self, action: NamedNode) -> None:
        self.add_node(action)
        sparql = (
            _PROLOGUE
            + """SELECT DISTINCT ?action ?task ?x {
              ?action sk:hasTask ?task .
              OPTIONAL { ?task sk:hasDeadline|sk:hasFrequency|sk:mentionsDepartment
                               |sk:participatingDepartment|sk:concernsSector ?x }
            }"""
        )
        for row in query(self.store, sparql, {"action": action}):
            self.add_node(row["task"])
            if row["x"] is not None:
                self.add_node(row["x"])
        self.induce()

    def induce(self) -> None:
        """Add every asserted link between two nodes already taken."""
        terms = [t for t in self.nodes.values() if isinstance(t, NamedNode)]
        values = _values(terms)
        for chunk in _chunks(terms):
            sparql = f"""SELECT DISTINCT ?s ?p ?o {{
              VALUES ?s {{ {_values(chunk)} }} VALUES ?o {{ {values} }}
              GRAPH ?g {{ ?s ?p ?o }} FILTER(?p != <{_RDF_TYPE}>) {_ASSERTED}
            }}"""
            for row in query(self.store, sparql):
                self.add_link(row["s"], row["p"].value, row["o"])

    def take_responsibility(self, plan_id: str | None) -> None:
        graph_filter = ""
        subs: dict[str, Any] = {}
        if plan_id:
            graph_filter = "FILTER(?g = ?plan)"
            subs["plan"] = NamedNode(str(plan_graph(plan_id)))
        projected = "?plan" if plan_id else ""
        sparql = (
            _PROLOGUE
            + f"""SELECT DISTINCT {projected} ?dept ?sector ?la ?joint ?span ?quote {{
              GRAPH ?g {{ ?la a sk:LeadAssignment ; sk:assignedDepartment ?dept ;
                               sk:assignedSector ?sector .
                         OPTIONAL {{ ?la sk:jointLead ?joint }}
                         OPTIONAL {{ ?la sk:source ?span }} }}
              {graph_filter}
              OPTIONAL {{ ?span sk:quote ?quote }}
            }}"""
        )
        for row in query(self.store, sparql, subs):
            self.add_link(row["dept"], f"{SK}leadsSector", row["sector"], **_lead_attrs(row))
            self.extra.add(row["la"].value)
            if row["span"] is not None:
                self.extra.add(row["span"].value)
        participants = (
            _PROLOGUE
            + f"""SELECT DISTINCT {projected} ?sector ?dept {{
              GRAPH ?g {{ ?sector a ?c ; sk:participatingDepartment ?dept }}
              FILTER(?c IN (sk:Sector, sk:HighRiskSector)) {graph_filter}
            }}"""
        )
        for row in query(self.store, participants, subs):
            self.add_link(
                row["sector"], f"{SK}participatingDepartment", row["dept"], role="participant"
            )

    def take_hazards(self, focus: NamedNode, max_nodes: int) -> None:
        scope = self.scope
        match_focus = {
            "region": "?h sk:atEnterprise [] ; (sk:inRegion|sk:atEnterprise/sk:inRegion) ?focus .",
            "sector": "?h sk:atEnterprise [] ; (sk:inSector|sk:atEnterprise/sk:inSector) ?focus .",
            "department": "?h sk:responsibleDepartment ?focus .",
        }[scope.by or "region"]
        subs: dict[str, Any] = {"focus": focus}
        overdue = ""
        projected = "?focus"
        if scope.as_of:
            subs["asOf"] = Literal(scope.as_of.isoformat(), datatype=NamedNode(f"{_XSD}date"))
            projected += " ?asOf"
            overdue = """FILTER(BOUND(?deadline) && ?deadline < ?asOf)
              FILTER NOT EXISTS { ?h sk:closedOn ?closed FILTER(?closed <= ?asOf) }"""
        body = f"""{match_focus}
              OPTIONAL {{ ?h sk:rectificationDeadline ?deadline }}
              {overdue}"""
        total_rows = query(
            self.store,
            _PROLOGUE
            + f"SELECT {projected} (COUNT(DISTINCT ?h) AS ?n) {{ {body} }} GROUP BY "
            + projected,
            subs,
        )
        total = next((int(r["n"].value) for r in total_rows), 0)
        rows = query(
            self.store,
            _PROLOGUE
            + f"""SELECT DISTINCT {projected} ?h ?deadline {{ {body} }}
            ORDER BY ?deadline ?h LIMIT {int(max_nodes)}""",
            subs,
        )
        hazards = [r["h"] for r in rows]
        links: dict[str, list[tuple[NamedNode | BlankNode, str, NamedNode | BlankNode]]] = {}
        enterprise_of: dict[str, str] = {}
        for chunk in _chunks(hazards):
            sparql = (
                _PROLOGUE
                + f"""SELECT DISTINCT ?h ?p ?o {{
              VALUES ?h {{ {_values(chunk)} }}
              VALUES ?p {{ sk:atEnterprise sk:inSector sk:inRegion sk:responsibleDepartment }}
              ?h ?p ?o FILTER(!isLiteral(?o)) }}"""
            )
            for row in query(self.store, sparql):
                links.setdefault(_key(row["h"]), []).append((row["h"], row["p"].value, row["o"]))
                if row["p"].value == f"{SK}atEnterprise":
                    enterprise_of[_key(row["h"])] = _key(row["o"])
        enterprises = sorted(set(enterprise_of.values()))
        enterprise_links: dict[str, list[tuple[Any, str, Any]]] = {}
        for chunk in _chunks(enterprises):
            sparql = (
                _PROLOGUE
                + f"""SELECT DISTINCT ?e ?p ?o {{
              VALUES ?e {{ {_values(_term(e) for e in chunk)} }}
              VALUES ?p {{ sk:inSector sk:inRegion }}
              ?e ?p ?o FILTER(!isLiteral(?o)) }}"""
            )
            for row in query(self.store, sparql):
                enterprise_links.setdefault(_key(row["e"]), []).append(
                    (row["e"], row["p"].value, row["o"])
                )
        kept = 0
        for h in hazards:
            own = links.get(_key(h), [])
            via = enterprise_links.get(enterprise_of.get(_key(h), ""), [])
            new = {_key(h)} | {_key(o) for _, _, o in own + via} | {_key(s) for s, _, _ in via}
            if len(self.nodes) + len(new - self.nodes.keys()) > max_nodes:
                break
            self.add_node(h)
            for s, p, o in own + via:
                self.add_link(s, p, o)
            kept += 1
        if scope.as_of:
            self._days_overdue = (scope.as_of, {_key(h) for h in hazards[:kept]})
        if kept < total:
            self.truncated = True
            self.note = (
                f"The scope {scope.text} has {total} hazards; the node cap of {max_nodes} "
                f"keeps the first {kept} (earliest rectification deadline first). Narrow the "
                "scope (e.g. add :overdue:YYYY-MM-DD) or raise the cap (--max-nodes, max_nodes=)."
            )

    # ---- decorating

    def finish(self) -> ScopedGraph:
        graph = nx.MultiDiGraph(scope=self.scope.text)
        if self.note:
            graph.graph["note"] = self.note
        keys = list(self.nodes)
        attrs = _node_attributes(self.store, [self.nodes[k] for k in keys])
        for key in keys:
            graph.add_node(key, **attrs.get(key, {"iri": key}))
        days = getattr(self, "_days_overdue", None)
        if days:
            as_of, hazards = days
            for key in hazards:
                deadline = graph.nodes[key].get("rectificationDeadline")
                if isinstance(deadline, str) and _DATE.match(deadline):
                    late = (as_of - date.fromisoformat(deadline)).days
                    graph.nodes[key]["daysOverdue"] = late
        predicates = fetch_labels(self.store, sorted({p for _, p, _ in self.links}))
        _lead_details(self.store, self.links)
        _mention_details(self.store, self.links)
        for i, ((s, p, o), extra) in enumerate(sorted(self.links.items())):
            labels = predicates.get(p, Labels())
            data = {
                "predicate": curie(p),
                "predicate_iri": p,
                "label": labels.get("zh", p),
                "label_zh": labels.zh or "",
                "label_en": labels.en or labels.get("en", p),
                **extra,
            }
            for value in (extra.get("assignment"), extra.get("source_span")):
                if value:
                    self.extra.add(value)
            graph.add_edge(s, o, key=f"e{i}", **data)
        for _, data in graph.nodes(data=True):
            if data.get("source_span"):
                self.extra.update(str(data["source_span"]).split("; "))
        _harmonise(graph)
        return ScopedGraph(self.scope, graph, self.truncated, self.note, self.extra)


def _lead_attrs(row: Any) -> dict[str, Any]:
    attrs: dict[str, Any] = {"role": "lead", "assignment": row["la"].value}
    attrs["joint"] = row["joint"] is not None and row["joint"].value == "true"
    if row["span"] is not None:
        attrs["source_span"] = row["span"].value
    if row["quote"] is not None:
        attrs["quote"] = row["quote"].value
    return attrs


def _lead_details(store: Store, links: dict[tuple[str, str, str], dict[str, Any]]) -> None:
    """Mark ``sk:leadDepartment`` links with their lead assignment and source sentence."""
    pairs = {(s, o) for s, p, o in links if p == f"{SK}leadDepartment"}
    if not pairs:
        return
    sectors = sorted({s for s, _ in pairs})
    for chunk in _chunks(sectors):
        sparql = (
            _PROLOGUE
            + f"""SELECT DISTINCT ?sector ?dept ?la ?joint ?span ?quote {{
              VALUES ?sector {{ {_values(_term(s) for s in chunk)} }}
              ?la a sk:LeadAssignment ; sk:assignedSector ?sector ; sk:assignedDepartment ?dept .
              OPTIONAL {{ ?la sk:jointLead ?joint }}
              OPTIONAL {{ ?la sk:source ?span OPTIONAL {{ ?span sk:quote ?quote }} }}
            }}"""
        )
        for row in query(store, sparql):
            key = (row["sector"].value, f"{SK}leadDepartment", row["dept"].value)
            if key in links:
                links[key].update(_lead_attrs(row))


def _mention_details(store: Store, links: dict[tuple[str, str, str], dict[str, Any]]) -> None:
    """Give a task's link the sentence its mention was found in."""
    pairs = {(s, o) for s, _, o in links}
    subjects = sorted({s for s, _ in pairs if not s.startswith("_:")})
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for chunk in _chunks(subjects):
        sparql = (
            _PROLOGUE
            + f"""SELECT ?in ?of ?span ?quote {{
              VALUES ?in {{ {_values(NamedNode(s) for s in chunk)} }}
              ?m a sk:Mention ; sk:mentionedIn ?in ; sk:mentionOf ?of ; sk:source ?span .
              ?span sk:quote ?quote }} ORDER BY ?span"""
        )
        for row in query(store, sparql):
            pair = (row["in"].value, _key(row["of"]))
            if pair in pairs:
                found.setdefault(pair, (row["span"].value, row["quote"].value))
    for (s, p, o), attrs in links.items():
        if (s, o) in found and "source_span" not in attrs and p != f"{SK}leadDepartment":
            attrs["source_span"], attrs["quote"] = found[(s, o)]


def _attribute_name(predicate: str) -> str:
    """``number`` for ``sk:number``, ``dcterms_title`` for ``dcterms:title``."""
    if predicate.startswith(str(SK)):
        return predicate[len(str(SK)) :]
    short = curie(predicate)
    return re.sub(r"[^A-Za-z0-9_]", "_", short) if short != predicate else local_name(predicate)


def _scalar(term: Literal) -> str | int | float | bool:
    datatype = term.datatype.value if term.datatype else ""
    if datatype in (f"{_XSD}integer", f"{_XSD}int", f"{_XSD}long", f"{_XSD}nonNegativeInteger"):
        try:
            return int(term.value)
        except ValueError:
            return term.value
    if datatype == f"{_XSD}boolean":
        return term.value in ("true", "1")
    if datatype in (f"{_XSD}decimal", f"{_XSD}double", f"{_XSD}float"):
        try:
            return float(term.value)
        except ValueError:
            return term.value
    return term.value


def _node_attributes(
    store: Store, terms: Sequence[NamedNode | BlankNode]
) -> dict[str, dict[str, Any]]:
    """Type, labels, source sentence and scalar facts of each node, from asserted graphs."""
    named = [t for t in terms if isinstance(t, NamedNode)]
    labels: dict[str, list[tuple[str, str | None]]] = {}
    alts: dict[str, list[str]] = {}
    types: dict[str, set[str]] = {}
    facts: dict[str, dict[str, list[Any]]] = {}
    sources: dict[str, list[tuple[str, str]]] = {}
    for chunk in _chunks(named):
        sparql = (
            _PROLOGUE
            + f"""SELECT DISTINCT ?s ?p ?o {{
          VALUES ?s {{ {_values(chunk)} }}
          GRAPH ?g {{ ?s ?p ?o }} FILTER({_ASSERTED_EXPR} || ?g = <{GRAPH_ONTOLOGY}>)
          FILTER(isLiteral(?o) || ?p = <{_RDF_TYPE}>) FILTER(?p != sk:recordDigest)
        }}"""
        )
        for row in query(store, sparql):
            s, p, o = row["s"].value, row["p"].value, row["o"]
            if p == _RDF_TYPE:
                types.setdefault(s, set()).add(o.value)
            elif p == _LABEL:
                labels.setdefault(s, []).append((o.value, o.language))
            elif p == _ALT_LABEL:
                alts.setdefault(s, []).append(o.value)
            elif isinstance(o, Literal):
                facts.setdefault(s, {}).setdefault(_attribute_name(p), []).append(_scalar(o))
        sparql = (
            _PROLOGUE
            + f"""SELECT DISTINCT ?s ?span ?quote {{
          VALUES ?s {{ {_values(chunk)} }}
          ?s sk:source ?span . OPTIONAL {{ ?span sk:quote ?quote }} }} ORDER BY ?span"""
        )
        for row in query(store, sparql):
            quote = row["quote"].value if row["quote"] is not None else ""
            sources.setdefault(row["s"].value, []).append((row["span"].value, quote))
        sparql = f"""SELECT DISTINCT ?s ?p ?o {{
          VALUES ?s {{ {_values(chunk)} }}
          GRAPH ?g {{ ?s ?p ?o }} {_ASSERTED}
          FILTER(isIRI(?o) && STRSTARTS(STR(?o), "{SK}") && ?p != <{_RDF_TYPE}>)
        }}"""
        for row in query(store, sparql):
            name = _attribute_name(row["p"].value)
            facts.setdefault(row["s"].value, {}).setdefault(name, []).append(
                local_name(row["o"].value)
            )
    specific = _most_specific(store, {t for ts in types.values() for t in ts})
    result: dict[str, dict[str, Any]] = {}
    for term in terms:
        key = _key(term)
        found = Labels.from_literals(sorted(labels.get(key, [])))
        data: dict[str, Any] = {
            "type": curie(specific(types.get(key, set()))),
            "label": found.get("zh", key),
            "label_zh": found.zh or "",
            "label_en": found.en or "",
            "iri": key,
        }
        if key in alts:
            data["alt_labels"] = " | ".join(sorted(set(alts[key])))
        for name, values in sorted(facts.get(key, {}).items()):
            if name in data:
                name = f"sk_{name}"
            values = sorted(set(values), key=str)
            data[name] = values[0] if len(values) == 1 else "; ".join(str(v) for v in values)
        if key in sources:
            spans = sources[key]
            data["source_span"] = "; ".join(span for span, _ in spans)
            data["quote"] = " … ".join(q for _, q in spans if q)
        result[key] = data
    return result


def _most_specific(store: Store, classes: set[str]) -> Callable[[set[str]], str]:
    """A chooser of the most specific class among a resource's asserted types."""
    supers: dict[str, set[str]] = {c: set() for c in classes}
    named = sorted(c for c in classes if not c.startswith("_:"))
    for chunk in _chunks(named):
        sparql = f"""SELECT DISTINCT ?c ?super {{
          VALUES ?c {{ {_values(NamedNode(c) for c in chunk)} }}
          ?c <http://www.w3.org/2000/01/rdf-schema#subClassOf>+ ?super }}"""
        for row in query(store, sparql):
            supers[row["c"].value].add(row["super"].value)

    def choose(types: set[str]) -> str:
        if not types:
            return ""
        narrow = [t for t in types if not any(t in supers.get(u, ()) for u in types if u != t)]
        ours = sorted(t for t in narrow if t.startswith(str(SK)))
        return (ours or sorted(narrow) or sorted(types))[0]

    return choose


def _harmonise(graph: nx.MultiDiGraph) -> None:
    """Give each attribute one type across the graph (GraphML and GEXF declare one per key)."""
    for items in (
        [d for _, d in graph.nodes(data=True)],
        [d for _, _, d in graph.edges(data=True)],
    ):
        kinds: dict[str, set[type]] = {}
        for data in items:
            for name, value in data.items():
                kinds.setdefault(name, set()).add(type(value))
        mixed = {name for name, seen in kinds.items() if len(seen) > 1}
        for data in items:
            for name in mixed & data.keys():
                value = data[name]
                data[name] = str(value).lower() if isinstance(value, bool) else str(value)


# --------------------------------------------------------------------------- RDF


_JSONLD_CONTEXT: dict[str, Any] = {**PREFIXES, "@language": "zh"}
"""The local JSON-LD context: our prefixes (no remote context is ever referenced)."""


def _rdf_quads(store: Store, result: ScopedGraph) -> list[Quad]:
    """The asserted quads behind a scoped graph (see the module docstring)."""
    if result.scope.kind == "plan":
        graph = NamedNode(str(plan_graph(_plan_id(store, result.scope.key))))
        return list(store.quads_for_pattern(None, None, None, graph))
    subjects = set(result.graph.nodes) | result.extra_subjects
    named = sorted(s for s in subjects if not s.startswith("_:"))
    quads: list[Quad] = []
    for chunk in _chunks(named):
        sparql = f"""SELECT DISTINCT ?g ?s ?p ?o {{
          VALUES ?s {{ {_values(NamedNode(s) for s in chunk)} }}
          GRAPH ?g {{ ?s ?p ?o }} {_ASSERTED} }}"""
        for row in query(store, sparql):
            o = row["o"]
            keep = (
                isinstance(o, Literal)
                or row["p"].value == _RDF_TYPE
                or _key(o) in subjects
                or (isinstance(o, NamedNode) and o.value.startswith(str(SK)))
            )
            if keep:
                quads.append(Quad(row["s"], row["p"], o, row["g"]))
    return sorted(quads, key=str)


def _rdf_bytes(store: Store, result: ScopedGraph, fmt: RdfFormat | None) -> bytes:
    quads = _rdf_quads(store, result)
    if fmt == RdfFormat.TRIG:
        return serialize(quads, format=fmt, prefixes=PREFIXES)
    triples = sorted({Triple(q.subject, q.predicate, q.object) for q in quads}, key=str)
    if fmt is None:  # JSON-LD, compacted with our local context by rdflib
        data = serialize(triples, format=RdfFormat.N_TRIPLES)
        graph = rdflib.Graph()
        graph.parse(data=data, format="nt")
        text = graph.serialize(format="json-ld", context=_JSONLD_CONTEXT, indent=2)
        return text.encode("utf-8")
    return serialize(triples, format=fmt, prefixes=PREFIXES)


# --------------------------------------------------------------------------- writers


def _graphml(graph: nx.MultiDiGraph) -> bytes:
    out = io.BytesIO()
    nx.write_graphml(graph, out, encoding="utf-8", prettyprint=True)
    return out.getvalue()


def _gexf(graph: nx.MultiDiGraph) -> bytes:
    out = io.BytesIO()
    nx.write_gexf(graph, out, encoding="utf-8", prettyprint=True, version="1.3")
    return out.getvalue()


def _json(data: Any) -> bytes:
    import json

    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def _cytoscape(graph: nx.MultiDiGraph) -> bytes:
    data = json_graph.cytoscape_data(graph)
    for edge in data["elements"]["edges"]:
        edge["data"]["id"] = edge["data"]["key"]
    return _json(data)


def _node_link(graph: nx.MultiDiGraph) -> bytes:
    return _json(json_graph.node_link_data(graph, edges="links"))


def _dot(graph: nx.MultiDiGraph) -> bytes:
    """DOT through pydot. Node names are IRIs, quoted so that ``:`` is no port."""
    import pydot

    def quoted(name: str) -> str:
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def attrs(data: dict[str, Any]) -> dict[str, str]:
        return {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in data.items()}

    dot = pydot.Dot(graph_name="safetykg", graph_type="digraph", strict=False)
    dot.set("label", graph.graph.get("scope", ""))
    for node, data in graph.nodes(data=True):
        dot.add_node(pydot.Node(quoted(node), **attrs(data)))
    for s, o, key, data in graph.edges(keys=True, data=True):
        dot.add_edge(pydot.Edge(quoted(s), quoted(o), key=key, **attrs(data)))
    return dot.to_string().encode("utf-8")


def _table(rows: list[dict[str, Any]], first: Sequence[str]) -> str:
    names = list(first) + sorted({k for row in rows for k in row} - set(first))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (str(v).lower() if isinstance(v, bool) else v) for k, v in row.items()})
    return out.getvalue()


def _csv(graph: nx.MultiDiGraph) -> bytes:
    """A zip of ``nodes.csv`` and ``edges.csv`` (UTF-8, Gephi's column names)."""
    nodes = [{"id": n, **d} for n, d in graph.nodes(data=True)]
    edges = [
        {**d, "source": s, "target": o, "id": k} for s, o, k, d in graph.edges(keys=True, data=True)
    ]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        node_cols = ("id", "label", "type", "label_zh", "label_en", "iri")
        archive.writestr("nodes.csv", _table(nodes, node_cols))
        archive.writestr(
            "edges.csv", _table(edges, ("source", "target", "id", "label", "predicate"))
        )
    return out.getvalue()


@dataclass(frozen=True)
class ExportFormat:
    """One row of the format table."""

    name: str
    media_type: str
    extension: str
    description: str
    network: Callable[[nx.MultiDiGraph], bytes] | None = None
    """Writer of the networkx graph; ``None`` for the RDF formats."""
    rdf: RdfFormat | None = None
    """The pyoxigraph format of an RDF export (``None`` with no ``network`` means JSON-LD)."""


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat(
            "graphml",
            "application/graphml+xml",
            "graphml",
            "GraphML (yEd, Cytoscape desktop, Gephi)",
            network=_graphml,
        ),
        ExportFormat("gexf", "application/gexf+xml", "gexf", "GEXF 1.3 (Gephi)", network=_gexf),
        ExportFormat(
            "cytoscape",
            "application/json",
            "cyjs.json",
            "Cytoscape.js elements JSON",
            network=_cytoscape,
        ),
        ExportFormat(
            "node-link",
            "application/json",
            "json",
            "D3 node-link JSON (nodes, links)",
            network=_node_link,
        ),
        ExportFormat(
            "dot", "text/vnd.graphviz; charset=utf-8", "dot", "Graphviz DOT", network=_dot
        ),
        ExportFormat(
            "csv", "application/zip", "csv.zip", "nodes.csv + edges.csv in a zip", network=_csv
        ),
        ExportFormat(
            "turtle", "text/turtle; charset=utf-8", "ttl", "RDF Turtle", rdf=RdfFormat.TURTLE
        ),
        ExportFormat("nt", "application/n-triples", "nt", "RDF N-Triples", rdf=RdfFormat.N_TRIPLES),
        ExportFormat("jsonld", "application/ld+json", "jsonld", "JSON-LD with a local context"),
        ExportFormat(
            "trig", "application/trig", "trig", "RDF TriG with the named graphs", rdf=RdfFormat.TRIG
        ),
    )
}
"""The export formats by the name the CLI and the API use."""


def _format(name: str) -> ExportFormat:
    try:
        return FORMATS[name]
    except KeyError:
        raise BadParameter(
            f"Unknown export format {name!r}; use one of {', '.join(FORMATS)}."
        ) from None


def write(store: Store, result: ScopedGraph, format_name: str) -> bytes:
    """``result`` written in the named format (see :data:`FORMATS`)."""
    fmt = _format(format_name)
    if fmt.network is not None:
        return fmt.network(result.graph)
    return _rdf_bytes(store, result, fmt.rdf)


def export(
    store: Store,
    format_name: str,
    scope: Scope | str = "plan",
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
    today: date | None = None,
) -> tuple[bytes, ScopedGraph]:
    """Export ``scope`` as ``format_name``: the bytes, and the graph they were made from.

    This is what ``safetykg export`` and ``GET /api/export/{format}`` call.
    The format is checked before any query runs. Raises :class:`BadParameter`
    for an unknown format or scope and :class:`NotFound` for an unknown id.
    """
    _format(format_name)
    result = scope_graph(store, scope, max_nodes=max_nodes, today=today)
    return write(store, result, format_name), result
