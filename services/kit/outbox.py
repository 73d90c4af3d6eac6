"""Transactional outbox inside the aggregate document.

A command saves its events in the `outbox` array of the document it changes, in the same single
document write. Right after, `Outbox.flush` publishes them with publisher confirms to the service's
topic exchange (`<service>.events`, the exchange nameko's event handlers bind to) and pulls each
confirmed event from the array. Anything left behind (broker down, process killed) is published by
the relay timer, oldest first, keeping each aggregate's order. Delivery is at least once; consumers
are idempotent by event id.

Every service exchange is also bound to the public exchange `anjian.events`, so an external system
can bind one queue there and see every service's facts.
"""
import logging
from datetime import datetime, timedelta

from kombu import Exchange
from nameko.amqp.publish import Publisher
from nameko.extensions import DependencyProvider
from nameko.timer import timer

from services.kit.config import Settings
from services.kit.runtime import broker_connection

log = logging.getLogger(__name__)

FIELD = "outbox"
PUBLIC_EXCHANGE = "anjian.events"
# Let the command's own flush go first; the relay only takes events older than this.
RELAY_GRACE = timedelta(seconds=5)
# Pointers followed per relay tick; one pointer may name a whole import batch.
RELAY_POINTERS = 50
# Fail fast when the broker is down: the relay retries later, the caller is not kept waiting.
RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}


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
    def __init__(self, service, settings, clock):
        self.exchange = service_exchange(service)
        self.clock = clock
        self.publisher = Publisher(settings.amqp_uri, declare=[self.exchange], use_confirms=True,
                                   retry=True, retry_policy=RETRY_POLICY)

    def publish(self, event):
        self.publisher.publish(
            event, exchange=self.exchange, routing_key=event["type"],
            message_id=event["id"], type=event["type"])

    def flush(self, collection, document_id, events):
        """Publish `events` of one document in order and drop each from its outbox once confirmed.

        Returns how many were published; stops at the first failure so order is kept.
        """
        published = 0
        for event in events:
            try:
                self.publish(event)
            except Exception as error:  # broker down or refusing: the relay will retry
                log.warning("event %s stays in the outbox: %s", event["id"], error)
                break
            # The whole event, not a condition on its id: FerretDB's $pull matches values only.
            collection.update_one({"_id": document_id}, {"$pull": {FIELD: event}})
            published += 1
        return published

    def relay(self, store):
        """Publish what is due for the documents the store's pending pointers name.

        The pointers say which documents may hold events, so the relay never scans the aggregates
        (FerretDB would read every document to find them). A pointer is settled once all its
        documents' outboxes are empty and it is older than the grace period.
        """
        now = self.clock.now()
        published = 0
        for pointer in store.pending_pointers(RELAY_POINTERS):
            collection = store.db[pointer["collection"]]
            documents = [document for document in (
                collection.find_one({"_id": document_id}, {FIELD: 1})
                for document_id in pointer["document_ids"]) if document and document.get(FIELD)]
            left = sum(len(document[FIELD]) for document in documents)
            for document_id, events in due_batches(documents, now):
                sent = self.flush(collection, document_id, events)
                published += sent
                left -= sent
            if left == 0 and now - pointer["since"] >= RELAY_GRACE:
                store.settle(pointer)
        if published:
            log.info("outbox relay published %d event(s)", published)
        return published


class Outbox(DependencyProvider):
    def __init__(self, service):
        self.service = service

    def setup(self):
        settings = Settings.from_nameko(self.container.config)
        self.publisher = OutboxPublisher(self.service, settings, settings.clock())
        with broker_connection(settings.amqp_uri) as connection:
            channel = connection.channel()
            exchange = self.publisher.exchange(channel)
            exchange.declare()
            public = Exchange(PUBLIC_EXCHANGE, type="topic", durable=True)(channel)
            public.declare()
            public.bind_to(exchange, routing_key="#")

    def get_dependency(self, worker_ctx):
        return self.publisher


class OutboxRelay:
    """Mixin for a service with `store` and `outbox`: the timer that publishes what was left behind."""

    @timer(interval=2)
    def relay_outbox(self):
        self.outbox.relay(self.store)
