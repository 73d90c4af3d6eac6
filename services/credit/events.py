"""The credit service's events: what it publishes (type, data schema, meaning) and what it
consumes.

The source of the AsyncAPI document (docs/asyncapi.yaml, written by tools/asyncapi.py). The
`PUBLIC` types also reach the public exchange `anjian.public` that external credit platforms
bind to; every other type stays on the internal exchanges.
"""

from marshmallow import Schema, fields, validate

from services.kit.copies import REGISTRY_FEED, copy_requested
from services.kit.pure.envelope import Published, event_type

SERVICE = "credit"


class CaseMovedSchema(Schema):
    """An internal step of a case."""

    case_id = fields.String(required=True)
    uscc = fields.String(required=True)
    region_code = fields.String(required=True)
    status = fields.String(required=True)
    listing_case = fields.String(required=True)
    authority = fields.String(required=True)


class MeasureSchema(Schema):
    measure = fields.String(required=True)
    name = fields.String(required=True)


class ListingSchema(Schema):
    """What a credit platform needs of a listing, and nothing more (no identity numbers)."""

    case_id = fields.String(required=True, metadata={"description": "the listing's id here"})
    uscc = fields.String(
        required=True,
        validate=validate.Regexp(r"^[0-9A-Z]{18}$"),
        metadata={"description": "统一社会信用代码 of the unit (of the person's unit)"},
    )
    unit_name = fields.String(required=True)
    region_code = fields.String(
        required=True,
        validate=validate.Regexp(r"^\d{6}$"),
        metadata={"description": "the unit's county division code"},
    )
    subject_kind = fields.String(required=True, validate=validate.OneOf(("unit", "person")))
    person_name = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "for a person: the name only, never an identity number"},
    )
    listing_case = fields.String(required=True, metadata={"description": "listing case id"})
    listing_case_name = fields.String(required=True)
    legal_basis = fields.String(required=True)
    decision_number = fields.String(required=True)
    decided_on = fields.Date(required=True)
    term_start = fields.Date(required=True)
    term_end = fields.Date(required=True)
    measures = fields.List(fields.Nested(MeasureSchema), required=True)
    authority = fields.String(
        required=True, metadata={"description": "division code of the deciding bureau"}
    )


class RemovedSchema(ListingSchema):
    reason = fields.String(required=True, validate=validate.OneOf(("expired", "repaired")))
    removed_on = fields.Date(required=True)


class RestoredSchema(ListingSchema):
    reason = fields.String(required=True, metadata={"description": "why the removal was revoked"})


def _case(verb: str, description: str) -> Published:
    return Published.of(SERVICE, "case", verb, CaseMovedSchema, description)


LISTED = Published.of(
    SERVICE,
    "entity",
    "listed",
    ListingSchema,
    "A unit or person was published on the untrustworthy list (严重失信主体名单).",
)
REMOVED = Published.of(
    SERVICE,
    "entity",
    "removed",
    RemovedSchema,
    "A listing ended: its term expired, or credit repair removed it early.",
)
RESTORED = Published.of(
    SERVICE,
    "entity",
    "restored",
    RestoredSchema,
    "An early removal was revoked (it rested on false material): the listing stands again.",
)
# What external platforms receive on anjian.public.
PUBLIC = (LISTED, REMOVED, RESTORED)
PUBLIC_TYPES = tuple(declared.type for declared in PUBLIC)

PUBLISHED = (
    _case("opened", "A candidate case was opened, detected from an event or by hand."),
    _case("notified", "The party was notified with reasons, basis, rights and a deadline."),
    _case("representation_received", "The party's representation was received."),
    _case("decided", "The bureau decided to list or to dismiss."),
    _case("repair_applied", "The party applied for credit repair."),
    _case("repair_rejected", "A credit repair application was rejected."),
    *PUBLIC,
    copy_requested(SERVICE),
)

# Consumed: inspection's accidents and penalties open candidate cases; the registry's enterprises
# feed this service's copy of them; its own events move the indicator counters, and its own public
# events are kept for replays.
ACCIDENT_REPORTED = event_type("inspection", "accident", "reported")
ACCIDENT_UPDATED = event_type("inspection", "accident", "updated")
PENALTY_DECIDED = event_type("inspection", "penalty", "decided")
OWN_EVENTS = f"cn.anjian.{SERVICE}.#"
OWN_PUBLIC_EVENTS = f"cn.anjian.{SERVICE}.entity.#"
CONSUMED = (
    ACCIDENT_REPORTED,
    ACCIDENT_UPDATED,
    PENALTY_DECIDED,
    *REGISTRY_FEED,
    OWN_EVENTS,
    OWN_PUBLIC_EVENTS,
)
