"""Registry schemas: what callers may send and what they get back.

Unknown fields are refused (no mass assignment of status, dates or audit fields), and every field
is typed, so a MongoDB operator object such as {"$gt": ""} can never reach a query.
"""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.kit.pure.schemas import BoundedInteger, StrictSchema
from services.kit.pure.vocabulary import INDUSTRIES, RISK_FEATURES
from services.registry.domain import STATUSES

USCC_SHAPE = validate.Regexp(r"^[0-9A-Z]{18}$", error="must be 18 characters 0-9, A-Z")
REGION_CODE = validate.Regexp(r"^\d{6}$", error="must be a six-digit division code")
PHONE = validate.Regexp(r"^[0-9+\-() ]{5,20}$", error="must be a phone number")


class PersonSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    phone = fields.String(required=True, validate=PHONE)


class StandardizationSchema(StrictSchema):
    grade = BoundedInteger(3, minimum=1, required=True)
    graded_on = fields.Date(required=True)
    expires_on = fields.Date(load_default=None)


class EnterpriseFieldsSchema(StrictSchema):
    """Fields a caller may write; required ones are enforced on create only."""

    name = fields.String(required=True, validate=validate.Length(min=2, max=100))
    region_code = fields.String(required=True, validate=REGION_CODE)
    address = fields.String(required=True, validate=validate.Length(min=2, max=200))
    industry = fields.String(required=True, validate=validate.OneOf(INDUSTRIES))
    above_scale = fields.Boolean(truthy={True}, falsy={False})
    principal = fields.Nested(PersonSchema, required=True)
    safety_manager = fields.Nested(PersonSchema, allow_none=True)
    risk_features = fields.List(
        fields.String(validate=validate.OneOf(RISK_FEATURES)),
        validate=validate.Length(max=len(RISK_FEATURES)),
    )
    standardization = fields.Nested(StandardizationSchema, allow_none=True)


class EnterpriseCreateSchema(EnterpriseFieldsSchema):
    uscc = fields.String(required=True, validate=USCC_SHAPE)
    uscc_override_reason = fields.String(
        validate=validate.Length(min=5, max=500),
        metadata={"description": "administrators only: accept a USCC whose check character fails"},
    )


class EnterpriseUpdateSchema(EnterpriseFieldsSchema):
    """Partial update: any subset of the writable fields, at least one.

    Only the top-level fields are optional. A nested object (principal, safety_manager,
    standardization) replaces the stored one whole, so it is validated whole: a principal sent
    without a phone is refused rather than stored without one.
    """

    def __init__(self, **kwargs):
        super().__init__(partial=tuple(EnterpriseFieldsSchema._declared_fields), **kwargs)

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("send at least one field to change")


class StatusChangeSchema(StrictSchema):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    reason = fields.String(required=True, validate=validate.Length(min=2, max=500))
    effective_on = fields.Date(load_default=None)


class EnterpriseQuerySchema(StrictSchema):
    region = fields.String(
        validate=validate.Regexp(r"^\d{2,6}$", error="must be 2 to 6 digits of a code")
    )
    industry = fields.String(validate=validate.OneOf(INDUSTRIES))
    risk_feature = fields.String(validate=validate.OneOf(RISK_FEATURES))
    status = fields.String(validate=validate.OneOf(STATUSES))
    q = fields.String(
        validate=validate.Length(min=1, max=50),
        metadata={"description": "text contained in the name"},
    )


class PersonOut(Schema):
    name = fields.String()
    phone = fields.String()


class StandardizationOut(Schema):
    grade = fields.Integer()
    graded_on = fields.String()
    expires_on = fields.String()
    review_due_on = fields.String()
    state = fields.String(metadata={"description": "valid, review_due or expired"})


class StatusEntryOut(Schema):
    status = fields.String()
    reason = fields.String()
    effective_on = fields.String()


class EnterpriseSchema(Schema):
    uscc = fields.String()
    name = fields.String()
    region_code = fields.String()
    address = fields.String()
    industry = fields.String()
    above_scale = fields.Boolean()
    principal = fields.Nested(PersonOut)
    safety_manager = fields.Nested(PersonOut, allow_none=True)
    risk_features = fields.List(fields.String())
    standardization = fields.Nested(StandardizationOut, allow_none=True)
    status = fields.String()
    status_history = fields.List(fields.Nested(StatusEntryOut))
    open_suspension_orders = fields.List(
        fields.String(),
        metadata={
            "description": "suspension orders not yet lifted; operating resumes when none is left"
        },
    )
    uscc_override = fields.Dict(allow_none=True)
    credit_status = fields.String(
        metadata={
            "description": "untrustworthy while the unit is on the credit service's published "
            "list, else clear (on the profile only)"
        }
    )
    created_at = fields.String(metadata={"format": "date-time"})
    updated_at = fields.String(metadata={"format": "date-time"})


class EnterprisePageSchema(Schema):
    items = fields.List(fields.Nested(EnterpriseSchema))
    has_more = fields.Boolean()
    total = fields.Integer(allow_none=True, metadata={"description": "only with with_total"})
    page = fields.Integer()
    page_size = fields.Integer()


class ImportReportLineSchema(Schema):
    row = fields.Integer()
    uscc = fields.String(allow_none=True)
    result = fields.String(metadata={"description": "created, exists or invalid"})
    errors = fields.Dict()


class ImportReportSchema(Schema):
    created = fields.Integer()
    existing = fields.Integer()
    invalid = fields.Integer()
    rows = fields.List(fields.Nested(ImportReportLineSchema))


class AuditEntrySchema(Schema):
    at = fields.String(metadata={"format": "date-time"})
    user_id = fields.String()
    role = fields.String()
    action = fields.String()
    changes = fields.Dict()
