"""Indicator counters per county and year, moved by events, each event applied once.

A service keeps one small document per (county, year) holding named counters; reading sums the
documents of a jurisdiction, so its cost grows with counties and years, never with records or
events. Which events were applied lives beside them, one record per event id, kept for as long as
the inbox keeps its own (a redelivery comes within minutes), then pruned.

Adding a batch: the ids applied already are dropped; the rest are added to each document by one
conditional write that also notes them as pending on it (it only matches while none of them is
pending there, so a batch that failed half-way and comes again adds nothing twice); then they
are recorded as applied, and the pending notes cleared. A document holds pending ids only while
a batch is in flight: a reading never wades through the history of ids.

A page that asks many questions at once (a region, its year before, each division below) reads the
documents once and answers every question from them (`read_once`, `answering_from`): the embedded
server filters by region only after reading the whole collection, so five readings of each of
eight questions cost forty passes where one does.
"""

import threading
from contextlib import contextmanager
from datetime import timedelta

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.kit.mongo import find_by_ids, insert_unless_there, prefix_pattern

PENDING = "pending"
APPLIED_AT = "at"


def event_changes(received, counter_deltas):
    """What a batch of events adds, for `Counters.add`: `counter_deltas(event)` gives an event's
    [(county, year, {counter: amount})]."""
    return [(event["id"], *change) for event in received for change in counter_deltas(event)]


class Counters:
    def __init__(self, collection, clock, retention=timedelta(days=7)):
        self.collection = collection
        self.applied = collection.database[f"{collection.name}_applied"]
        self.clock = clock
        self.retention = retention
        # The documents this thread (a green thread, in a service) answers from, while it does.
        self._held = threading.local()

    def ensure_indexes(self):
        self.collection.create_index([("region_code", ASCENDING), ("year", ASCENDING)])
        self.applied.create_index(APPLIED_AT)
        # Documents kept the applied ids in themselves before: each reading carried them all.
        self.collection.update_many({"applied": {"$exists": True}}, {"$unset": {"applied": ""}})

    def bookkeeping(self):
        """The applied-event records, pruned like the inbox's (see BaseStore.bookkeeping)."""
        return [(self.applied, APPLIED_AT, self.clock.now() - self.retention)]

    def add(self, changes):
        """[(event id, county, year, {counter: amount})], one write per county and year."""
        ids = list(dict.fromkeys(event_id for event_id, *_ in changes))
        done = {found["_id"] for found in find_by_ids(self.applied, ids, projection={"_id": 1})}
        grouped = {}
        for event_id, county, year, amounts in changes:
            grouped.setdefault((county, year), {})
            if event_id not in done:
                grouped[(county, year)][event_id] = amounts
        for (county, year), by_event in grouped.items():
            self._add_once(county, year, by_event)
        self._record_applied([event_id for event_id in ids if event_id not in done])
        # Cleared for every event of the batch, applied now or by an attempt that failed later.
        for county, year in grouped:
            self.collection.update_one({"_id": _key(county, year)}, {"$pullAll": {PENDING: ids}})

    def _add_once(self, county, year, by_event):
        key = _key(county, year)
        while by_event:
            increments = {}
            for amounts in by_event.values():
                for name, amount in amounts.items():
                    field = f"counters.{name}"
                    increments[field] = increments.get(field, 0) + amount
            ids = list(by_event)
            try:
                self.collection.update_one(
                    {"_id": key, PENDING: {"$nin": ids}},
                    {
                        "$inc": increments,
                        "$set": {"region_code": county, "year": year},
                        "$push": {PENDING: {"$each": ids}},
                    },
                    upsert=True,
                )
            except DuplicateKeyError:
                # Some are pending from an attempt that failed after adding them: drop those.
                pending = set(self.collection.find_one({"_id": key}, {PENDING: 1})[PENDING])
                by_event = {
                    event_id: amounts
                    for event_id, amounts in by_event.items()
                    if event_id not in pending
                }
                continue
            return

    def _record_applied(self, ids):
        if not ids:
            return
        now = self.clock.now()
        # Some may be recorded already by an attempt that failed before clearing its pending notes.
        insert_unless_there(self.applied, [{"_id": event_id, APPLIED_AT: now} for event_id in ids])

    def read_once(self):
        """Every counter document, for `answering_from`."""
        return list(self.collection.find({}, {PENDING: 0}))

    @contextmanager
    def answering_from(self, documents):
        """Within the block, this thread's readings are answered from `documents`."""
        self._held.documents = documents
        try:
            yield
        finally:
            self._held.documents = None

    def documents(self, prefix, years):
        """The counter documents of the counties under `prefix` for the years matched."""
        held = getattr(self._held, "documents", None)
        if held is None:
            return self.collection.find(
                {"region_code": prefix_pattern(prefix), "year": years}, {PENDING: 0}
            )
        return [
            document
            for document in held
            if document["region_code"].startswith(prefix) and _year_matches(document["year"], years)
        ]

    def totals(self, prefix, years):
        """The counters summed over the counties under `prefix` and the years matched by
        `years` (a year, or a query condition such as {"$lte": 2026})."""
        totals = {}
        for document in self.documents(prefix, years):
            for name, amount in document.get("counters", {}).items():
                totals[name] = totals.get(name, 0) + amount
        return totals


def _key(county, year):
    return f"{county}:{year}"


def _year_matches(year, years):
    """`years` as a query states it: a year (or the name of the standing document), or
    {"$lte": a year} for the stocks at its end."""
    if isinstance(years, dict):
        return isinstance(year, int) and year <= years["$lte"]
    return year == years
