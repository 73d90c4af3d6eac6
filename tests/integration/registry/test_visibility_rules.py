"""Who sees which enterprise: the registry store's rule, as a query on the real database and as
the predicate single reads use, over a table of callers and enterprises. The two faces must
agree, and both must give what the table says."""

from services.kit.pure.actor import Actor
from services.registry.store import visible_to
from tests.support.visibility import (
    CITY,
    COUNTY,
    ELSEWHERE,
    NEIGHBOUR,
    OTHER_USCC,
    OWN_USCC,
    PROVINCE,
    VisibilityRule,
)

NEIGHBOUR_USCC = "91620702MA01XYW0QX"
ELSEWHERE_USCC = "91440105MA01XYW0QX"
DOCUMENTS = [
    {"_id": uscc, "uscc": uscc, "region_code": region}
    for uscc, region in (
        (OWN_USCC, COUNTY),
        (OTHER_USCC, COUNTY),
        (NEIGHBOUR_USCC, NEIGHBOUR),
        (ELSEWHERE_USCC, ELSEWHERE),
    )
]
IN_COUNTY = {OWN_USCC, OTHER_USCC}
IN_CITY = IN_COUNTY | {NEIGHBOUR_USCC}

TABLE = [
    (Actor("admin", "admin", "000000"), IN_CITY | {ELSEWHERE_USCC}),
    (Actor("gansu", "regulator", PROVINCE), IN_CITY),
    (Actor("zhangye", "regulator", CITY), IN_CITY),
    (Actor("minle", "regulator", COUNTY), IN_COUNTY),
    (Actor("ganzhou", "regulator", NEIGHBOUR), {NEIGHBOUR_USCC}),
    (Actor("inspector-minle", "inspector", COUNTY), IN_COUNTY),
    (Actor("auditor", "auditor", CITY), IN_CITY),
    (Actor("agency-1", "agency", COUNTY), IN_COUNTY),
    (Actor(OWN_USCC, "enterprise", COUNTY, OWN_USCC), {OWN_USCC}),
    # An enterprise user's own record, whatever scope the account was given.
    (Actor(OTHER_USCC, "enterprise", NEIGHBOUR, OTHER_USCC), {OTHER_USCC}),
]


class TestRegistryVisibility(VisibilityRule):
    visible_to = staticmethod(visible_to)
    documents = DOCUMENTS
    table = TABLE
    database = "registry_visibility"
