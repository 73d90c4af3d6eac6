"""The acceptance journey of the training service, through the gateway only, with an external
AMQP client bound to the public exchange watching every event the platform publishes."""

import json
from datetime import timedelta

import pytest

from tests.support.api import assert_problem, read, register, wait_until_training_knows
from tests.support.events import EventTap
from tests.support.factories import certificate_body, china_today, session_body, staff_member
from tests.support.waiting import wait_until


@pytest.fixture
def tap(broker):
    watching = EventTap(broker.amqp_uri, "anjian.events", "#")
    yield watching
    watching.close()


def years_after(day, years):
    return day.replace(year=day.year + years, day=min(day.day, 28) if day.month == 2 else day.day)


def indicators(api, year):
    return read(api, f"/api/v1/indicators/training?region=620722&year={year}")


def test_a_special_operators_review_from_reminder_to_indicator(sign_in, users, tap):
    body, company = register(sign_in, users)
    uscc = body["uscc"]
    minle, ganzhou = sign_in("minle"), sign_in("ganzhou")
    wait_until_training_knows(minle, uscc)
    today = china_today()
    due = today + timedelta(days=30)

    # An enterprise user of 620722 registers a special operator with a valid ID number.
    welder = staff_member()
    person = company.post("/api/v1/persons", json=welder)
    assert person.status_code == 201, person.text
    person = person.json()
    assert person["id_masked"] == welder["id_number"][:6] + "*" * 8 + welder["id_number"][-4:]

    # An 8-hour review training, attended and passed.
    session = company.post(
        "/api/v1/training-sessions",
        json=session_body(
            [person["id"]], topic="焊接与热切割作业复审培训", kind="special_operator_review"
        ),
    )
    assert session.status_code == 201, session.text
    results = company.post(
        f"/api/v1/training-sessions/{session.json()['id']}/results",
        json={"results": [{"person_id": person["id"], "result": "passed"}]},
    )
    assert results.status_code == 200, results.text
    trained = read(company, f"/api/v1/persons/{person['id']}/training")
    assert trained["hours"]["hours"] == 8

    # A certificate due for review in 30 days: inside the 60-day window (令第30号 Art. 22).
    before = indicators(minle, due.year)["reviews_on_time"]
    recorded = company.post(
        "/api/v1/certificates",
        json=certificate_body(
            person["id"],
            issued_on=years_after(due, -3).isoformat(),
            review_due_on=due.isoformat(),
        ),
    )
    assert recorded.status_code == 201, recorded.text
    certificate = recorded.json()
    assert certificate["state"] == "review_due"

    # A reminder for the enterprise and for the 民乐县 bureau.
    for reader in (company, minle):
        reminders = read(reader, f"/api/v1/reminders?uscc={uscc}")["items"]
        [reminder] = [item for item in reminders if item["certificate_id"] == certificate["id"]]
        assert reminder["kind"] == "review_due" and reminder["due_on"] == due.isoformat()
        assert {"to": "bureau", "region_code": "620722"} in reminder["recipients"]
    tap.wait_for(
        lambda event: (
            event["type"] == "cn.anjian.training.reminder.issued.v1"
            and event["data"].get("certificate_id") == certificate["id"]
        )
    )

    # The review is recorded; the next one is three years on; the indicator moves.
    reviewed = company.post(
        f"/api/v1/certificates/{certificate['id']}/review",
        json={
            "reviewed_on": today.isoformat(),
            "hours": 8,
            "result": "passed",
            "session_id": session.json()["id"],
        },
    )
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["state"] == "valid"
    assert reviewed.json()["review_due_on"] == years_after(due, 3).isoformat()
    wait_until(
        lambda: (
            indicators(minle, due.year)["reviews_on_time"]["numerator"] == before["numerator"] + 1
        ),
        message="the review to count as on time",
    )

    # Another county's bureau does not see the person at all.
    assert_problem(ganzhou.get(f"/api/v1/persons/{person['id']}"), 404, "not_found")

    # Masked in lists; the full number never crosses the broker.
    listed = read(minle, f"/api/v1/persons?uscc={uscc}")
    assert welder["id_number"] not in json.dumps(listed, ensure_ascii=False)
    assert listed["items"][0]["id_masked"] == person["id_masked"]
    tap.wait_for(
        lambda event: (
            event["type"] == "cn.anjian.training.competency.changed.v1"
            and event["subject"] == person["id"]
        )
    )
    seen = tap.drain(quiet_seconds=1.0)
    assert seen
    assert not [
        event["type"]
        for event in seen
        if welder["id_number"] in json.dumps(event, ensure_ascii=False, default=repr)
    ]
