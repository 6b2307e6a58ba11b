"""Citizen certificate issuance: profile, basic 4 items, validity, proof of possession."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from kasumi.core.apierrors import Invalid
from kasumi.trust import oids
from kasumi.trust.basic4 import basic4_of
from kasumi.trust.issuance import (
    ProofError,
    b64url_decode,
    key_from_challenge,
    key_from_csr,
    new_challenge,
)


def test_signing_certificate_carries_basic4_and_opaque_cn(issue_citizen):
    _, pair, _ = issue_citizen(name="霞 花子", date_of_birth=date(1990, 4, 1))
    cert = pair.signing.certificate
    cn = cert.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)[0].value
    assert "霞" not in cn and cn.startswith("K")
    items = basic4_of(cert)
    assert items is not None
    assert (items.name, items.sex, items.date_of_birth) == ("霞 花子", "2", date(1990, 4, 1))
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    type_ids = {n.type_id for n in san.get_values_for_type(x509.OtherName)}
    assert type_ids == {oids.JPKI_NAME, oids.JPKI_SEX, oids.JPKI_DATE_OF_BIRTH, oids.JPKI_ADDRESS}
    assert cert.signature_hash_algorithm.name == "sha256"
    assert cert.public_key().key_size == 2048
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and ku.content_commitment


def test_authentication_certificate_has_no_personal_items(issue_citizen):
    _, pair, _ = issue_citizen()
    cert = pair.authentication.certificate
    assert basic4_of(cert) is None
    with pytest.raises(x509.ExtensionNotFound):
        cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and not ku.content_commitment
    assert pair.signing.issuance == pair.authentication.issuance
    assert pair.signing.key_id == pair.authentication.key_id


def test_valid_until_fifth_birthday_after_issue(issue_citizen):
    now = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    _, pair, _ = issue_citizen(date_of_birth=date(1990, 6, 15), now=now)
    # Birthdays after 2026-11-23: 2027, 2028, 2029, 2030, 2031 -> the 5th is 2031-06-15 (JST).
    assert pair.signing.not_after == datetime(2031, 6, 15, 14, 59, 59, tzinfo=UTC)


def test_invalid_basic4_is_refused_with_field(issue_citizen):
    with pytest.raises(Invalid) as exc:
        issue_citizen(sex="3")
    assert exc.value.code == "basic4_invalid"
    assert exc.value.details == {"field": "sex"}


def test_csr_proves_possession(citizen_keys):
    key = citizen_keys[0]
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([]))
        .sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
    )
    assert key_from_csr(csr).public_numbers() == key.public_key().public_numbers()


def test_garbage_csr_is_malformed():
    with pytest.raises(Invalid) as exc:
        key_from_csr(
            b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"
        )
    assert exc.value.code == "csr_malformed"


def test_signed_challenge_proves_possession_once(chiyoda, citizen_keys):
    key = citizen_keys[1]
    challenge = new_challenge(chiyoda)
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signature = key.sign(challenge.nonce.encode(), padding.PKCS1v15(), hashes.SHA256())
    got = key_from_challenge(
        chiyoda, public_key_der=spki, nonce=challenge.nonce, signature=signature, alg="RS256"
    )
    assert got.public_numbers() == key.public_key().public_numbers()
    with pytest.raises(ProofError) as exc:
        key_from_challenge(
            chiyoda, public_key_der=spki, nonce=challenge.nonce, signature=signature, alg="RS256"
        )
    assert exc.value.code == "challenge_used"


def test_challenge_signed_by_another_key_fails(chiyoda, citizen_keys):
    challenge = new_challenge(chiyoda)
    spki = (
        citizen_keys[0]
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    signature = citizen_keys[1].sign(challenge.nonce.encode(), padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(ProofError) as exc:
        key_from_challenge(
            chiyoda, public_key_der=spki, nonce=challenge.nonce, signature=signature, alg="RS256"
        )
    assert exc.value.code == "proof_of_possession_failed"


def test_b64url_decode_accepts_unpadded():
    assert b64url_decode("YWI") == b"ab"
