"""The hazard lifecycle: which changes are allowed, and how each is recorded.

::

    reported ──► rectifying ──► rectified ──► closed (销号)
                     ▲              │            │
                     └──────────────┴────────────┘   reopening: needs a reason

* Forward moves go one step at a time. An import may state a later status
  than the stored one; it is recorded as the steps in between, each with the
  date the record gives for it.
* **Closing** needs a review: the reviewing organisation (``sk:reviewedBy``)
  must lead the hazard's sector (``sk:leadDepartment``), or be the government
  of the hazard's region or of a region containing it (task 16: 政府负有安全监管
  职责有关部门审核把关销号). For a sector the lead table does not list, only the
  governments qualify (the 三管三必须 fallback, see :mod:`~safetykg.registry.reference`).
* **Reopening** (rectified or closed back to rectifying, or back to reported)
  needs a reason; it clears the closing date and reviewer, which stay in the
  history. Reopening withdraws the closing (the review found the work not
  done), so by DESIGN.md's definition — no ``sk:closedOn`` on or before D —
  the hazard counts as overdue from its deadline on, the days it stood
  closed included; :func:`status_on` still tells what its status was then.
* Every change is a ``sk:StatusChange`` (a ``prov:Activity``) with the time,
  the organisation that made it (``prov:wasAssociatedWith``) and the reason;
  each change points to the one that superseded it (``sk:supersededAt``), so
  the status on any past day is the change in force at the end of that day
  (:func:`status_on`).

:func:`check_record` states the rules for one record on its own (used for
every imported row); :func:`import_changes` the rules for going from a stored
record to a new one; :func:`transition`, :func:`record_escalation` and
:func:`list_for_supervision` are the write operations the API calls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from pyoxigraph import Store

from safetykg.errors import NotFound, ValidationFailed
from safetykg.registry.records import (
    TZ,
    EscalationRecord,
    HazardRecord,
    StatusChangeRecord,
    at_midnight,
    chain_changes,
    derive_history,
)
from safetykg.registry.reference import Reference
from safetykg.registry.values import printable
from safetykg.registry.vocabulary import Measure, Status

_ORDER = {s: i for i, s in enumerate(Status)}

__all__ = [
    "LifecycleError",
    "Problem",
    "check_record",
    "import_changes",
    "list_for_supervision",
    "record_escalation",
    "status_on",
    "transition",
]


@dataclass(frozen=True)
class Problem:
    """One broken rule: the field it is about, a stable code, and the message in zh and en."""

    column: str | None
    code: str
    zh: str
    en: str

    def as_result(self, row: object = None, value: object = None) -> dict[str, object]:
        return {
            "row": row,
            "column": self.column,
            "value": value,
            "code": self.code,
            "message": self.en,
            "message_zh": self.zh,
            "severity": "Violation",
        }


class LifecycleError(ValidationFailed):
    """A status change that the lifecycle does not allow; nothing was written."""

    def __init__(self, problems: Sequence[Problem], hazard: str | None = None) -> None:
        detail = "; ".join(p.en for p in problems)
        super().__init__(
            f"{hazard + ': ' if hazard else ''}{detail}",
            [p.as_result(row=hazard) for p in problems],
        )
        self.problems = list(problems)


def _label(ref: Reference, iri: str | None) -> str:
    return ref.label(iri) if iri else "—"


def check_record(record: HazardRecord, ref: Reference, today: dt.date) -> list[Problem]:
    """The rules a record must keep on its own (dates in order, closing reviewed, …)."""
    out: list[Problem] = []
    r = record

    def future(column: str, day: dt.date | None) -> None:
        if day is not None and day > today:
            out.append(
                Problem(
                    column,
                    "date-in-future",
                    f"{day} 晚于今天（{today}）",
                    f"{day} is after today ({today})",
                )
            )

    future("discovered_on", r.discovered_on)
    if r.deadline < r.discovered_on:
        out.append(
            Problem(
                "rectification_deadline",
                "deadline-before-discovery",
                f"整改期限 {r.deadline} 早于发现日期 {r.discovered_on}",
                f"rectification deadline {r.deadline} is before the discovery date "
                f"{r.discovered_on}",
            )
        )
    order = _ORDER[r.status]
    for column, day, needs in (
        ("rectifying_on", r.rectifying_on, Status.RECTIFYING),
        ("rectified_on", r.rectified_on, Status.RECTIFIED),
    ):
        if day is None:
            continue
        future(column, day)
        if order < _ORDER[needs]:
            out.append(
                Problem(
                    column,
                    "date-without-status",
                    f"状态为“{r.status.zh}”，不应填写 {column}",
                    f"{column} is given but the status is {r.status.en}",
                )
            )
        if day < r.discovered_on:
            out.append(
                Problem(
                    column,
                    "date-before-discovery",
                    f"{day} 早于发现日期 {r.discovered_on}",
                    f"{day} is before the discovery date {r.discovered_on}",
                )
            )
    if r.rectifying_on and r.rectified_on and r.rectified_on < r.rectifying_on:
        out.append(
            Problem(
                "rectified_on",
                "dates-out-of-order",
                f"整改完成日期 {r.rectified_on} 早于开始整改日期 {r.rectifying_on}",
                f"rectified_on {r.rectified_on} is before rectifying_on {r.rectifying_on}",
            )
        )
    if r.status is Status.CLOSED:
        if r.closed_on is None:
            out.append(
                Problem(
                    "closed_on",
                    "closed-without-date",
                    "状态为已销号，但没有销号日期",
                    "the status is closed but closed_on is empty",
                )
            )
        else:
            future("closed_on", r.closed_on)
            if r.closed_on < r.discovered_on:
                out.append(
                    Problem(
                        "closed_on",
                        "date-before-discovery",
                        f"销号日期 {r.closed_on} 早于发现日期 {r.discovered_on}",
                        f"closed_on {r.closed_on} is before the discovery date {r.discovered_on}",
                    )
                )
            for column, day in (
                ("rectified_on", r.rectified_on),
                ("rectifying_on", r.rectifying_on),
            ):
                if day and day > r.closed_on:
                    out.append(
                        Problem(
                            column,
                            "dates-out-of-order",
                            f"{column} {day} 晚于销号日期 {r.closed_on}",
                            f"{column} {day} is after closed_on {r.closed_on}",
                        )
                    )
        out += _review_problems(r, ref, r.reviewed_by)
    else:
        if r.closed_on is not None:
            out.append(
                Problem(
                    "closed_on",
                    "closed-date-without-closing",
                    f"状态为“{r.status.zh}”，不应填写销号日期",
                    f"closed_on is given but the status is {r.status.en}, not closed",
                )
            )
        if r.reviewed_by is not None:
            out.append(
                Problem(
                    "reviewed_by",
                    "review-without-closing",
                    f"状态为“{r.status.zh}”，不应填写审核销号部门",
                    f"reviewed_by is given but the status is {r.status.en}, not closed",
                )
            )
    if (r.listed_by is None) != (r.listed_on is None):
        out.append(
            Problem(
                "listed_on" if r.listed_on is None else "listed_by",
                "listing-incomplete",
                "挂牌督办须同时填写挂牌单位和挂牌日期",
                "listed supervision needs both listed_by and listed_on",
            )
        )
    if r.listed_on is not None:
        future("listed_on", r.listed_on)
        if r.listed_on < r.discovered_on:
            out.append(
                Problem(
                    "listed_on",
                    "date-before-discovery",
                    f"挂牌日期 {r.listed_on} 早于发现日期 {r.discovered_on}",
                    f"listed_on {r.listed_on} is before the discovery date {r.discovered_on}",
                )
            )
    for esc in r.escalations:
        if esc.on < r.discovered_on or esc.on > today:
            out.append(
                Problem(
                    "escalations",
                    "escalation-date",
                    f"督促措施“{esc.measure.zh}”的日期 {esc.on} 不在发现日期与今天之间",
                    f"the {esc.measure.en} of {esc.on} is not between the discovery date and today",
                )
            )
    return out


def _review_problems(r: HazardRecord, ref: Reference, reviewer: str | None) -> list[Problem]:
    if not reviewer:
        return [
            Problem(
                "reviewed_by",
                "closed-without-review",
                "销号须经审核：请填写审核销号的牵头部门或属地政府",
                "closing needs a review: give reviewed_by (a lead department of the sector "
                "or the region's government)",
            )
        ]
    allowed = ref.may_close(r.sector, r.region)
    if reviewer in allowed:
        return []
    leads = ref.leads(r.sector)
    who_zh = "、".join(ref.label(a) for a in allowed)
    who_en = ", ".join(ref.label(a, "en") for a in allowed)
    why_zh = (
        "不是该行业领域的牵头部门"
        if leads
        else "该行业领域未列明牵头部门，按“三管三必须”由属地政府审核"
    )
    why_en = (
        "does not lead the hazard's sector"
        if leads
        else "the sector has no listed lead, so under 三管三必须 the region's government reviews"
    )
    return [
        Problem(
            "reviewed_by",
            "reviewer-not-responsible",
            f"{_label(ref, reviewer)}{why_zh}；可审核销号的是：{who_zh}",
            f"{_label(ref, reviewer)} may not close {r.id} ({ref.label(r.sector, 'en')}): "
            f"{why_en}; reviewers allowed: {who_en}",
        )
    ]


@dataclass(frozen=True)
class ChangePlan:
    """What an update does to a hazard's history: new changes, and the old last one superseded."""

    changes: list[StatusChangeRecord]
    superseded: StatusChangeRecord | None = None
    """The stored last change, now with ``superseded_at`` set (``None`` when untouched)."""


def import_changes(
    old: HazardRecord | None,
    last: StatusChangeRecord | None,
    new: HazardRecord,
    today: dt.date,
) -> ChangePlan:
    """The history an import adds when ``new`` replaces ``old`` (``None``: a new hazard).

    Raises :class:`LifecycleError` when the move is not allowed.
    """
    if old is None or last is None:
        return ChangePlan(derive_history(new))
    if new.status is old.status:
        if new.status is Status.CLOSED and (
            new.closed_on != old.closed_on or new.reviewed_by != old.reviewed_by
        ):
            raise LifecycleError(
                [
                    Problem(
                        "closed_on",
                        "closing-rewritten",
                        "已销号隐患的销号日期和审核部门不能改写；如需更正，请先说明原因重新打开",
                        "the closing date and reviewer of a closed hazard cannot be rewritten; "
                        "reopen it with a reason first",
                    )
                ],
                new.id,
            )
        return ChangePlan([])
    last_day = last.at.astimezone(TZ).date()
    if new.status.order > old.status.order:
        steps: list[tuple[Status, dt.date | dt.datetime, str | None]] = []
        ent = None
        for status in list(Status)[old.status.order + 1 : new.status.order + 1]:
            if status is Status.RECTIFYING:
                day = new.rectifying_on or today
            elif status is Status.RECTIFIED:
                day = new.rectified_on or new.closed_on or today
            else:
                day = new.closed_on or today
            if day < last_day:
                raise LifecycleError(
                    [
                        Problem(
                            _date_column(status),
                            "change-before-last",
                            f"{status.zh}的日期 {day} 早于上一次状态变更（{last_day}）",
                            f"the date {day} for {status.en} is before the last recorded change "
                            f"({last_day})",
                        )
                    ],
                    new.id,
                )
            actor = new.reviewed_by if status is Status.CLOSED else ent
            steps.append((status, day, actor))
        changes = chain_changes(
            new.id, steps, first_seq=last.seq + 1, previous=old.status, reason=new.reason
        )
    else:
        if not (new.reason or "").strip():
            raise LifecycleError(
                [
                    Problem(
                        "reason",
                        "reopen-without-reason",
                        f"从“{old.status.zh}”退回“{new.status.zh}”须说明原因",
                        f"moving back from {old.status.en} to {new.status.en} (reopening) "
                        "needs a reason",
                    )
                ],
                new.id,
            )
        day = new.rectifying_on or today
        if day < last_day:
            raise LifecycleError(
                [
                    Problem(
                        "rectifying_on",
                        "change-before-last",
                        f"重新打开的日期 {day} 早于上一次状态变更（{last_day}）",
                        f"the reopening date {day} is before the last recorded change ({last_day})",
                    )
                ],
                new.id,
            )
        changes = chain_changes(
            new.id,
            [(new.status, day, None)],
            first_seq=last.seq + 1,
            previous=old.status,
            reason=new.reason,
        )
    return ChangePlan(changes, replace(last, superseded_at=changes[0].at))


def _date_column(status: Status) -> str:
    return {
        Status.RECTIFYING: "rectifying_on",
        Status.RECTIFIED: "rectified_on",
        Status.CLOSED: "closed_on",
    }.get(status, "status")


def status_on(changes: Sequence[StatusChangeRecord], day: dt.date) -> Status | None:
    """The status in force at the end of ``day`` (``None``: not yet recorded)."""
    end = at_midnight(day + dt.timedelta(days=1))
    current = None
    for change in sorted(changes, key=lambda c: (c.at, c.seq)):
        if change.at < end:
            current = change.to_status
    return current


# ---------------------------------------------------------------------- writes


def _now(at: dt.datetime | None) -> dt.datetime:
    moment = at or dt.datetime.now(TZ)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TZ)
    return moment.replace(microsecond=0)


def _target(text: str, hazard_id: str) -> Status:
    """The status ``text`` names; a :class:`LifecycleError` about ``to`` when none."""
    try:
        return Status.parse(text)
    except ValueError:
        shown = printable(text[:80]) + ("…" if len(text) > 80 else "")
        accepted = ", ".join(m.value for m in Status)
        raise LifecycleError(
            [
                Problem(
                    "to",
                    "unknown-status",
                    f"to：未知的整改状态“{shown}”，应为：{'、'.join(m.zh for m in Status)}",
                    f"to: unknown status {shown!r}; use one of {accepted} "
                    f"(or {'/'.join(m.zh for m in Status)})",
                )
            ],
            hazard_id,
        ) from None


def transition(
    store: Store,
    hazard_id: str,
    to: Status | str,
    *,
    actor: str,
    at: dt.datetime | None = None,
    reason: str | None = None,
    reference: Reference | None = None,
) -> StatusChangeRecord:
    """Move one hazard to status ``to``, as ``actor`` (an organisation IRI), and record it.

    Forward moves go one step; closing needs ``actor`` to be allowed to review
    (see the module docstring); reopening needs ``reason``. ``at`` defaults to
    now and may not be before the last recorded change or in the future.
    Returns the recorded change. Raises :class:`NotFound` for an unknown
    hazard and :class:`LifecycleError` for a move the rules refuse; nothing is
    written then.
    """
    from safetykg.registry import stored, writer

    target = to if isinstance(to, Status) else _target(to, hazard_id)
    ref = reference or Reference.load(store)
    old = stored.load_hazards(store, [hazard_id]).get(hazard_id)
    if old is None:
        raise NotFound(f"No hazard {hazard_id} in the registry.")
    past = stored.history(store, hazard_id)
    last = past[-1] if past else None
    moment = _now(at)
    problems: list[Problem] = []
    if moment > dt.datetime.now(TZ) + dt.timedelta(minutes=5):
        problems.append(
            Problem("at", "date-in-future", "变更时间晚于现在", "the change is dated in the future")
        )
    if last and moment < last.at:
        problems.append(
            Problem(
                "at",
                "change-before-last",
                f"变更时间早于上一次状态变更（{last.at}）",
                f"the change is dated before the last recorded change ({last.at})",
            )
        )
    if moment.astimezone(TZ).date() < old.discovered_on:
        problems.append(
            Problem(
                "at",
                "date-before-discovery",
                "变更时间早于发现日期",
                "the change is dated before the hazard was discovered",
            )
        )
    if target is old.status:
        problems.append(
            Problem(
                "status",
                "no-change",
                f"隐患已是“{target.zh}”",
                f"the hazard is already {target.en}",
            )
        )
    elif target.order == old.status.order + 1:
        pass
    elif target.order > old.status.order:
        problems.append(
            Problem(
                "status",
                "skipped-step",
                f"只能逐步推进：{old.status.zh} 之后应为 {list(Status)[old.status.order + 1].zh}",
                f"statuses move one step at a time: after {old.status.en} comes "
                f"{list(Status)[old.status.order + 1].en}",
            )
        )
    elif not (reason or "").strip():
        problems.append(
            Problem(
                "reason",
                "reopen-without-reason",
                f"从“{old.status.zh}”退回“{target.zh}”须说明原因",
                f"moving back from {old.status.en} to {target.en} needs a reason",
            )
        )
    day = moment.astimezone(TZ).date()
    if target is Status.CLOSED:
        new = old.with_status(target, closed_on=day, reviewed_by=actor)
        problems += _review_problems(new, ref, actor)
    elif old.status is Status.CLOSED:
        new = old.with_status(target, closed_on=None, reviewed_by=None)
    else:
        new = old.with_status(target)
    if problems:
        raise LifecycleError(problems, hazard_id)
    change = StatusChangeRecord(
        hazard_id=hazard_id,
        seq=(last.seq if last else 0) + 1,
        to_status=target,
        at=moment,
        from_status=old.status,
        actor=actor,
        reason=reason,
    )
    superseded = replace(last, superseded_at=moment) if last else None
    writer.replace_hazard(store, ref, old, new, [change], superseded)
    return change


def record_escalation(
    store: Store,
    hazard_id: str,
    measure: Measure | str,
    on: dt.date,
    *,
    by: str | None = None,
    reference: Reference | None = None,
) -> HazardRecord:
    """Add an escalation event (函告, 通报, 约谈, 曝光 …) to a hazard; returns the new record."""
    from safetykg.registry import stored, writer

    kind = measure if isinstance(measure, Measure) else Measure.parse(measure)
    ref = reference or Reference.load(store)
    old = stored.load_hazards(store, [hazard_id]).get(hazard_id)
    if old is None:
        raise NotFound(f"No hazard {hazard_id} in the registry.")
    new = replace(old, escalations=(*old.escalations, EscalationRecord(kind, on, by)))
    problems = [p for p in check_record(new, ref, dt.date.today()) if p.column == "escalations"]
    if problems:
        raise LifecycleError(problems, hazard_id)
    writer.replace_hazard(store, ref, old, new, [], None)
    return new


def list_for_supervision(
    store: Store,
    hazard_id: str,
    by: str,
    on: dt.date,
    *,
    reference: Reference | None = None,
) -> HazardRecord:
    """Put a hazard under listed supervision (挂牌督办) by ``by`` on ``on``; returns the new
    record."""
    from safetykg.registry import stored, writer

    ref = reference or Reference.load(store)
    old = stored.load_hazards(store, [hazard_id]).get(hazard_id)
    if old is None:
        raise NotFound(f"No hazard {hazard_id} in the registry.")
    if by not in ref.departments:
        raise LifecycleError(
            [
                Problem(
                    "listed_by",
                    "unknown-department",
                    f"未知的部门或政府：{by}",
                    f"{by} is not a known department or government",
                )
            ],
            hazard_id,
        )
    new = replace(old, listed_by=by, listed_on=on)
    problems = [p for p in check_record(new, ref, dt.date.today()) if p.column == "listed_on"]
    if problems:
        raise LifecycleError(problems, hazard_id)
    writer.replace_hazard(store, ref, old, new, [], None)
    return new
