"""The OCSP responder (RFC 6960) for every platform CA.

:func:`respond` answers an HTTP request's OCSPRequest; :func:`response_for`
makes a response about one of our certificates in-process (evidence records,
PDF validation data) without going through HTTP. Both read the certificate's
status from the database at the moment of asking, not from the cached
snapshot in :mod:`kasumi.trust.revocation`: an OCSP response is signed
evidence, so it must say what the CA knows now.

Each CA answers through its delegated responder certificate (issued by that
CA, extended key usage OCSPSigning, id-pkix-ocsp-nocheck), named in the
response by key hash and included in ``certs`` so clients can build its chain.
Per process the responder reads each CA's name and key hashes once (for every
CertID hash algorithm cryptography supports) and keeps the parsed responder
certificate; a CertID it does not recognise makes it check whether the set of CAs changed
(and reload it) before answering unauthorized, so a CA created by another
process is picked up without a restart.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from kasumi.trust import pki
from kasumi.trust.crl import reason_flag
from kasumi.trust.keystore import KeyRef, KeyStoreError
from kasumi.trust.models import Certificate, CertificateAuthority
from kasumi.trust.x509sign import sign_ocsp

logger = logging.getLogger(__name__)

# How long a relying party may rely on an answer. An hour matches the CRL
# refresh interval and lets clients ride out a responder outage of that length
# (X-Road's users' main pain); revocations still show at once to anyone who
# asks again, since every answer is read from the database.
NEXT_UPDATE = timedelta(hours=1)
RESPONDER_RELOAD = 3600.0  # seconds: pick up a renewed responder certificate
NONCE_MAX = 32  # RFC 8954 §2.1: longer (or empty) nonces are malformed

# CertID hash algorithms accepted (all that cryptography's OCSP code supports).
_HASH_NAMES = ("sha1", "sha224", "sha256", "sha384", "sha512")
Status = ocsp.OCSPResponseStatus


class OCSPError(Exception):
    """The certificate is not one of ours, or its CA has no usable responder."""


@dataclass(frozen=True)
class Answer:
    """A DER OCSPResponse and what an HTTP cache needs to know about it."""

    der: bytes
    status: ocsp.OCSPResponseStatus
    next_update: datetime | None = None
    has_nonce: bool = False


@dataclass
class _Responder:
    certificate: x509.Certificate
    key: KeyRef
    loaded_at: float


@dataclass
class _Issuer:
    fingerprint: str
    slug: str
    certificate: x509.Certificate
    key_identifier: bytes | None
    # serial → fingerprint of the subordinate CAs this CA certified (root only).
    children: dict[int, str] = field(default_factory=dict)
    responder: _Responder | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class _CertStatus:
    status: ocsp.OCSPCertStatus
    revoked_at: datetime | None = None
    reason: x509.ReasonFlags | None = None


class _Issuers:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_hash: dict[tuple[str, bytes, bytes], _Issuer] = {}
        self.by_name: dict[bytes, list[_Issuer]] = {}
        self.by_fingerprint: dict[str, _Issuer] = {}
        self.loaded_at: float | None = None

    def load(self) -> None:
        by_fingerprint: dict[str, _Issuer] = {}
        parents: list[tuple[int | None, str, x509.Certificate]] = []
        ids: dict[int, str] = {}
        for ca in CertificateAuthority.objects.only(
            "id", "slug", "parent_id", "der", "fingerprint"
        ):
            cert = ca.certificate
            try:
                ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
                key_identifier: bytes | None = ski.value.digest
            except x509.ExtensionNotFound:
                key_identifier = None
            by_fingerprint[ca.fingerprint] = _Issuer(ca.fingerprint, ca.slug, cert, key_identifier)
            ids[ca.pk] = ca.fingerprint
            parents.append((ca.parent_id, ca.fingerprint, cert))
        for parent_id, fingerprint, cert in parents:
            if parent_id in ids:
                by_fingerprint[ids[parent_id]].children[cert.serial_number] = fingerprint
        by_hash: dict[tuple[str, bytes, bytes], _Issuer] = {}
        by_name: dict[bytes, list[_Issuer]] = {}
        for issuer in by_fingerprint.values():
            # Keep what was already loaded for a CA we knew (its responder).
            old = self.by_fingerprint.get(issuer.fingerprint)
            if old is not None:
                issuer.responder = old.responder
            name_der = issuer.certificate.subject.public_bytes()
            key_bits = _public_key_bits(issuer.certificate)
            for name in _HASH_NAMES:
                by_hash[(name, _digest(name, name_der), _digest(name, key_bits))] = issuer
            by_name.setdefault(name_der, []).append(issuer)
        with self.lock:
            self.by_hash, self.by_name = by_hash, by_name
            self.by_fingerprint = by_fingerprint
            self.loaded_at = time.monotonic()

    def _ensure(self, *, missed: bool) -> None:
        if self.loaded_at is None:
            self.load()
        elif missed:
            # Cheap (a handful of rows): reload only if CAs were added or replaced,
            # for instance by `kasumi pki init` in another process.
            recorded = set(CertificateAuthority.objects.values_list("fingerprint", flat=True))
            if recorded != set(self.by_fingerprint):
                self.load()

    def by_cert_id(self, algorithm: str, name_hash: bytes, key_hash: bytes) -> _Issuer | None:
        self._ensure(missed=False)
        found = self.by_hash.get((algorithm, name_hash, key_hash))
        if found is None:
            self._ensure(missed=True)
            found = self.by_hash.get((algorithm, name_hash, key_hash))
        return found

    def of_certificate(self, certificate: x509.Certificate) -> _Issuer | None:
        self._ensure(missed=False)
        found = self._match(certificate)
        if found is None:
            self._ensure(missed=True)
            found = self._match(certificate)
        return found

    def _match(self, certificate: x509.Certificate) -> _Issuer | None:
        # Every CA generation has the same name; the key tells them apart.
        try:
            aki = certificate.extensions.get_extension_for_class(
                x509.AuthorityKeyIdentifier
            ).value.key_identifier
        except x509.ExtensionNotFound:
            aki = None
        for issuer in self.by_name.get(certificate.issuer.public_bytes(), []):
            if aki is not None and issuer.key_identifier not in (None, aki):
                continue
            # The response will vouch for this certificate: it must really be ours.
            try:
                certificate.verify_directly_issued_by(issuer.certificate)
            except (ValueError, TypeError, InvalidSignature):
                continue
            return issuer
        return None

    def clear(self) -> None:
        with self.lock:
            self.by_hash, self.by_name, self.by_fingerprint = {}, {}, {}
            self.loaded_at = None


_issuers = _Issuers()


def reset() -> None:
    """Forget the CA table and responder certificates (tests; after a PKI change)."""
    _issuers.clear()


def _digest(algorithm: str, data: bytes) -> bytes:
    # CertIDs identify, they do not protect: SHA-1 is what the RFC and openssl use.
    return hashlib.new(algorithm, data, usedforsecurity=False).digest()


def _public_key_bits(certificate: x509.Certificate) -> bytes:
    """The subjectPublicKey BIT STRING's value, which the CertID key hash covers."""
    spki = asn1_x509.Certificate.load(
        certificate.public_bytes(serialization.Encoding.DER)
    ).public_key
    return bytes(spki["public_key"])


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _responder(issuer: _Issuer) -> _Responder:
    with issuer.lock:
        current = issuer.responder
        if current is not None and (
            time.monotonic() - current.loaded_at < RESPONDER_RELOAD
            and current.certificate.not_valid_after_utc > datetime.now(UTC) + NEXT_UPDATE
        ):
            return current
        ca = CertificateAuthority.objects.filter(fingerprint=issuer.fingerprint).first()
        if ca is None:
            raise OCSPError(f"CA {issuer.slug} is no longer recorded")
        try:
            row = pki.service_certificate(Certificate.Kind.OCSP_SIGNING, issuer=ca)
            key = pki.held_key(row)
        except pki.PKIError as exc:
            raise OCSPError(f"CA {issuer.slug} has no usable OCSP responder: {exc}") from None
        issuer.responder = _Responder(row.certificate, key, time.monotonic())
        return issuer.responder


def _status(issuer: _Issuer, serial: int) -> _CertStatus:
    """What the database says about ``serial`` under ``issuer`` now."""
    row = (
        Certificate.objects.filter(
            issuer__fingerprint=issuer.fingerprint, serial=format(serial, "x")
        )
        .values_list("revoked_at", "revocation_reason", "issuer__revoked_at")
        .first()
    )
    if row is not None:
        revoked_at, reason, ca_revoked_at = row
        if revoked_at is not None:
            return _CertStatus(ocsp.OCSPCertStatus.REVOKED, revoked_at, reason_flag(reason))
        if ca_revoked_at is not None:
            # RFC 6960 §2.7: a revoked CA's certificates are all revoked.
            return _CertStatus(ocsp.OCSPCertStatus.REVOKED, ca_revoked_at, None)
        return _CertStatus(ocsp.OCSPCertStatus.GOOD)
    child = issuer.children.get(serial)
    if child is not None:
        ca_row = (
            CertificateAuthority.objects.filter(fingerprint=child).values_list("revoked_at").first()
        )
        if ca_row is not None:
            if ca_row[0] is not None:
                # CertificateAuthority keeps no reason: the answer leaves it out.
                return _CertStatus(ocsp.OCSPCertStatus.REVOKED, ca_row[0], None)
            return _CertStatus(ocsp.OCSPCertStatus.GOOD)
    return _CertStatus(ocsp.OCSPCertStatus.UNKNOWN)


def _build(
    issuer: _Issuer,
    *,
    name_hash: bytes,
    key_hash: bytes,
    serial: int,
    algorithm: hashes.HashAlgorithm,
    nonce: bytes | None,
) -> Answer:
    responder = _responder(issuer)
    status = _status(issuer, serial)
    this_update = _now()
    next_update = this_update + NEXT_UPDATE
    builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
        issuer_name_hash=name_hash,
        issuer_key_hash=key_hash,
        serial_number=serial,
        algorithm=algorithm,
        cert_status=status.status,
        this_update=this_update,
        next_update=next_update,
        revocation_time=status.revoked_at,
        revocation_reason=status.reason,
    )
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    try:
        signed = sign_ocsp(builder, responder.key, responder.certificate)
    except KeyStoreError as exc:
        raise OCSPError(f"cannot sign with the responder key of CA {issuer.slug}: {exc}") from None
    return Answer(
        signed.public_bytes(serialization.Encoding.DER),
        Status.SUCCESSFUL,
        next_update,
        nonce is not None,
    )


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> Answer:
    der = ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
        serialization.Encoding.DER
    )
    return Answer(der, status)


def malformed_request() -> Answer:
    """The answer to a request that cannot be decoded at all (RFC 6960 §2.3)."""
    return _unsuccessful(Status.MALFORMED_REQUEST)


def answer(request_der: bytes) -> Answer:
    """Answer a DER OCSPRequest (one certificate per request)."""
    try:
        request = ocsp.load_der_ocsp_request(request_der)
        # Reading these parses the request's extensions: a malformed or
        # duplicated extension raises here.
        name_hash, key_hash = request.issuer_name_hash, request.issuer_key_hash
        serial = request.serial_number
        extensions = request.extensions
    except ValueError:
        return _unsuccessful(Status.MALFORMED_REQUEST)
    except NotImplementedError:
        # cryptography refuses requests for more than one certificate; so do we.
        return _unsuccessful(Status.MALFORMED_REQUEST)
    try:
        algorithm = request.hash_algorithm
    except UnsupportedAlgorithm:
        return _unsuccessful(Status.UNAUTHORIZED)  # no CertID of ours uses it
    nonce: bytes | None = None
    with contextlib.suppress(x509.ExtensionNotFound):
        nonce = extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    if nonce is not None and not 1 <= len(nonce) <= NONCE_MAX:
        return _unsuccessful(Status.MALFORMED_REQUEST)
    issuer = _issuers.by_cert_id(algorithm.name, name_hash, key_hash)
    if issuer is None:
        return _unsuccessful(Status.UNAUTHORIZED)
    try:
        return _build(
            issuer,
            name_hash=name_hash,
            key_hash=key_hash,
            serial=serial,
            algorithm=algorithm,
            nonce=nonce,
        )
    except OCSPError as exc:
        logger.error("OCSP responder unavailable: %s", exc)
        return _unsuccessful(Status.INTERNAL_ERROR)


def respond(request_der: bytes) -> bytes:
    """The DER OCSPResponse for a DER OCSPRequest."""
    return answer(request_der).der


def response_for(certificate: x509.Certificate) -> bytes:
    """A signed OCSP response (SHA-1 CertID, no nonce) about one of our certificates.

    Raises :class:`OCSPError` if none of the platform CAs issued it or its
    CA's responder cannot sign.
    """
    issuer = _issuers.of_certificate(certificate)
    if issuer is None:
        raise OCSPError("the certificate was not issued by a platform CA")
    # SHA-1 CertIDs are what every OCSP client matches (RFC 5019 §2.1.1).
    algorithm = hashes.SHA1()  # noqa: S303
    return _build(
        issuer,
        name_hash=_digest(algorithm.name, issuer.certificate.subject.public_bytes()),
        key_hash=_digest(algorithm.name, _public_key_bits(issuer.certificate)),
        serial=certificate.serial_number,
        algorithm=algorithm,
        nonce=None,
    ).der
