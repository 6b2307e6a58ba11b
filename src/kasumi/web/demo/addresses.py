"""Synthetic Address Base Registry (アドレス・ベース・レジストリ) files.

For each demo municipality this writes the three masters the Digital Agency
publishes, with the exact header columns of formats.md:

- ``mt_town_cityNNNNNN.csv`` — 町字 (towns and their 丁目);
- ``mt_rsdtdsp_blk_cityNNNNNN.csv`` — 街区 (blocks) of the 住居表示 towns;
- ``mt_rsdtdsp_rsdt_cityNNNNNN.csv`` — 住居番号 (residence numbers).

Town names are real public place names; every id, block, number and post code
is synthetic. Some towns keep 地番 addresses (``rsdt_addr_flg`` 0, no blocks),
and one 町字 appears twice (flag 1 for the part with 住居表示, flag 0 for the
rest), as in the real registry. The resulting :class:`Dwelling` list is where
the resident generator puts households.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kasumi.web.demo.organisations import CHIYODA, SHIBUYA, TOKYO, OrgSpec

TOWN_COLUMNS = [
    "lg_code",
    "machiaza_id",
    "machiaza_type",
    "pref",
    "pref_kana",
    "pref_roma",
    "county",
    "county_kana",
    "county_roma",
    "city",
    "city_kana",
    "city_roma",
    "ward",
    "ward_kana",
    "ward_roma",
    "oaza_cho",
    "oaza_cho_kana",
    "oaza_cho_roma",
    "chome",
    "chome_kana",
    "chome_number",
    "koaza",
    "koaza_kana",
    "koaza_roma",
    "machiaza_dist",
    "rsdt_addr_flg",
    "rsdt_addr_mtd_code",
    "oaza_cho_aka_flg",
    "koaza_aka_code",
    "oaza_cho_gsi_uncmn",
    "koaza_gsi_uncmn",
    "status_flg",
    "wake_num_flg",
    "efct_date",
    "ablt_date",
    "src_code",
    "post_code",
    "remarks",
]
BLOCK_COLUMNS = [
    "lg_code",
    "machiaza_id",
    "blk_id",
    "city",
    "ward",
    "oaza_cho",
    "chome",
    "koaza",
    "machiaza_dist",
    "blk_num",
    "rsdt_addr_flg",
    "rsdt_addr_mtd_code",
    "status_flg",
    "efct_date",
    "ablt_date",
    "src_code",
    "remarks",
]
RESIDENCE_COLUMNS = [
    "lg_code",
    "machiaza_id",
    "blk_id",
    "rsdt_id",
    "rsdt2_id",
    "city",
    "ward",
    "oaza_cho",
    "chome",
    "koaza",
    "machiaza_dist",
    "blk_num",
    "rsdt_num",
    "rsdt_num2",
    "basic_rsdt_div",
    "rsdt_addr_flg",
    "rsdt_addr_mtd_code",
    "status_flg",
    "efct_date",
    "ablt_date",
    "src_code",
    "remarks",
]

KANJI_NUMERALS = ("〇", "一", "二", "三", "四", "五", "六", "七", "八", "九")
FULLWIDTH_DIGITS = "０１２３４５６７８９"


@dataclass(frozen=True)
class TownSpec:
    """A 大字・町 and how many 丁目 it has (0: none)."""

    name: str
    kana: str
    roma: str
    chome: int = 0
    # 住居表示 (block and residence numbers) or 地番 (parcel numbers) addressing.
    residential: bool = True
    # A 丁目 whose 町字 is listed twice: part 住居表示, part 地番.
    split_chome: int | None = None
    # Relative share of dwellings (central business districts house few people).
    weight: float = 1.0


# Public place names of 千代田区 and 渋谷区; addressing modes are the demo's choice.
TOWNS: dict[str, tuple[TownSpec, ...]] = {
    CHIYODA.code: (
        TownSpec("丸の内", "マルノウチ", "Marunouchi", 3, weight=0.3),
        TownSpec("大手町", "オオテマチ", "Otemachi", 2, weight=0.3),
        TownSpec("内幸町", "ウチサイワイチョウ", "Uchisaiwaicho", 2, weight=0.4),
        TownSpec("有楽町", "ユウラクチョウ", "Yurakucho", 2, weight=0.4),
        TownSpec("霞が関", "カスミガセキ", "Kasumigaseki", 3, weight=0.3),
        TownSpec("永田町", "ナガタチョウ", "Nagatacho", 2, weight=0.5),
        TownSpec("平河町", "ヒラカワチョウ", "Hirakawacho", 2),
        TownSpec("麹町", "コウジマチ", "Kojimachi", 6, weight=1.5),
        TownSpec("紀尾井町", "キオイチョウ", "Kioicho", 0, residential=False),
        TownSpec("一番町", "イチバンチョウ", "Ichibancho", 0, residential=False, weight=1.5),
        TownSpec("三番町", "サンバンチョウ", "Sambancho", 0, residential=False, weight=1.5),
        TownSpec("九段北", "クダンキタ", "Kudankita", 4, weight=1.3),
        TownSpec("九段南", "クダンミナミ", "Kudanminami", 4, weight=1.3),
        TownSpec("富士見", "フジミ", "Fujimi", 2, weight=1.3),
        TownSpec("飯田橋", "イイダバシ", "Iidabashi", 4, weight=1.2),
        TownSpec("西神田", "ニシカンダ", "Nishikanda", 3),
        TownSpec("神田神保町", "カンダジンボウチョウ", "Kandajimbocho", 3),
        TownSpec("神田小川町", "カンダオガワマチ", "Kandaogawamachi", 3),
        TownSpec("神田駿河台", "カンダスルガダイ", "Kandasurugadai", 4),
        TownSpec("外神田", "ソトカンダ", "Sotokanda", 6),
        TownSpec("岩本町", "イワモトチョウ", "Iwamotocho", 3),
        TownSpec("東神田", "ヒガシカンダ", "Higashikanda", 3),
        TownSpec("神田佐久間町", "カンダサクマチョウ", "Kandasakumacho", 4, split_chome=3),
        TownSpec("神田須田町", "カンダスダチョウ", "Kandasudacho", 2, residential=False),
        TownSpec("神田和泉町", "カンダイズミチョウ", "Kandaizumicho", 0, residential=False),
    ),
    SHIBUYA.code: (
        TownSpec("渋谷", "シブヤ", "Shibuya", 4),
        TownSpec("道玄坂", "ドウゲンザカ", "Dogenzaka", 2),
        TownSpec("神宮前", "ジングウマエ", "Jingumae", 6),
        TownSpec("千駄ヶ谷", "センダガヤ", "Sendagaya", 6),
        TownSpec("代々木", "ヨヨギ", "Yoyogi", 5),
        TownSpec("恵比寿", "エビス", "Ebisu", 4),
        TownSpec("広尾", "ヒロオ", "Hiroo", 5),
        TownSpec("松濤", "ショウトウ", "Shoto", 2),
        TownSpec("富ヶ谷", "トミガヤ", "Tomigaya", 2),
        TownSpec("笹塚", "ササヅカ", "Sasazuka", 3),
        TownSpec("代官山町", "ダイカンヤマチョウ", "Daikanyamacho", 0, residential=False),
        TownSpec("南平台町", "ナンペイダイチョウ", "Nampeidaicho", 0, residential=False),
    ),
}
POST_CODE_PREFIX = {CHIYODA.code: "101", SHIBUYA.code: "151"}
MUNICIPALITY_SPECS = {CHIYODA.code: CHIYODA, SHIBUYA.code: SHIBUYA}

# 住居表示 was introduced in central Tokyo in the 1960s; dates are illustrative.
EFFECTIVE_DATE = "1967-04-01"


@dataclass(frozen=True)
class Town:
    """One row of ``mt_town``: a 町字 with one addressing mode."""

    lg_code: str
    machiaza_id: str
    oaza_cho: str
    oaza_cho_kana: str
    oaza_cho_roma: str
    chome_number: int  # 0 when the town has no 丁目
    residential: bool
    post_code: str

    @property
    def chome(self) -> str:
        return f"{kanji_number(self.chome_number)}丁目" if self.chome_number else ""

    @property
    def chome_kana(self) -> str:
        if not self.chome_number:
            return ""
        return "".join(FULLWIDTH_DIGITS[int(d)] for d in str(self.chome_number)) + "チョウメ"

    @property
    def name(self) -> str:
        """The town as written in an address: 霞が関一丁目."""
        return self.oaza_cho + self.chome


@dataclass(frozen=True)
class Block:
    """One row of ``mt_rsdtdsp_blk``: a 街区 of a 住居表示 town."""

    town: Town
    blk_id: str
    blk_num: int


@dataclass(frozen=True)
class Residence:
    """One row of ``mt_rsdtdsp_rsdt``: a 住居番号 in a block."""

    block: Block
    rsdt_id: str
    rsdt2_id: str
    rsdt_num: int
    rsdt_num2: int | None


@dataclass(frozen=True)
class Dwelling:
    """A place a household can live at, as the resident CSV writes it."""

    lg_code: str
    machiaza_id: str
    blk_id: str
    rsdt_id: str
    rsdt2_id: str
    address: str  # full display address, prefecture first


@dataclass
class AddressBook:
    """Everything generated for one municipality."""

    municipality: OrgSpec
    towns: list[Town]
    blocks: list[Block]
    residences: list[Residence]
    dwellings: list[Dwelling]

    @property
    def lg_code(self) -> str:
        return self.municipality.code


def kanji_number(n: int) -> str:
    """一 … 九十九, enough for 丁目 (1–99)."""
    if n < 10:
        return KANJI_NUMERALS[n]
    tens, ones = divmod(n, 10)
    return (
        (KANJI_NUMERALS[tens] if tens > 1 else "") + "十" + (KANJI_NUMERALS[ones] if ones else "")
    )


def _city_prefix(muni: OrgSpec) -> str:
    return TOKYO.name + muni.name


def build_address_book(muni: OrgSpec, rng: random.Random, dwellings_wanted: int) -> AddressBook:
    """Towns, blocks and residences of ``muni`` with about ``dwellings_wanted`` dwellings."""
    specs = TOWNS[muni.code]
    prefix = POST_CODE_PREFIX[muni.code]
    city = _city_prefix(muni)
    towns: list[Town] = []
    # (town, weight) units that receive dwellings; a split 丁目 yields two units.
    units: list[tuple[Town, float]] = []
    for index, spec in enumerate(specs, start=1):
        oaza_id = f"{index:04d}"
        post_code = f"{prefix}{index:04d}"
        chomes = range(1, spec.chome + 1) if spec.chome else range(0, 1)
        for chome in chomes:
            modes = [spec.residential]
            if spec.split_chome == chome:
                modes = [True, False]
            for residential in modes:
                town = Town(
                    lg_code=muni.code,
                    machiaza_id=f"{oaza_id}{chome:03d}",
                    oaza_cho=spec.name,
                    oaza_cho_kana=spec.kana,
                    oaza_cho_roma=spec.roma,
                    chome_number=chome,
                    residential=residential,
                    post_code=post_code,
                )
                towns.append(town)
                units.append((town, spec.weight))

    total_weight = sum(w for _, w in units)
    blocks: list[Block] = []
    residences: list[Residence] = []
    dwellings: list[Dwelling] = []
    for town, weight in units:
        share = max(3, round(dwellings_wanted * weight / total_weight))
        if town.residential:
            _residential_unit(town, city, share, rng, blocks, residences, dwellings)
        else:
            _parcel_unit(town, city, share, rng, dwellings)
    return AddressBook(muni, towns, blocks, residences, dwellings)


def _residential_unit(
    town: Town,
    city: str,
    share: int,
    rng: random.Random,
    blocks: list[Block],
    residences: list[Residence],
    dwellings: list[Dwelling],
) -> None:
    # About 30 residences a block, as in central Tokyo (ids stay within 3 digits).
    block_count = max(rng.randint(2, 8), math.ceil(share / 30))
    per_block = share / block_count
    for b in range(1, block_count + 1):
        block = Block(town, f"{b:03d}", b)
        blocks.append(block)
        count = max(1, round(per_block * rng.uniform(0.6, 1.4)))
        number = 0
        for rsdt_seq in range(1, count + 1):
            number += rng.choice((1, 1, 1, 2))  # house numbers skip, as on a real street
            residence = Residence(block, f"{rsdt_seq:03d}", "", number, None)
            residences.append(residence)
            dwellings.append(_dwelling_for(residence, city))
            # A few numbers have a branch (5-2号): 住居番号2 with its own 住居2ID.
            if rng.random() < 0.03:
                branch = Residence(block, f"{rsdt_seq:03d}", "0002", number, 2)
                residences.append(branch)
                dwellings.append(_dwelling_for(branch, city))


def _dwelling_for(residence: Residence, city: str) -> Dwelling:
    block = residence.block
    town = block.town
    num = str(residence.rsdt_num)
    if residence.rsdt_num2 is not None:
        num += f"-{residence.rsdt_num2}"
    return Dwelling(
        lg_code=town.lg_code,
        machiaza_id=town.machiaza_id,
        blk_id=block.blk_id,
        rsdt_id=residence.rsdt_id,
        rsdt2_id=residence.rsdt2_id,
        address=f"{city}{town.name}{block.blk_num}番{num}号",
    )


def _parcel_unit(
    town: Town, city: str, share: int, rng: random.Random, dwellings: list[Dwelling]
) -> None:
    # 地番 addresses: no block or residence ids, just the parcel number (番地) and branch.
    parcel = 0
    for _ in range(share):
        parcel += rng.choice((1, 1, 2, 3))
        branch = rng.choice((None, None, 1, 2, 3, 5))
        number = f"{parcel}番地" + (f"{branch}" if branch else "")
        dwellings.append(
            Dwelling(town.lg_code, town.machiaza_id, "", "", "", f"{city}{town.name}{number}")
        )


# --- CSV -------------------------------------------------------------------------


def town_row(town: Town, muni: OrgSpec) -> dict[str, str]:
    flag = "1" if town.residential else "0"
    return {
        "lg_code": town.lg_code,
        "machiaza_id": town.machiaza_id,
        "machiaza_type": "2" if town.chome_number else "1",
        "pref": TOKYO.name,
        "pref_kana": TOKYO.name_kana,
        "pref_roma": TOKYO.roma,
        "city": muni.name,
        "city_kana": muni.name_kana,
        "city_roma": muni.roma,
        "oaza_cho": town.oaza_cho,
        "oaza_cho_kana": town.oaza_cho_kana,
        "oaza_cho_roma": town.oaza_cho_roma,
        "chome": town.chome,
        "chome_kana": town.chome_kana,
        "chome_number": f"{town.chome_number:02d}" if town.chome_number else "",
        "rsdt_addr_flg": flag,
        "rsdt_addr_mtd_code": "1" if town.residential else "0",  # 1: 街区方式
        "oaza_cho_aka_flg": "0",
        "koaza_aka_code": "0",
        "status_flg": "1",
        "wake_num_flg": "0",
        "efct_date": EFFECTIVE_DATE,
        "src_code": "0",
        "post_code": town.post_code,
    }


def block_row(block: Block, muni: OrgSpec) -> dict[str, str]:
    town = block.town
    return {
        "lg_code": town.lg_code,
        "machiaza_id": town.machiaza_id,
        "blk_id": block.blk_id,
        "city": muni.name,
        "oaza_cho": town.oaza_cho,
        "chome": town.chome,
        "blk_num": str(block.blk_num),
        "rsdt_addr_flg": "1",
        "rsdt_addr_mtd_code": "1",
        "status_flg": "1",
        "efct_date": EFFECTIVE_DATE,
        "src_code": "0",
    }


def residence_row(residence: Residence, muni: OrgSpec) -> dict[str, str]:
    block = residence.block
    town = block.town
    return {
        "lg_code": town.lg_code,
        "machiaza_id": town.machiaza_id,
        "blk_id": block.blk_id,
        "rsdt_id": residence.rsdt_id,
        "rsdt2_id": residence.rsdt2_id,
        "city": muni.name,
        "oaza_cho": town.oaza_cho,
        "chome": town.chome,
        "blk_num": str(block.blk_num),
        "rsdt_num": str(residence.rsdt_num),
        "rsdt_num2": "" if residence.rsdt_num2 is None else str(residence.rsdt_num2),
        "basic_rsdt_div": "1",
        "rsdt_addr_flg": "1",
        "rsdt_addr_mtd_code": "1",
        "status_flg": "1",
        "efct_date": EFFECTIVE_DATE,
        "src_code": "0",
    }


def _write_csv(path: Path, columns: list[str], rows: Iterable[dict[str, str]]) -> None:
    # newline="" and an explicit line terminator: identical bytes on every platform.
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, columns, restval="", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)


def address_file_names(lg_code: str) -> tuple[str, str, str]:
    """The Digital Agency's file names for one municipality: town, block, residence."""
    return (
        f"mt_town_city{lg_code}.csv",
        f"mt_rsdtdsp_blk_city{lg_code}.csv",
        f"mt_rsdtdsp_rsdt_city{lg_code}.csv",
    )


def write_address_files(books: list[AddressBook], out_dir: Path) -> list[Path]:
    """Write the three masters for each book; return paths in import order (towns first)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for book in books:
        muni = book.municipality
        town_name, block_name, residence_name = address_file_names(book.lg_code)
        _write_csv(out_dir / town_name, TOWN_COLUMNS, (town_row(t, muni) for t in book.towns))
        _write_csv(out_dir / block_name, BLOCK_COLUMNS, (block_row(b, muni) for b in book.blocks))
        _write_csv(
            out_dir / residence_name,
            RESIDENCE_COLUMNS,
            (residence_row(r, muni) for r in book.residences),
        )
        paths += [out_dir / town_name, out_dir / block_name, out_dir / residence_name]
    return paths


def build_address_books(seed: int, dwellings_wanted: dict[str, int]) -> list[AddressBook]:
    """One book per municipality code in ``dwellings_wanted`` (in that order)."""
    books = []
    for code, wanted in dwellings_wanted.items():
        rng = random.Random(f"{seed}:addresses:{code}")
        books.append(build_address_book(MUNICIPALITY_SPECS[code], rng, wanted))
    return books
