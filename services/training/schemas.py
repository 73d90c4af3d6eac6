"""Training schemas: what callers may send and what they get back.

Unknown fields are refused and every field is typed, so an operator object such as
{"$gt": ""} never reaches a query. The ID number is accepted here and never answered: answers
carry its masked form, and the full number only through its own audited route.
"""

from marshmallow import Schema, fields, validate

from services.kit.pure.schemas import (
    IDENTIFIER,
    REGION_FILTER,
    USCC,
    BoundedInteger,
    Count,
    PageSchema,
    RateOut,
    RuleReferenceOut,
    StrictSchema,
    Year,
)
from services.training.vocabulary import (
    CERTIFICATE_STATES,
    LEVELS,
    POSITIONS,
    RESULTS,
    SESSION_KINDS,
)

NAME = validate.Length(min=1, max=50)
TEXT = validate.Length(min=1, max=500)
REASON = validate.Length(min=2, max=1000)
PHONE = validate.Regexp(r"^[0-9+\-() ]{5,20}$", error="must be a phone number")
CATEGORY = validate.Regexp(r"^[a-z_]{1,40}$", error="an operation category code")
# No safety training or review lasts longer than a month of full days.
MAX_HOURS = 24 * 31
HOURS = validate.Range(min=0, max=MAX_HOURS, min_inclusive=False)
# An ID number as sent: checked in full (checksum, birth date, region) by the domain.
ID_NUMBER = validate.Length(min=15, max=20)


class PositionSchema(StrictSchema):
    position = fields.String(required=True, validate=validate.OneOf(POSITIONS))
    categories = fields.List(
        fields.String(validate=CATEGORY),
        validate=validate.Length(max=20),
        metadata={"description": "special operators: operation categories"},
    )
    started_on = fields.Date()


class PositionChangeSchema(PositionSchema):
    ended_on = fields.Date(metadata={"description": "ends the person's current position"})


class AbsenceSchema(StrictSchema):
    left_on = fields.Date(metadata={"description": "the person leaves work (alone: still away)"})
    returned_on = fields.Date(
        metadata={"description": "the person comes back (alone: ends the current absence)"}
    )


class PersonCreateSchema(StrictSchema):
    id_number = fields.String(
        required=True,
        validate=ID_NUMBER,
        metadata={"description": "居民身份证号码 (18 characters)"},
    )
    name = fields.String(required=True, validate=NAME)
    phone = fields.String(validate=PHONE)
    uscc = fields.String(
        validate=USCC,
        metadata={"description": "the employer (implied for an enterprise's own users)"},
    )
    hired_on = fields.Date()
    positions = fields.List(fields.Nested(PositionSchema), validate=validate.Length(max=10))


class PersonUpdateSchema(StrictSchema):
    name = fields.String(validate=NAME)
    phone = fields.String(validate=PHONE)


class ScopeQuerySchema(StrictSchema):
    """Whose records a list or an export covers: a region (or a prefix of one) and an
    enterprise."""

    region = fields.String(validate=REGION_FILTER)
    uscc = fields.String(validate=USCC)


class ScopedPageSchema(ScopeQuerySchema, PageSchema):
    """A page of the records in a scope (the page fields first, as in every paged query)."""


class PersonQuerySchema(ScopedPageSchema):
    position = fields.String(validate=validate.OneOf(POSITIONS))
    id_number = fields.String(
        validate=ID_NUMBER,
        metadata={"description": "find one person by ID number (looked up by its keyed hash)"},
    )


class HoursQuerySchema(StrictSchema):
    year = Year(strict=False)


class CertificateCreateSchema(StrictSchema):
    person_id = fields.String(required=True, validate=IDENTIFIER)
    kind = fields.String(required=True, validate=validate.Length(min=1, max=40))
    category = fields.String(validate=CATEGORY)
    number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    issuer = fields.String(required=True, validate=validate.Length(min=1, max=100))
    issued_on = fields.Date(required=True)
    valid_until = fields.Date(metadata={"description": "default: issue date + validity"})
    review_due_on = fields.Date(metadata={"description": "default: issue date + review cycle"})


class CertificateQuerySchema(ScopedPageSchema):
    person_id = fields.String(validate=IDENTIFIER)
    kind = fields.String(validate=validate.Length(min=1, max=40))


class ReviewSchema(StrictSchema):
    reviewed_on = fields.Date(required=True)
    hours = fields.Float(
        required=True, validate=HOURS, metadata={"description": "hours of review training attended"}
    )
    result = fields.String(required=True, validate=validate.OneOf(("passed", "failed")))
    continuous_years = Count(
        metadata={
            "description": "continuous years in the trade (10 or more may lengthen the cycle)"
        }
    )
    violations = fields.Boolean(truthy={True}, falsy={False}, load_default=False)
    session_id = fields.String(validate=IDENTIFIER)


class WithdrawalSchema(StrictSchema):
    action = fields.String(
        load_default="revoke", validate=validate.OneOf(("revoke", "suspend", "reinstate"))
    )
    reason = fields.String(required=True, validate=REASON)


class SessionCreateSchema(StrictSchema):
    uscc = fields.String(
        validate=USCC, metadata={"description": "the enterprise (implied for its own users)"}
    )
    topic = fields.String(required=True, validate=TEXT)
    kind = fields.String(required=True, validate=validate.OneOf(SESSION_KINDS))
    level = fields.String(
        validate=validate.OneOf(LEVELS), metadata={"description": "three-level education only"}
    )
    held_on = fields.Date(required=True)
    days = BoundedInteger(31, minimum=1, load_default=1)
    hours = fields.Float(required=True, validate=HOURS)
    trainer = fields.String(required=True, validate=NAME)
    participants = fields.List(
        fields.String(validate=IDENTIFIER), required=True, validate=validate.Length(min=1, max=500)
    )
    attachments = fields.List(
        fields.String(validate=IDENTIFIER),
        validate=validate.Length(max=50),
        metadata={"description": "evidence ids from /api/v1/evidence (sign-in sheets, photos)"},
    )


class ResultSchema(StrictSchema):
    person_id = fields.String(required=True, validate=IDENTIFIER)
    result = fields.String(required=True, validate=validate.OneOf(RESULTS))


class ResultsSchema(StrictSchema):
    results = fields.List(
        fields.Nested(ResultSchema), required=True, validate=validate.Length(min=1, max=500)
    )


class SessionQuerySchema(ScopedPageSchema):
    kind = fields.String(validate=validate.OneOf(SESSION_KINDS))


class ReminderQuerySchema(ScopedPageSchema):
    kind = fields.String(validate=validate.Length(min=1, max=40))


class TrainingIndicatorQuerySchema(StrictSchema):
    region = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))
    year = Year(required=True, strict=False)


class ExportQuerySchema(ScopeQuerySchema):
    """An export covers a scope whole: no pages."""


# --- answers ---------------------------------------------------------------------------------


class PositionOut(Schema):
    position = fields.String()
    categories = fields.List(fields.String())
    started_on = fields.Date()
    ended_on = fields.Date(allow_none=True)


class EmploymentOut(Schema):
    uscc = fields.String()
    region_code = fields.String()
    from_ = fields.Date(data_key="from")
    to = fields.Date(allow_none=True)


class TrainingEntryOut(Schema):
    session_id = fields.String()
    kind = fields.String()
    level = fields.String(allow_none=True)
    on = fields.Date()
    hours = fields.Float()
    uscc = fields.String()
    topic = fields.String(allow_none=True)
    trainer = fields.String(allow_none=True)
    result = fields.String(allow_none=True, metadata={"description": "passed, failed or absent"})


class CredentialOut(Schema):
    kind = fields.String()
    category = fields.String(allow_none=True)
    qualified = fields.Boolean()
    until = fields.Date(allow_none=True)
    certificate_id = fields.String(allow_none=True)


class RoleOut(Schema):
    role = fields.String()
    qualified = fields.Boolean()
    until = fields.Date(allow_none=True)


class CompetencyOut(Schema):
    sequence = fields.Integer()
    roles = fields.List(fields.Nested(RoleOut))


class StandingOut(Schema):
    region_code = fields.String(allow_none=True)
    key_person = fields.Boolean()
    certified = fields.Boolean()
    team_leader = fields.Boolean()
    team_leader_trained_years = fields.List(fields.Integer())
    away = fields.Boolean()
    three_level_missing = fields.List(fields.String())


class AbsenceOut(Schema):
    from_ = fields.Date(data_key="from")
    to = fields.Date(allow_none=True)


class PersonRecordOut(Schema):
    id = fields.String()
    name = fields.String()
    phone = fields.String(allow_none=True)
    id_masked = fields.String(metadata={"description": "first 6 and last 4 characters"})
    uscc = fields.String()
    region_code = fields.String()
    employment = fields.List(fields.Nested(EmploymentOut))
    positions = fields.List(fields.Nested(PositionOut))
    absences = fields.List(fields.Nested(AbsenceOut))
    training_log = fields.List(fields.Nested(TrainingEntryOut))
    credentials = fields.List(fields.Nested(CredentialOut))
    standing = fields.Nested(StandingOut)
    competency = fields.Nested(CompetencyOut)
    created_at = fields.String()
    updated_at = fields.String()


class IdNumberOut(Schema):
    person_id = fields.String()
    id_number = fields.String(metadata={"description": "the full number; this read is audited"})


class HoursBasisOut(Schema):
    position = fields.String()
    annual = fields.Float()


class PersonNamedOut(Schema):
    """How an answer names a person: never by the ID number, only its masked form."""

    person_id = fields.String()
    name = fields.String()
    id_masked = fields.String()


class HoursOut(PersonNamedOut):
    year = fields.Integer()
    hours = fields.Float()
    required = fields.Float()
    gap = fields.Float()
    basis = fields.List(fields.Nested(HoursBasisOut))
    three_level_missing = fields.List(
        fields.String(),
        metadata={"description": "三级安全教育 levels not yet attended for the current job"},
    )


class PersonTrainingOut(Schema):
    hours = fields.Nested(HoursOut)
    sessions = fields.List(fields.Nested(TrainingEntryOut))


class EnterpriseHoursOut(Schema):
    uscc = fields.String()
    year = fields.Integer()
    people = fields.Integer()
    short = fields.Integer(metadata={"description": "people with fewer hours than required"})
    gaps = fields.List(fields.Nested(HoursOut))


class ReviewOut(Schema):
    reviewed_on = fields.Date()
    due_on = fields.Date()
    hours = fields.Float()
    result = fields.String()
    on_time = fields.Boolean()
    extended_cycle = fields.Boolean()
    session_id = fields.String(allow_none=True)
    recorded_by = fields.String()


class CertificateOut(Schema):
    id = fields.String()
    person_id = fields.String()
    name = fields.String()
    id_masked = fields.String()
    uscc = fields.String()
    region_code = fields.String()
    kind = fields.String()
    kind_name = fields.String()
    category = fields.String(allow_none=True)
    number = fields.String()
    issuer = fields.String()
    issued_on = fields.Date()
    valid_until = fields.Date()
    review_due_on = fields.Date(allow_none=True)
    state = fields.String(validate=validate.OneOf(CERTIFICATE_STATES))
    status = fields.String()
    status_reason = fields.String(allow_none=True)
    reviews = fields.List(fields.Nested(ReviewOut))
    rules = fields.List(
        fields.Nested(RuleReferenceOut),
        metadata={"description": "the rules applied when it was recorded"},
    )
    next_check_on = fields.Date(allow_none=True)
    created_at = fields.String()
    updated_at = fields.String()


class ParticipantOut(PersonNamedOut):
    result = fields.String(allow_none=True)


class SessionAuditOut(Schema):
    at = fields.String()
    user_id = fields.String()
    role = fields.String()
    action = fields.String()


class SessionOut(Schema):
    id = fields.String()
    uscc = fields.String()
    region_code = fields.String()
    topic = fields.String()
    kind = fields.String()
    level = fields.String(allow_none=True)
    held_on = fields.Date()
    days = fields.Integer()
    hours = fields.Float()
    trainer = fields.String()
    attachments = fields.List(fields.String())
    participants = fields.List(fields.Nested(ParticipantOut))
    attended = fields.List(fields.String())
    created_at = fields.String()
    history = fields.List(fields.Nested(SessionAuditOut))


class RecipientOut(Schema):
    to = fields.String()
    uscc = fields.String()
    region_code = fields.String()


class ReminderOut(Schema):
    id = fields.String()
    kind = fields.String()
    due_on = fields.Date()
    person_id = fields.String()
    name = fields.String()
    id_masked = fields.String()
    uscc = fields.String()
    region_code = fields.String()
    certificate_id = fields.String()
    certificate_kind = fields.String()
    certificate_number = fields.String()
    hours = fields.Float()
    required = fields.Float()
    recipients = fields.List(fields.Nested(RecipientOut))
    created_at = fields.String()


class TrainingIndicatorsOut(Schema):
    region = fields.String()
    year = fields.Integer()
    certification = fields.Nested(
        RateOut,
        metadata={
            "description": "key persons fully certified / key persons, at the end of the year"
        },
    )
    reviews_on_time = fields.Nested(
        RateOut,
        metadata={"description": "reviews done by their due date / reviews due in the year"},
    )
    team_leader_training = fields.Nested(
        RateOut,
        metadata={"description": "team leaders trained in the year / team leaders at its end"},
    )


class ImportRowSchema(StrictSchema):
    """One row of a ledger import: a person, and optionally one certificate they hold."""

    id_number = fields.String(required=True, validate=ID_NUMBER)
    name = fields.String(required=True, validate=NAME)
    uscc = fields.String(validate=USCC)
    phone = fields.String(validate=PHONE)
    hired_on = fields.Date()
    position = fields.String(validate=validate.OneOf(POSITIONS))
    categories = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)), validate=validate.Length(max=20)
    )
    kind = fields.String(validate=validate.Length(min=1, max=40))
    category = fields.String(validate=validate.Length(min=1, max=40))
    number = fields.String(validate=validate.Length(min=1, max=40))
    issuer = fields.String(validate=validate.Length(min=1, max=100))
    issued_on = fields.Date()
    valid_until = fields.Date()
    review_due_on = fields.Date()


class RecordRowSchema(StrictSchema):
    """One row of a training-records import: a participant of a session and their result."""

    id_number = fields.String(required=True, validate=ID_NUMBER)
    uscc = fields.String(validate=USCC)
    held_on = fields.Date(required=True)
    topic = fields.String(required=True, validate=TEXT)
    kind = fields.String(required=True, validate=validate.OneOf(SESSION_KINDS))
    level = fields.String(validate=validate.OneOf(LEVELS))
    hours = fields.Float(required=True, validate=HOURS)
    trainer = fields.String(required=True, validate=NAME)
    result = fields.String(load_default="passed", validate=validate.OneOf(RESULTS))
