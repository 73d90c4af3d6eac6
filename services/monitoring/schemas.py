"""Monitoring schemas: what callers may send and what they get back.

Unknown fields are refused and every field is typed, so an operator object such as
{"$gt": ""} never reaches a query. Kinds of point are codes checked by the domain against the
rules in force (a deployment may add to them).
"""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.kit.pure.schemas import (
    IDENTIFIER,
    REGION_FILTER,
    USCC,
    BoundedInteger,
    PageSchema,
    RateOut,
    StrictSchema,
    Year,
)
from services.kit.pure.vocabulary import RISK_FEATURES
from services.monitoring.domain import alarms, devices
from services.monitoring.domain.readings import REASONS

CODE = validate.Regexp(r"^[a-z0-9_]{1,60}$", error="a code of lower-case letters, digits and _")
NAME = validate.Length(min=1, max=100)
TEXT = validate.Length(min=1, max=1000)
# No sensor on a site reads past this in any unit; a threshold beyond it is a typing error.
MAX_VALUE = 1_000_000
MAX_HOLD_SECONDS = 86_400
# The rows a reading series answers at most; longer ranges are downsampled to them.
MAX_POINTS = 2000
# A series is read from its minute documents: a week of a point is 10,080 of them, which the
# embedded server reads within a request's time. Longer views need hourly summaries first.
MAX_RANGE_DAYS = 7


def _bounded_number(**kwargs):
    return fields.Float(
        validate=validate.Range(min=-MAX_VALUE, max=MAX_VALUE), allow_nan=False, **kwargs
    )


# --- requests --------------------------------------------------------------------------------


class DeviceCreateSchema(StrictSchema):
    uscc = fields.String(validate=USCC, metadata={"description": "implied for its own users"})
    name = fields.String(required=True, validate=NAME)
    model = fields.String(validate=NAME)
    location = fields.String(validate=TEXT)


class RotationSchema(StrictSchema):
    reason = fields.String(validate=TEXT, metadata={"description": "why (lost, leaked, routine)"})


class DeviceQuerySchema(PageSchema):
    region = fields.String(validate=REGION_FILTER)
    uscc = fields.String(validate=USCC)
    state = fields.String(validate=validate.OneOf(devices.STATES))


class ThresholdsSchema(StrictSchema):
    high = _bounded_number(allow_none=True)
    high_high = _bounded_number(allow_none=True)
    low = _bounded_number(allow_none=True)
    low_low = _bounded_number(allow_none=True)


class PointCreateSchema(StrictSchema):
    device_id = fields.String(required=True, validate=IDENTIFIER)
    name = fields.String(required=True, validate=NAME)
    location = fields.String(validate=TEXT)
    kind = fields.String(
        required=True,
        validate=CODE,
        metadata={"description": "a kind from the rules (GET /api/v1/rules/monitoring)"},
    )
    thresholds = fields.Nested(
        ThresholdsSchema,
        metadata={"description": "the enterprise's own thresholds, replacing the kind's"},
    )
    hold_seconds = BoundedInteger(
        MAX_HOLD_SECONDS,
        metadata={"description": "how long beyond a threshold before an alarm (kind's default)"},
    )


class PointQuerySchema(PageSchema):
    region = fields.String(validate=REGION_FILTER)
    uscc = fields.String(validate=USCC)
    device_id = fields.String(validate=IDENTIFIER)
    kind = fields.String(validate=CODE)
    risk_feature = fields.String(validate=validate.OneOf(RISK_FEATURES))


class ReadingsQuerySchema(StrictSchema):
    from_ = fields.AwareDateTime(required=True, data_key="from")
    to = fields.AwareDateTime(required=True)
    max_points = BoundedInteger(
        MAX_POINTS,
        minimum=10,
        strict=False,
        load_default=500,
        metadata={"description": "more readings than this come downsampled (mean, min, max)"},
    )

    @validates_schema
    def _range(self, data, **kwargs):
        span = data["to"] - data["from_"]
        if span.total_seconds() <= 0:
            raise ValidationError("must be after from", "to")
        if span.total_seconds() > MAX_RANGE_DAYS * 86_400:
            raise ValidationError(f"at most {MAX_RANGE_DAYS} days", "to")


class AlarmQuerySchema(PageSchema):
    region = fields.String(validate=REGION_FILTER)
    uscc = fields.String(validate=USCC)
    state = fields.String(validate=validate.OneOf(alarms.STATES))
    kind = fields.String(validate=validate.OneOf(alarms.KINDS))
    escalated = fields.Boolean(metadata={"description": "only escalated (or not) alarms"})
    point_id = fields.String(validate=IDENTIFIER)


class AcknowledgeSchema(StrictSchema):
    note = fields.String(validate=TEXT)


class HandlingSchema(StrictSchema):
    cause = fields.String(required=True, validate=TEXT)
    measures = fields.String(required=True, validate=TEXT)


class MonitoringIndicatorQuerySchema(StrictSchema):
    region = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))
    year = Year(required=True, strict=False)


# --- answers ---------------------------------------------------------------------------------


class MonitoringAuditOut(Schema):
    at = fields.String()
    user_id = fields.String()
    role = fields.String()
    action = fields.String()
    reason = fields.String(allow_none=True)


class DeviceOut(Schema):
    id = fields.String()
    uscc = fields.String()
    enterprise_name = fields.String(allow_none=True)
    region_code = fields.String()
    name = fields.String()
    model = fields.String(allow_none=True)
    location = fields.String(allow_none=True)
    state = fields.String(metadata={"description": "registered (never heard), online, offline"})
    last_seen = fields.String(allow_none=True)
    topic = fields.String(metadata={"description": "the one MQTT topic it may publish to"})
    credentials_rotated_at = fields.String()
    bad_readings = fields.Dict(
        keys=fields.String(validate=validate.OneOf(REASONS)),
        values=fields.Integer(),
        metadata={"description": "readings refused, by reason"},
    )
    history = fields.List(fields.Nested(MonitoringAuditOut))


class CredentialsOut(Schema):
    username = fields.String(metadata={"description": "the MQTT user name"})
    password = fields.String(metadata={"description": "shown once; rotate to get another"})
    topic = fields.String()
    host = fields.String()
    port = fields.Integer()


class DeviceCredentialsOut(Schema):
    device = fields.Nested(DeviceOut)
    credentials = fields.Nested(CredentialsOut)


class LatestOut(Schema):
    value = fields.Float()
    at = fields.String()


class PointOut(Schema):
    id = fields.String()
    uscc = fields.String()
    enterprise_name = fields.String(allow_none=True)
    region_code = fields.String()
    device_id = fields.String()
    name = fields.String()
    location = fields.String(allow_none=True)
    kind = fields.String()
    kind_name = fields.String()
    risk_feature = fields.String()
    unit = fields.String()
    normal = fields.List(fields.Float())
    valid = fields.List(fields.Float())
    thresholds = fields.Nested(ThresholdsSchema)
    hold_seconds = fields.Integer()
    overridden = fields.List(fields.String(), metadata={"description": "set by the enterprise"})
    rule = fields.Dict(metadata={"description": "the kind's rule the defaults came from"})
    latest = fields.Nested(LatestOut, allow_none=True)
    excursion = fields.Dict(metadata={"description": "level: since when beyond it"})
    evaluated_until = fields.String(allow_none=True)
    history = fields.List(fields.Nested(MonitoringAuditOut))


class SeriesRowOut(Schema):
    at = fields.String()
    value = fields.Float(metadata={"description": "the reading, or a slice's mean"})
    min = fields.Float()
    max = fields.Float()
    count = fields.Integer()


class ReadingsOut(Schema):
    point_id = fields.String()
    unit = fields.String()
    thresholds = fields.Nested(ThresholdsSchema)
    readings = fields.Integer(metadata={"description": "readings in the range"})
    downsampled = fields.Boolean()
    items = fields.List(fields.Nested(SeriesRowOut))


class AcknowledgementOut(Schema):
    at = fields.String()
    by = fields.String()
    note = fields.String(allow_none=True)
    in_time = fields.Boolean(metadata={"description": "before it was escalated"})


class HandlingOut(Schema):
    at = fields.String()
    by = fields.String()
    cause = fields.String()
    measures = fields.String()
    within_limit = fields.Boolean()


class HazardLinkOut(Schema):
    id = fields.String(metadata={"description": "the hazard in the inspection service"})
    reason = fields.String()
    requested_at = fields.String()


class TransitionOut(Schema):
    to = fields.String()
    action = fields.String()
    at = fields.String()
    by = fields.String()
    level = fields.String()


class AlarmOut(Schema):
    id = fields.String()
    uscc = fields.String()
    enterprise_name = fields.String(allow_none=True)
    region_code = fields.String()
    kind = fields.String(validate=validate.OneOf(alarms.KINDS))
    point_id = fields.String(allow_none=True)
    point_name = fields.String(allow_none=True)
    device_id = fields.String()
    unit = fields.String(allow_none=True)
    level = fields.String()
    threshold = fields.Float(allow_none=True)
    value = fields.Float(allow_none=True)
    since = fields.String()
    opened_at = fields.String()
    state = fields.String(validate=validate.OneOf(alarms.STATES))
    acknowledgement = fields.Nested(AcknowledgementOut, allow_none=True)
    handling = fields.Nested(HandlingOut, allow_none=True)
    escalated_at = fields.String(allow_none=True)
    hazard = fields.Nested(HazardLinkOut, allow_none=True)
    transitions = fields.List(fields.Nested(TransitionOut))


class EnterpriseOnlineOut(RateOut):
    uscc = fields.String()
    enterprise_name = fields.String(allow_none=True)


class MonitoringIndicatorsOut(Schema):
    region = fields.String()
    year = fields.Integer()
    device_online = fields.Nested(
        RateOut, metadata={"description": "devices online now / devices registered"}
    )
    online_by_enterprise = fields.List(
        fields.Nested(EnterpriseOnlineOut),
        metadata={"description": "each enterprise's devices online now, lowest rate first"},
    )
    alarms_raised = fields.Integer()
    offline_alarms = fields.Integer()
    acknowledged_in_time = fields.Nested(
        RateOut, metadata={"description": "acknowledged before escalation / raised"}
    )
    handled_within_limit = fields.Nested(
        RateOut,
        metadata={"description": "handled, acknowledged in time and before any hazard / raised"},
    )
    escalated = fields.Integer()
    became_hazards = fields.Integer()
