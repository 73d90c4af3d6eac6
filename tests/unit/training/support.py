"""Training records built through the domain rules, for the training unit tests: a fixed moment,
an enterprise of 民乐县, its user, and people with protected ID numbers."""

from datetime import date, datetime, timezone

from services.kit.pii import IdProtector
from services.kit.pure.actor import Actor
from services.kit.rules import load_rules
from services.training.domain import certificates, persons, policy
from services.training.domain.common import Keeping

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
TODAY = date(2026, 3, 2)
USCC = "91620722MA01XYW0QX"
ENTERPRISE = {
    "uscc": USCC,
    "name": "民乐县测试机械有限公司",
    "region_code": "620722",
    "industry": "machinery",
    "risk_features": ["dust_explosion"],
    "status": "operating",
}
SMELTER = {**ENTERPRISE, "uscc": "91620722MA01XYW1QX", "risk_features": ["metal_smelting"]}
COMPANY = Actor(USCC, "enterprise", "620722", USCC)
MINLE = Actor("minle", "regulator", "620722")
GANZHOU = Actor("ganzhou", "regulator", "620702")
# Valid 居民身份证 numbers of people born in 民乐县 before its code changed in 2002.
ID_NUMBER = "622223199001011232"
OTHER_ID_NUMBER = "622223198512310029"
RULES = load_rules("training", checks=policy.RULE_CHECKS)
POLICY = policy.policy_on(RULES, TODAY)
PROTECTOR = IdProtector("unit-test-secret-of-at-least-32-characters")


def person(positions=(), number=ID_NUMBER, enterprise=ENTERPRISE, actor=COMPANY):
    fields = {"name": "张伟", "phone": "13800000000", "positions": list(positions)}
    registered, _ = persons.register(
        fields, PROTECTOR.protect(number), Keeping(enterprise, POLICY, actor, NOW, TODAY)
    )
    return registered


def operator(*categories):
    return person([{"position": "special_operator", "categories": list(categories)}])


def certificate(holder, **fields):
    body = {
        "kind": "special_operation",
        "category": "welding_cutting",
        "number": "T123",
        "issuer": "张掖市应急管理局",
        "issued_on": date(2024, 5, 1),
        **fields,
    }
    issued, _ = certificates.issue(body, holder, Keeping(ENTERPRISE, POLICY, COMPANY, NOW, TODAY))
    return issued
