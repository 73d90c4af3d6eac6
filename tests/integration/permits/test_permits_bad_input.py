"""Bad input through the gateway: each gets a problem+json answer with a stable code and changes
nothing; a refused scan is an answer (200, deny), a forged code an error."""

from datetime import datetime, timedelta, timezone

import pytest

from tests.support.api import (
    assert_problem,
    confined_space_crew,
    read,
    register,
    upload,
    wait_until_permits_knows,
    wait_until_training_knows,
)
from tests.support.factories import gas_readings, permit_body, space_body

OPERATOR = {"$gt": ""}


@pytest.fixture(scope="module")
def site(sign_in, users):
    """An enterprise of 民乐县 with a trained crew and a space with H2S risk, and a trained
    entrant of another enterprise."""
    body, company = register(sign_in, users, risk_features=["confined_space"])
    other, other_company = register(sign_in, users)
    for uscc in (body["uscc"], other["uscc"]):
        wait_until_training_knows(company if uscc == body["uscc"] else other_company, uscc)
        wait_until_permits_knows(sign_in("minle"), uscc)
    crew = confined_space_crew(
        company,
        body["uscc"],
        ("principal", "confined_space_approver"),
        ("confined_space_approver",),
        ("confined_space_guardian",),
        ("confined_space_entrant",),
        ("confined_space_rescuer",),
    )
    [stranger] = confined_space_crew(other_company, other["uscc"], ("confined_space_entrant",))
    space = company.post("/api/v1/confined-spaces", json=space_body())
    assert space.status_code == 201, space.text
    return {
        "uscc": body["uscc"],
        "company": company,
        "other_company": other_company,
        "crew": dict(
            zip(("principal", "approver", "guardian", "entrant", "rescuer"), crew, strict=True)
        ),
        "stranger": stranger,
        "space": space.json(),
    }


def application(site, **overrides):
    crew = site["crew"]
    people = {
        "approver": crew["approver"],
        "guardian": crew["guardian"],
        "entrants": [crew["entrant"]],
        "rescuers": [crew["rescuer"]],
    }
    return {**permit_body(site["space"]["id"], **people), **overrides}


def new_permit(site, state="draft"):
    company = site["company"]
    permit = company.post("/api/v1/permits", json=application(site))
    assert permit.status_code == 201, permit.text
    path = f"/api/v1/permits/{permit.json()['id']}"
    if state in ("submitted", "approved"):
        assert company.post(f"{path}/submit", json={}).status_code == 200
    if state == "approved":
        approved = company.post(f"{path}/approve", json={"approver": site["crew"]["principal"]})
        assert approved.status_code == 200, approved.text
    return path


def spaces(site):
    return read(site["company"], "/api/v1/confined-spaces?page_size=200")["items"]


def permits_of(site):
    return read(site["company"], f"/api/v1/permits?space_id={site['space']['id']}&page_size=200")


@pytest.mark.parametrize(
    "change,field",
    [
        ({"kind": "spaceship"}, "kind"),
        ({"hazards": ["h2s", "dragons"]}, "hazards"),
        ({"hazards": ["h2s", "h2s"]}, "hazards"),
        ({"isolation": "hope"}, "isolation"),
        ({"number": OPERATOR}, "number"),
        ({"uscc": OPERATOR}, "uscc"),
        ({"name": ""}, "name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_space_with_an_unknown_kind_hazard_or_an_operator_object_is_refused(site, change, field):
    before = spaces(site)
    reply = site["company"].post("/api/v1/confined-spaces", json=space_body(**change))
    assert_problem(reply, 422, "invalid_input", field)
    assert spaces(site) == before


def test_a_second_space_with_the_same_number_is_refused(site):
    before = spaces(site)
    reply = site["company"].post(
        "/api/v1/confined-spaces", json=space_body(number=site["space"]["number"])
    )
    assert_problem(reply, 409, "duplicate", "number")
    assert spaces(site) == before


def test_a_change_to_the_ledger_with_unknown_values_or_to_a_retired_space_is_refused(site):
    company = site["company"]
    path = f"/api/v1/confined-spaces/{site['space']['id']}"
    assert_problem(company.patch(path, json={"hazards": ["dragons"]}), 422, "invalid_input")
    assert_problem(company.patch(path, json={"status": "in_use"}), 422, "invalid_input", "status")
    assert_problem(company.patch(path, json={"name": OPERATOR}), 422, "invalid_input", "name")
    assert read(company, path)["hazards"] == site["space"]["hazards"]
    retired = company.post("/api/v1/confined-spaces", json=space_body())
    retired_path = f"/api/v1/confined-spaces/{retired.json()['id']}"
    assert company.patch(retired_path, json={"status": "retired"}).json()["status"] == "retired"
    assert_problem(company.patch(retired_path, json={"name": "新名称"}), 409, "conflict")
    assert_problem(company.patch(retired_path, json={"status": "retired"}), 409, "conflict")
    assert read(company, retired_path)["name"] == "污水处理池"


def test_a_sign_whose_photo_is_not_evidence_on_file_is_refused(site):
    company = site["company"]
    path = f"/api/v1/confined-spaces/{site['space']['id']}/signage"
    for photo in ("0" * 32, OPERATOR):
        assert_problem(company.post(path, json={"photo": photo}), 422, "invalid_input", "photo")
    assert read(company, path.removesuffix("/signage"))["signage"]["installed"] is False


@pytest.mark.parametrize(
    "change,field",
    [
        (
            {"window_end": (datetime.now(timezone.utc) - timedelta(hours=3)).isoformat()},
            "window_end",
        ),
        (
            {"window_end": (datetime.now(timezone.utc) + timedelta(hours=30)).isoformat()},
            "window_end",
        ),
        ({"window_start": "tomorrow"}, "window_start"),
        ({"window_start": "2026-01-01T08:00:00"}, "window_start"),
        ({"entrants": []}, "entrants"),
        ({"entrants": [OPERATOR]}, "entrants"),
        ({"space_id": OPERATOR}, "space_id"),
    ],
)
def test_a_window_that_ends_first_lasts_too_long_or_is_malformed_is_refused(site, change, field):
    before = permits_of(site)
    reply = site["company"].post("/api/v1/permits", json=application(site, **change))
    assert_problem(reply, 422, "invalid_input", field)
    assert permits_of(site) == before


def test_a_guardian_who_enters_or_a_person_not_employed_there_is_refused(site):
    crew, before = site["crew"], permits_of(site)
    company = site["company"]
    doubled = company.post(
        "/api/v1/permits", json=application(site, entrants=[crew["entrant"], crew["guardian"]])
    )
    assert_problem(doubled, 422, "invalid_input", "guardian")
    stranger = company.post(
        "/api/v1/permits", json=application(site, entrants=[crew["entrant"], site["stranger"]])
    )
    body = assert_problem(stranger, 422, "invalid_input", "entrants")
    assert site["stranger"] in str(body["errors"])
    assert permits_of(site) == before


def test_a_permit_for_a_retired_space_is_refused(site):
    company = site["company"]
    retired = company.post("/api/v1/confined-spaces", json=space_body()).json()
    company.patch(f"/api/v1/confined-spaces/{retired['id']}", json={"status": "retired"})
    reply = company.post("/api/v1/permits", json=application(site, space_id=retired["id"]))
    assert_problem(reply, 409, "conflict", "space_id")


def test_approval_without_the_principal_where_toxic_gas_may_be_present_is_refused(site):
    company = site["company"]
    path = new_permit(site, "submitted")
    # The applicant's own approver, not the principal, without a delegation: refused.
    assert_problem(company.post(f"{path}/approve", json={}), 403, "forbidden", "approver")
    # A delegation that is no document on file: refused.
    fake = {"delegation": "f" * 32}
    assert_problem(company.post(f"{path}/approve", json=fake), 422, "invalid_input", "delegation")
    # Someone not on the enterprise's staff: refused.
    outsider = {"approver": site["stranger"]}
    assert_problem(company.post(f"{path}/approve", json=outsider), 422, "invalid_input")
    assert read(company, path)["state"] == "submitted"
    # With the principal's written delegation on file, the approver may approve.
    letter = upload(company, b"%PDF-1.4\n%delegation\n", name="委托书.pdf", mime="application/pdf")
    assert letter.status_code == 201, letter.text
    approved = company.post(f"{path}/approve", json={"delegation": letter.json()["id"]})
    assert approved.status_code == 200, approved.text
    assert approved.json()["approval"]["as"] == "delegate"


def test_another_enterprise_naming_evidence_is_refused_for_who_it_is_first(site):
    """Authorization is decided before the evidence a change names is looked at."""
    path = new_permit(site, "submitted")
    other = site["other_company"]
    letter = upload(other, b"%PDF-1.4\n%delegation\n", name="委托书.pdf", mime="application/pdf")
    delegated = other.post(f"{path}/approve", json={"delegation": letter.json()["id"]})
    assert_problem(delegated, 403, "forbidden")
    signage = f"/api/v1/confined-spaces/{site['space']['id']}/signage"
    assert_problem(other.post(signage, json={"photo": letter.json()["id"]}), 403, "forbidden")
    assert read(site["company"], path)["state"] == "submitted"


def test_illegal_moves_are_conflicts_and_change_nothing(site):
    company = site["company"]
    path = new_permit(site)
    assert_problem(company.post(f"{path}/approve", json={}), 409, "conflict", "state")
    assert_problem(company.post(f"{path}/interrupt", json={"reason": "x"}), 409, "conflict")
    assert_problem(company.post(f"{path}/finish", json={}), 409, "conflict")
    assert company.post(f"{path}/submit", json={}).status_code == 200
    assert_problem(company.post(f"{path}/submit", json={}), 409, "conflict", "state")
    assert_problem(company.post(f"{path}/cancel", json={}), 422, "invalid_input", "reason")
    assert company.post(f"{path}/cancel", json={"reason": "改期"}).json()["state"] == "cancelled"
    assert_problem(company.post(f"{path}/cancel", json={"reason": "再次"}), 409, "conflict")
    assert read(company, path)["state"] == "cancelled"


@pytest.mark.parametrize(
    "reading,field",
    [
        ({"gas": "h2s", "value": 2, "unit": "furlongs"}, "unit"),
        ({"gas": "h2s", "value": 2, "unit": "%vol"}, "readings"),
        ({"gas": "unobtainium", "value": 2, "unit": "ppm"}, "readings"),
        ({"gas": "h2s", "value": -1, "unit": "ppm"}, "readings"),
        ({"gas": "o2", "value": 120, "unit": "%vol"}, "readings"),
        ({"gas": "h2s", "value": "lots", "unit": "ppm"}, "value"),
        ({"gas": OPERATOR, "value": 1, "unit": "ppm"}, "gas"),
    ],
)
def test_gas_readings_with_unknown_units_negative_values_or_over_100_percent_are_refused(
    site, reading, field
):
    company = site["company"]
    path = new_permit(site, "approved")
    assert company.post(f"{path}/steps", json={"step": "ventilation"}).status_code == 200
    body = gas_readings(readings=[{"gas": "o2", "value": 20.9, "unit": "%vol"}, reading])
    assert_problem(company.post(f"{path}/gas-tests", json=body), 422, "invalid_input", field)
    assert read(company, path)["gas_tests"] == []


def test_steps_out_of_order_are_refused(site):
    company = site["company"]
    path = new_permit(site, "approved")
    assert_problem(company.post(f"{path}/gas-tests", json=gas_readings()), 409, "conflict")
    assert_problem(company.post(f"{path}/steps", json={"step": "briefing"}), 409, "conflict")
    assert_problem(company.post(f"{path}/steps", json={"step": "entry"}), 422, "invalid_input")
    assert company.post(f"{path}/steps", json={"step": "ventilation"}).status_code == 200
    assert company.post(f"{path}/gas-tests", json=gas_readings()).status_code == 201
    assert company.post(f"{path}/steps", json={"step": "briefing"}).status_code == 200
    unchecked = {"step": "checklist", "items": [{"item": "救援器材到位", "checked": False}]}
    assert_problem(company.post(f"{path}/steps", json=unchecked), 422, "invalid_input", "items")
    assert [step["step"] for step in read(company, path)["steps"]] == [
        "ventilation",
        "gas_test",
        "briefing",
    ]


def test_a_forged_or_altered_code_is_refused_and_a_retired_space_is_denied(site):
    company = site["company"]
    token = site["space"]["scan_url"].split("token=")[1]
    scan = {
        "guardian": site["crew"]["guardian"],
        "entrants": [site["crew"]["entrant"]],
        "device_time": datetime.now(timezone.utc).isoformat(),
    }
    before = read(company, f"/api/v1/permit-scans?uscc={site['uscc']}&page_size=200")["items"]
    guessed = "0" * 32 + "." + "0" * 32
    swapped = ("1" if token[0] != "1" else "2") + token[1:]
    for forged in (guessed, swapped, token.upper(), token + "0", "", OPERATOR):
        reply = company.post("/api/v1/permits/scan", json={**scan, "token": forged})
        assert_problem(reply, 422, "invalid_input", "token")
    after = read(company, f"/api/v1/permit-scans?uscc={site['uscc']}&page_size=200")["items"]
    assert after == before
    retired = company.post("/api/v1/confined-spaces", json=space_body()).json()
    company.patch(f"/api/v1/confined-spaces/{retired['id']}", json={"status": "retired"})
    denied = company.post(
        "/api/v1/permits/scan", json={**scan, "token": retired["scan_url"].split("token=")[1]}
    )
    assert denied.status_code == 200, denied.text
    assert denied.json()["result"] == "deny"
    assert {"space_retired", "no_permit"} <= {reason["code"] for reason in denied.json()["reasons"]}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/confined-spaces?uscc[$gt]=",
        "/api/v1/permits?state[$ne]=draft",
        "/api/v1/permit-scans?result[$gt]=",
        "/api/v1/confined-space-staff?uscc[$gt]=",
        "/api/v1/permits?state=flying",
    ],
)
def test_operator_objects_and_unknown_values_in_queries_are_refused(site, path):
    assert_problem(site["company"].get(path), 422, "invalid_input")
