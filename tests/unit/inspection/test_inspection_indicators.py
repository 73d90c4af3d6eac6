"""Which counters each event moves, and the report built from them."""
from datetime import datetime, timezone

from services.inspection.domain import indicators
from services.kit.pure.envelope import make_event

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)


def fact(entity, verb, data, region="620722"):
    return make_event(service="inspection", entity=entity, verb=verb, subject="s", data=data,
                      region_code=region, now=NOW)


def test_hazards_count_in_the_year_they_were_found():
    closed = fact("hazard", "closed", {"grade": "major", "found_on": "2025-12-30"})
    assert indicators.counter_deltas(closed) == [("620722", 2025, {"hazards.closed.major": 1})]
    regraded = fact("hazard", "regraded", {"grade": "major", "found_on": "2026-01-02"})
    assert indicators.counter_deltas(regraded) == [
        ("620722", 2026, {"hazards.found.general": -1, "hazards.found.major": 1})]


def test_penalties_actions_accidents_and_spot_checks():
    assert indicators.counter_deltas(fact("penalty", "decided", {"total_yuan": 70000})) == [
        ("620722", 2026, {"penalties.count": 1, "penalties.total_yuan": 70000})]
    assert indicators.counter_deltas(fact("enforcement", "action_taken",
                                          {"kind": "reminder"})) == [
        ("620722", 2026, {"enforcement.reminder": 1})]
    accident = fact("accident", "updated", {"occurred_at": "2026-03-01T00:00:00Z",
                                            "indicator_delta": {"count": 0, "deaths": 1,
                                                                "injuries": -1,
                                                                "direct_loss_yuan": 0}})
    assert indicators.counter_deltas(accident) == [
        ("620722", 2026, {"accidents.deaths": 1, "accidents.injuries": -1})]
    spot = fact("inspection", "completed", {"mode": "project_spot_check"})
    assert indicators.counter_deltas(spot) == [
        ("620722", 2026, {"inspections.project_spot_check": 1, "project_spot_checks": 1})]
    assert indicators.counter_deltas(fact("hazard", "rejected", {"grade": "general",
                                                                 "found_on": "2026-01-01"})) == []


def test_summary_shows_both_numbers_of_every_rate():
    report = indicators.summary({"hazards.found.general": 4, "hazards.closed.general": 3,
                                 "accidents.count": 1}, {"accidents.count": 2})
    assert report["hazards"]["general"]["rectification"] == {
        "numerator": 3, "denominator": 4, "rate": 0.75}
    assert report["hazards"]["major"]["rectification"]["rate"] is None
    assert report["accidents"]["count"] == {"year": 1, "previous_year": 2}
