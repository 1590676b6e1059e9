"""Answers about the plan's resources, read from the store, each fact with its source quote.

This module owns the questions the REST API asks about the plan graph and the
reference data: lists and details of plans, actions, tasks, phases, goals,
deadlines, departments, sectors and regions; the *responsibility profile* of a
sector (who leads, jointly or not, who takes part, which tasks concern it, the
三管三必须 fallback when the lead table does not list it) and of a department
(what it leads, which tasks name it); and the *department view* (profile plus
its deadlines before and after a date and its hazard counts).

Every answer is a pydantic model, so the API documents and validates it as is.
Every fact shown carries the plan sentence that states it (``sk:source`` →
``sk:SourceSpan`` → ``sk:quote`` with its offsets) as :class:`Quote`.

What it leaves to others: turning text a person typed into an IRI is
:mod:`safetykg.lookup`; choosing a label is :mod:`safetykg.labels`; hazard
records and their arithmetic (open, overdue, escalation due) are the
registry's, which :func:`department_view` calls when it is installed.

All SPARQL here binds values as terms (``substitutions``), or writes a
``VALUES`` block from :class:`pyoxigraph.NamedNode` terms that checked
themselves; nothing a client typed is pasted into query text. Parameters come
in as terms: :func:`resource_iri` turns an id or IRI into one at the edge.

>>> resource_iri("https://w3id.org/safetykg/id/sector/urban-gas").value
'https://w3id.org/safetykg/id/sector/urban-gas'
>>> split_iri("https://w3id.org/safetykg/id/task/bozhou-2024/8")
('task', 'bozhou-2024/8')
>>> paginate([1, 2, 3, 4, 5], limit=2, offset=2).model_dump()
{'total': 5, 'limit': 2, 'offset': 2, 'items': [3, 4]}
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field
from pyoxigraph import Literal as OxLiteral
from pyoxigraph import NamedNode, Store

from safetykg.errors import BadParameter, NotFound
from safetykg.labels import Labels, Language, fetch_labels
from safetykg.namespaces import ID, SK, sparql_prefixes
from safetykg.store import query

if TYPE_CHECKING:
    from safetykg.registry.reference import Reference

__all__ = [
    "list_enterprises",
    "enterprise_detail",
    "EnterpriseItem",
    "EnterpriseDetail",
    "goal_status",
    "status_change",
    "list_hazards",
    "hazard_statistics",
    "hazard_detail",
    "goals_progress",
    "Term",
    "StatusChange",
    "Statistics",
    "StatsRow",
    "ResponsibilityChain",
    "Party",
    "HazardPage",
    "HazardItem",
    "HazardDetail",
    "GoalStatus",
    "GoalProgressOut",
    "ActionDetail",
    "ActionItem",
    "DeadlineItem",
    "DepartmentProfile",
    "DepartmentSummary",
    "DepartmentView",
    "Entity",
    "FrequencyItem",
    "GoalItem",
    "HazardCounts",
    "Lead",
    "Page",
    "Participation",
    "PhaseItem",
    "PlanDetail",
    "PlanSummary",
    "Quote",
    "Ref",
    "RegionItem",
    "RegionProfile",
    "RuleRef",
    "SectorProfile",
    "SectorSummary",
    "SORTS",
    "Snapshot",
    "TaskDetail",
    "TaskMention",
    "TaskSummary",
    "action_detail",
    "deadline_detail",
    "department_view",
    "goal_detail",
    "hazard_counts",
    "list_actions",
    "list_deadlines",
    "list_departments",
    "list_goals",
    "list_phases",
    "list_plans",
    "list_regions",
    "list_sectors",
    "list_tasks",
    "page_of",
    "paginate",
    "phase_detail",
    "plan_detail",
    "region_detail",
    "resource_iri",
    "responsibility_profiles",
    "sector_detail",
    "sort_items",
    "split_iri",
    "task_detail",
]

_ID = str(ID)
_SK = str(SK)
_PREFIXES = sparql_prefixes()
T = TypeVar("T")

# --------------------------------------------------------------------------- shapes


class Quote(BaseModel):
    """The sentence of the plan that states a fact, and where it is in the source file."""

    text: str = Field(description="sk:quote: the source text, exactly as in the file")
    span: str = Field(description="IRI of the sk:SourceSpan")
    start: int = Field(description="sk:startOffset (code points into the UTF-8 text)")
    end: int = Field(description="sk:endOffset")


class Ref(BaseModel):
    """A resource named in an answer: its IRI, short id, kind and labels."""

    iri: str
    id: str = Field(description="the IRI after id/<kind>/, e.g. 'urban-gas', 'bozhou-2024/8'")
    kind: str = Field(description="the <kind> segment of the IRI, e.g. 'sector', 'task'")
    label: str = Field(description="the label in the display language (see lang)")
    label_zh: str | None = None
    label_en: str | None = None


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items[offset:offset+limit]`` of ``total``."""

    total: int = Field(ge=0)
    limit: int = Field(ge=0)
    offset: int = Field(ge=0)
    items: list[T]


class Lead(BaseModel):
    """A row of the lead table of 四(二): a department leads a sector."""

    sector: Ref
    department: Ref
    joint: bool = Field(description="true when the sector has several lead departments")
    source: Quote | None = None


class TaskMention(BaseModel):
    """A task names a sector or department, in some role."""

    task: Ref
    number: int
    role: Literal["named", "lead", "participant", "high-risk"]
    source: Quote | None = None


class Participation(BaseModel):
    """A department takes part (参与/配合) in the work a task assigns."""

    department: Ref
    task: Ref
    source: Quote | None = None


class RuleRef(BaseModel):
    """A rule the plan states (e.g. 三管三必须 for sectors the lead table does not list)."""

    rule: Ref
    statement: Ref
    source: Quote | None = None


class DeadlineItem(BaseModel):
    """A time limit of the plan and the clause it governs."""

    iri: str
    id: str
    label: str
    label_zh: str | None = None
    label_en: str | None = None
    due_date: dt.date
    inferred: bool = Field(description="sk:dateInferred: the day or year is not written")
    clause: str | None = None
    expression: str | None = Field(None, description="the time expression as written")
    owner: Ref | None = Field(None, description="the task, goal, phase or plan it belongs to")
    source: Quote | None = None


class FrequencyItem(BaseModel):
    """A frequency requirement (每月/每季度/每半年/每年 … 至少N次)."""

    iri: str
    label: str
    period: str = Field(description="xsd:duration, e.g. P3M")
    min_count: int | None = None
    high_risk_variant: bool = False
    clause: str | None = None
    expression: str | None = None
    source: Quote | None = None


class PlanSummary(BaseModel):
    iri: str
    id: str
    label: str
    label_zh: str | None = None
    label_en: str | None = None
    issued_on: dt.date | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    issuer: Ref | None = None
    actions: int = 0
    tasks: int = 0
    sources: list[Quote] = []


class ActionItem(BaseModel):
    iri: str
    id: str
    number: int
    label: str
    label_zh: str | None = None
    label_en: str | None = None
    plan: Ref | None = None
    tasks: int = 0
    source: Quote | None = None


class TaskSummary(BaseModel):
    iri: str
    id: str
    number: int
    label: str
    label_zh: str | None = None
    label_en: str | None = None
    action: Ref | None = None
    plan: Ref | None = None
    sectors: list[str] = Field([], description="IRIs of the sectors the task concerns")
    departments: list[str] = Field([], description="IRIs of the departments the task names")
    due_dates: list[dt.date] = []
    periods: list[str] = Field([], description="periods of its frequency requirements")
    source: Quote | None = None


class PhaseItem(BaseModel):
    iri: str
    id: str
    number: int
    label: str
    label_zh: str | None = None
    label_en: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    full_text: str | None = None
    plan: Ref | None = None
    deadlines: list[DeadlineItem] = []
    source: Quote | None = None


class GoalItem(BaseModel):
    iri: str
    id: str
    number: int
    label: str
    label_zh: str | None = None
    label_en: str | None = None
    plan: Ref | None = None
    deadlines: list[DeadlineItem] = []
    source: Quote | None = None


class ActionDetail(ActionItem):
    task_list: list[TaskSummary] = []


class TaskDetail(TaskSummary):
    full_text: str | None = None
    deadlines: list[DeadlineItem] = []
    frequencies: list[FrequencyItem] = []
    sectors_named: list[NamedIn] = []
    departments_named: list[NamedIn] = []
    other_named: list[NamedIn] = Field(
        [], description="rules, escalation measures and discovery channels the task names"
    )


class NamedIn(BaseModel):
    """Something a task (or the plan) names, with the role and the sentence."""

    target: Ref
    role: Literal["named", "lead", "participant", "high-risk"]
    source: Quote | None = None


class PlanDetail(PlanSummary):
    title: str | None = None
    printed_on: dt.date | None = None
    copies: int | None = None
    recipients: list[str] = []
    action_list: list[ActionItem] = []
    goals: list[GoalItem] = []
    phases: list[PhaseItem] = []
    rules: list[RuleRef] = []
    frequencies: list[FrequencyItem] = []


class SectorSummary(BaseModel):
    iri: str
    id: str
    label: str
    label_zh: str | None = None
    label_en: str | None = None
    aliases: list[str] = []
    high_risk: bool = False
    leads: list[Lead] = []
    fallback: RuleRef | None = Field(
        None, description="the 三管三必须 rule, when the lead table lists no department"
    )


class SectorProfile(BaseModel):
    """Who is responsible for a sector, and what the plan asks about it."""

    kind: Literal["sector"] = "sector"
    sector: Ref
    high_risk: bool = False
    high_risk_sources: list[Quote] = []
    leads: list[Lead] = []
    fallback: RuleRef | None = None
    participants: list[Participation] = Field(
        [], description="departments that take part where a task makes the sector's lead lead"
    )
    tasks: list[TaskMention] = []
    summary: str = Field(description="one sentence answering who is responsible")


class DepartmentProfile(BaseModel):
    """What a department leads and which tasks name it."""

    kind: Literal["department"] = "department"
    department: Ref
    jurisdiction: Ref | None = None
    leads: list[Lead] = []
    tasks: list[TaskMention] = Field([], description="tasks that name the department")
    sector_tasks: list[TaskMention] = Field(
        [], description="tasks that concern a sector the department leads"
    )
    summary: str


class RegionProfile(BaseModel):
    """A region, its government, and where it lies (reference data, not from the plan)."""

    kind: Literal["region"] = "region"
    region: Ref
    government: Ref | None = None
    part_of: Ref | None = None
    code: str | None = Field(None, description="GB/T 2260 code (dcterms:identifier)")
    note: str | None = Field(None, description="skos:editorialNote: where the facts come from")
    summary: str


class DepartmentSummary(BaseModel):
    iri: str
    id: str
    label: str
    label_zh: str | None = None
    label_en: str | None = None
    aliases: list[str] = []
    local_government: bool = False
    jurisdiction: Ref | None = None
    sectors_led: int = 0
    joint_leads: int = 0
    tasks_named: int = 0


class RegionItem(BaseModel):
    iri: str
    id: str
    label: str
    label_zh: str | None = None
    label_en: str | None = None
    region_type: str | None = Field(None, description="City, County, District or Park")
    code: str | None = None
    government: Ref | None = None
    part_of: Ref | None = None
    note: str | None = None


class HazardCounts(BaseModel):
    """A department's hazards as of a date (from the registry)."""

    as_of: dt.date
    open: int = 0
    overdue: int = 0
    escalation_due: int = 0


class DepartmentView(DepartmentProfile):
    """``GET /api/departments/{id}``: the profile, its deadlines around a date, its hazards."""

    as_of: dt.date
    upcoming_deadlines: list[DeadlineItem] = []
    past_deadlines: list[DeadlineItem] = []
    hazards: HazardCounts | None = Field(
        None, description="null when the hazard registry is not installed"
    )


TaskDetail.model_rebuild()

# --------------------------------------------------------------------------- terms


def split_iri(iri: str) -> tuple[str, str]:
    """``(kind, key)`` of one of our resource IRIs.

    Raises :class:`BadParameter` for an IRI outside ``id/``.

    >>> split_iri("https://w3id.org/safetykg/id/department/bozhou/education")
    ('department', 'bozhou/education')
    """
    if not iri.startswith(_ID):
        raise BadParameter(f"{iri!r} is not an IRI under {_ID}.")
    kind, _, key = iri[len(_ID) :].partition("/")
    return kind, key


_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]*(?:/[A-Za-z0-9][A-Za-z0-9._~-]*)*$")


def resource_iri(value: str, kind: str | None = None, *, parameter: str = "id") -> NamedNode:
    """The IRI term for an id (``urban-gas``, ``bozhou-2024/8``) or a full IRI of ours.

    ``kind`` is the ``id/<kind>/`` segment the value must have. Raises
    :class:`BadParameter` naming ``parameter`` when the value is neither.

    >>> resource_iri("bozhou-2024/8", "task").value
    'https://w3id.org/safetykg/id/task/bozhou-2024/8'
    >>> resource_iri("x y", "task")
    Traceback (most recent call last):
    ...
    safetykg.errors.BadParameter: ...
    """
    text = value.strip()
    if text.startswith(("http://", "https://")):
        got, key = split_iri(text)
        if kind and got != kind:
            raise BadParameter(f"{parameter}: {text!r} is a {got}, not a {kind}.")
    else:
        key = text.strip("/")
        if kind is None:
            raise BadParameter(f"{parameter}: give a full IRI under {_ID}.")
    if not _KEY.match(key):
        raise BadParameter(
            f"{parameter}: {value!r} is not a valid id (letters, digits, '-', '.', '/')."
        )
    try:
        return NamedNode(f"{_ID}{kind or got}/{key}")
    except ValueError as exc:  # pragma: no cover - _KEY already rules this out
        raise BadParameter(f"{parameter}: {value!r} is not a valid IRI.") from exc


def _ref(iri: str, labels: dict[str, Labels], lang: Language) -> Ref:
    found = labels.get(iri, Labels())
    kind, key = split_iri(iri) if iri.startswith(_ID) else ("term", iri.rsplit("#", 1)[-1])
    return Ref(
        iri=iri,
        id=key,
        kind=kind,
        label=found.get(lang, iri),
        label_zh=found.zh,
        label_en=found.en,
    )


def _labelled(iri: str, labels: dict[str, Labels], lang: Language) -> dict[str, Any]:
    """The iri/id/label fields every item carries."""
    r = _ref(iri, labels, lang)
    return {
        "iri": r.iri,
        "id": r.id,
        "label": r.label,
        "label_zh": r.label_zh,
        "label_en": r.label_en,
    }


# --------------------------------------------------------------------------- lists


def paginate(items: Sequence[T], limit: int, offset: int) -> Page[T]:
    """The page ``items[offset:offset+limit]`` with the total.

    Raises :class:`BadParameter` for a negative limit or offset.
    """
    if limit < 0:
        raise BadParameter("limit must be 0 or more.")
    if offset < 0:
        raise BadParameter("offset must be 0 or more.")
    return Page[Any](
        total=len(items), limit=limit, offset=offset, items=list(items[offset : offset + limit])
    )


def sort_items(
    items: Iterable[T], sort: str | None, keys: dict[str, Callable[[T], Any]], default: str
) -> list[T]:
    """Sort by one of ``keys`` (``-name`` for descending); BadParameter naming ``sort``.

    None values sort last whichever the direction.

    >>> sort_items([3, 1, 2], "-n", {"n": lambda x: x}, "n")
    [3, 2, 1]
    """
    spec = (sort or default).strip()
    descending = spec.startswith("-")
    name = spec.lstrip("-+")
    if name not in keys:
        raise BadParameter(
            f"sort: {spec!r} is not a sort key; use one of {', '.join(sorted(keys))} "
            "(prefix '-' for descending)."
        )
    key = keys[name]
    present = [i for i in items if key(i) is not None]
    missing = [i for i in items if key(i) is None]
    return sorted(present, key=key, reverse=descending) + missing


def page_of(
    items: Iterable[T],
    *,
    sort: str | None,
    keys: dict[str, Callable[[T], Any]],
    default: str,
    limit: int,
    offset: int,
) -> Page[T]:
    """Sort with :func:`sort_items`, then cut the page with :func:`paginate`."""
    return paginate(sort_items(items, sort, keys, default), limit, offset)


SORTS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "plans": {"id": lambda p: p.id, "issued_on": lambda p: p.issued_on},
    "actions": {"number": lambda a: (a.plan.id if a.plan else "", a.number)},
    "tasks": {
        "number": lambda t: (t.plan.id if t.plan else "", t.number),
        "due": lambda t: t.due_dates[0] if t.due_dates else None,
        "label": lambda t: t.label,
    },
    "phases": {
        "number": lambda p: (p.plan.id if p.plan else "", p.number),
        "start_date": lambda p: p.start_date,
    },
    "goals": {"number": lambda g: (g.plan.id if g.plan else "", g.number)},
    "deadlines": {"due_date": lambda d: (d.due_date, d.iri), "id": lambda d: d.id},
    "departments": {
        "id": lambda d: d.id,
        "label": lambda d: d.label,
        "sectors_led": lambda d: (d.sectors_led, d.id),
        "tasks_named": lambda d: (d.tasks_named, d.id),
    },
    "sectors": {
        "id": lambda s: s.id,
        "label": lambda s: s.label,
        "leads": lambda s: (len(s.leads), s.id),
    },
    "regions": {
        "code": lambda r: (r.code or "~", r.id),
        "id": lambda r: r.id,
        "label": lambda r: r.label,
    },
}
"""The sort keys each list accepts (``sort=<key>`` or ``sort=-<key>``)."""


# --------------------------------------------------------------------------- rows


def _v(row: Any, name: str) -> str | None:
    term = row[name]
    return None if term is None else term.value


def _int(row: Any, name: str) -> int | None:
    value = _v(row, name)
    return int(value) if value is not None else None


def _date(row: Any, name: str) -> dt.date | None:
    value = _v(row, name)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _bool(row: Any, name: str) -> bool:
    return _v(row, name) in ("true", "1")


def _quote(row: Any, prefix: str = "") -> Quote | None:
    text, span = row[f"{prefix}quote"], row[f"{prefix}span"]
    start, end = row[f"{prefix}start"], row[f"{prefix}end"]
    if text is None or span is None or start is None or end is None:
        return None
    return Quote(text=text.value, span=span.value, start=int(start.value), end=int(end.value))


def _select(store: Store, sparql: str, **bindings: NamedNode | OxLiteral | None) -> list[Any]:
    subs = {k: v for k, v in bindings.items() if v is not None}
    return list(query(store, _PREFIXES + sparql, subs))  # type: ignore[arg-type]


def _span(var: str, prefix: str = "") -> str:
    """The OPTIONAL pattern that fetches the source quote of ``?var``."""
    span = f"?{prefix}span"
    return (
        f"OPTIONAL {{ ?{var} sk:source {span} }} "
        f"OPTIONAL {{ {span} sk:quote ?{prefix}quote }} "
        f"OPTIONAL {{ {span} sk:startOffset ?{prefix}start }} "
        f"OPTIONAL {{ {span} sk:endOffset ?{prefix}end }}"
    )


_ROLE = {
    _SK + "RoleNamed": "named",
    _SK + "RoleLead": "lead",
    _SK + "RoleParticipant": "participant",
    _SK + "RoleHighRisk": "high-risk",
}


# --------------------------------------------------------------------------- plan


_Q_PLANS = """
SELECT ?plan ?issued ?start ?end ?issuer ?title ?printed ?copies
       (COUNT(DISTINCT ?action) AS ?actions) (COUNT(DISTINCT ?task) AS ?tasks) WHERE {
  ?plan a sk:Plan .
  OPTIONAL { ?plan sk:issuedOn ?issued }
  OPTIONAL { ?plan sk:startDate ?start }
  OPTIONAL { ?plan sk:endDate ?end }
  OPTIONAL { ?plan sk:issuer ?issuer }
  OPTIONAL { ?plan dcterms:title ?title }
  OPTIONAL { ?plan sk:printedOn ?printed }
  OPTIONAL { ?plan sk:copies ?copies }
  OPTIONAL { ?plan sk:hasAction ?action . OPTIONAL { ?action sk:hasTask ?task } }
} GROUP BY ?plan ?issued ?start ?end ?issuer ?title ?printed ?copies
"""

_Q_PLAN_SOURCES = f"""
SELECT ?plan ?span ?quote ?start ?end WHERE {{
  ?plan a sk:Plan .
  {_span("plan")}
}} ORDER BY ?start
"""


def list_plans(store: Store, lang: Language) -> list[PlanSummary]:
    """Every plan in the store, with its dates, issuer, size and source sentences."""
    rows = _select(store, _Q_PLANS)
    return _plan_summaries(store, rows, lang)


def _plan_summaries(store: Store, rows: list[Any], lang: Language) -> list[PlanSummary]:
    iris = [_v(r, "plan") for r in rows] + [_v(r, "issuer") for r in rows]
    labels = fetch_labels(store, [i for i in iris if i])
    sources: dict[str, list[Quote]] = {}
    for r in _select(store, _Q_PLAN_SOURCES):
        q = _quote(r)
        if q:
            sources.setdefault(r["plan"].value, []).append(q)
    out = []
    for r in rows:
        plan = r["plan"].value
        issuer = _v(r, "issuer")
        out.append(
            PlanSummary(
                **_labelled(plan, labels, lang),
                issued_on=_date(r, "issued"),
                start_date=_date(r, "start"),
                end_date=_date(r, "end"),
                issuer=_ref(issuer, labels, lang) if issuer else None,
                actions=_int(r, "actions") or 0,
                tasks=_int(r, "tasks") or 0,
                sources=sources.get(plan, []),
            )
        )
    return out


_Q_PLAN_EXTRA = f"""
SELECT ?plan ?what ?x ?value ?rule ?span ?quote ?start ?end WHERE {{
  {{ BIND("recipient" AS ?what) ?plan sk:recipient ?value }}
  UNION {{ BIND("rule" AS ?what) ?plan sk:statesRule ?x . ?x sk:rule ?rule . {_span("x")} }}
  UNION {{ BIND("frequency" AS ?what) ?plan sk:hasFrequency ?x }}
}}
"""


def plan_detail(store: Store, plan: NamedNode, lang: Language) -> PlanDetail:
    """One plan with its actions, goals, phases, rules, frequencies and recipients.

    Raises :class:`NotFound` when ``plan`` is not a plan in the store.
    """
    rows = [r for r in _select(store, _Q_PLANS) if r["plan"] == plan]
    if not rows:
        raise NotFound(f"No plan {plan.value} in the store.")
    summary = _plan_summaries(store, rows, lang)[0]
    r = rows[0]
    extra = _select(store, _Q_PLAN_EXTRA, plan=plan)
    recipients = sorted({x["value"].value for x in extra if _v(x, "what") == "recipient"})
    rule_rows = [x for x in extra if _v(x, "what") == "rule"]
    rules = _rules(store, rule_rows, lang)
    freq_iris = [NamedNode(x["x"].value) for x in extra if _v(x, "what") == "frequency"]
    return PlanDetail(
        **summary.model_dump(),
        title=_v(r, "title"),
        printed_on=_date(r, "printed"),
        copies=_int(r, "copies"),
        recipients=recipients,
        action_list=list_actions(store, lang, plan=plan),
        goals=list_goals(store, lang, plan=plan),
        phases=list_phases(store, lang, plan=plan),
        rules=rules,
        frequencies=_frequencies(store, freq_iris, lang),
    )


def _rules(store: Store, rows: list[Any], lang: Language) -> list[RuleRef]:
    iris = [x for r in rows for x in (_v(r, "x"), _v(r, "rule")) if x]
    labels = fetch_labels(store, iris)
    return [
        RuleRef(
            rule=_ref(r["rule"].value, labels, lang),
            statement=_ref(r["x"].value, labels, lang),
            source=_quote(r),
        )
        for r in rows
    ]


# --------------------------------------------------------------------------- actions


_Q_ACTIONS = f"""
SELECT ?action ?number ?plan ?span ?quote ?start ?end (COUNT(DISTINCT ?task) AS ?tasks) WHERE {{
  ?action a sk:Action ; sk:number ?number .
  OPTIONAL {{ ?plan sk:hasAction ?action }}
  OPTIONAL {{ ?action sk:hasTask ?task }}
  {_span("action")}
}} GROUP BY ?action ?number ?plan ?span ?quote ?start ?end
"""


def list_actions(
    store: Store, lang: Language, *, plan: NamedNode | None = None
) -> list[ActionItem]:
    """The actions (十大行动) of one plan or of all, by number."""
    rows = [r for r in _select(store, _Q_ACTIONS) if plan is None or r["plan"] == plan]
    labels = fetch_labels(store, [v for r in rows for v in (_v(r, "action"), _v(r, "plan")) if v])
    items = [
        ActionItem(
            **_labelled(r["action"].value, labels, lang),
            number=_int(r, "number") or 0,
            plan=_ref(r["plan"].value, labels, lang) if r["plan"] else None,
            tasks=_int(r, "tasks") or 0,
            source=_quote(r),
        )
        for r in rows
    ]
    return sorted(items, key=lambda a: (a.plan.iri if a.plan else "", a.number))


_Item = TypeVar("_Item", ActionItem, PhaseItem, GoalItem)


def _one(items: list[_Item], iri: NamedNode, kind: str) -> _Item:
    """The item of a list with this IRI. Raises :class:`NotFound`."""
    for item in items:
        if item.iri == iri.value:
            return item
    raise NotFound(f"No {kind} {iri.value} in the store.")


def action_detail(store: Store, action: NamedNode, lang: Language) -> ActionDetail:
    """One action with its tasks. Raises :class:`NotFound`."""
    found = _one(list_actions(store, lang), action, "action")
    tasks = list_tasks(store, lang, action=action)
    return ActionDetail(**found.model_dump(), task_list=tasks)


# --------------------------------------------------------------------------- tasks


_Q_TASKS = """
SELECT ?task ?what ?x ?y ?start ?end WHERE {
  { BIND("number" AS ?what) ?task a sk:Task ; sk:number ?x }
  UNION { BIND("action" AS ?what) ?x sk:hasTask ?task . OPTIONAL { ?y sk:hasAction ?x } }
  UNION { BIND("sector" AS ?what) ?task sk:concernsSector ?x }
  UNION { BIND("dept" AS ?what) ?task sk:mentionsDepartment|sk:participatingDepartment ?x }
  UNION { BIND("due" AS ?what) ?task sk:hasDeadline/sk:dueDate ?x }
  UNION { BIND("period" AS ?what) ?task sk:hasFrequency/sk:period ?x }
  UNION { BIND("source" AS ?what) ?task a sk:Task ; sk:source ?x .
          ?x sk:quote ?y ; sk:startOffset ?start ; sk:endOffset ?end }
}
"""
"""One row per fact of a task (a UNION of simple patterns is much faster in the
engine than OPTIONALs grouped with GROUP_CONCAT); assembled in :func:`list_tasks`."""


def list_tasks(
    store: Store,
    lang: Language,
    *,
    plan: NamedNode | None = None,
    action: NamedNode | None = None,
    task: NamedNode | None = None,
    sector: NamedNode | None = None,
    department: NamedNode | None = None,
    due_after: dt.date | None = None,
    due_before: dt.date | None = None,
    period: str | None = None,
) -> list[TaskSummary]:
    """Tasks, filtered: of a plan or action; concerning a sector; naming a department;
    with a deadline in ``[due_after, due_before]``; with a frequency of ``period``.

    Sorted by plan and number; one query for the tasks, one for the labels.
    """
    facts: dict[str, dict[str, Any]] = {}
    for r in _select(store, _Q_TASKS, task=task):
        f = facts.setdefault(
            r["task"].value,
            {"sector": set(), "dept": set(), "due": set(), "period": set()},
        )
        what, x = r["what"].value, r["x"].value
        if what == "number":
            f["number"] = int(x)
        elif what == "action":
            f["action"], f["plan"] = x, _v(r, "y")
        elif what == "source":
            f["source"] = Quote(
                text=r["y"].value, span=x, start=int(r["start"].value), end=int(r["end"].value)
            )
        elif what == "due":
            f["due"].add(dt.date.fromisoformat(x[:10]))
        else:
            f[what].add(x)
    tasks: list[TaskSummary] = []
    for iri, f in facts.items():
        if "number" not in f:
            continue
        if plan is not None and f.get("plan") != plan.value:
            continue
        if action is not None and f.get("action") != action.value:
            continue
        if sector is not None and sector.value not in f["sector"]:
            continue
        if department is not None and department.value not in f["dept"]:
            continue
        if due_after is not None and not any(d >= due_after for d in f["due"]):
            continue
        if due_before is not None and not any(d <= due_before for d in f["due"]):
            continue
        if period is not None and period not in f["period"]:
            continue
        tasks.append(
            TaskSummary(
                iri=iri,
                id=split_iri(iri)[1],
                number=f["number"],
                label="",
                action=Ref(iri=f["action"], id="", kind="action", label="")
                if f.get("action")
                else None,
                plan=Ref(iri=f["plan"], id="", kind="plan", label="") if f.get("plan") else None,
                sectors=sorted(f["sector"]),
                departments=sorted(f["dept"]),
                due_dates=sorted(f["due"]),
                periods=sorted(f["period"]),
                source=f.get("source"),
            )
        )
    iris = {t.iri for t in tasks} | {t.action.iri for t in tasks if t.action}
    iris |= {t.plan.iri for t in tasks if t.plan}
    labels = fetch_labels(store, sorted(iris))
    for t in tasks:
        fields = _labelled(t.iri, labels, lang)
        t.label, t.label_zh, t.label_en = fields["label"], fields["label_zh"], fields["label_en"]
        if t.action:
            t.action = _ref(t.action.iri, labels, lang)
        if t.plan:
            t.plan = _ref(t.plan.iri, labels, lang)
    return sorted(tasks, key=lambda t: (t.plan.iri if t.plan else "", t.number))


_Q_TASK_NAMED = f"""
SELECT ?task ?m ?target ?role ?span ?quote ?start ?end WHERE {{
  ?m a sk:Mention ; sk:mentionedIn ?task ; sk:mentionOf ?target ; sk:mentionRole ?role .
  {_span("m")}
}}
"""

_Q_TASK_PARTS = """
SELECT ?task ?what ?x ?fulltext WHERE {
  { BIND("text" AS ?what) ?task sk:fullText ?fulltext }
  UNION { BIND("deadline" AS ?what) ?task sk:hasDeadline ?x }
  UNION { BIND("frequency" AS ?what) ?task sk:hasFrequency ?x }
}
"""


def task_detail(store: Store, task: NamedNode, lang: Language) -> TaskDetail:
    """One task: full text, action, deadlines, frequencies, and everything it names,
    each with the sentence that names it. Raises :class:`NotFound`."""
    found = list_tasks(store, lang, task=task)
    if not found:
        raise NotFound(f"No task {task.value} in the store.")
    parts = _select(store, _Q_TASK_PARTS, task=task)
    full_text = next((_v(p, "fulltext") for p in parts if _v(p, "what") == "text"), None)
    deadline_iris = [NamedNode(p["x"].value) for p in parts if _v(p, "what") == "deadline"]
    freq_iris = [NamedNode(p["x"].value) for p in parts if _v(p, "what") == "frequency"]
    named_rows = _select(store, _Q_TASK_NAMED, task=task)
    labels = fetch_labels(store, [r["target"].value for r in named_rows])
    sectors, departments, other = [], [], []
    for r in sorted(named_rows, key=lambda r: (_int(r, "start") or 0, r["target"].value)):
        target = r["target"].value
        item = NamedIn(
            target=_ref(target, labels, lang),
            role=_ROLE.get(r["role"].value, "named"),
            source=_quote(r),
        )
        if target.startswith(_ID + "sector/"):
            sectors.append(item)
        elif target.startswith(_ID + "department/"):
            departments.append(item)
        else:
            other.append(item)
    return TaskDetail(
        **found[0].model_dump(),
        full_text=full_text,
        deadlines=_deadlines(store, lang, iris=deadline_iris),
        frequencies=_frequencies(store, freq_iris, lang),
        sectors_named=sectors,
        departments_named=departments,
        other_named=other,
    )


# --------------------------------------------------------------------------- deadlines


_Q_DEADLINES = f"""
SELECT ?deadline ?owner ?due ?inferred ?clause ?expression ?span ?quote ?start ?end WHERE {{
  ?deadline a sk:Deadline ; sk:dueDate ?due .
  OPTIONAL {{ ?owner sk:hasDeadline ?deadline }}
  OPTIONAL {{ ?deadline sk:dateInferred ?inferred }}
  OPTIONAL {{ ?deadline sk:clause ?clause }}
  OPTIONAL {{ ?deadline sk:expression ?expression }}
  {_span("deadline")}
}}
"""


def _deadlines(
    store: Store,
    lang: Language,
    *,
    iris: Sequence[NamedNode] | None = None,
    deadline: NamedNode | None = None,
) -> list[DeadlineItem]:
    rows = _select(store, _Q_DEADLINES, deadline=deadline)
    if iris is not None:
        wanted = {i.value for i in iris}
        rows = [r for r in rows if r["deadline"].value in wanted]
    return _deadline_items(store, rows, lang)


def _deadline_items(store: Store, rows: list[Any], lang: Language) -> list[DeadlineItem]:
    iris = {v for r in rows for v in (_v(r, "deadline"), _v(r, "owner")) if v}
    return _deadline_items_labelled(rows, fetch_labels(store, sorted(iris)), lang)


def _deadline_items_labelled(
    rows: list[Any], labels: dict[str, Labels], lang: Language
) -> list[DeadlineItem]:
    seen: set[str] = set()
    out = []
    for r in rows:
        iri = r["deadline"].value
        if iri in seen:
            continue
        seen.add(iri)
        due = _date(r, "due")
        if due is None:
            continue
        owner = _v(r, "owner")
        out.append(
            DeadlineItem(
                **_labelled(iri, labels, lang),
                due_date=due,
                inferred=_bool(r, "inferred"),
                clause=_v(r, "clause"),
                expression=_v(r, "expression"),
                owner=_ref(owner, labels, lang) if owner else None,
                source=_quote(r),
            )
        )
    return sorted(out, key=lambda d: (d.due_date, d.iri))


def list_deadlines(
    store: Store,
    lang: Language,
    *,
    plan: NamedNode | None = None,
    after: dt.date | None = None,
    before: dt.date | None = None,
    owner_kind: str | None = None,
) -> list[DeadlineItem]:
    """Every time limit, by due date; within ``[after, before]``; of tasks, goals,
    phases or the plan itself (``owner_kind``); of one plan (by IRI prefix of the id)."""
    items = _deadlines(store, lang)
    if plan is not None:
        plan_key = split_iri(plan.value)[1]
        items = [d for d in items if d.id.split("/", 1)[0] == plan_key]
    if after is not None:
        items = [d for d in items if d.due_date >= after]
    if before is not None:
        items = [d for d in items if d.due_date <= before]
    if owner_kind is not None:
        items = [d for d in items if d.owner is not None and d.owner.kind == owner_kind]
    return items


def deadline_detail(store: Store, deadline: NamedNode, lang: Language) -> DeadlineItem:
    """One deadline. Raises :class:`NotFound`."""
    found = _deadlines(store, lang, deadline=deadline)
    if not found:
        raise NotFound(f"No deadline {deadline.value} in the store.")
    return found[0]


_Q_FREQUENCIES = f"""
SELECT ?f ?period ?min ?high ?clause ?expression ?span ?quote ?start ?end WHERE {{
  ?f a sk:FrequencyRequirement ; sk:period ?period .
  OPTIONAL {{ ?f sk:minCount ?min }}
  OPTIONAL {{ ?f sk:highRiskVariant ?high }}
  OPTIONAL {{ ?f sk:clause ?clause }}
  OPTIONAL {{ ?f sk:expression ?expression }}
  {_span("f")}
}}
"""


def _frequencies(store: Store, iris: Sequence[NamedNode], lang: Language) -> list[FrequencyItem]:
    if not iris:
        return []
    wanted = {i.value for i in iris}
    rows = [r for r in _select(store, _Q_FREQUENCIES) if r["f"].value in wanted]
    labels = fetch_labels(store, sorted(wanted))
    out = {
        r["f"].value: FrequencyItem(
            iri=r["f"].value,
            label=labels.get(r["f"].value, Labels()).get(lang, r["f"].value),
            period=r["period"].value,
            min_count=_int(r, "min"),
            high_risk_variant=_bool(r, "high"),
            clause=_v(r, "clause"),
            expression=_v(r, "expression"),
            source=_quote(r),
        )
        for r in rows
    }
    return sorted(out.values(), key=lambda f: f.iri)


# --------------------------------------------------------------------------- phases, goals


_Q_PHASES = f"""
SELECT ?phase ?number ?plan ?start_date ?end_date ?fulltext ?span ?quote ?start ?end WHERE {{
  ?phase a sk:Phase ; sk:number ?number .
  OPTIONAL {{ ?plan sk:hasPhase ?phase }}
  OPTIONAL {{ ?phase sk:startDate ?start_date }}
  OPTIONAL {{ ?phase sk:endDate ?end_date }}
  OPTIONAL {{ ?phase sk:fullText ?fulltext }}
  {_span("phase")}
}}
"""


def _deadlines_by_owner(store: Store, lang: Language) -> dict[str, list[DeadlineItem]]:
    items = _deadlines(store, lang)
    by_owner: dict[str, list[DeadlineItem]] = {}
    for d in items:
        if d.owner:
            by_owner.setdefault(d.owner.iri, []).append(d)
    return by_owner


def list_phases(
    store: Store,
    lang: Language,
    *,
    plan: NamedNode | None = None,
    on: dt.date | None = None,
) -> list[PhaseItem]:
    """The phases (阶段) of one plan or all, with dates and their own deadlines;
    ``on`` keeps the phase(s) whose dates contain that day."""
    rows = [r for r in _select(store, _Q_PHASES) if plan is None or r["plan"] == plan]
    labels = fetch_labels(store, [v for r in rows for v in (_v(r, "phase"), _v(r, "plan")) if v])
    owned = _deadlines_by_owner(store, lang)
    items = []
    for r in rows:
        iri = r["phase"].value
        item = PhaseItem(
            **_labelled(iri, labels, lang),
            number=_int(r, "number") or 0,
            start_date=_date(r, "start_date"),
            end_date=_date(r, "end_date"),
            full_text=_v(r, "fulltext"),
            plan=_ref(r["plan"].value, labels, lang) if r["plan"] else None,
            deadlines=owned.get(iri, []),
            source=_quote(r),
        )
        if on is not None and not (
            item.start_date and item.end_date and item.start_date <= on <= item.end_date
        ):
            continue
        items.append(item)
    return sorted(items, key=lambda p: (p.plan.iri if p.plan else "", p.number))


def phase_detail(store: Store, phase: NamedNode, lang: Language) -> PhaseItem:
    """One phase. Raises :class:`NotFound`."""
    return _one(list_phases(store, lang), phase, "phase")


_Q_GOALS = f"""
SELECT ?goal ?number ?plan ?span ?quote ?start ?end WHERE {{
  ?goal a sk:Goal ; sk:number ?number .
  OPTIONAL {{ ?plan sk:hasGoal ?goal }}
  {_span("goal")}
}}
"""


def list_goals(store: Store, lang: Language, *, plan: NamedNode | None = None) -> list[GoalItem]:
    """The headline goals of one plan or all, with their deadlines and sentences."""
    rows = [r for r in _select(store, _Q_GOALS) if plan is None or r["plan"] == plan]
    labels = fetch_labels(store, [v for r in rows for v in (_v(r, "goal"), _v(r, "plan")) if v])
    owned = _deadlines_by_owner(store, lang)
    items = [
        GoalItem(
            **_labelled(r["goal"].value, labels, lang),
            number=_int(r, "number") or 0,
            plan=_ref(r["plan"].value, labels, lang) if r["plan"] else None,
            deadlines=owned.get(r["goal"].value, []),
            source=_quote(r),
        )
        for r in rows
    ]
    return sorted(items, key=lambda g: (g.plan.iri if g.plan else "", g.number))


def goal_detail(store: Store, goal: NamedNode, lang: Language) -> GoalItem:
    """One goal. Raises :class:`NotFound`."""
    return _one(list_goals(store, lang), goal, "goal")


# --------------------------------------------------------------------------- responsibility


_Q_LEADS = f"""
SELECT ?la ?sector ?dept ?joint ?span ?quote ?start ?end WHERE {{
  ?la a sk:LeadAssignment ; sk:assignedSector ?sector ; sk:assignedDepartment ?dept .
  OPTIONAL {{ ?la sk:jointLead ?joint }}
  {_span("la")}
}}
"""

_Q_TASK_MENTIONS = f"""
SELECT ?task ?number ?target ?role ?span ?quote ?start ?end WHERE {{
  ?m a sk:Mention ; sk:mentionedIn ?task ; sk:mentionOf ?target ; sk:mentionRole ?role .
  ?task a sk:Task ; sk:number ?number .
  {_span("m")}
}}
"""

_Q_FALLBACK = f"""
SELECT ?x ?rule ?span ?quote ?start ?end WHERE {{
  ?x a sk:RuleStatement ; sk:rule ?rule .
  {_span("x")}
}}
"""

_Q_ENTITIES = """
SELECT ?s ?type ?alt ?jurisdiction ?government ?part_of ?code ?note ?rtype WHERE {
  VALUES ?type { sk:Sector sk:Department sk:Region }
  ?s a ?type .
  OPTIONAL { ?s skos:altLabel ?alt }
  OPTIONAL { ?s sk:jurisdiction ?jurisdiction }
  OPTIONAL { ?s sk:government ?government }
  OPTIONAL { ?s sk:partOfRegion ?part_of }
  OPTIONAL { ?s dcterms:identifier ?code }
  OPTIONAL { ?s skos:editorialNote ?note FILTER(langMatches(lang(?note), "en")) }
  OPTIONAL { ?s a ?rtype . VALUES ?rtype { sk:City sk:County sk:District sk:Park
                                           sk:HighRiskSector sk:LocalGovernment } }
}
"""


@dataclass(frozen=True)
class Entity:
    """A sector, department or region as the lookup and the lists need it."""

    iri: str
    kind: str
    """``sector``, ``department`` or ``region``."""
    labels: Labels
    aliases: tuple[tuple[str, str | None], ...] = ()
    """``skos:altLabel`` values with their language tags."""
    flags: frozenset[str] = frozenset()
    """Local names of extra classes: HighRiskSector, LocalGovernment, City, County, …"""
    jurisdiction: str | None = None
    government: str | None = None
    part_of: str | None = None
    code: str | None = None
    note: str | None = None


class Snapshot:
    """The plan's responsibility facts, read from the store in a few bulk queries.

    Who leads which sector, which tasks name what, the fallback rule, the
    deadlines, and every sector, department and region with its labels and
    aliases. The plan graph only changes when the store is rebuilt, so the API
    keeps one snapshot per open store and answers the lookup, the sector and
    department profiles and the department view's deadlines from memory
    (a few microseconds instead of a few milliseconds per query on disk).
    Profiles are built per display language on first use.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self.leads = _select(store, _Q_LEADS)
        self.mentions = _select(store, _Q_TASK_MENTIONS)
        self.deadline_rows = _select(store, _Q_DEADLINES)
        self.rules = [
            r
            for r in _select(store, _Q_FALLBACK)
            if r["rule"].value == _SK + "ThreeManagesThreeMusts"
        ]
        raw: dict[str, dict[str, Any]] = {}
        for r in _select(store, _Q_ENTITIES):
            e = raw.setdefault(
                r["s"].value,
                {"kind": r["type"].value.rsplit("#", 1)[-1].lower(), "aliases": [], "flags": set()},
            )
            alt = r["alt"]
            if alt is not None and (alt.value, alt.language) not in e["aliases"]:
                e["aliases"].append((alt.value, alt.language))
            for key in ("jurisdiction", "government", "part_of", "code", "note"):
                if r[key] is not None:
                    e[key] = r[key].value
            if r["rtype"] is not None:
                e["flags"].add(r["rtype"].value.rsplit("#", 1)[-1])
        iris = set(raw)
        iris |= {r[k].value for r in self.leads for k in ("sector", "dept")}
        iris |= {r[k].value for r in self.mentions for k in ("task", "target")}
        iris |= {r[k].value for r in self.rules for k in ("x", "rule")}
        iris |= {v for r in self.deadline_rows for v in (_v(r, "deadline"), _v(r, "owner")) if v}
        iris |= {
            e[k] for e in raw.values() for k in ("jurisdiction", "government", "part_of") if k in e
        }
        self.labels = fetch_labels(store, sorted(iris))
        self.entities: dict[str, Entity] = {
            iri: Entity(
                iri=iri,
                kind=e["kind"],
                labels=self.labels.get(iri, Labels()),
                aliases=tuple(sorted(e["aliases"], key=lambda a: (a[1] or "", a[0]))),
                flags=frozenset(e["flags"]),
                jurisdiction=e.get("jurisdiction"),
                government=e.get("government"),
                part_of=e.get("part_of"),
                code=e.get("code"),
                note=e.get("note"),
            )
            for iri, e in raw.items()
        }
        self._profiles: dict[str, dict[str, Profile]] = {}
        self._deadlines: dict[str, dict[str, list[DeadlineItem]]] = {}

    @cached_property
    def reference(self) -> Reference:
        """The registry's view of the same facts (:class:`~safetykg.registry.reference.Reference`),
        read on first use: write routes validate against it instead of re-reading the plan
        (60–150 ms) on every request."""
        from safetykg.registry.reference import Reference

        return Reference.load(self._store)

    def profiles(self, lang: Language) -> dict[str, Profile]:
        """Every profile in ``lang``, by IRI (built once per language)."""
        if lang not in self._profiles:
            self._profiles[lang] = _profiles(self, lang)
        return self._profiles[lang]

    def profile(self, iri: str, lang: Language, kind: str | None = None) -> Profile:
        """The profile of ``iri``; :class:`NotFound` if it is not a ``kind``."""
        found = self.profiles(lang).get(iri)
        if found is None or (kind is not None and found.kind != kind):
            raise NotFound(f"No {kind or 'sector, department or region'} {iri} in the store.")
        return found

    def department_deadlines(self, iri: str, lang: Language) -> list[DeadlineItem]:
        """Deadlines of the tasks that name the department or concern a sector it leads."""
        if lang not in self._deadlines:
            self._deadlines[lang] = _department_deadlines(self, lang)
        return self._deadlines[lang].get(iri, [])


Profile = SectorProfile | DepartmentProfile | RegionProfile


def _lead(r: Any, labels: dict[str, Labels], lang: Language) -> Lead:
    return Lead(
        sector=_ref(r["sector"].value, labels, lang),
        department=_ref(r["dept"].value, labels, lang),
        joint=_bool(r, "joint"),
        source=_quote(r),
    )


def _mention(r: Any, labels: dict[str, Labels], lang: Language) -> TaskMention:
    return TaskMention(
        task=_ref(r["task"].value, labels, lang),
        number=_int(r, "number") or 0,
        role=_ROLE.get(r["role"].value, "named"),
        source=_quote(r),
    )


def _dedupe_mentions(items: Iterable[TaskMention]) -> list[TaskMention]:
    """One entry per (task, role), by task number."""
    seen: dict[tuple[str, str], TaskMention] = {}
    for m in items:
        seen.setdefault((m.task.iri, m.role), m)
    return sorted(seen.values(), key=lambda m: (m.number, m.role))


_SUMMARY = {
    "zh": {
        "lead": "{sector}由{depts}牵头负责。",
        "joint": "{sector}由{depts}共同牵头负责（联合牵头）。",
        "fallback": "牵头部门表未列明{sector}；按“三管三必须”由负有行业管理职责的部门负责。",
        "dept": "{dept}牵头负责{n}个行业领域：{sectors}。",
        "dept_none": "{dept}在牵头部门表中没有牵头负责的行业领域。",
        "region": "{region}（参考数据，非方案原文）。",
        "sep": "、",
    },
    "en": {
        "lead": "{sector} is led by {depts}.",
        "joint": "{sector} is led jointly by {depts}.",
        "fallback": "The lead table does not list {sector}; under the three-manages-three-musts "
        "rule the departments with management duties for it are responsible.",
        "dept": "{dept} leads {n} sector(s): {sectors}.",
        "dept_none": "{dept} leads no sector in the lead table.",
        "region": "{region} (reference data, not stated in the plan).",
        "sep": ", ",
    },
}


def responsibility_profiles(store: Store, lang: Language) -> dict[str, Profile]:
    """The responsibility profile of every sector, department and region, by IRI.

    Reads a fresh :class:`Snapshot`; keep the snapshot instead when asking often.
    """
    return Snapshot(store).profiles(lang)


def _profiles(snap: Snapshot, lang: Language) -> dict[str, Profile]:
    labels = snap.labels
    words = _SUMMARY[lang]
    leads_by_sector: dict[str, list[Lead]] = {}
    leads_by_dept: dict[str, list[Lead]] = {}
    for r in snap.leads:
        lead = _lead(r, labels, lang)
        leads_by_sector.setdefault(lead.sector.iri, []).append(lead)
        leads_by_dept.setdefault(lead.department.iri, []).append(lead)
    mentions_of: dict[str, list[TaskMention]] = {}
    lead_tasks: dict[str, set[str]] = {}  # sector -> tasks that make its lead lead the work
    participants_in: dict[str, list[tuple[str, Quote | None]]] = {}  # task -> departments
    for r in snap.mentions:
        m = _mention(r, labels, lang)
        target = r["target"].value
        mentions_of.setdefault(target, []).append(m)
        if m.role == "lead":
            lead_tasks.setdefault(target, set()).add(m.task.iri)
        if m.role == "participant":
            participants_in.setdefault(m.task.iri, []).append((target, m.source))
    fallback = None
    if snap.rules:
        r = snap.rules[0]
        fallback = RuleRef(
            rule=_ref(r["rule"].value, labels, lang),
            statement=_ref(r["x"].value, labels, lang),
            source=_quote(r),
        )
    profiles: dict[str, Profile] = {}
    for iri, e in snap.entities.items():
        ref = _ref(iri, labels, lang)
        if e.kind == "sector":
            leads = sorted(leads_by_sector.get(iri, []), key=lambda x: x.department.iri)
            mentions = mentions_of.get(iri, [])
            participants = [
                Participation(
                    department=_ref(dept, labels, lang), task=_ref(task, labels, lang), source=quote
                )
                for task in sorted(lead_tasks.get(iri, ()))
                for dept, quote in participants_in.get(task, [])
            ]
            depts = words["sep"].join(x.department.label for x in leads)
            if not leads:
                summary = words["fallback"].format(sector=ref.label)
            elif len(leads) > 1:
                summary = words["joint"].format(sector=ref.label, depts=depts)
            else:
                summary = words["lead"].format(sector=ref.label, depts=depts)
            profiles[iri] = SectorProfile(
                sector=ref,
                high_risk="HighRiskSector" in e.flags,
                high_risk_sources=[
                    m.source for m in mentions if m.role == "high-risk" and m.source
                ],
                leads=leads,
                fallback=None if leads else fallback,
                participants=sorted(participants, key=lambda p: p.department.iri),
                tasks=_dedupe_mentions(mentions),
                summary=summary,
            )
        elif e.kind == "department":
            leads = sorted(leads_by_dept.get(iri, []), key=lambda x: x.sector.iri)
            sector_tasks = [m for lead in leads for m in mentions_of.get(lead.sector.iri, [])]
            if leads:
                summary = words["dept"].format(
                    dept=ref.label,
                    n=len(leads),
                    sectors=words["sep"].join(x.sector.label for x in leads),
                )
            else:
                summary = words["dept_none"].format(dept=ref.label)
            profiles[iri] = DepartmentProfile(
                department=ref,
                jurisdiction=_ref(e.jurisdiction, labels, lang) if e.jurisdiction else None,
                leads=leads,
                tasks=_dedupe_mentions(mentions_of.get(iri, [])),
                sector_tasks=_dedupe_mentions(sector_tasks),
                summary=summary,
            )
        elif e.kind == "region":
            profiles[iri] = RegionProfile(
                region=ref,
                government=_ref(e.government, labels, lang) if e.government else None,
                part_of=_ref(e.part_of, labels, lang) if e.part_of else None,
                code=e.code,
                note=e.note,
                summary=words["region"].format(region=ref.label),
            )
    return profiles


def _department_deadlines(snap: Snapshot, lang: Language) -> dict[str, list[DeadlineItem]]:
    """Deadlines of the tasks each department is named in or whose sector it leads."""
    deadlines = _deadline_items_labelled(snap.deadline_rows, snap.labels, lang)
    by_task: dict[str, list[DeadlineItem]] = {}
    for d in deadlines:
        if d.owner is not None and d.owner.kind == "task":
            by_task.setdefault(d.owner.iri, []).append(d)
    tasks_of: dict[str, set[str]] = {}
    sectors_led: dict[str, set[str]] = {}
    for r in snap.leads:
        sectors_led.setdefault(r["dept"].value, set()).add(r["sector"].value)
    tasks_about: dict[str, set[str]] = {}
    for r in snap.mentions:
        tasks_about.setdefault(r["target"].value, set()).add(r["task"].value)
    for iri, e in snap.entities.items():
        if e.kind != "department":
            continue
        tasks = set(tasks_about.get(iri, ()))
        for sector in sectors_led.get(iri, ()):
            tasks |= tasks_about.get(sector, set())
        tasks_of[iri] = tasks
    return {
        dept: sorted(
            (d for task in tasks for d in by_task.get(task, [])), key=lambda d: (d.due_date, d.iri)
        )
        for dept, tasks in tasks_of.items()
    }


# --------------------------------------------------------------------------- sectors


def list_sectors(
    snapshot: Snapshot,
    lang: Language,
    *,
    only: set[str] | None = None,
    lead: NamedNode | None = None,
    high_risk: bool | None = None,
    has_lead: bool | None = None,
) -> list[SectorSummary]:
    """Every sector with its lead department(s) (joint marked) or the fallback rule;
    only those in ``only`` (IRIs), led by ``lead``, high-risk or not, with a lead or not."""
    out = []
    for iri, p in snapshot.profiles(lang).items():
        if not isinstance(p, SectorProfile) or (only is not None and iri not in only):
            continue
        if lead is not None and all(x.department.iri != lead.value for x in p.leads):
            continue
        if high_risk is not None and p.high_risk != high_risk:
            continue
        if has_lead is not None and bool(p.leads) != has_lead:
            continue
        out.append(
            SectorSummary(
                **p.sector.model_dump(exclude={"kind"}),
                aliases=[a for a, _ in snapshot.entities[iri].aliases],
                high_risk=p.high_risk,
                leads=p.leads,
                fallback=p.fallback,
            )
        )
    return sorted(out, key=lambda s: s.id)


def sector_detail(snapshot: Snapshot, sector: NamedNode, lang: Language) -> SectorProfile:
    """Who leads a sector, who takes part, which tasks concern it. Raises NotFound."""
    return snapshot.profile(sector.value, lang, "sector")  # type: ignore[return-value]


# --------------------------------------------------------------------------- departments


def list_departments(
    snapshot: Snapshot,
    lang: Language,
    *,
    only: set[str] | None = None,
    leads: NamedNode | None = None,
    local_government: bool | None = None,
) -> list[DepartmentSummary]:
    """Every department (and local government) with how much it leads and is named;
    only those in ``only`` (IRIs), leading the sector ``leads``, local governments or not."""
    out = []
    for iri, p in snapshot.profiles(lang).items():
        if not isinstance(p, DepartmentProfile) or (only is not None and iri not in only):
            continue
        if leads is not None and all(x.sector.iri != leads.value for x in p.leads):
            continue
        if local_government is not None and (
            ("LocalGovernment" in snapshot.entities[iri].flags) != local_government
        ):
            continue
        e = snapshot.entities[iri]
        out.append(
            DepartmentSummary(
                **p.department.model_dump(exclude={"kind"}),
                aliases=[a for a, _ in e.aliases],
                local_government="LocalGovernment" in e.flags,
                jurisdiction=p.jurisdiction,
                sectors_led=len(p.leads),
                joint_leads=sum(1 for x in p.leads if x.joint),
                tasks_named=len({m.task.iri for m in p.tasks}),
            )
        )
    return sorted(out, key=lambda d: d.id)


def department_view(
    store: Store,
    department: NamedNode,
    lang: Language,
    *,
    as_of: dt.date,
    snapshot: Snapshot | None = None,
) -> DepartmentView:
    """The department view: what it leads (joint marked), the tasks that name it and
    that concern its sectors, its deadlines before and after ``as_of``, and its open,
    overdue and escalation-due hazards as of that date.

    The plan facts come from ``snapshot`` (read from ``store`` when not given);
    the hazard counts are asked of the store through the registry.
    Raises :class:`NotFound` when ``department`` is not a department.
    """
    snap = snapshot or Snapshot(store)
    profile = snap.profile(department.value, lang, "department")
    deadlines = snap.department_deadlines(department.value, lang)
    # The profile's parts are validated models already (kept in the snapshot):
    # build the view around them without validating them again.
    return DepartmentView.model_construct(
        **{name: getattr(profile, name) for name in type(profile).model_fields},
        as_of=as_of,
        upcoming_deadlines=[d for d in deadlines if d.due_date >= as_of],
        past_deadlines=sorted(
            (d for d in deadlines if d.due_date < as_of), key=lambda d: d.due_date, reverse=True
        ),
        hazards=hazard_counts(store, department, as_of),
    )


def hazard_counts(store: Store, department: NamedNode, as_of: dt.date) -> HazardCounts | None:
    """Open, overdue and escalation-due hazards of ``department`` as of ``as_of``,
    from the hazard registry; ``None`` while the registry is not installed."""
    try:
        from safetykg.registry.answers import department_hazard_counts
    except ImportError:
        return None
    counts = department_hazard_counts(store, department, as_of)
    return HazardCounts(as_of=as_of, **counts)


# --------------------------------------------------------------------------- regions


def list_regions(snapshot: Snapshot, lang: Language) -> list[RegionItem]:
    """The regions (reference data): type, GB/T 2260 code, government, parent region."""
    out = []
    for iri, p in snapshot.profiles(lang).items():
        if isinstance(p, RegionProfile):
            flags = snapshot.entities[iri].flags & {"City", "County", "District", "Park"}
            out.append(
                RegionItem(
                    **p.region.model_dump(exclude={"kind"}),
                    region_type=min(flags) if flags else None,
                    code=p.code,
                    government=p.government,
                    part_of=p.part_of,
                    note=p.note,
                )
            )
    return sorted(out, key=lambda r: (r.part_of is not None, r.code or "", r.id))


def region_detail(snapshot: Snapshot, region: NamedNode, lang: Language) -> RegionProfile:
    """One region with its government. Raises :class:`NotFound`."""
    return snapshot.profile(region.value, lang, "region")  # type: ignore[return-value]


# --------------------------------------------------------------------------- hazards
#
# The registry (safetykg.registry) owns the records, the lifecycle and the answers
# (responsibility, overdue, statistics, goals); what follows only turns its answers
# into the API's shapes, with labels and the plan's sentences from the snapshot.


class Term(BaseModel):
    """A value from a closed list (status, channel, measure), with its names."""

    key: str
    iri: str
    label: str
    label_zh: str
    label_en: str


def _term(member: Any, lang: Language) -> Term:
    return Term(
        key=member.value,
        iri=member.iri,
        label=member.zh if lang == "zh" else member.en,
        label_zh=member.zh,
        label_en=member.en,
    )


class HazardItem(BaseModel):
    """One hazard as a list shows it, as of a date."""

    iri: str
    id: str
    label: str
    label_zh: str | None = None
    label_en: str | None = None
    major: bool
    enterprise: Ref
    sector: Ref
    region: Ref
    discovered_on: dt.date | None = None
    deadline: dt.date = Field(description="sk:rectificationDeadline")
    status: Term = Field(description="the current status")
    closed_on: dt.date | None = None
    days_overdue: int | None = Field(
        None, description="days past the deadline as of as_of; null when not overdue then"
    )
    escalation_due: Term | None = Field(None, description="the rung of the ladder due")
    escalation_taken: Term | None = Field(None, description="the highest rung taken by as_of")
    listed_by: Ref | None = Field(None, description="挂牌督办: by whom")
    listed_on: dt.date | None = None


class HazardPage(BaseModel):
    """A page of hazards with the total that match."""

    as_of: dt.date
    total: int = Field(ge=0)
    limit: int = Field(ge=0)
    offset: int = Field(ge=0)
    items: list[HazardItem]


class Party(BaseModel):
    """Someone who answers for a hazard, and the plan's sentence that makes it so."""

    organisation: Ref
    kind: Literal["enterprise", "sector", "territorial"] = Field(
        description="主体责任 (enterprise), 行业监管责任 (sector), 属地管理责任 (territorial)"
    )
    joint: bool = False
    fallback: bool = Field(False, description="responsible under the 三管三必须 fallback")
    principal: str | None = None
    actual_controller: str | None = None
    source: Quote | None = None


class ResponsibilityChain(BaseModel):
    """主体 / 行业 / 属地: who answers for a hazard."""

    enterprise: Party
    sector: list[Party]
    territorial: list[Party] = Field(description="the region's government first, then outward")
    fallback: bool


class Escalation(BaseModel):
    measure: Term
    on: dt.date
    by: Ref | None = None


class StatusChange(BaseModel):
    """One recorded step of a hazard's lifecycle (PROV activity)."""

    iri: str
    hazard_id: str
    seq: int
    from_status: str | None = None
    to_status: str
    at: dt.datetime
    actor: Ref | None = None
    reason: str | None = None


class HazardDetail(HazardItem):
    """``GET /api/hazards/{id}``: the record, who answers for it, and its history."""

    as_of: dt.date
    description: str | None = None
    channel: Term
    rectifying_on: dt.date | None = None
    rectified_on: dt.date | None = None
    reviewed_by: Ref | None = None
    escalations: list[Escalation] = []
    responsibility: ResponsibilityChain
    history: list[StatusChange] = []


def _snap_ref(
    snapshot: Snapshot, iri: str, lang: Language, zh: str | None = None, en: str | None = None
) -> Ref:
    """A reference to ``iri`` with the snapshot's labels, or ``zh``/``en`` for what the
    snapshot does not hold (enterprises: they are registry data, not plan data)."""
    labels = snapshot.labels.get(iri) or Labels(zh=zh, en=en)
    kind, key = split_iri(iri) if iri.startswith(_ID) else ("term", local_name_of(iri))
    return Ref(
        iri=iri,
        id=key,
        kind=kind,
        label=labels.get(lang, iri),
        label_zh=labels.zh,
        label_en=labels.en,
    )


def local_name_of(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _hazard_labels(hazard_id: str, major: bool) -> Labels:
    if major:
        return Labels(zh=f"重大事故隐患 {hazard_id}", en=f"Major hazard {hazard_id}")
    return Labels(zh=f"隐患 {hazard_id}", en=f"Hazard {hazard_id}")


def _overdue_item(item: Any, snapshot: Snapshot, lang: Language) -> HazardItem:
    labels = Labels(zh=item.zh, en=item.en)
    return HazardItem(
        iri=item.hazard,
        id=item.id,
        label=labels.get(lang, item.hazard),
        label_zh=labels.zh,
        label_en=labels.en,
        major=item.major,
        enterprise=_snap_ref(
            snapshot, item.enterprise, lang, item.enterprise_zh, item.enterprise_en
        ),
        sector=_snap_ref(snapshot, item.sector, lang),
        region=_snap_ref(snapshot, item.region, lang),
        deadline=item.deadline,
        status=_term(item.status, lang),
        closed_on=item.closed_on,
        days_overdue=item.days_overdue if item.days_overdue > 0 else None,
        escalation_due=_term(item.escalation_due, lang) if item.escalation_due else None,
        escalation_taken=_term(item.escalation_taken, lang) if item.escalation_taken else None,
        listed_by=_snap_ref(snapshot, item.listed_by, lang) if item.listed_by else None,
        listed_on=item.listed_on,
    )


_HAZARD_SORTS = {
    "-days_overdue": "DESC(?isOverdue) ?deadline ?hazard",
    "days_overdue": "?isOverdue DESC(?deadline) ?hazard",
    "deadline": "?deadline ?hazard",
    "-deadline": "DESC(?deadline) ?hazard",
    "discovered_on": "?discovered ?hazard",
    "-discovered_on": "DESC(?discovered) ?hazard",
    "id": "?hazard",
    "-id": "DESC(?hazard)",
}
"""ORDER BY clauses for ``sort=`` (fixed text chosen by key; nothing from the client)."""

_Q_HAZARDS = """
SELECT ?hazard ?major ?deadline ?status ?closedOn ?discovered ?enterprise ?enterpriseZh
       ?enterpriseEn ?sector ?region ?listedBy ?listedOn WHERE {
  %(values)s
  ?hazard a sk:Hazard ; sk:rectificationDeadline ?deadline ; sk:status ?status ;
          sk:inSector ?sector ; sk:inRegion ?region ; sk:atEnterprise ?enterprise .
  %(filters)s
  OPTIONAL { ?hazard sk:discoveredOn ?discovered }
  OPTIONAL { ?hazard sk:closedOn ?closedOn }
  OPTIONAL { ?hazard sk:listedBy ?listedBy }
  OPTIONAL { ?hazard sk:listedOn ?listedOn }
  OPTIONAL { ?enterprise rdfs:label ?enterpriseZh FILTER(langMatches(lang(?enterpriseZh), "zh")) }
  OPTIONAL { ?enterprise rdfs:label ?enterpriseEn FILTER(langMatches(lang(?enterpriseEn), "en")) }
  BIND(EXISTS { ?hazard a sk:MajorHazard } AS ?major)
  BIND(?deadline < ?asOf && NOT EXISTS { ?hazard sk:closedOn ?c FILTER(?c <= ?asOf) }
       AS ?isOverdue)
}
ORDER BY %(order)s
LIMIT %(limit)d OFFSET %(offset)d
"""

_Q_HAZARD_COUNT = """
SELECT (COUNT(DISTINCT ?hazard) AS ?n) WHERE {
  %(values)s
  ?hazard a sk:Hazard ; sk:rectificationDeadline ?deadline ; sk:status ?status ;
          sk:inSector ?sector ; sk:inRegion ?region .
  %(filters)s
}
"""

_FILTERS = {
    "department": "?hazard sk:responsibleDepartment ?department .",
    "region": "?region sk:partOfRegion* ?scopeRegion .",
    "major": "?hazard a sk:MajorHazard .",
    "not-major": "FILTER NOT EXISTS { ?hazard a sk:MajorHazard }",
    "overdue": "FILTER(?deadline < ?asOf) "
    "FILTER NOT EXISTS { ?hazard sk:closedOn ?c FILTER(?c <= ?asOf) }",
    "not-overdue": "FILTER(!(?deadline < ?asOf) || "
    "EXISTS { ?hazard sk:closedOn ?c FILTER(?c <= ?asOf) })",
}
"""Fixed patterns added for each filter given; the values come in a VALUES block."""


def _values_block(bindings: Mapping[str, NamedNode | OxLiteral | None]) -> str:
    """``VALUES (?a ?b) { (<x> "y") }`` from terms that checked themselves.

    ``str()`` of a pyoxigraph term is its N-Triples form, so no text from outside
    reaches the query unescaped.

    >>> _values_block({"a": NamedNode("http://ex/x"), "b": None})
    'VALUES (?a) { (<http://ex/x>) }'
    """
    given = {k: v for k, v in bindings.items() if v is not None}
    if not given:
        return ""
    names = " ".join(f"?{k}" for k in given)
    terms = " ".join(str(v) for v in given.values())
    return f"VALUES ({names}) {{ ({terms}) }}"


def list_hazards(
    store: Store,
    snapshot: Snapshot,
    lang: Language,
    *,
    as_of: dt.date,
    department: NamedNode | None = None,
    sector: NamedNode | None = None,
    region: NamedNode | None = None,
    status: str | None = None,
    overdue: bool | None = None,
    major: bool | None = None,
    sort: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> HazardPage:
    """Hazards filtered by responsible department, sector, region (with the regions
    inside it), current status, major or not, and overdue or not as of ``as_of``;
    sorted (default: most days overdue first) and paginated, with the total.

    The question the service is asked most — the overdue hazards of one
    department, sector or region, most overdue first — is answered by the
    registry's index (:func:`safetykg.registry.answers.overdue`), whatever the size
    of the registry; other combinations are one SPARQL query for the page and
    one for the total. Raises :class:`BadParameter` for an unknown status or sort.
    """
    from safetykg.registry.vocabulary import Status

    order_key = sort or "-days_overdue"
    if order_key not in _HAZARD_SORTS:
        raise BadParameter(
            f"sort: {sort!r} is not a sort key; use one of {', '.join(sorted(_HAZARD_SORTS))}."
        )
    status_member = None
    if status is not None:
        try:
            status_member = Status.parse(status)
        except ValueError as exc:
            raise BadParameter(f"status: {exc}") from None
    scopes = [s for s in (department, sector, region) if s is not None]
    if (
        overdue is True
        and len(scopes) == 1
        and status_member is None
        and major is None
        and order_key == "-days_overdue"
    ):
        from safetykg.registry.answers import overdue as overdue_page

        page = overdue_page(store, scopes[0], as_of, limit=max(limit, 1), offset=offset)
        items = [_overdue_item(i, snapshot, lang) for i in page.items][:limit]
        return HazardPage(as_of=as_of, total=page.total, limit=limit, offset=offset, items=items)
    filters = []
    if department is not None:
        filters.append(_FILTERS["department"])
    if region is not None:
        filters.append(_FILTERS["region"])
    if major is not None:
        filters.append(_FILTERS["major" if major else "not-major"])
    if overdue is not None:
        filters.append(_FILTERS["overdue" if overdue else "not-overdue"])
    bindings: dict[str, NamedNode | OxLiteral | None] = {
        "department": department,
        "scopeRegion": region,
        "sector": sector,
        "status": NamedNode(status_member.iri) if status_member else None,
        "asOf": OxLiteral(as_of.isoformat(), datatype=NamedNode(_XSD_DATE)),
    }
    text = {
        "values": _values_block(bindings),
        "filters": "\n  ".join(filters),
        "order": _HAZARD_SORTS[order_key],
    }
    counted = _select(store, _Q_HAZARD_COUNT % text)
    total = int(counted[0]["n"].value) if counted else 0
    rows = []
    if limit > 0 and offset < total:
        rows = _select(store, _Q_HAZARDS % {**text, "limit": limit, "offset": offset})
    items = []
    for r in rows:
        deadline = _date(r, "deadline") or as_of
        closed = _date(r, "closedOn")
        overdue_days = (as_of - deadline).days
        is_overdue = overdue_days > 0 and (closed is None or closed > as_of)
        iri = r["hazard"].value
        hazard_id = iri.rsplit("/", 1)[-1]
        is_major = _bool(r, "major")
        labels = _hazard_labels(hazard_id, is_major)
        listed_by = _v(r, "listedBy")
        items.append(
            HazardItem(
                iri=iri,
                id=hazard_id,
                label=labels.get(lang, iri),
                label_zh=labels.zh,
                label_en=labels.en,
                major=is_major,
                enterprise=_snap_ref(
                    snapshot,
                    r["enterprise"].value,
                    lang,
                    _v(r, "enterpriseZh"),
                    _v(r, "enterpriseEn"),
                ),
                sector=_snap_ref(snapshot, r["sector"].value, lang),
                region=_snap_ref(snapshot, r["region"].value, lang),
                discovered_on=_date(r, "discovered"),
                deadline=deadline,
                status=_term(Status.from_iri(r["status"].value), lang),
                closed_on=closed,
                days_overdue=overdue_days if is_overdue else None,
                escalation_due=_escalation_due(overdue_days, lang) if is_overdue else None,
                listed_by=_snap_ref(snapshot, listed_by, lang) if listed_by else None,
                listed_on=_date(r, "listedOn"),
            )
        )
    return HazardPage(as_of=as_of, total=total, limit=limit, offset=offset, items=items)


_XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"


def _escalation_due(days: int, lang: Language) -> Term | None:
    from safetykg.registry.vocabulary import step_due

    measure = step_due(days)
    return _term(measure, lang) if measure else None


def hazard_detail(
    store: Store, snapshot: Snapshot, hazard_id: str, lang: Language, *, as_of: dt.date
) -> HazardDetail:
    """One hazard: its record, the days overdue and the escalation step due as of
    ``as_of``, who answers for it (主体 / 行业 / 属地, each with the plan's sentence) and
    its history. Raises :class:`NotFound` for an unknown id."""
    from safetykg.registry import stored

    record = stored.load_hazards(store, [hazard_id]).get(hazard_id)
    if record is None:
        raise NotFound(f"No hazard {hazard_id} in the registry.")
    enterprise = stored.load_enterprises(store, [record.enterprise]).get(record.enterprise)
    days = (as_of - record.deadline).days
    closed_by_then = record.closed_on is not None and record.closed_on <= as_of
    is_overdue = days > 0 and not closed_by_then
    taken = [e.measure for e in record.escalations if e.on <= as_of and e.measure.order]
    labels = _hazard_labels(record.id, record.major)
    history = stored.history(store, hazard_id)
    return HazardDetail(
        iri=record.iri,
        id=record.id,
        label=labels.get(lang, record.iri),
        label_zh=labels.zh,
        label_en=labels.en,
        major=record.major,
        enterprise=_snap_ref(
            snapshot,
            _ID + f"enterprise/{record.enterprise}",
            lang,
            enterprise.name if enterprise else None,
        ),
        sector=_snap_ref(snapshot, record.sector, lang),
        region=_snap_ref(snapshot, record.region, lang),
        discovered_on=record.discovered_on,
        deadline=record.deadline,
        status=_term(record.status, lang),
        closed_on=record.closed_on,
        days_overdue=days if is_overdue else None,
        escalation_due=_escalation_due(days, lang) if is_overdue else None,
        escalation_taken=_term(max(taken, key=lambda m: m.order), lang) if taken else None,
        listed_by=_snap_ref(snapshot, record.listed_by, lang) if record.listed_by else None,
        listed_on=record.listed_on,
        as_of=as_of,
        description=record.description,
        channel=_term(record.channel, lang),
        rectifying_on=record.rectifying_on,
        rectified_on=record.rectified_on,
        reviewed_by=_snap_ref(snapshot, record.reviewed_by, lang) if record.reviewed_by else None,
        escalations=[
            Escalation(
                measure=_term(e.measure, lang),
                on=e.on,
                by=_snap_ref(snapshot, e.by, lang) if e.by else None,
            )
            for e in record.escalations
        ],
        responsibility=_chain(record, enterprise, snapshot, lang),
        history=[status_change(c, snapshot, lang) for c in history],
    )


def _chain(record: Any, enterprise: Any, snapshot: Snapshot, lang: Language) -> ResponsibilityChain:
    """主体 / 行业 / 属地 for a registry record.

    The departments answering for the sector are the record's own
    ``sk:responsibleDepartment`` values, which the registry derives when it
    writes the record (the sector's lead departments, or under 三管三必须 the
    region's government); whether a lead is joint, and the sentence of the plan
    that makes each one responsible, come from the snapshot; the territorial
    chain is the region's government and those of the regions containing it.
    """
    profile = snapshot.profiles(lang).get(record.sector)
    leads: dict[str, Lead] = {}
    fallback_quote = None
    if isinstance(profile, SectorProfile):
        leads = {lead.department.iri: lead for lead in profile.leads}
        fallback_quote = profile.fallback.source if profile.fallback else None
    fallback = not leads
    sector_parties = [
        Party(
            organisation=_snap_ref(snapshot, iri, lang),
            kind="sector",
            joint=leads[iri].joint if iri in leads else False,
            fallback=fallback,
            source=leads[iri].source if iri in leads else fallback_quote,
        )
        for iri in sorted(record.responsible)
    ]
    territorial = []
    region: str | None = record.region
    seen: set[str] = set()
    while region and region not in seen:
        seen.add(region)
        entity = snapshot.entities.get(region)
        if entity is None:
            break
        if entity.government:
            territorial.append(
                Party(organisation=_snap_ref(snapshot, entity.government, lang), kind="territorial")
            )
        region = entity.part_of
    ent = Party(
        organisation=_snap_ref(
            snapshot,
            _ID + f"enterprise/{record.enterprise}",
            lang,
            enterprise.name if enterprise else None,
        ),
        kind="enterprise",
        principal=enterprise.principal if enterprise else None,
        actual_controller=enterprise.actual_controller if enterprise else None,
    )
    return ResponsibilityChain(
        enterprise=ent, sector=sector_parties, territorial=territorial, fallback=fallback
    )


def status_change(change: Any, snapshot: Snapshot, lang: Language) -> StatusChange:
    """The API shape of a registry status change."""
    return StatusChange(
        iri=change.iri,
        hazard_id=change.hazard_id,
        seq=change.seq,
        from_status=change.from_status.value if change.from_status else None,
        to_status=change.to_status.value,
        at=change.at,
        actor=_snap_ref(snapshot, change.actor, lang) if change.actor else None,
        reason=change.reason,
    )


# --------------------------------------------------------------------------- statistics, goals

StatsDimension = Literal["region", "sector", "status", "channel"]


class StatsRow(BaseModel):
    """Hazards in one cell of the table (dimensions not asked for are null)."""

    region: Ref | None = None
    sector: Ref | None = None
    status: Term | None = None
    channel: Term | None = None
    count: int


class Statistics(BaseModel):
    """``GET /api/stats``: hazards by the dimensions asked for, as of a date."""

    as_of: dt.date
    by: list[StatsDimension]
    major_only: bool
    total: int
    rows: list[StatsRow]


def hazard_statistics(
    store: Store,
    snapshot: Snapshot,
    lang: Language,
    *,
    as_of: dt.date,
    by: Sequence[StatsDimension] = ("region", "sector"),
    major_only: bool = False,
) -> Statistics:
    """Hazards counted by any of region, sector, status and channel (status as in force
    at the end of ``as_of``), from the registry's region × sector × status × channel
    table (:func:`safetykg.registry.answers.statistics`), largest cells first."""
    from safetykg.registry.answers import statistics

    dims = list(dict.fromkeys(by))
    cells: dict[tuple[Any, ...], int] = {}
    for row in statistics(store, as_of, major_only=major_only):
        key = tuple(getattr(row, d) for d in dims)
        cells[key] = cells.get(key, 0) + row.count
    rows = []
    for key, count in cells.items():
        values = dict(zip(dims, key, strict=True))
        rows.append(
            StatsRow(
                region=_snap_ref(snapshot, values["region"], lang) if "region" in values else None,
                sector=_snap_ref(snapshot, values["sector"], lang) if "sector" in values else None,
                status=_term(values["status"], lang) if "status" in values else None,
                channel=_term(values["channel"], lang) if "channel" in values else None,
                count=count,
            )
        )
    rows.sort(key=lambda r: (-r.count, r.model_dump_json()))
    return Statistics(
        as_of=as_of, by=dims, major_only=major_only, total=sum(cells.values()), rows=rows
    )


class QuarterFigure(BaseModel):
    quarter: int
    through: dt.date
    found_2024: int
    found_2025: int


class MonthFigure(BaseModel):
    month_end: dt.date
    overdue: int


class GoalProgressOut(BaseModel):
    """How far one headline goal is met, as of a date (major hazards)."""

    key: Literal["stock", "increment", "dynamic-zero"]
    met: bool | None = Field(None, description="null until the figures can tell")
    stock_total: int | None = None
    stock_open_at_deadline: int | None = None
    stock_open_now: int | None = None
    quarters: list[QuarterFigure] = []
    months: list[MonthFigure] = []


class GoalStatus(GoalItem):
    as_of: dt.date
    status: GoalProgressOut | None = None


def goals_progress(
    store: Store, lang: Language, *, as_of: dt.date, plan: NamedNode | None = None
) -> list[GoalStatus]:
    """The plan's three headline goals with their deadlines and sentences, and the
    registry's figures for each as of ``as_of``
    (:func:`safetykg.registry.answers.goal_progress`)."""
    from safetykg.registry.answers import goal_progress

    progress = goal_progress(store, as_of)
    by_goal = {iri: key for key, iri in progress.goals.items() if iri}
    out = []
    for goal in list_goals(store, lang, plan=plan):
        key = by_goal.get(goal.iri)
        status = None
        if key == "stock":
            status = GoalProgressOut(
                key=key,
                met=progress.stock_met,
                stock_total=progress.stock_total,
                stock_open_at_deadline=progress.stock_open_at_deadline,
                stock_open_now=progress.stock_open_now,
            )
        elif key == "increment":
            status = GoalProgressOut(
                key=key,
                met=progress.increment_met,
                quarters=[QuarterFigure(**vars(q)) for q in progress.quarters],
            )
        elif key == "dynamic-zero":
            status = GoalProgressOut(
                key=key,
                met=progress.dynamic_zero,
                months=[MonthFigure(**vars(m)) for m in progress.months],
            )
        out.append(GoalStatus(**goal.model_dump(), as_of=as_of, status=status))
    return out


def goal_status(store: Store, goal: NamedNode, lang: Language, *, as_of: dt.date) -> GoalStatus:
    """One goal with its figures as of ``as_of``. Raises :class:`NotFound`."""
    for item in goals_progress(store, lang, as_of=as_of):
        if item.iri == goal.value:
            return item
    raise NotFound(f"No goal {goal.value} in the store.")


# --------------------------------------------------------------------------- enterprises


class EnterpriseItem(BaseModel):
    """生产经营单位: a unit the registry holds hazards of."""

    iri: str
    id: str = Field(description="the 18-character unified social credit code")
    label: str
    label_zh: str | None = None
    label_en: str | None = None
    sectors: list[Ref] = []
    region: Ref | None = None
    high_risk: bool = False
    hazards: int = Field(0, description="hazards on record")
    open_hazards: int = Field(0, description="hazards not closed (current status)")


class EnterpriseDetail(EnterpriseItem):
    principal: str | None = None
    actual_controller: str | None = None


_Q_ENTERPRISES = """
SELECT ?e ?zh ?en ?region (GROUP_CONCAT(DISTINCT STR(?sector); separator=" ") AS ?sectors)
       (COUNT(DISTINCT ?h) AS ?hazards) (COUNT(DISTINCT ?open) AS ?openHazards) WHERE {
  %(values)s
  ?e a sk:Enterprise ; sk:inRegion ?region .
  %(filters)s
  OPTIONAL { ?e sk:inSector ?sector }
  OPTIONAL { ?e rdfs:label ?zh FILTER(langMatches(lang(?zh), "zh")) }
  OPTIONAL { ?e rdfs:label ?en FILTER(langMatches(lang(?en), "en")) }
  OPTIONAL { ?h sk:atEnterprise ?e .
             OPTIONAL { ?h sk:status ?s FILTER(?s != sk:StatusClosed) BIND(?h AS ?open) } }
} GROUP BY ?e ?zh ?en ?region
ORDER BY ?e
LIMIT %(limit)d OFFSET %(offset)d
"""

_Q_ENTERPRISE_COUNT = """
SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {
  %(values)s
  ?e a sk:Enterprise ; sk:inRegion ?region .
  %(filters)s
}
"""

_ENTERPRISE_FILTERS = {
    "sector": "?e sk:inSector ?inSector .",
    "region": "?region sk:partOfRegion* ?scopeRegion .",
    "q": "?e rdfs:label ?name FILTER(CONTAINS(LCASE(STR(?name)), LCASE(STR(?q))))",
}


def list_enterprises(
    store: Store,
    snapshot: Snapshot,
    lang: Language,
    *,
    sector: NamedNode | None = None,
    region: NamedNode | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[EnterpriseItem]:
    """Enterprises in a sector, in a region (with the regions inside it), or whose
    name contains ``q``; by credit code, with how many hazards each has (open ones
    counted apart). ``q`` is bound as a literal in a VALUES block, never pasted."""
    bindings = {
        "inSector": sector,
        "scopeRegion": region,
        "q": OxLiteral(q) if q else None,
    }
    filters = [
        _ENTERPRISE_FILTERS[k] for k, v in (("sector", sector), ("region", region), ("q", q)) if v
    ]
    text = {"values": _values_block(bindings), "filters": "\n  ".join(filters)}
    counted = _select(store, _Q_ENTERPRISE_COUNT % text)
    total = int(counted[0]["n"].value) if counted else 0
    rows = []
    if limit > 0 and offset < total:
        rows = _select(store, _Q_ENTERPRISES % {**text, "limit": limit, "offset": offset})
    items = [_enterprise_item(r, snapshot, lang) for r in rows]
    return Page[EnterpriseItem](total=total, limit=limit, offset=offset, items=items)


def _enterprise_item(r: Any, snapshot: Snapshot, lang: Language) -> EnterpriseItem:
    iri = r["e"].value
    labels = Labels(zh=_v(r, "zh"), en=_v(r, "en"))
    sectors = sorted((_v(r, "sectors") or "").split())
    return EnterpriseItem(
        iri=iri,
        id=iri.rsplit("/", 1)[-1],
        label=labels.get(lang, iri),
        label_zh=labels.zh,
        label_en=labels.en,
        sectors=[_snap_ref(snapshot, s, lang) for s in sectors],
        region=_snap_ref(snapshot, r["region"].value, lang),
        high_risk=any(
            "HighRiskSector" in snapshot.entities[s].flags
            for s in sectors
            if s in snapshot.entities
        ),
        hazards=_int(r, "hazards") or 0,
        open_hazards=_int(r, "openHazards") or 0,
    )


def enterprise_detail(
    store: Store, snapshot: Snapshot, code: str, lang: Language
) -> EnterpriseDetail:
    """One enterprise by its credit code. Raises :class:`NotFound`."""
    node = resource_iri(code, "enterprise", parameter="code")
    rows = _select(
        store,
        _Q_ENTERPRISES
        % {"values": _values_block({"e": node}), "filters": "", "limit": 1, "offset": 0},
    )
    if not rows or rows[0]["e"] is None:
        raise NotFound(f"No enterprise {code} in the registry.")
    item = _enterprise_item(rows[0], snapshot, lang)
    people = _select(
        store,
        "SELECT ?e ?principal ?controller WHERE { "
        "OPTIONAL { ?e sk:principal ?principal } OPTIONAL { ?e sk:actualController ?controller } }",
        e=node,
    )
    return EnterpriseDetail(
        **item.model_dump(),
        principal=_v(people[0], "principal") if people else None,
        actual_controller=_v(people[0], "controller") if people else None,
    )
