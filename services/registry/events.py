"""The registry's events: what it publishes (type, data schema, meaning) and what it consumes.

The source of the AsyncAPI document. Each published type's `data` validates against its schema;
consumers keep their own copy and tolerate fields they do not know.
"""

from marshmallow import Schema, fields, validate

from services.kit.copies import CREDIT_FEED, ENTERPRISE_STANDING_CHANGED
from services.kit.pure.envelope import Published, event_type

SERVICE = "registry"


class PersonSchema(Schema):
    name = fields.String(required=True)
    phone = fields.String(required=True)


class StandardizationSchema(Schema):
    grade = fields.Integer(required=True)
    graded_on = fields.Date(required=True)
    expires_on = fields.Date(required=True)
    review_due_on = fields.Date(required=True)


class EnterpriseSnapshotSchema(Schema):
    """The enterprise as other services may copy it."""

    uscc = fields.String(required=True)
    name = fields.String(required=True)
    region_code = fields.String(required=True)
    address = fields.String(required=True)
    industry = fields.String(required=True)
    above_scale = fields.Boolean(required=True)
    principal = fields.Nested(PersonSchema, required=True)
    safety_manager = fields.Nested(PersonSchema, required=True, allow_none=True)
    risk_features = fields.List(fields.String(), required=True)
    standardization = fields.Nested(StandardizationSchema, required=True, allow_none=True)
    status = fields.String(
        required=True, validate=validate.OneOf(("operating", "suspended", "closed"))
    )


class EnterpriseUpdatedSchema(EnterpriseSnapshotSchema):
    changed = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "the fields that changed; empty when the registry announces again"
        },
    )


class StandingSchema(Schema):
    region_code = fields.String(required=True)
    open = fields.Boolean(required=True, metadata={"description": "not closed"})
    confined_space = fields.Boolean(
        required=True, metadata={"description": "open and keeping confined spaces"}
    )
    grading_required = fields.Boolean(
        required=True, metadata={"description": "must hold a standardization grade (rule data)"}
    )
    grade_held = fields.Boolean(
        required=True, metadata={"description": "required to, and holding a valid grade"}
    )


class StandingChangedSchema(Schema):
    uscc = fields.String(required=True)
    before = fields.Nested(
        StandingSchema,
        required=True,
        allow_none=True,
        metadata={"description": "none when the enterprise is new to the counts"},
    )
    after = fields.Nested(StandingSchema, required=True)


class CauseSchema(Schema):
    suspension_order = fields.String(required=True)


class StatusChangedSchema(Schema):
    uscc = fields.String(required=True)
    from_ = fields.String(required=True, data_key="from")
    to = fields.String(required=True)
    reason = fields.String(required=True)
    effective_on = fields.Date(required=True)
    cause = fields.Nested(CauseSchema)


class ProjectFactSchema(Schema):
    project_id = fields.String(required=True)
    uscc = fields.String(required=True)


class ProjectRegisteredSchema(ProjectFactSchema):
    name = fields.String(required=True)
    kind = fields.String(required=True)
    metal_smelting = fields.Boolean(required=True)
    planned = fields.Dict(keys=fields.String(), values=fields.Date(), required=True)
    registered_on = fields.Date(required=True)


class StageRecordedSchema(ProjectFactSchema):
    stage = fields.String(required=True)
    on = fields.Date(required=True)
    outcome = fields.String(validate=validate.OneOf(("approved", "rejected")))
    ends_on = fields.Date()


class HazardOpenedSchema(Schema):
    hazard_id = fields.String(required=True)
    grade = fields.String(required=True, validate=validate.OneOf(("general", "major")))
    deadline = fields.Date(required=True, allow_none=True)


class SpotCheckFindingSchema(Schema):
    finding_id = fields.String(required=True)
    description = fields.String(required=True)
    location = fields.String(required=True, allow_none=True)
    hazard = fields.Nested(
        HazardOpenedSchema,
        required=True,
        allow_none=True,
        metadata={"description": "the hazard the inspection service opens for this finding"},
    )


class SpotCheckedSchema(ProjectFactSchema):
    spot_check_id = fields.String(required=True)
    enterprise_name = fields.String(required=True)
    project_name = fields.String(required=True)
    checked_on = fields.Date(required=True)
    accepted_on = fields.Date(required=True)
    first = fields.Boolean(required=True)
    findings = fields.List(fields.Nested(SpotCheckFindingSchema), required=True)
    by = fields.String(required=True)


class SpotCheckPlanDrawnSchema(Schema):
    plan_id = fields.String(required=True)
    year = fields.Integer(required=True)
    seed = fields.Integer(required=True)
    sample_size = fields.Integer(required=True)
    population = fields.Integer(required=True)
    sample = fields.List(fields.String(), required=True)


class GradeFactSchema(Schema):
    uscc = fields.String(required=True)


class GradedSchema(GradeFactSchema):
    grade = fields.Integer(required=True)
    graded_on = fields.Date(required=True)
    expires_on = fields.Date(required=True)
    review_due_on = fields.Date(required=True)
    grading_body = fields.String(required=True, allow_none=True)
    certificate_number = fields.String(required=True, allow_none=True)
    reassessment = fields.String(
        required=True, validate=validate.OneOf(("first", "on_time", "late"))
    )
    previous_expires_on = fields.Date(
        required=True, allow_none=True, metadata={"description": "the grade this one replaced"}
    )


class SelfAssessedSchema(GradeFactSchema):
    year = fields.Integer(required=True)
    submitted_on = fields.Date(required=True)
    score = fields.Float(required=True, allow_none=True)


class ReassessmentAppliedSchema(GradeFactSchema):
    applied_on = fields.Date(required=True)
    expires_on = fields.Date(required=True)


class GradeExpiringSchema(GradeFactSchema):
    grade = fields.Integer(required=True)
    expires_on = fields.Date(required=True)
    review_due_on = fields.Date(required=True)


PUBLISHED = (
    Published.of(
        SERVICE,
        "enterprise",
        "registered",
        EnterpriseSnapshotSchema,
        "An enterprise was registered (or imported) and is operating.",
    ),
    Published.of(
        SERVICE,
        "enterprise",
        "updated",
        EnterpriseUpdatedSchema,
        "An enterprise's fields changed, or it was announced again unchanged.",
    ),
    Published.of(
        SERVICE,
        "enterprise",
        "status_changed",
        StatusChangedSchema,
        "An enterprise became operating, suspended or closed, by a bureau or an order.",
    ),
    Published.of(
        SERVICE,
        "enterprise",
        "standing_changed",
        StandingChangedSchema,
        "What the enterprise adds to the counts of enterprises (open, keeping confined spaces, "
        "required to hold a grade, holding one) changed, or where: services keep those counts "
        "from these events.",
    ),
    Published.of(
        SERVICE,
        "project",
        "registered",
        ProjectRegisteredSchema,
        "A construction project (三同时) was registered with its planned stages.",
    ),
    Published.of(
        SERVICE,
        "project",
        "stage_recorded",
        StageRecordedSchema,
        "A project's next stage was recorded (a design review approved or rejected).",
    ),
    Published.of(
        SERVICE,
        "project",
        "spot_checked",
        SpotCheckedSchema,
        "The bureau spot-checked an accepted project; findings with a hazard open one in "
        "the inspection service.",
    ),
    Published.of(
        SERVICE,
        "project_spot_check_plan",
        "drawn",
        SpotCheckPlanDrawnSchema,
        "A county bureau drew its annual spot-check sample of accepted projects (seed recorded).",
    ),
    Published.of(
        SERVICE,
        "standardization",
        "graded",
        GradedSchema,
        "An enterprise was awarded a standardization grade; it is now its current grade.",
    ),
    Published.of(
        SERVICE,
        "standardization",
        "self_assessed",
        SelfAssessedSchema,
        "An enterprise's annual standardization self-assessment report is on file.",
    ),
    Published.of(
        SERVICE,
        "standardization",
        "reassessment_applied",
        ReassessmentAppliedSchema,
        "An enterprise applied for re-assessment of its current grade.",
    ),
    Published.of(
        SERVICE,
        "standardization",
        "review_reminded",
        GradeExpiringSchema,
        "A grade's re-assessment is due (the rule's lead time before expiry): a reminder.",
    ),
    Published.of(
        SERVICE,
        "standardization",
        "lapsed",
        GradeExpiringSchema,
        "A grade expired without a new one.",
    ),
)

# Consumed: inspection's suspension orders move the enterprise's status; any service's request for
# a copy of the registry (heard on the public exchange, whoever sends it) starts re-announcing
# every enterprise; the credit service's listings mark the profile.
SUSPENSION_ORDERED = event_type("inspection", "suspension", "ordered")
SUSPENSION_LIFTED = event_type("inspection", "suspension", "lifted")
PUBLIC_SOURCE = "anjian"  # nameko names a source's exchange `<source>.events`: anjian.events
REGISTRY_COPY_REQUESTED = "cn.anjian.*.registry_copy.requested.v1"
# The registry's own project and grade facts move its indicator counters.
PROJECT_EVENTS = f"cn.anjian.{SERVICE}.project.#"
STANDARDIZATION_EVENTS = f"cn.anjian.{SERVICE}.standardization.#"
CONSUMED = (
    ENTERPRISE_STANDING_CHANGED,
    SUSPENSION_ORDERED,
    SUSPENSION_LIFTED,
    REGISTRY_COPY_REQUESTED,
    PROJECT_EVENTS,
    STANDARDIZATION_EVENTS,
    *CREDIT_FEED,
)
