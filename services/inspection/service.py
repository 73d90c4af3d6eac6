"""The inspection service as a nameko service: entrypoints only, from RPC and events to the
inspection, hazard, enforcement and accident rules."""

import secrets
from datetime import timedelta

from services.inspection import events
from services.inspection.domain import (
    RULE_CHECKS,
    accidents,
    campaigns,
    catalogue,
    enforcement,
    evidence,
    hazards,
    indicators,
    inspections,
    monitoring_alarms,
    planning,
    risk_points,
)
from services.inspection.domain.common import REVIEWERS, SERVICE, china_day, enterprise_named
from services.inspection.schemas import (
    AccidentLevelReportSchema,
    AccidentSchema,
    AccidentSupplementSchema,
    AgencyAssignmentSchema,
    CampaignQuerySchema,
    CampaignSchema,
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
    UploadSchema,
    VerificationSchema,
)
from services.inspection.service_prevention import PreventionEntrypoints
from services.inspection.store import InspectionStore
from services.kit.batching import batched_handler
from services.kit.copies import EnterpriseCounts, ListingFeed, RegistryCopy
from services.kit.counters import event_changes
from services.kit.evidence import PICTURES, EvidenceFiles, new_object_key
from services.kit.inbox import idempotent_handler
from services.kit.mongo import MongoStore
from services.kit.pure.actor import SYSTEM
from services.kit.pure.errors import Conflict, DomainError, NotFound
from services.kit.pure.schemas import load
from services.kit.rules import Rules, RuleSetPublishing
from services.kit.runtime import SettingTimer, rpc
from services.kit.serialize import page_of, plain
from services.kit.service import ServiceBase


class InspectionService(
    PreventionEntrypoints,
    RegistryCopy,
    EnterpriseCounts,
    ListingFeed,
    RuleSetPublishing,
    ServiceBase,
):
    name = SERVICE
    counted = {"open": indicators.OPEN_ENTERPRISES}
    store = MongoStore(name, InspectionStore)
    files = EvidenceFiles()
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
        campaign = fields.get("campaign_id") and self.store.campaign(fields["campaign_id"])
        opened = inspections.open_inspection(
            fields,
            enterprise,
            checklist,
            actor,
            self.clock.now(),
            today,
            assigned=assigned,
            campaign=campaign,
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

    def _evidence_fields(self, schema, payload):
        """The fields, and the enterprise and hazard they name, as the caller sees them."""
        fields = load(schema, payload)
        actor = self.caller()
        enterprise = self.store.enterprise(enterprise_named(fields, actor))
        return fields, enterprise, self.store.hazard_seen_by(fields.get("hazard_id"), actor)

    @rpc
    def record_evidence(self, payload):
        """A file the gateway has stored, recorded."""
        now = self.clock.now()
        record, _ = evidence.record_evidence(
            *self._evidence_fields(EvidenceRecordSchema(), payload), self.caller(), now
        )
        return plain(self.store.add_evidence(*evidence.recorded(record, now)))

    @rpc
    def open_upload(self, payload):
        """An upload straight to the object store, with where to send the file."""
        fields, enterprise, hazard = self._evidence_fields(UploadSchema(), payload)
        settings = self.files.settings
        upload = evidence.open_upload(
            fields,
            enterprise,
            hazard,
            self.caller(),
            self.clock.now(),
            self.files.limit(fields["content_type"]),
            timedelta(seconds=settings.evidence_upload_seconds),
            settings.evidence_part_bytes,
        )
        upload["object_key"] = new_object_key()
        if upload["parts"]:
            upload["upload_id"] = self.files.start_parts(
                upload["object_key"], upload["content_type"]
            )
        return self._with_targets(self.store.add_upload(upload))

    @rpc
    def upload_state(self, identifier):
        """The upload, the parts the store holds, and fresh targets for the rest: how an
        interrupted upload resumes."""
        return self._with_targets(self.store.upload(identifier, self.caller()))

    def _with_targets(self, upload):
        key, expires_at = upload["object_key"], upload["expires_at"]
        if not upload["parts"]:
            target = self.files.upload_target(
                key, upload["size"], upload["content_type"], upload["sha256"], expires_at
            )
            return plain({**upload, "received": [], "targets": [target]})
        received = self.files.received_parts(key, upload["upload_id"])
        targets = [
            {
                "part": number,
                **self.files.part_target(key, upload["upload_id"], number, size, expires_at),
            }
            for number, size in evidence.missing_parts(upload, received)
        ]
        return plain({**upload, "received": sorted(received), "targets": targets})

    @rpc
    def confirm_upload(self, identifier):
        """The upload recorded as evidence if the stored object is exactly as declared; any
        refusal ends the upload and removes its object."""
        upload = self.store.upload_to_confirm(identifier, self.caller())
        key = upload["object_key"]
        if upload["parts"]:
            self._join_parts(upload)
        try:
            found = self.files.examine(key)
            if found is not None and found["sha256"] is None:
                found["sha256"] = self.files.joined_sha256(key)
            record = evidence.confirmed_upload(upload, found, self.clock.now())
        except DomainError:
            self.files.discard(key)
            self.store.end_upload(identifier)
            raise
        return plain(self.store.record_upload(*record))

    def _join_parts(self, upload):
        try:
            received = self.files.received_parts(upload["object_key"], upload["upload_id"])
        except NotFound:
            return  # joined by a confirmation that went no further
        missing = [number for number, _ in evidence.missing_parts(upload, received)]
        if missing:
            # The parts sent so far stay: the client resumes with the targets of the rest.
            raise Conflict(
                f"parts {missing} have not arrived; send them and confirm again",
                {"parts": missing},
            )
        self.files.finish_parts(upload["object_key"], upload["upload_id"], received)

    @SettingTimer.decorator("evidence_sweep_seconds")
    def sweep_uploads(self):
        """Remove the objects and parts of uploads that were never confirmed in time."""
        for upload, became_evidence in self.store.expired_uploads(self.clock.now()):
            if not became_evidence:
                self.files.discard(upload["object_key"], upload.get("upload_id"))
            self.store.end_upload(upload["_id"])

    @idempotent_handler(SERVICE, events.EVIDENCE_RECORDED)
    def handle_evidence_recorded(self, event):
        """Photos get a thumbnail, so the hazard board shows evidence without the originals."""
        data = event["data"]
        if data["content_type"] in PICTURES:
            record = self.store.evidence_record(data["evidence_id"])
            thumbnail = record and self.files.thumbnail(record["object_key"], record["_id"])
            if thumbnail:
                self.store.set_thumbnail(record["_id"], thumbnail)

    @rpc
    def hazard_evidence(self, hazard_id):
        """The evidence about a hazard, for callers who see it."""
        hazard = self.store.hazard(hazard_id, self.caller())
        return plain(self.store.hazard_evidence(hazard["_id"], self.caller()))

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
        prefix, year = self.caller().indicator_scope(fields["region"]), fields["year"]
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
        """双随机 annual plan: risk priorities (units on the untrustworthy list among them, as
        the credit service's events report them) and a random sample whose seed is recorded."""
        fields = load(PlanRequestSchema(), payload)
        actor = self.caller()
        prefix = actor.narrow(fields["region"])
        plan, _ = planning.create_plan(
            plain(self.store.enterprises_in(prefix)),
            self.store.open_major_counts(prefix),
            self.store.listed_units(),
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

    # --- special campaigns (专项行动) and rules from the bureaus above ------------------------

    @rpc
    def announce_campaign(self, payload):
        fields = load(CampaignSchema(), payload)
        deployment = self.store.settings.deployment()
        announced = campaigns.announce(
            fields,
            self._catalogue().ids(),
            deployment.level,
            deployment.region,
            self.caller(),
            self.clock.now(),
            self.clock.today(),
        )
        return plain(self.store.save_campaign(*announced))

    @rpc
    def list_campaigns(self, query):
        """The campaigns in force of the caller's jurisdiction, with their progress in it."""
        day = load(CampaignQuerySchema(), query).get("on") or self.clock.today()
        actor = self.caller()
        found = [
            campaign
            for campaign in self.store.campaigns_in_force(day)
            if campaigns.concerns(campaign, actor)
        ]
        progress = self.store.campaign_progress(
            [campaign["_id"] for campaign in found], actor.scope_prefix
        )
        return {
            "on": day.isoformat(),
            "campaigns": [
                plain(campaigns.with_progress(campaign, progress.get(campaign["_id"], {})))
                for campaign in found
            ],
        }

    @idempotent_handler(SERVICE, events.CAMPAIGN_ANNOUNCED)
    def handle_campaign_announced(self, event):
        self.store.keep_campaign(campaigns.received(event["data"], self.clock.now()))

    # One record per campaign and enterprise, written once: no inbox markers.
    @idempotent_handler(SERVICE, events.INSPECTION_COMPLETED, effect_records_id=True)
    def handle_inspection_completed_for_campaigns(self, event):
        inspected = campaigns.inspected_under(event)
        if inspected:
            self.store.note_campaign_inspection(inspected)

    @idempotent_handler(SERVICE, events.RULE_SET_PUBLISHED)
    def handle_rule_set_published(self, event):
        self.take_rule_set(event)

    # --- events ----------------------------------------------------------------------------

    @idempotent_handler("registry", events.PROJECT_SPOT_CHECKED)
    def handle_project_spot_checked(self, event):
        for hazard, reported in hazards.found_in_spot_check(
            event["data"], event["regioncode"], self.clock.now()
        ):
            self.store.add_hazard_once(hazard, reported)

    # --- hazards from the monitoring service's alarms (非现场执法) ---
    @idempotent_handler("monitoring", events.ALARM_HAZARD_REQUESTED)
    def handle_alarm_hazard_requested(self, event):
        self.store.add_hazard_once(
            *monitoring_alarms.hazard_from_alarm(
                event["data"], event["regioncode"], self.clock.now()
            )
        )

    # Counters move in batches; the counter write records the event ids, so no inbox markers.
    @batched_handler(SERVICE, events.OWN_EVENTS)
    def handle_own_event_for_indicators(self, received):
        self.store.add_to_counters(event_changes(received, indicators.counter_deltas))
        self.store.note_self_inspections(indicators.self_inspection_facts(received))
