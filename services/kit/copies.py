"""A service's copy of another service's records, fed by its events: the newest event wins.

Each copy document remembers the time of the event it was last written from. A write applies only
where that time is older, so a repeated or late event changes nothing (its filter misses and its
upsert collides with the newer document), and the handlers need no inbox markers.
"""
from pymongo import UpdateOne
from pymongo.errors import BulkWriteError

from services.kit.mongo import DUPLICATE_KEY


def keep_newest(collection, changes, upsert=True):
    """[(id, fields, event time)]: each written unless a newer event was, in one round trip."""
    if not changes:
        return
    try:
        collection.bulk_write([UpdateOne({"_id": identifier, "event_time": {"$lt": when}},
                                         {"$set": {**fields, "event_time": when}}, upsert=upsert)
                               for identifier, fields, when in changes], ordered=False)
    except BulkWriteError as error:
        if any(failure["code"] != DUPLICATE_KEY for failure in error.details["writeErrors"]):
            raise
