"""monitoring_ingest_vs_raw_mqtt: readings stored per second by the monitoring service versus
readings a bare MQTT subscriber receives per second, from the same publishers in the same run.

Several devices of one enterprise, each with its own broker user and one point, publish a stream
of readings a second apart over MQTT (QoS 1, messages of READINGS_PER_MESSAGE readings) through
RabbitMQ's MQTT plugin. A paho-mqtt subscriber on `anjian/readings/#` (QoS 1) counts the readings
it receives; the monitoring service consumes its durable queue in batches, checks, stores (one
document per point and minute) and evaluates them. Both clocks run from the first publish to the
last reading received, or stored (counted in the database). The run's deployment
rules lift the per-device rate limit, which would otherwise cut the bench's flood.
"""

import json
import threading
import time
from datetime import timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
from nameko.standalone.rpc import ClusterRpcProxy

from bench.figures import Figure
from bench.platform import BenchError, run_load
from services.kit.pure import uscc
from services.kit.pure.actor import SYSTEM
from tools.device_simulator import DevicePublisher, reading

NAME = "monitoring_ingest_vs_raw_mqtt"
TARGET = 0.5
DEVICES = 4
READINGS_PER_DEVICE = 5000
READINGS_PER_MESSAGE = 50
TIMEOUT_SECONDS = 300
UNLIMITED = """
overrides:
- id: monitoring.ingest.limits
  version: 2
  value: {max_payload_bytes: 65536, max_readings_per_message: 500,
          readings_per_minute: 10000000, future_seconds: 300, past_hours: 72}
  source: {document: "the bench: no per-device limit"}
  effective_from: '2021-01-01'
  checked_against: unverified
"""
ENTERPRISE = {
    "uscc": uscc.with_check_character("91620722MA0BENCH0"),
    "name": "民乐县基准测试粉尘企业",
    "region_code": "620722",
    "address": "民乐县工业园区1号",
    "industry": "machinery",
    "above_scale": True,
    "risk_features": ["dust_explosion"],
    "principal": {"name": "王伟", "phone": "13800000000"},
    "safety_manager": {"name": "李娜", "phone": "13900000000"},
}


def _devices(platform):
    """DEVICES devices with one dust-removal point each: [(credentials, point)]."""
    with ClusterRpcProxy(
        platform.rpc_config(), context_data=SYSTEM.to_context(), timeout=60
    ) as cluster:
        cluster.registry.register(ENTERPRISE)
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while not platform.database("monitoring").enterprises.find_one({"_id": ENTERPRISE["uscc"]}):
            if time.monotonic() > deadline:
                raise BenchError("the monitoring service never learnt of the bench enterprise")
            time.sleep(0.2)
        made = []
        for index in range(DEVICES):
            registered = cluster.monitoring.register_device(
                {"uscc": ENTERPRISE["uscc"], "name": f"网关{index}"}
            )
            point = cluster.monitoring.register_point(
                {
                    "device_id": registered["device"]["id"],
                    "name": f"{index}号除尘器压差",
                    "kind": "dust_removal_pressure_differential",
                }
            )
            made.append((registered["credentials"], point))
        return made


def _messages(point, now):
    """A point's readings, a second apart (a sensor's usual rate) and ending now, in messages."""
    start = now - timedelta(seconds=READINGS_PER_DEVICE)
    readings = [
        reading(point, 800 + index % 400, start + timedelta(seconds=index))
        for index in range(READINGS_PER_DEVICE)
    ]
    return [
        readings[first : first + READINGS_PER_MESSAGE]
        for first in range(0, len(readings), READINGS_PER_MESSAGE)
    ]


def _subscriber(platform, credentials, outcome, ready):
    """A bare MQTT subscriber counting the readings it receives, with the bench's broker user."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-raw-subscriber")
    client.username_pw_set(*credentials)
    outcome.update(received=0, last=None)

    def on_message(client, data, message):
        outcome["received"] += len(json.loads(message.payload)["readings"])
        outcome["last"] = time.perf_counter()

    client.on_message = on_message
    client.on_connect = lambda client, data, flags, reason, props: (
        client.subscribe("anjian/readings/#", qos=1),
        ready.set(),
    )
    client.connect("127.0.0.1", platform.settings.mqtt_port)
    client.loop_start()
    return client


def _latest_is_last(platform, point_ids, now):
    points = platform.database("monitoring").points.find({"_id": {"$in": point_ids}}, {"latest": 1})
    return all(
        point.get("latest") and point["latest"]["at"] >= now - timedelta(seconds=1.5)
        for point in points
    )


def _stored(platform, point_ids):
    """How many readings of the points the service has stored."""
    return sum(
        len(bucket["readings"])
        for bucket in platform.database("monitoring").readings.find(
            {"point_id": {"$in": point_ids}}, {"readings": 1}
        )
    )


def monitoring_ingest_vs_raw_mqtt(platform):
    rules = Path(platform.logs) / "monitoring-rules"
    (rules / "monitoring").mkdir(parents=True, exist_ok=True)
    (rules / "monitoring" / "bench.yaml").write_text(UNLIMITED, encoding="utf-8")
    platform.restart("monitoring", rules_dir=str(rules))
    devices = _devices(platform)
    now = platform.settings.clock().now()
    streams = [(credentials, point, _messages(point, now)) for credentials, point in devices]
    total = DEVICES * READINGS_PER_DEVICE
    raw, subscribed = {}, threading.Event()
    vhost = platform.settings.amqp_uri.rsplit("/", 1)[1]
    subscriber = _subscriber(platform, (f"{vhost}:guest", "guest"), raw, subscribed)
    if not subscribed.wait(30):
        raise BenchError("the raw MQTT subscriber could not subscribe")
    errors = []

    def publish(credentials, messages):
        try:
            with DevicePublisher(credentials) as publisher:
                for batch in messages:
                    if not publisher.publish(batch):
                        raise BenchError("the broker did not take a message")
        except Exception as error:  # reported by run_load
            errors.append(error)

    started = time.perf_counter()
    run_load(
        [
            threading.Thread(target=publish, args=(credentials, messages))
            for credentials, _, messages in streams
        ],
        errors,
    )
    ids = [point["id"] for _, point, _ in streams]
    deadline = time.monotonic() + TIMEOUT_SECONDS
    # Cheap first (each point's latest reading is the last one sent), then the full count, which
    # reads every stored reading and would slow the service down if asked all along. The
    # service takes one batch at a time, so once the last readings are in, the others are.
    while not _latest_is_last(platform, ids, now) and time.monotonic() < deadline:
        time.sleep(0.02)
    while True:
        # When the count that finds them all began: it reads every reading, which takes a while.
        stored_at = time.perf_counter()
        stored = _stored(platform, ids)
        if stored >= total or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    while raw["received"] < total and time.monotonic() < deadline:
        time.sleep(0.05)
    subscriber.disconnect()
    subscriber.loop_stop()
    if stored != total or raw["received"] != total:
        raise BenchError(f"stored {stored} and received {raw['received']} of {total} readings")
    service_rate = total / (stored_at - started)
    raw_rate = total / (raw["last"] - started)
    ratio = service_rate / raw_rate
    return Figure(
        NAME,
        f"{ratio:.2f}",
        f">= {TARGET}",
        [
            f"{DEVICES} devices x {READINGS_PER_DEVICE} readings, "
            f"{READINGS_PER_MESSAGE} per MQTT message (QoS 1)",
            f"service: {service_rate:,.0f} readings stored/s",
            f"raw MQTT subscriber: {raw_rate:,.0f} readings received/s",
        ],
    )
