"""credit_public_events_vs_raw_kombu: public events delivered to the reference platform consumer
versus bare AMQP publish and consume.

The pipeline side has the credit service publish the public events of `count` published listings
again (the administrators' replay): from its outbox, with publisher confirms, to its exchange and
through the exchange-to-exchange binding to `anjian.public`, where the reference consumer
(examples/credit_platform_consumer.py, pika) validates each against docs/asyncapi.yaml, stores it
in SQLite and acknowledges it. The raw side publishes the same envelopes with kombu (persistent,
confirmed) to a fresh durable queue that a bare kombu consumer drains, acknowledging each. Both
clocks run from the first request to the last acknowledgement.
"""

import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

from kombu import Connection, Consumer, Exchange, Queue
from nameko.standalone.rpc import ClusterRpcProxy

from bench.event_pipeline import confirming_connection, publish_confirmed
from bench.figures import Figure
from bench.platform import BenchError
from examples.credit_platform_consumer import PlatformConsumer
from services.kit.pure import uscc
from services.kit.pure.actor import SYSTEM
from services.kit.pure.envelope import make_event

NAME = "credit_public_events_vs_raw_kombu"
TARGET = 0.5
DEFAULT_LISTINGS = 200
COUNTY = "620722"
TIMEOUT_SECONDS = 300


def _penalty(index, clock):
    """A penalty at 2-5x (a listing case), as the inspection service announces it."""
    code = uscc.with_check_character(f"91{COUNTY}{index:09d}")
    case_id = uuid.uuid4().hex
    return make_event(
        service="inspection",
        entity="penalty",
        verb="decided",
        subject=case_id,
        region_code=COUNTY,
        now=clock.now(),
        data={
            "case_id": case_id,
            "uscc": code,
            "region_code": COUNTY,
            "authority": COUNTY,
            "parties": [{"party_id": "u", "kind": "unit", "name": f"企业{index}", "role": None}],
            "lines": [
                {
                    "party_id": "u",
                    "article": "safety_law.art114_aggravated",
                    "decision_number": f"罚{index}",
                    "amount_yuan": 1,
                    "decided_on": clock.today().isoformat(),
                }
            ],
            "hazard_ids": [],
            "total_yuan": 1,
        },
    )


def _listings(platform, count):
    """`count` published listings: candidates from penalty events, moved on by RPC."""
    clock = platform.settings.clock()
    with confirming_connection(platform) as connection:
        publish_confirmed(
            connection, "inspection.events", [_penalty(index, clock) for index in range(count)]
        )
    with ClusterRpcProxy(
        platform.rpc_config(), context_data=SYSTEM.to_context(), timeout=60
    ) as cluster:
        deadline = time.monotonic() + TIMEOUT_SECONDS
        moved = 0
        while moved < count:
            # A case moved on leaves the candidates: the first page is always the next one.
            found = cluster.credit.list_cases({"status": "candidate", "page_size": 200})
            if not found["items"]:
                if time.monotonic() > deadline:
                    raise BenchError(f"only {moved} of {count} candidate cases appeared")
                time.sleep(0.5)
                continue
            for case in found["items"][: count - moved]:
                cluster.credit.notify(case["id"], {"reasons": "bench"})
                cluster.credit.receive_representation(case["id"], {"text": "bench"})
                cluster.credit.decide(
                    case["id"], {"outcome": "list", "decision_number": "b", "reasons": "b"}
                )
                cluster.credit.publish(case["id"], {"measures": []})
                moved += 1
    # The service keeps each public event for replays as its own handler hears it.
    log = platform.database("credit").public_log
    while log.count_documents({}) < count:
        if time.monotonic() > deadline:
            raise BenchError("the credit service did not keep its public events for replays")
        time.sleep(0.5)


def _receive(platform, folder, count, outcome, ready):
    """The reference consumer, in a thread of its own (its connection and its SQLite file are
    that thread's): bound before `ready` is set, then consuming `count` events."""
    consumer = PlatformConsumer(
        platform.settings.amqp_uri, str(folder / "platform.sqlite"), name="bench"
    )
    try:
        ready.set()
        outcome["handled"] = consumer.run(idle_seconds=TIMEOUT_SECONDS, limit=count)
        outcome["finished"] = time.perf_counter()
        outcome["rejected"] = consumer.rejected
    finally:
        consumer.close(delete_queue=True)
        ready.set()


def _time_pipeline(platform, folder, count):
    """Seconds from the replay request until the platform stored and acknowledged the last of
    the `count` events, and how long the request itself took to answer. The consumer runs from
    before the request, as a platform's would."""
    outcome, ready = {}, threading.Event()
    receiving = threading.Thread(
        target=_receive, args=(platform, folder, count, outcome, ready), daemon=True
    )
    receiving.start()
    ready.wait(TIMEOUT_SECONDS)
    now = platform.settings.clock().now()
    with ClusterRpcProxy(
        platform.rpc_config(), context_data=SYSTEM.to_context(), timeout=60
    ) as cluster:
        started = time.perf_counter()
        replayed = cluster.credit.replay_public_events(
            {
                "since": (now - timedelta(days=1)).isoformat(),
                "until": (now + timedelta(days=1)).isoformat(),
            }
        )["replayed"]
        answered = time.perf_counter() - started
    receiving.join(TIMEOUT_SECONDS)
    if replayed != count or outcome.get("handled") != count or outcome.get("rejected"):
        raise BenchError(
            f"replayed {replayed} of {count}; the platform handled {outcome.get('handled')}, "
            f"rejected {outcome.get('rejected')}"
        )
    return outcome["finished"] - started, answered


def _time_raw(platform, events):
    exchange = Exchange("bench.raw." + uuid.uuid4().hex, type="topic", durable=True)
    queue = Queue(exchange.name, exchange=exchange, routing_key="#", durable=True)
    received = []
    done = threading.Event()

    def on_message(body, message):
        message.ack()
        received.append(1)
        if len(received) == len(events):
            done.set()

    with (
        Connection(platform.settings.amqp_uri) as consuming,
        confirming_connection(platform) as publishing,
    ):
        queue(consuming.default_channel).declare()
        with Consumer(consuming, [queue], callbacks=[on_message], prefetch_count=100):
            started = time.perf_counter()
            sender = threading.Thread(
                target=publish_confirmed, args=(publishing, exchange.name, events)
            )
            sender.start()
            deadline = time.monotonic() + TIMEOUT_SECONDS
            while not done.is_set() and time.monotonic() < deadline:
                try:
                    consuming.drain_events(timeout=0.5)
                except TimeoutError:
                    continue
            finished = time.perf_counter()
            sender.join()
        queue(consuming.default_channel).delete()
    if not done.is_set():
        raise BenchError(f"the raw consumer got {len(received)} of {len(events)}")
    return finished - started


def credit_public_events_vs_raw_kombu(platform, count=DEFAULT_LISTINGS):
    _listings(platform, count)
    with tempfile.TemporaryDirectory() as folder:
        pipeline_seconds, answered = _time_pipeline(platform, Path(folder), count)
    clock = platform.settings.clock()
    raw_seconds = _time_raw(platform, [_penalty(index, clock) for index in range(count)])
    replayed = count
    pipeline_rate, raw_rate = replayed / pipeline_seconds, replayed / raw_seconds
    return Figure(
        NAME,
        f"{pipeline_rate / raw_rate:.2f}",
        f">= {TARGET}",
        [
            f"public events to the reference consumer: {replayed} in {pipeline_seconds:.2f} s "
            f"({pipeline_rate:.0f}/s; the replay request answered in {answered:.2f} s)",
            f"raw kombu publish+consume: {replayed} in {raw_seconds:.2f} s ({raw_rate:.0f}/s)",
        ],
    )
