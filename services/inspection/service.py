"""The inspection service: a thin nameko adapter over the inspection, hazard, enforcement and
accident rules."""
import secrets
from datetime import date, timedelta

from nameko.timer import timer

from services.inspection import accidents, domain, enforcement, indicators
from services.inspection.catalogue import Catalogue
from services.inspection.schemas import (AccidentSchema, AgencyAssignmentSchema, AccidentSupplementSchema, CaseSchema,
                                         ComplianceSchema, CompletionSchema, EvidenceRecordSchema,
                                         ExtensionDecisionSchema, ExtensionRequestSchema,
                                         FindingSchema, HazardActionSchema, HazardQuerySchema,
                                         IndicatorQuerySchema, InspectionCreateSchema,
                                         InspectionQuerySchema, PenaltyDecisionSchema,
                                         PlanQuerySchema, PlanRequestSchema, PlanSchema,
                                         RectificationSchema, SelfInspectionSchema,
                                         SuspensionLiftSchema, VerificationSchema)
from services.inspection.store import InspectionStore
from services.kit.pure.actor import SYSTEM
from services.kit.batching import batched_handler
from services.kit.pure.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.kit.housekeeping import Housekeeping
from services.kit.inbox import DeadLetterAccess
from services.kit.mongo import MongoStore
from services.kit.outbox import Outbox, OutboxRelay
from services.kit.runtime import Caller, ClockProvider, SettingTimer, rpc
from services.kit.pure.schemas import load, page_bounds
from services.kit.serialize import plain

REGISTRY = "registry"
REGISTERED = "cn.anjian.registry.enterprise.registered.v1"
UPDATED = "cn.anjian.registry.enterprise.updated.v1"
STATUS_CHANGED = "cn.anjian.registry.enterprise.status_changed.v1"
OWN_EVENTS = "cn.anjian.inspection.#"
# An overdue hazard climbs one rung of the escalation ladder per interval [verify]: local policy.
ESCALATION_INTERVAL = timedelta(days=7)
# How often an empty copy of the registry asks again (the registry may have been down).
REGISTRY_COPY_CHECK_SECONDS = 60
READ_MODEL_FIELDS = ("uscc", "name", "region_code", "industry", "risk_features", "status",
                     "above_scale")


class InspectionService(OutboxRelay, DeadLetterAccess, Housekeeping):
    name = domain.SERVICE

    store = MongoStore(domain.SERVICE, InspectionStore)
    outbox = Outbox(domain.SERVICE)
    caller = Caller()
    clock = ClockProvider()
    catalogue = Catalogue()

    # --- helpers -------------------------------------------------------------------------

    def _now(self):
        return self.clock.now(), self.clock.today()

    def _flush(self, collection, document, events):
        self.outbox.flush(self.store.db[collection], document["_id"], events)

    def _create(self, collection, document):
        self.store.insert(collection, document)
        self._flush(collection, document, document.get("outbox") or [])
        return document

    def _change(self, collection, before, after, events):
        self.store.change(collection, before, after, events)
        self._flush(collection, after, events)
        return self.store.get(collection, after["_id"])

    def _visible(self, collection, identifier, visible, kind):
        document = self.store.get(collection, identifier)
        return domain.require_visible(document, visible, self.caller(), kind, identifier)

    def _writable(self, collection, identifier, visible, kind):
        """Writes name the refusal: the record exists, but not for this caller (403)."""
        self.caller().require_can_write()
        document = self.store.get(collection, identifier)
        if document is None:
            raise NotFound(f"no {kind} {identifier}")
        if not visible(document, self.caller()):
            raise Forbidden(f"you may not change {kind} {identifier}")
        return document

    def _writable_hazard(self, identifier):
        return self._writable("hazards", identifier, domain.hazard_visible, "hazard")

    def _page(self, collection, query, criteria, visible_query):
        skip, limit = page_bounds(query["page"], query["page_size"])
        found = self.store.search(collection, {**criteria, **visible_query}, skip, limit,
                                  query["with_total"])
        return {**found, "items": plain(found["items"]), "page": query["page"],
                "page_size": query["page_size"]}

    @staticmethod
    def _scope(actor, query):
        """The filter every query gets from the caller's jurisdiction."""
        if actor.role == "enterprise":
            return {"uscc": actor.uscc}
        if actor.role == "agency":
            return {"agency": actor.user_id}
        return {"region_code": {"$regex": "^" + actor.narrow(query.pop("region", None))}}

    # --- catalogue and checklists ----------------------------------------------------------

    @rpc
    def hazard_catalogue(self):
        return self.catalogue.to_dict()

    # --- inspections -----------------------------------------------------------------------

    @rpc
    def open_inspection(self, payload):
        fields = load(InspectionCreateSchema(), payload)
        now, today = self._now()
        enterprise = self.store.enterprise(fields["uscc"])
        if fields.get("corrects"):
            domain.correction_of(self.store.get("inspections", fields["corrects"]), self.caller())
        checklist = None
        if enterprise is not None:
            checklist = plain(self.catalogue.checklist(enterprise["industry"],
                                                       enterprise.get("risk_features") or [],
                                                       on=today))
        actor = self.caller()
        inspection = domain.open_inspection(
            fields, enterprise, checklist, actor, now, today,
            assigned=actor.role == "agency" and self.store.assigned(actor.user_id, fields["uscc"]))
        return plain(self._create("inspections", inspection))

    @rpc
    def get_inspection(self, identifier):
        return plain(self._visible("inspections", identifier, domain.inspection_visible,
                                   "inspection"))

    @rpc
    def list_inspections(self, query):
        query = load(InspectionQuerySchema(), query)
        actor = self.caller()
        scope = self._scope(actor, query)
        criteria = {key: query[key] for key in ("uscc", "mode", "state") if key in query}
        if actor.role == "enterprise":
            # 四不两直: an open unannounced visit does not exist for the enterprise.
            scope["$or"] = [{"mode": {"$ne": "unannounced"}}, {"state": "completed"}]
        return self._page("inspections", query, criteria, scope)

    @rpc
    def add_finding(self, identifier, payload):
        fields = load(FindingSchema(), payload)
        now, today = self._now()
        inspection = self._writable("inspections", identifier, domain.inspection_visible,
                                    "inspection")
        changed, finding = domain.add_finding(inspection, fields, self.catalogue, self.caller(),
                                              now, today)
        self.store.change("inspections", inspection, changed, [])
        return plain(finding)

    @rpc
    def complete_inspection(self, identifier, payload):
        fields = load(CompletionSchema(), payload)
        now, _ = self._now()
        inspection = self._writable("inspections", identifier, domain.inspection_visible,
                                    "inspection")
        completed, events, hazards = domain.complete_inspection(inspection, fields, self.caller(),
                                                                now)
        # Hazards first: if the record write then fails, the retry finds them by their ids.
        for hazard in hazards:
            if self.store.get("hazards", hazard["_id"]) is None:
                self._create("hazards", hazard)
        return plain(self._change("inspections", inspection, completed, events))

    @rpc
    def assign_agency(self, payload):
        fields = load(AgencyAssignmentSchema(), payload)
        assignment = domain.assign_agency(self.store.enterprise(fields["uscc"]), fields["agency"],
                                          self.caller(), self.clock.now())
        self.store.assign(assignment)
        return plain(assignment)

    # --- self-inspections ------------------------------------------------------------------

    @rpc
    def report_self_inspection(self, payload):
        fields = load(SelfInspectionSchema(), payload)
        actor = self.caller()
        now, today = self._now()
        uscc = actor.uscc if actor.role == "enterprise" else fields.get("uscc")
        if not uscc:
            raise InvalidInput("name the enterprise", {"uscc": ["required"]})
        document = domain.report_self_inspection(fields, self.store.enterprise(uscc), actor, now,
                                                 today)
        return plain(self._create("self_inspections", document))

    @rpc
    def self_inspection_coverage(self, uscc, year):
        domain.require_visible(self.store.enterprise(uscc), domain.enterprise_record_visible,
                               self.caller(), "enterprise", uscc)
        return {"uscc": uscc, "year": year, "months": domain.monthly_coverage(
            self.store.self_inspections_of(uscc, year), year)}

    # --- hazards ---------------------------------------------------------------------------

    @rpc
    def list_hazards(self, query):
        query = load(HazardQuerySchema(), query)
        actor = self.caller()
        scope = self._scope(actor, query)
        criteria = {key: query[key] for key in ("uscc", "grade", "state") if key in query}
        if "overdue" in query:
            criteria["overdue"] = query["overdue"]
        return self._page("hazards", query, criteria, scope)

    @rpc
    def get_hazard(self, identifier):
        return plain(self._visible("hazards", identifier, domain.hazard_visible, "hazard"))

    @rpc
    def submit_rectification(self, identifier, payload):
        fields = load(RectificationSchema(), payload)
        now, _ = self._now()
        hazard = self._writable_hazard(identifier)
        evidence = self.store.evidence_items(fields["evidence"])
        if len(evidence) != len(set(fields["evidence"])):
            raise InvalidInput("unknown evidence", {"evidence": ["unknown evidence id"]})
        changed, events = domain.submit_rectification(hazard, evidence, fields.get("note"),
                                                      self.caller(), now)
        return plain(self._change("hazards", hazard, changed, events))

    @rpc
    def verify_hazard(self, identifier, payload):
        fields = load(VerificationSchema(), payload)
        now, _ = self._now()
        hazard = self._writable_hazard(identifier)
        changed, events = domain.verify_or_reject(hazard, fields["decision"],
                                                  fields.get("reason"), self.caller(), now)
        return plain(self._change("hazards", hazard, changed, events))

    @rpc
    def approve_plan(self, identifier, payload):
        fields = load(PlanSchema(), payload)
        now, today = self._now()
        hazard = self._writable_hazard(identifier)
        changed, events = domain.approve_plan(hazard, fields, self.caller(), now, today)
        return plain(self._change("hazards", hazard, changed, events))

    @rpc
    def hazard_action(self, identifier, payload):
        fields = load(HazardActionSchema(), payload)
        now, _ = self._now()
        hazard = self._writable_hazard(identifier)
        actor = self.caller()
        action, reason = fields["action"], fields.get("reason")
        if action == "raise_to_major":
            changed, events = domain.raise_grade(hazard, reason, actor, now)
        elif action == "suspend":
            changed, events = domain.suspend(hazard, reason, actor, now)
        else:
            changed, events = domain.transition(hazard, action, actor, now, reason)
        return plain(self._change("hazards", hazard, changed, events))

    @rpc
    def lift_suspension(self, identifier, payload):
        fields = load(SuspensionLiftSchema(), payload)
        now, _ = self._now()
        hazard = self._writable_hazard(identifier)
        self.caller().require_role(*domain.REVIEWERS)
        changed, events = domain.lift_suspension(hazard, fields["reason"], self.caller(), now)
        return plain(self._change("hazards", hazard, changed, events))

    @rpc
    def request_extension(self, identifier, payload):
        fields = load(ExtensionRequestSchema(), payload)
        now, today = self._now()
        hazard = self._writable_hazard(identifier)
        changed, events = domain.request_extension(hazard, fields["deadline"], fields["reason"],
                                                   self.caller(), now, today)
        return plain(self._change("hazards", hazard, changed, events))

    @rpc
    def decide_extension(self, identifier, payload):
        fields = load(ExtensionDecisionSchema(), payload)
        now, _ = self._now()
        hazard = self._writable_hazard(identifier)
        changed, events = domain.decide_extension(hazard, fields["approve"], fields["reason"],
                                                  self.caller(), now)
        return plain(self._change("hazards", hazard, changed, events))

    @SettingTimer.decorator("escalation_check_seconds", eager=True)
    def escalate_overdue(self):
        """Flag hazards past their deadline, then climb the escalation ladder for each."""
        now, today = self._now()
        for hazard in self.store.overdue_candidates(today.isoformat()):
            marked = domain.mark_overdue(hazard, now, today)
            if marked:
                try:
                    self._change("hazards", hazard, *marked)
                except Conflict:
                    continue  # changed meanwhile; the next tick looks again
        for hazard in self.store.escalation_candidates():
            taken = [action["kind"] for action in hazard.get("escalations", [])]
            last = hazard["escalations"][-1]["taken_at"] if hazard.get("escalations") else None
            kind = enforcement.next_rung(taken)
            if kind is None or (last is not None and now - last < ESCALATION_INTERVAL):
                continue
            changed, events = domain.escalate(hazard, kind, SYSTEM, now)
            try:
                self._change("hazards", hazard, changed, events)
            except Conflict:
                continue

    # --- evidence --------------------------------------------------------------------------

    @rpc
    def record_evidence(self, payload):
        fields = load(EvidenceRecordSchema(), payload)
        actor = self.caller()
        now, _ = self._now()
        uscc = actor.uscc if actor.role == "enterprise" else fields.get("uscc")
        if not uscc:
            raise InvalidInput("name the enterprise the evidence belongs to",
                               {"uscc": ["required"]})
        enterprise = self.store.enterprise(uscc)
        if enterprise is None:
            raise InvalidInput("unknown enterprise", {"uscc": ["unknown enterprise"]})
        domain.require_enterprise_writer(enterprise, actor, ("enterprise", "agency",
                                                             *domain.INSPECTORS))
        if fields.get("hazard_id"):
            hazard = self.store.get("hazards", fields["hazard_id"])
            if hazard is None or hazard["uscc"] != uscc or not domain.hazard_visible(hazard, actor):
                raise InvalidInput("unknown hazard", {"hazard_id": ["unknown hazard"]})
        record = {**fields, "_id": domain.new_id(), "uscc": uscc,
                  "region_code": enterprise["region_code"], "uploaded_by": actor.user_id,
                  "uploaded_by_role": actor.role, "uploaded_at": now, "integrity": "unchecked"}
        self.store.insert("evidence", record)
        return plain(record)

    @rpc
    def get_evidence(self, identifier):
        """Evidence metadata (with its object key) for callers who may see its enterprise."""
        return plain(self._visible("evidence", identifier, domain.enterprise_record_visible,
                                   "evidence"))

    def _verifiable_evidence(self, identifier):
        """Verifying is a write: a record the caller may not see is refused (403), not hidden."""
        self.caller().require_role(*domain.INSPECTORS)
        return self._writable("evidence", identifier, domain.enterprise_record_visible,
                              "evidence")

    @rpc
    def evidence_to_verify(self, identifier):
        """The evidence record (with its object key) for a caller allowed to verify it."""
        return plain(self._verifiable_evidence(identifier))

    @rpc
    def record_integrity(self, identifier, intact):
        record = self._verifiable_evidence(identifier)
        checked = {"integrity": "intact" if intact is True else "mismatch",
                   "checked_at": self.clock.now(), "checked_by": self.caller().user_id}
        self.store.mark_evidence(identifier, checked)
        return plain({**record, **checked})

    # --- enforcement cases -----------------------------------------------------------------

    @rpc
    def open_case(self, payload):
        fields = load(CaseSchema(), payload)
        now, _ = self._now()
        enterprise = self.store.enterprise(fields["uscc"])
        if enterprise is None:
            raise InvalidInput("unknown enterprise", {"uscc": ["unknown enterprise"]})
        hazards = [self.store.get("hazards", h) for h in fields["hazard_ids"]]
        if any(h is None or h["uscc"] != fields["uscc"] for h in hazards):
            raise InvalidInput("the hazards must belong to the enterprise",
                               {"hazard_ids": ["unknown hazard for this enterprise"]})
        case = enforcement.open_case({**fields, "region_code": enterprise["region_code"]},
                                     self.caller(), now)
        case["involves_major_hazard"] = any(h["grade"] == "major" for h in hazards)
        return plain(self._create("cases", case))

    @rpc
    def get_case(self, identifier):
        case = self._visible("cases", identifier, domain.enterprise_record_visible,
                             "enforcement case")
        return plain(self._with_sanctions(case))

    @rpc
    def list_cases(self, query):
        query = load(InspectionQuerySchema(), query)
        actor = self.caller()
        criteria = {"uscc": query["uscc"]} if "uscc" in query else {}
        return self._page("cases", query, criteria, self._scope(actor, query))

    @rpc
    def decide_penalty(self, identifier, payload):
        fields = load(PenaltyDecisionSchema(), payload)
        now, today = self._now()
        case = self._writable("cases", identifier, domain.enterprise_record_visible,
                              "enforcement case")
        changed, events = domain.decide_case(case, fields["lines"], self.caller(), now, today)
        return plain(self._with_sanctions(self._change("cases", case, changed, events)))

    @rpc
    def record_compliance(self, identifier, payload):
        fields = load(ComplianceSchema(), payload)
        now, today = self._now()
        case = self._writable("cases", identifier, domain.enterprise_record_visible,
                              "enforcement case")
        changed, events = domain.record_compliance(case, fields["party_id"], fields["status"],
                                                   fields["on"], self.caller(), now, today)
        return plain(self._with_sanctions(self._change("cases", case, changed, events)))

    def _with_sanctions(self, case):
        """Art. 112 daily fines where they apply; Art. 113's closure flag for repeated penalties."""
        _, today = self._now()
        dates = [date.fromisoformat(d) for d in
                 self.store.penalty_dates_for_major_hazards(case["uscc"])]
        return {**case, "continuous_daily_fines": domain.continuous_daily_fines(case, today),
                "closure_flag": enforcement.closure_flag(dates, today)}

    # --- accidents -------------------------------------------------------------------------

    @rpc
    def report_accident(self, payload):
        fields = load(AccidentSchema(), payload)
        now, _ = self._now()
        enterprise = self.store.enterprise(fields["uscc"])
        if enterprise is None:
            raise InvalidInput("unknown enterprise", {"uscc": ["unknown enterprise"]})
        accident = accidents.report_accident({**fields, "region_code": enterprise["region_code"]},
                                             self.caller(), now)
        return plain(self._create("accidents", accident))

    @rpc
    def get_accident(self, identifier):
        return plain(self._visible("accidents", identifier, domain.enterprise_record_visible,
                                   "accident"))

    @rpc
    def list_accidents(self, query):
        query = load(InspectionQuerySchema(), query)
        actor = self.caller()
        criteria = {"uscc": query["uscc"]} if "uscc" in query else {}
        return self._page("accidents", query, criteria, self._scope(actor, query))

    @rpc
    def supplement_accident(self, identifier, payload):
        fields = load(AccidentSupplementSchema(), payload)
        now, _ = self._now()
        accident = self._writable("accidents", identifier, domain.enterprise_record_visible,
                                  "accident")
        changed, events = domain.supplement_accident(accident, fields, self.caller(), now)
        return plain(self._change("accidents", accident, changed, events))

    # --- indicators and plans --------------------------------------------------------------

    @rpc
    def inspection_indicators(self, query):
        fields = load(IndicatorQuerySchema(), query)
        actor = self.caller()
        if actor.role in ("enterprise", "agency"):
            raise Forbidden("indicators are for the bureaus")
        prefix = actor.narrow(fields["region"])
        return {"region": fields["region"], "year": fields["year"],
                **indicators.summary(self.store.counters(prefix, fields["year"]),
                                     self.store.counters(prefix, fields["year"] - 1))}

    @rpc
    def create_plan(self, payload):
        """双随机 annual plan: risk priorities and a random sample whose seed is recorded.

        No untrustworthy list reaches this service yet (the credit service is to come), so that
        part of the priority is empty for now.
        """
        fields = load(PlanRequestSchema(), payload)
        actor = self.caller()
        actor.require_role(*domain.REVIEWERS)
        prefix = actor.narrow(fields["region"])
        seed = fields.get("seed", secrets.randbelow(2 ** 31))
        plan = domain.annual_plan(plain(self.store.enterprises_in(prefix)),
                                  self.store.open_major_counts(prefix), set(), fields["year"],
                                  fields["sample_size"], seed)
        plan.update(_id=domain.new_id(), region_code=fields["region"],
                    created_by=actor.user_id, created_at=self.clock.now())
        self.store.insert("plans", plan)
        return plain(plan)

    @rpc
    def list_plans(self, query):
        query = load(PlanQuerySchema(), query)
        actor = self.caller()
        actor.require_role(*domain.REVIEWERS, "inspector", "auditor")
        criteria = {"year": query["year"]} if "year" in query else {}
        return self._page("plans", query, criteria, self._scope(actor, query))

    @rpc
    def health(self):
        self.store.db.command("ping")
        return {"service": domain.SERVICE, "database": "up"}

    # --- events ----------------------------------------------------------------------------

    @timer(interval=REGISTRY_COPY_CHECK_SECONDS, eager=True)
    def request_registry_copy(self):
        """Deployed after the registry, or started on an emptied database: ask for every
        enterprise again. The registry announces them in the background."""
        if self.store.knows_no_enterprise():
            request = domain.registry_copy_request(self.clock.now())
            self.store.replace_request(request)
            self._flush("requests", request, request["outbox"])

    # The read model keeps the newest snapshot per enterprise, so a repeated or late event changes
    # nothing: the handlers need no inbox markers and take their events in batches.
    @batched_handler(REGISTRY, REGISTERED)
    def handle_enterprise_registered(self, events):
        self._remember(events)

    @batched_handler(REGISTRY, UPDATED)
    def handle_enterprise_updated(self, events):
        self._remember(events)

    @batched_handler(REGISTRY, STATUS_CHANGED)
    def handle_enterprise_status_changed(self, events):
        self.store.remember_statuses([(event["subject"], event["data"]["to"], event["time"])
                                      for event in events])

    def _remember(self, events):
        self.store.remember_enterprises([
            ({key: event["data"].get(key) for key in READ_MODEL_FIELDS}, event["time"])
            for event in events])

    # Counters move in batches; the counter write records the event ids, so no inbox markers.
    @batched_handler(domain.SERVICE, OWN_EVENTS)
    def handle_own_event_for_indicators(self, events):
        self.store.add_to_counters([(event["id"], *change) for event in events
                                    for change in indicators.counter_deltas(event)])
