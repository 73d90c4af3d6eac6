"""Inspection rules: pure Python, no framework, one module per aggregate.

`inspections` (visits, findings, self-inspections, agency assignments), `hazards` (the closed
loops), `enforcement` (escalation, suspension orders, penalty cases), `accidents`, `evidence`,
`planning` (the annual plan), `indicators` (counters moved by events), `catalogue` (hazard
criteria, read from data) and `common` (roles, ids and events every module shares). The
names below are read by the service's contract.
"""

from services.inspection.domain import accidents, catalogue, enforcement
from services.inspection.domain.hazards import GRADES
from services.inspection.domain.hazards import SOURCES as HAZARD_SOURCES
from services.inspection.domain.inspections import CAMPAIGN_THEMES, MODES

# The value checks the service's rule set is loaded with.
RULE_CHECKS = {**catalogue.RULE_CHECKS, **enforcement.RULE_CHECKS, **accidents.RULE_CHECKS}

__all__ = ["CAMPAIGN_THEMES", "GRADES", "HAZARD_SOURCES", "MODES", "RULE_CHECKS"]
