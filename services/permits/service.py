"""The permits service as a nameko service: entrypoints only, from RPC, timers and events to the
ledger, permit, gate and indicator rules."""

from urllib.parse import urlencode

from services.kit.batching import batched_handler
from services.kit.copies import EnterpriseCounts, RegistryCopy
from services.kit.counters import event_changes
from services.kit.mongo import MongoStore
from services.kit.pure.actor import SYSTEM
from services.kit.pure.enterprises import uscc_named
from services.kit.pure.errors import Conflict, InvalidInput
from services.kit.pure.schemas import load
from services.kit.rules import Rules
from services.kit.runtime import SettingTimer, rpc
from services.kit.serialize import page_of, plain
from services.kit.service import ServiceBase
from services.kit.signing import SigningKey
from services.permits import events
from services.permits.domain import gate, indicators, permits, policy, spaces, tokens
from services.permits.domain.common import SERVICE, known_enterprise
from services.permits.schemas import (
    ApprovalSchema,
    CancelSchema,
    FinishSchema,
    GasTestSchema,
    InterruptSchema,
    LabelQuerySchema,
    PermitCreateSchema,
    PermitIndicatorQuerySchema,
    PermitQuerySchema,
    ScanQuerySchema,
    ScanSchema,
    SignageSchema,
    SpaceCreateSchema,
    SpaceQuerySchema,
    SpaceUpdateSchema,
    StaffQuerySchema,
    StepSchema,
    SubmitSchema,
)
from services.permits.store import FLAGGED_ENTERPRISES, PermitsStore

# A scan that loses the race to start a permit looks again this many times.
SCAN_ATTEMPTS = 3


class PermitsService(RegistryCopy, EnterpriseCounts, ServiceBase):
    name = SERVICE
    store = MongoStore(name, PermitsStore)
    rules = Rules(checks=policy.RULE_CHECKS)
    qr_key = SigningKey("qr_key")
    counted = {"confined_space": FLAGGED_ENTERPRISES}

    def _policy(self):
        return policy.policy_on(self.rules, self.clock.today())

    def _enterprise_of(self, fields, actor):
        """The enterprise a command is about: an enterprise user's own (naming another is
        refused), or the one the fields name."""
        uscc = uscc_named(fields, actor)
        return known_enterprise(self.store.enterprise(uscc), uscc)

    def _staff(self, person_ids, positions=False):
        return permits.Staff(*self.store.people(person_ids, positions))

    def _scan_url(self, space_id):
        token = tokens.sign(self.qr_key, space_id)
        return f"{self.store.settings.scan_url}?{urlencode({'token': token})}"

    def _space_out(self, space):
        return plain(
            {**spaces.view(space, self._policy()), "scan_url": self._scan_url(space["_id"])}
        )

    def _permit_out(self, permit):
        return plain(permits.view(permit, self.clock.now()))

    # --- the ledger ------------------------------------------------------------------------

    @rpc
    def register_space(self, payload):
        fields = load(SpaceCreateSchema(), payload)
        actor = self.caller()
        enterprise = self._enterprise_of(fields, actor)
        space = spaces.register(fields, enterprise, self._policy(), actor, self.clock.now())
        return self._space_out(self.store.add_space(*space))

    @rpc
    def get_space(self, identifier):
        return self._space_out(self.store.space(identifier, self.caller()))

    @rpc
    def list_spaces(self, query):
        query = load(SpaceQuerySchema(), query)
        return page_of(
            self.store.spaces_page(self.caller(), query),
            query,
            lambda space: spaces.view(space, self._policy()),
        )

    @rpc
    def update_space(self, identifier, payload):
        """Change what the ledger says of a space; `status: retired` retires it (after the other
        changes)."""
        fields = load(SpaceUpdateSchema(), payload)
        actor, now = self.caller(), self.clock.now()
        space = self.store.space_to_change(identifier, actor)
        enterprise = self.store.enterprise(space["uscc"])
        retiring = fields.pop("status", None) == "retired"
        if fields:
            changed = spaces.update(space, fields, enterprise, self._policy(), actor, now)
            space = self.store.save_space(space, *changed)
        if retiring:
            space = self.store.save_space(space, *spaces.retire(space, enterprise, actor, now))
        return self._space_out(space)

    @rpc
    def may_change(self, kind, identifier):
        """Whether the caller may change a space or a permit: the gateway asks before it looks at
        the evidence a change names, so authorization is decided first."""
        to_change = {"space": self.store.space_to_change, "permit": self.store.permit_to_change}
        if kind not in to_change:
            raise InvalidInput(f"no kind of record {kind!r}", {"kind": ["space or permit"]})
        return {"id": to_change[kind](identifier, self.caller())["_id"]}

    @rpc
    def record_signage(self, identifier, payload):
        fields = load(SignageSchema(), payload)
        actor = self.caller()
        space = self.store.space_to_change(identifier, actor)
        changed = spaces.record_signage(
            space, fields["photo"], self.store.enterprise(space["uscc"]), actor, self.clock.now()
        )
        return self._space_out(self.store.save_space(space, *changed))

    @rpc
    def space_labels(self, query):
        """What the label sheet of an enterprise prints: each space in use and its code's URL."""
        fields = load(LabelQuerySchema(), query)
        actor = self.caller()
        uscc = fields.get("uscc") or actor.uscc
        if not uscc:
            raise InvalidInput("name the enterprise", {"uscc": ["required"]})
        enterprise = self.store.enterprise_seen_by(uscc, actor)
        return {
            "uscc": uscc,
            "enterprise_name": enterprise.get("name"),
            "labels": [
                {
                    "id": space["_id"],
                    "number": space["number"],
                    "name": space["name"],
                    "scan_url": self._scan_url(space["_id"]),
                }
                for space in self.store.spaces_in_use(uscc)
            ],
        }

    @rpc
    def list_staff(self, query):
        """The people who may be named on a permit, as this service knows them from the training
        service's events: their confined-space roles and whether each is valid today."""
        query = load(StaffQuerySchema(), query)
        found = self.store.staff_page(self.caller(), query)
        positions = self.store.people([person["_id"] for person in found["items"]])[1]
        return page_of(
            found,
            query,
            lambda person: permits.staff_view(
                person, positions.get(person["_id"]), self.clock.today()
            ),
        )

    # --- permits ---------------------------------------------------------------------------

    @rpc
    def apply_permit(self, payload):
        fields = load(PermitCreateSchema(), payload)
        actor = self.caller()
        space = self.store.space_to_change(fields["space_id"], actor)
        named = [fields["approver"], fields["guardian"], *fields["entrants"], *fields["rescuers"]]
        permit = permits.apply(
            fields,
            space,
            self.store.enterprise(space["uscc"]),
            self._staff(named),
            self._policy(),
            actor,
            self.clock.now(),
        )
        return self._permit_out(self.store.add_permit(*permit))

    @rpc
    def get_permit(self, identifier):
        return self._permit_out(self.store.permit(identifier, self.caller()))

    @rpc
    def list_permits(self, query):
        """The regulator's live view with state=in_progress: every permit of the jurisdiction
        with its space, people, last gas test and its age, and the space's refused scans today."""
        query = load(PermitQuerySchema(), query)
        found = self.store.permits_page(self.caller(), query)
        refused = self.store.refused_today(
            [permit["space_id"] for permit in found["items"]], self.clock.today().isoformat()
        )
        now = self.clock.now()
        return page_of(
            found,
            query,
            lambda permit: {
                **permits.view({**permit, "gas_tests": []}, now),
                "refused_scans_today": refused.get(permit["space_id"], 0),
            },
        )

    def _command(self, identifier, command, *arguments):
        """A command on a permit by someone who may change it."""
        actor = self.caller()
        permit = self.store.permit_to_change(identifier, actor)
        changed = command(
            permit, *arguments, self.store.enterprise(permit["uscc"]), actor, self.clock.now()
        )
        return self._permit_out(self.store.save_permit(permit, *changed))

    @rpc
    def submit_permit(self, identifier, payload):
        return self._command(identifier, permits.submit, load(SubmitSchema(), payload))

    @rpc
    def approve_permit(self, identifier, payload):
        fields = load(ApprovalSchema(), payload)
        actor = self.caller()
        permit = self.store.permit_to_change(identifier, actor)
        named = [person for group in permits.people(permit).values() for person in group]
        changed = permits.approve(
            permit,
            fields,
            self.store.enterprise(permit["uscc"]),
            self._staff([*named, fields.get("approver")], positions=True),
            self._policy(),
            actor,
            self.clock.now(),
            self.clock.today(),
        )
        return self._permit_out(self.store.save_permit(permit, *changed))

    @rpc
    def record_gas_test(self, identifier, payload):
        fields = load(GasTestSchema(), payload)
        actor = self.caller()
        permit = self.store.permit_to_change(identifier, actor)
        changed = permits.record_gas_test(
            permit,
            fields,
            self.store.enterprise(permit["uscc"]),
            self._policy(),
            actor,
            self.clock.now(),
        )
        return self._permit_out(self.store.save_permit(permit, *changed))

    @rpc
    def record_step(self, identifier, payload):
        return self._command(identifier, permits.record_step, load(StepSchema(), payload))

    @rpc
    def interrupt_permit(self, identifier, payload):
        return self._command(identifier, permits.interrupt, load(InterruptSchema(), payload))

    @rpc
    def finish_permit(self, identifier, payload):
        return self._command(identifier, permits.finish, load(FinishSchema(), payload))

    @rpc
    def cancel_permit(self, identifier, payload):
        return self._command(identifier, permits.cancel, load(CancelSchema(), payload))

    @SettingTimer.decorator("permit_expiry_seconds", eager=True)
    def expire_permits(self):
        """Permits whose window passed before the work began or resumed. Every copy of the
        service runs it; the version guard lets one write each."""
        now = self.clock.now()
        for permit in self.store.permits_past_window(permits.TRANSITIONS["expire"][0], now):
            try:
                self.store.save_permit(permit, *permits.expire(permit, SYSTEM, now))
            except Conflict:
                continue  # changed meanwhile; the next round looks again

    # --- the gate --------------------------------------------------------------------------

    @rpc
    def scan(self, payload):
        """先扫码、后作业: allow or deny entry, with every unmet condition; an allowing scan of
        an approved or interrupted permit starts the work. Answered from this service's own
        records only."""
        fields = load(ScanSchema(), payload)
        actor = self.caller()
        space_id = tokens.space_of(self.qr_key, fields["token"])
        space = self.store.space_to_change(space_id, actor)
        staff = self._staff([*fields["entrants"], fields.get("guardian")])
        for _ in range(SCAN_ATTEMPTS):
            now, today = self.clock.now(), self.clock.today()
            permit = gate.current_permit(self.store.live_permits_of(space_id, permits.LIVE), now)
            record, made = gate.scan(
                fields, space, permit, staff, self._policy(), actor, now, today
            )
            if gate.starts_work(permit, record):
                record, made = gate.started_work(record)
                try:
                    self.store.save_permit(permit, *permits.start(permit, record, now))
                except Conflict:
                    continue  # another scan started it first: look again
            return plain(self.store.add_scan(record, made))
        raise Conflict("the permit keeps changing; scan again")

    @rpc
    def list_scans(self, query):
        query = load(ScanQuerySchema(), query)
        day = (query.get("day") or self.clock.today()).isoformat()
        return page_of(self.store.scans_page(self.caller(), query, day), query)

    # --- indicators ------------------------------------------------------------------------

    @rpc
    def permit_indicators(self, query):
        fields = load(PermitIndicatorQuerySchema(), query)
        prefix = self.caller().indicator_scope(fields["region"])
        return {
            "region": fields["region"],
            "year": fields["year"],
            **indicators.summary(
                self.store.year_counters(prefix, fields["year"]),
                self.store.ledger_counts(prefix, fields["year"]),
                list(gate.REASONS),
            ),
        }

    # --- events ----------------------------------------------------------------------------

    # Each read model keeps the newest per person, so repeated or late events change nothing.
    @batched_handler("training", events.COMPETENCY_CHANGED)
    def handle_competency_changed(self, received):
        self.store.remember_competencies(
            [
                (
                    event["subject"],
                    {
                        **{key: event["data"][key] for key in ("person_key", "uscc", "roles")},
                        "region_code": event["regioncode"],
                    },
                    event["data"]["sequence"],
                )
                for event in received
            ]
        )

    @batched_handler("training", events.PERSON_REGISTERED)
    def handle_person_registered(self, received):
        self._remember_positions(received)

    @batched_handler("training", events.POSITIONS_CHANGED)
    def handle_positions_changed(self, received):
        self._remember_positions(received)

    def _remember_positions(self, received):
        self.store.remember_positions(
            [
                (
                    event["subject"],
                    {key: event["data"][key] for key in ("uscc", "positions")},
                    event["time"],
                )
                for event in received
            ]
        )

    # Counters move in batches; the counter write records the event ids, so no inbox markers.
    @batched_handler(SERVICE, events.OWN_EVENTS)
    def handle_own_event_for_indicators(self, received):
        self.store.add_to_counters(event_changes(received, indicators.counter_deltas))
