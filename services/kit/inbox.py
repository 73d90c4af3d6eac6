"""Idempotent, never-silently-lost event handling.

Each (consumer, event id) pair gets a marker document in `inbox`, claimed before the effect runs,
and a record in `inbox_done` after it, so a repeat delivery is skipped. A marker claimed by a
worker that died is taken over once its lease runs out, so the redelivered message still takes
effect. A handler that raises is retried (the message is requeued) up to `handler_max_attempts`
times and then parked in `dead_letters` with its error and the event, and acknowledged, so later
messages are not blocked.

None of it is kept forever (see `Inbox.bookkeeping`): markers and completion records go after the
inbox retention, parked events after the dead-letter retention.

An event from a region outside the deployment's own (a federated county event that reached the
wrong city) is parked without being applied. An event sent downward (a rule set, a campaign, so
marked in its envelope) goes the other way: it applies only where its region contains the
deployment's, that is, when it comes from the deployment itself or a bureau above it. A repeat is
known for as long as the inbox keeps its records: a parent deployment keeps them longer than its
children's longest partition.
"""

import functools
import logging
import traceback
from datetime import timedelta

import eventlet
from marshmallow import ValidationError
from pymongo.errors import DuplicateKeyError

from services.kit import metrics
from services.kit.pure import regions
from services.kit.pure.envelope import ENVELOPE, sent_down
from services.kit.runtime import event_handler, rpc
from services.kit.serialize import plain

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=20)
# While another worker holds the claim, wait a little before handing the message back.
BUSY_BACKOFF_SECONDS = 0.5

DONE, PROCESSING, FAILED, PARKED = "done", "processing", "failed", "parked"
# Inbox records younger than this are kept whatever the retention setting says: their event may
# still be in flight or about to be redelivered, and without them it would apply twice.
MIN_INBOX_RETENTION = timedelta(hours=1)


class EventInProgress(Exception):
    """Another worker is applying this event right now; the message is requeued."""


class HandlerFailed(Exception):
    """The handler raised; the message is requeued for another attempt."""


def claim_decision(marker, now, lease=LEASE):
    """What to do with an event given its marker: 'skip', 'busy' or 'take'."""
    if marker is None:
        return "take"
    if marker["status"] in (DONE, PARKED):
        return "skip"
    if marker["status"] == PROCESSING and now - marker["claimed_at"] < lease:
        return "busy"
    return "take"


class Inbox:
    def __init__(
        self, db, clock, max_attempts, retention, dead_letter_retention, region=regions.NATIONWIDE
    ):
        self.markers = db.inbox
        # Completion is an insert into its own collection: FerretDB inserts stay fast while
        # updates slow down as the inbox grows.
        self.done = db.inbox_done
        self.dead_letters = db.dead_letters
        self.clock = clock
        self.max_attempts = max_attempts
        self.retention = max(retention, MIN_INBOX_RETENTION)
        self.dead_letter_retention = dead_letter_retention
        # The deployment's jurisdiction: events of other regions are not its to apply.
        self.region = region

    def ensure_indexes(self):
        self.markers.create_index("claimed_at")
        self.done.create_index("done_at")
        self.dead_letters.create_index("consumer")
        self.dead_letters.create_index("parked_at")

    def bookkeeping(self):
        """[(collection, age field, cutoff)]: the records that may be deleted once their age field
        is before the cutoff.

        A marker and its completion record share one retention: a redelivery finding only one of
        them would apply the event again. A marker's claim time is that of its latest attempt, so
        a marker past the retention belongs to an event finished, parked or abandoned long ago.
        """
        now = self.clock.now()
        return [
            (self.markers, "claimed_at", now - self.retention),
            (self.done, "done_at", now - self.retention),
            (self.dead_letters, "parked_at", now - self.dead_letter_retention),
        ]

    def _claim(self, key):
        now = self.clock.now()
        try:
            self.markers.insert_one(
                {"_id": key, "status": PROCESSING, "claimed_at": now, "attempts": 0}
            )
            return "take", 0
        except DuplicateKeyError:
            pass
        marker = self.markers.find_one({"_id": key})
        if self.done.find_one({"_id": key}, {"_id": 1}):
            marker = {**marker, "status": DONE}
        decision = claim_decision(marker, now)
        if decision != "take":
            return decision, marker["attempts"]
        # Take over only if nobody else did in between: the claim time is the version.
        taken = self.markers.update_one(
            {"_id": key, "claimed_at": marker["claimed_at"], "status": marker["status"]},
            {"$set": {"status": PROCESSING, "claimed_at": now}},
        )
        return ("take" if taken.modified_count == 1 else "busy"), marker["attempts"]

    def refusal(self, event):
        """Why `event` must not be applied here, or None."""
        code = event["regioncode"]
        if sent_down(event):
            if not regions.within(code, self.region):
                return (
                    f"region {code} is not this deployment's ({self.region}) nor a region above "
                    "it: only the bureaus above send events down"
                )
        elif code != regions.NATIONWIDE and not regions.within(self.region, code):
            return f"region {code} is outside this deployment's jurisdiction ({self.region})"
        return None

    def admitted(self, consumer, payload):
        """The event of `payload`, or None once it is parked (malformed, or refused here)."""
        try:
            event = ENVELOPE.load(payload)
        except ValidationError as error:
            self.park(consumer, payload, f"malformed envelope: {error.messages}", 1)
            return None
        refused = self.refusal(event)
        if refused:
            self.park(consumer, payload, refused, 0)
            return None
        return event

    def handle(self, consumer, payload, apply, effect_records_id=False):
        """Apply `payload` once. With `effect_records_id` the effect itself stores the event id
        in the same write (and skips a repeat), so no claim or completion is written."""
        event = self.admitted(consumer, payload)
        if event is None:
            return
        key = f"{consumer}:{event['id']}"
        if effect_records_id:
            attempts = None
        else:
            decision, attempts = self._claim(key)
            if decision == "skip":
                log.info("%s: event %s already applied, skipped", consumer, event["id"])
                metrics.count_event(consumer, event["type"], metrics.DUPLICATE)
                return
            if decision == "busy":
                eventlet.sleep(BUSY_BACKOFF_SECONDS)
                raise EventInProgress(key)
        try:
            apply(event)
        except Exception as error:
            self._failed(consumer, key, payload, error, attempts)
            return
        metrics.count_event(consumer, event["type"], metrics.HANDLED)
        if not effect_records_id:
            try:
                self.done.insert_one({"_id": key, "done_at": self.clock.now()})
            except DuplicateKeyError:
                pass  # a worker that took over a stale claim finished it too

    def _failed(self, consumer, key, payload, error, attempts):
        """Count the failure; park the event after the last attempt, else hand it back."""
        if attempts is None:
            attempts = (self.markers.find_one({"_id": key}, {"attempts": 1}) or {}).get(
                "attempts", 0
            )
        attempts += 1
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        status = PARKED if attempts >= self.max_attempts else FAILED
        # A handler that records the event id itself has no marker yet: give the new one an age.
        self.markers.update_one(
            {"_id": key},
            {
                "$set": {"status": status, "attempts": attempts, "error": detail},
                "$setOnInsert": {"claimed_at": self.clock.now()},
            },
            upsert=True,
        )
        if status == PARKED:
            self.park(consumer, payload, detail, attempts, traceback.format_exc())
            return
        metrics.count_event(consumer, payload.get("type"), metrics.FAILED)
        log.warning(
            "%s: event %s failed (attempt %d of %d): %s",
            consumer,
            payload.get("id"),
            attempts,
            self.max_attempts,
            detail,
        )
        raise HandlerFailed(detail) from error

    def park(self, consumer, payload, error, attempts, trace=None):
        log.error("%s: event parked after %d attempt(s): %s", consumer, attempts, error)
        event_type = payload.get("type") if isinstance(payload, dict) else None
        metrics.count_event(consumer, event_type, metrics.DEAD_LETTERED)
        self.dead_letters.insert_one(
            {
                "consumer": consumer,
                "event": payload,
                "error": error,
                "traceback": trace,
                "attempts": attempts,
                "parked_at": self.clock.now(),
            }
        )


def idempotent_handler(source_service, event_type, effect_records_id=False):
    """Like nameko's event_handler, but each event applies once and failures are never dropped.

    The service needs a `store` (a BaseStore, which carries the inbox); the message is only
    acknowledged after the effect and its marker are stored, or after it is parked. A handler
    whose single write records the event id itself (`effect_records_id`) skips the markers.
    """

    def decorate(method):
        @functools.wraps(method)
        def handler(self, payload):
            self.store.inbox.handle(
                f"{type(self).name}.{method.__name__}",
                payload,
                lambda event: method(self, event),
                effect_records_id,
            )

        return event_handler(source_service, event_type, requeue_on_error=True)(handler)

    return decorate


class DeadLetterAccess:
    """Mixin for a service with `store` and `caller`: administrators read its parked events."""

    @rpc
    def dead_letters(self):
        self.caller().require_role("admin")
        return plain(list(self.store.inbox.dead_letters.find({}, limit=200).sort("parked_at", -1)))
