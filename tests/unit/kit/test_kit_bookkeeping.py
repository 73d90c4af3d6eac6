"""Which bookkeeping records pruning may delete, and when."""

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from services.kit.inbox import Inbox
from services.kit.mongo import expired_ids
from services.kit.pure.clock import FixedClock

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
CUTOFF = NOW - timedelta(days=7)


def inbox(retention, dead_letter_retention=timedelta(days=90)):
    db = SimpleNamespace(inbox="inbox", inbox_done="inbox_done", dead_letters="dead_letters")
    return Inbox(db, FixedClock(NOW), 5, retention, dead_letter_retention)


def test_only_records_older_than_the_cutoff_expire():
    documents = [
        {"_id": "old", "claimed_at": CUTOFF - timedelta(seconds=1)},
        {"_id": "at the cutoff", "claimed_at": CUTOFF},
        {"_id": "recent", "claimed_at": NOW},
    ]
    assert expired_ids(documents, "claimed_at", CUTOFF) == ["old"]


def test_a_record_without_an_age_is_kept():
    documents = [{"_id": "no age"}, {"_id": "empty age", "done_at": None}]
    assert expired_ids(documents, "done_at", CUTOFF) == []


def test_markers_and_completions_share_the_inbox_retention_dead_letters_keep_their_own():
    cutoffs = {
        collection: (field, cutoff)
        for collection, field, cutoff in inbox(timedelta(days=7)).bookkeeping()
    }
    assert cutoffs == {
        "inbox": ("claimed_at", CUTOFF),
        "inbox_done": ("done_at", CUTOFF),
        "dead_letters": ("parked_at", NOW - timedelta(days=90)),
    }


def test_a_retention_too_short_for_redeliveries_still_keeps_the_last_hour():
    cutoffs = [
        cutoff
        for collection, _, cutoff in inbox(timedelta(0)).bookkeeping()
        if collection != "dead_letters"
    ]
    assert cutoffs == [NOW - timedelta(hours=1)] * 2
