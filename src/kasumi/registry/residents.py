"""Reading the resident registry (住民基本台帳): who lived where, with whom, on a date.

Every function takes the :class:`~kasumi.core.actors.Actor` asking, and answers
only from the records the actor's municipality keeps: at this stage a resident
registry is readable by its owner only (other organisations will read through
the linkage broker). A person unknown to the owner is "not found", never
"forbidden", so that a refusal does not reveal where someone lives.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from kasumi.core.actors import Actor
from kasumi.core.apierrors import Forbidden, Invalid, NotFound
from kasumi.core.codes import CodeError, validate_resident_code
from kasumi.core.models import Organisation
from kasumi.core.roles import MY_NUMBER_READ, PERSONAL_REGISTRY_READ
from kasumi.core.textkeys import name_key
from kasumi.registry.models import Household, Person, ResidentEvent, ResidentRecord

audit = logging.getLogger("kasumi.audit")


def owning_municipality(
    actor: Actor, roles: frozenset[str] = PERSONAL_REGISTRY_READ
) -> Organisation:
    """The municipality whose registry ``actor`` may read, or a refusal saying why."""
    org = actor.organisation
    if org is None or org.kind != Organisation.Kind.MUNICIPALITY:
        raise Forbidden(
            "Only a municipality keeps a resident registry; this caller belongs to none.",
            code="not_a_registry_owner",
        )
    if not actor.has_any_role(roles):
        raise Forbidden("This role may not read the resident registry.", code="role_not_permitted")
    return org


def on_date(records: QuerySet[ResidentRecord], on: date) -> QuerySet[ResidentRecord]:
    """Records in force on ``on`` (valid_from inclusive, valid_to exclusive)."""
    return records.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on), valid_from__lte=on)


def persons_of(municipality: Organisation) -> QuerySet[Person]:
    """Everyone with at least one record in ``municipality``, current or past."""
    return Person.objects.filter(
        pk__in=ResidentRecord.objects.filter(municipality=municipality).values("person_id")
    )


def get_person(actor: Actor, resident_code: str) -> Person:
    municipality = owning_municipality(actor)
    try:
        validate_resident_code(resident_code)
    except CodeError as exc:
        raise Invalid(str(exc), code="invalid_resident_code") from None
    person = persons_of(municipality).filter(resident_code=resident_code).first()
    if person is None:
        raise NotFound("No such resident in this registry.", code="resident_not_found")
    return person


def record_on(person: Person, municipality: Organisation, on: date) -> ResidentRecord | None:
    """The person's 住民票 content in ``municipality`` on ``on``, if they lived there."""
    records = ResidentRecord.objects.filter(person=person, municipality=municipality)
    return on_date(records, on).select_related("household").order_by("-valid_from", "-id").first()


@dataclass(frozen=True)
class History:
    events: list[ResidentEvent]
    records: list[ResidentRecord]


def history(person: Person, municipality: Organisation) -> History:
    """Every event and period the municipality holds for the person, oldest first."""
    events = list(ResidentEvent.objects.filter(person=person, municipality=municipality))
    records = list(
        ResidentRecord.objects.filter(person=person, municipality=municipality).select_related(
            "household"
        )
    )
    return History(events=events, records=records)


def get_household(actor: Actor, number: str) -> Household:
    municipality = owning_municipality(actor)
    household = Household.objects.filter(municipality=municipality, number=number).first()
    if household is None:
        raise NotFound("No such household in this registry.", code="household_not_found")
    return household


def household_on(household: Household, on: date) -> list[ResidentRecord]:
    """The members of ``household`` on ``on``, the head first."""
    records = on_date(ResidentRecord.objects.filter(household=household), on).select_related(
        "person"
    )
    members = list(records)
    members.sort(key=lambda r: (not r.is_head, r.person.birth_date, r.person_id))
    return members


def search(
    actor: Actor,
    *,
    name: str | None = None,
    birth_date: date | None = None,
    on: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[tuple[Person, ResidentRecord]]]:
    """Residents of the actor's municipality on ``on`` (default: today).

    ``name`` matches kanji or kana spellings through the matching keys, so
    「髙橋」「高橋」「たかはし」 all find 髙橋.
    """
    municipality = owning_municipality(actor)
    on = on or date.today()
    records = on_date(ResidentRecord.objects.filter(municipality=municipality), on)
    if name:
        key = name_key(name)
        if not key:
            raise Invalid("The name to search for is empty.", code="empty_name")
        persons = Person.objects.filter(Q(name_key__contains=key) | Q(kana_key__contains=key))
        records = records.filter(person__in=persons)
    if birth_date:
        records = records.filter(person__birth_date=birth_date)
    total = records.count()
    page = records.select_related("person", "household").order_by(
        "family_name_kana", "given_name_kana", "person_id"
    )[offset : offset + limit]
    return total, [(r.person, r) for r in page]


def reveal_my_number(actor: Actor, person: Person) -> str | None:
    """The 個人番号, for the registrar of the owning municipality only; the read is audited."""
    municipality = owning_municipality(actor, MY_NUMBER_READ)
    if not persons_of(municipality).filter(pk=person.pk).exists():
        raise NotFound("No such resident in this registry.", code="resident_not_found")
    # The audit line names who looked and whose record, never the number itself.
    audit.info("my_number read by %s for person %s", actor.label, person.pk)
    return person.my_number()
