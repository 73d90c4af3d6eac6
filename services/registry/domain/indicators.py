"""Targets 3 and 6 for a jurisdiction and year, from the registry's own records.

Target 3 (三同时): projects under way in the year with every stage due by then done / those
projects; projects accepted in the year that were spot-checked / projects accepted in the year.
Target 6 (standardization): enterprises holding a valid grade / enterprises required to hold one
(rule data), as of today or the year's end; grades re-assessed on time / grades expiring in the
year. Whether a stage is overdue or a grade valid depends on the day, so these are computed from
the records as of that day, by the same rules the records' own views apply.
"""

from datetime import date
from typing import Any

from services.kit.pure.commands import Document
from services.kit.pure.rates import rate
from services.registry.domain import projects as project_rules
from services.registry.domain import standardization as grading


def as_of(year: int, today: date) -> date:
    """The day a year's standing is read on: today for the current year, else its last day."""
    return min(today, date(year, 12, 31))


def projects(
    records: list[Document], regime: project_rules.Regime, year: int, today: date
) -> dict[str, Any]:
    """`records`: the projects under way in the year (registered by its end, not accepted
    before it)."""
    day = as_of(year, today)
    compliant = sum(not project_rules.overdue_stages(p, regime, day) for p in records)
    accepted = [p for p in records if (p["accepted_on"] or "")[:4] == str(year)]
    checked = sum(p["spot_checked_on"] is not None for p in accepted)
    return {
        "three_simultaneities": rate(compliant, len(records)),
        "project_spot_checks": rate(checked, len(accepted)),
    }


def standardization(
    enterprises: list[Document], terms: grading.Terms, year: int, today: date
) -> dict[str, Any]:
    day = as_of(year, today)
    required = [e for e in enterprises if terms.requires(e)]
    valid = sum(
        grading.state(e.get("standardization"), day) in ("valid", "review_due") for e in required
    )
    on_time = due = 0
    for enterprise in enterprises:
        done, expiring = grading.reassessment_counts(enterprise.get(grading.HISTORY) or [], year)
        on_time, due = on_time + done, due + expiring
    return {
        "standardization": rate(valid, len(required)),
        "reassessment": rate(on_time, due),
    }
