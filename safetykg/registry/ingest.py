"""Importing hazard records: CSV, JSON or Turtle in; validated; written all or nothing.

``safetykg ingest FILE`` and ``POST /api/hazards/import`` call :func:`ingest`.
One file is one batch:

1. **Read.** CSV in UTF-8 (with or without BOM) or GB18030 (detected: a file
   that is not UTF-8 is read as GB18030, and one that is neither is refused);
   JSON (an array of objects with the CSV's column names as keys, or
   ``{"records": [...]}`` and no other key; a value is text, a number,
   true/false or a list, strings must be valid Unicode, and a document nested
   deeper than Python's recursion limit is refused); Turtle using the
   registry's vocabulary only. A file larger than ``max_bytes``, or a CSV
   header wider than ``MAX_COLUMNS``, is refused before it is read further.
2. **Validate** every row: columns (missing, unknown), types, dates
   (``2024-02-30`` and ``二〇二四年`` are refused), credit codes (GB 32100-2015
   check character), known sector, region, department and enterprise (by id
   or name), duplicate ids, the lifecycle rules
   (:mod:`~safetykg.registry.lifecycle`) and, for batches up to
   ``shacl_max_records`` hazards, the SHACL shapes of ``ontology/shapes.ttl``.
   Each error names the row (CSV: the spreadsheet row, the header being row
   1; JSON: the object's position; Turtle: the subject), the column, the
   value and the reason in Chinese and English; after ``max_errors`` errors
   validation stops. Any error: :class:`~safetykg.errors.ValidationFailed`,
   and the store is untouched. Each valid hazard (and the stored one an update
   replaces) also goes to the caller's ``authorise`` check (a write token's
   scope); a refusal (:class:`~safetykg.errors.WriteForbidden`) leaves the
   store untouched too.
3. **Write** (:mod:`~safetykg.registry.writer`): new records are added,
   changed ones replaced (upsert by id: a hazard by its id, an enterprise by
   its credit code), unchanged ones skipped, so importing the same file again
   writes nothing. Status changes are appended to each hazard's history.

The file is read twice (enterprises first, then hazards), never held in
memory whole, so a million-row CSV imports in bounded memory.

CSV columns (also the JSON keys; a Chinese header is accepted for each):

======================  ==============  ====================================================
column                  中文表头         content
======================  ==============  ====================================================
hazard_id *             隐患编号        id, e.g. ``H-2025-0137``; empty: the row only
                                        registers or updates its enterprise
description *           隐患描述        what the hazard is (Chinese)
major *                 是否重大        是/否, true/false, 1/0 (重大事故隐患 or not)
credit_code *           统一社会信用代码  the enterprise's 18-character code
enterprise_name *       单位名称        the enterprise's name (either this or the code
                                        must be given; both must agree when both are)
enterprise_sectors      单位行业领域    sector(s) of the enterprise, ``|``-separated (id,
                                        IRI or name: ``urban-gas``, ``城镇燃气``);
                                        with enterprise_region: registers the enterprise
enterprise_region       单位所在区域    region of the enterprise (``qiaocheng``, ``谯城区``)
principal               主要负责人      name of the principal
actual_controller       实际控制人      name of the actual controller
enterprise_name_en      单位英文名称    optional English name
sector                  隐患行业领域    the hazard's sector (default: the enterprise's)
region                  隐患所在区域    the hazard's region (default: the enterprise's)
discovered_on *         发现日期        ``YYYY-MM-DD`` (also ``YYYY/M/D``, ``YYYY年M月D日``)
channel *               发现渠道        企业自查上报 / 督导检查发现 / 群众举报查实
                                        (``self-report``, ``inspection``, ``public-report``)
rectification_deadline *  整改期限      date; not before discovered_on
status *                整改状态        已登记/整改中/已整改待销号/已销号
                                        (``reported``, ``rectifying``, ``rectified``, ``closed``)
rectifying_on           开始整改日期    date rectification started (default: discovered_on)
rectified_on            整改完成日期    date the enterprise reported it done
closed_on               销号日期        date closed; required when closed
reviewed_by             审核销号部门    who reviewed the closing: a lead department of the
                                        sector or the region's government; required when closed
listed_by               挂牌督办单位    who put it under listed supervision (挂牌督办)
listed_on               挂牌日期        when
escalations             督促措施        ``measure@date@by`` items separated by ``;``, e.g.
                                        ``函告@2025-03-01@市应急管理局;
                                        约谈@2025-05-10@谯城区人民政府``
reason                  变更原因        why the status changed (required to reopen)
synthetic               合成数据        true for generated data
======================  ==============  ====================================================

``*``: the column must be present.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import json
import logging
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Store, parse
from tqdm import tqdm

from safetykg.errors import ValidationFailed, WriteForbidden
from safetykg.namespaces import GRAPH_HAZARDS, ID, RDF, RDFS, SK, SKOS
from safetykg.registry import stored
from safetykg.registry.lifecycle import LifecycleError, Problem, check_record, import_changes
from safetykg.registry.records import (
    EnterpriseRecord,
    EscalationRecord,
    HazardRecord,
    derive_history,
    enterprise_iri,
    hazard_iri,
)
from safetykg.registry.reference import Reference
from safetykg.registry.values import (
    CellError,
    has_surrogate,
    parse_bool,
    parse_code,
    parse_date,
    parse_hazard_id,
    printable,
    split_list,
)
from safetykg.registry.vocabulary import Channel, Measure, Status
from safetykg.registry.writer import Batch, WriteStats, commit, repair_interrupted_import

__all__ = [
    "COLUMNS",
    "Authorise",
    "DEFAULT_MAX_BYTES",
    "Column",
    "IngestReport",
    "ingest",
    "ingest_text",
]

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 1 << 30
"""1 GiB: well above a million hazards in CSV (about 400 MB)."""
DEFAULT_MAX_ERRORS = 50
SPOOL_ROWS = 5_000
"""From this many rows on, additions are spooled to a file and bulk-loaded."""
SHACL_MAX_RECORDS = 500
MAX_COLUMNS = 100
"""A header wider than this is refused at once: a registry file has at most
``len(COLUMNS)`` columns, so anything far wider is not one (and naming each
unknown or repeated column of a million would take longer than it is worth)."""


@dataclass(frozen=True)
class Column:
    name: str
    zh: str
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("hazard_id", "隐患编号", True),
    Column("description", "隐患描述", True),
    Column("major", "是否重大", True),
    Column("credit_code", "统一社会信用代码", True),
    Column("enterprise_name", "单位名称", True),
    Column("enterprise_sectors", "单位行业领域"),
    Column("enterprise_region", "单位所在区域"),
    Column("principal", "主要负责人"),
    Column("actual_controller", "实际控制人"),
    Column("enterprise_name_en", "单位英文名称"),
    Column("sector", "隐患行业领域"),
    Column("region", "隐患所在区域"),
    Column("discovered_on", "发现日期", True),
    Column("channel", "发现渠道", True),
    Column("rectification_deadline", "整改期限", True),
    Column("status", "整改状态", True),
    Column("rectifying_on", "开始整改日期"),
    Column("rectified_on", "整改完成日期"),
    Column("closed_on", "销号日期"),
    Column("reviewed_by", "审核销号部门"),
    Column("listed_by", "挂牌督办单位"),
    Column("listed_on", "挂牌日期"),
    Column("escalations", "督促措施"),
    Column("reason", "变更原因"),
    Column("synthetic", "合成数据"),
)
_BY_NAME = {c.name: c for c in COLUMNS}
_ALIASES = {c.zh: c.name for c in COLUMNS} | {c.name: c.name for c in COLUMNS}
_HAZARD_COLUMNS = (
    "description major sector region discovered_on channel rectification_deadline status "
    "rectifying_on rectified_on closed_on reviewed_by listed_by listed_on escalations reason"
).split()

Row = dict[str, str]
Authorise = Callable[[HazardRecord], None]
"""A scope check called with each hazard record an import would write (or replace);
it refuses one by raising :class:`~safetykg.errors.WriteForbidden`."""


def _allow(record: HazardRecord) -> None:
    """The check of an import with no ``authorise``: every record may be written."""


@dataclass(frozen=True)
class EnterpriseScope:
    """An enterprise as the scope check sees it: one of its sectors, in its region."""

    id: str
    sector: str
    region: str
    iri: str

    @property
    def label(self) -> str:
        return f"enterprise {self.id}"


def _check_enterprise(check: Authorise, record: EnterpriseRecord) -> None:
    """An enterprise is in a token's scope when one of its sectors, in its region, is: a
    department registers the enterprises of the sectors it leads, a region those inside it."""
    refused: WriteForbidden | None = None
    for sector in record.sectors:
        try:
            check(EnterpriseScope(record.code, sector, record.region, record.iri))  # type: ignore[arg-type]
            return
        except WriteForbidden as exc:
            refused = refused or exc
    if refused is not None:
        raise refused


@dataclass
class IngestReport:
    """What an import did, for the CLI and the API to show."""

    path: str
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
    mode: str = "none"
    shacl: str = "skipped"
    seconds: float = 0.0
    seconds_writing: float = 0.0
    """Of ``seconds``, the time spent writing to the store (the rest is reading and checking)."""
    seconds_optimising: float = 0.0
    """Of ``seconds``, the time spent compacting the store after a bulk write."""
    encoding: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# ------------------------------------------------------------------------ errors


class _Errors:
    """Collects row errors up to a cap."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.items: list[dict[str, Any]] = []
        self.total = 0

    @property
    def full(self) -> bool:
        return self.total >= self.cap

    def add(
        self, row: object, column: str | None, value: object, code: str, zh: str, en: str
    ) -> None:
        self.total += 1
        if len(self.items) < self.cap:
            self.items.append(
                {
                    "row": row,
                    "column": column,
                    "value": value,
                    "code": code,
                    "message": en,
                    "message_zh": zh,
                    "severity": "Violation",
                }
            )

    def cell(self, row: object, column: str, value: object, err: CellError) -> None:
        self.add(row, column, value, err.code, err.zh, err.en)

    def problem(self, row: object, value_of: Callable[[str | None], object], p: Problem) -> None:
        self.add(row, p.column, value_of(p.column), p.code, p.zh, p.en)

    def raise_if_any(self, path: str) -> None:
        if not self.items:
            return
        first = self.items[0]
        more = f" (showing the first {len(self.items)})" if self.total > len(self.items) else ""
        stopped = " Validation stopped at the error limit." if self.full else ""
        raise ValidationFailed(
            f"{path}: {self.total} error(s){more}; nothing was imported.{stopped} "
            f"First: row {first['row']}, {first['column']}: {first['message']}",
            self.items,
        )


def _refuse(
    path: str, code: str, zh: str, en: str, column: str | None = None, row: object = None
) -> ValidationFailed:
    return ValidationFailed(
        f"{path}: {en}; nothing was imported.",
        [
            {
                "row": row,
                "column": column,
                "value": None,
                "code": code,
                "message": en,
                "message_zh": zh,
                "severity": "Violation",
            }
        ],
    )


# ------------------------------------------------------------------------ sources


@dataclass
class _Source:
    """A file's rows, readable more than once."""

    format: str
    rows: Callable[[], Iterator[tuple[object, Row]]]
    encoding: str | None = None
    count: int = 0


def _detect_encoding(path: Path, label: str) -> str:
    with path.open("rb") as f:
        head = f.read(1 << 20)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for bom, name in (
        (codecs.BOM_UTF32_LE, "UTF-32"),
        (codecs.BOM_UTF32_BE, "UTF-32"),
        (codecs.BOM_UTF16_LE, "UTF-16"),
        (codecs.BOM_UTF16_BE, "UTF-16"),
    ):
        if head.startswith(bom):
            raise _refuse(
                label,
                "encoding",
                f"文件编码为 {name}，请另存为 UTF-8 或 GB18030",
                f"the file is {name}; save it as UTF-8 or GB18030",
            )
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=len(head) < (1 << 20))
            return encoding
        except UnicodeDecodeError:
            continue
    raise _refuse(
        label,
        "encoding",
        "文件既不是 UTF-8 也不是 GB18030 编码，请另存为 UTF-8",
        "the file is neither UTF-8 nor GB18030; save it as UTF-8",
    )


def _canonical(name: str) -> str | None:
    key = name.strip().lstrip("\ufeff")
    return _ALIASES.get(key) or _ALIASES.get(key.lower())


def _csv_source(path: Path, label: str, errors: _Errors) -> _Source:
    encoding = _detect_encoding(path, label)
    with path.open(encoding=encoding, newline="", errors="strict") as f:
        try:
            header = next(csv.reader(f), None)
        except UnicodeDecodeError:
            header = None
    if not header:
        raise _refuse(
            label, "empty", "文件为空或没有表头", "the file is empty or has no header row"
        )
    if len(header) > MAX_COLUMNS:
        first = next((h for h in header if _canonical(h) is None), None)
        first_en = f"; the first unknown column is {first!r}" if first is not None else ""
        first_zh = f"；第一个未知的列是“{first}”" if first is not None else ""
        raise _refuse(
            label,
            "too-many-columns",
            f"表头有 {len(header):,} 列，而台账文件最多 {len(COLUMNS)} 列：其余是未知的列或重复的列"
            f"{first_zh}（可用的列：{'、'.join(_BY_NAME)}）",
            f"the header has {len(header):,} columns but a registry file has at most "
            f"{len(COLUMNS)}: the others are unknown columns or repeats{first_en} "
            f"(the columns are: {', '.join(_BY_NAME)})",
            column=first,
            row=1,
        )
    names = [_canonical(h) for h in header]
    if not any(names):
        raise _refuse(
            label,
            "encoding",
            f"表头中没有可识别的列（按 {encoding} 读取）；"
            "文件编码或格式可能不对，请使用 UTF-8 的 CSV",
            f"no known column in the header (read as {encoding}); the file's encoding or "
            "format is probably wrong: use CSV in UTF-8",
        )
    _check_columns(header, names, errors, row=1)
    errors.raise_if_any(label)
    width = len(header)
    keys = [n or "" for n in names]

    def rows() -> Iterator[tuple[object, Row]]:
        with path.open(encoding=encoding, newline="", errors="strict") as f:
            reader = csv.reader(f)
            row_no = 1
            try:
                next(reader)
                for values in reader:
                    row_no += 1
                    if not any(v.strip() for v in values):
                        continue
                    if len(values) != width:
                        errors.add(
                            row_no,
                            None,
                            None,
                            "row-width",
                            f"第 {row_no} 行有 {len(values)} 个字段，表头有 {width} 列",
                            f"row {row_no} has {len(values)} fields but the header has {width}",
                        )
                        continue
                    yield row_no, {k: v.strip() for k, v in zip(keys, values, strict=True) if k}
            except UnicodeDecodeError as exc:
                errors.add(
                    row_no + 1,
                    None,
                    None,
                    "encoding",
                    f"第 {row_no + 1} 行附近的字节不是有效的 {encoding} 编码",
                    f"bytes near row {row_no + 1} are not valid {encoding} ({exc.reason})",
                )
            except csv.Error as exc:
                errors.add(
                    row_no + 1,
                    None,
                    None,
                    "csv-syntax",
                    f"CSV 格式错误：{exc}",
                    f"CSV error: {exc}",
                )

    return _Source("csv", rows, encoding)


def _check_columns(
    header: Sequence[str], names: Sequence[str | None], errors: _Errors, row: object
) -> None:
    for raw, name in zip(header, names, strict=True):
        if name is None:
            errors.add(
                row,
                raw,
                raw,
                "unknown-column",
                f"未知的列“{raw}”",
                f"unknown column {raw!r} (the columns are: {', '.join(_BY_NAME)})",
            )
    seen = Counter(n for n in names if n)
    for dup in sorted(n for n, times in seen.items() if times > 1):
        errors.add(
            row,
            dup,
            None,
            "duplicate-column",
            f"列“{dup}”出现了 {seen[dup]} 次",
            f"column {dup!r} appears {seen[dup]} times",
        )
    for col in COLUMNS:
        if col.required and col.name not in seen:
            errors.add(
                row,
                col.name,
                None,
                "missing-column",
                f"缺少必需的列“{col.name}”（{col.zh}）",
                f"the required column {col.name!r} ({col.zh}) is missing",
            )


_ESCALATION_KEYS = ("measure", "date", "by")
_Scalar = str | int | float | bool | None


def _json_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, Mapping):
                parts.append("@".join(str(item.get(k) or "") for k in _ESCALATION_KEYS).rstrip("@"))
            else:
                parts.append(str(item))
        return "; ".join(parts) if any(isinstance(i, Mapping) for i in value) else "|".join(parts)
    return str(value).strip()


def _json_cell_problem(value: object) -> tuple[str, str, str] | None:
    """Why a JSON record's value cannot be a cell (code, zh, en), or ``None`` when it can.

    A cell is a scalar, a list of scalars (``enterprise_sectors``) or a list of
    ``{"measure", "date", "by"}`` objects (``escalations``); nothing nests deeper.
    """
    if isinstance(value, str):
        if has_surrogate(value):
            return (
                "invalid-text",
                "值中含有无效的 Unicode 字符（孤立的代理项）",
                "the value contains an invalid Unicode character (a lone surrogate)",
            )
        return None
    if isinstance(value, _Scalar):
        return None
    if isinstance(value, Mapping):
        return (
            "json-value",
            "值不能是 JSON 对象：请写成文字、数字、是/否或列表",
            "the value must not be a JSON object: give text, a number, true/false or a list",
        )
    if not isinstance(value, list):
        return None
    for item in value:
        if isinstance(item, Mapping):
            extra = [k for k in item if k not in _ESCALATION_KEYS]
            if extra:
                key = printable(str(extra[0]))
                return (
                    "unknown-column",
                    f"督促措施对象中有未知的字段“{key}”（可用字段：measure、date、by）",
                    f"unknown key {key!r} in an escalation object (the keys are: measure, "
                    "date, by)",
                )
            inner = list(item.values())
        else:
            inner = [item]
        for v in inner:
            if isinstance(v, list | Mapping):
                return (
                    "json-value",
                    "列表中的值不能再嵌套列表或对象",
                    "a list's items must not hold further lists or objects",
                )
            if isinstance(v, str) and has_surrogate(v):
                return (
                    "invalid-text",
                    "值中含有无效的 Unicode 字符（孤立的代理项）",
                    "the value contains an invalid Unicode character (a lone surrogate)",
                )
    return None


def _json_records(data: object, label: str) -> list[Any]:
    """The list of records of a parsed JSON document, or a refusal naming what is wrong."""
    if isinstance(data, Mapping):
        wrapper = [k for k in ("records", "hazards") if k in data]
        extra = [k for k in data if k not in wrapper[:1]]
        if wrapper and extra:
            keys = ", ".join(repr(printable(str(k))) for k in extra[:10])
            keys_zh = "、".join(f"“{printable(str(k))}”" for k in extra[:10])
            raise _refuse(
                label,
                "unknown-key",
                f"JSON 顶层对象中有未知的字段 {keys_zh}：只能有 records（或 hazards）",
                f"unknown key(s) {keys} at the top level of the JSON: it may hold only "
                '"records" (or "hazards")',
                column=printable(str(extra[0])),
            )
        data = data[wrapper[0]] if wrapper else None
    if not isinstance(data, list) or not all(isinstance(d, Mapping) for d in data):
        raise _refuse(
            label,
            "json-shape",
            'JSON 应为对象数组（或 {"records": [...]}）',
            'JSON must be an array of objects (or {"records": [...]})',
        )
    return data


def _json_source(path: Path, label: str, errors: _Errors) -> _Source:
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise _refuse(
            label, "encoding", "JSON 文件必须是 UTF-8 编码", f"JSON must be UTF-8 ({exc.reason})"
        ) from exc
    except json.JSONDecodeError as exc:
        raise _refuse(
            label,
            "json-syntax",
            f"JSON 语法错误（第 {exc.lineno} 行第 {exc.colno} 列）：{exc.msg}",
            f"JSON syntax error at line {exc.lineno}, column {exc.colno}: {exc.msg}",
        ) from exc
    except RecursionError as exc:  # the decoder refuses to go deeper than the stack allows
        raise _refuse(
            label,
            "json-too-deep",
            "JSON 嵌套层数过多：台账文件只有几层（对象、记录数组、记录、督促措施列表）",
            "the JSON is nested too deeply: a registry file has only a few levels "
            "(an object, the array of records, a record, its list of escalations)",
        ) from exc
    records = _json_records(data, label)
    rows: list[tuple[object, Row]] = []
    for i, obj in enumerate(records, start=1):
        keys = list(obj)
        names = [_canonical(str(k)) for k in keys]
        usable = []
        for raw, name in zip(keys, names, strict=True):
            key = printable(str(raw))
            if name is None:
                errors.add(
                    i,
                    key,
                    None,
                    "unknown-column",
                    f"第 {i} 条记录中有未知的字段“{key}”（可用字段：{'、'.join(_BY_NAME)}）",
                    f"record {i}: unknown key {key!r} (the keys are: {', '.join(_BY_NAME)})",
                )
                continue
            problem = _json_cell_problem(obj[raw])
            if problem is not None:
                code, zh, en = problem
                value = obj[raw]
                errors.add(
                    i,
                    name,
                    printable(value) if isinstance(value, str) else None,
                    code,
                    f"第 {i} 条记录的字段“{key}”：{zh}",
                    f"record {i}, key {key!r}: {en}",
                )
                continue
            usable.append((raw, name))
        present = {n for n in names if n}
        for col in COLUMNS:
            if col.required and col.name not in present and col.name not in ("hazard_id",):
                if col.name in ("credit_code", "enterprise_name"):
                    continue
                if not obj.get("hazard_id") and col.name in _HAZARD_COLUMNS:
                    continue
                errors.add(
                    i,
                    col.name,
                    None,
                    "missing-column",
                    f"第 {i} 条记录缺少必需的字段“{col.name}”（{col.zh}）",
                    f"record {i}: the required key {col.name!r} ({col.zh}) is missing",
                )
        rows.append((i, {n: _json_value(obj[k]) for k, n in usable}))
    return _Source("json", lambda: iter(rows), "utf-8")


_TURTLE_ALLOWED = {
    "enterprise": {
        str(RDF.type),
        str(RDFS.label),
        str(SKOS.altLabel),
        *(
            str(SK[p])
            for p in "creditCode inSector inRegion principal actualController synthetic".split()
        ),
    },
    "hazard": {
        str(RDF.type),
        str(RDFS.label),
        *(
            str(SK[p])
            for p in (
                "description atEnterprise inSector inRegion discoveredOn discoveredVia "
                "rectificationDeadline status closedOn reviewedBy listedBy listedOn hasEscalation "
                "synthetic responsibleDepartment"
            ).split()
        ),
    },
    "escalation": {
        str(RDF.type),
        str(RDFS.label),
        *(str(SK[p]) for p in "measure eventDate byOrganization".split()),
    },
}
_TURTLE_TYPES = {
    str(SK.Enterprise): "enterprise",
    str(SK.HighRiskEnterprise): "enterprise",
    str(SK.Hazard): "hazard",
    str(SK.MajorHazard): "hazard",
    str(SK.EscalationEvent): "escalation",
}


def _curie(iri: str) -> str:
    for prefix, ns in (
        ("sk:", str(SK)),
        ("rdf:", str(RDF)),
        ("rdfs:", str(RDFS)),
        ("skos:", str(SKOS)),
    ):
        if iri.startswith(ns):
            return prefix + iri[len(ns) :]
    return iri


def _turtle_source(path: Path, label: str, errors: _Errors) -> _Source:
    subjects: dict[str, list[tuple[str, object]]] = {}
    try:
        for quad in parse(path=str(path), format=RdfFormat.TURTLE):
            s = quad.subject
            key = s.value if isinstance(s, NamedNode) else f"_:{s.value}"
            subjects.setdefault(key, []).append((quad.predicate.value, quad.object))
    except SyntaxError as exc:
        raise _refuse(
            label, "turtle-syntax", f"Turtle 语法错误：{exc}", f"Turtle syntax error: {exc}"
        ) from exc
    kinds: dict[str, str] = {}
    for s, pairs in subjects.items():
        types = {o.value for p, o in pairs if p == str(RDF.type) and isinstance(o, NamedNode)}
        found = {_TURTLE_TYPES[t] for t in types if t in _TURTLE_TYPES}
        if len(found) != 1:
            errors.add(
                s,
                "rdf:type",
                ", ".join(sorted(types)) or None,
                "outside-vocabulary",
                "该主语不是台账中的生产经营单位、隐患或督促事件（rdf:type 应为 sk:Enterprise、"
                "sk:Hazard、sk:MajorHazard 或 sk:EscalationEvent）",
                "this subject is not a registry enterprise, hazard or escalation event "
                "(rdf:type must be sk:Enterprise, sk:Hazard, sk:MajorHazard or sk:EscalationEvent)",
            )
            continue
        kind = found.pop()
        kinds[s] = kind
        prefix = {"enterprise": "enterprise/", "hazard": "hazard/", "escalation": "escalation/"}[
            kind
        ]
        if kind != "escalation" and not s.startswith(str(ID) + prefix):
            errors.add(
                s,
                None,
                s,
                "iri-outside-namespace",
                f"主语 IRI 应以 {ID}{prefix} 开头",
                f"the subject's IRI must start with {ID}{prefix}",
            )
        for p, o in pairs:
            if p not in _TURTLE_ALLOWED[kind]:
                errors.add(
                    s,
                    _curie(p),
                    getattr(o, "value", str(o)),
                    "outside-vocabulary",
                    f"谓词 {_curie(p)} 不属于台账词汇",
                    f"the predicate {_curie(p)} is not part of the registry's vocabulary",
                )
            elif p == str(RDF.type) and getattr(o, "value", "") not in _TURTLE_TYPES:
                errors.add(
                    s,
                    "rdf:type",
                    getattr(o, "value", None),
                    "outside-vocabulary",
                    f"类型 {_curie(getattr(o, 'value', ''))} 不属于台账词汇",
                    f"the type {_curie(getattr(o, 'value', ''))} is not part of the "
                    "registry's vocabulary",
                )
    rows: list[tuple[object, Row]] = []

    def values(pairs: list[tuple[str, object]], local: str) -> list[str]:
        return [getattr(o, "value", "") for p, o in pairs if p == str(SK[local])]

    def one(pairs: list[tuple[str, object]], local: str) -> str:
        found = values(pairs, local)
        return found[0] if found else ""

    def node(obj: object) -> str:
        if isinstance(obj, NamedNode):
            return obj.value
        if isinstance(obj, BlankNode):
            return f"_:{obj.value}"
        return ""

    for s, kind in kinds.items():
        pairs = subjects[s]
        if kind == "enterprise":
            zh = [
                o.value
                for p, o in pairs
                if p == str(RDFS.label) and isinstance(o, Literal) and o.language == "zh"
            ]
            en = [
                o.value
                for p, o in pairs
                if p == str(RDFS.label) and isinstance(o, Literal) and o.language == "en"
            ]
            code = one(pairs, "creditCode") or s.rsplit("/", 1)[-1]
            rows.append(
                (
                    s,
                    {
                        "hazard_id": "",
                        "credit_code": code,
                        "enterprise_name": zh[0] if zh else "",
                        "enterprise_name_en": en[0] if en and en[0] != f"Enterprise {code}" else "",
                        "enterprise_sectors": "|".join(values(pairs, "inSector")),
                        "enterprise_region": one(pairs, "inRegion"),
                        "principal": one(pairs, "principal"),
                        "actual_controller": one(pairs, "actualController"),
                        "synthetic": one(pairs, "synthetic"),
                    },
                )
            )
        elif kind == "hazard":
            types = {getattr(o, "value", "") for p, o in pairs if p == str(RDF.type)}
            escalations = []
            for p, o in pairs:
                if p == str(SK.hasEscalation):
                    ev = subjects.get(node(o), [])
                    escalations.append(
                        "@".join(
                            [one(ev, "measure"), one(ev, "eventDate"), one(ev, "byOrganization")]
                        ).rstrip("@")
                    )
            enterprise = one(pairs, "atEnterprise")
            rows.append(
                (
                    s,
                    {
                        "hazard_id": s.rsplit("/", 1)[-1],
                        "description": one(pairs, "description"),
                        "major": "true" if str(SK.MajorHazard) in types else "false",
                        "credit_code": enterprise.rsplit("/", 1)[-1] if enterprise else "",
                        "enterprise_name": "",
                        "sector": one(pairs, "inSector"),
                        "region": one(pairs, "inRegion"),
                        "discovered_on": one(pairs, "discoveredOn"),
                        "channel": one(pairs, "discoveredVia"),
                        "rectification_deadline": one(pairs, "rectificationDeadline"),
                        "status": one(pairs, "status"),
                        "closed_on": one(pairs, "closedOn"),
                        "reviewed_by": one(pairs, "reviewedBy"),
                        "listed_by": one(pairs, "listedBy"),
                        "listed_on": one(pairs, "listedOn"),
                        "escalations": "; ".join(escalations),
                        "synthetic": one(pairs, "synthetic"),
                    },
                )
            )
    # enterprises first, so that hazards can refer to them
    rows.sort(key=lambda r: (r[1].get("hazard_id") != "", str(r[0])))
    return _Source("turtle", lambda: iter(rows), "utf-8")


def _open(path: Path, label: str, errors: _Errors, format: str | None) -> _Source:
    fmt = (format or path.suffix.lstrip(".")).lower()
    if fmt in ("csv", "txt"):
        return _csv_source(path, label, errors)
    if fmt == "json":
        return _json_source(path, label, errors)
    if fmt in ("ttl", "turtle"):
        return _turtle_source(path, label, errors)
    raise _refuse(
        label,
        "format",
        f"不支持的文件类型“{path.suffix}”：请用 .csv、.json 或 .ttl",
        f"unsupported file type {path.suffix!r}: use .csv, .json or .ttl",
    )


# ------------------------------------------------------------------------ validation


@dataclass
class _Enterprise:
    row: object
    record: EnterpriseRecord


@dataclass
class _Validator:
    store: Store
    ref: Reference
    today: dt.date
    errors: _Errors
    defined: dict[str, _Enterprise] = field(default_factory=dict)
    by_name: dict[str, set[str]] = field(default_factory=dict)
    hazard_rows: dict[str, object] = field(default_factory=dict)
    referenced_codes: set[str] = field(default_factory=set)
    referenced_names: set[str] = field(default_factory=set)
    stored_enterprises: dict[str, EnterpriseRecord] = field(default_factory=dict)
    stored_names: dict[str, list[str]] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    """Credit codes as written → as checked (pass 1 checks each once)."""

    def _resolve(self, kind: str, row: object, column: str, text: str) -> str | None:
        try:
            return self.ref.resolve(kind, text)
        except KeyError:
            zh = {"sector": "行业领域", "region": "区域", "department": "部门或政府"}[kind]
            self.errors.add(
                row,
                column,
                text,
                f"unknown-{kind}",
                f"未知的{zh}“{text}”",
                f"unknown {kind} {text!r} (give its id, IRI or name as in the plan graph)",
            )
        except LookupError as exc:
            self.errors.add(
                row,
                column,
                text,
                f"ambiguous-{kind}",
                f"“{text}”可指多个对象：{exc}",
                f"{text!r} names more than one {kind}: {exc}",
            )
        return None

    def _cell(self, row: object, column: str, text: str, parser: Callable[[str], Any]) -> Any:
        try:
            return parser(text)
        except CellError as err:
            self.errors.cell(row, column, text, err)
            return None

    # pass 1: enterprises and ids
    def scan(self, row: object, cells: Row) -> None:
        code_text = cells.get("credit_code", "")
        name = cells.get("enterprise_name", "")
        code = self._cell(row, "credit_code", code_text, parse_code) if code_text else None
        if code:
            self.codes[code_text] = code
        defines = bool(cells.get("enterprise_sectors") or cells.get("enterprise_region"))
        if defines:
            self._define(row, cells, code, name)
        elif code:
            self.referenced_codes.add(code)
        elif name:
            self.referenced_names.add(name)
        elif not code_text:
            self.errors.add(
                row,
                "credit_code",
                None,
                "enterprise-missing",
                "须填写统一社会信用代码或单位名称",
                "give the enterprise's credit_code or enterprise_name",
            )
        hid_text = cells.get("hazard_id", "")
        if hid_text:
            hid = self._cell(row, "hazard_id", hid_text, parse_hazard_id)
            if hid is not None:
                if hid in self.hazard_rows:
                    first = self.hazard_rows[hid]
                    self.errors.add(
                        row,
                        "hazard_id",
                        hid,
                        "duplicate-id",
                        f"隐患编号 {hid} 在本批次中重复（首次出现在第 {first} 行）",
                        f"hazard id {hid} appears twice in this batch (first in row {first})",
                    )
                else:
                    self.hazard_rows[hid] = row
        elif any(cells.get(c) for c in _HAZARD_COLUMNS):
            self.errors.add(
                row,
                "hazard_id",
                None,
                "hazard-id-missing",
                "填写了隐患信息但缺少隐患编号",
                "the row has hazard fields but no hazard_id",
            )

    def _define(self, row: object, cells: Row, code: str | None, name: str) -> None:
        missing = [
            c
            for c in ("credit_code", "enterprise_name", "enterprise_sectors", "enterprise_region")
            if not cells.get(c)
        ]
        for column in missing:
            self.errors.add(
                row,
                column,
                None,
                "enterprise-incomplete",
                f"登记生产经营单位须填写{_BY_NAME[column].zh}",
                f"registering an enterprise needs {column}",
            )
        if missing or code is None:
            return
        sectors = [
            self._resolve("sector", row, "enterprise_sectors", s)
            for s in split_list(cells["enterprise_sectors"])
        ]
        region = self._resolve("region", row, "enterprise_region", cells["enterprise_region"])
        if None in sectors or region is None:
            return
        synthetic = self._cell(row, "synthetic", cells.get("synthetic") or "false", parse_bool)
        record = EnterpriseRecord(
            code=code,
            name=name,
            sectors=tuple(dict.fromkeys(s for s in sectors if s)),
            region=region,
            principal=cells.get("principal") or None,
            actual_controller=cells.get("actual_controller") or None,
            high_risk=self.ref.is_high_risk(s for s in sectors if s),
            synthetic=bool(synthetic),
            name_en=cells.get("enterprise_name_en") or None,
        )
        known = self.defined.get(code)
        if known is None:
            self.defined[code] = _Enterprise(row, record)
            self.by_name.setdefault(name, set()).add(code)
        elif known.record != record:
            diff = [
                f
                for f in ("name", "sectors", "region", "principal", "actual_controller", "name_en")
                if getattr(known.record, f) != getattr(record, f)
            ]
            self.errors.add(
                row,
                "credit_code",
                code,
                "enterprise-conflict",
                f"单位 {code} 的信息与第 {known.row} 行不一致（{', '.join(diff)}）",
                f"enterprise {code} is described differently in row {known.row} "
                f"({', '.join(diff)})",
            )

    def load_known(self) -> None:
        """After pass 1: the enterprises the store already holds that the batch needs."""
        codes = sorted((self.referenced_codes - set(self.defined)) | set(self.defined))
        self.stored_enterprises = stored.load_enterprises(self.store, codes) if codes else {}
        names = sorted(n for n in self.referenced_names if n not in self.by_name)
        self.stored_names = stored.enterprises_by_name(self.store, names) if names else {}
        missing_codes = {c for c in self.stored_names.values() for c in c} - set(
            self.stored_enterprises
        )
        if missing_codes:
            self.stored_enterprises.update(
                stored.load_enterprises(self.store, sorted(missing_codes))
            )

    def enterprise(self, row: object, cells: Row) -> EnterpriseRecord | None:
        code_text = cells.get("credit_code", "")
        name = cells.get("enterprise_name", "")
        if code_text:
            code = self.codes.get(code_text)
            if code is None:
                return None  # reported in pass 1
            known = self.defined.get(code)
            record = known.record if known else self.stored_enterprises.get(code)
            if record is None:
                self.errors.add(
                    row,
                    "credit_code",
                    code_text,
                    "unknown-enterprise",
                    f"未知的生产经营单位 {code_text}：既不在台账中，本批次也未登记"
                    "（请填写单位行业领域和所在区域）",
                    f"unknown enterprise {code_text}: not in the registry and not registered by "
                    "this batch (give enterprise_sectors and enterprise_region to register it)",
                )
                return None
            if name and name != record.name:
                self.errors.add(
                    row,
                    "enterprise_name",
                    name,
                    "enterprise-name-mismatch",
                    f"信用代码 {code} 对应的单位是“{record.name}”，不是“{name}”",
                    f"credit code {code} belongs to {record.name!r}, not {name!r}",
                )
                return None
            return record
        codes = sorted(self.by_name.get(name, set()) | set(self.stored_names.get(name, [])))
        if len(codes) != 1:
            self.errors.add(
                row,
                "enterprise_name",
                name,
                "unknown-enterprise" if not codes else "ambiguous-enterprise",
                f"未知的生产经营单位“{name}”"
                if not codes
                else f"“{name}”对应多个单位：{'、'.join(codes)}",
                f"unknown enterprise {name!r}"
                if not codes
                else f"{name!r} names several enterprises: {', '.join(codes)}; give credit_code",
            )
            return None
        known = self.defined.get(codes[0])
        return known.record if known else self.stored_enterprises.get(codes[0])

    # pass 2: hazards
    def hazard(self, row: object, cells: Row) -> HazardRecord | None:
        hid_text = cells.get("hazard_id", "")
        if not hid_text:
            return None
        try:
            hid = parse_hazard_id(hid_text)
        except CellError:
            return None
        if self.hazard_rows.get(hid) != row:
            return None  # a duplicate, reported in pass 1
        before = self.errors.total
        enterprise = self.enterprise(row, cells)
        description = cells.get("description", "")
        if not description:
            self._required(row, "description")
        major = self._required_cell(row, cells, "major", parse_bool)
        discovered = self._required_cell(row, cells, "discovered_on", parse_date)
        deadline = self._required_cell(row, cells, "rectification_deadline", parse_date)
        channel = self._required_cell(row, cells, "channel", _enum(Channel))
        status = self._required_cell(row, cells, "status", _enum(Status))
        dates = {
            c: self._cell(row, c, cells[c], parse_date) if cells.get(c) else None
            for c in ("rectifying_on", "rectified_on", "closed_on", "listed_on")
        }
        sector = region = None
        if enterprise is not None:
            if cells.get("sector"):
                sector = self._resolve("sector", row, "sector", cells["sector"])
            elif len(enterprise.sectors) == 1:
                sector = enterprise.sectors[0]
            else:
                self.errors.add(
                    row,
                    "sector",
                    None,
                    "sector-ambiguous",
                    f"单位 {enterprise.code} 属于多个行业领域，请在 sector 列注明隐患所属行业领域",
                    f"enterprise {enterprise.code} is in several sectors; say which in sector",
                )
            region = (
                self._resolve("region", row, "region", cells["region"])
                if cells.get("region")
                else enterprise.region
            )
        reviewed_by = (
            self._resolve("department", row, "reviewed_by", cells["reviewed_by"])
            if cells.get("reviewed_by")
            else None
        )
        listed_by = (
            self._resolve("department", row, "listed_by", cells["listed_by"])
            if cells.get("listed_by")
            else None
        )
        escalations = self._escalations(row, cells.get("escalations", ""))
        synthetic = self._cell(row, "synthetic", cells.get("synthetic") or "false", parse_bool)
        if self.errors.total > before or enterprise is None or sector is None or region is None:
            return None
        responsible, _fallback = self.ref.responsible(sector, region)
        record = HazardRecord(
            id=hid,
            description=description,
            enterprise=enterprise.code,
            sector=sector,
            region=region,
            major=major,
            discovered_on=discovered,
            channel=channel,
            deadline=deadline,
            status=status,
            rectifying_on=dates["rectifying_on"],
            rectified_on=dates["rectified_on"],
            closed_on=dates["closed_on"],
            reviewed_by=reviewed_by,
            listed_by=listed_by,
            listed_on=dates["listed_on"],
            escalations=tuple(escalations or ()),
            synthetic=bool(synthetic),
            responsible=tuple(sorted(responsible)),
            reason=cells.get("reason") or None,
        )
        problems = check_record(record, self.ref, self.today)
        for p in problems:
            self.errors.problem(row, lambda c: cells.get(c or "", None), p)
        return None if problems else record

    def _required(self, row: object, column: str) -> None:
        self.errors.add(
            row,
            column,
            None,
            "value-missing",
            f"{_BY_NAME[column].zh}（{column}）不能为空",
            f"{column} must not be empty",
        )

    def _required_cell(
        self, row: object, cells: Row, column: str, parser: Callable[[str], Any]
    ) -> Any:
        text = cells.get(column, "")
        if not text:
            self._required(row, column)
            return None
        return self._cell(row, column, text, parser)

    def _escalations(self, row: object, text: str) -> list[EscalationRecord] | None:
        out = []
        for item in split_list(text, ";；"):
            parts = [p.strip() for p in item.split("@")]
            if len(parts) < 2 or len(parts) > 3:
                self.errors.add(
                    row,
                    "escalations",
                    item,
                    "escalation-unreadable",
                    f"督促措施“{item}”应写作 措施@日期@单位（如 函告@2025-03-01@市应急管理局）",
                    f"escalation {item!r} should be measure@date@by "
                    "(e.g. letter@2025-03-01@emergency-management)",
                )
                continue
            try:
                measure = Measure.parse(parts[0])
            except ValueError as exc:
                self.errors.add(
                    row,
                    "escalations",
                    parts[0],
                    "unknown-measure",
                    f"未知的督促措施“{parts[0]}”",
                    str(exc),
                )
                continue
            on = self._cell(row, "escalations", parts[1], parse_date)
            by = (
                self._resolve("department", row, "escalations", parts[2])
                if len(parts) == 3 and parts[2]
                else None
            )
            if on is not None:
                out.append(EscalationRecord(measure, on, by))
        return out


def _enum(cls: type[Status] | type[Channel]) -> Callable[[str], Any]:
    def parse_member(text: str) -> Any:
        try:
            return cls.parse(text)
        except ValueError as exc:
            zh = "整改状态" if cls is Status else "发现渠道"
            names = "、".join(m.zh for m in cls)
            raise CellError(
                f"unknown-{cls.__name__.lower()}", f"未知的{zh}“{text}”，应为：{names}", str(exc)
            ) from None

    return parse_member


# ------------------------------------------------------------------------ SHACL


@functools.cache
def _shapes_graph(path: str, mtime: float) -> Any:
    import rdflib

    return rdflib.Graph().parse(path, format="turtle")


def _shacl(
    store: Store,
    batch: Batch,
    ref: Reference,
    shapes: Path,
    rows_of: Mapping[str, object],
    errors: _Errors,
) -> str:
    """Validate the batch's new triples against the shapes; report results against rows.

    The data graph is the batch's ``graph/hazards`` triples, the types of the
    sectors, regions, departments and enterprises they point to, and the
    ontology's ``rdfs:subClassOf`` axioms (so ``sh:class`` sees that a
    ``sk:LocalGovernment`` is a ``sk:Department``). Results about nodes
    outside the batch are not the batch's fault and are ignored.
    """
    import pyshacl
    import rdflib

    from safetykg.namespaces import GRAPH_ONTOLOGY, PREFIXES

    g_hazards = f"<{GRAPH_HAZARDS}>"
    data = rdflib.Graph()
    text = "".join(
        line.rsplit(" ", 2)[0] + " .\n"
        for line in batch.add
        if line.rstrip().endswith(g_hazards + " .")
    )
    data.parse(data=text, format="nt")
    batch_subjects = {str(s) for s in data.subjects()}
    types = {s: "Sector" for s in ref.sectors} | {r: "Region" for r in ref.regions}
    types |= {
        d: ("LocalGovernment" if ref.departments[d].is_government else "Department")
        for d in ref.departments
    }
    for obj in set(data.objects()):
        key = str(obj)
        if key in types:
            data.add((obj, RDF.type, SK[types[key]]))
        elif key.startswith(str(ID) + "enterprise/") and key not in batch_subjects:
            data.add((obj, RDF.type, SK.Enterprise))
    for row in store.query(
        "SELECT ?a ?b WHERE { GRAPH ?g { ?a rdfs:subClassOf ?b } FILTER(isIRI(?a) && isIRI(?b)) }",
        prefixes=PREFIXES,
        default_graph=NamedNode(str(GRAPH_ONTOLOGY)),
        named_graphs=[NamedNode(str(GRAPH_ONTOLOGY))],
    ):
        data.add((rdflib.URIRef(row["a"].value), RDFS.subClassOf, rdflib.URIRef(row["b"].value)))
    data.add(
        (SK.Enterprise, RDFS.subClassOf, rdflib.URIRef("http://www.w3.org/ns/org#Organization"))
    )
    shapes_graph = _shapes_graph(str(shapes), shapes.stat().st_mtime)
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes_graph, allow_warnings=True)
    if conforms:
        return "passed"
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    found = 0
    for result in report.subjects(RDF.type, sh.ValidationResult):
        focus = str(report.value(result, sh.focusNode))
        if focus not in batch_subjects:
            continue
        severity = report.value(result, sh.resultSeverity)
        if severity is not None and severity != sh.Violation:
            continue
        path = report.value(result, sh.resultPath)
        value = report.value(result, sh.value)
        messages = list(report.objects(result, sh.resultMessage))
        en = next((str(m) for m in messages if getattr(m, "language", None) == "en"), None)
        zh = next((str(m) for m in messages if getattr(m, "language", None) == "zh"), None)
        owner = focus
        for kind in ("/status-change/", "/escalation/"):
            if kind in focus:
                owner = hazard_iri(focus.split(kind, 1)[1].split("/")[0])
        found += 1
        errors.add(
            rows_of.get(owner, focus),
            str(path) if path is not None else None,
            str(value) if value is not None else None,
            "shacl",
            zh or en or "不符合 SHACL 形状",
            en or zh or "does not conform to the SHACL shapes",
        )
    return "failed" if found else "passed"


# ------------------------------------------------------------------------ ingest


def ingest(
    store: Store,
    path: Path | str,
    *,
    format: str | None = None,
    today: dt.date | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_errors: int = DEFAULT_MAX_ERRORS,
    progress: bool | None = None,
    shapes: Path | str | None = None,
    shacl: bool = True,
    shacl_max_records: int = SHACL_MAX_RECORDS,
    spool_rows: int = SPOOL_ROWS,
    optimize: bool = True,
    reference: Reference | None = None,
    authorise: Authorise | None = None,
) -> IngestReport:
    """Validate ``path`` and write it to ``store`` all or nothing (see the module docstring).

    ``format`` is ``csv``, ``json`` or ``ttl`` (default: from the suffix).
    ``today`` is the date records may not be after (default: today).
    ``shapes`` is the SHACL file (default: ``ontology/shapes.ttl`` of the
    checkout; SHACL is skipped when it is absent, when ``shacl`` is false, and
    when the batch has more than ``shacl_max_records`` new or changed hazards:
    the row checks above enforce the same rules, and a test keeps the two in
    step). ``progress`` defaults to
    showing a bar only when stderr is a terminal. ``optimize``: compact the
    embedded store after a bulk write (several imports in a row may leave it to
    the last).

    ``authorise`` is the writer's scope check (the API passes
    ``Writer.guard()`` of :mod:`api.deps`, see :func:`safetykg.access.record_guard`):
    it is called with every valid hazard record of the file, and for an update
    also with the stored record it replaces, after validation and before
    anything is written; it refuses one by raising
    :class:`~safetykg.errors.WriteForbidden`, which leaves the store untouched.
    (Enterprise-only rows are not passed to it.)

    Raises :class:`~safetykg.errors.ValidationFailed` (with one result per
    error: ``row``, ``column``, ``value``, ``code``, ``message`` in English,
    ``message_zh``) when anything is wrong; nothing is written then.
    """
    started = time.monotonic()
    path = Path(path)
    label = path.name
    today = today or dt.date.today()
    show = sys.stderr.isatty() if progress is None else progress
    size = path.stat().st_size
    if size > max_bytes:
        raise _refuse(
            label,
            "file-too-large",
            f"文件大小 {size:,} 字节，超过上限 {max_bytes:,} 字节",
            f"the file has {size:,} bytes, more than the limit of {max_bytes:,}",
        )
    errors = _Errors(max_errors)
    source = _open(path, label, errors, format)
    report = IngestReport(path=str(path), format=source.format, encoding=source.encoding)
    ref = reference or Reference.load(store)
    if repair_interrupted_import(store, ref):
        log.warning("an earlier bulk import was interrupted: the registry index was rebuilt")
    v = _Validator(store, ref, today, errors)

    count = 0
    for row, cells in tqdm(source.rows(), desc="check", unit=" rows", disable=not show):
        count += 1
        v.scan(row, cells)
        if errors.full:
            break
    report.rows = count
    errors.raise_if_any(label)
    v.load_known()

    ids = list(v.hazard_rows)
    stored_digests = _existing_digests(store, [hazard_iri(i) for i in ids])
    enterprise_digests = stored.digests(store, [enterprise_iri(c) for c in v.defined])
    spool = count >= spool_rows
    # A large batch of new records only (the usual first import) is loaded while it is read:
    # nothing it writes exists yet, so a refusal can take it all out again.
    adds_only = (
        spool
        and (isinstance(store, Store) or store.loads_early)
        and not stored_digests
        and not any(code in v.stored_enterprises for code in v.defined)
    )
    batch = Batch(ref, spool=spool, loader=store if adds_only else None)
    updates: dict[str, HazardRecord] = {}
    check = authorise or _allow
    try:
        for code, item in v.defined.items():
            old = v.stored_enterprises.get(code)
            digest = enterprise_digests.get(item.record.iri)
            if old is not None and digest == item.record.digest():
                report.enterprises_unchanged += 1
                continue
            _check_enterprise(check, item.record)
            if old is not None:
                _check_enterprise(check, old)  # nor take one over from outside the scope
            batch.enterprise(old, item.record, digest)
            if old is None:
                report.enterprises_added += 1
            else:
                report.enterprises_updated += 1

        bar = tqdm(total=count, desc="read", unit=" rows", disable=not show)
        for row, cells in source.rows():
            bar.update()
            record = v.hazard(row, cells)
            if errors.full:
                break
            if record is None:
                continue
            check(record)
            digest = stored_digests.get(record.iri)
            if digest is None:
                history = derive_history(record)
                batch.hazard(None, record, history)
                report.hazards_added += 1
                report.status_changes += len(history)
            elif digest == record.digest():
                report.hazards_unchanged += 1
            else:
                updates[record.id] = record
        bar.close()
        errors.raise_if_any(label)

        if updates:
            old_records = {}
            update_ids = list(updates)
            for i in range(0, len(update_ids), 2000):
                old_records.update(stored.load_hazards(store, update_ids[i : i + 2000]))
            past = stored.histories(store, update_ids)
            for hid, new in updates.items():
                old = old_records.get(hid)
                if old is not None:
                    check(old)  # a token may not take over a hazard outside its scope
                last = past[hid][-1] if past.get(hid) else None
                try:
                    plan = import_changes(old, last, new, today)
                except LifecycleError as exc:
                    for p in exc.problems:
                        errors.add(v.hazard_rows[hid], p.column, None, p.code, p.zh, p.en)
                    continue
                batch.hazard(
                    old,
                    new,
                    plan.changes,
                    plan.superseded,
                    stored_digests.get(new.iri),
                    past.get(hid, []),
                )
                report.hazards_updated += 1
                report.status_changes += len(plan.changes)
            errors.raise_if_any(label)

        shapes_path = Path(shapes) if shapes else _default_shapes()
        changed = report.hazards_added + report.hazards_updated
        if not shacl or batch.spool or shapes_path is None or not shapes_path.is_file():
            report.shacl = "skipped"
        elif changed + report.enterprises_added + report.enterprises_updated == 0:
            report.shacl = "nothing to check"
        elif changed > shacl_max_records:
            report.shacl = f"skipped (more than {shacl_max_records} hazards)"
        else:
            rows_of = {hazard_iri(h): r for h, r in v.hazard_rows.items()}
            rows_of |= {enterprise_iri(c): e.row for c, e in v.defined.items()}
            report.shacl = _shacl(store, batch, ref, shapes_path, rows_of, errors)
            errors.raise_if_any(label)

        if batch.spool:  # free what validation held before the bulk loader needs memory
            stored_digests.clear()
            v.hazard_rows.clear()
            v.defined.clear()
            v.codes.clear()
            v.stored_enterprises.clear()
        writing = time.monotonic()
        stats: WriteStats = commit(store, batch) if not batch.empty else WriteStats()
        report.seconds_writing = round(time.monotonic() - writing, 3)
    finally:
        batch.discard()
    if optimize and stats.mode == "bulk":  # a SPARQL server compacts its own storage: a no-op
        # The bulk loader adds its files as they come: a million hazards leave ~300 of them,
        # and every lookup visits many. Compacting (5 min at 1M) makes the registry's
        # questions 2–3× faster (overdue page at 1M: 15 → 6 ms p50).
        optimising = time.monotonic()
        store.optimize()
        report.seconds_optimising = round(time.monotonic() - optimising, 3)
    report.triples_added, report.triples_removed, report.mode = (
        stats.added,
        stats.removed,
        stats.mode,
    )
    report.seconds = round(time.monotonic() - started, 3)
    log.info("imported %s: %s", label, report)
    return report


def _existing_digests(store: Store, iris: Sequence[str]) -> dict[str, str]:
    if not iris:
        return {}
    if len(iris) <= 20_000:
        return stored.digests(store, iris)
    everything = stored.digests(store)
    wanted = set(iris)
    return {k: v for k, v in everything.items() if k in wanted}


def _default_shapes() -> Path | None:
    path = Path(__file__).resolve().parents[2] / "ontology" / "shapes.ttl"
    return path if path.is_file() else None


def ingest_text(
    store: Store,
    data: bytes,
    format: str,
    *,
    authorise: Authorise | None = None,
    **options: Any,
) -> IngestReport:
    """:func:`ingest` for data in memory (an upload): written to a temporary file first.

    ``authorise`` and ``options`` are those of :func:`ingest`.
    """
    import tempfile

    suffix = {"turtle": ".ttl"}.get(format, "." + format)
    with tempfile.NamedTemporaryFile(suffix=suffix) as f:
        f.write(data)
        f.flush()
        return ingest(store, f.name, format=format, authorise=authorise, **options)
