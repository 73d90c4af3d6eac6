"""Risk points and registers (双重预防, 安委办〔2016〕11号): levels follow the score bands of the
rules, a red point is not complete without measures, the checklist carries the red and orange
points, and a register is current within the review interval (issue 13 item 3)."""

from datetime import date, timedelta

import pytest

from services.inspection.domain import risk_points
from services.kit.pure.actor import Actor
from services.kit.pure.errors import Forbidden, InvalidInput
from tests.unit.inspection.support import ENTERPRISE, NOW, RULES, TODAY, USCC

COMPANY = Actor(USCC, "enterprise", "620722", USCC)
OTHER_COMPANY = Actor("91620722MA01XYW1AB", "enterprise", "620722", "91620722MA01XYW1AB")
LEVELS = risk_points.levels_on(RULES, TODAY)
INTERVAL = RULES.value(risk_points.REVIEW_INTERVAL_RULE, TODAY)


def fields(**overrides):
    return {
        "name": "除尘器",
        "kind": "equipment",
        "hazard_types": ["other_explosion"],
        "assessment": {"method": "lec", "l": 3, "e": 6, "c": 15},
        "measures": ["每班清灰", "泄爆片定期检查"],
        "responsible_person": "李强",
        "control_level": "company",
        "complete": True,
        **overrides,
    }


def point(**overrides):
    recorded, _ = risk_points.record_risk_point(
        fields(**overrides), ENTERPRISE, LEVELS, COMPANY, NOW
    )
    return recorded


@pytest.mark.parametrize(
    "assessment,level,colour",
    [
        ({"method": "lec", "l": 3, "e": 6, "c": 15}, "significant", "orange"),
        ({"method": "lec", "l": 6, "e": 6, "c": 15}, "major", "red"),
        ({"method": "lec", "l": 3, "e": 6, "c": 7}, "general", "yellow"),
        ({"method": "lec", "l": 1, "e": 6, "c": 3}, "low", "blue"),
        ({"method": "ls", "likelihood": 5, "severity": 4}, "major", "red"),
        ({"method": "ls", "likelihood": 3, "severity": 5}, "significant", "orange"),
        ({"method": "ls", "likelihood": 3, "severity": 3}, "general", "yellow"),
        ({"method": "ls", "likelihood": 2, "severity": 4}, "low", "blue"),
    ],
)
def test_the_level_and_colour_follow_the_score_bands_of_the_rules(assessment, level, colour):
    recorded = point(assessment=assessment)
    assert (recorded["level"], recorded["colour"]) == (level, colour)
    assert recorded["assessment"]["score"] == risk_points.score_of(assessment)
    assert recorded["levels_rule"]["id"] == risk_points.LEVELS_RULE


def test_a_red_point_without_measures_is_refused_as_complete_with_its_own_code():
    with pytest.raises(InvalidInput) as refused:
        point(assessment={"method": "ls", "likelihood": 5, "severity": 5}, measures=[" "])
    assert refused.value.code == risk_points.WITHOUT_MEASURES == "risk_point_without_measures"
    assert "measures" in refused.value.errors


def test_a_red_draft_without_measures_is_kept_and_is_a_finding_on_the_checklist():
    red = point(
        assessment={"method": "ls", "likelihood": 5, "severity": 5}, measures=[], complete=False
    )
    orange = point(assessment={"method": "ls", "likelihood": 3, "severity": 5})
    yellow = point(assessment={"method": "ls", "likelihood": 3, "severity": 3})
    entries = risk_points.checklist_entries([red, orange, yellow], LEVELS)
    assert [(e["risk_point_id"], e["finding"]) for e in entries] == [
        (red["_id"], risk_points.FINDING_TEXT),
        (orange["_id"], None),
    ]


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"hazard_types": ["meteor"]}, "hazard_types"),
        ({"assessment": {"method": "lec", "l": 3, "e": 6}}, "assessment"),
        ({"assessment": {"method": "ls", "likelihood": 3}}, "assessment"),
    ],
)
def test_bad_points_are_refused_by_field(overrides, field):
    with pytest.raises(InvalidInput) as refused:
        point(**overrides)
    assert field in refused.value.errors


def test_an_enterprise_records_only_its_own_points():
    with pytest.raises(Forbidden):
        risk_points.record_risk_point(fields(), ENTERPRISE, LEVELS, OTHER_COMPANY, NOW)


def test_a_change_regrades_the_point_and_keeps_the_rule_on_measures():
    recorded = point()
    with pytest.raises(InvalidInput) as refused:
        risk_points.change_risk_point(
            recorded,
            fields(assessment={"method": "lec", "l": 10, "e": 6, "c": 40}, measures=[]),
            LEVELS,
            COMPANY,
            NOW,
        )
    assert refused.value.code == risk_points.WITHOUT_MEASURES
    changed, [event] = risk_points.change_risk_point(
        recorded,
        fields(assessment={"method": "lec", "l": 10, "e": 6, "c": 40}),
        LEVELS,
        COMPANY,
        NOW,
    )
    assert (changed["level"], event["data"]["level"]) == ("major", "major")


def review(points, on=TODAY, register=None):
    return risk_points.review_register(
        register, points, ENTERPRISE, on, LEVELS, COMPANY, NOW, TODAY
    )


def test_a_register_is_reviewed_only_when_every_point_is_complete():
    draft = point(complete=False)
    with pytest.raises(InvalidInput) as refused:
        review([point(), draft])
    assert refused.value.errors == {"risk_points": [draft["_id"]]}
    red_draft = point(
        assessment={"method": "ls", "likelihood": 5, "severity": 5}, measures=[], complete=False
    )
    with pytest.raises(InvalidInput) as refused:
        review([red_draft])
    assert refused.value.code == risk_points.WITHOUT_MEASURES
    with pytest.raises(InvalidInput):
        review([])
    with pytest.raises(InvalidInput):
        review([point()], on=TODAY + timedelta(days=1))


def test_the_register_is_current_within_the_review_interval_of_the_rules():
    points = [point(assessment={"method": "ls", "likelihood": 5, "severity": 5}), point()]
    register, [event] = review(points, on=date(2026, 1, 31))
    assert event["type"] == "cn.anjian.inspection.risk_register.reviewed.v1"
    assert event["data"]["by_level"]["major"] == 1
    assert INTERVAL == 12

    def view(today):
        return risk_points.register_view(register, ENTERPRISE, points, LEVELS, INTERVAL, today)

    assert view(date(2027, 1, 31))["current"] is True
    assert view(date(2027, 2, 1))["current"] is False
    assert view(TODAY)["review_due_on"] == date(2027, 1, 31)
    assert [p["level"] for p in view(TODAY)["risk_points"]] == ["major", "significant"]
    never = risk_points.register_view(None, ENTERPRISE, [], LEVELS, INTERVAL, TODAY)
    assert (never["current"], never["reviewed_on"]) == (False, None)


def test_months_end_on_the_last_day_of_a_shorter_month():
    assert risk_points.add_months(date(2026, 8, 31), -6) == date(2026, 2, 28)
    assert risk_points.current_since(date(2026, 12, 31), 12) == date(2025, 12, 31)


@pytest.mark.parametrize(
    "value",
    [
        {"levels": [{"level": "a", "lec_min": 0, "ls_min": 0}]},
        {
            "levels": [
                {"level": "a", "lec_min": 10, "ls_min": 5},
                {"level": "b", "lec_min": 20, "ls_min": 0},
            ]
        },
        {
            "levels": [
                {"level": "a", "lec_min": 10, "ls_min": 5},
                {"level": "b", "lec_min": 0, "ls_min": 0},
            ],
            "on_checklist": ["c"],
        },
    ],
)
def test_a_deployment_cannot_load_levels_that_do_not_grade(value):
    assert risk_points._levels_problem(value) is not None
