"""Accident reports and the four indicators: pure Python, no framework.

The rules come from 《生产安全事故报告和调查处理条例》 (国务院令第493号, in force
2007-06-01) [text], as dated data (services/inspection/rules/accidents.yaml): an accident is
judged by the rules in force on the day it occurred (`rules_on`). Commands take the current
state, those rules, the caller and the time and return `(document, events)`
(services.kit.pure.commands).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeGuard

from services.inspection.domain.common import (
    china_day,
    event,
    known_enterprise,
    new_id,
    text_errors,
)
from services.kit.pure import regions
from services.kit.pure import uscc as uscc_codes
from services.kit.pure.actor import Actor
from services.kit.pure.clock import CHINA
from services.kit.pure.commands import Document, Event, Result
from services.kit.pure.errors import Conflict, InvalidInput
from services.kit.pure.rules import Rule, RuleSet
from services.kit.pure.times import utc_instant

GRADES = ("general", "larger", "major", "especially_major")
GRADE_LABELS = {
    "general": "一般事故",
    "larger": "较大事故",
    "major": "重大事故",
    "especially_major": "特别重大事故",
}
GRADE_DIMENSIONS = ("deaths", "serious_injuries", "direct_loss_yuan")

# GB 6441-1986 《企业职工伤亡事故分类》 [secondary]: the twenty accident categories.
ACCIDENT_TYPES = {
    "object_strike": "物体打击",
    "vehicle": "车辆伤害",
    "machinery": "机械伤害",
    "lifting": "起重伤害",
    "electric_shock": "触电",
    "drowning": "淹溺",
    "scald": "灼烫",
    "fire": "火灾",
    "fall_from_height": "高处坠落",
    "collapse": "坍塌",
    "roof_fall": "冒顶片帮",
    "water_inrush": "透水",
    "blasting": "放炮",
    "gas_explosion": "瓦斯爆炸",
    "fire_explosion": "火药爆炸",
    "boiler_explosion": "锅炉爆炸",
    "vessel_explosion": "容器爆炸",
    "other_explosion": "其他爆炸",
    "poisoning_asphyxiation": "中毒和窒息",
    "other": "其他伤害",
}

# Casualty and loss figures of a report; serious injuries include acute industrial poisoning
# (493号 第三条). Loss is whole yuan.
CASUALTIES = ("deaths", "missing", "serious_injuries", "minor_injuries")
FIGURES = (*CASUALTIES, "direct_loss_yuan")
# Accident statistics count the missing with the dead; `missing` is also shown on its own.
INDICATORS = ("count", "deaths", "missing", "injuries", "direct_loss_yuan")

RULES = "inspection.accident."
GRADE_RULE = RULES + "grade.thresholds"
UNIT_DEADLINE_RULE = RULES + "report.unit_deadline_hours"
PER_LEVEL_RULE = RULES + "report.per_level_hours"
TARGETS_RULE = RULES + "report.escalation_targets"
SUPPLEMENT_RULE = RULES + "report.supplement_window_days"


@dataclass(frozen=True)
class AccidentRules:
    """The rules of 493号 in force on one day."""

    grades: Rule
    unit_deadline: Rule
    per_level: Rule
    targets: Rule
    supplement_window: Rule

    def grade(self, figures: dict[str, int]) -> str:
        """Art. 3: the worst grade any dimension reaches; a figure on a bound ("以上") is in."""
        bounds = {entry["grade"]: entry for entry in self.grades.value["grades"]}
        for grade in reversed(GRADES[1:]):
            if any(figures[name] >= bounds[grade][f"{name}_min"] for name in GRADE_DIMENSIONS):
                return grade
        return "general"

    def supplement_days(self, accident: Document) -> int:
        """Art. 13: 30 days, 7 for road-traffic and fire accidents."""
        window = self.supplement_window.value
        if accident["road_traffic"]:
            return int(window["road_traffic_days"])
        if accident["accident_type"] in window["fire_accident_types"]:
            return int(window["fire_days"])
        return int(window["default_days"])

    def levels_for(self, grade: str) -> list[str]:
        """Art. 10: the levels above the county an accident of `grade` is reported to."""
        levels = [entry["level"] for entry in self.targets.value["levels"]]
        return levels[: levels.index(self.targets.value["up_to"][grade]) + 1]


def rules_on(rules: RuleSet, day: date) -> AccidentRules:
    """The accident rules in force on `day`, the day an accident occurred."""
    identifiers = (GRADE_RULE, UNIT_DEADLINE_RULE, PER_LEVEL_RULE, TARGETS_RULE, SUPPLEMENT_RULE)
    try:
        return AccidentRules(*(rules.rule(identifier, day) for identifier in identifiers))
    except KeyError:
        raise  # a rule the service ships is missing: a defect, not the caller's input
    except LookupError:
        raise InvalidInput(
            "no accident reporting rules were in force on that day",
            {"occurred_at": [f"before the rules in force ({day.isoformat()})"]},
        ) from None


# --- value checks of the rules, at start-up -----------------------------------------------------


def _is_count(value: Any) -> bool:
    # bool is an int subclass, but True deaths is not a figure.
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _grades_problem(value: Any) -> str | None:
    entries = value.get("grades") if isinstance(value, dict) else None
    if not isinstance(entries, list) or sorted(
        str(entry.get("grade")) for entry in entries if isinstance(entry, dict)
    ) != sorted(GRADES):
        return f"grades lists each of {', '.join(GRADES)} once"
    bounds = {entry["grade"]: entry for entry in entries}
    for dimension in GRADE_DIMENSIONS:
        column = [bounds[grade].get(f"{dimension}_min") for grade in GRADES]
        if (
            not all(_is_count(bound) for bound in column)
            or column[0] != 0
            or column != sorted(column)
        ):
            return f"{dimension}_min is a whole number, 0 for general, rising with the grade"
    return None


def _targets_problem(value: Any) -> str | None:
    levels = (
        [entry.get("level") for entry in value.get("levels") or [] if isinstance(entry, dict)]
        if isinstance(value, dict)
        else []
    )
    up_to = value.get("up_to") if isinstance(value, dict) else None
    if (
        not levels
        or not isinstance(up_to, dict)
        or set(up_to) != set(GRADES)
        or not set(up_to.values()) <= set(levels)
    ):
        return "levels lists the levels in order, and up_to names one of them for each grade"
    return None


def _window_problem(value: Any) -> str | None:
    days = ("default_days", "road_traffic_days", "fire_days")
    if not isinstance(value, dict) or not all(
        _is_count(value.get(name)) and value[name] > 0 for name in days
    ):
        return f"{', '.join(days)} are whole numbers of days from 1"
    if not set(value.get("fire_accident_types") or ()) <= set(ACCIDENT_TYPES):
        return "fire_accident_types are GB 6441 categories"
    return None


def _hours_problem(name: str) -> Any:
    return lambda value: (
        None
        if isinstance(value, dict) and _is_positive(value.get(name))
        else f"{name} is a positive number of hours"
    )


_VALUE_CHECKS = {
    GRADE_RULE: _grades_problem,
    TARGETS_RULE: _targets_problem,
    SUPPLEMENT_RULE: _window_problem,
    UNIT_DEADLINE_RULE: _hours_problem("hours"),
    PER_LEVEL_RULE: _hours_problem("hours_per_level"),
}


def rule_problem(rule: Rule) -> str | None:
    """What is wrong with the value of an accident rule the code reads, or None."""
    check = _VALUE_CHECKS.get(rule.id)
    return check(rule.value) if check else None


RULE_CHECKS = {RULES: rule_problem}


# --- reports ------------------------------------------------------------------------------------


def _figure_errors(values: dict[str, Any]) -> dict[str, list[str]]:
    return {
        name: ["must be a whole number, zero or more"]
        for name, value in values.items()
        if not _is_count(value)
    }


def _is_instant(value: Any) -> TypeGuard[datetime]:
    return isinstance(value, datetime) and value.utcoffset() is not None


def _instant_errors(
    fields: dict[str, Any],
    name: str,
    now: datetime,
    not_before: Any = None,
    earlier: str = "the accident occurred",
) -> dict[str, list[str]]:
    """A time with its zone, not in the future, nor before `not_before` (when `earlier`)."""
    moment = fields.get(name)
    if not _is_instant(moment):
        return {name: ["must be a date and time with a time zone"]}
    if moment > now:
        return {name: ["in the future"]}
    if _is_instant(not_before) and moment < not_before:
        return {name: [f"before {earlier}"]}
    return {}


def _county_errors(fields: dict[str, Any], name: str) -> dict[str, list[str]]:
    code = fields.get(name)
    if not regions.is_current(code) or regions.scope_prefix(code) != code:
        return {name: ["not a current county-level division code"]}
    return {}


def snapshot(accident: Document) -> dict[str, Any]:
    """The accident as events and other services see it.

    Events add `indicator_delta`, so year counters move by `$inc` without reading accidents.
    """
    return {
        "accident_id": accident["_id"],
        "occurred_at": utc_instant(accident["occurred_at"]),
        "place": accident["place"],
        "uscc": accident["uscc"],
        "region_code": accident["region_code"],
        "occurred_region_code": accident["occurred_region_code"],
        "accident_type": accident["accident_type"],
        **{name: accident[name] for name in FIGURES},
        "grade": accident["grade"],
        "report_late": accident["report_late"],
    }


def _event(verb: str, accident: Document, now: datetime, data: dict[str, Any]) -> Event:
    return event("accident", verb, accident["_id"], accident["region_code"], now, data)


def _require_writer(accident: Document, actor: Actor) -> None:
    """The bureau where the accident occurred writes about it, and so does the enterprise's
    own."""
    counties = (accident["occurred_region_code"], accident["region_code"])
    actor.require_writer(
        next((code for code in counties if actor.sees_region(code)), accident["region_code"])
    )


def _applied(accident: Document, rules: AccidentRules, since: datetime) -> Document:
    """The accident with what its rules make of its figures and reports: the grade, the
    supplement window and the timing of every report, each naming its rule. A level the grade
    newly requires is required `since` then."""
    grade = rules.grade(accident)
    reporting = _reporting(accident, grade, rules, since)
    return {
        **accident,
        "grade": grade,
        "grade_rule": rules.grades.reference(),
        "supplement_window": _supplement_window(accident, rules),
        "reporting": reporting,
        "report_late": reporting["unit"]["late"]
        or any(level["late"] for level in reporting["levels"]),
    }


def _supplement_window(accident: Document, rules: AccidentRules) -> dict[str, Any]:
    """493号 Art. 13: the days are counted from the day after the accident (民法典 Art. 201),
    so the last day is the accident's day plus the window, in China time."""
    days = rules.supplement_days(accident)
    return {
        "days": days,
        "last_day": (china_day(accident["occurred_at"]) + timedelta(days=days)).isoformat(),
        "rule": rules.supplement_window.reference(),
    }


def _reporting(
    accident: Document, grade: str, rules: AccidentRules, since: datetime
) -> dict[str, Any]:
    """Art. 9: the unit reports to the county bureau within 1 hour; Art. 11: each level reports
    to the next within 2 hours. A level's deadline runs from the last report recorded below it
    (2 hours per level between), or from when it became due, if a supplement raised the grade.
    A level still waiting is flagged when answered past its deadline (`as_of`)."""
    unit_at = accident["reporting"]["unit"]["reported_at"]
    unit_due = accident["occurred_at"] + timedelta(hours=rules.unit_deadline.value["hours"])
    per_level = timedelta(hours=rules.per_level.value["hours_per_level"])
    recorded = {level["to"]: level for level in accident["reporting"]["levels"]}
    chain = rules.levels_for(grade)
    # Reports recorded for a level the grade no longer needs stay on the record.
    names = chain + [
        to for to, level in recorded.items() if to not in chain and level["reported_at"] is not None
    ]
    base, steps, levels = unit_at, 0, []
    for to in names:
        level = recorded.get(to) or {"to": to, "required_since": since, "reported_at": None}
        steps += 1
        due = max(base + steps * per_level, level["required_since"] + per_level)
        at = level["reported_at"]
        levels.append({**level, "due_by": due, "late": None if at is None else at > due})
        if at is not None:
            base, steps = at, 0
    return {
        "unit": {
            "reported_at": unit_at,
            "due_by": unit_due,
            "late": unit_at > unit_due,
            "rule": rules.unit_deadline.reference(),
        },
        "levels": levels,
        "level_rule": rules.per_level.reference(),
        "targets_rule": rules.targets.reference(),
    }


def report_accident_at(
    enterprise: Document | None,
    fields: dict[str, Any],
    rules: AccidentRules,
    actor: Actor,
    now: datetime,
) -> Result:
    """An accident at a known enterprise; it occurred in the enterprise's county unless the
    report names another."""
    enterprise = known_enterprise(enterprise)
    return report_accident(
        {
            "occurred_region_code": enterprise["region_code"],
            **fields,
            "region_code": enterprise["region_code"],
        },
        rules,
        actor,
        now,
    )


def report_accident(
    fields: dict[str, Any], rules: AccidentRules, actor: Actor, now: datetime
) -> Result:
    """A new accident report with its grade, report timing and the `reported` event.

    Every figure must be stated, zero included: 493号 第十二条 requires the casualties (missing
    persons included) and the estimated direct loss in the first report. `unit_reported_at`,
    when the unit reported to the bureau, is the time of this report unless given.
    """
    fields = {"unit_reported_at": now, "road_traffic": False, **fields}
    errors = {
        **text_errors(fields, ("place", "uscc", "region_code")),
        **_instant_errors(fields, "occurred_at", now),
        **_instant_errors(fields, "unit_reported_at", now, fields.get("occurred_at")),
        **_county_errors(fields, "occurred_region_code"),
        **_figure_errors({name: fields.get(name) for name in FIGURES}),
    }
    if "uscc" not in errors and uscc_codes.check(fields["uscc"]) is uscc_codes.UsccCheck.MALFORMED:
        errors["uscc"] = ["malformed"]
    if "region_code" not in errors and not regions.is_current(fields["region_code"]):
        errors["region_code"] = ["unknown or withdrawn division code"]
    if fields.get("accident_type") not in ACCIDENT_TYPES:
        errors["accident_type"] = ["not a GB 6441 accident category"]
    if not isinstance(fields["road_traffic"], bool):
        errors["road_traffic"] = ["true or false"]
    if errors:
        raise InvalidInput("the accident report is incomplete or wrong", errors)
    document = {
        "_id": new_id(),
        "occurred_at": fields["occurred_at"].astimezone(timezone.utc),
        "place": fields["place"].strip(),
        "uscc": fields["uscc"],
        "region_code": fields["region_code"],
        "occurred_region_code": fields["occurred_region_code"],
        "accident_type": fields["accident_type"],
        "road_traffic": fields["road_traffic"],
        **{name: fields[name] for name in FIGURES},
        "reporting": {
            "unit": {"reported_at": fields["unit_reported_at"].astimezone(timezone.utc)},
            "levels": [],
        },
        "reported_at": now,
        "reported_by": actor.user_id,
        "supplements": [],
        "version": 1,
    }
    _require_writer(document, actor)
    document = _applied(document, rules, document["reporting"]["unit"]["reported_at"])
    return document, [
        _event(
            "reported",
            document,
            now,
            {**snapshot(document), "indicator_delta": indicator_delta(None, document)},
        )
    ]


def supplement_accident(
    document: Document, changes: dict[str, Any], rules: AccidentRules, actor: Actor, now: datetime
) -> Result:
    """Changed figures with the supplement record, and `updated`; unchanged when nothing changes.

    `changes` holds the new figures and the `reason` for the supplement. The grade follows the
    figures. Art. 13 bounds only changes in casualties: the direct economic loss is settled by
    the investigation, so it may be corrected after the window.
    """
    _require_writer(document, actor)
    figures = {name: value for name, value in changes.items() if name != "reason"}
    errors = {name: ["cannot be supplemented"] for name in figures if name not in FIGURES}
    errors.update(
        _figure_errors({name: value for name, value in figures.items() if name in FIGURES})
    )
    errors.update(text_errors(changes, ("reason",)))
    if errors:
        raise InvalidInput("the supplement is incomplete or wrong", errors)
    changed = {name: value for name, value in figures.items() if document[name] != value}
    if not changed:
        return document, []
    _require_in_window(document, changed, rules, now)
    after = _applied({**document, **changed}, rules, now)
    if after["grade"] != document["grade"]:
        changed["grade"] = after["grade"]
    record: dict[str, Any] = {
        "at": now,
        "user_id": actor.user_id,
        "role": actor.role,
        "reason": changes["reason"].strip(),
        # Mappings, not [before, after] pairs: the database stores no arrays in arrays.
        "changes": {name: {"from": document[name], "to": value} for name, value in changed.items()},
    }
    after["supplements"] = [*document["supplements"], record]
    return after, [
        _event(
            "updated",
            after,
            now,
            {
                **snapshot(after),
                "reason": record["reason"],
                "changes": record["changes"],
                "indicator_delta": indicator_delta(document, after),
            },
        )
    ]


def _require_in_window(
    document: Document, changed: dict[str, Any], rules: AccidentRules, now: datetime
) -> None:
    """493号 Art. 13 bounds changes in casualties, not corrections of the loss."""
    window = _supplement_window(document, rules)
    late = [name for name in changed if name in CASUALTIES]
    if late and china_day(now).isoformat() > window["last_day"]:
        rule = window["rule"]
        reason = (
            f"casualty figures could be supplemented until {window['last_day']} "
            f"({window['days']} days, rule {rule['id']} v{rule['version']}); "
            "the direct economic loss can still be corrected"
        )
        raise Conflict(reason, {name: [reason] for name in late})


def report_upward(
    document: Document, fields: dict[str, Any], rules: AccidentRules, actor: Actor, now: datetime
) -> Result:
    """A bureau records when the accident was reported to the level `to` (Arts. 10-11)."""
    _require_writer(document, actor)
    levels = {level["to"]: level for level in document["reporting"]["levels"]}
    level = levels.get(fields.get("to"))
    if level is None:
        raise InvalidInput(
            "the accident is not reported to that level", {"to": [f"one of {', '.join(levels)}"]}
        )
    errors = _instant_errors(
        fields,
        "reported_at",
        now,
        document["reporting"]["unit"]["reported_at"],
        "the unit reported",
    )
    if errors:
        raise InvalidInput("the time of the report is wrong", errors)
    if level["reported_at"] is not None:
        raise Conflict(f"the report to the {level['to']} level is recorded already")
    reporting = {
        **document["reporting"],
        "levels": [
            {**entry, "reported_at": fields["reported_at"].astimezone(timezone.utc)}
            if entry is level
            else entry
            for entry in document["reporting"]["levels"]
        ],
    }
    return _applied({**document, "reporting": reporting}, rules, now), []


def recorded(accident: Document, rules: AccidentRules) -> Document:
    """The accident as this version records it. One stored before the county of occurrence and
    the timing of reports were recorded gets them: its registered county, and a unit report at
    the moment it was recorded."""
    if "reporting" in accident:
        return accident
    older = {
        **accident,
        "occurred_region_code": accident.get("occurred_region_code") or accident["region_code"],
        "road_traffic": accident.get("road_traffic", False),
        "reporting": {"unit": {"reported_at": accident["reported_at"]}, "levels": []},
    }
    return _applied(older, rules, accident["reported_at"])


def as_of(accident: Document, now: datetime) -> Document:
    """The accident as answered at `now`: a report up a level still missing after its deadline
    is late already (Art. 11)."""
    levels = [
        {**level, "late": True} if level["late"] is None and level["due_by"] < now else level
        for level in accident["reporting"]["levels"]
    ]
    return {
        **accident,
        "reporting": {**accident["reporting"], "levels": levels},
        "report_late": accident["report_late"] or any(level["late"] for level in levels),
    }


def occurrence_year(accident: Document) -> int:
    """Accidents count in the calendar year of China time in which they occurred."""
    year: int = accident["occurred_at"].astimezone(CHINA).year
    return year


def _indicators(accident: Document | None) -> dict[str, Any]:
    by_grade = dict.fromkeys(GRADES, 0)
    if accident is None:
        return {**dict.fromkeys(INDICATORS, 0), "by_grade": by_grade}
    return {
        "count": 1,
        "deaths": accident["deaths"] + accident["missing"],
        "missing": accident["missing"],
        "injuries": accident["serious_injuries"] + accident["minor_injuries"],
        "direct_loss_yuan": accident["direct_loss_yuan"],
        "by_grade": {**by_grade, accident["grade"]: 1},
    }


def four_indicators(accidents: list[Document], year: int) -> dict[str, Any]:
    """Count (also by grade), deaths (the missing included, as statistics count them), missing,
    injuries (serious and minor) and direct loss of the accidents of `year`."""
    totals = _indicators(None)
    for accident in accidents:
        if occurrence_year(accident) == year:
            totals = _added(totals, _indicators(accident), 1)
    return totals


def indicator_delta(before: Document | None, after: Document) -> dict[str, Any]:
    """What to `$inc` on a year's counters when an accident goes from `before` to `after`.

    `before` is None for a new report.
    """
    return _added(_indicators(after), _indicators(before), -1)


def _added(totals: dict[str, Any], amounts: dict[str, Any], sign: int) -> dict[str, Any]:
    return {
        name: _added(value, amounts[name], sign)
        if isinstance(value, dict)
        else value + sign * amounts[name]
        for name, value in totals.items()
    }
