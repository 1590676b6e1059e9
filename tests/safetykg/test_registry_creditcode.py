"""GB 32100-2015 credit codes (safetykg/registry/creditcode.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safetykg.registry.creditcode import (
    ALPHABET,
    check_character,
    is_valid,
    make_code,
    organisation_check_character,
    problem,
)

# Codes published by the enterprises themselves (business licences).
REAL = ["914403001922038216", "9144030071526726XG", "91330100799655058B", "91110000802100433B"]


@pytest.mark.parametrize("code", REAL)
def test_real_codes_are_valid_and_their_organisation_codes_check(code: str) -> None:
    assert is_valid(code)
    assert organisation_check_character(code[8:16]) == code[16]


def test_a_wrong_check_character_is_named() -> None:
    assert problem("914403001922038217") == "check character is 7, expected 6"


@pytest.mark.parametrize(
    ("code", "what"),
    [
        ("9144030019220382", "has 16 characters, not 18"),
        ("9144030019220382I6", "character 17 'I' is not allowed"),
        ("91440300192203821O", "character 18 'O' is not allowed"),
    ],
)
def test_shape_problems(code: str, what: str) -> None:
    assert (problem(code) or "").startswith(what)


def test_the_alphabet_leaves_out_the_letters_the_standard_leaves_out() -> None:
    assert len(ALPHABET) == 31 and not set("IOZSV") & set(ALPHABET)


@given(
    st.text(alphabet="0123456789", min_size=8, max_size=8), st.sampled_from(["341602", "341621"])
)
def test_made_codes_are_valid(body: str, division: str) -> None:
    code = make_code(division, body)
    assert is_valid(code) and code[2:8] == division


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17), st.integers(0, 16), st.data())
def test_any_single_character_change_is_caught(first17: str, pos: int, data: st.DataObject) -> None:
    code = first17 + check_character(first17)
    other = data.draw(st.sampled_from([c for c in ALPHABET if c != code[pos]]))
    assert not is_valid(code[:pos] + other + code[pos + 1 :])
