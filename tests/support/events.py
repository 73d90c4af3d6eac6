"""Events seen and sent as an external system would: plain AMQP (pika), not nameko."""

import json
import secrets
import time

import pika


class EventTap:
    """A plain AMQP consumer (pika, not nameko), bound the way an external system would bind.

    Its queue is named and outlives a cut connection (the tap reconnects), like a real
    subscriber's; the broker removes it a minute after the tap is gone.
    """

    def __init__(self, amqp_uri, exchange, binding="#", durable=False):
        self.parameters = pika.URLParameters(amqp_uri)
        self.queue = "test-tap-" + secrets.token_hex(6)
        self._connect()
        self.channel.exchange_declare(exchange, exchange_type="topic", durable=True)
        # durable: the queue (and the persistent events in it) survives a broker restart
        self.channel.queue_declare(self.queue, durable=durable, arguments={"x-expires": 60000})
        self.channel.queue_bind(self.queue, exchange, routing_key=binding)
        self.seen = []

    def _connect(self):
        self.connection = pika.BlockingConnection(self.parameters)
        self.channel = self.connection.channel()

    def _next(self):
        try:
            return self.channel.basic_get(self.queue, auto_ack=True)
        except (pika.exceptions.AMQPConnectionError, pika.exceptions.AMQPChannelError):
            self._connect()
            return self.channel.basic_get(self.queue, auto_ack=True)

    def _record(self, method, properties, body):
        self.seen.append(
            {"routing_key": method.routing_key, "properties": properties, **json.loads(body)}
        )

    def wait_for(self, predicate, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.seen:
                if predicate(event):
                    return event
            method, properties, body = self._next()
            if method is None:
                self.connection.sleep(0.05)
                continue
            self._record(method, properties, body)
        raise AssertionError(
            f"no matching event within {timeout}s; saw "
            f"{[(e['type'], e.get('subject')) for e in self.seen]}"
        )

    def drain(self, quiet_seconds=0.0, timeout=60.0):
        """Every event received so far and all that arrive until none has come for
        `quiet_seconds` (by default: until the queue is empty now)."""
        deadline = time.monotonic() + timeout
        last = time.monotonic()
        while True:
            method, properties, body = self._next()
            if method is not None:
                self._record(method, properties, body)
                last = time.monotonic()
                continue
            if time.monotonic() - last >= quiet_seconds:
                return self.seen
            if time.monotonic() > deadline:
                raise AssertionError(f"events still arriving after {timeout}s")
            self.connection.sleep(0.05)

    def close(self):
        if self.connection.is_open:
            self.channel.queue_delete(self.queue)
            self.connection.close()


def publish(amqp_uri, exchange, *events):
    """Publish envelopes as another service would (or as a broker redelivery would)."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        channel = connection.channel()
        channel.exchange_declare(exchange, exchange_type="topic", durable=True)
        channel.confirm_delivery()
        for event in events:
            channel.basic_publish(
                exchange,
                event["type"],
                json.dumps(event).encode(),
                pika.BasicProperties(
                    content_type="application/json", delivery_mode=2, message_id=event["id"]
                ),
            )
    finally:
        connection.close()
