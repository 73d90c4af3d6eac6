"""A credit platform's consumer of anjian's public events: plain AMQP with pika, no anjian code.

It declares a durable queue of its own, binds it to the public exchange `anjian.public`, checks
every message against the schemas of docs/asyncapi.yaml, stores each valid event once (SQLite,
keyed by the CloudEvents `id`, so a redelivery or a replay is dropped) and acknowledges only after
the store has committed. A message that does not match its schema is rejected, not stored.

    python examples/credit_platform_consumer.py --db platform.sqlite

Connection from ANJIAN_PUBLIC_AMQP_URI (default: the local broker user that `make up` creates,
see README "Public events"); the queue is `platform.<name>` (--name).
"""

import argparse
import json
import os
import sqlite3
from pathlib import Path

import jsonschema_rs
import pika
import yaml

EXCHANGE = "anjian.public"
DEFAULT_URI = "amqp://credit-platform:credit-platform-local@127.0.0.1:5672/%2F"
ASYNCAPI = Path(__file__).resolve().parent.parent / "docs" / "asyncapi.yaml"


def validators(path=ASYNCAPI):
    """{event type: validator of the whole CloudEvents message}, from the AsyncAPI document."""
    document = yaml.safe_load(Path(path).read_text("utf-8"))
    return {
        name: jsonschema_rs.validator_for(message["payload"])
        for name, message in document["components"]["messages"].items()
    }


class PlatformConsumer:
    def __init__(self, amqp_uri, database, name="credit-platform", binding="cn.anjian.credit.#"):
        self.validators = validators()
        self.store = sqlite3.connect(database)
        self.store.execute(
            "CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, type TEXT, subject TEXT,"
            " time TEXT, body TEXT)"
        )
        self.connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
        self.channel = self.connection.channel()
        self.queue = f"platform.{name}"
        # Durable: events wait here while the platform is down, and survive a broker restart.
        self.channel.queue_declare(self.queue, durable=True)
        self.channel.queue_bind(self.queue, EXCHANGE, routing_key=binding)
        self.channel.basic_qos(prefetch_count=100)
        self.rejected = 0

    def problems(self, event):
        validator = self.validators.get(event.get("type"))
        if validator is None:
            return [f"unknown type {event.get('type')!r}"]
        return [error.message for error in validator.iter_errors(event)]

    def handle(self, channel, method, properties, body):
        try:
            event = json.loads(body)
        except ValueError:
            event = {}
        if not isinstance(event, dict) or self.problems(event):
            self.rejected += 1
            channel.basic_reject(method.delivery_tag, requeue=False)
            return
        with self.store:  # committed before the acknowledgement
            self.store.execute(
                "INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?, ?)",
                (event["id"], event["type"], event["subject"], event["time"], body.decode()),
            )
        channel.basic_ack(method.delivery_tag)

    def run(self, idle_seconds=None):
        """Consume until stopped, or until no message came for `idle_seconds`."""
        for method, properties, body in self.channel.consume(
            self.queue, inactivity_timeout=idle_seconds
        ):
            if method is None:
                break
            self.handle(self.channel, method, properties, body)
        self.channel.cancel()

    def stored(self):
        return [
            json.loads(body)
            for (body,) in self.store.execute("SELECT body FROM events ORDER BY time")
        ]

    def close(self, delete_queue=False):
        if self.connection.is_open:
            if delete_queue:
                self.channel.queue_delete(self.queue)
            self.connection.close()
        self.store.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="credit-platform.sqlite")
    parser.add_argument("--name", default="credit-platform")
    arguments = parser.parse_args()
    consumer = PlatformConsumer(
        os.environ.get("ANJIAN_PUBLIC_AMQP_URI", DEFAULT_URI), arguments.db, arguments.name
    )
    try:
        consumer.run()
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()


if __name__ == "__main__":
    main()
