"""Training persistence: people, certificates, sessions and reminders, each document carrying its
own outbox; the copy of the registry's enterprises; the indicator counters; the audit of full ID
number reads.

Who may see which record is decided here, once, as a query (`visible_to`): lists use it, and a
read of one record checks the document it read against that same query.
"""

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.kit.copies import EnterpriseCopy
from services.kit.mongo import BaseStore, RecordKinds, find_by_ids, own_or_jurisdiction
from services.kit.outbox import FIELD as OUTBOX
from services.kit.pure.errors import Duplicate
from services.training.domain.common import certificate_id, person_id

HIDDEN = {OUTBOX: 0}
# Records looked at per timer tick: a bounded read however many there are.
CHECK_BATCH = 500
KINDS = {
    "person": "persons",
    "certificate": "certificates",
    "session": "sessions",
    "reminder": "reminders",
}


def visible_to(actor, region=None):
    """Every training record: an enterprise user sees its own staff's, everyone else what lies
    inside their jurisdiction (narrowed to `region` when a list asks for one; refused outside
    it). Personal records are no third-party agency's business: agencies are refused."""
    return own_or_jurisdiction(
        actor, region, "third-party agencies have no access to people's records"
    )


def _criteria(query, names):
    return {field: query[name] for name, field in names if query.get(name)}


class TrainingStore(EnterpriseCopy, RecordKinds, BaseStore):
    KINDS = KINDS
    visible_to = staticmethod(visible_to)

    @property
    def persons(self):
        return self.db.persons

    @property
    def certificates(self):
        return self.db.certificates

    def ensure_indexes(self):
        self.index_kinds()
        # One person per ID number, found by its keyed hash.
        self.persons.create_index("id_key", unique=True)
        self.certificates.create_index([("kind", ASCENDING), ("number", ASCENDING)], unique=True)
        self.certificates.create_index("person_id")
        self.certificates.create_index("next_check_on")
        self.db.sessions.create_index("attended")
        self.db.pii_reads.create_index("person_id")
        self.event_counters.ensure_indexes()

    # --- people ---

    def person(self, identifier, actor):
        return self._seen("person", identifier, actor)

    def person_to_change(self, identifier, actor):
        return self._to_change("person", identifier, actor)

    def person_record(self, identifier):
        return self.persons.find_one({"_id": identifier}, HIDDEN)

    def person_with_number(self, id_key):
        """The person with this ID number (by its keyed hash), whoever employs them."""
        return self.persons.find_one({"_id": person_id(id_key)}, HIDDEN)

    def persons_named(self, identifiers):
        return find_by_ids(self.persons, identifiers, projection=HIDDEN)

    def add_person(self, person, events):
        try:
            return self._save("person", None, person, events)
        except DuplicateKeyError:
            raise Duplicate(
                "a person with this ID number is registered already",
                {"id_number": ["already registered"]},
            ) from None

    def save_person(self, before, after, events):
        return self._save("person", before, after, events)

    def persons_page(self, actor, query, id_key=None):
        criteria = _criteria(query, (("uscc", "uscc"), ("position", "positions.position")))
        if id_key:
            criteria["id_key"] = id_key
        return self._page(
            "person", actor, query, criteria, {OUTBOX: 0, "history": 0, "id_encrypted": 0}
        )

    def staff_of(self, uscc, limit=CHECK_BATCH * 10):
        return list(self.persons.find({"uscc": uscc}, HIDDEN, limit=limit))

    def persons_to_check(self, year, limit=CHECK_BATCH):
        """People whose hours of `year` have not been looked at yet."""
        return list(self.persons.find({"hours_checked": {"$ne": year}}, HIDDEN, limit=limit))

    def hours_checked(self, person_id, year):
        """Bookkeeping of the year-end look, outside the aggregate's version: a command racing
        it loses nothing."""
        self.persons.update_one({"_id": person_id}, {"$set": {"hours_checked": year}})

    def move_records(self, uscc, region_code, addressed):
        """An enterprise's sessions and reminders follow it to another county (`addressed`: the
        reminders' new region and recipients); people and certificates move one by one, through
        their aggregates."""
        moving = {"uscc": uscc, "region_code": {"$ne": region_code}}
        self.db.sessions.update_many(moving, {"$set": {"region_code": region_code}})
        self.db.reminders.update_many(moving, {"$set": addressed})

    def record_full_read(self, entry):
        """The audit of a full ID number shown to someone: who, when, whose."""
        self.db.pii_reads.insert_one(entry)

    # --- certificates ---

    def certificate(self, identifier, actor):
        return self._seen("certificate", identifier, actor)

    def certificate_to_change(self, identifier, actor):
        return self._to_change("certificate", identifier, actor)

    def add_certificate(self, certificate, events):
        try:
            return self._save("certificate", None, certificate, events)
        except DuplicateKeyError:
            raise Duplicate(
                f"a {certificate['kind_name']} numbered {certificate['number']} is "
                f"recorded already",
                {"number": ["already recorded"]},
            ) from None

    def certificate_numbered(self, kind, number):
        return self.certificates.find_one({"kind": kind, "number": number}, HIDDEN)

    def save_certificate(self, before, after, events):
        return self._save("certificate", before, after, events)

    def certificates_of(self, person_id):
        return list(self.certificates.find({"person_id": person_id}, HIDDEN))

    def certificates_page(self, actor, query):
        criteria = _criteria(
            query, (("uscc", "uscc"), ("person_id", "person_id"), ("kind", "kind"))
        )
        return self._page("certificate", actor, query, criteria)

    def certificates_to_check(self, today, limit=CHECK_BATCH):
        """Certificates whose state or reminders may have moved by `today`."""
        return list(
            self.certificates.find(
                {"next_check_on": {"$lte": today.isoformat()}}, HIDDEN, limit=limit
            )
        )

    # --- sessions ---

    def session(self, identifier, actor):
        return self._seen("session", identifier, actor)

    def session_to_change(self, identifier, actor):
        return self._to_change("session", identifier, actor)

    def add_session(self, session, events):
        return self._save("session", None, session, events)

    def save_session(self, before, after, events):
        return self._save("session", before, after, events)

    def sessions_page(self, actor, query):
        return self._page(
            "session", actor, query, _criteria(query, (("uscc", "uscc"), ("kind", "kind")))
        )

    # --- reminders ---

    def add_reminder_once(self, reminder, events):
        """Store a reminder with its events unless it is stored already (same id): True when
        this call stored it."""
        try:
            self._save("reminder", None, reminder, events)
        except DuplicateKeyError:
            return False
        return True

    def reminders_page(self, actor, query):
        return self._page(
            "reminder", actor, query, _criteria(query, (("uscc", "uscc"), ("kind", "kind")))
        )

    # --- bulk import and export ---

    def persons_with_keys(self, id_keys):
        """The people with these ID numbers (by keyed hash), looked up by id."""
        return {
            person["id_key"]: person
            for person in find_by_ids(
                self.persons,
                [person_id(id_key) for id_key in id_keys],
                projection=HIDDEN,
            )
        }

    def certificate_numbers(self, pairs):
        """Which of the (kind, number) pairs are recorded already, looked up by id."""
        return {
            (found["kind"], found["number"])
            for found in find_by_ids(
                self.certificates,
                [certificate_id(kind, number) for kind, number in pairs],
                projection={"kind": 1, "number": 1},
            )
        }

    def add_imported(self, outcome):
        """People first, so a certificate never names a person not stored, then certificates,
        then the reminders they call for (each once). Returns the ids of the people and the
        certificates that were there already (a race with another import)."""
        raced = (
            self.insert_new(self.persons, outcome.new_persons),
            self.insert_new(self.certificates, outcome.new_certificates),
        )
        self.insert_new(self.db.reminders, outcome.reminders)
        return raced

    def sessions_named(self, identifiers):
        """Which of the sessions are recorded already."""
        return {
            found["_id"]
            for found in find_by_ids(self.db.sessions, identifiers, projection={"_id": 1})
        }

    def add_imported_sessions(self, results):
        """Insert new sessions of an import, their events as one outbox batch."""
        return self.insert_new(self.db.sessions, results)

    def ledger_page(self, actor, query, skip, limit):
        """People the caller sees (narrowed by region and employer) and their certificates."""
        found = self.page(
            self.persons,
            {**_criteria(query, (("uscc", "uscc"),)), **visible_to(actor, query.get("region"))},
            skip,
            limit,
            {OUTBOX: 0, "history": 0},
        )
        held = {}
        for certificate in self.certificates.find(
            {"person_id": {"$in": [person["_id"] for person in found["items"]]}}, HIDDEN
        ):
            held.setdefault(certificate["person_id"], []).append(certificate)
        return found, held
