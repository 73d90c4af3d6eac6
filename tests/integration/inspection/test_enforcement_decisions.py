"""Enforcement through the gateway: who decides, the penalty ranges, Art. 113's grounds and
overlapping suspension orders. Every refused write changes nothing."""

import pytest

from tests.support.api import assert_problem, inspected, read, register
from tests.support.factories import SECOND_OFFICER, day
from tests.support.waiting import wait_until

PLAN = {
    "targets": "消除除尘系统爆炸风险",
    "measures": "加装泄爆片和隔爆阀",
    "funds_yuan": 300000,
    "people": "设备科 5 人",
    "safety_measures": "停用该除尘系统",
    "emergency_measures": "配备灭火器材，制定处置方案",
}


def dust_item(api):
    catalogue = read(api, "/api/v1/hazard-catalogue")
    return next(
        item["id"] for item in catalogue["major_hazard_items"] if item["scope"] == "dust_explosion"
    )


def planned_major_hazards(sign_in, uscc, count):
    """`count` major hazards of one inspection, each with its plan approved."""
    minle = sign_in("minle")
    item = dust_item(minle)
    findings = [
        {"description": f"除尘系统{n}号未泄爆", "catalogue_item": item} for n in range(count)
    ]
    _, hazards = inspected(sign_in, uscc, findings)
    for hazard in hazards["major"]:
        reply = minle.post(f"/api/v1/hazards/{hazard}/plan", json={**PLAN, "deadline": day(30)})
        assert reply.status_code == 200, reply.text
    return hazards["major"]


def suspend(api, hazard):
    return api.post(
        f"/api/v1/hazards/{hazard}/actions", json={"action": "suspend", "reason": "重大事故隐患"}
    )


def registry_status(api, uscc):
    return api.get(f"/api/v1/enterprises/{uscc}").json()


@pytest.fixture(scope="module")
def firm(sign_in, users):
    body, company = register(sign_in, users)
    return {"uscc": body["uscc"], "name": body["name"], "company": company}


def open_case(api, firm, hazard_ids=()):
    reply = api.post(
        "/api/v1/enforcement-cases",
        json={
            "uscc": firm["uscc"],
            "hazard_ids": list(hazard_ids),
            "parties": [
                {"kind": "unit", "name": firm["name"]},
                {"kind": "person", "name": "王伟", "role": "principal"},
            ],
        },
    )
    assert reply.status_code == 201, reply.text
    return reply.json()


def penalty_lines(case, **unit_overrides):
    unit, principal = case["parties"]
    common = {
        "decision_number": "民应急罚〔2026〕7号",
        "decided_on": day(0),
        "order_to_correct": True,
    }
    return [
        {"party_id": unit["party_id"], "legal_basis": "《安全生产法》第一百零二条",
         "article": "safety_law.art102", "amount_yuan": 50000, **common, **unit_overrides},
        {"party_id": principal["party_id"], "legal_basis": "《安全生产法》第九十四条",
         "article": "safety_law.art94", "amount_yuan": 20000, **common},
    ]


def test_overlapping_suspension_orders_keep_the_enterprise_suspended_until_the_last_is_lifted(
    sign_in, users
):
    """Safety Law Art. 65: two orders for two major hazards; lifting one resumes nothing."""
    minle = sign_in("minle")
    body, _ = register(sign_in, users)
    uscc = body["uscc"]
    first, second = planned_major_hazards(sign_in, uscc, 2)
    for hazard in (first, second):
        assert suspend(minle, hazard).status_code == 200
    wait_until(
        lambda: len(registry_status(minle, uscc)["open_suspension_orders"]) == 2,
        message="the registry to hold both orders",
    )
    assert registry_status(minle, uscc)["status"] == "suspended"
    lifted = minle.post(f"/api/v1/hazards/{first}/suspension/lift", json={"reason": "复查合格"})
    assert lifted.status_code == 200, lifted.text
    wait_until(
        lambda: len(registry_status(minle, uscc)["open_suspension_orders"]) == 1,
        message="the registry to apply the first lifting",
    )
    assert registry_status(minle, uscc)["status"] == "suspended"
    lifted = minle.post(f"/api/v1/hazards/{second}/suspension/lift", json={"reason": "复查合格"})
    assert lifted.status_code == 200, lifted.text
    resumed = wait_until(
        lambda: (status := registry_status(minle, uscc))["status"] == "operating" and status,
        message="the registry to restore operating after the last order",
    )
    assert resumed["open_suspension_orders"] == []


def test_an_inspector_proposes_but_the_bureau_decides(sign_in, firm):
    """行政处罚法: a penalty, a suspension and an extension are the administrative organ's
    decisions; an inspector account gets 403 and nothing changes."""
    inspector, minle = sign_in("inspector-minle"), sign_in("minle")
    [hazard] = planned_major_hazards(sign_in, firm["uscc"], 1)
    path = f"/api/v1/hazards/{hazard}"
    before = read(minle, path)
    assert_problem(suspend(inspector, hazard), 403, "forbidden")
    assert_problem(
        inspector.put(path + "/extension", json={"approve": True, "reason": "理由充分"}),
        403,
        "forbidden",
    )
    assert read(minle, path) == before
    case = open_case(inspector, firm)
    case_path = f"/api/v1/enforcement-cases/{case['id']}"
    assert_problem(
        inspector.post(case_path + "/penalties", json={"lines": penalty_lines(case)}),
        403,
        "forbidden",
    )
    assert read(minle, case_path)["status"] == "open"
    decided = minle.post(case_path + "/penalties", json={"lines": penalty_lines(case)})
    assert decided.status_code == 200, decided.text
    assert decided.json()["lines"][0]["rule"] == {
        "id": "inspection.penalty.safety_law.art102",
        "version": 1,
    }


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"amount_yuan": 60000}, "amount_yuan", "Safety Law Art. 102: 0–50000 yuan for the unit"),
        ({"article": "confined_space.art19"}, "article", "cannot be applied"),
        ({"article": "safety_law.art999"}, "article", "unknown article"),
        ({"circumstance": "overdue"}, "circumstance", "has no overdue case"),
        ({"article": "Art. 102"}, "article", "a penalty rule id"),
    ],
    ids=["above the range", "unverified amounts", "unknown article", "no such case", "malformed"],
)
def test_a_line_outside_its_article_is_refused_with_the_range(
    sign_in, firm, overrides, field, message
):
    """Safety Law Art. 102 sets 五万元以下 for the unit: the range travels in the error."""
    minle = sign_in("minle")
    case = open_case(minle, firm)
    path = f"/api/v1/enforcement-cases/{case['id']}"
    before = read(minle, path)
    problem = assert_problem(
        minle.post(path + "/penalties", json={"lines": penalty_lines(case, **overrides)}),
        422,
        "invalid_input",
        field,
    )
    assert message in str(problem["errors"])
    assert read(minle, path) == before


def test_an_inspection_with_one_officer_is_refused_and_opens_nothing(sign_in, firm):
    """行政处罚法 Art. 42: on-site enforcement needs at least two officers."""
    inspector = sign_in("inspector-minle")

    def count():
        return read(inspector, f"/api/v1/inspections?uscc={firm['uscc']}&with_total=true")["total"]

    before = count()
    visit = {"uscc": firm["uscc"], "mode": "routine", "place": "车间", "content": "检查"}
    for officers in ([], ["inspector-minle"]):
        assert_problem(
            inspector.post("/api/v1/inspections", json={**visit, "inspectors": officers}),
            422,
            "invalid_input",
            "inspectors",
        )
    assert count() == before
    opened = inspector.post("/api/v1/inspections", json={**visit, "inspectors": [SECOND_OFFICER]})
    assert opened.status_code == 201, opened.text
    assert opened.json()["inspectors"] == sorted(["inspector-minle", SECOND_OFFICER])


def test_a_refused_suspension_order_is_an_art_113_closure_ground(sign_in, users):
    """Safety Law Art. 113(四): 拒不执行停产停业整顿决定; an inspector records the fact."""
    minle, inspector = sign_in("minle"), sign_in("inspector-minle")
    body, _ = register(sign_in, users)
    firm = {"uscc": body["uscc"], "name": body["name"]}
    [hazard] = planned_major_hazards(sign_in, firm["uscc"], 1)
    path = f"/api/v1/hazards/{hazard}"
    defiance = {"action": "record_defiance", "reason": "复查发现仍在生产"}
    before = read(minle, path)
    assert_problem(inspector.post(path + "/actions", json=defiance), 409, "conflict")
    assert read(minle, path) == before
    assert suspend(minle, hazard).status_code == 200
    suspended = read(minle, path)
    assert_problem(
        inspector.post(path + "/actions", json={"action": "record_defiance"}),
        422,
        "invalid_input",
        "reason",
    )
    assert read(minle, path) == suspended
    recorded = inspector.post(path + "/actions", json=defiance)
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["suspension_order"]["defied"]["reason"] == "复查发现仍在生产"
    case = open_case(minle, firm, [hazard])
    shown = read(minle, f"/api/v1/enforcement-cases/{case['id']}")
    assert shown["closure_flag"] is True
    [ground] = shown["closure_grounds"]
    assert ground["item"] == "（四）"
    assert ground["rule"] == {"id": "inspection.penalty.safety_law.art113_closure", "version": 2}
