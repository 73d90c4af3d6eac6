"""Emergency drills (应急演练), their follow-up actions, and the reminder of the principal-led
drill that is due.

Sources (see DOMAIN.md and rules/emergency.yaml): 原总局令第88号 Art. 33 (drills, their
evaluation and the problems they find); the county plan's line (一): the principal organises an
emergency-rescue drill at least once every half year (January–June, July–December). A drill's
follow-up actions are closed with evidence, as a finding's hazard is.

Every command returns `(document, events)` (services.kit.pure.commands).
"""

from datetime import date, datetime, timedelta
from typing import Any

from services.inspection.domain.common import (
    INSPECTORS,
    event,
    known_enterprise,
    new_id,
    own_evidence,
    require_enterprise_writer,
    require_future,
)
from services.kit.pure.actor import Actor
from services.kit.pure.commands import Document, Result
from services.kit.pure.errors import Conflict, InvalidInput, NotFound
from services.kit.pure.rules import Rule

PRINCIPAL_DRILL_RULE = "inspection.emergency.principal_drill"
KINDS = ("tabletop", "live", "on_site_disposal")
LEADER_ROLES = ("principal", "safety_manager", "other")
WRITERS = ("enterprise", *INSPECTORS)
OPEN, CLOSED = "open", "closed"


def half_of(day: date) -> str:
    """The half year a day falls in: 2026-H1 (January–June) or 2026-H2."""
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def half_bounds(half: str) -> tuple[date, date]:
    year, part = int(half[:4]), half[-1]
    if part == "1":
        return date(year, 1, 1), date(year, 6, 30)
    return date(year, 7, 1), date(year, 12, 31)


def record_drill(
    fields: dict[str, Any],
    enterprise: Document | None,
    plan: Document | None,
    principal_halves: set[str],
    actor: Actor,
    now: datetime,
    today: date,
) -> Result:
    """A drill held: its kind, scenario, participants, leader, evaluation and follow-ups.

    `principal_halves`: the half years in which the enterprise already held a principal-led drill,
    so the event says whether this one is the first of its half, and whether the year now has
    one in each half (what the drill rate counts).
    """
    enterprise = known_enterprise(enterprise)
    require_enterprise_writer(enterprise, actor, WRITERS)
    held_on = fields["held_on"]
    if held_on > today:
        raise InvalidInput("a drill cannot be recorded before it is held", {"held_on": ["future"]})
    if fields.get("plan_id") and (plan is None or plan["uscc"] != enterprise["uscc"]):
        raise InvalidInput(
            "the drill names no plan of this enterprise", {"plan_id": ["unknown plan"]}
        )
    follow_ups = []
    for index, follow_up in enumerate(fields.get("follow_ups", [])):
        try:
            require_future(follow_up["deadline"], today, "deadline")
        except InvalidInput as error:
            raise InvalidInput(
                f"follow-up {index + 1}: {error.message}",
                {"follow_ups": {str(index): error.errors}},
            ) from None
        follow_ups.append(
            {
                "follow_up_id": new_id(),
                "action": follow_up["action"],
                "responsible": follow_up.get("responsible"),
                "deadline": follow_up["deadline"].isoformat(),
                "state": OPEN,
                "closure": None,
            }
        )
    half = half_of(held_on)
    led_by_principal = fields["leader"]["role"] == "principal"
    first_in_half = led_by_principal and half not in principal_halves
    other_half = f"{held_on.year}-H{2 if half.endswith('1') else 1}"
    drill = {
        "_id": new_id(),
        "uscc": enterprise["uscc"],
        "region_code": enterprise["region_code"],
        "enterprise_name": enterprise["name"],
        "plan_id": plan and plan["_id"],
        "kind": fields["kind"],
        "held_on": held_on.isoformat(),
        "half": half,
        "scenario": fields["scenario"],
        "participants": fields["participants"],
        "leader": fields["leader"],
        "led_by_principal": led_by_principal,
        "evaluation": fields["evaluation"],
        "follow_ups": follow_ups,
        "recorded_at": now,
        "recorded_by": actor.user_id,
        "version": 1,
    }
    return drill, [
        event(
            "drill",
            "recorded",
            enterprise["uscc"],
            enterprise["region_code"],
            now,
            {
                "drill_id": drill["_id"],
                "uscc": enterprise["uscc"],
                "kind": drill["kind"],
                "held_on": drill["held_on"],
                "half": half,
                "led_by_principal": led_by_principal,
                "first_principal_led_in_half": first_in_half,
                "both_halves_now": first_in_half and other_half in principal_halves,
                "follow_ups": len(follow_ups),
            },
        )
    ]


def close_follow_up(
    drill: Document,
    follow_up_id: str,
    fields: dict[str, Any],
    evidence: list[Document],
    actor: Actor,
    now: datetime,
    today: date,
) -> Result:
    """A follow-up action done, with the evidence that shows it."""
    require_enterprise_writer(drill, actor, WRITERS)
    position = next(
        (i for i, item in enumerate(drill["follow_ups"]) if item["follow_up_id"] == follow_up_id),
        None,
    )
    if position is None:
        raise NotFound(f"no follow-up {follow_up_id} on this drill")
    follow_up = drill["follow_ups"][position]
    if follow_up["state"] == CLOSED:
        raise Conflict("this follow-up is closed already")
    if fields["closed_on"] > today:
        raise InvalidInput("a follow-up cannot close in the future", {"closed_on": ["future"]})
    closed = {
        **follow_up,
        "state": CLOSED,
        "closure": {
            "closed_on": fields["closed_on"].isoformat(),
            "note": fields.get("note"),
            "evidence": own_evidence(evidence, drill["uscc"], "evidence"),
            "closed_by": actor.user_id,
            "closed_at": now,
        },
    }
    follow_ups = [*drill["follow_ups"]]
    follow_ups[position] = closed
    changed = {**drill, "follow_ups": follow_ups}
    return changed, [
        event(
            "drill",
            "follow_up_closed",
            drill["uscc"],
            drill["region_code"],
            now,
            {
                "drill_id": drill["_id"],
                "uscc": drill["uscc"],
                "follow_up_id": follow_up_id,
                "closed_on": closed["closure"]["closed_on"],
                "was_overdue": closed["closure"]["closed_on"] > follow_up["deadline"],
            },
        )
    ]


# --- the reminder of the principal-led drill --------------------------------------------------


def reminder_half(rule: Rule, today: date) -> str | None:
    """The half year whose drill is to be reminded today, or None while it is still early."""
    half = half_of(today)
    start, _ = half_bounds(half)
    return half if today >= start + timedelta(days=rule.value["remind_after_days"]) else None


def remind(enterprise: Document, half: str, rule: Rule, now: datetime) -> Result:
    """One reminder per enterprise and half year whose principal-led drill is not yet held."""
    _, due_by = half_bounds(half)
    reminder = {
        "_id": f"{enterprise['uscc']}:{half}",
        "uscc": enterprise["uscc"],
        "region_code": enterprise["region_code"],
        "enterprise_name": enterprise["name"],
        "half": half,
        "due_by": due_by.isoformat(),
        "reason": "主要负责人每半年至少组织一次应急救援演练，本半年度尚未记录",
        "rule": rule.reference(),
        "reminded_at": now,
    }
    return reminder, [
        event(
            "drill",
            "due",
            enterprise["uscc"],
            enterprise["region_code"],
            now,
            {"uscc": enterprise["uscc"], "half": half, "due_by": reminder["due_by"]},
        )
    ]


# --- value checks of the rules, at start-up ---------------------------------------------------


def rule_problem(rule: Rule) -> str | None:
    days = rule.value.get("remind_after_days") if isinstance(rule.value, dict) else None
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days < 182:
        return "remind_after_days is a number of days within a half year"
    return None


RULE_CHECKS = {PRINCIPAL_DRILL_RULE: rule_problem}
