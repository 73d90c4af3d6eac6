"""event_pipeline_vs_raw_kombu: events handled by the inspection service versus bare AMQP delivery.

Both sides send the same hazard envelopes through the same kombu producer (persistent messages,
publisher confirms) on the run's broker, each clock running from the first publish. The pipeline
side publishes to `inspection.events`, where the inspection service's batched indicator handler
moves the county's counters, recording the event ids in the same write, before acknowledging each
message; the raw side publishes to a fresh durable queue that a bare kombu consumer with the same
prefetch drains, acknowledging each message. The ratio is what idempotent handling and its
database writes cost per event.
"""

import threading
import time
import uuid

import requests
from kombu import Connection, Consumer, Exchange, Producer, Queue

from bench.figures import Figure
from bench.platform import BenchError
from services.inspection.events import OWN_EVENTS
from services.inspection.service import InspectionService
from services.kit.batching import BATCH_PREFETCH
from services.kit.pure import uscc
from services.kit.pure.envelope import make_event

NAME = "event_pipeline_vs_raw_kombu"
TARGET = 0.5
DEFAULT_EVENTS = 300
# Ganzhou district: inside the bench regulator's Zhangye scope, so its indicators are readable.
COUNTY = "620702"
# The handler counts hazards without looking their enterprise up; any valid code will do.
ENTERPRISE = uscc.with_check_character("91" + COUNTY + "000000001")
PIPELINE_EXCHANGE = "inspection.events"
# The same number of unacknowledged messages in flight as the indicator handler's consumer.
PREFETCH = BATCH_PREFETCH
HANDLED_TIMEOUT_SECONDS = 300
# A read by _id, cheap on FerretDB; the figure is only as fine as this.
POLL_SECONDS = 0.05
# How often the raw consumer, waiting for messages, looks at its deadline.
DRAIN_WAKEUP_SECONDS = 0.5


def _hazard_events(count, clock):
    today = clock.today().isoformat()
    return [
        make_event(
            service="inspection",
            entity="hazard",
            verb="reported",
            subject=uuid.uuid4().hex,
            region_code=COUNTY,
            now=clock.now(),
            data={
                "hazard_id": uuid.uuid4().hex,
                "uscc": ENTERPRISE,
                "grade": "general",
                "state": "rectifying",
                "deadline": None,
                "found_on": today,
            },
        )
        for _ in range(count)
    ]


def confirming_connection(platform):
    return Connection(platform.settings.amqp_uri, transport_options={"confirm_publish": True})


def publish_confirmed(connection, exchange_name, events):
    """Each publish returns once the broker has confirmed it, as the platform's relays do."""
    producer = Producer(connection.default_channel)
    for event in events:
        producer.publish(
            event,
            exchange=exchange_name,
            routing_key=event["type"],
            serializer="json",
            delivery_mode="persistent",
            message_id=event["id"],
        )


def _found_general_hazards(platform, token, year):
    reply = requests.get(
        platform.url + "/api/v1/indicators/inspection",
        timeout=30,
        params={"region": COUNTY, "year": year},
        headers={"Authorization": f"Bearer {token}"},
    )
    if reply.status_code != 200:
        raise BenchError(f"reading the indicators failed: {reply.status_code} {reply.text[:500]}")
    return reply.json()["hazards"]["general"]["found"]


def _time_pipeline(platform, events, year):
    """Seconds from the first publish until the county's counter holds every event, or None.

    The counter write is the handler's last act before the message is acknowledged (it records
    the event id in the same write). It is read straight from the database, often: through the
    gateway every poll would take one of the service's workers.
    """
    indicators = platform.database(InspectionService.name).indicators
    key = f"{COUNTY}:{year}"

    def found():
        document = indicators.find_one({"_id": key}, {"counters": 1}) or {}
        return (((document.get("counters") or {}).get("hazards") or {}).get("found") or {}).get(
            "general", 0
        )

    target = found() + len(events)
    with confirming_connection(platform) as connection:
        started = time.monotonic()
        publish_confirmed(connection, PIPELINE_EXCHANGE, events)
    deadline = started + HANDLED_TIMEOUT_SECONDS
    while found() < target:
        if time.monotonic() > deadline:
            return None
        time.sleep(POLL_SECONDS)
    return time.monotonic() - started


class _Drain:
    """A kombu consumer that acknowledges `expected` messages, noting when the last ack went."""

    def __init__(self, connection, queue, expected):
        self.connection = connection
        self.queue = queue
        self.expected = expected
        self.received = 0
        self.consuming = threading.Event()
        self.finished_at = None
        self.error = None

    def _on_message(self, body, message):
        message.ack()
        self.received += 1
        if self.received == self.expected:
            self.finished_at = time.perf_counter()

    def run(self, deadline):
        try:
            with Consumer(
                self.connection, [self.queue], callbacks=[self._on_message], prefetch_count=PREFETCH
            ):
                self.consuming.set()
                while self.finished_at is None and time.monotonic() < deadline:
                    try:
                        self.connection.drain_events(timeout=DRAIN_WAKEUP_SECONDS)
                    except TimeoutError:
                        continue
        except Exception as error:  # reported by the figure instead of dying with the thread
            self.error = error
            self.consuming.set()


def _time_raw(platform, events):
    """Seconds from the first publish until the consumer acknowledged the last message."""
    exchange = Exchange("bench.raw." + uuid.uuid4().hex, type="topic", durable=True)
    # Durable with persistent messages, like the service's event queue.
    queue = Queue(exchange.name, exchange=exchange, routing_key=OWN_EVENTS, durable=True)
    with (
        confirming_connection(platform) as consuming,
        confirming_connection(platform) as publishing,
    ):
        queue(consuming.default_channel).declare()
        drain = _Drain(consuming, queue, len(events))
        consumer = threading.Thread(
            target=drain.run, args=(time.monotonic() + HANDLED_TIMEOUT_SECONDS,), daemon=True
        )
        consumer.start()
        drain.consuming.wait()
        started = time.perf_counter()
        publish_confirmed(publishing, exchange.name, events)
        consumer.join()
        queue(consuming.default_channel).delete()
    if drain.error is not None:
        raise BenchError(f"the raw consumer failed: {drain.error!r}")
    if drain.finished_at is None:
        raise BenchError(
            f"the raw consumer got {drain.received} of {len(events)} messages "
            f"in {HANDLED_TIMEOUT_SECONDS} s"
        )
    return drain.finished_at - started


def event_pipeline_vs_raw_kombu(platform, count):
    clock = platform.settings.clock()
    year = clock.today().year
    token = platform.sign_in()
    found_before = _found_general_hazards(platform, token, year)
    raw_seconds = _time_raw(platform, _hazard_events(count, clock))
    pipeline_seconds = _time_pipeline(platform, _hazard_events(count, clock), year)
    raw_rate = count / raw_seconds
    if pipeline_seconds is None:
        return Figure(
            NAME,
            "failed",
            f">= {TARGET}",
            [
                f"the inspection service did not handle {count} events within "
                f"{HANDLED_TIMEOUT_SECONDS} s; raw kombu: {raw_rate:.0f} msgs/s"
            ],
        )
    counted = _found_general_hazards(platform, token, year) - found_before
    details = [
        f"pipeline: {count / pipeline_seconds:.1f} events/s, raw kombu: {raw_rate:.0f} "
        f"msgs/s ({count} events)"
    ]
    if counted != count:
        return Figure(
            NAME,
            "failed",
            f">= {TARGET}",
            details + [f"hazards.general.found for {COUNTY} grew by {counted}, not {count}"],
        )
    return Figure(NAME, f"{raw_seconds / pipeline_seconds:.2f}", f">= {TARGET}", details)
