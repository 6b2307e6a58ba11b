"""The OCSP responder (RFC 6960): openssl interop over HTTP, statuses, nonces, errors."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from asn1crypto import ocsp as asn1_ocsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID
from django.test import Client

from kasumi.trust import ocsp as responder
from kasumi.trust.models import Certificate, CertificateAuthority, RevocationReason
from kasumi.trust.revocation import revoke
from tests.trust import foreign

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")

OCSP_REQUEST = "application/ocsp-request"
Role = CertificateAuthority.Role


# -- helpers shared with the CRL and revocation tests ------------------------------------


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def write_pki_files(tmp_path: Path, pki, leaf: x509.Certificate, role: str) -> dict[str, Path]:
    """leaf.pem, ca.pem (its issuer), root.pem and chain.pem (issuer + root)."""
    ca = pki.active_ca(role).certificate
    root = pki.root_ca().certificate
    files = {
        "leaf": tmp_path / "leaf.pem",
        "ca": tmp_path / "ca.pem",
        "root": tmp_path / "root.pem",
        "chain": tmp_path / "chain.pem",
    }
    files["leaf"].write_bytes(pem(leaf))
    files["ca"].write_bytes(pem(ca))
    files["root"].write_bytes(pem(root))
    files["chain"].write_bytes(pem(ca) + pem(root))
    return files


def openssl(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run openssl; stdout and stderr together (openssl splits its verdicts between them)."""
    return subprocess.run(
        ["openssl", *map(str, args)],
        check=False,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=60,
    )


def post_ocsp(client: Client, der: bytes):
    return client.post("/pki/ocsp", data=der, content_type=OCSP_REQUEST)


def request_for(cert: x509.Certificate, issuer: x509.Certificate, algorithm=None, nonce=None):
    builder = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, algorithm or hashes.SHA1())
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def openssl_status(
    tmp_path: Path, files: dict[str, Path], response_der: bytes, request: Path | None = None
) -> str:
    """What ``openssl ocsp -respin`` says about the leaf, after verifying the response.

    With ``request`` (the DER openssl sent), openssl first checks the response
    against it: signature, chain and the echoed nonce.
    """
    resp = tmp_path / "resp.der"
    resp.write_bytes(response_der)
    if request is not None:
        checked = openssl("ocsp", "-reqin", request, "-respin", resp, "-CAfile", files["chain"])
        assert checked.returncode == 0 and "Response verify OK" in checked.stdout, checked.stdout
    # -no_nonce: with -cert openssl builds a request of its own, with a new nonce.
    result = openssl(
        "ocsp", "-respin", resp, "-issuer", files["ca"], "-cert", files["leaf"],
        "-CAfile", files["chain"], "-no_nonce",
    )  # fmt: skip
    assert result.returncode == 0 and "Response verify OK" in result.stdout, result.stdout
    return result.stdout


@pytest.fixture
def citizen(issue_citizen):
    _, pair, _ = issue_citizen()
    return pair


# -- openssl interop ---------------------------------------------------------------------


def test_openssl_request_answered_good_then_revoked_with_reason(pki, citizen, tmp_path):
    leaf = citizen.signing.certificate
    files = write_pki_files(tmp_path, pki, leaf, Role.CITIZEN_SIGN)
    req = tmp_path / "req.der"
    made = openssl("ocsp", "-issuer", files["ca"], "-cert", files["leaf"], "-reqout", req)
    assert made.returncode == 0, made.stdout
    client = Client()

    response = post_ocsp(client, req.read_bytes())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ocsp-response"
    assert response["Cache-Control"] == "no-store"
    assert f"{files['leaf']}: good" in openssl_status(tmp_path, files, response.content, req)

    revoke(citizen.signing, RevocationReason.KEY_COMPROMISE, cause="test")
    response = post_ocsp(client, req.read_bytes())
    out = openssl_status(tmp_path, files, response.content, req)
    assert f"{files['leaf']}: revoked" in out
    assert "Reason: keyCompromise" in out


@pytest.mark.django_db(transaction=True)
def test_openssl_asks_a_live_server(pki, citizen, live_server, tmp_path):
    leaf = citizen.authentication.certificate
    files = write_pki_files(tmp_path, pki, leaf, Role.CITIZEN_AUTH)
    result = openssl(
        "ocsp", "-issuer", files["ca"], "-cert", files["leaf"], "-CAfile", files["chain"],
        "-url", f"{live_server.url}/pki/ocsp", "-timeout", "30",
    )  # fmt: skip
    # openssl sends a nonce by default and complains if it does not come back.
    assert result.returncode == 0, result.stdout
    assert "Response verify OK" in result.stdout
    assert f"{files['leaf']}: good" in result.stdout
    assert "nonce" not in result.stdout.lower()


# -- statuses ----------------------------------------------------------------------------


def _basic(der: bytes) -> ocsp.OCSPResponse:
    response = ocsp.load_der_ocsp_response(der)
    assert response.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    return response


def test_response_is_signed_by_the_cas_delegated_responder(pki, citizen):
    ca = pki.active_ca(Role.CITIZEN_SIGN)
    before = datetime.now(UTC).replace(microsecond=0)
    response = _basic(responder.respond(request_for(citizen.signing.certificate, ca.certificate)))

    assert response.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert response.serial_number == citizen.signing.certificate.serial_number
    [signer] = response.certificates
    assert signer.issuer == ca.certificate.subject
    signer.verify_directly_issued_by(ca.certificate)
    eku = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.OCSP_SIGNING in eku
    ski = signer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert response.responder_key_hash == ski.digest and response.responder_name is None
    public = signer.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    public.verify(
        response.signature,
        response.tbs_response_bytes,
        padding.PKCS1v15(),
        response.signature_hash_algorithm,
    )
    assert before <= response.this_update_utc <= datetime.now(UTC)
    assert response.next_update_utc - response.this_update_utc == responder.NEXT_UPDATE


def test_nonce_is_echoed(pki, citizen):
    ca = pki.active_ca(Role.CITIZEN_SIGN).certificate
    nonce = bytes(range(16))
    response = _basic(responder.respond(request_for(citizen.signing.certificate, ca, nonce=nonce)))
    assert response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == nonce
    without = _basic(responder.respond(request_for(citizen.signing.certificate, ca)))
    with pytest.raises(x509.ExtensionNotFound):
        without.extensions.get_extension_for_class(x509.OCSPNonce)


def test_sha256_cert_ids_are_answered_with_the_same_cert_id(pki, citizen):
    ca = pki.active_ca(Role.CITIZEN_SIGN).certificate
    request = ocsp.load_der_ocsp_request(
        request_for(citizen.signing.certificate, ca, hashes.SHA256())
    )
    response = _basic(
        responder.respond(request_for(citizen.signing.certificate, ca, hashes.SHA256()))
    )
    assert isinstance(response.hash_algorithm, hashes.SHA256)
    assert response.issuer_key_hash == request.issuer_key_hash
    assert response.issuer_name_hash == request.issuer_name_hash
    assert response.certificate_status == ocsp.OCSPCertStatus.GOOD


def test_revoked_answer_carries_time_and_reason(pki, citizen):
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    revoke(citizen.authentication, RevocationReason.CESSATION_OF_OPERATION, at=at)
    ca = pki.active_ca(Role.CITIZEN_AUTH).certificate
    response = _basic(responder.respond(request_for(citizen.authentication.certificate, ca)))
    assert response.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert response.revocation_time_utc == at
    assert response.revocation_reason == x509.ReasonFlags.cessation_of_operation


def test_the_database_is_asked_not_a_snapshot(pki, citizen):
    ca = pki.active_ca(Role.CITIZEN_SIGN).certificate
    request = request_for(citizen.signing.certificate, ca)
    assert _basic(responder.respond(request)).certificate_status == ocsp.OCSPCertStatus.GOOD
    # Written behind revocation.py's back: no snapshot invalidation happens.
    Certificate.objects.filter(pk=citizen.signing.pk).update(
        revoked_at=datetime.now(UTC), revocation_reason=RevocationReason.SUPERSEDED
    )
    answered = _basic(responder.respond(request))
    assert answered.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert answered.revocation_reason == x509.ReasonFlags.superseded


def test_unknown_serial_is_unknown(pki):
    ca = pki.active_ca(Role.CITIZEN_SIGN).certificate
    key_bits = ca.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.PKCS1
    )
    der = (
        ocsp.OCSPRequestBuilder()
        .add_certificate_by_hash(
            issuer_name_hash=hashlib.sha1(ca.subject.public_bytes()).digest(),
            issuer_key_hash=hashlib.sha1(key_bits).digest(),
            serial_number=0x1234567890ABCDEF,
            algorithm=hashes.SHA1(),
        )
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    assert _basic(responder.respond(der)).certificate_status == ocsp.OCSPCertStatus.UNKNOWN


def foreign_pair(name: x509.Name) -> tuple[x509.Certificate, x509.Certificate]:
    """A CA outside the platform named ``name``, and a leaf it issued."""
    key = foreign.new_key()
    common = {"issuer_name": name, "issuer_key": key, "public_key": key.public_key(), "days": 1}
    issuer = foreign.certificate(name, extensions=foreign.ca_extensions(), **common)
    leaf = foreign.certificate(
        foreign.name("leaf"),
        extensions=((x509.BasicConstraints(ca=False, path_length=None), True),),
        **common,
    )
    return leaf, issuer


def test_foreign_issuer_is_unauthorized_even_under_our_name(pki):
    # The impostor copies our CA's name: only the key tells it apart.
    leaf, issuer = foreign_pair(pki.active_ca(Role.CITIZEN_SIGN).certificate.subject)
    response = ocsp.load_der_ocsp_response(responder.respond(request_for(leaf, issuer)))
    assert response.response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED
    with pytest.raises(responder.OCSPError):
        responder.response_for(leaf)


@pytest.mark.parametrize("body", [b"", b"garbage", b"\x30\x03\x02\x01\x01"])
def test_garbage_is_a_malformed_request(pki, body):
    response = ocsp.load_der_ocsp_response(responder.respond(body))
    assert response.response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST


def test_more_than_one_certificate_per_request_is_malformed(pki, citizen):
    ca = pki.active_ca(Role.CITIZEN_SIGN).certificate
    one = asn1_ocsp.OCSPRequest.load(request_for(citizen.signing.certificate, ca))
    entry = one["tbs_request"]["request_list"][0]
    two = asn1_ocsp.OCSPRequest(
        {"tbs_request": {"request_list": [entry.copy(), entry.copy()]}}
    ).dump()
    response = ocsp.load_der_ocsp_response(responder.respond(two))
    assert response.response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST


def test_overlong_nonce_is_malformed(pki, citizen):
    ca = pki.active_ca(Role.CITIZEN_SIGN).certificate
    der = request_for(citizen.signing.certificate, ca, nonce=b"n" * 33)
    response = ocsp.load_der_ocsp_response(responder.respond(der))
    assert response.response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST


# -- in-process responses (evidence, PDF validation data) -----------------------------------


def test_response_for_a_seal_and_for_an_issuing_ca(pki, chiyoda):
    seal = pki.issue_platform_held(Certificate.Kind.ORGANISATION_SEAL, chiyoda)
    answered = _basic(responder.response_for(seal.certificate))
    assert answered.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert answered.serial_number == seal.certificate.serial_number
    assert isinstance(answered.hash_algorithm, hashes.SHA1)

    # Issuing CAs are answered for by the root's responder.
    org_ca = pki.active_ca(Role.ORGANISATION)
    about_ca = _basic(responder.response_for(org_ca.certificate))
    assert about_ca.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert about_ca.certificates[0].issuer == pki.root_ca().certificate.subject

    CertificateAuthority.objects.filter(pk=org_ca.pk).update(revoked_at=datetime.now(UTC))
    assert (
        _basic(responder.response_for(org_ca.certificate)).certificate_status
        == ocsp.OCSPCertStatus.REVOKED
    )
    # RFC 6960 §2.7: the revoked CA's certificates are answered revoked too.
    assert (
        _basic(responder.response_for(seal.certificate)).certificate_status
        == ocsp.OCSPCertStatus.REVOKED
    )


# -- HTTP --------------------------------------------------------------------------------


def test_wrong_content_type_is_415(pki, citizen):
    ca = pki.active_ca(Role.CITIZEN_SIGN).certificate
    der = request_for(citizen.signing.certificate, ca)
    response = Client().post("/pki/ocsp", data=der, content_type="application/octet-stream")
    assert response.status_code == 415
    assert response["Content-Type"].startswith("text/plain")


def test_request_over_the_size_limit_is_413(pki):
    body = b"\x30" + b"\x00" * (16 * 1024)
    assert post_ocsp(Client(), body).status_code == 413


def test_get_form_works(pki, citizen):
    leaf = citizen.signing.certificate
    ca = pki.active_ca(Role.CITIZEN_SIGN).certificate
    # Pick a nonce whose base64 form has "/" or "+": the URL path must carry them.
    encoded = ""
    while "/" not in encoded and "+" not in encoded:
        encoded = base64.b64encode(request_for(leaf, ca, nonce=os.urandom(16))).decode()
    quoted = encoded.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    for path in (f"/pki/ocsp/{encoded}", f"/pki/ocsp/{quoted}"):
        response = Client().get(path)
        assert response.status_code == 200, path
        assert response["Content-Type"] == "application/ocsp-response"
        assert _basic(response.content).certificate_status == ocsp.OCSPCertStatus.GOOD
        assert response["Cache-Control"] == "no-store"  # it carried a nonce

    plain = base64.b64encode(request_for(leaf, ca)).decode()
    cached = Client().get(f"/pki/ocsp/{plain}")
    assert _basic(cached.content).certificate_status == ocsp.OCSPCertStatus.GOOD
    max_age = int(cached["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert cached["Cache-Control"].startswith("public") and 0 < max_age <= 300


def test_get_with_invalid_base64_is_malformed_and_other_methods_are_405(pki):
    response = Client().get("/pki/ocsp/not*base64")
    assert response.status_code == 200
    status = ocsp.load_der_ocsp_response(response.content).response_status
    assert status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    assert Client().get("/pki/ocsp").status_code == 405
    assert Client().post("/pki/ocsp/AAAA", data=b"", content_type=OCSP_REQUEST).status_code == 405


def test_post_needs_no_csrf_token_or_login(pki, citizen):
    client = Client(enforce_csrf_checks=True)
    ca = pki.active_ca(Role.CITIZEN_SIGN).certificate
    response = post_ocsp(client, request_for(citizen.signing.certificate, ca))
    assert response.status_code == 200
    assert _basic(response.content).certificate_status == ocsp.OCSPCertStatus.GOOD
