"""Public identifier codes and their check digits.

- 全国地方公共団体コード (local government code, JIS X 0402): 5 digits + check digit.
- 法人番号 (corporate number): 13 digits, check digit first (財務省令第70号).
- 個人番号 (My Number): 12 digits, check digit last (総務省令第85号 §5).
- 住民票コード (resident record code): 11 digits, check digit last; the same
  weights as 個人番号 over 10 base digits (住民基本台帳法施行規則 §1).

Each ``*_check_digit`` function takes the base digits; each ``validate_*``
raises :class:`CodeError` with a reason a person can act on.
"""

from __future__ import annotations


class CodeError(ValueError):
    """An identifier is malformed or its check digit is wrong."""


def _digits(value: str, length: int, label: str) -> list[int]:
    if not isinstance(value, str):
        raise CodeError(f"{label} must be a string of {length} digits")
    if len(value) != length or not value.isascii() or not value.isdigit():
        raise CodeError(f"{label} must be exactly {length} ASCII digits, got {value!r}")
    return [ord(c) - 48 for c in value]


# --- 全国地方公共団体コード ------------------------------------------------------


def local_government_check_digit(base: str) -> str:
    """Check digit for a 5-digit local government code base."""
    digits = _digits(base, 5, "local government code base")
    remainder = sum(d * w for d, w in zip(digits, (6, 5, 4, 3, 2), strict=True)) % 11
    return str((11 - remainder) % 10)


def validate_local_government_code(code: str) -> str:
    """Return ``code`` if it is a well-formed 6-digit code with the right check digit."""
    _digits(code, 6, "local government code")
    expected = local_government_check_digit(code[:5])
    if code[5] != expected:
        raise CodeError(
            f"local government code {code}: check digit is {code[5]}, expected {expected}"
        )
    prefecture = int(code[:2])
    if not 1 <= prefecture <= 47:
        raise CodeError(f"local government code {code}: prefecture part {code[:2]} is not 01–47")
    return code


def is_prefecture_code(code: str) -> bool:
    """Prefecture codes have ``000`` after the two prefecture digits (130001 = 東京都)."""
    return code[2:5] == "000"


# --- 法人番号 -------------------------------------------------------------------


def corporate_number_check_digit(base: str) -> str:
    """Leading check digit for a 12-digit corporate number base."""
    digits = _digits(base, 12, "corporate number base")
    total = 0
    for n, digit in enumerate(reversed(digits), start=1):
        total += digit * (1 if n % 2 else 2)
    return str(9 - total % 9)


def validate_corporate_number(number: str) -> str:
    """Return ``number`` if it is 13 digits with a correct leading check digit."""
    _digits(number, 13, "corporate number")
    expected = corporate_number_check_digit(number[1:])
    if number[0] != expected:
        raise CodeError(
            f"corporate number {number}: check digit is {number[0]}, expected {expected}"
        )
    return number


# --- 個人番号 and 住民票コード -------------------------------------------------------


def _mod11_trailing(digits: list[int]) -> str:
    # P_n is the n-th digit from the right; Q_n = n+1 (n <= 6) else n-5.
    total = 0
    for n, digit in enumerate(reversed(digits), start=1):
        total += digit * (n + 1 if n <= 6 else n - 5)
    remainder = total % 11
    return "0" if remainder <= 1 else str(11 - remainder)


def my_number_check_digit(base: str) -> str:
    """Trailing check digit for an 11-digit 個人番号 base."""
    return _mod11_trailing(_digits(base, 11, "individual number base"))


def validate_my_number(number: str) -> str:
    """Return ``number`` if it is a 12-digit 個人番号 with a correct check digit."""
    _digits(number, 12, "individual number")
    if number[11] != my_number_check_digit(number[:11]):
        # Never echo the number itself: it is personal data.
        raise CodeError("individual number (個人番号): check digit is wrong")
    return number


def resident_code_check_digit(base: str) -> str:
    """Trailing check digit for a 10-digit 住民票コード base."""
    return _mod11_trailing(_digits(base, 10, "resident record code base"))


def validate_resident_code(code: str) -> str:
    """Return ``code`` if it is an 11-digit 住民票コード with a correct check digit."""
    _digits(code, 11, "resident record code")
    expected = resident_code_check_digit(code[:10])
    if code[10] != expected:
        raise CodeError(
            f"resident record code {code}: check digit is {code[10]}, expected {expected}"
        )
    return code
