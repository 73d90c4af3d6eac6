"""The accounts journey of issue 14, through the gateway only.

民乐县 registers an enterprise and gives it an account → the enterprise signs in, is made to
change the password it was given, and sees only its own records → twenty wrong passwords lock
it out with back-off, the right password included → the bureau disables the account, and a token
issued before is refused on the next request → 甘州区 can neither create nor disable accounts
for 民乐县's enterprises.
"""

from tests.support.api import Api, assert_problem, read
from tests.support.factories import enterprise

GIVEN = "Minle-given-2026"
CHOSEN = "Qilian-snow-88"


def sign_in_reply(anonymous, username, password):
    return anonymous.post("/api/v1/auth/token", json={"username": username, "password": password})


def signed_in(platform, anonymous, username, password):
    reply = sign_in_reply(anonymous, username, password)
    assert reply.status_code == 200, reply.text
    return reply.json(), Api(platform.url, reply.json()["access_token"])


def test_a_county_bureau_manages_its_enterprise_s_account_from_creation_to_disabling(
    platform, sign_in, anonymous
):
    minle, ganzhou = sign_in("minle"), sign_in("ganzhou")
    firm, neighbour = enterprise(), enterprise()
    for body in (firm, neighbour):
        assert minle.post("/api/v1/enterprises", json=body).status_code == 201
    uscc = firm["uscc"]
    created = minle.post(
        "/api/v1/users",
        json={"username": uscc, "role": "enterprise", "uscc": uscc, "password": GIVEN},
    )
    assert created.status_code == 201, created.text
    assert created.json()["must_change_password"]

    token, company = signed_in(platform, anonymous, uscc, GIVEN)
    assert token["must_change_password"] and token["uscc"] == uscc
    assert_problem(company.get("/api/v1/enterprises"), 403, "password_change_required")
    changed = company.post(
        "/api/v1/me/password", json={"old_password": GIVEN, "new_password": CHOSEN}
    )
    assert changed.status_code == 200, changed.text
    assert_problem(company.get("/api/v1/me"), 401, "unauthenticated")

    token, company = signed_in(platform, anonymous, uscc, CHOSEN)
    assert not token["must_change_password"]
    assert [item["uscc"] for item in read(company, "/api/v1/enterprises")["items"]] == [uscc]
    assert read(company, f"/api/v1/enterprises/{uscc}")["name"] == firm["name"]
    assert_problem(company.get(f"/api/v1/enterprises/{neighbour['uscc']}"), 404)
    assert_problem(company.get("/api/v1/users"), 403)

    refusals = [sign_in_reply(anonymous, uscc, f"Wrong-guess-{n}").status_code for n in range(20)]
    assert refusals == [401] * 5 + [429] * 15
    locked = sign_in_reply(anonymous, uscc, CHOSEN)
    assert_problem(locked, 429, "too_many_attempts")
    assert 0 < int(locked.headers["Retry-After"]) <= 60
    assert read(company, "/api/v1/me")["username"] == uscc  # the token from before still works

    disabled = minle.post(f"/api/v1/users/{uscc}/disable", json={"reason": "企业申请注销账户"})
    assert disabled.status_code == 200 and disabled.json()["disabled"]
    assert_problem(company.get(f"/api/v1/enterprises/{uscc}"), 401, "unauthenticated")

    assert_problem(
        ganzhou.post(
            "/api/v1/users",
            json={
                "username": f"{neighbour['uscc']}",
                "role": "enterprise",
                "uscc": neighbour["uscc"],
                "password": GIVEN,
            },
        ),
        404,
    )
    assert_problem(ganzhou.post(f"/api/v1/users/{uscc}/enable", json={"reason": "越权"}), 404)
    assert_problem(ganzhou.post(f"/api/v1/users/{uscc}/disable", json={"reason": "越权"}), 404)
    assert_problem(minle.get(f"/api/v1/users/{neighbour['uscc']}"), 404)
    assert read(minle, f"/api/v1/users/{uscc}")["disabled"]
