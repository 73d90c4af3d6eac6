"""Transactional outbox inside the aggregate document.

A command saves its events in the `outbox` array of the document it changes, in the same single
document write (`BaseStore.save`). Right after, `OutboxPublisher.flush` publishes them with
publisher confirms to the service's topic exchange (`<service>.events`, the exchange nameko's event
handlers bind to) and pulls each confirmed event from the array. Anything left behind (broker down,
process killed) is published by the relay timer, oldest first, keeping each aggregate's order.
Delivery is at least once; consumers are idempotent by event id.

Every service exchange is also bound to the platform-wide exchange `anjian.events`, so a system
inside the platform can bind one queue there and see every service's facts. External parties bind
to `anjian.public` instead, which receives only the types a service declares public (its
`events.PUBLIC`) through exchange-to-exchange bindings by routing key. A public event is therefore
published like any other (through the outbox, persistent, confirmed, routing key = type), and the
broker confirms it only once every queue it reaches, public ones included, has taken it.
"""

import logging
import time
from datetime import datetime, timedelta

from kombu import Connection, Exchange, Producer
from kombu.pools import connections
from pymongo import UpdateOne

from services.kit.correlation import CORRELATION_ID
from services.kit.pure.envelope import CORRELATION
from services.kit.runtime import broker_connection, timer

log = logging.getLogger(__name__)

FIELD = "outbox"
PUBLIC_EXCHANGE = "anjian.events"
# What platforms outside ours may bind to: only the types services declare public.
EXTERNAL_EXCHANGE = "anjian.public"
# Let the command's own flush go first; the relay only takes events older than this.
RELAY_GRACE = timedelta(seconds=5)
# Pointers followed per relay tick; one pointer may name a whole import batch.
RELAY_POINTERS = 50
# Fail fast when the broker is down: the relay retries later, the caller is not kept waiting.
CONNECT_SECONDS = 2
# How long a batch waits for the broker's confirms before what is unconfirmed stays for later.
CONFIRM_SECONDS = 10


def service_exchange(service):
    return Exchange(f"{service}.events", type="topic", durable=True)


def event_time(event):
    return datetime.fromisoformat(event["time"].replace("Z", "+00:00"))


def due_batches(documents, now, grace=RELAY_GRACE):
    """Which pending events the relay should publish: per document, in order, oldest document first.

    A document's events are taken only while they are older than the grace period, so the relay
    never overtakes a command's own flush of its newest events.
    """
    batches = []
    for document in documents:
        due = []
        for event in document.get(FIELD) or ():
            if now - event_time(event) < grace:
                break
            due.append(event)
        if due:
            batches.append((document["_id"], due))
    batches.sort(key=lambda batch: event_time(batch[1][0]))
    return batches


class OutboxPublisher:
    """Publishes outbox events with publisher confirms, a batch at a time.

    A batch is published without waiting and then confirmed once: the broker's confirms come back
    while the next messages are on their way, instead of one round trip per event.
    """

    def __init__(self, service, settings, clock):
        self.exchange = service_exchange(service)
        self.clock = clock
        self.connection = Connection(settings.amqp_uri, connect_timeout=CONNECT_SECONDS)

    def publish_confirmed(self, events):
        """Publish `events` in order; how many of the first of them the broker confirmed.

        Raises when the broker cannot be reached; a refused or unconfirmed event ends the count.
        """
        with connections[self.connection].acquire(block=True, timeout=CONNECT_SECONDS) as conn:
            conn.ensure_connection(max_retries=1)
            channel = conn.channel()
            try:
                return self._confirmed(conn, channel, events)
            finally:
                channel.close()

    def _confirmed(self, connection, channel, events):
        acknowledged, refused = set(), set()

        def settled(into):
            def note(delivery_tag, multiple):
                into.update(range(1, delivery_tag + 1) if multiple else (delivery_tag,))

            return note

        channel.confirm_select()
        channel.events["basic_ack"].add(settled(acknowledged))
        channel.events["basic_nack"].add(settled(refused))
        producer = Producer(channel)
        for event in events:
            producer.publish(
                event,
                exchange=self.exchange,
                routing_key=event["type"],
                message_id=event["id"],
                type=event["type"],
                serializer="json",
                delivery_mode="persistent",
                # nameko hands `nameko.*` headers to the handler as its context data.
                headers=(
                    {f"nameko.{CORRELATION_ID}": event[CORRELATION]} if CORRELATION in event else {}
                ),
            )
        deadline = time.monotonic() + CONFIRM_SECONDS
        while len(acknowledged | refused) < len(events) and time.monotonic() < deadline:
            try:
                connection.drain_events(timeout=max(deadline - time.monotonic(), 0.01))
            except TimeoutError:
                break
        # Delivery tags count a channel's messages from 1, in publishing order.
        confirmed = 0
        while confirmed + 1 in acknowledged and confirmed + 1 not in refused:
            confirmed += 1
        return confirmed

    def flush(self, collection, document_id, events):
        """Publish `events` of one document in order and drop the confirmed ones from its outbox
        in one write. Returns how many were published; stops at the first failure, keeping order.
        """
        return self.flush_many(collection, [(document_id, events)])

    def flush_many(self, collection, batches):
        """`flush` for [(document id, events)]: one confirmation for all, one write per document."""
        events = [event for _, batch in batches for event in batch]
        if not events:
            return 0
        try:
            confirmed = self.publish_confirmed(events)
        except Exception as error:  # broker down or refusing: the relay will retry
            log.warning("%d event(s) stay in the outbox: %s", len(events), error)
            return 0
        if confirmed < len(events):
            log.warning(
                "the broker confirmed %d of %d event(s); the rest stay in the outbox",
                confirmed,
                len(events),
            )
        removals, left = [], confirmed
        for document_id, batch in batches:
            sent = batch[:left]
            left -= len(sent)
            if sent:
                # The whole events, not a condition on their ids: FerretDB's $pull matches values.
                removals.append(UpdateOne({"_id": document_id}, {"$pullAll": {FIELD: sent}}))
        if removals:
            collection.bulk_write(removals, ordered=False)
        return confirmed

    def relay(self, store):
        """Publish what is due for the store's pending pointers.

        A pointer names documents whose outboxes may hold events, so the relay never scans the
        aggregates (FerretDB would read every document to find them); it is settled once those
        outboxes are empty and it is older than the grace period, since it is written before the
        events it points at. A batch pointer stands for a bulk write's events, stored as one batch
        (see `BaseStore.announce_batch`): they are due as soon as the write is over, and the
        batch is settled once they are published.
        """
        now = self.clock.now()
        published = 0
        for pointer in store.pending_pointers(RELAY_POINTERS):
            collection = store.db[pointer["collection"]]
            if pointer.get("batch"):
                published += self._relay_batch(store, collection, pointer, now)
                continue
            documents = [
                document for document in store.outboxes(collection, pointer) if document.get(FIELD)
            ]
            left = sum(len(document[FIELD]) for document in documents)
            sent = self.flush_many(collection, due_batches(documents, now))
            published += sent
            if left == sent and now - pointer["since"] >= RELAY_GRACE:
                store.settle(pointer)
        if published:
            log.info("outbox relay published %d event(s)", published)
        return published

    def _relay_batch(self, store, collection, pointer, now):
        if not pointer["written"] and now - pointer["since"] < RELAY_GRACE:
            return 0  # its bulk write is still going on
        pairs = store.batch_events(collection, pointer)
        try:
            confirmed = self.publish_confirmed([event for _, event in pairs]) if pairs else 0
        except Exception as error:  # broker down or refusing: the next tick tries again
            log.warning("%d event(s) stay in the outbox: %s", len(pairs), error)
            return 0
        if confirmed == len(pairs):
            store.settle(pointer)
        else:
            store.keep_unpublished(pointer, pairs[confirmed:])
        return confirmed


def declare_exchanges(exchange, amqp_uri, public_types=()):
    """Declare a service's exchange, bound to the platform-wide one and, for each of
    `public_types`, to the external one; waits for the broker if need be."""
    with broker_connection(amqp_uri) as connection:
        channel = connection.channel()
        own = exchange(channel)
        own.declare()
        public = Exchange(PUBLIC_EXCHANGE, type="topic", durable=True)(channel)
        public.declare()
        public.bind_to(own, routing_key="#")
        if public_types:
            external = Exchange(EXTERNAL_EXCHANGE, type="topic", durable=True)(channel)
            external.declare()
            for event_type in public_types:
                external.bind_to(own, routing_key=event_type)


class OutboxRelay:
    """Mixin for a service with a `store` (a BaseStore with a publisher): the timer that publishes
    what was left behind."""

    @timer(interval=2)
    def relay_outbox(self):
        self.store.relay_outbox()
