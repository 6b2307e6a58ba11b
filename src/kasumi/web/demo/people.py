"""A synthetic resident registry (住民基本台帳) with ten years of history.

The generator builds a population at a snapshot date (one ``registration`` row
per person, as a municipality migrating from a prior system would send), then
simulates the years after it, one event at a time in date order: births,
deaths, marriages (a name change, then the child founds a household and the
spouse moves in), moves within the municipality, moves out (some to the other
demo municipality, followed by a ``move_in`` there) and new households moving
in. Every event is checked against the current state before it is written, so
the history is consistent by construction:

- nothing happens to a person before birth or after death, or twice on one day;
- a person is in one household at a time, and a household has one head at a
  time (when the head dies, the new head and the changed 続柄 of the others are
  written the same day, right after the death);
- every address is a dwelling of the generated Address Base Registry.

Output is the documented resident CSV (docs/registry/resident-import-format.md).
Names are Faker ``ja_JP`` pairs (kanji with matching kana); 住民票コード and
個人番号 are random with valid check digits. Nothing depends on the clock or on
set ordering: the same seed gives the same bytes.
"""

from __future__ import annotations

import csv
import heapq
import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from faker import Faker

from kasumi.core.codes import my_number_check_digit, resident_code_check_digit
from kasumi.registry.importers.resident_rows import COLUMNS as RESIDENT_COLUMNS
from kasumi.web.demo.addresses import AddressBook, Dwelling

# The file layout is the importer's: one definition of the columns.

# The snapshot is dated after 個人番号 were first assigned (October 2015), so
# registration rows may carry one; the history runs to the end of 2025.
SNAPSHOT_DATE = date(2016, 1, 1)
END_DATE = date(2025, 12, 31)
MY_NUMBER_SHARE = 0.8
MALE, FEMALE = 1, 2

HEAD, SPOUSE, CHILD, PARENT = "head", "spouse", "child", "parent"
# 続柄 of the others once the head has died, keyed by the new head's old 続柄.
RELATIONSHIP_AFTER_HEAD_CHANGE: dict[str, dict[str, str]] = {
    SPOUSE: {CHILD: CHILD, PARENT: "other_relative"},
    CHILD: {SPOUSE: PARENT, CHILD: "sibling", PARENT: "grandparent"},
    PARENT: {SPOUSE: "child_in_law", CHILD: "grandchild", PARENT: SPOUSE},
}

# Yearly probabilities of the simulated events.
P_HOUSEHOLD_MOVE_OUT = 0.03
P_HOUSEHOLD_MOVE_WITHIN = 0.03
P_MOVE_TO_OTHER_DEMO_MUNICIPALITY = 0.25
P_MARRIAGE = 0.06
P_CHILD_LEAVES = 0.03
P_BIRTH = 0.08
NEW_HOUSEHOLDS_PER_YEAR = 0.037  # share of current households moving in from elsewhere


@dataclass(eq=False)
class Person:
    """A person as the simulation knows them (identity compares by object)."""

    resident_code: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    birth_date: date
    sex: int
    my_number: str
    household: Household | None = None
    relationship: str = ""
    alive: bool = True
    last_date: date = date.min
    partner: Person | None = None
    engaged: bool = False
    last_birth: date = date.min

    def age(self, on: date) -> int:
        years = on.year - self.birth_date.year
        return years - ((on.month, on.day) < (self.birth_date.month, self.birth_date.day))

    @property
    def resident(self) -> bool:
        return self.alive and self.household is not None


@dataclass(eq=False)
class Household:
    """A 世帯 in one municipality, at one dwelling."""

    number: str
    lg_code: str
    dwelling: Dwelling
    members: list[Person] = field(default_factory=list)

    def head(self) -> Person | None:
        for member in self.members:
            if member.relationship == HEAD:
                return member
        return None


@dataclass
class ResidentData:
    """The generated rows (in file order) and what happened, for the summary."""

    rows: list[list[str]]
    events: Counter[str]
    residents_at_end: dict[str, int]
    households_at_end: dict[str, int]
    persons: int


class _Municipality:
    """Per-municipality state: dwellings free and taken, household numbers."""

    def __init__(self, book: AddressBook) -> None:
        self.book = book
        self.lg_code = book.lg_code
        self.vacant: list[Dwelling] = list(book.dwellings)
        self.occupancy: dict[Dwelling, int] = {}
        self.next_household = 1
        self.households: list[Household] = []

    def new_household_number(self) -> str:
        number = f"{self.next_household:08d}"
        self.next_household += 1
        return number

    def take_dwelling(self, rng: random.Random) -> Dwelling:
        if self.vacant:
            # Swap-remove keeps this O(1) and deterministic.
            i = rng.randrange(len(self.vacant))
            self.vacant[i], self.vacant[-1] = self.vacant[-1], self.vacant[i]
            dwelling = self.vacant.pop()
        else:  # full: households share dwellings (apartments)
            dwelling = rng.choice(self.book.dwellings)
        self.occupancy[dwelling] = self.occupancy.get(dwelling, 0) + 1
        return dwelling

    def share_dwelling(self, dwelling: Dwelling) -> None:
        self.occupancy[dwelling] = self.occupancy.get(dwelling, 0) + 1

    def release_dwelling(self, dwelling: Dwelling) -> None:
        self.occupancy[dwelling] -= 1
        if self.occupancy[dwelling] == 0:
            del self.occupancy[dwelling]
            self.vacant.append(dwelling)


class ResidentGenerator:
    """Builds the population and its history; see the module docstring."""

    def __init__(
        self, seed: int, books: list[AddressBook], event_prefix: str | None = None
    ) -> None:
        self.seed = seed
        self.event_prefix = event_prefix if event_prefix is not None else f"demo{seed}-"
        self.rng = random.Random(f"{seed}:residents")
        self.fake = Faker("ja_JP")
        self.fake.seed_instance(f"{seed}:residents")
        self.munis = {book.lg_code: _Municipality(book) for book in books}
        self.rows: list[list[str]] = []
        self.events: Counter[str] = Counter()
        self.persons: list[Person] = []
        self._codes: set[str] = set()
        self._my_numbers: set[str] = set()
        self._event_seq = 0
        self._queue: list[tuple[date, int, str, tuple[Any, ...]]] = []
        self._queue_seq = 0

    # --- identities ----------------------------------------------------------------

    def _resident_code(self) -> str:
        while True:
            base = f"{self.rng.randrange(10**10):010d}"
            code = base + resident_code_check_digit(base)
            if code not in self._codes:
                self._codes.add(code)
                return code

    def _my_number(self) -> str:
        if self.rng.random() >= MY_NUMBER_SHARE:
            return ""
        while True:
            base = f"{self.rng.randrange(10**11):011d}"
            number = base + my_number_check_digit(base)
            if number not in self._my_numbers:
                self._my_numbers.add(number)
                return number

    def _family_name(self) -> tuple[str, str]:
        kanji, kana, _roma = self.fake.last_name_pair()
        return kanji, kana

    def _given_name(self, sex: int) -> tuple[str, str]:
        pair = (
            self.fake.first_name_male_pair() if sex == MALE else self.fake.first_name_female_pair()
        )
        return pair[0], pair[1]

    def _birth_for_age(self, on: date, age: int) -> date:
        """A birth date making the person ``age`` on ``on`` (strictly before ``on``)."""
        latest = _years_before(on, age)
        return latest - timedelta(days=self.rng.randrange(0, 365)) - timedelta(days=1)

    def _person(self, sex: int, birth: date, family: tuple[str, str] | None = None) -> Person:
        family_name, family_kana = family or self._family_name()
        given_name, given_kana = self._given_name(sex)
        person = Person(
            resident_code=self._resident_code(),
            family_name=family_name,
            given_name=given_name,
            family_name_kana=family_kana,
            given_name_kana=given_kana,
            birth_date=birth,
            sex=sex,
            my_number=self._my_number(),
        )
        self.persons.append(person)
        return person

    def _external_address(self) -> str:
        """A synthetic address outside the demo municipalities (for 転入/転出 notes)."""
        fake = self.fake
        return (
            f"{fake.prefecture()}{fake.city()}{fake.town()}"
            f"{self.rng.randint(1, 5)}丁目{self.rng.randint(1, 30)}番{self.rng.randint(1, 20)}号"
        )

    # --- rows ----------------------------------------------------------------------

    def _emit(self, kind: str, on: date, person: Person, lg_code: str, **fields: str) -> None:
        self._event_seq += 1
        row = {
            "event_id": f"{self.event_prefix}{self._event_seq:07d}",
            "event_type": kind,
            "effective_date": on.isoformat(),
            "lg_code": lg_code,
            "resident_code": person.resident_code,
            **fields,
        }
        self.rows.append([row.get(column, "") for column in RESIDENT_COLUMNS])
        self.events[kind] += 1
        person.last_date = on

    @staticmethod
    def _identity_fields(person: Person) -> dict[str, str]:
        return {
            "family_name": person.family_name,
            "given_name": person.given_name,
            "family_name_kana": person.family_name_kana,
            "given_name_kana": person.given_name_kana,
            "birth_date": person.birth_date.isoformat(),
            "sex": str(person.sex),
            "my_number": person.my_number,
        }

    @staticmethod
    def _address_fields(dwelling: Dwelling) -> dict[str, str]:
        return {
            "machiaza_id": dwelling.machiaza_id,
            "blk_id": dwelling.blk_id,
            "rsdt_id": dwelling.rsdt_id,
            "rsdt2_id": dwelling.rsdt2_id,
            "address": dwelling.address,
        }

    def _open(
        self, kind: str, on: date, person: Person, household: Household, note: str = ""
    ) -> None:
        """A row that opens a record: registration, birth or move_in."""
        fields = self._identity_fields(person)
        self._emit(
            kind,
            on,
            person,
            household.lg_code,
            **fields,
            household_number=household.number,
            relationship=person.relationship,
            **self._address_fields(household.dwelling),
            note=note,
        )

    # --- households ----------------------------------------------------------------

    def _new_household(self, muni: _Municipality, dwelling: Dwelling | None = None) -> Household:
        if dwelling is None:
            dwelling = muni.take_dwelling(self.rng)
        else:
            muni.share_dwelling(dwelling)
        household = Household(muni.new_household_number(), muni.lg_code, dwelling)
        muni.households.append(household)
        return household

    def _join(self, person: Person, household: Household, relationship: str) -> None:
        person.household = household
        person.relationship = relationship
        household.members.append(person)

    def _leave(self, person: Person) -> None:
        household = person.household
        assert household is not None
        household.members.remove(person)
        person.household = None
        if not household.members:
            self._close(household)

    def _close(self, household: Household) -> None:
        muni = self.munis[household.lg_code]
        muni.households.remove(household)
        muni.release_dwelling(household.dwelling)

    def _compose_family(self, on: date, kind: str) -> list[tuple[Person, str]]:
        """New persons forming one household on ``on``, each with a 続柄."""
        rng = self.rng
        if kind == "single":
            band = rng.random()
            age = (
                rng.randint(19, 39)
                if band < 0.45
                else rng.randint(40, 64)
                if band < 0.75
                else rng.randint(65, 95)
            )
            sex = FEMALE if age >= 65 and rng.random() < 0.65 else rng.choice((MALE, FEMALE))
            return [(self._person(sex, self._birth_for_age(on, age)), HEAD)]
        if kind == "single_parent":
            mother_age = rng.randint(26, 52)
            mother = self._person(FEMALE, self._birth_for_age(on, mother_age))
            family = (mother.family_name, mother.family_name_kana)
            members = [(mother, HEAD)]
            members += [
                (kid, CHILD) for kid in self._children(on, mother, family, rng.randint(1, 2))
            ]
            return members
        head_age = {
            "couple": rng.randint(24, 88),
            "family": rng.randint(28, 58),
            "three_gen": rng.randint(34, 56),
        }[kind]
        head = self._person(MALE, self._birth_for_age(on, head_age))
        family = (head.family_name, head.family_name_kana)
        wife_age = max(20, min(95, head_age + rng.randint(-6, 2)))
        wife = self._person(FEMALE, self._birth_for_age(on, wife_age), family)
        head.partner, wife.partner = wife, head
        members = [(head, HEAD), (wife, SPOUSE)]
        if kind == "family":
            members += [(kid, CHILD) for kid in self._children(on, wife, family, rng.randint(1, 3))]
        elif kind == "three_gen":
            members += [(kid, CHILD) for kid in self._children(on, wife, family, rng.randint(0, 2))]
            parent_age = min(97, head_age + rng.randint(25, 34))
            father = self._person(MALE, self._birth_for_age(on, parent_age), family)
            members.append((father, PARENT))
            if rng.random() < 0.6:
                mother = self._person(
                    FEMALE, self._birth_for_age(on, parent_age - rng.randint(0, 4)), family
                )
                mother.partner, father.partner = father, mother
                members.append((mother, PARENT))
        return members

    def _children(
        self, on: date, mother: Person, family: tuple[str, str], count: int
    ) -> list[Person]:
        """Up to ``count`` children born to ``mother`` before ``on``, oldest first."""
        kids: list[Person] = []
        mother_age_at_birth = self.rng.randint(23, 34)
        for _ in range(count):
            birth = _years_after(mother.birth_date, mother_age_at_birth) + timedelta(
                days=self.rng.randrange(365)
            )
            if birth >= on or (on - birth).days > 30 * 365:
                break
            kids.append(self._person(self.rng.choice((MALE, FEMALE)), birth, family))
            mother.last_birth = max(mother.last_birth, birth)
            mother_age_at_birth += self.rng.randint(1, 4)
        return kids

    def _settle(
        self,
        kind: str,
        on: date,
        muni: _Municipality,
        members: list[tuple[Person, str]],
        note: str = "",
    ) -> Household:
        household = self._new_household(muni)
        for person, relationship in members:
            self._join(person, household, relationship)
            self._open(kind, on, person, household, note)
        return household

    # --- the snapshot --------------------------------------------------------------

    def snapshot(self, lg_code: str, residents: int) -> None:
        """``registration`` rows for about ``residents`` persons in ``lg_code``."""
        muni = self.munis[lg_code]
        kinds = ("single", "couple", "family", "single_parent", "three_gen")
        weights = (42, 20, 28, 5, 5)
        count = 0
        while count < residents:
            kind = self.rng.choices(kinds, weights)[0]
            if residents - count < 6:
                kind = "single"  # fill up exactly
            members = self._compose_family(SNAPSHOT_DATE, kind)
            self._settle("registration", SNAPSHOT_DATE, muni, members)
            count += len(members)

    # --- the simulation ------------------------------------------------------------

    def _schedule(self, on: date, kind: str, *args: Any) -> None:
        self._queue_seq += 1
        heapq.heappush(self._queue, (on, self._queue_seq, kind, args))

    def _day_in(self, year: int) -> date:
        start = max(date(year, 1, 1), SNAPSHOT_DATE + timedelta(days=1))
        end = min(date(year, 12, 31), END_DATE)
        return start + timedelta(days=self.rng.randrange((end - start).days + 1))

    def simulate(self) -> None:
        """Schedule and apply the events of every year after the snapshot."""
        handlers: dict[str, Callable[..., None]] = {
            "death": self._death,
            "birth": self._birth,
            "marriage": self._marriage,
            "found_household": self._found_household,
            "move_within": self._household_move_within,
            "move_out": self._household_move_out,
            "arrive": self._arrive,
            "child_leaves": self._child_leaves,
            "new_household": self._new_household_moves_in,
        }
        for year in range(SNAPSHOT_DATE.year, END_DATE.year + 1):
            self._plan_year(year)
            year_end = date(year, 12, 31)
            while self._queue and self._queue[0][0] <= year_end:
                on, _, kind, args = heapq.heappop(self._queue)
                if on <= END_DATE:
                    handlers[kind](on, *args)
        self._queue.clear()

    def _plan_year(self, year: int) -> None:
        rng = self.rng
        mid_year = date(year, 7, 1)
        for muni in self.munis.values():
            for household in list(muni.households):
                draw = rng.random()
                if draw < P_HOUSEHOLD_MOVE_OUT:
                    self._schedule(self._day_in(year), "move_out", household)
                elif draw < P_HOUSEHOLD_MOVE_OUT + P_HOUSEHOLD_MOVE_WITHIN:
                    self._schedule(self._day_in(year), "move_within", household)
                for person in household.members:
                    age = person.age(mid_year)
                    if rng.random() < _mortality(age):
                        self._schedule(self._day_in(year), "death", person)
                    elif (
                        person.relationship == CHILD
                        and 24 <= age <= 40
                        and rng.random() < P_MARRIAGE
                    ):
                        self._schedule(self._day_in(year), "marriage", person)
                    elif (
                        person.relationship == CHILD
                        and 18 <= age <= 30
                        and rng.random() < P_CHILD_LEAVES
                    ):
                        self._schedule(self._day_in(year), "child_leaves", person)
                    elif person.sex == FEMALE and 20 <= age <= 44 and rng.random() < P_BIRTH:
                        self._schedule(self._day_in(year), "birth", person)
            arrivals = round(len(muni.households) * NEW_HOUSEHOLDS_PER_YEAR * rng.uniform(0.8, 1.2))
            for _ in range(arrivals):
                self._schedule(self._day_in(year), "new_household", muni.lg_code)

    @staticmethod
    def _all_before(household: Household, on: date) -> bool:
        """Everyone's previous event is earlier: an event may touch them all today."""
        return all(member.last_date < on for member in household.members)

    def _death(self, on: date, person: Person) -> None:
        household = person.household
        if not person.resident or household is None or not self._all_before(household, on):
            return
        self._emit("death", on, person, household.lg_code)
        person.alive = False
        if person.partner is not None:
            person.partner.partner = None
            person.partner = None
        was_head = person.relationship == HEAD
        self._leave(person)
        if was_head and household.members:
            self._reassign_head(on, household)

    def _reassign_head(self, on: date, household: Household) -> None:
        """The head has gone: a new head, and every 続柄 restated relative to them."""
        members = household.members
        spouses = [m for m in members if m.relationship == SPOUSE]
        adults = sorted((m for m in members if m.age(on) >= 18), key=lambda m: m.birth_date)
        new_head = (
            spouses[0]
            if spouses
            else adults[0]
            if adults
            else min(members, key=lambda m: m.birth_date)
        )
        mapping = RELATIONSHIP_AFTER_HEAD_CHANGE.get(new_head.relationship, {})
        changes = [(new_head, HEAD)]
        for member in members:
            if member is not new_head:
                changes.append((member, mapping.get(member.relationship, "other_relative")))
        for member, relationship in changes:
            if member.relationship == relationship:
                continue
            member.relationship = relationship
            self._emit(
                "household_change",
                on,
                member,
                household.lg_code,
                household_number=household.number,
                relationship=relationship,
            )

    def _birth(self, on: date, mother: Person) -> None:
        household = mother.household
        father = mother.partner
        if (
            household is None
            or not mother.resident
            or father is None
            or father.household is not household
            or {mother.relationship, father.relationship} != {HEAD, SPOUSE}
            or (on - mother.last_birth).days < 400
            or mother.age(on) > 45
        ):
            return
        head = household.head()
        assert head is not None
        baby = self._person(
            self.rng.choice((MALE, FEMALE)), on, (head.family_name, head.family_name_kana)
        )
        self._join(baby, household, CHILD)
        self._open("birth", on, baby, household)
        mother.last_birth = on

    def _marriage(self, on: date, person: Person) -> None:
        """婚姻: perhaps a name change today; the new household is founded weeks later."""
        if (
            not person.resident
            or person.partner is not None
            or person.engaged
            or person.last_date >= on
        ):
            return
        household = person.household
        assert household is not None
        spouse_sex = FEMALE if person.sex == MALE else MALE
        spouse_age = max(20, person.age(on) + self.rng.randint(-4, 4))
        if person.sex == FEMALE and self.rng.random() < 0.85:
            # She takes her husband's family name: 氏名変更 on the day of marriage.
            family = self._family_name()
            person.family_name, person.family_name_kana = family
            self._emit(
                "name_change",
                on,
                person,
                household.lg_code,
                family_name=person.family_name,
                given_name=person.given_name,
                family_name_kana=person.family_name_kana,
                given_name_kana=person.given_name_kana,
            )
        spouse_birth = self._birth_for_age(on, spouse_age)
        person.engaged = True
        self._schedule(
            on + timedelta(days=self.rng.randint(7, 60)),
            "found_household",
            person,
            spouse_sex,
            spouse_birth,
        )

    def _found_household(
        self, on: date, person: Person, spouse_sex: int, spouse_birth: date
    ) -> None:
        """The married child becomes head of a new household; the spouse moves in."""
        person.engaged = False
        old = person.household
        if (
            old is None
            or not person.resident
            or person.relationship == HEAD
            or person.last_date >= on
        ):
            return
        muni = self.munis[old.lg_code]
        # Married couples share one family name (the spouse changed theirs elsewhere).
        spouse = self._person(
            spouse_sex, spouse_birth, (person.family_name, person.family_name_kana)
        )
        self._leave(person)
        if self.rng.random() < 0.5:
            # 転居 to a home of their own, as head of a new household.
            household = self._new_household(muni)
            self._join(person, household, HEAD)
            self._emit(
                "move_within",
                on,
                person,
                household.lg_code,
                household_number=household.number,
                relationship=HEAD,
                **self._address_fields(household.dwelling),
            )
        else:
            # 世帯変更 (世帯分離): a separate household at the parents' address.
            household = self._new_household(muni, old.dwelling)
            self._join(person, household, HEAD)
            self._emit(
                "household_change",
                on,
                person,
                household.lg_code,
                household_number=household.number,
                relationship=HEAD,
            )
        self._join(spouse, household, SPOUSE)
        person.partner, spouse.partner = spouse, person
        self._open("move_in", on, spouse, household, note=self._external_address())

    def _household_move_within(self, on: date, household: Household) -> None:
        if not household.members or not self._all_before(household, on):
            return
        muni = self.munis[household.lg_code]
        old = household.dwelling
        household.dwelling = muni.take_dwelling(self.rng)
        muni.release_dwelling(old)
        for member in list(household.members):
            self._emit(
                "move_within",
                on,
                member,
                household.lg_code,
                **self._address_fields(household.dwelling),
            )

    def _household_move_out(self, on: date, household: Household) -> None:
        if not household.members or not self._all_before(household, on):
            return
        others = [m for code, m in self.munis.items() if code != household.lg_code]
        movers = [(member, member.relationship) for member in household.members]
        if others and self.rng.random() < P_MOVE_TO_OTHER_DEMO_MUNICIPALITY:
            target = others[self.rng.randrange(len(others))]
            dwelling = target.take_dwelling(self.rng)
            destination = dwelling.address
            # 転入 must be notified within 14 days of moving.
            arrival = on + timedelta(days=self.rng.randint(1, 14))
            self._schedule(
                arrival, "arrive", target.lg_code, dwelling, movers, household.dwelling.address
            )
        else:
            destination = self._external_address()
        for member, _ in movers:
            self._emit("move_out", on, member, household.lg_code, note=destination)
            self._leave(member)

    def _arrive(
        self,
        on: date,
        lg_code: str,
        dwelling: Dwelling,
        movers: list[tuple[Person, str]],
        previous: str,
    ) -> None:
        muni = self.munis[lg_code]
        # The dwelling was reserved at 転出; it becomes the new household's home.
        household = Household(muni.new_household_number(), lg_code, dwelling)
        muni.households.append(household)
        for person, relationship in movers:
            self._join(person, household, relationship)
            self._open("move_in", on, person, household, note=previous)

    def _child_leaves(self, on: date, person: Person) -> None:
        household = person.household
        if (
            household is None
            or not person.resident
            or person.relationship == HEAD
            or person.engaged
            or person.last_date >= on
        ):
            return
        self._emit("move_out", on, person, household.lg_code, note=self._external_address())
        self._leave(person)

    def _new_household_moves_in(self, on: date, lg_code: str) -> None:
        kind = self.rng.choices(("single", "couple", "family"), (60, 20, 20))[0]
        members = self._compose_family(on, kind)
        self._settle("move_in", on, self.munis[lg_code], members, note=self._external_address())

    def result(self) -> ResidentData:
        return ResidentData(
            rows=self.rows,
            events=self.events,
            residents_at_end={
                code: sum(len(h.members) for h in m.households) for code, m in self.munis.items()
            },
            households_at_end={code: len(m.households) for code, m in self.munis.items()},
            persons=len(self.persons),
        )


def _years_before(on: date, years: int) -> date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


def _years_after(on: date, years: int) -> date:
    return _years_before(on, -years)


def _mortality(age: int) -> float:
    """Yearly probability of death (a Gompertz curve near Japan's life tables)."""
    return min(0.5, 0.00002 * math.exp(0.095 * age))


def generate_residents(
    seed: int, books: list[AddressBook], residents: dict[str, int], event_prefix: str | None = None
) -> ResidentData:
    """A population of ``residents[lg_code]`` persons per municipality, with history.

    ``event_prefix`` starts every event id (default ``demo{seed}-``); ids must be
    unique within a municipality, so a different demo needs a different prefix.
    """
    generator = ResidentGenerator(seed, books, event_prefix)
    for lg_code, count in residents.items():
        generator.snapshot(lg_code, count)
    generator.simulate()
    return generator.result()


def write_residents(path: Path, data: ResidentData) -> Path:
    """Write the rows as the documented resident CSV (UTF-8, header, CRLF)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(RESIDENT_COLUMNS)
        writer.writerows(data.rows)
    return path
