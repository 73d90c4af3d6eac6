"""Checks that a store's visibility rule answers the same as a query and as a predicate.

A rule is written once, as a MongoDB filter for a caller; lists run it on the server and single
reads check a document already read with `services.kit.mongo.matches`. Given documents stored
in a scratch collection, `seen_by_query` and `seen_by_predicate` give the two faces' answers.
"""

from contextlib import contextmanager

from services.kit.mongo import matches

# Callers of every kind, named for the tables of the tests.
COUNTY = "620722"  # 民乐县
NEIGHBOUR = "620702"  # 甘州区, beside it in the same city
CITY = "620700"  # 张掖市
PROVINCE = "620000"  # 甘肃省
ELSEWHERE = "440105"  # a district of Guangzhou, another province
OWN_USCC = "91620722MA01XYW0QX"
OTHER_USCC = "91620722MA01XYW1QX"


def seen_by_query(collection, query):
    return {document["_id"] for document in collection.find(query, {"_id": 1})}


def seen_by_predicate(documents, query):
    return {document["_id"] for document in documents if matches(query, document)}


@contextmanager
def scratch_collection(mongo, settings, name, documents):
    """A collection holding `documents`, in a database of its own dropped afterwards."""
    database = settings.database(name)
    collection = mongo[database][name]
    collection.insert_many(documents)
    try:
        yield collection
    finally:
        mongo.drop_database(database)
