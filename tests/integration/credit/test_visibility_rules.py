"""Who sees which credit case: the store's one rule, as a query on the real database and as the
predicate single reads use. The two faces must agree, and both must give what the table says: a
bureau its jurisdiction, an enterprise its own cases, an agency nothing."""

import pytest

from services.credit.store import visible_to
from services.kit.pure.actor import Actor
from services.kit.pure.errors import Forbidden
from tests.support.visibility import (
    CITY,
    COUNTY,
    ELSEWHERE,
    NEIGHBOUR,
    OTHER_USCC,
    OWN_USCC,
    scratch_collection,
    seen_by_predicate,
    seen_by_query,
)

CASES = [
    {"_id": "own", "uscc": OWN_USCC, "region_code": COUNTY, "authority": COUNTY},
    # Decided by the city about a county's unit: the county still sees its unit's case.
    {"_id": "by_city", "uscc": OTHER_USCC, "region_code": COUNTY, "authority": CITY},
    {"_id": "neighbour", "uscc": "91620702MA01XYW0QX", "region_code": NEIGHBOUR},
    {"_id": "elsewhere", "uscc": "91440105MA01XYW0QX", "region_code": ELSEWHERE},
]
COUNTY_CASES = {"own", "by_city"}

TABLE = [
    (Actor("admin", "admin", "000000"), COUNTY_CASES | {"neighbour", "elsewhere"}),
    (Actor("zhangye", "regulator", CITY), COUNTY_CASES | {"neighbour"}),
    (Actor("minle", "regulator", COUNTY), COUNTY_CASES),
    (Actor("ganzhou", "regulator", NEIGHBOUR), {"neighbour"}),
    (Actor("auditor", "auditor", CITY), COUNTY_CASES | {"neighbour"}),
    (Actor(OWN_USCC, "enterprise", COUNTY, OWN_USCC), {"own"}),
]


@pytest.fixture(scope="module")
def collection(mongo, settings):
    with scratch_collection(mongo, settings, "credit_visibility", CASES) as records:
        yield records


@pytest.mark.parametrize("actor, expected", TABLE, ids=lambda value: getattr(value, "user_id", ""))
def test_query_and_predicate_agree_with_the_table(collection, actor, expected):
    query = visible_to(actor)
    assert seen_by_query(collection, query) == seen_by_predicate(CASES, query) == expected


def test_an_agency_is_refused_credit_cases():
    with pytest.raises(Forbidden):
        visible_to(Actor("agency-1", "agency", COUNTY))
