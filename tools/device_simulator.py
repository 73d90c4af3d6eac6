"""A device simulator: sensor gateways on demo sites publishing readings over MQTT, as the real
ones do, to the broker's MQTT listener with each device's own credentials.

Streams are realistic enough to look at: a reading wanders around the middle of its point's
normal range; faults are a drift past a threshold (a clogging filter bag, a failing cooling-water
pump), a sensor stuck on one value, a spike, and a device falling silent.

    python -m tools.device_simulator credentials.json --seconds 600

reads [{"credentials": {...}, "points": [{"id", "unit", "normal", "thresholds", "fault"}]}]
(as the demo seeding writes it) and publishes one reading per point every `--interval` seconds.
"""

import argparse
import json
import math
import random
import sys
import time
from datetime import datetime, timedelta, timezone

import paho.mqtt.client as mqtt

from services.kit.pure.times import utc_instant

# Seconds a publisher waits for the broker to take a message (QoS 1).
CONFIRM_SECONDS = 10


class MqttError(Exception):
    """The broker refused the device or dropped it."""


class DevicePublisher:
    """One device's MQTT connection: its own user name, password and topic."""

    def __init__(self, credentials, client_id=None):
        self.credentials = credentials
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id or credentials["username"].rsplit(":", 1)[-1],
            protocol=mqtt.MQTTv311,
        )
        self.client.username_pw_set(credentials["username"], credentials["password"])
        self.client.enable_logger(None)

    def __enter__(self):
        return self.connect()

    def __exit__(self, *exc_info):
        self.close()

    def connect(self):
        connected = []
        self.client.on_connect = lambda client, data, flags, reason, props: connected.append(reason)
        self.client.connect(self.credentials["host"], self.credentials["port"], keepalive=30)
        self.client.loop_start()
        deadline = time.monotonic() + CONFIRM_SECONDS
        while not connected and time.monotonic() < deadline:
            time.sleep(0.01)
        if not connected or connected[0].is_failure:
            self.close()
            raise MqttError(f"the broker refused the device: {connected or 'no answer'}")
        return self

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()

    def send(self, payload, topic=None):
        """Publish raw bytes (or JSON of a dict) with QoS 1; whether the broker took it."""
        if isinstance(payload, dict):
            payload = json.dumps(payload)
        info = self.client.publish(topic or self.credentials["topic"], payload, qos=1)
        try:
            info.wait_for_publish(CONFIRM_SECONDS)
        except (RuntimeError, ValueError):
            return False
        return info.is_published()

    def publish(self, readings, topic=None):
        """Readings [{point, value, unit, at}] in one message."""
        return self.send({"readings": readings}, topic)


def reading(point, value, at):
    return {
        "point": point["id"],
        "value": round(value, 3),
        "unit": point["unit"],
        "at": utc_instant(at),
    }


def _beyond(point):
    """A value past the point's worst threshold on the side it has one."""
    thresholds = point["thresholds"]
    high = point["normal"][1]
    if thresholds.get("high_high") is not None:
        return thresholds["high_high"] + max(0.1 * abs(thresholds["high_high"]), 1)
    if thresholds.get("low_low") is not None:
        return thresholds["low_low"] - max(0.1 * abs(thresholds["low_low"]), 1)
    return high * 2 + 1


def value_at(point, fault, step, steps, rng):
    """The `step`th of `steps` readings of a point with `fault`."""
    low, high = point["normal"]
    middle, spread = (low + high) / 2, (high - low) / 10
    calm = middle + spread * math.sin(step / 7) + rng.uniform(-spread, spread) / 2
    if fault == "drift":
        # Normal for the first half, then a steady slide past the worst threshold that stays.
        share = max(0.0, (step - steps / 2) / (steps / 4))
        return calm + (_beyond(point) - calm) * min(share, 1.0)
    if fault == "stuck":
        return middle
    if fault == "spike" and step == steps // 2:
        return _beyond(point)
    return calm


def stream(point, fault, start, interval_seconds, steps, seed=0):
    """The readings of one point over `steps` intervals from `start`."""
    rng = random.Random(f"{point['id']}:{seed}")
    return [
        reading(
            point,
            value_at(point, fault, step, steps, rng),
            start + timedelta(seconds=interval_seconds * step),
        )
        for step in range(steps)
        if not (fault == "silent" and step > steps // 2)
    ]


def replay(device, start, interval_seconds, steps, per_message=60):
    """Publish a device's points' streams from `start` (in the past) in messages of at most
    `per_message` readings; how many readings the broker took."""
    readings = sorted(
        (
            item
            for point in device["points"]
            for item in stream(point, point.get("fault", "none"), start, interval_seconds, steps)
        ),
        key=lambda item: item["at"],
    )
    sent = 0
    with DevicePublisher(device["credentials"]) as publisher:
        for first in range(0, len(readings), per_message):
            batch = readings[first : first + per_message]
            if publisher.publish(batch):
                sent += len(batch)
    return sent


def run(devices, seconds, interval_seconds):
    """Publish live: one reading per point every interval, for `seconds`."""
    steps = max(int(seconds / interval_seconds), 1)
    publishers = [(device, DevicePublisher(device["credentials"]).connect()) for device in devices]
    try:
        for step in range(steps):
            now = datetime.now(timezone.utc)
            for device, publisher in publishers:
                rng = random.Random(f"{device['credentials']['topic']}:{step}")
                batch = [
                    reading(
                        point, value_at(point, point.get("fault", "none"), step, steps, rng), now
                    )
                    for point in device["points"]
                    if not (point.get("fault") == "silent" and step > steps // 2)
                ]
                if batch:
                    publisher.publish(batch)
            time.sleep(interval_seconds)
    finally:
        for _, publisher in publishers:
            publisher.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("devices", help="JSON file of devices with credentials and points")
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--interval", type=float, default=5)
    args = parser.parse_args(argv)
    with open(args.devices, encoding="utf-8") as file:
        devices = json.load(file)
    run(devices, args.seconds, args.interval)
    return 0


if __name__ == "__main__":
    sys.exit(main())
