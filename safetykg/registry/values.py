"""Reading one cell: dates, yes/no, codes, ids, lists; each refusal said in Chinese and English.

A data steward's file says ``2024-03-01`` or ``2024/3/1`` or ``2024年3月1日``,
``是`` or ``true``; this module accepts those and nothing vaguer
(``二〇二四年``, ``2024-02-30``, ``March 2024`` are refused), and every refusal is a
:class:`CellError` whose ``zh``/``en`` text names what was expected, so the
import can report it against a row and column.

>>> parse_date("2024年3月1日"), parse_date(" 2024/3/1 ")
(datetime.date(2024, 3, 1), datetime.date(2024, 3, 1))
>>> parse_date("2024-02-30")
Traceback (most recent call last):
...
safetykg.registry.values.CellError: date-impossible: 2024-02-30 is not a day of the calendar
>>> parse_bool("是"), parse_bool("FALSE")
(True, False)
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from safetykg.registry import creditcode
from safetykg.registry.index import EPOCH, LAST_DAY
from safetykg.registry.records import HAZARD_ID

__all__ = [
    "CellError",
    "has_surrogate",
    "parse_bool",
    "parse_code",
    "parse_date",
    "parse_hazard_id",
    "printable",
    "split_list",
]


class CellError(ValueError):
    """A cell's value is refused; ``code`` is stable, ``zh``/``en`` are for people."""

    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(f"{code}: {en}")
        self.code, self.zh, self.en = code, zh, en


def printable(text: str) -> str:
    """``text`` with any lone surrogate written as an escape, so a message can quote it.

    A JSON string may hold ``"\\ud800"``, which Python decodes to a character that
    has no UTF-8 form; quoting it in an answer would fail to encode.

    >>> printable("H-\\ud800-1")
    'H-\\\\ud800-1'
    """
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def has_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate (no UTF-8 form, so it cannot be stored).

    >>> has_surrogate("隐患"), has_surrogate("\\udc80")
    (False, True)
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


_DATE = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m1>\d{1,2})-(?P<d1>\d{1,2})|/(?P<m2>\d{1,2})/(?P<d2>\d{1,2})"
    r"|\.(?P<m3>\d{1,2})\.(?P<d3>\d{1,2})|年(?P<m4>\d{1,2})月(?P<d4>\d{1,2})日)$"
)
_TRUE = {"true", "1", "yes", "y", "是", "重大", "major", "t"}
_FALSE = {"false", "0", "no", "n", "否", "一般", "general", "f"}


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def parse_date(text: str) -> dt.date:
    """A calendar date written ``YYYY-MM-DD``, ``YYYY/M/D``, ``YYYY.M.D`` or ``YYYY年M月D日``.

    Also refuses dates outside 2000-01-01 … 2179 (the index's range), which in
    a hazard registry are typing errors.
    """
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and text.isascii():
        try:  # the common case, in C
            parsed = dt.date.fromisoformat(text)
        except ValueError:
            pass
        else:
            if EPOCH <= parsed <= LAST_DAY:
                return parsed
    value = _clean(text)
    match = _DATE.match(value)
    if not match:
        raise CellError(
            "date-unreadable",
            f"“{text}”不是可识别的日期，请写作 YYYY-MM-DD（如 2024-03-01）",
            f"{text!r} is not a date we can read; write YYYY-MM-DD (e.g. 2024-03-01)",
        )
    year = int(match["y"])
    month = int(next(match[g] for g in ("m1", "m2", "m3", "m4") if match[g]))
    day = int(next(match[g] for g in ("d1", "d2", "d3", "d4") if match[g]))
    try:
        parsed = dt.date(year, month, day)
    except ValueError:
        raise CellError(
            "date-impossible",
            f"{text} 不是日历上存在的日期",
            f"{text} is not a day of the calendar",
        ) from None
    if not EPOCH <= parsed <= LAST_DAY:
        raise CellError(
            "date-out-of-range",
            f"{text} 超出可接受范围（{EPOCH} 至 {LAST_DAY}）",
            f"{text} is outside the accepted range ({EPOCH} to {LAST_DAY})",
        )
    return parsed


def parse_bool(text: str) -> bool:
    """是/否, true/false, 1/0, yes/no, 重大/一般 (for the major flag), major/general."""
    value = _clean(text).lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise CellError(
        "boolean-unreadable",
        f"“{text}”应为 是/否（或 true/false、1/0）",
        f"{text!r} should be yes/no (是/否, true/false, 1/0)",
    )


def parse_code(text: str) -> str:
    """A unified social credit code with a correct GB 32100-2015 check character."""
    value = _clean(text).upper()
    problem = creditcode.problem(value)
    if problem:
        zh = {
            "has": "位数不对（应为18位）",
            "cha": "含有不允许的字符（GB 32100—2015 不用 I、O、Z、S、V）",
        }.get(problem[:3], "校验码错误")
        if problem.startswith("check character"):
            zh = (
                f"校验码错误（第18位为 {value[17]}，应为 {creditcode.check_character(value[:17])}）"
            )
        raise CellError(
            "credit-code-invalid",
            f"统一社会信用代码 {text} {zh}",
            f"credit code {text} is not valid: {problem}",
        )
    return value


def parse_hazard_id(text: str) -> str:
    """A hazard id: letters, digits, ``.``, ``_`` and ``-`` (it becomes part of an IRI)."""
    value = _clean(text)
    if not HAZARD_ID.match(value):
        raise CellError(
            "hazard-id-invalid",
            f"隐患编号“{text}”只能包含字母、数字、点、下划线和连字符（如 H-2025-0137）",
            f"hazard id {text!r} may only contain letters, digits, '.', '_' and '-' "
            "(e.g. H-2025-0137)",
        )
    return value


def split_list(text: str, separators: str = "|;；、") -> list[str]:
    """Split a cell holding several values (``a|b``, ``a；b``); empty parts dropped.

    >>> split_list("城镇燃气|消防；")
    ['城镇燃气', '消防']
    """
    parts = re.split("[" + re.escape(separators) + "]", text)
    return [p.strip() for p in parts if p.strip()]
