"""The basic 4 items (基本4情報) in a citizen signing certificate, and its validity.

JPKI puts name, sex, date of birth and address (with substitute characters for
names and addresses that contain characters outside the certificate's
character set) in subjectAltName ``otherName`` entries under
1.2.392.200149.8.5.5.1–.6. Kasumi encodes each value as a DER UTF8String;
sex is the 住基 code ("1" male, "2" female) and the date of birth is the
Gregorian ``YYYYMMDD``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from asn1crypto import core as asn1_core
from cryptography import x509

from kasumi.trust import oids

JST = timezone(timedelta(hours=9), "JST")
SEX_CODES = frozenset({"1", "2"})
MAX_NAME = 100
MAX_ADDRESS = 200


class Basic4Error(ValueError):
    """The basic 4 items cannot go into a certificate; ``field`` says which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class BasicFourItems:
    name: str
    sex: str
    date_of_birth: date
    address: str
    name_substitute: str = ""
    address_substitute: str = ""

    def validate(self, today: date) -> None:
        for field, value, limit in (
            ("name", self.name, MAX_NAME),
            ("address", self.address, MAX_ADDRESS),
            ("name_substitute", self.name_substitute, MAX_NAME),
            ("address_substitute", self.address_substitute, MAX_ADDRESS),
        ):
            if len(value) > limit:
                raise Basic4Error(field, f"longer than {limit} characters")
            if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in value):
                raise Basic4Error(field, "contains control characters")
        if not self.name.strip():
            raise Basic4Error("name", "is required")
        if not self.address.strip():
            raise Basic4Error("address", "is required")
        if self.sex not in SEX_CODES:
            raise Basic4Error("sex", "must be 1 (male) or 2 (female)")
        if self.date_of_birth > today:
            raise Basic4Error("date_of_birth", "is in the future")


def _utf8(value: str) -> bytes:
    encoded: bytes = asn1_core.UTF8String(value).dump()
    return encoded


def subject_alt_name(items: BasicFourItems) -> x509.SubjectAlternativeName:
    """The otherName entries, in OID order; substitutes only when present."""
    entries = [
        (oids.JPKI_NAME, items.name),
        (oids.JPKI_NAME_SUBSTITUTE, items.name_substitute),
        (oids.JPKI_SEX, items.sex),
        (oids.JPKI_DATE_OF_BIRTH, items.date_of_birth.strftime("%Y%m%d")),
        (oids.JPKI_ADDRESS, items.address),
        (oids.JPKI_ADDRESS_SUBSTITUTE, items.address_substitute),
    ]
    return x509.SubjectAlternativeName(
        [x509.OtherName(oid, _utf8(value)) for oid, value in entries if value]
    )


def basic4_of(certificate: x509.Certificate) -> BasicFourItems | None:
    """Read the basic 4 items back from a certificate (None if it holds none)."""
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return None
    values: dict[str, str] = {}
    for name in san.value.get_values_for_type(x509.OtherName):
        values[name.type_id.dotted_string] = str(asn1_core.UTF8String.load(name.value).native)
    if oids.JPKI_NAME.dotted_string not in values:
        return None
    dob = values.get(oids.JPKI_DATE_OF_BIRTH.dotted_string, "")
    return BasicFourItems(
        name=values[oids.JPKI_NAME.dotted_string],
        name_substitute=values.get(oids.JPKI_NAME_SUBSTITUTE.dotted_string, ""),
        sex=values.get(oids.JPKI_SEX.dotted_string, ""),
        date_of_birth=datetime.strptime(dob, "%Y%m%d").date(),
        address=values.get(oids.JPKI_ADDRESS.dotted_string, ""),
        address_substitute=values.get(oids.JPKI_ADDRESS_SUBSTITUTE.dotted_string, ""),
    )


def birthday_in(year: int, born: date) -> date:
    """The birthday in ``year``; 29 February falls on the 28th in common years."""
    if born.month == 2 and born.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, born.month, born.day)


def fifth_birthday_after(born: date, issued: date) -> date:
    """The holder's 5th birthday strictly after the issue date (発行日後5回目の誕生日)."""
    year = issued.year if birthday_in(issued.year, born) > issued else issued.year + 1
    return birthday_in(year + 4, born)


def signing_certificate_expiry(born: date, issued: datetime) -> datetime:
    """notAfter: the end of the 5th birthday after issue, Japan time."""
    day = fifth_birthday_after(born, issued.astimezone(JST).date())
    return datetime.combine(day, time(23, 59, 59), tzinfo=JST)
