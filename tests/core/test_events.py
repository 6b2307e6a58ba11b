from __future__ import annotations

import pytest
from django.db import transaction

from kasumi.core import events


@pytest.fixture
def received():
    got: list[events.Event] = []
    events.subscribe("test.thing.happened", got.append)
    yield got
    events.unsubscribe("test.thing.happened", got.append)


@pytest.mark.django_db(transaction=True)
def test_events_are_delivered_only_after_commit(received):
    with transaction.atomic():
        events.publish(events.Event("test.thing.happened", {"id": 1}))
        assert received == []
    assert [e.payload for e in received] == [{"id": 1}]


@pytest.mark.django_db(transaction=True)
def test_events_of_a_rolled_back_transaction_are_never_delivered(received):
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish(events.Event("test.thing.happened", {"id": 2}))
        raise RuntimeError("boom")
    assert received == []


@pytest.mark.django_db(transaction=True)
def test_a_failing_subscriber_does_not_stop_the_others(received):
    def broken(event):
        raise ValueError("subscriber bug")

    events.subscribe("test.thing.happened", broken)
    try:
        events.publish(events.Event("test.thing.happened", {"id": 3}))
    finally:
        events.unsubscribe("test.thing.happened", broken)
    assert len(received) == 1


def test_nobody_listening_means_nothing_is_queued():
    assert not events.has_subscribers("test.nobody.listens")
