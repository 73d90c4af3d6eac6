"""Reliability: the monitoring service stopped while devices keep publishing loses nothing. The
durable queue keeps the readings, they are acknowledged only once stored, the backlog drains
when the service is back, a reading delivered twice is stored once, and a threshold crossed
during the outage still opens its alarm."""

import pytest

from tests.support.api import read, register
from tests.support.monitoring import (
    ago,
    alarms_of,
    publish,
    registered_device,
    series,
    stored,
)
from tests.support.waiting import wait_until
from tools.device_simulator import DevicePublisher, stream


@pytest.mark.slow  # stops the service and starts it again
def test_readings_published_while_the_service_is_down_are_all_stored_once_and_alarm(
    site, monitoring
):
    _, company, device, point = site
    start = ago(200)
    # Three minutes a second apart: calm, then a slide past high-high held half a minute.
    readings = stream(point, "drift", start, 1, 180)
    monitoring.stop()
    try:
        with DevicePublisher(device["credentials"]) as publisher:
            for first in range(0, len(readings), 20):
                assert publisher.publish(readings[first : first + 20])
            # The broker hands a device's resent message on again: the same readings twice.
            assert publisher.publish(readings[:20])
    finally:
        monitoring.start()
    wait_until(
        lambda: stored(company, point, start) == len(readings),
        timeout=60,
        message="the backlog to drain",
    )
    (alarm,) = wait_until(lambda: alarms_of(company, point), message="the outage's alarm")
    assert alarm["level"] == "high_high"
    assert alarm["value"] >= point["thresholds"]["high_high"]


@pytest.mark.slow  # kills the service and starts it again
def test_readings_published_just_before_the_service_is_killed_are_all_stored_once(site, monitoring):
    _, company, device, point = site
    start = ago(100)
    readings = series(point, [900 + index for index in range(60)], start)
    assert publish(device, readings)
    monitoring.platform.stop("monitoring", kill=True)
    monitoring.start()
    wait_until(
        lambda: stored(company, point, start) == len(readings),
        timeout=60,
        message="every reading stored once",
    )


def test_a_device_that_falls_silent_goes_offline_with_an_alarm_of_its_own(site, sign_in):
    body, company, device, point = site
    device_id = device["device"]["id"]
    state = f"/api/v1/monitoring/devices/{device_id}"
    assert publish(device, series(point, [900], ago(1)))
    wait_until(lambda: read(company, state)["state"] == "online", message="the device online")
    minle = sign_in("minle")
    (alarm,) = wait_until(
        lambda: read(minle, f"/api/v1/monitoring/alarms?kind=offline&uscc={body['uscc']}")["items"],
        message="the offline alarm",
    )
    assert alarm["device_id"] == device_id and alarm["point_id"] is None
    assert read(company, state)["state"] == "offline"
    # Heard from again (an empty message is a heartbeat), it is back online; its alarm stays
    # open for the enterprise to handle.
    assert publish(device, [])
    wait_until(lambda: read(company, state)["state"] == "online", message="the device back")
    assert read(company, f"/api/v1/monitoring/alarms/{alarm['id']}")["state"] == "open"


def test_a_device_and_its_alarms_follow_their_enterprise_to_another_county(
    monitoring, sign_in, users
):
    body, company = register(sign_in, users, risk_features=["dust_explosion"])
    device, point = registered_device(company, hold_seconds=0)
    assert publish(device, series(point, [point["thresholds"]["high_high"] + 10], ago(1)))
    (alarm,) = wait_until(lambda: alarms_of(company, point), message="the alarm")
    # To 肃南县, where no other test keeps records or counts them.
    minle, city = sign_in("minle"), sign_in("zhangye")
    moved = city.patch(f"/api/v1/enterprises/{body['uscc']}", json={"region_code": "620721"})
    assert moved.status_code == 200, moved.text
    path = f"/api/v1/monitoring/alarms/{alarm['id']}"
    wait_until(lambda: minle.get(path).status_code == 404, message="the alarm to leave 民乐县")
    assert read(city, path)["region_code"] == "620721"
    assert (
        read(city, f"/api/v1/monitoring/devices/{device['device']['id']}")["region_code"]
        == "620721"
    )
    assert read(company, f"/api/v1/monitoring/points/{point['id']}")["region_code"] == "620721"
