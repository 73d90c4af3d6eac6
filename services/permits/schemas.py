"""Permits schemas: what callers may send and what they get back.

Unknown fields are refused and every field is typed, so an operator object such as
{"$gt": ""} never reaches a query. Kinds, hazards and gases are codes checked by the domain
against the rules in force (a deployment may add to them).
"""

from marshmallow import Schema, fields, validate

from services.kit.pure.schemas import (
    IDENTIFIER,
    REGION_FILTER,
    USCC,
    PageSchema,
    RuleReferenceOut,
    StrictSchema,
    Year,
)
from services.permits.domain.gate import REASONS
from services.permits.domain.permits import RECORDED_STEPS, STATES
from services.permits.domain.policy import UNITS
from services.permits.domain.spaces import ISOLATIONS, STATUSES

CODE = validate.Regexp(r"^[a-z0-9_]{1,40}$", error="a code of lower-case letters, digits and _")
NAME = validate.Length(min=1, max=100)
TEXT = validate.Length(min=1, max=500)
NUMBER = validate.Regexp(r"^[0-9A-Za-z\-_]{1,40}$", error="letters, digits, - and _")
# Nobody measures a gas past this in any unit (ppm of pure gas is a million).
MAX_READING = 1_000_000


def _people(maximum):
    return fields.List(
        fields.String(validate=IDENTIFIER),
        required=True,
        validate=validate.Length(min=1, max=maximum),
        metadata={"description": "training person ids"},
    )


class SpaceCreateSchema(StrictSchema):
    uscc = fields.String(validate=USCC, metadata={"description": "implied for its own users"})
    number = fields.String(required=True, validate=NUMBER)
    name = fields.String(required=True, validate=NAME)
    location = fields.String(required=True, validate=TEXT)
    kind = fields.String(required=True, validate=CODE)
    hazards = fields.List(
        fields.String(validate=CODE), required=True, validate=validate.Length(max=20)
    )
    toxic_gas = fields.Boolean(
        metadata={
            "description": "toxic gas may be present though no listed hazard says so (the "
            "hazards decide it otherwise)"
        }
    )
    isolation = fields.String(required=True, validate=validate.OneOf(ISOLATIONS))


class SpaceUpdateSchema(StrictSchema):
    name = fields.String(validate=NAME)
    location = fields.String(validate=TEXT)
    kind = fields.String(validate=CODE)
    hazards = fields.List(fields.String(validate=CODE), validate=validate.Length(max=20))
    toxic_gas = fields.Boolean()
    isolation = fields.String(validate=validate.OneOf(ISOLATIONS))
    status = fields.String(
        validate=validate.Equal("retired"), metadata={"description": "retire the space"}
    )


class SignageSchema(StrictSchema):
    photo = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "evidence id of the sign's photo (POST /api/v1/evidence)"},
    )


class SpaceQuerySchema(PageSchema):
    region = fields.String(validate=REGION_FILTER)
    uscc = fields.String(validate=USCC)
    status = fields.String(validate=validate.OneOf(STATUSES))
    signage = fields.Boolean(metadata={"description": "only spaces with (or without) a sign"})


class LabelQuerySchema(StrictSchema):
    uscc = fields.String(validate=USCC, metadata={"description": "implied for its own users"})


class PermitCreateSchema(StrictSchema):
    space_id = fields.String(required=True, validate=IDENTIFIER)
    purpose = fields.String(required=True, validate=TEXT)
    window_start = fields.AwareDateTime(required=True)
    window_end = fields.AwareDateTime(required=True)
    approver = fields.String(required=True, validate=IDENTIFIER)
    guardian = fields.String(required=True, validate=IDENTIFIER)
    entrants = _people(50)
    rescuers = _people(20)


class ApprovalSchema(StrictSchema):
    approver = fields.String(
        validate=IDENTIFIER, metadata={"description": "who approves, if not the one applied for"}
    )
    delegation = fields.String(
        validate=validate.Length(min=1, max=64),
        metadata={
            "description": "evidence id of the principal's written delegation to the approver "
            "(required where toxic gas may be present and the approver is not the principal)"
        },
    )


class ReadingSchema(StrictSchema):
    gas = fields.String(required=True, validate=CODE)
    value = fields.Float(required=True, allow_nan=False, validate=validate.Range(max=MAX_READING))
    unit = fields.String(required=True, validate=validate.OneOf(UNITS))


class GasTestSchema(StrictSchema):
    tester = fields.String(required=True, validate=NAME)
    instrument = fields.String(validate=NAME)
    continuous = fields.Boolean(metadata={"description": "a monitoring reading during work"})
    readings = fields.List(
        fields.Nested(ReadingSchema), required=True, validate=validate.Length(min=1, max=20)
    )


class ChecklistItemSchema(StrictSchema):
    item = fields.String(required=True, validate=TEXT)
    checked = fields.Boolean(required=True)


class StepSchema(StrictSchema):
    step = fields.String(required=True, validate=validate.OneOf(RECORDED_STEPS))
    note = fields.String(validate=TEXT)
    items = fields.List(
        fields.Nested(ChecklistItemSchema),
        validate=validate.Length(max=50),
        metadata={"description": "the guardian's checklist, item by item"},
    )


class SubmitSchema(StrictSchema):
    note = fields.String(validate=TEXT, metadata={"description": "to the approver"})


class InterruptSchema(StrictSchema):
    reason = fields.String(required=True, validate=TEXT)


class FinishSchema(StrictSchema):
    note = fields.String(validate=TEXT)


class CancelSchema(StrictSchema):
    reason = fields.String(required=True, validate=TEXT)


class PermitQuerySchema(PageSchema):
    region = fields.String(validate=REGION_FILTER)
    uscc = fields.String(validate=USCC)
    space_id = fields.String(validate=IDENTIFIER)
    state = fields.String(validate=validate.OneOf(STATES))


class ScanSchema(StrictSchema):
    token = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "the token of the code at the entrance"},
    )
    guardian = fields.String(validate=IDENTIFIER, metadata={"description": "the guardian present"})
    entrants = fields.List(
        fields.String(validate=IDENTIFIER),
        required=True,
        validate=validate.Length(min=1, max=50),
        metadata={"description": "who is about to enter"},
    )
    device_time = fields.AwareDateTime(
        required=True, metadata={"description": "the scanning device's clock, kept as sent"}
    )


class StaffQuerySchema(PageSchema):
    region = fields.String(validate=REGION_FILTER)
    uscc = fields.String(validate=USCC)


class ScanQuerySchema(PageSchema):
    region = fields.String(validate=REGION_FILTER)
    uscc = fields.String(validate=USCC)
    result = fields.String(validate=validate.OneOf(("allow", "deny")))
    day = fields.Date(metadata={"description": "a calendar day in China (today by default)"})


class PermitIndicatorQuerySchema(StrictSchema):
    region = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))
    year = Year(required=True, strict=False)


# --- answers ---------------------------------------------------------------------------------


class AuditOut(Schema):
    at = fields.String()
    user_id = fields.String()
    role = fields.String()
    action = fields.String()
    note = fields.String(allow_none=True)
    before = fields.Dict()
    after = fields.Dict()
    scan_id = fields.String()


class SignageOut(Schema):
    installed = fields.Boolean()
    photo = fields.String(allow_none=True)
    at = fields.String(allow_none=True)


class SpaceOut(Schema):
    id = fields.String()
    uscc = fields.String()
    enterprise_name = fields.String(allow_none=True)
    region_code = fields.String()
    number = fields.String()
    name = fields.String()
    location = fields.String()
    kind = fields.String()
    hazards = fields.List(fields.String())
    toxic_gas = fields.Boolean()
    isolation = fields.String()
    signage = fields.Nested(SignageOut)
    status = fields.String()
    required_gases = fields.List(fields.String())
    scan_url = fields.String(metadata={"description": "what the space's QR code encodes"})
    created_at = fields.String()
    updated_at = fields.String()
    history = fields.List(fields.Nested(AuditOut))


class LimitOut(Schema):
    min = fields.Float(allow_none=True)
    max = fields.Float(allow_none=True)
    unit = fields.String()


class ReadingOut(Schema):
    gas = fields.String()
    name = fields.String()
    value = fields.Float()
    unit = fields.String()
    ppm = fields.Float()
    mg_m3 = fields.Float()
    limit = fields.Nested(LimitOut)
    passed = fields.Boolean()


class GasTestOut(Schema):
    tested_at = fields.String()
    recorded_by = fields.String()
    tester = fields.String()
    instrument = fields.String(allow_none=True)
    continuous = fields.Boolean()
    round = fields.Integer()
    readings = fields.List(fields.Nested(ReadingOut))
    required = fields.List(fields.String())
    missing = fields.List(fields.String())
    failing = fields.List(fields.String())
    passed = fields.Boolean()
    rules = fields.List(fields.Nested(RuleReferenceOut))


class StepOut(Schema):
    step = fields.String()
    round = fields.Integer()
    at = fields.String()
    by = fields.String()
    note = fields.String(allow_none=True)
    items = fields.List(fields.Nested(ChecklistItemSchema))
    scan_id = fields.String()


class ApprovalOut(Schema):
    approver = fields.String()
    as_ = fields.String(data_key="as", metadata={"description": "principal, delegate or approver"})
    delegation = fields.String(allow_none=True)
    at = fields.String()
    by = fields.String()


class PermitSpaceOut(Schema):
    number = fields.String()
    name = fields.String()
    location = fields.String()


class PermitOut(Schema):
    id = fields.String()
    uscc = fields.String()
    enterprise_name = fields.String(allow_none=True)
    region_code = fields.String()
    space_id = fields.String()
    space = fields.Nested(PermitSpaceOut)
    toxic_gas = fields.Boolean()
    required_gases = fields.List(fields.String())
    purpose = fields.String()
    window_start = fields.String()
    window_end = fields.String()
    approver = fields.String()
    guardian = fields.String()
    entrants = fields.List(fields.String())
    rescuers = fields.List(fields.String())
    state = fields.String(validate=validate.OneOf(STATES))
    round = fields.Integer()
    steps = fields.List(fields.Nested(StepOut))
    gas_tests = fields.List(fields.Nested(GasTestOut))
    last_gas_test = fields.Nested(GasTestOut, allow_none=True)
    last_gas_test_age_seconds = fields.Integer(allow_none=True)
    next_steps = fields.List(fields.String(), metadata={"description": "what entry still needs"})
    approval = fields.Nested(ApprovalOut, allow_none=True)
    work_starts = fields.Integer()
    refused_scans_today = fields.Integer(
        metadata={"description": "refused scans at the space today (in lists)"}
    )
    finished_note = fields.String(allow_none=True)
    cancelled_reason = fields.String()
    created_at = fields.String()
    updated_at = fields.String()
    history = fields.List(fields.Nested(AuditOut))


class ReasonOut(Schema):
    code = fields.String(validate=validate.OneOf(tuple(REASONS)))
    message = fields.String(metadata={"description": "in Chinese, for the person at the entrance"})
    person_id = fields.String()
    role = fields.String()
    steps = fields.List(fields.String())
    missing = fields.List(fields.String())
    failing = fields.List(fields.String())
    age_minutes = fields.Integer()
    limit_minutes = fields.Integer()


class ScanOut(Schema):
    id = fields.String()
    space_id = fields.String()
    uscc = fields.String()
    region_code = fields.String()
    permit_id = fields.String(allow_none=True)
    at = fields.String()
    day = fields.String()
    device_time = fields.String()
    user_id = fields.String()
    guardian = fields.String(allow_none=True)
    entrants = fields.List(fields.String())
    result = fields.String(validate=validate.OneOf(("allow", "deny")))
    reasons = fields.List(fields.Nested(ReasonOut))
    work_started = fields.Boolean()


class StaffRoleOut(Schema):
    role = fields.String()
    qualified = fields.Boolean(metadata={"description": "as the training service last said"})
    until = fields.String(allow_none=True)
    valid = fields.Boolean(metadata={"description": "qualified and still in date today"})


class StaffOut(Schema):
    id = fields.String(metadata={"description": "the training service's person id"})
    uscc = fields.String()
    region_code = fields.String(allow_none=True)
    roles = fields.List(fields.Nested(StaffRoleOut))
    principal = fields.Boolean()


class TargetRateOut(Schema):
    numerator = fields.Integer()
    denominator = fields.Integer()
    rate = fields.Float(allow_none=True)


class PermitIndicatorsOut(Schema):
    region = fields.String()
    year = fields.Integer()
    ledger = fields.Nested(
        TargetRateOut,
        metadata={"description": "enterprises flagged confined_space with a space on file"},
    )
    signage = fields.Nested(TargetRateOut, metadata={"description": "spaces in use with a sign"})
    scanned_starts = fields.Nested(
        TargetRateOut, metadata={"description": "work starts through a passing scan / work starts"}
    )
    refused_scans = fields.Integer()
    refused_by_reason = fields.Dict(keys=fields.String(), values=fields.Integer())
