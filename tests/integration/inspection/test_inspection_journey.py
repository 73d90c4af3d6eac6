"""The inspection journey through the gateway only, as a county regulator, an inspector and an
enterprise user, with an external AMQP client watching the penalty decision."""

import io
from datetime import timedelta

import pytest

from services.kit.pure.clock import Clock
from tests.support.api import register
from tests.support.events import EventTap
from tests.support.factories import SECOND_OFFICER, png
from tests.support.waiting import wait_until


@pytest.fixture
def dust_enterprise(sign_in, users):
    """A dust-explosion machinery works in 民乐县, known to inspection through registry events."""
    body, _ = register(sign_in, users, risk_features=["dust_explosion", "confined_space"])
    return body


def test_unannounced_inspection_to_penalty_suspension_and_indicators(
    sign_in, dust_enterprise, broker, platform
):
    uscc = dust_enterprise["uscc"]
    minle, inspector = sign_in("minle"), sign_in("inspector-minle")
    company = sign_in(uscc, "company-pass-1")
    before_county = minle.get(
        "/api/v1/indicators/inspection", params={"region": "620722", "year": Clock().today().year}
    ).json()
    before_city = (
        sign_in("zhangye")
        .get(
            "/api/v1/indicators/inspection",
            params={"region": "620700", "year": Clock().today().year},
        )
        .json()
    )
    penalties = EventTap(broker.amqp_uri, "anjian.events", "cn.anjian.inspection.penalty.#")

    # 四不两直: the visit is invisible to the enterprise until the record is completed.
    visit = inspector.post(
        "/api/v1/inspections",
        json={
            "uscc": uscc,
            "mode": "unannounced",
            "place": "粉碎车间及除尘系统",
            "content": "粉尘涉爆专项检查",
            "inspectors": [SECOND_OFFICER],
        },
    )
    assert visit.status_code == 201, visit.text
    visit = visit.json()
    assert any(
        item["scope"] == "dust_explosion" for item in visit["checklist"]["major_hazard_items"]
    )
    assert company.get(f"/api/v1/inspections/{visit['id']}").status_code == 404
    listed = company.get("/api/v1/inspections").json()
    assert visit["id"] not in [i["id"] for i in listed["items"]]

    catalogue = minle.get("/api/v1/hazard-catalogue").json()
    dust_item = next(
        i["id"] for i in catalogue["major_hazard_items"] if i["scope"] == "dust_explosion"
    )
    deadline = (Clock().today() + timedelta(days=1)).isoformat()
    findings = [
        {"description": "干式除尘系统未采取泄爆、惰化、抑爆措施", "catalogue_item": dust_item},
        {"description": "车间地面积尘未及时清理", "deadline": deadline},
        {"description": "安全警示标志缺失", "deadline": deadline},
    ]
    for finding in findings:
        reply = inspector.post(f"/api/v1/inspections/{visit['id']}/findings", json=finding)
        assert reply.status_code == 201, reply.text
    done = inspector.post(
        f"/api/v1/inspections/{visit['id']}/complete",
        json={"handling": "责令限期整改，重大隐患挂牌督办", "signature_refusal": "负责人拒绝签字"},
    )
    assert done.status_code == 200, done.text
    assert company.get(f"/api/v1/inspections/{visit['id']}").status_code == 200

    hazards = company.get("/api/v1/hazards", params={"uscc": uscc}).json()["items"]
    assert sorted(h["grade"] for h in hazards) == ["general", "general", "major"]
    general = [h for h in hazards if h["grade"] == "general"]
    major = next(h for h in hazards if h["grade"] == "major")

    # The enterprise photographs its fixes and submits both general hazards.
    for hazard in general:
        upload = company.post(
            "/api/v1/evidence",
            data={"hazard_id": hazard["id"]},
            files={"file": ("fix.png", io.BytesIO(png(len(hazard["id"]))), "image/png")},
        )
        assert upload.status_code == 201, upload.text
        submitted = company.post(
            f"/api/v1/hazards/{hazard['id']}/rectification",
            json={"evidence": [upload.json()["id"]], "note": "已整改"},
        )
        assert submitted.status_code == 200, submitted.text
        assert submitted.json()["state"] == "submitted"

    rejected = inspector.post(
        f"/api/v1/hazards/{general[0]['id']}/verification",
        json={"decision": "reject", "reason": "积尘仍未清理干净"},
    )
    assert rejected.json()["state"] == "rectifying", rejected.text
    verified = inspector.post(
        f"/api/v1/hazards/{general[1]['id']}/verification", json={"decision": "verify"}
    )
    assert verified.json()["state"] == "closed", verified.text

    # Two days on, the rejected one is overdue and the timer escalates it.
    platform.restart("inspection", clock_offset_seconds=2 * 86400)
    try:
        escalated = wait_until(
            lambda: (
                (h := minle.get(f"/api/v1/hazards/{general[0]['id']}").json())["escalations"] and h
            ),
            timeout=60,
            message="the overdue timer to escalate",
        )
    finally:
        platform.restart("inspection")
    assert escalated["overdue"] is True
    assert escalated["escalations"][0]["kind"] == "reminder"

    # One case, two parties: the unit and its principal (一案双罚).
    case = minle.post(
        "/api/v1/enforcement-cases",
        json={
            "uscc": uscc,
            "hazard_ids": [major["id"]],
            "parties": [
                {"kind": "unit", "name": dust_enterprise["name"]},
                {"kind": "person", "name": "王伟", "role": "principal"},
            ],
        },
    )
    assert case.status_code == 201, case.text
    case = case.json()
    lines = [
        {
            "party_id": party["party_id"],
            "legal_basis": "《安全生产法》第一百零二条"
            if party["kind"] == "unit"
            else "《安全生产法》第九十四条",
            # Art. 102 fines the unit; Art. 94 its principal, 20000–50000 yuan.
            "article": "safety_law.art102" if party["kind"] == "unit" else "safety_law.art94",
            "amount_yuan": 50000 if party["kind"] == "unit" else 20000,
            "decision_number": f"民应急罚〔2026〕{index + 1}号",
            "decided_on": Clock().today().isoformat(),
            "order_to_correct": True,
        }
        for index, party in enumerate(case["parties"])
    ]
    decided = minle.post(f"/api/v1/enforcement-cases/{case['id']}/penalties", json={"lines": lines})
    assert decided.status_code == 200, decided.text
    seen = penalties.wait_for(lambda e: e["data"]["case_id"] == case["id"])
    assert seen["type"] == "cn.anjian.inspection.penalty.decided.v1"
    assert seen["data"]["total_yuan"] == 70000
    assert seen["data"]["authority"] == "620722"
    assert {p["kind"] for p in seen["data"]["parties"]} == {"unit", "person"}

    # The major hazard: plan approved, then a suspension order the registry applies.
    plan = minle.post(
        f"/api/v1/hazards/{major['id']}/plan",
        json={
            "targets": "消除除尘系统爆炸风险",
            "measures": "加装泄爆片和隔爆阀",
            "funds_yuan": 300000,
            "people": "设备科 5 人",
            "deadline": (Clock().today() + timedelta(days=30)).isoformat(),
            "safety_measures": "停用该除尘系统",
            "emergency_measures": "配备灭火器材，制定处置方案",
        },
    )
    assert plan.status_code == 200, plan.text
    suspended = minle.post(
        f"/api/v1/hazards/{major['id']}/actions",
        json={"action": "suspend", "reason": "重大事故隐患，责令停产整顿"},
    )
    assert suspended.status_code == 200, suspended.text
    wait_until(
        lambda: minle.get(f"/api/v1/enterprises/{uscc}").json()["status"] == "suspended",
        message="the registry to apply the suspension order",
    )

    def counted(region, key, path):
        return lambda: (
            _dig(
                minle.get(
                    "/api/v1/indicators/inspection",
                    params={"region": region, "year": Clock().today().year},
                ).json(),
                path,
            )
            == key
        )

    county = before_county
    wait_until(
        counted("620722", _dig(county, "hazards.major.found") + 1, "hazards.major.found"),
        message="major hazards found to be counted",
    )
    wait_until(
        counted("620722", _dig(county, "hazards.general.closed") + 1, "hazards.general.closed"),
        message="closures to be counted",
    )
    wait_until(
        counted("620722", _dig(county, "penalties.total_yuan") + 70000, "penalties.total_yuan"),
        message="penalties to be counted",
    )
    after = minle.get(
        "/api/v1/indicators/inspection", params={"region": "620722", "year": Clock().today().year}
    ).json()
    assert after["hazards"]["general"]["found"] == county["hazards"]["general"]["found"] + 2
    assert after["hazards"]["general"]["overdue"] >= county["hazards"]["general"]["overdue"] + 1
    assert after["enforcement_actions"].get("reminder", 0) >= 1
    assert after["penalties"]["count"] == county["penalties"]["count"] + 1
    city = (
        sign_in("zhangye")
        .get(
            "/api/v1/indicators/inspection",
            params={"region": "620700", "year": Clock().today().year},
        )
        .json()
    )
    assert city["penalties"]["total_yuan"] == before_city["penalties"]["total_yuan"] + 70000
    assert city["hazards"]["major"]["found"] == before_city["hazards"]["major"]["found"] + 1
    penalties.close()


def _dig(document, path):
    for key in path.split("."):
        document = document.get(key, 0) if isinstance(document, dict) else 0
    return document
