"""Nothing is lost and nothing happens twice: the outbox relay and idempotent event handling."""

import threading
import uuid
from datetime import datetime, timezone

import pytest

from services.kit.pure.envelope import make_event
from tests.support.events import EventTap, publish
from tests.support.factories import enterprise
from tests.support.rabbitmq import cut_connections
from tests.support.waiting import wait_until


@pytest.fixture
def registry_db(mongo, settings):
    return mongo[settings.database("registry")]


def reconnect(broker, platform, api):
    """New permissions apply to new connections: cut them all and wait until everyone is back."""
    cut_connections(broker)
    wait_until(platform.ready, timeout=60, interval=0.5, message="the services to reconnect")
    wait_until(
        lambda: api.get("/api/v1/enterprises").status_code == 200,
        timeout=60,
        interval=0.5,
        message="the gateway to reconnect",
    )


def test_event_held_back_by_the_broker_is_published_by_the_relay(
    sign_in, broker, registry_db, platform
):
    tap = EventTap(broker.amqp_uri, "registry.events", "cn.anjian.registry.#")
    minle = sign_in("minle")
    body = enterprise()
    broker.allow_writes(r"^(?!registry\.events$).*")  # the broker now refuses our events
    try:
        reconnect(broker, platform, minle)
        reply = minle.post("/api/v1/enterprises", json=body)
        assert reply.status_code == 201, reply.text
        pending = registry_db.enterprises.find_one({"_id": body["uscc"]})["outbox"]
        # The registration, the grade it came with (the grade history's first entry), and
        # what it adds to the counts of enterprises.
        assert [event["type"] for event in pending] == [
            "cn.anjian.registry.enterprise.registered.v1",
            "cn.anjian.registry.standardization.graded.v1",
            "cn.anjian.registry.enterprise.standing_changed.v1",
        ]
    finally:
        broker.allow_writes()
    reconnect(broker, platform, minle)
    event = tap.wait_for(
        lambda e: e["subject"] == body["uscc"] and e["type"] == pending[0]["type"], timeout=30
    )
    assert event["id"] == pending[0]["id"]
    wait_until(
        lambda: registry_db.enterprises.find_one({"_id": body["uscc"]})["outbox"] == [],
        message="the relayed event to leave the outbox",
    )
    tap.close()


def suspension(uscc, order_id, verb="ordered", **data):
    payload = {
        "order_id": order_id,
        "reason": "重大事故隐患未整改",
        ("ordered_on" if verb == "ordered" else "lifted_on"): "2026-11-20",
        **data,
    }
    return make_event(
        service="inspection",
        entity="suspension",
        verb=verb,
        subject=uscc,
        data=payload,
        region_code="620722",
        now=datetime.now(timezone.utc),
    )


def status_of(api, uscc):
    return api.get(f"/api/v1/enterprises/{uscc}").json()


def test_repeated_event_takes_effect_once(sign_in, broker, registry_db):
    minle = sign_in("minle")
    body = enterprise()
    minle.post("/api/v1/enterprises", json=body)
    order = suspension(body["uscc"], "SO-" + uuid.uuid4().hex[:8])
    for _ in range(3):
        publish(broker.amqp_uri, "inspection.events", order)
    wait_until(
        lambda: status_of(minle, body["uscc"])["status"] == "suspended",
        message="the suspension to apply",
    )
    lifted = suspension(body["uscc"], order["data"]["order_id"], verb="lifted")
    publish(broker.amqp_uri, "inspection.events", lifted)
    wait_until(
        lambda: status_of(minle, body["uscc"])["status"] == "operating",
        message="the lifting to apply",
    )
    # A late redelivery of the old order must be skipped; a new order still applies.
    publish(broker.amqp_uri, "inspection.events", order)
    second = suspension(body["uscc"], "SO-" + uuid.uuid4().hex[:8])
    publish(broker.amqp_uri, "inspection.events", second)
    wait_until(
        lambda: status_of(minle, body["uscc"])["status"] == "suspended",
        message="the second order to apply",
    )
    causes = [
        entry.get("cause", {}).get("suspension_order")
        for entry in registry_db.enterprises.find_one({"_id": body["uscc"]})["status_history"]
    ]
    assert causes == [
        None,
        order["data"]["order_id"],
        order["data"]["order_id"],
        second["data"]["order_id"],
    ]


def test_concurrent_duplicates_take_effect_once(sign_in, broker, registry_db):
    minle = sign_in("minle")
    body = enterprise()
    minle.post("/api/v1/enterprises", json=body)
    order = suspension(body["uscc"], "SO-" + uuid.uuid4().hex[:8])
    senders = [
        threading.Thread(target=publish, args=(broker.amqp_uri, "inspection.events", order))
        for _ in range(4)
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    wait_until(
        lambda: registry_db.inbox_done.count_documents({"_id": {"$regex": order["id"]}}) == 1,
        message="the event to be marked done",
    )
    document = registry_db.enterprises.find_one({"_id": body["uscc"]})
    assert [entry["status"] for entry in document["status_history"]] == ["operating", "suspended"]


def test_failing_event_is_parked_with_its_error_and_does_not_block(sign_in, broker, registry_db):
    minle = sign_in("minle")
    body = enterprise()
    minle.post("/api/v1/enterprises", json=body)
    broken = suspension(body["uscc"], "SO-broken", ordered_on="not-a-date")
    publish(broker.amqp_uri, "inspection.events", broken)
    parked = wait_until(
        lambda: registry_db.dead_letters.find_one({"event.id": broken["id"]}),
        timeout=60,
        message="the failing event to be parked",
    )
    assert parked["attempts"] == 5
    assert "not-a-date" in parked["error"]
    assert parked["consumer"] == "registry.handle_suspension_ordered"
    good = suspension(body["uscc"], "SO-good")
    publish(broker.amqp_uri, "inspection.events", good)
    wait_until(
        lambda: status_of(minle, body["uscc"])["status"] == "suspended",
        message="a later event to be handled",
    )


def test_malformed_envelope_is_parked_not_lost(broker, registry_db):
    junk = {
        "id": "junk-" + uuid.uuid4().hex,
        "type": "cn.anjian.inspection.suspension.ordered.v1",
        "data": {},
    }
    publish(broker.amqp_uri, "inspection.events", junk)
    parked = wait_until(
        lambda: registry_db.dead_letters.find_one({"event.id": junk["id"]}),
        message="the malformed event to be parked",
    )
    assert "malformed envelope" in parked["error"]
