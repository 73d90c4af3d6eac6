"""The device simulator's streams: calm readings inside the normal range, and the faults the demo
shows (a drift past high-high that stays, a stuck sensor, one spike, a device falling silent)."""

from datetime import datetime, timezone

from tools.device_simulator import stream

START = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
POINT = {
    "id": "p1",
    "unit": "Pa",
    "normal": [300, 1500],
    "thresholds": {"high": 1800, "high_high": 2200, "low": 200, "low_low": 100},
}
FLOW = {
    "id": "p2",
    "unit": "m3/h",
    "normal": [80, 200],
    "thresholds": {"high": None, "high_high": None, "low": 70, "low_low": 50},
}


def values(point, fault, steps=100):
    return [reading["value"] for reading in stream(point, fault, START, 10, steps)]


def test_a_calm_stream_stays_inside_the_normal_range_a_reading_every_interval():
    readings = stream(POINT, "none", START, 10, 100)
    assert all(300 <= reading["value"] <= 1500 for reading in readings)
    assert readings[1]["at"] == "2026-03-02T02:00:10Z" and readings[0]["unit"] == "Pa"


def test_a_drift_passes_the_worst_threshold_on_the_points_side_and_stays_there():
    drifting = values(POINT, "drift")
    assert max(drifting[:50]) < 1800 and min(drifting[-25:]) >= 2200
    falling = values(FLOW, "drift")
    assert max(falling[-25:]) <= 50


def test_a_stuck_sensor_repeats_itself_a_spike_is_one_reading_and_silence_stops_the_stream():
    assert len(set(values(POINT, "stuck"))) == 1
    spiking = values(POINT, "spike")
    assert sum(value >= 2200 for value in spiking) == 1
    assert len(values(POINT, "silent")) == 51
