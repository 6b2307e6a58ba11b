"""Registry facts that end a citizen's certificates (as JPKI does).

A change of name or address, or a move out of the municipality, revokes the
signing certificate (its basic 4 items are no longer true): reason
affiliationChanged. A death revokes both the signing and the authentication
certificate: reason cessationOfOperation. The registry publishes these on
:mod:`kasumi.core.events`; trust only knows the event names and the
``person:<id>`` subject reference its callers give certificates.
"""

from __future__ import annotations

from kasumi.core import events
from kasumi.trust.models import Certificate, RevocationReason
from kasumi.trust.revocation import revoke_many

# Event names as the registry publishes them (kasumi.registry.events); spelled
# out here because trust must not import the registry.
ADDRESS_CHANGED = "registry.resident.address_changed"
MOVED_OUT = "registry.resident.moved_out"
NAME_CHANGED = "registry.resident.name_changed"
DIED = "registry.resident.died"

Kind = Certificate.Kind


def person_subject_ref(person_id: int | str) -> str:
    """How callers name a registry person as a certificate subject."""
    return f"person:{person_id}"


def _revoke_for(event: events.Event, kinds: tuple[str, ...], reason: int) -> None:
    person_id = event.payload.get("person_id")
    if person_id is None:
        return
    ids = Certificate.objects.filter(
        subject_ref=person_subject_ref(person_id), kind__in=kinds, revoked_at__isnull=True
    ).values_list("id", flat=True)
    revoke_many(ids, reason, cause=event.type, by="registry event")


def on_basic4_changed(event: events.Event) -> None:
    _revoke_for(event, (Kind.CITIZEN_SIGN,), RevocationReason.AFFILIATION_CHANGED)


def on_death(event: events.Event) -> None:
    _revoke_for(
        event, (Kind.CITIZEN_SIGN, Kind.CITIZEN_AUTH), RevocationReason.CESSATION_OF_OPERATION
    )


def connect() -> None:
    for event_type in (ADDRESS_CHANGED, MOVED_OUT, NAME_CHANGED):
        events.subscribe(event_type, on_basic4_changed)
    events.subscribe(DIED, on_death)
