"""An enterprise the registry moves to another county takes its people's records with it: the new
county's bureau sees them and counts them, the old one no longer does."""

from tests.support.api import assert_problem, read, register, wait_until_training_knows
from tests.support.factories import (
    certificate_body,
    china_today,
    day,
    session_body,
    staff_member,
)
from tests.support.waiting import wait_until

YEAR = china_today().year


def certification(api, region):
    return read(api, f"/api/v1/indicators/training?region={region}&year={YEAR}")["certification"]


def counted(rate):
    return rate["numerator"], rate["denominator"]


def test_people_follow_their_enterprise_to_another_county(sign_in, users):
    body, company = register(sign_in, users)
    uscc = body["uscc"]
    minle, ganzhou, zhangye = sign_in("minle"), sign_in("ganzhou"), sign_in("zhangye")
    wait_until_training_knows(minle, uscc)
    minle_before = counted(certification(minle, "620722"))
    ganzhou_before = counted(certification(ganzhou, "620702"))

    # A certified welder, due for review in 30 days (so a reminder is out), and a session.
    person = company.post("/api/v1/persons", json=staff_member())
    assert person.status_code == 201, person.text
    person = person.json()
    certificate = company.post(
        "/api/v1/certificates",
        json=certificate_body(person["id"], issued_on=day(-1000), review_due_on=day(30)),
    )
    assert certificate.status_code == 201, certificate.text
    certificate = certificate.json()
    session = company.post("/api/v1/training-sessions", json=session_body([person["id"]]))
    assert session.status_code == 201, session.text
    session = session.json()
    wait_until(
        lambda: (
            counted(certification(minle, "620722")) == (minle_before[0] + 1, minle_before[1] + 1)
        ),
        message="the welder to count in 民乐县",
    )

    # The city bureau moves the enterprise to 甘州区 in the registry.
    moved = zhangye.patch(f"/api/v1/enterprises/{uscc}", json={"region_code": "620702"})
    assert moved.status_code == 200, moved.text

    # The records move first, then the service's copy of the enterprise (so a failed move is
    # redone when the event comes again): wait for both.
    wait_until(
        lambda: (
            ganzhou.get(f"/api/v1/persons/{person['id']}").status_code == 200
            and ganzhou.get("/api/v1/reminders", params={"uscc": uscc}).status_code == 200
        ),
        message="the person and the enterprise to follow it to 甘州区",
    )
    assert read(ganzhou, f"/api/v1/persons/{person['id']}")["region_code"] == "620702"
    assert read(ganzhou, f"/api/v1/certificates/{certificate['id']}")["region_code"] == "620702"
    assert read(ganzhou, f"/api/v1/training-sessions/{session['id']}")["region_code"] == "620702"
    [reminder] = [
        item
        for item in read(ganzhou, f"/api/v1/reminders?uscc={uscc}")["items"]
        if item["certificate_id"] == certificate["id"]
    ]
    assert {"to": "bureau", "region_code": "620702"} in reminder["recipients"]
    assert read(company, f"/api/v1/persons/{person['id']}")["id"] == person["id"]

    for path in (
        f"/api/v1/persons/{person['id']}",
        f"/api/v1/certificates/{certificate['id']}",
        f"/api/v1/training-sessions/{session['id']}",
    ):
        assert_problem(minle.get(path), 404, "not_found")
    assert_problem(minle.get(f"/api/v1/reminders?uscc={uscc}"), 404, "not_found")

    # The indicators count the welder in the new county, and no longer in the old one.
    wait_until(
        lambda: (
            counted(certification(ganzhou, "620702"))
            == (ganzhou_before[0] + 1, ganzhou_before[1] + 1)
        ),
        message="the welder to count in 甘州区",
    )
    assert counted(certification(minle, "620722")) == minle_before
