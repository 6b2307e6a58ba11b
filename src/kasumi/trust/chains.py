"""Is a certificate one of ours? Chain building to the platform root, cached.

A leaf is accepted only if one of the platform's CAs (recorded at ``pki init``,
each signed by the platform root) signed it. What the signer sends along in
``x5c`` beyond the leaf is never trusted: the chain is built from our own CA
records. Results are cached per leaf certificate (by its DER bytes) because a
certificate signs many submissions; the cache is cleared when the CA set
changes (:func:`kasumi.trust.pki.reset_caches`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from kasumi.trust.models import Certificate, CertificateAuthority
from kasumi.trust.results import SignerInfo

Kind = Certificate.Kind
CARole = CertificateAuthority.Role
_CACHE_LIMIT = 50_000


@dataclass(frozen=True)
class Authority:
    id: int
    role: str
    name: str
    certificate: x509.Certificate
    not_before: datetime
    not_after: datetime
    revoked: bool


@dataclass(frozen=True)
class ChainInfo:
    """What verification needs to know about a leaf certificate, computed once."""

    error: str | None  # "unknown_issuer" | "chain_invalid" | "x5c_malformed" | None
    certificate: x509.Certificate | None = None
    public_key: rsa.RSAPublicKey | None = None
    authority: Authority | None = None
    serial: str = ""
    kind: str = ""
    not_before: datetime | None = None
    not_after: datetime | None = None
    can_commit: bool = False  # keyUsage digitalSignature + nonRepudiation, not a CA
    signer: SignerInfo | None = None


_lock = threading.Lock()
_authorities: list[Authority] | None = None
_by_der: dict[bytes, ChainInfo] = {}


def reset() -> None:
    global _authorities
    with _lock:
        _authorities = None
        _by_der.clear()


def authorities() -> list[Authority]:
    """Issuing CAs chained to an unrevoked platform root (loaded once per process)."""
    global _authorities
    current = _authorities
    if current is not None:
        return current
    cas = list(CertificateAuthority.objects.all())
    roots = {ca.id: ca for ca in cas if ca.role == CARole.ROOT and ca.revoked_at is None}
    loaded: list[Authority] = []
    for ca in cas:
        if ca.role == CARole.ROOT or ca.parent_id not in roots:
            continue
        try:
            ca.certificate.verify_directly_issued_by(roots[ca.parent_id].certificate)
        except (ValueError, TypeError, InvalidSignature):
            continue  # a damaged record never becomes trusted
        loaded.append(
            Authority(
                id=ca.id,
                role=ca.role,
                name=_cn(ca.certificate.subject),
                certificate=ca.certificate,
                not_before=ca.not_before,
                not_after=ca.not_after,
                revoked=ca.revoked_at is not None,
            )
        )
    with _lock:
        _authorities = loaded
    return loaded


def _cn(name: x509.Name) -> str:
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else name.rfc4514_string()


def _attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    attrs = name.get_attributes_for_oid(oid)
    return str(attrs[0].value) if attrs else ""


def _kind(authority: Authority, cert: x509.Certificate) -> str:
    if authority.role == CARole.CITIZEN_SIGN:
        return Kind.CITIZEN_SIGN
    if authority.role == CARole.CITIZEN_AUTH:
        return Kind.CITIZEN_AUTH
    if authority.role == CARole.ORGANISATION:
        return Kind.OFFICIAL if _attr(cert.subject, NameOID.TITLE) else Kind.ORGANISATION_SEAL
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return ""
    if x509.oid.ExtendedKeyUsageOID.TIME_STAMPING in eku:
        return Kind.TIME_STAMPING
    if x509.oid.ExtendedKeyUsageOID.OCSP_SIGNING in eku:
        return Kind.OCSP_SIGNING
    return ""


def _can_commit(cert: x509.Certificate) -> bool:
    try:
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        if bc.ca:
            return False
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return bool(ku.digital_signature and ku.content_commitment)


def _analyse(cert: x509.Certificate) -> ChainInfo:
    candidates = [a for a in authorities() if a.certificate.subject == cert.issuer]
    if not candidates:
        return ChainInfo("unknown_issuer", certificate=cert)
    for authority in candidates:
        try:
            cert.verify_directly_issued_by(authority.certificate)
        except (ValueError, TypeError, InvalidSignature):
            continue
        public_key = cert.public_key()
        if not isinstance(public_key, rsa.RSAPublicKey):
            return ChainInfo("key_usage_invalid", certificate=cert)
        kind = str(_kind(authority, cert))  # the plain value, for JSON and comparisons
        is_org = kind in (Kind.ORGANISATION_SEAL, Kind.OFFICIAL)
        serial = format(cert.serial_number, "x")
        return ChainInfo(
            None,
            certificate=cert,
            public_key=public_key,
            authority=authority,
            serial=serial,
            kind=kind,
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            can_commit=_can_commit(cert),
            signer=SignerInfo(
                kind=kind,
                certificate_serial=serial,
                subject=_cn(cert.subject),
                issuer=authority.name,
                organisation_name=_attr(cert.subject, NameOID.ORGANIZATION_NAME) if is_org else "",
                organisation_code=_attr(cert.subject, NameOID.SERIAL_NUMBER) if is_org else "",
                not_before=cert.not_valid_before_utc,
                not_after=cert.not_valid_after_utc,
            ),
        )
    # Same issuer name as one of ours but no valid signature: a forgery or a
    # foreign CA that copied our name.
    return ChainInfo("chain_invalid", certificate=cert)


def chain_info_der(der: bytes) -> ChainInfo:
    info = _by_der.get(der)
    if info is not None:
        return info
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return ChainInfo("x5c_malformed")
    try:
        info = _analyse(cert)
    except (ValueError, UnsupportedAlgorithm):
        # cryptography parses fields lazily: a certificate whose outer DER is
        # fine can still fail on its issuer, extensions or key.
        info = ChainInfo("x5c_malformed")
    with _lock:
        if len(_by_der) >= _CACHE_LIMIT:
            _by_der.clear()
        _by_der[der] = info
    return info


def chain_info(cert: x509.Certificate) -> ChainInfo:
    from cryptography.hazmat.primitives.serialization import Encoding

    return chain_info_der(cert.public_bytes(Encoding.DER))
