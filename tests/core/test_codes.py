from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kasumi.core import codes
from kasumi.core.codes import CodeError

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


@pytest.mark.parametrize("code", ["131016", "011011", "131130", "134210", "130001"])
def test_published_local_government_codes_are_valid(code):
    assert codes.validate_local_government_code(code) == code


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("131017", "check digit is 7, expected 6"),
        ("13101", "exactly 6 ASCII digits"),
        ("１３１０１６", "exactly 6 ASCII digits"),
        ("991015", "prefecture part 99"),
    ],
)
def test_bad_local_government_codes_say_why(code, reason):
    with pytest.raises(CodeError, match=reason):
        codes.validate_local_government_code(code)


@pytest.mark.parametrize("number", ["4011001098993", "7123456789012"])
def test_published_corporate_numbers_are_valid(number):
    assert codes.validate_corporate_number(number) == number


def test_corporate_number_with_wrong_leading_digit_is_rejected():
    with pytest.raises(CodeError, match="expected 4"):
        codes.validate_corporate_number("5011001098993")


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_my_number_check_digit_round_trips(base):
    number = base + codes.my_number_check_digit(base)
    assert codes.validate_my_number(number) == number


@given(st.text(alphabet="0123456789", min_size=11, max_size=11), st.integers(1, 9))
def test_my_number_with_a_changed_check_digit_is_rejected(base, delta):
    number = base + codes.my_number_check_digit(base)
    wrong = number[:11] + str((int(number[11]) + delta) % 10)
    with pytest.raises(CodeError):
        codes.validate_my_number(wrong)


def test_my_number_error_never_contains_the_number():
    base = "12345678901"
    wrong = base + str((int(codes.my_number_check_digit(base)) + 1) % 10)
    with pytest.raises(CodeError) as info:
        codes.validate_my_number(wrong)
    assert base not in str(info.value)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_corporate_number_check_digit_round_trips(base):
    number = codes.corporate_number_check_digit(base) + base
    assert codes.validate_corporate_number(number) == number


@given(
    st.text(alphabet="0123456789", min_size=5, max_size=5).filter(lambda s: 1 <= int(s[:2]) <= 47)
)
def test_local_government_code_check_digit_round_trips(base):
    code = base + codes.local_government_check_digit(base)
    assert codes.validate_local_government_code(code) == code
    wrong = code[:5] + str((int(code[5]) + 1) % 10)
    with pytest.raises(CodeError, match="check digit"):
        codes.validate_local_government_code(wrong)


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_resident_code_check_digit_round_trips(base):
    code = base + codes.resident_code_check_digit(base)
    assert codes.validate_resident_code(code) == code
