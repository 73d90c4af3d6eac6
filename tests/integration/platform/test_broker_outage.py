"""No broker outage ends a service: each place where nameko could let a broker error stop the
service container, met with the broker killed at that very moment.

The broker is a private RabbitMQ node (the shared one serves everyone else); the service is a
real process built only from the kit's parts, whose workers wait until the test releases them.
"""

import threading
import time
import uuid
from datetime import datetime, timezone

import pytest

from gateway.rpc import RpcPool, ServiceTimeout
from services.kit.mongo import connect
from services.kit.outbox import PUBLIC_EXCHANGE
from services.kit.pure.envelope import make_event
from services.kit.pure.errors import Unavailable
from tests.support.events import EventTap, publish
from tests.support.holding import CALLER, Service, released
from tests.support.holding_service import NOTE_SENT, PRODDER, SERVICE
from tests.support.platform import platform_settings
from tests.support.rabbitmq import private_broker  # noqa: F401 (this module's broker)
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow  # a private broker, killed and restarted

RPC_TIMEOUT = 5
# The promise: consuming again within 10 s of the broker's return.
CONSUMING_AGAIN_SECONDS = 10


@pytest.fixture(scope="module")
def settings(infrastructure, broker, tmp_path_factory):
    return platform_settings(
        infrastructure,
        broker.amqp_uri,
        tmp_path_factory.mktemp("holding"),
        rpc_timeout_seconds=RPC_TIMEOUT,
    )


@pytest.fixture(scope="module")
def database(settings):
    client = connect(settings)
    yield client[settings.database(SERVICE)]
    client.drop_database(settings.database(SERVICE))
    client.close()


@pytest.fixture(scope="module")
def rpc(settings):
    pool = RpcPool(settings)
    yield pool
    pool.close()


@pytest.fixture(scope="module")
def service(settings, database, rpc, tmp_path_factory):
    running = Service.serving(settings, tmp_path_factory.mktemp("holding-service"), rpc)
    yield running
    running.stop()


def in_background(call, *args):
    """Run `call` in a thread; the returned dict gets its 'outcome' and 'seconds'."""
    result = {}

    def run():
        started = time.monotonic()
        try:
            result["outcome"] = call(*args)
        except Exception as error:  # the outcome under test, whatever it is
            result["outcome"] = error
        result["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    result["thread"] = thread
    return result


def broker_killed_while_held(broker, service, gate):
    """Kill the broker while a worker waits at `gate`, then let the worker finish."""
    wait_until(lambda: (gate / "started").exists(), message="the worker to start")
    broker.kill()
    released(gate)


def consuming_again(broker, service, rpc):
    """Restart the broker; return the seconds until the service answers an RPC again."""
    assert service.alive(), service.log()[-3000:]
    broker.start()
    back = time.monotonic()

    def answers():
        try:
            return rpc.call(CALLER, SERVICE, "answer", str(released(service.gate())))
        except (Unavailable, ServiceTimeout):
            return None

    wait_until(answers, timeout=30, interval=0.2, message="the service to consume again")
    seconds = time.monotonic() - back
    assert service.alive()
    return seconds


def test_a_reply_that_cannot_be_sent_is_dropped_and_the_service_lives_on(broker, service, rpc):
    gate = service.gate()
    call = in_background(rpc.call, CALLER, SERVICE, "answer", str(gate))
    broker_killed_while_held(broker, service, gate)
    wait_until(
        lambda: "reply to holding.answer dropped" in service.log(),
        timeout=30,
        message="the unsendable reply to be dropped with a log line",
    )
    call["thread"].join(timeout=RPC_TIMEOUT + 5)
    assert isinstance(call["outcome"], (Unavailable, ServiceTimeout))
    assert call["seconds"] <= RPC_TIMEOUT + 1
    seconds = consuming_again(broker, service, rpc)
    assert seconds <= CONSUMING_AGAIN_SECONDS
    print(f"consuming again {seconds:.1f}s after the broker's return")


def test_events_the_broker_missed_are_relayed_once_it_is_back(broker, service, rpc, database):
    tap = EventTap(broker.amqp_uri, PUBLIC_EXCHANGE, f"cn.anjian.{SERVICE}.#", durable=True)
    subject = uuid.uuid4().hex
    gate = service.gate()
    call = in_background(rpc.call, CALLER, SERVICE, "record", str(gate), subject)
    broker_killed_while_held(broker, service, gate)
    wait_until(lambda: database.notes.find_one({"_id": subject}), message="the note to be stored")
    # The command's own flush fails, then the relay timer's tries fail too, tick after tick.
    wait_until(
        lambda: service.log().count("stay in the outbox") >= 2,
        timeout=30,
        message="the relay timer to retry while the broker is down",
    )
    call["thread"].join(timeout=RPC_TIMEOUT + 5)
    consuming_again(broker, service, rpc)
    wait_until(
        lambda: database.notes.find_one({"_id": subject})["outbox"] == [],
        timeout=30,
        message="the relay to publish the held-back event",
    )
    delivered = [event for event in tap.drain() if event["subject"] == subject]
    assert [event["type"] for event in delivered] == [f"cn.anjian.{SERVICE}.note.recorded.v1"]
    tap.close()


def test_an_event_handled_while_the_broker_is_down_takes_effect_once(
    broker, service, rpc, database
):
    subject = uuid.uuid4().hex
    gate = service.gate()
    note = make_event(
        service=PRODDER,
        entity="note",
        verb="sent",
        subject=subject,
        data={"gate": str(gate)},
        region_code="620722",
        now=datetime.now(timezone.utc),
    )
    assert note["type"] == NOTE_SENT
    publish(broker.amqp_uri, f"{PRODDER}.events", note)
    broker_killed_while_held(broker, service, gate)
    wait_until(
        lambda: database.notes_seen.find_one({"_id": subject}),
        message="the handler's effect to be stored",
    )
    consuming_again(broker, service, rpc)
    # The acknowledgement died with the broker, so the event comes again and is skipped.
    wait_until(
        lambda: f"event {note['id']} already applied, skipped" in service.log(),
        timeout=30,
        message="the redelivered event to be skipped",
    )
    assert database.notes_seen.find_one({"_id": subject})["times"] == 1


def test_a_service_started_while_the_broker_is_down_waits_for_it(
    broker, settings, tmp_path_factory
):
    broker.kill()
    late = Service(settings, tmp_path_factory.mktemp("late"))
    try:
        wait_until(
            lambda: "broker unreachable" in late.log(),
            timeout=60,
            message="the starting service to wait for the broker",
        )
        assert late.alive()
        broker.start()
        back = time.monotonic()
        wait_until(
            lambda: "Connected to amqp" in late.log(),
            timeout=30,
            message="the late service to consume",
        )
        assert time.monotonic() - back <= CONSUMING_AGAIN_SECONDS
        assert late.alive()
    finally:
        late.stop()
