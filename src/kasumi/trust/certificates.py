"""Certificate services for callers: who may issue, revoke or look up what.

Citizen certificates are issued and revoked by a municipality's registrars
(:data:`kasumi.core.roles.CERTIFICATE_ISSUE`), who check the person at the
counter; a municipality sees only the certificates it issued. The API and
admin are thin layers over these functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import rsa

from kasumi.core.actors import Actor
from kasumi.core.apierrors import Forbidden, Invalid, NotFound
from kasumi.core.models import Organisation
from kasumi.core.roles import CERTIFICATE_ISSUE
from kasumi.trust import issuance
from kasumi.trust.basic4 import BasicFourItems
from kasumi.trust.models import Certificate, IssuanceChallenge, RevocationReason
from kasumi.trust.revocation import revoke

Kind = Certificate.Kind


def _issuing_organisation(actor: Actor) -> Organisation:
    org = actor.organisation
    if org is None or org.kind != Organisation.Kind.MUNICIPALITY:
        raise Forbidden(
            "Citizen certificates are issued by municipalities.", code="not_an_issuing_office"
        )
    if not actor.has_any_role(CERTIFICATE_ISSUE):
        raise Forbidden(
            "Issuing and revoking citizen certificates needs the registrar role.",
            code="role_not_permitted",
        )
    return org


def new_challenge(actor: Actor) -> IssuanceChallenge:
    return issuance.new_challenge(_issuing_organisation(actor))


@dataclass(frozen=True)
class ProofOfPossession:
    """Either a CSR, or a public key with a signed challenge."""

    csr: str = ""
    public_key_der: bytes = b""
    challenge: str = ""
    signature: bytes = b""
    alg: str = "RS256"


def issue_citizen(
    actor: Actor,
    proof: ProofOfPossession,
    basic4: BasicFourItems,
    *,
    subject_ref: str,
    signing: bool = True,
    authentication: bool = True,
) -> issuance.CitizenPair:
    org = _issuing_organisation(actor)
    key: rsa.RSAPublicKey
    if proof.csr:
        key = issuance.key_from_csr(proof.csr)
    elif proof.public_key_der and proof.challenge and proof.signature:
        key = issuance.key_from_challenge(
            org,
            public_key_der=proof.public_key_der,
            nonce=proof.challenge,
            signature=proof.signature,
            alg=proof.alg,
        )
    else:
        raise Invalid(
            "Prove possession of the key: send a CSR, or a public key with a signed challenge.",
            code="proof_of_possession_missing",
        )
    return issuance.issue_citizen_certificates(
        key,
        basic4,
        subject_ref=subject_ref,
        issued_by=org,
        signing=signing,
        authentication=authentication,
    )


def visible_certificate(actor: Actor, serial: str) -> Certificate:
    """A citizen certificate the actor's municipality issued (404 otherwise)."""
    org = _issuing_organisation(actor)
    cert = (
        Certificate.objects.filter(
            serial=serial.lower(), issued_by=org, kind__in=(Kind.CITIZEN_SIGN, Kind.CITIZEN_AUTH)
        )
        .select_related("issuer")
        .first()
    )
    if cert is None:
        raise NotFound(
            "No certificate with this serial was issued here.", code="certificate_not_found"
        )
    return cert


def revoke_citizen(actor: Actor, serial: str, reason: int) -> Certificate:
    cert = visible_certificate(actor, serial)
    if reason not in RevocationReason.values:
        raise Invalid("Not an RFC 5280 revocation reason.", code="invalid_reason")
    revoke(cert, reason, cause="request at the counter", by=actor.label)
    cert.refresh_from_db()
    return cert
