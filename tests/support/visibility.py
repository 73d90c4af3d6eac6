"""Checks that a store's visibility rule answers the same as a query and as a predicate.

A rule is written once, as a MongoDB filter for a caller; lists run it on the server and single
reads check a document already read with `services.kit.mongo.matches`. Given documents stored
in a scratch collection, `seen_by_query` and `seen_by_predicate` give the two faces' answers.
A test module subclasses `VisibilityRule` (or `OwnOrJurisdictionRule`) as a `Test...` class
naming its store's rule, so every rule is held to its table the same way.
"""

from contextlib import contextmanager

import pytest

from services.kit.mongo import matches
from services.kit.pure.actor import Actor
from services.kit.pure.errors import Forbidden

# Callers of every kind, named for the tables of the tests.
COUNTY = "620722"  # 民乐县
NEIGHBOUR = "620702"  # 甘州区, beside it in the same city
CITY = "620700"  # 张掖市
PROVINCE = "620000"  # 甘肃省
ELSEWHERE = "440105"  # a district of Guangzhou, another province
OWN_USCC = "91620722MA01XYW0QX"
OTHER_USCC = "91620722MA01XYW1QX"


# Records of an enterprise of the county, another of it, one of the neighbouring county and one
# of another province; and who sees which of them where an enterprise sees its own and everyone
# else their jurisdiction (training, permits).
ENTERPRISE_RECORDS = [
    {"_id": "own", "uscc": OWN_USCC, "region_code": COUNTY},
    {"_id": "other", "uscc": OTHER_USCC, "region_code": COUNTY},
    {"_id": "neighbour", "uscc": "91620702MA01XYW0QX", "region_code": NEIGHBOUR},
    {"_id": "elsewhere", "uscc": "91440105MA01XYW0QX", "region_code": ELSEWHERE},
]
IN_COUNTY = {"own", "other"}
IN_CITY = IN_COUNTY | {"neighbour"}
# (caller, the records it sees) for ENTERPRISE_RECORDS.
OWN_OR_JURISDICTION = [
    (Actor("admin", "admin", "000000"), IN_CITY | {"elsewhere"}),
    (Actor("gansu", "regulator", PROVINCE), IN_CITY),
    (Actor("zhangye", "regulator", CITY), IN_CITY),
    (Actor("minle", "regulator", COUNTY), IN_COUNTY),
    (Actor("ganzhou", "regulator", NEIGHBOUR), {"neighbour"}),
    (Actor("inspector-minle", "inspector", COUNTY), IN_COUNTY),
    (Actor("auditor", "auditor", CITY), IN_CITY),
    (Actor(OWN_USCC, "enterprise", COUNTY, OWN_USCC), {"own"}),
    (Actor(OTHER_USCC, "enterprise", NEIGHBOUR, OTHER_USCC), {"other"}),
]


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


class VisibilityRule:
    """Holds `visible_to` (a store's rule, given as a staticmethod) to `table`, a list of
    (caller, the `_id`s it sees) over `documents`, stored in the scratch database `database`."""

    visible_to: staticmethod
    documents: list
    table: list
    database: str

    def pytest_generate_tests(self, metafunc):
        if "actor" in metafunc.fixturenames:
            metafunc.parametrize(
                "actor, expected", self.table, ids=lambda value: getattr(value, "user_id", "")
            )

    @pytest.fixture(scope="class")
    @classmethod
    def collection(cls, mongo, settings):
        with scratch_collection(mongo, settings, cls.database, cls.documents) as records:
            yield records

    def test_query_and_predicate_agree_with_the_table(self, collection, actor, expected):
        query = self.visible_to(actor)
        seen = seen_by_query(collection, query)
        assert seen == seen_by_predicate(self.documents, query) == expected


class OwnOrJurisdictionRule(VisibilityRule):
    """A rule where an enterprise sees its own records, everyone else their jurisdiction, and an
    agency nothing (training, permits)."""

    documents = ENTERPRISE_RECORDS
    table = OWN_OR_JURISDICTION

    def test_an_agency_is_refused(self):
        with pytest.raises(Forbidden):
            self.visible_to(Actor("agency-1", "agency", COUNTY))

    def test_a_list_narrowed_to_a_county_stays_inside_the_callers_sight(self, collection):
        query = self.visible_to(Actor("zhangye", "regulator", CITY), COUNTY)
        seen = seen_by_query(collection, query)
        assert seen == seen_by_predicate(self.documents, query) == IN_COUNTY
