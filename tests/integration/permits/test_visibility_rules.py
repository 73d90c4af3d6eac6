"""Who sees which permits record (spaces, permits, scans, staff): the store's one rule, as a
query on the real database and as the predicate single reads use, over a table of callers and
records. The two faces must agree, and both must give what the table says."""

import pytest

from services.kit.pure.actor import Actor
from services.kit.pure.errors import Forbidden
from services.permits.store import visible_to
from tests.support.visibility import (
    CITY,
    COUNTY,
    ELSEWHERE,
    NEIGHBOUR,
    OTHER_USCC,
    OWN_USCC,
    PROVINCE,
    scratch_collection,
    seen_by_predicate,
    seen_by_query,
)

DOCUMENTS = [
    {"_id": "own", "uscc": OWN_USCC, "region_code": COUNTY},
    {"_id": "other", "uscc": OTHER_USCC, "region_code": COUNTY},
    {"_id": "neighbour", "uscc": "91620702MA01XYW0QX", "region_code": NEIGHBOUR},
    {"_id": "elsewhere", "uscc": "91440105MA01XYW0QX", "region_code": ELSEWHERE},
]
IN_COUNTY = {"own", "other"}
IN_CITY = IN_COUNTY | {"neighbour"}

TABLE = [
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


@pytest.fixture(scope="module")
def collection(mongo, settings):
    with scratch_collection(mongo, settings, "permits_visibility", DOCUMENTS) as records:
        yield records


@pytest.mark.parametrize("actor, expected", TABLE, ids=lambda value: getattr(value, "user_id", ""))
def test_query_and_predicate_agree_with_the_table(collection, actor, expected):
    query = visible_to(actor)
    assert seen_by_query(collection, query) == seen_by_predicate(DOCUMENTS, query) == expected


def test_an_agency_is_refused_work_permits():
    with pytest.raises(Forbidden):
        visible_to(Actor("agency-1", "agency", COUNTY))


def test_a_list_narrowed_to_a_county_stays_inside_the_callers_sight(collection):
    query = visible_to(Actor("zhangye", "regulator", CITY), COUNTY)
    assert seen_by_query(collection, query) == seen_by_predicate(DOCUMENTS, query) == IN_COUNTY
