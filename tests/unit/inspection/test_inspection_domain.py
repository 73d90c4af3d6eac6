"""Inspections and the hazard closed loops, without servers."""
from datetime import date, timedelta

import pytest

from services.inspection.domain import enforcement, hazards, inspections, planning
from services.inspection.store import inspections_visible_to
from services.kit.mongo import matches
from services.kit.pure.actor import Actor
from services.kit.pure.errors import Conflict, Forbidden, InvalidInput
from tests.unit.inspection.support import (CATALOGUE, ENTERPRISE, INSPECTOR, NOW, TODAY, USCC,
                                           completed_with, visit)

MINLE = Actor("minle", "regulator", "620722")
GANZHOU = Actor("ganzhou", "regulator", "620702")
COMPANY = Actor(USCC, "enterprise", "620722", USCC)
OTHER_COMPANY = Actor("x", "enterprise", "620722", "91620722MA01XYW1QX")
DUST_ITEM = next(item.id for item in CATALOGUE.items if item.scope == "dust_explosion")
DEVICE_ITEM = next(item.id for item in CATALOGUE.items
                   if item.scope == "dust_explosion" and item.names_device)


def sees(inspection, actor):
    return matches(inspections_visible_to(actor), inspection)


def general_hazard():
    _, _, [(hazard, _)] = completed_with({"description": "积尘", "deadline": TODAY})
    return hazard


def major_hazard():
    _, _, [(hazard, _)] = completed_with({"description": "未泄爆", "catalogue_item": DUST_ITEM})
    return hazard


def evidence(uscc=USCC, role="enterprise"):
    return {"_id": "e" * 32, "uscc": uscc, "uploaded_by_role": role}


def test_unannounced_visit_is_hidden_from_the_enterprise_until_completed():
    inspection = visit()
    assert not sees(inspection, COMPANY)
    assert sees(inspection, MINLE)
    assert not sees(inspection, GANZHOU)
    completed, events = inspections.complete_inspection(
        inspection, {"handling": "无", "signature_refusal": "拒绝签字"}, INSPECTOR, NOW)
    assert sees(completed, COMPANY)
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
            inspections.open_inspection({"mode": "routine", "place": "p", "content": "c"},
                                        ENTERPRISE, None, actor, NOW, TODAY)


def test_completed_record_is_immutable_and_signature_or_refusal_is_required():
    inspection = visit()
    with pytest.raises(InvalidInput):
        inspections.complete_inspection(inspection, {"handling": "x"}, INSPECTOR, NOW)
    completed, _ = inspections.complete_inspection(
        inspection, {"handling": "x", "signature": "王"}, INSPECTOR, NOW)
    with pytest.raises(Conflict):
        inspections.add_finding(completed, {"description": "晚了", "deadline": TODAY}, CATALOGUE,
                                INSPECTOR, NOW, TODAY)
    inspections.correction_of(completed, INSPECTOR)
    with pytest.raises(Conflict):
        inspections.correction_of(inspection, INSPECTOR)


def test_grades_follow_the_catalogue_and_art_14():
    _, _, found = completed_with(
        {"description": "未泄爆", "catalogue_item": DUST_ITEM},
        {"description": "报警装置失效", "failed_device": True, "catalogue_item": DEVICE_ITEM},
        {"description": "积尘", "deadline": TODAY},
        {"description": "严重积尘", "raise_to_major": True, "raise_reason": "积尘厚度超标"})
    assert [h["grade"] for h, _ in found] == ["major", "major", "general", "major"]
    assert [h["state"] for h, _ in found] == ["reported", "reported", "rectifying", "reported"]
    assert all([e["type"] for e in events] == ["cn.anjian.inspection.hazard.reported.v1"]
               for _, events in found)


def test_general_finding_needs_a_deadline_not_in_the_past():
    inspection = visit()
    for finding in ({"description": "积尘"},
                    {"description": "积尘", "deadline": TODAY - timedelta(days=1)},
                    {"description": "x", "catalogue_item": "MEM10-99-9"}):
        with pytest.raises(InvalidInput):
            inspections.add_finding(inspection, finding, CATALOGUE, INSPECTOR, NOW, TODAY)


def test_general_loop_rectify_reject_rectify_verify():
    hazard = general_hazard()
    with pytest.raises(InvalidInput):
        hazards.submit_rectification(hazard, [], "done", COMPANY, NOW)
    with pytest.raises(InvalidInput):
        hazards.submit_rectification(hazard, [evidence(uscc="91620722MA01XYW1QX")], "",
                                    COMPANY, NOW)
    with pytest.raises(Forbidden):
        hazards.submit_rectification(hazard, [evidence()], "", OTHER_COMPANY, NOW)
    submitted, events = hazards.submit_rectification(hazard, [evidence()], "已整改", COMPANY, NOW)
    assert submitted["state"] == "submitted"
    assert events[0]["type"].endswith("hazard.rectification_submitted.v1")
    with pytest.raises(InvalidInput):
        hazards.transition(submitted, "reject", INSPECTOR, NOW)
    rejected, _ = hazards.transition(submitted, "reject", INSPECTOR, NOW, "未清理干净")
    assert rejected["state"] == "rectifying"
    with pytest.raises(Conflict):
        hazards.transition(rejected, "verify", INSPECTOR, NOW)
    again, _ = hazards.submit_rectification(rejected, [evidence()], "再次整改", COMPANY, NOW)
    closed, events = hazards.transition(again, "verify", INSPECTOR, NOW)
    assert closed["state"] == "closed" and closed["closed_at"] == NOW
    assert [e["type"].split(".")[-2] for e in events] == ["verified", "closed"]
    assert [t["action"] for t in closed["transitions"]] == [
        "report", "submit_rectification", "reject", "submit_rectification", "verify"]


def test_major_loop_with_suspension_and_review():
    hazard = major_hazard()
    with pytest.raises(Forbidden):
        hazards.approve_plan(hazard, plan(), INSPECTOR, NOW, TODAY)
    approved, _ = hazards.approve_plan(hazard, plan(), MINLE, NOW, TODAY)
    assert approved["deadline"] == (TODAY + timedelta(days=30)).isoformat()
    suspended, events = hazards.suspend(approved, "重大隐患停产整顿", MINLE, NOW)
    order = events[-1]
    assert order["type"] == "cn.anjian.inspection.suspension.ordered.v1"
    assert set(order["data"]) == {"order_id", "uscc", "reason", "ordered_on"}
    rectifying, _ = hazards.transition(suspended, "start_rectification", COMPANY, NOW)
    assessed, _ = hazards.submit_rectification(rectifying, [evidence()], "整改完成", COMPANY, NOW)
    assert assessed["state"] == "assessed"
    applied, _ = hazards.transition(assessed, "apply_resume", COMPANY, NOW)
    closed, events = hazards.verify_or_reject(applied, "verify", None, MINLE, NOW)
    assert closed["state"] == "closed"
    assert [e["type"].split(".")[-3:-1] for e in events] == [
        ["hazard", "verified"], ["hazard", "closed"], ["suspension", "lifted"]]


def plan():
    return {"targets": "t", "measures": "m", "funds_yuan": 1, "people": "p",
            "deadline": TODAY + timedelta(days=30), "safety_measures": "s",
            "emergency_measures": "e"}


def test_a_major_hazard_is_never_lowered_and_a_general_one_is_raised_with_reason():
    with pytest.raises(Conflict):
        hazards.raise_grade(major_hazard(), "降级", INSPECTOR, NOW)
    with pytest.raises(InvalidInput):
        hazards.raise_grade(general_hazard(), None, INSPECTOR, NOW)
    raised, events = hazards.raise_grade(general_hazard(), "涉及粉尘爆炸", INSPECTOR, NOW)
    assert raised["grade"] == "major" and raised["state"] == "reported"
    assert events[0]["type"].endswith("hazard.regraded.v1")


def test_extension_requested_by_the_enterprise_and_decided_by_the_bureau():
    hazard = general_hazard()
    later = TODAY + timedelta(days=10)
    with pytest.raises(Forbidden):
        hazards.request_extension(hazard, later, "材料未到", INSPECTOR, NOW, TODAY)
    with pytest.raises(InvalidInput):
        hazards.request_extension(hazard, TODAY - timedelta(days=1), "x", COMPANY, NOW, TODAY)
    asked, _ = hazards.request_extension(hazard, later, "材料未到", COMPANY, NOW, TODAY)
    with pytest.raises(Conflict):
        hazards.request_extension(asked, later, "再次", COMPANY, NOW, TODAY)
    decided, _ = hazards.decide_extension(asked, True, "同意延期", MINLE, NOW)
    assert decided["deadline"] == later.isoformat()
    with pytest.raises(Conflict):
        hazards.decide_extension(decided, False, "重复", MINLE, NOW)


def test_overdue_is_flagged_once_and_escalation_climbs_the_ladder():
    hazard = general_hazard()
    assert hazards.mark_overdue(hazard, NOW, TODAY) == (hazard, [])
    marked, events = hazards.mark_overdue(hazard, NOW, TODAY + timedelta(days=1))
    assert marked["overdue"] and events[0]["type"].endswith("hazard.overdue.v1")
    assert hazards.mark_overdue(marked, NOW, TODAY + timedelta(days=2)) == (marked, [])
    escalated, events = hazards.escalate(marked, "reminder", MINLE, NOW)
    assert [a["kind"] for a in escalated["escalations"]] == ["reminder"]
    assert events[0]["type"] == "cn.anjian.inspection.enforcement.action_taken.v1"


def test_annual_plan_ranks_by_risk_and_samples_reproducibly():
    enterprises = [{**ENTERPRISE, "uscc": f"E{i:02d}", "name": f"企业{i}",
                    "risk_features": ["dust_explosion"] * (i % 3)} for i in range(20)]
    first = planning.annual_plan(enterprises, {"E05": 2}, {"E07"}, 2026, 5, seed=42)
    again = planning.annual_plan(enterprises, {"E05": 2}, {"E07"}, 2026, 5, seed=42)
    assert first["sample"] == again["sample"] and len(first["sample"]) == 5
    assert [p["uscc"] for p in first["priorities"][:2]] == ["E05", "E07"]
    assert planning.annual_plan(enterprises, {}, set(), 2026, 5, seed=43)["sample"] != \
        first["sample"]


def test_self_inspections_and_monthly_coverage():
    report, _ = inspections.report_self_inspection(
        {"performed_on": TODAY, "led_by_principal": True, "content": "月度检查"}, ENTERPRISE,
        CATALOGUE, COMPANY, NOW, TODAY)
    assert report["month"] == "2026-11"
    with pytest.raises(InvalidInput):
        inspections.report_self_inspection({"performed_on": TODAY + timedelta(days=1),
                                            "led_by_principal": False, "content": "x"},
                                           ENTERPRISE, CATALOGUE, COMPANY, NOW, TODAY)
    months = inspections.monthly_coverage([report], 2026)
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
    assert enforcement.continuous_daily_fines(case, date(2026, 3, 11)) == []
    refused, _ = enforcement.record_compliance(case, "p1", "refused", date(2026, 3, 5), MINLE, NOW,
                                          date(2026, 3, 11))
    assert enforcement.continuous_daily_fines(refused, date(2026, 3, 11)) == [
        {"party_id": "p1", "decision_number": "罚〔2026〕1号", "amount_yuan": 100000}]
    corrected, _ = enforcement.record_compliance(refused, "p1", "corrected", date(2026, 3, 6),
                                                 MINLE, NOW, date(2026, 3, 11))
    [fine] = enforcement.continuous_daily_fines(corrected, date(2026, 3, 11))
    assert fine["amount_yuan"] == 40000
    with pytest.raises(Conflict):
        enforcement.record_compliance(corrected, "p1", "refused", date(2026, 3, 7), MINLE, NOW,
                                 date(2026, 3, 11))
    with pytest.raises(InvalidInput):
        enforcement.record_compliance(decided_case(order_to_correct=False), "p1", "refused",
                                 date(2026, 3, 5), MINLE, NOW, date(2026, 3, 11))
    with pytest.raises(Forbidden):
        enforcement.record_compliance(case, "p1", "refused", date(2026, 3, 5), GANZHOU, NOW,
                                 date(2026, 3, 11))


def test_an_agency_records_third_party_inspections_of_assigned_enterprises_only():
    agency = Actor("agency-1", "agency", "620722")
    fields = {"mode": "third_party", "place": "车间", "content": "技术服务检查"}
    with pytest.raises(Forbidden):
        inspections.open_inspection(fields, ENTERPRISE, None, agency, NOW, TODAY)
    with pytest.raises(Forbidden):
        inspections.open_inspection({**fields, "mode": "routine"}, ENTERPRISE, None, agency,
                                    NOW, TODAY, assigned=True)
    inspection, _ = inspections.open_inspection(fields, ENTERPRISE, None, agency, NOW, TODAY,
                                                assigned=True)
    assert inspection["agency"] == "agency-1"
    assert sees(inspection, agency)
    assert not sees(inspection, Actor("agency-2", "agency", "620722"))
    with pytest.raises(Forbidden):
        inspections.assign_agency(ENTERPRISE, "agency-1", INSPECTOR, NOW)
    assignment, _ = inspections.assign_agency(ENTERPRISE, "agency-1", MINLE, NOW)
    assert assignment["_id"] == f"agency-1:{USCC}"
