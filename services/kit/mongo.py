"""MongoDB access shared by every service: one client per service process, one database each.

A service's store subclasses `BaseStore` and is injected by `MongoStore`: the client is built in
setup(), indexes are ensured at start(), the client is closed at stop(). Only the portable subset
of the MongoDB API is used so FerretDB serves it as well as MongoDB does.
"""

import functools
import re
import uuid
from datetime import timedelta

import bson
import pymongo
from nameko.extensions import DependencyProvider
from pymongo import ASCENDING, DESCENDING, MongoClient
from pymongo.errors import BulkWriteError, DuplicateKeyError, ExecutionTimeout

from services.kit.config import Settings
from services.kit.correlation import stamped
from services.kit.inbox import Inbox
from services.kit.outbox import FIELD as OUTBOX
from services.kit.outbox import OutboxPublisher, declare_exchanges
from services.kit.pure.errors import Conflict, Forbidden, InvalidInput, NotFound, TimedOut
from services.kit.pure.schemas import page_bounds

DUPLICATE_KEY = 11000
# The field naming the batch pointer that announced a bulk-inserted document.
BATCH = "outbox_batch"
# The embedded server looks an $in of up to this many _ids up by index (ferretdb-id-index.patch).
IDS_PER_QUERY = 1000


def _packed(document_ids, events):
    """A batch's document ids and their events, in step, as one binary value. The embedded
    server converts a document field by field on every write, read and delete: a batch of 500
    events stored as fields cost it about 25 ms to insert, 50 to read back and 40 to delete; as
    one value, a few."""
    return bson.Binary(bson.encode({"document_ids": document_ids, "events": events}))


def _unpacked(batch, codec_options):
    """[(document id, event)] of a stored batch, its values decoded as the collection's are."""
    packed = bson.decode(batch["pairs"], codec_options=codec_options)
    return list(zip(packed["document_ids"], packed["events"], strict=True))


def insert_unless_there(collection, documents):
    """Insert `documents` in one unordered bulk write; the positions of those whose _id was there
    already (any other failure raises)."""
    try:
        collection.insert_many(documents, ordered=False)
    except BulkWriteError as error:
        failures = error.details["writeErrors"]
        if any(failure["code"] != DUPLICATE_KEY for failure in failures):
            raise
        return [failure["index"] for failure in failures]
    return []


def find_by_ids(collection, ids, criteria=None, projection=None):
    """The documents with these ids (and matching `criteria`), a bounded $in at a time: the
    embedded server serves each by index, however many ids there are."""
    ids = list(ids)
    return [
        found
        for start in range(0, len(ids), IDS_PER_QUERY)
        for found in collection.find(
            {**(criteria or {}), "_id": {"$in": ids[start : start + IDS_PER_QUERY]}}, projection
        )
    ]


# A page of a list that needs more than this (a search reading every document of a busy
# embedded server) is refused rather than allowed to hold a worker and the server.
PAGE_BUDGET_SECONDS = 2
# Counting a whole jurisdiction is a full pass on the embedded server: it gets this long, no more.
TOTAL_BUDGET_MS = 2000
# Bookkeeping records looked at per collection and pruning round: a bounded read however large
# the collection, so pruning never competes with live work. At most IDS_PER_QUERY, so the delete
# finds them by index.
PRUNE_BATCH = 500


def connect(settings):
    return MongoClient(
        settings.mongo_uri,
        tz_aware=True,
        serverSelectionTimeoutMS=5000,
        connectTimeoutMS=5000,
        appname="anjian",
    )


class BaseStore:
    """Holds the service's database; subclasses add domain-named methods and their indexes.

    With a `publisher`, the events a save stores are published right after the write; without
    one (or when the broker is down) the outbox relay publishes them later.
    """

    def __init__(self, db, settings, clock=None, publisher=None):
        self.db = db
        self.settings = settings
        self.clock = clock or settings.clock()
        self.publisher = publisher
        self.inbox = Inbox(
            db,
            self.clock,
            settings.handler_max_attempts,
            timedelta(days=settings.inbox_retention_days),
            timedelta(days=settings.dead_letter_retention_days),
            # Its profile's region: nationwide for the all-in-one deployment.
            settings.deployment().region,
        )

    def ensure_indexes(self):
        """Create the indexes the store's queries rely on (idempotent)."""

    @functools.cached_property
    def event_counters(self):
        """The service's indicator counters per county and year (services/kit/counters.py)."""
        from services.kit.counters import Counters  # it reads with this module's helpers

        return Counters(
            self.db.indicators, self.clock, timedelta(days=self.settings.inbox_retention_days)
        )

    def add_to_counters(self, changes):
        """Apply each event's amounts once: [(event id, county, year, {counter: amount})]."""
        self.event_counters.add(changes)

    def year_counters(self, prefix, year):
        return self.event_counters.totals(prefix, year)

    def counters_to(self, prefix, year):
        """Every year's counters up to `year`'s end: the stocks then."""
        return self.event_counters.totals(prefix, {"$lte": year})

    def bookkeeping(self):
        """[(collection, age field, cutoff)]: records kept for a while, then pruned by age.
        A store with bookkeeping of its own adds it here."""
        return [*self.inbox.bookkeeping(), *self.event_counters.bookkeeping()]

    def prune_bookkeeping(self):
        """Delete expired bookkeeping records, at most PRUNE_BATCH per collection; returns how
        many were deleted, by collection.

        Only the PRUNE_BATCH oldest records of each collection are read: by the age field's index on
        MongoDB, in insertion order on the embedded server, where insertion order is age order and
        a filter on the age field would read the whole collection. What is left over goes in the
        next rounds.
        """
        pruned = {}
        for collection, age_field, cutoff in self.bookkeeping():
            cursor = collection.find({}, {age_field: 1}, limit=PRUNE_BATCH)
            if not self.sorts_in_memory:
                cursor = cursor.sort(age_field, ASCENDING)
            ids = expired_ids(cursor, age_field, cutoff)
            if ids:
                collection.delete_many({"_id": {"$in": ids}})
            pruned[collection.name] = len(ids)
        return pruned

    @functools.cached_property
    def sorts_in_memory(self):
        """True on the embedded server (FerretDB 1.x), which reads every document to sort,
        count or filter anything but a single _id, and hands only insertion order and a limit
        to its database. MongoDB serves the same queries from indexes."""
        return "ferretdbFeatures" in self.db.client.server_info()

    def page(
        self,
        collection,
        query,
        skip,
        limit,
        projection=None,
        order=(("_id", ASCENDING),),
        with_total=False,
    ):
        """One page of a list, whether more follow and, only when asked, the total.

        The cost does not grow with the collection: on MongoDB the order comes from an index,
        on the embedded server it is insertion order, the one order it serves without reading
        everything, so the scan stops once the page is full. One row more than the page says
        whether another page follows.
        """
        cursor = collection.find(query, projection, skip=skip, limit=limit + 1)
        if not self.sorts_in_memory:
            cursor = cursor.sort(list(order))
        try:
            with pymongo.timeout(PAGE_BUDGET_SECONDS):
                items = list(cursor)
        except ExecutionTimeout:
            raise TimedOut(
                "this list takes too long to compute; narrow it with a filter "
                "(region, industry, status) or a longer search text"
            ) from None
        return {
            "items": items[:limit],
            "has_more": len(items) > limit,
            "total": self.total(collection, query) if with_total else None,
        }

    @staticmethod
    def total(collection, query):
        """How many documents match, or None when counting them would take too long."""
        try:
            return collection.count_documents(query, maxTimeMS=TOTAL_BUDGET_MS)
        except ExecutionTimeout:
            return None

    def seen(self, collection, identifier, visible, name, projection=None):
        """The record `identifier` if it satisfies `visible` (the caller's visibility query); one
        outside the caller's sight looks exactly like a missing one."""
        document = collection.find_one({"_id": identifier}, projection)
        if document is None or not matches(visible, document):
            raise NotFound(f"no {name} {identifier}")
        return document

    def to_change(self, collection, identifier, visible, name, projection=None):
        """The record for a command: one that exists but is outside the caller's sight is
        refused by name (403), not hidden."""
        document = collection.find_one({"_id": identifier}, projection)
        if document is None:
            raise NotFound(f"no {name} {identifier}")
        if not matches(visible, document):
            raise Forbidden(f"you may not change {name} {identifier}")
        return document

    @property
    def pending(self):
        """Pointers to documents that may hold unpublished events, written before the events."""
        return self.db.outbox_pending

    def announce(self, collection, document_ids):
        """Before a write that stores events, point the relay at the documents it touches.

        Written first, so a crash between the two writes leaves a pointer to empty outboxes
        (which the relay settles), never events nobody will look for.
        """
        self.pending.insert_one(
            {
                "_id": uuid.uuid4().hex,
                "collection": collection.name,
                "document_ids": list(document_ids),
                "since": self.clock.now(),
            }
        )

    def announce_batch(self, collection, events, written):
        """Before a bulk write, store its events as one batch of their own: [(document id,
        event)]. A bulk write costs one outbox write, not one per document, and the relay removes
        the events by settling the batch. The pointer the relay reads stays small; the events
        wait in `outbox_batches` under the same id.

        With `written=False` the documents are about to be inserted: each must carry
        `{BATCH: <the returned id>}` (see `batch_written`), and only the events of documents that
        do are published, so a crash halfway, or rows that were there already, announce nothing
        false. With `written=True` the documents exist already and are not written at all.
        """
        batch = uuid.uuid4().hex
        self.batches.insert_one(
            {
                "_id": batch,
                "pairs": _packed(
                    [document_id for document_id, _ in events],
                    stamped(event for _, event in events),
                ),
                "tagged": not written,
            }
        )
        self.pending.insert_one(
            {
                "_id": batch,
                "collection": collection.name,
                "batch": True,
                "since": self.clock.now(),
                "written": written,
            }
        )
        return batch

    @property
    def batches(self):
        return self.db.outbox_batches

    def insert_new(self, collection, results):
        """Insert the documents of [(document, events)] that are not there yet, in one bulk write
        with their events as one outbox batch (see `announce_batch`); returns the ids that were
        there already (a repeated import, or a race with another one), whose events are not
        published."""
        if not results:
            return set()
        batch = self.announce_batch(
            collection,
            [(document["_id"], event) for document, events in results for event in events],
            written=False,
        )
        rows = [{**document, OUTBOX: [], BATCH: batch} for document, _ in results]
        skipped = None
        try:
            skipped = {rows[index]["_id"] for index in insert_unless_there(collection, rows)}
        finally:
            self.batch_written(batch, skipped)
        return skipped

    def batch_written(self, batch, skipped=None):
        """The bulk write of a batch announced with `written=False` is over: relay it now.

        `skipped`, when the writer knows it, names the documents the write did not insert (they
        were there already). The pointer carries it, so the relay publishes the other events
        without reading the documents back to find which were written, a read as costly as the
        write on the embedded server. None (the write failed halfway) leaves that to the relay.
        """
        done = {"written": True}
        if skipped is not None:
            done["skipped"] = sorted(skipped)
        self.pending.update_one({"_id": batch}, {"$set": done})

    def batch_events(self, collection, pointer):
        """[(document id, event)] of a batch that are to be published."""
        batch = self.batches.find_one({"_id": pointer["_id"]})
        if batch is None:
            return []
        pairs = _unpacked(batch, self.batches.codec_options)
        if not batch["tagged"]:
            return pairs
        if "skipped" in pointer:
            skipped = set(pointer["skipped"])
            return [
                (document_id, event) for document_id, event in pairs if document_id not in skipped
            ]
        ids = [document_id for document_id, _ in pairs]
        written = {
            document["_id"]
            for document in find_by_ids(collection, ids, {BATCH: pointer["_id"]}, {"_id": 1})
        }
        return [(document_id, event) for document_id, event in pairs if document_id in written]

    def keep_unpublished(self, pointer, pairs):
        """After a partial publication a batch keeps only what is still to go."""
        self.batches.update_one(
            {"_id": pointer["_id"]},
            {
                "$set": {
                    "pairs": _packed(
                        [document_id for document_id, _ in pairs], [event for _, event in pairs]
                    ),
                    "tagged": False,
                }
            },
        )

    # --- the turns of periodic jobs (services/kit/runtime.py ClaimedTimer) ---

    def claim_turn(self, job, holder, now, until, replacing=None):
        """Whether `holder` now holds the turn of `job` until `until`: one free or run out at
        `now`, or, with `replacing`, one that holder had. One atomic write either way."""
        held = {"holder": replacing} if replacing else {"until": {"$lte": now}}
        try:
            taken = self.db.timer_turns.update_one(
                {"_id": job, **held},
                {"$set": {"until": until, "holder": holder}},
                upsert=replacing is None,
            )
        except DuplicateKeyError:
            return False  # another copy holds it
        return taken.modified_count == 1 or taken.upserted_id is not None

    def turn_holder(self, job):
        held = self.db.timer_turns.find_one({"_id": job}, {"holder": 1})
        return held and held["holder"]

    def give_turn_back(self, job, holder):
        self.db.timer_turns.delete_one({"_id": job, "holder": holder})

    def outbox_backlog(self):
        """(writes whose events wait for the broker, seconds the oldest has waited): the pending
        pointers, counted from the collection's metadata and the oldest read alone."""
        count = self.pending.estimated_document_count()
        cursor = self.pending.find({}, {"since": 1}, limit=1)
        if not self.sorts_in_memory:
            cursor = cursor.sort("since", ASCENDING)
        oldest = next(iter(cursor), None)
        age = (self.clock.now() - oldest["since"]).total_seconds() if oldest else 0.0
        return count, age

    def pending_pointers(self, limit):
        return list(self.pending.find({}, limit=limit))

    def outboxes(self, collection, pointer):
        """The outboxes of the documents a pointer names (those that still exist)."""
        ids = pointer["document_ids"]
        return [
            document
            for start in range(0, len(ids), IDS_PER_QUERY)
            for document in collection.find(
                {"_id": {"$in": ids[start : start + IDS_PER_QUERY]}}, {"outbox": 1}
            )
        ]

    def settle(self, pointer):
        """Drop a pointer whose documents (or batch) have published all their events."""
        if pointer.get("batch"):
            self.batches.delete_one({"_id": pointer["_id"]})
        self.pending.delete_one({"_id": pointer["_id"]})

    def insert_aggregate(self, collection, document):
        self.announce(collection, [document["_id"]])
        collection.insert_one(document)

    def save(self, collection, before, after, events):
        """Store a command's result, `(after, events)`, in one document write, then publish.

        `before` is the document as read (None for a new aggregate). A change writes only the
        fields that differ, appending to lists that only grew (so a list left out of the read,
        such as an audit history, is never overwritten), and is guarded by the version that was
        read: a concurrent change makes it a Conflict instead of a lost update. The outbox is only
        appended to, so the relay's removals are never undone. Nothing changed and no events:
        nothing is written. Fields are never removed. The events carry the correlation id of the
        request that caused them.
        """
        events = stamped(events)
        if before is None:
            self._insert(collection, after, events)
        elif not self._update(collection, before, after, events):
            return
        self.publish(collection, after["_id"], events)

    def _insert(self, collection, document, events):
        stored = {**document, OUTBOX: list(events)}
        if events:
            self.insert_aggregate(collection, stored)
        else:
            collection.insert_one(stored)

    def _update(self, collection, before, after, events):
        update = changes(before, after)
        if not update and not events:
            return False
        if events:
            self.announce(collection, [before["_id"]])
            update.setdefault("$push", {})[OUTBOX] = {"$each": list(events)}
        update["$inc"] = {"version": 1}
        result = collection.update_one({"_id": before["_id"], "version": before["version"]}, update)
        if result.matched_count != 1:
            raise Conflict(f"{before['_id']} was changed by someone else; reload it")
        return True

    def publish(self, collection, document_id, events):
        """Publish a document's newly stored events now, if this store has a publisher."""
        if self.publisher is not None and events:
            self.publisher.flush(collection, document_id, events)

    def relay_outbox(self):
        return self.publisher.relay(self)


class RecordKinds:
    """Mixin for a BaseStore whose kinds of record share one rule of who sees what: `KINDS` maps
    a kind (`person`) to its collection (`persons`), `visible_to(actor, region=None)` is the rule
    as a query. Reads, changes, saves and pages of every kind go through it, so the rule is
    written once and a single read checks the document it read against that same query."""

    KINDS: dict = {}
    HIDDEN = {OUTBOX: 0}
    NEWEST_FIRST = (("_id", DESCENDING),)

    @staticmethod
    def visible_to(actor, region=None):
        raise NotImplementedError

    def index_kinds(self):
        """Every kind's indexes for the rule: region and id for a jurisdiction's pages, uscc for
        an enterprise's own records."""
        for name in self.KINDS.values():
            self.db[name].create_index([("region_code", ASCENDING), ("_id", ASCENDING)])
            self.db[name].create_index("uscc")

    def _seen(self, kind, identifier, actor):
        return self.seen(
            self.db[self.KINDS[kind]], identifier, self.visible_to(actor), kind, self.HIDDEN
        )

    def _to_change(self, kind, identifier, actor):
        actor.require_can_write()
        return self.to_change(
            self.db[self.KINDS[kind]], identifier, self.visible_to(actor), kind, self.HIDDEN
        )

    def _save(self, kind, before, after, events):
        collection = self.db[self.KINDS[kind]]
        self.save(collection, before, after, events)
        if before is None:
            return after
        return collection.find_one({"_id": after["_id"]}, self.HIDDEN)

    def _page(self, kind, actor, query, criteria, projection=None):
        skip, limit = page_bounds(query["page"], query["page_size"])
        return self.page(
            self.db[self.KINDS[kind]],
            {**criteria, **self.visible_to(actor, query.get("region"))},
            skip,
            limit,
            self.HIDDEN if projection is None else projection,
            order=self.NEWEST_FIRST,
            with_total=query["with_total"],
        )

    def enterprise_seen_by(self, uscc, actor):
        """The enterprise (from the store's copy of the registry) if the caller sees it."""
        enterprise = self.enterprise(uscc)
        if enterprise is None or not matches(self.visible_to(actor), enterprise):
            raise NotFound(f"no enterprise {uscc}")
        return enterprise


# Fields a save never writes from the document: the key, the guard and the relay's outbox.
UNWRITTEN = ("_id", "version", OUTBOX)


def changes(before, after):
    """The update operators that turn `before` into `after`: `$set` for changed fields, `$push`
    for lists that only had items appended."""
    update = {}
    for key, value in after.items():
        if key in UNWRITTEN or (key in before and before[key] == value):
            continue
        old = before.get(key)
        if (
            isinstance(old, list)
            and isinstance(value, list)
            and len(value) > len(old)
            and value[: len(old)] == old
        ):
            update.setdefault("$push", {})[key] = {"$each": value[len(old) :]}
        else:
            update.setdefault("$set", {})[key] = value
    return update


def expired_ids(documents, age_field, cutoff):
    """The ids of the documents whose `age_field` is before `cutoff`; one without it is kept."""
    return [
        document["_id"]
        for document in documents
        if document.get(age_field) is not None and document[age_field] < cutoff
    ]


def store_of(container):
    """The store of a service container (its MongoStore dependency's), or None."""
    return next(
        (provider.store for provider in container.dependencies if isinstance(provider, MongoStore)),
        None,
    )


class MongoStore(DependencyProvider):
    """Injects the service's store: its database, and the publisher of the events it saves."""

    def __init__(self, service_name, store_class, public_types=()):
        self.service_name = service_name
        self.store_class = store_class
        # The event types that also go to the external exchange (see services/kit/outbox.py).
        self.public_types = tuple(public_types)

    def setup(self):
        settings = Settings.from_nameko(self.container.config)
        self.client = connect(settings)
        publisher = OutboxPublisher(self.service_name, settings, settings.clock())
        declare_exchanges(publisher.exchange, settings.amqp_uri, self.public_types)
        self.store = self.store_class(
            self.client[settings.database(self.service_name)], settings, publisher=publisher
        )

    def start(self):
        self.store.ensure_indexes()
        self.store.inbox.ensure_indexes()

    def stop(self):
        self.client.close()

    def kill(self):
        self.client.close()

    def get_dependency(self, worker_ctx):
        return self.store


def literal_pattern(text):
    """An anchored-nowhere, case-insensitive regex matching `text` literally (for name search)."""
    if not isinstance(text, str):
        raise InvalidInput("search text must be a string", {"q": ["must be a string"]})
    return {"$regex": re.escape(text), "$options": "i"}


def prefix_pattern(prefix):
    return {"$regex": "^" + re.escape(prefix)}


def within_region(prefix):
    """The filter for documents whose division code starts with `prefix`; none for the whole
    country, so a nationwide list keeps the embedded server's fast unfiltered scan."""
    return {"region_code": prefix_pattern(prefix)} if prefix else {}


def own_or_jurisdiction(actor, region, refused):
    """The rule of records an enterprise owns but no agency may see: an enterprise user sees its
    own enterprise's, everyone else what lies inside their jurisdiction (narrowed to `region`
    when a list asks for one; refused outside it); an agency is refused, saying `refused`."""
    if actor.role == "agency":
        raise Forbidden(refused)
    if actor.role == "enterprise":
        return {"uscc": actor.uscc}
    return within_region(actor.narrow(region))


def matches(query, document):
    """Whether `document` satisfies `query`, evaluated here as MongoDB would evaluate it.

    Only the operators the stores' visibility rules use are understood (equality, `$ne`, a
    `$regex` without options, `$or`, `$and`); anything else raises, so a rule written with an
    operator this does not know fails its tests instead of answering wrongly. It lets a store
    write a rule once, as a query, and check one document it has already read against it.
    """
    for key, condition in query.items():
        if key == "$or":
            if not any(matches(part, document) for part in condition):
                return False
        elif key == "$and":
            if not all(matches(part, document) for part in condition):
                return False
        elif not _satisfies(document.get(key), condition):
            return False
    return True


def _satisfies(value, condition):
    if not isinstance(condition, dict):
        return value == condition
    for operator, operand in condition.items():
        if operator == "$ne":
            satisfied = value != operand
        elif operator == "$regex":
            satisfied = isinstance(value, str) and re.search(operand, value) is not None
        else:
            raise ValueError(f"matches() does not evaluate {operator}")
        if not satisfied:
            return False
    return True
