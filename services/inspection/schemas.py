"""Inspection schemas: what callers may send. Every field is typed and unknown fields are refused."""
from marshmallow import fields, validate

from services.inspection.domain import CAMPAIGN_THEMES, GRADES, MODES
from services.kit.pure.schemas import (BoundedInteger, Count, PageSchema, StrictSchema, Year,
                                  Yuan)

USCC = validate.Regexp(r"^[0-9A-Z]{18}$", error="must be 18 characters 0-9, A-Z")
IDENTIFIER = validate.Regexp(r"^[0-9a-f]{32}$", error="must be a 32-character id")
TEXT = validate.Length(min=1, max=2000)
REASON = validate.Length(min=2, max=1000)


class InspectionCreateSchema(StrictSchema):
    uscc = fields.String(required=True, validate=USCC)
    mode = fields.String(required=True, validate=validate.OneOf(MODES))
    theme = fields.String(validate=validate.OneOf(CAMPAIGN_THEMES))
    project_id = fields.String(validate=validate.Length(min=1, max=64))
    re_check_of = fields.String(validate=IDENTIFIER)
    corrects = fields.String(validate=IDENTIFIER,
                             metadata={"description": "the completed record this one corrects"})
    agency = fields.String(validate=validate.Length(min=1, max=64))
    place = fields.String(required=True, validate=validate.Length(min=1, max=200))
    content = fields.String(required=True, validate=TEXT)
    inspectors = fields.List(fields.String(validate=validate.Length(min=1, max=64)),
                             validate=validate.Length(max=10), metadata={
                                 "description": "the other officers on site (user ids); with "
                                                "the caller, at least two except third_party"})


class AgencyAssignmentSchema(StrictSchema):
    agency = fields.String(required=True, validate=validate.Length(min=1, max=64),
                           metadata={"description": "user name of the agency's account"})
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
    signature = fields.String(validate=validate.Length(min=1, max=50),
                              metadata={"description": "name of the unit head who signed"})
    signature_refusal = fields.String(validate=REASON,
                                      metadata={"description": "why the unit head refused"})


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
    escalation_proposed = fields.Boolean(metadata={
        "description": "true: only hazards with an escalation rung waiting for the bureau"})


class RectificationSchema(StrictSchema):
    evidence = fields.List(fields.String(validate=IDENTIFIER), required=True,
                           validate=validate.Length(min=1, max=20))
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
    action = fields.String(required=True, validate=validate.OneOf(
        ("start_rectification", "apply_resume", "suspend", "raise_to_major",
         "record_defiance")))
    reason = fields.String(validate=REASON)


class EscalationDecisionSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.Length(min=1, max=40),
                         metadata={"description": "the rung proposed on the hazard"})
    approve = fields.Boolean(required=True, truthy={True}, falsy={False})
    reason = fields.String(required=True, validate=REASON)
    document_number = fields.String(validate=validate.Length(min=1, max=64))


class SelfInspectionSchema(StrictSchema):
    uscc = fields.String(validate=USCC)
    performed_on = fields.Date(required=True)
    led_by_principal = fields.Boolean(required=True, truthy={True}, falsy={False})
    leader = fields.String(validate=validate.Length(min=1, max=50))
    content = fields.String(required=True, validate=TEXT)
    problems_found = Count(load_default=0)


class EvidenceRecordSchema(StrictSchema):
    """What the gateway records after streaming a file to the object store."""

    sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    size = BoundedInteger(2**53, minimum=1, required=True)
    content_type = fields.String(required=True)
    object_key = fields.String(required=True)
    filename = fields.String(validate=validate.Length(max=255), allow_none=True)
    uscc = fields.String(validate=USCC)
    hazard_id = fields.String(validate=IDENTIFIER)
    captured_at = fields.AwareDateTime(allow_none=True)
    latitude = fields.Float(validate=validate.Range(min=-90, max=90), allow_none=True)
    longitude = fields.Float(validate=validate.Range(min=-180, max=180), allow_none=True)


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


class AccidentSupplementSchema(StrictSchema):
    deaths = Count()
    missing = Count()
    serious_injuries = Count()
    minor_injuries = Count()
    direct_loss_yuan = Yuan()
    reason = fields.String(required=True, validate=REASON)


class PartySchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(("unit", "person")))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = fields.String(validate=validate.OneOf(("principal", "safety_manager", "other")))
    id_number = fields.String(validate=validate.Length(min=15, max=18))


class CaseSchema(StrictSchema):
    uscc = fields.String(required=True, validate=USCC)
    hazard_ids = fields.List(fields.String(validate=IDENTIFIER), load_default=list)
    parties = fields.List(fields.Nested(PartySchema), required=True,
                          validate=validate.Length(min=1, max=20))


class PenaltyLineSchema(StrictSchema):
    party_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    legal_basis = fields.String(required=True, validate=validate.Length(min=1, max=200))
    article = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z0-9_]+(\.[a-z0-9_]+)+$", error="a penalty rule id, e.g. safety_law.art102"))
    circumstance = fields.String(validate=validate.Regexp(
        r"^[a-z_]{1,40}$", error="a case the article names, e.g. overdue or refused"),
        metadata={"description": "the article's later case whose range applies (if_<name>)"})
    amount_yuan = Yuan(required=True)
    decision_number = fields.String(required=True, validate=validate.Length(min=1, max=64))
    decided_on = fields.Date(required=True)
    order_to_correct = fields.Boolean(load_default=False, truthy={True}, falsy={False})
    correction_deadline = fields.Date(allow_none=True, load_default=None)
    correction_ordered_on = fields.Date(allow_none=True, load_default=None, metadata={
        "description": "when the order to correct was made (default: decided_on); Art. 112 "
                       "counts from the next day"})


class PenaltyDecisionSchema(StrictSchema):
    lines = fields.List(fields.Nested(PenaltyLineSchema), required=True,
                        validate=validate.Length(min=1, max=40))


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
    on = fields.Date(required=True, metadata={
        "description": "refused: since when; corrected: the re-inspection that confirmed it"})


class PlanRequestSchema(StrictSchema):
    region = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))
    year = Year(required=True)
    sample_size = BoundedInteger(10000, minimum=1, required=True)
    seed = BoundedInteger(2**31 - 1,
                          metadata={"description": "recorded; a new one is drawn if omitted"})


class PlanQuerySchema(PageSchema):
    region = fields.String(validate=validate.Regexp(r"^\d{2,6}$"))
    year = Year(strict=False)


class SuspensionLiftSchema(StrictSchema):
    reason = fields.String(required=True, validate=REASON)


class IndicatorQuerySchema(StrictSchema):
    region = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))
    year = Year(required=True, strict=False)
