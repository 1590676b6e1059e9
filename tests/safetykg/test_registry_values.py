"""Reading one cell (safetykg/registry/values.py) and the closed vocabularies."""

from __future__ import annotations

import datetime as dt

import pytest

from safetykg.registry.values import CellError, parse_bool, parse_date, parse_hazard_id, split_list
from safetykg.registry.vocabulary import Channel, Measure, Status, step_due


@pytest.mark.parametrize(
    "text", ["2024-03-01", "2024/3/1", "2024.03.01", "2024年3月1日", " 2024-3-1 ", "２０２４-03-01"]
)
def test_accepted_date_forms(text: str) -> None:
    assert parse_date(text) == dt.date(2024, 3, 1)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2024-02-30", "date-impossible"),
        ("2023-02-29", "date-impossible"),
        ("二〇二四年", "date-unreadable"),
        ("二〇二四年三月一日", "date-unreadable"),
        ("March 1, 2024", "date-unreadable"),
        ("2024-03", "date-unreadable"),
        ("1999-12-31", "date-out-of-range"),
    ],
)
def test_refused_dates_say_why_in_both_languages(text: str, code: str) -> None:
    with pytest.raises(CellError) as caught:
        parse_date(text)
    assert caught.value.code == code
    assert text in caught.value.zh and text in caught.value.en


@pytest.mark.parametrize(
    ("text", "value"),
    [("是", True), ("否", False), ("TRUE", True), ("0", False), ("重大", True), ("一般", False)],
)
def test_booleans(text: str, value: bool) -> None:
    assert parse_bool(text) is value


def test_unreadable_boolean() -> None:
    with pytest.raises(CellError, match="yes/no"):
        parse_bool("maybe")


def test_hazard_ids_must_be_iri_safe() -> None:
    assert parse_hazard_id(" H-2025-0137 ") == "H-2025-0137"
    with pytest.raises(CellError) as caught:
        parse_hazard_id("H 2025/0137")
    assert caught.value.code == "hazard-id-invalid"


def test_split_list() -> None:
    assert split_list("城镇燃气|消防；, ") == ["城镇燃气", "消防", ","]


@pytest.mark.parametrize(
    ("text", "member"),
    [
        ("整改中", Status.RECTIFYING),
        ("已销号", Status.CLOSED),
        ("awaiting review", Status.RECTIFIED),
        ("sk:StatusReported", Status.REPORTED),
        ("https://w3id.org/safetykg/ontology#StatusClosed", Status.CLOSED),
    ],
)
def test_status_names(text: str, member: Status) -> None:
    assert Status.parse(text) is member


def test_channel_and_measure_names() -> None:
    assert Channel.parse("企业自查上报") is Channel.SELF_REPORT
    assert Channel.parse("inspection").zh == "督导检查发现"
    assert Measure.parse("约谈") is Measure.INTERVIEW and Measure.INTERVIEW.order == 3
    assert Measure.parse("挂牌督办").order is None
    with pytest.raises(ValueError, match="reported"):
        Status.parse("done")


@pytest.mark.parametrize(
    ("days", "rung"),
    [
        (0, None),
        (1, "letter"),
        (30, "letter"),
        (31, "circular"),
        (60, "circular"),
        (61, "interview"),
        (90, "interview"),
        (91, "exposure"),
        (1000, "exposure"),
    ],
)
def test_escalation_ladder_thresholds(days: int, rung: str | None) -> None:
    due = step_due(days)
    assert (due.value if due else None) == rung
