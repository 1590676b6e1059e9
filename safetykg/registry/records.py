"""The typed records of the registry and the triples each one becomes.

A record is what one CSV row, one JSON object or one Turtle subject says
after validation: every reference resolved to an IRI, every date a
:class:`datetime.date`, every code checked. :class:`EnterpriseRecord`,
:class:`HazardRecord`, :class:`EscalationRecord` and :class:`StatusChangeRecord`
are frozen; the import, the lifecycle and the answers all work on them.

Each record knows its own triples (:meth:`HazardRecord.lines` …) as N-Quads
lines for ``graph/hazards``. They are written as text because an import of a
million hazards is bound by how fast triples can be produced: building a
pyoxigraph ``Quad`` costs about 6 µs, formatting a line about 0.7 µs, and the
bulk loader parses the lines in Rust (see ``bench/README``). The lines are
made only from terms that cannot need escaping (our IRIs, minted from checked
ids; ISO dates; booleans) or from literals serialised by pyoxigraph itself
(:func:`text`), so the output is always valid N-Quads.

Labels (DESIGN.md: every resource in ``@zh`` and ``@en``) are generated:
``隐患 H-2025-0137``/``Hazard H-2025-0137``, ``重大事故隐患 …``/``Major hazard …``,
the enterprise's name/``Enterprise <credit code>``, and numbered labels for
status changes and escalation events.

>>> r = HazardRecord(id="H-2025-0137", description="燃气管道锈蚀", enterprise="913416023001234592",
...     sector=ID_ + "sector/urban-gas", region=ID_ + "region/qiaocheng", major=True,
...     discovered_on=dt.date(2025, 3, 1), channel=Channel.INSPECTION,
...     deadline=dt.date(2025, 4, 30), status=Status.RECTIFYING)
>>> r.iri
'https://w3id.org/safetykg/id/hazard/H-2025-0137'
>>> r.labels()
('重大事故隐患 H-2025-0137', 'Major hazard H-2025-0137')
>>> [c.to_status.value for c in derive_history(r)]
['reported', 'rectifying']
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field, replace

from pyoxigraph import Literal as OxLiteral

from safetykg.namespaces import GRAPH_HAZARDS, ID, PROV, RDF, RDFS, SK
from safetykg.registry.vocabulary import Channel, Measure, Status

__all__ = [
    "HAZARD_ID",
    "TZ",
    "EnterpriseRecord",
    "EscalationRecord",
    "HazardRecord",
    "StatusChangeRecord",
    "at_midnight",
    "derive_history",
    "enterprise_iri",
    "hazard_iri",
    "hazard_labels",
    "text",
]

ID_ = str(ID)
TZ = dt.timezone(dt.timedelta(hours=8), "CST")
"""China Standard Time: a date in the registry is a day in Bozhou."""

HAZARD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
"""What a hazard id may look like (``H-2025-0137``): it becomes part of an IRI."""

_G = f"<{GRAPH_HAZARDS}>"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_A = f"<{RDF.type}>"
_LABEL = f"<{RDFS.label}>"
_P = {
    name: f"<{SK}{name}>"
    for name in (
        "atEnterprise description inSector inRegion responsibleDepartment discoveredOn "
        "discoveredVia rectificationDeadline status closedOn reviewedBy listedBy listedOn "
        "hasEscalation hasStatusChange synthetic creditCode principal actualController measure "
        "eventDate byOrganization fromStatus toStatus changedAt reason supersededAt"
    ).split()
}
_ASSOC = f"<{PROV.wasAssociatedWith}>"
_C = {
    name: f"<{SK}{name}>"
    for name in (
        "Hazard MajorHazard Enterprise HighRiskEnterprise EscalationEvent StatusChange"
    ).split()
}
_TRUE = f'"true"^^<{_XSD}boolean>'
_FALSE = f'"false"^^<{_XSD}boolean>'


def text(value: str, language: str | None = None) -> str:
    """A string literal in N-Triples syntax, escaped by pyoxigraph.

    >>> text('说"明"', "zh")
    '"说\\\\"明\\\\""@zh'
    """
    return str(OxLiteral(value, language=language)) if language else str(OxLiteral(value))


def _plain(value: str, language: str) -> str:
    """A language-tagged literal for text we composed from checked parts (ids, fixed words,
    dates): it cannot hold a quote, a backslash or a line break, so it needs no escaping."""
    return f'"{value}"@{language}'


_STATUS = {s: f"<{s.iri}>" for s in Status}
_CHANNEL = {c: f"<{c.iri}>" for c in Channel}
_MEASURE = {m: f"<{m.iri}>" for m in Measure}
_ORDER = {s: i for i, s in enumerate(Status)}
_ZH = {m: m.zh for m in (*Status, *Measure)}
_EN = {m: m.en for m in (*Status, *Measure)}


def _date(day: dt.date) -> str:
    return f'"{day.isoformat()}"^^<{_XSD}date>'


def _datetime(moment: dt.datetime) -> str:
    return f'"{moment.isoformat()}"^^<{_XSD}dateTime>'


def _bool(flag: bool) -> str:
    return _TRUE if flag else _FALSE


def at_midnight(day: dt.date) -> dt.datetime:
    """The start of ``day`` in Bozhou: the time a change known only by its date is recorded at."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=TZ)


def hazard_labels(hazard_id: str, major: bool) -> tuple[str, str]:
    """The ``@zh`` and ``@en`` labels of a hazard: ``重大事故隐患 H-…``/``Major hazard H-…``.

    >>> hazard_labels("H-2025-0137", False)
    ('隐患 H-2025-0137', 'Hazard H-2025-0137')
    """
    if major:
        return f"重大事故隐患 {hazard_id}", f"Major hazard {hazard_id}"
    return f"隐患 {hazard_id}", f"Hazard {hazard_id}"


def hazard_iri(hazard_id: str) -> str:
    return f"{ID_}hazard/{hazard_id}"


def enterprise_iri(code: str) -> str:
    return f"{ID_}enterprise/{code}"


@dataclass(frozen=True, slots=True)
class EnterpriseRecord:
    """生产经营单位: keyed by its credit code."""

    code: str
    name: str
    sectors: tuple[str, ...]
    """Sector IRIs, the main one first."""
    region: str
    principal: str | None = None
    actual_controller: str | None = None
    high_risk: bool = False
    """Derived: one of its sectors is a ``sk:HighRiskSector``."""
    synthetic: bool = False
    name_en: str | None = None

    @property
    def iri(self) -> str:
        return enterprise_iri(self.code)

    def labels(self) -> tuple[str, str]:
        return self.name, self.name_en or f"Enterprise {self.code}"

    def lines(self) -> list[str]:
        """The enterprise's triples in ``graph/hazards`` as N-Quads lines."""
        s = f"<{self.iri}>"
        zh, en = self.labels()
        out = [
            f"{s} {_A} {_C['Enterprise']} {_G} .\n",
            f"{s} {_LABEL} {text(zh, 'zh')} {_G} .\n",
            f"{s} {_LABEL} {text(en, 'en')} {_G} .\n",
            f'{s} {_P["creditCode"]} "{self.code}" {_G} .\n',
            f"{s} {_P['inRegion']} <{self.region}> {_G} .\n",
        ]
        out += [f"{s} {_P['inSector']} <{sector}> {_G} .\n" for sector in self.sectors]
        if self.high_risk:
            out.append(f"{s} {_A} {_C['HighRiskEnterprise']} {_G} .\n")
        if self.principal:
            out.append(f"{s} {_P['principal']} {text(self.principal)} {_G} .\n")
        if self.actual_controller:
            out.append(f"{s} {_P['actualController']} {text(self.actual_controller)} {_G} .\n")
        if self.synthetic:
            out.append(f"{s} {_P['synthetic']} {_TRUE} {_G} .\n")
        return out

    def digest(self) -> str:
        return _digest(self.lines())


@dataclass(frozen=True, slots=True)
class EscalationRecord:
    """One escalation measure actually taken (函告, 通报 … or 挂牌督办) on a date, by an
    organisation."""

    measure: Measure
    on: dt.date
    by: str | None = None
    """The IRI of the department or government that took it."""


@dataclass(frozen=True, slots=True)
class StatusChangeRecord:
    """One step of a hazard's lifecycle (a ``sk:StatusChange``, a ``prov:Activity``)."""

    hazard_id: str
    seq: int
    """1 for the first recording; numbers are never reused."""
    to_status: Status
    at: dt.datetime
    from_status: Status | None = None
    actor: str | None = None
    """IRI of the organisation that made the change (``prov:wasAssociatedWith``)."""
    reason: str | None = None
    superseded_at: dt.datetime | None = None
    """When the next change replaced this one's status (absent for the latest change)."""

    @property
    def iri(self) -> str:
        return f"{ID_}status-change/{self.hazard_id}/{self.seq}"

    def labels(self) -> tuple[str, str]:
        to = self.to_status
        if self.from_status is None:
            return (
                f"{self.hazard_id} 状态变更 {self.seq}：登记为{_ZH[to]}",
                f"Hazard {self.hazard_id} status change {self.seq}: recorded as {_EN[to]}",
            )
        return (
            f"{self.hazard_id} 状态变更 {self.seq}：{_ZH[self.from_status]} → {_ZH[to]}",
            f"Hazard {self.hazard_id} status change {self.seq}: "
            f"{_EN[self.from_status]} → {_EN[to]}",
        )

    def lines(self) -> list[str]:
        s = f"<{ID_}status-change/{self.hazard_id}/{self.seq}>"
        zh, en = self.labels()
        out = [
            f"<{ID_}hazard/{self.hazard_id}> {_P['hasStatusChange']} {s} {_G} .\n",
            f"{s} {_A} {_C['StatusChange']} {_G} .\n",
            f"{s} {_LABEL} {_plain(zh, 'zh')} {_G} .\n",
            f"{s} {_LABEL} {_plain(en, 'en')} {_G} .\n",
            f"{s} {_P['toStatus']} {_STATUS[self.to_status]} {_G} .\n",
            f"{s} {_P['changedAt']} {_datetime(self.at)} {_G} .\n",
        ]
        if self.from_status is not None:
            out.append(f"{s} {_P['fromStatus']} {_STATUS[self.from_status]} {_G} .\n")
        if self.actor:
            out.append(f"{s} {_ASSOC} <{self.actor}> {_G} .\n")
        if self.reason:
            out.append(f"{s} {_P['reason']} {text(self.reason, 'zh')} {_G} .\n")
        if self.superseded_at is not None:
            out.append(f"{s} {_P['supersededAt']} {_datetime(self.superseded_at)} {_G} .\n")
        return out


@dataclass(frozen=True, slots=True)
class HazardRecord:
    """事故隐患: one record of the registry, as the store holds it now."""

    id: str
    description: str
    enterprise: str
    """The enterprise's credit code."""
    sector: str
    region: str
    major: bool
    discovered_on: dt.date
    channel: Channel
    deadline: dt.date
    status: Status
    rectifying_on: dt.date | None = None
    rectified_on: dt.date | None = None
    closed_on: dt.date | None = None
    reviewed_by: str | None = None
    listed_by: str | None = None
    listed_on: dt.date | None = None
    escalations: tuple[EscalationRecord, ...] = ()
    synthetic: bool = False
    responsible: tuple[str, ...] = ()
    """Derived: the departments responsible (sector leads, or the fallback government)."""
    reason: str | None = field(default=None, compare=False)
    """Why the status changed (a reopening needs one); goes into the history, not the record."""

    @property
    def iri(self) -> str:
        return hazard_iri(self.id)

    def labels(self) -> tuple[str, str]:
        return hazard_labels(self.id, self.major)

    def escalation_iri(self, n: int) -> str:
        return f"{ID_}escalation/{self.id}/{n}"

    def lines(self) -> list[str]:
        """The record's own triples (not its history) as N-Quads lines in ``graph/hazards``."""
        s = f"<{self.iri}>"
        zh, en = self.labels()
        p = _P
        out = [
            f"{s} {_A} {_C['Hazard']} {_G} .\n",
            f"{s} {_LABEL} {_plain(zh, 'zh')} {_G} .\n",
            f"{s} {_LABEL} {_plain(en, 'en')} {_G} .\n",
            f"{s} {p['description']} {text(self.description, 'zh')} {_G} .\n",
            f"{s} {p['atEnterprise']} <{enterprise_iri(self.enterprise)}> {_G} .\n",
            f"{s} {p['inSector']} <{self.sector}> {_G} .\n",
            f"{s} {p['inRegion']} <{self.region}> {_G} .\n",
            f"{s} {p['discoveredOn']} {_date(self.discovered_on)} {_G} .\n",
            f"{s} {p['discoveredVia']} {_CHANNEL[self.channel]} {_G} .\n",
            f"{s} {p['rectificationDeadline']} {_date(self.deadline)} {_G} .\n",
            f"{s} {p['status']} {_STATUS[self.status]} {_G} .\n",
        ]
        if self.major:
            out.append(f"{s} {_A} {_C['MajorHazard']} {_G} .\n")
        out += [f"{s} {p['responsibleDepartment']} <{d}> {_G} .\n" for d in self.responsible]
        if self.closed_on is not None:
            out.append(f"{s} {p['closedOn']} {_date(self.closed_on)} {_G} .\n")
        if self.reviewed_by:
            out.append(f"{s} {p['reviewedBy']} <{self.reviewed_by}> {_G} .\n")
        if self.listed_by:
            out.append(f"{s} {p['listedBy']} <{self.listed_by}> {_G} .\n")
        if self.listed_on is not None:
            out.append(f"{s} {p['listedOn']} {_date(self.listed_on)} {_G} .\n")
        if self.synthetic:
            out.append(f"{s} {p['synthetic']} {_TRUE} {_G} .\n")
        for n, esc in enumerate(self.escalations, start=1):
            e = f"<{self.escalation_iri(n)}>"
            zh_event = f"{self.id} 督促 {n}：{_ZH[esc.measure]}（{esc.on}）"
            en_event = f"Hazard {self.id} escalation {n}: {_EN[esc.measure]} ({esc.on})"
            out += [
                f"{s} {p['hasEscalation']} {e} {_G} .\n",
                f"{e} {_A} {_C['EscalationEvent']} {_G} .\n",
                f"{e} {_LABEL} {_plain(zh_event, 'zh')} {_G} .\n",
                f"{e} {_LABEL} {_plain(en_event, 'en')} {_G} .\n",
                f"{e} {p['measure']} {_MEASURE[esc.measure]} {_G} .\n",
                f"{e} {p['eventDate']} {_date(esc.on)} {_G} .\n",
            ]
            if esc.by:
                out.append(f"{e} {p['byOrganization']} <{esc.by}> {_G} .\n")
        return out

    def digest(self, lines: list[str] | None = None) -> str:
        """A fingerprint of :meth:`lines` (pass them if already made): equal digests mean
        re-importing changes nothing."""
        return _digest(self.lines() if lines is None else lines)

    def with_status(self, status: Status, **changes: object) -> HazardRecord:
        """A copy with ``status`` and other fields changed (used by the lifecycle)."""
        return replace(self, status=status, **changes)  # type: ignore[arg-type]


def _digest(lines: list[str]) -> str:
    """15 characters of base64 over a SHA-1 of the sorted lines: short enough for the store
    to keep inline (no dictionary entry), long enough (90 bits) never to collide by chance."""
    raw = hashlib.sha1("".join(sorted(lines)).encode("utf-8"), usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(raw[:12]).decode("ascii")[:15]


def derive_history(record: HazardRecord, enterprise_actor: bool = True) -> list[StatusChangeRecord]:
    """The status changes that bring a new record from nothing to its status, from its dates.

    Reported on ``discovered_on`` (by the enterprise when it reported it
    itself), rectifying on ``rectifying_on`` (default: the discovery date),
    rectified on ``rectified_on`` (default: the closing date), closed on
    ``closed_on`` by ``reviewed_by``. A change known only by its date is
    recorded at the start of that day in Bozhou (UTC+8); each change is
    superseded by the next.
    """
    ent = enterprise_iri(record.enterprise) if enterprise_actor else None
    steps: list[tuple[Status, dt.date, str | None]] = [
        (
            Status.REPORTED,
            record.discovered_on,
            ent if record.channel is Channel.SELF_REPORT else None,
        )
    ]
    order = _ORDER[record.status]
    if order >= 1:
        steps.append((Status.RECTIFYING, record.rectifying_on or record.discovered_on, ent))
    if order >= 2:
        day = (
            record.rectified_on or record.closed_on or record.rectifying_on or record.discovered_on
        )
        steps.append((Status.RECTIFIED, day, ent))
    if record.status is Status.CLOSED:
        assert record.closed_on is not None
        steps.append((Status.CLOSED, record.closed_on, record.reviewed_by))
    return chain_changes(record.id, steps, first_seq=1, previous=None)


def chain_changes(
    hazard_id: str,
    steps: list[tuple[Status, dt.date | dt.datetime, str | None]],
    *,
    first_seq: int,
    previous: Status | None,
    reason: str | None = None,
) -> list[StatusChangeRecord]:
    """Number ``steps`` (status, when, actor) from ``first_seq`` and link each to the next."""
    moments = [w if isinstance(w, dt.datetime) else at_midnight(w) for _, w, _ in steps]
    out: list[StatusChangeRecord] = []
    for i, (status, _when, actor) in enumerate(steps):
        out.append(
            StatusChangeRecord(
                hazard_id,
                first_seq + i,
                status,
                moments[i],
                previous,
                actor,
                reason,
                moments[i + 1] if i + 1 < len(moments) else None,
            )
        )
        previous = status
    return out
