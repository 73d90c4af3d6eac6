"""A service made only of the kit's parts, whose workers wait until the test lets them finish.

A test holds a worker open, kills the broker, then releases it, so the RPC reply, the outbox's
publication, the relay timer and the inbox's acknowledgement all meet a broker that is gone.
Run it as `python -m tests.support.holding_service` with a platform's ANJIAN_* environment.
"""

if __name__ == "__main__":
    # Before anything else is imported, as `anjian serve` does; importing it (for its names)
    # does not.
    import eventlet

    eventlet.monkey_patch()

import logging  # noqa: E402
import time  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

import eventlet  # noqa: E402
from nameko.cli.run import run  # noqa: E402

from services.kit.config import Settings  # noqa: E402
from services.kit.inbox import idempotent_handler  # noqa: E402
from services.kit.mongo import BaseStore, MongoStore  # noqa: E402
from services.kit.outbox import OutboxRelay  # noqa: E402
from services.kit.pure.envelope import make_event  # noqa: E402
from services.kit.runtime import Caller, rpc  # noqa: E402

SERVICE = "holding"
PRODDER = "prodder"
NOTE_SENT = "cn.anjian.prodder.note.sent.v1"
HOLD_SECONDS = 120


def hold(gate):
    """Say the work has started, then wait until the test releases the gate."""
    gate = Path(gate)
    (gate / "started").touch()
    deadline = time.monotonic() + HOLD_SECONDS
    while not (gate / "released").exists() and time.monotonic() < deadline:
        eventlet.sleep(0.05)


class HoldingService(OutboxRelay):
    name = SERVICE

    store = MongoStore(SERVICE, BaseStore)
    caller = Caller()

    @rpc
    def answer(self, gate):
        hold(gate)
        return "answered"

    @rpc
    def record(self, gate, subject):
        """Store a note and its event in one write, then publish it, as every command does."""
        hold(gate)
        event = make_event(
            service=SERVICE,
            entity="note",
            verb="recorded",
            subject=subject,
            data={},
            region_code="620722",
            now=datetime.now(timezone.utc),
        )
        self.store.save(self.store.db.notes, None, {"_id": subject}, [event])
        return event["id"]

    @idempotent_handler(PRODDER, NOTE_SENT)
    def handle_note_sent(self, event):
        hold(event["data"]["gate"])
        self.store.db.notes_seen.update_one(
            {"_id": event["subject"]}, {"$inc": {"times": 1}}, upsert=True
        )


if __name__ == "__main__":
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    run([HoldingService], Settings.from_env().nameko_config())
