"""Inspection persistence: each aggregate is one document carrying its own outbox."""
from pymongo import ASCENDING, DESCENDING, ReturnDocument, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from services.kit.batching import BATCH_PREFETCH
from services.kit.mongo import DUPLICATE_KEY, BaseStore, prefix_pattern

HIDDEN = {"outbox": 0}
# Event ids an indicator document remembers, to skip a redelivered event: more than all the
# messages its consumers may hold unacknowledged at once (a kill redelivers them all), for up to
# five copies of the service.
APPLIED_KEPT = 5 * BATCH_PREFETCH
OPEN_STATES = {"$ne": "closed"}


class InspectionStore(BaseStore):
    @property
    def enterprises(self):
        """The read model of registry enterprises, fed by registry events."""
        return self.db.enterprises

    def ensure_indexes(self):
        for collection in (self.db.inspections, self.db.hazards, self.db.self_inspections,
                           self.db.accidents, self.db.cases, self.db.evidence):
            collection.create_index([("region_code", ASCENDING), ("_id", ASCENDING)])
            collection.create_index("uscc")
        self.db.hazards.create_index([("state", ASCENDING), ("deadline", ASCENDING)])
        self.db.hazards.create_index("grade")
        self.db.self_inspections.create_index([("uscc", ASCENDING), ("month", ASCENDING)])
        self.db.evidence.create_index("sha256")
        self.db.indicators.create_index([("region_code", ASCENDING), ("year", ASCENDING)])

    # --- read model of enterprises ---

    def enterprise(self, uscc):
        return self.enterprises.find_one({"_id": uscc})

    def replace_request(self, request):
        """Store a request to another service with its event; a newer one replaces the last."""
        self.announce(self.db.requests, [request["_id"]])
        self.db.requests.replace_one({"_id": request["_id"]}, request, upsert=True)

    def knows_no_enterprise(self):
        return self.enterprises.find_one({}, {"_id": 1}) is None

    def enterprises_in(self, prefix):
        return list(self.enterprises.find({"region_code": prefix_pattern(prefix),
                                           "status": {"$ne": "closed"}}))

    def remember_enterprises(self, snapshots):
        """Keep the newest snapshot of each enterprise: [(snapshot, event time)], one round trip.

        An older event arriving late changes nothing: a newer copy makes the filter miss and the
        upsert collide with it.
        """
        self._newest_wins([UpdateOne({"_id": snapshot["uscc"], "event_time": {"$lt": when}},
                                     {"$set": {**snapshot, "event_time": when}}, upsert=True)
                           for snapshot, when in snapshots])

    def remember_statuses(self, changes):
        """[(uscc, status, event time)]: each applied unless a newer event was already."""
        self._newest_wins([UpdateOne({"_id": uscc, "event_time": {"$lt": when}},
                                     {"$set": {"status": status, "event_time": when}})
                           for uscc, status, when in changes])

    def _newest_wins(self, updates):
        if not updates:
            return
        try:
            self.enterprises.bulk_write(updates, ordered=False)
        except BulkWriteError as error:
            if any(failure["code"] != DUPLICATE_KEY for failure in error.details["writeErrors"]):
                raise

    # --- aggregates ---

    def get(self, collection, identifier):
        return self.db[collection].find_one({"_id": identifier}, HIDDEN)

    def insert(self, collection, document):
        if document.get("outbox"):
            self.insert_aggregate(self.db[collection], document)
        else:
            self.db[collection].insert_one(document)

    def change(self, collection, before, after, events):
        self.save(self.db[collection], before, after, events)

    def search(self, collection, query, skip, limit, with_total=False):
        return self.page(self.db[collection], query, skip, limit, HIDDEN,
                         order=(("_id", DESCENDING),), with_total=with_total)

    def overdue_candidates(self, today_iso, limit=500):
        return list(self.db.hazards.find(
            {"state": OPEN_STATES, "deadline": {"$lt": today_iso}, "overdue": False}, HIDDEN,
            limit=limit))

    def escalation_candidates(self, limit=500):
        return list(self.db.hazards.find({"state": OPEN_STATES, "overdue": True}, HIDDEN,
                                         limit=limit))

    def open_major_counts(self, prefix):
        counts = {}
        for hazard in self.db.hazards.find({"region_code": prefix_pattern(prefix),
                                            "grade": "major", "state": OPEN_STATES},
                                           {"uscc": 1}):
            counts[hazard["uscc"]] = counts.get(hazard["uscc"], 0) + 1
        return counts

    def self_inspections_of(self, uscc, year):
        return list(self.db.self_inspections.find(
            {"uscc": uscc, "month": {"$regex": f"^{year:04d}-"}}, HIDDEN))

    def assigned(self, agency, uscc):
        return self.db.agency_assignments.find_one({"_id": f"{agency}:{uscc}"}) is not None

    def assign(self, assignment):
        self.db.agency_assignments.replace_one({"_id": assignment["_id"]}, assignment,
                                               upsert=True)

    def evidence_items(self, identifiers):
        return list(self.db.evidence.find({"_id": {"$in": list(identifiers)}}))

    def mark_evidence(self, identifier, checked):
        self.db.evidence.update_one({"_id": identifier}, {"$set": checked})

    def penalty_dates_for_major_hazards(self, uscc):
        """One date per decided case: a dual penalty is one penalty of the enterprise (Art. 113)."""
        return [min(line["decided_on"] for line in case["lines"])
                for case in self.db.cases.find({"uscc": uscc, "status": "decided",
                                                "involves_major_hazard": True}, {"lines": 1})]

    # --- indicators ---

    def add_to_counters(self, changes):
        """Apply each event's amounts once: [(event id, county, year, {counter: amount})].

        One write per county and year, whatever the number of events, recording their ids in the
        same write (see _add_once).
        """
        by_document = {}
        for event_id, county, year, amounts in changes:
            by_document.setdefault((county, year), {})[event_id] = amounts
        for (county, year), amounts_by_event in by_document.items():
            self._add_once(county, year, amounts_by_event)

    def _add_once(self, county, year, amounts_by_event):
        """Add the amounts of the events not applied yet, and record their ids, in one write.

        If any of the ids is there already the filter matches nothing and the upsert collides with
        the existing document: the events already applied are dropped and the rest tried again.
        Only the latest ids are kept, since a redelivery comes within moments and the list must not
        grow with every event; it is trimmed by a second write once it holds twice that many
        ($push's $slice is not portable).
        """
        key = f"{county}:{year}"
        while amounts_by_event:
            totals = {}
            for amounts in amounts_by_event.values():
                for name, amount in amounts.items():
                    totals[f"counters.{name}"] = totals.get(f"counters.{name}", 0) + amount
            ids = list(amounts_by_event)
            try:
                document = self.db.indicators.find_one_and_update(
                    {"_id": key, "applied": {"$nin": ids}},
                    {"$inc": totals, "$set": {"region_code": county, "year": year},
                     "$push": {"applied": {"$each": ids}}},
                    upsert=True, return_document=ReturnDocument.AFTER)
            except DuplicateKeyError:
                applied = set(self.db.indicators.find_one({"_id": key}, {"applied": 1})["applied"])
                amounts_by_event = {event_id: amounts for event_id, amounts
                                    in amounts_by_event.items() if event_id not in applied}
                continue
            applied = document["applied"]
            if len(applied) >= 2 * APPLIED_KEPT:
                self.db.indicators.update_one(
                    {"_id": key}, {"$pullAll": {"applied": applied[:-APPLIED_KEPT]}})
            return

    def counters(self, prefix, year):
        totals = {}
        for document in self.db.indicators.find({"region_code": prefix_pattern(prefix),
                                                 "year": year}, {"applied": 0}):
            for name, amount in _flatten(document.get("counters", {})).items():
                totals[name] = totals.get(name, 0) + amount
        return totals


def _flatten(nested, prefix=""):
    flat = {}
    for key, value in nested.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat
