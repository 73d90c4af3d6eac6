"""Enforcement (《安全生产法》 2021): escalation, suspension orders, dual penalties, Arts. 112 and 113."""
from datetime import date, datetime, timedelta, timezone

import pytest

from services.inspection.domain import enforcement
from services.inspection.domain.enforcement import closure_flag, continuous_daily_fine, next_rung
from services.kit.pure.actor import Actor
from services.kit.pure.errors import Conflict, Forbidden, InvalidInput
from services.kit.pure.uscc import with_check_character

NOW = datetime(2026, 3, 1, 2, 0, tzinfo=timezone.utc)
TODAY = date(2026, 3, 1)
MINLE = Actor("minle", "regulator", "620722")
GANZHOU = Actor("ganzhou", "regulator", "620702")
ENTERPRISE_USCC = with_check_character("91620722MA01XYW0Q")
HAZARD = {"_id": "hazard-1", "uscc": ENTERPRISE_USCC, "region_code": "620722"}


# Escalation ladder -----------------------------------------------------------------------------

def test_the_ladder_climbs_from_reminder_to_interview():
    assert next_rung([]) == "reminder"
    assert next_rung(["reminder"]) == "supervision_order"
    assert next_rung(["reminder", "supervision_order"]) == "circular"
    assert next_rung(["reminder", "supervision_order", "circular"]) == "warning"
    assert next_rung(["reminder", "supervision_order", "circular", "warning"]) == "interview"


def test_an_exhausted_ladder_has_no_next_rung():
    assert next_rung(list(enforcement.LADDER)) is None
    assert next_rung(["interview"]) is None


def test_escalation_continues_above_the_highest_rung_taken_and_ignores_other_measures():
    assert next_rung(["circular"]) == "warning"
    assert next_rung(["warning", "reminder"]) == "interview"
    assert next_rung(["penalty"]) == "reminder"


def test_every_rung_has_a_chinese_label():
    assert [enforcement.LADDER_LABELS[kind] for kind in enforcement.LADDER] == \
        ["提醒", "督办", "通报", "警示", "约谈"]


def test_an_action_is_recorded_against_the_hazard_with_its_event():
    action, [event] = enforcement.enforcement_action("supervision_order", HAZARD, MINLE, NOW,
                                                     document_number="民应急督〔2026〕3号")
    assert action == {"id": action["id"], "kind": "supervision_order", "hazard_id": "hazard-1",
                      "uscc": ENTERPRISE_USCC, "region_code": "620722", "taken_at": NOW,
                      "taken_by": "minle", "document_number": "民应急督〔2026〕3号",
                      "note": None}
    assert event["type"] == "cn.anjian.inspection.enforcement.action_taken.v1"
    assert event["data"]["taken_at"] == "2026-03-01T02:00:00Z"
    assert event["data"]["kind"] == "supervision_order"


def test_an_action_off_the_ladder_or_outside_the_jurisdiction_is_refused():
    with pytest.raises(InvalidInput):
        enforcement.enforcement_action("scolding", HAZARD, MINLE, NOW)
    with pytest.raises(Forbidden):
        enforcement.enforcement_action("reminder", HAZARD, GANZHOU, NOW)


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
    base = {"party_id": party["party_id"], "legal_basis": "《安全生产法》第一百零二条",
            "amount_yuan": 30_000, "decision_number": "民应急罚〔2026〕1号",
            "decided_on": TODAY, "order_to_correct": True,
            "correction_deadline": date(2026, 3, 15)}
    return {**base, **overrides}


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
    decision, [event] = enforcement.decide_penalty(case, lines_for(case), MINLE, NOW, TODAY)
    assert decision["status"] == "decided"
    assert decision["authority"] == "620722"
    assert decision["total_yuan"] == 60_000
    assert decision["lines"][0]["decided_on"] == "2026-03-01"
    assert decision["lines"][0]["correction_deadline"] == "2026-03-15"
    assert event["type"] == "cn.anjian.inspection.penalty.decided.v1"
    assert set(event["data"]) == {"case_id", "uscc", "region_code", "authority", "parties",
                                  "lines", "hazard_ids", "total_yuan"}
    assert event["data"]["total_yuan"] == 60_000
    assert event["data"]["hazard_ids"] == ["hazard-1"]


def test_identity_numbers_stay_out_of_the_decision_event():
    case = opened(parties=[UNIT, SAFETY_MANAGER])
    _, [event] = enforcement.decide_penalty(case, lines_for(case), MINLE, NOW, TODAY)
    assert all("id_number" not in party for party in event["data"]["parties"])


def test_a_party_without_a_line_is_refused():
    case = opened()
    with pytest.raises(InvalidInput) as refused:
        enforcement.decide_penalty(case, [line(case["parties"][0])], MINLE, NOW, TODAY)
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
])
def test_a_wrong_line_is_refused_by_field(field, value):
    case = opened()
    lines = lines_for(case)
    lines[1][field] = value
    with pytest.raises(InvalidInput) as refused:
        enforcement.decide_penalty(case, lines, MINLE, NOW, TODAY)
    assert list(refused.value.errors) == ["lines"]
    assert list(refused.value.errors["lines"]) == [1]
    assert list(refused.value.errors["lines"][1]) == [field]


def test_a_correction_deadline_needs_an_order_to_correct():
    case = opened()
    lines = lines_for(case)
    lines[0]["order_to_correct"] = False
    with pytest.raises(InvalidInput) as refused:
        enforcement.decide_penalty(case, lines, MINLE, NOW, TODAY)
    assert list(refused.value.errors["lines"][0]) == ["correction_deadline"]


def test_a_line_for_someone_outside_the_case_is_refused():
    case = opened()
    with pytest.raises(InvalidInput) as refused:
        enforcement.decide_penalty(case, [*lines_for(case), line({"party_id": "stranger"})],
                                   MINLE, NOW, TODAY)
    assert list(refused.value.errors["lines"][2]) == ["party_id"]


def test_a_decided_case_cannot_be_decided_again():
    case = opened()
    decided, _ = enforcement.decide_penalty(case, lines_for(case), MINLE, NOW, TODAY)
    with pytest.raises(Conflict):
        enforcement.decide_penalty(decided, lines_for(case), MINLE, NOW, TODAY)


# Art. 112 continuous daily fines ---------------------------------------------------------------

def decided_line(**overrides):
    base = {"party_id": "unit", "legal_basis": "《安全生产法》第一百零二条", "amount_yuan": 10_000,
            "decision_number": "民应急罚〔2026〕1号", "decided_on": "2026-03-01",
            "order_to_correct": True, "correction_deadline": None}
    return {**base, **overrides}


def test_daily_fines_run_from_the_day_after_the_order_through_today():
    assert continuous_daily_fine(decided_line(), True, None, date(2026, 3, 11)) == 100_000


def test_daily_fines_stop_the_day_the_correction_is_confirmed():
    assert continuous_daily_fine(decided_line(), True, date(2026, 3, 11),
                                 date(2026, 3, 20)) == 90_000
    assert continuous_daily_fine(decided_line(), True, date(2026, 3, 2),
                                 date(2026, 3, 20)) == 0


def test_no_daily_fine_on_the_day_of_the_order():
    assert continuous_daily_fine(decided_line(), True, None, date(2026, 3, 1)) == 0


@pytest.mark.parametrize("overrides, refused", [
    ({"order_to_correct": False}, True),
    ({"amount_yuan": 0}, True),
    ({}, False),
])
def test_no_daily_fine_unless_ordered_fined_and_refused(overrides, refused):
    assert continuous_daily_fine(decided_line(**overrides), refused, None,
                                 date(2026, 3, 11)) == 0


# Art. 113 closure ------------------------------------------------------------------------------

def days_after(start, *offsets):
    return [start + timedelta(days=offset) for offset in offsets]


START = date(2025, 6, 1)


def test_three_penalties_within_180_days_flag_closure():
    assert closure_flag(days_after(START, 0, 90, 179), START + timedelta(days=200))


def test_three_penalties_spread_over_200_days_do_not():
    assert not closure_flag(days_after(START, 0, 100, 200), START + timedelta(days=250))


def test_four_penalties_within_a_year_flag_closure():
    assert closure_flag(days_after(START, 0, 181, 270, 364), START + timedelta(days=400))
    assert not closure_flag(days_after(START, 0, 181, 270, 365), START + timedelta(days=400))


def test_penalties_after_today_do_not_count():
    assert not closure_flag(days_after(START, 0, 10, 20), START + timedelta(days=15))
    assert not closure_flag([], START)
