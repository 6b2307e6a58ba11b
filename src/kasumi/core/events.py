"""In-process domain events, delivered after the transaction that caused them commits.

Apps react to each other's facts without importing each other: the registry
publishes ``registry.resident.address_changed``; the trust app (later) subscribes
and revokes signing certificates. Payloads carry identifiers, never personal data
beyond what a subscriber needs, and are plain JSON-compatible values.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """A fact that happened: ``type`` is dotted (``app.subject.verb``)."""

    type: str
    payload: dict[str, Any]
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))


Handler = Callable[[Event], None]
_handlers: defaultdict[str, list[Handler]] = defaultdict(list)


def subscribe(event_type: str, handler: Handler) -> None:
    """Call ``handler`` for every committed event of ``event_type`` (``*`` for all)."""
    if handler not in _handlers[event_type]:
        _handlers[event_type].append(handler)


def unsubscribe(event_type: str, handler: Handler) -> None:
    if handler in _handlers.get(event_type, []):
        _handlers[event_type].remove(handler)


def has_subscribers(event_type: str) -> bool:
    """Cheap check so bulk writers skip building events nobody listens to."""
    return bool(_handlers.get(event_type) or _handlers.get("*"))


def _deliver(events: list[Event]) -> None:
    for event in events:
        for handler in [*_handlers.get(event.type, ()), *_handlers.get("*", ())]:
            try:
                handler(event)
            except Exception:
                # One failing subscriber must not stop the others; the payload
                # is not logged because it may identify a person.
                logger.exception("event handler %r failed for %s", handler, event.type)


def publish(event: Event) -> None:
    """Deliver ``event`` once the current transaction commits (at once outside one)."""
    publish_many([event])


def publish_many(events: Iterable[Event]) -> None:
    batch = [e for e in events if has_subscribers(e.type)]
    if batch:
        transaction.on_commit(lambda: _deliver(batch))
