"""Every bad input gets a clear problem+json answer and changes nothing."""

import base64
import json
import time

import jwt
import pytest

from tests.support.api import PROBLEM, assert_problem
from tests.support.factories import enterprise, new_uscc


def wrong_checksum():
    code = new_uscc()
    return code[:-1] + ("0" if code[-1] != "0" else "1")


CREATE_CASES = {
    "malformed uscc": ({"uscc": "91620722ABC"}, "uscc"),
    "forbidden letters in uscc": ({"uscc": "91620722MA01XYZOIS"}, "uscc"),
    "wrong checksum": ({"uscc": wrong_checksum()}, "uscc"),
    "unknown region": ({"region_code": "620799"}, "region_code"),
    "withdrawn region": ({"region_code": "110103"}, "region_code"),
    "unknown industry": ({"industry": "shipbuilding"}, "industry"),
    "unknown risk feature": ({"risk_features": ["volcano"]}, "risk_features"),
    "status is not writable": ({"status": "closed"}, "status"),
    "created_at is not writable": ({"created_at": "2020-01-01T00:00:00Z"}, "created_at"),
    "audit is not writable": ({"history": []}, "history"),
    "operator object": ({"name": {"$gt": ""}}, "name"),
    "operator in nested field": (
        {"principal": {"name": {"$ne": None}, "phone": "138"}},
        "principal",
    ),
    "grade out of range": ({"standardization": {"grade": 4, "graded_on": "2024-01-01"}}, "grade"),
    "graded in the future": (
        {"standardization": {"grade": 1, "graded_on": "2999-01-01"}},
        "graded_on",
    ),
    "above_scale not a boolean": ({"above_scale": "yes"}, "above_scale"),
}


@pytest.mark.parametrize("case", CREATE_CASES)
def test_create_rejects(sign_in, case):
    minle = sign_in("minle")
    overrides, field = CREATE_CASES[case]
    body = enterprise(**overrides)
    assert_problem(minle.post("/api/v1/enterprises", json=body), 422, "invalid_input", field)
    uscc = body["uscc"] if isinstance(body["uscc"], str) else ""
    if len(uscc) == 18:
        assert sign_in("admin").get(f"/api/v1/enterprises/{uscc}").status_code == 404


@pytest.mark.parametrize(
    "missing", ["uscc", "name", "region_code", "address", "industry", "principal"]
)
def test_create_requires_fields(sign_in, missing):
    body = enterprise()
    del body[missing]
    assert_problem(
        sign_in("minle").post("/api/v1/enterprises", json=body), 422, "invalid_input", missing
    )


def test_administrator_may_accept_a_checksum_failure_with_a_reason(sign_in):
    body = enterprise(uscc=wrong_checksum())
    admin = sign_in("admin")
    assert_problem(admin.post("/api/v1/enterprises", json=body), 422, field="uscc")
    reply = admin.post(
        "/api/v1/enterprises",
        json={**body, "uscc_override_reason": "早期试点地区代码，已核实营业执照"},
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["uscc_override"]["by"] == "admin"


def test_duplicate_uscc_is_a_conflict(sign_in):
    minle = sign_in("minle")
    body = enterprise()
    assert minle.post("/api/v1/enterprises", json=body).status_code == 201
    assert_problem(
        minle.post("/api/v1/enterprises", json={**body, "name": "另一家有限公司"}),
        409,
        "duplicate",
        "uscc",
    )
    assert minle.get(f"/api/v1/enterprises/{body['uscc']}").json()["name"] == body["name"]


def test_update_rejects_bad_fields_and_changes_nothing(sign_in):
    minle = sign_in("minle")
    body = enterprise()
    minle.post("/api/v1/enterprises", json=body)
    path = f"/api/v1/enterprises/{body['uscc']}"
    for bad in (
        {"status": "closed"},
        {"uscc": new_uscc()},
        {"name": {"$set": "x"}},
        {"industry": "mining"},
        {},
        {"updated_at": "2020-01-01T00:00:00Z"},
    ):
        assert_problem(minle.patch(path, json=bad), 422, "invalid_input")
    assert_problem(minle.patch(path, json={"region_code": "620799"}), 422, field="region_code")
    after = minle.get(path).json()
    assert after["name"] == body["name"] and after["status"] == "operating"
    assert len(minle.get(path + "/history").json()) == 1


def test_status_change_needs_a_known_status_and_a_reason(sign_in):
    minle = sign_in("minle")
    body = enterprise()
    minle.post("/api/v1/enterprises", json=body)
    path = f"/api/v1/enterprises/{body['uscc']}/status"
    assert_problem(
        minle.post(path, json={"status": "bankrupt", "reason": "x1"}), 422, field="status"
    )
    assert_problem(minle.post(path, json={"status": "suspended"}), 422, field="reason")
    assert_problem(
        minle.post(path, json={"status": "operating", "reason": "已在经营"}), 409, "conflict"
    )


def test_unknown_enterprise_is_404(sign_in):
    assert_problem(sign_in("admin").get(f"/api/v1/enterprises/{new_uscc()}"), 404, "not_found")


@pytest.mark.parametrize(
    "params,field",
    [
        ({"page_size": 201}, "page_size"),
        ({"page": 0}, "page"),
        ({"region": "62x"}, "region"),
        ({"industry": "mining"}, "industry"),
        ({"region[$gt]": ""}, "region[$gt]"),
        ({"q": "x" * 51}, "q"),
        ({"status": "any"}, "status"),
    ],
)
def test_list_rejects_bad_filters(sign_in, params, field):
    assert_problem(
        sign_in("zhangye").get("/api/v1/enterprises", params=params), 422, "invalid_input", field
    )


def test_name_search_is_literal_not_a_pattern(sign_in):
    listed = sign_in("admin").get("/api/v1/enterprises", params={"q": ".*"}).json()
    assert listed["items"] == [] and listed["has_more"] is False


def test_oversized_body_is_413(sign_in, settings):
    huge = "x" * (settings.max_body_bytes + 1)
    reply = sign_in("minle").post(
        "/api/v1/enterprises", data=huge, headers={"Content-Type": "application/json"}
    )
    assert_problem(reply, 413, "too_large")


def test_malformed_json_is_a_problem(sign_in):
    reply = sign_in("minle").post(
        "/api/v1/enterprises", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert reply.status_code in (400, 422)
    assert reply.headers["Content-Type"].startswith(PROBLEM)


def test_import_refuses_files_that_are_not_spreadsheets(sign_in):
    zhangye = sign_in("zhangye")
    for name, content in (
        ("企业.xlsx", b"MZ\x90\x00 this is not a workbook"),
        ("企业.exe", b"\x7fELF"),
        ("企业.xlsx", b""),
    ):
        assert_problem(
            zhangye.post("/api/v1/enterprises/import", files={"file": (name, content)}),
            422,
            "invalid_input",
        )
    assert_problem(zhangye.post("/api/v1/enterprises/import", data={}), 422, "invalid_input")


def test_readers_cannot_import(sign_in):
    assert_problem(
        sign_in("auditor").post("/api/v1/enterprises/import", files={"file": ("a.csv", b"uscc\n")}),
        403,
    )


def forge(claims, key="a-different-secret-of-enough-length-32", algorithm="HS256"):
    return jwt.encode(claims, key, algorithm=algorithm)


def unsigned(claims):
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def test_tokens_that_are_missing_expired_forged_unsigned_or_inconsistent_are_401(
    anonymous, settings, users
):
    now = int(time.time())
    claims = {
        "iss": "anjian",
        "aud": "anjian-api",
        "sub": "admin",
        "role": "admin",
        "region": "000000",
        "ver": 1,
        "iat": now,
        "exp": now + 600,
    }
    minle = {**claims, "sub": "minle", "role": "regulator", "region": "620722"}
    # The complete claims signed with the platform's secret pass: each token below fails for
    # the one thing it changes.
    valid = forge(claims, settings.jwt_secret)
    assert (
        anonymous.get(
            "/api/v1/enterprises", headers={"Authorization": f"Bearer {valid}"}
        ).status_code
        == 200
    )
    tokens = {
        "other issuer": forge({**claims, "iss": "elsewhere"}, settings.jwt_secret),
        "other audience": forge({**claims, "aud": "another-api"}, settings.jwt_secret),
        "no audience": forge({k: v for k, v in claims.items() if k != "aud"}, settings.jwt_secret),
        "no issue time": forge(
            {k: v for k, v in claims.items() if k != "iat"}, settings.jwt_secret
        ),
        "an older account version": forge({**claims, "ver": 0}, settings.jwt_secret),
        "enterprise without a USCC": forge({**claims, "role": "enterprise"}, settings.jwt_secret),
        "regulator without a region": forge(
            {k: v for k, v in minle.items() if k != "region"}, settings.jwt_secret
        ),
        "regulator with a USCC": forge(
            {**minle, "uscc": "91620722MA01XYW0QX"}, settings.jwt_secret
        ),
        "expired": forge({**claims, "iat": now - 7200, "exp": now - 3600}, settings.jwt_secret),
        "forged": forge(claims),
        "alg none": unsigned(claims),
        "garbage": "abc.def.ghi",
        "no expiry": forge({k: v for k, v in claims.items() if k != "exp"}, settings.jwt_secret),
        "unknown role": forge({**claims, "role": "root"}, settings.jwt_secret),
    }
    assert_problem(anonymous.get("/api/v1/enterprises"), 401, "unauthenticated")
    for token in tokens.values():
        reply = anonymous.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {token}"})
        assert_problem(reply, 401, "unauthenticated")


def test_sign_in_refuses_wrong_credentials(anonymous, users):
    for body in (
        {"username": "minle", "password": "wrong-password"},
        {"username": "nobody", "password": "whatever1"},
    ):
        assert_problem(anonymous.post("/api/v1/auth/token", json=body), 401, "unauthenticated")
    assert_problem(
        anonymous.post("/api/v1/auth/token", json={"username": {"$gt": ""}, "password": "x"}), 422
    )
