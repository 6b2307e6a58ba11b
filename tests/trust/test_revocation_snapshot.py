"""The verifiers' revocation snapshot: incremental, and blind to no committed row."""

from __future__ import annotations

from datetime import UTC, datetime

from kasumi.trust import revocation
from kasumi.trust.models import Certificate, Revocation, RevocationReason


def _log(cert: Certificate, row_id: int) -> None:
    Revocation.objects.create(
        id=row_id,
        certificate=cert,
        issuer_id=cert.issuer_id,
        serial=cert.serial,
        revoked_at=datetime.now(UTC),
        reason=RevocationReason.UNSPECIFIED,
    )


def test_row_committed_late_with_a_lower_id_is_still_seen(issue_citizen):
    certs = [issue_citizen(key_index=i, subject_ref=f"person:{i}")[1].signing for i in range(3)]
    revocation.reset()
    base = 1000
    _log(certs[0], base + 1)
    _log(certs[2], base + 3)  # id base+2 taken by a transaction that has not committed yet
    revocation.invalidate()
    assert revocation.status(certs[0].issuer_id, certs[0].serial).revoked
    assert revocation.status(certs[1].issuer_id, certs[1].serial).revoked is None
    _log(certs[1], base + 2)  # ... and now it commits
    revocation.invalidate()
    assert revocation.status(certs[1].issuer_id, certs[1].serial).revoked is not None


def test_revoke_in_this_process_is_visible_at_once(issue_citizen):
    _, pair, _ = issue_citizen()
    cert = pair.signing
    assert revocation.status(cert.issuer_id, cert.serial).revoked is None
    revocation.revoke(cert, RevocationReason.KEY_COMPROMISE)
    answer = revocation.status(cert.issuer_id, cert.serial)
    assert answer.revoked is not None and answer.revoked.reason == RevocationReason.KEY_COMPROMISE
    assert revocation.revoke(cert) is False  # final: a second revocation changes nothing
