"""The inspection service's events: what it publishes (type, data schema, meaning) and what it
consumes.

The source of the AsyncAPI document. Each published type's `data` validates against its schema;
consumers keep their own copy and tolerate fields they do not know.
"""

from marshmallow import Schema, fields

from services.kit.copies import (
    CREDIT_FEED,
    ENTERPRISE_STANDING_CHANGED,
    REGISTRY_FEED,
    copy_requested,
)
from services.kit.pure.envelope import Published, event_type
from services.kit.rules import rule_set_published

SERVICE = "inspection"


class InspectionCompletedSchema(Schema):
    inspection_id = fields.String(required=True)
    uscc = fields.String(required=True)
    mode = fields.String(required=True)
    theme = fields.String(required=True, allow_none=True)
    campaign_id = fields.String(
        required=True, allow_none=True, metadata={"description": "the campaign it was made under"}
    )
    project_id = fields.String(required=True, allow_none=True)
    findings = fields.Integer(required=True, metadata={"description": "how many were recorded"})
    hazard_ids = fields.List(fields.String(), required=True)


class HazardSchema(Schema):
    """A hazard as it stands after the fact."""

    hazard_id = fields.String(required=True)
    uscc = fields.String(required=True)
    grade = fields.String(required=True)
    state = fields.String(required=True)
    deadline = fields.Date(required=True, allow_none=True)
    found_on = fields.Date(required=True)


class HazardDecisionSchema(HazardSchema):
    reason = fields.String(required=True, allow_none=True)


class HazardClosedSchema(HazardSchema):
    was_overdue = fields.Boolean(required=True)


class ActionTakenSchema(Schema):
    id = fields.String(required=True)
    kind = fields.String(required=True)
    hazard_id = fields.String(required=True)
    uscc = fields.String(required=True)
    region_code = fields.String(required=True)
    taken_at = fields.DateTime(required=True)
    taken_by = fields.String(required=True)
    document_number = fields.String(required=True, allow_none=True)
    note = fields.String(required=True, allow_none=True)


class SuspensionSchema(Schema):
    order_id = fields.String(required=True)
    uscc = fields.String(required=True)
    reason = fields.String(required=True)


class SuspensionOrderedSchema(SuspensionSchema):
    ordered_on = fields.Date(required=True)


class SuspensionLiftedSchema(SuspensionSchema):
    lifted_on = fields.Date(required=True)


class PartySchema(Schema):
    """A party of a case; identity numbers stay in the case."""

    party_id = fields.String(required=True)
    kind = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, allow_none=True)


class RuleReferenceSchema(Schema):
    """The rule and version a figure applied (GET /api/v1/rules)."""

    id = fields.String(required=True)
    version = fields.Integer(required=True)


class PenaltyLineSchema(Schema):
    party_id = fields.String(required=True)
    legal_basis = fields.String(required=True)
    article = fields.String(required=True, metadata={"description": "e.g. safety_law.art102"})
    circumstance = fields.String(required=True, allow_none=True)
    rule = fields.Nested(RuleReferenceSchema, required=True)
    correction_ordered_on = fields.Date(required=True, allow_none=True)
    amount_yuan = fields.Integer(required=True)
    decision_number = fields.String(required=True)
    decided_on = fields.Date(required=True)
    order_to_correct = fields.Boolean(required=True)
    correction_deadline = fields.Date(required=True, allow_none=True)


class PenaltyDecidedSchema(Schema):
    case_id = fields.String(required=True)
    uscc = fields.String(required=True)
    region_code = fields.String(required=True)
    authority = fields.String(required=True)
    parties = fields.List(fields.Nested(PartySchema), required=True)
    lines = fields.List(fields.Nested(PenaltyLineSchema), required=True)
    hazard_ids = fields.List(fields.String(), required=True)
    total_yuan = fields.Integer(required=True)


class IndicatorDeltaSchema(Schema):
    """What the accident adds to its year's counters (negative when a supplement lowers them)."""

    count = fields.Integer(required=True)
    deaths = fields.Integer(required=True, metadata={"description": "the missing included"})
    missing = fields.Integer(required=True)
    injuries = fields.Integer(required=True)
    direct_loss_yuan = fields.Integer(required=True)
    by_grade = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "the count by grade"},
    )


class AccidentSchema(Schema):
    accident_id = fields.String(required=True)
    occurred_at = fields.DateTime(required=True)
    place = fields.String(required=True)
    uscc = fields.String(required=True)
    region_code = fields.String(
        required=True, metadata={"description": "the enterprise's registered county"}
    )
    occurred_region_code = fields.String(
        required=True, metadata={"description": "the county where it happened, which counts it"}
    )
    accident_type = fields.String(required=True)
    deaths = fields.Integer(required=True)
    missing = fields.Integer(required=True)
    serious_injuries = fields.Integer(required=True)
    minor_injuries = fields.Integer(required=True)
    direct_loss_yuan = fields.Integer(required=True)
    grade = fields.String(required=True)
    report_late = fields.Boolean(
        required=True,
        metadata={
            "description": "a report to the bureau or up a level was late (493号 Arts. 9, 11)"
        },
    )
    indicator_delta = fields.Nested(IndicatorDeltaSchema, required=True)


class FigureChangeSchema(Schema):
    """A figure's (or the grade's, which follows the figures) value before and after."""

    from_ = fields.Raw(required=True, data_key="from")
    to = fields.Raw(required=True)


class AccidentUpdatedSchema(AccidentSchema):
    reason = fields.String(required=True)
    changes = fields.Dict(
        keys=fields.String(), values=fields.Nested(FigureChangeSchema), required=True
    )


class SelfInspectionReportedSchema(Schema):
    id = fields.String(required=True, data_key="_id")
    uscc = fields.String(required=True)
    performed_on = fields.Date(required=True)
    month = fields.String(required=True)
    led_by_principal = fields.Boolean(required=True)
    problems_found = fields.Integer(required=True)
    hazard_ids = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "the hazards it found, each announced as hazard.reported"},
    )


class RiskPointSchema(Schema):
    risk_point_id = fields.String(required=True)
    uscc = fields.String(required=True)
    level = fields.String(required=True, metadata={"description": "major, significant, ..."})
    complete = fields.Boolean(required=True)
    has_measures = fields.Boolean(required=True)


class RiskRegisterReviewedSchema(Schema):
    uscc = fields.String(required=True)
    reviewed_on = fields.Date(required=True)
    points = fields.Integer(required=True)
    by_level = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class EmergencyPlanSchema(Schema):
    plan_id = fields.String(required=True)
    uscc = fields.String(required=True)
    kind = fields.String(required=True)
    state = fields.String(required=True)


class EmergencyPlanStepSchema(EmergencyPlanSchema):
    on = fields.Date(required=True)


class EmergencyPlanRevisedSchema(EmergencyPlanStepSchema):
    reason = fields.String(required=True)
    note = fields.String(required=True, allow_none=True)


class EmergencyPlanFiledSchema(EmergencyPlanSchema):
    number = fields.String(required=True, metadata={"description": "the bureau's filing number"})
    filed_on = fields.Date(required=True)
    first_on_file = fields.Boolean(
        required=True, metadata={"description": "the enterprise had no plan on file before"}
    )


class DrillRecordedSchema(Schema):
    drill_id = fields.String(required=True)
    uscc = fields.String(required=True)
    kind = fields.String(required=True)
    held_on = fields.Date(required=True)
    half = fields.String(required=True, metadata={"description": "e.g. 2026-H1"})
    led_by_principal = fields.Boolean(required=True)
    first_principal_led_in_half = fields.Boolean(required=True)
    both_halves_now = fields.Boolean(
        required=True,
        metadata={"description": "the year now has a principal-led drill in each half"},
    )
    follow_ups = fields.Integer(required=True)


class DrillFollowUpClosedSchema(Schema):
    drill_id = fields.String(required=True)
    uscc = fields.String(required=True)
    follow_up_id = fields.String(required=True)
    closed_on = fields.Date(required=True)
    was_overdue = fields.Boolean(required=True)


class DrillDueSchema(Schema):
    uscc = fields.String(required=True)
    half = fields.String(required=True)
    due_by = fields.Date(required=True)


def _hazard(verb: str, schema: type[Schema], description: str) -> Published:
    return Published.of(SERVICE, "hazard", verb, schema, description)


class EvidenceRecordedSchema(Schema):
    evidence_id = fields.String(required=True)
    uscc = fields.String(required=True)
    hazard_id = fields.String(required=True, allow_none=True)
    content_type = fields.String(required=True, metadata={"description": "sniffed from content"})
    size = fields.Integer(required=True)


class CampaignAnnouncedSchema(Schema):
    campaign_id = fields.String(required=True)
    title = fields.String(required=True)
    theme = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    focus_items = fields.List(
        fields.String(), required=True, metadata={"description": "hazard catalogue ids"}
    )
    region_code = fields.String(
        required=True, metadata={"description": "the announcing bureau's, which it covers"}
    )


EVIDENCE_RECORDED = event_type(SERVICE, "evidence", "recorded")
INSPECTION_COMPLETED = event_type(SERVICE, "inspection", "completed")
CAMPAIGN_ANNOUNCED = event_type(SERVICE, "campaign", "announced")
RULE_SET_PUBLISHED = event_type(SERVICE, "rule_set", "published")
# Sent to the deployments below (services/kit/federation.py), never up.
DOWNWARD_TYPES = (CAMPAIGN_ANNOUNCED, RULE_SET_PUBLISHED)

PUBLISHED = (
    Published.of(
        SERVICE,
        "inspection",
        "completed",
        InspectionCompletedSchema,
        "An inspection record was completed and signed (or the signature refused).",
    ),
    _hazard(
        "reported",
        HazardSchema,
        "A hazard found on an inspection or a self-inspection entered its loop.",
    ),
    _hazard(
        "rectification_submitted",
        HazardDecisionSchema,
        "The enterprise reported a hazard rectified, with evidence.",
    ),
    _hazard("verified", HazardDecisionSchema, "The bureau accepted a hazard's rectification."),
    _hazard("rejected", HazardDecisionSchema, "The bureau sent a hazard back to rectification."),
    _hazard("closed", HazardClosedSchema, "A hazard's loop closed."),
    _hazard("regraded", HazardDecisionSchema, "A general hazard was raised to major."),
    _hazard("overdue", HazardSchema, "A hazard passed its rectification deadline (once)."),
    Published.of(
        SERVICE,
        "enforcement",
        "action_taken",
        ActionTakenSchema,
        "A rung of the escalation ladder was taken on an overdue hazard.",
    ),
    Published.of(
        SERVICE,
        "suspension",
        "ordered",
        SuspensionOrderedSchema,
        "An enterprise was ordered to suspend production (责令停产停业整顿).",
    ),
    Published.of(
        SERVICE,
        "suspension",
        "lifted",
        SuspensionLiftedSchema,
        "A suspension order was lifted after review.",
    ),
    Published.of(
        SERVICE,
        "penalty",
        "decided",
        PenaltyDecidedSchema,
        "A penalty case was decided against the unit and its responsible persons.",
    ),
    Published.of(
        SERVICE,
        "accident",
        "reported",
        AccidentSchema,
        "An accident was reported, with its figures and grade.",
    ),
    Published.of(
        SERVICE,
        "accident",
        "updated",
        AccidentUpdatedSchema,
        "An accident's figures were supplemented (casualties within the window of 493号 Art. 13).",
    ),
    Published.of(
        SERVICE,
        "self_inspection",
        "reported",
        SelfInspectionReportedSchema,
        "An enterprise reported a self-inspection.",
    ),
    Published.of(
        SERVICE,
        "evidence",
        "recorded",
        EvidenceRecordedSchema,
        "A file (photo, scan, video) was stored and recorded as evidence.",
    ),
    Published.of(
        SERVICE,
        "risk_point",
        "recorded",
        RiskPointSchema,
        "A risk point of an enterprise was identified and graded (双重预防).",
    ),
    Published.of(
        SERVICE,
        "risk_point",
        "changed",
        RiskPointSchema,
        "A risk point was re-assessed or its control measures changed.",
    ),
    Published.of(
        SERVICE,
        "risk_register",
        "reviewed",
        RiskRegisterReviewedSchema,
        "An enterprise reviewed its whole risk register, which is current from that day.",
    ),
    *(
        Published.of(SERVICE, "emergency_plan", verb, schema, description)
        for verb, schema, description in (
            ("drafted", EmergencyPlanSchema, "An emergency plan was drafted."),
            ("reviewed", EmergencyPlanStepSchema, "A plan passed its expert review (评审)."),
            ("assessed", EmergencyPlanStepSchema, "A plan was assessed (评估)."),
            ("filed", EmergencyPlanFiledSchema, "The county bureau filed a plan (备案)."),
            ("revised", EmergencyPlanRevisedSchema, "A filed plan was revised, with the reason."),
        )
    ),
    Published.of(
        SERVICE,
        "drill",
        "recorded",
        DrillRecordedSchema,
        "An emergency drill was held and recorded.",
    ),
    Published.of(
        SERVICE,
        "drill",
        "follow_up_closed",
        DrillFollowUpClosedSchema,
        "A drill's follow-up action was done, with evidence.",
    ),
    Published.of(
        SERVICE,
        "drill",
        "due",
        DrillDueSchema,
        "An enterprise's principal-led drill of this half year is due (a reminder).",
    ),
    Published.of(
        SERVICE,
        "campaign",
        "announced",
        CampaignAnnouncedSchema,
        "A city or province bureau announced a special campaign (专项行动) for its jurisdiction.",
    ),
    rule_set_published(SERVICE),
    copy_requested(SERVICE),
)

# Consumed: the registry's enterprises feed this service's copy of them, the credit service's
# listings its priorities, the service's own events move its indicator counters and make
# thumbnails of photos, and the registry's project spot checks open hazards.
OWN_EVENTS = f"cn.anjian.{SERVICE}.#"
# The registry's spot check of a construction project opens the hazards its findings name.
PROJECT_SPOT_CHECKED = event_type("registry", "project", "spot_checked")
# The monitoring service's alarm left open too long, or repeating, opens a hazard.
ALARM_HAZARD_REQUESTED = event_type("monitoring", "alarm", "hazard_requested")
CONSUMED = (
    *REGISTRY_FEED,
    ENTERPRISE_STANDING_CHANGED,
    *CREDIT_FEED,
    OWN_EVENTS,
    PROJECT_SPOT_CHECKED,
    ALARM_HAZARD_REQUESTED,
)
