"""Who sees which training record: the store's one rule, as a query on the real database and as
the predicate single reads use, over a table of callers and records. The two faces must agree,
and both must give what the table says."""

import pytest

from services.kit.pure.actor import Actor
from services.kit.pure.errors import Forbidden
from services.training.store import visible_to
from tests.support.visibility import (
    CITY,
    COUNTY,
    ENTERPRISE_RECORDS,
    IN_COUNTY,
    OWN_OR_JURISDICTION,
    scratch_collection,
    seen_by_predicate,
    seen_by_query,
)


@pytest.fixture(scope="module")
def collection(mongo, settings):
    with scratch_collection(mongo, settings, "training_visibility", ENTERPRISE_RECORDS) as records:
        yield records


@pytest.mark.parametrize(
    "actor, expected", OWN_OR_JURISDICTION, ids=lambda value: getattr(value, "user_id", "")
)
def test_query_and_predicate_agree_with_the_table(collection, actor, expected):
    query = visible_to(actor)
    assert (
        seen_by_query(collection, query) == seen_by_predicate(ENTERPRISE_RECORDS, query) == expected
    )


def test_an_agency_is_refused_personal_records():
    with pytest.raises(Forbidden):
        visible_to(Actor("agency-1", "agency", COUNTY))


def test_a_list_narrowed_to_a_county_stays_inside_the_callers_sight(collection):
    query = visible_to(Actor("zhangye", "regulator", CITY), COUNTY)
    assert (
        seen_by_query(collection, query)
        == seen_by_predicate(ENTERPRISE_RECORDS, query)
        == IN_COUNTY
    )
