"""The credit service as a nameko service: entrypoints only, from RPC, a timer and events to the
case, candidate detection and indicator rules."""

from datetime import datetime

from services.credit import events
from services.credit.domain import cases, indicators, policy
from services.credit.domain.cases import SERVICE
from services.credit.schemas import (
    CaseCreateSchema,
    CaseQuerySchema,
    CreditIndicatorQuerySchema,
    DecisionSchema,
    NoticeSchema,
    PublicationSchema,
    PublicQuerySchema,
    RepairSchema,
    ReplaySchema,
    RepresentationSchema,
    RestorationSchema,
)
from services.credit.store import CreditStore
from services.kit.batching import batched_handler
from services.kit.copies import RegistryCopy
from services.kit.counters import event_changes
from services.kit.inbox import idempotent_handler
from services.kit.mongo import MongoStore
from services.kit.pure.actor import SYSTEM
from services.kit.pure.errors import Conflict
from services.kit.pure.schemas import load
from services.kit.rules import Rules
from services.kit.runtime import rpc, timer
from services.kit.serialize import page_of, plain
from services.kit.service import ServiceBase

# Listings past their term are looked for this often: terms end on dates, so minutes will do.
EXPIRY_CHECK_SECONDS = 300


class CreditService(RegistryCopy, ServiceBase):
    name = SERVICE
    store = MongoStore(name, CreditStore, public_types=events.PUBLIC_TYPES)
    rules = Rules(checks=policy.RULE_CHECKS)

    def _policy(self):
        return policy.policy_on(self.rules, self.clock.today())

    def _out(self, case):
        return plain(cases.view(case, self.clock.today()))

    def _move(self, identifier, payload, schema, command, *context):
        """Load the body, apply `command` to the case the caller may change, save, answer."""
        fields = load(schema, payload)
        actor = self.caller()
        case = self.store.case_to_change(identifier, actor)
        changed = command(case, fields, *context, actor, self.clock.now())
        return self._out(self.store.save_case(case, *changed))

    # --- regulators' routes ------------------------------------------------------------------

    @rpc
    def open_case(self, payload):
        fields = load(CaseCreateSchema(), payload)
        actor = self.caller()
        actor.require_can_write()
        case, made = cases.open_by_hand(
            fields, self.store.enterprise(fields["uscc"]), self._policy(), actor, self.clock.now()
        )
        return self._out(self.store.add_case(case, made))

    @rpc
    def get_case(self, identifier):
        return self._out(self.store.case(identifier, self.caller()))

    @rpc
    def list_cases(self, query):
        query = load(CaseQuerySchema(), query)
        today = self.clock.today()
        return page_of(
            self.store.cases_page(self.caller(), query), query, lambda c: cases.view(c, today)
        )

    @rpc
    def notify(self, identifier, payload):
        return self._move(identifier, payload, NoticeSchema(), cases.notify, self._policy())

    @rpc
    def receive_representation(self, identifier, payload):
        return self._move(identifier, payload, RepresentationSchema(), cases.receive_representation)

    @rpc
    def decide(self, identifier, payload):
        return self._move(identifier, payload, DecisionSchema(), cases.decide)

    @rpc
    def publish(self, identifier, payload):
        return self._move(identifier, payload, PublicationSchema(), cases.publish, self._policy())

    @rpc
    def repair(self, identifier, payload):
        return self._move(identifier, payload, RepairSchema(), cases.repair, self._policy())

    @rpc
    def restore(self, identifier, payload):
        return self._move(identifier, payload, RestorationSchema(), cases.restore)

    @rpc
    def replay_public_events(self, payload):
        """Publish the public events of a time range again, for a platform recovering from an
        outage; each keeps its id, so consumers drop what they have."""
        fields = load(ReplaySchema(), payload)
        self.caller().require_role("admin")
        if fields["until"] < fields["since"]:
            raise Conflict("the range ends before it starts", {"until": ["before since"]})
        found = self.store.public_events_between(fields["since"], fields["until"])
        if found:
            self.store.replay(found, self.clock.now())
        return {"replayed": len(found)}

    @rpc
    def credit_indicators(self, query):
        fields = load(CreditIndicatorQuerySchema(), query)
        prefix = self.caller().indicator_scope(fields["region"])
        counters = self.store.year_counters(prefix, fields["year"])
        return {"region": fields["region"], "year": fields["year"], **indicators.summary(counters)}

    # --- public disclosure (no caller) -------------------------------------------------------

    @rpc
    def public_listings(self, query):
        query = load(PublicQuerySchema(), query)
        return page_of(self.store.public_page(query, self.clock.today()), query, cases.public_view)

    # --- timer -------------------------------------------------------------------------------

    @timer(interval=EXPIRY_CHECK_SECONDS, eager=True)
    def remove_expired_listings(self):
        now = self.clock.now()
        for case in self.store.listings_to_expire(self.clock.today()):
            try:
                self.store.save_case(case, *cases.expire(case, now))
            except Conflict:
                continue  # changed meanwhile: the next tick looks again

    # --- events ------------------------------------------------------------------------------

    @idempotent_handler("inspection", events.ACCIDENT_REPORTED)
    def handle_accident_reported(self, event):
        self._accident(event["data"])

    @idempotent_handler("inspection", events.ACCIDENT_UPDATED)
    def handle_accident_updated(self, event):
        """A supplement may raise the grade (casualties found later): evaluated again."""
        self._accident(event["data"])

    def _accident(self, data):
        self.store.remember_accident(
            {
                "_id": data["accident_id"],
                "uscc": data["uscc"],
                "grade": data["grade"],
                "occurred_at": datetime.fromisoformat(data["occurred_at"].replace("Z", "+00:00")),
            }
        )
        in_force = self._policy()
        enterprise = self.store.enterprise(data["uscc"])
        for listing, triggers in cases.accident_candidates(
            data, self.store.accidents_of(data["uscc"]), in_force
        ):
            subject = cases.subject_of(enterprise, data["uscc"], data["region_code"])
            self.store.add_detected_case(
                *cases.open_case(
                    listing,
                    subject,
                    triggers,
                    data["occurred_region_code"],
                    in_force,
                    SYSTEM,
                    self.clock.now(),
                )
            )

    @idempotent_handler("inspection", events.PENALTY_DECIDED)
    def handle_penalty_decided(self, event):
        data = event["data"]
        in_force = self._policy()
        enterprise = self.store.enterprise(data["uscc"])
        for listing, party, triggers in cases.penalty_candidates(data, in_force):
            subject = cases.subject_of(enterprise, data["uscc"], data["region_code"], party)
            self.store.add_detected_case(
                *cases.open_case(
                    listing,
                    subject,
                    triggers,
                    data["authority"],
                    in_force,
                    SYSTEM,
                    self.clock.now(),
                )
            )

    # Each public event is kept once by its id, so a repeat changes nothing: no inbox markers.
    @batched_handler(SERVICE, events.OWN_PUBLIC_EVENTS)
    def handle_own_public_event_for_replays(self, received):
        self.store.log_public(received)

    # Counters move in batches; the counter write records the event ids, so no inbox markers.
    @batched_handler(SERVICE, events.OWN_EVENTS)
    def handle_own_event_for_indicators(self, received):
        self.store.add_to_counters(event_changes(received, indicators.counter_deltas))
