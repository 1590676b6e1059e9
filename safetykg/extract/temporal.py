"""Time in the genre's own phrasing: deadlines, frequencies and date ranges.

Each finder works on clean text (see :mod:`safetykg.extract.text`) and returns
matches with clean offsets; callers map them to source spans. A deadline whose
day or year is not written (``2024年底前``, ``3月15日前``, ``三年内``) gets the
date the phrase implies and ``inferred=True``.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from .text import clause_bounds

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
           "六": 6, "七": 7, "八": 8, "九": 9}


def cn_number(s: str) -> int:
    """An integer written in Arabic or Chinese numerals (up to 99).

    >>> [cn_number(x) for x in ("3", "一", "两", "十", "十二", "二十", "三十四")]
    [3, 1, 2, 10, 12, 20, 34]
    """
    if s.isdigit():
        return int(s)
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)
    if len(s) == 1 and s in _DIGITS:
        return _DIGITS[s]
    raise ValueError(f"not a number: {s!r}")


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class DeadlineMatch:
    start: int          # clean offsets of the whole clause (expression + governed text)
    end: int
    expression: str     # the time phrase as written (clean form)
    clause: str         # the clause it governs, without the time phrase
    due: date
    inferred: bool


_CN = "零〇一二两三四五六七八九十"
_DEADLINE = re.compile(
    rf"(?:(?P<y>\d{{4}})年)?(?:(?P<m>\d{{1,2}})月(?:(?P<d>\d{{1,2}})日|(?P<mend>底))?)?"
    rf"(?P<yend>年底|年年底|底)?(?P<half>上半年|下半年)?前"
    rf"|(?P<ny>[{_CN}]+)年内"
    rf"|(?P<y2>\d{{4}})年(?:底|年底)(?!前)"
)
# A clause that opens with a bare year: "2024年，重点开展…", "2025年聚焦…".
_YEAR_ITEM = re.compile(r"(?:^|(?<=[，；：。\n]))(?P<y>\d{4})年(?![底上下度末初\d]|及|以|至|起|前)")


def find_deadlines(text: str, *, default_year: int, plan_end: date) -> Iterator[DeadlineMatch]:
    """Every time limit in ``text``.

    ``default_year`` supplies the year of ``3月15日前``; ``plan_end`` the end of ``三年内``.

    >>> [(d.expression, d.due.isoformat(), d.inferred, d.clause) for d in find_deadlines(
    ...     "2024年底前建立机制，2025年3月底前完成整改；3月15日前上报。", default_year=2024,
    ...     plan_end=date(2026, 12, 31))]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('2024年底前', '2024-12-31', True, '建立机制'),
     ('2025年3月底前', '2025-03-31', True, '完成整改'),
     ('3月15日前', '2024-03-15', True, '上报')]
    """
    found: list[tuple[int, int, date, bool]] = []
    for m in _DEADLINE.finditer(text):
        g = m.groupdict()
        if g["ny"]:
            found.append((m.start(), m.end(), plan_end, True))
            continue
        year_written = g["y"] or g["y2"]
        if not (year_written or g["m"]):
            continue  # a bare "前"
        year = int(year_written) if year_written else default_year
        if g["y2"] or g["yend"]:
            due, inferred = date(year, 12, 31), True
        elif g["half"]:
            due = date(year, 6, 30) if g["half"] == "上半年" else date(year, 12, 31)
            inferred = True
        elif g["m"] and g["d"]:
            due, inferred = date(year, int(g["m"]), int(g["d"])), not year_written
        elif g["m"]:
            due, inferred = month_end(year, int(g["m"])), True
        else:
            due, inferred = date(year, 12, 31), True
        found.append((m.start(), m.end(), due, inferred))
    for m in _YEAR_ITEM.finditer(text):
        if not any(a <= m.start() < b for a, b, _, _ in found):
            found.append((m.start(), m.end(), date(int(m["y"]), 12, 31), True))
    for start, end, due, inferred in sorted(found):
        yield _deadline_clause(text, start, end, due, inferred)


def _deadline_clause(text: str, start: int, end: int, due: date, inferred: bool) -> DeadlineMatch:
    # "2024年，重点开展…；" governs up to the semicolon; "2024年底前建立…，" up to the comma.
    body_start = end + 1 if text[end:end + 1] == "，" else end
    stops = "；。" if body_start != end else "，；。"
    _, clause_end = clause_bounds(text, body_start, body_start, stops=stops)
    return DeadlineMatch(start, clause_end, text[start:end], text[body_start:clause_end],
                         due, inferred)


@dataclass(frozen=True)
class FrequencyMatch:
    start: int          # clean offsets of the clause stating it
    end: int
    expression: str
    period: str         # xsd:duration
    min_count: int
    high_risk: bool     # the stricter variant for high-risk sectors
    parent: int | None  # index (in the returned list) of the requirement it tightens


_PERIODS = {"月": "P1M", "季度": "P3M", "季": "P3M", "半年": "P6M", "年": "P1Y",
            "周": "P1W", "旬": "P10D"}
_EVERY = re.compile(r"每(?P<u>季度|半年|月|年|周|旬)(?!度|内|底|初|末)")
_COUNT = re.compile(rf"(?:至少|不少于)?(?P<n>\d+|[{_CN}]+)次")
_CADENCE = re.compile(r"一(?P<u>月|季|年|周)一(?P<what>[\u4e00-\u9fff]{1,3}?)(?=[、，。；”\"])")


def find_frequencies(text: str) -> list[FrequencyMatch]:
    """Every "每季度…至少N次"-style requirement in ``text``, and the 一月一调度 cadences.

    A parenthesised requirement for 高危 sectors is the stricter variant of the one before it.

    >>> [(f.period, f.min_count, f.high_risk, f.parent) for f in find_frequencies(
    ...     "每季度至少开展1次检查(高危行业领域每月至少1次)，每年至少组织一次演练。")]
    [('P3M', 1, False, None), ('P1M', 1, True, 0), ('P1Y', 1, False, None)]
    """
    out: list[FrequencyMatch] = []
    for m in _EVERY.finditer(text):
        start, end = clause_bounds(text, m.start(), m.end(), stops="，；。")
        in_paren = text[start - 1:start] == "(" and text[end:end + 1] == ")"
        # The base requirement's count is outside any parenthesised variant.
        count = _COUNT.search(re.sub(r"\([^)]*\)", "", text[m.end():end]))
        high_risk = in_paren and "高危" in text[start:end]
        parent = len(out) - 1 if high_risk and out else None
        out.append(FrequencyMatch(start, end, m.group(), _PERIODS[m["u"]],
                                  cn_number(count["n"]) if count else 1, high_risk, parent))
    for m in _CADENCE.finditer(text):
        start, end = clause_bounds(text, m.start(), m.end(), stops="。；")
        out.append(FrequencyMatch(start, end, m.group(), _PERIODS[m["u"]], 1, False, None))
    return out


_RANGE = re.compile(
    r"(?P<y1>\d{4})年(?P<m1>\d{1,2})月(?:(?P<d1>\d{1,2})日)?"
    r"(?:至|到|—|-|~)(?:(?P<y2>\d{4})年)?(?P<m2>\d{1,2})月(?:(?P<d2>\d{1,2})日|底)?"
)


def find_range(text: str) -> tuple[date, date, int, int] | None:
    """The first "2024年2月至4月"-style range in ``text``: start, end and clean offsets.

    >>> find_range("(2026年10月至12月)")[:2]
    (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))
    """
    m = _RANGE.search(text)
    if not m:
        return None
    y1, m1 = int(m["y1"]), int(m["m1"])
    y2, m2 = int(m["y2"] or y1), int(m["m2"])
    start = date(y1, m1, int(m["d1"])) if m["d1"] else date(y1, m1, 1)
    end = date(y2, m2, int(m["d2"])) if m["d2"] else month_end(y2, m2)
    return start, end, m.start(), m.end()


_DATE = re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日")


def parse_date(text: str) -> date | None:
    """A written-out date such as ``2024年2月21日``."""
    m = _DATE.search(text)
    return date(int(m["y"]), int(m["m"]), int(m["d"])) if m else None
