"""Synthetic ABR data for the address tests (no tests here, only builders and fixtures).

``data/abr/`` holds small ABR-shaped masters: 千代田区 (131016) with 内幸町,
永田町, 霞が関, 丸の内 (住居表示, blocks 1–3, residences 1–3), 一番町, 有楽町一丁目
(partly 住居表示: rsdt_addr_flg 1 and 0), 紀尾井町 (地番 only); 札幌市中央区 and
北区 (政令市の区, with 北一条西一丁目 in both) and 余市郡余市町 (郡, 地番 only).
Public place names; every number and identifier is made up.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from kasumi.registry.importers.addresses import BLOCK_COLUMNS, RESIDENCE_COLUMNS, TOWN_COLUMNS

DATA = Path(__file__).parent / "data" / "abr"
TOWN_CSV = DATA / "mt_town.csv"
BLOCK_CSV = DATA / "mt_rsdtdsp_blk.csv"
RESIDENCE_CSV = DATA / "mt_rsdtdsp_rsdt.csv"

KANJI_NUMBERS = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"]


def kanji_number(n: int) -> str:
    """1–99 in 漢数字 as 丁目 are written (十一, 二十九)."""
    tens, ones = divmod(n, 10)
    text = "" if tens == 0 else ("十" if tens == 1 else KANJI_NUMBERS[tens] + "十")
    return text + KANJI_NUMBERS[ones]


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def csv_text(columns: tuple[str, ...], rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, list(columns), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> Path:
    path.write_text(csv_text(columns, rows), encoding="utf-8", newline="")
    return path


def town_row(
    lg_code: str, machiaza_id: str, oaza: str, chome_number: int | None, **extra: str
) -> dict[str, str]:
    """A 住居表示 town row of 千代田区 (change ``extra`` for anything else)."""
    row = dict.fromkeys(TOWN_COLUMNS, "")
    row.update(
        lg_code=lg_code,
        machiaza_id=machiaza_id,
        machiaza_type="2" if chome_number else "1",
        pref="東京都",
        city="千代田区",
        oaza_cho=oaza,
        chome=f"{kanji_number(chome_number)}丁目" if chome_number else "",
        chome_number=str(chome_number or ""),
        rsdt_addr_flg="1",
        rsdt_addr_mtd_code="1",
        status_flg="1",
        efct_date="1967-04-01",
        src_code="1",
    )
    row.update(extra)
    return row


def block_row(lg_code: str, machiaza_id: str, blk: int, **extra: str) -> dict[str, str]:
    row = dict.fromkeys(BLOCK_COLUMNS, "")
    row.update(
        lg_code=lg_code, machiaza_id=machiaza_id, blk_id=f"{blk:03d}", city="千代田区",
        blk_num=str(blk), rsdt_addr_flg="1", rsdt_addr_mtd_code="1", status_flg="1",
        efct_date="1967-04-01", src_code="1",
    )  # fmt: skip
    row.update(extra)
    return row


def residence_row(
    lg_code: str, machiaza_id: str, blk: int, rsdt: int, **extra: str
) -> dict[str, str]:
    row = dict.fromkeys(RESIDENCE_COLUMNS, "")
    row.update(
        lg_code=lg_code, machiaza_id=machiaza_id, blk_id=f"{blk:03d}", rsdt_id=f"{rsdt:03d}",
        city="千代田区", blk_num=str(blk), rsdt_num=str(rsdt), basic_rsdt_div="1",
        rsdt_addr_flg="1", rsdt_addr_mtd_code="1", status_flg="1", efct_date="1967-04-01",
        src_code="1",
    )  # fmt: skip
    row.update(extra)
    return row


def import_paths(*paths: Path, extra: tuple[str, ...] = ()) -> str:
    """Run ``registry import addresses`` and return its stdout."""
    out = io.StringIO()
    call_command(
        "registry", "import", "addresses", *map(str, paths), "--no-progress", *extra, stdout=out
    )
    return out.getvalue()


@pytest.fixture
def abr(db) -> None:
    """The synthetic masters in ``data/abr/``, imported."""
    import_paths(TOWN_CSV, BLOCK_CSV, RESIDENCE_CSV)


@pytest.fixture
def sotokanda(abr, tmp_path) -> None:
    """外神田 with 丁目 1–29 and block 1 / residence 1 in each (for 漢数字 丁目 up to 二十九)."""
    towns = [town_row("131016", f"0100{n:03d}", "外神田", n) for n in range(1, 30)]
    blocks = [block_row("131016", f"0100{n:03d}", 1) for n in range(1, 30)]
    residences = [residence_row("131016", f"0100{n:03d}", 1, 1) for n in range(1, 30)]
    import_paths(
        write_csv(tmp_path / "t.csv", TOWN_COLUMNS, towns),
        write_csv(tmp_path / "b.csv", BLOCK_COLUMNS, blocks),
        write_csv(tmp_path / "r.csv", RESIDENCE_COLUMNS, residences),
    )
