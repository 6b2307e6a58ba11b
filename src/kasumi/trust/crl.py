"""Certificate revocation lists (RFC 5280 §5) for the platform CAs.

:func:`current_crl` returns a v2 CRL signed by the CA itself: one entry per
certificate the CA revoked (with its CRLReason unless unspecified), a CRL
Number and the Authority Key Identifier. The root's CRL is the authority
revocation list (ARL): it lists revoked issuing CAs and anything else the
root signed and revoked (its OCSP responder certificate).

Signing is not done per request. Each process keeps the last CRL it signed for
each CA and signs a new one only when the revocation log has changed for that
CA or the cached CRL is older than :data:`REFRESH_AFTER`; checking costs one
small query. CRL numbers come from ``CertificateAuthority.crl_number``,
incremented under a row lock, so however many processes sign, every CRL gets
a number of its own and numbers follow signing order.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.db import transaction
from django.db.models import Count, F, Max, OuterRef, Subquery

from kasumi.trust import pki
from kasumi.trust.models import CertificateAuthority, Revocation, RevocationReason
from kasumi.trust.x509sign import sign_crl

logger = logging.getLogger(__name__)

VALIDITY = timedelta(hours=24)  # nextUpdate - thisUpdate
REFRESH_AFTER = timedelta(hours=1)  # re-sign an unchanged CRL this often

# RFC 5280 §5.3.1 reason codes → cryptography's names; unspecified (0) is left
# out of the entry, as the RFC recommends.
REASON_FLAGS: dict[int, x509.ReasonFlags] = {
    RevocationReason.KEY_COMPROMISE: x509.ReasonFlags.key_compromise,
    RevocationReason.CA_COMPROMISE: x509.ReasonFlags.ca_compromise,
    RevocationReason.AFFILIATION_CHANGED: x509.ReasonFlags.affiliation_changed,
    RevocationReason.SUPERSEDED: x509.ReasonFlags.superseded,
    RevocationReason.CESSATION_OF_OPERATION: x509.ReasonFlags.cessation_of_operation,
    RevocationReason.CERTIFICATE_HOLD: x509.ReasonFlags.certificate_hold,
    RevocationReason.PRIVILEGE_WITHDRAWN: x509.ReasonFlags.privilege_withdrawn,
    RevocationReason.AA_COMPROMISE: x509.ReasonFlags.aa_compromise,
}


def reason_flag(reason: int | None) -> x509.ReasonFlags | None:
    """The CRLReason for a stored reason code (None for unspecified or absent)."""
    return REASON_FLAGS.get(reason) if reason is not None else None


@dataclass(frozen=True)
class IssuedCRL:
    der: bytes
    number: int
    this_update: datetime
    next_update: datetime


@dataclass(frozen=True)
class _LogState:
    """What a CRL was built from: (count, newest id) of the revocation log for
    the CA and (count, latest time) of its revoked subordinate CAs.

    The count catches rows that commit out of id order (PostgreSQL hands out
    ids before commit), which the newest id alone would miss.
    """

    revocations: tuple[int, int]
    revoked_cas: tuple[int, datetime | None]


@dataclass(frozen=True)
class _Cached:
    crl: IssuedCRL
    state: _LogState
    signed_at: float  # time.monotonic()


_cache: dict[tuple[int, str], _Cached] = {}
_locks: dict[tuple[int, str], threading.Lock] = {}
_locks_guard = threading.Lock()


def reset() -> None:
    """Forget every cached CRL (tests; after a restore of the database)."""
    with _locks_guard:
        _cache.clear()


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _lock_for(key: tuple[int, str]) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def _current_state(ca: CertificateAuthority) -> tuple[int, _LogState] | None:
    """The CA's CRL counter and log state, in one query (None if the CA is gone)."""
    revocations = Revocation.objects.filter(issuer_id=OuterRef("pk")).order_by().values("issuer_id")
    revoked_cas = (
        CertificateAuthority.objects.filter(parent_id=OuterRef("pk"), revoked_at__isnull=False)
        .order_by()
        .values("parent_id")
    )
    row = (
        CertificateAuthority.objects.filter(pk=ca.pk)
        .annotate(
            rev_count=Subquery(revocations.annotate(n=Count("id")).values("n")),
            rev_last=Subquery(revocations.annotate(m=Max("id")).values("m")),
            ca_count=Subquery(revoked_cas.annotate(n=Count("id")).values("n")),
            ca_last=Subquery(revoked_cas.annotate(m=Max("revoked_at")).values("m")),
        )
        .values_list("crl_number", "rev_count", "rev_last", "ca_count", "ca_last")
        .first()
    )
    if row is None:
        return None
    number, rev_count, rev_last, ca_count, ca_last = row
    return number, _LogState((rev_count or 0, rev_last or 0), (ca_count or 0, ca_last))


def _fresh(cached: _Cached | None, now: tuple[int, _LogState] | None) -> bool:
    if cached is None or now is None:
        return False
    number, state = now
    return (
        state == cached.state
        # A lower counter than ours means the database was restored or
        # replaced: what we hold may describe another history.
        and number >= cached.crl.number
        and time.monotonic() - cached.signed_at < REFRESH_AFTER.total_seconds()
        and datetime.now(UTC) < cached.crl.next_update
    )


def current(ca: CertificateAuthority) -> IssuedCRL:
    """The CA's current CRL, signed now only if the cached one is out of date."""
    key = (ca.pk, ca.fingerprint)
    cached = _cache.get(key)
    if _fresh(cached, _current_state(ca)):
        assert cached is not None
        return cached.crl
    with _lock_for(key):
        # Another thread of this process may have signed while we waited.
        cached = _cache.get(key)
        if _fresh(cached, _current_state(ca)):
            assert cached is not None
            return cached.crl
        crl, state = _sign(ca)
        _cache[key] = _Cached(crl, state, time.monotonic())
        return crl


def current_crl(ca: CertificateAuthority) -> bytes:
    """The DER encoding of the CA's current CRL."""
    return current(ca).der


def _entry(serial: int, revoked_at: datetime, reason: int | None) -> x509.RevokedCertificate:
    builder = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(revoked_at)
    flag = reason_flag(reason)
    if flag is not None:
        builder = builder.add_extension(x509.CRLReason(flag), critical=False)
    return builder.build()


def _sign(ca: CertificateAuthority) -> tuple[IssuedCRL, _LogState]:
    certificate = ca.certificate
    ski = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    key = pki.ca_key(ca)
    with transaction.atomic():
        # The UPDATE takes the row lock (a write lock on SQLite) until commit:
        # a concurrent signer waits, then gets the next number and reads a log
        # at least as new as ours, so numbers, thisUpdate and content all
        # move forward together and no two CRLs share a number.
        updated = CertificateAuthority.objects.filter(pk=ca.pk).update(
            crl_number=F("crl_number") + 1
        )
        if not updated:
            raise pki.PKIError(f"CA {ca.slug} no longer exists")
        number = (
            CertificateAuthority.objects.select_for_update()
            .filter(pk=ca.pk)
            .values_list("crl_number", flat=True)
            .get()
        )
        # The state is computed from the rows read, so it describes exactly
        # what this CRL contains.
        rows = list(
            Revocation.objects.filter(issuer_id=ca.pk)
            .order_by("id")
            .values_list("id", "serial", "revoked_at", "reason")
        )
        revoked_cas = list(
            CertificateAuthority.objects.filter(parent_id=ca.pk, revoked_at__isnull=False)
            .order_by("id")
            .values_list("der", "revoked_at")
        )
        this_update = _now()
        next_update = this_update + VALIDITY
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(certificate.subject)
            .last_update(this_update)
            .next_update(next_update)
            .add_extension(x509.CRLNumber(number), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                critical=False,
            )
        )
        for _, serial, revoked_at, reason in rows:
            builder = builder.add_revoked_certificate(_entry(int(serial, 16), revoked_at, reason))
        for der, ca_revoked_at in revoked_cas:
            assert ca_revoked_at is not None  # filtered on
            # CertificateAuthority keeps no reason: the entry says unspecified.
            serial_number = x509.load_der_x509_certificate(bytes(der)).serial_number
            builder = builder.add_revoked_certificate(_entry(serial_number, ca_revoked_at, None))
        signed = sign_crl(builder, key)
    logger.info(
        "signed CRL %d for CA %s (%d entries)", number, ca.slug, len(rows) + len(revoked_cas)
    )
    state = _LogState(
        (len(rows), max((r[0] for r in rows), default=0)),
        (len(revoked_cas), max((r[1] for r in revoked_cas if r[1] is not None), default=None)),
    )
    crl = IssuedCRL(
        der=signed.public_bytes(serialization.Encoding.DER),
        number=number,
        this_update=this_update,
        next_update=next_update,
    )
    return crl, state
