"""Bad input to projects, spot-check plans and standardization grades: a clear problem+json with
a stable code, and nothing written."""

import io
from datetime import date

import openpyxl
import pytest

from services.kit.pure.clock import Clock
from tests.support.api import assert_problem, company_user, read
from tests.support.factories import day, enterprise


@pytest.fixture(scope="module")
def smelter(sign_in):
    body = enterprise(industry="metallurgy", risk_features=["metal_smelting"])
    reply = sign_in("minle").post("/api/v1/enterprises", json=body)
    assert reply.status_code == 201, reply.text
    return body


def new_project(api, uscc, **overrides):
    body = {
        "uscc": uscc,
        "name": "铜冶炼改扩建项目",
        "kind": "extension",
        "metal_smelting": True,
        **overrides,
    }
    reply = api.post("/api/v1/projects", json=body)
    assert reply.status_code == 201, reply.text
    return reply.json()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"uscc": {"$gt": ""}}, "uscc"),
        ({"kind": "demolition"}, "kind"),
        ({"metal_smelting": "yes"}, "metal_smelting"),
        ({"planned": {"pre_evaluation": {"$gt": ""}}}, "pre_evaluation"),
        ({"planned": {"blasting": day(3)}}, "blasting"),
        ({"status": "accepted"}, "status"),
    ],
)
def test_a_malformed_project_is_refused(sign_in, smelter, body, field):
    minle = sign_in("minle")
    sent = {
        "uscc": smelter["uscc"],
        "name": "项目",
        "kind": "new",
        "metal_smelting": True,
        **body,
    }
    assert_problem(minle.post("/api/v1/projects", json=sent), 422, "invalid_input", field)


def test_stage_refusals_change_nothing(sign_in, smelter):
    minle = sign_in("minle")
    project = new_project(minle, smelter["uscc"])
    path = f"/api/v1/projects/{project['id']}/stages"
    assert_problem(
        minle.post(path, json={"stage": "construction", "on": day(-5)}), 409, "conflict", "stage"
    )
    assert_problem(
        minle.post(path, json={"stage": "pre_evaluation", "on": day(1)}), 422, "invalid_input", "on"
    )
    assert_problem(
        minle.post(path, json={"stage": "pre_evaluation", "on": {"$gt": ""}}), 422, "invalid_input"
    )
    assert read(minle, f"/api/v1/projects/{project['id']}")["stages"] == []

    for stage in (
        {"stage": "pre_evaluation", "on": day(-300)},
        {"stage": "design_review", "on": day(-290), "outcome": "approved"},
        {"stage": "construction", "on": day(-280)},
    ):
        assert minle.post(path, json=stage).status_code == 200
    assert_problem(
        minle.post(path, json={"stage": "trial_run", "on": day(-200), "ends_on": day(-180)}),
        422,
        "invalid_input",
        "ends_on",
    )
    assert_problem(
        minle.post(path, json={"stage": "trial_run", "on": day(-200), "ends_on": day(-19)}),
        422,
        "invalid_input",
        "ends_on",
    )
    assert len(read(minle, f"/api/v1/projects/{project['id']}")["stages"]) == 3


def test_a_design_review_without_decision_or_reasons_and_by_the_enterprise_is_refused(
    sign_in, users, smelter
):
    minle = sign_in("minle")
    project = new_project(minle, smelter["uscc"])
    path = f"/api/v1/projects/{project['id']}/stages"
    assert minle.post(path, json={"stage": "pre_evaluation", "on": day(-20)}).status_code == 200
    assert_problem(
        minle.post(path, json={"stage": "design_review", "on": day(-10), "outcome": "rejected"}),
        422,
        "invalid_input",
        "reasons",
    )
    company = company_user(sign_in, users, smelter)
    assert_problem(
        company.post(path, json={"stage": "design_review", "on": day(-10), "outcome": "approved"}),
        403,
    )
    assert len(read(minle, f"/api/v1/projects/{project['id']}")["stages"]) == 1


def test_a_sample_larger_than_the_population_and_a_spot_check_before_acceptance(sign_in, smelter):
    minle = sign_in("minle")
    year = Clock().today().year
    plans_before = read(minle, "/api/v1/project-spot-check-plans?region=620722&with_total=true")
    assert_problem(
        minle.post(
            "/api/v1/project-spot-check-plans",
            json={"region": "620722", "year": year, "sample_size": 10000},
        ),
        422,
        "invalid_input",
        "sample_size",
    )
    assert_problem(
        minle.post(
            "/api/v1/project-spot-check-plans",
            json={"region": "620702", "year": year, "sample_size": 1},
        ),
        403,
    )
    plans_after = read(minle, "/api/v1/project-spot-check-plans?region=620722&with_total=true")
    assert plans_after["total"] == plans_before["total"]

    project = new_project(minle, smelter["uscc"])
    assert_problem(
        minle.post(
            f"/api/v1/projects/{project['id']}/spot-checks",
            json={"checked_on": day(0), "conclusion": "x"},
        ),
        409,
        "conflict",
    )


def test_operator_objects_in_queries_are_refused(sign_in):
    minle = sign_in("minle")
    for query in ("uscc[$gt]=", "region[$ne]=1", "accepted=maybe"):
        assert_problem(minle.get(f"/api/v1/projects?{query}"), 422, "invalid_input")
    for path in ("projects", "standardization"):
        assert_problem(minle.get(f"/api/v1/indicators/{path}?region=6207&year=x"), 422)
        assert_problem(minle.get(f"/api/v1/indicators/{path}?region=6207&year=2026&x=1"), 422)


def test_grade_refusals_change_nothing(sign_in, smelter):
    minle = sign_in("minle")
    path = f"/api/v1/enterprises/{smelter['uscc']}/standardization"
    before = read(minle, path)
    assert_problem(
        minle.post(path, json={"grade": 2, "graded_on": day(-10), "expires_on": day(-11)}),
        422,
        "invalid_input",
        "expires_on",
    )
    assert_problem(minle.post(path, json={"grade": 4, "graded_on": day(-10)}), 422, field="grade")
    assert_problem(minle.post(path, json={"grade": 2, "graded_on": day(2)}), 422, field="graded_on")
    assert_problem(
        minle.post(path, json={"grade": 2, "graded_on": before["current"]["graded_on"]}),
        409,
        "conflict",
    )
    assert_problem(minle.post(path, json={"grade": {"$gt": 0}, "graded_on": day(-1)}), 422)
    assert read(minle, path) == before
    assert_problem(sign_in("ganzhou").post(path, json={"grade": 1, "graded_on": day(-1)}), 403)
    assert_problem(sign_in("ganzhou").get(path), 404)


def test_a_project_list_imports_its_good_rows_and_reports_each_bad_one(sign_in, smelter):
    minle = sign_in("minle")
    other_county = enterprise(region_code="620702")
    assert sign_in("ganzhou").post("/api/v1/enterprises", json=other_county).status_code == 201
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["统一社会信用代码", "项目名称", "项目类型", "金属冶炼项目", "计划安全预评价日期"])
    sheet.append([smelter["uscc"], "电解铝扩建项目", "扩建", "是", date.fromisoformat(day(30))])
    sheet.append([smelter["uscc"], "仓库改建项目", "拆除", "否", None])
    sheet.append([other_county["uscc"], "外县项目", "新建", "否", None])
    sheet.append([smelter["uscc"], "无计划项目", "新建", "是", "2026-02-30"])
    stream = io.BytesIO()
    workbook.save(stream)
    reply = minle.post("/api/v1/projects/import", files={"file": ("项目.xlsx", stream.getvalue())})
    assert reply.status_code == 200, reply.text
    report = reply.json()
    assert (report["created"], report["invalid"]) == (1, 3)
    rows = {line["row"]: line for line in report["rows"]}
    assert rows[2]["result"] == "created"
    assert "kind" in rows[3]["errors"]
    assert rows[4]["errors"] == {"_row": [f"you may not change enterprise {other_county['uscc']}"]}
    assert "pre_evaluation" in str(rows[5]["errors"])
    created = read(minle, f"/api/v1/projects/{rows[2]['id']}")
    assert created["planned"] == {"pre_evaluation": day(30)}
    listed = read(minle, f"/api/v1/projects?uscc={smelter['uscc']}&page_size=100")
    assert "仓库改建项目" not in [project["name"] for project in listed["items"]]
