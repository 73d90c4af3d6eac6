"""Indicator counters on the real store: each event counts once however often its batch comes
again (whole, or after an attempt that failed half-way), and the documents a reading fetches stay
small however many events were applied."""

from datetime import datetime, timezone

from services.kit.counters import PENDING, Counters
from services.kit.pure.clock import FixedClock

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


def counters(mongo, settings, name):
    kept = Counters(mongo[settings.database("counters")][name], FixedClock(NOW))
    kept.ensure_indexes()
    return kept


def batch(first, count, county="620722", year=2026):
    return [(f"event-{n}", county, year, {"found": 1}) for n in range(first, first + count)]


def test_a_batch_delivered_again_counts_once(mongo, settings):
    kept = counters(mongo, settings, "again")
    kept.add(batch(0, 50))
    kept.add([*batch(0, 50), *batch(50, 10), *batch(0, 5, county="620702")])
    assert kept.totals("620722", 2026) == {"found": 60}
    # The same ids in another county's batch were applied already with the first batch.
    assert kept.totals("620702", 2026) == {}


def test_a_batch_that_failed_after_adding_counts_once_when_it_comes_again(mongo, settings):
    kept = counters(mongo, settings, "half_way")
    # An attempt stopped after its counter write, before recording the events as applied.
    kept._add_once("620722", 2026, {f"event-{n}": {"found": 1} for n in range(20)})
    kept.add(batch(0, 20))
    assert kept.totals("620722", 2026) == {"found": 20}
    assert kept.collection.find_one({"_id": "620722:2026"})[PENDING] == []


def test_a_reading_fetches_no_history_of_applied_events(mongo, settings):
    kept = counters(mongo, settings, "small")
    for first in range(0, 2000, 200):
        kept.add(batch(first, 200))
    [document] = kept.collection.find({"_id": "620722:2026"})
    assert document["counters"] == {"found": 2000}
    assert document[PENDING] == []
    assert kept.applied.count_documents({}) == 2000
    # Kept as long as the inbox's records, then pruned with them.
    [(collection, age_field, cutoff)] = kept.bookkeeping()
    assert (collection.name, age_field) == (kept.applied.name, "at") and cutoff < NOW


def test_readings_answered_from_one_read_match_the_stores_own(mongo, settings):
    kept = counters(mongo, settings, "read_once")
    kept.add(
        [
            *batch(0, 3, county="620722", year=2025),
            *batch(3, 4, county="620722", year=2026),
            *batch(7, 5, county="620702", year=2026),
            *batch(12, 2, county="620722", year="standing"),
            *batch(14, 1, county="621102", year=2026),
        ]
    )
    questions = [
        ("6207", 2026),
        ("620722", {"$lte": 2026}),
        ("6207", {"$lte": 2025}),
        ("620722", "standing"),
        ("", 2026),
        ("6211", 2025),
    ]
    from_store = [kept.totals(prefix, years) for prefix, years in questions]
    assert from_store[0] == {"found": 9} and from_store[1] == {"found": 7}
    documents = kept.read_once()
    with kept.answering_from(documents):
        # The collection emptied: every answer now comes from the documents read before.
        kept.collection.delete_many({})
        assert [kept.totals(prefix, years) for prefix, years in questions] == from_store
    assert kept.totals("6207", 2026) == {}
