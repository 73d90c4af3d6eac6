"""Targets 3 and 6 for a jurisdiction and year.

Flows are counters per county and year, moved by the registry's own events (each applied once):
projects accepted in the year and those of them spot-checked (target 3), grades expiring in the
year and those re-assessed by their expiry (target 6).

Each enterprise carries its standing (open, keeping confined spaces, required to hold a grade,
holding a valid one), derived again whenever it is stored; a change publishes
`enterprise.standing_changed`, which moves the stocks here (enterprises holding a valid grade /
those required to, rule data) and in the services that count open enterprises. A grade lapses by
the daily timer's write, so the day's passing reaches the standing too.

Projects under way in the year with every stage due by then done / those projects (三同时) are
read from the projects as of today or the year's end: a stage becomes overdue with no event.
"""

from datetime import date, datetime
from typing import Any

from services.kit.pure.clock import CHINA
from services.kit.pure.commands import Document, Event
from services.kit.pure.rates import rate
from services.kit.pure.standings import Standing, standing_changes
from services.registry.domain import projects as project_rules
from services.registry.domain import standardization as grading
from services.registry.domain.common import event


def as_of(year: int, today: date) -> date:
    """The day a year's standing is read on: today for the current year, else its last day."""
    return min(today, date(year, 12, 31))


Change = tuple[str, int, dict[str, int]]
STANDING = "standing"
# The grade states that count as holding a valid grade.
HOLDING = ("valid", "review_due")
CONFINED_SPACE = "confined_space"


def standing(enterprise: Document, terms: grading.Terms, today: date) -> Standing:
    """What the enterprise adds to the stocks, and where."""
    is_open = enterprise["status"] != "closed"
    required = terms.requires(enterprise)
    return {
        "region_code": enterprise["region_code"],
        "open": is_open,
        "confined_space": is_open and CONFINED_SPACE in (enterprise.get("risk_features") or ()),
        "grading_required": required,
        "grade_held": required
        and grading.state(enterprise.get("standardization"), today) in HOLDING,
    }


def with_standing(
    enterprise: Document, events: list[Event], terms: grading.Terms, now: datetime
) -> tuple[Document, list[Event]]:
    """The enterprise about to be stored with its standing derived again, and its events with
    `enterprise.standing_changed` added when the standing changed."""
    derived = standing(enterprise, terms, now.astimezone(CHINA).date())
    before = enterprise.get(STANDING)
    if before == derived:
        return enterprise, events
    changed = event(
        "enterprise",
        "standing_changed",
        enterprise["uscc"],
        enterprise["region_code"],
        now,
        {"uscc": enterprise["uscc"], "before": before, "after": derived},
    )
    return {**enterprise, STANDING: derived}, [*events, changed]


def _grading_amounts(standing: Standing) -> dict[str, int]:
    return {"grading_required": standing["grading_required"], "grades_held": standing["grade_held"]}


def counter_deltas(event: Event) -> list[Change]:
    """[(county code, year, {counter: amount})] for one event; [] when it moves no counter."""
    entity, verb = event["type"].split(".")[3:5]
    data, county = event["data"], event["regioncode"]
    if (entity, verb) == ("project", "stage_recorded") and data["stage"] == "acceptance":
        return [(county, int(data["on"][:4]), {"projects_accepted": 1})]
    if (entity, verb) == ("project", "spot_checked") and data["first"]:
        return [(county, int(data["accepted_on"][:4]), {"projects_spot_checked": 1})]
    if (entity, verb) == ("enterprise", "standing_changed"):
        return standing_changes(event, _grading_amounts)
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


def standardization(year_counters: dict[str, int], to_date: dict[str, int]) -> dict[str, Any]:
    """Target 6 from the year's flows and the stocks at its end (today, within it)."""
    return {
        "valid_grade": rate(to_date.get("grades_held", 0), to_date.get("grading_required", 0)),
        "reassessed_on_time": rate(
            year_counters.get("reassessments_on_time", 0),
            year_counters.get("reassessments_due", 0),
        ),
    }
