"""Synthetic corporate number (法人番号) data as an NTA headerless 30-column CSV.

Mostly 株式会社 (kind 301), some 合同会社 (305) and 特例有限会社 (302), the demo's
national agencies (101) and local governments (201), all at addresses of the
demo municipalities. Some corporations have history rows: a name change (11), an
address change (12), a closure after liquidation (21) or an absorption by merger
(71, with the successor's number). Rows are in update order; ``latest`` is 1 on
each corporation's last row, as in the National Tax Agency's files.

Company numbers use the 法人番号 layout of registered companies (check digit +
4-digit registry office + 2-digit kind + 6-digit serial) with office ``9900``,
which marks them as synthetic; local governments get ``000020`` + their code.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from faker import Faker

from kasumi.registry.importers.corporations import COLUMNS as NTA_COLUMNS
from kasumi.web.demo.addresses import AddressBook, Dwelling
from kasumi.web.demo.organisations import (
    DIGITAL_AGENCY,
    PLATFORM,
    TAX_AGENCY,
    TOKYO,
    OrgSpec,
    local_government_corporate_number,
    synthetic_corporate_number,
)

# The file layout is the importer's: one definition of the columns.

# 法人番号 were first assigned in October 2015; the history runs to the end of 2025.
FIRST_ASSIGNMENT = date(2015, 10, 5)
END_DATE = date(2025, 12, 31)

# Words companies are named after: (kanji, kana, romanised).
NAME_WORDS: tuple[tuple[str, str, str], ...] = (
    ("霞", "カスミ", "Kasumi"),
    ("桜", "サクラ", "Sakura"),
    ("日比谷", "ヒビヤ", "Hibiya"),
    ("丸の内", "マルノウチ", "Marunouchi"),
    ("神田", "カンダ", "Kanda"),
    ("九段", "クダン", "Kudan"),
    ("青葉", "アオバ", "Aoba"),
    ("若葉", "ワカバ", "Wakaba"),
    ("富士", "フジ", "Fuji"),
    ("東都", "トウト", "Toto"),
    ("大和", "ヤマト", "Yamato"),
    ("明和", "メイワ", "Meiwa"),
    ("光陽", "コウヨウ", "Koyo"),
    ("千代田", "チヨダ", "Chiyoda"),
    ("渋谷", "シブヤ", "Shibuya"),
    ("未来", "ミライ", "Mirai"),
    ("共栄", "キョウエイ", "Kyoei"),
    ("朝日", "アサヒ", "Asahi"),
    ("北斗", "ホクト", "Hokuto"),
    ("協和", "キョウワ", "Kyowa"),
)
BUSINESSES: tuple[tuple[str, str, str], ...] = (
    ("建設", "ケンセツ", "Construction"),
    ("食品", "ショクヒン", "Foods"),
    ("印刷", "インサツ", "Printing"),
    ("電気", "デンキ", "Electric"),
    ("情報システム", "ジョウホウシステム", "Information Systems"),
    ("通信", "ツウシン", "Communications"),
    ("運輸", "ウンユ", "Transport"),
    ("商事", "ショウジ", "Trading"),
    ("不動産", "フドウサン", "Real Estate"),
    ("設計", "セッケイ", "Architects"),
    ("製作所", "セイサクショ", "Works"),
    ("技研", "ギケン", "Engineering"),
    ("企画", "キカク", "Planning"),
    ("出版", "シュッパン", "Publishing"),
    ("コンサルティング", "コンサルティング", "Consulting"),
    ("ホールディングス", "ホールディングス", "Holdings"),
    ("デザイン", "デザイン", "Design"),
    ("薬局", "ヤッキョク", "Pharmacy"),
)
# kind → (Japanese 会社の種類, English suffix, 2-digit kind in the number)
COMPANY_KINDS: dict[str, tuple[str, str, str]] = {
    "301": ("株式会社", "Co., Ltd.", "01"),
    "305": ("合同会社", "LLC", "03"),
    "302": ("有限会社", "Yugen Kaisha", "02"),
}
FULLWIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")


@dataclass(frozen=True)
class Place:
    """A corporation's seat (本店所在地) as the NTA file spells it."""

    lg_code: str
    city: str
    city_roma: str
    street: str
    post_code: str


@dataclass(frozen=True)
class Corporation:
    """The state of one corporation after one row of its history."""

    number: str
    kind: str
    name: str
    furigana: str
    en_name: str
    place: Place
    assignment_date: date
    close_date: date | None = None
    close_cause: str = ""
    successor: str = ""


@dataclass
class CorporationData:
    """Rows in file order and counts for the summary."""

    rows: list[list[str]]
    corporations: int
    processes: Counter[str]
    kinds: Counter[str]


class _Places:
    """Addresses of corporations: dwellings of the books with their post codes."""

    def __init__(self, books: list[AddressBook], rng: random.Random) -> None:
        self.rng = rng
        self.books = books
        self.post_codes = {(t.lg_code, t.machiaza_id): t.post_code for b in books for t in b.towns}

    def pick(self, lg_code: str | None = None) -> tuple[AddressBook, Dwelling]:
        if lg_code is None:
            # Most companies in the main municipality, the rest in the second one.
            book = (
                self.books[0] if len(self.books) == 1 or self.rng.random() < 0.85 else self.books[1]
            )
        else:
            book = next(b for b in self.books if b.lg_code == lg_code)
        return book, book.dwellings[self.rng.randrange(len(book.dwellings))]

    def place(self, lg_code: str | None = None) -> Place:
        book, dwelling = self.pick(lg_code)
        muni = book.municipality
        street = dwelling.address.removeprefix(TOKYO.name + muni.name)
        return Place(
            lg_code=muni.code,
            city=muni.name,
            city_roma=muni.roma,
            street=street.translate(FULLWIDTH),  # NTA files write full-width digits
            post_code=self.post_codes[(dwelling.lg_code, dwelling.machiaza_id)],
        )


class CorporationGenerator:
    """Builds corporations and their history rows; see the module docstring."""

    def __init__(self, seed: int, books: list[AddressBook]) -> None:
        self.rng = random.Random(f"{seed}:corporations")
        self.fake = Faker("ja_JP")
        self.fake.seed_instance(f"{seed}:corporations")
        self.places = _Places(books, self.rng)
        self.books = books
        self._numbers: set[str] = set()
        self._names: set[str] = set()
        # (update date, order) → the corporation's state after the change, and its process.
        self.history: list[tuple[date, int, str, Corporation, date]] = []
        self._order = 0

    def _company_number(self, kind: str) -> str:
        while True:
            base = "9900" + COMPANY_KINDS[kind][2] + f"{self.rng.randrange(10**6):06d}"
            number = synthetic_corporate_number(base)
            if number not in self._numbers:
                self._numbers.add(number)
                return number

    def _company_name(self, kind: str) -> tuple[str, str, str]:
        """A new unique (name, furigana, English name) for a company of ``kind``."""
        label, en_suffix, _ = COMPANY_KINDS[kind]
        while True:
            if self.rng.random() < 0.5:
                word = self.fake.last_name_pair()
            else:
                word = NAME_WORDS[self.rng.randrange(len(NAME_WORDS))]
            business = BUSINESSES[self.rng.randrange(len(BUSINESSES))]
            core = word[0] + business[0]
            # 前株 or 後株: the kind is written before or after the name.
            name = label + core if self.rng.random() < 0.6 else core + label
            if name in self._names:
                continue
            self._names.add(name)
            return name, word[1] + business[1], f"{word[2]} {business[2]} {en_suffix}"

    def _record(self, on: date, process: str, corp: Corporation, change: date) -> None:
        self._order += 1
        self.history.append((on, self._order, process, corp, change))

    @staticmethod
    def _updated(change: date, rng: random.Random) -> date:
        """The NTA publishes a change a few days after it takes effect."""
        return min(END_DATE, change + timedelta(days=rng.randint(1, 10)))

    def public_bodies(self, national: list[OrgSpec], local: list[OrgSpec]) -> None:
        """The demo's national agencies (101) and local governments (201)."""
        for org in national:
            corp = Corporation(
                number=org.code,
                kind="101",
                name=org.name,
                furigana=org.name_kana,
                en_name=org.name_en,
                place=self.places.place(self.books[0].lg_code),
                assignment_date=FIRST_ASSIGNMENT,
            )
            self._record(FIRST_ASSIGNMENT, "01", corp, FIRST_ASSIGNMENT)
        for org in local:
            # A prefecture's seat is put in the main demo municipality.
            lg_code = org.code if org.kind == "municipality" else self.books[0].lg_code
            corp = Corporation(
                number=local_government_corporate_number(org.code),
                kind="201",
                name=org.name,
                furigana=org.name_kana,
                en_name=org.name_en,
                place=self.places.place(lg_code),
                assignment_date=FIRST_ASSIGNMENT,
            )
            self._record(FIRST_ASSIGNMENT, "01", corp, FIRST_ASSIGNMENT)

    def companies(self, count: int) -> None:
        rng = self.rng
        kinds = ("301", "305", "302")
        created: list[Corporation] = []
        for _ in range(count):
            kind = rng.choices(kinds, (80, 15, 5))[0]
            if kind == "302" or rng.random() < 0.7:
                # Existing in 2015 (有限会社 cannot be founded since 2006).
                founded = FIRST_ASSIGNMENT
            else:
                founded = FIRST_ASSIGNMENT + timedelta(
                    days=rng.randrange((END_DATE - FIRST_ASSIGNMENT).days - 400)
                )
            name, furigana, en_name = self._company_name(kind)
            corp = Corporation(
                number=self._company_number(kind),
                kind=kind,
                name=name,
                furigana=furigana,
                en_name=en_name,
                place=self.places.place(),
                assignment_date=founded,
            )
            updated = founded if founded == FIRST_ASSIGNMENT else self._updated(founded, rng)
            self._record(updated, "01", corp, founded)
            created.append(corp)
        self._histories(created)

    def _histories(self, created: list[Corporation]) -> None:
        """Name and address changes, closures and mergers on chosen companies."""
        rng = self.rng
        n = len(created)
        if n == 0:
            return
        order = list(range(n))
        rng.shuffle(order)
        renamed = order[: max(1, n // 10)]
        moved = order[max(1, n // 10) : max(2, n // 10 + n // 8)]
        closing = order[max(2, n // 10 + n // 8) :]
        liquidated = closing[: max(1, n // 40)]
        absorbed = closing[max(1, n // 40) : max(1, n // 40) + max(1, n // 40)]
        survivors = [i for i in range(n) if i not in set(liquidated) | set(absorbed)]
        for index in order:
            corp = created[index]
            # Each change is strictly after the previous one of the same corporation.
            when = corp.assignment_date
            if index in renamed:
                later = self._later(when)
                if later is None:
                    continue
                when = later
                name, furigana, en_name = self._company_name(corp.kind)
                corp = replace(corp, name=name, furigana=furigana, en_name=en_name)
                self._record(self._updated(when, rng), "11", corp, when)
            if index in moved:
                later = self._later(when)
                if later is None:
                    continue
                when = later
                corp = replace(corp, place=self.places.place())
                self._record(self._updated(when, rng), "12", corp, when)
            if index in liquidated or index in absorbed:
                later = self._later(when)
                if later is None:
                    continue
                when = later
                if index in liquidated:
                    corp = replace(corp, close_date=when, close_cause="01")
                    self._record(self._updated(when, rng), "21", corp, when)
                else:
                    # The successor must exist before the merger.
                    older = [i for i in survivors if created[i].assignment_date < when]
                    if not older:
                        continue
                    successor = created[older[rng.randrange(len(older))]]
                    corp = replace(
                        corp, close_date=when, close_cause="11", successor=successor.number
                    )
                    self._record(self._updated(when, rng), "71", corp, when)

    def _later(self, after: date) -> date | None:
        """A date after ``after`` (and before the end of the data), or None if none is left."""
        first = after + timedelta(days=30)
        last = END_DATE - timedelta(days=15)
        if first > last:
            return None
        return first + timedelta(days=self.rng.randrange((last - first).days + 1))

    def result(self) -> CorporationData:
        self.history.sort(key=lambda item: (item[0], item[1]))
        last_index: dict[str, int] = {}
        for i, (_, _, _, corp, _) in enumerate(self.history):
            last_index[corp.number] = i
        rows = []
        processes: Counter[str] = Counter()
        kinds: Counter[str] = Counter()
        for i, (updated, _, process, corp, change) in enumerate(self.history):
            processes[process] += 1
            if last_index[corp.number] == i:
                kinds[corp.kind] += 1
            rows.append(
                _row(i + 1, updated, process, corp, change, latest=last_index[corp.number] == i)
            )
        return CorporationData(
            rows=rows, corporations=len(last_index), processes=processes, kinds=kinds
        )


def _row(
    sequence: int, updated: date, process: str, corp: Corporation, change: date, *, latest: bool
) -> list[str]:
    values = {
        "sequenceNumber": str(sequence),
        "corporateNumber": corp.number,
        "process": process,
        "correct": "0",
        "updateDate": updated.isoformat(),
        "changeDate": change.isoformat(),
        "name": corp.name,
        "kind": corp.kind,
        "prefectureName": TOKYO.name,
        "cityName": corp.place.city,
        "streetNumber": corp.place.street,
        "prefectureCode": corp.place.lg_code[:2],
        "cityCode": corp.place.lg_code[2:5],
        "postCode": corp.place.post_code,
        "closeDate": corp.close_date.isoformat() if corp.close_date else "",
        "closeCause": corp.close_cause,
        "successorCorporateNumber": corp.successor,
        "assignmentDate": corp.assignment_date.isoformat(),
        "latest": "1" if latest else "0",
        "enName": corp.en_name,
        "enPrefectureName": TOKYO.roma,
        "enCityName": corp.place.city_roma,
        "furigana": corp.furigana,
        "hihyoji": "0",
    }
    return [values.get(column, "") for column in NTA_COLUMNS]


def generate_corporations(
    seed: int, books: list[AddressBook], count: int, local: list[OrgSpec]
) -> CorporationData:
    """``count`` companies plus the demo's national agencies and ``local`` governments."""
    generator = CorporationGenerator(seed, books)
    generator.public_bodies([PLATFORM, TAX_AGENCY, DIGITAL_AGENCY], local)
    generator.companies(count)
    return generator.result()


def write_corporations(path: Path, data: CorporationData) -> Path:
    """Headerless UTF-8 CSV, CRLF line ends, as the NTA publishes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(data.rows)
    return path
