"""CRLs (RFC 5280): openssl interop, numbering, caching, the root's ARL, HTTP."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.db import connection, connections
from django.test import Client

from kasumi.trust import crl
from kasumi.trust.models import CertificateAuthority, RevocationReason
from kasumi.trust.revocation import revoke
from tests.trust.test_ocsp import openssl, pem, write_pki_files

Role = CertificateAuthority.Role


@pytest.fixture(autouse=True)
def _fresh_cache():
    crl.reset()
    yield
    crl.reset()


@pytest.fixture
def citizen(issue_citizen):
    _, pair, _ = issue_citizen()
    return pair


def crl_pem(der: bytes) -> bytes:
    return x509.load_der_x509_crl(der).public_bytes(serialization.Encoding.PEM)


def test_openssl_verifies_the_crl_and_reads_the_reason(pki, citizen, tmp_path):
    revoke(citizen.signing, RevocationReason.AFFILIATION_CHANGED, cause="test")
    response = Client().get("/pki/crl/citizen-sign.crl")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pkix-crl"
    path = tmp_path / "x.crl"
    path.write_bytes(response.content)
    files = write_pki_files(tmp_path, pki, citizen.signing.certificate, Role.CITIZEN_SIGN)

    checked = openssl("crl", "-inform", "DER", "-in", path, "-CAfile", files["chain"], "-noout")
    assert checked.returncode == 0 and "verify OK" in checked.stdout, checked.stdout
    text = openssl("crl", "-inform", "DER", "-in", path, "-noout", "-text").stdout
    serial = format(citizen.signing.certificate.serial_number, "X")
    assert f"Serial Number: {serial.rjust(len(serial) + len(serial) % 2, '0')}" in text
    assert "Affiliation Changed" in text
    assert "X509v3 CRL Number" in text and "X509v3 Authority Key Identifier" in text
    assert "Version 2" in text


def test_openssl_path_validation_with_crl_and_arl(pki, citizen, tmp_path):
    """``openssl verify -crl_check_all`` uses both the issuing CA's CRL and the root's ARL."""
    files = write_pki_files(tmp_path, pki, citizen.signing.certificate, Role.CITIZEN_SIGN)
    root_crl = tmp_path / "root.crl.pem"
    root_crl.write_bytes(crl_pem(crl.current_crl(pki.root_ca())))

    def verify() -> str:
        ca_crl = tmp_path / "ca.crl.pem"
        ca_crl.write_bytes(crl_pem(crl.current_crl(pki.active_ca(Role.CITIZEN_SIGN))))
        return openssl(
            "verify", "-crl_check_all", "-CAfile", files["chain"],
            "-CRLfile", ca_crl, "-CRLfile", root_crl, files["leaf"],
        ).stdout  # fmt: skip

    assert f"{files['leaf']}: OK" in verify()
    revoke(citizen.signing, RevocationReason.KEY_COMPROMISE)
    out = verify()
    assert "certificate revoked" in out and ": OK" not in out


def test_unchanged_crl_is_served_again_and_a_revocation_makes_a_new_one(pki, citizen):
    ca = pki.active_ca(Role.CITIZEN_SIGN)
    first = crl.current(ca)
    assert crl.current_crl(ca) == first.der  # not re-signed: same bytes
    assert crl.current(ca).number == first.number
    parsed = x509.load_der_x509_crl(first.der)
    assert (
        parsed.get_revoked_certificate_by_serial_number(citizen.signing.certificate.serial_number)
        is None
    )
    assert parsed.next_update_utc - parsed.last_update_utc == crl.VALIDITY

    revoke(citizen.signing, RevocationReason.KEY_COMPROMISE)
    second = crl.current(ca)
    assert second.der != first.der and second.number == first.number + 1
    entry = x509.load_der_x509_crl(second.der).get_revoked_certificate_by_serial_number(
        citizen.signing.certificate.serial_number
    )
    assert entry is not None
    reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason == x509.ReasonFlags.key_compromise
    assert crl.current_crl(ca) == second.der
    assert CertificateAuthority.objects.get(pk=ca.pk).crl_number == second.number


def test_crl_numbers_increase_and_are_never_reused_across_processes(pki, citizen):
    ca = pki.active_ca(Role.CITIZEN_SIGN)
    numbers = []
    for _ in range(3):
        crl.reset()  # as if another process, with an empty cache, served the CRL
        issued = crl.current(ca)
        numbers.append(issued.number)
        number_ext = x509.load_der_x509_crl(issued.der).extensions.get_extension_for_class(
            x509.CRLNumber
        )
        assert number_ext.value.crl_number == issued.number
    assert numbers == sorted(set(numbers)) and numbers[0] >= 1


def test_a_restored_database_is_not_served_a_crl_from_another_history(pki, citizen):
    ca = pki.active_ca(Role.CITIZEN_SIGN)
    crl.current(ca)
    crl.current(ca)
    assert CertificateAuthority.objects.get(pk=ca.pk).crl_number == 1
    # A restore from backup puts the counter (and the log) back.
    CertificateAuthority.objects.filter(pk=ca.pk).update(crl_number=0)
    assert crl.current(ca).number == 1
    assert CertificateAuthority.objects.get(pk=ca.pk).crl_number == 1


def test_unspecified_reason_is_left_out_of_the_entry(pki, citizen):
    revoke(citizen.authentication, RevocationReason.UNSPECIFIED)
    ca = pki.active_ca(Role.CITIZEN_AUTH)
    entry = x509.load_der_x509_crl(crl.current_crl(ca)).get_revoked_certificate_by_serial_number(
        citizen.authentication.certificate.serial_number
    )
    assert entry is not None and len(entry.extensions) == 0


def test_root_arl_is_valid_when_empty_and_lists_a_revoked_issuing_ca(pki):
    root = pki.root_ca()
    empty = x509.load_der_x509_crl(crl.current_crl(root))
    assert len(empty) == 0
    assert empty.is_signature_valid(root.certificate.public_key())
    assert empty.issuer == root.certificate.subject

    org_ca = pki.active_ca(Role.ORGANISATION)
    CertificateAuthority.objects.filter(pk=org_ca.pk).update(revoked_at=datetime.now(UTC))
    der = crl.current_crl(root)
    assert crl.current_crl(root) == der  # the subordinate CA's revocation is seen as cached
    arl = x509.load_der_x509_crl(der)
    assert arl.is_signature_valid(root.certificate.public_key())
    assert arl.get_revoked_certificate_by_serial_number(org_ca.certificate.serial_number)
    assert len(arl) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_signers_never_share_a_number(pki):
    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections need PostgreSQL")
    ca = pki.active_ca(Role.CITIZEN_SIGN)
    numbers: list[int] = []
    errors: list[BaseException] = []

    def sign() -> None:
        try:
            for _ in range(5):
                issued, _ = crl._sign(ca)
                numbers.append(issued.number)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == list(range(1, 21))


# -- HTTP --------------------------------------------------------------------------------


def test_crl_http_headers(pki):
    response = Client().get("/pki/crl/root.crl")
    assert response.status_code == 200
    max_age = int(response["Cache-Control"].split("max-age=")[1])
    assert 0 < max_age <= 300
    assert "Last-Modified" in response
    assert Client().post("/pki/crl/root.crl").status_code == 405


def test_ca_certificate_is_served_as_der(pki):
    response = Client().get("/pki/ca/citizen-sign.crt")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pkix-cert"
    cert = x509.load_der_x509_certificate(response.content)
    assert pem(cert) == pem(pki.active_ca(Role.CITIZEN_SIGN).certificate)


@pytest.mark.parametrize("path", ["/pki/ca/nope.crt", "/pki/crl/nope.crl"])
def test_unknown_slug_is_404_without_redirect(pki, path):
    response = Client().get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/plain")
