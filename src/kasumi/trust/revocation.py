"""Revoking certificates, and a fast view of what is revoked for verifiers.

:func:`revoke` writes the certificate's status and appends to the revocation
log in one transaction. Verifiers ask :func:`status` instead of the database:
it answers from an in-process snapshot of the log that is refreshed
incrementally (only rows newer than the last seen id) when it is older than
``KASUMI_REVOCATION_MAX_AGE`` seconds (default 1) and at once after a
revocation in this process. This is the freshness a relying party gets from a
cached OCSP response, without a database round trip on every signature. Where
a decision rests on the answer, :mod:`kasumi.trust.evidence` re-checks against
the database and keeps a signed OCSP response.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import Q

from kasumi.trust.models import Certificate, Revocation, RevocationReason


class RevocationError(Exception):
    pass


@dataclass(frozen=True)
class RevokedEntry:
    revoked_at: datetime
    reason: int


@dataclass(frozen=True)
class StatusAnswer:
    """Whether (issuer, serial) is revoked, and which revocation data said so."""

    revoked: RevokedEntry | None
    log_position: int  # id of the newest revocation log row the snapshot had seen
    as_of: datetime  # when the snapshot was last brought up to date


MAX_AGE = float(os.environ.get("KASUMI_REVOCATION_MAX_AGE", "1"))


# Ids that were skipped when the snapshot last read the log are looked for again
# for this long: on PostgreSQL a transaction that took an id earlier may commit
# later (then the row appears), or roll back (then the id never fills).
GAP_PATIENCE_SECONDS = 600.0


class _Snapshot:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[tuple[int, str], RevokedEntry] = {}
        self.last_id = 0
        self.gaps: dict[int, float] = {}  # missing id -> when first missed (monotonic)
        self.refreshed = 0.0  # monotonic
        self.as_of = datetime.fromtimestamp(0, UTC)

    def refresh(self) -> None:
        with self.lock:
            now = time.monotonic()
            self.gaps = {i: t for i, t in self.gaps.items() if now - t < GAP_PATIENCE_SECONDS}
            condition = Q(id__gt=self.last_id)
            if self.gaps:
                condition |= Q(id__in=list(self.gaps))
            rows = (
                Revocation.objects.filter(condition)
                .order_by("id")
                .values_list("id", "issuer_id", "serial", "revoked_at", "reason")
            )
            expected = self.last_id + 1
            for row_id, issuer_id, serial, revoked_at, reason in rows.iterator(chunk_size=10_000):
                self.entries[(issuer_id, serial)] = RevokedEntry(revoked_at, reason)
                if row_id in self.gaps:
                    del self.gaps[row_id]
                    continue
                # A sequence can jump far (PostgreSQL after a crash); remember a bounded tail.
                for missing in range(max(expected, row_id - 10_000), row_id):
                    self.gaps[missing] = now
                expected = row_id + 1
                self.last_id = row_id
            self.refreshed = now
            self.as_of = datetime.now(UTC)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.gaps.clear()
            self.last_id = 0
            self.refreshed = 0.0


_snapshot = _Snapshot()


def reset() -> None:
    """Forget the snapshot (the next status call reloads it from the log)."""
    _snapshot.clear()


def invalidate() -> None:
    """Make the next status call refresh (after a revocation in this process)."""
    _snapshot.refreshed = 0.0


def status(issuer_id: int, serial: str) -> StatusAnswer:
    if time.monotonic() - _snapshot.refreshed > MAX_AGE:
        _snapshot.refresh()
    return StatusAnswer(
        _snapshot.entries.get((issuer_id, serial)), _snapshot.last_id, _snapshot.as_of
    )


def status_from_database(certificate: Certificate) -> RevokedEntry | None:
    """The authoritative answer, read now."""
    row = (
        Certificate.objects.filter(pk=certificate.pk)
        .values_list("revoked_at", "revocation_reason")
        .first()
    )
    if row is None or row[0] is None:
        return None
    return RevokedEntry(row[0], row[1] if row[1] is not None else 0)


def revoke(
    certificate: Certificate,
    reason: int = RevocationReason.UNSPECIFIED,
    *,
    cause: str = "",
    by: str = "",
    at: datetime | None = None,
) -> bool:
    """Revoke ``certificate``. False if it already was (revocation is final)."""
    return revoke_many([certificate.pk], reason, cause=cause, by=by, at=at) == 1


def revoke_many(
    certificate_ids: Iterable[int],
    reason: int = RevocationReason.UNSPECIFIED,
    *,
    cause: str = "",
    by: str = "",
    at: datetime | None = None,
) -> int:
    """Revoke the given certificates that are not revoked yet; returns how many."""
    if reason not in RevocationReason.values:
        raise RevocationError(f"{reason} is not an RFC 5280 revocation reason Kasumi accepts")
    at = at or datetime.now(UTC).replace(microsecond=0)
    ids = list(certificate_ids)
    with transaction.atomic():
        certs = list(
            Certificate.objects.select_for_update()
            .filter(pk__in=ids, revoked_at__isnull=True)
            .only("id", "issuer_id", "serial")
        )
        if not certs:
            return 0
        Certificate.objects.filter(pk__in=[c.pk for c in certs]).update(
            revoked_at=at, revocation_reason=reason
        )
        Revocation.objects.bulk_create(
            Revocation(
                certificate_id=c.pk,
                issuer_id=c.issuer_id,
                serial=c.serial,
                revoked_at=at,
                reason=reason,
                cause=cause[:100],
                revoked_by=by[:100],
            )
            for c in certs
        )
        transaction.on_commit(invalidate)
    invalidate()
    return len(certs)
