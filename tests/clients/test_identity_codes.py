"""Personal identity codes: every century sign, temporary numbers, and a check
that agrees with an independent implementation over generated codes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sotesilta.core.clients.domain import parse_identity_code
from sotesilta.core.kernel.errors import InputInvalid

SIGNS = {1800: "+", 1900: "-YXWVU", 2000: "ABCDEF"}


def independent_check(nine_digits: str) -> str:
    # written from the definition without the module's table: skip G I O Q Z
    alphabet = [str(d) for d in range(10)] + [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in "GIOQZ"]
    return alphabet[int(nine_digits) % 31]


@st.composite
def codes(draw):  # type: ignore[no-untyped-def]
    born = draw(st.dates(date(1800, 1, 1), date(2099, 12, 31)))
    sign = draw(st.sampled_from(SIGNS[born.year // 100 * 100]))
    individual = draw(st.integers(2, 999))
    digits = f"{born:%d%m}{born.year % 100:02d}{individual:03d}"
    return born, sign, individual, f"{digits[:6]}{sign}{digits[6:]}{independent_check(digits)}"


@given(codes())
def test_valid_codes_parse_to_their_birth_date_and_temporary_flag(case):
    born, _sign, individual, code = case
    parsed = parse_identity_code(code.lower())
    assert parsed.code == code and parsed.birth_date == born and parsed.temporary == (individual >= 900)


@given(codes(), st.sampled_from("0123456789ABCDEFHJKLMNPRSTUVWXY"))
def test_any_other_check_character_is_refused_without_revealing_the_right_one(case, wrong):
    code = case[3]
    if wrong == code[-1]:
        return
    with pytest.raises(InputInvalid) as caught:
        parse_identity_code(code[:-1] + wrong)
    assert caught.value.field == "identity_code" and code[-1] not in caught.value.detail.replace(
        "identity", ""
    )


def test_the_new_century_signs_are_different_people():
    old, new = parse_identity_code("100190-999P"), parse_identity_code("100190Y999P")
    assert old.birth_date == new.birth_date == date(1990, 1, 10) and old.code != new.code and old.temporary


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "100190999P",
        "100190-99P",
        "320190-999P",
        "290223A0023",
        "010101Z123A",
        "100190-000P",
        "1O0190-999P",
    ],
)
def test_malformed_codes_are_refused_naming_the_field(bad):
    with pytest.raises(InputInvalid) as caught:
        parse_identity_code(bad, field="client.identity_code")
    assert caught.value.field == "client.identity_code"


def test_a_code_never_prints_in_full():
    assert str(parse_identity_code("100190Y999P")) == "100190*****"


def test_leap_days_follow_the_century():
    digits = "290200" + "123"
    assert parse_identity_code(f"290200A123{independent_check(digits)}").birth_date == date(2000, 2, 29)
    with pytest.raises(InputInvalid):
        parse_identity_code(f"290200-123{independent_check(digits)}")  # 1900 was no leap year
    assert date(2000, 2, 28) + timedelta(days=1) == date(2000, 2, 29)


@given(st.dates(min_value=date(1800, 1, 1), max_value=date(2099, 12, 31)), st.integers(2, 999))
def test_a_made_code_parses_back_to_its_birth_date(birth, individual):
    from sotesilta.core.clients.domain import identity_code_for

    parsed = parse_identity_code(identity_code_for(birth, individual))
    assert parsed.birth_date == birth and parsed.temporary == (individual >= 900)


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)),
    st.integers(2, 999),
    st.sampled_from("\u2013\u2014\u2212\u2010\u2011\u2012"),
    st.sampled_from(["", " ", "\t"]),
)
def test_a_pasted_code_with_another_dash_is_the_same_code(birth, individual, dash, space):
    from sotesilta.core.clients.domain import identity_code_for

    typed = identity_code_for(birth, individual)  # 1900s: the century sign is "-"
    pasted = space + typed.replace("-", dash) + space
    assert parse_identity_code(pasted) == parse_identity_code(typed)
    assert parse_identity_code(pasted).code == typed
