"""Registry persistence: one document per enterprise, keyed by USCC, carrying its outbox."""
from pymongo import ASCENDING
from pymongo.errors import BulkWriteError, DuplicateKeyError

from services.kit.pure.errors import Conflict, Duplicate
from services.kit.mongo import BATCH, DUPLICATE_KEY, BaseStore, literal_pattern, prefix_pattern
from services.kit.outbox import FIELD as OUTBOX

RESYNCHRONISATION = "resynchronisation"
# Heavy fields a list or export never needs.
SUMMARY = {"history": 0, OUTBOX: 0, BATCH: 0}


class RegistryStore(BaseStore):
    @property
    def enterprises(self):
        return self.db.enterprises

    def ensure_indexes(self):
        self.enterprises.create_index([("region_code", ASCENDING), ("_id", ASCENDING)])
        self.enterprises.create_index("industry")
        self.enterprises.create_index("risk_features")
        self.enterprises.create_index("status")

    def get(self, uscc, with_history=False):
        return self.enterprises.find_one({"_id": uscc}, None if with_history else SUMMARY)

    def insert(self, document):
        try:
            self.insert_aggregate(self.enterprises, document)
        except DuplicateKeyError:
            # The same answer whoever holds the record: a USCC is public (the national credit
            # publicity system lists every one), but which bureau holds it, and what, is not.
            raise Duplicate(f"USCC {document['uscc']} is already registered",
                            {"uscc": ["already registered"]}) from None

    def insert_many(self, documents):
        """Insert what is new; returns the USCCs that were already there (a repeated import).

        The registrations' events go in one batch pointer, not in each document's outbox, so the
        import costs one outbox write and the relay removes nothing document by document.
        """
        if not documents:
            return set()
        batch = self.announce_batch(
            self.enterprises, [(document["_id"], event) for document in documents
                               for event in document[OUTBOX]], written=False)
        rows = [{**document, OUTBOX: [], BATCH: batch} for document in documents]
        try:
            self.enterprises.insert_many(rows, ordered=False)
        except BulkWriteError as error:
            duplicates = [e for e in error.details["writeErrors"] if e["code"] == DUPLICATE_KEY]
            if len(duplicates) != len(error.details["writeErrors"]):
                raise
            return {documents[e["index"]]["_id"] for e in duplicates}
        finally:
            self.batch_written(batch)
        return set()

    def apply(self, document, change):
        """Apply a domain change in one document write, guarded by the version read earlier."""
        pushes = {"history": change["audit"], OUTBOX: change["event"]}
        if "status_entry" in change:
            pushes["status_history"] = change["status_entry"]
        self.announce(self.enterprises, [document["_id"]])
        result = self.enterprises.update_one(
            {"_id": document["_id"], "version": document["version"]},
            {"$set": change["set"], "$push": pushes, "$inc": {"version": 1}})
        if result.matched_count != 1:
            raise Conflict(f"enterprise {document['_id']} was changed by someone else; reload it")

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
            {"_id": RESYNCHRONISATION, "position": job["position"],
             "requested_at": job["requested_at"]},
            {"$inc": {"position": announced},
             "$set": {"finished_at": now if finished else None}})

    def append_events(self, events):
        """Announce events of existing enterprises (named by their subjects) in one batch pointer,
        without writing the enterprises."""
        if events:
            self.announce_batch(self.enterprises, [(event["subject"], event) for event in events],
                                written=True)

    def search(self, criteria, skip, limit, with_total=False):
        query = {}
        if criteria.get("uscc") is not None:
            query["_id"] = criteria["uscc"]
        if criteria.get("region_prefix"):
            query["region_code"] = prefix_pattern(criteria["region_prefix"])
        for key, field in (("industry", "industry"), ("risk_feature", "risk_features"),
                           ("status", "status")):
            if criteria.get(key):
                query[field] = criteria[key]
        if criteria.get("q"):
            query["name"] = literal_pattern(criteria["q"])
        return self.page(self.enterprises, query, skip, limit, SUMMARY, with_total=with_total)
