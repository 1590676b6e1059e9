"""The audit trail: one PROV-O activity per write, appended to ``graph/audit``.

Every authenticated write the service handles — accepted, refused by the
lifecycle or validation, or denied by scope — leaves one record in the named
graph ``https://w3id.org/safetykg/graph/audit``::

    id:audit/20250301T020304123456-1a2b3c4d5e6f
        a sk:AuditRecord , prov:Activity ;
        rdfs:label "审计记录 POST /api/hazards/H-2025-0137/transitions"@zh ,
                   "Audit record POST /api/hazards/H-2025-0137/transitions"@en ;
        prov:startedAtTime "2025-03-01T02:03:04.123456+00:00"^^xsd:dateTime ;
        prov:endedAtTime   "2025-03-01T02:03:04.180000+00:00"^^xsd:dateTime ;
        prov:wasAssociatedWith id:agent/gas-office ;        # who: the token's name
        prov:used id:hazard/H-2025-0137 ;                   # which hazards it acted on
        sk:action "transition" ; sk:outcome "succeeded" ; sk:httpStatus 201 ;
        sk:httpMethod "POST" ; sk:requestPath "/api/hazards/H-2025-0137/transitions" ;
        sk:requestId "9f1c…" ; sk:clientAddress "10.1.2.3" ;
        sk:requestDigest "sha256:…" ; sk:requestBytes 57 ;
        dcterms:description "{\\"to\\": \\"closed\\", …}" .       # what was asked for
    id:agent/gas-office a prov:Agent ; rdfs:label "gas-office" ;
        sk:tokenKind "department" ; prov:actedOnBehalfOf id:department/bozhou/urban-management .

**Append-only.** This module only ever adds (``Store.extend``, one transaction
per record, with a fresh IRI); nothing in safetykg deletes from the graph, and
the public SPARQL endpoint refuses updates. Records are written after the
write they describe and before its response is sent, so an acknowledged write
has its record; a crash in between can lose the record of a write whose
client never got an answer.

**Queryable.** :func:`history` lists records (newest first, filtered by hazard
or agent), and the graph is open to SPARQL like any other. It holds token
*names*, never secrets.

>>> from pyoxigraph import Store
>>> from safetykg.access import Kind, Principal
>>> s = Store()
>>> iri = record(s, AuditEvent(principal=Principal("ops", Kind.ADMIN), action="create",
...     method="POST", path="/api/hazards", status=201, request_id="r1",
...     targets=("https://w3id.org/safetykg/id/hazard/H-1",)))
>>> [(h["agent"], h["outcome"], h["targets"]) for h in history(s)]
[('ops', 'succeeded', ['https://w3id.org/safetykg/id/hazard/H-1'])]
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad, Store

from safetykg.access import Principal
from safetykg.namespaces import DCTERMS, ID, PREFIXES, PROV, RDF, RDFS, SK
from safetykg.store import GRAPH_AUDIT, query

__all__ = ["GRAPH_AUDIT", "AuditEvent", "history", "quads", "record"]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_MAX_TEXT = 4096
"""Longest request text kept verbatim in ``dcterms:description``."""


def _nn(iri: object) -> NamedNode:
    return NamedNode(str(iri))


def _outcome(status: int) -> str:
    if status < 400:
        return "succeeded"
    if status in (401, 403):
        return "denied"
    if status < 500:
        return "refused"
    return "failed"


@dataclass(frozen=True)
class AuditEvent:
    """What one write was: who, when, what, from which request, and how it ended."""

    principal: Principal
    action: str
    method: str
    path: str
    status: int
    request_id: str
    client: str | None = None
    targets: tuple[str, ...] = ()
    """IRIs of the hazards (or other resources) the write acted on."""
    summary: str | None = None
    """What was asked for (the JSON body of a small request, or a route's note)."""
    body_sha256: str | None = None
    body_bytes: int | None = None
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    ended: datetime | None = None

    @property
    def outcome(self) -> str:
        """``succeeded`` (2xx/3xx), ``denied`` (401/403), ``refused`` (other 4xx), ``failed``."""
        return _outcome(self.status)


def _iri(event: AuditEvent) -> NamedNode:
    stamp = event.started.astimezone(UTC).strftime("%Y%m%dT%H%M%S%f")
    return NamedNode(f"{ID}audit/{stamp}-{secrets.token_hex(6)}")


def _dt(moment: datetime) -> Literal:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return Literal(moment.isoformat(), datatype=NamedNode(_XSD + "dateTime"))


def quads(event: AuditEvent, iri: NamedNode | None = None) -> list[Quad]:
    """The quads of one record (in ``graph/audit``), for a writer that wants to add
    them in its own transaction."""
    g = _nn(GRAPH_AUDIT)
    node = iri or _iri(event)
    agent = NamedNode(event.principal.agent)
    where = f"{event.method} {event.path}"
    ended = event.ended or datetime.now(UTC)
    out = [
        (node, RDF.type, _nn(SK.AuditRecord)),
        (node, RDF.type, _nn(PROV.Activity)),
        (node, RDFS.label, Literal(f"审计记录 {where}", language="zh")),
        (node, RDFS.label, Literal(f"Audit record {where}", language="en")),
        (node, PROV.startedAtTime, _dt(event.started)),
        (node, PROV.endedAtTime, _dt(ended)),
        (node, PROV.wasAssociatedWith, agent),
        (node, SK.action, Literal(event.action)),
        (node, SK.outcome, Literal(event.outcome)),
        (node, SK.httpStatus, Literal(str(event.status), datatype=NamedNode(_XSD + "integer"))),
        (node, SK.httpMethod, Literal(event.method)),
        (node, SK.requestPath, Literal(event.path)),
        (node, SK.requestId, Literal(event.request_id)),
        (agent, RDF.type, _nn(PROV.Agent)),
        (agent, RDFS.label, Literal(event.principal.name)),
        (agent, SK.tokenKind, Literal(str(event.principal.kind))),
    ]
    if event.principal.scope:
        out.append((agent, PROV.actedOnBehalfOf, NamedNode(event.principal.scope)))
    if event.client:
        out.append((node, SK.clientAddress, Literal(event.client)))
    if event.body_sha256:
        out.append((node, SK.requestDigest, Literal("sha256:" + event.body_sha256)))
    if event.body_bytes is not None:
        size = Literal(str(event.body_bytes), datatype=NamedNode(_XSD + "integer"))
        out.append((node, SK.requestBytes, size))
    if event.summary:
        text = event.summary
        if len(text) > _MAX_TEXT:
            text = text[:_MAX_TEXT] + "…"
        out.append((node, DCTERMS.description, Literal(text)))
    for target in event.targets:
        try:
            out.append((node, PROV.used, NamedNode(target)))
        except ValueError:  # not an IRI: kept out rather than losing the whole record
            continue
    return [Quad(s, p if isinstance(p, NamedNode) else _nn(p), o, g) for s, p, o in out]


def record(store: Store, event: AuditEvent) -> str:
    """Append one record (one transaction) and return its IRI."""
    node = _iri(event)
    store.extend(quads(event, node))
    return node.value


_HISTORY = """
SELECT ?r ?started ?name ?kind ?action ?outcome ?status ?method ?path ?request ?client ?summary
       ?used
WHERE {
  {
    SELECT ?r ?started WHERE {
      GRAPH <%(graph)s> {
        ?r a sk:AuditRecord ; prov:startedAtTime ?started ; prov:wasAssociatedWith ?agent .
        %(filters)s
      }
    } ORDER BY DESC(?started) DESC(?r) LIMIT %(limit)d
  }
  GRAPH <%(graph)s> {
    ?r prov:wasAssociatedWith ?agent ; sk:action ?action ; sk:outcome ?outcome ;
       sk:httpStatus ?status ; sk:httpMethod ?method ; sk:requestPath ?path ;
       sk:requestId ?request .
    ?agent rdfs:label ?name ; sk:tokenKind ?kind .
    OPTIONAL { ?r sk:clientAddress ?client }
    OPTIONAL { ?r dcterms:description ?summary }
    OPTIONAL { ?r prov:used ?used }
  }
}
ORDER BY DESC(?started) DESC(?r)"""


def history(
    store: Store,
    *,
    hazard: str | None = None,
    agent: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Audit records, newest first: all, or those about ``hazard`` (an IRI) or made by
    the token named ``agent``. Each is a dict of plain values.

    The filters are bound as ``VALUES`` blocks of terms that pyoxigraph has
    checked and serialised; raises :class:`ValueError` for a malformed IRI.
    """
    filters = []
    if hazard is not None:
        filters.append(f"VALUES ?hazard {{ {NamedNode(hazard)} }} ?r prov:used ?hazard .")
    if agent is not None:
        filters.append(f"VALUES ?agentName {{ {Literal(agent)} }} ?agent rdfs:label ?agentName .")
    text = _HISTORY % {
        "graph": GRAPH_AUDIT,
        "filters": "\n        ".join(filters),
        "limit": max(1, min(int(limit), 10_000)),
    }
    records: dict[str, dict[str, Any]] = {}
    for row in query(store, text, prefixes=PREFIXES):  # type: ignore[union-attr]

        def value(name: str, row: Any = row) -> Any:
            term = row[name]
            return None if term is None else term.value

        item = records.setdefault(
            value("r"),
            {
                "iri": value("r"),
                "started": value("started"),
                "agent": value("name"),
                "kind": value("kind"),
                "action": value("action"),
                "outcome": value("outcome"),
                "status": int(value("status")),
                "method": value("method"),
                "path": value("path"),
                "request_id": value("request"),
                "client": value("client"),
                "summary": value("summary"),
                "targets": [],
            },
        )
        used = value("used")
        if used and used not in item["targets"]:
            item["targets"].append(used)
    for item in records.values():
        item["targets"].sort()
    return list(records.values())
