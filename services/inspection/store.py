"""Inspection persistence: each aggregate is one document carrying its own outbox.

Who may see which record is decided here, once per kind of record, as a query (`*_visible_to`):
lists use the query, and a read of one record checks the document it read against that same
query, so the two can never drift apart.
"""

from datetime import date

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from services.inspection.store_prevention import PREVENTION_KINDS, PreventionStore
from services.kit.copies import EnterpriseCopy, ListingCopy
from services.kit.mongo import BaseStore, matches, prefix_pattern, within_region
from services.kit.outbox import FIELD as OUTBOX
from services.kit.pure.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.kit.pure.schemas import page_bounds

HIDDEN = {OUTBOX: 0}
OPEN_STATES = {"$ne": "closed"}
NEWEST_FIRST = (("_id", DESCENDING),)


# --- who sees what --------------------------------------------------------------------------
# Each rule takes the caller and, for a list, the region it asks for (narrowed to the caller's
# jurisdiction; refused outside it). Without a region it is the caller's whole sight.


def records_visible_to(actor, region=None):
    """Cases, accidents, evidence, self-inspections and enterprises: an enterprise user sees its
    own, everyone else what is inside their jurisdiction."""
    if actor.role == "enterprise":
        return {"uscc": actor.uscc}
    return within_region(actor.narrow(region))


def accidents_visible_to(actor, region=None):
    """As records, and the bureau of the county where the accident occurred sees it too (it
    receives the report, 493号 Art. 9)."""
    visible = records_visible_to(actor, region)
    if actor.role == "enterprise" or not visible:
        return visible
    return {"$or": [visible, {"occurred_region_code": visible["region_code"]}]}


def hazards_visible_to(actor, region=None):
    """As records, except that an agency sees only the hazards of its own inspections."""
    if actor.role == "agency":
        return {"agency": actor.user_id}
    return records_visible_to(actor, region)


def inspections_visible_to(actor, region=None):
    """As hazards, except that an enterprise does not see an unannounced inspection (四不两直)
    before its record is completed: until then it does not exist for the enterprise."""
    if actor.role == "enterprise":
        return {
            "uscc": actor.uscc,
            "$or": [{"mode": {"$ne": "unannounced"}}, {"state": "completed"}],
        }
    return hazards_visible_to(actor, region)


# Each kind of record: its collection, its visibility rule, and its name in refusals.
KINDS = {
    "inspection": ("inspections", inspections_visible_to, "inspection"),
    "hazard": ("hazards", hazards_visible_to, "hazard"),
    "case": ("cases", records_visible_to, "enforcement case"),
    "accident": ("accidents", accidents_visible_to, "accident"),
    "evidence": ("evidence", records_visible_to, "evidence"),
    "self_inspection": ("self_inspections", records_visible_to, "self-inspection"),
    "plan": ("plans", records_visible_to, "plan"),
    **{
        kind: (collection, records_visible_to, name)
        for kind, (collection, name) in PREVENTION_KINDS.items()
    },
}


class InspectionStore(PreventionStore, EnterpriseCopy, ListingCopy, BaseStore):
    hidden = HIDDEN

    @property
    def enterprises(self):
        """The read model of registry enterprises, fed by registry events."""
        return self.db.enterprises

    def ensure_indexes(self):
        for collection in (
            self.db.inspections,
            self.db.hazards,
            self.db.self_inspections,
            self.db.accidents,
            self.db.cases,
            self.db.evidence,
        ):
            collection.create_index([("region_code", ASCENDING), ("_id", ASCENDING)])
            collection.create_index("uscc")
        self.db.hazards.create_index([("state", ASCENDING), ("deadline", ASCENDING)])
        self.db.hazards.create_index("grade")
        self.db.self_inspections.create_index([("uscc", ASCENDING), ("month", ASCENDING)])
        self.db.evidence.create_index("sha256")
        self.db.evidence.create_index("hazard_id")
        self.db.uploads.create_index("expires_at")
        self.db.accidents.create_index([("occurred_region_code", ASCENDING), ("_id", ASCENDING)])
        self.event_counters.ensure_indexes()
        self.ensure_prevention_indexes()

    # --- read model of enterprises (EnterpriseCopy) ---

    def enterprises_in(self, prefix):
        return list(
            self.enterprises.find(
                {"region_code": prefix_pattern(prefix), "status": {"$ne": "closed"}}
            )
        )

    def enterprise_seen_by(self, uscc, actor):
        document = self.enterprise(uscc)
        if document is None or not matches(records_visible_to(actor), document):
            raise NotFound(f"no enterprise {uscc}")
        return document

    # --- records of every kind: read, change, list ---

    def _seen(self, kind, identifier, actor):
        """A record the caller may see; one outside its sight looks exactly like a missing one."""
        collection, visible_to, name = KINDS[kind]
        return self.seen(self.db[collection], identifier, visible_to(actor), name, HIDDEN)

    def _to_change(self, kind, identifier, actor):
        """A record for a command; writes name the refusal: it exists, but not for this caller."""
        actor.require_can_write()
        collection, visible_to, name = KINDS[kind]
        return self.to_change(self.db[collection], identifier, visible_to(actor), name, HIDDEN)

    def _save(self, kind, before, after, events):
        """Store a command's result (a new record when `before` is None); returns the record as
        stored."""
        collection = self.db[KINDS[kind][0]]
        self.save(collection, before, after, events)
        if before is None:
            return after
        return collection.find_one({"_id": after["_id"]}, HIDDEN)

    def _page(self, kind, actor, query, criteria):
        """A page of the records the caller sees, newest first, that meet `criteria`."""
        collection, visible_to, _ = KINDS[kind]
        skip, limit = page_bounds(query["page"], query["page_size"])
        visible = visible_to(actor, query.get("region"))
        return self.page(
            self.db[collection],
            {**criteria, **visible},
            skip,
            limit,
            HIDDEN,
            order=NEWEST_FIRST,
            with_total=query["with_total"],
        )

    @staticmethod
    def criteria(query, names):
        """The filters a list query sets, among `names` (stored under the same names)."""
        return {name: query[name] for name in names if name in query}

    # --- inspections ---

    def inspection(self, identifier, actor):
        return self._seen("inspection", identifier, actor)

    def inspection_to_change(self, identifier, actor):
        return self._to_change("inspection", identifier, actor)

    def inspection_record(self, identifier):
        """An inspection whoever may see it: a correction names the record it corrects."""
        return self.db.inspections.find_one({"_id": identifier}, HIDDEN)

    def save_inspection(self, before, after, events):
        return self._save("inspection", before, after, events)

    def inspections_page(self, actor, query):
        return self._page(
            "inspection", actor, query, self.criteria(query, ("uscc", "mode", "state"))
        )

    def assigned(self, agency, uscc):
        return self.db.agency_assignments.find_one({"_id": f"{agency}:{uscc}"}) is not None

    def assign(self, assignment):
        self.db.agency_assignments.replace_one({"_id": assignment["_id"]}, assignment, upsert=True)

    def save_self_inspection(self, before, after, events):
        return self._save("self_inspection", before, after, events)

    def self_inspections_of(self, uscc, year):
        return list(
            self.db.self_inspections.find(
                {"uscc": uscc, "month": {"$regex": f"^{year:04d}-"}}, HIDDEN
            )
        )

    # --- hazards ---

    def hazard(self, identifier, actor):
        return self._seen("hazard", identifier, actor)

    def hazard_to_change(self, identifier, actor):
        return self._to_change("hazard", identifier, actor)

    def hazard_seen_by(self, identifier, actor):
        """The hazard, or None when none is named, or it is missing or out of the caller's
        sight."""
        if identifier is None:
            return None
        hazard = self.db.hazards.find_one({"_id": identifier}, HIDDEN)
        return hazard if hazard is not None and matches(hazards_visible_to(actor), hazard) else None

    def hazards_by_id(self, identifiers):
        """The hazards named, in order, None for an unknown one."""
        return [self.db.hazards.find_one({"_id": identifier}, HIDDEN) for identifier in identifiers]

    def add_hazard_once(self, hazard, events):
        """Store a new hazard unless a retried command stored it already (same id)."""
        if self.db.hazards.find_one({"_id": hazard["_id"]}, {"_id": 1}) is None:
            self._save("hazard", None, hazard, events)

    def save_hazard(self, before, after, events):
        return self._save("hazard", before, after, events)

    def hazards_page(self, actor, query):
        criteria = self.criteria(query, ("uscc", "grade", "state", "overdue", "source"))
        if "escalation_proposed" in query:
            criteria["escalation_proposal"] = {
                "$ne" if query["escalation_proposed"] else "$eq": None
            }
        return self._page("hazard", actor, query, criteria)

    def overdue_candidates(self, today_iso, limit=500):
        return list(
            self.db.hazards.find(
                {"state": OPEN_STATES, "deadline": {"$lt": today_iso}, "overdue": False},
                HIDDEN,
                limit=limit,
            )
        )

    def escalation_candidates(self, limit=500):
        return list(
            self.db.hazards.find({"state": OPEN_STATES, "overdue": True}, HIDDEN, limit=limit)
        )

    def open_major_counts(self, prefix):
        counts = {}
        for hazard in self.db.hazards.find(
            {"region_code": prefix_pattern(prefix), "grade": "major", "state": OPEN_STATES},
            {"uscc": 1},
        ):
            counts[hazard["uscc"]] = counts.get(hazard["uscc"], 0) + 1
        return counts

    # --- evidence ---

    def add_evidence(self, record, events):
        return self._save("evidence", None, record, events)

    def hazard_evidence(self, hazard_id, actor):
        """The evidence about a hazard that the caller may see, oldest first."""
        found = {"$and": [{"hazard_id": hazard_id}, records_visible_to(actor)]}
        return list(self.db.evidence.find(found, HIDDEN).sort("_id", ASCENDING).limit(500))

    def evidence_record(self, identifier):
        return self.db.evidence.find_one({"_id": identifier}, HIDDEN)

    def set_thumbnail(self, identifier, thumbnail_key):
        self.db.evidence.update_one({"_id": identifier}, {"$set": {"thumbnail_key": thumbnail_key}})

    # --- uploads straight to the object store: no evidence until confirmed ---

    def add_upload(self, upload):
        self.db.uploads.insert_one(upload)
        return upload

    def upload(self, identifier, actor):
        """An upload the caller opened; anyone else's looks missing."""
        found = self.db.uploads.find_one({"_id": identifier})
        if found is None or found["uploaded_by"] != actor.user_id:
            raise NotFound(f"no upload {identifier}")
        return found

    def upload_to_confirm(self, identifier, actor):
        """An upload the caller opened. Another's is refused by name, as every write is; one
        already recorded as evidence is a Conflict."""
        found = self.db.uploads.find_one({"_id": identifier})
        if found is None:
            found = self.db.evidence.find_one({"_id": identifier}, {"uploaded_by": 1})
            if found is None:
                raise NotFound(f"no upload {identifier}")
            if found["uploaded_by"] == actor.user_id:
                raise Conflict(f"upload {identifier} is already recorded as evidence")
        if found["uploaded_by"] != actor.user_id:
            raise Forbidden("only its uploader confirms an upload")
        return found

    def end_upload(self, identifier):
        self.db.uploads.delete_one({"_id": identifier})

    def record_upload(self, record, events):
        """The evidence an upload became; the upload ends with it."""
        self._save("evidence", None, record, events)
        self.end_upload(record["_id"])
        return record

    def expired_uploads(self, now):
        """Uploads past their time, each with whether it became evidence meanwhile (a confirmation
        interrupted between recording the evidence and ending the upload)."""
        expired = list(self.db.uploads.find({"expires_at": {"$lt": now}}).limit(1000))
        recorded = {
            item["_id"]
            for item in self.db.evidence.find(
                {"_id": {"$in": [upload["_id"] for upload in expired]}}, {"_id": 1}
            )
        }
        return [(upload, upload["_id"] in recorded) for upload in expired]

    def evidence(self, identifier, actor):
        return self._seen("evidence", identifier, actor)

    def evidence_to_change(self, identifier, actor):
        return self._to_change("evidence", identifier, actor)

    def evidence_items(self, identifiers):
        """The evidence records named; refuses the list if any of them is unknown."""
        items = list(self.db.evidence.find({"_id": {"$in": list(identifiers)}}))
        if len(items) != len(set(identifiers)):
            raise InvalidInput("unknown evidence", {"evidence": ["unknown evidence id"]})
        return items

    def save_integrity(self, record):
        """The integrity check of an evidence record (metadata without a version or events)."""
        checked = {key: record[key] for key in ("integrity", "checked_at", "checked_by")}
        self.db.evidence.update_one({"_id": record["_id"]}, {"$set": checked})
        return record

    # --- enforcement cases, accidents, plans ---

    def case(self, identifier, actor):
        return self._seen("case", identifier, actor)

    def case_to_change(self, identifier, actor):
        return self._to_change("case", identifier, actor)

    def save_case(self, before, after, events):
        return self._save("case", before, after, events)

    def cases_page(self, actor, query):
        return self._page("case", actor, query, self.criteria(query, ("uscc",)))

    def closure_facts(self, uscc):
        """What Safety Law Art. 113 is judged on, for one enterprise (see closure_grounds)."""
        return {
            # One date per decided case: a dual penalty is one penalty of the enterprise.
            "penalty_dates": [
                date.fromisoformat(min(line["decided_on"] for line in case["lines"]))
                for case in self.db.cases.find(
                    {"uscc": uscc, "status": "decided", "involves_major_hazard": True}, {"lines": 1}
                )
            ],
            "suspended_hazards": list(
                self.db.hazards.find(
                    {"uscc": uscc, "suspension_order": {"$ne": None}},
                    {"suspension_order": 1, "transitions": 1},
                )
            ),
            "accidents": list(self.db.accidents.find({"uscc": uscc}, {"grade": 1})),
        }

    def accident(self, identifier, actor):
        return self._seen("accident", identifier, actor)

    def accident_to_change(self, identifier, actor):
        return self._to_change("accident", identifier, actor)

    def save_accident(self, before, after, events):
        return self._save("accident", before, after, events)

    def accidents_page(self, actor, query):
        return self._page("accident", actor, query, self.criteria(query, ("uscc",)))

    def add_plan(self, plan):
        return self._save("plan", None, plan, [])

    def plans_page(self, actor, query):
        return self._page("plan", actor, query, self.criteria(query, ("year",)))

    # --- indicators ---

    def _counter_documents(self, prefix, years):
        return self.event_counters.documents(prefix, years)

    def counters_by_county(self, prefix, year):
        """{county: {counter: amount}} for the counties under `prefix`: one document each."""
        return {
            document["region_code"]: _flatten(document.get("counters", {}))
            for document in self._counter_documents(prefix, year)
        }

    def counters(self, prefix, years):
        """The counters summed over the counties under `prefix` and the years matched by
        `years` (a year, or a condition such as {"$lte": 2026} for the stocks at its end)."""
        totals = {}
        for document in self._counter_documents(prefix, years):
            for name, amount in _flatten(document.get("counters", {})).items():
                totals[name] = totals.get(name, 0) + amount
        return totals

    # --- special campaigns: announced here or sent down from above, and their progress ---

    def save_campaign(self, campaign, events):
        self.save(self.db.campaigns, None, campaign, events)
        return campaign

    def keep_campaign(self, campaign):
        """A campaign sent down from above, unless it is here already (announced here)."""
        try:
            fields = {key: value for key, value in campaign.items() if key != "_id"}
            self.db.campaigns.update_one(
                {"_id": campaign["_id"]}, {"$setOnInsert": fields}, upsert=True
            )
        except DuplicateKeyError:
            pass  # kept by another copy meanwhile

    def campaign(self, identifier):
        return self.db.campaigns.find_one({"_id": identifier}, HIDDEN)

    def campaigns_in_force(self, day):
        """The campaigns whose dates cover `day`, the earliest begun first."""
        day = day.isoformat()
        found = self.db.campaigns.find(
            {"starts_on": {"$lte": day}, "ends_on": {"$gte": day}}, HIDDEN, limit=500
        )
        return sorted(found, key=lambda campaign: (campaign["starts_on"], campaign["_id"]))

    def note_campaign_inspection(self, inspected):
        """An enterprise inspected under a campaign: once, however many visits or deliveries."""
        try:
            self.db.campaign_inspections.insert_one(inspected)
        except DuplicateKeyError:
            pass

    def campaign_progress(self, campaign_ids, prefix):
        """{campaign id: {county: enterprises inspected under it}} for the counties under
        `prefix`."""
        progress = {}
        for inspected in self.db.campaign_inspections.find(
            {"campaign_id": {"$in": list(campaign_ids)}, **within_region(prefix)},
            {"campaign_id": 1, "region_code": 1},
        ):
            counties = progress.setdefault(inspected["campaign_id"], {})
            counties[inspected["region_code"]] = counties.get(inspected["region_code"], 0) + 1
        return progress


def _flatten(nested, prefix=""):
    flat = {}
    for key, value in nested.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat
