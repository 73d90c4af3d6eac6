"""Indicator counters per county and year, moved by the service's own events.

Each event the service publishes changes a few counters by a known amount; the service consumes its
own events (once each, by event id) and applies those amounts with $inc, so reading an indicator
never scans hazards or accidents. A city or province sums its counties.

Attribution: hazards count in the year they were found (so a year's rectification rate compares
like with like), accidents in the year they occurred, penalties and actions in the year decided.
`hazards.overdue` counts hazards that ever passed their deadline.
"""
from datetime import date, datetime
from typing import Any

from services.kit.pure.clock import CHINA
from services.kit.pure.commands import Event

ACCIDENT_FIGURES = ("count", "deaths", "injuries", "direct_loss_yuan")


def _year(value: Any) -> int:
    if isinstance(value, str):
        return int(value[:4])
    if isinstance(value, datetime):
        year: int = value.astimezone(CHINA).year
        return year
    if isinstance(value, date):
        return value.year
    raise ValueError(f"no year in {value!r}")


def counter_deltas(event: Event) -> list[tuple[str, int, dict[str, int]]]:
    """[(county code, year, {counter: amount})] for one event; [] when it moves no counter."""
    kind = event["type"].split(".")[3:5]
    data = event["data"]
    county = event["regioncode"]
    when = _year(event["time"])
    if kind[0] == "hazard":
        grade = data["grade"]
        found = _year(data["found_on"])
        amounts = {
            "reported": {f"hazards.found.{grade}": 1},
            "closed": {f"hazards.closed.{grade}": 1},
            "overdue": {f"hazards.overdue.{grade}": 1},
            "regraded": {"hazards.found.general": -1, "hazards.found.major": 1},
        }.get(kind[1])
        return [(county, found, amounts)] if amounts else []
    if kind == ["penalty", "decided"]:
        return [(county, when, {"penalties.count": 1,
                                "penalties.total_yuan": data["total_yuan"]})]
    if kind == ["enforcement", "action_taken"]:
        return [(county, when, {f"enforcement.{data['kind']}": 1})]
    if kind[0] == "accident" and "indicator_delta" in data:
        year = _year(data["occurred_at"])
        return [(county, year, {f"accidents.{key}": value
                                for key, value in data["indicator_delta"].items() if value})]
    if kind == ["inspection", "completed"]:
        amounts = {f"inspections.{data['mode']}": 1}
        if data["mode"] == "project_spot_check":
            amounts["project_spot_checks"] = 1
        return [(county, when, amounts)]
    return []


def rate(numerator: int, denominator: int) -> dict[str, Any]:
    """A rate shows both numbers; with nothing to count it is None, not 100 %."""
    return {"numerator": numerator, "denominator": denominator,
            "rate": round(numerator / denominator, 4) if denominator else None}


def summary(counters: dict[str, int], previous: dict[str, int]) -> dict[str, Any]:
    """The indicator report for one jurisdiction and year from summed counters."""
    def get(name: str, source: dict[str, int] = counters) -> int:
        return source.get(name, 0)

    hazards = {grade: {"found": get(f"hazards.found.{grade}"),
                       "closed": get(f"hazards.closed.{grade}"),
                       "overdue": get(f"hazards.overdue.{grade}"),
                       "rectification": rate(get(f"hazards.closed.{grade}"),
                                             get(f"hazards.found.{grade}"))}
               for grade in ("general", "major")}
    accidents = {figure: {"year": get(f"accidents.{figure}"),
                          "previous_year": get(f"accidents.{figure}", previous)}
                 for figure in ACCIDENT_FIGURES}
    return {
        "hazards": hazards,
        "penalties": {"count": get("penalties.count"),
                      "total_yuan": get("penalties.total_yuan")},
        "enforcement_actions": {name.split(".", 1)[1]: value for name, value in counters.items()
                                if name.startswith("enforcement.")},
        "inspections": {name.split(".", 1)[1]: value for name, value in counters.items()
                        if name.startswith("inspections.")},
        "project_spot_checks": get("project_spot_checks"),
        "accidents": accidents,
    }
