"""The unified social credit code (统一社会信用代码) of GB 32100-2015: its check character.

An enterprise's IRI is ``id/enterprise/<credit-code>``, so the code is the
registry's key for enterprises and is checked before anything else. The code
has 18 characters from a 31-character alphabet (digits and capitals without
I, O, Z, S, V):

====  =========================================================
1     registration authority (登记管理部门代码), e.g. ``9`` = market regulation
2     organisation kind (机构类别代码), e.g. ``1`` = enterprise
3–8   administrative division of the registering authority (GB/T 2260)
9–17  organisation code (组织机构代码, GB 11714, with its own check character)
18    check character over characters 1–17 (this module)
====  =========================================================

Only the 18th character is *verified* by the standard's arithmetic (weights
``3^(i-1) mod 31``, check = ``31 - (Σ mod 31)``, 31 → 0); the organisation
code's own check (GB 11714) is used by :func:`make_code` so that generated
codes are valid throughout, but an imported code is not rejected on it, since
codes issued to 个体工商户 and others carry registration numbers there instead.

>>> check_character("91341600MA2TEST00")
Traceback (most recent call last):
...
ValueError: 'S' is not in the GB 32100-2015 alphabet
>>> check_character("91341600MA2T5H8R0")
'Y'
>>> is_valid("91341600MA2T5H8R0Y"), is_valid("91341600MA2T5H8R0X")
(True, False)
>>> problem("91341600MA2T5H8R0X")
'check character is X, expected Y'
"""

from __future__ import annotations

import re

__all__ = [
    "ALPHABET",
    "check_character",
    "is_valid",
    "make_code",
    "organisation_check_character",
    "problem",
]

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters a credit code may use, in value order (0–30)."""

_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")


def check_character(first17: str) -> str:
    """The 18th character for the first 17 (GB 32100-2015, clause 4.3).

    Raises :class:`ValueError` when ``first17`` is not 17 characters of the alphabet.
    """
    if len(first17) != 17:
        raise ValueError(f"need 17 characters, got {len(first17)}")
    total = 0
    for char, weight in zip(first17, _WEIGHTS, strict=True):
        if char not in _VALUE:
            raise ValueError(f"{char!r} is not in the GB 32100-2015 alphabet")
        total += _VALUE[char] * weight
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """What is wrong with ``code`` in a few words (``None`` when it is valid).

    >>> problem("9134160")
    'has 7 characters, not 18'
    >>> problem("91341600MA2T5H8ROY")
    "character 17 'O' is not allowed (GB 32100-2015 uses 0-9 and A-Y without I, O, Z, S, V)"
    """
    if len(code) != 18:
        return f"has {len(code)} characters, not 18"
    if not _SHAPE.match(code):
        pos, char = next((i, c) for i, c in enumerate(code, start=1) if c not in _VALUE)
        return (
            f"character {pos} {char!r} is not allowed "
            "(GB 32100-2015 uses 0-9 and A-Y without I, O, Z, S, V)"
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]}, expected {expected}"
    return None


def is_valid(code: str) -> bool:
    """True when ``code`` is 18 characters of the alphabet with the right check character."""
    return problem(code) is None


def organisation_check_character(body8: str) -> str:
    """The 9th character of a GB 11714 organisation code for its first 8 characters.

    >>> organisation_check_character("19220382")  # Huawei: 914403001922038216
    '1'
    """
    total = sum(
        (int(c) if c.isdigit() else ord(c) - 55) * w
        for c, w in zip(body8, _ORG_WEIGHTS, strict=True)
    )
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def make_code(division: str, body8: str, authority: str = "9", kind: str = "1") -> str:
    """A complete, valid credit code from its parts (used by the data generator).

    ``division`` is the six-digit GB/T 2260 code, ``body8`` eight digits of the
    organisation code; both check characters are computed.

    >>> make_code("341602", "30012345")
    '913416023001234592'
    >>> is_valid(make_code("341602", "30012345"))
    True
    """
    org = body8 + organisation_check_character(body8)
    first17 = authority + kind + division + org
    return first17 + check_character(first17)
