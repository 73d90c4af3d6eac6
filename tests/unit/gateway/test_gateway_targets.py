"""The eight targets composed from indicator answers: rates with both numbers, last year, the
divisions below, and a target marked when the service behind it is absent."""

from datetime import date

import pytest

from gateway import targets
from gateway.api import targets as targets_api
from services.kit.pure.errors import NotDeployed, TimedOut, Unavailable
from services.kit.rules import load_rules

RULES = load_rules("gateway", package="gateway")
TODAY = date(2026, 11, 30)
DEFINED = targets.in_force(RULES, TODAY)


def training_answer(certified, key_persons):
    rate = {"numerator": certified, "denominator": key_persons, "rate": certified / key_persons}
    return {"certification": rate, "reviews_on_time": rate, "team_leader_training": rate}


def answered(region, year, answer_for):
    """Answers to every planned call: `answer_for(call)` or, where it returns None, absent."""
    return {
        call: answer_for(call)
        or targets.Missing(targets.NOT_DEPLOYED, f"本级未部署 {call.service} 服务")
        for call in targets.calls(DEFINED, region, year)
    }


def by_number(composed, number):
    return next(t for t in composed["targets"] if t["number"] == number)


def test_the_eight_targets_are_rule_data_in_their_order():
    assert [t["number"] for t in DEFINED] == list(range(1, 9))
    assert all(t["figures"] for t in DEFINED)


def test_a_city_sees_its_counties_side_by_side_and_last_year():
    def answer(call):
        if call.service != "training":
            return None
        if call.year == 2025:
            return training_answer(1, 4)
        return training_answer(3, 4) if call.region == "620700" else training_answer(1, 2)

    composed = targets.compose(DEFINED, answered("620700", 2026, answer), "620700", 2026)
    certification = by_number(composed, 7)["figures"][0]
    assert certification["state"] == "available"
    assert (certification["numerator"], certification["denominator"]) == (3, 4)
    assert certification["target"] == 1.0
    assert certification["previous_year"]["numerator"] == 1
    assert [r["name"] for r in certification["by_region"]] == [
        "甘州区",
        "肃南裕固族自治县",
        "民乐县",
        "临泽县",
        "高台县",
        "山丹县",
    ]
    assert certification["records"] == "/api/v1/persons?region=620700"
    assert composed["region_name"] == "张掖市"


def test_an_absent_service_marks_its_targets_and_the_rest_still_answer():
    composed = targets.compose(
        DEFINED,
        answered("620722", 2026, lambda call: None),
        "620722",
        2026,
    )
    permits = by_number(composed, 8)
    assert permits["state"] == targets.NOT_DEPLOYED
    assert "permits" in permits["figures"][0]["reason"]
    assert composed["children"] == []


def test_a_target_missing_one_of_two_services_shows_what_it_has():
    def answer(call):
        if call.service == "inspection":
            return {"hazards": {"major": {"eliminated": 4}}, "penalties": {"count": 9}}
        return None

    target = by_number(
        targets.compose(DEFINED, answered("620722", 2026, answer), "620722", 2026), 2
    )
    assert target["state"] == "available"
    values = {f["key"]: f.get("value") for f in target["figures"]}
    assert values["hazards.major.eliminated"] == 4
    assert values["penalties.count"] == 9
    assert values["credit.listed"] is None


@pytest.mark.parametrize("value", [0.5, 0.95])
def test_a_deployment_sets_its_own_target_value(tmp_path, value):
    folder = tmp_path / "gateway"
    folder.mkdir()
    (folder / "targets.yaml").write_text(
        f"""
overrides:
- id: targets.5
  version: 2
  title: 本地目标
  value:
    figures:
    - {{key: hazards.general.rectification, title: 一般隐患整改率, service: inspection,
       method: inspection_indicators, kind: rate, rate: hazards.general.rectification,
       target: {value}, records: /api/v1/hazards}}
  source: {{document: 本地工作要点}}
  effective_from: '2026-01-01'
  checked_against: official
""",
        "utf-8",
    )
    local = load_rules("gateway", str(tmp_path), package="gateway")
    figure = by_number({"targets": targets.in_force(local, TODAY)}, 5)["figures"][0]
    assert figure["target"] == value


@pytest.mark.parametrize(
    "error,state",
    [
        (TimedOut("out of time"), targets.UNAVAILABLE),
        (Unavailable("down"), targets.UNAVAILABLE),
        (NotDeployed("never here"), targets.NOT_DEPLOYED),
    ],
)
def test_a_service_that_fails_the_page_marks_only_its_own_figures(error, state):
    class Failing:
        def call(self, *args, **kwargs):
            raise error

    calls = targets.calls(DEFINED, "620722", 2026)[:2]
    answered = targets_api._answers(Failing(), None, calls)
    assert {missing.state for missing in answered.values()} == {state}
