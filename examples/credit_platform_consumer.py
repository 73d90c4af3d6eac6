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
import time
from pathlib import Path

import jsonschema_rs
import pika
import yaml

EXCHANGE = "anjian.public"
DEFAULT_URI = "amqp://credit-platform:credit-platform-local@127.0.0.1:5672/%2F"
# Messages held unacknowledged at most, and the lull after which what arrived is committed.
PREFETCH = 100
LULL_SECONDS = 0.05
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
        self.channel.basic_qos(prefetch_count=PREFETCH)
        self.rejected = 0
        self.last_tag = None

    def problems(self, event):
        validator = self.validators.get(event.get("type"))
        if validator is None:
            return [f"unknown type {event.get('type')!r}"]
        return [error.message for error in validator.iter_errors(event)]

    def _take(self, method, body):
        """Store a valid event (uncommitted yet); reject an invalid one at once."""
        try:
            event = json.loads(body)
        except ValueError:
            event = {}
        if not isinstance(event, dict) or self.problems(event):
            self.rejected += 1
            self.channel.basic_reject(method.delivery_tag, requeue=False)
            return
        self.store.execute(
            "INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?, ?)",
            (event["id"], event["type"], event["subject"], event["time"], body.decode()),
        )
        self.last_tag = method.delivery_tag

    def _settle(self):
        """Commit what was stored, then acknowledge it all with one multiple ack: nothing is
        acknowledged before it is on disk."""
        self.store.commit()
        if self.last_tag is not None:
            self.channel.basic_ack(self.last_tag, multiple=True)
            self.last_tag = None

    def run(self, idle_seconds=None, limit=None):
        """Consume until stopped, until no message came for `idle_seconds`, or once `limit`
        messages were handled; returns how many were. What arrives together is stored in one
        commit and acknowledged at once (at most the prefetch, or after a short lull)."""
        handled, idle_since = 0, time.monotonic()
        for method, _, body in self.channel.consume(self.queue, inactivity_timeout=LULL_SECONDS):
            if method is None:
                self._settle()
                if idle_seconds is not None and time.monotonic() - idle_since >= idle_seconds:
                    break
                continue
            idle_since = time.monotonic()
            self._take(method, body)
            handled += 1
            if handled % PREFETCH == 0:
                self._settle()
            if limit is not None and handled >= limit:
                break
        self._settle()
        self.channel.cancel()
        return handled

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
