"""The counts of enterprises behind targets 4, 6 and 8 (required to hold a standardization grade
and holding one; open; keeping confined spaces) follow an enterprise's registration, grade, move
to another county and closing, in every service that counts them: each keeps them from the
registry's `enterprise.standing_changed` events, so a reading never scans the enterprises.

七里河区 and 西固区 hold no other test's enterprises: the counts compared move only with this
test."""

import secrets

from tests.support.api import PASSWORD, read
from tests.support.factories import china_today, day, enterprise
from tests.support.waiting import wait_until

YEAR = china_today().year
OLD_COUNTY, NEW_COUNTY = "620103", "620104"

# Names of their own: other tests sign in users of the same places.
LANZHOU = f"lanzhou-{secrets.token_hex(3)}"
QILIHE = f"qilihe-{secrets.token_hex(3)}"
XIGU = f"xigu-{secrets.token_hex(3)}"


def counts(api, region):
    """(required, holding a grade), open enterprises, enterprises flagged with confined spaces."""
    query = f"?region={region}&year={YEAR}"
    grading = read(api, f"/api/v1/indicators/standardization{query}")["valid_grade"]
    preparedness = read(api, f"/api/v1/indicators/inspection{query}")["dual_prevention"]
    ledger = read(api, f"/api/v1/indicators/permits{query}")["ledger"]
    return {
        "required": grading["denominator"],
        "held": grading["numerator"],
        "open": preparedness["denominator"],
        "confined_space": ledger["denominator"],
    }


def moved(before, **changes):
    return {name: before[name] + changes.get(name, 0) for name in before}


def test_enterprise_counts_follow_registration_grade_move_and_closing(sign_in, users):
    users.create(LANZHOU, PASSWORD, "regulator", "620100")
    users.create(QILIHE, PASSWORD, "regulator", OLD_COUNTY)
    users.create(XIGU, PASSWORD, "regulator", NEW_COUNTY)
    city, old_county, new_county = sign_in(LANZHOU), sign_in(QILIHE), sign_in(XIGU)
    old_before, new_before = counts(old_county, OLD_COUNTY), counts(new_county, NEW_COUNTY)

    # Registered without a grade: required to hold one, open, keeping confined spaces.
    body = enterprise(
        region_code=OLD_COUNTY,
        risk_features=["dust_explosion", "confined_space"],
        standardization=None,
    )
    reply = old_county.post("/api/v1/enterprises", json=body)
    assert reply.status_code == 201, reply.text
    uscc = body["uscc"]
    expected = moved(old_before, required=1, open=1, confined_space=1)
    wait_until(
        lambda: counts(old_county, OLD_COUNTY) == expected,
        message="the new enterprise to count in 七里河区",
    )

    # A grade awarded: it holds one now.
    graded = old_county.post(
        f"/api/v1/enterprises/{uscc}/standardization",
        json={"grade": 3, "graded_on": day(-30)},
    )
    assert graded.status_code in (200, 201), graded.text
    expected = moved(expected, held=1)
    wait_until(
        lambda: counts(old_county, OLD_COUNTY) == expected,
        message="the grade to count in 七里河区",
    )

    # The city moves it to 西固区: every count moves with it.
    reply = city.patch(f"/api/v1/enterprises/{uscc}", json={"region_code": NEW_COUNTY})
    assert reply.status_code == 200, reply.text
    wait_until(
        lambda: (
            counts(old_county, OLD_COUNTY) == old_before
            and counts(new_county, NEW_COUNTY)
            == moved(new_before, required=1, held=1, open=1, confined_space=1)
        ),
        message="the counts to follow the enterprise to 西固区",
    )
    city_counts = counts(city, "620100")
    assert city_counts["open"] >= 1 and city_counts["held"] >= 1

    # Closed, it counts nowhere.
    reply = new_county.post(
        f"/api/v1/enterprises/{uscc}/status",
        json={"status": "closed", "reason": "注销", "effective_on": day(0)},
    )
    assert reply.status_code == 200, reply.text
    wait_until(
        lambda: counts(new_county, NEW_COUNTY) == new_before,
        message="the closed enterprise to leave the counts of 西固区",
    )
