"""A worker away for a year or more comes back to three-level education again (令第3号, rule data),
recorded through the gateway: the absence, the standing that changes with it, its events, and
the bad inputs that change nothing."""

import pytest

from tests.support.api import assert_problem, read, register_for_training
from tests.support.events import EventTap
from tests.support.factories import day, session_body, staff_member


@pytest.fixture
def tap(broker):
    watching = EventTap(broker.amqp_uri, "anjian.events", "#")
    yield watching
    watching.close()


@pytest.fixture(scope="module")
def employer(sign_in, users):
    return register_for_training(sign_in, users)


def educated_worker(company):
    """An employee hired 900 days ago who attended company, workshop and team levels then."""
    person = company.post(
        "/api/v1/persons",
        json=staff_member(
            hired_on=day(-900), positions=[{"position": "employee", "started_on": day(-900)}]
        ),
    )
    assert person.status_code == 201, person.text
    person = person.json()
    attend(company, person, ("company", "workshop", "team"), day(-899))
    assert standing(company, person)["three_level_missing"] == []
    return person


def attend(company, person, levels, held_on):
    for level in levels:
        session = company.post(
            "/api/v1/training-sessions",
            json=session_body(
                [person["id"]], kind="three_level", level=level, held_on=held_on, hours=8
            ),
        )
        assert session.status_code == 201, session.text
        results = company.post(
            f"/api/v1/training-sessions/{session.json()['id']}/results",
            json={"results": [{"person_id": person["id"], "result": "passed"}]},
        )
        assert results.status_code == 200, results.text


def standing(api, person):
    return read(api, f"/api/v1/persons/{person['id']}")["standing"]


def absence(company, person, **fields):
    return company.post(f"/api/v1/persons/{person['id']}/absences", json=fields)


def test_a_return_after_more_than_a_year_away_calls_for_workshop_and_team_levels_again(
    employer, sign_in, tap
):
    _, company = employer
    minle = sign_in("minle")
    person = educated_worker(company)

    left = absence(company, person, left_on=day(-500))
    assert left.status_code == 200, left.text
    assert left.json()["absences"] == [{"from": day(-500), "to": None}]
    assert left.json()["standing"]["away"] is True

    back = absence(company, person, returned_on=day(-20))
    assert back.status_code == 200, back.text
    assert back.json()["standing"]["away"] is False
    assert back.json()["standing"]["three_level_missing"] == ["workshop", "team"]
    # The bureau sees it in the person's training file too.
    training = read(minle, f"/api/v1/persons/{person['id']}/training")
    assert training["hours"]["three_level_missing"] == ["workshop", "team"]

    returned = tap.wait_for(
        lambda event: (
            event["type"] == "cn.anjian.training.person.returned.v1"
            and event["subject"] == person["id"]
        )
    )
    assert returned["data"]["left_on"] == day(-500)
    assert returned["data"]["returned_on"] == day(-20)
    changed = tap.wait_for(
        lambda event: (
            event["type"] == "cn.anjian.training.person.standing_changed.v1"
            and event["subject"] == person["id"]
            and event["data"]["before"].get("away") is True
        )
    )
    assert changed["data"]["before"]["three_level_missing"] == []
    assert changed["data"]["after"]["three_level_missing"] == ["workshop", "team"]

    # The two levels attended again meet the requirement.
    attend(company, person, ("workshop", "team"), day(-19))
    assert standing(company, person)["three_level_missing"] == []


def test_a_short_absence_recorded_afterwards_calls_for_nothing(employer):
    _, company = employer
    person = educated_worker(company)
    recorded = absence(company, person, left_on=day(-300), returned_on=day(-100))
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["absences"] == [{"from": day(-300), "to": day(-100)}]
    assert recorded.json()["standing"]["three_level_missing"] == []


def test_impossible_absences_are_refused_and_change_nothing(employer, sign_in):
    _, company = employer
    person = educated_worker(company)
    path = f"/api/v1/persons/{person['id']}"
    before = read(company, path)
    assert_problem(absence(company, person, returned_on=day(-1)), 409, "conflict")
    assert_problem(absence(company, person), 422, "invalid_input", "left_on")
    assert_problem(absence(company, person, left_on=day(1)), 422, "invalid_input", "left_on")
    assert_problem(absence(company, person, left_on=day(-901)), 422, "invalid_input", "left_on")
    assert_problem(absence(company, person, left_on="yesterday"), 422, "invalid_input", "left_on")
    assert_problem(absence(company, person, left_on={"$gt": ""}), 422, "invalid_input", "left_on")
    assert_problem(
        absence(company, person, left_on=day(-10), returned_on=day(-11)),
        422,
        "invalid_input",
        "returned_on",
    )
    assert_problem(absence(company, person, away=True), 422, "invalid_input", "away")
    # Another county's bureau and a bureau that only reads are refused.
    assert_problem(absence(sign_in("ganzhou"), person, left_on=day(-5)), 403, "forbidden")
    assert_problem(absence(sign_in("auditor"), person, left_on=day(-5)), 403, "forbidden")
    assert read(company, path)["absences"] == before["absences"] == []

    assert absence(company, person, left_on=day(-5)).status_code == 200
    assert_problem(absence(company, person, left_on=day(-4)), 409, "conflict")
    assert_problem(absence(company, person, returned_on=day(-6)), 422, "invalid_input")
    assert read(company, path)["absences"] == [{"from": day(-5), "to": None}]
