"""Certificates: kinds and values as rules (令第30号 for special operators), states in time,
reviews, revocation, and reminders with deterministic ids."""

from datetime import date, timedelta

import pytest

from services.kit.pure.errors import Conflict, Forbidden, InvalidInput
from services.kit.pure.rules import RuleSet
from services.kit.rules import _declared_files
from services.training.domain import certificates, persons, policy
from services.training.domain.common import Keeping
from tests.unit.training.support import (
    COMPANY,
    ENTERPRISE,
    GANZHOU,
    MINLE,
    NOW,
    POLICY,
    TODAY,
    certificate,
    operator,
    person,
)


def state(cert, today):
    return certificates.state_on(cert, 60, today)


def test_order_30_validity_six_years_review_every_three():
    """令第30号 Arts. 19 and 21: valid 6 years, reviewed every 3."""
    cert = certificate(operator("welding_cutting"), issued_on=date(2024, 5, 1))
    assert (cert["valid_until"], cert["review_due_on"]) == ("2030-05-01", "2027-05-01")


def test_states_move_with_time_valid_review_due_overdue_invalid():
    """令第30号 Art. 22: the review is applied for within 60 days before it is due."""
    cert = certificate(
        operator("welding_cutting"),
        issued_on=date(2024, 5, 1),
        review_due_on=date(2027, 5, 1),
        valid_until=date(2027, 6, 1),
    )
    assert state(cert, date(2027, 3, 1)) == "valid"
    assert state(cert, date(2027, 3, 2)) == "review_due"
    assert state(cert, date(2027, 5, 1)) == "review_due"
    assert state(cert, date(2027, 5, 2)) == "overdue"
    assert state(cert, date(2027, 6, 2)) == "invalid"


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"valid_until": date(2024, 4, 30)}, "valid_until"),
        ({"review_due_on": date(2031, 1, 1)}, "review_due_on"),
        ({"issued_on": TODAY + timedelta(days=1)}, "issued_on"),
        ({"category": "juggling"}, "category"),
        ({"kind": "driving_licence"}, "kind"),
    ],
)
def test_impossible_certificates_are_refused(fields, field):
    with pytest.raises(InvalidInput) as refused:
        certificate(operator("welding_cutting"), **fields)
    assert field in refused.value.errors


def test_a_management_certificate_has_no_category_and_no_review():
    principal = person([{"position": "principal"}])
    with pytest.raises(InvalidInput):
        certificate(principal, kind="management_competence", category="electrical")
    cert = certificate(principal, kind="management_competence", category=None)
    assert cert["review_due_on"] is None and cert["valid_until"] == "2027-05-01"


def test_another_counties_bureau_may_not_record_a_certificate():
    with pytest.raises(Forbidden):
        certificates.issue(
            {
                "kind": "special_operation",
                "category": "electrical",
                "number": "X",
                "issuer": "局",
                "issued_on": date(2025, 1, 1),
            },
            operator("electrical"),
            Keeping(ENTERPRISE, POLICY, GANZHOU, NOW, TODAY),
        )


def review(cert, **fields):
    body = {"reviewed_on": date(2026, 3, 1), "hours": 8.0, "result": "passed", **fields}
    return certificates.record_review(cert, body, Keeping(ENTERPRISE, POLICY, COMPANY, NOW, TODAY))


def due_soon():
    return certificate(
        operator("welding_cutting"), issued_on=date(2023, 4, 1), review_due_on=date(2026, 4, 1)
    )


def test_a_review_needs_eight_hours_of_training():
    """令第30号 Art. 23: at least 8 hours of safety training before the review."""
    with pytest.raises(InvalidInput) as refused:
        review(due_soon(), hours=7.5)
    assert "hours" in refused.value.errors


def test_a_passed_review_moves_the_next_review_three_years_on():
    reviewed, events = review(due_soon())
    assert reviewed["review_due_on"] == "2029-04-01"
    assert reviewed["reviews"][-1]["on_time"] is True
    assert events[0]["data"]["on_time"] is True


def test_ten_continuous_years_without_violations_lengthen_the_cycle_to_six():
    """令第30号 Art. 21: 10 years or more in the trade, abiding by the law: every 6 years."""
    reviewed, _ = review(due_soon(), continuous_years=10)
    assert reviewed["reviews"][-1]["extended_cycle"] is True
    assert reviewed["review_due_on"] == reviewed["valid_until"] == "2029-04-01"
    with_violations, _ = review(due_soon(), continuous_years=12, violations=True)
    assert with_violations["reviews"][-1]["extended_cycle"] is False


def test_the_review_at_the_end_of_validity_renews_it():
    cert = certificate(operator("welding_cutting"), issued_on=date(2020, 4, 1))
    renewed, _ = review({**cert, "review_due_on": "2026-04-01"})
    assert (renewed["review_due_on"], renewed["valid_until"]) == ("2029-04-01", "2032-04-01")


def test_a_failed_review_leaves_the_dates():
    reviewed, _ = review(due_soon(), result="failed")
    assert reviewed["review_due_on"] == "2026-04-01"


def test_a_late_review_is_not_on_time():
    cert = certificate(
        operator("welding_cutting"), issued_on=date(2023, 2, 1), review_due_on=date(2026, 2, 1)
    )
    reviewed, _ = review(cert)
    assert reviewed["reviews"][-1]["on_time"] is False


def test_a_review_of_a_revoked_certificate_is_refused():
    revoked, _ = certificates.withdraw(
        due_soon(), {"action": "revoke", "reason": "考试作弊"}, MINLE, NOW, TODAY
    )
    assert state(revoked, TODAY) == "revoked"
    with pytest.raises(Conflict):
        review(revoked)
    with pytest.raises(Conflict):
        certificates.withdraw(revoked, {"action": "reinstate", "reason": "复核"}, MINLE, NOW, TODAY)


def test_only_a_bureau_of_the_jurisdiction_revokes_or_suspends():
    with pytest.raises(Forbidden):
        certificates.withdraw(
            due_soon(), {"action": "revoke", "reason": "理由"}, COMPANY, NOW, TODAY
        )
    with pytest.raises(Forbidden):
        certificates.withdraw(
            due_soon(), {"action": "revoke", "reason": "理由"}, GANZHOU, NOW, TODAY
        )
    suspended, _ = certificates.withdraw(
        due_soon(), {"action": "suspend", "reason": "违章"}, MINLE, NOW, TODAY
    )
    reinstated, _ = certificates.withdraw(
        suspended, {"action": "reinstate", "reason": "整改"}, MINLE, NOW, TODAY
    )
    assert reinstated["status"] == "active"


def test_a_certificate_due_in_thirty_days_calls_for_one_reminder_with_a_fixed_id():
    cert = certificate(
        operator("welding_cutting"),
        issued_on=date(2023, 4, 1),
        review_due_on=TODAY + timedelta(days=30),
    )
    checked, events, due = certificates.check(cert, POLICY, NOW, TODAY)
    assert checked["state"] == "review_due"
    assert events == []  # the first state is part of the issue, not a change
    assert [item["kind"] for item in due] == ["review_due"]
    again, events_again, due_again = certificates.check(checked, POLICY, NOW, TODAY)
    assert events_again == [] and due_again == due
    assert checked["next_check_on"] == (TODAY + timedelta(days=31)).isoformat()
    overdue, moved, due_later = certificates.check(checked, POLICY, NOW, TODAY + timedelta(days=31))
    assert [event["data"]["to"] for event in moved] == ["overdue"]
    assert [item["kind"] for item in due_later] == ["review_overdue"]


def test_a_certificate_qualifies_its_holder_until_its_review_date():
    holder = operator("welding_cutting")
    cert = due_soon()
    refreshed, _ = persons.refresh(holder, [cert], POLICY, NOW, TODAY)
    assert refreshed["standing"]["certified"] is True
    assert refreshed["competency"]["roles"] == [
        {"role": "special_operator:welding_cutting", "qualified": True, "until": "2026-04-01"}
    ]
    later, _ = persons.refresh(refreshed, [cert], POLICY, NOW, date(2026, 4, 2))
    assert later["standing"]["certified"] is False


def test_the_rule_in_force_on_the_facts_date_applies():
    """A deployment adds a successor to 令第30号 from 2026-06-01 without a code change: a
    certificate issued before keeps the old validity."""
    successor = """
overrides:
- id: training.special_operation.validity_years
  version: 2
  value: 5
  source: {document: 应急管理部令第19号（示例）}
  effective_from: '2026-06-01'
  checked_against: unverified
"""
    rules = RuleSet.from_files(
        _declared_files("training"), [("local.yaml", successor)], policy.RULE_CHECKS
    )
    holder = operator("electrical")
    fields = {
        "kind": "special_operation",
        "category": "electrical",
        "number": "E1",
        "issuer": "局",
        "issued_on": date(2026, 5, 31),
    }
    before, _ = certificates.issue(
        fields,
        holder,
        Keeping(
            ENTERPRISE, policy.policy_on(rules, date(2026, 5, 31)), COMPANY, NOW, date(2026, 7, 1)
        ),
    )
    after, _ = certificates.issue(
        {**fields, "issued_on": date(2026, 6, 1)},
        holder,
        Keeping(
            ENTERPRISE, policy.policy_on(rules, date(2026, 6, 1)), COMPANY, NOW, date(2026, 7, 1)
        ),
    )
    assert before["valid_until"] == "2032-05-31"
    assert after["valid_until"] == "2031-06-01"
    assert {"id": "training.special_operation.validity_years", "version": 2} in after["rules"]
