"""Issuing a citizen's certificate pair for a key whose holder proved possession.

Proof of possession is either a PKCS#10 CSR (self-signed by the key) or a
platform challenge signed with the key (what a browser's WebCrypto key can
do: RS256 or PS256 over the challenge's ASCII bytes). The caller, a
municipality's registrar who checked the person at the counter, passes the
basic 4 items and a subject reference; trust never reads the registry.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import transaction

from kasumi.core.apierrors import Invalid
from kasumi.core.models import Organisation
from kasumi.trust import pki, profiles
from kasumi.trust.basic4 import (
    Basic4Error,
    BasicFourItems,
    signing_certificate_expiry,
    subject_alt_name,
)
from kasumi.trust.keystore import rsa_padding
from kasumi.trust.models import Certificate, IssuanceChallenge

Kind = Certificate.Kind
CHALLENGE_TTL = timedelta(minutes=10)


class ProofError(Invalid):
    """The key holder did not prove possession of the private key."""

    code = "proof_of_possession_failed"


def b64url_decode(value: str) -> bytes:
    value = value.strip()
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def new_challenge(organisation: Organisation) -> IssuanceChallenge:
    return IssuanceChallenge.objects.create(
        nonce=secrets.token_urlsafe(32),
        organisation=organisation,
        expires_at=datetime.now(UTC) + CHALLENGE_TTL,
    )


def _rsa_key(key: object) -> rsa.RSAPublicKey:
    if not isinstance(key, rsa.RSAPublicKey):
        raise Invalid("Only RSA public keys are accepted.", code="unsupported_key")
    if key.key_size < profiles.END_ENTITY_KEY_BITS:
        raise Invalid(
            f"RSA keys must be at least {profiles.END_ENTITY_KEY_BITS} bits.", code="key_too_small"
        )
    return key


def key_from_csr(csr_pem: str | bytes) -> rsa.RSAPublicKey:
    """The public key of a CSR whose self-signature verifies (proof of possession)."""
    data = csr_pem.encode() if isinstance(csr_pem, str) else csr_pem
    try:
        csr = (
            x509.load_pem_x509_csr(data)
            if data.lstrip().startswith(b"-----")
            else x509.load_der_x509_csr(data)
        )
    except ValueError:
        raise Invalid(
            "The CSR is not a PKCS#10 request in PEM or DER.", code="csr_malformed"
        ) from None
    key = _rsa_key(csr.public_key())
    if not csr.is_signature_valid:
        raise ProofError("The CSR's signature does not verify with its own key.")
    return key


def key_from_challenge(
    organisation: Organisation, *, public_key_der: bytes, nonce: str, signature: bytes, alg: str
) -> rsa.RSAPublicKey:
    """Check a signed challenge and use it up (each nonce proves one key, once)."""
    try:
        key = serialization.load_der_public_key(public_key_der)
    except ValueError:
        raise Invalid(
            "public_key must be a DER SubjectPublicKeyInfo (base64url).",
            code="public_key_malformed",
        ) from None
    rsa_key = _rsa_key(key)
    if alg not in ("RS256", "PS256"):
        raise Invalid("alg must be RS256 or PS256.", code="alg_not_allowed")
    with transaction.atomic():
        challenge = (
            IssuanceChallenge.objects.select_for_update()
            .filter(nonce=nonce, organisation=organisation)
            .first()
        )
        if challenge is None:
            raise ProofError("Unknown challenge.", code="challenge_unknown")
        if challenge.used_at is not None:
            raise ProofError("This challenge was already used.", code="challenge_used")
        if challenge.expires_at <= datetime.now(UTC):
            raise ProofError("The challenge has expired.", code="challenge_expired")
        try:
            rsa_key.verify(
                signature,
                nonce.encode("ascii"),
                rsa_padding("pss" if alg == "PS256" else "pkcs1v15"),
                hashes.SHA256(),
            )
        except InvalidSignature:
            raise ProofError("The challenge signature does not verify with this key.") from None
        challenge.used_at = datetime.now(UTC)
        challenge.save(update_fields=["used_at"])
    return rsa_key


@dataclass(frozen=True)
class CitizenPair:
    signing: Certificate | None
    authentication: Certificate | None


def _opaque_cn() -> str:
    # Random, so the CN reveals nothing and cannot be linked across certificates.
    return "K" + secrets.token_hex(10).upper()


def issue_citizen_certificates(
    public_key: rsa.RSAPublicKey,
    basic4: BasicFourItems,
    *,
    subject_ref: str,
    issued_by: Organisation | None,
    signing: bool = True,
    authentication: bool = True,
    now: datetime | None = None,
) -> CitizenPair:
    """Issue the signing (署名用) and/or authentication (利用者証明用) certificate."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    try:
        basic4.validate(now.date())
    except Basic4Error as exc:
        raise Invalid(str(exc), code="basic4_invalid", details={"field": exc.field}) from None
    if not subject_ref:
        raise Invalid("subject_ref is required.", code="subject_ref_missing")
    if not (signing or authentication):
        raise Invalid("Ask for at least one certificate.", code="nothing_to_issue")
    key = _rsa_key(public_key)
    expires = signing_certificate_expiry(basic4.date_of_birth, now)
    issuance = uuid.uuid4()
    with transaction.atomic():
        sign_cert = auth_cert = None
        if signing:
            sign_cert = pki.issue(
                Kind.CITIZEN_SIGN,
                public_key=key,
                subject=profiles.opaque_name(_opaque_cn(), "Citizen Signing"),
                not_before=now,
                not_after=expires,
                extra_extensions=[(subject_alt_name(basic4), False)],
                subject_ref=subject_ref,
                issued_by=issued_by,
                issuance=issuance,
            )
        if authentication:
            auth_cert = pki.issue(
                Kind.CITIZEN_AUTH,
                public_key=key,
                subject=profiles.opaque_name(_opaque_cn(), "Citizen Authentication"),
                not_before=now,
                not_after=expires,
                subject_ref=subject_ref,
                issued_by=issued_by,
                issuance=issuance,
            )
    return CitizenPair(sign_cert, auth_cert)
