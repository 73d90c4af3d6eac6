"""An enterprise the registry moves to another county takes its people's records with it: the new
county's bureau sees them and counts them, the old one no longer does.

The two counties (临泽县 and 高台县) hold no other test's people, so the counts compared here move
only with this test's records, whatever other tests' events are still being applied."""

import secrets

from tests.support.api import (
    PASSWORD,
    assert_problem,
    company_user,
    known_enterprise,
    read,
    wait_until_training_knows,
)
from tests.support.factories import (
    certificate_body,
    china_today,
    day,
    session_body,
    staff_member,
)
from tests.support.waiting import wait_until

YEAR = china_today().year
OLD_COUNTY, NEW_COUNTY = "620723", "620724"

# Names of their own: other tests sign in users of the same places.
LINZE = f"linze-{secrets.token_hex(3)}"
GAOTAI = f"gaotai-{secrets.token_hex(3)}"


def certification(api, region):
    return read(api, f"/api/v1/indicators/training?region={region}&year={YEAR}")["certification"]


def counted(rate):
    return rate["numerator"], rate["denominator"]


def test_people_follow_their_enterprise_to_another_county(sign_in, users):
    users.create(LINZE, PASSWORD, "regulator", OLD_COUNTY)
    users.create(GAOTAI, PASSWORD, "regulator", NEW_COUNTY)
    zhangye = sign_in("zhangye")
    body = known_enterprise(zhangye, region_code=OLD_COUNTY)
    company = company_user(sign_in, users, body)
    uscc = body["uscc"]
    old_county, new_county = sign_in(LINZE), sign_in(GAOTAI)
    wait_until_training_knows(old_county, uscc)
    old_county_before = counted(certification(old_county, OLD_COUNTY))
    new_county_before = counted(certification(new_county, NEW_COUNTY))

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
            counted(certification(old_county, OLD_COUNTY))
            == (old_county_before[0] + 1, old_county_before[1] + 1)
        ),
        message="the welder to count in 临泽县",
    )

    # The city bureau moves the enterprise to 高台县 in the registry.
    moved = zhangye.patch(f"/api/v1/enterprises/{uscc}", json={"region_code": NEW_COUNTY})
    assert moved.status_code == 200, moved.text

    # The records move first, then the service's copy of the enterprise (so a failed move is
    # redone when the event comes again): wait for both.
    wait_until(
        lambda: (
            new_county.get(f"/api/v1/persons/{person['id']}").status_code == 200
            and new_county.get("/api/v1/reminders", params={"uscc": uscc}).status_code == 200
        ),
        message="the person and the enterprise to follow it to 高台县",
    )
    assert read(new_county, f"/api/v1/persons/{person['id']}")["region_code"] == NEW_COUNTY
    assert (
        read(new_county, f"/api/v1/certificates/{certificate['id']}")["region_code"] == NEW_COUNTY
    )
    assert (
        read(new_county, f"/api/v1/training-sessions/{session['id']}")["region_code"] == NEW_COUNTY
    )
    [reminder] = [
        item
        for item in read(new_county, f"/api/v1/reminders?uscc={uscc}")["items"]
        if item["certificate_id"] == certificate["id"]
    ]
    assert {"to": "bureau", "region_code": NEW_COUNTY} in reminder["recipients"]
    assert read(company, f"/api/v1/persons/{person['id']}")["id"] == person["id"]

    for path in (
        f"/api/v1/persons/{person['id']}",
        f"/api/v1/certificates/{certificate['id']}",
        f"/api/v1/training-sessions/{session['id']}",
    ):
        assert_problem(old_county.get(path), 404, "not_found")
    assert_problem(old_county.get(f"/api/v1/reminders?uscc={uscc}"), 404, "not_found")

    # The indicators count the welder in the new county, and no longer in the old one.
    wait_until(
        lambda: (
            counted(certification(new_county, NEW_COUNTY))
            == (new_county_before[0] + 1, new_county_before[1] + 1)
        ),
        message="the welder to count in 高台县",
    )
    assert counted(certification(old_county, OLD_COUNTY)) == old_county_before
