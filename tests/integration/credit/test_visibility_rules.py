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
    VisibilityRule,
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


class TestCreditVisibility(VisibilityRule):
    visible_to = staticmethod(visible_to)
    documents = CASES
    table = TABLE
    database = "credit_visibility"

    def test_an_agency_is_refused_credit_cases(self):
        with pytest.raises(Forbidden):
            visible_to(Actor("agency-1", "agency", COUNTY))
