"""Targets 3 and 6 for a jurisdiction and year.

Flows are counters per county and year, moved by the registry's own events (each applied once):
projects accepted in the year and those of them spot-checked (target 3), grades expiring in the
year and those re-assessed by their expiry (target 6). Standings depend on the day as well as on
the facts (a stage becomes overdue, a grade expires, with no event), so they are read from the
records as of today or the year's end, by the same rules the records' own views apply: projects
under way in the year with every stage due by then done / those projects (三同时), enterprises
holding a valid grade / enterprises required to hold one (rule data).
"""

from datetime import date
from typing import Any

from services.kit.pure.commands import Document, Event
from services.kit.pure.rates import rate
from services.registry.domain import projects as project_rules
from services.registry.domain import standardization as grading


def as_of(year: int, today: date) -> date:
    """The day a year's standing is read on: today for the current year, else its last day."""
    return min(today, date(year, 12, 31))


Change = tuple[str, int, dict[str, int]]


def counter_deltas(event: Event) -> list[Change]:
    """[(county code, year, {counter: amount})] for one event; [] when it moves no counter."""
    entity, verb = event["type"].split(".")[3:5]
    data, county = event["data"], event["regioncode"]
    if (entity, verb) == ("project", "stage_recorded") and data["stage"] == "acceptance":
        return [(county, int(data["on"][:4]), {"projects_accepted": 1})]
    if (entity, verb) == ("project", "spot_checked") and data["first"]:
        return [(county, int(data["accepted_on"][:4]), {"projects_spot_checked": 1})]
    if (entity, verb) == ("standardization", "graded"):
        changes = [(county, int(data["expires_on"][:4]), {"reassessments_due": 1})]
        if data["reassessment"] == "on_time":
            year = int(data["previous_expires_on"][:4])
            changes.append((county, year, {"reassessments_on_time": 1}))
        return changes
    return []


def projects(
    records: list[Document],
    regime: project_rules.Regime,
    year: int,
    today: date,
    flows: dict[str, int],
) -> dict[str, Any]:
    """`records`: the projects under way in the year (registered by its end, not accepted
    before it); `flows`: the year's counters."""
    day = as_of(year, today)
    compliant = sum(not project_rules.overdue_stages(p, regime, day) for p in records)
    return {
        "three_simultaneities": rate(compliant, len(records)),
        "spot_checks": rate(
            flows.get("projects_spot_checked", 0), flows.get("projects_accepted", 0)
        ),
    }


def standardization(
    enterprises: list[Document], terms: grading.Terms, year: int, today: date, flows: dict[str, int]
) -> dict[str, Any]:
    day = as_of(year, today)
    required = [e for e in enterprises if terms.requires(e)]
    holding = ("valid", "review_due")
    valid = sum(grading.state(e.get("standardization"), day) in holding for e in required)
    return {
        "valid_grade": rate(valid, len(required)),
        "reassessed_on_time": rate(
            flows.get("reassessments_on_time", 0), flows.get("reassessments_due", 0)
        ),
    }
