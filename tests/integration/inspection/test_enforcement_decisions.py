"""Enforcement through the gateway: who decides, the penalty ranges, Art. 113's grounds and
overlapping suspension orders. Every refused write changes nothing."""

import pytest

from tests.integration.inspection.test_rules_deployment import write_rules
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

    def registry_holds(orders):
        return wait_until(
            lambda: len((status := registry_status(minle, uscc))["open_suspension_orders"])
            == orders
            and status,
            message=f"the registry to hold {orders} open orders",
        )

    for hazard in (first, second):
        assert suspend(minle, hazard).status_code == 200
    assert registry_holds(2)["status"] == "suspended"
    for hazard, status in ((first, "suspended"), (second, "operating")):
        lifted = minle.post(
            f"/api/v1/hazards/{hazard}/suspension/lift", json={"reason": "复查合格"}
        )
        assert lifted.status_code == 200, lifted.text
        resumed = registry_holds(1 if hazard == first else 0)
        assert resumed["status"] == status
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
        ({"correction_ordered_on": day(1)}, "correction_ordered_on", "the order to correct"),
    ],
    ids=["above the range", "unverified amounts", "unknown article", "no such case", "malformed",
         "order to correct after the decision"],
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


def test_the_timer_proposes_the_next_rung_and_a_regulator_decides_it(sign_in, users, platform):
    """The county plan's ladder: the reminder (提醒) goes out by itself; 督办 is proposed on the
    hazard and only a regulator takes it."""
    minle, inspector = sign_in("minle"), sign_in("inspector-minle")
    body, _ = register(sign_in, users)
    _, hazards = inspected(sign_in, body["uscc"], [{"description": "积尘", "deadline": day(1)}])
    path = f"/api/v1/hazards/{hazards['general'][0]}"
    try:
        platform.restart("inspection", clock_offset_seconds=2 * 86400)
        wait_until(lambda: read(minle, path)["escalations"], timeout=60,
                   message="the overdue timer to send the reminder")
        # A week after the reminder, the next rung is due.
        platform.restart("inspection", clock_offset_seconds=9 * 86400)
        proposed = wait_until(lambda: read(minle, path)["escalation_proposal"], timeout=60,
                              message="the timer to propose the next rung")
        assert (proposed["kind"], proposed["label"]) == ("supervision_order", "督办")
        waiting = minle.get("/api/v1/hazards", params={"uscc": body["uscc"],
                                                       "escalation_proposed": "true"}).json()
        assert [hazard["id"] for hazard in waiting["items"]] == [hazards["general"][0]]
        assert proposed["rule"] == {"id": "inspection.escalation.ladder", "version": 1}
        before = read(minle, path)
        assert [action["kind"] for action in before["escalations"]] == ["reminder"]
        decision = {"kind": "supervision_order", "approve": True, "reason": "逾期未整改",
                    "document_number": "民应急督〔2026〕5号"}
        assert_problem(inspector.post(path + "/escalation", json=decision), 403, "forbidden")
        assert_problem(minle.post(path + "/escalation", json={**decision, "kind": "interview"}),
                       409, "conflict")
        assert_problem(minle.post(path + "/escalation", json={**decision, "reason": ""}),
                       422, "invalid_input", "reason")
        assert read(minle, path) == before
        taken = minle.post(path + "/escalation", json=decision)
        assert taken.status_code == 200, taken.text
    finally:
        platform.restart("inspection")
    taken = taken.json()
    assert [action["kind"] for action in taken["escalations"]] == ["reminder", "supervision_order"]
    assert taken["escalation_proposal"] is None
    assert taken["escalations"][-1]["taken_by"] == "minle"


def test_art_112_daily_fines_are_proposed_and_the_bureau_decides(sign_in, firm):
    """Safety Law Art. 112 "可以": the unit's daily fine is a proposal until a regulator decides;
    the principal's line is never multiplied."""
    minle, inspector = sign_in("minle"), sign_in("inspector-minle")
    case = open_case(minle, firm)
    path = f"/api/v1/enforcement-cases/{case['id']}"
    lines = penalty_lines(case, amount_yuan=10000, decided_on=day(-10))
    lines[1]["decided_on"] = day(-10)
    assert minle.post(path + "/penalties", json={"lines": lines}).status_code == 200
    unit, principal = (party["party_id"] for party in case["parties"])
    for party in (unit, principal):
        refused = inspector.post(
            path + "/compliance", json={"party_id": party, "status": "refused", "on": day(-10)}
        )
        assert refused.status_code == 200, refused.text
    [proposal] = refused.json()["continuous_daily_fines"]
    assert (proposal["party_id"], proposal["status"], proposal["days"]) == (unit, "proposed", 10)
    assert proposal["amount_yuan"] == 100000
    assert proposal["rule"] == {"id": "inspection.penalty.safety_law.art112", "version": 1}
    before = read(minle, path)
    decision = {"party_id": unit, "impose": True, "reason": "拒不改正",
                "decision_number": "民应急罚〔2026〕8号"}
    assert_problem(inspector.post(path + "/daily-fines", json=decision), 403, "forbidden")
    assert_problem(
        minle.post(path + "/daily-fines", json={**decision, "decision_number": None}),
        422,
        "invalid_input",
        "decision_number",
    )
    assert_problem(
        minle.post(path + "/daily-fines", json={**decision, "party_id": principal}),
        409,
        "conflict",
    )
    assert read(minle, path) == before
    imposed = minle.post(path + "/daily-fines", json=decision)
    assert imposed.status_code == 200, imposed.text
    assert imposed.json()["continuous_daily_fines"] == []
    assert imposed.json()["daily_fine_decisions"][0]["amount_yuan"] == 100000


def test_closure_is_decided_by_the_bureau_and_bans_the_principal(sign_in, users):
    """Safety Law Art. 113: 提请关闭 on a ground it lists; the principal is barred for five
    years."""
    minle, inspector = sign_in("minle"), sign_in("inspector-minle")
    body, _ = register(sign_in, users)
    firm = {"uscc": body["uscc"], "name": body["name"]}
    case = open_case(minle, firm)
    path = f"/api/v1/enforcement-cases/{case['id']}"
    decision = {"decision_number": "民应急关〔2026〕1号", "reason": "拒不执行停产整顿决定"}
    assert_problem(minle.post(path + "/closure", json=decision), 409, "conflict")
    [hazard] = planned_major_hazards(sign_in, firm["uscc"], 1)
    assert suspend(minle, hazard).status_code == 200
    defied = inspector.post(
        f"/api/v1/hazards/{hazard}/actions",
        json={"action": "record_defiance", "reason": "复查发现仍在生产"},
    )
    assert defied.status_code == 200, defied.text
    before = read(minle, path)
    assert_problem(inspector.post(path + "/closure", json=decision), 403, "forbidden")
    assert_problem(
        minle.post(path + "/closure", json={"reason": decision["reason"]}),
        422,
        "invalid_input",
        "decision_number",
    )
    assert read(minle, path) == before
    closed = minle.post(path + "/closure", json=decision)
    assert closed.status_code == 200, closed.text
    principal = closed.json()["parties"][1]
    assert principal["bans"][0]["years"] == 5 and principal["bans"][0]["from"] == day(0)
    assert closed.json()["closure_decision"]["grounds"] == ["（四）"]


SHORTER_INTERVAL = """
overrides:
  - id: inspection.escalation.interval_days
    version: 2
    value: 3
    source: {document: 民乐县应急管理局关于逾期隐患督促的规定}
    effective_from: 2024-01-01
    checked_against: official
"""


def test_a_deployment_s_interval_of_three_days_brings_the_proposal_forward(
    sign_in, users, platform, tmp_path
):
    """The interval between rungs is local policy: a county's 3 days apply without a code
    change, named on the proposal as the rule's version 2."""
    minle = sign_in("minle")
    body, _ = register(sign_in, users)
    _, hazards = inspected(sign_in, body["uscc"], [{"description": "积尘", "deadline": day(1)}])
    path = f"/api/v1/hazards/{hazards['general'][0]}"
    rules_dir = write_rules(tmp_path, SHORTER_INTERVAL)
    try:
        platform.restart("inspection", rules_dir=rules_dir, clock_offset_seconds=2 * 86400)
        wait_until(lambda: read(minle, path)["escalations"], timeout=60,
                   message="the overdue timer to send the reminder")
        # Three days after the reminder: a week has not passed, the county's interval has.
        platform.restart("inspection", rules_dir=rules_dir, clock_offset_seconds=5 * 86400)
        proposed = wait_until(lambda: read(minle, path)["escalation_proposal"], timeout=60,
                              message="the timer to propose the next rung")
    finally:
        platform.restart("inspection")
    assert proposed["kind"] == "supervision_order"
    assert proposed["interval_rule"] == {"id": "inspection.escalation.interval_days",
                                         "version": 2}
