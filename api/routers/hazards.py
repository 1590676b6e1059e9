"""``/api/hazards``: the hazard registry — reading (filters, overdue, the responsibility
chain) and writing (one record, an import, a status change) behind the write token.

Each route parses its input and calls one function of :mod:`safetykg.registry`;
validation, the lifecycle rules and all-or-nothing writing live there.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Path, Query, UploadFile, status
from pydantic import BaseModel, ConfigDict, Field
from pyoxigraph import NamedNode

from api.deps import ScopedWriterDep, StoreDep, WriterDep
from api.indexes import LookupDep
from api.language import LangDep
from api.rest import JsonLdRoute, PageDep, problems
from safetykg import resources as R
from safetykg.errors import BadParameter, ValidationFailed
from safetykg.registry.ingest import ingest, ingest_text
from safetykg.registry.lifecycle import transition

router = APIRouter(prefix="/api/hazards", tags=["hazards"], route_class=JsonLdRoute)

HazardId = Annotated[
    str,
    Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", description="e.g. H-2025-0137"),
]
MAX_UPLOAD_BYTES = 1 << 30
"""Uploads larger than this are refused before they are read (1 GiB, as ``safetykg ingest``)."""


# --------------------------------------------------------------------------- write shapes


class HazardIn(BaseModel):
    """One hazard record, with the columns of the CSV/JSON import (see the README).

    Values are given as written in a spreadsheet; the registry validates them
    (dates, credit code, known sector/region/enterprise, lifecycle rules) and
    names every problem in Chinese and English.
    """

    model_config = ConfigDict(extra="forbid")

    hazard_id: str = Field(examples=["H-2025-0137"])
    description: str
    major: bool | str = Field(description="是/否, true/false")
    credit_code: str = ""
    enterprise_name: str = ""
    enterprise_sectors: str | None = None
    enterprise_region: str | None = None
    principal: str | None = None
    actual_controller: str | None = None
    enterprise_name_en: str | None = None
    sector: str | None = None
    region: str | None = None
    discovered_on: str = Field(examples=["2025-03-01"])
    channel: str = Field(examples=["督导检查发现"])
    rectification_deadline: str = Field(examples=["2025-04-30"])
    status: str = Field(examples=["rectifying"])
    rectifying_on: str | None = None
    rectified_on: str | None = None
    closed_on: str | None = None
    reviewed_by: str | None = None
    listed_by: str | None = None
    listed_on: str | None = None
    escalations: str | None = None
    reason: str | None = None
    synthetic: bool | str | None = None


class ImportReport(BaseModel):
    """What a write did (``safetykg ingest`` prints the same)."""

    format: str
    rows: int = 0
    hazards_added: int = 0
    hazards_updated: int = 0
    hazards_unchanged: int = 0
    enterprises_added: int = 0
    enterprises_updated: int = 0
    enterprises_unchanged: int = 0
    status_changes: int = 0
    triples_added: int = 0
    triples_removed: int = 0
    shacl: str = "skipped"
    seconds: float = 0.0
    encoding: str | None = None


class TransitionIn(BaseModel):
    """A status change: where to, by whom, when and why."""

    model_config = ConfigDict(extra="forbid")

    to: str = Field(
        examples=["rectifying"],
        description="reported, rectifying, rectified or closed "
        "(or 已登记/整改中/已整改待销号/已销号)",
    )
    actor: str = Field(
        description="The organisation making the change: a department or government "
        "(id, IRI or label). Closing needs a lead department of the hazard's sector "
        "or the region's government."
    )
    at: dt.datetime | None = Field(None, description="When (default: now)")
    reason: str | None = Field(None, description="Why; required to reopen")


def _report(report: Any) -> ImportReport:
    fields = ImportReport.model_fields
    return ImportReport(**{k: v for k, v in report.as_dict().items() if k in fields})


# --------------------------------------------------------------------------- reads


@router.get(
    "", summary="List hazards (filter, overdue as of a date, sort)", responses=problems(400, 404)
)
def list_hazards(
    store: StoreDep,
    index: LookupDep,
    lang: LangDep,
    page: PageDep,
    department: Annotated[
        str | None,
        Query(
            max_length=300,
            description="Hazards this department is responsible for "
            "(id, IRI or zh/en label: 城管局, urban-management).",
        ),
    ] = None,
    sector: Annotated[
        str | None, Query(max_length=300, description="Sector (id, IRI or label: 燃气, gas).")
    ] = None,
    region: Annotated[
        str | None,
        Query(
            max_length=300, description="Region, with the regions inside it (谯城区, qiaocheng)."
        ),
    ] = None,
    status: Annotated[
        str | None,
        Query(
            max_length=40,
            description="Current status: reported, rectifying, rectified, "
            "closed (or 已登记/整改中/已整改待销号/已销号).",
        ),
    ] = None,
    overdue: Annotated[
        bool | None,
        Query(description="true: past the deadline and not closed as of `as_of`; false: not."),
    ] = None,
    major: Annotated[bool | None, Query(description="Only major hazards (重大事故隐患).")] = None,
    as_of: Annotated[
        dt.date | None, Query(description="The day asked about (default today).")
    ] = None,
    sort: Annotated[
        str | None,
        Query(
            max_length=40,
            description="-days_overdue (default: most overdue first), "
            "days_overdue, deadline, discovered_on, id; '-' for descending.",
        ),
    ] = None,
) -> R.HazardPage:
    """Hazards with their enterprise, sector, region, deadline, status and, as of
    `as_of`, the days overdue and the escalation step due, with the `total` that
    match. `department`, `sector` and `region` accept an id, IRI or zh/en label."""
    return R.list_hazards(
        store,
        index.snapshot,
        lang,
        as_of=as_of or dt.date.today(),
        department=_resolve(index, department, "department"),
        sector=_resolve(index, sector, "sector"),
        region=_resolve(index, region, "region"),
        status=status,
        overdue=overdue,
        major=major,
        sort=sort,
        limit=page.limit,
        offset=page.offset,
    )


def _resolve(index: Any, value: str | None, kind: Any) -> NamedNode | None:
    return NamedNode(index.resolve(value, kind, parameter=kind)) if value else None


@router.get(
    "/{hazard_id}",
    summary="A hazard: who answers for it (主体/行业/属地) and its history",
    responses=problems(400, 404),
)
def hazard_detail(
    hazard_id: HazardId,
    store: StoreDep,
    index: LookupDep,
    lang: LangDep,
    as_of: Annotated[
        dt.date | None, Query(description="The day asked about (default today).")
    ] = None,
) -> R.HazardDetail:
    """The record; the days overdue and escalation step due as of `as_of`; the
    enterprise (主体责任, with principal and actual controller), the sector's lead
    department(s) (行业监管责任, joint marked, or the 三管三必须 fallback) and the
    governments of its region (属地管理责任), each with the plan's sentence; and every
    recorded status change (time, actor, reason)."""
    return R.hazard_detail(store, index.snapshot, hazard_id, lang, as_of=as_of or dt.date.today())


# --------------------------------------------------------------------------- writes


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add or update one hazard (authenticated)",
    responses=problems(400, 403, 422),
)
def create_hazard(
    record: HazardIn, store: StoreDep, index: LookupDep, writer: ScopedWriterDep
) -> ImportReport:
    """Validated like one row of an import and written all or nothing; the same
    record again changes nothing (upsert by ``hazard_id``). A department or region
    token may write a hazard within its scope (sectors it leads, its regions)."""
    # ASCII JSON: a lone surrogate travels as an escape, and the import names its field
    data = json.dumps([record.model_dump(exclude_none=True)], ensure_ascii=True)
    return _report(
        ingest_text(
            store,
            data.encode("ascii"),
            "json",
            authorise=writer.guard(),
            reference=index.snapshot.reference,
        )
    )


@router.post(
    "/import",
    summary="Import hazards from CSV, JSON or Turtle (authenticated, all or nothing)",
    responses=problems(400, 403, 413, 422),
)
def import_hazards(
    file: Annotated[UploadFile, File(description="A CSV (UTF-8 or GB18030), JSON or Turtle file.")],
    store: StoreDep,
    index: LookupDep,
    writer: ScopedWriterDep,
    format: Annotated[
        Literal["csv", "json", "ttl"] | None,
        Query(description="Default: from the file name's suffix."),
    ] = None,
) -> ImportReport:
    """The same validation and all-or-nothing result as ``safetykg ingest``: any error
    is a 422 problem listing each (row, column, value, reason in zh and en), and then
    nothing is written. A department or region token may import hazards within its
    scope; one record outside it is a 403, and then nothing is written."""
    suffix = FilePath(file.filename or "").suffix.lower().lstrip(".")
    chosen = format or {"csv": "csv", "json": "json", "ttl": "ttl", "turtle": "ttl"}.get(suffix)
    if chosen is None:
        raise BadParameter("format: give format=csv, json or ttl (the file name does not say).")
    with tempfile.NamedTemporaryFile(suffix=f".{chosen}") as spool:
        copied = 0
        while chunk := file.file.read(1 << 20):
            copied += len(chunk)
            if copied > MAX_UPLOAD_BYTES:
                raise ValidationFailed(
                    f"The upload is larger than {MAX_UPLOAD_BYTES} bytes; split it or use "
                    "`safetykg ingest` on the server. Nothing was written."
                )
            spool.write(chunk)
        spool.flush()
        report = ingest(
            store,
            spool.name,
            format=chosen,
            max_bytes=MAX_UPLOAD_BYTES,
            authorise=writer.guard(),
            reference=index.snapshot.reference,
        )
    return _report(report)


@router.post(
    "/{hazard_id}/transitions",
    status_code=status.HTTP_201_CREATED,
    summary="Change a hazard's status (authenticated)",
    responses=problems(400, 403, 404, 422),
)
def transition_hazard(
    hazard_id: HazardId,
    change: TransitionIn,
    store: StoreDep,
    index: LookupDep,
    lang: LangDep,
    _: WriterDep,
) -> R.StatusChange:
    """reported → rectifying → rectified → closed, one step at a time; closing needs a
    review by a lead department of the sector or the region's government; reopening
    needs a reason. Every change is recorded (time, actor, reason)."""
    actor = index.resolve(change.actor, "department", parameter="actor")
    recorded = transition(
        store,
        hazard_id,
        change.to,
        actor=actor,
        at=change.at,
        reason=change.reason,
        reference=index.snapshot.reference,
    )
    return R.status_change(recorded, index.snapshot, lang)
