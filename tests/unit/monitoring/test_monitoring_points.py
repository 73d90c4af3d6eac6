"""Devices and points: registered by the enterprise or its bureau, with the kind's thresholds
unless the enterprise sets its own; bad thresholds and other people's devices refused."""

import pytest

from services.kit.pure.errors import Forbidden, InvalidInput
from services.monitoring.domain import devices, indicators, points
from tests.unit.monitoring.support import (
    AGENCY,
    COMPANY,
    DUST,
    ENTERPRISE,
    GANZHOU,
    NOW,
    OTHER,
    POLICY,
    device,
    point,
)


def register(fields, actor=COMPANY, owner=None):
    return points.register(
        {"name": "压差", "kind": DUST, **fields}, ENTERPRISE, owner or device(), POLICY, actor, NOW
    )


def test_a_point_takes_its_kinds_unit_range_thresholds_and_hold_time():
    made = point()
    assert made["unit"] == "Pa" and made["risk_feature"] == "dust_explosion"
    assert made["thresholds"] == {"high": 1800, "high_high": 2200, "low": 200, "low_low": 100}
    assert made["hold_seconds"] == 60 and made["overridden"] == []
    assert made["rule"] == {
        "id": "monitoring.kind.dust_removal_pressure_differential",
        "version": 1,
    }


@pytest.mark.parametrize(
    "fields,field",
    [
        ({"kind": "ufo_sightings"}, "kind"),
        ({"thresholds": {"high": 2000, "high_high": 1500}}, "thresholds"),
        ({"thresholds": {"low": 100, "low_low": 200}}, "thresholds"),
        ({"thresholds": {"high": None}}, "thresholds"),
    ],
)
def test_an_unknown_kind_or_thresholds_out_of_order_are_refused(fields, field):
    with pytest.raises(InvalidInput) as refused:
        register(fields)
    assert field in refused.value.errors


def test_a_point_on_another_enterprises_device_is_refused():
    with pytest.raises(InvalidInput):
        register({}, owner=device(OTHER))


@pytest.mark.parametrize("actor", [GANZHOU, AGENCY])
def test_outside_the_jurisdiction_or_as_an_agency_nothing_is_registered(actor):
    with pytest.raises(Forbidden):
        register({}, actor=actor)
    with pytest.raises(Forbidden):
        devices.register({"name": "网关"}, ENTERPRISE, actor, NOW)


def test_a_device_publishes_to_its_own_topic_and_rotating_records_why():
    registered = device()
    assert devices.view(registered)["topic"] == f"anjian/readings/{registered['_id']}"
    rotated, made = devices.rotate_credentials(registered, "泄露", ENTERPRISE, COMPANY, NOW)
    assert rotated["history"][-1]["reason"] == "泄露"
    assert made[0]["type"].endswith("device.credentials_rotated.v1")


def test_the_indicators_count_alarms_by_what_happened_and_rate_devices_online():
    def event(verb, **data):
        return {
            "id": verb,
            "type": f"cn.anjian.monitoring.alarm.{verb}.v1",
            "regioncode": "620722",
            "time": "2026-12-31T17:00:00Z",
            "data": data,
        }

    changes = [
        change
        for made in (
            event("opened", kind="threshold"),
            event("opened", kind="offline"),
            event("acknowledged", in_time=True),
            event("handled", within_limit=True),
            event("escalated"),
            event("hazard_requested"),
        )
        for change in indicators.counter_deltas(made)
    ]
    # 17:00 UTC on 31 December is the new year in China.
    assert {(county, year) for county, year, _ in changes} == {("620722", 2027)}
    totals = {}
    for _, _, amounts in changes:
        for name, amount in amounts.items():
            totals[name] = totals.get(name, 0) + amount
    devices = {
        "A": {"name": "甲", "registered": 3, "online": 3},
        "B": {"name": "乙", "registered": 1, "online": 0},
    }
    summary = indicators.summary(totals, devices)
    assert summary["device_online"] == {"numerator": 3, "denominator": 4, "rate": 0.75}
    assert [(row["uscc"], row["rate"]) for row in summary["online_by_enterprise"]] == [
        ("B", 0.0),
        ("A", 1.0),
    ]
    assert summary["alarms_raised"] == 2 and summary["offline_alarms"] == 1
    assert summary["handled_within_limit"]["numerator"] == 1
    assert summary["escalated"] == 1 and summary["became_hazards"] == 1
