"""The resident registry importer: format, history rules, all-or-nothing, rejects, events."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from kasumi.core import events as core_events
from kasumi.core.codes import my_number_check_digit, resident_code_check_digit
from kasumi.registry import events as registry_events
from kasumi.registry.importers.resident_rows import COLUMNS
from kasumi.registry.importers.residents import import_files
from kasumi.registry.importing import ImportFailed
from kasumi.registry.models import (
    Household,
    ImportBatch,
    Person,
    ResidentEvent,
    ResidentRecord,
)

DATA = Path(__file__).parent / "data" / "residents"
HEADER = ",".join(COLUMNS)
ADDRESS = "東京都千代田区霞が関一丁目1番1号"


def rc(n: int) -> str:
    """A synthetic 住民票コード with a valid check digit."""
    base = f"{n:010d}"
    return base + resident_code_check_digit(base)


def mn(n: int) -> str:
    """A synthetic 個人番号 with a valid check digit (never a real one)."""
    base = f"8{n:010d}"
    return base + my_number_check_digit(base)


def row(event_id: str, event_type: str, when: str, person: int, **fields: str) -> dict[str, str]:
    """A row as a dict; for opening events the person's fields get defaults."""
    values = {c: "" for c in COLUMNS}
    values.update(event_id=event_id, event_type=event_type, effective_date=when)
    values.update(lg_code="131016", resident_code=rc(person))
    if event_type in ("registration", "birth", "move_in"):
        values.update(
            family_name="山田",
            given_name="花子",
            family_name_kana="ヤマダ",
            given_name_kana="ハナコ",
            birth_date="1980-04-01",
            sex="2",
            household_number=f"H{person}",
            relationship="head",
            machiaza_id="0002001",
            address=ADDRESS,
        )
    values.update(fields)
    return values


def write(tmp_path: Path, rows: list[dict[str, str]], name: str = "residents.csv") -> Path:
    path = tmp_path / name
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def counts() -> tuple[int, int, int, int]:
    return (
        Person.objects.count(),
        Household.objects.count(),
        ResidentEvent.objects.count(),
        ResidentRecord.objects.count(),
    )


def record_on(code: str, on: date) -> ResidentRecord | None:
    """The person's 住民票 content in force on ``on`` (valid_to exclusive)."""
    records = ResidentRecord.objects.filter(person__resident_code=code, valid_from__lte=on)
    return (
        records.filter(valid_to__isnull=True).first()
        or records.filter(valid_to__gt=on).order_by("valid_from", "id").last()
    )


def import_failure(path: Path) -> ImportFailed:
    before = counts()
    with pytest.raises(ImportFailed) as info:
        import_files([path])
    assert counts() == before, "a failing file must write nothing"
    assert ImportBatch.objects.order_by("-pk").first().status == ImportBatch.Status.FAILED
    return info.value


# --- good files ----------------------------------------------------------------------


def test_snapshot_file_creates_persons_households_and_open_records(chiyoda):
    result = import_files([DATA / "snapshot.csv"])

    assert (result.rows_read, result.rows_written, result.rows_rejected) == (5, 5, 0)
    assert counts() == (5, 3, 5, 5)
    hanako = Person.objects.get(resident_code=rc(1002))
    # Hiragana kana is stored as katakana; the matching keys are filled in.
    assert (hanako.family_name_kana, hanako.given_name_kana) == ("ヤマダ", "ハナコ")
    assert hanako.name_key == "山田花子" and hanako.kana_key == "ヤマダハナコ"
    takahashi = Person.objects.get(resident_code=rc(1004))
    assert takahashi.family_name == "髙橋" and takahashi.name_key == "高橋美咲"
    record = ResidentRecord.objects.get(person=takahashi)
    assert record.relationship == "head" and record.valid_to is None  # 世帯主 → head
    assert (record.blk_id, record.rsdt_id, record.lg_code) == ("002", "003", "131016")
    assert record.household.number == "H0002" and record.municipality == chiyoda
    assert ResidentRecord.objects.get(person=hanako).relationship == "spouse"  # 妻
    event = ResidentEvent.objects.get(source_id="S0005")
    assert event.kind == "registration" and event.note == "住居表示未実施"
    assert len(event.fingerprint) == 32
    batch = ImportBatch.objects.get(pk=result.batch_id)
    assert batch.status == ImportBatch.Status.DONE and batch.organisation == chiyoda
    assert batch.rows_written == 5


def test_full_history_gives_the_right_record_on_each_date(chiyoda, tmp_path):
    child, mother = 11, 12
    rows = [
        row("E1", "move_in", "2020-01-10", mother, note="大阪府大阪市北区梅田一丁目1番1号"),
        row(
            "E2",
            "birth",
            "2021-03-05",
            child,
            given_name="一郎",
            given_name_kana="イチロウ",
            birth_date="2021-03-05",
            sex="1",
            household_number=f"H{mother}",
            relationship="child",
        ),
        row(
            "E3",
            "move_within",
            "2022-06-01",
            mother,
            machiaza_id="0001001",
            blk_id="002",
            rsdt_id="003",
            address="東京都千代田区内幸町一丁目2番3号",
        ),
        row(
            "E4",
            "move_within",
            "2022-06-01",
            child,
            machiaza_id="0001001",
            blk_id="002",
            rsdt_id="003",
            address="東京都千代田区内幸町一丁目2番3号",
        ),
        row(
            "E5",
            "household_change",
            "2023-01-01",
            child,
            household_number="H99",
            relationship="head",
        ),
        row(
            "E6", "name_change", "2023-07-01", mother, family_name="鈴木", family_name_kana="スズキ"
        ),
        row("E7", "move_out", "2024-02-01", child, note="神奈川県横浜市"),
        row("E8", "death", "2024-05-05", mother),
    ]
    result = import_files([write(tmp_path, rows)])
    assert result.rows_written == 8

    code = rc(mother)
    assert record_on(code, date(2020, 1, 9)) is None
    first = record_on(code, date(2021, 1, 1))
    assert (first.household.number, first.relationship, first.address) == (
        f"H{mother}", "head", ADDRESS,
    )  # fmt: skip
    moved = record_on(code, date(2022, 6, 1))  # the day of the move: the new address
    assert moved.address == "東京都千代田区内幸町一丁目2番3号" and moved.blk_id == "002"
    assert record_on(code, date(2022, 5, 31)).address == ADDRESS
    renamed = record_on(code, date(2023, 7, 1))
    assert renamed.family_name == "鈴木" and renamed.address == moved.address
    assert record_on(code, date(2024, 5, 4)).family_name == "鈴木"
    assert record_on(code, date(2024, 5, 5)) is None  # died

    boy = rc(child)
    assert record_on(boy, date(2021, 3, 5)).relationship == "child"
    own = record_on(boy, date(2023, 1, 1))
    assert (own.household.number, own.relationship) == ("H99", "head")
    assert record_on(boy, date(2024, 1, 31)).household.number == "H99"
    assert record_on(boy, date(2024, 2, 1)) is None  # moved out

    mother_person = Person.objects.get(resident_code=code)
    assert mother_person.family_name == "鈴木" and mother_person.name_key == "鈴木花子"
    assert mother_person.kana_key == "スズキハナコ"
    assert mother_person.death_date == date(2024, 5, 5)
    assert ResidentEvent.objects.get(source_id="E1").note == "大阪府大阪市北区梅田一丁目1番1号"
    # Periods chain: each closed record ends where the event that closed it took effect.
    for record in ResidentRecord.objects.filter(valid_to__isnull=False):
        assert record.closed_by.effective_date == record.valid_to


def test_same_day_events_leave_a_zero_length_period(chiyoda, tmp_path):
    rows = [
        row("E1", "registration", "2024-04-01", 1),
        row("E2", "move_within", "2024-04-01", 1, machiaza_id="0001001", address="新住所1番"),
    ]
    import_files([write(tmp_path, rows)])
    first, second = ResidentRecord.objects.order_by("id")
    assert first.valid_from == first.valid_to == date(2024, 4, 1)
    assert second.valid_from == date(2024, 4, 1) and second.valid_to is None
    assert record_on(rc(1), date(2024, 4, 1)).address == "新住所1番"


def test_rows_of_one_person_can_span_chunks(chiyoda, tmp_path, monkeypatch):
    monkeypatch.setattr("kasumi.registry.importers.residents.CHUNK_ROWS", 2)
    rows = [row(f"R{i}", "registration", "2024-04-01", i, household_number="H1",
                relationship="head" if i == 0 else "child") for i in range(5)]  # fmt: skip
    rows += [row(f"M{i}", "move_within", "2024-05-01", i, machiaza_id="0001001",
                 address="新住所") for i in range(5)]  # fmt: skip
    result = import_files([write(tmp_path, rows)])
    assert result.rows_written == 10
    assert counts() == (5, 1, 10, 10)
    assert ResidentRecord.objects.filter(valid_to__isnull=True, address="新住所").count() == 5


def test_management_command_imports_a_file(chiyoda, tmp_path):
    out = io.StringIO()
    call_command(
        "registry", "import", "residents", str(DATA / "snapshot.csv"), "--no-progress", stdout=out
    )
    assert "5 rows read, 5 written" in out.getvalue()
    assert Person.objects.count() == 5


def test_management_command_reports_errors_and_writes_nothing(chiyoda, tmp_path):
    path = write(tmp_path, [row("E1", "registration", "2024-02-30", 1)])
    with pytest.raises(CommandError, match=r"residents.csv:2: column effective_date"):
        call_command("registry", "import", "residents", str(path), "--no-progress")
    assert counts() == (0, 0, 0, 0)


# --- bad files: precise errors, nothing written --------------------------------------------


def test_wrong_header_is_rejected(chiyoda, tmp_path):
    path = tmp_path / "residents.csv"
    path.write_text(HEADER.replace("sex", "gender") + "\n", encoding="utf-8")
    error = import_failure(path)
    assert str(error.errors[0]).startswith("residents.csv:1: the header must be exactly")


def test_wrong_column_count_is_rejected(chiyoda, tmp_path):
    path = write(tmp_path, [row("E1", "registration", "2024-04-01", 1)])
    path.write_text(path.read_text("utf-8") + "E2,registration,2024-04-01\n", encoding="utf-8")
    error = import_failure(path)
    assert [str(e) for e in error.errors] == ["residents.csv:3: expected 20 columns, found 3"]


def test_text_that_is_not_utf8_is_reported_with_its_line(chiyoda, tmp_path):
    path = write(tmp_path, [row("E1", "registration", "2024-04-01", 1)] * 1)
    good = path.read_bytes()
    bad = row("E2", "registration", "2024-04-01", 2, family_name="X")
    line = ",".join(bad[c] for c in COLUMNS).encode().replace(b",X,", b",\x83\x52,")
    path.write_bytes(good + line + b"\n")
    error = import_failure(path)
    assert [str(e) for e in error.errors] == ["residents.csv:3: line 3 is not valid UTF-8 text"]


@pytest.mark.parametrize(
    ("fields", "column", "message"),
    [
        ({"lg_code": "131017"}, "lg_code", "check digit is 7, expected 6"),
        ({"lg_code": "011011"}, "lg_code", "011011 is not a municipality on the platform"),
        ({"lg_code": "130001"}, "lg_code", "130001 is on the platform but is not a municipality"),
        ({"resident_code": "00000000011"}, "resident_code", "check digit is wrong"),
        ({"my_number": "800000000011"}, "my_number", "valid check digit (value not shown)"),
        ({"birth_date": "2023-02-30"}, "birth_date", "2023-02-30 is not a date"),
        ({"effective_date": "2024-13-01"}, "effective_date", "2024-13-01 is not a date"),
        ({"effective_date": "20240401"}, "effective_date", "20240401 is not a date"),
        ({"event_type": "teleport"}, "event_type", "unknown event type 'teleport'"),
        ({"relationship": "boss"}, "relationship", "unknown relationship 'boss'"),
        ({"sex": "9"}, "sex", "'9' is not 1 (男) or 2 (女)"),
        ({"family_name_kana": "ﾔﾏﾀﾞ"}, "family_name_kana", "is not full-width katakana"),
        ({"machiaza_id": "12"}, "machiaza_id", "'12' is not a 7-digit 町字ID"),
        ({"event_id": "E 1"}, "event_id", "must be 1–40 characters"),
        ({"address": ""}, "address", "is required for registration"),
    ],
)
def test_bad_fields_are_reported_by_file_line_and_column(
    chiyoda, tokyo, tmp_path, fields, column, message
):
    rows = [row("E0", "registration", "2024-04-01", 5), row("E1", "registration", "2024-04-01", 6)]
    rows[1].update(fields)
    error = import_failure(write(tmp_path, rows))
    assert len(error.errors) == 1
    text = str(error.errors[0])
    assert text.startswith(f"residents.csv:3: column {column}: "), text
    assert message in text
    assert "800000000011" not in str(error)


@pytest.mark.parametrize(
    ("rows", "line", "column", "message"),
    [
        (
            [row("E1", "registration", "1979-01-01", 1)],
            2, "effective_date", "1979-01-01 is before the person's birth on 1980-04-01",
        ),
        (
            [row("E1", "registration", "2020-01-01", 1), row("E2", "death", "2021-01-01", 1),
             row("E3", "move_in", "2022-01-01", 1)],
            4, "effective_date", "the person died on 2021-01-01; no event can follow",
        ),
        (
            [row("E1", "registration", "2020-01-01", 1),
             row("E2", "move_within", "2021-05-01", 1, machiaza_id="0001001", address="A"),
             row("E3", "move_within", "2021-04-01", 1, machiaza_id="0001001", address="B")],
            4, "effective_date",
            "2021-04-01 is earlier than the person's previous event on 2021-05-01",
        ),
        (
            [row("E1", "registration", "2020-01-01", 1, household_number="H1"),
             row("E2", "registration", "2020-01-01", 2, household_number="H1")],
            3, "relationship", "household H1 in 131016 would have two heads at once",
        ),
        (
            [row("E1", "registration", "2020-01-01", 1), row("E2", "move_in", "2021-01-01", 1)],
            3, "event_type",
            "move_in for a person already resident in 131016 since 2020-01-01",
        ),
        (
            [row("E1", "move_out", "2021-01-01", 1)],
            2, "event_type", "move_out for a person not resident in 131016",
        ),
        (
            [row("E1", "registration", "2020-01-01", 1), row("E2", "move_out", "2021-01-01", 1),
             row("E3", "move_out", "2021-02-01", 1)],
            4, "event_type", "move_out for a person not resident in 131016",
        ),
        (
            [row("E1", "registration", "2020-01-01", 1),
             row("E2", "birth", "2021-01-01", 1, birth_date="2021-01-01")],
            3, "resident_code", "a birth is a new person",
        ),
        (
            [row("E1", "registration", "2020-01-01", 1),
             row("E2", "name_change", "2021-01-01", 1, household_number="H7")],
            3, "household_number", "a name_change cannot change the household",
        ),
    ],
    ids=[
        "before-birth", "after-death", "out-of-order", "two-heads", "move-in-while-resident",
        "move-out-unknown", "move-out-not-resident", "birth-of-known-person",
        "unused-column-changed",
    ],
)  # fmt: skip
def test_impossible_histories_are_rejected(chiyoda, tmp_path, rows, line, column, message):
    error = import_failure(write(tmp_path, rows))
    texts = [str(e) for e in error.errors]
    assert {e.line for e in error.errors} == {line}, texts
    prefix = f"residents.csv:{line}: column {column}: "
    assert any(t.startswith(prefix) and message in t for t in texts), texts


def test_two_heads_are_allowed_one_after_the_other(chiyoda, tmp_path):
    # The old head leaves on the day the new one takes over; rows come in any order.
    rows = [
        row("E2", "household_change", "2022-01-01", 2, household_number="H1", relationship="head"),
        row("E1", "registration", "2020-01-01", 1, household_number="H1"),
        row("E0", "registration", "2020-01-01", 2, household_number="H1", relationship="spouse"),
        row("E3", "move_out", "2022-01-01", 1),
    ]
    rows = [rows[1], rows[2], rows[0], rows[3]]
    import_files([write(tmp_path, rows)])
    assert record_on(rc(2), date(2022, 1, 1)).relationship == "head"


def test_all_errors_of_a_file_are_listed(chiyoda, tmp_path):
    rows = [row(f"E{i}", "registration", "2024-02-30", i) for i in range(150)]
    error = import_failure(write(tmp_path, rows))
    assert len(error.errors) == 100 and error.total == 150
    assert "(and 50 more)" in str(error)


def test_a_failing_file_stops_the_import_but_earlier_files_stay(chiyoda, tmp_path):
    good = write(tmp_path, [row("E1", "registration", "2024-04-01", 1)], "a.csv")
    bad = write(tmp_path, [row("E2", "registration", "2024-02-30", 2)], "b.csv")
    with pytest.raises(ImportFailed, match=r"b\.csv:2"):
        import_files([good, bad])
    assert Person.objects.count() == 1
    statuses = list(ImportBatch.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == ["done", "failed"]


# --- skipping invalid rows -----------------------------------------------------------


def test_skip_invalid_imports_valid_rows_and_writes_rejects(chiyoda, tmp_path):
    rows = [
        row("E1", "registration", "2020-01-01", 1),
        row("E2", "registration", "2020-02-30", 2),  # bad date
        row("E3", "move_within", "2021-01-01", 2, machiaza_id="0001001", address="X"),
        row("E4", "registration", "2020-01-01", 3),
        row("E5", "move_out", "2021-01-01", 4),  # not resident
        row("E6", "registration", "2020-01-01", 5, household_number="H1"),  # second head
        row("E7", "move_within", "2021-01-01", 5, machiaza_id="0001001", address="Y"),
    ]
    path = write(tmp_path, rows)
    rejects = tmp_path / "rejects.csv"
    result = import_files([path], skip_invalid=True, rejects_path=rejects)

    assert (result.rows_read, result.rows_written, result.rows_rejected) == (7, 2, 5)
    assert result.rejects_paths == [rejects]
    assert set(Person.objects.values_list("resident_code", flat=True)) == {rc(1), rc(3)}
    with rejects.open(encoding="utf-8") as fh:
        rejected = list(csv.DictReader(fh))
    assert [r["line"] for r in rejected] == ["3", "4", "6", "7", "8"]
    assert rejected[0]["column"] == "effective_date" and "2020-02-30" in rejected[0]["reason"]
    # Later rows of a person whose earlier row was rejected are rejected too.
    assert "earlier row of this person (line 3)" in rejected[1]["reason"]
    assert "not resident" in rejected[2]["reason"]
    assert "two heads" in rejected[3]["reason"]
    assert "earlier row of this person (line 7)" in rejected[4]["reason"]
    assert rejected[0]["row"].startswith("E2,registration,2020-02-30")
    batch = ImportBatch.objects.get(pk=result.batch_id)
    assert (batch.status, batch.rows_rejected) == ("done", 5)


def test_skip_invalid_uses_the_default_rejects_path(chiyoda, tmp_path):
    path = write(tmp_path, [row("E1", "registration", "2020-02-30", 1)])
    result = import_files([path], skip_invalid=True)
    assert result.rejects_paths == [tmp_path / "residents.csv.rejects.csv"]
    assert result.rejects_paths[0].is_file()


# --- re-imports ----------------------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(chiyoda, tmp_path):
    rows = [
        row("E1", "registration", "2020-01-01", 1, my_number=mn(1)),
        row("E2", "move_within", "2021-01-01", 1, machiaza_id="0001001", address="新住所"),
    ]
    path = write(tmp_path, rows)
    import_files([path])
    snapshot = (
        list(Person.objects.values()),
        list(ResidentEvent.objects.values()),
        list(ResidentRecord.objects.values()),
        list(Household.objects.values()),
    )
    again = import_files([path])
    assert (again.rows_unchanged, again.rows_written, again.rows_rejected) == (2, 0, 0)
    assert snapshot == (
        list(Person.objects.values()),
        list(ResidentEvent.objects.values()),
        list(ResidentRecord.objects.values()),
        list(Household.objects.values()),
    )


def test_a_longer_file_adds_only_the_new_events(chiyoda, tmp_path):
    rows = [row("E1", "registration", "2020-01-01", 1)]
    import_files([write(tmp_path, rows)])
    rows.append(row("E2", "move_out", "2021-01-01", 1))
    result = import_files([write(tmp_path, rows)])
    assert (result.rows_unchanged, result.rows_written) == (1, 1)
    assert record_on(rc(1), date(2021, 1, 1)) is None


def test_same_event_id_with_different_content_is_rejected(chiyoda, tmp_path):
    import_files([write(tmp_path, [row("E1", "registration", "2020-01-01", 1)])])
    changed = write(tmp_path, [row("E1", "registration", "2020-01-02", 1)], "changed.csv")
    error = import_failure(changed)
    assert str(error.errors[0]).startswith(
        "changed.csv:2: column event_id: event E1 was imported before with different content"
    )


def test_same_event_id_twice_in_one_file_with_different_content_is_rejected(chiyoda, tmp_path):
    rows = [row("E1", "registration", "2020-01-01", 1), row("E1", "registration", "2020-01-01", 2)]
    error = import_failure(write(tmp_path, rows))
    assert [e.line for e in error.errors] == [3]


# --- 個人番号 --------------------------------------------------------------------------


def test_my_number_is_sealed_and_decrypts_back(chiyoda, tmp_path):
    number = mn(42)
    import_files([write(tmp_path, [row("E1", "registration", "2020-01-01", 1, my_number=number)])])
    person = Person.objects.get()
    assert person.my_number() == number
    assert person.my_number_digest and number not in person.my_number_digest
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM registry_person")
        stored = repr(cursor.fetchall()).encode()
    assert number.encode() not in stored
    assert bytes(person.my_number_sealed).find(number.encode()) == -1


def test_my_number_never_appears_in_errors(chiyoda, tmp_path):
    number = mn(42)
    rows = [
        row("E1", "registration", "2020-01-01", 1, my_number=number),
        row("E2", "registration", "2020-01-01", 2, my_number=number, household_number="H2"),
        row(
            "E3",
            "move_within",
            "2021-01-01",
            1,
            my_number=mn(43),
            machiaza_id="0001001",
            address="X",
        ),
        row("E4", "registration", "2020-01-01", 4, my_number=number[:-1] + "x"),
    ]
    error = import_failure(write(tmp_path, rows))
    text = str(error)
    assert "already recorded for another person" in text
    assert "differs from the 個人番号 the registry holds" in text
    assert number not in text and mn(43) not in text and number[:-1] not in text


def test_my_number_can_be_added_later(chiyoda, tmp_path):
    import_files([write(tmp_path, [row("E1", "registration", "2020-01-01", 1)])])
    later = row("E2", "move_within", "2021-01-01", 1, my_number=mn(7), machiaza_id="0001001",
                address="X")  # fmt: skip
    import_files([write(tmp_path, [later], "later.csv")])
    assert Person.objects.get().my_number() == mn(7)


# --- events ------------------------------------------------------------------------------


def test_events_are_published_on_commit(chiyoda, tmp_path, django_capture_on_commit_callbacks):
    seen: list[core_events.Event] = []
    handler = seen.append
    core_events.subscribe(registry_events.RESIDENT_REGISTERED, handler)
    core_events.subscribe(registry_events.RESIDENT_ADDRESS_CHANGED, handler)
    core_events.subscribe(registry_events.RESIDENT_DIED, handler)
    try:
        rows = [
            row("E1", "registration", "2020-01-01", 1),
            row("E2", "move_within", "2021-01-01", 1, machiaza_id="0001001", address="X"),
            row("E3", "death", "2022-01-01", 1),
        ]
        with django_capture_on_commit_callbacks(execute=True):
            import_files([write(tmp_path, rows)])
            assert seen == []  # nothing before the commit
    finally:
        for event_type in (
            registry_events.RESIDENT_REGISTERED,
            registry_events.RESIDENT_ADDRESS_CHANGED,
            registry_events.RESIDENT_DIED,
        ):
            core_events.unsubscribe(event_type, handler)
    person = Person.objects.get()
    assert [e.type for e in seen] == [
        registry_events.RESIDENT_REGISTERED,
        registry_events.RESIDENT_ADDRESS_CHANGED,
        registry_events.RESIDENT_DIED,
    ]
    assert seen[1].payload == {
        "person_id": person.pk,
        "resident_code": rc(1),
        "lg_code": "131016",
        "effective_date": "2021-01-01",
    }


def test_no_events_are_published_for_a_failed_file(
    chiyoda, tmp_path, django_capture_on_commit_callbacks
):
    seen: list[core_events.Event] = []
    core_events.subscribe("*", seen.append)
    try:
        rows = [row("E1", "registration", "2020-01-01", 1), row("E2", "move_out", "2019-01-01", 1)]
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(ImportFailed):
            import_files([write(tmp_path, rows)])
    finally:
        core_events.unsubscribe("*", seen.append)
    assert [e for e in seen if e.type.startswith("registry.resident")] == []
