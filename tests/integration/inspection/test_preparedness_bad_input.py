"""Risk points, registers, emergency plans and drills: every bad input gets a clear problem+json
answer with a stable code and changes nothing (issue 13, "Bad input")."""

import io

import openpyxl
import pytest

from tests.support.api import assert_problem, read, register, upload
from tests.support.factories import china_today, day, drill, emergency_plan, png, risk_point


@pytest.fixture(scope="module")
def site(sign_in, users):
    """An enterprise with its user, a complete red risk point, a drafted plan and a drill with a
    follow-up; and a neighbour's evidence."""
    body, company = register(sign_in, users)
    _, neighbour = register(sign_in, users)
    point = company.post("/api/v1/risk-points", json=risk_point())
    plan = company.post("/api/v1/emergency-plans", json=emergency_plan())
    held = company.post("/api/v1/drills", json=drill())
    own = upload(company, png(4))
    foreign = upload(neighbour, png(3))
    for reply in (point, plan, held, own, foreign):
        assert reply.status_code == 201, reply.text
    return {
        "uscc": body["uscc"],
        "company": company,
        "point": point.json(),
        "plan": plan.json(),
        "drill": held.json(),
        "evidence": own.json()["id"],
        "foreign_evidence": foreign.json()["id"],
    }


def points_of(site):
    return read(site["company"], f"/api/v1/risk-points?uscc={site['uscc']}")["items"]


@pytest.mark.parametrize(
    "overrides,code,field",
    [
        ({"measures": []}, "risk_point_without_measures", "measures"),
        ({"measures": ["  "]}, "risk_point_without_measures", "measures"),
        ({"hazard_types": ["meteor"]}, "invalid_input", "hazard_types"),
        ({"hazard_types": []}, "invalid_input", "hazard_types"),
        ({"assessment": {"method": "lec", "l": 3, "e": 6}}, "invalid_input", "assessment"),
        (
            {"assessment": {"method": "ls", "likelihood": 6, "severity": 1}},
            "invalid_input",
            "likelihood",
        ),
        ({"assessment": {"method": "guess"}}, "invalid_input", "method"),
        ({"control_level": "department"}, "invalid_input", "control_level"),
        ({"uscc": {"$gt": ""}}, "invalid_input", "uscc"),
        ({"name": {"$ne": None}}, "invalid_input", "name"),
        ({"level": "low"}, "invalid_input", "level"),
    ],
)
def test_bad_risk_points_are_refused_and_nothing_is_stored(site, overrides, code, field):
    before = points_of(site)
    reply = site["company"].post("/api/v1/risk-points", json=risk_point(**overrides))
    assert_problem(reply, 422, code, field)
    assert points_of(site) == before


def test_a_change_that_would_leave_a_red_point_without_measures_changes_nothing(site):
    path = f"/api/v1/risk-points/{site['point']['id']}"
    reply = site["company"].put(path, json=risk_point(measures=[]))
    assert_problem(reply, 422, "risk_point_without_measures", "measures")
    assert read(site["company"], path)["measures"] == site["point"]["measures"]


def test_operator_objects_in_list_queries_are_refused(site):
    for params in ({"uscc[$gt]": ""}, {"uscc": '{"$gt": ""}'}, {"level[$ne]": "low"}):
        assert_problem(site["company"].get("/api/v1/risk-points", params=params), 422)
    assert_problem(site["company"].get("/api/v1/drills", params={"half": "2026-H3"}), 422)


def test_a_register_review_dated_in_the_future_is_refused(site):
    path = f"/api/v1/enterprises/{site['uscc']}/risk-register"
    reply = site["company"].post(path, json={"reviewed_on": day(1)})
    assert_problem(reply, 422, "invalid_input", "reviewed_on")
    assert read(site["company"], path)["reviewed_on"] is None


def test_plan_steps_out_of_order_conflict_and_change_nothing(site):
    path = f"/api/v1/emergency-plans/{site['plan']['id']}"
    today = china_today().isoformat()
    assert_problem(
        site["company"].post(path + "/steps", json={"step": "assess", "on": today}),
        409,
        "conflict",
    )
    assert_problem(site["company"].post(path + "/steps", json={"step": "revise", "on": today}), 409)
    assert read(site["company"], path)["state"] == "drafted"


@pytest.mark.parametrize(
    "body,field",
    [
        ({"step": "review", "on": day(1)}, "on"),
        ({"step": "file", "on": day(0)}, "step"),
        ({"step": "review", "on": day(0), "documents": ["0" * 32]}, "evidence"),
        ({"step": "review", "on": day(0), "documents": [{"$gt": ""}]}, "documents"),
    ],
)
def test_bad_plan_steps_are_refused(site, body, field):
    path = f"/api/v1/emergency-plans/{site['plan']['id']}"
    assert_problem(site["company"].post(path + "/steps", json=body), 422, "invalid_input", field)
    stored = read(site["company"], path)
    assert (stored["state"], len(stored["history"])) == ("drafted", 1)


def test_a_plan_with_another_enterprises_documents_is_refused(site):
    reply = site["company"].post(
        "/api/v1/emergency-plans", json=emergency_plan(documents=[site["foreign_evidence"]])
    )
    assert_problem(reply, 422, "invalid_input", "documents")


def test_a_revision_without_a_known_reason_is_refused(site, sign_in):
    drafted = site["company"].post("/api/v1/emergency-plans", json=emergency_plan())
    path = f"/api/v1/emergency-plans/{drafted.json()['id']}"
    today = china_today().isoformat()
    for step in ("review", "assess"):
        assert site["company"].post(path + "/steps", json={"step": step, "on": today}).ok
    filed = sign_in("minle").post(path + "/filing", json={"number": "F-1", "filed_on": today})
    assert filed.status_code == 200, filed.text
    for reason in (None, "boredom"):
        body = {"step": "revise", "on": today, **({"reason": reason} if reason else {})}
        assert_problem(site["company"].post(path + "/steps", json=body), 422, field="reason")
    assert read(site["company"], path)["state"] == "filed"
    # Filing again before a revision is a conflict.
    assert_problem(
        sign_in("minle").post(path + "/filing", json={"number": "F-2", "filed_on": today}), 409
    )


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"held_on": day(1)}, "held_on"),
        ({"kind": "imaginary"}, "kind"),
        ({"participants": 0}, "participants"),
        ({"leader": {"name": "张", "role": "boss"}}, "role"),
        ({"follow_ups": [{"action": "整改", "deadline": day(-1)}]}, "follow_ups"),
        ({"plan_id": "0" * 32}, "plan_id"),
    ],
)
def test_bad_drills_are_refused_and_nothing_is_stored(site, overrides, field):
    before = read(site["company"], f"/api/v1/drills?uscc={site['uscc']}")["items"]
    reply = site["company"].post("/api/v1/drills", json=drill(**overrides))
    assert_problem(reply, 422, "invalid_input", field)
    assert read(site["company"], f"/api/v1/drills?uscc={site['uscc']}")["items"] == before


def test_a_follow_up_closes_only_with_the_enterprises_evidence(site):
    drill_record = site["drill"]
    path = (
        f"/api/v1/drills/{drill_record['id']}/follow-ups/"
        f"{drill_record['follow_ups'][0]['follow_up_id']}/closure"
    )
    today = china_today().isoformat()
    assert_problem(site["company"].post(path, json={"closed_on": today}), 422, field="evidence")
    assert_problem(
        site["company"].post(
            path, json={"closed_on": today, "evidence": [site["foreign_evidence"]]}
        ),
        422,
        field="evidence",
    )
    unknown = f"/api/v1/drills/{drill_record['id']}/follow-ups/{'0' * 32}/closure"
    assert_problem(
        site["company"].post(unknown, json={"closed_on": today, "evidence": [site["evidence"]]}),
        404,
        "not_found",
    )
    stored = read(site["company"], f"/api/v1/drills/{drill_record['id']}")
    assert stored["follow_ups"][0]["state"] == "open"


def test_a_risk_register_file_records_its_good_rows_and_reports_the_bad_ones(site):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(
        ["风险点名称", "类型", "事故类型", "评价方法", "L", "E", "C", "可能性", "严重性"]
        + ["管控措施", "责任人", "管控层级", "已完成评估"]
    )
    sheet.append(["配电室", "场所", "触电、火灾", "风险矩阵", None, None, None, 2, 4])
    sheet["J2"], sheet["K2"], sheet["L2"] = "持证上岗；绝缘用具定期检验", "王伟", "公司级"
    # Red (D = 10 × 6 × 40) without measures, and an unknown accident category.
    sheet.append(
        ["熔炼炉", "设备设施", "灼烫", "LEC", 10, 6, 40, None, None, None, "李强", "公司级"]
    )
    sheet.append(
        ["仓库", "场所", "陨石", "风险矩阵", None, None, None, 1, 1, "巡查", "赵敏", "班组级"]
    )
    stream = io.BytesIO()
    workbook.save(stream)
    before = len(points_of(site))
    reply = site["company"].post(
        "/api/v1/risk-points/import", files={"file": ("风险清单.xlsx", stream.getvalue())}
    )
    assert reply.status_code == 200, reply.text
    report = reply.json()
    assert (report["created"], report["invalid"]) == (1, 2)
    errors = {line["row"]: line["errors"] for line in report["rows"] if line["result"] == "invalid"}
    assert sorted(errors) == [3, 4]
    assert "measures" in errors[3] and "hazard_types" in errors[4]
    stored = points_of(site)
    assert len(stored) == before + 1
    imported = next(point for point in stored if point["name"] == "配电室")
    assert imported["hazard_types"] == ["electric_shock", "fire"]
    assert imported["measures"] == ["持证上岗", "绝缘用具定期检验"]
    assert (imported["level"], imported["control_level"]) == ("low", "company")


def test_a_file_that_is_not_a_risk_register_changes_nothing(site):
    before = len(points_of(site))
    reply = site["company"].post(
        "/api/v1/risk-points/import", files={"file": ("x.csv", b"foo,bar\n1,2\n")}
    )
    assert_problem(reply, 422, "invalid_input")
    assert len(points_of(site)) == before


def test_a_year_before_dual_prevention_was_in_force_counts_no_current_register(sign_in):
    answer = read(sign_in("minle"), "/api/v1/indicators/inspection?region=620722&year=2001")
    assert answer["dual_prevention"]["numerator"] == 0
