"""The training service as a nameko service: entrypoints only, from RPC, timers and events to the
person, certificate, session, reminder and indicator rules."""

from services.kit.batching import batched_handler
from services.kit.copies import RegistryCopy
from services.kit.counters import event_changes
from services.kit.mongo import MongoStore
from services.kit.pii import PiiProtection
from services.kit.pure.errors import Conflict, Forbidden, InvalidInput
from services.kit.pure.schemas import load, page_bounds
from services.kit.rules import Rules
from services.kit.runtime import SettingTimer, rpc
from services.kit.serialize import page_of, plain
from services.kit.service import ServiceBase
from services.training import events
from services.training.domain import (
    certificates,
    imports,
    indicators,
    persons,
    policy,
    reminders,
    sessions,
)
from services.training.domain.common import KEEPERS, SERVICE, Keeping, known_enterprise
from services.training.schemas import (
    AbsenceSchema,
    CertificateCreateSchema,
    CertificateQuerySchema,
    ExportQuerySchema,
    HoursQuerySchema,
    ImportRowSchema,
    PersonCreateSchema,
    PersonQuerySchema,
    PersonUpdateSchema,
    PositionChangeSchema,
    RecordRowSchema,
    ReminderQuerySchema,
    ResultsSchema,
    ReviewSchema,
    SessionCreateSchema,
    SessionQuerySchema,
    TrainingIndicatorQuerySchema,
    WithdrawalSchema,
)
from services.training.store import TrainingStore

# A derived record (a person's standing) recomputed after a concurrent change: this many tries.
REFRESH_ATTEMPTS = 3


class TrainingService(RegistryCopy, ServiceBase):
    name = SERVICE
    store = MongoStore(name, TrainingStore)
    rules = Rules(checks=policy.RULE_CHECKS)
    pii = PiiProtection()

    def _policy(self, on=None):
        return policy.policy_on(self.rules, on or self.clock.today())

    def _employer(self, fields, actor):
        """The enterprise a command is about: an enterprise user's own (naming another is
        refused), or the one the fields name."""
        if actor.role == "enterprise" and fields.get("uscc") not in (None, actor.uscc):
            raise Forbidden("an enterprise user manages only its own staff")
        uscc = actor.uscc if actor.role == "enterprise" else fields.get("uscc")
        if not uscc:
            raise InvalidInput("name the enterprise", {"uscc": ["required"]})
        return known_enterprise(self.store.enterprise(uscc), uscc)

    def _listed(self, schema, query):
        """A list query loaded; an enterprise it names must be one the caller sees (404 else)."""
        query = load(schema, query)
        if query.get("uscc"):
            self.store.enterprise_seen_by(query["uscc"], self.caller())
        return query

    def _person_out(self, person):
        return plain(persons.view(person))

    def _certificate_out(self, certificate):
        today = self.clock.today()
        return plain(certificates.view(certificate, self._policy(today), today))

    def _refreshed(self, person_id):
        """The person with standing and competency derived again; a concurrent change makes it
        read and derive once more."""
        for _ in range(REFRESH_ATTEMPTS):
            person = self.store.person_record(person_id)
            today = self.clock.today()
            changed = persons.refresh(
                person,
                self.store.certificates_of(person_id),
                self._policy(today),
                self.clock.now(),
                today,
            )
            try:
                return self.store.save_person(person, *changed)
            except Conflict:
                continue
        raise Conflict(f"person {person_id} keeps changing; try again")

    # --- people ----------------------------------------------------------------------------

    @rpc
    def register_person(self, payload):
        fields = load(PersonCreateSchema(), payload)
        actor, now, today = self.caller(), self.clock.now(), self.clock.today()
        enterprise = self._employer(fields, actor)
        number = persons.checked_id_number(fields["id_number"], today)
        protected = self.pii.protect(number)
        existing = self.store.person_with_number(protected["id_key"])
        if existing is None:
            person = self.store.add_person(
                *persons.register(
                    fields, protected, Keeping(enterprise, self._policy(today), actor, now, today)
                )
            )
        else:
            person = self.store.save_person(
                existing,
                *persons.employed_by(
                    existing, fields, Keeping(enterprise, self._policy(today), actor, now, today)
                ),
            )
            self._certificates_follow(person)
        return self._person_out(self._refreshed(person["_id"]))

    def _certificates_follow(self, person):
        """The person's certificates go with them to their employer and its county."""
        for held in self.store.certificates_of(person["_id"]):
            self.store.save_certificate(
                held, *certificates.follow_holder(held, person, self.clock.now())
            )

    def enterprises_moved(self, moved):
        """An enterprise now in another county takes its people, their certificates, its
        sessions and reminders there; each person's standing, derived again, moves the
        counters from the old county to the new."""
        for uscc, region_code in moved:
            # The person last: once they are seen in the new county, so is everything of theirs.
            self.store.move_records(uscc, region_code, reminders.addressed(uscc, region_code))
            for person in self.store.staff_of(uscc):
                relocated, events = persons.relocated(person, region_code, self.clock.now())
                self._certificates_follow(relocated)
                self.store.save_person(person, relocated, events)
                self._refreshed(person["_id"])

    @rpc
    def get_person(self, identifier):
        return self._person_out(self.store.person(identifier, self.caller()))

    @rpc
    def list_persons(self, query):
        query = self._listed(PersonQuerySchema(), query)
        actor = self.caller()
        id_key = None
        if query.get("id_number"):
            id_key = self.pii.lookup_key(
                persons.checked_id_number(query["id_number"], self.clock.today())
            )
        return page_of(self.store.persons_page(actor, query, id_key), query, persons.view)

    @rpc
    def update_person(self, identifier, payload):
        fields = load(PersonUpdateSchema(), payload)
        person = self.store.person_to_change(identifier, self.caller())
        changed = persons.update(
            person, fields, self.store.enterprise(person["uscc"]), self.caller(), self.clock.now()
        )
        return self._person_out(self.store.save_person(person, *changed))

    def _command_on_person(self, identifier, fields, command):
        """`command(person, fields, keeping)` on a person the caller keeps; their standing and
        competency derived again after it."""
        actor, today = self.caller(), self.clock.today()
        person = self.store.person_to_change(identifier, actor)
        changed = command(
            person,
            fields,
            Keeping(
                self.store.enterprise(person["uscc"]),
                self._policy(today),
                actor,
                self.clock.now(),
                today,
            ),
        )
        self.store.save_person(person, *changed)
        return self._person_out(self._refreshed(identifier))

    @rpc
    def change_positions(self, identifier, payload):
        return self._command_on_person(
            identifier, load(PositionChangeSchema(), payload), persons.change_positions
        )

    @rpc
    def record_absence(self, identifier, payload):
        return self._command_on_person(
            identifier, load(AbsenceSchema(), payload), persons.record_absence
        )

    @rpc
    def reveal_id_number(self, identifier):
        """The full ID number, for the person's employer and administrators; every read is
        written to the audit log before the number leaves."""
        actor = self.caller()
        actor.require_role("admin", "enterprise")
        # The employer's own staff only: anyone else's looks missing to an enterprise user.
        person = self.store.person(identifier, actor)
        self.store.record_full_read(
            {
                "person_id": identifier,
                "user_id": actor.user_id,
                "role": actor.role,
                "at": self.clock.now(),
            }
        )
        return {"person_id": identifier, "id_number": self.pii.reveal(person["id_encrypted"])}

    @rpc
    def person_training(self, identifier, query):
        fields = load(HoursQuerySchema(), query)
        person = self.store.person(identifier, self.caller())
        year = fields.get("year") or self.clock.today().year
        enterprise = self.store.enterprise(person["uscc"]) or {}
        report = persons.hours_report(
            person, year, self._policy(), enterprise.get("risk_features") or []
        )
        return plain({"hours": report, "sessions": person["training_log"]})

    @rpc
    def enterprise_hours(self, uscc, query):
        """Each person's hours of the year against what their positions require, the gaps
        first."""
        fields = load(HoursQuerySchema(), query)
        enterprise = self.store.enterprise_seen_by(uscc, self.caller())
        year = fields.get("year") or self.clock.today().year
        reports = [
            persons.hours_report(
                person, year, self._policy(), enterprise.get("risk_features") or []
            )
            for person in self.store.staff_of(uscc)
        ]
        gaps = sorted(
            (report for report in reports if report["gap"] > 0), key=lambda report: -report["gap"]
        )
        return {
            "uscc": uscc,
            "year": year,
            "people": len(reports),
            "short": len(gaps),
            "gaps": gaps,
        }

    # --- certificates ----------------------------------------------------------------------

    @rpc
    def issue_certificate(self, payload):
        fields = load(CertificateCreateSchema(), payload)
        actor, now, today = self.caller(), self.clock.now(), self.clock.today()
        person = self.store.person_to_change(fields["person_id"], actor)
        issued, made = certificates.issue(
            fields,
            person,
            Keeping(
                self.store.enterprise(person["uscc"]),
                self._policy(fields["issued_on"]),
                actor,
                now,
                today,
            ),
        )
        checked, moved, due = certificates.check(issued, self._policy(today), now, today)
        certificate = self.store.add_certificate(checked, [*made, *moved])
        self._remind(certificate, due)
        self._refreshed(person["_id"])
        return self._certificate_out(certificate)

    @rpc
    def get_certificate(self, identifier):
        return self._certificate_out(self.store.certificate(identifier, self.caller()))

    @rpc
    def list_certificates(self, query):
        query = self._listed(CertificateQuerySchema(), query)
        today = self.clock.today()
        return page_of(
            self.store.certificates_page(self.caller(), query),
            query,
            lambda item: certificates.view(item, self._policy(today), today),
        )

    @rpc
    def review_certificate(self, identifier, payload):
        fields = load(ReviewSchema(), payload)
        actor, now, today = self.caller(), self.clock.now(), self.clock.today()
        certificate = self.store.certificate_to_change(identifier, actor)
        reviewed, made = certificates.record_review(
            certificate,
            fields,
            Keeping(
                self.store.enterprise(certificate["uscc"]),
                self._policy(fields["reviewed_on"]),
                actor,
                now,
                today,
            ),
        )
        return self._after_change(certificate, reviewed, made)

    @rpc
    def withdraw_certificate(self, identifier, payload):
        fields = load(WithdrawalSchema(), payload)
        actor, now = self.caller(), self.clock.now()
        certificate = self.store.certificate_to_change(identifier, actor)
        changed, made = certificates.withdraw(certificate, fields, actor, now, self.clock.today())
        return self._after_change(certificate, changed, made)

    def _after_change(self, before, after, made):
        """Store a certificate's change with the state it is now in, remind, derive its holder's
        standing again."""
        now, today = self.clock.now(), self.clock.today()
        checked, moved, due = certificates.check(after, self._policy(today), now, today)
        saved = self.store.save_certificate(before, checked, [*made, *moved])
        self._remind(saved, due)
        self._refreshed(saved["person_id"])
        return self._certificate_out(saved)

    def _remind(self, certificate, due):
        for item in due:
            self.store.add_reminder_once(
                *reminders.about_certificate(item, certificate, self.clock.now())
            )

    @SettingTimer.decorator("reminder_check_seconds", eager=True)
    def check_certificates(self):
        """Certificates whose state or reminders time has moved; at the year's end, people short
        of their hours. Run by every copy of the service: each reminder's id is deterministic,
        so it is stored and published once."""
        now, today = self.clock.now(), self.clock.today()
        in_force = self._policy(today)
        for certificate in self.store.certificates_to_check(today):
            checked, moved, due = certificates.check(certificate, in_force, now, today)
            try:
                self.store.save_certificate(certificate, checked, moved)
            except Conflict:
                continue  # changed meanwhile: the change checked it
            self._remind(certificate, due)
            if moved:
                self._refreshed(certificate["person_id"])
        if (today.month, today.day) >= in_force.hours_short_from:
            self._remind_hours_short(today, in_force)

    def _remind_hours_short(self, today, in_force):
        for person in self.store.persons_to_check(today.year):
            enterprise = self.store.enterprise(person["uscc"]) or {}
            report = persons.hours_report(
                person, today.year, in_force, enterprise.get("risk_features") or []
            )
            if report["gap"] > 0:
                self.store.add_reminder_once(
                    *reminders.hours_short(person, report, self.clock.now())
                )
            self.store.hours_checked(person["_id"], today.year)

    # --- sessions --------------------------------------------------------------------------

    @rpc
    def record_session(self, payload):
        fields = load(SessionCreateSchema(), payload)
        actor = self.caller()
        enterprise = self._employer(fields, actor)
        session = sessions.create(
            fields,
            enterprise,
            self.store.persons_named(fields["participants"]),
            actor,
            self.clock.now(),
            self.clock.today(),
        )
        return plain(self.store.add_session(*session))

    @rpc
    def get_session(self, identifier):
        return plain(self.store.session(identifier, self.caller()))

    @rpc
    def list_sessions(self, query):
        query = self._listed(SessionQuerySchema(), query)
        return page_of(self.store.sessions_page(self.caller(), query), query)

    @rpc
    def record_results(self, identifier, payload):
        """The participants' results; each who attended is credited in their training file.
        Crediting is idempotent, so a retried call completes what a failed one began."""
        fields = load(ResultsSchema(), payload)
        actor = self.caller()
        session = self.store.session_to_change(identifier, actor)
        changed = sessions.record_results(
            session,
            fields["results"],
            self.store.enterprise(session["uscc"]),
            actor,
            self.clock.now(),
        )
        saved = self.store.save_session(session, *changed)
        self._credit(saved)
        return plain(saved)

    def _credit(self, session):
        """Each who attended gains the session in their training file."""
        for person in self.store.persons_named(session["attended"]):
            credited = persons.record_training(person, session, self.clock.now())
            self.store.save_person(person, *credited)
            self._refreshed(person["_id"])

    # --- bulk import and export ------------------------------------------------------------

    @rpc
    def import_rows(self, rows):
        """Register every good row of a ledger (people, and certificates they hold); report each
        row's outcome. Existing people and certificates are reported, not repeated."""
        actor, now, today = self.caller(), self.clock.now(), self.clock.today()
        actor.require_role(*KEEPERS)
        schema = ImportRowSchema()
        prepared = imports.prepare(
            rows, lambda fields: load(schema, fields), self.pii.lookup_key, today
        )
        good = [item for item in prepared if item.error is None]
        known = imports.Known(
            self.store.persons_with_keys({item.id_key for item in good}),
            self.store.certificate_numbers(
                {
                    (item.fields.get("kind"), item.fields["number"])
                    for item in good
                    if item.fields.get("number")
                }
            ),
            self.store.enterprises_named(
                {actor.uscc or item.fields.get("uscc") for item in good} - {None}
            ),
        )
        outcome = imports.apply(prepared, known, self.pii.protect, self._policy, actor, now, today)
        raced_persons, raced_certificates = self.store.add_imported(outcome)
        for person_id in outcome.holders_to_refresh:
            self._refreshed(person_id)
        return imports.settled(outcome.report, prepared, outcome, raced_persons, raced_certificates)

    @rpc
    def import_records(self, rows):
        """Training records, one row a participant of a session: each new session is recorded
        with its results and credited to those who attended; a session imported before is
        reported as existing."""
        actor, now, today = self.caller(), self.clock.now(), self.clock.today()
        actor.require_role(*KEEPERS)
        schema = RecordRowSchema()
        prepared = imports.prepare(
            rows, lambda fields: load(schema, fields), self.pii.lookup_key, today
        )
        good = [item for item in prepared if item.error is None]
        known = imports.Known(
            self.store.persons_with_keys({item.id_key for item in good}),
            set(),
            self.store.enterprises_named(
                {actor.uscc or item.fields.get("uscc") for item in good} - {None}
            ),
        )
        existing = self.store.sessions_named(
            {
                sessions.imported_id(actor.uscc or item.fields.get("uscc") or "", item.fields)
                for item in good
            }
        )
        outcome = imports.apply_records(prepared, known, existing, actor, now, today)
        self.store.add_imported_sessions(outcome.sessions)
        for session, _ in outcome.sessions:
            self._credit(session)
        return outcome.report

    @rpc
    def ledger(self, query, page, page_size):
        """A page of the ledger export: a row per certificate, or per person without one, and
        their training records. The ID number is full for the employer and administrators (each
        page's reveal audited), masked for everyone else."""
        fields = self._listed(ExportQuerySchema(), query)
        actor, today = self.caller(), self.clock.today()
        skip, limit = page_bounds(page, page_size)
        found, held = self.store.ledger_page(actor, fields, skip, limit)
        reveal = actor.role in ("admin", "enterprise")
        if reveal and found["items"]:
            self.store.record_full_read(
                {
                    "person_ids": [person["_id"] for person in found["items"]],
                    "user_id": actor.user_id,
                    "role": actor.role,
                    "purpose": "export",
                    "at": self.clock.now(),
                }
            )
        numbers = {
            person["_id"]: self.pii.reveal(person["id_encrypted"])
            if reveal
            else person["id_masked"]
            for person in found["items"]
        }
        return plain(
            {
                "items": [
                    row
                    for person in found["items"]
                    for row in persons.ledger_rows(
                        person,
                        held.get(person["_id"], []),
                        numbers[person["_id"]],
                        self._policy(today),
                        today,
                    )
                ],
                "records": [
                    row
                    for person in found["items"]
                    for row in persons.record_rows(person, numbers[person["_id"]])
                ],
                "has_more": found["has_more"],
            }
        )

    # --- reminders and indicators ----------------------------------------------------------

    @rpc
    def list_reminders(self, query):
        query = self._listed(ReminderQuerySchema(), query)
        return page_of(self.store.reminders_page(self.caller(), query), query)

    @rpc
    def training_indicators(self, query):
        fields = load(TrainingIndicatorQuerySchema(), query)
        prefix = self.caller().indicator_scope(fields["region"])
        return {
            "region": fields["region"],
            "year": fields["year"],
            **indicators.summary(
                self.store.year_counters(prefix, fields["year"]),
                self.store.counters_to(prefix, fields["year"]),
            ),
        }

    # --- events ----------------------------------------------------------------------------

    # Counters move in batches; the counter write records the event ids, so no inbox markers.
    @batched_handler(SERVICE, events.OWN_EVENTS)
    def handle_own_event_for_indicators(self, received):
        self.store.add_to_counters(event_changes(received, indicators.counter_deltas))
