"""A service's copy of another service's records, fed by its events: the newest event wins.

Each copy document remembers the time of the event it was last written from. A write applies only
where that time is older, so a repeated or late event changes nothing (its filter misses and its
upsert collides with the newer document), and the handlers need no inbox markers.

`EnterpriseCopy` (a store mixin) and `RegistryCopy` (a service mixin) keep the copy every
service needs of the registry's enterprises: which exist, where, in which industry, whether open.
A service whose copy is empty (deployed after the registry, or started on an emptied database)
asks the registry to announce every enterprise again, with `cn.anjian.<service>.registry_copy.
requested.v1`; the registry hears any service's request on the public exchange.
"""

import uuid

from marshmallow import Schema
from pymongo import UpdateOne

from services.kit.batching import batched_handler
from services.kit.counters import event_changes
from services.kit.mongo import insert_unless_there
from services.kit.outbox import FIELD as OUTBOX
from services.kit.pure.envelope import Published, event_type, make_event
from services.kit.pure.regions import NATIONWIDE
from services.kit.pure.standings import standing_changes
from services.kit.runtime import timer

REGISTRY = "registry"
ENTERPRISE_REGISTERED = event_type(REGISTRY, "enterprise", "registered")
ENTERPRISE_UPDATED = event_type(REGISTRY, "enterprise", "updated")
ENTERPRISE_STATUS_CHANGED = event_type(REGISTRY, "enterprise", "status_changed")
# What an enterprise adds to the counts of open enterprises and the like changed (its standing).
ENTERPRISE_STANDING_CHANGED = event_type(REGISTRY, "enterprise", "standing_changed")
# What a copy consumes, for the consuming service's events.py.
REGISTRY_FEED = (ENTERPRISE_REGISTERED, ENTERPRISE_UPDATED, ENTERPRISE_STATUS_CHANGED)
# Any service's request for a copy, as the registry binds to it on the public exchange.
COPY_REQUESTED_BY_ANY = "cn.anjian.*.registry_copy.requested.v1"
COPY_REQUEST = "registry-copy"
# How often an empty copy asks again (the registry may have been down).
COPY_CHECK_SECONDS = 60
# What a copy keeps of each enterprise's snapshot.
ENTERPRISE_FIELDS = (
    "uscc",
    "name",
    "region_code",
    "industry",
    "risk_features",
    "status",
    "above_scale",
)


def keep_newest(collection, changes, upsert=True, order="event_time"):
    """[(id, fields, event time)]: each written unless a newer event was. `order` names the
    field that says which is newer (a sequence the source keeps, say).

    With `upsert`, the records are first inserted in one bulk write, and only those there
    already are updated where older, in a second: the embedded server inserts a batch about ten
    times faster than it upserts one, and a copy mostly learns of records it has not seen (a
    bulk import elsewhere)."""
    if not changes:
        return
    there = changes
    if upsert:
        new = [{"_id": identifier, **fields, order: when} for identifier, fields, when in changes]
        there = [changes[index] for index in insert_unless_there(collection, new)]
    if there:
        collection.bulk_write(
            [
                UpdateOne(
                    {"_id": identifier, order: {"$lt": when}}, {"$set": {**fields, order: when}}
                )
                for identifier, fields, when in there
            ],
            ordered=False,
        )


class RegistryCopyRequestedSchema(Schema):
    """No data: the registry announces every enterprise again."""


def copy_requested(service):
    """The row of `service`'s events.py for its request of a copy of the registry."""
    return Published.of(
        service,
        "registry_copy",
        "requested",
        RegistryCopyRequestedSchema,
        "This service's copy of the registry is empty: announce every enterprise.",
    )


class EnterpriseCopy:
    """Mixin for a BaseStore: the copy of the registry's enterprises in `enterprises`."""

    def knows_no_enterprise(self):
        return self.db.enterprises.find_one({}, {"_id": 1}) is None

    def request_copy(self, service, now):
        """Ask for every enterprise again. One record, replaced by each new request, so asking
        again and again adds nothing; its event goes out through the outbox like any other."""
        events = [
            make_event(
                service=service,
                entity="registry_copy",
                verb="requested",
                subject=uuid.uuid4().hex,
                data={},
                region_code=NATIONWIDE,
                now=now,
            )
        ]
        self.announce(self.db.requests, [COPY_REQUEST])
        self.db.requests.replace_one(
            {"_id": COPY_REQUEST},
            {"_id": COPY_REQUEST, "requested_at": now, OUTBOX: events},
            upsert=True,
        )
        self.publish(self.db.requests, COPY_REQUEST, events)

    def enterprise(self, uscc):
        return self.db.enterprises.find_one({"_id": uscc})

    def enterprises_named(self, usccs):
        return {
            enterprise["_id"]: enterprise
            for enterprise in self.db.enterprises.find({"_id": {"$in": list(usccs)}})
        }

    def moved_enterprises(self, snapshots):
        """[(uscc, region code)] of the enterprises that [(snapshot, event time)] place in
        another region than the copy has them, by events newer than the copy's."""
        newest = {}
        for snapshot, when in snapshots:
            if snapshot["uscc"] not in newest or newest[snapshot["uscc"]][1] < when:
                newest[snapshot["uscc"]] = (snapshot, when)
        return [
            (kept["_id"], newest[kept["_id"]][0]["region_code"])
            for kept in self.db.enterprises.find(
                {"_id": {"$in": list(newest)}}, {"region_code": 1, "event_time": 1}
            )
            if kept["event_time"] < newest[kept["_id"]][1]
            and kept["region_code"] != newest[kept["_id"]][0]["region_code"]
        ]

    def remember_enterprises(self, snapshots):
        """[(snapshot, event time)]: the newest of each enterprise is kept."""
        keep_newest(
            self.db.enterprises,
            [(snapshot["uscc"], snapshot, when) for snapshot, when in snapshots],
        )

    def remember_statuses(self, changes):
        """[(uscc, status, event time)], for enterprises the copy holds."""
        keep_newest(
            self.db.enterprises,
            [(uscc, {"status": status}, when) for uscc, status, when in changes],
            upsert=False,
        )


class RegistryCopy:
    """Mixin for a service whose store is an EnterpriseCopy: the registry's events keep it.

    The copy keeps the newest snapshot per enterprise, so a repeated or late event changes
    nothing: the handlers need no inbox markers and take their events in batches.
    """

    @batched_handler(REGISTRY, ENTERPRISE_REGISTERED)
    def handle_enterprise_registered(self, received):
        self._remember(received)

    @batched_handler(REGISTRY, ENTERPRISE_UPDATED)
    def handle_enterprise_updated(self, received):
        self._remember(received)

    @batched_handler(REGISTRY, ENTERPRISE_STATUS_CHANGED)
    def handle_enterprise_status_changed(self, received):
        self.store.remember_statuses(
            [(event["subject"], event["data"]["to"], event["time"]) for event in received]
        )

    @timer(interval=COPY_CHECK_SECONDS, eager=True)
    def request_registry_copy(self):
        if self.store.knows_no_enterprise():
            self.store.request_copy(self.name, self.clock.now())

    def enterprises_moved(self, moved):
        """[(uscc, region code)]: enterprises now in another region than the copy had them. A
        service whose own records carry an enterprise's region moves them here."""

    def _remember(self, received):
        snapshots = [
            ({key: event["data"].get(key) for key in ENTERPRISE_FIELDS}, event["time"])
            for event in received
        ]
        moved = self.store.moved_enterprises(snapshots)
        if moved:
            # Before the copy is written: should moving fail, the redelivered event still finds
            # the old region in the copy and moves the records again.
            self.enterprises_moved(moved)
        self.store.remember_enterprises(snapshots)


class EnterpriseCounts:
    """Mixin for a service that counts enterprises by what the registry says they add to such
    counts (`enterprise.standing_changed`): `counted` is {standing flag: counter name}, kept in
    the store's counters per county and year, each event applied once. Read from counters, the
    open enterprises of a city cost the same however many there are."""

    counted: dict[str, str] = {}

    @batched_handler(REGISTRY, ENTERPRISE_STANDING_CHANGED)
    def handle_enterprise_standing_changed(self, received):
        self.store.add_to_counters(event_changes(received, self._standing_deltas))

    def _standing_deltas(self, event):
        return standing_changes(
            event, lambda standing: {name: standing[flag] for flag, name in self.counted.items()}
        )


# --- the untrustworthy list, as other services keep it ------------------------------------------

CREDIT = "credit"
ENTITY_LISTED = event_type(CREDIT, "entity", "listed")
ENTITY_REMOVED = event_type(CREDIT, "entity", "removed")
ENTITY_RESTORED = event_type(CREDIT, "entity", "restored")
# What a copy of the list consumes, for the consuming service's events.py.
CREDIT_FEED = (ENTITY_LISTED, ENTITY_REMOVED, ENTITY_RESTORED)


class ListingCopy:
    """Mixin for a BaseStore: which units stand on the untrustworthy list, one document per
    listing in `credit_listings`, the newest event of each winning."""

    def remember_listings(self, changes):
        """[(listing event, whether it stands)]."""
        keep_newest(
            self.db.credit_listings,
            [
                (
                    event["data"]["case_id"],
                    {
                        "uscc": event["data"]["uscc"],
                        "subject_kind": event["data"]["subject_kind"],
                        "listed": listed,
                    },
                    event["time"],
                )
                for event, listed in changes
            ],
        )

    def listed_units(self, usccs=None):
        """The USCCs of units listed now (of those named, when named). A person's listing (a
        principal) does not list the unit."""
        query = {"listed": True, "subject_kind": "unit"}
        if usccs is not None:
            query["uscc"] = {"$in": list(usccs)}
        return {listing["uscc"] for listing in self.db.credit_listings.find(query, {"uscc": 1})}


class ListingFeed:
    """Mixin for a service whose store is a ListingCopy: the credit service's public events keep
    it. Newest event wins, so a repeat changes nothing and no inbox markers are needed."""

    @batched_handler(CREDIT, ENTITY_LISTED)
    def handle_entity_listed(self, received):
        self.store.remember_listings([(event, True) for event in received])

    @batched_handler(CREDIT, ENTITY_REMOVED)
    def handle_entity_removed(self, received):
        self.store.remember_listings([(event, False) for event in received])

    @batched_handler(CREDIT, ENTITY_RESTORED)
    def handle_entity_restored(self, received):
        self.store.remember_listings([(event, True) for event in received])
