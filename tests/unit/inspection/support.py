"""Inspection records built through the domain rules, for the inspection unit tests: a fixed
moment, an enterprise of 民乐县 and its inspector, a visit and a completed inspection."""

from datetime import date, datetime, timezone

from services.inspection.domain import RULE_CHECKS, catalogue, hazards, inspections
from services.kit.pure.actor import Actor
from services.kit.rules import load_rules

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 2)
USCC = "91620722MA01XYW0QX"
ENTERPRISE = {
    "uscc": USCC,
    "name": "民乐县测试机械有限公司",
    "region_code": "620722",
    "industry": "machinery",
    "risk_features": ["dust_explosion"],
    "status": "operating",
}
INSPECTOR = Actor("inspector-minle", "inspector", "620722")
# On-site enforcement needs two officers (行政处罚法 Art. 42).
SECOND_OFFICER = "inspector-zhang"
RULES = load_rules("inspection", checks=RULE_CHECKS)
CATALOGUE = catalogue.in_force(RULES, TODAY)


def visit(mode="unannounced", **fields):
    inspection, _ = inspections.open_inspection(
        {"mode": mode, "place": "车间", "content": "检查", "inspectors": [SECOND_OFFICER],
         **fields},
        ENTERPRISE,
        None,
        INSPECTOR,
        NOW,
        TODAY,
    )
    return inspection


def completed_with(*findings):
    """The completed inspection, its events, and the hazards found with their events."""
    inspection = visit()
    for finding in findings:
        inspection, _ = inspections.add_finding(
            inspection, finding, CATALOGUE, INSPECTOR, NOW, TODAY
        )
    completed, events = inspections.complete_inspection(
        inspection, {"handling": "限期整改", "signature": "王伟"}, INSPECTOR, NOW
    )
    return completed, events, hazards.found_in(completed, NOW)
