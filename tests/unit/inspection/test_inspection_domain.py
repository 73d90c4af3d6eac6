"""Inspections and the hazard closed loops, without servers."""
from dataclasses import replace
from datetime import date, timedelta

import pytest

from services.inspection.domain import enforcement, hazards, inspections, planning
from services.inspection.store import inspections_visible_to
from services.kit.mongo import matches
from services.kit.pure.actor import Actor
from services.kit.pure.errors import Conflict, Forbidden, InvalidInput
from tests.unit.inspection.support import (
    CATALOGUE,
    ENTERPRISE,
    INSPECTOR,
    NOW,
    RULES,
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


ESCALATION = enforcement.Escalation.on(RULES, TODAY)
SYSTEM = Actor("system", "admin", "")


def overdue_hazard():
    marked, _ = hazards.mark_overdue(general_hazard(), NOW, TODAY + timedelta(days=1))
    return marked


def test_overdue_is_flagged_once_and_the_reminder_goes_out_by_itself():
    hazard = general_hazard()
    assert hazards.mark_overdue(hazard, NOW, TODAY) == (hazard, [])
    marked, events = hazards.mark_overdue(hazard, NOW, TODAY + timedelta(days=1))
    assert marked["overdue"] and events[0]["type"].endswith("hazard.overdue.v1")
    assert hazards.mark_overdue(marked, NOW, TODAY + timedelta(days=2)) == (marked, [])
    reminded, events = hazards.escalate_overdue(marked, ESCALATION, SYSTEM, NOW)
    assert [a["kind"] for a in reminded["escalations"]] == ["reminder"]
    assert events[0]["type"] == "cn.anjian.inspection.enforcement.action_taken.v1"


def test_the_timer_proposes_the_next_rung_to_the_bureau_and_sends_nothing():
    """The county plan's 督办、通报、警示、约谈 are the bureau's decisions: only proposed."""
    reminded, _ = hazards.escalate_overdue(overdue_hazard(), ESCALATION, SYSTEM, NOW)
    too_soon = NOW + timedelta(days=6)
    assert hazards.escalate_overdue(reminded, ESCALATION, SYSTEM, too_soon) == (reminded, [])
    week_later = NOW + timedelta(days=7)
    proposed, events = hazards.escalate_overdue(reminded, ESCALATION, SYSTEM, week_later)
    assert events == [] and len(proposed["escalations"]) == 1
    assert proposed["escalation_proposal"] == {
        "kind": "supervision_order", "label": "督办", "proposed_at": week_later,
        "rule": {"id": "inspection.escalation.ladder", "version": 1},
        "interval_rule": {"id": "inspection.escalation.interval_days", "version": 1}}
    again = week_later + timedelta(days=30)
    assert hazards.escalate_overdue(proposed, ESCALATION, SYSTEM, again) == (proposed, [])


def test_only_the_bureau_decides_a_proposed_rung():
    reminded, _ = hazards.escalate_overdue(overdue_hazard(), ESCALATION, SYSTEM, NOW)
    later = NOW + timedelta(days=8)
    proposed, _ = hazards.escalate_overdue(reminded, ESCALATION, SYSTEM, later)
    with pytest.raises(Forbidden):
        hazards.decide_escalation(proposed, "supervision_order", True, "逾期未整改", None,
                                  ESCALATION, INSPECTOR, later)
    with pytest.raises(Conflict):
        hazards.decide_escalation(proposed, "interview", True, "逾期未整改", None, ESCALATION,
                                  MINLE, later)
    taken, [event] = hazards.decide_escalation(proposed, "supervision_order", True, "逾期未整改",
                                               "民应急督〔2026〕3号", ESCALATION, MINLE, later)
    assert [a["kind"] for a in taken["escalations"]] == ["reminder", "supervision_order"]
    assert taken["escalations"][-1]["document_number"] == "民应急督〔2026〕3号"
    assert taken["escalation_proposal"] is None
    assert taken["escalation_decisions"][0]["decision"] == "taken"
    assert event["data"]["taken_by"] == "minle"
    with pytest.raises(Conflict):
        hazards.decide_escalation(taken, "circular", True, "再次", None, ESCALATION, MINLE, later)


def test_a_declined_rung_is_proposed_again_after_the_interval():
    reminded, _ = hazards.escalate_overdue(overdue_hazard(), ESCALATION, SYSTEM, NOW)
    later = NOW + timedelta(days=8)
    proposed, _ = hazards.escalate_overdue(reminded, ESCALATION, SYSTEM, later)
    declined, events = hazards.decide_escalation(proposed, "supervision_order", False,
                                                 "企业已提交延期申请", None, ESCALATION, MINLE,
                                                 later)
    assert events == [] and declined["escalations"] == reminded["escalations"]
    assert hazards.escalate_overdue(declined, ESCALATION, SYSTEM,
                                    later + timedelta(days=6)) == (declined, [])
    again, _ = hazards.escalate_overdue(declined, ESCALATION, SYSTEM, later + timedelta(days=7))
    assert again["escalation_proposal"]["kind"] == "supervision_order"


def test_the_interval_and_ladder_in_force_on_the_day_apply():
    """A deployment's interval of 3 days (an override) moves the proposal forward."""
    short = enforcement.Escalation(ESCALATION.ladder,
                                   replace(ESCALATION.interval, value=3, version=2))
    reminded, _ = hazards.escalate_overdue(overdue_hazard(), short, SYSTEM, NOW)
    proposed, _ = hazards.escalate_overdue(reminded, short, SYSTEM, NOW + timedelta(days=3))
    assert proposed["escalation_proposal"]["interval_rule"]["version"] == 2


def test_closing_the_hazard_withdraws_the_proposal():
    reminded, _ = hazards.escalate_overdue(overdue_hazard(), ESCALATION, SYSTEM, NOW)
    proposed, _ = hazards.escalate_overdue(reminded, ESCALATION, SYSTEM, NOW + timedelta(days=7))
    submitted, _ = hazards.submit_rectification(proposed, [evidence()], None, COMPANY, NOW)
    closed, _ = hazards.transition(submitted, "verify", INSPECTOR, NOW)
    assert closed["escalation_proposal"] is None


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
        COMPANY, NOW, TODAY)
    assert report["month"] == "2026-11"
    with pytest.raises(InvalidInput):
        inspections.report_self_inspection({"performed_on": TODAY + timedelta(days=1),
                                            "led_by_principal": False, "content": "x"},
                                           ENTERPRISE, COMPANY, NOW, TODAY)
    months = inspections.monthly_coverage([report], 2026)
    assert months["2026-11"] == {"reports": 1, "principal_led": True}
    assert months["2026-10"] == {"reports": 0, "principal_led": False}


def decided_case(order_to_correct=True):
    return {"_id": "c" * 32, "uscc": USCC, "region_code": "620722", "status": "decided",
            "parties": [{"party_id": "p1", "kind": "unit"}],
            "lines": [{"party_id": "p1", "legal_basis": "《安全生产法》第一百零二条",
                       "amount_yuan": 10000, "decision_number": "罚〔2026〕1号",
                       "decided_on": "2026-03-01", "order_to_correct": order_to_correct,
                       "correction_ordered_on": "2026-03-01", "correction_deadline": None}]}


def test_art_112_daily_fines_only_after_refusal_of_an_order_to_correct():
    """Safety Law Art. 112: proposed after a refusal, up to the day before the re-inspection."""
    case, art112 = decided_case(), RULES.rule(enforcement.DAILY_FINES_RULE, TODAY)
    assert enforcement.continuous_daily_fines(case, date(2026, 3, 11), art112) == []
    refused, _ = enforcement.record_compliance(case, "p1", "refused", date(2026, 3, 5), INSPECTOR,
                                               NOW, date(2026, 3, 11))
    [proposal] = enforcement.continuous_daily_fines(refused, date(2026, 3, 11), art112)
    assert (proposal["amount_yuan"], proposal["status"]) == (100000, "proposed")
    corrected, _ = enforcement.record_compliance(refused, "p1", "corrected", date(2026, 3, 6),
                                                 INSPECTOR, NOW, date(2026, 3, 11))
    [fine] = enforcement.continuous_daily_fines(corrected, date(2026, 3, 11), art112)
    assert fine["amount_yuan"] == 40000 and fine["through"] == "2026-03-05"
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


def test_on_site_enforcement_names_at_least_two_officers():
    """行政处罚法 Art. 42: 执法人员不得少于两人; the caller counts; a third party enforces
    nothing."""
    with pytest.raises(InvalidInput) as refused:
        visit("routine", inspectors=[])
    assert refused.value.errors == {"inspectors": ["at least 2 officers, you included"]}
    with pytest.raises(InvalidInput):
        visit("unannounced", inspectors=[INSPECTOR.user_id])
    assert visit("routine")["inspectors"] == ["inspector-minle", "inspector-zhang"]


def test_suspension_and_extensions_are_the_bureau_s_decisions():
    """行政处罚法: 责令停产停业 and a later deadline are decided by the bureau, not an inspector."""
    major = major_hazard()
    planned, _ = hazards.approve_plan(major, plan(), MINLE, NOW, TODAY)
    with pytest.raises(Forbidden):
        hazards.take_action(planned, "suspend", "拒不整改", INSPECTOR, NOW)
    asked, _ = hazards.request_extension(general_hazard(), TODAY + timedelta(days=9), "材料未到",
                                         COMPANY, NOW, TODAY)
    with pytest.raises(Forbidden):
        hazards.decide_extension(asked, True, "同意延期", INSPECTOR, NOW)


def test_a_refused_suspension_order_is_recorded_by_an_inspector():
    """Safety Law Art. 113(四) turns on 拒不执行停产停业整顿决定: the inspector records the fact."""
    planned, _ = hazards.approve_plan(major_hazard(), plan(), MINLE, NOW, TODAY)
    with pytest.raises(Conflict):
        hazards.take_action(planned, "record_defiance", "仍在生产", INSPECTOR, NOW)
    suspended, _ = hazards.take_action(planned, "suspend", "拒不整改", MINLE, NOW)
    with pytest.raises(InvalidInput):
        hazards.take_action(suspended, "record_defiance", None, INSPECTOR, NOW)
    defied, _ = hazards.take_action(suspended, "record_defiance", "复查发现仍在生产", INSPECTOR,
                                    NOW)
    assert defied["suspension_order"]["defied"] == {"on": "2026-11-02", "by": "inspector-minle",
                                                    "reason": "复查发现仍在生产"}
    with pytest.raises(Forbidden):
        hazards.take_action(suspended, "record_defiance", "仍在生产", COMPANY, NOW)
