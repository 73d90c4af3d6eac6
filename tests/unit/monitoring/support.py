"""Monitoring records built through the domain rules, for the unit tests: a fixed moment, a
food factory of 民乐县, its user, a device and a dust-removal point with the rules'
thresholds (high 1800, high-high 2200, low 200, low-low 100 Pa; hold 60 s)."""

from datetime import date, datetime, timedelta, timezone

from services.kit.pure.actor import Actor
from services.kit.rules import load_rules
from services.monitoring.domain import devices, points, policy
from services.monitoring.domain.readings import Reading

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
TODAY = date(2026, 3, 2)
USCC = "91620722MA02FDQ1XH"
# A food factory with a dust-removal system and an ammonia cold store.
ENTERPRISE = {
    "uscc": USCC,
    "name": "民乐县祁连食品有限公司",
    "region_code": "620722",
    "industry": "light_industry",
    "risk_features": ["ammonia_refrigeration", "dust_explosion"],
    "status": "operating",
}
OTHER = {**ENTERPRISE, "uscc": "91620722MA01XYW1QX", "name": "另一家公司"}
COMPANY = Actor(USCC, "enterprise", "620722", USCC)
MINLE = Actor("minle", "regulator", "620722")
GANZHOU = Actor("ganzhou", "regulator", "620702")
AGENCY = Actor("agency", "agency", "620722")
RULES = load_rules("monitoring", checks=policy.RULE_CHECKS)
POLICY = policy.policy_on(RULES, TODAY)
DUST = "dust_removal_pressure_differential"


def device(enterprise=ENTERPRISE):
    registered, _ = devices.register({"name": "除尘器网关"}, enterprise, MINLE, NOW)
    return registered


def point(**fields):
    registered, _ = points.register(
        {"name": "1号除尘器压差", "kind": DUST, **fields},
        ENTERPRISE,
        device(),
        POLICY,
        COMPANY,
        NOW,
    )
    return registered


def readings(point_id, values, start=NOW, step_seconds=10):
    return [
        Reading(point_id, start + timedelta(seconds=step_seconds * index), float(value))
        for index, value in enumerate(values)
    ]
