"""Who may change which hazard: principals, and the scope check the write routes call.

Reading is open; every write is made by a :class:`Principal` (the holder of a
token from :mod:`safetykg.tokens`). What a principal may touch is read from
the graph itself, as the plan assigns it (task 16: 政府负有安全监管职责有关部门
审核把关销号 — the responsible department reviews and closes):

=============  ==============================================================
kind           may create, change, review, close or escalate a hazard …
=============  ==============================================================
``admin``      anywhere
``department`` only in a sector it leads or jointly leads (``sk:leadDepartment``,
               or ``sk:leadsSector`` from the department's side)
``region``     only in its region or a region inside it (``sk:partOfRegion``)
=============  ==============================================================

A sector the lead table does not list has no lead department, so only a
region (or admin) token reaches its hazards — the 三管三必须 fallback of
:mod:`safetykg.registry.reference`, where the region's government reviews.

:func:`authorise` checks a hazard already in the store; :func:`authorise_record`
checks a record about to be written (a new hazard, or the new state of an
updated one), and :func:`record_guard` wraps it for an import to call per
record. Both raise :class:`~safetykg.errors.WriteForbidden` (403) with a
message naming the hazard, its sector or region, and who may change it.
:func:`actor_for` gives the organisation a principal acts as (what the
lifecycle records as ``prov:wasAssociatedWith`` and checks for closing).

The values are bound as terms (``substitutions``); nothing from a client is
pasted into the query text.

>>> from pyoxigraph import Store
>>> admin = Principal("ops", Kind.ADMIN)
>>> authorise(admin, Action.CLOSE, "https://w3id.org/safetykg/id/hazard/H-1", Store())
>>> Principal("x", Kind.DEPARTMENT).scope
Traceback (most recent call last):
...
ValueError: a department principal needs a scope IRI under https://w3id.org/safetykg/id/department/
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from pyoxigraph import NamedNode, Store

from safetykg.errors import NotFound, WriteForbidden
from safetykg.namespaces import ID, PREFIXES
from safetykg.store import query

__all__ = [
    "Action",
    "Kind",
    "Principal",
    "ScopedRecord",
    "actor_for",
    "authorise",
    "authorise_record",
    "check_actor",
    "hazard_scope",
    "record_guard",
]

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
"""What a principal's (token's) name may look like; it becomes part of an agent IRI."""

_DEPARTMENT = f"{ID}department/"
_REGION = f"{ID}region/"
_HAZARD = f"{ID}hazard/"


class Kind(StrEnum):
    """What a token stands for."""

    ADMIN = "admin"
    DEPARTMENT = "department"
    REGION = "region"


class Action(StrEnum):
    """What a write does to a hazard (for messages and the audit trail; the scope
    rule is the same for all of them)."""

    CREATE = "create"
    UPDATE = "update"
    IMPORT = "import"
    TRANSITION = "transition"
    REVIEW = "review"
    CLOSE = "close"
    ESCALATE = "escalate"
    LIST = "list-for-supervision"


@dataclass(frozen=True)
class Principal:
    """Who makes a write: a token's name, its kind and, unless admin, the department
    or region IRI it is scoped to."""

    name: str
    kind: Kind
    scope: str | None = None

    def __post_init__(self) -> None:
        if not NAME.match(self.name):
            raise ValueError(f"a principal's name must match {NAME.pattern}, got {self.name!r}")
        if self.kind is Kind.ADMIN:
            if self.scope is not None:
                raise ValueError("an admin principal has no scope")
            return
        base = _DEPARTMENT if self.kind is Kind.DEPARTMENT else _REGION
        if not (self.scope and self.scope.startswith(base) and _safe_iri(self.scope)):
            raise ValueError(f"a {self.kind} principal needs a scope IRI under {base}")

    @property
    def agent(self) -> str:
        """The IRI the audit trail records as the ``prov:Agent`` (``id/agent/<name>``)."""
        return f"{ID}agent/{self.name}"

    def describe(self) -> str:
        """``token 'name' (department …/education)``, for messages."""
        scope = f" {self.scope.removeprefix(str(ID))}" if self.scope else ""
        return f"token {self.name!r} ({self.kind}{scope})"


def _safe_iri(iri: str) -> bool:
    try:
        NamedNode(iri)
    except ValueError:
        return False
    return not any(c in iri for c in '<>"{}|^`\\ ')


class ScopedRecord(Protocol):
    """What :func:`authorise_record` reads from a record (a registry ``HazardRecord``)."""

    @property
    def id(self) -> str: ...
    @property
    def sector(self) -> str: ...
    @property
    def region(self) -> str: ...


# --------------------------------------------------------------------------- queries

_HAZARD_SCOPE = """
SELECT ?h ?sector ?region WHERE {
  ?h a sk:Hazard .
  OPTIONAL { ?h sk:inSector ?sector }
  OPTIONAL { ?h sk:inRegion ?region }
} LIMIT 4"""

_LEADS = """
ASK { { ?sector sk:leadDepartment ?dept } UNION { ?dept sk:leadsSector ?sector } }"""

_WITHIN = """
ASK { ?region sk:partOfRegion* ?scope }"""

_GOVERNMENT = """
SELECT ?region ?gov WHERE { ?region sk:government ?gov } ORDER BY ?gov LIMIT 1"""

_LABEL = """
SELECT ?x ?label WHERE { ?x rdfs:label ?label } ORDER BY DESC(LANGMATCHES(LANG(?label), "zh"))
LIMIT 1"""


def _label(store: Store, iri: str) -> str:
    rows = list(query(store, _LABEL, {"x": NamedNode(iri)}, prefixes=PREFIXES))
    return f"{rows[0]['label'].value} <{iri}>" if rows else f"<{iri}>"  # type: ignore[index]


def hazard_scope(store: Store, hazard_iri: str) -> tuple[str | None, str | None]:
    """The sector and region of a stored hazard (``None`` for one it does not state).

    Raises :class:`NotFound` when no ``sk:Hazard`` has that IRI.
    """
    if not hazard_iri.startswith(_HAZARD) or not _safe_iri(hazard_iri):
        raise NotFound(f"{hazard_iri!r} is not a hazard IRI (they start with {_HAZARD}).")
    rows = list(query(store, _HAZARD_SCOPE, {"h": NamedNode(hazard_iri)}, prefixes=PREFIXES))
    if not rows:
        raise NotFound(f"No hazard <{hazard_iri}> in the registry.")
    sector = next((r["sector"].value for r in rows if r["sector"] is not None), None)  # type: ignore[index, union-attr]
    region = next((r["region"].value for r in rows if r["region"] is not None), None)  # type: ignore[index, union-attr]
    return sector, region


def _leads(store: Store, department: str, sector: str) -> bool:
    subs = {"dept": NamedNode(department), "sector": NamedNode(sector)}
    return bool(query(store, _LEADS, subs, prefixes=PREFIXES))


def _within(store: Store, region: str, scope: str) -> bool:
    if region == scope:
        return True
    subs = {"region": NamedNode(region), "scope": NamedNode(scope)}
    return bool(query(store, _WITHIN, subs, prefixes=PREFIXES))


# --------------------------------------------------------------------------- checks


def _check(
    principal: Principal,
    action: Action | str,
    what: str,
    sector: str | None,
    region: str | None,
    store: Store,
) -> None:
    if principal.kind is Kind.ADMIN:
        return
    assert principal.scope is not None
    verb = str(action)
    if principal.kind is Kind.DEPARTMENT:
        if sector and _leads(store, principal.scope, sector):
            return
        where = f"in sector {_label(store, sector)}" if sector else "with no sector"
        raise WriteForbidden(
            f"{principal.describe()} may not {verb} {what}: the hazard is {where}, which "
            f"{_label(store, principal.scope)} does not lead. A department may change only "
            "hazards in sectors it leads or jointly leads (sk:leadDepartment); ask a lead "
            "department of that sector, the region's government, or an admin."
        )
    if region and _within(store, region, principal.scope):
        return
    where = f"in region {_label(store, region)}" if region else "with no region"
    raise WriteForbidden(
        f"{principal.describe()} may not {verb} {what}: the hazard is {where}, outside "
        f"{_label(store, principal.scope)}. A region token may change only hazards in its "
        "region or the regions inside it (sk:partOfRegion)."
    )


def authorise(principal: Principal, action: Action | str, hazard_iri: str, store: Store) -> None:
    """Let ``principal`` do ``action`` to the stored hazard ``hazard_iri``, or raise.

    Call it before the write, for every hazard the write changes. Admin may do
    anything (the hazard is not even looked up). Raises :class:`WriteForbidden`
    (403) when the hazard is outside the principal's scope, and
    :class:`NotFound` (404) when a scoped principal names a hazard that is not
    in the store.
    """
    if principal.kind is Kind.ADMIN:
        return
    sector, region = hazard_scope(store, hazard_iri)
    _check(principal, action, f"hazard <{hazard_iri}>", sector, region, store)


def authorise_record(
    principal: Principal,
    action: Action | str,
    record: ScopedRecord,
    store: Store,
) -> None:
    """Let ``principal`` write ``record`` (a new hazard, or the new state of one), or raise.

    For an update, check the stored hazard too (:func:`authorise`): a
    department may not move a hazard out of another department's sector.
    Raises :class:`WriteForbidden`.
    """
    what = getattr(record, "label", None) or f"hazard {record.id}"
    _check(principal, action, what, record.sector, record.region, store)


def record_guard(
    principal: Principal, store: Store, action: Action | str = Action.IMPORT
) -> Callable[[ScopedRecord, ScopedRecord | None], None]:
    """A per-record check for an import: ``guard(new, old)`` raises :class:`WriteForbidden`
    unless ``principal`` may write ``new`` and (for an update) change ``old``.

    Checks are cached by (sector, region), so a million-row import makes one
    query per distinct pair, not per row.
    """
    if principal.kind is Kind.ADMIN:
        return lambda new, old=None: None
    allowed: set[tuple[str | None, str | None]] = set()

    def check(record: ScopedRecord) -> None:
        key = (record.sector, record.region)
        if key not in allowed:
            authorise_record(principal, action, record, store)  # raises when refused
            allowed.add(key)

    def guard(new: ScopedRecord, old: ScopedRecord | None = None) -> None:
        check(new)
        if old is not None:
            check(old)

    return guard


def actor_for(principal: Principal, store: Store) -> str | None:
    """The organisation a principal acts as: its department, or its region's government.

    ``None`` for admin (the write must name the organisation itself). The
    lifecycle records this IRI and, for closing, checks that it may review.
    """
    if principal.kind is Kind.ADMIN:
        return None
    assert principal.scope is not None
    if principal.kind is Kind.DEPARTMENT:
        return principal.scope
    subs = {"region": NamedNode(principal.scope)}
    rows = list(query(store, _GOVERNMENT, subs, prefixes=PREFIXES))
    if not rows:
        raise WriteForbidden(
            f"{principal.describe()}: the region has no sk:government in the graph, so there is "
            "no organisation to act as; use a department or admin token."
        )
    return rows[0]["gov"].value  # type: ignore[index, union-attr]


def check_actor(principal: Principal, requested: str | None, store: Store) -> str | None:
    """The actor to record for a write that names ``requested`` (an organisation IRI).

    Admin may act as anyone (``requested`` comes back unchanged). A scoped
    principal acts only as itself: ``requested`` must be its organisation (or
    ``None``, which means "me"). Raises :class:`WriteForbidden` otherwise.
    """
    own = actor_for(principal, store)
    if own is None or requested in (None, own):
        return requested if own is None else own
    raise WriteForbidden(
        f"{principal.describe()} acts as {_label(store, own)}; it may not record a change "
        f"as {_label(store, requested)}. Leave the actor out or give your own organisation."
    )
