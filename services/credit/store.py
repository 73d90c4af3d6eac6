"""Credit persistence: cases (each carrying its outbox and its public events), the accidents
seen per unit (the rolling window of repeated accidents), the copy of the registry's enterprises,
replays of public events, and the indicator counters.

Who may see which case is decided here, once, as a query (`visible_to`).
"""

import uuid

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from services.kit.copies import EnterpriseCopy
from services.kit.mongo import (
    BaseStore,
    insert_unless_there,
    literal_pattern,
    own_or_jurisdiction,
)
from services.kit.outbox import FIELD as OUTBOX
from services.kit.pure.errors import Duplicate
from services.kit.pure.schemas import page_bounds
from services.kit.pure.times import utc_instant

HIDDEN = {OUTBOX: 0}
LISTED = ("published", "repair_applied")
# Timer work per tick: a bounded read however many listings there are.
EXPIRY_BATCH = 200


def visible_to(actor, region=None):
    """Cases: an enterprise user sees its own, bureaus what lies in their jurisdiction.
    Agencies have no business with them."""
    return own_or_jurisdiction(actor, region, "third-party agencies have no access to credit cases")


class CreditStore(EnterpriseCopy, BaseStore):
    @property
    def cases(self):
        return self.db.cases

    def ensure_indexes(self):
        self.cases.create_index([("region_code", ASCENDING), ("_id", ASCENDING)])
        self.cases.create_index("uscc")
        self.cases.create_index("status")
        self.cases.create_index("listing.term_end")
        self.db.accidents.create_index("uscc")
        self.db.public_log.create_index("time")
        self.event_counters.ensure_indexes()

    # --- cases ---

    def case(self, identifier, actor):
        return self.seen(self.cases, identifier, visible_to(actor), "case", HIDDEN)

    def case_to_change(self, identifier, actor):
        actor.require_can_write()
        return self.to_change(self.cases, identifier, visible_to(actor), "case", HIDDEN)

    def add_case(self, case, events):
        """A new case; the same subject and trigger a second time is refused."""
        try:
            self.save(self.cases, None, case, events)
        except DuplicateKeyError:
            raise Duplicate(
                "a case for this subject and trigger exists already",
                {"records": ["already the trigger of a case"]},
            ) from None
        return case

    def add_detected_case(self, case, events):
        """A case detected from an event; one found there already (the same facts reported
        again) is left as it is."""
        try:
            self.add_case(case, events)
        except Duplicate:
            return None
        return case

    def save_case(self, before, after, events):
        self.save(self.cases, before, after, events)
        return self.cases.find_one({"_id": after["_id"]}, HIDDEN)

    def cases_page(self, actor, query):
        skip, limit = page_bounds(query["page"], query["page_size"])
        criteria = {name: query[name] for name in ("uscc", "status") if query.get(name)}
        return self.page(
            self.cases,
            {**criteria, **visible_to(actor, query.get("region"))},
            skip,
            limit,
            HIDDEN,
            order=(("_id", DESCENDING),),
            with_total=query["with_total"],
        )

    def listings_to_expire(self, today):
        return list(
            self.cases.find(
                {"status": {"$in": list(LISTED)}, "listing.term_end": {"$lt": today.isoformat()}},
                HIDDEN,
                limit=EXPIRY_BATCH,
            )
        )

    def public_page(self, query, today):
        """Published listings within their term: by USCC, or by a part of the name."""
        skip, limit = page_bounds(query["page"], query["page_size"])
        criteria = {
            "status": {"$in": list(LISTED)},
            "listing.term_end": {"$gte": today.isoformat()},
        }
        if query.get("uscc"):
            criteria["uscc"] = query["uscc"]
        if query.get("q"):
            criteria["subject.unit_name"] = literal_pattern(query["q"])
        return self.page(self.cases, criteria, skip, limit, HIDDEN, with_total=query["with_total"])

    # --- accidents seen, for the rolling window ---

    def remember_accident(self, accident):
        """Each accident once, by its id, with its latest grade (a supplement may raise it)."""
        self.db.accidents.replace_one({"_id": accident["_id"]}, accident, upsert=True)

    def accidents_of(self, uscc):
        return list(self.db.accidents.find({"uscc": uscc}))

    # --- public events ---

    def log_public(self, events):
        """Keep the service's public events, as published, for replays: each once, by its id."""
        if not events:
            return
        insert_unless_there(
            self.db.public_log,
            [{"_id": event["id"], "time": event["time"], "event": event} for event in events],
        )

    def public_events_between(self, since, until):
        """The public events published between the two instants, oldest first, as sent."""
        found = self.db.public_log.find({"time": {"$gte": since, "$lte": until}}, {"event": 1})
        return [
            {**entry["event"], "time": utc_instant(entry["event"]["time"])}
            for entry in sorted(found, key=lambda entry: entry["event"]["time"])
        ]

    def replay(self, events, now):
        """Publish `events` again through the outbox, as a replay record of their own."""
        record = {"_id": uuid.uuid4().hex, "version": 1, "at": now, "events": len(events)}
        self.save(self.db.replays, None, record, events)
