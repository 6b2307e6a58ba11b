"""Importing NTA corporate number files: full and diff files, history, bad rows."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kasumi.core import events
from kasumi.registry.events import CORPORATION_CHANGED
from kasumi.registry.importers.corporations import import_files
from kasumi.registry.importing import ImportFailed
from kasumi.registry.models import Corporation, CorporationRecord, ImportBatch
from tests.registry.test_corporations_rows import DATA, make_row, synthetic_number, write_csv

pytestmark = pytest.mark.django_db

FULL = DATA / "full-20240329.csv"
DIFFS = [DATA / "diff-20240401.csv", DATA / "diff-20240501.csv", DATA / "diff-20240603.csv"]
A, B, C, D, E, G, H = (synthetic_number(i) for i in (101, 102, 103, 104, 105, 106, 107))


def corp(number: str) -> Corporation:
    return Corporation.objects.get(corporate_number=number)


def test_full_file_creates_one_current_row_and_one_record_per_corporation():
    result = import_files([FULL])
    assert (result.rows_read, result.rows_written, result.rows_unchanged) == (7, 7, 0)
    assert Corporation.objects.count() == CorporationRecord.objects.count() == 7
    a = corp(A)
    assert a.name == "株式会社霞商事" and a.furigana == "カスミショウジ"
    assert a.kind == "301" and a.process == "01"
    assert (a.prefecture_code, a.city_code, a.lg_code) == ("13", "101", "131016")
    assert a.address == "東京都千代田区霞が関九丁目9番9号"
    assert a.update_date == date(2020, 1, 15)
    assert a.current_record is not None and a.current_record.source_line == 1
    assert corp(E).address_outside.startswith("アメリカ合衆国")
    assert corp(G).hihyoji is True
    batch = ImportBatch.objects.get(pk=result.batch_id)
    assert batch.status == ImportBatch.Status.DONE and batch.kind == "corporations"
    assert batch.rows_written == 7 and batch.files[0]["name"] == FULL.name


def test_shift_jis_copy_imports_the_same_and_is_recognised_as_the_same_rows(tmp_path):
    sjis = tmp_path / "full-sjis.csv"
    sjis.write_bytes(FULL.read_text("utf-8").encode("cp932"))
    result = import_files([sjis])
    assert result.rows_written == 7
    assert corp(B).name == "合同会社髙橋技研"  # 髙 survives cp932 (NEC extension)
    again = import_files([FULL])
    assert (again.rows_written, again.rows_unchanged) == (0, 7)


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + FULL.read_bytes())
    assert import_files([path]).rows_written == 7


def test_reimporting_the_same_files_changes_nothing():
    import_files([FULL, *DIFFS])
    before = list(Corporation.objects.order_by("corporate_number").values())
    records = CorporationRecord.objects.count()
    result = import_files([FULL, *DIFFS])
    assert result.rows_written == 0 and result.rows_unchanged == result.rows_read == 14
    assert CorporationRecord.objects.count() == records
    assert list(Corporation.objects.order_by("corporate_number").values()) == before


def test_diff_name_change_updates_current_state_and_keeps_history():
    import_files([FULL, DIFFS[0]])
    a = corp(A)
    assert a.name == "株式会社霞トレーディング" and a.furigana == "カスミトレーディング"
    assert a.process == "11" and a.change_date == date(2024, 3, 27)
    history = list(CorporationRecord.objects.filter(corporate_number=A).order_by("update_date"))
    assert [r.name for r in history] == ["株式会社霞商事", "株式会社霞トレーディング"]


def test_diff_with_two_rows_for_one_corporation_ends_on_the_latest_row():
    import_files([FULL, DIFFS[0]])
    b = corp(B)
    assert b.street_number == "中之島九丁目9番9号"  # address change (12, latest=0) ...
    assert b.name == "合同会社髙橋研究所" and b.process == "11"  # ... then name change (latest=1)
    assert CorporationRecord.objects.filter(corporate_number=B).count() == 3


def test_closure_by_merger_records_successor_and_cause():
    import_files([FULL, *DIFFS[:2]])
    c = corp(C)
    assert c.process == "71" and c.closed
    assert c.close_date == date(2024, 4, 30) and c.close_cause == "11"
    assert c.successor_corporate_number == A
    d = corp(D)
    assert d.process == "21" and d.close_date == date(2024, 4, 25) and d.close_cause == "01"


def test_closure_cancelled_reopens_and_deleted_number_is_flagged():
    import_files([FULL, *DIFFS])
    d = corp(D)
    assert d.process == "22" and not d.closed and d.close_cause == ""
    assert CorporationRecord.objects.filter(corporate_number=D).count() == 3
    e = corp(E)
    assert e.deleted and e.process == "99"


def test_cancelling_a_closure_clears_it_even_if_the_row_repeats_the_closure(tmp_path):
    import_files([FULL])
    row = make_row(
        corporate_number=D,
        process="22",
        update_date="2024-06-03",
        close_date="2024-04-25",
        close_cause="01",
        name="一般社団法人みどり会",
    )
    import_files([write_csv(tmp_path / "d.csv", [row])])
    assert corp(D).close_date is None and corp(D).close_cause == ""
    record = CorporationRecord.objects.get(corporate_number=D, process="22")
    assert record.close_date == date(2024, 4, 25)  # the record keeps what the file said


def test_older_row_imported_later_is_history_only(tmp_path):
    import_files([FULL, DIFFS[0]])
    stale = make_row(
        corporate_number=A, process="11", update_date="2022-01-01", name="株式会社霞旧名"
    )
    result = import_files([write_csv(tmp_path / "old.csv", [stale])])
    assert result.rows_written == 1
    assert corp(A).name == "株式会社霞トレーディング"
    names = [
        r.name for r in CorporationRecord.objects.filter(corporate_number=A).order_by("update_date")
    ]
    assert names == ["株式会社霞商事", "株式会社霞旧名", "株式会社霞トレーディング"]


def test_diffs_applied_in_any_order_reach_the_same_state():
    import_files([DIFFS[2], DIFFS[0], FULL, DIFFS[1]])
    assert corp(A).name == "株式会社霞トレーディング"
    assert corp(C).close_cause == "11"
    assert corp(D).process == "22" and corp(E).deleted


def test_corporation_changed_events_after_commit(django_capture_on_commit_callbacks):
    seen: list[dict[str, str]] = []

    def handler(event: events.Event) -> None:
        seen.append(event.payload)

    events.subscribe(CORPORATION_CHANGED, handler)
    try:
        import_files([FULL])
        with django_capture_on_commit_callbacks(execute=True):
            import_files([DIFFS[0]])
    finally:
        events.unsubscribe(CORPORATION_CHANGED, handler)
    assert seen == [
        {"corporate_number": A, "process": "11"},
        {"corporate_number": B, "process": "12"},
        {"corporate_number": B, "process": "11"},
    ]


# --- bad input ----------------------------------------------------------------------

BAD_ROWS = [
    pytest.param(
        make_row(corporate_number="5011001098993"),
        "corporateNumber",
        "check digit",
        id="check-digit",
    ),
    pytest.param(
        make_row(successor_corporate_number="5011001098993"),
        "successorCorporateNumber",
        "check digit",
        id="successor",
    ),
    pytest.param(make_row()[:28], None, "expected 30 columns, found 28", id="columns"),
    pytest.param(make_row(process="05"), "process", "not one of", id="process"),
    pytest.param(make_row(kind="102"), "kind", "not one of", id="kind"),
    pytest.param(
        make_row(close_date="2024-01-01", close_cause="99"),
        "closeCause",
        "not one of",
        id="close-cause",
    ),
    pytest.param(make_row(update_date="20240401"), "updateDate", "YYYY-MM-DD", id="date-form"),
    pytest.param(
        make_row(change_date="2024-02-30"), "changeDate", "not a real date", id="impossible-date"
    ),
    pytest.param(make_row(prefecture_code="99"), "prefectureCode", "01–47", id="prefecture"),
    pytest.param(make_row(latest="yes"), "latest", "0 or 1", id="latest"),
    pytest.param(make_row(name=""), "name", "is required", id="name"),
    pytest.param(
        make_row(process="21"), "closeDate", "needs a closeDate", id="closure-without-date"
    ),
]


def _file_with_bad_second_row(tmp_path: Path, bad: list[str]) -> Path:
    rows = [
        make_row(corporate_number=synthetic_number(1)),
        bad,
        make_row(corporate_number=synthetic_number(3)),
    ]
    return write_csv(tmp_path / "bad.csv", rows)


@pytest.mark.parametrize(("bad", "column", "reason"), BAD_ROWS)
def test_bad_row_is_reported_with_file_line_column_reason_and_nothing_is_written(
    tmp_path, bad, column, reason
):
    path = _file_with_bad_second_row(tmp_path, bad)
    with pytest.raises(ImportFailed) as caught:
        import_files([path])
    [error] = caught.value.errors
    assert (error.file, error.line, error.column) == ("bad.csv", 2, column)
    assert reason in error.reason
    assert Corporation.objects.count() == 0 and CorporationRecord.objects.count() == 0
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED and "bad.csv:2" in batch.message
    assert batch.rows_written == 0
    assert not (tmp_path / "bad.csv.rejects.csv").exists()


def test_errors_are_collected_for_the_whole_file_even_after_a_chunk(tmp_path, monkeypatch):
    monkeypatch.setattr("kasumi.registry.importers.corporations.CHUNK_ROWS", 2)
    rows = [
        make_row(corporate_number=synthetic_number(i), sequence_number=str(i)) for i in range(1, 8)
    ]
    rows[5][4] = "2024-04-31"  # line 6: April has 30 days
    rows.append(make_row(kind="9"))  # line 8
    with pytest.raises(ImportFailed) as caught:
        import_files([write_csv(tmp_path / "late.csv", rows)])
    assert [(e.line, e.column) for e in caught.value.errors] == [(6, "updateDate"), (8, "kind")]
    assert CorporationRecord.objects.count() == 0  # chunks written before line 6 rolled back


def test_undecodable_file_is_refused_with_its_line(tmp_path):
    path = tmp_path / "broken.csv"
    good = FULL.read_bytes()
    path.write_bytes(good + b'"8","\xff\xfe"\r\n')
    with pytest.raises(ImportFailed, match=r"broken.csv:8: is not valid"):
        import_files([path])
    assert CorporationRecord.objects.count() == 0


def test_a_failing_file_leaves_earlier_files_imported(tmp_path):
    bad = _file_with_bad_second_row(tmp_path, make_row(kind="000"))
    with pytest.raises(ImportFailed):
        import_files([FULL, bad])
    assert Corporation.objects.count() == 7
    assert list(ImportBatch.objects.order_by("id").values_list("status", flat=True)) == [
        "done",
        "failed",
    ]


def test_skip_invalid_imports_valid_rows_and_writes_rejects(tmp_path):
    path = _file_with_bad_second_row(
        tmp_path, make_row(corporate_number="5011001098993", kind="000")
    )
    result = import_files([path], skip_invalid=True)
    assert (result.rows_read, result.rows_written, result.rows_rejected) == (3, 2, 1)
    rejects = tmp_path / "bad.csv.rejects.csv"
    assert result.rejects_paths == [rejects]
    with rejects.open(encoding="utf-8", newline="") as fh:
        lines = list(csv.DictReader(fh))
    assert [(r["line"], r["column"]) for r in lines] == [("2", "corporateNumber"), ("2", "kind")]
    assert "expected 4" in lines[0]["reason"]
    assert lines[0]["row"].startswith("1,5011001098993,01,")
    assert Corporation.objects.count() == 2


def test_skip_invalid_with_explicit_rejects_path(tmp_path):
    path = _file_with_bad_second_row(tmp_path, make_row(latest="2"))
    target = tmp_path / "out" / "rejects.csv"
    target.parent.mkdir()
    result = import_files([path], skip_invalid=True, rejects_path=target)
    assert result.rejects_paths == [target] and target.exists()


def test_skip_invalid_without_bad_rows_writes_no_rejects_file(tmp_path):
    copy = shutil.copy(FULL, tmp_path / "full.csv")
    result = import_files([Path(copy)], skip_invalid=True)
    assert result.rejects_paths == [] and not (tmp_path / "full.csv.rejects.csv").exists()


# --- the management command ----------------------------------------------------------


def test_command_imports_files(capsys):
    call_command("registry", "import", "corporations", str(FULL), str(DIFFS[0]), "--no-progress")
    out = capsys.readouterr().out
    assert "10 rows read, 10 written, 0 unchanged, 0 rejected" in out
    assert corp(A).name == "株式会社霞トレーディング"


def test_command_refuses_a_bad_file_with_the_reason(tmp_path):
    path = _file_with_bad_second_row(tmp_path, make_row(prefecture_code="48"))
    with pytest.raises(
        CommandError, match=r"bad.csv:2: column prefectureCode: 48 is not a prefecture"
    ):
        call_command("registry", "import", "corporations", str(path), "--no-progress")
    assert CorporationRecord.objects.count() == 0


def test_command_skip_invalid(tmp_path, capsys):
    path = _file_with_bad_second_row(tmp_path, make_row(hihyoji="2"))
    call_command("registry", "import", "corporations", str(path), "--skip-invalid", "--no-progress")
    assert "2 written, 0 unchanged, 1 rejected" in capsys.readouterr().out
    assert (tmp_path / "bad.csv.rejects.csv").exists()
