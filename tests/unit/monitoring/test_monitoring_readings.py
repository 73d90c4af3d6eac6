"""Readings as devices send them: what is stored, what is refused and counted by reason, the
per-device rate limit, the minute documents and the downsampled series."""

import json
from datetime import timedelta

import pytest

from services.monitoring.domain import readings
from tests.unit.monitoring.support import NOW, POLICY, point

POINT = point()
POINTS = {POINT["_id"]: POINT}
LIMITS = POLICY.ingest


def message(*items):
    return json.dumps({"readings": list(items)}).encode()


def accepted(raw):
    return readings.check(readings.decode(raw, LIMITS), POINTS, LIMITS, NOW)


def item(**changes):
    return {
        "point": POINT["_id"],
        "value": 900,
        "unit": "Pa",
        "at": "2026-03-02T01:59:50Z",
        **changes,
    }


def test_a_good_reading_is_kept_with_its_instant_and_value():
    checked = accepted(message(item()))
    assert checked.refused == {}
    (kept,) = checked.readings
    assert kept.point_id == POINT["_id"] and kept.value == 900.0
    assert kept.at == NOW - timedelta(seconds=10)


@pytest.mark.parametrize(
    "changes,reason",
    [
        ({"point": "f" * 32}, "unknown_point"),
        ({"point": {"$gt": ""}}, "unknown_point"),
        ({"unit": "kPa"}, "wrong_unit"),
        ({"value": "900"}, "non_numeric"),
        ({"value": True}, "non_numeric"),
        ({"value": None}, "non_numeric"),
        ({"value": 1e9}, "absurd"),
        ({"value": -5}, "absurd"),
        ({"at": "yesterday"}, "bad_time"),
        ({"at": "2026-03-02T01:59:50"}, "bad_time"),
        ({"at": "2026-03-02T03:00:00Z"}, "future"),
        ({"at": "2026-02-01T00:00:00Z"}, "past"),
    ],
)
def test_a_bad_reading_is_refused_by_reason_and_the_good_ones_beside_it_kept(changes, reason):
    checked = accepted(message(item(**changes), item()))
    assert checked.refused == {reason: 1} and len(checked.readings) == 1


@pytest.mark.parametrize(
    "raw,reason",
    [
        (b"\xff\xfe not json", "malformed"),
        (b"[1, 2]", "malformed"),
        (json.dumps({"readings": "900"}).encode(), "malformed"),
        (b"{" * 100_000, "oversized"),
        (message(*[item()] * (LIMITS.max_readings_per_message + 1)), "malformed"),
    ],
)
def test_a_message_that_is_not_a_list_of_readings_is_refused_whole(raw, reason):
    checked = accepted(raw)
    assert checked.refused == {reason: 1} and checked.readings == []


def test_an_empty_message_is_a_heartbeat_that_stores_nothing():
    checked = accepted(b"{}")
    assert checked.readings == [] and checked.refused == {}


def test_a_flooding_device_gets_its_share_per_minute_and_the_others_theirs():
    limiter = readings.RateLimiter()
    assert limiter.allow("flood", 5000, 600, NOW) == 600
    assert limiter.allow("flood", 5000, 600, NOW + timedelta(seconds=1)) == 10
    assert limiter.allow("quiet", 5, 600, NOW + timedelta(seconds=1)) == 5
    assert limiter.allow("flood", 5000, 600, NOW + timedelta(minutes=5)) == 600


def test_a_reading_has_one_place_in_its_minute_so_a_repeat_lands_on_itself():
    at = NOW + timedelta(minutes=59, seconds=59, milliseconds=250)
    assert readings.bucket_id("p", at) == "p:202603020259"
    assert readings.bucket_id("p", at + timedelta(seconds=1)) == "p:202603020300"
    assert readings.from_key(readings.reading_key(at)) == at


def test_a_long_range_is_downsampled_keeping_each_slices_peak():
    start = NOW
    values = [(start + timedelta(seconds=index), 1000.0) for index in range(1000)]
    values[500] = (values[500][0], 2500.0)
    rows = readings.downsampled(values, start, start + timedelta(seconds=1000), 100)
    assert len(rows) == 100 and sum(row["count"] for row in rows) == 1000
    assert max(row["max"] for row in rows) == 2500.0
    assert readings.downsampled(values[:50], start, start + timedelta(seconds=50), 100)[0] == {
        "at": start,
        "value": 1000.0,
        "min": 1000.0,
        "max": 1000.0,
        "count": 1,
    }


def test_the_series_of_hour_documents_is_in_time_order_within_the_range():
    early, late = NOW, NOW + timedelta(minutes=30)
    buckets = [
        {"readings": {readings.reading_key(late): 2.0, readings.reading_key(early): 1.0}},
        {"readings": {readings.reading_key(NOW - timedelta(hours=2)): 9.0}},
    ]
    assert readings.series(buckets, NOW, NOW + timedelta(hours=1)) == [(early, 1.0), (late, 2.0)]


def test_a_batch_keeps_each_devices_readings_of_its_own_points_within_its_rate():
    other = {**point(), "device_id": "d2"}
    points = {POINT["_id"]: POINT, other["_id"]: other}
    own, foreign = item(), item(point=other["_id"])
    sent = readings.Batch.of(
        [
            (f"anjian.readings.{POINT['device_id']}", message(own, foreign)),
            ("anjian.readings.d2", message(*[item(point=other["_id"])] * 3)),
            ("anjian.readings.removed", message(own)),
        ],
        LIMITS,
    )
    assert sent.point_ids() == {POINT["_id"], other["_id"]}
    known = {POINT["device_id"]: {}, "d2": {}}
    limiter = readings.RateLimiter()
    limiter.allow("d2", LIMITS.readings_per_minute - 2, LIMITS.readings_per_minute, NOW)
    accepted, refused = sent.checked(known, points, limiter, LIMITS, NOW)
    assert [reading.point_id for reading in accepted] == [POINT["_id"], other["_id"], other["_id"]]
    assert refused == {POINT["device_id"]: {"unknown_point": 1}, "d2": {"rate_limited": 1}}
    assert list(readings.by_point(accepted)) == [POINT["_id"], other["_id"]]
