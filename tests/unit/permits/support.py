"""Permits records built through the domain rules, for the unit tests: a fixed moment, an
enterprise of 民乐县, its user, a trained crew, a space with H2S risk. Every command's events are
checked against services/permits/events.py on the way (`checked`)."""

from datetime import date, datetime, timedelta, timezone

from services.kit.pure.actor import Actor
from services.kit.rules import load_rules
from services.permits import events
from services.permits.domain import permits, policy, spaces
from tests.support.event_contract import contract_problems

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
TODAY = date(2026, 3, 2)
USCC = "91620722MA01XYW0QX"
ENTERPRISE = {
    "uscc": USCC,
    "name": "民乐县测试化工有限公司",
    "region_code": "620722",
    "risk_features": ["confined_space"],
    "status": "operating",
}
COMPANY = Actor(USCC, "enterprise", "620722", USCC)
RULES = load_rules("permits", checks=policy.RULE_CHECKS)
POLICY = policy.policy_on(RULES, TODAY)
PRINCIPAL, APPROVER, GUARDIAN, ENTRANT, RESCUER = (f"{n:032x}" for n in range(1, 6))
STRANGER = f"{99:032x}"
ROLES = {
    PRINCIPAL: "confined_space_approver",
    APPROVER: "confined_space_approver",
    GUARDIAN: "confined_space_guardian",
    ENTRANT: "confined_space_entrant",
    RESCUER: "confined_space_rescuer",
}


def checked(result):
    """A command's result, its events having followed the published contract."""
    document, made = result
    assert contract_problems(made, events.PUBLISHED) == []
    return document, made


def competency(person, role, until=TODAY + timedelta(days=200), uscc=USCC):
    return {
        "_id": person,
        "uscc": uscc,
        "roles": [
            {"role": role, "qualified": until is not None, "until": until and until.isoformat()}
        ],
    }


def crew(**changes):
    """The read models of a trained crew whose first approver is the principal; `changes`
    replaces a person's competency record (None removes it)."""
    records = {person: competency(person, role) for person, role in ROLES.items()}
    records.update(changes)
    return permits.Staff(
        {person: record for person, record in records.items() if record},
        {PRINCIPAL: {"_id": PRINCIPAL, "uscc": USCC, "positions": ["principal"]}},
    )


def space(**fields):
    body = {
        "number": "CS-01",
        "name": "污水处理池",
        "location": "厂区东侧",
        "kind": "pool",
        "hazards": ["h2s", "oxygen_deficiency"],
        "isolation": "fenced",
        **fields,
    }
    return checked(spaces.register(body, ENTERPRISE, POLICY, COMPANY, NOW))[0]


def application(**fields):
    return {
        "purpose": "清淤",
        "window_start": NOW - timedelta(minutes=5),
        "window_end": NOW + timedelta(hours=4),
        "approver": APPROVER,
        "guardian": GUARDIAN,
        "entrants": [ENTRANT],
        "rescuers": [RESCUER],
        **fields,
    }


def draft(staff=None, **fields):
    return checked(
        permits.apply(
            application(**fields), space(), ENTERPRISE, staff or crew(), POLICY, COMPANY, NOW
        )
    )[0]


def approved(**fields):
    permit = checked(permits.submit(draft(**fields), {}, ENTERPRISE, COMPANY, NOW))[0]
    return checked(
        permits.approve(
            permit, {"approver": PRINCIPAL}, ENTERPRISE, crew(), POLICY, COMPANY, NOW, TODAY
        )
    )[0]


READINGS = {
    "tester": "赵检测",
    "readings": [
        {"gas": "o2", "value": 20.9, "unit": "%vol"},
        {"gas": "h2s", "value": 2.0, "unit": "ppm"},
    ],
}


def ready(at=NOW):
    """Approved, ventilated, tested (passing), briefed and checked."""
    permit = approved()
    ventilation = {"step": "ventilation"}
    permit = checked(permits.record_step(permit, ventilation, ENTERPRISE, COMPANY, at))[0]
    permit = checked(permits.record_gas_test(permit, READINGS, ENTERPRISE, POLICY, COMPANY, at))[0]
    permit = checked(permits.record_step(permit, {"step": "briefing"}, ENTERPRISE, COMPANY, at))[0]
    items = {"step": "checklist", "items": [{"item": "救援器材到位", "checked": True}]}
    return checked(permits.record_step(permit, items, ENTERPRISE, COMPANY, at))[0]
