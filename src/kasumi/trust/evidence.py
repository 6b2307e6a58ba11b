"""Keeping the evidence of a verification with the object it verified.

A decision taken on a signature must be justifiable years later, so the record
holds what was checked, the result, the time, and a signed OCSP response for the
signer's certificate produced at verification time. Before recording, the
revocation status is re-read from the database: the fast check in
:mod:`kasumi.trust.jws` answers from a snapshot at most a second old, and the
record must not keep "good" for a certificate revoked in that second.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

from cryptography.x509 import load_der_x509_certificate

from kasumi.trust.models import Certificate, RevocationReason, Verification
from kasumi.trust.results import Check, VerificationResult
from kasumi.trust.revocation import status_from_database

logger = logging.getLogger(__name__)


def _certificate_for(result: VerificationResult) -> Certificate | None:
    if result.issuer_id is None or result.signer is None:
        return None
    return Certificate.objects.filter(
        issuer_id=result.issuer_id, serial=result.signer.certificate_serial
    ).first()


def recheck_revocation(result: VerificationResult, certificate: Certificate) -> None:
    """Apply the authoritative (database) revocation status to a passing result."""
    if not result.valid:
        return
    revoked = status_from_database(certificate)
    if revoked is None:
        result.checks.append(Check("revocation_recheck", True, "good"))
        return
    when = result.signing_time or result.verified_at
    if (when is not None and revoked.revoked_at <= when) or (
        revoked.reason == RevocationReason.KEY_COMPROMISE
    ):
        result.checks.append(Check("revocation_recheck", False, revoked.revoked_at.isoformat()))
        result.reason = "certificate_revoked"
    else:
        result.checks.append(Check("revocation_recheck", True, "revoked after signing time"))
    result.revocation["database_revoked_at"] = revoked.revoked_at.isoformat()


def record(result: VerificationResult, data: bytes, *, object_ref: str = "") -> Verification:
    """Store ``result`` as evidence about ``data`` (kept as a SHA-256, not the bytes)."""
    certificate = _certificate_for(result)
    ocsp_der: bytes | None = None
    if certificate is not None:
        recheck_revocation(result, certificate)
        try:
            from kasumi.trust import ocsp

            ocsp_der = ocsp.response_for(load_der_x509_certificate(bytes(certificate.der)))
            result.revocation["ocsp"] = "response kept with this record"
        except Exception:
            # Evidence without an OCSP response is weaker but still true; the
            # verification itself already happened.
            logger.exception("could not produce an OCSP response for the evidence record")
            result.revocation["ocsp"] = "unavailable"
    summary = result.as_dict()
    return Verification.objects.create(
        object_type=result.object_type,
        object_sha256=hashlib.sha256(data).hexdigest(),
        object_ref=object_ref[:120],
        verified_at=result.verified_at or datetime.now(UTC),
        verdict=result.verdict.value,
        reason=result.reason or "",
        signing_time=result.signing_time,
        signing_time_source=result.signing_time_source,
        signer_certificate=certificate,
        signer=summary["signer"] or {},
        checks=[c._asdict() for c in result.checks],
        ocsp_response=ocsp_der,
        revocation=summary["revocation"],
    )
