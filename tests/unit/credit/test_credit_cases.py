"""The untrustworthy-list procedure of 应急管理部令第11号, one rule a test."""

from datetime import date, timedelta

import pytest

from services.credit.domain import cases
from services.kit.pure.errors import Conflict, Forbidden, InvalidInput
from tests.unit.credit.support import (
    COMPANY,
    ENTERPRISE,
    GANZHOU,
    MINLE,
    NOW,
    POLICY,
    USCC,
    ZHANGYE,
    accident,
    candidate,
    checked,
    decided,
    later,
    notified,
    published,
)

DECISION = {"outcome": "list", "decision_number": "民应急失信〔2026〕1号", "reasons": "事实清楚"}


# --- candidates from inspection's events (令第11号 第五条) ---


def test_a_major_accident_makes_its_unit_a_candidate_for_the_county_where_it_happened():
    met = cases.accident_candidates(accident("major"), [accident("major")], POLICY)
    assert [listing.case for listing, _ in met] == ["especially_serious_accident"]
    case, made = checked(
        cases.open_case(
            met[0][0],
            cases.subject_of(ENTERPRISE, USCC, "620722"),
            met[0][1],
            "620722",
            POLICY,
            MINLE,
            NOW,
        )
    )
    assert case["status"] == "candidate" and case["authority"] == "620722"
    assert case["triggers"][0]["id"] == "a1"
    assert made[0]["type"] == "cn.anjian.credit.case.opened.v1"


def test_a_general_accident_is_no_candidate():
    assert cases.accident_candidates(accident("general"), [accident("general")], POLICY) == []


def test_two_larger_accidents_within_twelve_months_make_a_candidate_and_one_does_not():
    first = accident("larger", "a1", NOW - timedelta(days=300))
    second = accident("larger", "a2", NOW)
    assert cases.accident_candidates(second, [second], POLICY) == []
    met = cases.accident_candidates(second, [first, second], POLICY)
    assert [trigger["id"] for trigger in met[0][1]] == ["a1", "a2"]
    long_ago = accident("larger", "a0", NOW - timedelta(days=400))
    assert cases.accident_candidates(second, [long_ago, second], POLICY) == []


def _penalty(article, kind="unit"):
    return {
        "case_id": "p1",
        "uscc": USCC,
        "region_code": "620722",
        "authority": "620722",
        "parties": [{"party_id": "x", "kind": kind, "name": "张伟", "role": "principal"}],
        "lines": [
            {
                "party_id": "x",
                "article": article,
                "decision_number": "民应急罚〔2026〕3号",
                "amount_yuan": 100000,
                "decided_on": "2026-03-01",
            }
        ],
    }


def test_an_aggravated_accident_fine_at_two_to_five_times_makes_a_candidate():
    met = cases.penalty_candidates(_penalty("safety_law.art114_aggravated"), POLICY)
    assert [listing.case for listing, _, _ in met] == ["aggravated_accident_fine"]


def test_a_principal_who_fled_or_concealed_is_listed_as_a_person_by_name_only():
    ((listing, party, _),) = cases.penalty_candidates(
        _penalty("safety_law.art110", "person"), POLICY
    )
    subject = cases.subject_of(ENTERPRISE, USCC, "620722", party)
    assert listing.case == "principal_fled_or_concealed"
    assert subject["kind"] == "person" and subject["person_name"] == "张伟"


def test_an_ordinary_penalty_makes_no_candidate():
    assert cases.penalty_candidates(_penalty("safety_law.art102"), POLICY) == []


def test_the_same_subject_and_trigger_name_one_case():
    assert candidate()["_id"] == candidate()["_id"]


def test_a_case_opened_by_hand_needs_a_listing_case_in_force():
    fields = {
        "uscc": USCC,
        "subject_kind": "unit",
        "rule": "no_such_case",
        "legal_basis": "令第11号",
        "records": ["x"],
    }
    with pytest.raises(InvalidInput) as refused:
        cases.open_by_hand(fields, ENTERPRISE, POLICY, MINLE, NOW)
    assert "rule" in refused.value.errors


def test_a_case_opened_by_hand_outside_the_jurisdiction_is_refused():
    fields = {
        "uscc": USCC,
        "subject_kind": "unit",
        "rule": "other_by_law",
        "legal_basis": "令第11号",
        "records": ["x"],
    }
    with pytest.raises(Forbidden):
        cases.open_by_hand(fields, ENTERPRISE, POLICY, GANZHOU, NOW)


# --- notice and representation (第九条) ---


def test_the_representation_deadline_is_five_working_days_after_the_notice():
    # Monday 2 March 2026: the fifth working day after is Monday 9 March.
    assert notified()["notice"]["representation_deadline"] == "2026-03-09"


def test_holidays_are_skipped_and_working_weekends_counted():
    # 30 April 2026 (Thursday): 1-5 May are holidays, Saturday 9 May is a working day.
    assert POLICY.working_days_after(date(2026, 4, 30), 5) == date(2026, 5, 11)
    assert POLICY.working_days_after(date(2026, 5, 6), 3) == date(2026, 5, 9)


def test_a_representation_after_the_deadline_is_refused():
    with pytest.raises(Conflict):
        cases.receive_representation(notified(), {"text": "申辩"}, COMPANY, later(days=10))


def test_the_party_itself_may_make_representations():
    case, _ = checked(cases.receive_representation(notified(), {"text": "申辩"}, COMPANY, NOW))
    assert case["status"] == "representation_received"


# --- decision and publication ---


def test_deciding_before_the_deadline_without_a_representation_is_refused():
    with pytest.raises(Conflict) as refused:
        cases.decide(notified(), DECISION, MINLE, later(days=3))
    assert "representation_deadline" in refused.value.errors


def test_a_received_representation_allows_the_decision_at_once():
    case, _ = checked(cases.receive_representation(notified(), {"text": "申辩"}, COMPANY, NOW))
    decided_case, _ = checked(cases.decide(case, DECISION, MINLE, NOW))
    assert decided_case["status"] == "decided"


def test_only_the_deciding_authority_or_a_bureau_above_it_decides():
    with pytest.raises(Forbidden):
        cases.decide(notified(), DECISION, GANZHOU, later(days=14))
    case, _ = checked(cases.decide(notified(), DECISION, ZHANGYE, later(days=14)))
    assert case["decision"]["decision_number"] == DECISION["decision_number"]


def test_publication_lists_for_three_years_and_announces_it_publicly():
    case, made = checked(
        cases.publish(decided(), {"measures": ["frequent_inspection"]}, POLICY, MINLE, NOW)
    )
    assert case["status"] == "published"
    assert case["listing"]["term_end"] == "2029-03-02"
    assert made[0]["type"] == "cn.anjian.credit.entity.listed.v1"
    assert made[0]["data"]["measures"][0]["measure"] == "frequent_inspection"


def test_a_dismissed_case_cannot_be_published():
    with pytest.raises(Conflict):
        cases.publish(decided("dismiss"), {"measures": []}, POLICY, MINLE, NOW)


def test_unknown_measures_are_refused():
    with pytest.raises(InvalidInput):
        cases.publish(decided(), {"measures": ["flogging"]}, POLICY, MINLE, NOW)


# --- removal, repair and restoration (第十四、十五条) ---


def test_the_listing_is_removed_when_its_term_has_ended():
    case = published(at=NOW)
    unchanged, none = cases.expire(case, NOW + timedelta(days=365 * 3 - 5))
    assert none == [] and unchanged is case
    removed, made = checked(cases.expire(case, NOW + timedelta(days=365 * 3 + 2)))
    assert removed["status"] == "removed" and made[0]["data"]["reason"] == "expired"


def test_repair_before_twelve_months_after_the_decision_is_refused():
    with pytest.raises(Conflict) as refused:
        cases.repair(
            published(), {"step": "apply", "reasons": "已整改"}, POLICY, COMPANY, later(days=300)
        )
    assert "applied_on" in refused.value.errors


def test_repair_approved_removes_early_and_a_rejection_keeps_the_listing():
    applied, _ = checked(
        cases.repair(
            published(), {"step": "apply", "reasons": "已整改"}, POLICY, COMPANY, later(days=400)
        )
    )
    kept, _ = checked(
        cases.repair(
            applied, {"step": "reject", "reasons": "材料不全"}, POLICY, MINLE, later(days=401)
        )
    )
    assert kept["status"] == "published"
    applied, _ = checked(
        cases.repair(
            kept, {"step": "apply", "reasons": "补齐材料"}, POLICY, COMPANY, later(days=402)
        )
    )
    removed, made = checked(
        cases.repair(
            applied, {"step": "approve", "reasons": "符合条件"}, POLICY, MINLE, later(days=403)
        )
    )
    assert removed["removal"]["reason"] == "repaired"
    assert made[0]["type"] == "cn.anjian.credit.entity.removed.v1"


def test_an_enterprise_cannot_approve_its_own_repair():
    applied, _ = checked(
        cases.repair(
            published(), {"step": "apply", "reasons": "已整改"}, POLICY, COMPANY, later(days=400)
        )
    )
    with pytest.raises(Forbidden):
        cases.repair(applied, {"step": "approve", "reasons": "x"}, POLICY, COMPANY, later(days=401))


def test_a_removal_on_false_material_is_revoked_and_the_listing_restored():
    applied, _ = checked(
        cases.repair(
            published(), {"step": "apply", "reasons": "已整改"}, POLICY, COMPANY, later(days=400)
        )
    )
    removed, _ = checked(
        cases.repair(
            applied, {"step": "approve", "reasons": "符合条件"}, POLICY, MINLE, later(days=401)
        )
    )
    restored, made = checked(
        cases.restore(
            removed,
            {"decision_number": "民应急撤〔2027〕1号", "reasons": "提供虚假材料"},
            MINLE,
            later(days=500),
        )
    )
    assert restored["status"] == "published"
    assert restored["listing"]["term_end"] == removed["listing"]["term_end"]
    assert made[0]["type"] == "cn.anjian.credit.entity.restored.v1"


def test_an_expired_listing_cannot_be_restored():
    removed, _ = cases.expire(published(at=NOW), NOW + timedelta(days=365 * 3 + 2))
    with pytest.raises(Conflict):
        cases.restore(removed, {"decision_number": "x", "reasons": "y"}, MINLE, NOW)


def test_every_step_is_recorded_with_actor_and_time():
    steps = published()["steps"]
    assert [step["action"] for step in steps] == ["opened", "notified", "decided_list", "published"]
    assert all(step["at"] and step["user_id"] for step in steps)


def test_the_public_view_carries_no_internal_steps():
    shown = cases.public_view(published())
    assert "steps" not in shown and shown["uscc"] == USCC
