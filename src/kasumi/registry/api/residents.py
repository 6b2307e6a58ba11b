"""Resident registry API: read by the owning municipality only (at this stage)."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Query, Router, Schema

from kasumi.core.actors import Actor
from kasumi.registry import residents
from kasumi.registry.models import Person, ResidentRecord

router = Router(tags=["registry: residents"])


class RecordOut(Schema):
    """The content of a 住民票 for one period (valid_to exclusive; null = current)."""

    valid_from: date
    valid_to: date | None
    household_number: str
    relationship: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    lg_code: str
    machiaza_id: str
    blk_id: str
    rsdt_id: str
    rsdt2_id: str
    address: str

    @staticmethod
    def of(record: ResidentRecord) -> RecordOut:
        return RecordOut(
            valid_from=record.valid_from,
            valid_to=record.valid_to,
            household_number=record.household.number,
            relationship=record.relationship,
            family_name=record.family_name,
            given_name=record.given_name,
            family_name_kana=record.family_name_kana,
            given_name_kana=record.given_name_kana,
            lg_code=record.lg_code,
            machiaza_id=record.machiaza_id,
            blk_id=record.blk_id,
            rsdt_id=record.rsdt_id,
            rsdt2_id=record.rsdt2_id,
            address=record.address,
        )


class PersonOut(Schema):
    """A person; the 個人番号 is never included here (see ``/my-number``)."""

    resident_code: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    birth_date: date
    sex: int
    death_date: date | None
    has_my_number: bool

    @staticmethod
    def of(person: Person) -> PersonOut:
        return PersonOut(
            resident_code=person.resident_code,
            family_name=person.family_name,
            given_name=person.given_name,
            family_name_kana=person.family_name_kana,
            given_name_kana=person.given_name_kana,
            birth_date=person.birth_date,
            sex=person.sex,
            death_date=person.death_date,
            has_my_number=person.has_my_number,
        )


class ResidentOut(Schema):
    person: PersonOut
    on: date
    record: RecordOut | None


class ResidentPage(Schema):
    count: int
    on: date
    results: list[ResidentOut]


class EventOut(Schema):
    kind: str
    effective_date: date
    source_id: str
    note: str


class HistoryOut(Schema):
    person: PersonOut
    events: list[EventOut]
    records: list[RecordOut]


class MemberOut(Schema):
    resident_code: str
    relationship: str
    family_name: str
    given_name: str
    birth_date: date


class HouseholdOut(Schema):
    number: str
    on: date
    head: str | None
    members: list[MemberOut]


class MyNumberOut(Schema):
    resident_code: str
    my_number: str | None


class SearchParams(Schema):
    name: str | None = None
    birth_date: date | None = None
    on: date | None = None
    limit: int = 50
    offset: int = 0


def _actor(request: HttpRequest) -> Actor:
    actor = request.auth  # type: ignore[attr-defined]
    assert isinstance(actor, Actor)
    return actor


@router.get("", response=ResidentPage, summary="Search residents on a date")
def search_residents(request: HttpRequest, params: Query[SearchParams]) -> ResidentPage:
    on = params.on or date.today()
    limit = max(1, min(params.limit, 500))
    total, rows = residents.search(
        _actor(request),
        name=params.name,
        birth_date=params.birth_date,
        on=on,
        limit=limit,
        offset=max(0, params.offset),
    )
    return ResidentPage(
        count=total,
        on=on,
        results=[
            ResidentOut(person=PersonOut.of(p), on=on, record=RecordOut.of(r)) for p, r in rows
        ],
    )


@router.get(
    "/households/{number}", response=HouseholdOut, summary="A household's members on a date"
)
def household(request: HttpRequest, number: str, on: date | None = None) -> HouseholdOut:
    on = on or date.today()
    found = residents.get_household(_actor(request), number)
    members = residents.household_on(found, on)
    head = next((m.person.resident_code for m in members if m.is_head), None)
    return HouseholdOut(
        number=found.number,
        on=on,
        head=head,
        members=[
            MemberOut(
                resident_code=m.person.resident_code,
                relationship=m.relationship,
                family_name=m.family_name,
                given_name=m.given_name,
                birth_date=m.person.birth_date,
            )
            for m in members
        ],
    )


@router.get(
    "/{resident_code}", response=ResidentOut, summary="A resident and their record on a date"
)
def resident(request: HttpRequest, resident_code: str, on: date | None = None) -> ResidentOut:
    actor = _actor(request)
    on = on or date.today()
    person = residents.get_person(actor, resident_code)
    record = residents.record_on(person, residents.owning_municipality(actor), on)
    return ResidentOut(
        person=PersonOut.of(person), on=on, record=RecordOut.of(record) if record else None
    )


@router.get("/{resident_code}/history", response=HistoryOut, summary="Every event and period")
def resident_history(request: HttpRequest, resident_code: str) -> HistoryOut:
    actor = _actor(request)
    person = residents.get_person(actor, resident_code)
    found = residents.history(person, residents.owning_municipality(actor))
    return HistoryOut(
        person=PersonOut.of(person),
        events=[
            EventOut(
                kind=e.kind, effective_date=e.effective_date, source_id=e.source_id, note=e.note
            )
            for e in found.events
        ],
        records=[RecordOut.of(r) for r in found.records],
    )


@router.get(
    "/{resident_code}/my-number",
    response=MyNumberOut,
    summary="The 個人番号 (registrar of the owning municipality only; audited)",
)
def my_number(request: HttpRequest, resident_code: str) -> MyNumberOut:
    actor = _actor(request)
    person = residents.get_person(actor, resident_code)
    return MyNumberOut(
        resident_code=person.resident_code, my_number=residents.reveal_my_number(actor, person)
    )
