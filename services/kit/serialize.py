"""Stored documents as API data: ids named `id`, instants and dates as ISO text, no outbox."""

from datetime import date, datetime

from bson import ObjectId

from services.kit.pure.times import utc_instant

INTERNAL = ("outbox", "version")


def plain(value, document=True):
    """`value` as API data. Bookkeeping fields are dropped from the documents themselves only:
    a nested `version` (a rule reference's) is data."""
    if isinstance(value, dict):
        return {
            ("id" if key == "_id" else key): plain(item, False)
            for key, item in value.items()
            if not (document and key in INTERNAL)
        }
    if isinstance(value, (list, tuple)):
        return [plain(item, document) for item in value]
    if isinstance(value, datetime):
        return utc_instant(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, ObjectId):
        return str(value)
    return value


def page_of(found, query, view=None):
    """A store's page as API data, with the page asked for; each item through `view`."""
    items = [view(item) for item in found["items"]] if view else found["items"]
    return {**found, "items": plain(items), "page": query["page"], "page_size": query["page_size"]}
