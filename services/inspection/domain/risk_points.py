"""Risk points and each enterprise's risk register: the risk half of dual prevention (双重预防).

Sources (see DOMAIN.md and rules/dual_prevention.yaml): 安委办〔2016〕11号 — risks graded in four
levels, 重大/较大/一般/低 shown red/orange/yellow/blue, each point with its control measures, the
person responsible and the level that controls it; the levels' score bands and the review interval
are rule data. Hazard types are the GB 6441 categories of the accident rules.

A risk point may be kept as a draft while it is being assessed; a point of a level that requires
measures (red) cannot be accepted as complete without them, and while it lacks them it is a
finding on the enterprise's inspection checklist. The register (one per enterprise) is reviewed
as a whole, which is what makes it current.

Every command returns `(document, events)` (services.kit.pure.commands).
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.inspection.domain.accidents import ACCIDENT_TYPES
from services.inspection.domain.common import (
    INSPECTORS,
    event,
    known_enterprise,
    new_id,
    require_enterprise_writer,
)
from services.kit.pure.actor import Actor
from services.kit.pure.commands import Document, Result
from services.kit.pure.errors import InvalidInput
from services.kit.pure.rules import Rule, RuleSet

LEVELS_RULE = "inspection.risk.levels"
REVIEW_INTERVAL_RULE = "inspection.risk.review_interval_months"
RULES = "inspection.risk."
KINDS = ("place", "activity", "equipment")
CONTROL_LEVELS = ("company", "workshop", "team")
METHODS = ("lec", "ls")
WRITERS = ("enterprise", *INSPECTORS)
# The stable code of the one refusal a user must recognise: a red point without measures.
WITHOUT_MEASURES = "risk_point_without_measures"
FINDING_TEXT = "重大风险点未制定管控措施"


@dataclass(frozen=True)
class Levels:
    """The four levels in force, highest first, with their score bands (a rule's value)."""

    rule: Rule

    @property
    def entries(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self.rule.value["levels"]
        return entries

    def named(self, level: str) -> dict[str, Any]:
        return next(entry for entry in self.entries if entry["level"] == level)

    def graded(self, method: str, score: float) -> str:
        """The highest level whose lower bound the score reaches."""
        return str(next(e["level"] for e in self.entries if score >= e[f"{method}_min"]))

    def on_checklist(self, level: str) -> bool:
        return level in self.rule.value["on_checklist"]

    def needs_measures(self, level: str) -> bool:
        return level in self.rule.value["measures_required"]


def levels_on(rules: RuleSet, day: date) -> Levels:
    return Levels(rules.rule(LEVELS_RULE, day))


def score_of(assessment: dict[str, Any]) -> float:
    """LEC: D = L × E × C; the risk matrix: R = likelihood × severity."""
    if assessment["method"] == "lec":
        return round(assessment["l"] * assessment["e"] * assessment["c"], 2)
    return float(assessment["likelihood"] * assessment["severity"])


def _assessment_errors(assessment: dict[str, Any]) -> dict[str, list[str]]:
    needed = ("l", "e", "c") if assessment["method"] == "lec" else ("likelihood", "severity")
    return {name: ["required for this method"] for name in needed if name not in assessment}


def _checked(fields: dict[str, Any], levels: Levels) -> dict[str, Any]:
    """The point's fields as recorded, with its score and level; refuses what breaks a rule."""
    errors: dict[str, Any] = {}
    unknown = sorted(set(fields["hazard_types"]) - set(ACCIDENT_TYPES))
    if unknown:
        errors["hazard_types"] = [f"not GB 6441 categories: {', '.join(unknown)}"]
    assessment_errors = _assessment_errors(fields["assessment"])
    if assessment_errors:
        errors["assessment"] = assessment_errors
    if errors:
        raise InvalidInput("the risk point has invalid fields", errors)
    score = score_of(fields["assessment"])
    level = levels.graded(fields["assessment"]["method"], score)
    measures = [measure.strip() for measure in fields.get("measures", []) if measure.strip()]
    if fields["complete"] and levels.needs_measures(level) and not measures:
        raise InvalidInput(
            f"a {levels.named(level)['name']} point cannot be complete without control measures",
            {"measures": ["required before a red risk point is accepted as complete"]},
            code=WITHOUT_MEASURES,
        )
    return {
        "name": fields["name"],
        "kind": fields["kind"],
        "hazard_types": sorted(set(fields["hazard_types"])),
        "assessment": {**fields["assessment"], "score": score},
        "level": level,
        "colour": levels.named(level)["colour"],
        "levels_rule": levels.rule.reference(),
        "measures": measures,
        "responsible_person": fields["responsible_person"],
        "control_level": fields["control_level"],
        "complete": fields["complete"],
    }


def _point_event(verb: str, point: Document, now: datetime) -> dict[str, Any]:
    return event(
        "risk_point",
        verb,
        point["uscc"],
        point["region_code"],
        now,
        {
            "risk_point_id": point["_id"],
            "uscc": point["uscc"],
            "level": point["level"],
            "complete": point["complete"],
            "has_measures": bool(point["measures"]),
        },
    )


def record_risk_point(
    fields: dict[str, Any],
    enterprise: Document | None,
    levels: Levels,
    actor: Actor,
    now: datetime,
) -> Result:
    """A risk point the enterprise identified (or the bureau recorded for it)."""
    enterprise = known_enterprise(enterprise)
    require_enterprise_writer(enterprise, actor, WRITERS)
    point = {
        "_id": new_id(),
        "uscc": enterprise["uscc"],
        "region_code": enterprise["region_code"],
        "enterprise_name": enterprise["name"],
        **_checked(fields, levels),
        "recorded_at": now,
        "recorded_by": actor.user_id,
        "updated_at": now,
        "version": 1,
    }
    return point, [_point_event("recorded", point, now)]


def change_risk_point(
    point: Document, fields: dict[str, Any], levels: Levels, actor: Actor, now: datetime
) -> Result:
    """The point re-assessed or its measures changed: the whole point is given again."""
    require_enterprise_writer(point, actor, WRITERS)
    changed = {**point, **_checked(fields, levels), "updated_at": now}
    return changed, [_point_event("changed", changed, now)]


def checklist_entries(points: list[Document], levels: Levels) -> list[dict[str, Any]]:
    """The enterprise's red and orange points for the inspection checklist; a point that needs
    measures and has none is marked as a finding."""
    return [
        {
            "risk_point_id": point["_id"],
            "name": point["name"],
            "level": point["level"],
            "colour": point["colour"],
            "measures": point["measures"],
            "responsible_person": point["responsible_person"],
            "control_level": point["control_level"],
            "finding": _finding(point, levels),
        }
        for point in points
        if levels.on_checklist(point["level"])
    ]


def _finding(point: Document, levels: Levels) -> str | None:
    return FINDING_TEXT if levels.needs_measures(point["level"]) and not point["measures"] else None


# --- the register -----------------------------------------------------------------------------


def review_register(
    register: Document | None,
    points: list[Document],
    enterprise: Document | None,
    reviewed_on: date,
    levels: Levels,
    actor: Actor,
    now: datetime,
    today: date,
) -> Result:
    """The enterprise reviews its whole register (辨识评估): every point must be complete, and
    the red ones have measures, before the register counts as reviewed on that day."""
    enterprise = known_enterprise(enterprise)
    require_enterprise_writer(enterprise, actor, WRITERS)
    if reviewed_on > today:
        raise InvalidInput("a review cannot be dated in the future", {"reviewed_on": ["future"]})
    if not points:
        raise InvalidInput(
            "a register without risk points cannot be reviewed",
            {"risk_points": ["record the enterprise's risk points first"]},
        )
    incomplete = sorted(point["_id"] for point in points if not point["complete"])
    unmeasured = sorted(point["_id"] for point in points if _finding(point, levels))
    if unmeasured:
        raise InvalidInput(
            "red risk points without control measures cannot be accepted",
            {"risk_points": unmeasured},
            code=WITHOUT_MEASURES,
        )
    if incomplete:
        raise InvalidInput(
            "every risk point must be complete before the register is reviewed",
            {"risk_points": incomplete},
        )
    by_level = {entry["level"]: 0 for entry in levels.entries}
    for point in points:
        by_level[point["level"]] = by_level.get(point["level"], 0) + 1
    reviewed = {
        "_id": enterprise["uscc"],
        "uscc": enterprise["uscc"],
        "region_code": enterprise["region_code"],
        "enterprise_name": enterprise["name"],
        "reviewed_on": reviewed_on.isoformat(),
        "reviewed_by": actor.user_id,
        "reviewed_at": now,
        "points": len(points),
        "by_level": by_level,
        # The store counts versions; a first review starts at 1.
        "version": register["version"] if register else 1,
    }
    return reviewed, [
        event(
            "risk_register",
            "reviewed",
            enterprise["uscc"],
            enterprise["region_code"],
            now,
            {
                "uscc": enterprise["uscc"],
                "reviewed_on": reviewed["reviewed_on"],
                "points": len(points),
                "by_level": by_level,
            },
        )
    ]


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (民法典 Art. 202)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in range(day.day, 27, -1):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    return date(year, month, min(day.day, 28))


def current_since(as_of: date, interval_months: int) -> date:
    """The earliest review date that keeps a register current on `as_of`."""
    return add_months(as_of, -interval_months)


def register_view(
    register: Document | None,
    enterprise: Document,
    points: list[Document],
    levels: Levels,
    interval_months: int,
    today: date,
) -> dict[str, Any]:
    """The register as an enterprise or a bureau reads it: its points (highest level first),
    whether it is current, when its next review is due, and its findings."""
    order = {entry["level"]: index for index, entry in enumerate(levels.entries)}
    reviewed_on = register and date.fromisoformat(register["reviewed_on"])
    due_on = reviewed_on and add_months(reviewed_on, interval_months)
    return {
        "uscc": enterprise["uscc"],
        "enterprise_name": enterprise["name"],
        "reviewed_on": reviewed_on or None,
        "reviewed_by": register and register["reviewed_by"],
        "review_due_on": due_on or None,
        "current": bool(due_on and today <= due_on),
        "review_interval_months": interval_months,
        "risk_points": sorted(points, key=lambda point: (order[point["level"]], point["name"])),
        "findings": [
            {"risk_point_id": point["_id"], "name": point["name"], "finding": text}
            for point in points
            if (text := _finding(point, levels))
        ],
    }


# --- value checks of the rules, at start-up ---------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _levels_problem(value: Any) -> str | None:
    entries = value.get("levels") if isinstance(value, dict) else None
    if not isinstance(entries, list) or len(entries) < 2:
        return "levels lists the levels, highest first"
    names = [entry.get("level") for entry in entries if isinstance(entry, dict)]
    for method in METHODS:
        bounds: list[float] = [
            entry[f"{method}_min"]
            for entry in entries
            if isinstance(entry, dict) and _is_number(entry.get(f"{method}_min"))
        ]
        if len(bounds) != len(entries) or bounds != sorted(bounds, reverse=True) or bounds[-1] != 0:
            return f"{method}_min falls with the level, to 0 for the lowest"
    for key in ("on_checklist", "measures_required"):
        if not set(value.get(key) or ()) <= set(names):
            return f"{key} names levels of the list"
    return None


def _interval_problem(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return None
    return "a whole number of months from 1"


_VALUE_CHECKS = {LEVELS_RULE: _levels_problem, REVIEW_INTERVAL_RULE: _interval_problem}


def rule_problem(rule: Rule) -> str | None:
    check = _VALUE_CHECKS.get(rule.id)
    return check(rule.value) if check else None


RULE_CHECKS = {RULES: rule_problem}
