"""Helpers of the monitoring tests: short limits as a deployment would set them, devices and
points registered through the gateway, readings published over MQTT as the simulator does."""

from datetime import datetime, timedelta, timezone

from tests.support.waiting import wait_until
from tools.device_simulator import DevicePublisher, reading

ACKNOWLEDGE_SECONDS = 3
HAZARD_SECONDS = 8
READINGS_PER_MINUTE = 600
OFFLINE_SECONDS = 4
SHORT_LIMITS = f"""
overrides:
- id: monitoring.alarm.limits
  version: 2
  value:
    acknowledge_seconds: {ACKNOWLEDGE_SECONDS}
    hazard_seconds: {HAZARD_SECONDS}
    repeats: 3
    repeat_window_seconds: 3600
    rectification_days: 7
  source: {{document: "the test platform: limits in seconds so they pass within a test"}}
  effective_from: '2021-01-01'
  checked_against: unverified
- id: monitoring.device.offline_seconds
  version: 2
  value: {OFFLINE_SECONDS}
  source: {{document: "the test platform"}}
  effective_from: '2021-01-01'
  checked_against: unverified
- id: monitoring.ingest.limits
  version: 2
  value:
    max_payload_bytes: 65536
    max_readings_per_message: 500
    readings_per_minute: {READINGS_PER_MINUTE}
    future_seconds: 300
    past_hours: 72
  source: {{document: "the test platform"}}
  effective_from: '2021-01-01'
  checked_against: unverified
"""
DUST = "dust_removal_pressure_differential"


def registered_device(company, hold_seconds=20, timeout=30.0):
    """A device of the company's enterprise (registered once the monitoring service has learnt of
    the enterprise from the registry's events) and a dust-removal point on it with its own hold
    time: (device with credentials, point)."""

    def attempt():
        reply = company.post("/api/v1/monitoring/devices", json={"name": "除尘器网关"})
        if reply.status_code == 422 and "unknown enterprise" in reply.text:
            return None
        assert reply.status_code == 201, reply.text
        return reply.json()

    device = wait_until(attempt, timeout=timeout, message="monitoring to learn of the enterprise")
    point = company.post(
        "/api/v1/monitoring/points",
        json={
            "device_id": device["device"]["id"],
            "name": "1号除尘器压差",
            "kind": DUST,
            "hold_seconds": hold_seconds,
        },
    )
    assert point.status_code == 201, point.text
    return device, point.json()


def ago(seconds):
    return datetime.now(timezone.utc) - timedelta(seconds=seconds)


def publish(device, readings, topic=None):
    """Publish readings with the device's own credentials; whether the broker took them."""
    with DevicePublisher(device["credentials"]) as publisher:
        return publisher.publish(readings, topic)


def series(point, values, start, step_seconds=1):
    return [
        reading(point, value, start + timedelta(seconds=step_seconds * index))
        for index, value in enumerate(values)
    ]


def stored(api, point, start, end=None):
    """How many readings of the point the service has stored between `start` and `end` (the
    service keeps instants to the millisecond: the range starts a second early)."""
    end = end or datetime.now(timezone.utc) + timedelta(minutes=5)
    start -= timedelta(seconds=1)
    reply = api.get(
        f"/api/v1/monitoring/points/{point['id']}/readings",
        params={"from": start.isoformat(), "to": end.isoformat(), "max_points": 2000},
    )
    assert reply.status_code == 200, reply.text
    return reply.json()["readings"]


def alarms_of(api, point, **filters):
    reply = api.get("/api/v1/monitoring/alarms", params={"point_id": point["id"], **filters})
    assert reply.status_code == 200, reply.text
    return reply.json()["items"]
