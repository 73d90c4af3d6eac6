"""An alarm of the monitoring service left open too long, or repeating, opens a general hazard
here (非现场执法): the hazard's id comes with the event, so a redelivery finds it stored, and the
reading series stays on the hazard as its evidence."""

from datetime import datetime, timezone

from services.inspection.domain import monitoring_alarms

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=timezone.utc)
SERIES = [
    {"at": "2026-06-01T01:50:00Z", "value": 900.0, "min": 880.0, "max": 920.0, "count": 6},
    {"at": "2026-06-01T01:55:00Z", "value": 2350.0, "min": 2240.0, "max": 2400.0, "count": 6},
]


def requested(**changes):
    return {
        "alarm_id": "a1",
        "uscc": "91620722MA01XYW0QX",
        "kind": "threshold",
        "point_id": "p1",
        "device_id": "d1",
        "level": "high_high",
        "state": "open",
        "escalated": True,
        "hazard_id": "h1",
        "reason": "sustained",
        "enterprise_name": "民乐县祁连机械有限公司",
        "description": "监测点“1号除尘器压差”读数超高高限，报警长时间未处置",
        "point_name": "1号除尘器压差",
        "unit": "Pa",
        "threshold": 2200.0,
        "since": "2026-06-01T01:54:00Z",
        "deadline": "2026-06-08",
        "readings": SERIES,
        **changes,
    }


def test_a_sustained_alarm_opens_a_general_hazard_with_its_readings_as_evidence():
    hazard, [reported] = monitoring_alarms.hazard_from_alarm(requested(), "620722", NOW)
    assert (hazard["_id"], hazard["grade"], hazard["state"], hazard["source"]) == (
        "h1",
        "general",
        "rectifying",
        "monitoring",
    )
    assert hazard["deadline"] == "2026-06-08" and hazard["location"] == "1号除尘器压差"
    assert hazard["monitoring"]["readings"] == SERIES
    assert hazard["monitoring"]["alarm_id"] == "a1" and hazard["monitoring"]["unit"] == "Pa"
    assert reported["type"] == "cn.anjian.inspection.hazard.reported.v1"
    assert reported["data"]["hazard_id"] == "h1"


def test_an_alarm_of_an_enterprise_whose_name_is_unknown_names_it_by_its_code():
    hazard, _ = monitoring_alarms.hazard_from_alarm(
        requested(enterprise_name=None, kind="offline", point_name=None), "620722", NOW
    )
    assert hazard["enterprise_name"] == "91620722MA01XYW0QX" and hazard["location"] is None
