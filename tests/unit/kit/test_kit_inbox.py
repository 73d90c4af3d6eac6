"""How a consumer decides to apply, skip or hand back a delivered event."""

from datetime import datetime, timedelta, timezone

from services.kit.inbox import DONE, FAILED, PARKED, PROCESSING, claim_decision

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
LEASE = timedelta(seconds=20)


def marker(status, seconds_ago=0):
    return {"status": status, "claimed_at": NOW - timedelta(seconds=seconds_ago), "attempts": 1}


def test_first_delivery_is_applied():
    assert claim_decision(None, NOW, LEASE) == "take"


def test_already_applied_event_is_skipped():
    assert claim_decision(marker(DONE, 3600), NOW, LEASE) == "skip"


def test_parked_event_is_not_retried_by_redelivery():
    assert claim_decision(marker(PARKED, 3600), NOW, LEASE) == "skip"


def test_event_another_worker_is_applying_is_busy():
    assert claim_decision(marker(PROCESSING, 19), NOW, LEASE) == "busy"


def test_claim_of_a_dead_worker_is_taken_over_after_the_lease():
    assert claim_decision(marker(PROCESSING, 20), NOW, LEASE) == "take"
    assert claim_decision(marker(PROCESSING, 600), NOW, LEASE) == "take"


def test_failed_event_is_retried_at_once():
    assert claim_decision(marker(FAILED, 0), NOW, LEASE) == "take"
