"""JSON Web Signatures (RFC 7515) over the exact bytes of a submission.

Compact serialisation only, RS256 or PS256 only, with the signer's certificate
chain in ``x5c``. The payload may be attached (``header.payload.signature``) or
detached (``header..signature``, RFC 7515 Appendix F) with the bytes sent
beside it. :func:`verify` checks, in order: structure, algorithm, the
signature over the signing input, the chain to the platform root, key usage,
validity at signing time, and revocation; the first failure is the reason.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding

from kasumi.trust import chains, revocation
from kasumi.trust.keystore import rsa_padding
from kasumi.trust.models import RevocationReason
from kasumi.trust.profiles import SIGNING_KINDS
from kasumi.trust.results import Check, VerificationResult

ALGORITHMS = {"RS256": "pkcs1v15", "PS256": "pss"}
MAX_JWS_BYTES = 16 * 1024 * 1024
MAX_HEADER_BYTES = 16 * 1024
MAX_X5C = 4


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(value: str) -> bytes:
    # Strict: RFC 7515 base64url without padding and without other characters.
    if "=" in value or "+" in value or "/" in value:
        raise ValueError("not base64url")
    padded = (value + "=" * (-len(value) % 4)).encode("ascii").translate(_FROM_URLSAFE)
    return binascii.a2b_base64(padded, strict_mode=True)


_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


def sign(
    payload: bytes,
    key: rsa.RSAPrivateKey,
    chain: list[x509.Certificate],
    *,
    alg: str = "PS256",
    detached: bool = False,
    extra_header: dict[str, Any] | None = None,
) -> str:
    """A compact JWS over ``payload`` with ``chain`` (leaf first) in ``x5c``."""
    if alg not in ALGORITHMS:
        raise ValueError("alg must be RS256 or PS256")
    header: dict[str, Any] = {
        "alg": alg,
        "x5c": [base64.b64encode(c.public_bytes(Encoding.DER)).decode("ascii") for c in chain],
        **(extra_header or {}),
    }
    protected = b64url(json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode())
    encoded_payload = b64url(payload)
    signing_input = f"{protected}.{encoded_payload}".encode("ascii")
    signature = key.sign(signing_input, rsa_padding(ALGORITHMS[alg]), hashes.SHA256())  # type: ignore[arg-type]
    return f"{protected}.{'' if detached else encoded_payload}.{b64url(signature)}"


@dataclass(frozen=True)
class _Header:
    """What a protected header says, parsed once per distinct header (cached)."""

    reason: str | None
    detail: str = ""
    alg: str = ""
    info: chains.ChainInfo | None = None
    public_key: rsa.RSAPublicKey | None = None
    chain_ok: Check | None = None
    key_usage_ok: Check | None = None


_STRUCTURE_REASONS = frozenset({"jws_malformed", "jws_header_too_large"})
_ALGORITHM_REASONS = frozenset({"alg_not_allowed", "crit_unsupported"})
_PADDINGS = {alg: rsa_padding(pad) for alg, pad in ALGORITHMS.items()}  # type: ignore[arg-type]
_SHA256 = hashes.SHA256()
_HEADER_CACHE_LIMIT = 20_000
# Passing checks are the same on every signature: made once, shared (immutable).
_OK_STRUCTURE = Check("structure", True)
_OK_ALGORITHM = {alg: Check("algorithm", True, alg) for alg in ALGORITHMS}
_OK_SIGNATURE = Check("signature", True)
_OK_VALIDITY = Check("validity", True)
_OK_REVOCATION = Check("revocation", True, "good")
_header_cache: dict[str, _Header] = {}


def reset_cache() -> None:
    _header_cache.clear()


def _header(protected: str) -> _Header:
    # A signer's header (algorithm and x5c) is the same on every signature it
    # makes, so the base64, the JSON and the certificate are decoded once.
    cached = _header_cache.get(protected)
    if cached is not None:
        return cached
    parsed = _parse_header(protected)
    if len(_header_cache) >= _HEADER_CACHE_LIMIT:
        _header_cache.clear()
    _header_cache[protected] = parsed
    return parsed


def _parse_header(protected: str) -> _Header:
    if len(protected) > MAX_HEADER_BYTES * 4 // 3 + 4:
        return _Header("jws_header_too_large")
    try:
        header = json.loads(_b64url_decode(protected))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return _Header("jws_malformed", "bad base64url or JSON")
    if not isinstance(header, dict):
        return _Header("jws_malformed", "header is not a JSON object")
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        return _Header("alg_not_allowed", str(alg)[:20])
    if "crit" in header:
        return _Header("crit_unsupported")
    x5c = header.get("x5c")
    if not isinstance(x5c, list) or not x5c:
        return _Header("x5c_missing", alg=alg)
    if len(x5c) > MAX_X5C:
        return _Header("x5c_too_long", alg=alg)
    try:
        leaf_der = base64.b64decode(x5c[0], validate=True)
    except (TypeError, ValueError, binascii.Error):
        return _Header("x5c_malformed", alg=alg)
    info = chains.chain_info_der(leaf_der)
    if info.certificate is None or info.error == "x5c_malformed":
        return _Header("x5c_malformed", alg=alg)
    try:
        public_key = info.public_key or info.certificate.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return _Header("x5c_malformed", "unreadable public key", alg=alg)
    if not isinstance(public_key, rsa.RSAPublicKey):
        return _Header("key_usage_invalid", "not an RSA key", alg=alg)
    return _Header(
        None,
        alg=alg,
        info=info,
        public_key=public_key,
        chain_ok=Check("chain", True, info.authority.name) if info.authority else None,
        key_usage_ok=Check("key_usage", True, info.kind),
    )


def verify(
    token: str | bytes,
    *,
    payload: bytes | None = None,
    at: datetime | None = None,
    signing_time: datetime | None = None,
    signing_time_source: str = "",
    kinds: Collection[str] = SIGNING_KINDS,
) -> VerificationResult:
    """Verify a compact JWS. ``payload`` is required when the JWS is detached.

    ``signing_time`` is when the signature is known to have existed (from a
    verified time-stamp); without it the verification time stands in.
    ``kinds`` are the certificate kinds allowed to make this signature.
    """
    verified_at = at or datetime.now(UTC)
    result = VerificationResult("jws", None, verified_at=verified_at)
    checks = result.checks

    # -- structure
    if isinstance(token, bytes):
        if len(token) > MAX_JWS_BYTES:
            return result.fail("jws_too_large", "structure")
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError:
            return result.fail("jws_malformed", "structure", "not ASCII")
    token = token.strip()
    if len(token) > MAX_JWS_BYTES:
        return result.fail("jws_too_large", "structure")
    parts = token.split(".")
    if len(parts) != 3 or not parts[0] or not parts[2]:
        return result.fail("jws_malformed", "structure", "expected three dot-separated parts")
    protected, encoded_payload, encoded_signature = parts
    try:
        signature = _b64url_decode(encoded_signature)
        if encoded_payload:
            signed_bytes = _b64url_decode(encoded_payload)
        elif payload is not None:
            signed_bytes = payload
            encoded_payload = b64url(payload)
        else:
            return result.fail("jws_malformed", "structure", "detached payload not supplied")
    except (ValueError, binascii.Error):
        return result.fail("jws_malformed", "structure", "bad base64url")
    header = _header(protected)
    if header.reason is not None:
        if header.reason in _STRUCTURE_REASONS:
            return result.fail(header.reason, "structure", header.detail)
        checks.append(Check("structure", True))
        if header.reason in _ALGORITHM_REASONS:
            return result.fail(header.reason, "algorithm", header.detail)
        checks.append(Check("algorithm", True, header.alg))
        return result.fail(header.reason, "certificate", header.detail)
    if payload is not None and signed_bytes != payload:
        return result.fail("payload_mismatch", "payload")
    checks.append(_OK_STRUCTURE)
    alg = header.alg
    checks.append(_OK_ALGORITHM[alg])
    info = header.info
    assert info is not None and info.certificate is not None

    # -- the signature, with the leaf's key (before trusting anything about it)
    public_key = header.public_key
    assert public_key is not None
    try:
        public_key.verify(
            signature,
            f"{protected}.{encoded_payload}".encode("ascii"),
            _PADDINGS[alg],
            _SHA256,
        )
    except InvalidSignature:
        return result.fail("signature_invalid", "signature")
    checks.append(_OK_SIGNATURE)
    result.payload = signed_bytes

    # -- chain to the platform root
    if info.error is not None:
        return result.fail(info.error, "chain")
    assert info.authority is not None
    result.signer = info.signer
    result.issuer_id = info.authority.id
    checks.append(header.chain_ok or Check("chain", True, info.authority.name))
    if info.authority.revoked:
        return result.fail("issuer_revoked", "chain")

    # -- key usage
    if not info.can_commit or info.kind not in kinds:
        return result.fail("key_usage_invalid", "key_usage", info.kind)
    checks.append(header.key_usage_ok or Check("key_usage", True, info.kind))

    # -- validity at signing time
    when = signing_time or verified_at
    result.signing_time = when
    result.signing_time_source = signing_time_source or (
        "given" if signing_time else "verification_time"
    )
    assert info.not_before is not None and info.not_after is not None
    if when < info.not_before or when < info.authority.not_before:
        return result.fail("certificate_not_yet_valid", "validity")
    if when > info.not_after or when > info.authority.not_after:
        return result.fail("certificate_expired", "validity")
    checks.append(_OK_VALIDITY)

    # -- revocation
    answer = revocation.status(info.authority.id, info.serial)
    result.revocation = {
        "source": "revocation_log",
        "log_position": answer.log_position,
        "as_of": answer.as_of,
    }
    revoked = answer.revoked
    if revoked is not None:
        result.revocation["revoked_at"] = revoked.revoked_at
        result.revocation["reason"] = revoked.reason
        # A signature made before the revocation stays valid, unless the key
        # was compromised (then nothing it signed can be trusted).
        if revoked.revoked_at <= when or revoked.reason == RevocationReason.KEY_COMPROMISE:
            return result.fail("certificate_revoked", "revocation", revoked.revoked_at.isoformat())
        checks.append(Check("revocation", True, "revoked after signing time"))
    else:
        checks.append(_OK_REVOCATION)
    return result


def timestamp(token: str) -> bytes:
    """An RFC 3161 time-stamp over the JWS signature value (proof it existed now).

    The platform stamps a submission when it receives it; with the token kept
    beside the JWS, :func:`verify_timestamped` can later check the certificate
    at that time rather than at the time of checking.
    """
    from kasumi.trust import tsa

    return tsa.timestamp_data(_b64url_decode(token.strip().rsplit(".", 1)[-1]))


def verify_timestamped(
    token: str | bytes,
    timestamp_token: bytes,
    *,
    payload: bytes | None = None,
    at: datetime | None = None,
    kinds: Collection[str] = SIGNING_KINDS,
) -> VerificationResult:
    """Verify a JWS whose signing time is proven by a platform time-stamp."""
    from kasumi.trust import tsa

    text = token.decode("ascii", "replace") if isinstance(token, bytes) else token
    try:
        signature = _b64url_decode(text.strip().rsplit(".", 1)[-1])
        info = tsa.verify_token(timestamp_token, data=signature)
    except (ValueError, binascii.Error):
        return verify(token, payload=payload, at=at, kinds=kinds)
    except tsa.TimeStampError as exc:
        result = VerificationResult("jws", None, verified_at=at or datetime.now(UTC))
        return result.fail("timestamp_invalid", "timestamp", exc.code)
    result = verify(
        token,
        payload=payload,
        at=at,
        signing_time=info.gen_time,
        signing_time_source="timestamp",
        kinds=kinds,
    )
    result.checks.insert(0, Check("timestamp", True, info.gen_time.isoformat()))
    return result
