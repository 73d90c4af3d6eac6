"""Permits persistence: spaces, permits and scans, each document carrying its own outbox; the
read models of the training service's people (competency by sequence, positions by event
time); the copy of the registry's enterprises; the indicator counters.

Who may see which record is decided here, once, as a query (`visible_to`): lists use it, and a
read of one record checks the document it read against that same query.
"""

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.kit.copies import EnterpriseCopy, keep_newest
from services.kit.mongo import (
    BaseStore,
    RecordKinds,
    find_by_ids,
    own_or_jurisdiction,
    within_region,
)
from services.kit.outbox import FIELD as OUTBOX
from services.kit.pure.errors import Duplicate

HIDDEN = {OUTBOX: 0}
KINDS = {"space": "spaces", "permit": "permits", "scan": "scans", "staff": "competencies"}
# The registry's risk feature (services/kit/pure/vocabulary.py) of an enterprise with confined
# spaces: target 8's denominator.
CONFINED_SPACE = "confined_space"
# The stock of open enterprises keeping confined spaces, from the registry's standing events.
FLAGGED_ENTERPRISES = "enterprises_with_confined_spaces"
# Permits looked at per expiry round: a bounded read however many there are.
EXPIRY_BATCH = 200


def visible_to(actor, region=None):
    """Every permits record: an enterprise user sees its own enterprise's, everyone else what lies
    inside their jurisdiction (narrowed to `region` when a list asks; refused outside it).
    Third-party agencies have no part in an enterprise's permits."""
    return own_or_jurisdiction(actor, region, "third-party agencies have no access to work permits")


def _criteria(query, names):
    return {field: query[name] for name, field in names if query.get(name) is not None}


class PermitsStore(EnterpriseCopy, RecordKinds, BaseStore):
    KINDS = KINDS
    visible_to = staticmethod(visible_to)

    @property
    def spaces(self):
        return self.db.spaces

    @property
    def permits(self):
        return self.db.permits

    @property
    def scans(self):
        return self.db.scans

    def ensure_indexes(self):
        self.index_kinds()
        # One space per number in an enterprise's ledger.
        self.spaces.create_index([("uscc", ASCENDING), ("number", ASCENDING)], unique=True)
        self.permits.create_index([("space_id", ASCENDING), ("state", ASCENDING)])
        self.permits.create_index([("state", ASCENDING), ("window_end", ASCENDING)])
        self.scans.create_index([("space_id", ASCENDING), ("day", ASCENDING)])
        self.event_counters.ensure_indexes()

    # --- the read models of the training service's people ---

    def remember_competencies(self, changes):
        """[(person id, {person_key, uscc, roles}, sequence)]: the highest sequence is kept."""
        keep_newest(self.db.competencies, changes, order="sequence")

    def remember_positions(self, changes):
        """[(person id, {uscc, positions}, event time)]: the newest is kept."""
        keep_newest(self.db.positions, changes)

    def people(self, person_ids, positions=True):
        """(competencies, positions) of these people, by person id; positions only when asked
        (only an approval needs them: the gate reads one collection)."""
        ids = sorted({person for person in person_ids if person})
        collections = (self.db.competencies, self.db.positions)[: 2 if positions else 1]
        found = [
            {record["_id"]: record for record in collection.find({"_id": {"$in": ids}})}
            for collection in collections
        ]
        return found[0], found[1] if positions else {}

    def staff_page(self, actor, query):
        return self._page("staff", actor, query, _criteria(query, (("uscc", "uscc"),)))

    # --- spaces ---

    def space(self, identifier, actor):
        return self._seen("space", identifier, actor)

    def space_to_change(self, identifier, actor):
        return self._to_change("space", identifier, actor)

    def space_record(self, identifier):
        return self.spaces.find_one({"_id": identifier}, HIDDEN)

    def add_space(self, space, events):
        try:
            return self._save("space", None, space, events)
        except DuplicateKeyError:
            raise Duplicate(
                f"the ledger has a space numbered {space['number']} already",
                {"number": ["already on the ledger"]},
            ) from None

    def save_space(self, before, after, events):
        return self._save("space", before, after, events)

    def spaces_page(self, actor, query):
        criteria = _criteria(query, (("uscc", "uscc"), ("status", "status")))
        if query.get("signage") is not None:
            criteria["signage.installed"] = query["signage"]
        return self._page("space", actor, query, criteria, {OUTBOX: 0, "history": 0})

    def spaces_in_use(self, uscc, limit=500):
        return list(
            self.spaces.find(
                {"uscc": uscc, "status": "in_use"}, {OUTBOX: 0, "history": 0}, limit=limit
            )
        )

    # --- permits ---

    def permit(self, identifier, actor):
        return self._seen("permit", identifier, actor)

    def permit_to_change(self, identifier, actor):
        return self._to_change("permit", identifier, actor)

    def permit_record(self, identifier):
        return self.permits.find_one({"_id": identifier}, HIDDEN)

    def add_permit(self, permit, events):
        return self._save("permit", None, permit, events)

    def save_permit(self, before, after, events):
        """A conditional write on the version read: two scans (in one copy of the service or
        two) never start the same permit twice; the second gets a Conflict and looks again."""
        return self._save("permit", before, after, events)

    def live_permits_of(self, space_id, states):
        return list(
            self.permits.find({"space_id": space_id, "state": {"$in": list(states)}}, HIDDEN)
        )

    def permits_page(self, actor, query):
        criteria = _criteria(
            query, (("uscc", "uscc"), ("space_id", "space_id"), ("state", "state"))
        )
        return self._page("permit", actor, query, criteria, {OUTBOX: 0, "gas_tests": 0})

    def permits_past_window(self, states, now, limit=EXPIRY_BATCH):
        return list(
            self.permits.find(
                {"state": {"$in": list(states)}, "window_end": {"$lt": now}}, HIDDEN, limit=limit
            )
        )

    # --- scans ---

    def add_scan(self, scan, events):
        return self._save("scan", None, scan, events)

    def scans_page(self, actor, query, day):
        criteria = {**_criteria(query, (("uscc", "uscc"), ("result", "result"))), "day": day}
        return self._page("scan", actor, query, criteria)

    def refused_today(self, space_ids, day):
        """Refused scans of `day` per space."""
        counts = {}
        for scan in self.scans.find(
            {"space_id": {"$in": list(space_ids)}, "day": day, "result": "deny"},
            {"space_id": 1},
        ):
            counts[scan["space_id"]] = counts.get(scan["space_id"], 0) + 1
        return counts

    # --- indicators ---

    def ledger_counts(self, prefix, year):
        """The ledger at `year`'s end (today, within it) under `prefix`: enterprises flagged
        `confined_space` in the registry (counted from its standing events) and how many of
        them have a space in use on file; spaces in use and how many have their warning sign.
        Only the enterprises with spaces are looked up, never every enterprise."""
        region = within_region(prefix)
        in_use = {**region, "status": "in_use"}
        on_file = [
            group["_id"]
            for group in self.spaces.aggregate([{"$match": in_use}, {"$group": {"_id": "$uscc"}}])
        ]
        flagged_with_spaces = len(
            find_by_ids(
                self.db.enterprises,
                on_file,
                {"risk_features": CONFINED_SPACE, "status": {"$ne": "closed"}},
                {"_id": 1},
            )
        )
        stocks = self.counters_to(prefix, year)
        return {
            "flagged": stocks.get(FLAGGED_ENTERPRISES, 0),
            "flagged_with_spaces": flagged_with_spaces,
            "spaces": self.spaces.count_documents(in_use),
            "spaces_signed": self.spaces.count_documents({**in_use, "signage.installed": True}),
        }
