"""Accident reports and the four indicators: pure Python, no framework.

The rules come from 《生产安全事故报告和调查处理条例》 (国务院令第493号, in force 2007-06-01) [text].
Commands take the current state, the caller and the time and return `(document, events)`
(services.kit.pure.commands).
"""
from datetime import datetime, timedelta, timezone
from typing import Any

from services.inspection.domain.common import event, known_enterprise, new_id, text_errors
from services.kit.pure import regions, uscc as uscc_codes
from services.kit.pure.actor import Actor
from services.kit.pure.clock import CHINA
from services.kit.pure.commands import Document, Event, Result
from services.kit.pure.errors import Conflict, InvalidInput
from services.kit.pure.times import utc_instant

GRADES = ("general", "larger", "major", "especially_major")
GRADE_LABELS = {"general": "一般事故", "larger": "较大事故", "major": "重大事故",
                "especially_major": "特别重大事故"}
# 493号 第三条 [text]: the lower bound of each grade, worst grade first. "以上" includes the bound
# and "以下" excludes it, so a figure exactly on a bound belongs to the worse grade.
GRADE_THRESHOLDS = (
    ("especially_major", {"deaths": 30, "serious_injuries": 100, "direct_loss_yuan": 100_000_000}),
    ("major", {"deaths": 10, "serious_injuries": 50, "direct_loss_yuan": 50_000_000}),
    ("larger", {"deaths": 3, "serious_injuries": 10, "direct_loss_yuan": 10_000_000}),
)

# GB 6441-1986 《企业职工伤亡事故分类》 [secondary]: the twenty accident categories.
ACCIDENT_TYPES = {
    "object_strike": "物体打击", "vehicle": "车辆伤害", "machinery": "机械伤害",
    "lifting": "起重伤害", "electric_shock": "触电", "drowning": "淹溺", "scald": "灼烫",
    "fire": "火灾", "fall_from_height": "高处坠落", "collapse": "坍塌", "roof_fall": "冒顶片帮",
    "water_inrush": "透水", "blasting": "放炮", "gas_explosion": "瓦斯爆炸",
    "fire_explosion": "火药爆炸", "boiler_explosion": "锅炉爆炸", "vessel_explosion": "容器爆炸",
    "other_explosion": "其他爆炸", "poisoning_asphyxiation": "中毒和窒息", "other": "其他伤害",
}

# Casualty and loss figures of a report; serious injuries include acute industrial poisoning
# (493号 第三条). Loss is whole yuan.
FIGURES = ("deaths", "missing", "serious_injuries", "minor_injuries", "direct_loss_yuan")
# 493号 第十三条 [text]: casualty changes within 30 days of the accident are reported as supplements.
SUPPLEMENT_WINDOW = timedelta(days=30)
INDICATORS = ("count", "deaths", "injuries", "direct_loss_yuan")


def accident_grade(deaths: int, serious_injuries: int, direct_loss_yuan: int) -> str:
    """The worst grade any of the three dimensions reaches."""
    figures = {"deaths": deaths, "serious_injuries": serious_injuries,
               "direct_loss_yuan": direct_loss_yuan}
    for grade, bounds in GRADE_THRESHOLDS:
        if any(figures[name] >= bound for name, bound in bounds.items()):
            return grade
    return "general"


def _grade_of(accident: Document) -> str:
    return accident_grade(accident["deaths"], accident["serious_injuries"],
                          accident["direct_loss_yuan"])


def _is_count(value: Any) -> bool:
    # bool is an int subclass, but True deaths is not a figure.
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _figure_errors(values: dict[str, Any]) -> dict[str, list[str]]:
    return {name: ["must be a whole number, zero or more"]
            for name, value in values.items() if not _is_count(value)}


def _occurrence_errors(occurred_at: Any, now: datetime) -> dict[str, list[str]]:
    if not isinstance(occurred_at, datetime) or occurred_at.utcoffset() is None:
        return {"occurred_at": ["must be a date and time with a time zone"]}
    if occurred_at > now:
        return {"occurred_at": ["in the future"]}
    return {}


def snapshot(accident: Document) -> dict[str, Any]:
    """The accident as events and other services see it.

    Events add `indicator_delta`, so year counters move by `$inc` without reading accidents.
    """
    return {"accident_id": accident["_id"], "occurred_at": utc_instant(accident["occurred_at"]),
            "place": accident["place"], "uscc": accident["uscc"],
            "region_code": accident["region_code"], "accident_type": accident["accident_type"],
            **{name: accident[name] for name in FIGURES}, "grade": accident["grade"]}


def _event(verb: str, accident: Document, now: datetime, data: dict[str, Any]) -> Event:
    return event("accident", verb, accident["_id"], accident["region_code"], now, data)


def report_accident_at(enterprise: Document | None, fields: dict[str, Any], actor: Actor,
                       now: datetime) -> Result:
    """An accident at a known enterprise, in the enterprise's division."""
    enterprise = known_enterprise(enterprise)
    return report_accident({**fields, "region_code": enterprise["region_code"]}, actor, now)


def report_accident(fields: dict[str, Any], actor: Actor, now: datetime) -> Result:
    """A new accident report with its computed grade and the `reported` event.

    Every figure must be stated, zero included: 493号 第十二条 requires the casualties (missing
    persons included) and the estimated direct loss in the first report.
    """
    errors = {
        **text_errors(fields, ("place", "uscc", "region_code")),
        **_occurrence_errors(fields.get("occurred_at"), now),
        **_figure_errors({name: fields.get(name) for name in FIGURES}),
    }
    if "uscc" not in errors and uscc_codes.check(fields["uscc"]) is uscc_codes.UsccCheck.MALFORMED:
        errors["uscc"] = ["malformed"]
    if "region_code" not in errors and not regions.is_current(fields["region_code"]):
        errors["region_code"] = ["unknown or withdrawn division code"]
    if fields.get("accident_type") not in ACCIDENT_TYPES:
        errors["accident_type"] = ["not a GB 6441 accident category"]
    if errors:
        raise InvalidInput("the accident report is incomplete or wrong", errors)
    actor.require_writer(fields["region_code"])
    document = {
        "_id": new_id(), "occurred_at": fields["occurred_at"].astimezone(timezone.utc),
        "place": fields["place"].strip(), "uscc": fields["uscc"],
        "region_code": fields["region_code"], "accident_type": fields["accident_type"],
        **{name: fields[name] for name in FIGURES},
    }
    document.update(grade=_grade_of(document), reported_at=now, reported_by=actor.user_id,
                    supplements=[], version=1)
    return document, [_event("reported", document, now, {
        **snapshot(document), "indicator_delta": indicator_delta(None, document)})]


def supplement_accident(document: Document, changes: dict[str, Any], actor: Actor,
                        now: datetime) -> Result:
    """Changed figures with the supplement record, and `updated`; unchanged when nothing changes.

    `changes` holds the new figures and the `reason` for the supplement. The grade follows the
    figures.
    """
    actor.require_writer(document["region_code"])
    if now > document["occurred_at"] + SUPPLEMENT_WINDOW:
        raise Conflict("figures can only be supplemented within "
                       f"{SUPPLEMENT_WINDOW.days} days of the accident")
    figures = {name: value for name, value in changes.items() if name != "reason"}
    errors = {name: ["cannot be supplemented"] for name in figures if name not in FIGURES}
    errors.update(_figure_errors({name: value for name, value in figures.items()
                                  if name in FIGURES}))
    errors.update(text_errors(changes, ("reason",)))
    if errors:
        raise InvalidInput("the supplement is incomplete or wrong", errors)
    changed = {name: value for name, value in figures.items() if document[name] != value}
    if not changed:
        return document, []
    after = {**document, **changed}
    after["grade"] = _grade_of(after)
    if after["grade"] != document["grade"]:
        changed["grade"] = after["grade"]
    record: dict[str, Any] = {"at": now, "user_id": actor.user_id, "role": actor.role,
              "reason": changes["reason"].strip(),
              # Mappings, not [before, after] pairs: the database stores no arrays in arrays.
              "changes": {name: {"from": document[name], "to": value}
                          for name, value in changed.items()}}
    after["supplements"] = [*document["supplements"], record]
    return after, [_event("updated", after, now, {
        **snapshot(after), "reason": record["reason"], "changes": record["changes"],
        "indicator_delta": indicator_delta(document, after)})]


def occurrence_year(accident: Document) -> int:
    """Accidents count in the calendar year of China time in which they occurred."""
    year: int = accident["occurred_at"].astimezone(CHINA).year
    return year


def _indicators(accident: Document | None) -> dict[str, int]:
    if accident is None:
        return dict.fromkeys(INDICATORS, 0)
    return {"count": 1, "deaths": accident["deaths"],
            "injuries": accident["serious_injuries"] + accident["minor_injuries"],
            "direct_loss_yuan": accident["direct_loss_yuan"]}


def four_indicators(accidents: list[Document], year: int) -> dict[str, int]:
    """Count, deaths, injuries (serious and minor) and direct loss of the accidents of `year`."""
    totals = dict.fromkeys(INDICATORS, 0)
    for accident in accidents:
        if occurrence_year(accident) == year:
            for name, value in _indicators(accident).items():
                totals[name] += value
    return totals


def indicator_delta(before: Document | None, after: Document) -> dict[str, int]:
    """What to `$inc` on a year's counters when an accident goes from `before` to `after`.

    `before` is None for a new report.
    """
    old, new = _indicators(before), _indicators(after)
    return {name: new[name] - old[name] for name in INDICATORS}
