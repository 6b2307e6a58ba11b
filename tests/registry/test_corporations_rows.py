"""The NTA row parser: valid rows round-trip, each broken column is named.

Also the shared helpers other ``test_corporations_*`` modules import: a row
builder with valid defaults and synthetic corporate numbers.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kasumi.core.codes import corporate_number_check_digit
from kasumi.registry.importers.corporations import (
    COLUMNS,
    FIELD_NAMES,
    NtaRow,
    RowInvalid,
    parse_row,
    row_fingerprint,
)

DATA = Path(__file__).parent / "data" / "corporations"


def synthetic_number(n: int) -> str:
    """A valid corporate number from a base that begins 9999 (synthetic, not published)."""
    base = f"9999{n:08d}"
    return corporate_number_check_digit(base) + base


DEFAULTS: dict[str, str] = {
    "sequence_number": "1",
    "corporate_number": synthetic_number(1),
    "process": "01",
    "correct": "0",
    "update_date": "2024-03-29",
    "change_date": "2015-10-05",
    "name": "株式会社霞商事",
    "name_image_id": "",
    "kind": "301",
    "prefecture_name": "東京都",
    "city_name": "千代田区",
    "street_number": "霞が関九丁目9番9号",
    "address_image_id": "",
    "prefecture_code": "13",
    "city_code": "101",
    "post_code": "1000013",
    "address_outside": "",
    "address_outside_image_id": "",
    "close_date": "",
    "close_cause": "",
    "successor_corporate_number": "",
    "change_cause": "",
    "assignment_date": "2015-10-05",
    "latest": "1",
    "en_name": "Kasumi Shoji Co., Ltd.",
    "en_prefecture_name": "Tokyo",
    "en_city_name": "9-9-9 Kasumigaseki, Chiyoda ku",
    "en_address_outside": "",
    "furigana": "カスミショウジ",
    "hihyoji": "0",
}


def make_row(**overrides: str) -> list[str]:
    """A valid 30-column row; keyword names are the snake_case column names."""
    unknown = set(overrides) - set(DEFAULTS)
    assert not unknown, f"unknown columns {unknown}"
    values = {**DEFAULTS, **overrides}
    return [values[name] for name in FIELD_NAMES]


def csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    path.write_bytes(csv_text(rows).encode(encoding))
    return path


# --- unit tests -------------------------------------------------------------------


def test_column_names_follow_the_nta_specification():
    assert len(COLUMNS) == len(FIELD_NAMES) == 30
    assert COLUMNS[1] == "corporateNumber" and COLUMNS[-1] == "hihyoji"


def test_a_valid_row_parses_to_typed_values():
    row = parse_row(make_row(close_date="", successor_corporate_number=synthetic_number(2)))
    assert row.corporate_number == synthetic_number(1)
    assert row.update_date == date(2024, 3, 29)
    assert row.close_date is None
    assert row.latest is True and row.hihyoji is False and row.correct is False


def test_a_published_number_is_a_valid_example():
    assert parse_row(make_row(corporate_number="4011001098993")).corporate_number == "4011001098993"


def test_fingerprint_ignores_the_sequence_number_only():
    a = make_row(sequence_number="1")
    b = make_row(sequence_number="77")
    c = make_row(sequence_number="1", name="株式会社霞商会")
    assert row_fingerprint(a) == row_fingerprint(b)
    assert row_fingerprint(a) != row_fingerprint(c)


@pytest.mark.parametrize(
    ("overrides", "column", "reason"),
    [
        ({"corporate_number": "5011001098993"}, "corporateNumber", "check digit is 5, expected 4"),
        ({"corporate_number": "401100109899"}, "corporateNumber", "exactly 13 ASCII digits"),
        ({"corporate_number": ""}, "corporateNumber", "is required"),
        (
            {"successor_corporate_number": "5011001098993"},
            "successorCorporateNumber",
            "check digit",
        ),
        ({"process": "02"}, "process", "'02' is not one of"),
        ({"kind": "300"}, "kind", "'300' is not one of"),
        ({"close_date": "2024-01-01", "close_cause": "02"}, "closeCause", "'02' is not one of"),
        ({"update_date": "2024/03/29"}, "updateDate", "YYYY-MM-DD"),
        ({"change_date": "2023-02-29"}, "changeDate", "not a real date"),
        ({"assignment_date": ""}, "assignmentDate", "is required"),
        ({"close_date": "2024-13-01"}, "closeDate", "not a real date"),
        ({"prefecture_code": "48"}, "prefectureCode", "01–47"),
        ({"prefecture_code": "00"}, "prefectureCode", "01–47"),
        ({"prefecture_code": "1"}, "prefectureCode", "exactly 2 ASCII digits"),
        ({"prefecture_code": "", "city_code": "101"}, "cityCode", "needs a prefecture code"),
        ({"post_code": "100-0013"}, "postCode", "exactly 7 ASCII digits"),
        ({"latest": "2"}, "latest", "must be 0 or 1"),
        ({"correct": ""}, "correct", "must be 0 or 1"),
        ({"hihyoji": "x"}, "hihyoji", "must be 0 or 1"),
        ({"name": ""}, "name", "is required"),
        ({"name": "霞" * 151}, "name", "at most 150"),
        ({"sequence_number": "a1"}, "sequenceNumber", "ASCII digits"),
        ({"name_image_id": "12345678901"}, "nameImageId", "at most 8 ASCII digits"),
        ({"process": "21"}, "closeDate", "process 21 (closure) needs a closeDate"),
        ({"process": "71"}, "closeDate", "process 71 (closure) needs a closeDate"),
        ({"close_cause": "11"}, "closeCause", "needs a closeDate"),
        (
            {"successor_corporate_number": synthetic_number(1)},
            "successorCorporateNumber",
            "cannot succeed itself",
        ),
    ],
)
def test_each_bad_column_is_named_with_a_reason(overrides, column, reason):
    with pytest.raises(RowInvalid) as caught:
        parse_row(make_row(**overrides))
    assert [c for c, _ in caught.value.problems] == [column]
    assert reason in caught.value.problems[0][1]


def test_wrong_column_count_is_a_row_problem():
    with pytest.raises(RowInvalid) as caught:
        parse_row(make_row()[:29])
    assert caught.value.problems == [(None, "expected 30 columns, found 29")]


def test_every_problem_of_a_row_is_reported_in_column_order():
    with pytest.raises(RowInvalid) as caught:
        parse_row(make_row(hihyoji="9", kind="999", process="00"))
    assert [c for c, _ in caught.value.problems] == ["process", "kind", "hihyoji"]


# --- property tests ---------------------------------------------------------------

# Any text except NUL (csv refuses it) and surrogates (not encodable).
texts = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"))


def bounded(max_size: int, min_size: int = 0) -> st.SearchStrategy[str]:
    return st.text(
        st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
        min_size=min_size,
        max_size=max_size,
    )


numbers = st.integers(0, 10**12 - 1).map(
    lambda n: corporate_number_check_digit(f"{n:012d}") + f"{n:012d}"
)
dates = st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31))
digit_text = st.text("0123456789", min_size=0, max_size=8)


@st.composite
def valid_rows(draw: st.DrawFn) -> NtaRow:
    number = draw(numbers)
    process = draw(st.sampled_from(["01", "11", "12", "13", "21", "22", "71", "72", "81", "99"]))
    closing = process in ("21", "71")
    close_date = draw(dates) if closing else draw(st.none() | dates)
    close_cause = draw(st.sampled_from(["01", "11", "21", "31"])) if close_date else ""
    successor = draw(st.just("") | numbers.filter(lambda s: s != number))
    prefecture = draw(st.just("") | st.integers(1, 47).map(lambda p: f"{p:02d}"))
    city = draw(st.text("0123456789", min_size=3, max_size=3)) if prefecture else ""
    return NtaRow(
        sequence_number=draw(st.integers(0, 10**9)),
        corporate_number=number,
        process=process,
        correct=draw(st.booleans()),
        update_date=draw(dates),
        change_date=draw(dates),
        name=draw(bounded(150, 1)),
        name_image_id=draw(digit_text),
        kind=draw(
            st.sampled_from(["101", "201", "301", "302", "303", "304", "305", "399", "401", "499"])
        ),
        prefecture_name=draw(bounded(10)),
        city_name=draw(bounded(20)),
        street_number=draw(bounded(300)),
        address_image_id=draw(digit_text),
        prefecture_code=prefecture,
        city_code=city,
        post_code=draw(st.just("") | st.text("0123456789", min_size=7, max_size=7)),
        address_outside=draw(bounded(300)),
        address_outside_image_id=draw(digit_text),
        close_date=close_date,
        close_cause=close_cause,
        successor_corporate_number=successor,
        change_cause=draw(bounded(500)),
        assignment_date=draw(dates),
        latest=draw(st.booleans()),
        en_name=draw(bounded(300)),
        en_prefecture_name=draw(bounded(9)),
        en_city_name=draw(bounded(600)),
        en_address_outside=draw(bounded(600)),
        furigana=draw(bounded(500)),
        hihyoji=draw(st.booleans()),
    )


@given(valid_rows())
def test_valid_rows_round_trip_through_csv(row):
    text = csv_text([row.to_csv()])
    [values] = list(csv.reader(io.StringIO(text, newline="")))
    assert parse_row(values) == row


@given(valid_rows(), st.integers(1, 9))
def test_a_corrupted_check_digit_is_always_rejected(row, shift):
    values = row.to_csv()
    number = values[1]
    values[1] = str((int(number[0]) + shift) % 10) + number[1:]
    with pytest.raises(RowInvalid) as caught:
        parse_row(values)
    assert "corporateNumber" in [c for c, _ in caught.value.problems]
