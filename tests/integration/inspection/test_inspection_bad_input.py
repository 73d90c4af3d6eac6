"""Inspections, hazards, evidence, accidents and penalties: every bad input gets a clear
problem+json answer and changes nothing.

Each refusal is followed by re-reading the record it aimed at, which must be exactly as before.
"""

import http.client
import json
import secrets
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest

from gateway.api.evidence import FORM_ALLOWANCE
from tests.support.api import assert_problem, inspected, open_visit, read, register, upload
from tests.support.factories import accident, china_today, day, general_finding, png

ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 505


@pytest.fixture(scope="module")
def site(sign_in, users):
    """One enterprise with its user, a completed inspection that found one general and one major
    hazard, and an open visit still taking findings."""
    body, company = register(sign_in, users)
    catalogue = read(sign_in("minle"), "/api/v1/hazard-catalogue")
    dust_item = next(
        item["id"] for item in catalogue["major_hazard_items"] if item["scope"] == "dust_explosion"
    )
    record, hazards = inspected(
        sign_in,
        body["uscc"],
        [
            general_finding(),
            {"description": "干式除尘系统未采取泄爆、惰化、抑爆措施", "catalogue_item": dust_item},
        ],
    )
    return {
        "uscc": body["uscc"],
        "name": body["name"],
        "company": company,
        "inspection": record["id"],
        "general": hazards["general"][0],
        "major": hazards["major"][0],
        "open_visit": open_visit(sign_in, body["uscc"])["id"],
    }


@pytest.fixture(scope="module")
def neighbour(sign_in, users):
    """Another enterprise of the same county, with evidence of its own."""
    body, company = register(sign_in, users)
    uploaded = upload(company, png(7))
    assert uploaded.status_code == 201, uploaded.text
    return {"uscc": body["uscc"], "company": company, "evidence": uploaded.json()["id"]}


def hazard_path(identifier):
    return f"/api/v1/hazards/{identifier}"


# --- illegal state transitions --------------------------------------------------------------


def test_verifying_a_general_hazard_that_was_never_submitted_is_a_conflict(site, sign_in):
    inspector = sign_in("inspector-minle")
    before = read(inspector, hazard_path(site["general"]))
    assert before["state"] == "rectifying"
    for decision in ({"decision": "verify"}, {"decision": "reject", "reason": "整改不到位"}):
        assert_problem(
            inspector.post(hazard_path(site["general"]) + "/verification", json=decision),
            409,
            "conflict",
        )
    assert read(inspector, hazard_path(site["general"])) == before


def test_submitting_a_rectification_twice_is_a_conflict(site, sign_in):
    _, hazards = inspected(sign_in, site["uscc"], [general_finding("安全警示标志缺失")])
    hazard = hazards["general"][0]
    company = site["company"]
    evidence = upload(company, png(11), hazard_id=hazard)
    assert evidence.status_code == 201, evidence.text
    rectification = {"evidence": [evidence.json()["id"]], "note": "已整改"}
    first = company.post(hazard_path(hazard) + "/rectification", json=rectification)
    assert first.status_code == 200, first.text
    before = read(company, hazard_path(hazard))
    assert before["state"] == "submitted"
    assert_problem(
        company.post(hazard_path(hazard) + "/rectification", json=rectification), 409, "conflict"
    )
    after = read(company, hazard_path(hazard))
    assert after == before and len(after["rectifications"]) == 1


def plan(deadline):
    return {
        "targets": "消除除尘系统爆炸风险",
        "measures": "加装泄爆片和隔爆阀",
        "funds_yuan": 300000,
        "people": "设备科 5 人",
        "deadline": deadline,
        "safety_measures": "停用该除尘系统",
        "emergency_measures": "配备灭火器材",
    }


def test_a_general_hazard_has_no_plan_to_approve(site, sign_in):
    minle = sign_in("minle")
    before = read(minle, hazard_path(site["general"]))
    assert_problem(
        minle.post(hazard_path(site["general"]) + "/plan", json=plan(day(30))), 409, "conflict"
    )
    after = read(minle, hazard_path(site["general"]))
    assert after == before and after["plan"] is None


def test_a_completed_inspection_takes_no_more_findings(site, sign_in):
    inspector = sign_in("inspector-minle")
    path = f"/api/v1/inspections/{site['inspection']}"
    before = read(inspector, path)
    assert before["state"] == "completed"
    assert_problem(
        inspector.post(path + "/findings", json=general_finding("消防通道堵塞")), 409, "conflict"
    )
    after = read(inspector, path)
    assert after == before and len(after["findings"]) == 2


def test_a_major_hazard_is_never_regraded(site, sign_in):
    minle = sign_in("minle")
    before = read(minle, hazard_path(site["major"]))
    assert_problem(
        minle.post(
            hazard_path(site["major"]) + "/actions",
            json={"action": "raise_to_major", "reason": "重新评估"},
        ),
        409,
        "conflict",
    )
    after = read(minle, hazard_path(site["major"]))
    assert after == before and after["grade"] == "major"


# --- deadlines in the past ------------------------------------------------------------------


def test_a_finding_due_yesterday_is_refused(site, sign_in):
    inspector = sign_in("inspector-minle")
    path = f"/api/v1/inspections/{site['open_visit']}"
    before = read(inspector, path)
    reply = inspector.post(
        path + "/findings", json={"description": "配电箱未接地", "deadline": day(-1)}
    )
    assert_problem(reply, 422, "invalid_input", "deadline")
    assert read(inspector, path) == before and before["findings"] == []


def test_an_extension_to_a_past_date_is_refused(site):
    company = site["company"]
    before = read(company, hazard_path(site["general"]))
    reply = company.post(
        hazard_path(site["general"]) + "/extension",
        json={"deadline": day(-1), "reason": "设备供货延迟"},
    )
    assert_problem(reply, 422, "invalid_input", "deadline")
    after = read(company, hazard_path(site["general"]))
    assert after == before and after["extensions"] == []


def test_a_plan_due_in_the_past_is_refused(site, sign_in):
    minle = sign_in("minle")
    before = read(minle, hazard_path(site["major"]))
    assert_problem(
        minle.post(hazard_path(site["major"]) + "/plan", json=plan(day(-1))),
        422,
        "invalid_input",
        "deadline",
    )
    after = read(minle, hazard_path(site["major"]))
    assert after == before and after["state"] == "reported" and after["plan"] is None


# --- rectification evidence -----------------------------------------------------------------


@pytest.mark.parametrize("evidence", ["none", "missing", "another enterprise's", "unknown"])
def test_a_rectification_needs_the_enterprise_s_own_evidence(site, neighbour, evidence):
    company = site["company"]
    bodies = {
        "none": {"evidence": [], "note": "已整改"},
        "missing": {"note": "已整改"},
        "another enterprise's": {"evidence": [neighbour["evidence"]], "note": "已整改"},
        "unknown": {"evidence": [uuid.uuid4().hex], "note": "已整改"},
    }
    before = read(company, hazard_path(site["general"]))
    assert_problem(
        company.post(hazard_path(site["general"]) + "/rectification", json=bodies[evidence]),
        422,
        "invalid_input",
        "evidence",
    )
    after = read(company, hazard_path(site["general"]))
    assert after == before and after["state"] == "rectifying" and after["rectifications"] == []


# --- evidence files -------------------------------------------------------------------------


def evidence_count(mongo, settings, uscc):
    return mongo[settings.database("inspection")].evidence.count_documents({"uscc": uscc})


class Reply:
    """An http.client answer with the parts `assert_problem` reads."""

    def __init__(self, response):
        self.status_code = response.status
        self.headers = response.headers
        self.text = response.read().decode()

    def json(self):
        return json.loads(self.text)


def declared_upload(platform, api, size):
    """A multipart upload announcing `size` bytes, of which only the first part is sent: the
    gateway must refuse it from the Content-Length alone, before the body streams."""
    boundary = "upload" + secrets.token_hex(8)
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="video.png"\r\nContent-Type: image/png\r\n\r\n'
    ).encode() + png(3)
    address = urlsplit(platform.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.putrequest("POST", "/api/v1/evidence")
        connection.putheader("Authorization", api.session.headers["Authorization"])
        connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        connection.putheader("Content-Length", str(size))
        connection.endheaders(head)
        return Reply(connection.getresponse())
    finally:
        connection.close()


@pytest.mark.parametrize(
    "name,content,mime",
    [
        ("整改照片.jpg", ELF, "image/jpeg"),
        ("整改照片.png", b"", "image/png"),
    ],
    ids=["executable renamed .jpg", "empty file"],
)
def test_evidence_that_is_not_a_photo_is_refused_and_not_recorded(
    site, mongo, settings, name, content, mime
):
    company = site["company"]
    before = read(company, hazard_path(site["general"]))
    stored = evidence_count(mongo, settings, site["uscc"])
    reply = upload(company, content, name, mime, hazard_id=site["general"])
    assert_problem(reply, 422, "invalid_input", "file")
    assert evidence_count(mongo, settings, site["uscc"]) == stored
    assert read(company, hazard_path(site["general"])) == before


def test_evidence_larger_than_its_route_limit_is_413_and_not_recorded(
    site, platform, mongo, settings
):
    company = site["company"]
    before = read(company, hazard_path(site["general"]))
    stored = evidence_count(mongo, settings, site["uscc"])
    reply = declared_upload(platform, company, settings.evidence_max_bytes + FORM_ALLOWANCE + 1)
    assert_problem(reply, 413, "too_large")
    assert evidence_count(mongo, settings, site["uscc"]) == stored
    assert read(company, hazard_path(site["general"])) == before


# --- accidents ------------------------------------------------------------------------------

ACCIDENT_CASES = {
    "negative deaths": ({"deaths": -1}, "deaths"),
    "negative missing": ({"missing": -2}, "missing"),
    "negative serious injuries": ({"serious_injuries": -1}, "serious_injuries"),
    "negative minor injuries": ({"minor_injuries": -3}, "minor_injuries"),
    "negative loss": ({"direct_loss_yuan": -500}, "direct_loss_yuan"),
    "unknown accident type": ({"accident_type": "volcano"}, "accident_type"),
    "occurs tomorrow": (
        {"occurred_at": (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()},
        "occurred_at",
    ),
}


@pytest.mark.parametrize("case", ACCIDENT_CASES)
def test_an_impossible_accident_report_is_refused_and_not_recorded(site, sign_in, case):
    minle = sign_in("minle")
    overrides, field = ACCIDENT_CASES[case]
    assert_problem(
        minle.post("/api/v1/accidents", json=accident(site["uscc"], **overrides)),
        422,
        "invalid_input",
        field,
    )
    listed = minle.get("/api/v1/accidents", params={"uscc": site["uscc"]}).json()
    assert listed["items"] == []


# --- penalties ------------------------------------------------------------------------------


def open_case(sign_in, site):
    reply = sign_in("minle").post(
        "/api/v1/enforcement-cases",
        json={
            "uscc": site["uscc"],
            "hazard_ids": [site["major"]],
            "parties": [
                {"kind": "unit", "name": site["name"]},
                {"kind": "person", "name": "王伟", "role": "principal"},
            ],
        },
    )
    assert reply.status_code == 201, reply.text
    return reply.json()


MISSING = object()


def lines_for(case, **overrides):
    """One line per party; an override of MISSING leaves that field out."""
    lines = []
    for party in case["parties"]:
        number = secrets.randbelow(9000) + 1000
        line = {
            "party_id": party["party_id"],
            "legal_basis": "《安全生产法》第一百零二条",
            # Art. 102 fines the unit; Art. 94 its principal, 20000–50000 yuan.
            "article": "safety_law.art102" if party["kind"] == "unit" else "safety_law.art94",
            "amount_yuan": 50000 if party["kind"] == "unit" else 20000,
            "decision_number": f"民应急罚〔{china_today().year}〕{number}号",
            "decided_on": china_today().isoformat(),
            "order_to_correct": True,
            **overrides,
        }
        lines.append({key: value for key, value in line.items() if value is not MISSING})
    return lines


def cases_of(api, uscc):
    return api.get("/api/v1/enforcement-cases", params={"uscc": uscc, "with_total": "true"}).json()[
        "total"
    ]


def test_a_case_against_two_units_is_refused_and_not_recorded(site, sign_in):
    minle = sign_in("minle")
    before = cases_of(minle, site["uscc"])
    reply = minle.post(
        "/api/v1/enforcement-cases",
        json={
            "uscc": site["uscc"],
            "hazard_ids": [site["major"]],
            "parties": [
                {"kind": "unit", "name": site["name"]},
                {"kind": "unit", "name": "另一家有限公司"},
            ],
        },
    )
    assert_problem(reply, 422, "invalid_input", "parties")
    assert cases_of(minle, site["uscc"]) == before


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"legal_basis": MISSING}, "legal_basis"),
        ({"legal_basis": "   "}, "legal_basis"),
        ({"amount_yuan": -1}, "amount_yuan"),
    ],
    ids=["missing legal basis", "blank legal basis", "negative amount"],
)
def test_a_penalty_line_needs_a_legal_basis_and_a_real_amount(site, sign_in, overrides, field):
    minle = sign_in("minle")
    case = open_case(sign_in, site)
    path = f"/api/v1/enforcement-cases/{case['id']}"
    before = read(minle, path)
    assert_problem(
        minle.post(path + "/penalties", json={"lines": lines_for(case, **overrides)}),
        422,
        "invalid_input",
        field,
    )
    after = read(minle, path)
    assert after == before and after["status"] == "open"


def test_deciding_a_decided_case_again_is_a_conflict(site, sign_in):
    minle = sign_in("minle")
    case = open_case(sign_in, site)
    path = f"/api/v1/enforcement-cases/{case['id']}"
    decided = minle.post(path + "/penalties", json={"lines": lines_for(case)})
    assert decided.status_code == 200, decided.text
    before = read(minle, path)
    assert before["status"] == "decided" and before["total_yuan"] == 70000
    assert_problem(
        minle.post(path + "/penalties", json={"lines": lines_for(case, amount_yuan=1)}),
        409,
        "conflict",
    )
    assert read(minle, path) == before


# --- other enterprises and other counties ---------------------------------------------------


def test_an_enterprise_cannot_see_or_rectify_another_enterprise_s_hazard(site, neighbour, sign_in):
    minle, stranger = sign_in("minle"), neighbour["company"]
    before = read(minle, hazard_path(site["general"]))
    reply = stranger.post(
        hazard_path(site["general"]) + "/rectification",
        json={"evidence": [neighbour["evidence"]], "note": "已整改"},
    )
    assert_problem(reply, 403, "forbidden")
    assert read(minle, hazard_path(site["general"])) == before
    listed = stranger.get("/api/v1/hazards", params={"uscc": site["uscc"]}).json()
    assert site["general"] not in [item["id"] for item in listed["items"]]
    assert_problem(stranger.get(f"/api/v1/inspections/{site['inspection']}"), 404, "not_found")
    assert_problem(stranger.get(hazard_path(site["general"])), 404, "not_found")


def test_another_county_cannot_read_a_record_outside_its_jurisdiction(site, sign_in):
    ganzhou = sign_in("ganzhou")
    assert_problem(ganzhou.get(f"/api/v1/inspections/{site['inspection']}"), 404, "not_found")
    assert_problem(ganzhou.get(f"/api/v1/inspections/{site['open_visit']}"), 404, "not_found")
    assert_problem(ganzhou.get(hazard_path(site["general"])), 404, "not_found")
    assert_problem(ganzhou.get(hazard_path(site["major"])), 404, "not_found")


def test_another_county_cannot_change_a_record_outside_its_jurisdiction(site, sign_in):
    ganzhou, minle = sign_in("ganzhou"), sign_in("minle")
    hazard_before = read(minle, hazard_path(site["general"]))
    visit = f"/api/v1/inspections/{site['open_visit']}"
    visit_before = read(minle, visit)
    assert_problem(
        ganzhou.post(hazard_path(site["general"]) + "/verification", json={"decision": "verify"}),
        403,
        "forbidden",
    )
    assert_problem(
        ganzhou.post(visit + "/findings", json=general_finding("消防通道堵塞")), 403, "forbidden"
    )
    assert read(minle, hazard_path(site["general"])) == hazard_before
    assert read(minle, visit) == visit_before


# --- operator objects and unknown fields ----------------------------------------------------


@pytest.mark.parametrize(
    "params,field",
    [
        ({"grade[$ne]": "x"}, "grade[$ne]"),
        ({"uscc[$gt]": ""}, "uscc[$gt]"),
        ({"state[$regex]": ".*"}, "state[$regex]"),
        ({"escalation_proposed": "perhaps"}, "escalation_proposed"),
    ],
)
def test_operator_filters_are_refused(sign_in, params, field):
    assert_problem(
        sign_in("minle").get("/api/v1/hazards", params=params), 422, "invalid_input", field
    )


def test_an_operator_in_an_inspection_body_is_refused_and_opens_nothing(sign_in):
    inspector = sign_in("inspector-minle")
    before = inspector.get("/api/v1/inspections", params={"with_total": "true"}).json()["total"]
    reply = inspector.post(
        "/api/v1/inspections",
        json={
            "uscc": {"$gt": ""},
            "mode": "routine",
            "place": "粉碎车间",
            "content": "日常安全检查",
        },
    )
    assert_problem(reply, 422, "invalid_input", "uscc")
    assert (
        inspector.get("/api/v1/inspections", params={"with_total": "true"}).json()["total"]
        == before
    )


def test_an_operator_in_a_rectification_body_is_refused(site):
    company = site["company"]
    before = read(company, hazard_path(site["general"]))
    reply = company.post(
        hazard_path(site["general"]) + "/rectification",
        json={"evidence": {"$ne": None}, "note": "已整改"},
    )
    assert_problem(reply, 422, "invalid_input", "evidence")
    assert read(company, hazard_path(site["general"])) == before


UNKNOWN_FIELDS = {
    "state in a finding": (
        "visit",
        "findings",
        "inspector-minle",
        {**general_finding("消防通道堵塞"), "state": "closed"},
        "state",
    ),
    "grade in a finding": (
        "visit",
        "findings",
        "inspector-minle",
        {**general_finding("消防通道堵塞"), "grade": "general"},
        "grade",
    ),
    "state in a rectification": (
        "general",
        "rectification",
        "company",
        {"evidence": [uuid.uuid4().hex], "state": "closed"},
        "state",
    ),
    "closed_at in a verification": (
        "general",
        "verification",
        "inspector-minle",
        {"decision": "verify", "closed_at": "2020-01-01T00:00:00Z"},
        "closed_at",
    ),
    "approved_by in a plan": (
        "major",
        "plan",
        "minle",
        {**plan(day(30)), "approved_by": "province"},
        "approved_by",
    ),
    "grade in an action": (
        "major",
        "actions",
        "minle",
        {"action": "start_rectification", "grade": "general"},
        "grade",
    ),
}


@pytest.mark.parametrize("case", UNKNOWN_FIELDS)
def test_unknown_fields_are_refused_and_change_nothing(site, sign_in, case):
    target, action, who, body, field = UNKNOWN_FIELDS[case]
    api = site["company"] if who == "company" else sign_in(who)
    path = (
        f"/api/v1/inspections/{site['open_visit']}"
        if target == "visit"
        else hazard_path(site[target])
    )
    before = read(sign_in("minle"), path)
    assert_problem(api.post(f"{path}/{action}", json=body), 422, "invalid_input", field)
    assert read(sign_in("minle"), path) == before


def test_an_unknown_hazard_is_404(sign_in):
    assert_problem(sign_in("minle").get(hazard_path(uuid.uuid4().hex)), 404, "not_found")
