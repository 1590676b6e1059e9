"""The registry's answers: responsibility, overdue hazards, statistics, the plan's goals.

Each answer is a library function the REST API and the CLI call, backed by
named queries from ``queries/`` (:mod:`safetykg.queries`):

* :func:`responsibility` — who answers for a hazard (主体/行业/属地):
  ``hazard-responsibility``;
* :func:`overdue` — the overdue hazards of a department, sector or region as
  of a day, most overdue first, a page at a time, with the total and the
  escalation step due: ``index-counts``, ``overdue-index-cutoff``, ``overdue-index-page``,
  ``hazard-fields`` (the definition: ``overdue-hazards``);
* :func:`department_hazard_counts` — open, overdue and escalation-due counts
  as of a day: ``index-counts``;
* :func:`statistics` — counts by region × sector × status × channel as of a
  day: ``index-counts``, ``status-index-members`` (the definition:
  ``hazard-statistics``);
* :func:`goal_progress` — the three headline goals as of a day:
  ``index-counts`` (the definitions: ``major-hazards-*``).

The counts and pages come from the registry's index (:mod:`~safetykg.registry.index`),
so they cost the same on a registry of a hundred hazards or a million; the
``overdue-hazards`` and ``major-hazards-*`` queries state the same questions
directly over the records, for SPARQL users, and the tests check that both
give the same answers.

Arguments are terms or IRIs of ours; dates are :class:`datetime.date` (the
answer is "as of the end of that day"). Results are plain dataclasses with
``zh`` and ``en`` labels where a person reads them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import NamedNode, Store

from safetykg.errors import BadParameter, NotFound
from safetykg.namespaces import ID, SK
from safetykg.queries import QueryLibrary, default_library
from safetykg.registry import index as ix
from safetykg.registry.records import hazard_labels
from safetykg.registry.reference import Reference
from safetykg.registry.vocabulary import LADDER, Channel, Measure, Status, step_due

__all__ = [
    "GoalProgress",
    "OverdueItem",
    "OverduePage",
    "Party",
    "Responsibility",
    "StatisticsRow",
    "department_hazard_counts",
    "goal_progress",
    "overdue",
    "responsibility",
    "statistics",
]

_ID = str(ID)
_SK = str(SK)
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_LADDER_ORDER = {m.iri: i for i, m in enumerate(LADDER, start=1)}
MAX_PAGE = 500


def _iri(value: str | NamedNode) -> str:
    return value.value if isinstance(value, NamedNode) else str(value)


def _lib(library: QueryLibrary | None) -> QueryLibrary:
    return library or default_library()


def _value(term: Any) -> str | None:
    return None if term is None else term.value


# --------------------------------------------------------------------- responsibility


@dataclass(frozen=True)
class Party:
    """One organisation (or the enterprise) that answers for a hazard, and why."""

    iri: str
    kind: str
    """``enterprise`` (主体责任), ``sector`` (行业监管责任) or ``territorial`` (属地管理责任)."""
    zh: str | None
    en: str | None
    joint: bool = False
    """A joint lead (共同牵头)."""
    fallback: bool = False
    """Responsible under the 三管三必须 fallback (the sector has no listed lead)."""
    rule: str | None = None
    quote: str | None = None
    """The sentence of the plan that makes it responsible."""
    principal: str | None = None
    actual_controller: str | None = None


@dataclass(frozen=True)
class Responsibility:
    hazard: str
    sector: str
    region: str
    enterprise: Party
    sector_parties: tuple[Party, ...]
    territorial: tuple[Party, ...]

    @property
    def fallback(self) -> bool:
        return any(p.fallback for p in self.sector_parties)


_KINDS = {
    _SK + "EnterpriseResponsibility": "enterprise",
    _SK + "SectorResponsibility": "sector",
    _SK + "TerritorialResponsibility": "territorial",
}


def responsibility(
    store: Store, hazard: str | NamedNode, *, library: QueryLibrary | None = None
) -> Responsibility:
    """Who answers for ``hazard``: the enterprise (主体责任, with its principal and actual
    controller), the lead department(s) of its sector (行业监管责任; joint leads marked;
    for a sector the lead table does not list, the region's government under the
    三管三必须 rule, marked ``fallback``), and the governments of its region and the
    regions containing it (属地管理责任), innermost first.

    Raises :class:`NotFound` when the hazard is not in the registry.
    """
    iri = _iri(hazard)
    rows = list(_lib(library).run(store, "hazard-responsibility", {"hazard": iri}))
    if not rows:
        raise NotFound(f"No hazard {iri} in the registry.")
    parties: dict[tuple[str, str], Party] = {}
    for r in rows:
        kind = _KINDS[r["kind"].value]
        party = r["party"].value
        key = (kind, party)
        joint = r["joint"] is not None and r["joint"].value == "true"
        if key in parties and not (joint or r["quote"]):
            continue
        parties[key] = Party(
            iri=party,
            kind=kind,
            zh=_value(r["partyZh"]),
            en=_value(r["partyEn"]),
            joint=joint,
            fallback=r["rule"] is not None,
            rule=_value(r["rule"]),
            quote=_value(r["quote"]),
            principal=_value(r["principal"]),
            actual_controller=_value(r["controller"]),
        )
    region = rows[0]["region"].value
    governments = _governments(store, region)
    territorial = sorted(
        (p for (k, _), p in parties.items() if k == "territorial"),
        key=lambda p: governments.index(p.iri) if p.iri in governments else 99,
    )
    return Responsibility(
        hazard=iri,
        sector=rows[0]["sector"].value,
        region=region,
        enterprise=next(p for (k, _), p in parties.items() if k == "enterprise"),
        sector_parties=tuple(p for (k, _), p in sorted(parties.items()) if k == "sector"),
        territorial=tuple(territorial),
    )


_PART_OF = NamedNode(_SK + "partOfRegion")
_GOVERNMENT = NamedNode(_SK + "government")


def _objects(store: Store, subject: str, predicate: NamedNode) -> list[str]:
    return sorted(
        {
            q.object.value
            for q in store.quads_for_pattern(NamedNode(subject), predicate, None)
            if isinstance(q.object, NamedNode)
        }
    )


def _governments(store: Store, region: str) -> list[str]:
    """The governments of ``region`` and of the regions containing it, innermost first.

    Read from ``sk:partOfRegion`` and ``sk:government`` directly (a few index lookups),
    not from :meth:`Reference.load`, which reads every sector, region and department
    and costs seconds on a large registry. A region with more regions above it is
    further in, so the order holds whether the store states only the direct parent or
    also the inferred ancestors.
    """
    ancestors: dict[str, set[str]] = {}

    def above(r: str) -> set[str]:
        if r not in ancestors:
            ancestors[r] = set()  # a cycle stops here
            found: set[str] = set()
            for parent in _objects(store, r, _PART_OF):
                if parent != r:
                    found |= {parent, *above(parent)}
            ancestors[r] = found - {r}
        return ancestors[r]

    chain = sorted({region, *above(region)}, key=lambda r: (-len(above(r)), r))
    return [g for r in chain for g in _objects(store, r, _GOVERNMENT)]


# --------------------------------------------------------------------- overdue


@dataclass(frozen=True)
class OverdueItem:
    hazard: str
    id: str
    zh: str | None
    en: str | None
    major: bool
    deadline: dt.date
    days_overdue: int
    status: Status
    """The current status (a hazard overdue on a past day may be closed since)."""
    closed_on: dt.date | None
    enterprise: str
    enterprise_zh: str | None
    enterprise_en: str | None
    sector: str
    region: str
    escalation_due: Measure | None
    """The rung of the ladder due after this many days overdue."""
    escalation_taken: Measure | None
    """The highest rung actually taken on or before the day."""
    listed_by: str | None = None
    listed_on: dt.date | None = None

    @property
    def action_needed(self) -> bool:
        """The rung due is above the highest rung taken."""
        due = self.escalation_due.order if self.escalation_due else 0
        taken = self.escalation_taken.order if self.escalation_taken else 0
        return bool(due and due > (taken or 0))


@dataclass(frozen=True)
class OverduePage:
    scope: str
    scope_kind: str
    as_of: dt.date
    total: int
    limit: int
    offset: int
    items: list[OverdueItem] = field(default_factory=list)


def _scope(
    scope: str | NamedNode, store: Store | None = None, lib: QueryLibrary | None = None
) -> tuple[str, str, list[str]]:
    """The scope's IRI, kind and the index scopes to add up (a region: it and the regions
    inside it, ``regions-within``)."""
    iri = _iri(scope)
    if not iri.startswith(_ID):
        raise BadParameter(f"scope {iri!r} is not one of our IRIs ({_ID}…)")
    kind = iri.removeprefix(_ID).split("/", 1)[0]
    if kind not in ("department", "sector", "region"):
        raise BadParameter(
            f"scope must be a department, a sector or a region (an IRI under {_ID}department/, "
            f"sector/ or region/), got {iri!r}"
        )
    if kind == "region":
        assert store is not None
        rows = _lib(lib).run(store, "regions-within", {"region": iri})
        within = [r["within"].value for r in rows]
        if not within:
            raise NotFound(f"No region {iri}.")
        return iri, kind, [ix.scope_path(r) for r in within]
    return iri, kind, [ix.scope_path(iri)]


def _counts(
    store: Store, lib: QueryLibrary, family: str, scopes: Iterable[str], day: dt.date
) -> dict[str, int]:
    blocks = [b for s in scopes for b in ix.blocks_for(family, s, day)]
    out: dict[str, int] = {}
    for r in lib.run(store, "index-counts", {"block": blocks}):
        out[ix.group_key(r["group"].value)] = int(r["count"].value)
    return out


_NO_CUTOFF = "9999-12-31"
"""``?through`` when the members end before the page does: every row is on the page."""


def overdue(
    store: Store,
    scope: str | NamedNode,
    as_of: dt.date | None = None,
    *,
    limit: int = 20,
    offset: int = 0,
    library: QueryLibrary | None = None,
    reference: Reference | None = None,
) -> OverduePage:
    """The hazards of ``scope`` overdue at the end of ``as_of`` (default: today), most overdue
    first (earliest deadline, then id), ``limit`` from ``offset``, with the total.

    ``scope`` is a department (the hazards it is responsible for), a sector, or
    a region (with the regions inside it). Each item carries the days overdue,
    the rung of the escalation ladder due (:func:`~safetykg.registry.vocabulary.step_due`)
    and the highest rung taken by then. Raises :class:`BadParameter` for a
    scope that is none of these, or a page outside 1–500. (``reference`` is accepted
    for callers that have one; the regions inside a region are asked of the store.)
    """
    day = as_of or dt.date.today()
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise BadParameter(f"limit must be 1–{MAX_PAGE} and offset at least 0")
    lib = _lib(library)
    iri, kind, scopes = _scope(scope, store, lib)
    by_year = _counts(store, lib, "overdue", scopes, day)
    total = sum(by_year.values())
    page = OverduePage(iri, kind, day, total, limit, offset)
    if offset >= total:
        return page
    years, before, seen = [], 0, 0
    for year in sorted(by_year):
        n = by_year[year]
        if seen + n > offset and seen < offset + limit:
            if not years:
                before = seen
            years.append(year)
        seen += n
    members = [m for s in scopes for m in ix.members_for(s, day, years)]
    # Ordering every member by (deadline, hazard IRI) costs ~20 µs a row (the IRIs are read as
    # text): 27 ms for the 1,303 members of the largest department's first year at 1M hazards.
    # Ordering by deadline alone is cheap, so find the deadline of the page's last row first
    # and order only the rows up to it (ties included, so the page is the same).
    last = list(
        lib.run(
            store,
            "overdue-index-cutoff",
            {"member": members},
            limit=1,
            offset=offset - before + limit - 1,
        )
    )
    through = last[0]["deadline"].value if last else _NO_CUTOFF
    rows = list(
        lib.run(
            store,
            "overdue-index-page",
            {"member": members, "through": through},
            limit=limit,
            offset=offset - before,
        )
    )
    hazards = [r["hazard"].value for r in rows]
    details = _summaries(store, lib, hazards, day)
    page.items.extend(details[h] for h in hazards if h in details)
    return page


def _summaries(
    store: Store, lib: QueryLibrary, hazards: Sequence[str], day: dt.date
) -> dict[str, OverdueItem]:
    """The page's items, from one query (``hazard-fields``): a lookup per hazard and field,
    no OPTIONAL over the whole registry."""
    if not hazards:
        return {}
    fields: dict[str, dict[str, Any]] = {h: {"types": set(), "taken": 0} for h in hazards}
    for r in lib.run(store, "hazard-fields", {"hazard": list(hazards)}):
        f = fields[r["hazard"].value]
        p, o = r["p"].value, r["o"]
        if p == _RDF_TYPE:
            f["types"].add(o.value)
        elif p == _RDFS_LABEL:
            language = getattr(o, "language", None)
            if language in ("zh", "en"):
                f[f"enterprise_{language}"] = o.value
        elif p in _LADDER_ORDER:
            if dt.date.fromisoformat(o.value) <= day:
                f["taken"] = max(f["taken"], _LADDER_ORDER[p])
        else:
            f[p.removeprefix(_SK)] = o.value
    out = {}
    for h, f in fields.items():
        if "rectificationDeadline" not in f:
            continue
        hid = h.rsplit("/", 1)[-1]
        major = _SK + "MajorHazard" in f["types"]
        zh, en = hazard_labels(hid, major)
        deadline = dt.date.fromisoformat(f["rectificationDeadline"])
        days = (day - deadline).days
        out[h] = OverdueItem(
            hazard=h,
            id=hid,
            zh=zh,
            en=en,
            major=major,
            deadline=deadline,
            days_overdue=days,
            status=Status.from_iri(f["status"]),  # type: ignore[arg-type]
            closed_on=dt.date.fromisoformat(f["closedOn"]) if "closedOn" in f else None,
            enterprise=f.get("atEnterprise", ""),
            enterprise_zh=f.get("enterprise_zh"),
            enterprise_en=f.get("enterprise_en"),
            sector=f.get("inSector", ""),
            region=f.get("inRegion", ""),
            escalation_due=step_due(days),
            escalation_taken=LADDER[f["taken"] - 1] if f["taken"] else None,
            listed_by=f.get("listedBy"),
            listed_on=dt.date.fromisoformat(f["listedOn"]) if "listedOn" in f else None,
        )
    return out


def department_hazard_counts(
    store: Store,
    department: str | NamedNode,
    as_of: dt.date | None = None,
    *,
    library: QueryLibrary | None = None,
) -> dict[str, int]:
    """``{"open": …, "overdue": …, "escalation_due": …}`` for the hazards ``department`` is
    responsible for, at the end of ``as_of``: open (found, not closed), overdue (past the
    deadline, not closed), and overdue with a rung of the ladder due above the highest
    rung taken. Used by the department view (:func:`safetykg.resources.department_view`).
    """
    day = as_of or dt.date.today()
    lib = _lib(library)
    iri, kind, scopes = _scope(department)
    if kind != "department":
        raise BadParameter(f"{iri} is not a department")
    return {
        "open": sum(_counts(store, lib, "open", scopes, day).values()),
        "overdue": sum(_counts(store, lib, "overdue", scopes, day).values()),
        "escalation_due": sum(_counts(store, lib, "escalation", scopes, day).values()),
    }


# --------------------------------------------------------------------- statistics


@dataclass(frozen=True)
class StatisticsRow:
    region: str
    sector: str
    status: Status
    channel: Channel
    count: int


def statistics(
    store: Store,
    as_of: dt.date | None = None,
    *,
    major_only: bool = False,
    library: QueryLibrary | None = None,
) -> list[StatisticsRow]:
    """Hazards by region × sector × status × discovery channel at the end of ``as_of``.

    The status is the one in force at the end of that day, rebuilt from each
    hazard's history, so any past day can be asked about; a hazard not yet
    found by then is not counted. Task 16 asks for statistics 分区域、分行业;
    add up rows for coarser tables. Rows are sorted by region, sector, status
    and channel; cells with no hazard are left out.

    Counted from the index (the status changes of every month before the
    day's month, then those of that month up to the day: ``index-counts`` and
    ``status-index-members``); the definition over the records themselves is
    ``hazard-statistics``, and the tests check that both agree.
    """
    day = as_of or dt.date.today()
    lib = _lib(library)
    month = f"{day.year:04d}-{day.month:02d}"
    months = [
        f"{_ID}index/status/{y:04d}-{m:02d}"
        for y in range(ix.EPOCH.year, day.year + 1)
        for m in range(1, 13)
        if f"{y:04d}-{m:02d}" < month
    ]
    moves: dict[str, int] = {}
    for r in lib.run(store, "index-counts", {"block": months}):
        moves[ix.group_key_path(r["group"].value)] = int(r["count"].value)
    this_month = [
        ix.group_key_path(r["group"].value)
        for r in lib.run(store, "index-counts", {"block": [f"{_ID}index/status/{month}"]})
    ]
    if this_month:
        members = [f"{_ID}index/status/{month}/{move}" for move in this_month]
        for r in lib.run(store, "status-index-members", {"member": members, "asOf": day}):
            move = r["member"].value.removeprefix(f"{_ID}index/status/{month}/")
            moves[move] = moves.get(move, 0) + int(r["count"].value)
    cells: dict[tuple[str, str, Status, Channel], int] = {}
    for move, n in moves.items():
        region, sector, channel, major, step = move.split("/")
        if major_only and major != "major":
            continue
        source, _, target = step.partition("-")
        for status, sign in ((target, 1), (source, -1)):
            if status == "none":
                continue
            key = (
                f"{_ID}region/{region}",
                f"{_ID}sector/{sector}",
                Status(status),
                Channel(channel),
            )
            cells[key] = cells.get(key, 0) + sign * n
    return [
        StatisticsRow(region, sector, status, channel, n)
        for (region, sector, status, channel), n in sorted(
            cells.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2].order, kv[0][3].value)
        )
        if n
    ]


# --------------------------------------------------------------------- goals


@dataclass(frozen=True)
class QuarterIncrement:
    quarter: int
    """1–4, of 2025."""
    through: dt.date
    """The last day counted (the quarter's end, or the as-of day in the current quarter)."""
    found_2024: int
    found_2025: int


@dataclass(frozen=True)
class MonthOverdue:
    month_end: dt.date
    """The last day of the month (or the as-of day for the current month)."""
    overdue: int


@dataclass(frozen=True)
class GoalProgress:
    """Progress on the plan's three headline goals about major hazards, as of a day."""

    as_of: dt.date
    goals: dict[str, str | None]
    """IRI of each goal in the plan graph: ``stock``, ``increment``, ``dynamic-zero``."""
    stock_total: int
    """Major hazards found on or before 2023-12-31 (goal 1's stock)."""
    stock_open_at_deadline: int | None
    """Of those, still open at the end of 2024 (``None`` before that day)."""
    stock_open_now: int
    """Of those, still open at the end of ``as_of``."""
    quarters: list[QuarterIncrement]
    """Goal 2: major hazards found in each quarter of 2025 against the same span of 2024."""
    months: list[MonthOverdue]
    """Goal 3: open and overdue major hazards at each month end of 2026 so far."""

    @property
    def stock_met(self) -> bool | None:
        """基本消除存量: nothing of the stock open at the end of 2024."""
        return None if self.stock_open_at_deadline is None else self.stock_open_at_deadline == 0

    @property
    def increment_met(self) -> bool | None:
        """有效压减增量: fewer found in 2025 (so far) than in the same span of 2024."""
        if not self.quarters:
            return None
        return sum(q.found_2025 for q in self.quarters) < sum(q.found_2024 for q in self.quarters)

    @property
    def dynamic_zero(self) -> bool | None:
        """动态清零: no major hazard open and overdue at the latest month end counted."""
        return None if not self.months else self.months[-1].overdue == 0


_GOAL_KEYS = {"stock": "存量", "increment": "增量", "dynamic-zero": "动态清零"}


def _goal_iris(store: Store) -> dict[str, str | None]:
    from safetykg.store import query

    found: dict[str, str | None] = dict.fromkeys(_GOAL_KEYS)
    rows = query(
        store,
        "SELECT ?goal ?text WHERE { ?goal a sk:Goal . "
        "{ ?goal rdfs:label ?text } UNION { ?goal sk:fullText ?text } }",
        prefixes={"sk": _SK, "rdfs": "http://www.w3.org/2000/01/rdf-schema#"},
    )
    for r in rows:
        text = r["text"].value
        for key, word in _GOAL_KEYS.items():
            if word in text and found[key] is None:
                found[key] = r["goal"].value
    return found


def goal_progress(
    store: Store, as_of: dt.date | None = None, *, library: QueryLibrary | None = None
) -> GoalProgress:
    """Progress on the three goals of 二 (major hazards only), at the end of ``as_of``:

    1. 2024年底前基本消除2023年及以前排查发现的重大事故隐患存量 — the stock found by
       2023-12-31, and how much of it was open at the end of 2024 and is open now;
    2. 2025年底前有效压减重大事故隐患增量 — found per quarter of 2025 against the
       same quarter of 2024 (the current quarter up to the same day);
    3. 2026年底前形成重大事故隐患动态清零的常态化机制 — open and overdue at each month
       end of 2026 so far.
    """
    day = as_of or dt.date.today()
    lib = _lib(library)
    major = [ix.MAJOR]

    def found_by(d: dt.date) -> int:
        return sum(_counts(store, lib, "found", major, d).values())

    def stock_open(d: dt.date) -> int:
        return sum(n for y, n in _counts(store, lib, "open", major, d).items() if y <= "2023")

    stock_deadline = dt.date(2024, 12, 31)
    quarters = []
    for q in range(1, 5):
        start = dt.date(2025, 3 * q - 2, 1)
        if start > day:
            break
        end = min(dt.date(2025 + q // 4, (3 * q) % 12 + 1, 1) - dt.timedelta(days=1), day)
        prior_start, prior_end = start.replace(year=2024), end.replace(year=2024)
        quarters.append(
            QuarterIncrement(
                quarter=q,
                through=end,
                found_2024=found_by(prior_end) - found_by(prior_start - dt.timedelta(days=1)),
                found_2025=found_by(end) - found_by(start - dt.timedelta(days=1)),
            )
        )
    months = []
    for m in range(1, 13):
        start = dt.date(2026, m, 1)
        if start > day:
            break
        end = min(dt.date(2026 + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1), day)
        months.append(MonthOverdue(end, sum(_counts(store, lib, "overdue", major, end).values())))
    return GoalProgress(
        as_of=day,
        goals=_goal_iris(store),
        stock_total=found_by(dt.date(2023, 12, 31)),
        stock_open_at_deadline=stock_open(stock_deadline) if day >= stock_deadline else None,
        stock_open_now=stock_open(day),
        quarters=quarters,
        months=months,
    )
