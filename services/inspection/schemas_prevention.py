"""Schemas of dual prevention and emergency preparedness: risk points and registers, emergency
plans and their filing, drills and their follow-ups. Same conventions as `schemas`."""

from marshmallow import fields, validate, validates_schema
from marshmallow.exceptions import ValidationError

from services.inspection.domain.accidents import ACCIDENT_TYPES
from services.inspection.domain.drills import KINDS as DRILL_KINDS
from services.inspection.domain.drills import LEADER_ROLES
from services.inspection.domain.emergency_plans import KINDS as PLAN_KINDS
from services.inspection.domain.emergency_plans import STEPS
from services.inspection.domain.risk_points import CONTROL_LEVELS, KINDS, METHODS
from services.inspection.schemas import IDENTIFIER, TEXT, USCC, Out, RecordOut
from services.kit.pure.schemas import BoundedInteger, PageSchema, StrictSchema

NAME = validate.Length(min=1, max=200)
PERSON = validate.Length(min=1, max=50)
EVIDENCE = fields.List(
    fields.String(validate=IDENTIFIER),
    load_default=list,
    validate=validate.Length(max=20),
    metadata={"description": "ids of evidence uploaded for the enterprise (/api/v1/evidence)"},
)
# LEC factors by the Graham–Kinney tables: L 0.1–10, E 0.5–10, C 1–100.
LEC_FACTOR = validate.Range(min=0.1, max=100)


class AssessmentSchema(StrictSchema):
    method = fields.String(
        required=True,
        validate=validate.OneOf(METHODS),
        metadata={"description": "lec (D = L×E×C) or ls (risk matrix: likelihood × severity)"},
    )
    l = fields.Float(validate=LEC_FACTOR, metadata={"description": "LEC: likelihood"})  # noqa: E741
    e = fields.Float(validate=LEC_FACTOR, metadata={"description": "LEC: exposure"})
    c = fields.Float(validate=LEC_FACTOR, metadata={"description": "LEC: consequence"})
    likelihood = BoundedInteger(5, minimum=1, metadata={"description": "matrix: 1-5"})
    severity = BoundedInteger(5, minimum=1, metadata={"description": "matrix: 1-5"})


class RiskPointSchema(StrictSchema):
    uscc = fields.String(validate=USCC, metadata={"description": "an enterprise user's own"})
    name = fields.String(required=True, validate=NAME)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    hazard_types = fields.List(
        fields.String(validate=validate.OneOf(tuple(ACCIDENT_TYPES))),
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"description": "GB 6441 categories"},
    )
    assessment = fields.Nested(AssessmentSchema, required=True)
    measures = fields.List(
        fields.String(validate=TEXT), load_default=list, validate=validate.Length(max=50)
    )
    responsible_person = fields.String(required=True, validate=PERSON)
    control_level = fields.String(required=True, validate=validate.OneOf(CONTROL_LEVELS))
    complete = fields.Boolean(
        truthy={True},
        falsy={False},
        load_default=True,
        metadata={"description": "false keeps it as a draft; a red point needs measures"},
    )


class RiskPointChangeSchema(RiskPointSchema):
    """The whole point again (its enterprise stays)."""

    class Meta(RiskPointSchema.Meta):
        exclude = ("uscc",)


class RiskPointQuerySchema(PageSchema):
    region = fields.String(validate=validate.Regexp(r"^\d{2,6}$"))
    uscc = fields.String(validate=USCC)
    level = fields.String(validate=validate.Length(min=1, max=20))
    complete = fields.Boolean()


class RegisterReviewSchema(StrictSchema):
    reviewed_on = fields.Date(required=True)


class PlanDraftSchema(StrictSchema):
    uscc = fields.String(validate=USCC, metadata={"description": "an enterprise user's own"})
    kind = fields.String(required=True, validate=validate.OneOf(PLAN_KINDS))
    title = fields.String(required=True, validate=NAME)
    drafted_on = fields.Date(required=True)
    documents = EVIDENCE


class PlanStepSchema(StrictSchema):
    step = fields.String(required=True, validate=validate.OneOf(STEPS))
    on = fields.Date(required=True)
    documents = EVIDENCE
    reason = fields.String(
        validate=validate.Length(min=1, max=40),
        metadata={"description": "for revise: a code of the revision reasons rule"},
    )
    note = fields.String(validate=TEXT)


class FilingSchema(StrictSchema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=64))
    filed_on = fields.Date(required=True)


class PlanQuerySchema(PageSchema):
    region = fields.String(validate=validate.Regexp(r"^\d{2,6}$"))
    uscc = fields.String(validate=USCC)
    state = fields.String(validate=validate.Length(min=1, max=20))
    kind = fields.String(validate=validate.OneOf(PLAN_KINDS))


class LeaderSchema(StrictSchema):
    name = fields.String(required=True, validate=PERSON)
    role = fields.String(required=True, validate=validate.OneOf(LEADER_ROLES))


class FollowUpSchema(StrictSchema):
    action = fields.String(required=True, validate=TEXT)
    responsible = fields.String(validate=PERSON)
    deadline = fields.Date(required=True)


class DrillSchema(StrictSchema):
    uscc = fields.String(validate=USCC, metadata={"description": "an enterprise user's own"})
    plan_id = fields.String(validate=IDENTIFIER)
    kind = fields.String(required=True, validate=validate.OneOf(DRILL_KINDS))
    held_on = fields.Date(required=True)
    scenario = fields.String(required=True, validate=TEXT)
    participants = BoundedInteger(100_000, minimum=1, required=True)
    leader = fields.Nested(LeaderSchema, required=True)
    evaluation = fields.String(required=True, validate=TEXT)
    follow_ups = fields.List(
        fields.Nested(FollowUpSchema), load_default=list, validate=validate.Length(max=50)
    )


class FollowUpClosureSchema(StrictSchema):
    closed_on = fields.Date(required=True)
    note = fields.String(validate=TEXT)
    evidence = EVIDENCE

    @validates_schema
    def _shown(self, data, **kwargs):
        if not data.get("evidence"):
            raise ValidationError("a follow-up closes with the evidence that shows it", "evidence")


class DrillQuerySchema(PageSchema):
    region = fields.String(validate=validate.Regexp(r"^\d{2,6}$"))
    uscc = fields.String(validate=USCC)
    half = fields.String(validate=validate.Regexp(r"^\d{4}-H[12]$"))
    led_by_principal = fields.Boolean()


class DrillReminderQuerySchema(PageSchema):
    region = fields.String(validate=validate.Regexp(r"^\d{2,6}$"))
    uscc = fields.String(validate=USCC)
    half = fields.String(validate=validate.Regexp(r"^\d{4}-H[12]$"))


# --- answers --------------------------------------------------------------------------------


class RiskPointOut(RecordOut):
    enterprise_name = fields.String()
    name = fields.String()
    kind = fields.String()
    hazard_types = fields.List(fields.String())
    assessment = fields.Dict(metadata={"description": "the method, its factors and the score"})
    level = fields.String(metadata={"description": "major, significant, general or low"})
    colour = fields.String(metadata={"description": "red, orange, yellow or blue"})
    measures = fields.List(fields.String())
    responsible_person = fields.String()
    control_level = fields.String()
    complete = fields.Boolean()
    recorded_at = fields.DateTime()
    updated_at = fields.DateTime()


class RegisterFindingOut(Out):
    risk_point_id = fields.String()
    name = fields.String()
    finding = fields.String()


class RegisterOut(Out):
    uscc = fields.String()
    enterprise_name = fields.String()
    reviewed_on = fields.Date(allow_none=True)
    reviewed_by = fields.String(allow_none=True)
    review_due_on = fields.Date(allow_none=True)
    current = fields.Boolean(metadata={"description": "reviewed within the interval in force"})
    review_interval_months = fields.Integer()
    risk_points = fields.List(fields.Nested(RiskPointOut), metadata={"description": "red first"})
    findings = fields.List(
        fields.Nested(RegisterFindingOut),
        metadata={"description": "red points without control measures"},
    )


class EmergencyPlanOut(RecordOut):
    enterprise_name = fields.String()
    kind = fields.String()
    title = fields.String()
    state = fields.String(metadata={"description": "drafted, reviewed, assessed, filed, revised"})
    documents = fields.List(fields.String())
    filing = fields.Dict(allow_none=True, metadata={"description": "number, filed_on, filed_by"})
    history = fields.List(fields.Dict())


class DrillOut(RecordOut):
    enterprise_name = fields.String()
    plan_id = fields.String(allow_none=True)
    kind = fields.String()
    held_on = fields.Date()
    half = fields.String()
    scenario = fields.String()
    participants = fields.Integer()
    leader = fields.Dict()
    led_by_principal = fields.Boolean()
    evaluation = fields.String()
    follow_ups = fields.List(fields.Dict())


class DrillReminderOut(RecordOut):
    enterprise_name = fields.String()
    half = fields.String()
    due_by = fields.Date()
    reason = fields.String()
    reminded_at = fields.DateTime()
