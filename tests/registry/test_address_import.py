"""Importing ABR masters: recognition, validation, all-or-nothing, rejects, zips, re-imports."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError

from kasumi.registry.importers.addresses import (
    BLOCK_COLUMNS,
    RESIDENCE_COLUMNS,
    TOWN_COLUMNS,
    import_files,
)
from kasumi.registry.importing import ImportFailed
from kasumi.registry.models import (
    AddressBlock,
    AddressMunicipality,
    AddressResidence,
    AddressTown,
    ImportBatch,
)
from tests.registry.test_address_helpers import (
    BLOCK_CSV,
    RESIDENCE_CSV,
    TOWN_CSV,
    abr,  # noqa: F401
    block_row,
    import_paths,
    read_rows,
    residence_row,
    town_row,
    write_csv,
)

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int]:
    return (
        AddressTown.objects.count(),
        AddressBlock.objects.count(),
        AddressResidence.objects.count(),
    )


def test_importing_the_three_masters_stores_every_row_and_derives_municipalities():
    result = import_files([TOWN_CSV, BLOCK_CSV, RESIDENCE_CSV])
    assert counts() == (19, 48, 146)
    assert result.rows_read == result.rows_written == 19 + 48 + 146
    assert result.rows_rejected == 0
    town = AddressTown.objects.get(lg_code="131016", machiaza_id="0001001")
    assert (town.name, town.chome_number, town.post_code) == ("内幸町一丁目", 1, "1000011")
    assert str(town.efct_date) == "1967-04-01"
    assert set(AddressMunicipality.objects.values_list("lg_code", flat=True)) == {
        "131016", "011011", "011029", "014087",
    }  # fmt: skip
    yoichi = AddressMunicipality.objects.get(lg_code="014087")
    assert yoichi.display_name == "北海道余市郡余市町"
    assert ImportBatch.objects.filter(kind="addresses", status="done").count() == 3


def test_the_same_machiaza_id_is_kept_twice_for_residential_and_chiban_parts():
    import_files([TOWN_CSV])
    flags = AddressTown.objects.filter(lg_code="131016", machiaza_id="0006001").values_list(
        "rsdt_addr_flg", flat=True
    )
    assert sorted(flags) == [0, 1]


def test_reimporting_the_same_files_changes_nothing():
    import_files([TOWN_CSV, BLOCK_CSV, RESIDENCE_CSV])
    before = list(AddressResidence.objects.order_by("pk").values())
    again = import_files([TOWN_CSV, BLOCK_CSV, RESIDENCE_CSV])
    assert (again.rows_written, again.rows_unchanged) == (0, 19 + 48 + 146)
    assert list(AddressResidence.objects.order_by("pk").values()) == before


def test_reimporting_a_changed_row_updates_only_that_row(tmp_path):
    import_files([TOWN_CSV])
    rows = read_rows(TOWN_CSV)
    rows[0]["post_code"] = "1009999"
    result = import_files([write_csv(tmp_path / "mt_town.csv", TOWN_COLUMNS, rows)])
    assert (result.rows_written, result.rows_unchanged) == (1, 18)
    assert AddressTown.objects.get(lg_code="131016", machiaza_id="0001001").post_code == "1009999"


def test_files_are_imported_parents_first_whatever_their_order():
    import_files([RESIDENCE_CSV, BLOCK_CSV, TOWN_CSV])
    assert counts() == (19, 48, 146)


def test_a_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "mt_town.csv"
    path.write_bytes(b"\xef\xbb\xbf" + TOWN_CSV.read_bytes())
    assert import_files([path]).rows_written == 19


def test_a_zip_holding_one_csv_is_imported(tmp_path):
    path = tmp_path / "mt_town_all.csv.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(TOWN_CSV, "mt_town_all.csv")
    assert import_files([path]).rows_written == 19
    assert AddressTown.objects.count() == 19


def test_a_zip_with_two_csvs_is_refused(tmp_path):
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(TOWN_CSV, "a.csv")
        archive.write(TOWN_CSV, "b.csv")
    with pytest.raises(ImportFailed) as failed:
        import_files([path])
    assert "exactly one .csv" in failed.value.errors[0].reason
    assert AddressTown.objects.count() == 0


def test_a_header_matching_no_master_is_refused_with_what_differs(tmp_path):
    columns = (*(c for c in TOWN_COLUMNS if c != "post_code"), "zip")
    rows = [
        {k: v for k, v in r.items() if k != "post_code"} | {"zip": ""} for r in read_rows(TOWN_CSV)
    ]
    path = write_csv(tmp_path / "odd.csv", columns, rows)
    with pytest.raises(ImportFailed) as failed:
        import_files([path])
    error = failed.value.errors[0]
    assert (error.file, error.line) == (str(path), 1)
    assert "matches none of the ABR masters" in error.reason
    assert "closest is mt_town" in error.reason
    assert "missing post_code" in error.reason and "unexpected zip" in error.reason
    assert ImportBatch.objects.get().status == "failed"


def test_a_bad_header_in_a_later_file_stops_before_anything_is_imported(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(ImportFailed, match="is empty"):
        import_files([TOWN_CSV, path])
    assert AddressTown.objects.count() == 0


# --- one bad row: reported with file, line, column and reason; nothing written --


def _town(**change: str) -> dict[str, str]:
    return town_row("131016", "0009001", "九段南", 1) | change


TOWN_CASES = [
    ("bad lg_code check digit", _town(lg_code="131017"), "lg_code", "check digit"),
    ("prefecture code", _town(lg_code="130001"), "lg_code", "prefecture code"),
    ("machiaza_id too short", _town(machiaza_id="000901"), "machiaza_id", "7 ASCII digits"),
    (
        "machiaza_id full-width",
        _town(machiaza_id="０００９００１"),
        "machiaza_id",
        "7 ASCII digits",
    ),
    ("rsdt_addr_flg not 0/1", _town(rsdt_addr_flg="2"), "rsdt_addr_flg", "must be 0 or 1"),
    ("impossible date", _town(efct_date="2021-02-30"), "efct_date", "not a date that exists"),
    ("date in another format", _town(efct_date="2021/02/01"), "efct_date", "YYYY-MM-DD"),
    (
        "abolished before effective",
        _town(ablt_date="1960-01-01"),
        "ablt_date",
        "before it took effect",
    ),
    ("post code with hyphen", _town(post_code="102-0074"), "post_code", "7 ASCII digits"),
    ("missing prefecture", _town(pref=""), "pref", "must not be empty"),
    ("chome without number", _town(chome_number=""), "chome_number", "is empty although"),
    ("wake_num_flg not 0/1", _town(wake_num_flg="x"), "wake_num_flg", "0, 1 or empty"),
]


@pytest.mark.parametrize(
    ("case", "bad", "column", "reason"), TOWN_CASES, ids=[c[0] for c in TOWN_CASES]
)
def test_a_bad_town_row_is_reported_and_nothing_is_written(tmp_path, case, bad, column, reason):
    rows = read_rows(TOWN_CSV)
    rows.insert(3, bad)  # data line 4 → physical line 5
    path = write_csv(tmp_path / "mt_town.csv", TOWN_COLUMNS, rows)
    with pytest.raises(ImportFailed) as failed:
        import_files([path])
    [error] = failed.value.errors
    assert (error.file, error.line, error.column) == (str(path), 5, column)
    assert reason in error.reason
    assert counts() == (0, 0, 0)
    assert AddressMunicipality.objects.count() == 0
    batch = ImportBatch.objects.get()
    assert batch.status == "failed" and f"{path}:5" in batch.message


def test_a_row_with_the_wrong_number_of_fields_is_reported(tmp_path):
    path = tmp_path / "mt_town.csv"
    lines = TOWN_CSV.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].rsplit(",", 1)[0]  # drop the last field
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        import_files([path])
    [error] = failed.value.errors
    assert (error.line, error.column) == (3, None)
    assert error.reason == f"expected {len(TOWN_COLUMNS)} fields, found {len(TOWN_COLUMNS) - 1}"


def test_a_duplicate_key_in_one_file_is_reported(tmp_path):
    rows = read_rows(TOWN_CSV)
    rows.append(dict(rows[0]))
    path = write_csv(tmp_path / "mt_town.csv", TOWN_COLUMNS, rows)
    with pytest.raises(ImportFailed) as failed:
        import_files([path])
    [error] = failed.value.errors
    assert error.line == len(rows) + 1
    assert "duplicate key 131016-0001001-1, first at line 2" in error.reason


def test_text_that_is_not_utf8_is_reported_with_its_line(tmp_path):
    path = tmp_path / "mt_town.csv"
    data = TOWN_CSV.read_bytes().split(b"\r\n")
    data[3] = "131016,0001001,内幸町".encode("cp932")
    path.write_bytes(b"\r\n".join(data))
    with pytest.raises(ImportFailed) as failed:
        import_files([path])
    assert failed.value.errors[0].line == 4
    assert "not valid utf-8" in failed.value.errors[0].reason
    assert AddressTown.objects.count() == 0


@pytest.mark.parametrize(
    ("case", "bad", "column", "reason"),
    [
        (
            "blk_id not 3 digits",
            block_row("131016", "0001001", 7, blk_id="07"),
            "blk_id",
            "3 ASCII digits",
        ),
        (
            "empty block number",
            block_row("131016", "0001001", 7, blk_num=""),
            "blk_num",
            "must not be empty",
        ),
        (
            "town not in the registry",
            block_row("131016", "0099001", 1),
            "machiaza_id",
            "town (町字) 131016-0099001 is not in the registry",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_bad_block_row_is_reported_and_nothing_is_written(tmp_path, case, bad, column, reason):
    import_files([TOWN_CSV])
    rows = [*read_rows(BLOCK_CSV), bad]
    path = write_csv(tmp_path / "mt_rsdtdsp_blk.csv", BLOCK_COLUMNS, rows)
    with pytest.raises(ImportFailed) as failed:
        import_files([path])
    [error] = failed.value.errors
    assert (error.line, error.column) == (len(rows) + 1, column)
    assert reason in error.reason
    assert AddressBlock.objects.count() == 0


@pytest.mark.parametrize(
    ("case", "bad", "column", "reason"),
    [
        (
            "rsdt_id not 3 digits",
            residence_row("131016", "0001001", 1, 9, rsdt_id="9"),
            "rsdt_id",
            "3 ASCII digits",
        ),
        (
            "rsdt2_id not 4 digits",
            residence_row("131016", "0001001", 1, 9, rsdt2_id="01"),
            "rsdt2_id",
            "4 ASCII digits or empty",
        ),
        (
            "block not in the registry",
            residence_row("131016", "0001001", 99, 1),
            "blk_id",
            "block (街区) 131016-0001001-099 is not in the registry",
        ),
        (
            "bad flag",
            residence_row("131016", "0001001", 1, 9, rsdt_addr_flg=""),
            "rsdt_addr_flg",
            "must be 0 or 1",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_bad_residence_row_is_reported_and_nothing_is_written(
    tmp_path, case, bad, column, reason
):
    import_files([TOWN_CSV, BLOCK_CSV])
    rows = read_rows(RESIDENCE_CSV)
    rows.insert(0, bad)
    path = write_csv(tmp_path / "mt_rsdtdsp_rsdt.csv", RESIDENCE_COLUMNS, rows)
    with pytest.raises(ImportFailed) as failed:
        import_files([path])
    [error] = failed.value.errors
    assert (error.line, error.column) == (2, column)
    assert reason in error.reason
    assert AddressResidence.objects.count() == 0


def test_every_bad_row_is_reported_not_only_the_first(tmp_path):
    rows = read_rows(TOWN_CSV)
    for row in rows[:5]:
        row["lg_code"] = "131017"
    path = write_csv(tmp_path / "mt_town.csv", TOWN_COLUMNS, rows)
    with pytest.raises(ImportFailed) as failed:
        import_files([path])
    assert [e.line for e in failed.value.errors] == [2, 3, 4, 5, 6]


# --- skipping invalid rows ------------------------------------------------------


def test_skip_invalid_imports_the_valid_rows_and_writes_rejects(tmp_path):
    rows = read_rows(TOWN_CSV)
    rows[1]["machiaza_id"] = "12"
    rows[4]["efct_date"] = "2019-13-01"
    path = write_csv(tmp_path / "mt_town.csv", TOWN_COLUMNS, rows)
    result = import_files([path], skip_invalid=True)
    assert (result.rows_written, result.rows_rejected) == (17, 2)
    assert AddressTown.objects.count() == 17
    [rejects] = result.rejects_paths
    assert rejects == tmp_path / "mt_town.csv.rejects.csv"
    with rejects.open(encoding="utf-8", newline="") as fh:
        rejected = list(csv.DictReader(fh))
    assert [(r["line"], r["column"]) for r in rejected] == [
        ("3", "machiaza_id"),
        ("6", "efct_date"),
    ]
    assert rejected[0]["row"].startswith("131016,12,")
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.rows_written, batch.rows_rejected) == ("done", 17, 2)


def test_skip_invalid_from_the_command_line_reports_the_rejects_file(tmp_path):
    rows = read_rows(TOWN_CSV)
    rows[0]["lg_code"] = "999999"
    path = write_csv(tmp_path / "mt_town.csv", TOWN_COLUMNS, rows)
    rejects = tmp_path / "out" / "rejects.csv"
    rejects.parent.mkdir()
    output = import_paths(path, extra=("--skip-invalid", "--rejects", str(rejects)))
    assert "18 written" in output and "1 rejected" in output and str(rejects) in output
    assert "lg_code" in rejects.read_text(encoding="utf-8")


# --- the management command -------------------------------------------------------


def test_the_command_imports_and_summarises():
    output = import_paths(TOWN_CSV, BLOCK_CSV, RESIDENCE_CSV)
    assert "213 rows read, 213 written, 0 unchanged, 0 rejected" in output
    assert "0 written, 213 unchanged" in import_paths(TOWN_CSV, BLOCK_CSV, RESIDENCE_CSV)


def test_the_command_fails_with_file_line_and_column(tmp_path):
    rows = read_rows(TOWN_CSV)
    rows[2]["rsdt_addr_flg"] = "9"
    path = write_csv(tmp_path / "mt_town.csv", TOWN_COLUMNS, rows)
    with pytest.raises(CommandError) as failed:
        import_paths(path)
    assert f"{path}:4: column rsdt_addr_flg: must be 0 or 1" in str(failed.value)
    assert AddressTown.objects.count() == 0


def test_the_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        import_paths(Path(tmp_path / "nope.csv"))


def test_progress_is_reported_in_bytes():
    seen: list[tuple[str, int]] = []

    class Recorder:
        def start(self, name: str, total_bytes: int) -> None:
            seen.append(("start", total_bytes))

        def advance(self, nbytes: int) -> None:
            seen.append(("advance", nbytes))

        def finish(self) -> None:
            seen.append(("finish", 0))

    import_files([TOWN_CSV], progress=Recorder())
    size = TOWN_CSV.stat().st_size
    assert seen[0] == ("start", size) and seen[-1] == ("finish", 0)
    assert sum(n for kind, n in seen if kind == "advance") == size


def test_blocks_of_an_already_imported_town_file_are_accepted(abr, tmp_path):  # noqa: F811
    extra = [block_row("131016", "0001001", 9)]
    path = write_csv(tmp_path / "mt_rsdtdsp_blk.csv", BLOCK_COLUMNS, extra)
    assert import_files([path]).rows_written == 1
