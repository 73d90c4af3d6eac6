"""Who sees which inspection record: each rule of the store, as a query on the real database and
as the predicate single reads use, over a table of callers and records. The two faces must
agree, and both must give what the table says."""

import pytest

from services.inspection.store import (
    accidents_visible_to,
    hazards_visible_to,
    inspections_visible_to,
    records_visible_to,
)
from services.kit.pure.actor import Actor
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

ACTORS = {
    "admin": Actor("admin", "admin", "000000"),
    "province": Actor("gansu", "regulator", PROVINCE),
    "city": Actor("zhangye", "regulator", CITY),
    "county": Actor("minle", "regulator", COUNTY),
    "neighbour": Actor("ganzhou", "regulator", NEIGHBOUR),
    "inspector": Actor("inspector-minle", "inspector", COUNTY),
    "auditor": Actor("auditor", "auditor", CITY),
    "enterprise": Actor(OWN_USCC, "enterprise", COUNTY, OWN_USCC),
    "other_enterprise": Actor(OTHER_USCC, "enterprise", COUNTY, OTHER_USCC),
    "agency": Actor("agency-1", "agency", COUNTY),
    "other_agency": Actor("agency-2", "agency", COUNTY),
}


def record(
    name, region=COUNTY, uscc=OWN_USCC, mode="routine", state="open", agency=None, occurred=None
):
    return {
        "_id": name,
        "region_code": region,
        "uscc": uscc,
        "mode": mode,
        "state": state,
        "agency": agency,
        "occurred_region_code": occurred or region,
    }


DOCUMENTS = [
    record("routine"),
    record("unannounced_open", mode="unannounced"),
    record("unannounced_done", mode="unannounced", state="completed"),
    record("third_party", mode="third_party", agency="agency-1"),
    record("other_enterprise", uscc=OTHER_USCC),
    # An accident of a 民乐县 enterprise that happened in 甘州区.
    record("occurred_in_neighbour", uscc=OTHER_USCC, occurred=NEIGHBOUR),
    record("neighbour", region=NEIGHBOUR, uscc="91620702MA01XYW0QX"),
    record("elsewhere", region=ELSEWHERE, uscc="91440105MA01XYW0QX"),
]
IN_COUNTY = {
    "routine",
    "unannounced_open",
    "unannounced_done",
    "third_party",
    "other_enterprise",
    "occurred_in_neighbour",
}
IN_CITY = IN_COUNTY | {"neighbour"}
OWN = {"routine", "unannounced_open", "unannounced_done", "third_party"}

# What each caller sees of DOCUMENTS, by rule: the specification both faces are held to.
REGION_SIGHT = {
    "admin": IN_CITY | {"elsewhere"},
    "province": IN_CITY,
    "city": IN_CITY,
    "county": IN_COUNTY,
    "neighbour": {"neighbour"},
    "inspector": IN_COUNTY,
    "auditor": IN_CITY,
}
ENTERPRISE_SIGHT = {
    "enterprise": OWN,
    "other_enterprise": {"other_enterprise", "occurred_in_neighbour"},
}
EXPECTED = {
    records_visible_to: {
        **REGION_SIGHT,
        **ENTERPRISE_SIGHT,
        "agency": IN_COUNTY,
        "other_agency": IN_COUNTY,
    },
    # The bureau where an accident occurred sees it too.
    accidents_visible_to: {
        **REGION_SIGHT,
        **ENTERPRISE_SIGHT,
        "agency": IN_COUNTY,
        "other_agency": IN_COUNTY,
        "neighbour": {"neighbour", "occurred_in_neighbour"},
    },
    hazards_visible_to: {
        **REGION_SIGHT,
        **ENTERPRISE_SIGHT,
        "agency": {"third_party"},
        "other_agency": set(),
    },
    # 四不两直: an open unannounced visit does not exist for the enterprise.
    inspections_visible_to: {
        **REGION_SIGHT,
        **ENTERPRISE_SIGHT,
        "enterprise": OWN - {"unannounced_open"},
        "agency": {"third_party"},
        "other_agency": set(),
    },
}


@pytest.fixture(scope="module")
def collection(mongo, settings):
    with scratch_collection(mongo, settings, "inspection_visibility", DOCUMENTS) as records:
        yield records


@pytest.mark.parametrize("rule", list(EXPECTED), ids=lambda rule: rule.__name__)
@pytest.mark.parametrize("caller", list(ACTORS))
def test_query_and_predicate_agree_with_the_table(collection, rule, caller):
    query = rule(ACTORS[caller])
    assert (
        seen_by_query(collection, query)
        == seen_by_predicate(DOCUMENTS, query)
        == EXPECTED[rule][caller]
    )


def test_a_list_narrowed_to_a_region_stays_inside_the_callers_sight(collection):
    query = records_visible_to(ACTORS["city"], COUNTY)
    assert seen_by_query(collection, query) == seen_by_predicate(DOCUMENTS, query) == IN_COUNTY
