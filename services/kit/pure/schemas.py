"""Schema helpers shared by every service's schemas.py."""

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from services.kit.pure.errors import InvalidInput


class StrictSchema(Schema):
    """Refuses unknown fields, so nothing outside the schema can be mass-assigned."""

    class Meta:
        unknown = RAISE


# Shapes every service's schemas check the same way.
USCC = validate.Regexp(r"^[0-9A-Z]{18}$", error="must be 18 characters 0-9, A-Z")
IDENTIFIER = validate.Regexp(r"^[0-9a-f]{32}$", error="must be a 32-character id")
# An uploaded file's content address, as /api/v1/evidence returns it.
SHA256 = validate.Regexp(r"^[0-9a-f]{64}$", error="must be a sha256 in lowercase hex")
REGION_FILTER = validate.Regexp(r"^\d{2,6}$", error="must be a division code or its prefix")

# Upper bounds for every number a caller sends. Stored numbers must fit MongoDB's 64-bit integers,
# and sums of them (penalty totals, indicator counters, daily fines) must fit too, so each bound
# sits far below 2**63 while far above anything real: the largest direct loss of a Chinese
# accident so far is under 10**10 yuan, and no headcount reaches a million.
MAX_COUNT = 1_000_000
MAX_YUAN = 10**12
MAX_PAGE = 100_000
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_PAGE_SIZE = 200


class BoundedInteger(fields.Integer):
    """A whole number within [minimum, maximum]; the bounds appear in the OpenAPI document.

    Strict by default (JSON numbers only); query parameters, which arrive as text, pass
    strict=False.
    """

    def __init__(self, maximum: int, minimum: int = 0, strict: bool = True, **kwargs: Any) -> None:
        super().__init__(strict=strict, validate=validate.Range(min=minimum, max=maximum), **kwargs)


class Count(BoundedInteger):
    """How many of something: people, problems, items."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(MAX_COUNT, **kwargs)


class Yuan(BoundedInteger):
    """An amount of money in whole yuan: losses, funds, fines."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(MAX_YUAN, **kwargs)


class Year(BoundedInteger):
    """A calendar year the platform can hold records for."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(MAX_YEAR, minimum=MIN_YEAR, **kwargs)


class PageSchema(StrictSchema):
    page = BoundedInteger(MAX_PAGE, minimum=1, strict=False, load_default=1)
    page_size = BoundedInteger(MAX_PAGE_SIZE, minimum=1, strict=False, load_default=20)
    with_total = fields.Boolean(
        load_default=False,
        metadata={
            "description": "also count every matching record (costs a pass over them; null when "
            "the count takes too long)"
        },
    )


def load(schema: Schema, data: object, **kwargs: Any) -> Any:
    """Load with a schema; a failure is an InvalidInput carrying the per-field messages."""
    if not isinstance(data, dict):
        raise InvalidInput("the request body must be a JSON object", {"_schema": ["not an object"]})
    try:
        return schema.load(data, **kwargs)
    except ValidationError as error:
        raise InvalidInput("the request has invalid fields", error.normalized_messages()) from None


def page_bounds(page: int, page_size: int) -> tuple[int, int]:
    """skip and limit for a page (both already validated by PageSchema)."""
    return (page - 1) * page_size, page_size


class RuleSourceSchema(Schema):
    document = fields.String()
    article = fields.String()
    item = fields.String()
    url = fields.String()
    citation = fields.String(metadata={"description": "document, article and item in one line"})


class RuleSchema(Schema):
    """One rule as a service applies it (services/kit/pure/rules.py)."""

    id = fields.String()
    version = fields.Integer()
    title = fields.String()
    value = fields.Raw(metadata={"description": "the parameter or catalogue entry itself"})
    source = fields.Nested(RuleSourceSchema)
    effective_from = fields.Date()
    effective_to = fields.Date(allow_none=True)
    checked_against = fields.String(
        metadata={"description": "official (the gazette or ministry site), reprint, or unverified"}
    )
    local = fields.Boolean(metadata={"description": "from this deployment's rules directory"})
    published_by = fields.String(
        allow_none=True,
        metadata={
            "description": "the division code of the bureau above that published the rule to "
            "this deployment; null for the platform's and the deployment's own"
        },
    )
    note = fields.String()


class RuleReferenceOut(Schema):
    """The rule an answer applied (`Rule.reference()`), enough to find the exact text used
    (GET /api/v1/rules)."""

    id = fields.String()
    version = fields.Integer()


class RuleSetSchema(Schema):
    service = fields.String()
    fingerprint = fields.String(metadata={"description": "names this exact set of rules"})
    local = fields.Integer(metadata={"description": "rules from the deployment's directory"})
    published = fields.Integer(metadata={"description": "rules published by the bureaus above"})
    unverified = fields.List(
        fields.String(),
        metadata={"description": "ids of rules not yet checked against the official text"},
    )
    rules = fields.List(fields.Nested(RuleSchema))


class ImportLineOut(Schema):
    """One row's outcome in an import's report (gateway/interchange.py builds the report)."""

    row = fields.Integer()
    sheet = fields.String()
    result = fields.String(validate=validate.OneOf(("created", "exists", "invalid")))
    errors = fields.Dict()


class ImportReportOut(Schema):
    created = fields.Integer()
    existing = fields.Integer()
    invalid = fields.Integer()
    rows = fields.List(fields.Nested(ImportLineOut))


class RateOut(Schema):
    """A rate with both its numbers; the rate is None when there is nothing to count."""

    numerator = fields.Integer()
    denominator = fields.Integer()
    rate = fields.Float(allow_none=True)
