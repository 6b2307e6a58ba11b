"""The demo generators: deterministic files, valid codes, and a possible history.

The history checker below replays the resident CSV independently of the
generator; the tests at the end feed it impossible histories to show it fails.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from kasumi.core.codes import (
    resident_code_check_digit,
    validate_corporate_number,
    validate_local_government_code,
    validate_my_number,
    validate_resident_code,
)
from kasumi.web.demo import addresses, corporations, organisations, people
from kasumi.web.demo.seed import GeneratedFiles, generate_files

SMALL = {"residents": 1200, "corporations": 40}


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> GeneratedFiles:
    return generate_files(7, out=tmp_path_factory.mktemp("demo-small"), **SMALL)


@pytest.fixture(scope="module")
def default_size(tmp_path_factory) -> GeneratedFiles:
    return generate_files(2026, 10_000, 300, tmp_path_factory.mktemp("demo-default"))


def all_files(files: GeneratedFiles) -> list[Path]:
    return [*files.addresses, files.residents, files.corporations]


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# --- determinism ------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes(small, tmp_path):
    again = generate_files(7, out=tmp_path, **SMALL)
    for first, second in zip(all_files(small), all_files(again), strict=True):
        assert first.name == second.name
        assert first.read_bytes() == second.read_bytes(), first.name


def test_different_seed_gives_different_files(small, tmp_path):
    other = generate_files(8, out=tmp_path, **SMALL)
    assert small.residents.read_bytes() != other.residents.read_bytes()
    assert small.corporations.read_bytes() != other.corporations.read_bytes()
    assert small.addresses[2].read_bytes() != other.addresses[2].read_bytes()


# --- Address Base Registry ---------------------------------------------------------------


@dataclass
class Abr:
    towns: dict[tuple[str, str], set[str]]  # (lg_code, machiaza_id) → rsdt_addr_flg values
    blocks: set[tuple[str, str, str]]
    residences: set[tuple[str, str, str, str, str]]


def read_abr(files: GeneratedFiles) -> Abr:
    abr = Abr(defaultdict(set), set(), set())
    for path in files.addresses:
        with path.open(encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh))
        rows = read_rows(path)
        if path.name.startswith("mt_town_"):
            assert header == addresses.TOWN_COLUMNS
            for r in rows:
                abr.towns[r["lg_code"], r["machiaza_id"]].add(r["rsdt_addr_flg"])
        elif path.name.startswith("mt_rsdtdsp_blk_"):
            assert header == addresses.BLOCK_COLUMNS
            for r in rows:
                assert "1" in abr.towns[r["lg_code"], r["machiaza_id"]], "block in a 地番 town"
                abr.blocks.add((r["lg_code"], r["machiaza_id"], r["blk_id"]))
        else:
            assert header == addresses.RESIDENCE_COLUMNS
            for r in rows:
                assert (r["lg_code"], r["machiaza_id"], r["blk_id"]) in abr.blocks
                key = (r["lg_code"], r["machiaza_id"], r["blk_id"], r["rsdt_id"], r["rsdt2_id"])
                assert key not in abr.residences, f"duplicate residence {key}"
                abr.residences.add(key)
    return abr


def test_address_files_have_towns_blocks_and_residences(default_size):
    abr = read_abr(default_size)
    for lg_code, machiaza_id in abr.towns:
        validate_local_government_code(lg_code)
        assert len(machiaza_id) == 7 and machiaza_id.isdigit()
    assert {lg for lg, _ in abr.towns} == {"131016", "131130"}
    # One 町字 listed twice (part 住居表示, part 地番), and towns with 地番 only.
    assert any(flags == {"0", "1"} for flags in abr.towns.values())
    assert any(flags == {"0"} for flags in abr.towns.values())
    # Enough residences in 千代田区 for ~4,500 households.
    assert sum(1 for r in abr.residences if r[0] == "131016") >= 4_500
    assert any(r[4] for r in abr.residences), "some residences have a 住居2ID"


def test_town_names_keep_kanji_chome_and_kana():
    books = addresses.build_address_books(1, {"131016": 100})
    town = next(t for t in books[0].towns if t.oaza_cho == "霞が関" and t.chome_number == 1)
    row = addresses.town_row(town, organisations.CHIYODA)
    assert row["chome"] == "一丁目" and row["chome_number"] == "01"
    assert row["oaza_cho_kana"] == "カスミガセキ"
    assert addresses.kanji_number(12) == "十二" and addresses.kanji_number(20) == "二十"


# --- the resident history checker -------------------------------------------------------


class Impossible(AssertionError):
    """The history could not have happened."""


OPENING = {"registration", "birth", "move_in"}


@dataclass
class Replayed:
    birth: date
    my_number: str
    resident_in: str | None
    household: tuple[str, str] | None
    relationship: str
    alive: bool = True
    last: date = date.min


def check_history(rows: list[dict[str, str]], abr: Abr | None = None) -> Counter[str]:
    """Replay the resident rows; raise :class:`Impossible` on the first impossible one."""

    def fail(i: int, why: str) -> None:
        raise Impossible(f"row {i + 2} ({rows[i]['event_type']} {rows[i]['resident_code']}): {why}")

    persons: dict[str, Replayed] = {}
    members: dict[tuple[str, str], set[str]] = defaultdict(set)
    my_numbers: dict[str, str] = {}
    event_ids: set[tuple[str, str]] = set()
    kinds: Counter[str] = Counter()
    previous_date = date.min

    def heads(hh: tuple[str, str]) -> list[str]:
        return [c for c in members[hh] if persons[c].relationship == "head"]

    touched: set[tuple[str, str]] = set()  # households changed today

    def end_of_day() -> None:
        for hh in sorted(touched):
            if members[hh] and len(heads(hh)) != 1:
                raise Impossible(f"household {hh} has {len(heads(hh))} heads at {previous_date}")
        touched.clear()

    for i, row in enumerate(rows):
        kind, code, lg = row["event_type"], row["resident_code"], row["lg_code"]
        on = date.fromisoformat(row["effective_date"])
        kinds[kind] += 1
        if on < previous_date:
            fail(i, "the file is not in date order")
        if on > previous_date:
            end_of_day()
            previous_date = on
        if (lg, row["event_id"]) in event_ids:
            fail(i, "duplicate event id")
        event_ids.add((lg, row["event_id"]))
        validate_local_government_code(lg)
        validate_resident_code(code)
        person = persons.get(code)

        if kind in OPENING:
            for column in (
                "family_name",
                "given_name",
                "family_name_kana",
                "given_name_kana",
                "birth_date",
                "sex",
                "household_number",
                "relationship",
                "machiaza_id",
                "address",
            ):
                if not row[column]:
                    fail(i, f"{column} is required")
            birth = date.fromisoformat(row["birth_date"])
            if kind == "birth" and (person is not None or birth != on):
                fail(i, "a birth opens a new person on the birth date")
            if kind == "registration" and person is not None:
                fail(i, "registration of a known person")
            if person is not None:
                if not person.alive or person.resident_in is not None:
                    fail(i, "move_in of someone alive and resident")
                if person.birth != birth:
                    fail(i, "birth date changed")
            if row["my_number"]:
                validate_my_number(row["my_number"])
                owner = my_numbers.setdefault(row["my_number"], code)
                if owner != code:
                    fail(i, "個人番号 shared by two persons")
            if person is None:
                person = Replayed(birth, row["my_number"], None, None, "")
                persons[code] = person
        else:
            if person is None or not person.alive or person.resident_in != lg:
                fail(i, "event for someone not resident here")
        assert person is not None
        if on < person.birth:
            fail(i, "event before birth")
        if on <= person.last:
            fail(i, "not after the person's previous event")
        person.last = on

        # Address: ids must exist in the generated Address Base Registry.
        if row["machiaza_id"] and abr is not None:
            flags = abr.towns.get((lg, row["machiaza_id"]))
            if not flags:
                fail(i, "unknown machiaza_id")
            if row["blk_id"]:
                key = (lg, row["machiaza_id"], row["blk_id"], row["rsdt_id"], row["rsdt2_id"])
                if key not in abr.residences:
                    fail(i, f"unknown residence {key}")
            elif "0" not in flags:
                fail(i, "a 住居表示 town needs block and residence ids")

        # Household membership.
        new_household = (
            (lg, row["household_number"]) if row["household_number"] else person.household
        )
        new_relationship = row["relationship"] or person.relationship
        if kind in ("move_out", "death"):
            new_household, new_relationship = None, ""
        if person.household is not None:
            members[person.household].discard(code)
            touched.add(person.household)
        if new_household is not None:
            members[new_household].add(code)
            touched.add(new_household)
        person.household, person.relationship = new_household, new_relationship
        person.resident_in = lg if new_household is not None else None
        if kind == "death":
            person.alive = False
        if new_household is not None and len(heads(new_household)) > 1:
            fail(i, f"two heads in household {new_household}")
    end_of_day()
    return kinds


def test_resident_history_is_possible(default_size):
    abr = read_abr(default_size)
    rows = read_rows(default_size.residents)
    with default_size.residents.open(encoding="utf-8") as fh:
        assert fh.readline().strip() == ",".join(people.RESIDENT_COLUMNS)
    kinds = check_history(rows, abr)
    # Every kind of event happens, in plausible numbers.
    for kind in (
        "registration",
        "birth",
        "move_in",
        "move_within",
        "household_change",
        "name_change",
        "move_out",
        "death",
    ):
        assert kinds[kind] > 0, kind
    assert kinds["registration"] == 11_000


def test_default_population_shape(default_size):
    rows = read_rows(default_size.residents)
    snapshot = [r for r in rows if r["event_type"] == "registration"]
    chiyoda = [r for r in snapshot if r["lg_code"] == "131016"]
    households = {r["household_number"] for r in chiyoda}
    assert len(chiyoda) == 10_000
    assert 4_000 <= len(households) <= 5_000
    relationships = Counter(r["relationship"] for r in chiyoda)
    assert relationships["head"] == len(households)
    assert relationships["spouse"] > 1_000 and relationships["child"] > 1_000
    assert relationships["parent"] > 0
    # Kana are full-width katakana; about 80% have a 個人番号.
    assert all(r["family_name_kana"] and r["given_name_kana"] for r in snapshot)
    share = sum(1 for r in snapshot if r["my_number"]) / len(snapshot)
    assert 0.75 < share < 0.85
    # Moves between the two demo municipalities: a move_out from one, a move_in to the other.
    out_of = {
        r["resident_code"]
        for r in rows
        if r["event_type"] == "move_out" and r["lg_code"] == "131016"
    }
    into = {
        r["resident_code"]
        for r in rows
        if r["event_type"] == "move_in" and r["lg_code"] == "131130"
    }
    assert out_of & into
    # A married child founds a household: a household_change or move_within to head.
    founders = [
        r
        for r in rows
        if r["event_type"] in ("household_change", "move_within") and r["relationship"] == "head"
    ]
    assert founders


def test_every_code_passes_its_validator(default_size):
    for row in read_rows(default_size.residents):
        validate_resident_code(row["resident_code"])
        validate_local_government_code(row["lg_code"])
        if row["my_number"]:
            validate_my_number(row["my_number"])
    for spec in organisations.ORGANISATIONS:
        if spec.kind == "national":
            validate_corporate_number(spec.code)
        else:
            validate_local_government_code(spec.code)


# --- the checker itself fails on impossible histories ------------------------------------


def _history() -> list[dict[str, str]]:
    def row(n, kind, on, code, **fields):
        base = dict.fromkeys(people.RESIDENT_COLUMNS, "")
        base.update(
            event_id=f"t{n}",
            event_type=kind,
            effective_date=on,
            lg_code="131016",
            resident_code=code,
            **fields,
        )
        return base

    def opening(n, code, relationship, household="1"):
        return row(
            n,
            "registration",
            "2016-01-01",
            code,
            family_name="試験",
            given_name="太郎",
            family_name_kana="シケン",
            given_name_kana="タロウ",
            birth_date="1980-05-05",
            sex="1",
            household_number=household,
            relationship=relationship,
            machiaza_id="0001001",
            address="東京都千代田区丸の内一丁目1番1号",
        )

    a = "1234567890" + resident_code_check_digit("1234567890")
    b = "2345678901" + resident_code_check_digit("2345678901")
    return [
        opening(1, a, "head"),
        opening(2, b, "spouse"),
        row(3, "death", "2018-03-01", a),
        row(4, "household_change", "2018-03-01", b, household_number="1", relationship="head"),
    ]


def test_checker_accepts_a_possible_history():
    check_history(_history())


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (
            lambda rows: rows.append({**rows[2], "event_id": "t9", "effective_date": "2019-01-01"}),
            "not resident",
        ),
        (lambda rows: rows.__setitem__(1, {**rows[1], "relationship": "head"}), "two heads"),
        (lambda rows: rows.pop(3), "0 heads"),
        (
            lambda rows: rows.__setitem__(2, {**rows[2], "effective_date": "1970-01-01"}),
            "date order",
        ),
        (
            lambda rows: rows.append({**rows[3], "event_id": "t9", "relationship": "spouse"}),
            "not after",
        ),
        (lambda rows: rows.__setitem__(0, {**rows[0], "birth_date": "2017-01-01"}), "before birth"),
    ],
)
def test_checker_rejects_impossible_histories(mutate, reason):
    rows = _history()
    mutate(rows)
    with pytest.raises(Impossible, match=reason):
        check_history(rows)


# --- corporations ---------------------------------------------------------------------


def test_corporations_file_is_consistent(default_size):
    with default_size.corporations.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    col = {name: i for i, name in enumerate(corporations.NTA_COLUMNS)}
    assert all(len(r) == 30 for r in rows)
    assert [int(r[col["sequenceNumber"]]) for r in rows] == list(range(1, len(rows) + 1))
    seen: dict[str, list[list[str]]] = defaultdict(list)
    for r in rows:
        number = r[col["corporateNumber"]]
        validate_corporate_number(number)
        if r[col["successorCorporateNumber"]]:
            successor = r[col["successorCorporateNumber"]]
            validate_corporate_number(successor)
            assert successor in seen and successor != number
            assert r[col["process"]] == "71" and r[col["closeCause"]] == "11"
        if r[col["process"]] in ("21", "71"):
            assert r[col["closeDate"]]
        history = seen[number]
        if history:
            assert history[-1][col["changeDate"]] < r[col["changeDate"]]
            assert history[-1][col["latest"]] == "0"
        else:
            assert r[col["process"]] == "01"
        history.append(r)
        assert r[col["furigana"]] and r[col["name"]]
        # Seats are in the demo municipalities (NTA codes: 2-digit prefecture, 3-digit city).
        assert r[col["prefectureCode"]] + r[col["cityCode"]] in {"13101", "13113"}
    assert all(h[-1][col["latest"]] == "1" for h in seen.values())
    kinds = Counter(h[-1][col["kind"]] for h in seen.values())
    assert kinds["301"] > kinds["305"] > 0
    assert kinds["201"] == 3 and kinds["101"] == 3
    processes = Counter(r[col["process"]] for r in rows)
    for process in ("01", "11", "12", "21", "71"):
        assert processes[process] > 0, process
    # Local governments carry the 法人番号 of their code.
    local = {h[-1][col["name"]]: n for n, h in seen.items() if h[-1][col["kind"]] == "201"}
    assert local["千代田区"] == organisations.local_government_corporate_number("131016")
    assert len(seen) == 300 + 6
