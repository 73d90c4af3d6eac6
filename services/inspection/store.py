"""Inspection persistence: each aggregate is one document carrying its own outbox."""
import threading

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from services.kit.mongo import BaseStore, prefix_pattern

HIDDEN = {"outbox": 0}
APPLIED_KEPT = 200
OPEN_STATES = {"$ne": "closed"}


class InspectionStore(BaseStore):
    def __init__(self, db, settings, clock=None):
        super().__init__(db, settings, clock)
        # FerretDB applies concurrent updates of one document as read-modify-write, losing $inc
        # amounts; counter updates are serialised per process (MongoDB needs no such care).
        self.counter_lock = threading.Lock()
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

    def enterprises_in(self, prefix):
        return list(self.enterprises.find({"region_code": prefix_pattern(prefix),
                                           "status": {"$ne": "closed"}}))

    def remember_enterprise(self, snapshot, event_time):
        """Keep the newest snapshot; an older event arriving late changes nothing.

        A newer copy makes the filter miss and the upsert collide with it: nothing to do.
        """
        try:
            self.enterprises.update_one(
                {"_id": snapshot["uscc"], "event_time": {"$lt": event_time}},
                {"$set": {**snapshot, "event_time": event_time}}, upsert=True)
        except DuplicateKeyError:
            pass

    def remember_status(self, uscc, status, event_time):
        self.enterprises.update_one({"_id": uscc, "event_time": {"$lt": event_time}},
                                    {"$set": {"status": status, "event_time": event_time}})

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

    def search(self, collection, query, skip, limit):
        total = self.db[collection].count_documents(query)
        items = list(self.db[collection].find(query, HIDDEN)
                     .sort([("_id", DESCENDING)]).skip(skip).limit(limit))
        return items, total

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

    def add_to_counters(self, county, year, amounts, event_id):
        """Apply an event's amounts once: the event id is recorded in the same write.

        If the id is already there the filter matches nothing and the upsert collides with the
        existing document, which is exactly "already applied". Only the latest ids are kept:
        a redelivery comes within moments, and the list must not grow with every event.
        """
        with self.counter_lock:
            self._add_to_counters(county, year, amounts, event_id)

    def _add_to_counters(self, county, year, amounts, event_id):
        key = f"{county}:{year}"
        current = self.db.indicators.find_one({"_id": key}, {"applied": 1}) or {}
        applied = current.get("applied", [])
        if event_id in applied:
            return
        try:
            self.db.indicators.update_one(
                {"_id": key, "applied": {"$ne": event_id}},
                {"$inc": {f"counters.{name}": amount for name, amount in amounts.items()},
                 "$set": {"region_code": county, "year": year,
                          "applied": [*applied, event_id][-APPLIED_KEPT:]}}, upsert=True)
        except DuplicateKeyError:
            pass

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
