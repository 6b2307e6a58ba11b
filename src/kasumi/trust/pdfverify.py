"""Verify a sealed PDF: every signature and document time-stamp in the file.

:func:`verify_pdf` trusts only the platform root CA. The revocation data is
what the document carries in its DSS plus the current CRL and OCSP responses
from :mod:`kasumi.trust.crl` and :mod:`kasumi.trust.ocsp`, made in-process;
nothing is fetched. The work is pyHanko's: the seal is validated as a PAdES
signature with long-term availability (ETSI EN 319 102-1 §5.6.3, the chain of
document time-stamps as proof of existence), each document time-stamp with its
own validator, and every incremental update after a signature goes through
pyHanko's modification analysis. On top of that the platform's own rules:
the signer must chain to one of the platform CAs (:mod:`kasumi.trust.chains`)
and hold a certificate kind that may seal or sign, and a certificate revoked
for key compromise invalidates everything it signed, even before the
revocation (the same rule as :mod:`kasumi.trust.jws`).

Checks run in a fixed order and the first failure is the reason: structure,
signatures present, integrity of the seal, the signer's chain, key usage,
modifications after sealing, the signature time-stamp, long-term validation
(validity and revocation at the proven signing time), the platform's
revocation rule, and the document time-stamps.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp as cx_ocsp
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate, AdESPassed
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, ModificationLevel
from pyhanko.sign.validation import DocumentSecurityStore, async_validate_pdf_timestamp
from pyhanko.sign.validation.ades import AdESLTAValidationResult, ades_lta_validation
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.policy_decl import (
    CertificateFetchingRule,
    LocalKnowledge,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.status import (
    DocumentTimestampStatus,
    PdfSignatureStatus,
    SignatureCoverageLevel,
)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.fetchers.api import FetcherBackend, Fetchers
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, RevocationCheckingPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager
from pyhanko_certvalidator.revinfo.archival import CRLContainer, OCSPContainer

from kasumi.trust import chains, pki
from kasumi.trust.models import Certificate
from kasumi.trust.profiles import SIGNING_KINDS
from kasumi.trust.results import Check, VerificationResult

logger = logging.getLogger(__name__)
Kind = Certificate.Kind

MAX_PDF_BYTES = 20 * 1024 * 1024
# Limits on what pyHanko is asked to analyse (each revision is diffed against
# the signed one): a sealed document has three revisions and gains two with
# each archive time-stamp renewal, so these leave decades of room.
MAX_SIGNATURES = 32
MAX_REVISIONS = 100
MAX_DSS_ITEMS = 500

# AdES sub-indications (ETSI EN 319 102-1 §5.1.3) → Kasumi reason codes.
_ADES_REASONS: dict[Any, str] = {
    AdESFailure.FORMAT_FAILURE: "pdf_malformed",
    AdESFailure.HASH_FAILURE: "signature_invalid",
    AdESFailure.SIG_CRYPTO_FAILURE: "signature_invalid",
    AdESFailure.REVOKED: "certificate_revoked",
    AdESFailure.NOT_YET_VALID: "certificate_not_yet_valid",
    AdESIndeterminate.NOT_YET_VALID: "certificate_not_yet_valid",
    AdESIndeterminate.REVOKED_NO_POE: "certificate_revoked",
    AdESIndeterminate.REVOKED_CA_NO_POE: "issuer_revoked",
    AdESIndeterminate.EXPIRED: "certificate_expired",
    AdESIndeterminate.OUT_OF_BOUNDS_NO_POE: "certificate_expired",
    AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED: "certificate_expired",
    AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND: "unknown_issuer",
    AdESIndeterminate.CHAIN_CONSTRAINTS_FAILURE: "chain_invalid",
    AdESIndeterminate.CERTIFICATE_CHAIN_GENERAL_FAILURE: "chain_invalid",
    AdESIndeterminate.NO_SIGNING_CERTIFICATE_FOUND: "signature_invalid",
    AdESIndeterminate.SIGNED_DATA_NOT_FOUND: "pdf_malformed",
    AdESIndeterminate.TIMESTAMP_ORDER_FAILURE: "timestamp_invalid",
    AdESIndeterminate.CRYPTO_CONSTRAINTS_FAILURE: "signature_invalid",
    AdESIndeterminate.CRYPTO_CONSTRAINTS_FAILURE_NO_POE: "signature_invalid",
    AdESIndeterminate.SIG_CONSTRAINTS_FAILURE: "signature_invalid",
    AdESIndeterminate.TRY_LATER: "revocation_unavailable",
    AdESIndeterminate.REVOCATION_OUT_OF_BOUNDS_NO_POE: "revocation_unavailable",
    AdESIndeterminate.NO_POE: "revocation_unavailable",
}


class _Malformed(Exception):
    pass


class _NoFetching(FetcherBackend):
    """Stands in for pyHanko's HTTP backend: verification never goes online."""

    def get_fetchers(self) -> Fetchers:
        raise RuntimeError("Kasumi verifies PDFs offline; fetching is disabled")

    async def close(self) -> None:
        return None


# -- the revocation data: embedded in the document, and current ----------------------


@dataclass
class _Evidence:
    """Certificates and revocation data: the document's DSS and the platform's now."""

    root: asn1_x509.Certificate
    certs: list[asn1_x509.Certificate] = field(default_factory=list)
    embedded_crls: list[asn1_crl.CertificateList] = field(default_factory=list)
    embedded_ocsps: list[asn1_ocsp.OCSPResponse] = field(default_factory=list)
    current_crls: list[asn1_crl.CertificateList] = field(default_factory=list)
    current_ocsps: list[asn1_ocsp.OCSPResponse] = field(default_factory=list)
    current_tsu_ocsps: list[asn1_ocsp.OCSPResponse] = field(default_factory=list)
    current_status: dict[bytes, dict[str, Any]] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        return {
            "source": "document_and_current",
            "embedded": {
                "crls": len(self.embedded_crls),
                "ocsp_responses": len(self.embedded_ocsps),
            },
            "current": {"crls": len(self.current_crls), "ocsp_responses": len(self.current_ocsps)},
        }


def _read_dss(reader: PdfFileReader, evidence: _Evidence) -> bool:
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return False
    if len(dss.certs) + len(dss.ocsps) + len(dss.crls) > MAX_DSS_ITEMS:
        raise _Malformed("the document security store is implausibly large")
    evidence.certs.extend(dss.load_certs())
    evidence.embedded_ocsps.extend(
        asn1_ocsp.OCSPResponse.load(ref.get_object().data) for ref in dss.ocsps
    )
    evidence.embedded_crls.extend(
        asn1_crl.CertificateList.load(ref.get_object().data) for ref in dss.crls
    )
    return bool(dss.ocsps or dss.crls)


def _platform_certificates(sigs: Iterable[EmbeddedPdfSignature]) -> list[chains.ChainInfo]:
    """The signers' and TSUs' certificates in the file that the platform PKI issued."""
    found: dict[bytes, chains.ChainInfo] = {}
    for sig in sigs:
        candidates = [sig.signer_cert]
        for tst in _timestamp_tokens(sig):
            candidates.extend(_tst_certs(tst))
        for candidate in candidates:
            der = candidate.dump()
            if der in found:
                continue
            info = chains.chain_info_der(der)
            if info.error is None and info.certificate is not None:
                found[der] = info
    return list(found.values())


def _timestamp_tokens(sig: EmbeddedPdfSignature) -> list[Any]:
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    if sig.sig_object_type == "/DocTimeStamp":
        return [sig.signed_data]
    return list(extract_tst_data_iter(sig.signer_info, signed=False))


def _tst_certs(signed_data: Any) -> list[asn1_x509.Certificate]:
    return [c.chosen for c in signed_data["certificates"] or [] if c.name == "certificate"]


def _current_data(evidence: _Evidence, certificates: list[chains.ChainInfo]) -> None:
    """Current OCSP responses for our certificates in the file, and the root's CRL."""
    from kasumi.trust import crl, ocsp

    evidence.current_crls.append(asn1_crl.CertificateList.load(crl.current_crl(pki.root_ca())))
    for info in certificates:
        assert info.certificate is not None
        try:
            der = ocsp.response_for(info.certificate)
        except ocsp.OCSPError:
            logger.warning("no current OCSP response for certificate %s", info.serial)
            continue
        response = asn1_ocsp.OCSPResponse.load(der)
        evidence.current_ocsps.append(response)
        if info.kind == Kind.TIME_STAMPING:
            evidence.current_tsu_ocsps.append(response)
        single = cx_ocsp.load_der_ocsp_response(der)
        status: dict[str, Any] = {
            "status": single.certificate_status.name.lower(),
            "this_update": single.this_update_utc,
        }
        if single.certificate_status == cx_ocsp.OCSPCertStatus.REVOKED:
            status["revoked_at"] = single.revocation_time_utc
            reason = single.revocation_reason
            status["reason"] = reason.name if reason is not None else "unspecified"
        evidence.current_status[info.certificate.public_bytes(Encoding.DER)] = status


# -- pyHanko's validators --------------------------------------------------------------


def _spec(evidence: _Evidence) -> PdfSignatureValidationSpec:
    # pyHanko reads the DSS itself. Of the current data it gets the root's CRL
    # and the TSUs' OCSP responses: the newest document time-stamp is checked
    # now, and the proof of existence it gives the seal rests on that. The
    # seal's own current status is left to Kasumi's rule in _judge_seal: in
    # the AdES past validation a revocation after the seal would slide the
    # control time back to the revocation and fail a seal made before it.
    return PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=CertValidationPolicySpec(
                trust_manager=SimpleTrustManager.build(trust_roots=[evidence.root]),
                revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy.from_legacy("require")),
            ),
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY,
                certificate_fetching_rule=CertificateFetchingRule.NEVER_FETCH,
                fetcher_backend=_NoFetching(),
            ),
            local_knowledge=LocalKnowledge(
                known_crls=[CRLContainer(c) for c in evidence.current_crls],
                known_ocsps=[
                    item
                    for response in evidence.current_tsu_ocsps
                    for item in OCSPContainer.load_multi(response)
                ],
            ),
        ),
        diff_policy=DEFAULT_DIFF_POLICY,
    )


def _timestamp_context(evidence: _Evidence, moment: datetime) -> ValidationContext:
    """Validate a document time-stamp as of its own time, with the document's data."""
    return ValidationContext(
        trust_roots=[evidence.root],
        other_certs=evidence.certs,
        crls=evidence.embedded_crls,
        ocsps=evidence.embedded_ocsps,
        allow_fetching=False,
        moment=moment,
        revocation_mode="require",
    )


@dataclass
class _Outcome:
    seals: list[tuple[EmbeddedPdfSignature, AdESLTAValidationResult | Exception]]
    timestamps: list[tuple[EmbeddedPdfSignature, DocumentTimestampStatus | Exception]]


async def _validate_all(
    regular: list[EmbeddedPdfSignature],
    doc_timestamps: list[EmbeddedPdfSignature],
    evidence: _Evidence,
    when: datetime,
    point_in_time: bool,
) -> _Outcome:
    spec = _spec(evidence)
    timing = ValidationTimingInfo(
        validation_time=when, best_signature_time=when, point_in_time_validation=point_in_time
    )
    outcome = _Outcome([], [])
    for sig in regular:
        try:
            outcome.seals.append((sig, await ades_lta_validation(sig, spec, timing)))
        except Exception as exc:  # pyHanko raises many kinds on hostile input
            logger.info("signature %s did not validate: %r", sig.field_name, exc)
            outcome.seals.append((sig, exc))
    # A document time-stamp proves its own time: it is checked as of then with
    # the validation data the document carried; Kasumi's rules on current data
    # (revocation, expiry of the last one) follow in verify_pdf.
    for sig in doc_timestamps:
        try:
            moment = _tst_time(sig)
            status = await async_validate_pdf_timestamp(
                sig, _timestamp_context(evidence, moment), skip_diff=True
            )
            outcome.timestamps.append((sig, status))
        except Exception as exc:
            logger.info("document time-stamp %s did not validate: %r", sig.field_name, exc)
            outcome.timestamps.append((sig, exc))
    return outcome


def _tst_time(sig: EmbeddedPdfSignature) -> datetime:
    tst = sig.signed_data["encap_content_info"]["content"].parsed
    when: datetime = tst["gen_time"].native
    return when


# -- the verdict -----------------------------------------------------------------------


def _read(data: bytes) -> tuple[PdfFileReader, list[EmbeddedPdfSignature]]:
    head = data[:1024].lstrip()
    if not head.startswith(b"%PDF-"):
        raise _Malformed("no %PDF- header")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.xrefs.total_revisions > MAX_REVISIONS:
            raise _Malformed(f"more than {MAX_REVISIONS} revisions")
        sigs = list(reader.embedded_signatures)
        for sig in sigs:
            sig.signer_info  # noqa: B018 - parse the CMS now: a broken one is malformed
    except Exception as exc:  # the reader fails in many ways on damaged files
        raise _Malformed(str(exc)[:200] or type(exc).__name__) from exc
    return reader, sigs


def _modification_problem(status: PdfSignatureStatus | DocumentTimestampStatus) -> str | None:
    if status.coverage is None or status.coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        return "the signature does not cover its revision"
    level = status.modification_level
    if level == ModificationLevel.OTHER or status.docmdp_ok is False:
        return f"changes after signing ({level.name.lower() if level else 'unknown'})"
    return None


def _level(
    has_signature_ts: bool, has_dss: bool, doc_ts_after: bool
) -> str:  # PAdES baseline level (ETSI EN 319 142-1 §6)
    if not has_signature_ts:
        return "B-B"
    if not has_dss:
        return "B-T"
    return "B-LTA" if doc_ts_after else "B-LT"


def verify_pdf(data: bytes, *, at: datetime | None = None) -> VerificationResult:
    """Verify the seal(s) and document time-stamps of a PDF; see the module docstring.

    ``at`` verifies as of another time (default: now), e.g. to reproduce a
    past decision; revocation data is still the current one.
    """
    when = at or datetime.now(UTC)
    result = VerificationResult("pdf", None, verified_at=when)
    checks = result.checks

    # -- structure
    if len(data) > MAX_PDF_BYTES:
        return result.fail("file_too_large", "structure", f"{len(data)} bytes")
    try:
        reader, sigs = _read(data)
    except _Malformed as exc:
        return result.fail("pdf_malformed", "structure", str(exc))
    checks.append(Check("structure", True, f"{len(data)} bytes"))

    regular = [s for s in sigs if s.sig_object_type == "/Sig"]
    doc_timestamps = [s for s in sigs if s.sig_object_type == "/DocTimeStamp"]
    if not regular:
        return result.fail("pdf_not_signed", "signatures", f"{len(doc_timestamps)} time-stamps")
    if len(sigs) > MAX_SIGNATURES:
        return result.fail("pdf_malformed", "signatures", f"{len(sigs)} signatures")
    checks.append(
        Check(
            "signatures", True, f"{len(regular)} signature(s), {len(doc_timestamps)} time-stamp(s)"
        )
    )

    # -- evidence: gathered before the event loop (the database is not async)
    evidence = _Evidence(root=asn1_x509.Certificate.load(bytes(pki.root_ca().der)))
    try:
        has_dss = _read_dss(reader, evidence)
        platform_certs = _platform_certificates(sigs)
    except Exception as exc:
        return result.fail("pdf_malformed", "structure", f"unreadable DSS or CMS: {exc}"[:200])
    _current_data(evidence, platform_certs)
    result.revocation = evidence.describe()

    outcome = asyncio.run(_validate_all(regular, doc_timestamps, evidence, when, at is not None))

    # Bytes changed inside a later revision (the DSS, say) leave the seal intact
    # but break the document time-stamp over them: that is a change after sealing.
    broken = [
        (sig.signed_revision, sig.field_name)
        for sig, status in outcome.timestamps
        if isinstance(status, DocumentTimestampStatus) and not status.intact
    ]

    # -- the seals, in the order they were made; the last is the one reported
    for sig, validated in outcome.seals:
        after = [name for revision, name in broken if revision > sig.signed_revision]
        failed = _judge_seal(result, sig, validated, evidence, has_dss, doc_timestamps, when, after)
        if failed:
            return result

    # -- document time-stamps
    stamp_times: list[datetime] = []
    for index, (sig, status) in enumerate(outcome.timestamps):
        name = f"document_timestamp:{sig.field_name}"
        if isinstance(status, Exception):
            return result.fail("timestamp_invalid", name, str(status)[:200])
        if not status.intact:
            return result.fail("pdf_modified", name, "the time-stamped bytes were changed")
        if not status.valid or not status.trusted:
            return result.fail("timestamp_invalid", name, "the time-stamp does not verify")
        problem = _modification_problem(status)
        if problem is not None:
            return result.fail("pdf_modified", name, problem)
        tsu = status.signing_cert
        current = evidence.current_status.get(tsu.dump())
        if current is None:
            return result.fail("timestamp_invalid", name, "not a platform TSU")
        revoked = _revoked(current, status.timestamp)
        if revoked is not None:
            return result.fail("timestamp_invalid", name, f"TSU {revoked}")
        # The newest time-stamp carries the chain: once its TSU certificate
        # expires the document needs a new one (add_document_timestamp).
        if index == len(outcome.timestamps) - 1 and tsu.not_valid_after < when:
            return result.fail("timestamp_invalid", name, "the TSU certificate has expired")
        stamp_times.append(status.timestamp)
        checks.append(Check(name, True, status.timestamp.isoformat()))
    result.extra["document_timestamps"] = [t.isoformat() for t in stamp_times]
    return result


def _revoked(current: dict[str, Any], signing_time: datetime) -> str | None:
    """The platform's rule: revoked before ``signing_time``, or ever for key compromise."""
    if current["status"] != "revoked":
        return None
    revoked_at: datetime = current["revoked_at"]
    if current.get("reason") == "key_compromise" or revoked_at <= signing_time:
        return f"revoked {revoked_at.isoformat()} ({current.get('reason', 'unspecified')})"
    return None


def _judge_seal(
    result: VerificationResult,
    sig: EmbeddedPdfSignature,
    validated: AdESLTAValidationResult | Exception,
    evidence: _Evidence,
    has_dss: bool,
    doc_timestamps: list[EmbeddedPdfSignature],
    verified_at: datetime,
    broken_after: list[str],
) -> bool:
    """Add the checks for one signature; True if it failed (``result.reason`` set)."""
    checks = result.checks
    name = sig.field_name or "signature"
    if isinstance(validated, Exception):
        result.fail("signature_invalid", "integrity", f"{name}: {validated}"[:200])
        return True
    status = validated.api_status
    if status is None:
        reason = _ADES_REASONS.get(validated.ades_subindic, "signature_invalid")
        result.fail(reason, "ltv", f"{name}: {validated.ades_subindic}")
        return True

    # -- integrity: the bytes and the CMS signature
    if not status.intact or not status.valid:
        result.fail("signature_invalid", "integrity", name)
        return True
    checks.append(Check("integrity", True, f"{name}: {status.md_algorithm}"))

    # -- the platform's chain
    cert = x509.load_der_x509_certificate(sig.signer_cert.dump())
    info = chains.chain_info(cert)
    if info.signer is not None:
        result.signer = info.signer
    if info.error is not None or info.authority is None:
        result.fail(info.error or "unknown_issuer", "chain", cert.issuer.rfc4514_string()[:200])
        return True
    result.issuer_id = info.authority.id
    checks.append(Check("chain", True, info.authority.name))
    current = evidence.current_status.get(cert.public_bytes(Encoding.DER))
    if current is not None:
        result.revocation["signer"] = {k: _plain(v) for k, v in current.items()}
    if info.authority.revoked:
        result.fail("issuer_revoked", "chain", info.authority.name)
        return True
    if not info.can_commit or info.kind not in SIGNING_KINDS:
        result.fail("key_usage_invalid", "key_usage", info.kind)
        return True
    checks.append(Check("key_usage", True, info.kind))

    # -- changes after sealing
    problem = _modification_problem(status)
    if problem is None and broken_after:
        problem = f"bytes changed under document time-stamp {broken_after[0]}"
    if problem is not None:
        result.fail("pdf_modified", "modifications", problem)
        return True
    level = status.modification_level
    checks.append(Check("modifications", True, level.name.lower() if level is not None else "none"))

    # -- the signature time-stamp: when the seal is proven to have existed
    ts = status.timestamp_validity
    signing_time: datetime
    if ts is not None:
        if not ts.intact or not ts.valid or not ts.trusted:
            result.fail("timestamp_invalid", "signature_timestamp", name)
            return True
        signing_time, source = ts.timestamp, "timestamp"
        checks.append(Check("signature_timestamp", True, ts.timestamp.isoformat()))
    else:
        # Not a Kasumi seal (those always carry one), but a signature all the same.
        signing_time, source = verified_at, "verification_time"
        checks.append(Check("signature_timestamp", True, "none: signing time not proven"))
    result.signing_time, result.signing_time_source = signing_time, source

    # -- long-term validation: validity and revocation at the proven time
    indication = validated.ades_subindic
    if indication != AdESPassed.OK:
        reason = _ADES_REASONS.get(indication, "signature_invalid")
        label = getattr(indication, "name", str(indication))
        result.fail(reason, "ltv", f"{label}: {validated.failure_msg or ''}"[:200])
        return True
    checks.append(
        Check("ltv", True, f"proof of existence {validated.best_signature_time.isoformat()}")
    )

    # -- the platform's revocation rule, on current data
    if current is None:
        result.fail("revocation_unavailable", "revocation", "no current OCSP response")
        return True
    revoked = _revoked(current, signing_time)
    if revoked is not None:
        result.fail("certificate_revoked", "revocation", revoked)
        return True
    checks.append(
        Check(
            "revocation",
            True,
            "revoked after signing time" if current["status"] == "revoked" else current["status"],
        )
    )

    doc_ts_after = any(t.signed_revision > sig.signed_revision for t in doc_timestamps)
    result.extra.update(
        {
            "field": name,
            "pades_level": _level(ts is not None, has_dss, doc_ts_after),
            "coverage": status.coverage.name.lower() if status.coverage else "",
            "proof_of_existence": validated.best_signature_time.isoformat(),
            "certified": sig.docmdp_level is not None,
        }
    )
    return False


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
