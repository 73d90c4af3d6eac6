"""Registry persistence: one document per enterprise, keyed by USCC, carrying its outbox.

Who may see which enterprise is decided here, once, as a query (`visible_to`); reads of one
enterprise check the document they read against that same query.
"""

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.kit.copies import ListingCopy
from services.kit.mongo import (
    BATCH,
    BaseStore,
    literal_pattern,
    matches,
    within_region,
)
from services.kit.outbox import FIELD as OUTBOX
from services.kit.pure.errors import Duplicate, Forbidden, NotFound
from services.registry.domain.indicators import STANDING
from services.registry.domain.standardization import CHECK_ON, HISTORY
from services.registry.project_store import ProjectStore

RESYNCHRONISATION = "resynchronisation"
UPGRADE = "upgrade"
# Heavy fields a list or export never needs.
SUMMARY = {"history": 0, HISTORY: 0, OUTBOX: 0, BATCH: 0}
# Fields a list may filter on, by query parameter.
FILTERS = (("industry", "industry"), ("risk_feature", "risk_features"), ("status", "status"))


def visible_to(actor):
    """The enterprises a caller may see: an enterprise user its own, everyone else those in their
    jurisdiction."""
    if actor.role == "enterprise":
        return {"_id": actor.uscc}
    return within_region(actor.scope_prefix)


class RegistryStore(ListingCopy, ProjectStore, BaseStore):
    @property
    def enterprises(self):
        return self.db.enterprises

    def ensure_indexes(self):
        self.enterprises.create_index([("region_code", ASCENDING), ("_id", ASCENDING)])
        self.enterprises.create_index("industry")
        self.enterprises.create_index("risk_features")
        self.enterprises.create_index("status")
        self.enterprises.create_index(CHECK_ON)
        self.ensure_project_indexes()
        self.event_counters.ensure_indexes()

    def enterprise(self, uscc, actor, with_history=False):
        """An enterprise the caller may see; one outside its sight looks exactly like a missing
        one."""
        document = self.enterprises.find_one({"_id": uscc}, None if with_history else SUMMARY)
        if document is None or not matches(visible_to(actor), document):
            raise NotFound(f"no enterprise {uscc}")
        return document

    def enterprise_to_change(self, uscc, actor):
        """An enterprise with its history, for a command; writes name the refusal: the record
        exists, but not for this caller."""
        document = self.enterprise_record(uscc)
        if document is None:
            raise NotFound(f"no enterprise {uscc}")
        if not matches(visible_to(actor), document):
            raise Forbidden(f"you may not change enterprise {uscc}")
        return document

    def enterprise_record(self, uscc):
        """An enterprise with its history, whoever may see it (for the service's own handlers)."""
        return self.enterprises.find_one({"_id": uscc})

    def add_enterprise(self, document, events):
        try:
            self.save(self.enterprises, None, document, events)
        except DuplicateKeyError:
            # The same answer whoever holds the record: a USCC is public (the national credit
            # publicity system lists every one), but which bureau holds it, and what, is not.
            raise Duplicate(
                f"USCC {document['uscc']} is already registered", {"uscc": ["already registered"]}
            ) from None

    def save_enterprise(self, before, after, events):
        """Store a command's result; returns the enterprise as it now stands."""
        self.save(self.enterprises, before, after, events)
        return self.enterprises.find_one({"_id": before["_id"]}, SUMMARY)

    def add_enterprises(self, registrations):
        """Insert the new ones of [(document, events)]; returns the USCCs that were already there
        (a repeated import).

        The registrations' events go in one batch pointer, not in each document's outbox, so the
        import costs one outbox write and the relay removes nothing document by document.
        """
        return self.insert_new(self.enterprises, registrations)

    def enterprises_from(self, position, count):
        """`count` enterprises from `position` on, in the store's stable list order."""
        return self.page(self.enterprises, {}, position, count, SUMMARY)["items"]

    def schedule_resynchronisation(self, now):
        """(Re)start re-announcing every enterprise from the first one."""
        job = {"_id": RESYNCHRONISATION, "position": 0, "requested_at": now, "finished_at": None}
        self.db.jobs.replace_one({"_id": RESYNCHRONISATION}, job, upsert=True)
        return job

    def resynchronisation(self):
        return self.db.jobs.find_one({"_id": RESYNCHRONISATION})

    def advance_resynchronisation(self, job, announced, now, finished):
        """Record a chunk as announced, unless the job was restarted meanwhile."""
        self.db.jobs.update_one(
            {
                "_id": RESYNCHRONISATION,
                "position": job["position"],
                "requested_at": job["requested_at"],
            },
            {"$inc": {"position": announced}, "$set": {"finished_at": now if finished else None}},
        )

    def append_events(self, events):
        """Announce events of existing enterprises (named by their subjects) in one batch pointer,
        without writing the enterprises."""
        if events:
            self.announce_batch(
                self.enterprises, [(event["subject"], event) for event in events], written=True
            )

    def search(self, actor, criteria, skip, limit, with_total=False):
        """A page of the enterprises the caller sees, narrowed to the region asked for (a region
        outside the caller's jurisdiction is refused) and the other criteria."""
        # The region asked for lies within the caller's jurisdiction, so it replaces the scope's
        # own condition; an enterprise user's own record stays a condition of its own.
        query = {**visible_to(actor), **within_region(actor.narrow(criteria.get("region")))}
        query.update({field: criteria[key] for key, field in FILTERS if criteria.get(key)})
        if criteria.get("q"):
            query["name"] = literal_pattern(criteria["q"])
        return self.page(self.enterprises, query, skip, limit, SUMMARY, with_total=with_total)

    # --- standardization ---

    def upgraded_to(self):
        """The version of the last upgrade that went over every enterprise, or 0."""
        job = self.db.jobs.find_one({"_id": UPGRADE})
        return job["version"] if job else 0

    def note_upgraded(self, version, now):
        self.db.jobs.replace_one(
            {"_id": UPGRADE}, {"_id": UPGRADE, "version": version, "at": now}, upsert=True
        )

    def enterprises_to_upgrade(self, limit):
        """Enterprises stored before grades had a history or before they had a standing (no
        such field at all)."""
        return list(
            self.enterprises.find({"$or": [{HISTORY: None}, {STANDING: None}]}, limit=limit)
        )

    def grades_to_check(self, today_iso, limit=500):
        """Enterprises whose grade the daily timer has something to do for today."""
        return list(self.enterprises.find({CHECK_ON: {"$lte": today_iso}}, limit=limit))
