"""The monitoring service's events: what it publishes (type, data schema, meaning) and what it
consumes.

The source of the AsyncAPI document. The inspection service opens a hazard from
`alarm.hazard_requested`; a bureau's dashboard follows alarms as they open, escalate and close.
"""

from marshmallow import Schema, fields

from services.kit.copies import REGISTRY_FEED, copy_requested
from services.kit.pure.envelope import Published

SERVICE = "monitoring"


class DeviceSchema(Schema):
    device_id = fields.String(required=True)
    uscc = fields.String(required=True)
    state = fields.String(required=True, metadata={"description": "registered, online or offline"})


class DeviceStateSchema(DeviceSchema):
    was = fields.String(metadata={"description": "the state before (came_online)"})
    last_seen = fields.String(metadata={"description": "last message before (went_offline)"})


class PointSchema(Schema):
    point_id = fields.String(required=True)
    uscc = fields.String(required=True)
    device_id = fields.String(required=True)
    kind = fields.String(required=True)
    risk_feature = fields.String(required=True)
    unit = fields.String(required=True)
    thresholds = fields.Dict(
        required=True, metadata={"description": "high, high_high, low, low_low"}
    )
    hold_seconds = fields.Integer(required=True)


class AlarmSchema(Schema):
    alarm_id = fields.String(required=True)
    uscc = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "threshold or offline"})
    point_id = fields.String(required=True, allow_none=True)
    device_id = fields.String(required=True)
    level = fields.String(required=True)
    state = fields.String(required=True, metadata={"description": "open or handled"})
    escalated = fields.Boolean(required=True)


class AlarmOpenedSchema(AlarmSchema):
    value = fields.Float(required=True, allow_none=True)
    threshold = fields.Float(required=True, allow_none=True)


class AlarmLevelRaisedSchema(AlarmSchema):
    was = fields.String(required=True)
    value = fields.Float(required=True)


class AlarmAcknowledgedSchema(AlarmSchema):
    in_time = fields.Boolean(required=True, metadata={"description": "before escalation"})


class AlarmHandledSchema(AlarmSchema):
    within_limit = fields.Boolean(required=True)


class SeriesItemSchema(Schema):
    at = fields.String(required=True)
    value = fields.Float(required=True)
    min = fields.Float(required=True)
    max = fields.Float(required=True)
    count = fields.Integer(required=True)


class HazardRequestedSchema(AlarmSchema):
    hazard_id = fields.String(required=True, metadata={"description": "the hazard to open"})
    reason = fields.String(required=True, metadata={"description": "sustained or repeated"})
    enterprise_name = fields.String(required=True, allow_none=True)
    description = fields.String(required=True)
    point_name = fields.String(required=True, allow_none=True)
    unit = fields.String(required=True, allow_none=True)
    threshold = fields.Float(required=True, allow_none=True)
    since = fields.String(required=True)
    deadline = fields.String(required=True, metadata={"description": "rectification deadline"})
    readings = fields.List(
        fields.Nested(SeriesItemSchema),
        required=True,
        metadata={"description": "the reading series as evidence, downsampled"},
    )


def _alarm(verb, schema, description):
    return Published.of(SERVICE, "alarm", verb, schema, description)


PUBLISHED = (
    Published.of(SERVICE, "device", "registered", DeviceSchema, "A device was registered."),
    Published.of(
        SERVICE, "device", "credentials_rotated", DeviceSchema, "A device got new credentials."
    ),
    Published.of(
        SERVICE, "device", "came_online", DeviceStateSchema, "A device was heard from again."
    ),
    Published.of(
        SERVICE, "device", "went_offline", DeviceStateSchema, "A device fell silent too long."
    ),
    Published.of(SERVICE, "point", "registered", PointSchema, "A monitoring point was set up."),
    _alarm(
        "opened", AlarmOpenedSchema, "Readings stayed beyond a threshold, or a device fell silent."
    ),
    _alarm("level_raised", AlarmLevelRaisedSchema, "An open alarm's point went to a worse level."),
    _alarm("acknowledged", AlarmAcknowledgedSchema, "The enterprise acknowledged an alarm."),
    _alarm("handled", AlarmHandledSchema, "The enterprise recorded what it did; the alarm closed."),
    _alarm(
        "escalated", AlarmSchema, "An alarm not acknowledged in time went to the county bureau."
    ),
    _alarm(
        "hazard_requested",
        HazardRequestedSchema,
        "An alarm open too long, or repeating, is to become a hazard, its readings the evidence.",
    ),
    copy_requested(SERVICE),
)

# Consumed: the registry's enterprises, and the service's own events for the indicator counters.
# Readings come from devices over MQTT (amq.topic, routing key anjian.readings.<device id>), not
# as events.
OWN_EVENTS = f"cn.anjian.{SERVICE}.#"
CONSUMED = (*REGISTRY_FEED, OWN_EVENTS)
