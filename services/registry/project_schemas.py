"""Construction-project schemas (三同时): what callers may send and what they get back.

Unknown fields are refused and every field is typed, so an operator object such as {"$gt": ""}
never reaches a query.
"""

from marshmallow import Schema, fields, validate

from services.kit.pure.schemas import USCC, BoundedInteger, PageSchema, StrictSchema, Year
from services.registry.domain.projects import HAZARD_GRADES, KINDS, OUTCOMES, STAGES

REGION_QUERY = validate.Regexp(r"^\d{2,6}$", error="must be 2 to 6 digits of a code")
TEXT = validate.Length(min=1, max=2000)
EVIDENCE_IDS = fields.List(
    fields.String(validate=validate.Length(min=1, max=64)),
    validate=validate.Length(max=20),
    metadata={"description": "ids of evidence uploaded at /api/v1/evidence"},
)


class PlannedSchema(StrictSchema):
    """The planned day of each stage the project goes through."""

    pre_evaluation = fields.Date()
    design_review = fields.Date()
    construction = fields.Date()
    trial_run = fields.Date()
    acceptance = fields.Date()
    safety_analysis = fields.Date()


class ProjectCreateSchema(StrictSchema):
    uscc = fields.String(required=True, validate=USCC)
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    metal_smelting = fields.Boolean(required=True, truthy={True}, falsy={False})
    planned = fields.Nested(PlannedSchema, load_default=dict)


class StageSchema(StrictSchema):
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    on = fields.Date(required=True, metadata={"description": "the day the stage was done"})
    outcome = fields.String(
        validate=validate.OneOf(OUTCOMES), metadata={"description": "design review only"}
    )
    reasons = fields.String(
        validate=TEXT, metadata={"description": "why a design review was rejected"}
    )
    ends_on = fields.Date(metadata={"description": "trial run only: the day it ends"})
    note = fields.String(validate=TEXT)
    documents = EVIDENCE_IDS


class SpotCheckHazardSchema(StrictSchema):
    grade = fields.String(required=True, validate=validate.OneOf(HAZARD_GRADES))
    deadline = fields.Date(metadata={"description": "required for a general hazard"})


class SpotCheckFindingSchema(StrictSchema):
    description = fields.String(required=True, validate=TEXT)
    location = fields.String(validate=validate.Length(max=200))
    hazard = fields.Nested(
        SpotCheckHazardSchema,
        metadata={"description": "open a hazard in the inspection service for this finding"},
    )


class SpotCheckSchema(StrictSchema):
    checked_on = fields.Date(required=True)
    conclusion = fields.String(required=True, validate=TEXT)
    findings = fields.List(
        fields.Nested(SpotCheckFindingSchema), load_default=list, validate=validate.Length(max=100)
    )
    plan_id = fields.String(validate=validate.Length(min=1, max=64))
    documents = EVIDENCE_IDS


class ProjectQuerySchema(PageSchema):
    region = fields.String(validate=REGION_QUERY)
    uscc = fields.String(validate=USCC)
    metal_smelting = fields.Boolean()
    accepted = fields.Boolean()


class SpotCheckPlanSchema(StrictSchema):
    region = fields.String(
        required=True, validate=validate.Regexp(r"^\d{6}$", error="a county's six-digit code")
    )
    year = Year(required=True)
    sample_size = BoundedInteger(10000, minimum=1, required=True)
    seed = BoundedInteger(
        2**31 - 1, metadata={"description": "recorded; a new one is drawn if omitted"}
    )


class SpotCheckPlanQuerySchema(PageSchema):
    region = fields.String(validate=REGION_QUERY)
    year = Year(strict=False)


class IndicatorQuerySchema(StrictSchema):
    region = fields.String(required=True, validate=REGION_QUERY)
    year = Year(required=True, strict=False)


class StageOut(Schema):
    id = fields.String()
    stage = fields.String()
    on = fields.String()
    outcome = fields.String(allow_none=True)
    reasons = fields.String(allow_none=True)
    ends_on = fields.String()
    note = fields.String(allow_none=True)
    documents = fields.List(fields.String())
    at = fields.String(metadata={"format": "date-time"})
    by = fields.String()


class SpotCheckHazardOut(Schema):
    hazard_id = fields.String()
    grade = fields.String()
    deadline = fields.String(allow_none=True)


class SpotCheckFindingOut(Schema):
    finding_id = fields.String()
    description = fields.String()
    location = fields.String(allow_none=True)
    hazard = fields.Nested(SpotCheckHazardOut, allow_none=True)


class SpotCheckOut(Schema):
    id = fields.String()
    checked_on = fields.String()
    plan_id = fields.String(allow_none=True)
    conclusion = fields.String()
    findings = fields.List(fields.Nested(SpotCheckFindingOut))
    documents = fields.List(fields.String())
    at = fields.String(metadata={"format": "date-time"})
    by = fields.String()


class ProjectOut(Schema):
    id = fields.String()
    uscc = fields.String()
    region_code = fields.String()
    enterprise_name = fields.String()
    name = fields.String()
    kind = fields.String()
    metal_smelting = fields.Boolean()
    planned = fields.Dict(keys=fields.String(), values=fields.String())
    stages = fields.List(fields.Nested(StageOut))
    stage_order = fields.List(fields.String())
    next_stage = fields.String(allow_none=True, metadata={"description": "null when all done"})
    overdue_stages = fields.List(fields.String())
    overdue = fields.Boolean(metadata={"description": "a stage is past its planned day"})
    spot_checks = fields.List(fields.Nested(SpotCheckOut))
    accepted_on = fields.String(allow_none=True)
    spot_checked_on = fields.String(allow_none=True)
    registered_on = fields.String()
    created_at = fields.String(metadata={"format": "date-time"})
    created_by = fields.String()
    updated_at = fields.String(metadata={"format": "date-time"})


class SpotCheckPlanOut(Schema):
    id = fields.String()
    region_code = fields.String()
    year = fields.Integer()
    seed = fields.Integer()
    sample_size = fields.Integer()
    population = fields.Integer(metadata={"description": "projects accepted in the year"})
    sample = fields.List(fields.String(), metadata={"description": "project ids drawn"})
    created_at = fields.String(metadata={"format": "date-time"})
    created_by = fields.String()


class RegistryRateOut(Schema):
    numerator = fields.Integer()
    denominator = fields.Integer()
    rate = fields.Float(allow_none=True)


class ProjectIndicatorsOut(Schema):
    region = fields.String()
    year = fields.Integer()
    three_simultaneities = fields.Nested(
        RegistryRateOut,
        metadata={"description": "projects under way with every due stage done / projects"},
    )
    spot_checks = fields.Nested(
        RegistryRateOut, metadata={"description": "spot-checked / projects accepted in the year"}
    )


class StandardizationIndicatorsOut(Schema):
    region = fields.String()
    year = fields.Integer()
    valid_grade = fields.Nested(
        RegistryRateOut,
        metadata={"description": "enterprises with a valid grade / required to hold one"},
    )
    reassessed_on_time = fields.Nested(
        RegistryRateOut,
        metadata={"description": "grades re-assessed by their expiry / expiring in the year"},
    )


class ProjectImportLineOut(Schema):
    row = fields.Integer()
    id = fields.String(allow_none=True)
    result = fields.String(metadata={"description": "created or invalid"})
    errors = fields.Dict()


class ProjectImportReportOut(Schema):
    created = fields.Integer()
    existing = fields.Integer()
    invalid = fields.Integer()
    rows = fields.List(fields.Nested(ProjectImportLineOut))
