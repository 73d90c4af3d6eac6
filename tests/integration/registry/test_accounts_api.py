"""Accounts through the gateway: bureaus manage their own jurisdiction's, bad input changes
nothing, sign-in gives no hint whether a name exists, guessing backs off, and the trail shows it.
"""

import secrets

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

import services.kit.runtime  # noqa: F401  (domain errors cross RPC as themselves)
from services.kit.pure.actor import SYSTEM
from services.kit.pure.errors import TooManyAttempts, Unauthenticated
from services.kit.runtime import CLIENT_ADDRESS
from tests.support.api import assert_problem, read
from tests.support.factories import enterprise, new_uscc

FIRST = "Qilian-first-1"


def registered(api, **overrides):
    body = enterprise(**overrides)
    reply = api.post("/api/v1/enterprises", json=body)
    assert reply.status_code == 201, reply.text
    return body


def account_body(**overrides):
    return {
        "username": f"officer-{secrets.token_hex(4)}",
        "role": "inspector",
        "region_scope": "620722",
        "password": FIRST,
        **overrides,
    }


def created(api, **overrides):
    body = account_body(**overrides)
    reply = api.post("/api/v1/users", json=body)
    assert reply.status_code == 201, reply.text
    assert reply.headers["Location"] == f"/api/v1/users/{body['username']}"
    return body


def token(anonymous, username, password):
    reply = anonymous.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    return reply.json()


def bearer(signed_in):
    return {"Authorization": f"Bearer {signed_in['access_token']}"}


def test_a_bureau_gives_its_enterprise_an_account_that_nobody_else_can_touch(sign_in, anonymous):
    minle, ganzhou = sign_in("minle"), sign_in("ganzhou")
    firm = registered(minle)
    body = created(
        minle, username=firm["uscc"], role="enterprise", region_scope=None, uscc=firm["uscc"]
    )
    account = read(minle, f"/api/v1/users/{firm['uscc']}")
    assert account["region_scope"] == "620722" and account["uscc"] == firm["uscc"]
    assert account["must_change_password"] and not account["disabled"]
    assert "password" not in {key for key in account if key != "must_change_password"}
    path = f"/api/v1/users/{firm['uscc']}"
    assert_problem(ganzhou.get(path), 404)
    assert_problem(ganzhou.post(path + "/disable", json={"reason": "越权"}), 404)
    assert_problem(ganzhou.post(path + "/password", json={"password": "Ganzhou-reset-9"}), 404)
    again = account_body(username=f"x-{firm['uscc']}", role="enterprise", region_scope=None)
    assert_problem(ganzhou.post("/api/v1/users", json={**again, "uscc": firm["uscc"]}), 404)
    listed = read(ganzhou, "/api/v1/users?page_size=200")["items"]
    assert firm["uscc"] not in {item["username"] for item in listed}
    assert firm["uscc"] in {
        item["username"] for item in read(minle, "/api/v1/users?uscc=" + firm["uscc"])["items"]
    }
    assert token(anonymous, body["username"], FIRST)["must_change_password"]


@pytest.mark.parametrize(
    "who,changes,status,field",
    [
        ("minle", {"password": "short1"}, 422, "password"),
        ("minle", {"password": "P@ssw0rd"}, 422, "password"),
        ("minle", {"password": "onlyletters"}, 422, "password"),
        ("minle", {"role": "admin", "region_scope": "000000"}, 403, "role"),
        ("zhangye", {"role": "admin"}, 403, "role"),
        ("minle", {"region_scope": "620702"}, 403, "region_scope"),
        ("minle", {"region_scope": "629999"}, 422, "region_scope"),
        ("minle", {"role": "enterprise", "region_scope": None, "uscc": "missing"}, 404, None),
        ("minle", {"must_change_password": False}, 403, "must_change_password"),
        ("minle", {"username": {"$gt": ""}}, 422, "username"),
        ("minle", {"role": {"$ne": "enterprise"}}, 422, "role"),
        ("minle", {"display_name": "名" * 65}, 422, "display_name"),
        ("minle", {"password": "A1-" + "x" * 200}, 422, "password"),
        ("minle", {"username": "u" * 65}, 422, "username"),
        ("minle", {"disabled": True}, 422, "disabled"),
        ("inspector-minle", {}, 403, None),
        ("auditor", {}, 403, None),
    ],
    ids=repr,
)
def test_bad_account_creations_are_refused_and_create_nothing(sign_in, who, changes, status, field):
    body = account_body(**changes)
    if changes.get("uscc") == "missing":
        body["uscc"] = new_uscc("620722")
    assert_problem(sign_in(who).post("/api/v1/users", json=body), status, field=field)
    if isinstance(body["username"], str) and len(body["username"]) <= 64:
        assert_problem(sign_in("admin").get(f"/api/v1/users/{body['username']}"), 404)


def test_an_enterprise_outside_the_jurisdiction_looks_like_one_never_registered(sign_in):
    outside = registered(sign_in("ganzhou"), region_code="620702")
    body = account_body(role="enterprise", region_scope=None, uscc=outside["uscc"])
    missing = account_body(role="enterprise", region_scope=None, uscc=new_uscc("620722"))
    first = assert_problem(sign_in("minle").post("/api/v1/users", json=body), 404, "not_found")
    second = assert_problem(sign_in("minle").post("/api/v1/users", json=missing), 404, "not_found")
    assert first["title"] == second["title"]


def test_a_user_name_is_taken_once(sign_in):
    body = created(sign_in("minle"))
    again = {**body, "region_scope": "620700", "role": "auditor"}
    assert_problem(
        sign_in("zhangye").post("/api/v1/users", json=again), 409, "duplicate", "username"
    )
    assert read(sign_in("minle"), f"/api/v1/users/{body['username']}")["role"] == "inspector"


def test_sign_in_answers_alike_for_a_wrong_password_an_unknown_name_and_a_disabled_account(
    sign_in, anonymous
):
    minle = sign_in("minle")
    body = created(minle)
    disabled = created(minle)
    assert minle.post(f"/api/v1/users/{disabled['username']}/disable", json={"reason": "离职"}).ok
    answers = [
        anonymous.post("/api/v1/auth/token", json={"username": name, "password": password})
        for name, password in (
            (body["username"], "Wrong-pass-1"),
            (f"nobody-{secrets.token_hex(4)}", "Wrong-pass-1"),
            (disabled["username"], FIRST),
        )
    ]
    details = {assert_problem(reply, 401, "unauthenticated")["detail"] for reply in answers}
    assert len(details) == 1


def test_a_reset_password_must_be_changed_and_a_change_needs_the_old_one_and_a_new_one(
    sign_in, anonymous
):
    minle = sign_in("minle")
    body = created(minle)
    first = token(anonymous, body["username"], FIRST)
    me = bearer(first)
    assert_problem(
        anonymous.get("/api/v1/enterprises", headers=me), 403, "password_change_required"
    )
    assert read_as(anonymous, "/api/v1/me", me)["must_change_password"]
    for change, field in (
        ({"old_password": "Not-the-one-1", "new_password": "Heihe-river-99"}, "old_password"),
        ({"old_password": FIRST, "new_password": FIRST}, "password"),
        ({"old_password": FIRST, "new_password": "12345678"}, "password"),
        ({"old_password": FIRST, "new_password": {"$gt": ""}}, "new_password"),
        ({"old_password": FIRST}, "new_password"),
    ):
        reply = anonymous.post("/api/v1/me/password", json=change, headers=me)
        assert_problem(reply, 422, "invalid_input", field)
    changed = anonymous.post(
        "/api/v1/me/password",
        json={"old_password": FIRST, "new_password": "Heihe-river-99"},
        headers=me,
    )
    assert changed.status_code == 200 and not changed.json()["must_change_password"]
    assert_problem(anonymous.get("/api/v1/me", headers=me), 401, "unauthenticated")
    second = bearer(token(anonymous, body["username"], "Heihe-river-99"))
    assert anonymous.get("/api/v1/enterprises", headers=second).status_code == 200
    path = f"/api/v1/users/{body['username']}/password"
    reused = minle.post(path, json={"password": "Heihe-river-99"})
    assert_problem(reused, 422, "invalid_input", "password")
    assert minle.post(path, json={"password": "Danxia-reset-7"}).status_code == 200
    assert_problem(anonymous.get("/api/v1/me", headers=second), 401, "unauthenticated")
    assert token(anonymous, body["username"], "Danxia-reset-7")["must_change_password"]


def read_as(anonymous, path, headers):
    reply = anonymous.get(path, headers=headers)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_the_ladder_holds_for_disabling_and_enabling(sign_in):
    minle, zhangye = sign_in("minle"), sign_in("zhangye")
    city = created(zhangye, role="regulator", region_scope="620700")
    assert_problem(
        minle.post(f"/api/v1/users/{city['username']}/disable", json={"reason": "x"}), 404
    )
    assert_problem(zhangye.post("/api/v1/users/admin/disable", json={"reason": "x"}), 404)
    assert_problem(minle.post("/api/v1/users/minle/disable", json={"reason": "x"}), 409)
    local = created(minle)
    path = f"/api/v1/users/{local['username']}"
    assert_problem(sign_in("inspector-minle").post(path + "/disable", json={"reason": "x"}), 403)
    assert_problem(sign_in("auditor").post(path + "/disable", json={"reason": "x"}), 403)
    assert_problem(minle.post(path + "/disable", json={"reason": ""}), 422, field="reason")
    assert_problem(minle.post(path + "/disable", json={"reason": {"$gt": ""}}), 422, field="reason")
    assert_problem(minle.post(path + "/enable", json={"reason": "未停用"}), 409)
    assert zhangye.post(path + "/disable", json={"reason": "调离"}).json()["disabled"]
    assert_problem(minle.post(path + "/disable", json={"reason": "again"}), 409)
    assert not minle.post(path + "/enable", json={"reason": "复职"}).json()["disabled"]


@pytest.fixture
def sign_in_from(settings, platform):
    """Sign-in as the gateway asks the registry for it, from any client address, with the
    registry restarted on the rules it ships with (the session's platform lets 127.0.0.1 fail
    without limit)."""
    platform.restart("registry", rules_dir="")
    config = {"AMQP_URI": settings.amqp_uri, "SERIALIZER": "json"}

    def authenticate(address, username, password):
        context = {**SYSTEM.to_context(), CLIENT_ADDRESS: address}
        with ClusterRpcProxy(config, context_data=context, timeout=30) as cluster:
            return cluster.registry.authenticate({"username": username, "password": password})

    try:
        yield authenticate
    finally:
        platform.restart("registry")


@pytest.mark.slow
def test_one_address_guessing_many_names_is_locked_out_even_for_a_right_password(
    sign_in, sign_in_from
):
    body = created(sign_in("minle"))
    address = f"198.51.100.{secrets.randbelow(250) + 1}"
    for attempt in range(30):
        with pytest.raises(Unauthenticated):
            sign_in_from(address, f"guess-{attempt}-{secrets.token_hex(3)}", "Wrong-1a")
    with pytest.raises(TooManyAttempts) as locked:
        sign_in_from(address, body["username"], FIRST)
    assert locked.value.retry_after == 60
    assert sign_in_from("192.0.2.1", body["username"], FIRST)["username"] == body["username"]
    trail = read(sign_in("admin"), f"/api/v1/account-audit?account={body['username']}")
    assert [entry["action"] for entry in trail["items"]][-1] == "refused_while_locked"
    assert trail["items"][-1]["address"] == address
    assert trail["items"][0]["action"] == "created" and trail["items"][0]["address"] == "127.0.0.1"


def test_account_changes_and_refused_sign_ins_are_in_the_trail_of_the_jurisdiction(
    sign_in, anonymous
):
    minle = sign_in("minle")
    body = created(minle)
    name = body["username"]
    for _ in range(6):
        anonymous.post("/api/v1/auth/token", json={"username": name, "password": "Wrong-pass-1"})
    minle.post(f"/api/v1/users/{name}/disable", json={"reason": "离职"})
    trail = read(sign_in("auditor"), f"/api/v1/account-audit?account={name}&page_size=50")
    actions = [entry["action"] for entry in trail["items"]]
    assert actions[0] == "created" and actions[-1] == "disabled"
    assert sorted(actions[1:-1]) == sorted(
        ["sign_in_failed"] * 5 + ["locked", "refused_while_locked"]
    )
    failed = next(entry for entry in trail["items"] if entry["action"] == "sign_in_failed")
    assert failed["address"] == "127.0.0.1" and failed["at"] and failed["by"] == name
    assert trail["items"][0]["by"] == trail["items"][-1]["by"] == "minle"
    assert_problem(sign_in("ganzhou").get("/api/v1/account-audit?region=620722"), 403)
    ganzhou_trail = read(sign_in("ganzhou"), f"/api/v1/account-audit?account={name}")
    assert ganzhou_trail["items"] == []
    assert_problem(sign_in("inspector-minle").get("/api/v1/account-audit"), 403)
