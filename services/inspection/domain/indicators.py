"""Indicator counters per county and year, moved by the service's own events.

Each event the service publishes changes a few counters by a known amount; the service consumes its
own events (once each, by event id) and applies those amounts with $inc, so reading an indicator
never scans hazards or accidents. A city or province sums its counties.

Attribution: hazards count in the year they were found (so a year's rectification rate compares
like with like) and, as eliminated, in the year they were closed; accidents in the year they
occurred, in the county where they occurred; penalties and actions in the year decided.
`hazards.overdue` counts hazards that ever passed their deadline. Hazards open now are counted
per county under STANDING instead of a year (重大事故隐患动态清零).

Preparedness: an enterprise counts once among those with a plan on file, in the year of its
first filing (a stock: the sum of the years up to Y), and once per half year with a
principal-led drill, in the drill's year, and once more when the year has one in each half.
Dual prevention (target 4) depends on the day as well as on events — a register stops being
current when its review ages past the interval — so it is read from per-enterprise facts kept by
events (the latest review of each register, the years each enterprise reported a
self-inspection), not from counters. The denominators are the enterprises open at the year's end
(today, within it), counted from the registry's `enterprise.standing_changed` events.
"""

from typing import Any

from services.inspection.domain.accidents import GRADES as ACCIDENT_GRADES
from services.inspection.domain.accidents import INDICATORS as ACCIDENT_FIGURES
from services.inspection.domain.hazards import GRADES as HAZARD_GRADES
from services.kit.pure.clock import china_year
from services.kit.pure.commands import Event
from services.kit.pure.rates import rate

# The "year" of counters that tell the present state rather than a year's flow.
STANDING = "now"
# The stock of open enterprises, from the registry's standing events (the service's `counted`).
OPEN_ENTERPRISES = "enterprises.open"


def _hazard_deltas(
    verb: str, county: str, data: dict[str, Any], when: int
) -> list[tuple[str, int | str, dict[str, int]]]:
    grade = data["grade"]
    found = {
        "reported": {f"hazards.found.{grade}": 1},
        "closed": {f"hazards.closed.{grade}": 1},
        "overdue": {f"hazards.overdue.{grade}": 1},
        "regraded": {"hazards.found.general": -1, "hazards.found.major": 1},
    }.get(verb)
    open_now = {
        "reported": {f"hazards.open.{grade}": 1},
        "closed": {f"hazards.open.{grade}": -1},
        "regraded": {"hazards.open.general": -1, "hazards.open.major": 1},
    }.get(verb)
    # One entry per year: the store applies an event's amounts to a counter document once.
    by_year: dict[int | str, dict[str, int]] = {}
    if found:
        by_year[china_year(data["found_on"])] = found
    if verb == "closed":
        by_year.setdefault(when, {})[f"hazards.eliminated.{grade}"] = 1
    if open_now:
        by_year[STANDING] = open_now
    return [(county, year, amounts) for year, amounts in by_year.items()]


def _flat(amounts: dict[str, Any], prefix: str) -> dict[str, int]:
    flat: dict[str, int] = {}
    for name, value in amounts.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{name}."))
        elif value:
            flat[f"{prefix}{name}"] = value
    return flat


def counter_deltas(event: Event) -> list[tuple[str, int | str, dict[str, int]]]:
    """[(county code, year or STANDING, {counter: amount})] for one event; [] when it moves no
    counter."""
    kind = event["type"].split(".")[3:5]
    data = event["data"]
    county = event["regioncode"]
    when = china_year(event["time"])
    if kind[0] == "hazard":
        return _hazard_deltas(kind[1], county, data, when)
    if kind == ["penalty", "decided"]:
        return [(county, when, {"penalties.count": 1, "penalties.total_yuan": data["total_yuan"]})]
    if kind == ["enforcement", "action_taken"]:
        return [(county, when, {f"enforcement.{data['kind']}": 1})]
    if kind[0] == "accident" and "indicator_delta" in data:
        # Events published before the county of occurrence was recorded count where reported.
        return [
            (
                data.get("occurred_region_code", county),
                china_year(data["occurred_at"]),
                _flat(data["indicator_delta"], "accidents."),
            )
        ]
    if kind == ["emergency_plan", "filed"] and data["first_on_file"]:
        return [(county, china_year(data["filed_on"]), {"emergency.plans_on_file": 1})]
    if kind == ["drill", "recorded"] and data["first_principal_led_in_half"]:
        amounts = {f"drills.principal_led.{data['half'][-2:]}": 1}
        if data["both_halves_now"]:
            amounts["drills.principal_led.both_halves"] = 1
        return [(county, int(data["half"][:4]), amounts)]
    if kind == ["inspection", "completed"]:
        amounts = {f"inspections.{data['mode']}": 1}
        if data["mode"] == "project_spot_check":
            amounts["project_spot_checks"] = 1
        return [(county, when, amounts)]
    return []


def summary(
    counters: dict[str, int], previous: dict[str, int], standing: dict[str, dict[str, int]]
) -> dict[str, Any]:
    """The indicator report for one jurisdiction and year from summed counters, with the
    hazards open now in each of its counties (`standing`: {county: counters})."""

    def get(name: str, source: dict[str, int] = counters) -> int:
        return source.get(name, 0)

    def compared(name: str) -> dict[str, int]:
        return {"year": get(name), "previous_year": get(name, previous)}

    open_by_county = {
        county: {grade: amounts.get(f"hazards.open.{grade}", 0) for grade in HAZARD_GRADES}
        for county, amounts in sorted(standing.items())
    }
    hazards = {
        grade: {
            "found": get(f"hazards.found.{grade}"),
            "closed": get(f"hazards.closed.{grade}"),
            "overdue": get(f"hazards.overdue.{grade}"),
            "rectification": rate(get(f"hazards.closed.{grade}"), get(f"hazards.found.{grade}")),
            "eliminated": get(f"hazards.eliminated.{grade}"),
            "open_now": sum(county[grade] for county in open_by_county.values()),
        }
        for grade in HAZARD_GRADES
    }
    accidents: dict[str, Any] = {
        figure: compared(f"accidents.{figure}") for figure in ACCIDENT_FIGURES
    }
    accidents["by_grade"] = {
        grade: compared(f"accidents.by_grade.{grade}") for grade in ACCIDENT_GRADES
    }
    return {
        "hazards": hazards,
        "open_hazards_by_county": open_by_county,
        "penalties": {"count": get("penalties.count"), "total_yuan": get("penalties.total_yuan")},
        "enforcement_actions": {
            name.split(".", 1)[1]: value
            for name, value in counters.items()
            if name.startswith("enforcement.")
        },
        "inspections": {
            name.split(".", 1)[1]: value
            for name, value in counters.items()
            if name.startswith("inspections.")
        },
        "project_spot_checks": get("project_spot_checks"),
        "accidents": accidents,
    }


def self_inspection_facts(received: list[Event]) -> list[tuple[str, str, int]]:
    """[(uscc, county, year)] of the self-inspection reports among `received`."""
    return [
        (event["data"]["uscc"], event["regioncode"], china_year(event["data"]["performed_on"]))
        for event in received
        if event["type"].split(".")[3:5] == ["self_inspection", "reported"]
    ]


def preparedness(
    year_counters: dict[str, int], to_date: dict[str, int], dual_prevention: int
) -> dict[str, Any]:
    """Target 4 and the emergency-preparedness rates of a jurisdiction and year, each over the
    enterprises open at its end (today, within it)."""
    enterprises = to_date.get(OPEN_ENTERPRISES, 0)

    def drilled(half: str) -> dict[str, Any]:
        return rate(year_counters.get(f"drills.principal_led.{half}", 0), enterprises)

    return {
        "dual_prevention": rate(dual_prevention, enterprises),
        "emergency_plans_on_file": rate(to_date.get("emergency.plans_on_file", 0), enterprises),
        "principal_led_drills": {
            "each_half": drilled("both_halves"),
            "first_half": drilled("H1"),
            "second_half": drilled("H2"),
        },
    }
