"""Hidden hazards and their closed loops, general and major.

Sources (see DOMAIN.md): 应急管理部令第10号 (major hazards); the closed loops for general and major
hazards; Safety Law 2021 Art. 65 (resumption after review). Every command returns
`(document, events)` (services.kit.pure.commands).
"""

from datetime import date, datetime
from typing import Any

from services.inspection.domain import enforcement
from services.inspection.domain.common import (
    INSPECTORS,
    REVIEWERS,
    china_day,
    event,
    require_future,
)
from services.kit.pure.actor import Actor
from services.kit.pure.commands import Document, Event, Result
from services.kit.pure.errors import Conflict, Forbidden, InvalidInput

GRADES = ("general", "major")
# Where a hazard was found: an inspection, a self-inspection, a spot check of a construction
# project (the registry's, announced by event), an alarm of the monitoring service (by event).
SOURCES = ("inspection", "self_inspection", "project_spot_check", "monitoring")
CLOSED = "closed"

# The closed loops as data: (grade, state, action) → next state.
TRANSITIONS = {
    ("general", "rectifying", "submit_rectification"): "submitted",
    ("general", "submitted", "verify"): CLOSED,
    ("general", "submitted", "reject"): "rectifying",
    ("major", "reported", "approve_plan"): "plan_approved",
    ("major", "plan_approved", "suspend"): "suspended",
    ("major", "plan_approved", "start_rectification"): "rectifying",
    ("major", "suspended", "start_rectification"): "rectifying",
    ("major", "rectifying", "submit_rectification"): "assessed",
    ("major", "assessed", "apply_resume"): "resume_applied",
    ("major", "resume_applied", "verify"): CLOSED,
    ("major", "resume_applied", "reject"): "rectifying",
    ("major", "assessed", "reject"): "rectifying",
}
# Who may take each action: the enterprise rectifies, the bureau decides.
ACTORS = {
    "submit_rectification": ("enterprise",),
    "apply_resume": ("enterprise",),
    "start_rectification": ("enterprise", *INSPECTORS),
    "approve_plan": REVIEWERS,
    "suspend": REVIEWERS,
    "verify": INSPECTORS,
    "reject": INSPECTORS,
    "record_defiance": INSPECTORS,
    "decide_escalation": REVIEWERS,
    "decide_extension": REVIEWERS,
}
# Hazard events by the action that causes them.
EVENT_OF_ACTION = {
    "submit_rectification": "rectification_submitted",
    "verify": "verified",
    "reject": "rejected",
}
LIFTED_ON_CLOSING = "重大事故隐患整改验收合格，准予恢复生产"


def hazard_from_finding(
    record: Document, finding: dict[str, Any], now: datetime, source: str = "inspection"
) -> Document:
    """The hazard a finding of a completed inspection (or, with `source` self_inspection, of an
    enterprise's self-inspection report) becomes, in its loop's first state."""
    grade = finding["grade"]
    first = "rectifying" if grade == "general" else "reported"
    return {
        "_id": finding["hazard_id"],
        "uscc": record["uscc"],
        "region_code": record["region_code"],
        "enterprise_name": record["enterprise_name"],
        "agency": record.get("agency"),
        "source": source,
        "inspection_id": record["_id"] if source == "inspection" else None,
        "self_inspection_id": record["_id"] if source == "self_inspection" else None,
        "spot_check_id": record["_id"] if source == "project_spot_check" else None,
        "grade": grade,
        "catalogue_item": finding["catalogue_item"],
        "failed_device": finding["failed_device"],
        "description": finding["description"],
        "location": finding["location"],
        "found_at": finding["recorded_at"],
        "found_by": finding["recorded_by"],
        "state": first,
        "deadline": finding["deadline"],
        "plan": None,
        "suspension_order": None,
        "rectifications": [],
        "extensions": [],
        "escalations": [],
        "overdue": False,
        "escalation_proposal": None,
        "escalation_decisions": [],
        "transitions": [
            {
                "from": None,
                "to": first,
                "action": "report",
                "at": now,
                "by": finding["recorded_by"],
                "reason": finding.get("raise_reason"),
            }
        ],
        "closed_at": None,
        "version": 1,
    }


def found_in(record: Document, now: datetime, source: str = "inspection") -> list[Result]:
    """The hazards of a completed inspection's findings (or a self-inspection's), each
    `reported`."""
    hazards = [hazard_from_finding(record, finding, now, source) for finding in record["findings"]]
    return [(hazard, [hazard_event(hazard, "reported", now)]) for hazard in hazards]


def found_in_spot_check(check: dict[str, Any], region_code: str, now: datetime) -> list[Result]:
    """The hazards a project spot check's findings open (the registry's `spot_checked` data): the
    ids come with the event, so a redelivery finds them stored already."""
    findings = [
        {
            "hazard_id": finding["hazard"]["hazard_id"],
            "grade": finding["hazard"]["grade"],
            "deadline": finding["hazard"]["deadline"],
            "catalogue_item": None,
            "failed_device": False,
            "description": finding["description"],
            "location": finding.get("location"),
            "recorded_at": now,
            "recorded_by": check["by"],
        }
        for finding in check["findings"]
        if finding.get("hazard")
    ]
    record = {
        "_id": check["spot_check_id"],
        "uscc": check["uscc"],
        "region_code": region_code,
        "enterprise_name": check["enterprise_name"],
        "findings": findings,
    }
    return found_in(record, now, "project_spot_check")


def hazard_event(hazard: Document, verb: str, now: datetime, **extra: Any) -> Event:
    return event(
        "hazard",
        verb,
        hazard["_id"],
        hazard["region_code"],
        now,
        {
            "hazard_id": hazard["_id"],
            "uscc": hazard["uscc"],
            "grade": hazard["grade"],
            "state": hazard["state"],
            "deadline": hazard["deadline"],
            "found_on": hazard["found_at"].date().isoformat()
            if hasattr(hazard["found_at"], "date")
            else hazard["found_at"],
            **extra,
        },
    )


def _record(
    hazard: Document,
    action: str,
    target: str,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
) -> Document:
    return {
        **hazard,
        "state": target,
        "transitions": [
            *hazard["transitions"],
            {
                "from": hazard["state"],
                "to": target,
                "action": action,
                "at": now,
                "by": actor.user_id,
                "reason": reason,
            },
        ],
    }


def _require_actor(hazard: Document, action: str, actor: Actor) -> None:
    roles = ACTORS[action]
    if actor.role == "enterprise":
        if "enterprise" not in roles or hazard["uscc"] != actor.uscc:
            raise Forbidden("an enterprise user may only rectify its own hazards")
        return
    if actor.role not in roles:
        raise Forbidden(f"the role {actor.role!r} may not {action.replace('_', ' ')}")
    if not actor.sees_region(hazard["region_code"]):
        raise Forbidden("this hazard is outside your jurisdiction")


def transition(
    hazard: Document, action: str, actor: Actor, now: datetime, reason: str | None = None
) -> Result:
    """Move a hazard along its closed loop; an illegal step is a Conflict naming the state."""
    _require_actor(hazard, action, actor)
    target = TRANSITIONS.get((hazard["grade"], hazard["state"], action))
    if target is None:
        raise Conflict(
            f"a {hazard['grade']} hazard that is {hazard['state']} cannot "
            f"{action.replace('_', ' ')}"
        )
    if action == "reject" and not reason:
        raise InvalidInput("a rejection gives its reason", {"reason": ["required"]})
    changed = _record(hazard, action, target, actor, now, reason)
    if target == CLOSED:
        changed.update(closed_at=now, overdue=False, escalation_proposal=None)
    events = []
    verb = EVENT_OF_ACTION.get(action)
    if verb:
        events.append(hazard_event(changed, verb, now, reason=reason))
    if target == CLOSED:
        events.append(hazard_event(changed, "closed", now, was_overdue=bool(hazard["overdue"])))
    return changed, events


def take_action(
    hazard: Document, action: str, reason: str | None, actor: Actor, now: datetime
) -> Result:
    """An action named by the caller: raising the grade, a suspension order, a refusal to obey
    it, or a step of the loop."""
    if action == "raise_to_major":
        return raise_grade(hazard, reason, actor, now)
    if action == "suspend":
        return suspend(hazard, reason, actor, now)
    if action == "record_defiance":
        return record_defiance(hazard, reason, actor, now)
    return transition(hazard, action, actor, now, reason)


def submit_rectification(
    hazard: Document, evidence: list[Document], note: str | None, actor: Actor, now: datetime
) -> Result:
    """The enterprise reports the fix with at least one evidence item it uploaded itself."""
    _require_actor(hazard, "submit_rectification", actor)
    own = [
        item
        for item in evidence
        if item.get("uscc") == hazard["uscc"] and item.get("uploaded_by_role") == "enterprise"
    ]
    if not evidence:
        raise InvalidInput(
            "a rectification needs at least one evidence item", {"evidence": ["at least one"]}
        )
    if len(own) != len(evidence):
        raise InvalidInput(
            "evidence must be uploaded by this enterprise",
            {"evidence": ["not uploaded by this enterprise"]},
        )
    rectification = {
        "submitted_at": now,
        "by": actor.user_id,
        "evidence": [item["_id"] for item in evidence],
        "note": note,
    }
    changed, events = transition(hazard, "submit_rectification", actor, now)
    return {**changed, "rectifications": [*hazard["rectifications"], rectification]}, events


def approve_plan(
    hazard: Document, plan: dict[str, Any], actor: Actor, now: datetime, today: date
) -> Result:
    """A major hazard's plan: targets, measures, funds, people, deadline, safety measures."""
    require_future(plan["deadline"], today, "deadline")
    changed, events = transition(hazard, "approve_plan", actor, now)
    return {
        **changed,
        "plan": {
            **plan,
            "deadline": plan["deadline"].isoformat(),
            "approved_at": now,
            "approved_by": actor.user_id,
        },
        "deadline": plan["deadline"].isoformat(),
    }, events


def raise_grade(hazard: Document, reason: str | None, actor: Actor, now: datetime) -> Result:
    """An inspector may raise a general hazard to major, with a reason; never lower one."""
    _require_actor(hazard, "verify", actor)
    if hazard["grade"] == "major":
        raise Conflict("a major hazard cannot be regraded; major hazards are never lowered")
    if hazard["state"] == CLOSED:
        raise Conflict("a closed hazard cannot be regraded")
    if not reason:
        raise InvalidInput("raising a hazard to major needs a reason", {"reason": ["required"]})
    changed = _record(
        {**hazard, "grade": "major"}, "raise_to_major", "reported", actor, now, reason
    )
    return changed, [hazard_event(changed, "regraded", now, reason=reason)]


def request_extension(
    hazard: Document, deadline: date, reason: str, actor: Actor, now: datetime, today: date
) -> Result:
    if actor.role != "enterprise" or actor.uscc != hazard["uscc"]:
        raise Forbidden("the enterprise itself requests a deadline extension")
    if hazard["state"] == CLOSED:
        raise Conflict("the hazard is closed")
    if any(e["decision"] is None for e in hazard["extensions"]):
        raise Conflict("an extension request is already waiting for a decision")
    require_future(deadline, today, "deadline")
    if hazard["deadline"] and deadline.isoformat() <= hazard["deadline"]:
        raise InvalidInput(
            "the new deadline must be later than the current one",
            {"deadline": ["not later than the current deadline"]},
        )
    extension = {
        "requested_at": now,
        "by": actor.user_id,
        "deadline": deadline.isoformat(),
        "reason": reason,
        "decision": None,
    }
    return {**hazard, "extensions": [*hazard["extensions"], extension]}, []


def decide_extension(
    hazard: Document, approve: bool, reason: str, actor: Actor, now: datetime
) -> Result:
    """Extending a deadline is the bureau's decision; the enterprise requests, nobody else."""
    _require_actor(hazard, "decide_extension", actor)
    pending = [e for e in hazard["extensions"] if e["decision"] is None]
    if not pending:
        raise Conflict("no extension request is waiting for a decision")
    if not reason:
        raise InvalidInput("a decision on an extension gives its reason", {"reason": ["required"]})
    decided = {
        **pending[0],
        "decision": "approved" if approve else "refused",
        "decided_at": now,
        "decided_by": actor.user_id,
        "decision_reason": reason,
    }
    extensions = [decided if e is pending[0] else e for e in hazard["extensions"]]
    changed = {**hazard, "extensions": extensions}
    if approve:
        changed.update(deadline=decided["deadline"], overdue=False, escalation_proposal=None)
    return changed, []


def is_overdue(hazard: Document, today: date) -> bool:
    return (
        hazard["state"] != CLOSED
        and hazard["deadline"] is not None
        and date.fromisoformat(hazard["deadline"]) < today
    )


def mark_overdue(hazard: Document, now: datetime, today: date) -> Result:
    """The first time a hazard passes its deadline it is flagged and announced once."""
    if hazard["overdue"] or not is_overdue(hazard, today):
        return hazard, []
    changed = {**hazard, "overdue": True, "overdue_since": today.isoformat()}
    return changed, [hazard_event(changed, "overdue", now)]


def _last_escalation_step(hazard: Document) -> datetime | None:
    """When the ladder last moved or the bureau last declined a rung: the interval runs from it."""
    moments = [action["taken_at"] for action in hazard.get("escalations") or []] + [
        decision["decided_at"] for decision in hazard.get("escalation_decisions") or []
    ]
    return max(moments, default=None)


def next_escalation(
    hazard: Document, escalation: enforcement.Escalation, now: datetime
) -> dict[str, Any] | None:
    """The rung an overdue hazard is due to climb now, or None: the ladder is exhausted, or the
    last step was less than the interval ago."""
    last = _last_escalation_step(hazard)
    if last is not None and now - last < escalation.wait:
        return None
    return escalation.next_rung([action["kind"] for action in hazard.get("escalations") or []])


def escalate_overdue(
    hazard: Document, escalation: enforcement.Escalation, actor: Actor, now: datetime
) -> Result:
    """The timer's step for an overdue hazard: a rung flagged automatic (提醒) is taken; any
    other is proposed to the bureau, which decides it (`decide_escalation`)."""
    rung = next_escalation(hazard, escalation, now)
    if rung is None or (hazard.get("escalation_proposal") or {}).get("kind") == rung["kind"]:
        return hazard, []
    if rung["automatic"]:
        return escalate(hazard, rung["kind"], actor, now, escalation)
    return {
        **hazard,
        "escalation_proposal": {
            "kind": rung["kind"],
            "label": rung["label"],
            "proposed_at": now,
            "rule": escalation.ladder.reference(),
            "interval_rule": escalation.interval.reference(),
        },
    }, []


def decide_escalation(
    hazard: Document,
    kind: str,
    approve: bool,
    reason: str,
    document_number: str | None,
    escalation: enforcement.Escalation,
    actor: Actor,
    now: datetime,
) -> Result:
    """The bureau takes the proposed rung (督办, 通报, 警示, 约谈) or declines it for now; either
    way the proposal is settled and the interval starts again."""
    _require_actor(hazard, "decide_escalation", actor)
    proposal = hazard.get("escalation_proposal")
    if not proposal:
        raise Conflict("no escalation is proposed for this hazard")
    if proposal["kind"] != kind:
        raise Conflict(f"the rung proposed is {proposal['kind']}, not {kind}")
    decision = {
        **proposal,
        "decision": "taken" if approve else "declined",
        "reason": reason,
        "decided_at": now,
        "decided_by": actor.user_id,
    }
    settled = {
        **hazard,
        "escalation_proposal": None,
        "escalation_decisions": [*(hazard.get("escalation_decisions") or []), decision],
    }
    if not approve:
        return settled, []
    return escalate(settled, kind, actor, now, escalation, document_number, reason)


def escalate(
    hazard: Document,
    kind: str,
    actor: Actor,
    now: datetime,
    escalation: enforcement.Escalation,
    document_number: str | None = None,
    note: str | None = None,
) -> Result:
    """One rung of the escalation ladder, kept with the hazard it is about."""
    action, events = enforcement.enforcement_action(
        kind, hazard, actor, now, escalation, document_number, note
    )
    return {**hazard, "escalations": [*hazard["escalations"], action]}, events


def record_defiance(hazard: Document, reason: str | None, actor: Actor, now: datetime) -> Result:
    """An inspector finds the enterprise working under an open suspension order: the fact Art. 113
    item (四) turns on (拒不执行停产停业整顿决定), and Art. 70's ground for cutting power."""
    _require_actor(hazard, "record_defiance", actor)
    order = hazard.get("suspension_order")
    if not order or order.get("lifted_on"):
        raise Conflict("no open suspension order stands for this hazard")
    if not reason:
        raise InvalidInput(
            "recording a refused suspension order gives what was found", {"reason": ["required"]}
        )
    defied = {"on": china_day(now).isoformat(), "by": actor.user_id, "reason": reason}
    return {**hazard, "suspension_order": {**order, "defied": defied}}, []


def suspend(hazard: Document, reason: str | None, actor: Actor, now: datetime) -> Result:
    """A major hazard's suspension order (责令停产停业整顿); the registry applies it."""
    if not reason:
        raise InvalidInput("a suspension order gives its reason", {"reason": ["required"]})
    changed, events = transition(hazard, "suspend", actor, now, reason)
    order, ordered = enforcement.order_suspension(changed, reason, actor, now)
    return {**changed, "suspension_order": order}, events + ordered


def lift_suspension(hazard: Document, reason: str, actor: Actor, now: datetime) -> Result:
    """The bureau lifts the suspension order issued for this hazard."""
    actor.require_role(*REVIEWERS)
    return _lift(hazard, reason, actor, now)


def _lift(hazard: Document, reason: str, actor: Actor, now: datetime) -> Result:
    order = hazard.get("suspension_order")
    if not order:
        raise Conflict("no suspension order was issued for this hazard")
    lifted, events = enforcement.lift_suspension(order, reason, actor, now)
    return {**hazard, "suspension_order": lifted}, events


def verify_or_reject(
    hazard: Document, decision: str, reason: str | None, actor: Actor, now: datetime
) -> Result:
    """Closing a major hazard after review also lifts its suspension order (Art. 65)."""
    changed, events = transition(hazard, decision, actor, now, reason)
    order = changed.get("suspension_order")
    if changed["state"] == CLOSED and order and not order.get("lifted_on"):
        changed, lifted = _lift(changed, LIFTED_ON_CLOSING, actor, now)
        events += lifted
    return changed, events
