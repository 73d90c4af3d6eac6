"""Inspection rules: pure Python, no framework, one module per aggregate.

`inspections` (visits, findings, self-inspections, agency assignments), `hazards` (the closed
loops), `enforcement` (escalation, suspension orders, penalty cases), `accidents`, `evidence`,
`planning` (the annual plan), `risk_points` (risk points and registers, dual prevention),
`emergency_plans` and `drills` (plans, their filing, drills and their reminders), `indicators`
(counters moved by events), `catalogue` (hazard criteria, read from data) and `common` (roles,
ids and events every module shares). The names below are read by the service's contract.
"""

from services.inspection.domain import (
    accidents,
    catalogue,
    drills,
    emergency_plans,
    enforcement,
    risk_points,
)
from services.inspection.domain.hazards import GRADES
from services.inspection.domain.hazards import SOURCES as HAZARD_SOURCES
from services.inspection.domain.inspections import CAMPAIGN_THEMES, MODES

# The value checks the service's rule set is loaded with.
RULE_CHECKS = {
    **catalogue.RULE_CHECKS,
    **enforcement.RULE_CHECKS,
    **accidents.RULE_CHECKS,
    **risk_points.RULE_CHECKS,
    **drills.RULE_CHECKS,
    **emergency_plans.RULE_CHECKS,
}

__all__ = ["CAMPAIGN_THEMES", "GRADES", "HAZARD_SOURCES", "MODES", "RULE_CHECKS"]
