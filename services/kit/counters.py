"""Indicator counters per county and year, moved by events, each event applied once.

A service keeps one document per (county, year) holding named counters and the ids of the latest
events applied to it. Adding a batch of events' amounts is one conditional upsert per document:
it only matches while none of the batch's ids is recorded, so a redelivered event is refused by
the filter (the upsert then collides with the existing document), the events already applied are
dropped and the rest tried again. Reading sums the documents of a jurisdiction: its cost grows
with counties and years, never with records.
"""

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.kit.batching import BATCH_PREFETCH
from services.kit.mongo import prefix_pattern

# Event ids a document remembers: more than all the messages its consumers may hold
# unacknowledged at once (a kill redelivers them all), for up to five copies of the service.
APPLIED_KEPT = 5 * BATCH_PREFETCH


def event_changes(received, counter_deltas):
    """What a batch of events adds, for `Counters.add`: `counter_deltas(event)` gives an event's
    [(county, year, {counter: amount})]."""
    return [(event["id"], *change) for event in received for change in counter_deltas(event)]


class Counters:
    def __init__(self, collection):
        self.collection = collection

    def ensure_indexes(self):
        self.collection.create_index([("region_code", ASCENDING), ("year", ASCENDING)])

    def add(self, changes):
        """[(event id, county, year, {counter: amount})], one write per county and year."""
        grouped = {}
        for event_id, county, year, amounts in changes:
            grouped.setdefault((county, year), {})[event_id] = amounts
        for (county, year), by_event in grouped.items():
            self._add_once(county, year, by_event)

    def _add_once(self, county, year, by_event):
        key = f"{county}:{year}"
        while by_event:
            increments = {}
            for amounts in by_event.values():
                for name, amount in amounts.items():
                    field = f"counters.{name}"
                    increments[field] = increments.get(field, 0) + amount
            ids = list(by_event)
            try:
                document = self.collection.find_one_and_update(
                    {"_id": key, "applied": {"$nin": ids}},
                    {
                        "$inc": increments,
                        "$set": {"region_code": county, "year": year},
                        "$push": {"applied": {"$each": ids}},
                    },
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
            except DuplicateKeyError:
                seen = set(self.collection.find_one({"_id": key}, {"applied": 1})["applied"])
                by_event = {
                    event_id: amounts
                    for event_id, amounts in by_event.items()
                    if event_id not in seen
                }
                continue
            self._trim(key, document["applied"])
            return

    def _trim(self, key, applied):
        """Keep the latest ids only: a redelivery comes within moments. Trimmed by a second
        write once twice as many are held ($push's $slice is not portable)."""
        if len(applied) >= 2 * APPLIED_KEPT:
            self.collection.update_one(
                {"_id": key}, {"$pullAll": {"applied": applied[:-APPLIED_KEPT]}}
            )

    def totals(self, prefix, years):
        """The counters summed over the counties under `prefix` and the years matched by
        `years` (a year, or a query condition such as {"$lte": 2026})."""
        totals = {}
        for document in self.collection.find(
            {"region_code": prefix_pattern(prefix), "year": years}, {"counters": 1}
        ):
            for name, amount in document.get("counters", {}).items():
                totals[name] = totals.get(name, 0) + amount
        return totals
