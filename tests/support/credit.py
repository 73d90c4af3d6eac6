"""The credit steps many credit tests take: waiting for the candidate case an event opens, moving
a case on through the gateway, and a reference consumer of the public exchange."""

import secrets
from contextlib import contextmanager

from examples.credit_platform_consumer import PlatformConsumer
from tests.support.api import read
from tests.support.waiting import wait_until

NOTICE = {"reasons": "发生重大生产安全事故", "rights": "可在期限内陈述申辩"}
LISTING = {"outcome": "list", "decision_number": "民应急信〔2026〕1号", "reasons": "事实清楚"}


def candidate_for(api, uscc, timeout=30.0):
    """The case inspection's event opened for the enterprise, once the credit service has it."""
    return wait_until(
        lambda: read(api, f"/api/v1/credit/cases?uscc={uscc}")["items"],
        timeout=timeout,
        message=f"a candidate case for {uscc}",
    )[0]


def opened_by_hand(api, body):
    """A case opened by hand with `body`, once the credit service has learned of the
    enterprise from the registry's events."""
    replies = []
    wait_until(
        lambda: (
            replies.append(api.post("/api/v1/credit/cases", json=body))
            or replies[-1].status_code == 201
        ),
        message=f"credit to learn of enterprise {body['uscc']}",
    )
    return replies[-1].json()


def move(api, case_id, step, body, status=200):
    reply = api.post(f"/api/v1/credit/cases/{case_id}/{step}", json=body)
    assert reply.status_code == status, reply.text
    return reply.json()


@contextmanager
def platform_consumer(amqp_uri, folder):
    """The reference consumer (examples/credit_platform_consumer.py) on a queue of its own."""
    consumer = PlatformConsumer(
        amqp_uri, str(folder / "platform.sqlite"), name="test-" + secrets.token_hex(4)
    )
    try:
        yield consumer
    finally:
        consumer.close(delete_queue=True)


def received(consumer, predicate, timeout=20.0):
    """The stored event matching `predicate`, consuming until it has arrived."""

    def arrived():
        consumer.run(idle_seconds=0.5)
        return next((event for event in consumer.stored() if predicate(event)), None)

    return wait_until(arrived, timeout=timeout, message="a public event at the platform")
