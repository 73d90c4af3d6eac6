"""The acceptance journey of the monitoring service, through MQTT and the gateway only: a
dust-removal point of a 民乐县 enterprise drifts past its high-high threshold for longer than its
hold time; the alarm reaches the enterprise, is not acknowledged in time, reaches the 民乐县
bureau's live view, stays open and becomes a hazard in the inspection service with the reading
series attached. A device publishing to another device's topic is refused by the broker."""

from tests.support.api import read, register
from tests.support.factories import china_today
from tests.support.monitoring import ago, alarms_of, publish, registered_device, series, stored
from tests.support.waiting import wait_until
from tools.device_simulator import DevicePublisher, MqttError, stream


def indicators(api):
    return read(api, f"/api/v1/indicators/monitoring?region=620722&year={china_today().year}")


def test_a_drift_past_high_high_becomes_an_alarm_then_the_bureaus_then_a_hazard(site, sign_in):
    body, company, device, point = site
    minle, ganzhou = sign_in("minle"), sign_in("ganzhou")
    before = indicators(minle)
    start = ago(130)
    # Two minutes of one reading a second: calm, then a slide past high-high that stays 30 s.
    readings = stream(point, "drift", start, 1, 120)
    assert publish(device, readings)

    # The enterprise sees its alarm: high-high, since the run began, not escalated yet.
    (alarm,) = wait_until(
        lambda: alarms_of(company, point, state="open"), message="the alarm to open"
    )
    assert alarm["level"] == "high_high" and alarm["uscc"] == body["uscc"]
    assert alarm["value"] >= point["thresholds"]["high_high"]
    assert alarm["escalated_at"] is None and alarm["acknowledgement"] is None
    assert stored(company, point, start) == len(readings)
    latest = read(company, f"/api/v1/monitoring/points/{point['id']}")["latest"]
    assert latest["value"] == readings[-1]["value"]

    # Not acknowledged in time: it reaches the 民乐县 bureau's live view, never 甘州区's.
    escalated = wait_until(
        lambda: alarms_of(minle, point, state="open", escalated="true"),
        message="the alarm to reach the county bureau",
    )
    assert escalated[0]["id"] == alarm["id"] and escalated[0]["escalated_at"]
    assert ganzhou.get(f"/api/v1/monitoring/alarms/{alarm['id']}").status_code == 404
    assert alarm["id"] not in [
        item["id"] for item in read(ganzhou, "/api/v1/monitoring/alarms?state=open")["items"]
    ]

    # It persists: a hazard is opened in the inspection service with the reading series.
    hazard_id = wait_until(
        lambda: (read(minle, f"/api/v1/monitoring/alarms/{alarm['id']}")["hazard"] or {}).get("id"),
        message="the alarm to ask for a hazard",
    )
    hazard = wait_until(
        lambda: (
            minle.get(f"/api/v1/hazards/{hazard_id}").ok
            and minle.get(f"/api/v1/hazards/{hazard_id}").json()
        ),
        message="the inspection service to open the hazard",
    )
    assert hazard["uscc"] == body["uscc"] and hazard["source"] == "monitoring"
    assert hazard["grade"] == "general" and hazard["state"] == "rectifying"
    assert "1号除尘器压差" in hazard["description"]
    evidence = hazard["monitoring"]
    assert evidence["alarm_id"] == alarm["id"] and evidence["reason"] == "sustained"
    peaks = [row["max"] for row in evidence["readings"]]
    assert max(peaks) >= point["thresholds"]["high_high"] and min(peaks) < point["normal"][1]
    assert company.get(f"/api/v1/hazards/{hazard_id}").status_code == 200

    # The enterprise acknowledges late and records its handling; the alarm closes.
    acknowledged = company.post(
        f"/api/v1/monitoring/alarms/{alarm['id']}/acknowledge", json={"note": "已到现场"}
    )
    assert acknowledged.status_code == 200, acknowledged.text
    assert acknowledged.json()["acknowledgement"]["in_time"] is False
    handled = company.post(
        f"/api/v1/monitoring/alarms/{alarm['id']}/handling",
        json={"cause": "滤袋堵塞", "measures": "停机更换滤袋，清灰"},
    )
    assert handled.status_code == 200 and handled.json()["state"] == "handled", handled.text
    assert not alarms_of(minle, point, state="open")

    # The county's indicators, from counters the alarm's events moved: raised, escalated, a
    # hazard, handled but not within the limit; the enterprise's one device, silent since its
    # readings for longer than the test's offline limit, is not online.
    after = wait_until(
        lambda: (
            (figures := indicators(minle))["became_hazards"] > before["became_hazards"]
            and figures["alarms_raised"] > before["alarms_raised"]
            and figures
        ),
        message="the indicator counters to move",
    )
    assert after["escalated"] > before["escalated"]
    assert after["handled_within_limit"]["numerator"] == before["handled_within_limit"]["numerator"]
    (own,) = [row for row in after["online_by_enterprise"] if row["uscc"] == body["uscc"]]
    assert (own["numerator"], own["denominator"]) == (0, 1)


def test_a_device_publishing_to_another_devices_topic_is_refused(site, sign_in):
    _, company, device, point = site
    other = company.post("/api/v1/monitoring/devices", json={"name": "另一网关"}).json()
    start = ago(30)
    honest = stream(point, "none", start, 1, 5)
    assert publish(device, honest)
    wait_until(lambda: stored(company, point, start) == len(honest), message="honest readings")

    # The other device's credentials, the first device's topic: the broker drops the device.
    forged = stream(point, "spike", ago(20), 1, 5)
    with DevicePublisher(other["credentials"]) as intruder:
        assert not intruder.publish(forged, topic=device["credentials"]["topic"])
    # Its own topic it may use (and its readings of a point not its own are refused, counted).
    assert publish(other, forged)
    wait_until(
        lambda: (
            read(company, f"/api/v1/monitoring/devices/{other['device']['id']}")[
                "bad_readings"
            ].get("unknown_point")
            == len(forged)
        ),
        message="the other device's refused readings to be counted",
    )
    assert stored(company, point, start) == len(honest)

    # A wrong password, or a user the broker does not know: not even a connection.
    for credentials in (
        {**device["credentials"], "password": "wrong"},
        {**device["credentials"], "username": device["credentials"]["username"] + "x"},
    ):
        try:
            DevicePublisher(credentials).connect().close()
        except MqttError:
            continue
        raise AssertionError(f"the broker let {credentials['username']} in")


def test_a_point_alarming_a_third_time_within_the_window_opens_a_hazard_at_once(
    monitoring, sign_in, users
):
    body, company = register(sign_in, users, risk_features=["dust_explosion"])
    device, point = registered_device(company, hold_seconds=0)
    beyond = point["thresholds"]["high_high"] + 50
    for round_ in range(3):
        # A spike, then back to normal: a run of its own, and an alarm of its own.
        assert publish(device, series(point, [beyond, 900], ago(20 - round_ * 5)))
        alarm = wait_until(
            lambda: alarms_of(company, point, state="open"), message=f"alarm {round_ + 1}"
        )[0]
        if round_ < 2:
            path = f"/api/v1/monitoring/alarms/{alarm['id']}"
            assert company.post(path + "/acknowledge", json={}).status_code == 200
            handled = company.post(path + "/handling", json={"cause": "误报", "measures": "复位"})
            assert handled.status_code == 200, handled.text
    # The third asks for a hazard as it opens, before any limit has passed.
    path = f"/api/v1/monitoring/alarms/{alarm['id']}"
    third = wait_until(
        lambda: (found := read(company, path))["hazard"] and found,
        message="the third alarm to ask for a hazard",
    )
    assert third["hazard"]["reason"] == "repeated"
    wait_until(
        lambda: sign_in("minle").get(f"/api/v1/hazards/{third['hazard']['id']}").ok,
        message="the repeated alarms' hazard",
    )
    assert len(alarms_of(company, point)) == 3
