"""The training service's events: what it publishes (type, data schema, meaning) and what it
consumes.

The source of the AsyncAPI document. Each published type's `data` validates against its schema;
consumers keep their own copy and tolerate fields they do not know. No event carries an ID
number: a person is named by their key (the keyed hash of the number) and its masked form.
"""

from marshmallow import Schema, fields, validate

from services.kit.copies import REGISTRY_FEED, copy_requested
from services.kit.pure.envelope import Published

SERVICE = "training"
ID_MASKED = validate.Regexp(r"^\d{6}\*{8}[0-9X]{4}$", error="a masked ID number")


class PersonSchema(Schema):
    person_id = fields.String(required=True)
    person_key = fields.String(
        required=True,
        metadata={
            "description": "keyed hash (HMAC-SHA256) of the ID number: the same person in every "
            "event, never reversible"
        },
    )
    id_masked = fields.String(required=True, validate=ID_MASKED)
    uscc = fields.String(required=True, metadata={"description": "the employer"})


class PositionsSchema(PersonSchema):
    positions = fields.List(fields.String(), required=True)


class EmployerChangedSchema(PersonSchema):
    previous_uscc = fields.String(required=True)


class AbsenceSchema(PersonSchema):
    left_on = fields.Date(required=True)
    returned_on = fields.Date(required=True, allow_none=True)


class StandingSchema(Schema):
    region_code = fields.String(required=True, allow_none=True)
    key_person = fields.Boolean(required=True)
    certified = fields.Boolean(required=True)
    team_leader = fields.Boolean(required=True)
    team_leader_trained_years = fields.List(fields.Integer(), required=True)
    # Not in standings derived before absences were recorded.
    away = fields.Boolean(metadata={"description": "on leave from work"})
    three_level_missing = fields.List(
        fields.String(),
        metadata={"description": "三级安全教育 levels to attend before work (again)"},
    )


class StandingChangedSchema(Schema):
    person_id = fields.String(required=True)
    uscc = fields.String(required=True)
    before = fields.Nested(StandingSchema, required=True)
    after = fields.Nested(StandingSchema, required=True)


class RoleSchema(Schema):
    role = fields.String(
        required=True,
        metadata={
            "description": "confined_space_approver|guardian|entrant|rescuer, or "
            "special_operator:<category>"
        },
    )
    qualified = fields.Boolean(required=True)
    until = fields.Date(required=True, allow_none=True)


class CompetencySchema(Schema):
    person_key = fields.String(required=True)
    uscc = fields.String(required=True)
    sequence = fields.Integer(
        required=True,
        metadata={
            "description": "grows with every change of the person's competency: keep the highest"
        },
    )
    roles = fields.List(fields.Nested(RoleSchema), required=True)


class CertificateSchema(Schema):
    certificate_id = fields.String(required=True)
    person_key = fields.String(required=True)
    uscc = fields.String(required=True)
    kind = fields.String(required=True)
    category = fields.String(required=True, allow_none=True)
    valid_until = fields.Date(required=True)
    review_due_on = fields.Date(required=True, allow_none=True)


class ReviewedSchema(CertificateSchema):
    reviewed_on = fields.Date(required=True)
    due_on = fields.Date(required=True)
    result = fields.String(required=True, validate=validate.OneOf(("passed", "failed")))
    on_time = fields.Boolean(required=True)


class StatusChangedSchema(CertificateSchema):
    status = fields.String(required=True)
    reason = fields.String(required=True)


class StateChangedSchema(CertificateSchema):
    from_ = fields.String(required=True, allow_none=True, data_key="from")
    to = fields.String(required=True)


class SessionSchema(Schema):
    session_id = fields.String(required=True)
    uscc = fields.String(required=True)
    kind = fields.String(required=True)
    held_on = fields.Date(required=True)
    hours = fields.Float(required=True)
    participants = fields.Integer(required=True)


class ResultsSchema(SessionSchema):
    attended = fields.Integer(required=True)
    passed = fields.Integer(required=True)


class ReminderSchema(Schema):
    reminder_id = fields.String(required=True)
    kind = fields.String(
        required=True,
        validate=validate.OneOf(
            ("review_due", "review_overdue", "expiring", "expired", "hours_short")
        ),
    )
    due_on = fields.Date(required=True)
    uscc = fields.String(required=True)
    id_masked = fields.String(required=True, validate=ID_MASKED)
    certificate_id = fields.String()
    certificate_kind = fields.String()
    certificate_number = fields.String()
    hours = fields.Float()
    required = fields.Float()


PUBLISHED = (
    Published.of(
        SERVICE,
        "person",
        "registered",
        PositionsSchema,
        "A person was put on an enterprise's staff.",
    ),
    Published.of(
        SERVICE,
        "person",
        "employer_changed",
        EmployerChangedSchema,
        "A person moved to another employer; their positions there ended.",
    ),
    Published.of(
        SERVICE,
        "person",
        "positions_changed",
        PositionsSchema,
        "A person started or ended a position.",
    ),
    Published.of(
        SERVICE,
        "person",
        "left",
        AbsenceSchema,
        "A person left work for a while (leave, secondment, illness); their employment goes on.",
    ),
    Published.of(
        SERVICE,
        "person",
        "returned",
        AbsenceSchema,
        "A person came back to work; after a long enough absence three-level education is due "
        "again (see the standing).",
    ),
    Published.of(
        SERVICE,
        "person",
        "standing_changed",
        StandingChangedSchema,
        "Whether a person is a key person, fully certified, a team leader (trained "
        "which years) changed; moves the target-7 counters.",
    ),
    Published.of(
        SERVICE,
        "competency",
        "changed",
        CompetencySchema,
        "A person's competency per role, as it now stands (event-carried state for "
        "the permits service's read model).",
    ),
    Published.of(
        SERVICE,
        "certificate",
        "issued",
        CertificateSchema,
        "A certificate a person holds was recorded.",
    ),
    Published.of(
        SERVICE,
        "certificate",
        "reviewed",
        ReviewedSchema,
        "A certificate's review (复审) was recorded, with its result.",
    ),
    Published.of(
        SERVICE,
        "certificate",
        "status_changed",
        StatusChangedSchema,
        "A bureau revoked, suspended or reinstated a certificate.",
    ),
    Published.of(
        SERVICE,
        "certificate",
        "state_changed",
        StateChangedSchema,
        "Time moved a certificate into another state (review due, overdue, invalid).",
    ),
    Published.of(
        SERVICE,
        "session",
        "recorded",
        SessionSchema,
        "A training session an enterprise held was recorded.",
    ),
    Published.of(
        SERVICE,
        "session",
        "results_recorded",
        ResultsSchema,
        "The participants' assessment results of a session were recorded.",
    ),
    Published.of(
        SERVICE,
        "reminder",
        "issued",
        ReminderSchema,
        "A reminder went to an enterprise and its county bureau.",
    ),
    copy_requested(SERVICE),
)

# Consumed: the registry's enterprises (which employers exist, where, in which industry), and
# the service's own events for the indicator counters.
OWN_EVENTS = f"cn.anjian.{SERVICE}.#"
CONSUMED = (*REGISTRY_FEED, OWN_EVENTS)
