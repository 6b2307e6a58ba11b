"""Build resident registry rows directly with the ORM (for read-side tests)."""

from __future__ import annotations

import itertools
from datetime import date

from kasumi.core import fieldcrypto
from kasumi.core.codes import my_number_check_digit, resident_code_check_digit
from kasumi.core.models import Organisation
from kasumi.core.textkeys import kana_key, name_key
from kasumi.registry.models import Household, Person, ResidentEvent, ResidentRecord
from kasumi.registry.models.residents import MY_NUMBER_CONTEXT

_serial = itertools.count(1)


def resident_code(n: int) -> str:
    base = f"{n:010d}"
    return base + resident_code_check_digit(base)


def my_number(n: int) -> str:
    base = f"9{n:010d}"
    return base + my_number_check_digit(base)


def person(
    family: str = "山田",
    given: str = "花子",
    family_kana: str = "ヤマダ",
    given_kana: str = "ハナコ",
    birth: date = date(1980, 4, 1),
    sex: int = 2,
    with_my_number: bool = False,
) -> Person:
    n = next(_serial)
    p = Person(
        resident_code=resident_code(n),
        family_name=family,
        given_name=given,
        family_name_kana=family_kana,
        given_name_kana=given_kana,
        name_key=name_key(family + given),
        kana_key=kana_key(family_kana + given_kana),
        birth_date=birth,
        sex=sex,
    )
    if with_my_number:
        number = my_number(n)
        p.my_number_sealed = fieldcrypto.seal(number, MY_NUMBER_CONTEXT)
        p.my_number_digest = fieldcrypto.lookup_digest(number, MY_NUMBER_CONTEXT)
    p.save()
    return p


def household(municipality: Organisation, number: str) -> Household:
    return Household.objects.get_or_create(municipality=municipality, number=number)[0]


def live(
    p: Person,
    municipality: Organisation,
    hh: Household,
    relationship: str,
    start: date,
    end: date | None = None,
    address: str = "東京都千代田区霞が関一丁目1番1号",
    kind: str = ResidentEvent.Kind.REGISTRATION,
) -> ResidentRecord:
    event = ResidentEvent.objects.create(
        person=p,
        municipality=municipality,
        kind=kind,
        effective_date=start,
        source_id=f"t-{next(_serial)}",
        fingerprint="x",
    )
    return ResidentRecord.objects.create(
        person=p,
        municipality=municipality,
        household=hh,
        relationship=relationship,
        family_name=p.family_name,
        given_name=p.given_name,
        family_name_kana=p.family_name_kana,
        given_name_kana=p.given_name_kana,
        lg_code=municipality.code,
        machiaza_id="0001001",
        address=address,
        valid_from=start,
        valid_to=end,
        opened_by=event,
    )
