"""Bad input, through MQTT and the gateway: refused readings are counted per device and never
stored, a flooding device is cut to its share while another's readings all arrive, and bad
requests answer problems and change nothing."""

import json

from tests.support.api import assert_problem, read
from tests.support.monitoring import (
    READINGS_PER_MINUTE,
    ago,
    alarms_of,
    publish,
    registered_device,
    series,
    stored,
)
from tests.support.waiting import wait_until
from tools.device_simulator import DevicePublisher, MqttError


def bad_readings(api, device):
    return read(api, f"/api/v1/monitoring/devices/{device['device']['id']}")["bad_readings"]


def test_bad_readings_are_counted_by_reason_and_never_stored(site):
    _, company, device, point = site
    start = ago(60)
    good = series(point, [900, 910, 920], start)
    bad = [
        {**good[0], "point": "0" * 32},
        {**good[0], "point": {"$gt": ""}},
        {**good[1], "unit": "kPa"},
        {**good[1], "value": "九百"},
        {**good[2], "value": 1e12},
        {**good[2], "at": "2099-01-01T00:00:00Z"},
        {**good[2], "at": "2020-01-01T00:00:00Z"},
        {**good[2], "at": "not a time"},
    ]
    with DevicePublisher(device["credentials"]) as publisher:
        assert publisher.publish(bad + good)
        assert publisher.send(b"\x00\xff not json")
        assert publisher.send(json.dumps({"readings": good, "padding": "x" * 70_000}))
    expected = {
        "unknown_point": 2,
        "wrong_unit": 1,
        "non_numeric": 1,
        "absurd": 1,
        "future": 1,
        "past": 1,
        "bad_time": 1,
        "malformed": 1,
        "oversized": 1,
    }
    wait_until(lambda: bad_readings(company, device) == expected, message="refusals counted")
    assert stored(company, point, start) == len(good)
    assert read(company, f"/api/v1/monitoring/points/{point['id']}")["latest"]["value"] == 920


def test_a_flooding_device_is_cut_to_its_share_and_the_other_device_still_gets_through(site):
    _, company, device, point = site
    flood, flood_point = registered_device(company)
    start = ago(3000)
    flood_readings = series(flood_point, [900] * 1500, start, step_seconds=2)
    quiet = series(point, [800, 810, 820, 830], ago(30))
    with DevicePublisher(flood["credentials"]) as flooding:
        for first in range(0, len(flood_readings), 500):
            assert flooding.publish(flood_readings[first : first + 500])
    assert publish(device, quiet)
    wait_until(lambda: stored(company, point, ago(60)) == len(quiet), message="quiet readings")
    limited = wait_until(
        lambda: bad_readings(company, flood).get("rate_limited"), message="the flood limited"
    )
    kept = stored(company, flood_point, start)
    assert kept + limited == len(flood_readings)
    assert READINGS_PER_MINUTE <= kept < len(flood_readings) / 2


def test_bad_requests_answer_problems_and_change_nothing(site, sign_in):
    _, company, device, point = site
    minle = sign_in("minle")
    device_id = device["device"]["id"]
    points_before = read(company, f"/api/v1/monitoring/points?device_id={device_id}")["items"]
    for body, field in (
        ({"device_id": device_id, "name": "x", "kind": "ufo"}, "kind"),
        (
            {
                "device_id": device_id,
                "name": "x",
                "kind": "dust_removal_pressure_differential",
                "thresholds": {"high": 3000, "high_high": 2000},
            },
            "thresholds",
        ),
        ({"device_id": {"$gt": ""}, "name": "x", "kind": "silo_temperature"}, "device_id"),
        ({"device_id": device_id, "name": "x", "kind": "silo_temperature", "uscc": "x"}, "uscc"),
        (
            {"device_id": device_id, "name": "x", "kind": "silo_temperature", "hold_seconds": -1},
            "hold_seconds",
        ),
    ):
        assert_problem(company.post("/api/v1/monitoring/points", json=body), 422, field=field)
    assert (
        read(company, f"/api/v1/monitoring/points?device_id={device_id}")["items"] == points_before
    )
    other = minle.post(
        "/api/v1/monitoring/devices", json={"uscc": "91620722MA01XYW0QX", "name": "x"}
    )
    assert_problem(other, 422, field="uscc")
    assert_problem(
        company.post(
            "/api/v1/monitoring/devices", json={"uscc": "91620702MA01XYW0QX", "name": "x"}
        ),
        403,
    )
    assert_problem(
        company.get(
            f"/api/v1/monitoring/points/{point['id']}/readings",
            params={"from": ago(0).isoformat(), "to": ago(60).isoformat()},
        ),
        422,
        field="to",
    )
    assert_problem(
        company.get(
            f"/api/v1/monitoring/points/{point['id']}/readings",
            params={"from": ago(8 * 86_400).isoformat(), "to": ago(0).isoformat()},
        ),
        422,
        field="to",
    )
    assert_problem(company.get("/api/v1/monitoring/alarms?state[$gt]="), 422)

    # An alarm: the bureau may not answer it for the enterprise; order and repeats are refused.
    hold_free, spiking = registered_device(company, hold_seconds=0)
    assert publish(hold_free, series(spiking, [2500], ago(1)))
    (alarm,) = wait_until(lambda: alarms_of(company, spiking), message="the spike's alarm")
    path = f"/api/v1/monitoring/alarms/{alarm['id']}"
    assert_problem(minle.post(path + "/acknowledge", json={}), 403)
    assert_problem(company.post(path + "/handling", json={"cause": "x", "measures": "y"}), 409)
    assert_problem(company.post(path + "/handling", json={"cause": "x"}), 422, field="measures")
    assert company.post(path + "/acknowledge", json={}).status_code == 200
    assert_problem(company.post(path + "/acknowledge", json={}), 409)


def test_rotated_credentials_shut_the_old_password_out(site):
    _, company, device, point = site
    connected = DevicePublisher(device["credentials"]).connect()
    dropped = []
    connected.client.on_disconnect = lambda *arguments: dropped.append(arguments)
    rotated = company.post(
        f"/api/v1/monitoring/devices/{device['device']['id']}/credentials", json={"reason": "泄露"}
    )
    assert rotated.status_code == 200, rotated.text
    fresh = rotated.json()["credentials"]
    # The connection it had is closed at once, not at its next reconnection.
    wait_until(lambda: dropped, message="the old connection to be closed")
    connected.close()
    assert fresh["password"] != device["credentials"]["password"]
    try:
        DevicePublisher(device["credentials"]).connect().close()
        raise AssertionError("the old password still signs in")
    except MqttError:
        pass
    assert publish({"credentials": fresh}, series(point, [900], ago(5)))
