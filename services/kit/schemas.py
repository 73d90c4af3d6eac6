"""Schema helpers shared by every service's schemas.py."""
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from services.kit.errors import InvalidInput


class StrictSchema(Schema):
    """Refuses unknown fields, so nothing outside the schema can be mass-assigned."""

    class Meta:
        unknown = RAISE


MAX_PAGE_SIZE = 200


class PageSchema(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))
    with_total = fields.Boolean(load_default=False, metadata={
        "description": "also count every matching record (costs a pass over them; null when "
                       "the count takes too long)"})


def load(schema, data, **kwargs):
    """Load with a schema; a failure is an InvalidInput carrying the per-field messages."""
    if not isinstance(data, dict):
        raise InvalidInput("the request body must be a JSON object", {"_schema": ["not an object"]})
    try:
        return schema.load(data, **kwargs)
    except ValidationError as error:
        raise InvalidInput("the request has invalid fields", error.normalized_messages()) from None


def page_bounds(page, page_size):
    """skip and limit for a page (both already validated by PageSchema)."""
    return (page - 1) * page_size, page_size
