"""The registry's events: what it publishes (type, data schema, meaning) and what it consumes.

The source of the AsyncAPI document. Each published type's `data` validates against its schema;
consumers keep their own copy and tolerate fields they do not know.
"""

from marshmallow import Schema, fields, validate

from services.kit.copies import CREDIT_FEED
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


class CauseSchema(Schema):
    suspension_order = fields.String(required=True)


class StatusChangedSchema(Schema):
    uscc = fields.String(required=True)
    from_ = fields.String(required=True, data_key="from")
    to = fields.String(required=True)
    reason = fields.String(required=True)
    effective_on = fields.Date(required=True)
    cause = fields.Nested(CauseSchema)


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
)

# Consumed: inspection's suspension orders move the enterprise's status; any service's request for
# a copy of the registry (heard on the public exchange, whoever sends it) starts re-announcing
# every enterprise; the credit service's listings mark the profile.
SUSPENSION_ORDERED = event_type("inspection", "suspension", "ordered")
SUSPENSION_LIFTED = event_type("inspection", "suspension", "lifted")
PUBLIC_SOURCE = "anjian"  # nameko names a source's exchange `<source>.events`: anjian.events
REGISTRY_COPY_REQUESTED = "cn.anjian.*.registry_copy.requested.v1"
CONSUMED = (SUSPENSION_ORDERED, SUSPENSION_LIFTED, REGISTRY_COPY_REQUESTED, *CREDIT_FEED)
