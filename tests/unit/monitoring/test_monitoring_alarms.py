"""Alarms: a run of readings beyond a threshold held past the point's hold time opens one; the
enterprise acknowledges and records its handling; unacknowledged in time it escalates to the
county bureau; open too long, or repeating, it asks for a hazard with the readings as evidence.
A silent device has an alarm of its own. (Local policy, all values configurable: DOMAIN.md,
risk monitoring.)"""

from datetime import timedelta

import pytest

from services.kit.pure.actor import SYSTEM, Actor
from services.kit.pure.errors import Conflict, Forbidden
from services.monitoring.domain import alarms, devices
from tests.unit.monitoring.support import (
    COMPANY,
    MINLE,
    NOW,
    OTHER,
    POLICY,
    device,
    point,
    readings,
)

LIMITS = POLICY.alarms
POINT = point()


def opened(values=(2300,) * 8, at=NOW):
    _, worst = alarms.track(POINT, readings(POINT["_id"], values, at))
    return alarms.open_threshold(POINT, worst, NOW + timedelta(minutes=2))[0]


def test_a_run_beyond_high_high_held_past_the_hold_time_opens_a_high_high_alarm():
    # Hold 60 s, one reading every 10 s: the seventh reading beyond is the first held 60 s.
    excursion, worst = alarms.track(POINT, readings(POINT["_id"], [900] + [2300] * 7))
    assert worst == {
        "level": "high_high",
        "since": NOW + timedelta(seconds=10),
        "value": 2300.0,
        "at": NOW + timedelta(seconds=70),
    }
    assert excursion == {
        "high": NOW + timedelta(seconds=10),
        "high_high": NOW + timedelta(seconds=10),
    }


def test_a_run_shorter_than_the_hold_time_opens_nothing_but_is_remembered():
    excursion, worst = alarms.track(POINT, readings(POINT["_id"], [2300] * 6))
    assert worst is None and excursion["high_high"] == NOW


def test_a_normal_reading_breaks_the_run_and_the_hold_starts_again():
    values = [2300] * 5 + [900] + [2300] * 5
    assert alarms.track(POINT, readings(POINT["_id"], values)) == (
        {"high": NOW + timedelta(seconds=60), "high_high": NOW + timedelta(seconds=60)},
        None,
    )


def test_the_run_carries_over_from_the_batch_before():
    first, _ = alarms.track(POINT, readings(POINT["_id"], [2300] * 4))
    later = {**POINT, "excursion": first, "evaluated_until": NOW + timedelta(seconds=30)}
    _, worst = alarms.track(later, readings(POINT["_id"], [2300] * 4, NOW + timedelta(seconds=40)))
    assert worst["level"] == "high_high" and worst["since"] == NOW


def test_readings_already_evaluated_are_not_counted_again():
    done = {**POINT, "evaluated_until": NOW + timedelta(hours=1)}
    assert alarms.track(done, readings(POINT["_id"], [2300] * 10)) == ({}, None)


def test_between_high_and_high_high_is_a_high_alarm_and_low_low_below_the_low_side():
    _, high = alarms.track(POINT, readings(POINT["_id"], [1900] * 8))
    _, low_low = alarms.track(POINT, readings(POINT["_id"], [50] * 8))
    assert high["level"] == "high" and low_low["level"] == "low_low"


def test_the_enterprises_own_thresholds_and_hold_replace_the_kinds():
    own = point(thresholds={"high": 1000, "high_high": 1200}, hold_seconds=0)
    assert own["thresholds"] == {"high": 1000, "high_high": 1200, "low": None, "low_low": None}
    assert own["overridden"] == ["hold_seconds", "thresholds"]
    _, worst = alarms.track(own, readings(own["_id"], [1250]))
    assert worst["level"] == "high_high"


def test_the_same_run_seen_again_names_the_same_alarm():
    assert opened()["_id"] == opened()["_id"]
    assert opened()["_id"] != opened(at=NOW + timedelta(hours=1))["_id"]


def test_an_open_alarm_moves_up_to_a_worse_level_on_its_side_only():
    high = opened(values=(1900,) * 8)
    _, worse = alarms.track(POINT, readings(POINT["_id"], [2300] * 8))
    raised, made = alarms.raise_level(high, worse, POINT["thresholds"], NOW)
    assert raised["level"] == "high_high" and raised["threshold"] == 2200
    assert made[0]["type"].endswith("alarm.level_raised.v1")
    _, low = alarms.track(POINT, readings(POINT["_id"], [50] * 8))
    assert alarms.raise_level(raised, low, POINT["thresholds"], NOW) == (raised, [])


def test_only_the_enterprise_itself_acknowledges_and_handles_its_alarm():
    alarm = opened()
    with pytest.raises(Forbidden):
        alarms.acknowledge(alarm, {}, MINLE, NOW)
    stranger = Actor(OTHER["uscc"], "enterprise", "620722", OTHER["uscc"])
    with pytest.raises(Forbidden):
        alarms.acknowledge(alarm, {}, stranger, NOW)


def test_acknowledged_then_handled_in_time_closes_the_alarm_within_the_limit():
    alarm = opened()
    acknowledged, made = alarms.acknowledge(alarm, {"note": "已到现场"}, COMPANY, NOW)
    assert acknowledged["acknowledgement"]["in_time"] and made[0]["data"]["in_time"]
    with pytest.raises(Conflict):
        alarms.acknowledge(acknowledged, {}, COMPANY, NOW)
    handled, made = alarms.record_handling(
        acknowledged, {"cause": "滤袋堵塞", "measures": "更换滤袋"}, COMPANY, NOW
    )
    assert handled["state"] == "handled" and handled["handling"]["within_limit"]
    with pytest.raises(Conflict):
        alarms.record_handling(handled, {"cause": "x", "measures": "y"}, COMPANY, NOW)


def test_handling_is_recorded_only_after_the_alarm_is_acknowledged():
    with pytest.raises(Conflict, match="acknowledge"):
        alarms.record_handling(opened(), {"cause": "x", "measures": "y"}, COMPANY, NOW)


def test_unacknowledged_past_the_limit_it_escalates_once_and_is_then_late():
    alarm = opened()
    assert not alarms.due_for_escalation(alarm, LIMITS, alarm["opened_at"] + timedelta(minutes=29))
    later = alarm["opened_at"] + LIMITS.acknowledge
    assert alarms.due_for_escalation(alarm, LIMITS, later)
    escalated, made = alarms.escalate(alarm, SYSTEM, later)
    assert made[0]["data"]["escalated"] and not alarms.due_for_escalation(escalated, LIMITS, later)
    acknowledged, _ = alarms.acknowledge(escalated, {}, COMPANY, later)
    assert acknowledged["acknowledgement"]["in_time"] is False
    handled, _ = alarms.record_handling(
        acknowledged, {"cause": "x", "measures": "y"}, COMPANY, later
    )
    assert handled["handling"]["within_limit"] is False


def test_open_past_the_longer_limit_it_asks_for_a_hazard_with_its_readings():
    alarm = opened()
    later = alarm["opened_at"] + LIMITS.hazard
    assert alarms.due_for_hazard(alarm, LIMITS, later)
    series = [
        {"at": "2026-03-02T02:00:00Z", "value": 2300.0, "min": 2300.0, "max": 2300.0, "count": 1}
    ]
    asked, (made,) = alarms.request_hazard(alarm, alarms.SUSTAINED, series, LIMITS, SYSTEM, later)
    assert not alarms.due_for_hazard(asked, LIMITS, later)
    data = made["data"]
    assert data["hazard_id"] == asked["hazard"]["id"] and data["readings"] == series
    assert data["deadline"] == "2026-03-10" and "高高限" in data["description"]


def test_the_third_alarm_of_a_point_within_the_window_repeats():
    assert not alarms.repeating(1, LIMITS) and alarms.repeating(2, LIMITS)


def test_a_silent_device_goes_offline_with_an_alarm_and_comes_back_online():
    online, made = devices.heard(device(), NOW)
    assert online["state"] == "online" and made[0]["data"]["was"] == "registered"
    assert devices.heard(online, NOW + timedelta(seconds=5))[1] == []
    assert not devices.is_silent(online, POLICY.offline_after, NOW + timedelta(seconds=299))
    assert devices.is_silent(online, POLICY.offline_after, NOW + POLICY.offline_after)
    offline, _ = devices.fell_silent(online, NOW + POLICY.offline_after)
    alarm, _ = alarms.open_offline(offline, NOW + POLICY.offline_after)
    assert alarm["kind"] == "offline" and alarm["since"] == NOW and alarm["point_id"] is None
    assert "离线" in alarms.description(alarm, alarms.SUSTAINED)
