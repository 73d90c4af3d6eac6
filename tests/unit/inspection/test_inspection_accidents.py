"""Accident reports (国务院令第493号): grades, figures, supplements, report timing and the four
indicators, under the rules in force on the day of the accident."""

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.inspection.domain import RULE_CHECKS, accidents
from services.kit.pure.actor import Actor
from services.kit.pure.clock import CHINA
from services.kit.pure.errors import Conflict, Forbidden, InvalidInput
from services.kit.pure.rules import RulesError
from services.kit.pure.uscc import with_check_character
from services.kit.rules import load_rules
from tests.unit.inspection.support import RULES as RULE_SET

NOW = datetime(2026, 3, 1, 2, 0, tzinfo=timezone.utc)
MINLE = Actor("minle", "regulator", "620722")
GANZHOU = Actor("ganzhou", "regulator", "620702")
ENTERPRISE_USCC = with_check_character("91620722MA01XYW0Q")
RULES = accidents.rules_on(RULE_SET, date(2026, 3, 1))
GRADE_RULE = {"id": "inspection.accident.grade.thresholds", "version": 1}
WINDOW_RULE = {"id": "inspection.accident.report.supplement_window_days", "version": 1}


def accident_grade(deaths, serious_injuries, direct_loss_yuan):
    return RULES.grade(
        {
            "deaths": deaths,
            "serious_injuries": serious_injuries,
            "direct_loss_yuan": direct_loss_yuan,
        }
    )


def fields(**overrides):
    base = {
        "occurred_at": NOW - timedelta(hours=3),
        "place": "民乐县工业园区1号 铸造车间",
        "uscc": ENTERPRISE_USCC,
        "region_code": "620722",
        "occurred_region_code": "620722",
        "accident_type": "machinery",
        "unit_reported_at": NOW - timedelta(hours=2.5),
        "deaths": 1,
        "missing": 0,
        "serious_injuries": 2,
        "minor_injuries": 3,
        "direct_loss_yuan": 1_200_000,
    }
    return {**base, **overrides}


def reported(actor=MINLE, **overrides):
    document, _ = accidents.report_accident(fields(**overrides), RULES, actor, NOW)
    return document


def supplemented(document, changes, actor=MINLE, at=NOW):
    """The figures a supplement changed, its record and its event."""
    after, [event] = accidents.supplement_accident(document, changes, RULES, actor, at)
    changed = {
        key: after[key] for key in accidents.FIGURES + ("grade",) if document[key] != after[key]
    }
    return changed, after["supplements"][-1], event


# Grades ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "deaths, serious_injuries, direct_loss_yuan, grade",
    [
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
    ],
)
def test_each_bound_belongs_to_the_grade_it_opens(
    deaths, serious_injuries, direct_loss_yuan, grade
):
    assert accident_grade(deaths, serious_injuries, direct_loss_yuan) == grade


def test_the_grade_is_the_worst_of_the_three_dimensions():
    assert accident_grade(deaths=1, serious_injuries=0, direct_loss_yuan=60_000_000) == "major"
    assert accident_grade(deaths=3, serious_injuries=100, direct_loss_yuan=0) == "especially_major"
    assert accident_grade(deaths=10, serious_injuries=12, direct_loss_yuan=20_000_000) == "major"


def test_art_3_the_grade_names_the_rule_it_applied():
    """493号 Art. 3, as the rule in force on the day of the accident."""
    assert reported()["grade_rule"] == GRADE_RULE


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
    document, [event] = accidents.report_accident(fields(deaths=3), RULES, MINLE, NOW)
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
    document = reported(occurred_at=datetime(2026, 3, 1, 8, 0, tzinfo=CHINA), unit_reported_at=NOW)
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
        reported(GANZHOU)
    with pytest.raises(Forbidden):
        reported(Actor("auditor", "auditor", "620700"))
    assert reported(Actor("city", "inspector", "620700"))


def test_the_bureau_where_the_accident_occurred_reports_and_supplements_it():
    """493号 Art. 9: the unit reports to the bureau of the place where the accident occurred."""
    elsewhere = reported(GANZHOU, occurred_region_code="620702")
    assert (elsewhere["region_code"], elsewhere["occurred_region_code"]) == ("620722", "620702")
    assert supplemented(elsewhere, {"deaths": 2, "reason": "补报"}, GANZHOU)[0]["deaths"] == 2
    with pytest.raises(Forbidden):
        reported(Actor("sunan", "regulator", "620721"), occurred_region_code="620702")


def test_an_accident_occurs_by_default_in_the_enterprises_county():
    document, _ = accidents.report_accident_at(
        {"uscc": ENTERPRISE_USCC, "region_code": "620722"},
        {
            key: value
            for key, value in fields().items()
            if key not in ("region_code", "occurred_region_code")
        },
        RULES,
        MINLE,
        NOW,
    )
    assert document["occurred_region_code"] == "620722"


@pytest.mark.parametrize("code", ["620700", "620000", "999999", 620702, None])
def test_the_county_of_occurrence_is_a_current_county_code(code):
    with pytest.raises(InvalidInput) as refused:
        reported(occurred_region_code=code)
    assert list(refused.value.errors) == ["occurred_region_code"]


def test_no_accident_rules_were_in_force_before_2007_06_01():
    with pytest.raises(InvalidInput) as refused:
        accidents.rules_on(RULE_SET, date(2007, 5, 31))
    assert list(refused.value.errors) == ["occurred_at"]
    assert accidents.rules_on(RULE_SET, date(2007, 6, 1)).grades.reference() == GRADE_RULE


# Supplements -----------------------------------------------------------------------------------


def test_a_supplement_inside_30_days_records_before_after_reason_and_who():
    document = reported(deaths=2)
    later = document["occurred_at"] + timedelta(days=29)
    changed, record, event = supplemented(
        document, {"deaths": 3, "reason": "一名重伤人员抢救无效死亡"}, at=later
    )
    assert changed == {"deaths": 3, "grade": "larger"}
    assert record["changes"] == {
        "deaths": {"from": 2, "to": 3},
        "grade": {"from": "general", "to": "larger"},
    }
    assert record["reason"] == "一名重伤人员抢救无效死亡"
    assert record["at"] == later and record["user_id"] == "minle"
    assert event["type"] == "cn.anjian.inspection.accident.updated.v1"
    assert event["data"]["grade"] == "larger" and event["data"]["deaths"] == 3


def moment(day, hour, minute=0):
    """A China time in March 2026, as the accident's clock reads it."""
    return datetime(2026, 3, day, hour, minute, tzinfo=CHINA)


def test_art_13_the_window_is_counted_in_days_from_the_day_after_the_accident():
    """493号 Art. 13 "自事故发生之日起30日内", counted as 民法典 Art. 201 counts days: an
    accident late on 28 February may be supplemented until the end of 30 March."""
    late_evening = datetime(2026, 2, 28, 23, 30, tzinfo=CHINA)
    document = reported(occurred_at=late_evening, unit_reported_at=late_evening)
    assert document["supplement_window"] == {
        "days": 30,
        "last_day": "2026-03-30",
        "rule": WINDOW_RULE,
    }
    changed, _, _ = supplemented(
        document, {"minor_injuries": 4, "reason": "补报"}, at=moment(30, 23, 59)
    )
    assert changed == {"minor_injuries": 4}
    with pytest.raises(Conflict) as refused:
        supplemented(document, {"deaths": 2, "reason": "补报"}, at=moment(31, 0, 1))
    assert "inspection.accident.report.supplement_window_days v1" in str(refused.value)
    assert list(refused.value.errors) == ["deaths"]


@pytest.mark.parametrize(
    "overrides, days",
    [
        ({"accident_type": "fire"}, 7),
        ({"accident_type": "vehicle", "road_traffic": True}, 7),
        ({"accident_type": "vehicle"}, 30),
        ({"accident_type": "other_explosion"}, 30),
    ],
)
def test_art_13_fire_and_road_traffic_accidents_have_seven_days(overrides, days):
    """493号 Art. 13: 道路交通事故、火灾事故自发生之日起7日内."""
    document = reported(occurred_at=moment(1, 8), unit_reported_at=moment(1, 8, 30), **overrides)
    assert document["supplement_window"]["days"] == days
    last = datetime.combine(
        date.fromisoformat(document["supplement_window"]["last_day"]), datetime.max.time(), CHINA
    )
    assert supplemented(document, {"deaths": 2, "reason": "补报"}, at=last)[0]["deaths"] == 2
    with pytest.raises(Conflict):
        supplemented(document, {"deaths": 2, "reason": "补报"}, at=last + timedelta(minutes=1))


def test_art_13_the_direct_loss_can_be_corrected_after_the_window():
    """493号 Art. 13 bounds casualty changes; the loss is settled by the investigation."""
    document = reported(accident_type="fire", direct_loss_yuan=12_000_000)
    months_later = document["occurred_at"] + timedelta(days=120)
    changed, record, _ = supplemented(
        document,
        {"direct_loss_yuan": 8_000_000, "deaths": 1, "reason": "调查报告核定损失"},
        at=months_later,
    )
    assert changed == {"direct_loss_yuan": 8_000_000, "grade": "general"}
    assert record["at"] == months_later
    with pytest.raises(Conflict) as refused:
        supplemented(
            document,
            {"direct_loss_yuan": 8_000_000, "serious_injuries": 3, "reason": "核定"},
            at=months_later,
        )
    assert list(refused.value.errors) == ["serious_injuries"]


def test_a_lower_loss_estimate_can_lower_the_grade():
    document = reported(direct_loss_yuan=12_000_000)
    assert document["grade"] == "larger"
    changed, _, _ = supplemented(
        document, {"direct_loss_yuan": 8_000_000, "reason": "核定直接经济损失"}
    )
    assert changed == {"direct_loss_yuan": 8_000_000, "grade": "general"}


def test_a_supplement_needs_a_reason_and_valid_figures():
    document = reported()

    def refused_fields(changes):
        with pytest.raises(InvalidInput) as refused:
            accidents.supplement_accident(document, changes, RULES, MINLE, NOW)
        return list(refused.value.errors)

    assert refused_fields({"deaths": 2}) == ["reason"]
    assert refused_fields({"serious_injuries": -1, "reason": "补报"}) == ["serious_injuries"]
    assert refused_fields({"place": "别处", "reason": "补报"}) == ["place"]
    assert refused_fields({"occurred_region_code": "620702", "reason": "补报"}) == [
        "occurred_region_code"
    ]


def test_a_supplement_that_changes_nothing_stores_nothing():
    document = reported(deaths=1)
    assert accidents.supplement_accident(
        document, {"deaths": 1, "reason": "核实"}, RULES, MINLE, NOW
    ) == (document, [])


def test_a_supplement_outside_the_jurisdiction_is_forbidden():
    with pytest.raises(Forbidden):
        supplemented(reported(), {"deaths": 2, "reason": "补报"}, GANZHOU)


# Report timing ---------------------------------------------------------------------------------

UNIT_RULE = {"id": "inspection.accident.report.unit_deadline_hours", "version": 1}
LEVEL_RULE = {"id": "inspection.accident.report.per_level_hours", "version": 1}


def test_art_9_a_unit_report_within_one_hour_is_on_time():
    document = reported(occurred_at=moment(1, 8), unit_reported_at=moment(1, 9))
    assert document["reporting"]["unit"] == {
        "reported_at": moment(1, 9),
        "due_by": moment(1, 9),
        "late": False,
        "rule": UNIT_RULE,
    }
    assert document["report_late"] is False


def test_art_9_a_unit_report_after_one_hour_is_flagged_late():
    document, [event] = accidents.report_accident(
        fields(occurred_at=moment(1, 8), unit_reported_at=moment(1, 9, 1)), RULES, MINLE, NOW
    )
    assert document["reporting"]["unit"]["late"] is True
    assert document["report_late"] is True and event["data"]["report_late"] is True


def test_art_9_the_unit_reported_when_the_bureau_records_it_unless_told():
    document, _ = accidents.report_accident(
        {key: value for key, value in fields().items() if key != "unit_reported_at"},
        RULES,
        MINLE,
        NOW,
    )
    assert document["reporting"]["unit"]["reported_at"] == NOW
    assert document["report_late"] is True  # three hours after the accident


@pytest.mark.parametrize(
    "at, problem",
    [
        (moment(1, 7, 59), "before the accident occurred"),
        (NOW + timedelta(minutes=1), "in the future"),
        (datetime(2026, 3, 1, 9, 0), "must be a date and time with a time zone"),
    ],
)
def test_a_unit_report_time_outside_the_accident_is_refused(at, problem):
    with pytest.raises(InvalidInput) as refused:
        reported(occurred_at=moment(1, 8), unit_reported_at=at)
    assert refused.value.errors == {"unit_reported_at": [problem]}


def upward(document, to, at, actor=MINLE):
    """The accident after a report up to `to` at `at`, recorded at noon on 2 March."""
    after, events = accidents.report_upward(
        document, {"to": to, "reported_at": at}, RULES, actor, moment(2, 12)
    )
    assert events == []
    return after


def levels(document):
    return {
        level["to"]: (level["due_by"], level["late"]) for level in document["reporting"]["levels"]
    }


def test_art_10_a_general_accident_goes_up_to_the_city_a_larger_one_to_the_province():
    assert list(levels(reported(deaths=1))) == ["city"]
    assert list(levels(reported(deaths=3))) == ["city", "province"]
    assert list(levels(reported(deaths=10))) == ["city", "province", "national"]


def test_art_11_each_level_reports_up_within_two_hours():
    document = reported(deaths=10, occurred_at=moment(1, 8), unit_reported_at=moment(1, 8, 40))
    assert levels(document) == {
        "city": (moment(1, 10, 40), None),
        "province": (moment(1, 12, 40), None),
        "national": (moment(1, 14, 40), None),
    }
    assert document["reporting"]["level_rule"] == LEVEL_RULE
    document = upward(document, "city", moment(1, 9, 30))
    assert levels(document)["city"] == (moment(1, 10, 40), False)
    assert levels(document)["province"] == (moment(1, 11, 30), None)
    document = upward(document, "province", moment(1, 11, 45))
    assert levels(document)["province"] == (moment(1, 11, 30), True)
    assert document["report_late"] is True


def test_art_11_a_level_added_by_a_higher_grade_is_due_two_hours_after_the_supplement():
    document = reported(deaths=1, occurred_at=moment(1, 8), unit_reported_at=moment(1, 8, 30))
    document = upward(document, "city", moment(1, 9))
    after, _ = accidents.supplement_accident(
        document, {"deaths": 3, "reason": "两人死亡"}, RULES, MINLE, moment(3, 8)
    )
    assert levels(after) == {"city": (moment(1, 10, 30), False), "province": (moment(3, 10), None)}


def test_art_11_a_report_up_still_missing_after_its_deadline_is_answered_late():
    document = reported(deaths=1, occurred_at=moment(1, 8), unit_reported_at=moment(1, 8, 30))
    assert accidents.as_of(document, moment(1, 10, 30)) == document
    late = accidents.as_of(document, moment(1, 10, 31))
    assert levels(late) == {"city": (moment(1, 10, 30), True)}
    assert late["report_late"] is True and document["report_late"] is False


def test_a_level_report_is_refused_when_wrong_or_recorded_already():
    document = reported(deaths=1, occurred_at=moment(1, 8), unit_reported_at=moment(1, 8, 30))
    for to, at, field in [
        ("province", moment(1, 9), "to"),
        ("county", moment(1, 9), "to"),
        ("city", moment(1, 8, 10), "reported_at"),
        ("city", moment(2, 12, 1), "reported_at"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            upward(document, to, at)
        assert list(refused.value.errors) == [field]
    with pytest.raises(Conflict):
        upward(upward(document, "city", moment(1, 9)), "city", moment(1, 9, 5))
    with pytest.raises(Forbidden):
        upward(document, "city", moment(1, 9), GANZHOU)


# Rules as data ---------------------------------------------------------------------------------

OVERRIDE = """
overrides:
- id: inspection.accident.report.supplement_window_days
  version: 2
  value: {default_days: 45, road_traffic_days: 7, fire_days: 7, fire_accident_types: [fire]}
  source: {document: 某省地方规定, article: 第五条}
  effective_from: 2027-01-01
  checked_against: unverified
"""


def test_the_rules_in_force_on_the_day_of_the_accident_apply(tmp_path):
    (tmp_path / "inspection").mkdir()
    (tmp_path / "inspection" / "local.yaml").write_text(OVERRIDE, "utf-8")
    local = load_rules("inspection", str(tmp_path), RULE_CHECKS)
    assert accidents.rules_on(local, date(2026, 12, 31)).supplement_days(reported()) == 30
    assert accidents.rules_on(local, date(2027, 1, 1)).supplement_days(reported()) == 45


@pytest.mark.parametrize(
    "value, problem",
    [
        ("{default_days: 0, road_traffic_days: 7, fire_days: 7}", "whole numbers of days"),
        (
            "{default_days: 30, road_traffic_days: 7, fire_days: 7, fire_accident_types: [arson]}",
            "GB 6441",
        ),
    ],
)
def test_a_wrong_accident_rule_value_stops_the_service(tmp_path, value, problem):
    (tmp_path / "inspection").mkdir()
    (tmp_path / "inspection" / "local.yaml").write_text(
        OVERRIDE.replace(OVERRIDE.splitlines()[4], f"  value: {value}"), "utf-8"
    )
    with pytest.raises(RulesError, match=problem) as refused:
        load_rules("inspection", str(tmp_path), RULE_CHECKS)
    assert "local.yaml" in str(refused.value)


def test_value_checks_of_grades_and_targets():
    grades = RULES.grades.value
    assert accidents.rule_problem(RULES.grades) is None
    broken = {**grades, "grades": grades["grades"][:-1]}
    assert "once" in accidents.rule_problem(
        type(RULES.grades)(**{**vars(RULES.grades), "value": broken})
    )
    falling = {
        **grades,
        "grades": [
            {**entry, "deaths_min": 1} if entry["grade"] == "major" else entry
            for entry in grades["grades"]
        ],
    }
    assert "rising" in accidents.rule_problem(
        type(RULES.grades)(**{**vars(RULES.grades), "value": falling})
    )
    targets = {
        **RULES.targets.value,
        "up_to": {**RULES.targets.value["up_to"], "general": "county"},
    }
    assert "up_to" in accidents.rule_problem(
        type(RULES.targets)(**{**vars(RULES.targets), "value": targets})
    )


# Four indicators -------------------------------------------------------------------------------


def accident_at(when, **figures):
    return {
        "occurred_at": when,
        "deaths": 0,
        "missing": 0,
        "serious_injuries": 0,
        "minor_injuries": 0,
        "direct_loss_yuan": 0,
        "grade": "general",
        **figures,
    }


def test_four_indicators_compare_years_in_china_time():
    new_years_eve = datetime(2025, 12, 31, 23, 30, tzinfo=CHINA)  # 15:30 UTC that day
    records = [
        accident_at(
            new_years_eve.astimezone(timezone.utc),
            deaths=1,
            serious_injuries=1,
            minor_injuries=2,
            direct_loss_yuan=500_000,
        ),
        accident_at(
            datetime(2025, 6, 1, tzinfo=timezone.utc),
            deaths=2,
            missing=1,
            direct_loss_yuan=1,
            grade="larger",
        ),
        accident_at(datetime(2025, 12, 31, 16, 30, tzinfo=timezone.utc), minor_injuries=1),
    ]
    by_grade = dict.fromkeys(accidents.GRADES, 0)
    assert accidents.four_indicators(records, 2025) == {
        "count": 2,
        "deaths": 4,
        "missing": 1,
        "injuries": 3,
        "direct_loss_yuan": 500_001,
        "by_grade": {**by_grade, "general": 1, "larger": 1},
    }
    # 16:30 UTC on 31 December is already 1 January in China.
    assert accidents.four_indicators(records, 2026) == {
        "count": 1,
        "deaths": 0,
        "missing": 0,
        "injuries": 1,
        "direct_loss_yuan": 0,
        "by_grade": {**by_grade, "general": 1},
    }


def test_statistics_count_the_missing_with_the_dead_and_show_them_apart():
    """生产安全事故统计: 死亡（含失踪）; the missing are also shown on their own."""
    document = reported(
        deaths=1, missing=2, serious_injuries=2, minor_injuries=3, direct_loss_yuan=1_200_000
    )
    assert document["deaths"] == 1 and document["grade"] == "general"
    assert accidents.indicator_delta(None, document) == {
        "count": 1,
        "deaths": 3,
        "missing": 2,
        "injuries": 5,
        "direct_loss_yuan": 1_200_000,
        "by_grade": {"general": 1, "larger": 0, "major": 0, "especially_major": 0},
    }
    assert accidents.occurrence_year(document) == 2026


def test_a_supplement_moves_the_counters_by_the_difference_only_grade_included():
    document = reported(deaths=1, serious_injuries=2, minor_injuries=3, direct_loss_yuan=1_200_000)
    after, [event] = accidents.supplement_accident(
        document,
        {
            "deaths": 3,
            "serious_injuries": 1,
            "direct_loss_yuan": 1_500_000,
            "reason": "两名重伤人员死亡，损失核定",
        },
        RULES,
        MINLE,
        NOW,
    )
    delta = {
        "count": 0,
        "deaths": 2,
        "missing": 0,
        "injuries": -1,
        "direct_loss_yuan": 300_000,
        "by_grade": {"general": -1, "larger": 1, "major": 0, "especially_major": 0},
    }
    assert accidents.indicator_delta(document, after) == delta
    assert event["data"]["indicator_delta"] == delta


def test_an_accident_stored_before_report_timing_was_recorded_answers_and_takes_supplements():
    """Records kept before the county of occurrence and 493号 Art. 9–11 timing were stored: they
    count in their registered county, their unit report is the moment they were recorded, and a
    supplement still applies Art. 13."""
    document = reported()
    older = {
        key: value
        for key, value in document.items()
        if key not in ("occurred_region_code", "road_traffic", "reporting", "report_late")
    }
    upgraded = accidents.recorded(older, RULES)
    assert upgraded["occurred_region_code"] == document["region_code"]
    assert upgraded["reporting"]["unit"]["reported_at"] == document["reported_at"]
    assert accidents.as_of(upgraded, NOW)["report_late"] is upgraded["report_late"]
    changed, _, event = supplemented(upgraded, {"serious_injuries": 1, "reason": "伤情核实"})
    assert changed["serious_injuries"] == 1
    assert event["type"] == "cn.anjian.inspection.accident.updated.v1"
    assert accidents.recorded(document, RULES) is document
