"""Access paths for "as of day D" questions over a million hazards: the registry's index.

The questions the registry must answer fast are all of one kind: *which
hazards of a scope (a department, a sector, a region) are in some state on
day D*: overdue (deadline < D, not closed by D), open (discovered by D, not
closed by D), due for the next escalation step. Each is an interval of days
per hazard, ``[a, b)``, and the question is "which intervals contain D" (an
interval stabbing query). Joining hazard → enterprise → sector → department
and filtering dates for each of 350,000 hazards of one department takes
seconds on the on-disk store, however it is written; reading a few
pre-arranged index entries takes milliseconds.

**Where.** The index is derived data, rebuilt from the records at will
(:func:`safetykg.registry.writer.rebuild_index`), so it is kept apart from
every source's named graph: in the store's **default graph**, which no
source uses. Queries over the union of the graphs see it, ``GRAPH ?g`` does
not, and the reasoner (which reads named graphs) ignores it. Oxigraph keeps
three indexes for default-graph triples and six for named-graph quads, so
the index costs half as much to load there.

**Layout.** Days are numbered from 2000-01-01 (:data:`EPOCH`) in ``[0, 2^16)``.
An interval ``[a, b)`` is cut into at most ``2·16`` aligned dyadic pieces
(:func:`pieces`); for any day D exactly one piece of an interval containing D
is one of the 17 pieces that contain D (:func:`stabbing`), and an interval
not containing D has none. So

* the **count** of hazards of a scope in a state on D is the sum of 17
  pre-computed counters, and
* the **list** of them is the union of 17 small sets,

whatever D is:

``<…/index-group/{family}/{group}> <…/index/{family}/{scope}/{L}-{k}> n``
    a counter: within ``family`` and ``scope``, ``n`` hazards of ``group``
    have the piece ``(L, k)``. The group is the deadline year for
    ``overdue`` (so a page can be read from the earliest years only) and the
    discovery year for ``open`` in the ``major`` scope (the plan's first goal
    asks about the stock found in 2023 and earlier); ``all`` otherwise.

``<hazard> <…/index/overdue/{scope}/{L}-{k}/{yyyy}> deadline``
    a member of the ``overdue`` family, with its deadline as the object, so
    the page is read from the 17 predicates of the earliest year(s) with a
    sort over those few members and no join.

``<hazard> sk:recordDigest "…"``
    the fingerprint of the record as last written (re-importing an
    unchanged record writes nothing).

Scopes of a hazard: each responsible department, its sector, its region, and
``major`` (all major hazards, for the goals). A question about a region that
contains others adds up their scopes too (17 counters each). The ``overdue``
family is kept for every scope (members not for ``major``); ``open`` and
``escalation`` only for departments and ``major`` (what the department view
and the goals ask); ``found`` (discovered on or before the day:
``[discovered, ∞)``) only for ``major``, so that the goals can count the
hazards found in any period.

**Statistics** by region × sector × status × channel need the status of
every hazard on day D, for thousands of cells at once; stabbing counters per
cell would be millions. Instead each status change is one member, filed by
the month it happened and by its *move* (the cell it leaves, the cell it
enters), with a counter per month:

``<…/index-cell/{move}> <…/index/status/{yyyy-mm}> n``
    ``n`` changes made that move in that month;

``<change> <…/index/status/{yyyy-mm}/{move}> day``
    one change, with its day.

The table on day D is the sum of the moves of every month before D's month
(counters) and of D's month up to D (members): a few thousand rows, however
long the history.

This module computes entries; writing them is :mod:`~safetykg.registry.writer`'s,
and which entries a record has follows from the record (and, for the
statistics, its history) alone, so a change is "remove the old entries, add
the new ones".

>>> pieces(3, 9)
[(0, 3), (2, 1), (0, 8)]
>>> [lk for lk in stabbing(5)][:4]
[(0, 5), (1, 2), (2, 1), (3, 0)]
>>> day_number(dt.date(2000, 1, 31))
30
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from safetykg.namespaces import ID, SK
from safetykg.registry.records import TZ, HazardRecord, StatusChangeRecord
from safetykg.registry.reference import Reference
from safetykg.registry.vocabulary import LADDER, LADDER_THRESHOLDS

__all__ = [
    "EPOCH",
    "FAMILIES",
    "HORIZON",
    "LEVELS",
    "CountKey",
    "Entries",
    "block_iri",
    "count_key_iris",
    "move_path",
    "count_line",
    "day_number",
    "entries",
    "escalation_intervals",
    "group_iri",
    "group_key",
    "group_key_path",
    "member_iri",
    "pieces",
    "scope_path",
    "region_scopes",
    "scopes",
    "stabbing",
    "status_entries",
]

EPOCH = dt.date(2000, 1, 1)
LEVELS = 17
HORIZON = 1 << (LEVELS - 1)
"""Days from :data:`EPOCH` that the index covers (to mid-2179); "never closed" ends here."""
LAST_DAY = EPOCH + dt.timedelta(days=HORIZON - 2)

_ID = str(ID)
_XSD = "http://www.w3.org/2001/XMLSchema#"
_DIGEST = f"<{SK}recordDigest>"

FAMILIES = ("overdue", "open", "escalation", "found", "status")
MAJOR = "major"
"""The pseudo-scope of all major hazards (the plan's goals count these)."""

CountKey = tuple[str, str, int, int, str]
"""(family, scope path, level, piece index, group)."""


def day_number(day: dt.date) -> int:
    """Days since :data:`EPOCH` (dates outside the index are refused when a record is read)."""
    return (day - EPOCH).days


def pieces(a: int, b: int) -> list[tuple[int, int]]:
    """The aligned dyadic pieces ``(level, index)`` that tile ``[a, b)`` exactly.

    A piece ``(L, k)`` is the days ``[k·2^L, (k+1)·2^L)``; at most two pieces
    per level are needed, so an interval of n days has fewer than ``2·log2(n)+2``.
    """
    out: list[tuple[int, int]] = []
    a = max(a, 0)
    b = min(b, HORIZON)
    while a < b:
        level = 0
        while level < LEVELS - 1 and a % (2 << level) == 0 and a + (2 << level) <= b:
            level += 1
        out.append((level, a >> level))
        a += 1 << level
    return out


def stabbing(day: int) -> list[tuple[int, int]]:
    """The 17 pieces that contain ``day``, one per level."""
    return [(level, day >> level) for level in range(LEVELS)]


def scope_path(iri: str) -> str:
    """The part of a scope's IRI after ``id/`` (``department/bozhou/emergency-management``)."""
    return iri.removeprefix(_ID) if iri.startswith(_ID) else iri


def block_iri(family: str, scope: str, level: int, index: int) -> str:
    return f"{_ID}index/{family}/{scope}/{level}-{index}"


def member_iri(family: str, scope: str, level: int, index: int, group: str) -> str:
    return f"{_ID}index/{family}/{scope}/{level}-{index}/{group}"


BULK_IMPORT_MARK = (f"{_ID}index", f"{_ID}index/bulk-import-in-progress")
"""Subject and predicate of :data:`BULK_IMPORT_LINE`."""
BULK_IMPORT_LINE = f'<{BULK_IMPORT_MARK[0]}> <{BULK_IMPORT_MARK[1]}> "true" .\n'
"""In the index while a bulk import writes: records may be in the store before their counters
are. Left behind, it tells the next import that the index must be rebuilt first."""


def group_iri(family: str, group: str) -> str:
    return f"{_ID}index-group/{family}/{group}"


def group_key_path(iri: str) -> str:
    """The path of a statistics cell IRI (``…/index-cell/{move}`` → ``{move}``)."""
    return iri.removeprefix(f"{_ID}index-cell/")


def group_key(iri: str) -> str:
    """The group of a group IRI (``…/index-group/overdue/2024-03`` → ``2024-03``)."""
    return iri.rsplit("/", 1)[-1]


def scopes(record: HazardRecord, reference: Reference | None = None) -> list[str]:
    """The scope paths a hazard is counted under: its responsible departments, its sector,
    its region and, for a major hazard, ``major``.

    A region's counts do not include the regions inside it; a question about
    a region containing others adds theirs (:func:`region_scopes`).
    """
    out = [scope_path(d) for d in record.responsible]
    out.append(scope_path(record.sector))
    out.append(scope_path(record.region))
    if record.major:
        out.append(MAJOR)
    return list(dict.fromkeys(out))


def region_scopes(reference: Reference, region: str) -> list[str]:
    """The scope paths to add up for ``region``: it and every region inside it."""
    inside = [r for r in reference.regions if region in reference.region_chain(r)]
    return [scope_path(r) for r in sorted(inside)]


def escalation_intervals(record: HazardRecord) -> list[tuple[int, int, str]]:
    """The days on which a rung of the ladder is due and not yet taken, as
    ``(start, end, rung slug)`` intervals.

    A rung is due from its threshold (:data:`~safetykg.registry.vocabulary.LADDER_THRESHOLDS`
    days past the deadline) until the hazard is closed; it stops being due
    once a measure of that rung or a higher one has been taken (an
    escalation event dated on or before the day).
    """
    deadline = day_number(record.deadline)
    end = day_number(record.closed_on) if record.closed_on else HORIZON
    start = deadline + 1
    if start >= end:
        return []
    taken = sorted(
        (day_number(e.on), e.measure.order) for e in record.escalations if e.measure.order
    )
    cuts = {start, end}
    cuts |= {deadline + t for t in LADDER_THRESHOLDS if start <= deadline + t < end}
    cuts |= {d for d, _ in taken if start <= d < end}
    edges = sorted(cuts)
    out: list[tuple[int, int, str]] = []
    for lo, hi in zip(edges, edges[1:], strict=False):
        due = sum(1 for t in LADDER_THRESHOLDS if lo - deadline >= t)
        done = max((order for d, order in taken if d <= lo), default=0)
        if due > done:
            rung = LADDER[due - 1].value
            if out and out[-1][1] == lo and out[-1][2] == rung:
                out[-1] = (out[-1][0], hi, rung)
            else:
                out.append((lo, hi, rung))
    return out


@dataclass
class Entries:
    """A record's index entries: member lines and counter keys (one per contribution)."""

    members: list[str]
    keys: list[CountKey]
    digest: str

    def digest_line(self, iri: str) -> str:
        return f'<{iri}> {_DIGEST} "{self.digest}" .\n'


def group_of(family: str, scope: str, record: HazardRecord) -> str:
    """The group a record is counted in: the deadline year (``overdue``), the discovery
    year (``open``, for the ``major`` scope only, which the goals break down), else ``all``."""
    if family == "overdue":
        return str(record.deadline.year)
    if family == "open" and scope == MAJOR:
        return str(record.discovered_on.year)
    return "all"


def entries(record: HazardRecord, scope_paths: Sequence[str], digest: str | None = None) -> Entries:
    """Everything ``record`` contributes to the index (``digest``: its digest, if known)."""
    keys: list[CountKey] = []
    members: list[str] = []
    h = f"<{record.iri}>"
    closed = (record.closed_on - EPOCH).days if record.closed_on else HORIZON
    deadline = record.deadline

    overdue = pieces((deadline - EPOCH).days + 1, closed)
    if overdue:
        year = str(deadline.year)
        obj = f'"{deadline.isoformat()}"^^<{_XSD}date>'
        for scope in scope_paths:
            for level, k in overdue:
                keys.append(("overdue", scope, level, k, year))
                if scope != MAJOR:
                    members.append(f"{h} <{_ID}index/overdue/{scope}/{level}-{k}/{year}> {obj} .\n")

    counted = [s for s in scope_paths if s.startswith("department/") or s == MAJOR]
    opened = pieces((record.discovered_on - EPOCH).days, closed)
    for scope in counted:
        group = str(record.discovered_on.year) if scope == MAJOR else "all"
        keys += [("open", scope, level, k, group) for level, k in opened]

    if record.major:
        found = pieces((record.discovered_on - EPOCH).days, HORIZON)
        keys += [("found", MAJOR, level, k, "all") for level, k in found]

    if overdue:
        for lo, hi, _rung in escalation_intervals(record):
            due = pieces(lo, hi)
            for scope in counted:
                keys += [("escalation", scope, level, k, "all") for level, k in due]
    return Entries(members, keys, digest or record.digest())


def _cell(record: HazardRecord) -> str:
    return (
        f"{record.region.rsplit('/', 1)[-1]}/{record.sector.rsplit('/', 1)[-1]}/"
        f"{record.channel.value}/{'major' if record.major else 'general'}"
    )


def move_path(record: HazardRecord, change: StatusChangeRecord) -> str:
    """The statistics move of a status change: the record's cell and the two statuses,
    ``{region}/{sector}/{channel}/{major|general}/{from}-{to}`` (``none`` for the first)."""
    source = change.from_status.value if change.from_status else "none"
    return f"{_cell(record)}/{source}-{change.to_status.value}"


def status_entries(
    record: HazardRecord, history: Sequence[StatusChangeRecord]
) -> tuple[list[str], list[CountKey]]:
    """The statistics members and counter keys of a hazard's history (see the module
    docstring)."""
    lines = []
    keys: list[CountKey] = []
    cell = _cell(record)
    for change in history:
        source = change.from_status.value if change.from_status else "none"
        move = f"{cell}/{source}-{change.to_status.value}"
        at = change.at if change.at.tzinfo is TZ else change.at.astimezone(TZ)
        day = at.date()
        month = day.isoformat()[:7]
        obj = f'"{day.isoformat()}"^^<{_XSD}date>'
        lines.append(f"<{change.iri}> <{_ID}index/status/{month}/{move}> {obj} .\n")
        keys.append(("status", move, 0, 0, month))
    return lines, keys


def count_line(key: CountKey, n: int) -> str:
    """The counter triple for ``key`` holding ``n`` (a default-graph N-Quads line)."""
    family, scope, level, k, group = key
    if family == "status":
        return f'<{_ID}index-cell/{scope}> <{_ID}index/status/{group}> "{n}"^^<{_XSD}integer> .\n'
    return (
        f"<{group_iri(family, group)}> <{block_iri(family, scope, level, k)}> "
        f'"{n}"^^<{_XSD}integer> .\n'
    )


def count_key_iris(key: CountKey) -> tuple[str, str]:
    """The subject and predicate of the counter triple for ``key``."""
    family, scope, level, k, group = key
    if family == "status":
        return f"{_ID}index-cell/{scope}", f"{_ID}index/status/{group}"
    return group_iri(family, group), block_iri(family, scope, level, k)


def blocks_for(family: str, scope: str, day: dt.date) -> list[str]:
    """The 17 counter predicates to sum for ``scope`` on ``day``."""
    return [block_iri(family, scope, level, k) for level, k in stabbing(day_number(day))]


def members_for(scope: str, day: dt.date, groups: Iterable[str]) -> list[str]:
    """The member predicates of the ``overdue`` family for ``scope`` on ``day`` in ``groups``."""
    return [
        member_iri("overdue", scope, level, k, group)
        for group in groups
        for level, k in stabbing(day_number(day))
    ]
