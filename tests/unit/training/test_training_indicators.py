"""Target 7 as counters moved by the service's own events: stocks by the difference of a
person's standing, flows in their own year."""

from services.training.domain import indicators


def standing(region="620722", key=False, certified=False, leader=False, trained=()):
    return {
        "region_code": region,
        "key_person": key,
        "certified": certified,
        "team_leader": leader,
        "team_leader_trained_years": list(trained),
    }


def changed(before, after, time="2026-03-02T02:00:00Z"):
    return {
        "type": "cn.anjian.training.person.standing_changed.v1",
        "time": time,
        "regioncode": after["region_code"],
        "data": {"before": before, "after": after},
    }


def test_a_new_key_person_counts_once_certified_once_certification_ends():
    new = standing(region=None)
    assert indicators.counter_deltas(changed(new, standing(key=True))) == [
        ("620722", 2026, {"key_persons": 1})
    ]
    assert indicators.counter_deltas(
        changed(standing(key=True), standing(key=True, certified=True))
    ) == [("620722", 2026, {"certified_key_persons": 1})]
    assert indicators.counter_deltas(
        changed(standing(key=True, certified=True), standing(key=True))
    ) == [("620722", 2026, {"certified_key_persons": -1})]


def test_a_move_to_another_county_leaves_one_and_joins_the_other():
    moved = indicators.counter_deltas(
        changed(standing(key=True), standing(region="620702", key=True))
    )
    assert moved == [("620722", 2026, {"key_persons": -1}), ("620702", 2026, {"key_persons": 1})]


def test_a_team_leaders_first_training_of_a_year_counts_in_that_year():
    before = standing(leader=True, trained=[2025])
    after = standing(leader=True, trained=[2025, 2026])
    assert indicators.counter_deltas(changed(before, after)) == [
        ("620722", 2026, {"team_leaders_trained": 1})
    ]


def test_reviews_count_in_the_year_they_were_due():
    event = {
        "type": "cn.anjian.training.certificate.reviewed.v1",
        "regioncode": "620722",
        "time": "2026-03-02T02:00:00Z",
        "data": {
            "result": "passed",
            "on_time": True,
            "due_on": "2026-04-01",
            "review_due_on": "2029-04-01",
        },
    }
    assert indicators.counter_deltas(event) == [
        ("620722", 2026, {"reviews_on_time": 1}),
        ("620722", 2029, {"reviews_due": 1}),
    ]


def test_a_rate_shows_both_numbers_and_none_when_nothing_is_due():
    report = indicators.summary(
        {"reviews_due": 4, "reviews_on_time": 3}, {"key_persons": 10, "certified_key_persons": 9}
    )
    assert report["certification"] == {"numerator": 9, "denominator": 10, "rate": 0.9}
    assert report["reviews_on_time"]["rate"] == 0.75
    assert report["team_leader_training"] == {"numerator": 0, "denominator": 0, "rate": None}
