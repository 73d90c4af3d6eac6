"""Standardization grades (安全生产标准化, 应急〔2021〕83号 [secondary]), without servers: the
history, the current grade derived from it, reminders and lapses, and the rates."""

from datetime import date, datetime, timedelta, timezone

import pytest

from services.kit.pure.actor import Actor
from services.kit.pure.errors import Conflict, Forbidden, InvalidInput
from services.kit.pure.uscc import with_check_character
from services.kit.rules import load_rules
from services.registry.domain import enterprises, indicators, standardization

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=timezone.utc)
TODAY = date(2026, 6, 1)
MINLE = Actor("minle", "regulator", "620722")
TERMS = standardization.Terms.from_rules(load_rules("registry").value, TODAY)


def enterprise(**overrides):
    fields = {
        "uscc": with_check_character("91620722MA01XYW0Q"),
        "name": "民乐县祁连冶炼有限公司",
        "region_code": "620722",
        "address": "民乐县工业园区1号",
        "industry": "metallurgy",
        "above_scale": True,
        "principal": {"name": "王伟", "phone": "13800000000"},
        **overrides,
    }
    return enterprises.register(fields, MINLE, NOW, TODAY, TERMS)[0]


def graded(document, graded_on, grade=2, actor=MINLE, today=TODAY, **extra):
    fields = {"grade": grade, "graded_on": graded_on, **extra}
    after, events = enterprises.record_grade(document, fields, TERMS, actor, NOW, today)
    assert [event["type"] for event in events] == [
        "cn.anjian.registry.standardization.graded.v1",
        "cn.anjian.registry.enterprise.updated.v1",
    ]
    assert events[1]["data"]["changed"] == ["standardization"]
    return after


def test_the_rules_say_three_years_and_flag_the_lead_time_unverified():
    rules = load_rules("registry")
    assert rules.value("registry.standardization.valid_years", TODAY) == 3
    assert rules.rule("registry.standardization.review_lead_days", TODAY).checked_against == (
        "unverified"
    )


def test_the_current_grade_is_the_latest_of_the_history():
    document = graded(enterprise(), date(2020, 5, 1), grade=3, certificate_number="AQBIII2020")
    document = graded(document, date(2023, 4, 20), grade=2, grading_body="甘肃省安全生产协会")
    assert document["standardization"] == {
        "grade": 2,
        "graded_on": "2023-04-20",
        "expires_on": "2026-04-20",
        "review_due_on": "2026-01-20",
    }
    history = standardization.view(document, TODAY)["history"]
    assert [(entry["grade"], entry["reassessment"]) for entry in history] == [
        (3, "first"),
        (2, "on_time"),
    ]
    assert standardization.view(document, TODAY)["current"]["state"] == "expired"


def test_two_current_grades_for_one_enterprise_are_refused():
    document = graded(enterprise(), date(2025, 5, 1))
    for day in (date(2025, 5, 1), date(2024, 1, 1)):
        with pytest.raises(Conflict):
            graded(document, day)


def test_a_grade_valid_until_before_graded_on_or_awarded_in_the_future_is_refused():
    with pytest.raises(InvalidInput) as refused:
        graded(enterprise(), date(2025, 5, 1), expires_on=date(2025, 4, 30))
    assert "expires_on" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        graded(enterprise(), TODAY + timedelta(days=1))
    assert "graded_on" in refused.value.errors


def test_only_the_bureau_records_a_grade_but_the_enterprise_files_its_own_reports():
    document = enterprise()
    company = Actor("company", "enterprise", "620722", document["uscc"])
    with pytest.raises(Forbidden):
        graded(document, date(2025, 5, 1), actor=company)
    filed, [event] = standardization.record_self_assessment(
        document,
        {"year": 2025, "submitted_on": date(2026, 1, 10), "score": 86.5},
        company,
        NOW,
        TODAY,
    )
    assert event["type"] == "cn.anjian.registry.standardization.self_assessed.v1"
    with pytest.raises(Conflict):
        standardization.record_self_assessment(
            filed, {"year": 2025, "submitted_on": date(2026, 1, 11)}, company, NOW, TODAY
        )


def test_the_timer_reminds_once_before_expiry_and_records_the_lapse_once():
    document = graded(enterprise(), date(2023, 7, 1), today=TODAY)
    assert document[standardization.CHECK_ON] == "2026-04-02"  # 90 days before 1 July
    reminded, [event] = standardization.timer_step(document, NOW, TODAY)
    assert event["type"] == "cn.anjian.registry.standardization.review_reminded.v1"
    assert standardization.timer_step(reminded, NOW, TODAY) == (reminded, [])
    assert reminded[standardization.CHECK_ON] == "2026-07-02"
    lapsed, [event] = standardization.timer_step(reminded, NOW, date(2026, 7, 2))
    assert event["type"] == "cn.anjian.registry.standardization.lapsed.v1"
    assert lapsed[standardization.CHECK_ON] is None


def test_reassessment_applies_to_the_current_grade_once():
    with pytest.raises(Conflict):
        standardization.apply_for_reassessment(
            enterprise(), {"applied_on": TODAY}, MINLE, NOW, TODAY
        )
    document = graded(enterprise(), date(2023, 7, 1))
    applied, [event] = standardization.apply_for_reassessment(
        document, {"applied_on": TODAY}, MINLE, NOW, TODAY
    )
    assert event["data"]["expires_on"] == "2026-07-01"
    with pytest.raises(Conflict):
        standardization.apply_for_reassessment(applied, {"applied_on": TODAY}, MINLE, NOW, TODAY)


def test_who_must_hold_a_grade_follows_the_rule():
    assert TERMS.requires(enterprise())
    assert not TERMS.requires(enterprise(above_scale=False))
    assert TERMS.requires(enterprise(above_scale=False, risk_features=["metal_smelting"]))
    assert not TERMS.requires({**enterprise(), "status": "closed"})


def stocks(changes, year):
    """The stocks at `year`'s end from [(document, events)] stored in turn, as the counters keep
    them: every change up to that year."""
    totals = {}
    for _, events in changes:
        for event in events:
            for _, when, amounts in indicators.counter_deltas(event):
                if when <= year:
                    for name, amount in amounts.items():
                        totals[name] = totals.get(name, 0) + amount
    return totals


def stored(document, now):
    """The enterprise as the registry stores it at `now`, standing derived, and its events."""
    return indicators.with_standing(document, [], TERMS, now)


def test_the_standardization_rate_drops_when_a_grade_expires():
    changes = [
        stored(graded(enterprise(), date(2024, 1, 10)), NOW),
        stored(enterprise(), NOW),
        stored(enterprise(above_scale=False), NOW),
    ]
    rates = indicators.standardization({}, stocks(changes, 2026))
    assert rates["valid_grade"] == {"numerator": 1, "denominator": 2, "rate": 0.5}

    # The daily timer stores the lapsed grade the day after it expires: the standing follows.
    lapsed_at = datetime(2027, 1, 11, 2, 0, tzinfo=timezone.utc)
    changes.append(stored(changes[0][0], lapsed_at))
    assert indicators.standardization({}, stocks(changes, 2027))["valid_grade"]["numerator"] == 0
    assert indicators.standardization({}, stocks(changes, 2026))["valid_grade"]["numerator"] == 1
    # Stored again unchanged, an enterprise announces nothing.
    assert stored(changes[-1][0], lapsed_at)[1] == []


def test_an_enterprise_moved_to_another_county_takes_its_counts_with_it():
    document, _ = stored(graded(enterprise(), date(2025, 5, 1)), NOW)
    _, [moved] = stored({**document, "region_code": "620702"}, NOW)
    assert indicators.counter_deltas(moved) == [
        ("620722", 2026, {"grading_required": -1, "grades_held": -1}),
        ("620702", 2026, {"grading_required": 1, "grades_held": 1}),
    ]


def counted(*events):
    """The counters the events move, by (county, year)."""
    totals = {}
    for event in events:
        for county, year, amounts in indicators.counter_deltas(event):
            for name, amount in amounts.items():
                key = (county, year, name)
                totals[key] = totals.get(key, 0) + amount
    return totals


def grade_events(document, graded_on):
    fields = {"grade": 2, "graded_on": graded_on}
    return enterprises.record_grade(document, fields, TERMS, MINLE, NOW, TODAY)


def test_a_grade_is_due_for_reassessment_in_its_expiry_year_and_counted_on_time_then():
    first, [awarded, _] = grade_events(enterprise(), date(2023, 3, 1))
    _, [on_time, _] = grade_events(first, date(2026, 2, 20))
    late_first, [late_awarded, _] = grade_events(enterprise(), date(2023, 3, 1))
    _, [late, _] = grade_events(late_first, date(2026, 3, 5))
    assert counted(awarded, on_time, late_awarded, late) == {
        ("620722", 2026, "reassessments_due"): 2,
        ("620722", 2029, "reassessments_due"): 2,
        ("620722", 2026, "reassessments_on_time"): 1,
    }
    rates = indicators.standardization({"reassessments_due": 2, "reassessments_on_time": 1}, {})
    assert rates["reassessed_on_time"] == {"numerator": 1, "denominator": 2, "rate": 0.5}


def test_a_grade_sent_with_the_enterprise_is_announced_as_graded_too():
    fields = {
        "uscc": with_check_character("91620722MA01XYW5Q"),
        "name": "民乐县祁连冶炼有限公司",
        "region_code": "620722",
        "address": "民乐县工业园区1号",
        "industry": "metallurgy",
        "principal": {"name": "王伟", "phone": "13800000000"},
        "standardization": {"grade": 3, "graded_on": date(2024, 5, 1)},
    }
    _, facts = enterprises.register(fields, MINLE, NOW, TODAY, TERMS)
    assert [event["type"].split(".")[3:5] for event in facts] == [
        ["enterprise", "registered"],
        ["standardization", "graded"],
    ]
    assert facts[1]["data"]["reassessment"] == "first"


def test_a_grade_stored_before_the_history_becomes_its_first_record():
    legacy = enterprise()
    for field in (standardization.HISTORY, standardization.CHECK_ON):
        legacy.pop(field, None)
    legacy["standardization"] = {"grade": 3, "graded_on": "2024-05-01", "expires_on": "2027-05-01"}
    upgraded = standardization.upgraded(legacy, TERMS, NOW)
    assert upgraded["standardization"] == {
        **legacy["standardization"],
        "review_due_on": "2027-01-31",
    }
    assert [entry["kind"] for entry in upgraded[standardization.HISTORY]] == ["graded"]
    assert upgraded[standardization.CHECK_ON] == "2027-01-31"
    assert standardization.upgraded(upgraded, TERMS, NOW) is upgraded
