"""Importing hazard records (safetykg/registry/ingest.py): formats, upserts, and every bad input.

Each bad input of issue 3 is a test that checks the error names the row and
the column (and says why in Chinese and English) and that the store is
byte-for-byte unchanged afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import NamedNode, RdfFormat, Store

from safetykg.errors import ValidationFailed
from safetykg.namespaces import GRAPH_HAZARDS, ID, SK
from safetykg.registry import ingest, overdue
from safetykg.registry.creditcode import make_code
from safetykg.registry.stored import history, load_enterprises, load_hazards
from safetykg.registry.vocabulary import Status
from tests.helpers.registry import (
    CHEM,
    DUST,
    EMERGENCY,
    GAS,
    HEADER,
    MENGCHENG_GOV,
    QIAOCHENG_GOV,
    RAIL,
    TODAY,
    URBAN,
    closed_row,
    csv_text,
    enterprise_row,
    hazard_row,
    registry_store,
    snapshot,
    standard_rows,
    write_csv,
)

H = f"{ID}hazard/"


@cache
def _standard_nquads() -> bytes:
    import tempfile

    store = registry_store()
    with tempfile.TemporaryDirectory() as tmp:
        ingest(store, write_csv(Path(tmp) / "std.csv", standard_rows()), today=TODAY, shacl=False)
    return store.dump(format=RdfFormat.N_QUADS)


@pytest.fixture
def loaded() -> Store:
    """A fresh store holding the standard small registry."""
    store = Store()
    store.load(_standard_nquads(), format=RdfFormat.N_QUADS)
    return store


def run(store: Store, path: Path, **kw: Any) -> Any:
    return ingest(store, path, today=TODAY, shacl=kw.pop("shacl", False), **kw)


def values(store: Store, subject: str, predicate: str) -> set[str]:
    return {
        q.object.value
        for q in store.quads_for_pattern(
            NamedNode(subject), NamedNode(predicate), None, NamedNode(str(GRAPH_HAZARDS))
        )
    }


# ----------------------------------------------------------------------------- good input


def test_a_batch_is_imported_with_labels_responsibility_and_history(tmp_path: Path) -> None:
    store = registry_store()
    report = ingest(
        store, write_csv(tmp_path / "std.csv", standard_rows()), today=TODAY, shacl=True
    )
    assert (report.hazards_added, report.enterprises_added, report.rows) == (7, 4, 10)
    assert report.shacl == "passed" and report.mode == "transaction"
    hazard = H + "H-2025-0002"
    assert values(store, hazard, "http://www.w3.org/2000/01/rdf-schema#label") == {
        "重大事故隐患 H-2025-0002",
        "Major hazard H-2025-0002",
    }
    assert values(store, hazard, str(SK.responsibleDepartment)) == {URBAN}
    # a sector the lead table does not list: the region's government (三管三必须 fallback)
    assert values(store, H + "H-2025-0005", str(SK.responsibleDepartment)) == {MENGCHENG_GOV}
    # a joint lead: both departments
    assert values(store, H + "H-2024-0001", str(SK.responsibleDepartment)) == {
        f"{ID}department/bozhou/transport",
        f"{ID}department/bozhou/public-security",
    }
    chem = load_enterprises(store, [CHEM])[CHEM]
    assert chem.high_risk and chem.sectors == (f"{ID}sector/hazardous-chemicals",)
    changes = history(store, "H-2025-0001")
    assert [c.to_status for c in changes] == [
        Status.REPORTED,
        Status.RECTIFYING,
        Status.RECTIFIED,
        Status.CLOSED,
    ]
    assert changes[-1].actor == URBAN and changes[-1].at.date() == dt.date(2025, 4, 20)
    assert all(c.superseded_at == n.at for c, n in zip(changes, changes[1:], strict=False))
    assert changes[-1].superseded_at is None
    assert values(store, hazard, str(SK.synthetic)) == {"true"}


def test_records_read_back_equal_what_was_imported(loaded: Store) -> None:
    records = load_hazards(loaded, ["H-2025-0003", "H-2024-0002"])
    assert records["H-2025-0003"].escalations[0].measure.value == "letter"
    assert records["H-2024-0002"].reviewed_by == MENGCHENG_GOV
    assert records["H-2025-0003"].lines() and records["H-2025-0003"].digest()


def test_importing_the_same_file_again_writes_nothing(loaded: Store, tmp_path: Path) -> None:
    before = snapshot(loaded)
    report = run(loaded, write_csv(tmp_path / "again.csv", standard_rows()))
    assert (report.hazards_unchanged, report.enterprises_unchanged) == (7, 4)
    assert (report.hazards_added, report.hazards_updated, report.mode) == (0, 0, "none")
    assert snapshot(loaded) == before


def test_a_changed_record_is_updated_and_its_history_appended(
    loaded: Store, tmp_path: Path
) -> None:
    assert overdue(loaded, URBAN, TODAY).total == 2
    row = closed_row("H-2025-0002", full=False, closed_on="2025-06-10", rectified_on="2025-06-01")
    report = run(loaded, write_csv(tmp_path / "close.csv", [row]))
    assert (report.hazards_updated, report.status_changes) == (1, 2)
    changes = history(loaded, "H-2025-0002")
    assert [c.to_status for c in changes][-3:] == [
        Status.RECTIFYING,
        Status.RECTIFIED,
        Status.CLOSED,
    ]
    assert changes[-3].superseded_at == changes[-2].at
    page = overdue(loaded, URBAN, TODAY)
    assert page.total == 1 and [i.id for i in page.items] == ["H-2025-0003"]
    # still overdue on a day before it was closed
    assert "H-2025-0002" in {i.id for i in overdue(loaded, URBAN, dt.date(2025, 6, 1)).items}
    again = run(loaded, write_csv(tmp_path / "close2.csv", [row]))
    assert again.hazards_unchanged == 1 and again.mode == "none"


def test_reopening_needs_a_reason(loaded: Store, tmp_path: Path) -> None:
    row = hazard_row("H-2025-0001", full=False, rectifying_on="2025-07-01")
    before = snapshot(loaded)
    with pytest.raises(ValidationFailed) as caught:
        run(loaded, write_csv(tmp_path / "reopen.csv", [row]))
    first = caught.value.results[0]
    assert (first["row"], first["column"], first["code"]) == (2, "reason", "reopen-without-reason")
    assert snapshot(loaded) == before
    row["reason"] = "复查发现整改不到位"
    run(loaded, write_csv(tmp_path / "reopen2.csv", [row]))
    record = load_hazards(loaded, ["H-2025-0001"])["H-2025-0001"]
    assert record.status is Status.RECTIFYING and record.closed_on is None
    last = history(loaded, "H-2025-0001")[-1]
    assert (last.from_status, last.to_status, last.reason) == (
        Status.CLOSED,
        Status.RECTIFYING,
        "复查发现整改不到位",
    )
    assert "H-2025-0001" in {i.id for i in overdue(loaded, URBAN, TODAY).items}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    store = registry_store()
    report = run(store, write_csv(tmp_path / "e.csv", standard_rows(), encoding=encoding))
    assert report.hazards_added == 7
    assert report.encoding == encoding
    assert load_enterprises(store, [GAS])[GAS].name == "亳州市测试燃气有限公司"


def test_chinese_headers_are_accepted(tmp_path: Path) -> None:
    from safetykg.registry.ingest import COLUMNS

    zh = [c.zh for c in COLUMNS]
    text = csv_text(standard_rows()).split("\n", 1)[1]
    path = tmp_path / "zh.csv"
    path.write_text(",".join(zh) + "\n" + text, encoding="utf-8")
    assert run(registry_store(), path).hazards_added == 7


def test_json_import(tmp_path: Path) -> None:
    rows = standard_rows()
    rows[0] = {**rows[0], "synthetic": True}
    rows[5] = {**rows[5], "escalations": [{"measure": "函告", "date": "2025-06-20"}]}
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"records": rows}, ensure_ascii=False), encoding="utf-8")
    store = registry_store()
    assert run(store, path).hazards_added == 7
    assert load_hazards(store, ["H-2025-0003"])["H-2025-0003"].escalations[0].by is None


def test_turtle_round_trip(loaded: Store, tmp_path: Path) -> None:
    from pyoxigraph import serialize

    path = tmp_path / "hazards.ttl"
    # the history is the registry's own record; an import carries records only
    triples = [
        q.triple
        for q in loaded.quads_for_pattern(None, None, None, NamedNode(str(GRAPH_HAZARDS)))
        if "/status-change/" not in q.subject.value and q.predicate.value != str(SK.hasStatusChange)
    ]
    path.write_bytes(serialize(triples, format=RdfFormat.TURTLE, prefixes={"sk": str(SK)}))
    store = registry_store()
    report = run(store, path)
    assert (report.format, report.hazards_added, report.enterprises_added) == ("turtle", 7, 4)
    ids = ["H-2025-0001", "H-2025-0003", "H-2024-0001"]
    assert load_hazards(store, ids) == load_hazards(loaded, ids)


# ----------------------------------------------------------------------------- bad input

Make = Callable[[Path], Path]


def _csv(rows: list[dict[str, Any]], header: list[str] | None = None) -> Make:
    return lambda d: write_csv(d / "bad.csv", rows, header=header)


def _bytes(name: str, data: bytes) -> Make:
    def make(d: Path) -> Path:
        (d / name).write_bytes(data)
        return d / name

    return make


_TTL_OUTSIDE = f"""@prefix sk: <{SK}> .
<{H}H-2025-0900> a sk:Hazard ; sk:description "x"@zh ;
    sk:atEnterprise <{ID}enterprise/{GAS}> ; sk:discoveredOn "2025-01-01" ;
    <http://example.org/secretScore> 42 .
<{ID}enterprise/{GAS}> <http://xmlns.com/foaf/0.1/homepage> <http://example.org/> .
"""

BAD: dict[str, tuple[Make, Any, str | None, str]] = {
    # name: (file, row, column, code)
    "missing column": (
        _csv([hazard_row("H-2025-0901")], [h for h in HEADER if h != "rectification_deadline"]),
        1,
        "rectification_deadline",
        "missing-column",
    ),
    "extra column": (
        _csv([hazard_row("H-2025-0901")], [*HEADER, "remarks"]),
        1,
        "remarks",
        "unknown-column",
    ),
    "impossible date": (
        _csv([hazard_row("H-2025-0901", discovered_on="2024-02-30")]),
        2,
        "discovered_on",
        "date-impossible",
    ),
    "unparseable date": (
        _csv([hazard_row("H-2025-0901", rectification_deadline="二〇二四年")]),
        2,
        "rectification_deadline",
        "date-unreadable",
    ),
    "deadline before discovery": (
        _csv([hazard_row("H-2025-0901", rectification_deadline="2025-02-01")]),
        2,
        "rectification_deadline",
        "deadline-before-discovery",
    ),
    "unknown sector": (
        _csv([hazard_row("H-2025-0901", sector="航天发射")]),
        2,
        "sector",
        "unknown-sector",
    ),
    "unknown region": (
        _csv([enterprise_row(CHEM), hazard_row("H-2025-0901", region="火星")]),
        3,
        "region",
        "unknown-region",
    ),
    "unknown enterprise": (
        _csv([hazard_row("H-2025-0901", make_code("341602", "39999999"), full=False)]),
        2,
        "credit_code",
        "unknown-enterprise",
    ),
    "unknown enterprise by name": (
        _csv([hazard_row("H-2025-0901", full=False, credit_code="", enterprise_name="无此公司")]),
        2,
        "enterprise_name",
        "unknown-enterprise",
    ),
    "wrong check character": (
        _csv([hazard_row("H-2025-0901", credit_code=GAS[:17] + ("0" if GAS[17] != "0" else "1"))]),
        2,
        "credit_code",
        "credit-code-invalid",
    ),
    "duplicate ids": (
        _csv([hazard_row("H-2025-0901"), hazard_row("H-2025-0901", full=False)]),
        3,
        "hazard_id",
        "duplicate-id",
    ),
    "closing without review": (
        _csv([closed_row("H-2025-0901", reviewer="")]),
        2,
        "reviewed_by",
        "closed-without-review",
    ),
    "closing by a department that does not lead the sector": (
        _csv([closed_row("H-2025-0901", reviewer="亳州市教育局")]),
        2,
        "reviewed_by",
        "reviewer-not-responsible",
    ),
    "fallback sector closed by a lead department": (
        _csv([closed_row("H-2025-0901", DUST, reviewer="亳州市应急管理局", full=False)]),
        2,
        "reviewed_by",
        "reviewer-not-responsible",
    ),
    "closed date without closing": (
        _csv([hazard_row("H-2025-0901", closed_on="2025-04-01")]),
        2,
        "closed_on",
        "closed-date-without-closing",
    ),
    "date in the future": (
        _csv(
            [
                hazard_row(
                    "H-2025-0901",
                    discovered_on="2027-01-01",
                    rectification_deadline="2027-02-01",
                    rectifying_on="",
                )
            ]
        ),
        2,
        "discovered_on",
        "date-in-future",
    ),
    "unknown status": (
        _csv([hazard_row("H-2025-0901", status="差不多")]),
        2,
        "status",
        "unknown-status",
    ),
    "enterprise described twice differently": (
        _csv([hazard_row("H-2025-0901"), hazard_row("H-2025-0902", enterprise_region="涡阳县")]),
        3,
        "credit_code",
        "enterprise-conflict",
    ),
    "enterprise name does not match its code": (
        _csv([hazard_row("H-2025-0901", full=False, enterprise_name="别的公司")]),
        2,
        "enterprise_name",
        "enterprise-name-mismatch",
    ),
    "ragged row": (
        lambda d: _bytes("r.csv", (csv_text([]) + "H-1,x\n").encode())(d),
        2,
        None,
        "row-width",
    ),
    "wrong encoding (UTF-16)": (
        _bytes("u16.csv", csv_text([hazard_row("H-2025-0901")]).encode("utf-16")),
        None,
        None,
        "encoding",
    ),
    "wrong encoding (Latin-1)": (
        _bytes(
            "l1.csv",
            "hazard_id;descripción;société\nH-1;é;à\n".encode("latin-1") + b"\xe9,\xff\n",
        ),
        None,
        None,
        "encoding",
    ),
    "wrong encoding (Shift-JIS)": (
        _bytes("sj.csv", "隠れた危険,期限\nデータ,データ\n".encode("shift_jis")),
        None,
        None,
        "encoding",
    ),
    "Turtle outside the hazard vocabulary": (
        _bytes("bad.ttl", _TTL_OUTSIDE.encode()),
        f"{H}H-2025-0900",
        "http://example.org/secretScore",
        "outside-vocabulary",
    ),
    "JSON with an unknown key": (
        _bytes(
            "bad.json",
            json.dumps([{**hazard_row("H-2025-0901"), "颜色": "红"}], ensure_ascii=False).encode(),
        ),
        1,
        "颜色",
        "unknown-column",
    ),
    "JSON with an unknown top-level key": (
        _bytes(
            "top.json",
            json.dumps({"@context": ["x"], "records": [hazard_row("H-2025-0901")]}).encode(),
        ),
        None,
        "@context",
        "unknown-key",
    ),
    "JSON with both records and hazards": (
        _bytes("both.json", json.dumps({"records": [], "hazards": []}).encode()),
        None,
        "hazards",
        "unknown-key",
    ),
    "JSON with an unknown key in an escalation": (
        _bytes(
            "esc.json",
            json.dumps(
                [
                    hazard_row("H-2025-0901"),
                    {
                        **hazard_row("H-2025-0902", full=False),
                        "escalations": [{"measure": "函告", "date": "2025-03-20", "colour": "red"}],
                    },
                ]
            ).encode(),
        ),
        2,
        "escalations",
        "unknown-column",
    ),
    "JSON with an object as a value": (
        _bytes(
            "obj.json",
            json.dumps([{**hazard_row("H-2025-0901"), "description": {"@value": "x"}}]).encode(),
        ),
        1,
        "description",
        "json-value",
    ),
    "JSON nested too deeply (objects)": (
        _bytes("deep.json", b'{"records":' * 50_000 + b"[]" + b"}" * 50_000),
        None,
        None,
        "json-too-deep",
    ),
    "JSON nested too deeply (arrays)": (
        _bytes("deep.json", b"[" * 100_000 + b"]" * 100_000),
        None,
        None,
        "json-too-deep",
    ),
    "JSON nested too deeply inside a record": (
        _bytes(
            "deep.json",
            b'[{"hazard_id": "H-2025-0901", "escalations": '
            + b"[" * 50_000
            + b"]" * 50_000
            + b"}]",
        ),
        None,
        None,
        "json-too-deep",
    ),
    "JSON with a lone surrogate in a value": (
        _bytes(
            "surrogate.json",
            json.dumps(
                [hazard_row("H-2025-0901"), hazard_row("H-2025-0902", description="\ud800")]
            ).encode(),
        ),
        2,
        "description",
        "invalid-text",
    ),
    "JSON with a lone surrogate in a key": (
        _bytes(
            "surrogate-key.json", json.dumps([{**hazard_row("H-2025-0901"), "\udc80": 1}]).encode()
        ),
        1,
        "\\udc80",
        "unknown-column",
    ),
    "JSON with a lone surrogate in a list": (
        _bytes(
            "surrogate-list.json",
            json.dumps(
                [{**hazard_row("H-2025-0901"), "enterprise_sectors": ["城镇燃气", "\ud800"]}]
            ).encode(),
        ),
        1,
        "enterprise_sectors",
        "invalid-text",
    ),
    "CSV with a column twice": (
        _csv([hazard_row("H-2025-0901")], [*HEADER, "description"]),
        1,
        "description",
        "duplicate-column",
    ),
    "CSV header far wider than the columns": (
        _bytes("wide.csv", (",".join(["hazard_id"] * 100_000) + "\n").encode()),
        1,
        None,
        "too-many-columns",
    ),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_names_row_and_column_and_writes_nothing(
    case: str, loaded: Store, tmp_path: Path
) -> None:
    make, row, column, code = BAD[case]
    path = make(tmp_path)
    before = snapshot(loaded)
    with pytest.raises(ValidationFailed) as caught:
        run(loaded, path)
    results = caught.value.results
    hit = next((r for r in results if r["code"] == code), None)
    assert hit is not None, results
    assert hit["row"] == row
    if column is not None:
        assert hit["column"] == column or hit["column"].endswith(column.rsplit("/", 1)[-1])
    assert hit["message"] and hit["message_zh"] and hit["message"] != hit["message_zh"]
    assert "nothing was imported" in caught.value.detail
    assert caught.value.status == 422
    assert snapshot(loaded) == before


def test_json_errors_name_the_record_in_both_languages(loaded: Store, tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    record = {**hazard_row("H-2025-0901"), "remarks": "x", "description": "\ud800"}
    path.write_text(json.dumps([hazard_row("H-2025-0902"), record]), encoding="utf-8")
    before = snapshot(loaded)
    with pytest.raises(ValidationFailed) as caught:
        run(loaded, path)
    by_code = {r["code"]: r for r in caught.value.results}
    unknown, bad_text = by_code["unknown-column"], by_code["invalid-text"]
    assert unknown["message"].startswith("record 2: unknown key 'remarks'")
    assert unknown["message_zh"].startswith("第 2 条记录中有未知的字段“remarks”")
    assert bad_text["message"] == (
        "record 2, key 'description': the value contains an invalid Unicode character "
        "(a lone surrogate)"
    )
    assert bad_text["value"] == "\\ud800"
    json.dumps(caught.value.results, ensure_ascii=False).encode("utf-8")  # encodable
    caught.value.detail.encode("utf-8")
    assert snapshot(loaded) == before


def test_a_wide_header_is_refused_at_once(loaded: Store, tmp_path: Path) -> None:
    """A header of a million columns: refused on its width, before any per-column check
    (the duplicate check used to count each column against all the others)."""
    import time

    path = tmp_path / "wide.csv"
    path.write_text("hazard_id," + ",".join(["description"] * 1_000_000) + "\n")
    before = snapshot(loaded)
    started = time.monotonic()
    with pytest.raises(ValidationFailed) as caught:
        run(loaded, path)
    assert time.monotonic() - started < 3.0
    (result,) = caught.value.results
    assert (result["row"], result["code"]) == (1, "too-many-columns")
    assert "1,000,001 columns" in result["message"] and "at most 25" in result["message"]
    assert "1,000,001 列" in result["message_zh"]
    assert snapshot(loaded) == before


def test_a_few_extra_columns_are_each_named(loaded: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [hazard_row("H-2025-0901")], header=[*HEADER, *HEADER[:3]])
    with pytest.raises(ValidationFailed) as caught:
        run(loaded, path)
    dups = [(r["column"], r["message"]) for r in caught.value.results]
    assert dups == [
        ("description", "column 'description' appears 2 times"),
        ("hazard_id", "column 'hazard_id' appears 2 times"),
        ("major", "column 'major' appears 2 times"),
    ]


# ----------------------------------------------------------------------------- authorise


def test_authorise_sees_every_hazard_and_may_refuse_before_anything_is_written(
    loaded: Store, tmp_path: Path
) -> None:
    """The scope check of a write token (``authorise``): called with each valid hazard
    record, and for an update with the stored record too; one refusal writes nothing."""
    from safetykg.errors import WriteForbidden

    seen: list[tuple[str, str]] = []

    def only_gas(record: Any) -> None:
        seen.append((record.id, record.sector.rsplit("/", 1)[-1]))
        if record.sector != f"{ID}sector/urban-gas":
            raise WriteForbidden(f"hazard {record.id} is not in urban-gas")

    rows = [
        hazard_row("H-2025-0901", full=False),  # new, gas
        hazard_row("H-2025-0002", full=False, description="燃气管道锈蚀（复查）"),  # update
        hazard_row("H-2025-0902", DUST, full=False),  # new, dust: refused
    ]
    before = snapshot(loaded)
    with pytest.raises(WriteForbidden) as caught:
        run(loaded, write_csv(tmp_path / "mixed.csv", rows), authorise=only_gas)
    assert "H-2025-0902" in caught.value.detail
    assert seen == [
        ("H-2025-0901", "urban-gas"),
        ("H-2025-0002", "urban-gas"),
        ("H-2025-0902", "dust-explosion"),
    ]
    assert snapshot(loaded) == before
    seen.clear()
    report = run(loaded, write_csv(tmp_path / "gas.csv", rows[:2]), authorise=only_gas)
    assert (report.hazards_added, report.hazards_updated) == (1, 1)
    assert seen == [
        ("H-2025-0901", "urban-gas"),
        ("H-2025-0002", "urban-gas"),
        ("H-2025-0002", "urban-gas"),  # the stored record the update replaces
    ]


def test_authorise_sees_the_stored_record_an_update_replaces(loaded: Store, tmp_path: Path) -> None:
    """Moving a hazard into one's own sector is refused when the stored hazard is not."""
    from safetykg.errors import WriteForbidden
    from safetykg.registry.ingest import ingest_text

    def only_dust(record: Any) -> None:
        if record.sector != f"{ID}sector/dust-explosion":
            raise WriteForbidden(f"hazard {record.id} is in {record.sector}")

    moved = hazard_row("H-2025-0002", full=False, sector="粉尘涉爆", region="蒙城县")
    before = snapshot(loaded)
    with pytest.raises(WriteForbidden) as caught:
        ingest_text(
            loaded, csv_text([moved]).encode(), "csv", today=TODAY, shacl=False, authorise=only_dust
        )
    assert "urban-gas" in caught.value.detail
    assert snapshot(loaded) == before


def test_a_file_far_larger_than_the_limit_is_refused_unread(loaded: Store, tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as f:
        f.write(csv_text([]).encode())
        f.seek(50 * 1024 * 1024)
        f.write(b"\n")
    before = snapshot(loaded)
    with pytest.raises(ValidationFailed) as caught:
        run(loaded, path, max_bytes=1024 * 1024)
    assert caught.value.results[0]["code"] == "file-too-large"
    assert "1,048,576" in caught.value.detail
    assert snapshot(loaded) == before


def test_errors_are_capped(loaded: Store, tmp_path: Path) -> None:
    rows = [hazard_row(f"H-2025-{i:04d}", discovered_on="2025-13-01") for i in range(1000, 1100)]
    before = snapshot(loaded)
    with pytest.raises(ValidationFailed) as caught:
        run(loaded, write_csv(tmp_path / "many.csv", rows), max_errors=10)
    assert len(caught.value.results) == 10
    assert "error limit" in caught.value.detail
    assert snapshot(loaded) == before


def test_one_bad_row_among_good_ones_stops_the_whole_batch(loaded: Store, tmp_path: Path) -> None:
    rows = [hazard_row(f"H-2025-{i:04d}", full=i == 1000) for i in range(1000, 1020)]
    rows[13]["channel"] = "托梦"
    before = snapshot(loaded)
    with pytest.raises(ValidationFailed) as caught:
        run(loaded, write_csv(tmp_path / "one.csv", rows))
    assert [(r["row"], r["column"]) for r in caught.value.results] == [(15, "channel")]
    assert snapshot(loaded) == before


def test_a_large_batch_goes_through_the_bulk_loader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safetykg.registry import writer

    monkeypatch.setattr(writer, "SPOOL_CHUNK_LINES", 100)  # several spool files
    store = Store(str(tmp_path / "on-disk"))  # where compacting takes measurable time
    store.load(registry_store().dump(format=RdfFormat.N_QUADS), format=RdfFormat.N_QUADS)
    rows = [enterprise_row(CHEM)] + [
        hazard_row(f"H-2025-{i:04d}", CHEM, full=False) for i in range(1, 41)
    ]
    report = run(store, write_csv(tmp_path / "bulk.csv", rows), spool_rows=10)
    assert report.mode == "bulk" and report.hazards_added == 40
    assert report.seconds_optimising > 0  # the store is compacted after a bulk write
    assert overdue(store, EMERGENCY, TODAY).total == 40
    small = registry_store()
    one_transaction = run(small, write_csv(tmp_path / "bulk.csv", rows))
    assert one_transaction.mode == "transaction" and one_transaction.seconds_optimising == 0

    # the same triples either way (the ontology's blank nodes differ between stores)
    def registry(st: Store) -> set[bytes]:
        return {ln for ln in snapshot(st).splitlines() if b"/graph/ontology>" not in ln}

    assert registry(small) == registry(store)
    again = run(store, write_csv(tmp_path / "bulk.csv", rows), spool_rows=10)
    assert again.hazards_unchanged == 40 and again.mode == "none"


def _count_early_loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Spool files loaded while the batch was still being read."""
    from safetykg.registry import writer

    loaded: list[str] = []
    load = writer._load

    def spy(store: Store, path: Path) -> None:
        loaded.append(str(path))
        load(store, path)

    monkeypatch.setattr(writer, "_load", spy)
    monkeypatch.setattr(writer, "SPOOL_CHUNK_LINES", 100)
    return loaded


def test_a_bad_row_after_early_loads_leaves_the_store_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    early = _count_early_loads(monkeypatch)
    store = registry_store()
    rows = [enterprise_row(CHEM)] + [
        hazard_row(f"H-2025-{i:04d}", CHEM, full=False) for i in range(1, 41)
    ]
    rows[-1]["rectification_deadline"] = "2025-02-30"  # found only when the last row is read
    before = snapshot(store)
    with pytest.raises(ValidationFailed) as caught:
        run(store, write_csv(tmp_path / "late.csv", rows), spool_rows=10)
    assert [(r["row"], r["column"]) for r in caught.value.results] == [
        (42, "rectification_deadline")
    ]
    assert len(early) >= 3  # the first rows' spool files were in the store by then
    assert snapshot(store) == before
    assert all(not Path(p).exists() for p in early)


def test_an_import_killed_after_early_loads_is_repaired_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safetykg.registry import writer
    from safetykg.registry.index import BULK_IMPORT_LINE

    early = _count_early_loads(monkeypatch)
    rows = [enterprise_row(CHEM)] + [
        hazard_row(f"H-2025-{i:04d}", CHEM, full=False) for i in range(1, 41)
    ]
    path = write_csv(tmp_path / "bulk.csv", rows)
    clean = registry_store()
    run(clean, path, spool_rows=10)

    class Killed(BaseException):
        """Stands for SIGKILL: nothing of ours runs after it."""

    def die(*_: Any, **__: Any) -> Any:
        raise Killed

    store = registry_store()
    with monkeypatch.context() as m:
        m.setattr(writer, "_count_changes", die)  # dies before the counters are written
        m.setattr(writer.Batch, "discard", lambda self: None)  # and cleans nothing up
        with pytest.raises(Killed):
            run(store, path, spool_rows=10)
    assert early
    assert BULK_IMPORT_LINE.split(" ")[1].encode() in snapshot(store)  # the mark stayed
    assert overdue(store, EMERGENCY, TODAY).total < 40  # records without their counters

    report = run(store, path, spool_rows=10)  # repairs the index, then completes the import
    assert report.hazards_unchanged + report.hazards_added == 40
    assert overdue(store, EMERGENCY, TODAY).total == 40

    def registry(st: Store) -> set[bytes]:
        return {ln for ln in snapshot(st).splitlines() if b"/graph/ontology>" not in ln}

    assert registry(store) == registry(clean)


def test_an_import_cut_short_at_any_line_is_completed_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A load that stops part-way (a crash, a failed upload) keeps a prefix of the spool.
    Whatever prefix it is, importing the file again gives the complete registry: a record's
    digest, which makes the next import skip it, is written after the rest of it."""
    from safetykg.registry import writer

    rows = [enterprise_row(CHEM)] + [hazard_row(f"H-2025-{i:04d}", CHEM) for i in range(1, 7)]
    path = write_csv(tmp_path / "bulk.csv", rows)
    clean = registry_store()
    run(clean, path, spool_rows=2)

    def registry(st: Store) -> set[bytes]:
        return {ln for ln in snapshot(st).splitlines() if b"/graph/ontology>" not in ln}

    class Killed(BaseException):
        """Stands for SIGKILL: nothing of ours runs after it."""

    monkeypatch.setattr(writer, "SPOOL_CHUNK_LINES", 150)  # the first hazards in one file
    monkeypatch.setattr(writer.Batch, "discard", lambda self: None)
    first = 0
    for cut in range(1, 151, 2):

        def load_part(store: Store, spooled: Path, cut: int = cut) -> None:
            nonlocal first
            lines = spooled.read_text(encoding="utf-8").splitlines(keepends=True)
            first = first or len(lines)
            store.load("".join(lines[:cut]).encode(), format=RdfFormat.N_QUADS)
            raise Killed

        monkeypatch.setattr(writer, "_load", load_part)
        store = registry_store()
        with pytest.raises(Killed):
            run(store, path, spool_rows=2)
        monkeypatch.undo()  # the next import runs as shipped
        report = run(store, path, spool_rows=2)
        assert report.hazards_unchanged + report.hazards_added == 6
        assert registry(store) == registry(clean), f"cut after line {cut}"
        monkeypatch.setattr(writer, "SPOOL_CHUNK_LINES", 150)
        monkeypatch.setattr(writer.Batch, "discard", lambda self: None)
    assert first >= 150  # the cuts covered the whole first file


def test_a_batch_that_changes_stored_records_is_not_loaded_early(
    loaded: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    early = _count_early_loads(monkeypatch)
    rows = [hazard_row(f"H-2025-{i:04d}", full=False) for i in range(1000, 1040)]
    rows.append(hazard_row("H-2025-0002", description="已存在的隐患，描述改了"))
    report = run(loaded, write_csv(tmp_path / "mixed.csv", rows), spool_rows=10, optimize=False)
    assert (report.mode, report.hazards_added, report.hazards_updated) == ("bulk", 40, 1)
    assert report.seconds_optimising == 0
    assert early == []
    assert values(loaded, f"{ID}hazard/H-2025-0002", SK + "description") == {
        "已存在的隐患，描述改了"
    }


def test_shacl_results_are_reported_against_rows(loaded: Store, tmp_path: Path) -> None:
    shapes = tmp_path / "strict.ttl"
    shapes.write_text(
        f"""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix sk: <{SK}> .
<urn:s> a sh:NodeShape ; sh:targetClass sk:Hazard ;
  sh:property [ sh:path sk:description ; sh:maxLength 4 ;
                sh:message "描述太长"@zh , "description too long"@en ] .""",
        encoding="utf-8",
    )
    before = snapshot(loaded)
    with pytest.raises(ValidationFailed) as caught:
        ingest(
            loaded,
            write_csv(
                tmp_path / "s.csv", [hazard_row("H-2025-0901", description="燃气管道严重锈蚀")]
            ),
            today=TODAY,
            shapes=shapes,
        )
    hit = caught.value.results[0]
    assert (hit["row"], hit["code"], hit["message_zh"]) == (2, "shacl", "描述太长")
    assert snapshot(loaded) == before


def test_region_and_qiaocheng_government_are_known_names(loaded: Store) -> None:
    page = overdue(loaded, f"{ID}region/bozhou", TODAY)
    assert {i.id for i in page.items} == {"H-2025-0002", "H-2025-0003", "H-2024-0001"}
    assert overdue(loaded, QIAOCHENG_GOV, TODAY).total == 0
    assert RAIL and DUST
