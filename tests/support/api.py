"""The gateway's HTTP API as the integration tests use it: a signed-in client, the problem+json
check, and the steps many tests take to set a scene (an enterprise inspection knows, a completed
inspection, an upload)."""

import csv
import io
import json
import time

import pytest
import requests

from tests.support.factories import (
    SECOND_OFFICER,
    china_today,
    enterprise,
    gas_readings,
    permit_body,
    session_body,
    space_body,
    staff_member,
)
from tests.support.waiting import wait_until

# Every account the `users` fixture creates signs in with this password.
PASSWORD = "test-password-1"
COMPANY_PASSWORD = "company-pass-1"
# Tokens live 15 minutes (jwt_ttl_seconds); a test holds its Api for a few at most.
TOKEN_REUSE_SECONDS = 300
PROBLEM = "application/problem+json"
# Requests and server errors of the API fuzzing run, reported at the end of the session.
FUZZING_TALLY = pytest.StashKey[dict]()


class Api:
    """A signed-in HTTP client of the gateway: `api.get(path, ...)`, `api.post(...)`, ..."""

    def __init__(self, base, token=None):
        self.base = base
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def __getattr__(self, verb):
        def call(path, **kwargs):
            kwargs.setdefault("timeout", 30)
            return self.session.request(verb.upper(), self.base + path, **kwargs)

        return call


def signing_in(base):
    """A function that signs a user in at the gateway at `base` (once per user) and returns
    their Api."""
    tokens = {}

    def as_user(username, password=PASSWORD):
        token, signed_at = tokens.get(username, (None, 0.0))
        # Signed in again well before the token runs out: a whole test run lasts longer.
        if token is None or time.monotonic() - signed_at > TOKEN_REUSE_SECONDS:
            reply = requests.post(
                base + "/api/v1/auth/token",
                timeout=30,
                json={"username": username, "password": password},
            )
            assert reply.status_code == 200, reply.text
            token = reply.json()["access_token"]
            tokens[username] = (token, time.monotonic())
        return Api(base, token)

    return as_user


def assert_problem(reply, status, code=None, field=None):
    """`reply` is a problem+json answer with `status` (and the stable `code`, and an error
    naming `field`, when given), with no stack trace in it; returns its body."""
    assert reply.status_code == status, reply.text
    assert reply.headers["Content-Type"].startswith(PROBLEM)
    body = reply.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["type"].endswith("/" + body["code"])
    assert "Traceback" not in reply.text
    if code:
        assert body["code"] == code
    if field:
        assert field in json.dumps(body.get("errors", {})), body
    return body


def read(api, path):
    reply = api.get(path)
    assert reply.status_code == 200, reply.text
    return reply.json()


def inspection_knows(api, uscc):
    """Whether the inspection service's copy of the registry, filled from registry events, has
    the enterprise yet (its self-inspection coverage is 404 until then)."""
    return (
        api.get(f"/api/v1/self-inspections/coverage/{uscc}/{china_today().year}").status_code == 200
    )


def wait_until_inspection_knows(api, uscc, timeout=20.0):
    wait_until(
        lambda: inspection_knows(api, uscc),
        timeout=timeout,
        message=f"inspection to learn of enterprise {uscc} from registry events",
    )


def wait_until_training_knows(api, uscc, timeout=20.0):
    """The training service's copy of the registry, filled from registry events, has the
    enterprise (its people list is 404 until then)."""
    wait_until(
        lambda: api.get("/api/v1/persons", params={"uscc": uscc}).status_code == 200,
        timeout=timeout,
        message=f"training to learn of enterprise {uscc} from registry events",
    )


def wait_until_permits_knows(api, uscc, timeout=20.0):
    """The permits service's copy of the registry has the enterprise (its label sheet is 404
    until then)."""
    wait_until(
        lambda: (
            api.get("/api/v1/confined-spaces/labels.pdf", params={"uscc": uscc}).status_code == 200
        ),
        timeout=timeout,
        message=f"permits to learn of enterprise {uscc} from registry events",
    )


# The smallest crew one permit needs: the principal approving, a guardian, an entrant, a rescuer.
SMALLEST_CREW = (
    ("principal", "confined_space_approver"),
    ("confined_space_guardian",),
    ("confined_space_entrant",),
    ("confined_space_rescuer",),
)


def confined_space_crew(company, uscc, *roles, timeout=30.0):
    """People of the enterprise in confined-space positions (a tuple of positions each), trained
    today in the annual confined-space course, once the permits service knows them as valid:
    their training person ids, in order."""
    ids = []
    for positions in roles:
        reply = company.post(
            "/api/v1/persons",
            json=staff_member(positions=[{"position": position} for position in positions]),
        )
        assert reply.status_code == 201, reply.text
        ids.append(reply.json()["id"])
    session = company.post(
        "/api/v1/training-sessions",
        json=session_body(ids, topic="有限空间作业专项培训", kind="confined_space_annual"),
    )
    assert session.status_code == 201, session.text
    results = company.post(
        f"/api/v1/training-sessions/{session.json()['id']}/results",
        json={"results": [{"person_id": person, "result": "passed"} for person in ids]},
    )
    assert results.status_code == 200, results.text

    def all_valid():
        items = company.get(
            "/api/v1/confined-space-staff", params={"uscc": uscc, "page_size": 200}
        ).json()["items"]
        valid = {
            item["id"]
            for item in items
            if item["roles"]
            and all(
                role["valid"] for role in item["roles"] if role["role"].startswith("confined_space")
            )
        }
        return set(ids) <= valid

    wait_until(all_valid, timeout=timeout, message="permits to learn the crew's training")
    return ids


def ready_permit(company, principal, guardian, entrant, rescuer, uscc=None):
    """An approved permit for a new space with H2S risk, ventilated, tested (passing), briefed
    and checked: (its path, the body of a scan at the space's entrance that lets them in)."""
    space = company.post(
        "/api/v1/confined-spaces", json=space_body(**({"uscc": uscc} if uscc else {}))
    )
    assert space.status_code == 201, space.text
    space = space.json()
    permit = company.post(
        "/api/v1/permits", json=permit_body(space["id"], principal, guardian, [entrant], [rescuer])
    )
    assert permit.status_code == 201, permit.text
    path = f"/api/v1/permits/{permit.json()['id']}"
    steps = [
        ("submit", {}),
        ("approve", {}),
        ("steps", {"step": "ventilation"}),
        ("gas-tests", gas_readings()),
        ("steps", {"step": "briefing"}),
        ("steps", {"step": "checklist", "items": [{"item": "救援器材到位", "checked": True}]}),
    ]
    for action, body in steps:
        reply = company.post(f"{path}/{action}", json=body)
        assert reply.status_code in (200, 201), reply.text
    scan = {
        "token": space["scan_url"].split("token=")[1],
        "guardian": guardian,
        "entrants": [entrant],
        "device_time": china_today().isoformat() + "T08:00:00+08:00",
    }
    return path, scan


def known_enterprise(api, **overrides):
    """An enterprise registered through `api` (with `overrides` on the factory's body), once
    the inspection service knows it."""
    body = enterprise(**overrides)
    reply = api.post("/api/v1/enterprises", json=body)
    assert reply.status_code == 201, reply.text
    wait_until_inspection_knows(api, body["uscc"])
    return body


def company_user(sign_in, users, body):
    """The enterprise's own user, signed in."""
    users.create(body["uscc"], COMPANY_PASSWORD, "enterprise", body["region_code"], body["uscc"])
    return sign_in(body["uscc"], COMPANY_PASSWORD)


def register(sign_in, users, **overrides):
    """An enterprise in 民乐县 that inspection knows, and its user: (body, the user's Api)."""
    body = known_enterprise(sign_in("minle"), **overrides)
    return body, company_user(sign_in, users, body)


def register_for_training(sign_in, users):
    """`register`, once the training service knows the enterprise too."""
    body, company = register(sign_in, users)
    wait_until_training_knows(company, body["uscc"])
    return body, company


def open_visit(sign_in, uscc):
    reply = sign_in("inspector-minle").post(
        "/api/v1/inspections",
        json={
            "uscc": uscc,
            "mode": "routine",
            "place": "粉碎车间",
            "content": "日常安全检查",
            "inspectors": [SECOND_OFFICER],
        },
    )
    assert reply.status_code == 201, reply.text
    return reply.json()


def inspected(sign_in, uscc, findings):
    """A completed inspection with `findings`: the record and {grade: [hazard id, ...]}."""
    inspector = sign_in("inspector-minle")
    visit = open_visit(sign_in, uscc)
    for finding in findings:
        reply = inspector.post(f"/api/v1/inspections/{visit['id']}/findings", json=finding)
        assert reply.status_code == 201, reply.text
    done = inspector.post(
        f"/api/v1/inspections/{visit['id']}/complete",
        json={"handling": "责令限期整改", "signature": "王伟"},
    )
    assert done.status_code == 200, done.text
    hazards = {}
    for finding in done.json()["findings"]:
        hazards.setdefault(finding["grade"], []).append(finding["hazard_id"])
    return done.json(), hazards


def upload(company, content, name="fix.png", mime="image/png", **form):
    return company.post(
        "/api/v1/evidence", data=form, files={"file": (name, io.BytesIO(content), mime)}
    )


def import_enterprises(api, county, count):
    """`count` new enterprises of `county` imported through `api` from a CSV file, as a bureau
    uploads one."""
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(
        ["uscc", "name", "region_code", "address", "industry", "principal_name", "principal_phone"]
    )
    for _ in range(count):
        body = enterprise(region_code=county)
        writer.writerow(
            [body["uscc"], body["name"], county, body["address"], "textile", "赵敏", "13600000000"]
        )
    reply = api.post(
        "/api/v1/enterprises/import",
        files={"file": ("enterprises.csv", rows.getvalue().encode("utf-8"))},
    )
    assert reply.status_code == 200, reply.text
