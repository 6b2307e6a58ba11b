"""Verify whatever someone uploads: a sealed PDF or a JWS, recognised by content.

The public verify page and API call :func:`verify_upload` and keep the
evidence with :func:`kasumi.trust.evidence.record`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from kasumi.trust import jws
from kasumi.trust.results import VerificationResult

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def sniff(data: bytes) -> str | None:
    """``"pdf"``, ``"jws"`` or None, from the first bytes."""
    head = data[:1024].lstrip()
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head[:2] == b"ey":  # base64url of '{"' — every JWS protected header starts so
        return "jws"
    return None


def verify_upload(
    data: bytes, *, detached_payload: bytes | None = None, at: datetime | None = None
) -> VerificationResult:
    at = at or datetime.now(UTC)
    if len(data) > MAX_UPLOAD_BYTES:
        return VerificationResult("unknown", None, verified_at=at).fail("file_too_large", "size")
    kind = sniff(data)
    if kind == "pdf":
        from kasumi.trust import pdfverify

        return pdfverify.verify_pdf(data, at=at)
    if kind == "jws":
        return jws.verify(data, payload=detached_payload, at=at)
    return VerificationResult("unknown", None, verified_at=at).fail("unsupported_format", "format")
