"""Credit requests and answers: the contract the gateway imports. Every body and query refuses
unknown fields; text fields are bounded."""

from marshmallow import Schema, fields, validate

from services.kit.pure.schemas import (
    REGION_FILTER,
    USCC,
    PageSchema,
    StrictSchema,
    Year,
)

TEXT = validate.Length(min=1, max=2000)
SHORT = validate.Length(min=1, max=200)
DOCUMENTS = fields.List(
    fields.String(validate=SHORT),
    load_default=list,
    validate=validate.Length(max=20),
    metadata={"description": "documents of the step: evidence ids or document numbers"},
)
RULE = validate.Regexp(r"^[a-z_]{1,60}$", error="a listing case id, e.g. agency_fraud")


class CaseCreateSchema(StrictSchema):
    uscc = fields.String(required=True, validate=USCC)
    subject_kind = fields.String(load_default="unit", validate=validate.OneOf(("unit", "person")))
    person_name = fields.String(validate=validate.Length(min=1, max=100))
    rule = fields.String(required=True, validate=RULE)
    legal_basis = fields.String(required=True, validate=SHORT)
    records = fields.List(
        fields.String(validate=SHORT),
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"description": "the triggering records (decision numbers, report numbers)"},
    )
    authority = fields.String(
        validate=validate.Regexp(r"^\d{6}$"),
        metadata={"description": "the deciding bureau's division code (default: yours)"},
    )


class CaseQuerySchema(PageSchema):
    region = fields.String(validate=REGION_FILTER)
    uscc = fields.String(validate=USCC)
    status = fields.String(
        validate=validate.OneOf(
            (
                "candidate",
                "notified",
                "representation_received",
                "decided",
                "dismissed",
                "published",
                "repair_applied",
                "removed",
            )
        )
    )


class NoticeSchema(StrictSchema):
    reasons = fields.String(required=True, validate=TEXT)
    rights = fields.String(
        load_default="当事人有权在告知之日起规定期限内进行陈述和申辩。", validate=TEXT
    )
    documents = DOCUMENTS


class RepresentationSchema(StrictSchema):
    text = fields.String(required=True, validate=TEXT)
    evidence = DOCUMENTS


class DecisionSchema(StrictSchema):
    outcome = fields.String(required=True, validate=validate.OneOf(("list", "dismiss")))
    decision_number = fields.String(required=True, validate=validate.Length(min=1, max=64))
    reasons = fields.String(required=True, validate=TEXT)
    documents = DOCUMENTS


class PublicationSchema(StrictSchema):
    measures = fields.List(
        fields.String(validate=validate.Regexp(r"^[a-z_]{1,40}$")),
        load_default=list,
        validate=validate.Length(max=10),
        metadata={"description": "joint measures (credit.listing.measures)"},
    )
    documents = DOCUMENTS


class RepairSchema(StrictSchema):
    step = fields.String(required=True, validate=validate.OneOf(("apply", "approve", "reject")))
    reasons = fields.String(required=True, validate=TEXT)
    documents = DOCUMENTS


class RestorationSchema(StrictSchema):
    decision_number = fields.String(required=True, validate=validate.Length(min=1, max=64))
    reasons = fields.String(required=True, validate=TEXT)
    documents = DOCUMENTS


class ReplaySchema(StrictSchema):
    since = fields.AwareDateTime(required=True)
    until = fields.AwareDateTime(required=True)


class PublicQuerySchema(PageSchema):
    q = fields.String(validate=validate.Length(min=2, max=50), metadata={"description": "name"})
    uscc = fields.String(validate=USCC)


class CreditIndicatorQuerySchema(StrictSchema):
    region = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))
    year = Year(required=True, strict=False)


# --- answers ---


class MeasureOut(Schema):
    measure = fields.String()
    name = fields.String()


class CreditCaseOut(Schema):
    id = fields.String()
    status = fields.String()
    uscc = fields.String()
    region_code = fields.String()
    authority = fields.String()
    listed = fields.Boolean(metadata={"description": "published and within its term today"})
    subject = fields.Dict()
    rule = fields.Dict()
    triggers = fields.List(fields.Dict())
    opened_at = fields.String()
    notice = fields.Dict(allow_none=True)
    representation = fields.Dict(allow_none=True)
    decision = fields.Dict(allow_none=True)
    listing = fields.Dict(allow_none=True)
    repair = fields.Dict(allow_none=True)
    removal = fields.Dict(allow_none=True)
    restoration = fields.Dict(allow_none=True)
    steps = fields.List(fields.Dict(), metadata={"description": "every step: actor, time, docs"})


class PublicListingOut(Schema):
    uscc = fields.String()
    unit_name = fields.String()
    region_code = fields.String()
    subject_kind = fields.String()
    person_name = fields.String(allow_none=True)
    listing_case_name = fields.String()
    legal_basis = fields.String()
    decision_number = fields.String()
    decided_on = fields.String()
    term_start = fields.String()
    term_end = fields.String()
    measures = fields.List(fields.Nested(MeasureOut))
    authority = fields.String()


class ReplayOut(Schema):
    replayed = fields.Integer(metadata={"description": "public events published again"})


class CreditIndicatorsOut(Schema):
    region = fields.String()
    year = fields.Integer()
    candidates = fields.Integer()
    listed = fields.Integer()
    removed_expired = fields.Integer()
    removed_repaired = fields.Integer()
    restored = fields.Integer()
