"""Accident reports (国务院令第493号): grades, figures, supplements and the four indicators."""
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.inspection.domain import accidents
from services.inspection.domain.accidents import accident_grade
from services.kit.pure.actor import Actor
from services.kit.pure.clock import CHINA
from services.kit.pure.errors import Conflict, Forbidden, InvalidInput
from services.kit.pure.uscc import with_check_character

NOW = datetime(2026, 3, 1, 2, 0, tzinfo=timezone.utc)
MINLE = Actor("minle", "regulator", "620722")
GANZHOU = Actor("ganzhou", "regulator", "620702")
ENTERPRISE_USCC = with_check_character("91620722MA01XYW0Q")


def fields(**overrides):
    base = {"occurred_at": NOW - timedelta(hours=3), "place": "民乐县工业园区1号 铸造车间",
            "uscc": ENTERPRISE_USCC, "region_code": "620722", "accident_type": "machinery",
            "deaths": 1, "missing": 0, "serious_injuries": 2, "minor_injuries": 3,
            "direct_loss_yuan": 1_200_000}
    return {**base, **overrides}


def reported(**overrides):
    document, _ = accidents.report_accident(fields(**overrides), MINLE, NOW)
    return document


def supplemented(document, changes, actor=MINLE, at=NOW):
    """The figures a supplement changed, its record and its event."""
    after, [event] = accidents.supplement_accident(document, changes, actor, at)
    changed = {key: value for key, value in after.items()
               if key != "supplements" and document[key] != value}
    return changed, after["supplements"][-1], event


# Grades ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("deaths, serious_injuries, direct_loss_yuan, grade", [
    (0, 0, 0, "general"),
    (2, 9, 9_999_999, "general"),
    (3, 0, 0, "larger"),
    (0, 10, 0, "larger"),
    (0, 0, 10_000_000, "larger"),
    (9, 49, 49_999_999, "larger"),
    (10, 0, 0, "major"),
    (0, 50, 0, "major"),
    (0, 0, 50_000_000, "major"),
    (29, 99, 99_999_999, "major"),
    (30, 0, 0, "especially_major"),
    (0, 100, 0, "especially_major"),
    (0, 0, 100_000_000, "especially_major"),
])
def test_each_bound_belongs_to_the_grade_it_opens(deaths, serious_injuries, direct_loss_yuan,
                                                   grade):
    assert accident_grade(deaths, serious_injuries, direct_loss_yuan) == grade


def test_the_grade_is_the_worst_of_the_three_dimensions():
    assert accident_grade(deaths=1, serious_injuries=0, direct_loss_yuan=60_000_000) == "major"
    assert accident_grade(deaths=3, serious_injuries=100, direct_loss_yuan=0) == \
        "especially_major"
    assert accident_grade(deaths=10, serious_injuries=12, direct_loss_yuan=20_000_000) == "major"


def test_every_grade_and_category_has_a_chinese_label():
    assert set(accidents.GRADE_LABELS) == set(accidents.GRADES)
    assert accidents.GRADE_LABELS["larger"] == "较大事故"
    assert len(accidents.ACCIDENT_TYPES) == 20
    assert accidents.ACCIDENT_TYPES["poisoning_asphyxiation"] == "中毒和窒息"


counts = st.integers(min_value=0, max_value=200)
losses = st.integers(min_value=0, max_value=300_000_000)


@given(counts, counts, counts, losses)
def test_more_deaths_never_lower_the_grade(deaths, more, serious_injuries, direct_loss_yuan):
    fewer = accident_grade(deaths, serious_injuries, direct_loss_yuan)
    worse = accident_grade(deaths + more, serious_injuries, direct_loss_yuan)
    assert accidents.GRADES.index(worse) >= accidents.GRADES.index(fewer)


@given(counts, counts, losses, losses)
def test_more_loss_never_lowers_the_grade(deaths, serious_injuries, direct_loss_yuan, more):
    fewer = accident_grade(deaths, serious_injuries, direct_loss_yuan)
    worse = accident_grade(deaths, serious_injuries, direct_loss_yuan + more)
    assert accidents.GRADES.index(worse) >= accidents.GRADES.index(fewer)


# Reports ---------------------------------------------------------------------------------------

def test_a_report_stores_the_figures_the_grade_and_one_event():
    document, [event] = accidents.report_accident(fields(deaths=3), MINLE, NOW)
    assert len(document["_id"]) == 32
    assert document["grade"] == "larger"
    assert document["supplements"] == [] and document["version"] == 1
    assert document["reported_at"] == NOW and document["reported_by"] == "minle"
    assert event["type"] == "cn.anjian.inspection.accident.reported.v1"
    assert event["subject"] == document["_id"]
    assert event["regioncode"] == "620722"
    assert event["data"]["grade"] == "larger"
    assert event["data"]["occurred_at"] == "2026-02-28T23:00:00Z"
    assert event["data"]["indicator_delta"] == accidents.indicator_delta(None, document)


def test_the_occurrence_is_stored_in_utc_whatever_zone_it_was_given_in():
    document = reported(occurred_at=datetime(2026, 3, 1, 8, 0, tzinfo=CHINA))
    assert document["occurred_at"] == datetime(2026, 3, 1, 0, 0, tzinfo=timezone.utc)
    assert document["occurred_at"].tzinfo == timezone.utc


@pytest.mark.parametrize("figure", accidents.FIGURES)
@pytest.mark.parametrize("value", [-1, None, 1.5, True])
def test_a_negative_or_missing_figure_is_refused_by_name(figure, value):
    with pytest.raises(InvalidInput) as refused:
        reported(**{figure: value})
    assert list(refused.value.errors) == [figure]


def test_an_accident_in_the_future_is_refused():
    with pytest.raises(InvalidInput) as refused:
        reported(occurred_at=NOW + timedelta(minutes=1))
    assert "occurred_at" in refused.value.errors


def test_an_occurrence_without_a_time_zone_is_refused():
    with pytest.raises(InvalidInput) as refused:
        reported(occurred_at=datetime(2026, 3, 1, 8, 0))
    assert "occurred_at" in refused.value.errors


def test_an_unknown_accident_type_is_refused():
    with pytest.raises(InvalidInput) as refused:
        reported(accident_type="explosion")
    assert "accident_type" in refused.value.errors


def test_only_writers_of_the_jurisdiction_report():
    with pytest.raises(Forbidden):
        accidents.report_accident(fields(), GANZHOU, NOW)
    with pytest.raises(Forbidden):
        accidents.report_accident(fields(), Actor("auditor", "auditor", "620700"), NOW)
    assert accidents.report_accident(fields(), Actor("city", "inspector", "620700"), NOW)


# Supplements -----------------------------------------------------------------------------------

def test_a_supplement_inside_30_days_records_before_after_reason_and_who():
    document = reported(deaths=2)
    later = document["occurred_at"] + timedelta(days=29)
    changed, record, event = supplemented(
        document, {"deaths": 3, "reason": "一名重伤人员抢救无效死亡"}, at=later)
    assert changed == {"deaths": 3, "grade": "larger"}
    assert record["changes"] == {"deaths": {"from": 2, "to": 3},
                                 "grade": {"from": "general", "to": "larger"}}
    assert record["reason"] == "一名重伤人员抢救无效死亡"
    assert record["at"] == later and record["user_id"] == "minle"
    assert event["type"] == "cn.anjian.inspection.accident.updated.v1"
    assert event["data"]["grade"] == "larger" and event["data"]["deaths"] == 3


def test_a_supplement_on_the_30th_day_is_still_accepted():
    document = reported()
    changed, _, _ = supplemented(document, {"minor_injuries": 4, "reason": "补报"},
                                 at=document["occurred_at"] + timedelta(days=30))
    assert changed == {"minor_injuries": 4}


def test_a_supplement_after_30_days_is_a_conflict():
    document = reported()
    with pytest.raises(Conflict):
        accidents.supplement_accident(document, {"deaths": 2, "reason": "补报"}, MINLE,
                                      document["occurred_at"] + timedelta(days=31))


def test_a_lower_loss_estimate_can_lower_the_grade():
    document = reported(direct_loss_yuan=12_000_000)
    assert document["grade"] == "larger"
    changed, _, _ = supplemented(document, {"direct_loss_yuan": 8_000_000,
                                            "reason": "核定直接经济损失"})
    assert changed == {"direct_loss_yuan": 8_000_000, "grade": "general"}


def test_a_supplement_needs_a_reason_and_valid_figures():
    document = reported()
    with pytest.raises(InvalidInput) as refused:
        accidents.supplement_accident(document, {"deaths": 2}, MINLE, NOW)
    assert list(refused.value.errors) == ["reason"]
    with pytest.raises(InvalidInput) as refused:
        accidents.supplement_accident(document, {"serious_injuries": -1, "reason": "补报"},
                                      MINLE, NOW)
    assert list(refused.value.errors) == ["serious_injuries"]
    with pytest.raises(InvalidInput) as refused:
        accidents.supplement_accident(document, {"place": "别处", "reason": "补报"}, MINLE, NOW)
    assert list(refused.value.errors) == ["place"]


def test_a_supplement_that_changes_nothing_stores_nothing():
    document = reported(deaths=1)
    assert accidents.supplement_accident(document, {"deaths": 1, "reason": "核实"},
                                         MINLE, NOW) == (document, [])


def test_a_supplement_outside_the_jurisdiction_is_forbidden():
    with pytest.raises(Forbidden):
        accidents.supplement_accident(reported(), {"deaths": 2, "reason": "补报"}, GANZHOU, NOW)


# Four indicators -------------------------------------------------------------------------------

def accident_at(moment, **figures):
    return {"occurred_at": moment, "deaths": 0, "serious_injuries": 0, "minor_injuries": 0,
            "direct_loss_yuan": 0, **figures}


def test_four_indicators_compare_years_in_china_time():
    new_years_eve = datetime(2025, 12, 31, 23, 30, tzinfo=CHINA)  # 15:30 UTC that day
    records = [
        accident_at(new_years_eve.astimezone(timezone.utc), deaths=1, serious_injuries=1,
                    minor_injuries=2, direct_loss_yuan=500_000),
        accident_at(datetime(2025, 6, 1, tzinfo=timezone.utc), deaths=2, direct_loss_yuan=1),
        accident_at(datetime(2025, 12, 31, 16, 30, tzinfo=timezone.utc), minor_injuries=1),
    ]
    assert accidents.four_indicators(records, 2025) == {
        "count": 2, "deaths": 3, "injuries": 3, "direct_loss_yuan": 500_001}
    # 16:30 UTC on 31 December is already 1 January in China.
    assert accidents.four_indicators(records, 2026) == {
        "count": 1, "deaths": 0, "injuries": 1, "direct_loss_yuan": 0}
    assert accidents.four_indicators([], 2026) == {
        "count": 0, "deaths": 0, "injuries": 0, "direct_loss_yuan": 0}


def test_a_new_report_adds_one_accident_and_its_figures_to_the_counters():
    document = reported(deaths=1, serious_injuries=2, minor_injuries=3,
                        direct_loss_yuan=1_200_000)
    assert accidents.indicator_delta(None, document) == {
        "count": 1, "deaths": 1, "injuries": 5, "direct_loss_yuan": 1_200_000}
    assert accidents.occurrence_year(document) == 2026


def test_a_supplement_moves_the_counters_by_the_difference_only():
    document = reported(deaths=1, serious_injuries=2, minor_injuries=3,
                        direct_loss_yuan=1_200_000)
    after, [event] = accidents.supplement_accident(
        document, {"deaths": 2, "serious_injuries": 1, "direct_loss_yuan": 1_500_000,
                   "reason": "一名重伤人员死亡，损失核定"}, MINLE, NOW)
    assert accidents.indicator_delta(document, after) == {
        "count": 0, "deaths": 1, "injuries": -1, "direct_loss_yuan": 300_000}
    assert event["data"]["indicator_delta"] == {
        "count": 0, "deaths": 1, "injuries": -1, "direct_loss_yuan": 300_000}
