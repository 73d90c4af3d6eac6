"""The inspection service as a nameko service: entrypoints only, from RPC and events to the
inspection, hazard, enforcement and accident rules."""

import secrets

from services.inspection import events
from services.inspection.domain import (
    RULE_CHECKS,
    accidents,
    catalogue,
    enforcement,
    evidence,
    hazards,
    indicators,
    inspections,
    planning,
    risk_points,
)
from services.inspection.domain.common import REVIEWERS, SERVICE, china_day, enterprise_named
from services.inspection.schemas import (
    AccidentLevelReportSchema,
    AccidentSchema,
    AccidentSupplementSchema,
    AgencyAssignmentSchema,
    CaseSchema,
    ClosureDecisionSchema,
    CompletionSchema,
    ComplianceSchema,
    DailyFineDecisionSchema,
    EscalationDecisionSchema,
    EvidenceRecordSchema,
    ExtensionDecisionSchema,
    ExtensionRequestSchema,
    FindingSchema,
    HazardActionSchema,
    HazardQuerySchema,
    IndicatorQuerySchema,
    InspectionCreateSchema,
    InspectionQuerySchema,
    PenaltyDecisionSchema,
    PlanQuerySchema,
    PlanRequestSchema,
    PlanSchema,
    RectificationSchema,
    SelfInspectionSchema,
    SuspensionLiftSchema,
    VerificationSchema,
)
from services.inspection.service_prevention import PreventionEntrypoints
from services.inspection.store import InspectionStore
from services.kit.batching import batched_handler
from services.kit.copies import RegistryCopy
from services.kit.counters import event_changes
from services.kit.mongo import MongoStore
from services.kit.pure.actor import SYSTEM
from services.kit.pure.errors import Conflict
from services.kit.pure.schemas import load
from services.kit.rules import Rules
from services.kit.runtime import SettingTimer, rpc
from services.kit.serialize import page_of, plain
from services.kit.service import ServiceBase


class InspectionService(PreventionEntrypoints, RegistryCopy, ServiceBase):
    name = SERVICE
    store = MongoStore(name, InspectionStore)
    rules = Rules(checks=RULE_CHECKS)

    def _catalogue(self, on=None):
        return catalogue.in_force(self.rules, on or self.clock.today())

    # --- catalogue and checklists ----------------------------------------------------------

    @rpc
    def hazard_catalogue(self):
        return self._catalogue().to_dict()

    # --- inspections -----------------------------------------------------------------------

    @rpc
    def open_inspection(self, payload):
        fields = load(InspectionCreateSchema(), payload)
        actor, today = self.caller(), self.clock.today()
        enterprise = self.store.enterprise(fields["uscc"])
        if fields.get("corrects"):
            inspections.correction_of(self.store.inspection_record(fields["corrects"]), actor)
        checklist = enterprise and {
            **self._catalogue(today).checklist(
                enterprise["industry"], enterprise.get("risk_features") or []
            ),
            # The enterprise's red and orange risk points, a red one without measures a finding.
            "risk_points": risk_points.checklist_entries(
                self.store.risk_points_of(enterprise["uscc"]), self._levels()
            ),
        }
        assigned = actor.role == "agency" and self.store.assigned(actor.user_id, fields["uscc"])
        opened = inspections.open_inspection(
            fields, enterprise, checklist, actor, self.clock.now(), today, assigned=assigned
        )
        return plain(self.store.save_inspection(None, *opened))

    @rpc
    def get_inspection(self, identifier):
        return plain(self.store.inspection(identifier, self.caller()))

    @rpc
    def list_inspections(self, query):
        query = load(InspectionQuerySchema(), query)
        return page_of(self.store.inspections_page(self.caller(), query), query)

    @rpc
    def add_finding(self, identifier, payload):
        fields = load(FindingSchema(), payload)
        inspection = self.store.inspection_to_change(identifier, self.caller())
        changed, found = inspections.add_finding(
            inspection,
            fields,
            self._catalogue(),
            self.caller(),
            self.clock.now(),
            self.clock.today(),
        )
        self.store.save_inspection(inspection, changed, found)
        return plain(changed["findings"][-1])

    @rpc
    def complete_inspection(self, identifier, payload):
        fields = load(CompletionSchema(), payload)
        now = self.clock.now()
        inspection = self.store.inspection_to_change(identifier, self.caller())
        completed, completion = inspections.complete_inspection(
            inspection, fields, self.caller(), now
        )
        # Hazards first: if the record write then fails, the retry finds them by their ids.
        for hazard, reported in hazards.found_in(completed, now):
            self.store.add_hazard_once(hazard, reported)
        return plain(self.store.save_inspection(inspection, completed, completion))

    @rpc
    def assign_agency(self, payload):
        fields = load(AgencyAssignmentSchema(), payload)
        assignment, _ = inspections.assign_agency(
            self.store.enterprise(fields["uscc"]), fields["agency"], self.caller(), self.clock.now()
        )
        self.store.assign(assignment)
        return plain(assignment)

    # --- self-inspections ------------------------------------------------------------------

    @rpc
    def report_self_inspection(self, payload):
        fields = load(SelfInspectionSchema(), payload)
        actor, now = self.caller(), self.clock.now()
        enterprise = self.store.enterprise(enterprise_named(fields, actor))
        report, reported = inspections.report_self_inspection(
            fields, enterprise, self._catalogue(), actor, now, self.clock.today()
        )
        for hazard, found in hazards.found_in(report, now, "self_inspection"):
            self.store.add_hazard_once(hazard, found)
        return plain(self.store.save_self_inspection(None, report, reported))

    @rpc
    def self_inspection_coverage(self, uscc, year):
        self.store.enterprise_seen_by(uscc, self.caller())
        return {
            "uscc": uscc,
            "year": year,
            "months": inspections.monthly_coverage(
                self.store.self_inspections_of(uscc, year), year
            ),
        }

    # --- hazards ---------------------------------------------------------------------------

    @rpc
    def list_hazards(self, query):
        query = load(HazardQuerySchema(), query)
        return page_of(self.store.hazards_page(self.caller(), query), query)

    @rpc
    def get_hazard(self, identifier):
        return plain(self.store.hazard(identifier, self.caller()))

    @rpc
    def submit_rectification(self, identifier, payload):
        fields = load(RectificationSchema(), payload)
        hazard = self.store.hazard_to_change(identifier, self.caller())
        evidence_items = self.store.evidence_items(fields["evidence"])
        changed = hazards.submit_rectification(
            hazard, evidence_items, fields.get("note"), self.caller(), self.clock.now()
        )
        return plain(self.store.save_hazard(hazard, *changed))

    @rpc
    def verify_hazard(self, identifier, payload):
        fields = load(VerificationSchema(), payload)
        hazard = self.store.hazard_to_change(identifier, self.caller())
        changed = hazards.verify_or_reject(
            hazard, fields["decision"], fields.get("reason"), self.caller(), self.clock.now()
        )
        return plain(self.store.save_hazard(hazard, *changed))

    @rpc
    def approve_plan(self, identifier, payload):
        fields = load(PlanSchema(), payload)
        hazard = self.store.hazard_to_change(identifier, self.caller())
        changed = hazards.approve_plan(
            hazard, fields, self.caller(), self.clock.now(), self.clock.today()
        )
        return plain(self.store.save_hazard(hazard, *changed))

    @rpc
    def hazard_action(self, identifier, payload):
        fields = load(HazardActionSchema(), payload)
        hazard = self.store.hazard_to_change(identifier, self.caller())
        changed = hazards.take_action(
            hazard, fields["action"], fields.get("reason"), self.caller(), self.clock.now()
        )
        return plain(self.store.save_hazard(hazard, *changed))

    @rpc
    def lift_suspension(self, identifier, payload):
        fields = load(SuspensionLiftSchema(), payload)
        hazard = self.store.hazard_to_change(identifier, self.caller())
        changed = hazards.lift_suspension(hazard, fields["reason"], self.caller(), self.clock.now())
        return plain(self.store.save_hazard(hazard, *changed))

    @rpc
    def request_extension(self, identifier, payload):
        fields = load(ExtensionRequestSchema(), payload)
        hazard = self.store.hazard_to_change(identifier, self.caller())
        changed = hazards.request_extension(
            hazard,
            fields["deadline"],
            fields["reason"],
            self.caller(),
            self.clock.now(),
            self.clock.today(),
        )
        return plain(self.store.save_hazard(hazard, *changed))

    @rpc
    def decide_extension(self, identifier, payload):
        fields = load(ExtensionDecisionSchema(), payload)
        hazard = self.store.hazard_to_change(identifier, self.caller())
        changed = hazards.decide_extension(
            hazard, fields["approve"], fields["reason"], self.caller(), self.clock.now()
        )
        return plain(self.store.save_hazard(hazard, *changed))

    @rpc
    def decide_escalation(self, identifier, payload):
        """The bureau takes or declines the escalation rung proposed on an overdue hazard."""
        fields = load(EscalationDecisionSchema(), payload)
        hazard = self.store.hazard_to_change(identifier, self.caller())
        changed = hazards.decide_escalation(
            hazard,
            fields["kind"],
            fields["approve"],
            fields["reason"],
            fields.get("document_number"),
            enforcement.Escalation.on(self.rules, self.clock.today()),
            self.caller(),
            self.clock.now(),
        )
        return plain(self.store.save_hazard(hazard, *changed))

    @SettingTimer.decorator("escalation_check_seconds", eager=True)
    def escalate_overdue(self):
        """Flag hazards past their deadline, then send each its automatic rung (提醒) or propose
        the next one to the bureau, by the ladder and interval in force today."""
        now, today = self.clock.now(), self.clock.today()
        for hazard in self.store.overdue_candidates(today.isoformat()):
            self._save_unless_changed_meanwhile(hazard, hazards.mark_overdue(hazard, now, today))
        escalation = enforcement.Escalation.on(self.rules, today)
        for hazard in self.store.escalation_candidates():
            self._save_unless_changed_meanwhile(
                hazard, hazards.escalate_overdue(hazard, escalation, SYSTEM, now)
            )

    def _save_unless_changed_meanwhile(self, hazard, changed):
        try:
            self.store.save_hazard(hazard, *changed)
        except Conflict:
            pass  # changed meanwhile; the next tick looks again

    # --- evidence --------------------------------------------------------------------------

    @rpc
    def record_evidence(self, payload):
        fields = load(EvidenceRecordSchema(), payload)
        actor = self.caller()
        enterprise = self.store.enterprise(enterprise_named(fields, actor))
        hazard = self.store.hazard_seen_by(fields.get("hazard_id"), actor)
        recorded, _ = evidence.record_evidence(fields, enterprise, hazard, actor, self.clock.now())
        return plain(self.store.add_evidence(recorded))

    @rpc
    def get_evidence(self, identifier):
        """Evidence metadata (with its object key) for callers who may see its enterprise."""
        return plain(self.store.evidence(identifier, self.caller()))

    def _verifiable_evidence(self, identifier):
        """Verifying is a write: a record the caller may not see is refused (403), not hidden."""
        evidence.require_verifier(self.caller())
        return self.store.evidence_to_change(identifier, self.caller())

    @rpc
    def evidence_to_verify(self, identifier):
        """The evidence record (with its object key) for a caller allowed to verify it."""
        return plain(self._verifiable_evidence(identifier))

    @rpc
    def record_integrity(self, identifier, intact):
        record = self._verifiable_evidence(identifier)
        checked, _ = evidence.integrity_checked(record, intact, self.caller(), self.clock.now())
        return plain(self.store.save_integrity(checked))

    # --- enforcement cases -----------------------------------------------------------------

    @rpc
    def open_case(self, payload):
        fields = load(CaseSchema(), payload)
        opened = enforcement.open_case_about(
            self.store.enterprise(fields["uscc"]),
            self.store.hazards_by_id(fields["hazard_ids"]),
            fields,
            self.caller(),
            self.clock.now(),
        )
        return plain(self.store.save_case(None, *opened))

    @rpc
    def get_case(self, identifier):
        return self._with_sanctions(self.store.case(identifier, self.caller()))

    @rpc
    def list_cases(self, query):
        query = load(InspectionQuerySchema(), query)
        return page_of(self.store.cases_page(self.caller(), query), query)

    @rpc
    def decide_penalty(self, identifier, payload):
        fields = load(PenaltyDecisionSchema(), payload)
        case = self.store.case_to_change(identifier, self.caller())
        changed = enforcement.decide_penalty(
            case, fields["lines"], self.caller(), self.clock.now(), self.clock.today(), self.rules
        )
        return self._with_sanctions(self.store.save_case(case, *changed))

    @rpc
    def record_compliance(self, identifier, payload):
        fields = load(ComplianceSchema(), payload)
        case = self.store.case_to_change(identifier, self.caller())
        changed = enforcement.record_compliance(
            case,
            fields["party_id"],
            fields["status"],
            fields["on"],
            self.caller(),
            self.clock.now(),
            self.clock.today(),
        )
        return self._with_sanctions(self.store.save_case(case, *changed))

    @rpc
    def decide_daily_fine(self, identifier, payload):
        """The bureau imposes or declines the Art. 112 daily fine proposed for the unit."""
        fields = load(DailyFineDecisionSchema(), payload)
        case = self.store.case_to_change(identifier, self.caller())
        today = self.clock.today()
        changed = enforcement.decide_daily_fine(
            case,
            fields["party_id"],
            fields["impose"],
            fields["reason"],
            fields.get("decision_number"),
            self.caller(),
            self.clock.now(),
            today,
            self.rules.rule(enforcement.DAILY_FINES_RULE, today),
        )
        return self._with_sanctions(self.store.save_case(case, *changed))

    @rpc
    def decide_closure(self, identifier, payload):
        """The bureau asks the government to close the enterprise (Art. 113); bans the principal."""
        fields = load(ClosureDecisionSchema(), payload)
        case = self.store.case_to_change(identifier, self.caller())
        today = self.clock.today()
        grounds = enforcement.closure_grounds(
            self.store.closure_facts(case["uscc"]), self.rules, today
        )
        changed = enforcement.decide_closure(
            case,
            grounds,
            fields["decision_number"],
            fields["reason"],
            self.caller(),
            self.clock.now(),
            today,
            self.rules,
        )
        return self._with_sanctions(self.store.save_case(case, *changed))

    def _with_sanctions(self, case):
        return plain(
            enforcement.with_sanctions(
                case, self.store.closure_facts(case["uscc"]), self.rules, self.clock.today()
            )
        )

    # --- accidents -------------------------------------------------------------------------

    def _accident_rules(self, occurred_at):
        """The rules of 493号 in force on the day the accident occurred."""
        return accidents.rules_on(self.rules, china_day(occurred_at))

    @rpc
    def report_accident(self, payload):
        fields = load(AccidentSchema(), payload)
        reported = accidents.report_accident_at(
            self.store.enterprise(fields["uscc"]),
            fields,
            self._accident_rules(fields["occurred_at"]),
            self.caller(),
            self.clock.now(),
        )
        return self._answer_accident(self.store.save_accident(None, *reported))

    def _recorded(self, accident):
        return accidents.recorded(accident, self._accident_rules(accident["occurred_at"]))

    def _answer_accident(self, accident):
        return plain(accidents.as_of(self._recorded(accident), self.clock.now()))

    @rpc
    def get_accident(self, identifier):
        return self._answer_accident(self.store.accident(identifier, self.caller()))

    @rpc
    def list_accidents(self, query):
        query = load(InspectionQuerySchema(), query)
        found = self.store.accidents_page(self.caller(), query)
        now = self.clock.now()
        return page_of(
            {
                **found,
                "items": [accidents.as_of(self._recorded(a), now) for a in found["items"]],
            },
            query,
        )

    @rpc
    def supplement_accident(self, identifier, payload):
        return self._change_accident(
            identifier, load(AccidentSupplementSchema(), payload), accidents.supplement_accident
        )

    @rpc
    def report_accident_upward(self, identifier, payload):
        return self._change_accident(
            identifier, load(AccidentLevelReportSchema(), payload), accidents.report_upward
        )

    def _change_accident(self, identifier, fields, command):
        accident = self.store.accident_to_change(identifier, self.caller())
        changed = command(
            self._recorded(accident),
            fields,
            self._accident_rules(accident["occurred_at"]),
            self.caller(),
            self.clock.now(),
        )
        return self._answer_accident(self.store.save_accident(accident, *changed))

    # --- indicators and plans --------------------------------------------------------------

    @rpc
    def inspection_indicators(self, query):
        fields = load(IndicatorQuerySchema(), query)
        prefix, year = self._require_bureau().narrow(fields["region"]), fields["year"]
        year_counters = self.store.counters(prefix, year)
        return {
            "region": fields["region"],
            "year": year,
            **indicators.summary(
                year_counters,
                self.store.counters(prefix, year - 1),
                self.store.counters_by_county(prefix, indicators.STANDING),
            ),
            **self._preparedness(prefix, year, year_counters),
        }

    @rpc
    def create_plan(self, payload):
        """双随机 annual plan: risk priorities and a random sample whose seed is recorded.

        No untrustworthy list reaches this service yet (the credit service is to come), so that
        part of the priority is empty for now.
        """
        fields = load(PlanRequestSchema(), payload)
        actor = self.caller()
        prefix = actor.narrow(fields["region"])
        plan, _ = planning.create_plan(
            plain(self.store.enterprises_in(prefix)),
            self.store.open_major_counts(prefix),
            set(),
            fields,
            fields.get("seed", secrets.randbelow(2**31)),
            actor,
            self.clock.now(),
        )
        return plain(self.store.add_plan(plan))

    @rpc
    def list_plans(self, query):
        query = load(PlanQuerySchema(), query)
        self.caller().require_role(*REVIEWERS, "inspector", "auditor")
        return page_of(self.store.plans_page(self.caller(), query), query)

    # --- events ----------------------------------------------------------------------------

    # Counters move in batches; the counter write records the event ids, so no inbox markers.
    @batched_handler(SERVICE, events.OWN_EVENTS)
    def handle_own_event_for_indicators(self, received):
        self.store.add_to_counters(event_changes(received, indicators.counter_deltas))
        self.store.note_self_inspections(indicators.self_inspection_facts(received))
