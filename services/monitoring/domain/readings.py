"""Readings as devices send them, checked before anything is stored, and as they are kept.

A device publishes JSON to its own topic: `{"readings": [{"point": <point id>, "value": <number>,
"unit": <the point's unit>, "at": <ISO 8601 instant>}, ...]}`; any message, an empty one
included, is a heartbeat. A reading that fails a check is counted against the device under its
reason and never stored. Readings are kept one document per point and minute, each keyed by its
instant, so a reading delivered twice is stored once. A minute, not an hour: the embedded
server rewrites a whole document on every change, so a write costs what its document holds, and
a minute of one reading a second keeps that small.
"""

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

from services.kit.pure.commands import Document
from services.monitoring.domain.policy import IngestLimits

# Why a reading (or a whole message) was refused: the counters shown per device.
REASONS = (
    "oversized",
    "malformed",
    "unknown_point",
    "wrong_unit",
    "non_numeric",
    "absurd",
    "bad_time",
    "future",
    "past",
    "rate_limited",
)


class Reading(NamedTuple):
    """A tuple: thousands are made a second, and a tuple is made in a fraction of a frozen
    dataclass's time."""

    point_id: str
    at: datetime
    value: float


@dataclass
class Checked:
    """What one message brought: the readings to store and the refusals by reason."""

    readings: list[Reading] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=dict)

    def refuse(self, reason: str, count: int = 1) -> None:
        self.refused[reason] = self.refused.get(reason, 0) + count


def _instant(text: Any) -> datetime | None:
    if not isinstance(text, str) or len(text) > 40:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _problem(
    item: Any, points: dict[str, Document], limits: IngestLimits, now: datetime
) -> str | Reading:
    """Why an item is refused, or the reading it is."""
    if not isinstance(item, dict):
        return "malformed"
    identifier = item.get("point")
    point = points.get(identifier) if isinstance(identifier, str) else None
    if point is None:
        return "unknown_point"
    if item.get("unit") != point["unit"]:
        return "wrong_unit"
    value = item.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "non_numeric"
    low, high = point["valid"]
    if not low <= value <= high:
        return "absurd"
    at = _instant(item.get("at"))
    if at is None:
        return "bad_time"
    if at > now + limits.future:
        return "future"
    if at < now - limits.past:
        return "past"
    return Reading(point["_id"], at, float(value))


@dataclass
class Message:
    """One message as decoded: its reading items, or why it was refused whole."""

    items: list[Any]
    refused: str | None = None

    def point_ids(self) -> set[str]:
        """The point ids its items name (to look the points up before checking them)."""
        return {
            item["point"]
            for item in self.items
            if isinstance(item, dict) and isinstance(item.get("point"), str)
        }


def decode(raw: bytes, limits: IngestLimits) -> Message:
    if len(raw) > limits.max_payload_bytes:
        return Message([], "oversized")
    try:
        message = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        message = None
    items = message.get("readings", []) if isinstance(message, dict) else None
    if not isinstance(items, list) or len(items) > limits.max_readings_per_message:
        return Message([], "malformed")
    return Message(items)


def check(
    message: Message, points: dict[str, Document], limits: IngestLimits, now: datetime
) -> Checked:
    """The readings of one decoded message from a device whose points are `points` (by id)."""
    checked = Checked()
    if message.refused:
        checked.refuse(message.refused)
    for item in message.items:
        outcome = _problem(item, points, limits, now)
        if isinstance(outcome, Reading):
            checked.readings.append(outcome)
        else:
            checked.refuse(outcome)
    return checked


@dataclass
class Batch:
    """The messages of one batch, decoded, by the device whose topic they came from."""

    by_device: dict[str, list[Message]]

    @classmethod
    def of(cls, messages: list[tuple[str, bytes]], limits: IngestLimits) -> "Batch":
        """From [(routing key, body)]: the key's last word is the device (its topic's)."""
        by_device: dict[str, list[Message]] = {}
        for routing_key, raw in messages:
            by_device.setdefault(routing_key.rsplit(".", 1)[-1], []).append(decode(raw, limits))
        return cls(by_device)

    def point_ids(self) -> set[str]:
        return set().union(
            *(message.point_ids() for own in self.by_device.values() for message in own)
        )

    def checked(
        self,
        devices: dict[str, Document],
        points: dict[str, Document],
        limiter: "RateLimiter",
        limits: IngestLimits,
        now: datetime,
    ) -> tuple[list[Reading], dict[str, dict[str, int]]]:
        """The readings to store, of the known `devices` each on its own `points` within its
        rate, and the refusals by device and reason. A device the platform does not know (one
        removed) sends nothing anyone counts."""
        accepted, refused = [], {}
        points_of: dict[str, dict[str, Document]] = {}
        for key, point in points.items():
            points_of.setdefault(point["device_id"], {})[key] = point
        for device_id in devices:
            own = points_of.get(device_id, {})
            checked = Checked()
            for message in self.by_device[device_id]:
                one = check(message, own, limits, now)
                checked.readings.extend(one.readings)
                for reason, count in one.refused.items():
                    checked.refuse(reason, count)
            allowed = limiter.allow(
                device_id, len(checked.readings), limits.readings_per_minute, now
            )
            if allowed < len(checked.readings):
                checked.refuse("rate_limited", len(checked.readings) - allowed)
            accepted.extend(checked.readings[:allowed])
            refused[device_id] = checked.refused
        return accepted, refused


def by_point(accepted: list[Reading]) -> dict[str, list[Reading]]:
    """The readings of each point, in time order."""
    grouped: dict[str, list[Reading]] = {}
    for reading in sorted(accepted, key=lambda reading: reading.at):
        grouped.setdefault(reading.point_id, []).append(reading)
    return grouped


class RateLimiter:
    """Readings per device and minute, as a token bucket refilled continuously: a flood from one
    device is cut to its share while every other device keeps its own."""

    def __init__(self) -> None:
        self.buckets: dict[str, tuple[float, datetime]] = {}

    def allow(self, device_id: str, wanted: int, per_minute: int, now: datetime) -> int:
        """How many of `wanted` readings the device may have stored now."""
        tokens, then = self.buckets.get(device_id, (float(per_minute), now))
        elapsed = max((now - then).total_seconds(), 0.0)
        tokens = min(float(per_minute), tokens + elapsed * per_minute / 60)
        allowed = min(wanted, int(tokens))
        self.buckets[device_id] = (tokens - allowed, now)
        return allowed


def minute_of(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(second=0, microsecond=0)


def bucket_id(point_id: str, moment: datetime) -> str:
    return f"{point_id}:{minute_of(moment):%Y%m%d%H%M}"


def reading_key(moment: datetime) -> str:
    """A reading's key in its minute's document: its instant in milliseconds."""
    return str(int(moment.timestamp() * 1000))


def from_key(key: str) -> datetime:
    return datetime.fromtimestamp(int(key) / 1000, timezone.utc)


def series(buckets: list[Document], start: datetime, end: datetime) -> list[tuple[datetime, float]]:
    """The readings of the minute documents between `start` and `end`, in time order."""
    found = [
        (from_key(key), value)
        for bucket in buckets
        for key, value in bucket.get("readings", {}).items()
    ]
    return sorted((at, value) for at, value in found if start <= at <= end)


def downsampled(
    readings: list[tuple[datetime, float]], start: datetime, end: datetime, max_points: int
) -> list[dict[str, Any]]:
    """At most `max_points` rows: each reading itself when there are few enough, otherwise one
    row per equal slice of the range with the slice's mean, minimum, maximum and count (so a
    peak is never averaged away)."""
    if len(readings) <= max_points:
        return [
            {"at": at, "value": value, "min": value, "max": value, "count": 1}
            for at, value in readings
        ]
    width = max((end - start) / max_points, timedelta(milliseconds=1))
    slices: dict[int, list[float]] = {}
    for at, value in readings:
        slices.setdefault(int((at - start) / width), []).append(value)
    return [
        {
            "at": start + width * index,
            "value": round(sum(values) / len(values), 6),
            "min": min(values),
            "max": max(values),
            "count": len(values),
        }
        for index, values in sorted(slices.items())
    ]
