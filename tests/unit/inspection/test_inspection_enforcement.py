"""Enforcement (《安全生产法》 2021): escalation, suspension orders, dual penalties and their
ranges, Arts. 112 and 113."""
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from services.inspection.domain import enforcement
from services.inspection.domain.enforcement import (
    Escalation,
    closure_grounds,
    continuous_daily_fine,
    period_end,
)
from services.kit.pure.actor import Actor
from services.kit.pure.errors import Conflict, Forbidden, InvalidInput
from services.kit.pure.uscc import with_check_character
from tests.unit.inspection.support import RULES

NOW = datetime(2026, 3, 1, 2, 0, tzinfo=timezone.utc)
TODAY = date(2026, 3, 1)
MINLE = Actor("minle", "regulator", "620722")
INSPECTOR = Actor("inspector-minle", "inspector", "620722")
GANZHOU = Actor("ganzhou", "regulator", "620702")
ENTERPRISE_USCC = with_check_character("91620722MA01XYW0Q")
HAZARD = {"_id": "hazard-1", "uscc": ENTERPRISE_USCC, "region_code": "620722"}


# Escalation ladder -----------------------------------------------------------------------------

ESCALATION = Escalation.on(RULES, TODAY)


def next_rung(taken):
    rung = ESCALATION.next_rung(taken)
    return rung and rung["kind"]


def test_the_ladder_climbs_from_reminder_to_interview():
    assert next_rung([]) == "reminder"
    assert next_rung(["reminder"]) == "supervision_order"
    assert next_rung(["reminder", "supervision_order"]) == "circular"
    assert next_rung(["reminder", "supervision_order", "circular"]) == "warning"
    assert next_rung(["reminder", "supervision_order", "circular", "warning"]) == "interview"


def test_an_exhausted_ladder_has_no_next_rung():
    assert next_rung(ESCALATION.kinds) is None
    assert next_rung(["interview"]) is None


def test_escalation_continues_above_the_highest_rung_taken_and_ignores_other_measures():
    assert next_rung(["circular"]) == "warning"
    assert next_rung(["warning", "reminder"]) == "interview"
    assert next_rung(["penalty"]) == "reminder"


def test_the_ladder_is_the_rule_in_force_and_only_the_reminder_is_automatic():
    """The county plan's 提醒、督办、通报、警示、约谈: only the reminder goes out without the
    bureau."""
    assert [(rung["label"], rung["automatic"]) for rung in ESCALATION.ladder.value] == [
        ("提醒", True), ("督办", False), ("通报", False), ("警示", False), ("约谈", False)]
    assert ESCALATION.wait == timedelta(days=7)
    assert ESCALATION.ladder.reference() == {"id": "inspection.escalation.ladder", "version": 1}


def test_an_action_is_recorded_against_the_hazard_with_its_event():
    action, [event] = enforcement.enforcement_action("supervision_order", HAZARD, MINLE, NOW,
                                                     ESCALATION,
                                                     document_number="民应急督〔2026〕3号")
    assert action == {"id": action["id"], "kind": "supervision_order", "hazard_id": "hazard-1",
                      "uscc": ENTERPRISE_USCC, "region_code": "620722", "taken_at": NOW,
                      "taken_by": "minle", "document_number": "民应急督〔2026〕3号",
                      "note": None, "rule": {"id": "inspection.escalation.ladder", "version": 1}}
    assert event["type"] == "cn.anjian.inspection.enforcement.action_taken.v1"
    assert event["data"]["taken_at"] == "2026-03-01T02:00:00Z"
    assert event["data"]["kind"] == "supervision_order"


def test_an_action_off_the_ladder_or_outside_the_jurisdiction_is_refused():
    with pytest.raises(InvalidInput):
        enforcement.enforcement_action("scolding", HAZARD, MINLE, NOW, ESCALATION)
    with pytest.raises(Forbidden):
        enforcement.enforcement_action("reminder", HAZARD, GANZHOU, NOW, ESCALATION)


@pytest.mark.parametrize("value", [[], [{"kind": "reminder", "label": "提醒"}],
                                   [{"kind": "a", "label": "x", "automatic": True}] * 2, "提醒"])
def test_a_malformed_ladder_is_refused_at_start_up(value):
    rule = RULES.rule(enforcement.LADDER_RULE, TODAY)
    assert enforcement.ladder_problem(replace(rule, value=value))


# Suspension orders -----------------------------------------------------------------------------

def test_a_suspension_order_event_carries_exactly_what_the_registry_reads():
    order, [event] = enforcement.order_suspension(HAZARD, "重大事故隐患拒不整改", MINLE, NOW)
    assert event["type"] == "cn.anjian.inspection.suspension.ordered.v1"
    assert event["subject"] == ENTERPRISE_USCC
    assert event["data"] == {"order_id": order["_id"], "uscc": ENTERPRISE_USCC,
                             "reason": "重大事故隐患拒不整改", "ordered_on": "2026-03-01"}


def test_the_order_is_dated_by_the_calendar_in_china():
    late_evening_utc = datetime(2026, 3, 1, 17, 0, tzinfo=timezone.utc)  # 01:00 on 2 March
    order, _ = enforcement.order_suspension(HAZARD, "拒不执行", MINLE, late_evening_utc)
    assert order["ordered_on"] == "2026-03-02"


def test_lifting_an_order_emits_the_lifted_event_once():
    order, _ = enforcement.order_suspension(HAZARD, "重大事故隐患拒不整改", MINLE, NOW)
    later = NOW + timedelta(days=20)
    lifted, [event] = enforcement.lift_suspension(order, "整改完成，复查合格", MINLE, later)
    assert event["type"] == "cn.anjian.inspection.suspension.lifted.v1"
    assert event["subject"] == ENTERPRISE_USCC
    assert event["data"] == {"order_id": order["_id"], "uscc": ENTERPRISE_USCC,
                             "reason": "整改完成，复查合格", "lifted_on": "2026-03-21"}
    with pytest.raises(Conflict):
        enforcement.lift_suspension(lifted, "again", MINLE, later)


def test_an_order_needs_a_reason():
    with pytest.raises(InvalidInput):
        enforcement.order_suspension(HAZARD, " ", MINLE, NOW)


# Penalty cases ---------------------------------------------------------------------------------

UNIT = {"kind": "unit", "name": "民乐县祁连机械制造有限公司"}
PRINCIPAL = {"kind": "person", "name": "王伟", "role": "principal"}
SAFETY_MANAGER = {"kind": "person", "name": "李娜", "role": "safety_manager",
                  "id_number": "11010519491231002X"}


def case_fields(**overrides):
    base = {"uscc": ENTERPRISE_USCC, "region_code": "620722", "hazard_ids": ["hazard-1"],
            "parties": [UNIT, PRINCIPAL]}
    return {**base, **overrides}


def opened(**overrides):
    case, _ = enforcement.open_case(case_fields(**overrides), MINLE, NOW)
    return case


def line(party, **overrides):
    unit = party.get("kind", "unit") == "unit"
    base = {"party_id": party["party_id"], "legal_basis": "《安全生产法》第一百零二条",
            "article": "safety_law.art102", "circumstance": None if unit else "refused",
            "amount_yuan": 30_000 if unit else 60_000, "decision_number": "民应急罚〔2026〕1号",
            "decided_on": TODAY, "order_to_correct": True,
            "correction_deadline": date(2026, 3, 15)}
    return {**base, **overrides}


def decide(case, lines, actor=MINLE):
    return enforcement.decide_penalty(case, lines, actor, NOW, TODAY, RULES)


def lines_for(case, **overrides):
    return [line(party, **overrides) for party in case["parties"]]


def test_a_case_has_one_unit_and_any_number_of_persons():
    case = opened(parties=[UNIT, PRINCIPAL, SAFETY_MANAGER])
    assert [party["kind"] for party in case["parties"]] == ["unit", "person", "person"]
    assert case["parties"][0]["role"] is None
    assert case["parties"][2]["id_number"] == "11010519491231002X"
    assert len({party["party_id"] for party in case["parties"]}) == 3
    assert case["status"] == "open" and case["hazard_ids"] == ["hazard-1"]


@pytest.mark.parametrize("parties", [
    [UNIT, {**UNIT, "name": "另一家公司"}],
    [PRINCIPAL],
    [],
])
def test_a_case_without_exactly_one_unit_is_refused(parties):
    with pytest.raises(InvalidInput) as refused:
        opened(parties=parties)
    assert "parties" in refused.value.errors


def test_a_person_needs_a_known_role_and_a_valid_identity_number():
    with pytest.raises(InvalidInput) as refused:
        opened(parties=[UNIT, {**PRINCIPAL, "role": "boss"}])
    assert refused.value.errors["parties"] == {1: {"role": ["one of principal, safety_manager, "
                                                            "other"]}}
    with pytest.raises(InvalidInput) as refused:
        opened(parties=[UNIT, {**SAFETY_MANAGER, "id_number": "110105194912310021"}])
    assert list(refused.value.errors["parties"][1]) == ["id_number"]


def test_opening_a_case_outside_the_jurisdiction_is_forbidden():
    with pytest.raises(Forbidden):
        enforcement.open_case(case_fields(), GANZHOU, NOW)


def test_a_decision_penalises_every_party_and_names_the_authority():
    case = opened()
    decision, [event] = decide(case, lines_for(case))
    assert decision["status"] == "decided"
    assert decision["authority"] == "620722"
    assert decision["total_yuan"] == 90_000
    assert decision["lines"][0]["decided_on"] == "2026-03-01"
    assert decision["lines"][0]["correction_deadline"] == "2026-03-15"
    assert event["type"] == "cn.anjian.inspection.penalty.decided.v1"
    assert set(event["data"]) == {"case_id", "uscc", "region_code", "authority", "parties",
                                  "lines", "hazard_ids", "total_yuan"}
    assert event["data"]["total_yuan"] == 90_000
    assert decision["lines"][0]["rule"] == {"id": "inspection.penalty.safety_law.art102",
                                            "version": 1}
    assert decision["lines"][0]["correction_ordered_on"] == "2026-03-01"
    assert event["data"]["hazard_ids"] == ["hazard-1"]


def test_identity_numbers_stay_out_of_the_decision_event():
    case = opened(parties=[UNIT, SAFETY_MANAGER])
    _, [event] = decide(case, lines_for(case))
    assert all("id_number" not in party for party in event["data"]["parties"])


def test_a_party_without_a_line_is_refused():
    case = opened()
    with pytest.raises(InvalidInput) as refused:
        decide(case, [line(case["parties"][0])])
    assert "lines" in refused.value.errors


@pytest.mark.parametrize("field, value", [
    ("legal_basis", ""),
    ("legal_basis", None),
    ("amount_yuan", -1),
    ("amount_yuan", 100.5),
    ("decision_number", " "),
    ("decided_on", date(2026, 3, 2)),
    ("decided_on", None),
    ("order_to_correct", None),
    ("correction_deadline", date(2026, 2, 1)),
    ("correction_deadline", "2026-03-15"),
    ("correction_ordered_on", date(2026, 3, 2)),
    ("correction_ordered_on", "2026-02-20"),
])
def test_a_wrong_line_is_refused_by_field(field, value):
    case = opened()
    lines = lines_for(case)
    lines[1][field] = value
    with pytest.raises(InvalidInput) as refused:
        decide(case, lines)
    assert list(refused.value.errors) == ["lines"]
    assert list(refused.value.errors["lines"]) == [1]
    assert list(refused.value.errors["lines"][1]) == [field]


def test_a_correction_deadline_needs_an_order_to_correct():
    case = opened()
    lines = lines_for(case)
    lines[0]["order_to_correct"] = False
    with pytest.raises(InvalidInput) as refused:
        decide(case, lines)
    assert list(refused.value.errors["lines"][0]) == ["correction_deadline"]


def test_a_line_for_someone_outside_the_case_is_refused():
    case = opened()
    with pytest.raises(InvalidInput) as refused:
        decide(case, [*lines_for(case), line({"party_id": "stranger"})])
    assert list(refused.value.errors["lines"][2]) == ["party_id"]


def test_a_decided_case_cannot_be_decided_again():
    case = opened()
    decided, _ = decide(case, lines_for(case))
    with pytest.raises(Conflict):
        decide(decided, lines_for(case))


# Penalty ranges as data -------------------------------------------------------------------------

def refusal(case, lines, actor=MINLE):
    with pytest.raises(InvalidInput) as refused:
        decide(case, lines, actor)
    return refused.value.errors


def test_a_unit_fine_above_safety_law_art_102_is_refused_with_the_range():
    """Safety Law Art. 102: 五万元以下 for the unit."""
    case = opened(parties=[UNIT])
    errors = refusal(case, lines_for(case, amount_yuan=50_001))
    assert errors == {"lines": {0: {"amount_yuan": [
        "Safety Law Art. 102: 0–50000 yuan for the unit"]}}}
    assert decide(case, lines_for(case, amount_yuan=50_000))[0]["total_yuan"] == 50_000


def test_a_person_is_fined_under_art_102_only_when_the_unit_refused():
    """Safety Law Art. 102: 拒不执行的 … 对其直接负责的主管人员和其他直接责任人员处五万元以上
    十万元以下."""
    case = opened()
    lines = lines_for(case)
    lines[1]["circumstance"] = None
    assert refusal(case, lines) == {"lines": {1: {"amount_yuan": [
        "Safety Law Art. 102 sets no fine in yuan for a person (only when refused)"]}}}
    lines[1].update(circumstance="refused", amount_yuan=40_000)
    assert refusal(case, lines) == {"lines": {1: {"amount_yuan": [
        "Safety Law Art. 102: 50000–100000 yuan for a person when refused"]}}}


def test_a_principal_fined_under_art_94_keeps_its_range():
    """Safety Law Art. 94: the principal, 二万元以上五万元以下."""
    case = opened()
    lines = lines_for(case)
    lines[1].update(article="safety_law.art94", circumstance=None, amount_yuan=10_000)
    assert refusal(case, lines)["lines"][1] == {"amount_yuan": [
        "Safety Law Art. 94: 20000–50000 yuan for a person"]}
    lines[1]["amount_yuan"] = 20_000
    assert decide(case, lines)[0]["lines"][1]["article"] == "safety_law.art94"


def test_an_unverified_rule_without_amounts_cannot_be_applied():
    """应急管理部令第13号 Art. 19: its amounts were not read from any text, so no line may
    apply it."""
    case = opened(parties=[UNIT])
    errors = refusal(case, lines_for(case, article="confined_space.art19"))
    assert errors["lines"][0] == {"article": [
        "MEM Order No. 13 Art. 19: its amounts are not verified against the official text, so "
        "it cannot be applied yet"]}


@pytest.mark.parametrize("overrides, field", [
    ({"article": "safety_law.art999"}, "article"),
    ({"article": "inspection.penalty.safety_law.art102", "decided_on": date(2021, 8, 31)},
     "article"),
    ({"circumstance": "overdue"}, "circumstance"),
    ({"article": " "}, "article"),
])
def test_a_line_naming_no_applicable_article_is_refused(overrides, field):
    case = opened(parties=[UNIT])
    assert list(refusal(case, lines_for(case, **overrides))["lines"][0]) == [field]


def test_an_inspector_may_not_decide_a_penalty():
    """行政处罚法: the decision is the administrative organ's; an inspector opens the case."""
    case, _ = enforcement.open_case(case_fields(), INSPECTOR, NOW)
    with pytest.raises(Forbidden):
        decide(case, lines_for(case), INSPECTOR)


def test_every_penalty_rule_has_well_formed_ranges():
    for rule in RULES.in_force(enforcement.PENALTIES, TODAY):
        assert enforcement.penalty_problem(rule) is None, rule.id
    art102 = RULES.rule("inspection.penalty.safety_law.art102", TODAY)
    broken = replace(art102, value={**art102.value, "unit_fine_yuan": {"min": 9, "max": 1}})
    assert enforcement.penalty_problem(broken)


# Art. 112 continuous daily fines ---------------------------------------------------------------

def decided_line(**overrides):
    base = {"party_id": "unit", "legal_basis": "《安全生产法》第一百零二条", "amount_yuan": 10_000,
            "decision_number": "民应急罚〔2026〕1号", "decided_on": "2026-03-01",
            "order_to_correct": True, "correction_ordered_on": "2026-03-01",
            "correction_deadline": None}
    return {**base, **overrides}


def days_fined(line=None, kind="unit", refused=True, reinspected=None, decided_through=None,
               today=date(2026, 3, 11)):
    fine = continuous_daily_fine(line or decided_line(), kind, refused, reinspected,
                                 decided_through, today)
    return fine and fine["days"]


def test_art_112_daily_fines_run_from_the_day_after_the_order_through_today():
    """Safety Law Art. 112: 自作出责令改正之日的次日起, 按照原处罚数额按日连续处罚."""
    fine = continuous_daily_fine(decided_line(), "unit", True, None, None, date(2026, 3, 11))
    assert fine == {"party_id": "unit", "decision_number": "民应急罚〔2026〕1号",
                    "from": "2026-03-02", "through": "2026-03-11", "days": 10,
                    "daily_amount_yuan": 10_000, "amount_yuan": 100_000}


def test_art_112_counts_from_the_order_to_correct_not_the_fine():
    """Safety Law Art. 112: the order to correct of 20 February, fined 1 March."""
    assert days_fined(decided_line(correction_ordered_on="2026-02-20")) == 19


def test_art_112_daily_fines_stop_at_the_re_inspection_date():
    """Safety Law Art. 112: no fine once the re-inspection confirmed the correction."""
    assert days_fined(reinspected=date(2026, 3, 11), today=date(2026, 3, 20)) == 9
    assert days_fined(reinspected=date(2026, 3, 2), today=date(2026, 3, 20)) is None


def test_art_112_no_daily_fine_on_the_day_of_the_order():
    assert days_fined(today=date(2026, 3, 1)) is None


def test_art_112_applies_to_the_unit_never_to_a_person():
    """Safety Law Art. 112 names 生产经营单位: a responsible person's line is never multiplied."""
    assert days_fined(kind="person") is None


@pytest.mark.parametrize("overrides, refused", [
    ({"order_to_correct": False}, True),
    ({"amount_yuan": 0}, True),
    ({}, False),
])
def test_art_112_no_daily_fine_unless_ordered_fined_and_refused(overrides, refused):
    assert days_fined(decided_line(**overrides), refused=refused) is None


def refusing_case():
    case = opened(parties=[UNIT, PRINCIPAL])
    lines = lines_for(case, decided_on=date(2026, 2, 1), correction_deadline=None)
    decided, _ = decide(case, lines)
    unit = decided["parties"][0]["party_id"]
    refused, _ = enforcement.record_compliance(decided, unit, "refused", date(2026, 2, 10),
                                               INSPECTOR, NOW, TODAY)
    return refused, unit


ART_112 = RULES.rule(enforcement.DAILY_FINES_RULE, TODAY)


def test_art_112_is_a_proposal_the_bureau_decides():
    """Safety Law Art. 112 "可以": the system proposes; a regulator imposes or declines."""
    case, unit = refusing_case()
    [proposal] = enforcement.continuous_daily_fines(case, TODAY, ART_112)
    assert proposal["status"] == "proposed" and proposal["party_id"] == unit
    assert proposal["days"] == 28 and proposal["rule"]["id"] == enforcement.DAILY_FINES_RULE
    with pytest.raises(Forbidden):
        enforcement.decide_daily_fine(case, unit, True, "拒不改正", "罚〔2026〕2号", INSPECTOR,
                                      NOW, TODAY, ART_112)
    with pytest.raises(InvalidInput):
        enforcement.decide_daily_fine(case, unit, True, "拒不改正", None, MINLE, NOW, TODAY,
                                      ART_112)
    imposed, _ = enforcement.decide_daily_fine(case, unit, True, "拒不改正", "罚〔2026〕2号",
                                               MINLE, NOW, TODAY, ART_112)
    assert imposed["daily_fine_decisions"][0]["status"] == "imposed"
    assert imposed["daily_fine_decisions"][0]["amount_yuan"] == 28 * 30_000
    assert enforcement.continuous_daily_fines(imposed, TODAY, ART_112) == []
    later = TODAY + timedelta(days=3)
    [next_proposal] = enforcement.continuous_daily_fines(imposed, later, ART_112)
    assert (next_proposal["from"], next_proposal["days"]) == ("2026-03-02", 3)
    with pytest.raises(Conflict):
        enforcement.decide_daily_fine(imposed, unit, False, "暂不处罚", None, MINLE, NOW, TODAY,
                                      ART_112)


# Art. 113 closure ------------------------------------------------------------------------------

def days_after(start, *offsets):
    return [start + timedelta(days=offset) for offset in offsets]


START = date(2025, 6, 1)


def facts(penalty_dates=(), suspended_hazards=(), accidents=()):
    return {"penalty_dates": list(penalty_dates), "suspended_hazards": list(suspended_hazards),
            "accidents": list(accidents)}


def items_met(today=START + timedelta(days=400), rules=RULES, **fact_lists):
    return [ground["item"] for ground in closure_grounds(facts(**fact_lists), rules, today)]


def test_art_113_three_penalties_within_180_days_counted_from_the_next_day():
    """Safety Law Art. 113(一) with 民法典 Art. 201: the 180 days start the day after the first
    penalty, so a third penalty on day 180 after it is still within them."""
    assert items_met(penalty_dates=days_after(START, 0, 90, 180)) == ["（一）"]
    assert items_met(penalty_dates=days_after(START, 0, 90, 181)) == []


def test_art_113_four_penalties_within_a_year_end_on_the_corresponding_day():
    """Safety Law Art. 113(一), 民法典 Art. 202: a year from 1 June 2025 ends on 1 June 2026."""
    assert items_met(penalty_dates=[START, date(2025, 10, 1), date(2026, 2, 1),
                                    date(2026, 6, 1)]) == ["（一）"]
    assert items_met(penalty_dates=[START, date(2025, 10, 1), date(2026, 2, 1),
                                    date(2026, 6, 2)]) == []


def test_art_113_period_convention_is_a_rule():
    """民法典 Art. 201 is the default; a deployment counting the first day changes the window."""
    assert period_end(START, {"within_days": 180}, "next_day") == date(2025, 11, 28)
    assert period_end(START, {"within_days": 180}, "same_day") == date(2025, 11, 27)
    assert period_end(date(2024, 2, 29), {"within_years": 1}, "next_day") == date(2025, 2, 28)
    assert enforcement._period_problem(replace(RULES.rule(enforcement.PERIOD_RULE, TODAY),
                                               value="whenever"))


def test_art_113_penalties_after_today_do_not_count():
    assert items_met(penalty_dates=days_after(START, 0, 10, 20),
                     today=START + timedelta(days=15)) == []
    assert items_met() == []


def suspended_hazard(*actions, defied=False):
    moment = datetime(2026, 1, 1, tzinfo=timezone.utc)
    return {"_id": "h-1", "suspension_order": {"_id": "order-1", **(
        {"defied": {"on": "2026-01-05"}} if defied else {})},
        "transitions": [{"action": action, "at": moment + timedelta(days=index)}
                        for index, action in enumerate(actions)]}


def test_art_113_item_2_a_failed_review_after_suspension():
    """Safety Law Art. 113(二): 经停产停业整顿，仍不具备安全生产条件."""
    assert items_met(suspended_hazards=[suspended_hazard(
        "report", "approve_plan", "suspend", "start_rectification", "submit_rectification",
        "apply_resume", "reject")]) == ["（二）"]
    assert items_met(suspended_hazards=[suspended_hazard("report", "reject", "suspend")]) == []


def test_art_113_item_3_a_major_accident_is_a_ground_to_confirm():
    """Safety Law Art. 113(三): 导致发生重大、特别重大生产安全事故."""
    assert items_met(accidents=[{"_id": "a-1", "grade": "major"}]) == ["（三）"]
    assert items_met(accidents=[{"_id": "a-1", "grade": "larger"}]) == []


def test_art_113_item_4_a_refused_suspension_order():
    """Safety Law Art. 113(四): 拒不执行 … 停产停业整顿决定."""
    [ground] = closure_grounds(facts(suspended_hazards=[suspended_hazard("suspend",
                                                                         defied=True)]),
                               RULES, TODAY)
    assert ground["item"] == "（四）" and ground["evidence"] == ["order-1"]
    assert ground["rule"] == {"id": enforcement.CLOSURE_RULE, "version": 2}


def test_art_113_closure_bans_the_principal_for_five_years():
    """Safety Law Art. 113: 主要负责人五年内不得担任任何生产经营单位的主要负责人."""
    case = opened(parties=[UNIT, PRINCIPAL, SAFETY_MANAGER])
    grounds = closure_grounds(facts(accidents=[{"_id": "a-1", "grade": "major"}]), RULES, TODAY)
    with pytest.raises(Forbidden):
        enforcement.decide_closure(case, grounds, "民应急关〔2026〕1号", "重大事故", INSPECTOR,
                                   NOW, TODAY, RULES)
    with pytest.raises(Conflict):
        enforcement.decide_closure(case, [], "民应急关〔2026〕1号", "无", MINLE, NOW, TODAY,
                                   RULES)
    closed, _ = enforcement.decide_closure(case, grounds, "民应急关〔2026〕1号", "重大事故",
                                           MINLE, NOW, TODAY, RULES)
    unit, principal, manager = closed["parties"]
    assert principal["bans"] == [{"years": 5, "from": "2026-03-01", "until": "2031-03-01",
                                  "scope": "principal of any production or business unit",
                                  "rule": {"id": enforcement.CLOSURE_RULE, "version": 2}}]
    assert "bans" not in unit and "bans" not in manager
    assert closed["closure_decision"]["grounds"] == ["（三）"]
    with pytest.raises(Conflict):
        enforcement.decide_closure(closed, grounds, "x", "again", MINLE, NOW, TODAY, RULES)


@pytest.mark.parametrize("change", [
    {"closure_conditions": []},
    {"principal_ban": {}},
    {"closure_conditions": [{"item": item, "major_hazard_penalties": [{"count": 3}]}
                            for item in ("（一）", "（二）", "（三）", "（四）")]},
])
def test_a_malformed_art_113_rule_stops_the_service(change):
    rule = RULES.rule(enforcement.CLOSURE_RULE, TODAY)
    assert enforcement.closure_problem(rule) is None
    assert enforcement.closure_problem(replace(rule, value={**rule.value, **change}))
