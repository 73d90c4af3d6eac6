"""Which pending outbox events the relay publishes, and in what order."""

from datetime import datetime, timedelta, timezone

from services.kit.outbox import due_batches

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
GRACE = timedelta(seconds=5)


def event(event_id, seconds_ago):
    at = NOW - timedelta(seconds=seconds_ago)
    return {"id": event_id, "time": at.isoformat().replace("+00:00", "Z")}


def ids(batches):
    return [(document_id, [e["id"] for e in events]) for document_id, events in batches]


def test_events_younger_than_the_grace_period_are_left_to_their_command():
    documents = [{"_id": "a", "outbox": [event("a1", 4)]}]
    assert due_batches(documents, NOW, GRACE) == []


def test_event_exactly_at_the_grace_period_is_due():
    documents = [{"_id": "a", "outbox": [event("a1", 5)]}]
    assert ids(due_batches(documents, NOW, GRACE)) == [("a", ["a1"])]


def test_document_events_keep_their_order_and_stop_at_the_first_young_one():
    documents = [
        {"_id": "a", "outbox": [event("a1", 60), event("a2", 30), event("a3", 2), event("a4", 40)]}
    ]
    assert ids(due_batches(documents, NOW, GRACE)) == [("a", ["a1", "a2"])]


def test_oldest_document_goes_first():
    documents = [
        {"_id": "newer", "outbox": [event("n1", 10)]},
        {"_id": "oldest", "outbox": [event("o1", 300), event("o2", 20)]},
        {"_id": "middle", "outbox": [event("m1", 100)]},
    ]
    assert ids(due_batches(documents, NOW, GRACE)) == [
        ("oldest", ["o1", "o2"]),
        ("middle", ["m1"]),
        ("newer", ["n1"]),
    ]


def test_documents_with_an_empty_or_missing_outbox_are_skipped():
    documents = [{"_id": "a", "outbox": []}, {"_id": "b"}, {"_id": "c", "outbox": None}]
    assert due_batches(documents, NOW, GRACE) == []
