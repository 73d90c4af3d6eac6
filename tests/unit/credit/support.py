"""Credit records built through the domain rules, for the credit unit tests: a fixed moment, an
enterprise of 民乐县, the bureaus around it, and a case moved step by step."""

import json
from datetime import date, datetime, timedelta, timezone

from examples.credit_platform_consumer import validators
from services.credit import events
from services.credit.domain import cases, policy
from services.kit.pure.actor import SYSTEM, Actor
from services.kit.rules import load_rules
from tests.support.event_contract import contract_problems

# Monday 2 March 2026, 10:00 in China.
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
USCC = "91620722MA01XYW0QX"
ENTERPRISE = {"uscc": USCC, "name": "民乐县测试机械有限公司", "region_code": "620722"}
MINLE = Actor("minle", "regulator", "620722")
ZHANGYE = Actor("zhangye", "regulator", "620700")
GANZHOU = Actor("ganzhou", "regulator", "620702")
COMPANY = Actor(USCC, "enterprise", "620722", USCC)
RULES = load_rules("credit", checks=policy.RULE_CHECKS)
POLICY = policy.policy_on(RULES, NOW.date())


PUBLIC_SCHEMAS = validators()


def checked(result):
    """A command's result, its events held to the declared contract, and its public events to
    the AsyncAPI document external platforms read."""
    _, made = result
    assert contract_problems(made, events.PUBLISHED) == []
    for item in made:
        if item["type"] in events.PUBLIC_TYPES:
            as_sent = json.loads(json.dumps(item, default=str))
            assert PUBLIC_SCHEMAS[item["type"]].is_valid(as_sent), item
    return result


def later(**delta):
    return NOW + timedelta(**delta)


def accident(grade="major", accident_id="a1", occurred_at=NOW):
    return {
        "accident_id": accident_id,
        "_id": accident_id,
        "uscc": USCC,
        "region_code": "620722",
        "occurred_region_code": "620722",
        "grade": grade,
        "occurred_at": occurred_at,
    }


def candidate(listing="especially_serious_accident", authority="620722"):
    subject = cases.subject_of(ENTERPRISE, USCC, "620722")
    case, _ = checked(
        cases.open_case(
            POLICY.cases[listing],
            subject,
            [{"kind": "accident", "id": "a1"}],
            authority,
            POLICY,
            SYSTEM,
            NOW,
        )
    )
    return case


def notified(case=None):
    case = case or candidate()
    changed, _ = checked(
        cases.notify(case, {"reasons": "重大事故", "rights": "陈述申辩"}, POLICY, MINLE, NOW)
    )
    return changed


def decided(outcome="list", at=None):
    case = notified()
    changed, _ = checked(
        cases.decide(
            case,
            {"outcome": outcome, "decision_number": "民应急失信〔2026〕1号", "reasons": "事实清楚"},
            MINLE,
            at or later(days=14),
        )
    )
    return changed


def published(at=None):
    case = decided()
    changed, _ = checked(
        cases.publish(
            case, {"measures": ["frequent_inspection"]}, POLICY, MINLE, at or later(days=15)
        )
    )
    return changed


def day(value):
    return date.fromisoformat(value)
