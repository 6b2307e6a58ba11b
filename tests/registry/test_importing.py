"""The shared importer parts: rejects files and row errors."""

from __future__ import annotations

from kasumi.registry.importing import ImportFailed, RejectsWriter, RowError


def test_rejects_file_is_private_to_the_importing_user(tmp_path):
    writer = RejectsWriter(tmp_path / "r.csv")
    writer.write(RowError("f.csv", 2, "sex", "bad"), ["a", "b"])
    writer.close()
    assert (tmp_path / "r.csv").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "r.csv").read_text().splitlines()[1] == '2,sex,bad,"a,b"'


def test_row_errors_name_file_line_and_column():
    assert (
        str(RowError("x.csv", 7, "birth_date", "not a date"))
        == "x.csv:7: column birth_date: not a date"
    )
    assert str(RowError("x.csv", 0, None, "not UTF-8")) == "x.csv:0: not UTF-8"


def test_import_failed_keeps_at_most_100_errors_and_counts_the_rest():
    errors = [RowError("x.csv", n, "c", "bad") for n in range(150)]
    failed = ImportFailed(errors)
    assert len(failed.errors) == 100 and failed.total == 150
    assert "(and 50 more)" in str(failed)
