"""GET /api/v1/targets through the gateway: the eight targets from the services' counters, the
numbers moving when records are made, the caller's jurisdiction, and a page that still answers
when a service behind it is stopped."""

import pytest

from services.kit.pure.clock import Clock
from tests.support.api import assert_problem, inspected, read, register
from tests.support.factories import general_finding
from tests.support.waiting import wait_until

YEAR = Clock().today().year


def targets_of(api, **params):
    return read(api, "/api/v1/targets?" + "&".join(f"{k}={v}" for k, v in params.items()))


def figure(composed, key):
    return next(f for t in composed["targets"] for f in t["figures"] if f["key"] == key)


def test_a_new_hazard_moves_the_rectification_rate_of_its_county_and_city(sign_in, users):
    minle, zhangye = sign_in("minle"), sign_in("zhangye")

    def found(api, region):
        rate = figure(targets_of(api, region=region, year=YEAR), "hazards.general.rectification")
        return rate["denominator"]

    before_county, before_city = found(minle, "620722"), found(zhangye, "620700")
    body, _ = register(sign_in, users)
    inspected(sign_in, body["uscc"], [general_finding()])
    wait_until(lambda: found(minle, "620722") == before_county + 1, message="the county's count")
    city = targets_of(zhangye, region="620700", year=YEAR)
    rate = figure(city, "hazards.general.rectification")
    assert rate["denominator"] == before_city + 1
    assert rate["target"] == 1.0
    assert rate["records"] == "/api/v1/hazards?grade=general&region=620700"
    minle_row = next(r for r in rate["by_region"] if r["region"] == "620722")
    assert minle_row["name"] == "民乐县" and minle_row["denominator"] == before_county + 1
    assert [t["number"] for t in city["targets"]] == list(range(1, 9))
    assert city["region_name"] == "张掖市" and len(city["children"]) == 6


def test_a_county_reads_its_own_targets_and_no_other_county(sign_in):
    assert targets_of(sign_in("minle"))["region"] == "620722"
    assert_problem(
        sign_in("minle").get("/api/v1/targets", params={"region": "620702"}), 404, "not_found"
    )
    assert_problem(
        sign_in("minle").get("/api/v1/targets", params={"region": "620700"}), 404, "not_found"
    )


@pytest.mark.parametrize(
    "params",
    [
        {"region": "629999"},
        {"region": "62"},
        {"region": '{"$gt": ""}'},
        {"year": "1900"},
        {"year": "year"},
        {"colour": "red"},
    ],
)
def test_bad_queries_are_refused_with_a_problem(sign_in, params):
    assert_problem(sign_in("zhangye").get("/api/v1/targets", params=params), 422)


def test_enterprises_and_agencies_do_not_read_targets(sign_in, users):
    _, company = register(sign_in, users)
    assert_problem(company.get("/api/v1/targets"), 403, "forbidden")
    assert_problem(sign_in("agency").get("/api/v1/targets"), 403, "forbidden")


@pytest.mark.slow
def test_with_training_stopped_its_target_is_marked_and_the_rest_answer(sign_in, platform):
    platform.stop("training")
    try:
        composed = targets_of(sign_in("zhangye"), region="620700", year=YEAR)
    finally:
        platform.start("training")
        platform.wait_ready()
    by_number = {t["number"]: t for t in composed["targets"]}
    # Deployed but down: unavailable for now, not absent from this level.
    assert by_number[7]["state"] == "unavailable"
    assert "training" in by_number[7]["figures"][0]["reason"]
    assert by_number[5]["state"] == "available"


def test_every_figure_of_the_eight_targets_reads_a_number_from_its_service(sign_in):
    """With every service deployed, each figure's path names a number its service answers: a
    renamed indicator would show as a blank here, not on a bureau head's screen."""
    composed = targets_of(sign_in("zhangye"), region="620700", year=YEAR)
    for target in composed["targets"]:
        for shown in target["figures"]:
            assert shown["state"] == "available", shown
            number = shown["denominator"] if shown["kind"] == "rate" else shown["value"]
            assert isinstance(number, int), shown
