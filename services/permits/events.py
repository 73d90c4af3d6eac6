"""The permits service's events: what it publishes (type, data schema, meaning) and what it
consumes.

The source of the AsyncAPI document. A city dashboard follows work as it starts, stops and ends
(`work.*`) and every refused scan with its reasons (`scan.refused`).
"""

from marshmallow import Schema, fields

from services.kit.copies import ENTERPRISE_STANDING_CHANGED, REGISTRY_FEED, copy_requested
from services.kit.pure.envelope import Published, event_type

SERVICE = "permits"
TRAINING = "training"
COMPETENCY_CHANGED = event_type(TRAINING, "competency", "changed")
PERSON_REGISTERED = event_type(TRAINING, "person", "registered")
POSITIONS_CHANGED = event_type(TRAINING, "person", "positions_changed")


class SpaceSchema(Schema):
    space_id = fields.String(required=True)
    uscc = fields.String(required=True)
    number = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    hazards = fields.List(fields.String(), required=True)
    toxic_gas = fields.Boolean(required=True)
    signage = fields.Boolean(required=True, metadata={"description": "warning sign installed"})
    status = fields.String(required=True)


class PermitSchema(Schema):
    permit_id = fields.String(required=True)
    space_id = fields.String(required=True)
    uscc = fields.String(required=True)
    state = fields.String(required=True)


class StepSchema(PermitSchema):
    step = fields.String(required=True)
    round = fields.Integer(
        required=True, metadata={"description": "1, then one more after each interruption"}
    )


class GasTestSchema(PermitSchema):
    passed = fields.Boolean(required=True)
    missing = fields.List(fields.String(), required=True)
    failing = fields.List(fields.String(), required=True)


class WorkStartedSchema(PermitSchema):
    scan_id = fields.String(required=True, metadata={"description": "the scan that let them in"})
    guardian = fields.String(required=True)
    entrants = fields.List(fields.String(), required=True)
    resumed = fields.Boolean(required=True, metadata={"description": "after an interruption"})


class WorkInterruptedSchema(PermitSchema):
    reason = fields.String(required=True)


class ScanSchema(Schema):
    scan_id = fields.String(required=True)
    space_id = fields.String(required=True)
    permit_id = fields.String(required=True, allow_none=True)
    uscc = fields.String(required=True)
    result = fields.String(required=True, metadata={"description": "allow or deny"})
    reasons = fields.List(fields.String(), required=True, metadata={"description": "codes"})
    work_started = fields.Boolean(required=True)


def _space(verb, description):
    return Published.of(SERVICE, "space", verb, SpaceSchema, description)


def _permit(verb, description, schema=PermitSchema, entity="permit"):
    return Published.of(SERVICE, entity, verb, schema, description)


PUBLISHED = (
    _space("registered", "A confined space was put on the enterprise's ledger."),
    _space("updated", "What the ledger says of a space changed."),
    _space("signed", "The warning sign at a space's entrance is installed (photo on file)."),
    _space("retired", "A space is no longer in use."),
    _permit("applied", "An enterprise applied for work in a confined space."),
    _permit("submitted", "A permit application went to its approver."),
    _permit("approved", "A permit was approved by its approver."),
    _permit("cancelled", "A permit was cancelled before the work."),
    _permit("expired", "A permit's window passed before the work began or resumed."),
    _permit("recorded", "A step of the order of work was recorded.", StepSchema, "step"),
    _permit("recorded", "A gas test was recorded, passing or not.", GasTestSchema, "gas_test"),
    _permit(
        "started", "Work started (or resumed) through an allowing scan.", WorkStartedSchema, "work"
    ),
    _permit(
        "interrupted",
        "Work stopped; re-entry needs ventilation and a new test.",
        WorkInterruptedSchema,
        "work",
    ),
    _permit("finished", "Work in a confined space finished.", entity="work"),
    Published.of(SERVICE, "scan", "allowed", ScanSchema, "A scan at an entrance let people in."),
    Published.of(
        SERVICE, "scan", "refused", ScanSchema, "A scan at an entrance was refused, with reasons."
    ),
    copy_requested(SERVICE),
)

# Consumed: the registry's enterprises, the training service's competency and positions of
# people (its own read models), and the service's own events for the indicator counters.
OWN_EVENTS = f"cn.anjian.{SERVICE}.#"
PEOPLE_FEED = (COMPETENCY_CHANGED, PERSON_REGISTERED, POSITIONS_CHANGED)
CONSUMED = (*REGISTRY_FEED, ENTERPRISE_STANDING_CHANGED, *PEOPLE_FEED, OWN_EVENTS)
