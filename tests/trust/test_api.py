"""Trust API: issuance with proof of possession, revocation, public verification."""

from __future__ import annotations

import base64

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.test import Client

from kasumi.core.roles import Role
from kasumi.trust import jws
from kasumi.trust.models import Certificate, Verification

BASIC4 = {
    "name": "霞 次郎",
    "sex": "1",
    "date_of_birth": "1985-07-07",
    "address": "東京都千代田区永田町一丁目7番1号",
}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _csr(key) -> str:
    return (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([]))
        .sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
        .decode()
    )


@pytest.fixture
def registrar(pki, chiyoda, api_key_for) -> Client:
    return api_key_for(chiyoda, Role.REGISTRAR)


def test_issue_with_csr_returns_pair_chain_and_root(registrar, citizen_keys):
    response = registrar.post(
        "/api/trust/citizen-certificates",
        {"csr": _csr(citizen_keys[0]), "basic4": BASIC4, "subject_ref": "person:7"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    signing = x509.load_pem_x509_certificate(body["signing"]["pem"].encode())
    assert body["authentication"]["kind"] == "citizen_auth"
    assert len(body["chain"]) == 2 and "BEGIN CERTIFICATE" in body["root"]
    cert = Certificate.objects.get(serial=body["signing"]["serial"])
    assert cert.issued_by.code == "131016" and cert.subject_ref == "person:7"
    # The card holder can now sign, and anyone can verify.
    token = jws.sign(
        b"hello",
        citizen_keys[0],
        [signing, x509.load_pem_x509_certificate(body["chain"][0].encode())],
    )
    assert jws.verify(token).valid


def test_issue_with_signed_challenge(registrar, citizen_keys):
    key = citizen_keys[1]
    challenge = registrar.post("/api/trust/challenges").json()["challenge"]
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signature = key.sign(
        challenge.encode(), padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256()
    )
    response = registrar.post(
        "/api/trust/citizen-certificates",
        {
            "public_key": _b64url(spki),
            "challenge": challenge,
            "signature": _b64url(signature),
            "alg": "PS256",
            "basic4": BASIC4,
            "subject_ref": "person:8",
            "certificates": ["authentication"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["signing"] is None


def test_issue_without_proof_is_refused(registrar):
    response = registrar.post(
        "/api/trust/citizen-certificates",
        {"basic4": BASIC4, "subject_ref": "person:9"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "proof_of_possession_missing"
    assert not Certificate.objects.filter(subject_ref="person:9").exists()


def test_bad_basic4_names_the_field(registrar, citizen_keys):
    response = registrar.post(
        "/api/trust/citizen-certificates",
        {
            "csr": _csr(citizen_keys[0]),
            "basic4": {**BASIC4, "date_of_birth": "2999-01-01"},
            "subject_ref": "person:1",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "basic4_invalid"
    assert response.json()["details"] == {"field": "date_of_birth"}


@pytest.mark.parametrize("role", [Role.CLERK, Role.OPERATOR])
def test_only_registrars_issue(pki, chiyoda, api_key_for, role, citizen_keys):
    client = api_key_for(chiyoda, role)
    response = client.post(
        "/api/trust/citizen-certificates",
        {"csr": _csr(citizen_keys[0]), "basic4": BASIC4, "subject_ref": "person:1"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "role_not_permitted"


def test_national_agencies_do_not_issue_citizen_certificates(pki, platform_org, api_key_for):
    response = api_key_for(platform_org, Role.REGISTRAR).post("/api/trust/challenges")
    assert response.status_code == 403
    assert response.json()["code"] == "not_an_issuing_office"


def test_unauthenticated_issuance_is_401(pki):
    assert Client().post("/api/trust/challenges").status_code == 401


def test_revoke_then_status_and_other_municipality_cannot_see(
    registrar, shibuya, api_key_for, citizen_keys
):
    body = registrar.post(
        "/api/trust/citizen-certificates",
        {"csr": _csr(citizen_keys[0]), "basic4": BASIC4, "subject_ref": "person:7"},
        content_type="application/json",
    ).json()
    serial = body["signing"]["serial"]
    other = api_key_for(shibuya, Role.REGISTRAR)
    assert other.get(f"/api/trust/citizen-certificates/{serial}").status_code == 404
    assert (
        other.post(
            f"/api/trust/citizen-certificates/{serial}/revoke",
            {"reason": "key_compromise"},
            content_type="application/json",
        ).status_code
        == 404
    )
    response = registrar.post(
        f"/api/trust/citizen-certificates/{serial}/revoke",
        {"reason": "key_compromise"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["revocation_reason"] == "key_compromise"
    assert registrar.get(f"/api/trust/citizen-certificates/{serial}").json()["revoked_at"]


def test_public_verify_jws_records_evidence(issue_citizen):
    key, pair, chain = issue_citizen()
    token = jws.sign(b'{"a":1}', key, [pair.signing.certificate, *chain])
    response = Client().post(
        "/api/trust/verify/jws", {"jws": token}, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["result"]["verdict"] == "valid"
    record = Verification.objects.get(pk=body["id"])
    assert record.verdict == "valid" and record.signer_certificate_id == pair.signing.pk
    assert record.checks[-1]["name"] == "revocation_recheck"


def test_public_verify_file_upload_reports_reason(issue_citizen):
    from django.core.files.uploadedfile import SimpleUploadedFile

    key, pair, chain = issue_citizen()
    token = jws.sign(b"payload", key, [pair.signing.certificate, *chain])
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = Client().post(
        "/api/trust/verify", {"file": SimpleUploadedFile("x.jws", tampered.encode())}
    )
    assert response.status_code == 200
    assert response.json()["result"]["reason"] == "signature_invalid"
    assert response.json()["result"]["verdict"] == "altered"
    garbage = Client().post("/api/trust/verify", {"file": SimpleUploadedFile("x.bin", b"\x00\x01")})
    assert garbage.json()["result"]["reason"] == "unsupported_format"
    assert Verification.objects.filter(verdict="valid").count() == 0
