"""Event handlers that take their events in batches, so that many events cost one database write.

A handler with a high event rate and a cheap, summable effect (indicator counters) spends most of
its time on per-message work: one worker, one write and one round trip per event. A batched
handler's consumer has a deep prefetch, collects the messages that arrive within a moment (or until
a batch is full) and runs one worker with all of them; each message is acknowledged only after the
batch's effect is stored. The effect records the ids of the events it applied in the same write, so
a redelivered batch changes nothing twice. If a batch fails, its events are applied one at a time
through the inbox, whose bounded retries and dead letters then single out the event that fails.

Raw messages that are not events (sensor readings arriving over MQTT) are batched the same way by
`batched_consumer`; a batch that fails is requeued whole.
"""

import functools

import eventlet
from nameko.containers import ContainerBeingKilled
from nameko.messaging import Consumer

from services.kit.metrics import HANDLED, count_event
from services.kit.runtime import ResilientEventHandler, ResilientQueueConsumer

BATCH_SIZE = 200
# How long the first message of a batch waits for company: the latency a batch adds.
BATCH_WAIT_SECONDS = 0.02
# Unacknowledged messages in flight: a full batch being written while the next one fills.
BATCH_PREFETCH = 2 * BATCH_SIZE


class BatchQueueConsumer(ResilientQueueConsumer):
    """A queue consumer of its own (nameko shares one per class), with a deep prefetch."""

    @property
    def prefetch_count(self):
        return BATCH_PREFETCH


class Batching:
    """Mixin for an entrypoint: collects its messages into batches and runs one worker per
    batch, acknowledging (or requeueing) each message once the batch is done. With
    `batches_at_once` set, no more batches than that run together: the messages that arrive
    meanwhile wait for the next batch, which is then larger."""

    queue_consumer = BatchQueueConsumer()
    batches_at_once = None

    def setup(self):
        super().setup()
        self.pending = []
        self.running = 0

    def batch_arguments(self, batch):
        """The worker's arguments for [(body, message)]: the bodies, by default."""
        return ([body for body, _ in batch],)

    def handle_message(self, body, message):
        # Eventlet switches only at I/O, so these list operations need no lock.
        self.pending.append((body, message))
        if len(self.pending) >= BATCH_SIZE:
            self._run_batch()
        elif len(self.pending) == 1:
            eventlet.sleep(BATCH_WAIT_SECONDS)
            self._run_batch()

    def _run_batch(self):
        if self.batches_at_once is not None and self.running >= self.batches_at_once:
            return  # the batch running takes these up when it is done
        batch, self.pending = self.pending, []
        if not batch:
            return
        messages = [message for _, message in batch]
        try:
            self.container.spawn_worker(
                self,
                self.batch_arguments(batch),
                {},
                context_data=self.unpack_message_headers(messages[0]),
                handle_result=functools.partial(self._batch_done, messages),
            )
            self.running += 1
        except ContainerBeingKilled:
            for message in messages:
                self.queue_consumer.requeue_message(message)

    def _batch_done(self, messages, worker_ctx, result=None, exc_info=None):
        self.running -= 1
        for message in messages:
            self.handle_message_processed(message, result, exc_info)
        if self.pending:
            self._run_batch()
        return result, exc_info


class BatchedEventHandler(Batching, ResilientEventHandler):
    """The kit's event handler, calling its method with a list of message bodies."""


class RawQueueConsumer(BatchQueueConsumer):
    """A queue consumer handing its providers each message undecoded: what devices send has no
    content type, and bytes that are not text must reach the provider (which counts them as
    refused) rather than stop in the decoder unacknowledged."""

    def get_consumers(self, consumer_cls, channel):
        for provider in self._providers:
            consumer = consumer_cls(
                queues=[provider.queue],
                on_message=functools.partial(self._undecoded, provider),
                accept=self.accept,
            )
            consumer.qos(prefetch_count=self.prefetch_count)
            self._consumers[provider] = consumer
        return self._consumers.values()

    def _undecoded(self, provider, message):
        self.handle_message(provider, message.body, message)


class BatchedConsumer(Batching, Consumer):
    """A consumer of raw messages from a queue of one's own (not events: sensor readings from
    MQTT, say), calling its method with [(routing key, body bytes)]. A batch that fails is
    requeued whole, so its effect must be idempotent."""

    queue_consumer = RawQueueConsumer()
    # One batch at a time: raw messages of one source (a device's readings) change the same
    # records batch after batch, and side by side they would mostly collide.
    batches_at_once = 1

    def batch_arguments(self, batch):
        return ([(message.delivery_info["routing_key"], message.body) for _, message in batch],)


def batched_consumer(queue):
    """Decorate `method(self, messages)` to take `queue`'s messages in batches; each message is
    acknowledged after the method returns, and requeued if it raises."""
    return BatchedConsumer.decorator(queue, requeue_on_error=True)


def batched_handler(source_service, event_type):
    """Decorate `method(self, events)`, which must apply a list of events once each.

    Malformed envelopes are parked; the valid events go to the method together. Should that fail,
    each event is applied alone through the inbox (retried, then parked), so one bad event does
    not hold back the others.
    """

    def decorate(method):
        @functools.wraps(method)
        def handler(self, payloads):
            consumer = f"{type(self).name}.{method.__name__}"
            inbox = self.store.inbox
            valid = [
                (payload, event)
                for payload in payloads
                if (event := inbox.admitted(consumer, payload)) is not None
            ]
            try:
                method(self, [event for _, event in valid])
                for _, event in valid:
                    count_event(consumer, event["type"], HANDLED)
            except Exception:  # any failure: find the event that causes it, one at a time
                for payload, _ in valid:
                    inbox.handle(
                        consumer,
                        payload,
                        lambda event: method(self, [event]),
                        effect_records_id=True,
                    )

        return BatchedEventHandler.decorator(source_service, event_type, requeue_on_error=True)(
            handler
        )

    return decorate
