"""Bookkeeping does not grow forever: a running service prunes expired inbox records and dead
letters, and keeps recent ones and markers of events still in flight."""

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from services.kit.inbox import PARKED, PROCESSING
from tests.support.waiting import wait_until


@pytest.fixture
def pruning_registry(platform):
    """The registry pruning every second instead of every few minutes."""
    platform.restart("registry", prune_interval_seconds=1)
    yield
    platform.restart("registry")


def test_expired_bookkeeping_is_pruned_and_recent_or_in_flight_records_are_kept(
    platform, mongo, settings, pruning_registry
):
    db = mongo[settings.database("registry")]
    now = datetime.now(timezone.utc)
    month_ago, quarter_ago = now - timedelta(days=30), now - timedelta(days=100)

    def key(name):
        return f"registry.handle_suspension_ordered:{name}-{uuid.uuid4().hex}"

    old_done, old_parked, recent_done, in_flight = (
        key("old-done"),
        key("old-parked"),
        key("recent-done"),
        key("in-flight"),
    )
    db.inbox.insert_many(
        [
            {"_id": old_done, "status": PROCESSING, "claimed_at": month_ago, "attempts": 0},
            {"_id": old_parked, "status": PARKED, "claimed_at": month_ago, "attempts": 5},
            {"_id": recent_done, "status": PROCESSING, "claimed_at": now, "attempts": 0},
            {"_id": in_flight, "status": PROCESSING, "claimed_at": now, "attempts": 0},
        ]
    )
    db.inbox_done.insert_many(
        [{"_id": old_done, "done_at": month_ago}, {"_id": recent_done, "done_at": now}]
    )
    expired_letter, kept_letter = uuid.uuid4().hex, uuid.uuid4().hex
    letter = {"consumer": "registry.test", "event": {}, "error": "ValueError", "attempts": 5}
    db.dead_letters.insert_many(
        [
            {**letter, "_id": expired_letter, "parked_at": quarter_ago},
            {**letter, "_id": kept_letter, "parked_at": month_ago},
        ]
    )

    def ids(collection, candidates):
        return {document["_id"] for document in collection.find({"_id": {"$in": candidates}})}

    wait_until(
        lambda: (
            not (
                ids(db.inbox, [old_done, old_parked])
                or ids(db.inbox_done, [old_done])
                or ids(db.dead_letters, [expired_letter])
            )
        ),
        timeout=15,
        message="the expired bookkeeping to be pruned",
    )
    assert ids(db.inbox, [recent_done, in_flight]) == {recent_done, in_flight}
    assert ids(db.inbox_done, [recent_done]) == {recent_done}
    assert ids(db.dead_letters, [kept_letter]) == {kept_letter}
