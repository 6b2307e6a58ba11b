"""Registry facts revoke citizen certificates (as JPKI does), end to end through imports.

A resident CSV imported by the real importer publishes registry events on
commit; trust's subscribers revoke. The result is checked where relying
parties see it: the OCSP responder and the CRL.
"""

from __future__ import annotations

from datetime import date

import pytest
from cryptography import x509
from cryptography.x509 import ocsp

from kasumi.registry import events as registry_events
from kasumi.registry.importers.residents import import_files
from kasumi.registry.models import Person
from kasumi.trust import crl, revocation_events
from kasumi.trust import ocsp as responder
from kasumi.trust.models import Certificate, CertificateAuthority, Revocation, RevocationReason
from tests.registry.test_residents_import import rc, row, write
from tests.trust.test_ocsp import request_for

Role = CertificateAuthority.Role


def test_event_names_are_the_registrys():
    assert revocation_events.ADDRESS_CHANGED == registry_events.RESIDENT_ADDRESS_CHANGED
    assert revocation_events.MOVED_OUT == registry_events.RESIDENT_MOVED_OUT
    assert revocation_events.NAME_CHANGED == registry_events.RESIDENT_NAME_CHANGED
    assert revocation_events.DIED == registry_events.RESIDENT_DIED


@pytest.fixture
def residents(chiyoda, tmp_path, issue_citizen):
    """Two imported residents, each holding a signing and an authentication certificate."""
    import_files(
        [
            write(
                tmp_path,
                [
                    row("R1", "registration", "2020-01-01", 1),
                    row("R2", "registration", "2020-01-01", 2),
                ],
                "registered.csv",
            )
        ]
    )
    people = {}
    for n, key_index in ((1, 0), (2, 1)):
        person = Person.objects.get(resident_code=rc(n))
        _, pair, _ = issue_citizen(
            key_index=key_index,
            subject_ref=revocation_events.person_subject_ref(person.pk),
            date_of_birth=date(1980, 4, 1),
        )
        assert pair.signing.subject_ref == f"person:{person.pk}"
        people[n] = pair
    return people


def ocsp_status(pki, certificate: Certificate) -> ocsp.OCSPResponse:
    role = (
        Role.CITIZEN_SIGN
        if certificate.kind == Certificate.Kind.CITIZEN_SIGN
        else Role.CITIZEN_AUTH
    )
    der = request_for(certificate.certificate, pki.active_ca(role).certificate)
    return ocsp.load_der_ocsp_response(responder.respond(der))


def status_of(pki, certificate: Certificate) -> ocsp.OCSPCertStatus:
    return ocsp_status(pki, certificate).certificate_status


def on_crl(pki, certificate: Certificate) -> x509.RevokedCertificate | None:
    role = (
        Role.CITIZEN_SIGN
        if certificate.kind == Certificate.Kind.CITIZEN_SIGN
        else Role.CITIZEN_AUTH
    )
    parsed = x509.load_der_x509_crl(crl.current_crl(pki.active_ca(role)))
    return parsed.get_revoked_certificate_by_serial_number(certificate.certificate.serial_number)


BASIC4_CHANGES = {
    # importer event type: (changed fields, the registry event it publishes)
    "move_within": (
        {"machiaza_id": "0001001", "address": "東京都千代田区内幸町一丁目2番3号"},
        registry_events.RESIDENT_ADDRESS_CHANGED,
    ),
    "name_change": (
        {"family_name": "鈴木", "family_name_kana": "スズキ"},
        registry_events.RESIDENT_NAME_CHANGED,
    ),
}


@pytest.mark.parametrize("event_type", sorted(BASIC4_CHANGES))
def test_address_or_name_change_revokes_the_signing_certificate_only(
    pki, residents, tmp_path, event_type, django_capture_on_commit_callbacks
):
    mover, other = residents[1], residents[2]
    fields, published = BASIC4_CHANGES[event_type]
    change = row("C1", event_type, "2024-04-01", 1, **fields)
    with django_capture_on_commit_callbacks(execute=True):
        import_files([write(tmp_path, [change], f"{event_type}.csv")])
        # Events wait for the commit: nothing is revoked while the import is open.
        assert status_of(pki, mover.signing) == ocsp.OCSPCertStatus.GOOD

    answer = ocsp_status(pki, mover.signing)
    assert answer.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert answer.revocation_reason == x509.ReasonFlags.affiliation_changed
    entry = on_crl(pki, mover.signing)
    assert entry is not None
    reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason == x509.ReasonFlags.affiliation_changed
    assert Revocation.objects.get(certificate=mover.signing).cause == published
    # The authentication certificate carries no basic 4 items: it stays good.
    assert status_of(pki, mover.authentication) == ocsp.OCSPCertStatus.GOOD
    assert on_crl(pki, mover.authentication) is None
    # Another resident is untouched.
    assert status_of(pki, other.signing) == ocsp.OCSPCertStatus.GOOD
    assert status_of(pki, other.authentication) == ocsp.OCSPCertStatus.GOOD


def test_death_revokes_both_certificates(
    pki, residents, tmp_path, django_capture_on_commit_callbacks
):
    deceased, other = residents[1], residents[2]
    with django_capture_on_commit_callbacks(execute=True):
        import_files([write(tmp_path, [row("D1", "death", "2024-05-05", 1)], "death.csv")])

    for certificate in (deceased.signing, deceased.authentication):
        answer = ocsp_status(pki, certificate)
        assert answer.certificate_status == ocsp.OCSPCertStatus.REVOKED
        assert answer.revocation_reason == x509.ReasonFlags.cessation_of_operation
        certificate.refresh_from_db()
        assert certificate.revocation_reason == RevocationReason.CESSATION_OF_OPERATION
    assert status_of(pki, other.signing) == ocsp.OCSPCertStatus.GOOD
    assert status_of(pki, other.authentication) == ocsp.OCSPCertStatus.GOOD


def test_a_failed_import_revokes_nothing(
    pki, residents, tmp_path, django_capture_on_commit_callbacks
):
    from kasumi.registry.importing import ImportFailed

    rows = [
        row("C1", "move_within", "2024-04-01", 1, **BASIC4_CHANGES["move_within"][0]),
        row("C2", "move_out", "2019-01-01", 2),  # before registration: the file fails
    ]
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ImportFailed):
        import_files([write(tmp_path, rows, "bad.csv")])
    assert not Revocation.objects.exists()
    assert status_of(pki, residents[1].signing) == ocsp.OCSPCertStatus.GOOD


@pytest.mark.django_db(transaction=True)
def test_revocation_happens_after_a_real_commit(pki, residents, tmp_path):
    """Without captured callbacks: the import's own transaction commits and delivers."""
    import_files([write(tmp_path, [row("D1", "death", "2024-05-05", 2)], "death.csv")])
    assert status_of(pki, residents[2].signing) == ocsp.OCSPCertStatus.REVOKED
    assert status_of(pki, residents[2].authentication) == ocsp.OCSPCertStatus.REVOKED
    assert status_of(pki, residents[1].signing) == ocsp.OCSPCertStatus.GOOD
