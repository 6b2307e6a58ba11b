"""Trust API (django-ninja router mounted at ``/api/trust``).

Issuance and revocation are for municipalities' registrars (API key or staff
session). Verification is public: anyone may check a signature.
"""

from __future__ import annotations

import binascii
from datetime import date, datetime
from typing import Any, Literal

from cryptography.hazmat.primitives import serialization
from django.http import HttpRequest
from ninja import File, Router, Schema, Status, UploadedFile
from pydantic import Field

from kasumi.core.actors import Actor
from kasumi.core.api_auth import organisation_auth
from kasumi.core.apierrors import Invalid, ServiceError
from kasumi.trust import certificates, evidence, pki
from kasumi.trust.basic4 import BasicFourItems
from kasumi.trust.issuance import b64url_decode
from kasumi.trust.models import Certificate, RevocationReason
from kasumi.trust.verifying import MAX_UPLOAD_BYTES, verify_upload

router = Router(tags=["trust"])


class TooLarge(ServiceError):
    status = 413
    code = "file_too_large"


def _actor(request: HttpRequest) -> Actor:
    actor = request.auth  # type: ignore[attr-defined]
    assert isinstance(actor, Actor)
    return actor


def _b64(value: str, field: str) -> bytes:
    try:
        return b64url_decode(value)
    except (ValueError, binascii.Error):
        raise Invalid(
            f"{field} is not base64url.", code="invalid_base64", details={"field": field}
        ) from None


class ChallengeOut(Schema):
    challenge: str
    expires_at: datetime


@router.post(
    "/challenges",
    response={201: ChallengeOut},
    auth=organisation_auth,
    summary="Get a challenge for the key holder to sign (proof of possession)",
)
def create_challenge(request: HttpRequest) -> Status[ChallengeOut]:
    challenge = certificates.new_challenge(_actor(request))
    return Status(201, ChallengeOut(challenge=challenge.nonce, expires_at=challenge.expires_at))


class Basic4In(Schema):
    """The basic 4 items (基本4情報) as the registrar confirmed them."""

    name: str = Field(max_length=100)
    name_substitute: str = Field("", max_length=100)
    sex: Literal["1", "2"]
    date_of_birth: date
    address: str = Field(max_length=200)
    address_substitute: str = Field("", max_length=200)


class IssueIn(Schema):
    basic4: Basic4In
    subject_ref: str = Field(
        max_length=80, description="How the caller names the person, e.g. person:42"
    )
    csr: str = Field(
        "", max_length=16_384, description="PKCS#10 CSR (PEM); or use the three fields below"
    )
    public_key: str = Field("", max_length=4096, description="SubjectPublicKeyInfo DER, base64url")
    challenge: str = Field("", max_length=64)
    signature: str = Field(
        "", max_length=2048, description="Signature over the challenge, base64url"
    )
    alg: Literal["RS256", "PS256"] = "RS256"
    certificates: list[Literal["signing", "authentication"]] = ["signing", "authentication"]


class CertificateOut(Schema):
    serial: str
    kind: str
    fingerprint: str
    not_before: datetime
    not_after: datetime
    revoked_at: datetime | None
    revocation_reason: str | None
    pem: str

    @staticmethod
    def of(cert: Certificate) -> CertificateOut:
        return CertificateOut(
            serial=cert.serial,
            kind=cert.kind,
            fingerprint=cert.fingerprint,
            not_before=cert.not_before,
            not_after=cert.not_after,
            revoked_at=cert.revoked_at,
            revocation_reason=(
                RevocationReason(cert.revocation_reason).name.lower()
                if cert.revocation_reason is not None
                else None
            ),
            pem=cert.certificate.public_bytes(serialization.Encoding.PEM).decode(),
        )


class IssueOut(Schema):
    signing: CertificateOut | None
    authentication: CertificateOut | None
    chain: list[str] = Field(description="Issuing CA certificates (PEM)")
    root: str = Field(description="The platform root certificate (PEM)")


@router.post(
    "/citizen-certificates",
    response={201: IssueOut},
    auth=organisation_auth,
    summary="Issue a citizen's signing and authentication certificates",
)
def issue_citizen(request: HttpRequest, body: IssueIn) -> Status[IssueOut]:
    proof = certificates.ProofOfPossession(
        csr=body.csr,
        public_key_der=_b64(body.public_key, "public_key") if body.public_key else b"",
        challenge=body.challenge,
        signature=_b64(body.signature, "signature") if body.signature else b"",
        alg=body.alg,
    )
    items = BasicFourItems(**body.basic4.dict())
    pair = certificates.issue_citizen(
        _actor(request),
        proof,
        items,
        subject_ref=body.subject_ref,
        signing="signing" in body.certificates,
        authentication="authentication" in body.certificates,
    )
    pem = serialization.Encoding.PEM
    chain = [
        pki.active_ca(role).certificate.public_bytes(pem).decode()
        for role, cert in (
            (Certificate.Kind.CITIZEN_SIGN, pair.signing),
            (Certificate.Kind.CITIZEN_AUTH, pair.authentication),
        )
        if cert is not None
    ]
    return Status(
        201,
        IssueOut(
            signing=CertificateOut.of(pair.signing) if pair.signing else None,
            authentication=CertificateOut.of(pair.authentication) if pair.authentication else None,
            chain=chain,
            root=pki.root_ca().certificate.public_bytes(pem).decode(),
        ),
    )


@router.get(
    "/citizen-certificates/{serial}",
    response=CertificateOut,
    auth=organisation_auth,
    summary="A citizen certificate this municipality issued, with its status",
)
def get_certificate(request: HttpRequest, serial: str) -> CertificateOut:
    return CertificateOut.of(certificates.visible_certificate(_actor(request), serial))


class RevokeIn(Schema):
    reason: Literal[
        "unspecified", "key_compromise", "affiliation_changed", "superseded",
        "cessation_of_operation", "privilege_withdrawn",
    ] = "unspecified"  # fmt: skip


@router.post(
    "/citizen-certificates/{serial}/revoke",
    response=CertificateOut,
    auth=organisation_auth,
    summary="Revoke a citizen certificate (RFC 5280 reason)",
)
def revoke_certificate(request: HttpRequest, serial: str, body: RevokeIn) -> CertificateOut:
    cert = certificates.revoke_citizen(
        _actor(request), serial, RevocationReason[body.reason.upper()]
    )
    return CertificateOut.of(cert)


class VerifyJwsIn(Schema):
    jws: str = Field(max_length=MAX_UPLOAD_BYTES)
    payload: str | None = Field(None, description="For a detached JWS: the signed bytes, base64url")


class VerificationOut(Schema):
    id: str
    result: dict[str, Any]


def _verified(data: bytes, detached: bytes | None) -> VerificationOut:
    result = verify_upload(data, detached_payload=detached)
    record = evidence.record(result, data)
    return VerificationOut(id=str(record.id), result=result.as_dict())


@router.post(
    "/verify/jws",
    response=VerificationOut,
    auth=None,
    summary="Verify a JWS (compact serialisation); the evidence is kept",
)
def verify_jws(request: HttpRequest, body: VerifyJwsIn) -> VerificationOut:
    detached = _b64(body.payload, "payload") if body.payload is not None else None
    return _verified(body.jws.encode("utf-8", "replace"), detached)


@router.post(
    "/verify",
    response=VerificationOut,
    auth=None,
    summary="Verify an uploaded sealed PDF or JWS file; the evidence is kept",
)
def verify_file(
    request: HttpRequest, file: File[UploadedFile], payload: File[UploadedFile] | None = None
) -> VerificationOut:
    if (file.size or 0) > MAX_UPLOAD_BYTES:
        raise TooLarge(f"Files up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB are accepted.")
    detached = payload.read() if payload is not None else None
    return _verified(file.read(), detached)
