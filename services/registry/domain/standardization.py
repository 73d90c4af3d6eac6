"""Safety production standardization (安全生产标准化) grades: how long they last, when review is
due.

应急〔2021〕83号 [secondary]: a grade is valid 3 years and re-assessment is applied for before
expiry. How long before is local policy [verify]; deployments may override.
"""

from datetime import date, timedelta
from typing import Any

from services.kit.pure.errors import InvalidInput

VALID_YEARS = 3
REVIEW_LEAD = timedelta(days=90)


def expiry_of(standardization: dict[str, Any]) -> date:
    if standardization.get("expires_on"):
        expires_on: date = standardization["expires_on"]
        return expires_on
    graded: date = standardization["graded_on"]
    try:
        return graded.replace(year=graded.year + VALID_YEARS)
    except ValueError:  # graded on 29 February
        return graded.replace(year=graded.year + VALID_YEARS, day=28)


def normalise(standardization: dict[str, Any] | None, today: date) -> dict[str, Any] | None:
    """Dates as ISO strings with the expiry filled in; refuses impossible dates."""
    if standardization is None:
        return None
    graded_on = standardization["graded_on"]
    if graded_on > today:
        raise InvalidInput(
            "a standardization grade cannot be awarded in the future",
            {"standardization": {"graded_on": ["in the future"]}},
        )
    expires_on = expiry_of(standardization)
    if expires_on <= graded_on:
        raise InvalidInput(
            "the grade must expire after it was awarded",
            {"standardization": {"expires_on": ["not after graded_on"]}},
        )
    return {
        "grade": standardization["grade"],
        "graded_on": graded_on.isoformat(),
        "expires_on": expires_on.isoformat(),
    }


def review_due_on(standardization: dict[str, Any] | None) -> str | None:
    if not standardization:
        return None
    return (date.fromisoformat(standardization["expires_on"]) - REVIEW_LEAD).isoformat()


def state(standardization: dict[str, Any] | None, today: date) -> str | None:
    """valid, review_due (the re-assessment should be applied for) or expired."""
    if not standardization:
        return None
    if today > date.fromisoformat(standardization["expires_on"]):
        return "expired"
    if today >= date.fromisoformat(str(review_due_on(standardization))):
        return "review_due"
    return "valid"
