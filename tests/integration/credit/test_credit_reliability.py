"""The broker is killed (SIGKILL) while the credit service publishes 1,000 public events and
started again on its data: every event, confirmed before the crash or still in the outbox, reaches
the reference platform consumer, which stores each exactly once.

The broker is a private RabbitMQ node (the shared one serves everyone else). The 1,000 published
listings and their public events are written straight into the credit service's database, built
by its own domain commands (moving 1,000 cases through five requests each would take minutes and
prove nothing more); the administrators' replay then publishes the events through the outbox.
"""

import threading
from datetime import timedelta

import pika
import pytest

from examples.credit_platform_consumer import PlatformConsumer
from gateway.rpc import RpcPool
from services.credit.domain import cases, policy
from services.kit.mongo import connect
from services.kit.pure.actor import SYSTEM
from services.kit.pure.clock import Clock
from services.kit.pure.uscc import with_check_character
from services.kit.rules import load_rules
from tests.support.platform import platform_settings
from tests.support.rabbitmq import private_broker  # noqa: F401 (this module's broker)
from tests.support.waiting import wait_until
from tools.isolated import Components

pytestmark = pytest.mark.slow  # a private broker, killed and restarted

LISTINGS = 1000
RPC_TIMEOUT = 10


@pytest.fixture(scope="module")
def settings(infrastructure, broker, tmp_path_factory):
    return platform_settings(
        infrastructure,
        broker.amqp_uri,
        tmp_path_factory.mktemp("credit-chaos"),
        rpc_timeout_seconds=RPC_TIMEOUT,
    )


@pytest.fixture(scope="module")
def credit(settings):
    running = Components(settings)
    running.start("credit")
    rpc = RpcPool(settings)
    client = connect(settings)
    try:
        wait_until(
            lambda: _answers(rpc), timeout=90, interval=0.5, message="the credit service to start"
        )
        yield rpc, client[settings.database("credit")]
    finally:
        rpc.close()
        running.stop_all()
        client.drop_database(settings.database("credit"))
        client.close()


def _answers(rpc):
    try:
        return rpc.call(SYSTEM.to_context(), "credit", "health")
    except Exception:  # not up yet
        return None


def _published_listings(count, now):
    """`count` listings as the domain's commands leave them after publication, and their
    listing events."""
    in_force = policy.policy_on(load_rules("credit", checks=policy.RULE_CHECKS), now.date())
    listing = in_force.cases["other_by_law"]
    made, announced = [], []
    for index in range(count):
        code = with_check_character(f"91620722{index:09d}")
        enterprise = {"uscc": code, "name": f"测试企业{index}", "region_code": "620722"}
        case, _ = cases.open_case(
            listing,
            cases.subject_of(enterprise, code, "620722"),
            [{"kind": "manual", "id": f"r{index}"}],
            "620722",
            in_force,
            SYSTEM,
            now - timedelta(days=30),
        )
        case, _ = cases.notify(case, {"reasons": "r", "rights": "r"}, in_force, SYSTEM, now)
        case, _ = cases.receive_representation(case, {"text": "t"}, SYSTEM, now)
        case, _ = cases.decide(
            case, {"outcome": "list", "decision_number": f"n{index}", "reasons": "r"}, SYSTEM, now
        )
        case, (listed,) = cases.publish(case, {"measures": []}, in_force, SYSTEM, now)
        made.append({**case, "outbox": []})
        announced.append(listed)
    return made, announced


def _queued(amqp_uri, queue):
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        return connection.channel().queue_declare(queue, passive=True).method.message_count
    finally:
        connection.close()


def test_a_broker_killed_mid_publish_loses_and_doubles_no_public_event(
    credit, broker, settings, tmp_path
):
    rpc, database = credit
    now = Clock().now()
    listings, announced = _published_listings(LISTINGS, now)
    database.cases.insert_many(listings)
    # What the service's own handler keeps of each public event it published (store.log_public).
    database.public_log.insert_many(
        [{"_id": event["id"], "time": now, "event": {**event, "time": now}} for event in announced]
    )
    expected = {event["id"] for event in announced}
    store = str(tmp_path / "platform.sqlite")
    consumer = PlatformConsumer(broker.amqp_uri, store, name="chaos")
    queue = consumer.queue
    consumer.close()

    replay = threading.Thread(
        target=lambda: _ignore_outcome(
            rpc.call,
            SYSTEM.to_context(),
            "credit",
            "replay_public_events",
            {
                "since": (now - timedelta(minutes=1)).isoformat(),
                "until": (now + timedelta(minutes=1)).isoformat(),
            },
        ),
        daemon=True,
    )
    replay.start()
    queued = wait_until(
        lambda: _queued(broker.amqp_uri, queue),
        timeout=60,
        interval=0.01,
        message="the first public events in the platform's queue",
    )
    broker.kill()
    in_outbox = sum(len(record.get("outbox", [])) for record in database.replays.find())
    # Measured: a few dozen delivered and all 1,000 still unconfirmed in the outbox.
    assert in_outbox > 0, f"killed after publication had ended ({queued} queued): nothing tested"
    broker.start()
    replay.join(timeout=RPC_TIMEOUT + 5)

    consumer = PlatformConsumer(broker.amqp_uri, store, name="chaos")
    try:

        def all_stored():
            consumer.run(idle_seconds=1)
            return len(consumer.stored()) >= LISTINGS

        wait_until(all_stored, timeout=180, message="every public event at the platform")
        stored = [event["id"] for event in consumer.stored()]
        assert consumer.rejected == 0
        assert len(stored) == LISTINGS and set(stored) == expected
    finally:
        consumer.close(delete_queue=True)


def _ignore_outcome(call, *args):
    """The replay's answer may be lost with the broker; its events are in the outbox anyway."""
    try:
        call(*args)
    except Exception:  # the reply cannot come back over a killed broker
        pass
