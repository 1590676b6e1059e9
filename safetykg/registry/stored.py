"""Reading registry records back out of the store, as the records that wrote them.

An update (a re-import, a status change) needs the record as it stands: to
know which triples to remove, which index entries to take back and which
lifecycle rules apply. The store holds exactly what
:meth:`~safetykg.registry.records.HazardRecord.lines` wrote, so reading the
triples of ``graph/hazards`` back gives the same record (a round trip the
tests check), and its ``lines()`` are the triples to delete.

Lookups are batched: ids and codes go into ``VALUES`` blocks of checked
terms, a few hundred at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence

from pyoxigraph import Literal, NamedNode, Store

from safetykg.namespaces import GRAPH_HAZARDS, ID, PREFIXES, SK
from safetykg.registry.records import (
    EnterpriseRecord,
    EscalationRecord,
    HazardRecord,
    StatusChangeRecord,
    enterprise_iri,
    hazard_iri,
)
from safetykg.registry.vocabulary import Channel, Measure, Status
from safetykg.store import query

__all__ = [
    "chunks",
    "digests",
    "enterprises_by_name",
    "histories",
    "history",
    "last_changes",
    "load_enterprises",
    "load_hazards",
]

_ID = str(ID)
_SK = str(SK)
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
CHUNK = 400


def chunks(items: Sequence[str], size: int = CHUNK) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _values(iris: Iterable[str]) -> str:
    return " ".join(str(NamedNode(i)) for i in iris)


def digests(store: Store, iris: Sequence[str] | None = None) -> dict[str, str]:
    """``sk:recordDigest`` of the given hazards/enterprises (of all of them when ``None``)."""
    out: dict[str, str] = {}
    if iris is None:
        rows = query(
            store,
            "SELECT ?s ?d WHERE { ?s sk:recordDigest ?d }",
            prefixes=PREFIXES,
        )
        return {r["s"].value: r["d"].value for r in rows}
    for part in chunks(list(iris)):
        rows = query(
            store,
            f"SELECT ?s ?d WHERE {{ VALUES ?s {{ {_values(part)} }} ?s sk:recordDigest ?d }}",
            prefixes=PREFIXES,
        )
        out.update({r["s"].value: r["d"].value for r in rows})
    return out


def _grouped(store: Store, subjects: Sequence[str]) -> dict[str, list[tuple[str, object]]]:
    """Predicate/object pairs of each subject in ``graph/hazards``."""
    out: dict[str, list[tuple[str, object]]] = {}
    for part in chunks(list(subjects)):
        rows = query(
            store,
            f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {_values(part)} }} "
            f"GRAPH <{GRAPH_HAZARDS}> {{ ?s ?p ?o }} }}",
        )
        for r in rows:
            out.setdefault(r["s"].value, []).append((r["p"].value, r["o"]))
    return out


def _date(term: object) -> dt.date:
    assert isinstance(term, Literal)
    return dt.date.fromisoformat(term.value)


def load_enterprises(store: Store, codes: Sequence[str]) -> dict[str, EnterpriseRecord]:
    """The enterprises with these credit codes that the registry holds, by code."""
    found = _grouped(store, [enterprise_iri(c) for c in codes])
    out: dict[str, EnterpriseRecord] = {}
    for iri, pairs in found.items():
        code = iri.rsplit("/", 1)[-1]
        name = name_en = principal = controller = None
        region = ""
        sectors: list[str] = []
        high_risk = synthetic = False
        for p, o in pairs:
            v = getattr(o, "value", "")
            if p == _LABEL and isinstance(o, Literal):
                if o.language == "zh":
                    name = v
                elif o.language == "en":
                    name_en = v
            elif p == _SK + "inSector":
                sectors.append(v)
            elif p == _SK + "inRegion":
                region = v
            elif p == _SK + "principal":
                principal = v
            elif p == _SK + "actualController":
                controller = v
            elif p == _SK + "synthetic":
                synthetic = v == "true"
            elif p == _RDF_TYPE and v == _SK + "HighRiskEnterprise":
                high_risk = True
        default_en = f"Enterprise {code}"
        out[code] = EnterpriseRecord(
            code=code,
            name=name or code,
            sectors=tuple(sectors),
            region=region,
            principal=principal,
            actual_controller=controller,
            high_risk=high_risk,
            synthetic=synthetic,
            name_en=None if name_en == default_en else name_en,
        )
    return out


def enterprises_by_name(store: Store, names: Sequence[str]) -> dict[str, list[str]]:
    """Credit codes of the enterprises whose ``@zh`` label is each of ``names``."""
    out: dict[str, list[str]] = {}
    for part in chunks(list(names)):
        values = " ".join(str(Literal(n, language="zh")) for n in part)
        rows = query(
            store,
            f"SELECT ?e ?name WHERE {{ VALUES ?name {{ {values} }} "
            f"GRAPH <{GRAPH_HAZARDS}> {{ ?e rdfs:label ?name ; a sk:Enterprise }} }}",
            prefixes=PREFIXES,
        )
        for r in rows:
            out.setdefault(r["name"].value, []).append(r["e"].value.rsplit("/", 1)[-1])
    return out


def load_hazards(store: Store, ids: Sequence[str]) -> dict[str, HazardRecord]:
    """The hazards with these ids that the registry holds, by id (history not included)."""
    found = _grouped(store, [hazard_iri(i) for i in ids])
    escalation_nodes = [
        o.value
        for pairs in found.values()
        for p, o in pairs
        if p == _SK + "hasEscalation" and isinstance(o, NamedNode)
    ]
    events = _grouped(store, escalation_nodes) if escalation_nodes else {}
    out: dict[str, HazardRecord] = {}
    for iri, pairs in found.items():
        hid = iri.rsplit("/", 1)[-1]
        f: dict[str, object] = {}
        responsible: list[str] = []
        escalations: list[tuple[int, EscalationRecord]] = []
        major = synthetic = False
        for p, o in pairs:
            v = getattr(o, "value", "")
            local = p.removeprefix(_SK)
            if p == _RDF_TYPE:
                major = major or v == _SK + "MajorHazard"
            elif local == "responsibleDepartment":
                responsible.append(v)
            elif local == "hasEscalation":
                ev = dict((ep, eo) for ep, eo in events.get(v, []))
                measure = ev.get(_SK + "measure")
                on = ev.get(_SK + "eventDate")
                if measure is None or on is None:
                    continue
                by = ev.get(_SK + "byOrganization")
                escalations.append(
                    (
                        int(v.rsplit("/", 1)[-1]),
                        EscalationRecord(
                            Measure.from_iri(measure.value),  # type: ignore[attr-defined]
                            _date(on),
                            by.value if isinstance(by, NamedNode) else None,
                        ),
                    )
                )
            elif local == "synthetic":
                synthetic = v == "true"
            elif p.startswith(_SK):
                f[local] = o
        try:
            record = HazardRecord(
                id=hid,
                description=f["description"].value,  # type: ignore[attr-defined]
                enterprise=f["atEnterprise"].value.rsplit("/", 1)[-1],  # type: ignore[attr-defined]
                sector=f["inSector"].value,  # type: ignore[attr-defined]
                region=f["inRegion"].value,  # type: ignore[attr-defined]
                major=major,
                discovered_on=_date(f["discoveredOn"]),
                channel=Channel.from_iri(f["discoveredVia"].value),  # type: ignore[attr-defined]
                deadline=_date(f["rectificationDeadline"]),
                status=Status.from_iri(f["status"].value),  # type: ignore[attr-defined]
                closed_on=_date(f["closedOn"]) if "closedOn" in f else None,
                reviewed_by=f["reviewedBy"].value if "reviewedBy" in f else None,  # type: ignore[attr-defined]
                listed_by=f["listedBy"].value if "listedBy" in f else None,  # type: ignore[attr-defined]
                listed_on=_date(f["listedOn"]) if "listedOn" in f else None,
                escalations=tuple(e for _, e in sorted(escalations, key=lambda x: x[0])),
                synthetic=synthetic,
                responsible=tuple(sorted(responsible)),
            )
        except (KeyError, ValueError, AssertionError):
            continue  # not a registry record (e.g. a hand-made fixture); left alone
        out[hid] = record
    return out


def histories(store: Store, ids: Sequence[str]) -> dict[str, list[StatusChangeRecord]]:
    """The status changes of each of these hazards, oldest first."""
    out: dict[str, list[StatusChangeRecord]] = {}
    for part in chunks([hazard_iri(i) for i in ids]):
        rows = query(
            store,
            f"""SELECT ?h ?c ?to ?from ?at ?actor ?reason ?until WHERE {{
                 VALUES ?h {{ {_values(part)} }}
                 GRAPH <{GRAPH_HAZARDS}> {{ ?h sk:hasStatusChange ?c .
                   ?c sk:toStatus ?to ; sk:changedAt ?at .
                   OPTIONAL {{ ?c sk:fromStatus ?from }}
                   OPTIONAL {{ ?c prov:wasAssociatedWith ?actor }}
                   OPTIONAL {{ ?c sk:reason ?reason }}
                   OPTIONAL {{ ?c sk:supersededAt ?until }} }} }}""",
            prefixes=PREFIXES,
        )
        for r in rows:
            hid = r["h"].value.rsplit("/", 1)[-1]
            out.setdefault(hid, []).append(
                StatusChangeRecord(
                    hazard_id=hid,
                    seq=int(r["c"].value.rsplit("/", 1)[-1]),
                    to_status=Status.from_iri(r["to"].value),  # type: ignore[arg-type]
                    at=dt.datetime.fromisoformat(r["at"].value),
                    from_status=Status.from_iri(r["from"].value) if r["from"] else None,  # type: ignore[arg-type]
                    actor=r["actor"].value if r["actor"] else None,
                    reason=r["reason"].value if r["reason"] else None,
                    superseded_at=(
                        dt.datetime.fromisoformat(r["until"].value) if r["until"] else None
                    ),
                )
            )
    return {h: sorted(cs, key=lambda c: c.seq) for h, cs in out.items()}


def history(store: Store, hazard_id: str) -> list[StatusChangeRecord]:
    """The status changes of one hazard, oldest first."""
    return histories(store, [hazard_id]).get(hazard_id, [])


def last_changes(store: Store, ids: Sequence[str]) -> dict[str, StatusChangeRecord]:
    """The latest status change of each of these hazards (the one with the highest number)."""
    out: dict[str, StatusChangeRecord] = {}
    for part in chunks([hazard_iri(i) for i in ids]):
        rows = query(
            store,
            f"""SELECT ?h ?c ?to ?at WHERE {{ VALUES ?h {{ {_values(part)} }}
                 GRAPH <{GRAPH_HAZARDS}> {{ ?h sk:hasStatusChange ?c .
                   ?c sk:toStatus ?to ; sk:changedAt ?at }} }}""",
            prefixes=PREFIXES,
        )
        for r in rows:
            hid = r["h"].value.rsplit("/", 1)[-1]
            seq = int(r["c"].value.rsplit("/", 1)[-1])
            if hid not in out or out[hid].seq < seq:
                out[hid] = StatusChangeRecord(
                    hazard_id=hid,
                    seq=seq,
                    to_status=Status.from_iri(r["to"].value),  # type: ignore[arg-type]
                    at=dt.datetime.fromisoformat(r["at"].value),
                )
    return out
