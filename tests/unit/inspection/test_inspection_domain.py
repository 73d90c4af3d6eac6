"""Inspections and the hazard closed loops, without servers."""
from datetime import date, timedelta

import pytest

from services.inspection import domain
from services.kit.pure.actor import Actor
from services.kit.pure.errors import Conflict, Forbidden, InvalidInput
from tests.unit.inspection.support import (
    CATALOGUE,
    ENTERPRISE,
    INSPECTOR,
    NOW,
    TODAY,
    USCC,
    completed_with,
    visit,
)

MINLE = Actor("minle", "regulator", "620722")
GANZHOU = Actor("ganzhou", "regulator", "620702")
COMPANY = Actor(USCC, "enterprise", "620722", USCC)
OTHER_COMPANY = Actor("x", "enterprise", "620722", "91620722MA01XYW1QX")
DUST_ITEM = next(item.id for item in CATALOGUE.items if item.scope == "dust_explosion")


def general_hazard():
    _, _, [hazard] = completed_with({"description": "积尘", "deadline": TODAY})
    return hazard


def major_hazard():
    _, _, [hazard] = completed_with({"description": "未泄爆", "catalogue_item": DUST_ITEM})
    return hazard


def evidence(uscc=USCC, role="enterprise"):
    return {"_id": "e" * 32, "uscc": uscc, "uploaded_by_role": role}


def test_unannounced_visit_is_hidden_from_the_enterprise_until_completed():
    inspection = visit()
    assert not domain.inspection_visible(inspection, COMPANY)
    assert domain.inspection_visible(inspection, MINLE)
    assert not domain.inspection_visible(inspection, GANZHOU)
    completed, events, _ = domain.complete_inspection(
        inspection, {"handling": "无", "signature_refusal": "拒绝签字"}, INSPECTOR, NOW)
    assert domain.inspection_visible(completed, COMPANY)
    assert completed["signature_refusal"]["reason"] == "拒绝签字"
    assert [e["type"] for e in events] == ["cn.anjian.inspection.inspection.completed.v1"]


def test_modes_need_what_they_name():
    with pytest.raises(InvalidInput):
        visit("special_campaign")
    assert visit("special_campaign", theme="dust_explosion")["theme"] == "dust_explosion"
    with pytest.raises(InvalidInput):
        visit("project_spot_check")
    with pytest.raises(InvalidInput):
        visit("re_check")


def test_a_neighbouring_county_or_the_enterprise_cannot_inspect():
    for actor in (GANZHOU, COMPANY):
        with pytest.raises(Forbidden):
            domain.open_inspection({"mode": "routine", "place": "p", "content": "c"},
                                   ENTERPRISE, None, actor, NOW, TODAY)


def test_completed_record_is_immutable_and_signature_or_refusal_is_required():
    inspection = visit()
    with pytest.raises(InvalidInput):
        domain.complete_inspection(inspection, {"handling": "x"}, INSPECTOR, NOW)
    completed, _, _ = domain.complete_inspection(inspection, {"handling": "x", "signature": "王"},
                                                 INSPECTOR, NOW)
    with pytest.raises(Conflict):
        domain.add_finding(completed, {"description": "晚了", "deadline": TODAY}, CATALOGUE,
                           INSPECTOR, NOW, TODAY)
    domain.correction_of(completed, INSPECTOR)
    with pytest.raises(Conflict):
        domain.correction_of(inspection, INSPECTOR)


def test_grades_follow_the_catalogue_and_art_14():
    _, _, hazards = completed_with(
        {"description": "未泄爆", "catalogue_item": DUST_ITEM},
        {"description": "报警装置失效", "failed_device": True},
        {"description": "积尘", "deadline": TODAY},
        {"description": "严重积尘", "raise_to_major": True, "raise_reason": "积尘厚度超标"})
    assert [h["grade"] for h in hazards] == ["major", "major", "general", "major"]
    assert [h["state"] for h in hazards] == ["reported", "reported", "rectifying", "reported"]
    assert all(h["outbox"][0]["type"] == "cn.anjian.inspection.hazard.reported.v1"
               for h in hazards)


def test_general_finding_needs_a_deadline_not_in_the_past():
    inspection = visit()
    for finding in ({"description": "积尘"},
                    {"description": "积尘", "deadline": TODAY - timedelta(days=1)},
                    {"description": "x", "catalogue_item": "MEM10-99-9"}):
        with pytest.raises(InvalidInput):
            domain.add_finding(inspection, finding, CATALOGUE, INSPECTOR, NOW, TODAY)


def test_general_loop_rectify_reject_rectify_verify():
    hazard = general_hazard()
    with pytest.raises(InvalidInput):
        domain.submit_rectification(hazard, [], "done", COMPANY, NOW)
    with pytest.raises(InvalidInput):
        domain.submit_rectification(hazard, [evidence(uscc="91620722MA01XYW1QX")], "",
                                    COMPANY, NOW)
    with pytest.raises(Forbidden):
        domain.submit_rectification(hazard, [evidence()], "", OTHER_COMPANY, NOW)
    submitted, events = domain.submit_rectification(hazard, [evidence()], "已整改", COMPANY, NOW)
    assert submitted["state"] == "submitted"
    assert events[0]["type"].endswith("hazard.rectification_submitted.v1")
    with pytest.raises(InvalidInput):
        domain.transition(submitted, "reject", INSPECTOR, NOW)
    rejected, _ = domain.transition(submitted, "reject", INSPECTOR, NOW, "未清理干净")
    assert rejected["state"] == "rectifying"
    with pytest.raises(Conflict):
        domain.transition(rejected, "verify", INSPECTOR, NOW)
    again, _ = domain.submit_rectification(rejected, [evidence()], "再次整改", COMPANY, NOW)
    closed, events = domain.transition(again, "verify", INSPECTOR, NOW)
    assert closed["state"] == "closed" and closed["closed_at"] == NOW
    assert [e["type"].split(".")[-2] for e in events] == ["verified", "closed"]
    assert [t["action"] for t in closed["transitions"]] == [
        "report", "submit_rectification", "reject", "submit_rectification", "verify"]


def test_major_loop_with_suspension_and_review():
    hazard = major_hazard()
    with pytest.raises(Forbidden):
        domain.approve_plan(hazard, plan(), INSPECTOR, NOW, TODAY)
    approved, _ = domain.approve_plan(hazard, plan(), MINLE, NOW, TODAY)
    assert approved["deadline"] == (TODAY + timedelta(days=30)).isoformat()
    suspended, events = domain.suspend(approved, "重大隐患停产整顿", MINLE, NOW)
    order = events[-1]
    assert order["type"] == "cn.anjian.inspection.suspension.ordered.v1"
    assert set(order["data"]) == {"order_id", "uscc", "reason", "ordered_on"}
    rectifying, _ = domain.transition(suspended, "start_rectification", COMPANY, NOW)
    assessed, _ = domain.submit_rectification(rectifying, [evidence()], "整改完成", COMPANY, NOW)
    assert assessed["state"] == "assessed"
    applied, _ = domain.transition(assessed, "apply_resume", COMPANY, NOW)
    closed, events = domain.verify_or_reject(applied, "verify", None, MINLE, NOW)
    assert closed["state"] == "closed"
    assert [e["type"].split(".")[-3:-1] for e in events] == [
        ["hazard", "verified"], ["hazard", "closed"], ["suspension", "lifted"]]


def plan():
    return {"targets": "t", "measures": "m", "funds_yuan": 1, "people": "p",
            "deadline": TODAY + timedelta(days=30), "safety_measures": "s",
            "emergency_measures": "e"}


def test_a_major_hazard_is_never_lowered_and_a_general_one_is_raised_with_reason():
    with pytest.raises(Conflict):
        domain.raise_grade(major_hazard(), "降级", INSPECTOR, NOW)
    with pytest.raises(InvalidInput):
        domain.raise_grade(general_hazard(), None, INSPECTOR, NOW)
    raised, events = domain.raise_grade(general_hazard(), "涉及粉尘爆炸", INSPECTOR, NOW)
    assert raised["grade"] == "major" and raised["state"] == "reported"
    assert events[0]["type"].endswith("hazard.regraded.v1")


def test_extension_requested_by_the_enterprise_and_decided_by_the_bureau():
    hazard = general_hazard()
    later = TODAY + timedelta(days=10)
    with pytest.raises(Forbidden):
        domain.request_extension(hazard, later, "材料未到", INSPECTOR, NOW, TODAY)
    with pytest.raises(InvalidInput):
        domain.request_extension(hazard, TODAY - timedelta(days=1), "x", COMPANY, NOW, TODAY)
    asked, _ = domain.request_extension(hazard, later, "材料未到", COMPANY, NOW, TODAY)
    with pytest.raises(Conflict):
        domain.request_extension(asked, later, "再次", COMPANY, NOW, TODAY)
    decided, _ = domain.decide_extension(asked, True, "同意延期", MINLE, NOW)
    assert decided["deadline"] == later.isoformat()
    with pytest.raises(Conflict):
        domain.decide_extension(decided, False, "重复", MINLE, NOW)


def test_overdue_is_flagged_once_and_escalation_climbs_the_ladder():
    hazard = general_hazard()
    assert domain.mark_overdue(hazard, NOW, TODAY) is None
    marked, events = domain.mark_overdue(hazard, NOW, TODAY + timedelta(days=1))
    assert marked["overdue"] and events[0]["type"].endswith("hazard.overdue.v1")
    assert domain.mark_overdue(marked, NOW, TODAY + timedelta(days=2)) is None
    escalated, events = domain.escalate(marked, "reminder", MINLE, NOW)
    assert [a["kind"] for a in escalated["escalations"]] == ["reminder"]
    assert events[0]["type"] == "cn.anjian.inspection.enforcement.action_taken.v1"


def test_annual_plan_ranks_by_risk_and_samples_reproducibly():
    enterprises = [{**ENTERPRISE, "uscc": f"E{i:02d}", "name": f"企业{i}",
                    "risk_features": ["dust_explosion"] * (i % 3)} for i in range(20)]
    first = domain.annual_plan(enterprises, {"E05": 2}, {"E07"}, 2026, 5, seed=42)
    again = domain.annual_plan(enterprises, {"E05": 2}, {"E07"}, 2026, 5, seed=42)
    assert first["sample"] == again["sample"] and len(first["sample"]) == 5
    assert [p["uscc"] for p in first["priorities"][:2]] == ["E05", "E07"]
    assert domain.annual_plan(enterprises, {}, set(), 2026, 5, seed=43)["sample"] != \
        first["sample"]


def test_self_inspections_and_monthly_coverage():
    report = domain.report_self_inspection(
        {"performed_on": TODAY, "led_by_principal": True, "content": "月度检查"}, ENTERPRISE,
        COMPANY, NOW, TODAY)
    assert report["month"] == "2026-11"
    with pytest.raises(InvalidInput):
        domain.report_self_inspection({"performed_on": TODAY + timedelta(days=1),
                                       "led_by_principal": False, "content": "x"}, ENTERPRISE,
                                      COMPANY, NOW, TODAY)
    months = domain.monthly_coverage([report], 2026)
    assert months["2026-11"] == {"reports": 1, "principal_led": True}
    assert months["2026-10"] == {"reports": 0, "principal_led": False}


def decided_case(order_to_correct=True):
    return {"_id": "c" * 32, "uscc": USCC, "region_code": "620722", "status": "decided",
            "lines": [{"party_id": "p1", "legal_basis": "《安全生产法》第一百零二条",
                       "amount_yuan": 10000, "decision_number": "罚〔2026〕1号",
                       "decided_on": "2026-03-01", "order_to_correct": order_to_correct,
                       "correction_deadline": None}]}


def test_art_112_daily_fines_only_after_refusal_of_an_order_to_correct():
    case = decided_case()
    assert domain.continuous_daily_fines(case, date(2026, 3, 11)) == []
    refused, _ = domain.record_compliance(case, "p1", "refused", date(2026, 3, 5), MINLE, NOW,
                                          date(2026, 3, 11))
    assert domain.continuous_daily_fines(refused, date(2026, 3, 11)) == [
        {"party_id": "p1", "decision_number": "罚〔2026〕1号", "amount_yuan": 100000}]
    corrected, _ = domain.record_compliance(refused, "p1", "corrected", date(2026, 3, 6), MINLE,
                                            NOW, date(2026, 3, 11))
    assert domain.continuous_daily_fines(corrected, date(2026, 3, 11))[0]["amount_yuan"] == 40000
    with pytest.raises(Conflict):
        domain.record_compliance(corrected, "p1", "refused", date(2026, 3, 7), MINLE, NOW,
                                 date(2026, 3, 11))
    with pytest.raises(InvalidInput):
        domain.record_compliance(decided_case(order_to_correct=False), "p1", "refused",
                                 date(2026, 3, 5), MINLE, NOW, date(2026, 3, 11))
    with pytest.raises(Forbidden):
        domain.record_compliance(case, "p1", "refused", date(2026, 3, 5), GANZHOU, NOW,
                                 date(2026, 3, 11))


def test_an_agency_records_third_party_inspections_of_assigned_enterprises_only():
    agency = Actor("agency-1", "agency", "620722")
    fields = {"mode": "third_party", "place": "车间", "content": "技术服务检查"}
    with pytest.raises(Forbidden):
        domain.open_inspection(fields, ENTERPRISE, None, agency, NOW, TODAY)
    with pytest.raises(Forbidden):
        domain.open_inspection({**fields, "mode": "routine"}, ENTERPRISE, None, agency, NOW,
                               TODAY, assigned=True)
    inspection = domain.open_inspection(fields, ENTERPRISE, None, agency, NOW, TODAY,
                                        assigned=True)
    assert inspection["agency"] == "agency-1"
    assert domain.inspection_visible(inspection, agency)
    assert not domain.inspection_visible(inspection, Actor("agency-2", "agency", "620722"))
    with pytest.raises(Forbidden):
        domain.assign_agency(ENTERPRISE, "agency-1", INSPECTOR, NOW)
    assert domain.assign_agency(ENTERPRISE, "agency-1", MINLE, NOW)["_id"] == f"agency-1:{USCC}"
