"""Inspection schemas: what callers may send, and what they get back.

Every field a caller sends is typed and unknown fields are refused. The answers (the `...Out`
schemas) document the records as the service sends them; a record may carry further fields.
"""

from marshmallow import INCLUDE, Schema, fields, validate

from services.inspection.domain import CAMPAIGN_THEMES, GRADES, HAZARD_SOURCES, MODES
from services.kit.evidence import ACCEPTED
from services.kit.pure.schemas import (
    SHA256,
    BoundedInteger,
    Count,
    PageSchema,
    RateOut,
    RuleReferenceOut,
    StrictSchema,
    Year,
    Yuan,
)

USCC = validate.Regexp(r"^[0-9A-Z]{18}$", error="must be 18 characters 0-9, A-Z")
IDENTIFIER = validate.Regexp(r"^[0-9a-f]{32}$", error="must be a 32-character id")
TEXT = validate.Length(min=1, max=2000)
REASON = validate.Length(min=2, max=1000)
COUNTY = validate.Regexp(r"^\d{6}$", error="must be a six-digit division code")


class InspectionCreateSchema(StrictSchema):
    uscc = fields.String(required=True, validate=USCC)
    mode = fields.String(required=True, validate=validate.OneOf(MODES))
    theme = fields.String(validate=validate.OneOf(CAMPAIGN_THEMES))
    campaign_id = fields.String(
        validate=IDENTIFIER,
        metadata={
            "description": "special_campaign: the campaign (GET /api/v1/campaigns) it is made "
            "under, in force today and covering the enterprise; the theme is the campaign's"
        },
    )
    project_id = fields.String(validate=validate.Length(min=1, max=64))
    re_check_of = fields.String(validate=IDENTIFIER)
    corrects = fields.String(
        validate=IDENTIFIER, metadata={"description": "the completed record this one corrects"}
    )
    agency = fields.String(validate=validate.Length(min=1, max=64))
    place = fields.String(required=True, validate=validate.Length(min=1, max=200))
    content = fields.String(required=True, validate=TEXT)
    inspectors = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        validate=validate.Length(max=10),
        metadata={
            "description": "the other officers on site (user ids); with "
            "the caller, at least two except third_party"
        },
    )


class AgencyAssignmentSchema(StrictSchema):
    agency = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "user name of the agency's account"},
    )
    uscc = fields.String(required=True, validate=USCC)


class FindingSchema(StrictSchema):
    description = fields.String(required=True, validate=TEXT)
    location = fields.String(validate=validate.Length(max=200))
    catalogue_item = fields.String(validate=validate.Length(min=1, max=32))
    failed_device = fields.Boolean(truthy={True}, falsy={False}, load_default=False)
    raise_to_major = fields.Boolean(truthy={True}, falsy={False}, load_default=False)
    raise_reason = fields.String(validate=REASON)
    deadline = fields.Date()


class CompletionSchema(StrictSchema):
    handling = fields.String(required=True, validate=TEXT)
    signature = fields.String(
        validate=validate.Length(min=1, max=50),
        metadata={"description": "name of the unit head who signed"},
    )
    signature_refusal = fields.String(
        validate=REASON, metadata={"description": "why the unit head refused"}
    )


class InspectionQuerySchema(PageSchema):
    region = fields.String(validate=validate.Regexp(r"^\d{2,6}$"))
    uscc = fields.String(validate=USCC)
    mode = fields.String(validate=validate.OneOf(MODES))
    state = fields.String(validate=validate.OneOf(("open", "completed")))


class HazardQuerySchema(PageSchema):
    region = fields.String(validate=validate.Regexp(r"^\d{2,6}$"))
    uscc = fields.String(validate=USCC)
    grade = fields.String(validate=validate.OneOf(GRADES))
    state = fields.String(validate=validate.Length(min=1, max=20))
    overdue = fields.Boolean()
    source = fields.String(validate=validate.OneOf(HAZARD_SOURCES))
    escalation_proposed = fields.Boolean(
        metadata={
            "description": "true: only hazards with an escalation rung waiting for the bureau"
        }
    )


class RectificationSchema(StrictSchema):
    evidence = fields.List(
        fields.String(validate=IDENTIFIER), required=True, validate=validate.Length(min=1, max=20)
    )
    note = fields.String(validate=TEXT)


class VerificationSchema(StrictSchema):
    decision = fields.String(required=True, validate=validate.OneOf(("verify", "reject")))
    reason = fields.String(validate=REASON)


class PlanSchema(StrictSchema):
    targets = fields.String(required=True, validate=TEXT)
    measures = fields.String(required=True, validate=TEXT)
    funds_yuan = Yuan(required=True)
    people = fields.String(required=True, validate=TEXT)
    deadline = fields.Date(required=True)
    safety_measures = fields.String(required=True, validate=TEXT)
    emergency_measures = fields.String(required=True, validate=TEXT)


class ExtensionRequestSchema(StrictSchema):
    deadline = fields.Date(required=True)
    reason = fields.String(required=True, validate=REASON)


class ExtensionDecisionSchema(StrictSchema):
    approve = fields.Boolean(required=True, truthy={True}, falsy={False})
    reason = fields.String(required=True, validate=REASON)


class HazardActionSchema(StrictSchema):
    action = fields.String(
        required=True,
        validate=validate.OneOf(
            ("start_rectification", "apply_resume", "suspend", "raise_to_major", "record_defiance")
        ),
    )
    reason = fields.String(validate=REASON)


class SelfFoundHazardSchema(StrictSchema):
    description = fields.String(required=True, validate=TEXT)
    location = fields.String(validate=validate.Length(max=200))
    grade = fields.String(required=True, validate=validate.OneOf(GRADES))
    catalogue_item = fields.String(
        validate=validate.Length(min=1, max=32),
        metadata={"description": "the 令第10号 item a major hazard matches"},
    )
    failed_device = fields.Boolean(truthy={True}, falsy={False}, load_default=False)
    deadline = fields.Date(metadata={"description": "required for a general hazard"})


class EscalationDecisionSchema(StrictSchema):
    kind = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "the rung proposed on the hazard"},
    )
    approve = fields.Boolean(required=True, truthy={True}, falsy={False})
    reason = fields.String(required=True, validate=REASON)
    document_number = fields.String(validate=validate.Length(min=1, max=64))


class SelfInspectionSchema(StrictSchema):
    uscc = fields.String(validate=USCC)
    performed_on = fields.Date(required=True)
    led_by_principal = fields.Boolean(required=True, truthy={True}, falsy={False})
    leader = fields.String(validate=validate.Length(min=1, max=50))
    content = fields.String(required=True, validate=TEXT)
    problems_found = Count(metadata={"description": "default: the number of hazards"})
    hazards = fields.List(
        fields.Nested(SelfFoundHazardSchema),
        load_default=list,
        validate=validate.Length(max=50),
        metadata={"description": "each enters the closed loop as a hazard"},
    )


class UploadSchema(StrictSchema):
    """A file to be sent straight to the object store, as declared before it is sent: the
    store refuses any other length, type or content."""

    sha256 = fields.String(required=True, validate=SHA256)
    size = BoundedInteger(2**53, minimum=1, required=True)
    content_type = fields.String(
        required=True,
        validate=validate.OneOf(sorted(ACCEPTED)),
        metadata={"description": "checked against the file's content once it is stored"},
    )
    filename = fields.String(validate=validate.Length(max=255), allow_none=True)
    uscc = fields.String(validate=USCC)
    hazard_id = fields.String(validate=IDENTIFIER)
    captured_at = fields.AwareDateTime(allow_none=True)
    latitude = fields.Float(validate=validate.Range(min=-90, max=90), allow_none=True)
    longitude = fields.Float(validate=validate.Range(min=-180, max=180), allow_none=True)


class EvidenceRecordSchema(UploadSchema):
    """What the gateway records after streaming a file to the object store."""

    content_type = fields.String(required=True)
    object_key = fields.String(required=True)


class AccidentSchema(StrictSchema):
    uscc = fields.String(required=True, validate=USCC)
    occurred_at = fields.AwareDateTime(required=True)
    place = fields.String(required=True, validate=validate.Length(min=1, max=200))
    accident_type = fields.String(required=True)
    deaths = Count(required=True)
    missing = Count(load_default=0)
    serious_injuries = Count(required=True)
    minor_injuries = Count(load_default=0)
    direct_loss_yuan = Yuan(required=True)
    summary = fields.String(validate=TEXT)
    occurred_region_code = fields.String(
        validate=COUNTY,
        metadata={
            "description": "county where it happened (counted there); default the registered one"
        },
    )
    unit_reported_at = fields.AwareDateTime(
        metadata={
            "description": "when the unit reported it to the bureau (493号 Art. 9); default now"
        }
    )
    road_traffic = fields.Boolean(
        truthy={True},
        falsy={False},
        metadata={
            "description": "a road-traffic accident (493号 Art. 13: 7-day supplement window)"
        },
    )


class AccidentSupplementSchema(StrictSchema):
    deaths = Count()
    missing = Count()
    serious_injuries = Count()
    minor_injuries = Count()
    direct_loss_yuan = Yuan()
    reason = fields.String(required=True, validate=REASON)


class AccidentLevelReportSchema(StrictSchema):
    to = fields.String(
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={
            "description": "the level reported to: city, province or national (493号 Art. 10)"
        },
    )
    reported_at = fields.AwareDateTime(required=True)


class PartySchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(("unit", "person")))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = fields.String(validate=validate.OneOf(("principal", "safety_manager", "other")))
    id_number = fields.String(validate=validate.Length(min=15, max=18))


class CaseSchema(StrictSchema):
    uscc = fields.String(required=True, validate=USCC)
    hazard_ids = fields.List(fields.String(validate=IDENTIFIER), load_default=list)
    parties = fields.List(
        fields.Nested(PartySchema), required=True, validate=validate.Length(min=1, max=20)
    )


class PenaltyLineSchema(StrictSchema):
    party_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    legal_basis = fields.String(required=True, validate=validate.Length(min=1, max=200))
    article = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[a-z0-9_]+(\.[a-z0-9_]+)+$", error="a penalty rule id, e.g. safety_law.art102"
        ),
    )
    circumstance = fields.String(
        validate=validate.Regexp(
            r"^[a-z_]{1,40}$", error="a case the article names, e.g. overdue or refused"
        ),
        metadata={"description": "the article's later case whose range applies (if_<name>)"},
    )
    amount_yuan = Yuan(required=True)
    decision_number = fields.String(required=True, validate=validate.Length(min=1, max=64))
    decided_on = fields.Date(required=True)
    order_to_correct = fields.Boolean(load_default=False, truthy={True}, falsy={False})
    correction_deadline = fields.Date(allow_none=True, load_default=None)
    correction_ordered_on = fields.Date(
        allow_none=True,
        load_default=None,
        metadata={
            "description": "when the order to correct was made (default: decided_on); Art. 112 "
            "counts from the next day"
        },
    )


class PenaltyDecisionSchema(StrictSchema):
    lines = fields.List(
        fields.Nested(PenaltyLineSchema), required=True, validate=validate.Length(min=1, max=40)
    )


class DailyFineDecisionSchema(StrictSchema):
    party_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    impose = fields.Boolean(required=True, truthy={True}, falsy={False})
    reason = fields.String(required=True, validate=REASON)
    decision_number = fields.String(validate=validate.Length(min=1, max=64))


class ClosureDecisionSchema(StrictSchema):
    decision_number = fields.String(required=True, validate=validate.Length(min=1, max=64))
    reason = fields.String(required=True, validate=REASON)


class ComplianceSchema(StrictSchema):
    party_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    status = fields.String(required=True, validate=validate.OneOf(("refused", "corrected")))
    on = fields.Date(
        required=True,
        metadata={
            "description": "refused: since when; corrected: the re-inspection that confirmed it"
        },
    )


class PlanRequestSchema(StrictSchema):
    region = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))
    year = Year(required=True)
    sample_size = BoundedInteger(10000, minimum=1, required=True)
    seed = BoundedInteger(
        2**31 - 1, metadata={"description": "recorded; a new one is drawn if omitted"}
    )


class PlanQuerySchema(PageSchema):
    region = fields.String(validate=validate.Regexp(r"^\d{2,6}$"))
    year = Year(strict=False)


class SuspensionLiftSchema(StrictSchema):
    reason = fields.String(required=True, validate=REASON)


class IndicatorQuerySchema(StrictSchema):
    region = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))
    year = Year(required=True, strict=False)


class CampaignSchema(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    theme = fields.String(required=True, validate=validate.OneOf(CAMPAIGN_THEMES))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    focus_items = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        validate=validate.Length(max=100),
        metadata={"description": "ids of the hazard catalogue's items and checks it focuses on"},
    )


class CampaignQuerySchema(StrictSchema):
    on = fields.Date(metadata={"description": "the day the campaigns are in force (default today)"})


# --- answers --------------------------------------------------------------------------------


class Out(Schema):
    """An answer: the fields documented here, and possibly further ones."""

    class Meta:
        unknown = INCLUDE


class RecordOut(Out):
    """A stored record as answered: its id, its enterprise and region, and further fields."""

    id = fields.String()
    uscc = fields.String()
    region_code = fields.String()


class CatalogueOut(Out):
    on = fields.Date(metadata={"description": "the day whose rules in force are listed"})
    major_hazard_items = fields.List(
        fields.Dict(), metadata={"description": "应急管理部令第10号, item by item"}
    )
    general_checks = fields.List(fields.Dict())
    failed_device_rule = fields.Dict()
    exclusions = fields.Dict()


class FindingOut(Out):
    finding_id = fields.String()
    hazard_id = fields.String()
    grade = fields.String(validate=validate.OneOf(GRADES))
    description = fields.String()
    location = fields.String(allow_none=True)
    catalogue_item = fields.String(allow_none=True)
    failed_device = fields.Boolean()
    catalogue_rule = fields.Nested(RuleReferenceOut, allow_none=True)
    raise_reason = fields.String(allow_none=True)
    deadline = fields.Date(allow_none=True)
    recorded_at = fields.DateTime()
    recorded_by = fields.String()


class InspectionOut(RecordOut):
    enterprise_name = fields.String()
    mode = fields.String(validate=validate.OneOf(MODES))
    theme = fields.String(allow_none=True)
    campaign_id = fields.String(allow_none=True)
    project_id = fields.String(allow_none=True)
    re_check_of = fields.String(allow_none=True)
    corrects = fields.String(allow_none=True)
    agency = fields.String(allow_none=True)
    place = fields.String()
    content = fields.String()
    inspectors = fields.List(fields.String())
    started_at = fields.DateTime()
    checklist = fields.Raw(
        allow_none=True,
        metadata={
            "description": "the catalogue items that apply to the enterprise, and its red and "
            "orange risk points (`risk_points`; a red one without measures names its finding)"
        },
    )
    findings = fields.List(fields.Nested(FindingOut))
    handling = fields.String(allow_none=True)
    signature = fields.Dict(allow_none=True, metadata={"description": "name, signed_at"})
    signature_refusal = fields.Dict(
        allow_none=True, metadata={"description": "reason, recorded_at"}
    )
    state = fields.String(metadata={"description": "open or completed"})
    completed_at = fields.DateTime(allow_none=True)
    created_by = fields.String()


class CampaignProgressOut(Out):
    enterprises = Count(metadata={"description": "enterprises inspected under the campaign"})
    by_county = fields.List(
        fields.Dict(), metadata={"description": "[{region, enterprises}] per county"}
    )


class CampaignOut(Out):
    id = fields.String()
    title = fields.String()
    theme = fields.String(validate=validate.OneOf(CAMPAIGN_THEMES))
    starts_on = fields.Date()
    ends_on = fields.Date()
    focus_items = fields.List(fields.String())
    region_code = fields.String(
        metadata={"description": "the announcing bureau's, which it covers"}
    )
    progress = fields.Nested(
        CampaignProgressOut, metadata={"description": "in the caller's jurisdiction"}
    )


class CampaignsOut(Out):
    on = fields.Date()
    campaigns = fields.List(fields.Nested(CampaignOut))


class AssignmentOut(RecordOut):
    agency = fields.String()
    assigned_by = fields.String()
    assigned_at = fields.DateTime()


class SelfInspectionOut(RecordOut):
    performed_on = fields.Date()
    month = fields.String(metadata={"description": "YYYY-MM"})
    led_by_principal = fields.Boolean()
    leader = fields.String(allow_none=True)
    content = fields.String()
    problems_found = fields.Integer()
    findings = fields.List(
        fields.Nested(FindingOut),
        metadata={"description": "the hazards it found, each entering the closed loop"},
    )
    reported_at = fields.DateTime()
    reported_by = fields.String()


class MonthCoverageOut(Out):
    reports = fields.Integer()
    principal_led = fields.Boolean()


class CoverageOut(Out):
    uscc = fields.String()
    year = fields.Integer()
    months = fields.Dict(
        keys=fields.String(metadata={"description": "YYYY-MM"}),
        values=fields.Nested(MonthCoverageOut),
    )


class HazardOut(RecordOut):
    spot_check_id = fields.String(allow_none=True)
    monitoring = fields.Dict(
        metadata={
            "description": "for a hazard from a monitoring alarm: the alarm, why, the point, "
            "its unit and threshold, and the reading series as evidence"
        }
    )
    enterprise_name = fields.String()
    agency = fields.String(allow_none=True)
    source = fields.String(validate=validate.OneOf(HAZARD_SOURCES))
    inspection_id = fields.String(allow_none=True)
    self_inspection_id = fields.String(allow_none=True)
    grade = fields.String(validate=validate.OneOf(GRADES))
    catalogue_item = fields.String(allow_none=True)
    failed_device = fields.Boolean()
    description = fields.String()
    location = fields.String(allow_none=True)
    found_at = fields.DateTime()
    found_by = fields.String()
    state = fields.String()
    deadline = fields.Date(allow_none=True)
    plan = fields.Dict(allow_none=True)
    suspension_order = fields.Dict(allow_none=True)
    rectifications = fields.List(fields.Dict())
    extensions = fields.List(fields.Dict())
    escalations = fields.List(fields.Dict())
    escalation_proposal = fields.Dict(
        allow_none=True,
        metadata={
            "description": "the next rung, proposed to the bureau: kind, label, proposed_at, rule"
        },
    )
    escalation_decisions = fields.List(
        fields.Dict(), metadata={"description": "the bureau's decisions on proposed rungs"}
    )
    overdue = fields.Boolean()
    transitions = fields.List(fields.Dict(), metadata={"description": "every state change"})
    closed_at = fields.DateTime(allow_none=True)


class EvidenceOut(RecordOut):
    sha256 = fields.String()
    size = fields.Integer()
    content_type = fields.String()
    object_key = fields.String()
    filename = fields.String(allow_none=True)
    hazard_id = fields.String()
    captured_at = fields.DateTime(allow_none=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    uploaded_by = fields.String()
    uploaded_by_role = fields.String()
    uploaded_at = fields.DateTime()
    integrity = fields.String(metadata={"description": "unchecked, intact or mismatch"})
    checked_at = fields.DateTime()
    checked_by = fields.String()
    thumbnail_key = fields.String()


class EvidenceLinkOut(EvidenceOut):
    url = fields.String(metadata={"description": "a short-lived download link"})
    thumbnail_url = fields.String(
        metadata={"description": "a short-lived link to a small JPEG, for photos, once made"}
    )
    url_expires_in = fields.Integer(metadata={"description": "seconds"})


class TargetOut(Out):
    """Where and how to send bytes: the store refuses any other header value, and a whole
    file's target takes it once (sent again, 412)."""

    part = fields.Integer(metadata={"description": "the part's number, for a file in parts"})
    method = fields.String()
    url = fields.String()
    headers = fields.Dict(metadata={"description": "to send exactly as given"})


class UploadOut(RecordOut):
    sha256 = fields.String()
    size = fields.Integer()
    content_type = fields.String()
    filename = fields.String(allow_none=True)
    hazard_id = fields.String()
    expires_at = fields.DateTime()
    parts = fields.List(fields.Integer(), metadata={"description": "part sizes; [] for one PUT"})
    received = fields.List(
        fields.Integer(), metadata={"description": "the numbers of the parts already stored"}
    )
    targets = fields.List(
        fields.Nested(TargetOut),
        metadata={"description": "one PUT of the whole file, or one per part still missing"},
    )


class CaseOut(RecordOut):
    hazard_ids = fields.List(fields.String())
    parties = fields.List(fields.Dict())
    status = fields.String()
    opened_at = fields.DateTime()
    opened_by = fields.String()
    involves_major_hazard = fields.Boolean()
    lines = fields.List(
        fields.Dict(),
        metadata={
            "description": "penalty lines, each naming its article and the rule version applied"
        },
    )
    continuous_daily_fines = fields.List(
        fields.Dict(),
        metadata={
            "description": "Safety Law Art. 112 proposals for the unit, waiting for the bureau"
        },
    )
    daily_fine_decisions = fields.List(
        fields.Dict(), metadata={"description": "the bureau's decisions on those proposals"}
    )
    closure_flag = fields.Boolean(metadata={"description": "an Art. 113 condition is met"})
    closure_grounds = fields.List(
        fields.Dict(),
        metadata={"description": "Art. 113 items met, each with the records that show it"},
    )
    closure_decision = fields.Dict(
        allow_none=True,
        metadata={
            "description": "the bureau's request to close; bans are recorded on the principal"
        },
    )


class ReportTimingOut(Out):
    reported_at = fields.DateTime(allow_none=True)
    due_by = fields.DateTime()
    late = fields.Boolean(allow_none=True, metadata={"description": "none while waiting"})


class UnitReportOut(ReportTimingOut):
    rule = fields.Nested(RuleReferenceOut)


class LevelReportOut(ReportTimingOut):
    to = fields.String(metadata={"description": "city, province or national"})
    required_since = fields.DateTime()


class ReportingOut(Out):
    unit = fields.Nested(UnitReportOut, metadata={"description": "493号 Art. 9: within 1 hour"})
    levels = fields.List(
        fields.Nested(LevelReportOut),
        metadata={"description": "493号 Arts. 10-11: each level within 2 hours"},
    )
    level_rule = fields.Nested(RuleReferenceOut)
    targets_rule = fields.Nested(RuleReferenceOut)


class SupplementWindowOut(Out):
    days = fields.Integer()
    last_day = fields.Date()
    rule = fields.Nested(RuleReferenceOut)


class AccidentOut(RecordOut):
    occurred_at = fields.DateTime()
    occurred_region_code = fields.String(metadata={"description": "the county that counts it"})
    place = fields.String()
    accident_type = fields.String()
    road_traffic = fields.Boolean()
    deaths = fields.Integer()
    missing = fields.Integer()
    serious_injuries = fields.Integer()
    minor_injuries = fields.Integer()
    direct_loss_yuan = fields.Integer()
    grade = fields.String(metadata={"description": "国务院令第493号"})
    grade_rule = fields.Nested(RuleReferenceOut)
    supplement_window = fields.Nested(
        SupplementWindowOut,
        metadata={
            "description": "493号 Art. 13, for casualties; the loss may be corrected after it"
        },
    )
    reporting = fields.Nested(ReportingOut)
    report_late = fields.Boolean()
    reported_at = fields.DateTime()
    reported_by = fields.String()
    supplements = fields.List(fields.Dict())


class AnnualPlanOut(RecordOut):
    year = fields.Integer()
    seed = fields.Integer()
    sample_size = fields.Integer()
    priorities = fields.List(fields.Dict())
    sample = fields.List(fields.Raw())
    created_by = fields.String()
    created_at = fields.DateTime()


class IndicatorsOut(Out):
    region = fields.String()
    year = fields.Integer()
    hazards = fields.Dict(
        metadata={
            "description": "general and major: found, closed and overdue (by the year found), "
            "eliminated (closed in the year) and open_now"
        }
    )
    open_hazards_by_county = fields.Dict(
        metadata={"description": "hazards open now in each county, by grade (重大事故隐患动态清零)"}
    )
    penalties = fields.Dict()
    enforcement_actions = fields.Dict()
    inspections = fields.Dict()
    project_spot_checks = fields.Integer()
    dual_prevention = fields.Nested(
        RateOut,
        metadata={
            "description": "target 4: enterprises with a current risk register and a "
            "self-inspection report in the year / open enterprises"
        },
    )
    emergency_plans_on_file = fields.Nested(
        RateOut, metadata={"description": "enterprises with a plan filed / open enterprises"}
    )
    principal_led_drills = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(RateOut),
        metadata={
            "description": "enterprises with a principal-led drill in each_half, first_half, "
            "second_half of the year / open enterprises"
        },
    )
    accidents = fields.Dict(
        metadata={
            "description": "count, deaths (the missing included), missing, injuries, direct loss "
            "and by_grade, each this year and the previous"
        }
    )
