"""Which counters each event moves, and the report built from them."""

from datetime import datetime, timezone

import pytest

from services.inspection.domain import indicators
from services.inspection.domain.indicators import STANDING
from services.kit.pure.envelope import make_event

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)


def fact(entity, verb, data, region="620722", now=NOW):
    return make_event(
        service="inspection",
        entity=entity,
        verb=verb,
        subject="s",
        data=data,
        region_code=region,
        now=now,
    )


def test_hazards_count_in_the_year_they_were_found_and_as_eliminated_in_the_year_closed():
    """Target 2 counts major hazards eliminated in year Y by the day they were closed; the
    rectification rate (target 5) compares hazards closed with those found in the same year."""
    closed = fact("hazard", "closed", {"grade": "major", "found_on": "2025-12-30"})
    assert indicators.counter_deltas(closed) == [
        ("620722", 2025, {"hazards.closed.major": 1}),
        ("620722", 2026, {"hazards.eliminated.major": 1}),
        ("620722", STANDING, {"hazards.open.major": -1}),
    ]
    regraded = fact("hazard", "regraded", {"grade": "major", "found_on": "2026-01-02"})
    assert indicators.counter_deltas(regraded) == [
        ("620722", 2026, {"hazards.found.general": -1, "hazards.found.major": 1}),
        ("620722", STANDING, {"hazards.open.general": -1, "hazards.open.major": 1}),
    ]


def test_a_hazard_found_and_closed_in_one_year_moves_its_document_once():
    """The store applies one entry per event and counter document."""
    closed = fact("hazard", "closed", {"grade": "general", "found_on": "2026-01-05"})
    assert indicators.counter_deltas(closed) == [
        ("620722", 2026, {"hazards.closed.general": 1, "hazards.eliminated.general": 1}),
        ("620722", STANDING, {"hazards.open.general": -1}),
    ]


def test_a_reported_hazard_is_open_now_in_its_county():
    """重大事故隐患动态清零: the major hazards open now, per county, whatever year found."""
    reported = fact("hazard", "reported", {"grade": "major", "found_on": "2024-05-01"})
    assert indicators.counter_deltas(reported) == [
        ("620722", 2024, {"hazards.found.major": 1}),
        ("620722", STANDING, {"hazards.open.major": 1}),
    ]


@pytest.mark.parametrize(
    "decided_at, year",
    [
        (datetime(2025, 12, 31, 15, 59, 59, tzinfo=timezone.utc), 2025),
        (datetime(2025, 12, 31, 16, 0, tzinfo=timezone.utc), 2026),  # 1 January in China
    ],
)
def test_an_event_counts_in_the_china_year_of_its_time(decided_at, year):
    event = fact("penalty", "decided", {"total_yuan": 1}, now=decided_at)
    assert event["time"].endswith("Z")
    assert indicators.counter_deltas(event)[0][1] == year


def test_accidents_count_in_the_county_where_they_occurred():
    """An accident of a 民乐县 enterprise that happened in 甘州区 is 甘州区's."""
    accident = fact(
        "accident",
        "updated",
        {
            "occurred_at": "2026-03-01T00:00:00Z",
            "occurred_region_code": "620702",
            "indicator_delta": {
                "count": 0,
                "deaths": 1,
                "missing": 0,
                "injuries": -1,
                "direct_loss_yuan": 0,
                "by_grade": {"general": -1, "larger": 1, "major": 0, "especially_major": 0},
            },
        },
    )
    assert indicators.counter_deltas(accident) == [
        (
            "620702",
            2026,
            {
                "accidents.deaths": 1,
                "accidents.injuries": -1,
                "accidents.by_grade.general": -1,
                "accidents.by_grade.larger": 1,
            },
        )
    ]


def test_penalties_actions_and_spot_checks():
    assert indicators.counter_deltas(fact("penalty", "decided", {"total_yuan": 70000})) == [
        ("620722", 2026, {"penalties.count": 1, "penalties.total_yuan": 70000})
    ]
    assert indicators.counter_deltas(fact("enforcement", "action_taken", {"kind": "reminder"})) == [
        ("620722", 2026, {"enforcement.reminder": 1})
    ]
    spot = fact("inspection", "completed", {"mode": "project_spot_check"})
    assert indicators.counter_deltas(spot) == [
        ("620722", 2026, {"inspections.project_spot_check": 1, "project_spot_checks": 1})
    ]
    assert (
        indicators.counter_deltas(
            fact("hazard", "rejected", {"grade": "general", "found_on": "2026-01-01"})
        )
        == []
    )


def test_summary_shows_both_numbers_of_every_rate():
    report = indicators.summary(
        {"hazards.found.general": 4, "hazards.closed.general": 3, "accidents.count": 1},
        {"accidents.count": 2},
        {},
    )
    assert report["hazards"]["general"]["rectification"] == {
        "numerator": 3,
        "denominator": 4,
        "rate": 0.75,
    }
    assert report["hazards"]["major"]["rectification"]["rate"] is None
    assert report["accidents"]["count"] == {"year": 1, "previous_year": 2}


def test_summary_shows_open_hazards_per_county_eliminations_and_accidents_by_grade():
    """The seed's 控制一般、遏制较大、杜绝重特大: accidents by grade, this year and last."""
    report = indicators.summary(
        {
            "hazards.eliminated.major": 2,
            "accidents.deaths": 3,
            "accidents.missing": 1,
            "accidents.by_grade.larger": 1,
        },
        {"accidents.by_grade.general": 4},
        {
            "620722": {"hazards.open.major": 2, "hazards.open.general": 5},
            "620702": {"hazards.open.major": 1},
        },
    )
    assert report["open_hazards_by_county"] == {
        "620702": {"general": 0, "major": 1},
        "620722": {"general": 5, "major": 2},
    }
    assert report["hazards"]["major"]["open_now"] == 3
    assert report["hazards"]["general"]["open_now"] == 5
    assert report["hazards"]["major"]["eliminated"] == 2
    assert report["accidents"]["deaths"] == {"year": 3, "previous_year": 0}
    assert report["accidents"]["missing"] == {"year": 1, "previous_year": 0}
    assert report["accidents"]["by_grade"] == {
        "general": {"year": 0, "previous_year": 4},
        "larger": {"year": 1, "previous_year": 0},
        "major": {"year": 0, "previous_year": 0},
        "especially_major": {"year": 0, "previous_year": 0},
    }
