"""The eight targets of the work plan, composed from the services' indicator answers.

What each target counts is rule data (gateway/rules/targets.yaml, overridable per deployment):
per figure, the service and indicator method it comes from, the path to its number or rate in
that answer, the target value and the list of records behind it. This module only plans the calls
and puts the answers together; it calls nothing itself, so a missing service is one more input.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from services.kit.pure import regions
from services.kit.pure.rules import RuleSet

PREFIX = "targets."
# How a figure that could not be read says why, in the console's words.
NOT_DEPLOYED = "not_deployed"
UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Call:
    """One indicator call: a service's method for a region and year."""

    service: str
    method: str
    region: str
    year: int


@dataclass(frozen=True)
class Missing:
    """Why an answer is absent: the service is not deployed here, or did not answer."""

    state: str
    reason: str


def in_force(rule_set: RuleSet, day: date) -> list[dict[str, Any]]:
    """The targets in force on `day`, in their order, each with its figures."""
    rules = sorted(rule_set.in_force(PREFIX, day), key=lambda rule: int(rule.id[len(PREFIX) :]))
    return [
        {
            "number": int(rule.id[len(PREFIX) :]),
            "title": rule.title,
            "rule": rule.reference(),
            "figures": rule.value["figures"],
        }
        for rule in rules
    ]


def children(region: str) -> list[str]:
    """The divisions one level below `region` whose figures are shown side by side."""
    prefix = regions.scope_prefix(region)
    if prefix == region:  # a county has no divisions below it in this platform
        return []
    below = len(prefix) + 2
    return sorted(
        code
        for code, entry in regions.reference().items()
        if code.startswith(prefix)
        and code != region
        and entry.valid_to is None
        and regions.scope_prefix(code) == code[:below]
        and not entry.name.endswith("市辖区")
    )


def calls(targets: list[dict[str, Any]], region: str, year: int) -> list[Call]:
    """Every indicator call the targets need: this year, last year, and each division below."""
    methods = sorted({(f["service"], f["method"]) for t in targets for f in t["figures"]})
    below = children(region)
    return [
        Call(service, method, where, when)
        for service, method in methods
        for where, when in [(region, year), (region, year - 1), *((c, year) for c in below)]
    ]


def _at(answer: dict[str, Any], path: str) -> Any:
    value: Any = answer
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _reading(figure: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """The figure's numbers in one answer: a value, or numerator, denominator and rate."""
    if figure["kind"] == "count":
        return {"value": _at(answer, figure["value"])}
    found = _at(answer, figure["rate"]) or {}
    return {
        "numerator": found.get("numerator"),
        "denominator": found.get("denominator"),
        "rate": found.get("rate"),
    }


def _records(figure: dict[str, Any], region: str) -> str:
    path, _, query = figure["records"].partition("?")
    extra = urlencode({"region": region})
    return f"{path}?{query}&{extra}" if query else f"{path}?{extra}"


def _figure(figure, answers, region, year, below):
    shown = {
        "key": figure["key"],
        "title": figure["title"],
        "kind": figure["kind"],
        "service": figure["service"],
        "records": _records(figure, region),
    }
    if figure["kind"] == "rate":
        shown["target"] = figure.get("target", 1.0)
    else:
        shown["goal"] = figure.get("goal", "increase")
    current = answers[Call(figure["service"], figure["method"], region, year)]
    if isinstance(current, Missing):
        return {**shown, "state": current.state, "reason": current.reason}
    previous = answers[Call(figure["service"], figure["method"], region, year - 1)]
    return {
        **shown,
        "state": "available",
        **_reading(figure, current),
        "previous_year": None if isinstance(previous, Missing) else _reading(figure, previous),
        "by_region": [
            {"region": code, "name": _name(code), **_reading(figure, answer)}
            for code in below
            if not isinstance(
                answer := answers[Call(figure["service"], figure["method"], code, year)], Missing
            )
        ],
    }


def _state(states: set[str]) -> str:
    if "available" in states:
        return "available"
    return NOT_DEPLOYED if states == {NOT_DEPLOYED} else UNAVAILABLE


def _name(code: str) -> str:
    found = regions.lookup(code)
    return found.name if found else "全国"


def compose(
    targets: list[dict[str, Any]], answers: dict[Call, Any], region: str, year: int
) -> dict[str, Any]:
    """The targets as the dashboard shows them, from the answers to `calls(...)`.

    A target whose services all failed is marked with their reason; one that lost only some
    figures shows the rest."""
    below = children(region)
    composed = []
    for target in targets:
        figures = [_figure(f, answers, region, year, below) for f in target["figures"]]
        states = {f["state"] for f in figures}
        composed.append(
            {
                "number": target["number"],
                "title": target["title"],
                "rule": target["rule"],
                "services": sorted({f["service"] for f in figures}),
                "state": _state(states),
                "figures": figures,
            }
        )
    return {
        "region": region,
        "region_name": _name(region),
        "year": year,
        "children": [{"region": c, "name": _name(c)} for c in below],
        "targets": composed,
    }
