"""The outcome of verifying a signed object (a JWS or a sealed PDF).

Every failure has a stable reason code; each reason maps to one of the plain
verdicts the verify page shows (valid, altered, revoked, expired,
unknown_issuer, invalid).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from django.utils.translation import gettext_lazy as _


class Verdict(StrEnum):
    VALID = "valid"
    ALTERED = "altered"
    REVOKED = "revoked"
    EXPIRED = "expired"
    UNKNOWN_ISSUER = "unknown_issuer"
    INVALID = "invalid"  # malformed, not allowed, or not a signature we can check


VERDICT_LABELS = {
    Verdict.VALID: _("Valid"),
    Verdict.ALTERED: _("Altered after signing"),
    Verdict.REVOKED: _("Certificate revoked"),
    Verdict.EXPIRED: _("Certificate expired or not yet valid"),
    Verdict.UNKNOWN_ISSUER: _("Unknown issuer"),
    Verdict.INVALID: _("Not a valid signature"),
}

# Reason code -> (verdict, explanation). Codes are stable API values.
REASONS: dict[str, tuple[Verdict, Any]] = {
    # JWS structure and algorithm
    "jws_malformed": (
        Verdict.INVALID,
        _("The JWS is not well formed (RFC 7515 compact serialisation)."),
    ),
    "jws_too_large": (Verdict.INVALID, _("The JWS is larger than the platform accepts.")),
    "jws_header_too_large": (Verdict.INVALID, _("The JWS protected header is too large.")),
    "alg_not_allowed": (Verdict.INVALID, _("Only RS256 and PS256 signatures are accepted.")),
    "crit_unsupported": (
        Verdict.INVALID,
        _("The JWS requires header extensions Kasumi does not understand."),
    ),
    "x5c_missing": (Verdict.INVALID, _("The JWS header carries no x5c certificate chain.")),
    "x5c_malformed": (Verdict.INVALID, _("A certificate in x5c cannot be read.")),
    "x5c_too_long": (Verdict.INVALID, _("The x5c chain has too many certificates.")),
    "payload_mismatch": (
        Verdict.ALTERED,
        _("The submitted bytes are not the bytes that were signed."),
    ),
    # certificate and chain
    "unknown_issuer": (
        Verdict.UNKNOWN_ISSUER,
        _("The certificate was not issued by the platform PKI."),
    ),
    "chain_invalid": (
        Verdict.UNKNOWN_ISSUER,
        _("The certificate's issuer signature does not verify."),
    ),
    "key_usage_invalid": (
        Verdict.INVALID,
        _("The certificate may not be used for this kind of signature."),
    ),
    "certificate_not_yet_valid": (
        Verdict.EXPIRED,
        _("The certificate was not yet valid at signing time."),
    ),
    "certificate_expired": (Verdict.EXPIRED, _("The certificate had expired at signing time.")),
    "certificate_revoked": (Verdict.REVOKED, _("The certificate was revoked.")),
    "issuer_revoked": (Verdict.REVOKED, _("The issuing CA was revoked.")),
    "revocation_unavailable": (
        Verdict.INVALID,
        _("The revocation status could not be determined."),
    ),
    # the signature itself
    "signature_invalid": (
        Verdict.ALTERED,
        _("The signature does not match the content: it was altered or forged."),
    ),
    # PDF
    "pdf_malformed": (Verdict.INVALID, _("The file is not a readable PDF.")),
    "pdf_not_signed": (Verdict.INVALID, _("The PDF carries no signature.")),
    "pdf_modified": (Verdict.ALTERED, _("The PDF was changed after it was sealed.")),
    "timestamp_invalid": (Verdict.INVALID, _("The time-stamp does not verify.")),
    "file_too_large": (Verdict.INVALID, _("The file is larger than the platform accepts.")),
    "unsupported_format": (Verdict.INVALID, _("The file is neither a PDF nor a JWS.")),
}


def verdict_for(reason: str | None) -> Verdict:
    if reason is None:
        return Verdict.VALID
    return REASONS.get(reason, (Verdict.INVALID, ""))[0]


class Check(NamedTuple):
    """One thing that was checked: ``name`` (stable), ``ok``, and a short detail.

    A named tuple: verifiers create several per signature, and it is the
    cheapest immutable record to make.
    """

    name: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class SignerInfo:
    """Who signed or sealed. Citizen certificates show no personal data here."""

    kind: str  # Certificate.Kind value or "" if unknown
    certificate_serial: str
    subject: str  # opaque CN for citizens; organisation / title for seals and officials
    issuer: str
    organisation_name: str = ""
    organisation_code: str = ""
    not_before: datetime | None = None
    not_after: datetime | None = None


@dataclass
class VerificationResult:
    object_type: str  # "jws" | "pdf"
    reason: str | None  # None when valid
    checks: list[Check] = field(default_factory=list)
    signer: SignerInfo | None = None
    signing_time: datetime | None = None
    signing_time_source: str = ""  # "timestamp" | "verification_time" | "given"
    verified_at: datetime | None = None
    revocation: dict[str, Any] = field(default_factory=dict)
    payload: bytes | None = None  # the signed bytes (JWS), when valid or altered-detectable
    # Which platform CA issued the signer's certificate (with signer.certificate_serial
    # this finds the Certificate row for evidence); None for foreign certificates.
    issuer_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return self.reason is None

    def fail(self, reason: str, check: str, detail: str = "") -> VerificationResult:
        """Record the failed ``check`` and its ``reason`` (a code from REASONS); returns self."""
        self.checks.append(Check(check, False, detail))
        self.reason = reason
        return self

    @property
    def verdict(self) -> Verdict:
        return verdict_for(self.reason)

    @property
    def message(self) -> str:
        if self.reason is None:
            return str(VERDICT_LABELS[Verdict.VALID])
        return str(REASONS.get(self.reason, (Verdict.INVALID, self.reason))[1])

    def as_dict(self) -> dict[str, Any]:
        """JSON-compatible form (API output and stored evidence); never the payload."""
        return {
            "object_type": self.object_type,
            "valid": self.valid,
            "verdict": self.verdict.value,
            "reason": self.reason,
            "message": self.message,
            "signer": _jsonable(asdict(self.signer)) if self.signer else None,
            "signing_time": self.signing_time.isoformat() if self.signing_time else None,
            "signing_time_source": self.signing_time_source,
            "verified_at": self.verified_at.isoformat() if self.verified_at else None,
            "checks": [c._asdict() for c in self.checks],
            "revocation": _jsonable(self.revocation),
            **({"details": _jsonable(self.extra)} if self.extra else {}),
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value
