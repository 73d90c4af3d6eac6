"""Work permits for confined spaces (令第13号 Arts. 7, 9, 14, 15): the application, approval by
the designated approver, the order of work recorded step by step, gas tests, interruptions and
the end of the work.

States move only by the transition table; work starts only through an allowing scan
(domain/gate.py). Participants are named by the training service's person id (the subject of
its competency events); what this service knows of them comes from its read model of those
events, never from a call at the moment of work.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.kit.pure.actor import Actor
from services.kit.pure.commands import Document, Result
from services.kit.pure.errors import Conflict, Forbidden, InvalidInput
from services.permits.domain import gas
from services.permits.domain.common import audit, event, moved, new_id, require_manager
from services.permits.domain.policy import Policy

STATES = (
    "draft",
    "submitted",
    "approved",
    "in_progress",
    "interrupted",
    "finished",
    "cancelled",
    "expired",
)
# action: (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "submit": (("draft",), "submitted"),
    "approve": (("submitted",), "approved"),
    "start": (("approved", "interrupted"), "in_progress"),
    "interrupt": (("in_progress",), "interrupted"),
    "finish": (("in_progress", "interrupted"), "finished"),
    "cancel": (("draft", "submitted", "approved"), "cancelled"),
    "expire": (("draft", "submitted", "approved", "interrupted"), "expired"),
}
# States in which the space may be worked on: the gate looks for a permit in one of them.
LIVE = ("approved", "in_progress", "interrupted")
# The order of work before entry (Art. 14). After an interruption only ventilation and a new
# test come before re-entry (Art. 15).
ORDER = ("ventilation", "gas_test", "briefing", "checklist", "entry")
REENTRY_ORDER = ("ventilation", "gas_test", "entry")
RECORDED_STEPS = ("ventilation", "briefing", "checklist")
GROUPS = ("approver", "guardian", "entrants", "rescuers")


@dataclass(frozen=True)
class Staff:
    """What the read models say of the people a command names, by training person id:
    competency (roles per the newest event) and positions."""

    competencies: dict[str, Document]
    positions: dict[str, Document]

    def employed(self, person: str, uscc: str) -> bool:
        record = self.competencies.get(person)
        return record is not None and record["uscc"] == uscc

    def trained(self, person: str, role: str, uscc: str, today: date) -> bool:
        """Holds `role` with confined-space training still valid today (Art. 9)."""
        if not self.employed(person, uscc):
            return False
        return any(
            held["role"] == role
            and held["qualified"]
            and held["until"] is not None
            and date.fromisoformat(str(held["until"])) >= today
            for held in self.competencies[person]["roles"]
        )

    def principal(self, person: str, uscc: str) -> bool:
        record = self.positions.get(person)
        return record is not None and record["uscc"] == uscc and "principal" in record["positions"]


def staff_view(competency: Document, positions: Document | None, today: date) -> dict:
    """A person as the permits service knows them: each confined-space role and whether it is
    valid today, and whether they are the enterprise's principal."""
    staff = Staff(
        {competency["_id"]: competency}, {competency["_id"]: positions} if positions else {}
    )
    uscc = competency["uscc"]
    return {
        "_id": competency["_id"],
        "uscc": uscc,
        "region_code": competency.get("region_code"),
        "roles": [
            {**held, "valid": staff.trained(competency["_id"], held["role"], uscc, today)}
            for held in competency["roles"]
        ],
        "principal": staff.principal(competency["_id"], uscc),
    }


def people(permit: Document) -> dict[str, list[str]]:
    """Everyone a permit names, by group."""
    return {
        "approver": [permit["approver"]],
        "guardian": [permit["guardian"]],
        "entrants": list(permit["entrants"]),
        "rescuers": list(permit["rescuers"]),
    }


def _event_data(permit: Document, **extra: Any) -> dict[str, Any]:
    return {
        "permit_id": permit["_id"],
        "space_id": permit["space_id"],
        "uscc": permit["uscc"],
        "state": permit["state"],
        **extra,
    }


def _checked_people(fields: dict[str, Any], uscc: str, staff: Staff) -> None:
    """The guardian is never an entrant (Art. 15); nobody is listed twice in a group; everyone is
    on the enterprise's staff (a competency record of that person for that enterprise)."""
    errors: dict[str, list[str]] = {}
    if fields["guardian"] in fields["entrants"]:
        errors["guardian"] = ["the guardian stays outside and may not also be an entrant (Art. 15)"]
    for group in ("entrants", "rescuers"):
        if len(set(fields[group])) != len(fields[group]):
            errors[group] = ["a person is listed twice"]
    for group in GROUPS:
        named = fields[group] if isinstance(fields[group], list) else [fields[group]]
        strangers = [person for person in named if not staff.employed(person, uscc)]
        if strangers:
            errors.setdefault(group, []).extend(
                f"{person} is not on the enterprise's confined-space staff" for person in strangers
            )
    if errors:
        raise InvalidInput("the people of the permit are not allowed", errors)


def _checked_window(fields: dict[str, Any], policy: Policy, now: datetime) -> None:
    start, end = fields["window_start"], fields["window_end"]
    if end <= start:
        raise InvalidInput(
            "the window ends before it starts", {"window_end": ["must be after window_start"]}
        )
    if end - start > policy.max_window:
        hours = policy.max_window.total_seconds() / 3600
        raise InvalidInput(
            f"a permit lasts at most {hours:g} hours",
            {"window_end": [f"at most {hours:g} hours after window_start"]},
        )
    if end <= now:
        raise InvalidInput("the window is over already", {"window_end": ["in the past"]})


def apply(
    fields: dict[str, Any],
    space: Document,
    enterprise: Document,
    staff: Staff,
    policy: Policy,
    actor: Actor,
    now: datetime,
) -> Result:
    """The enterprise applies for work in one of its spaces: a draft until submitted."""
    require_manager(enterprise, actor)
    if space["status"] != "in_use":
        raise Conflict("the space is retired", {"space_id": ["retired space"]})
    _checked_window(fields, policy, now)
    _checked_people(fields, space["uscc"], staff)
    permit = {
        "_id": new_id(),
        "uscc": space["uscc"],
        "enterprise_name": space.get("enterprise_name"),
        "region_code": space["region_code"],
        "space_id": space["_id"],
        "space": {"number": space["number"], "name": space["name"], "location": space["location"]},
        "toxic_gas": space["toxic_gas"],
        "required_gases": policy.required_gases(space["hazards"]),
        "purpose": fields["purpose"],
        "window_start": fields["window_start"],
        "window_end": fields["window_end"],
        "approver": fields["approver"],
        "guardian": fields["guardian"],
        "entrants": fields["entrants"],
        "rescuers": fields["rescuers"],
        "state": "draft",
        "round": 1,
        "steps": [],
        "gas_tests": [],
        "last_gas_test": None,
        "approval": None,
        "work_starts": 0,
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "history": [audit(actor, now, "applied")],
    }
    return permit, [
        event("permit", "applied", permit["_id"], permit["region_code"], now, _event_data(permit))
    ]


def _moved(
    permit: Document,
    action: str,
    actor: Actor,
    now: datetime,
    changes: dict[str, Any],
    **details: Any,
) -> Document:
    state = moved(TRANSITIONS, action, permit["state"], "permit")
    return {
        **permit,
        **changes,
        "state": state,
        "updated_at": now,
        "history": [*permit["history"], audit(actor, now, action, **details)],
    }


def submit(
    permit: Document, fields: dict[str, Any], enterprise: Document, actor: Actor, now: datetime
) -> Result:
    require_manager(enterprise, actor)
    after = _moved(permit, "submit", actor, now, {}, note=fields.get("note"))
    return after, [
        event("permit", "submitted", permit["_id"], permit["region_code"], now, _event_data(after))
    ]


def _untrained(permit: Document, staff: Staff, policy: Policy, today: date) -> dict[str, list]:
    errors: dict[str, list[str]] = {}
    for group, named in people(permit).items():
        role = policy.roles[group]
        for person in named:
            if not staff.trained(person, role, permit["uscc"], today):
                errors.setdefault(group, []).append(
                    f"{person} has no valid {role} training from the last year (Art. 9)"
                )
    return errors


def approve(
    permit: Document,
    fields: dict[str, Any],
    enterprise: Document,
    staff: Staff,
    policy: Policy,
    actor: Actor,
    now: datetime,
    today: date,
) -> Result:
    """Approval by the designated approver (Art. 7). Where toxic gas may be present the approver
    is the principal, or names the principal's written delegation (a document on file as
    evidence). Refused while anyone lacks valid training (Art. 9)."""
    require_manager(enterprise, actor)
    moved(TRANSITIONS, "approve", permit["state"], "permit")
    approver = fields.get("approver") or permit["approver"]
    candidate = {**permit, "approver": approver}
    if not staff.employed(approver, permit["uscc"]):
        raise InvalidInput(
            "the approver is not on the enterprise's confined-space staff",
            {"approver": [f"{approver} is not on the enterprise's confined-space staff"]},
        )
    principal = staff.principal(approver, permit["uscc"])
    delegation = fields.get("delegation")
    if permit["toxic_gas"] and not principal and not delegation:
        raise Forbidden(
            "toxic gas may be present in this space: the approver must be the principal or "
            "hold the principal's written delegation (Art. 7)",
            {"approver": ["not the principal, and no written delegation on file"]},
        )
    untrained = _untrained(candidate, staff, policy, today)
    if untrained:
        raise InvalidInput("someone on the permit lacks valid training (Art. 9)", untrained)
    approval = {
        "approver": approver,
        "as": "principal" if principal else ("delegate" if delegation else "approver"),
        "delegation": delegation,
        "at": now,
        "by": actor.user_id,
    }
    after = _moved(permit, "approve", actor, now, {"approver": approver, "approval": approval})
    return after, [
        event("permit", "approved", permit["_id"], permit["region_code"], now, _event_data(after))
    ]


def done_in_round(permit: Document) -> list[str]:
    """The steps recorded since the work began or was last interrupted."""
    return [step["step"] for step in permit["steps"] if step["round"] == permit["round"]]


def missing_before(permit: Document, step: str) -> list[str]:
    """The steps of the order that must come before `step` and have not, in this round."""
    order = ORDER if permit["round"] == 1 else REENTRY_ORDER
    done = done_in_round(permit)
    before = order[: order.index(step)] if step in order else ()
    return [earlier for earlier in before if earlier not in done]


def _step(permit: Document, step: str, actor: Actor, now: datetime, **details: Any) -> dict:
    return {"step": step, "round": permit["round"], "at": now, "by": actor.user_id, **details}


def record_step(
    permit: Document, fields: dict[str, Any], enterprise: Document, actor: Actor, now: datetime
) -> Result:
    """A step of the order of work (Art. 14): ventilation, the safety briefing, the guardian's
    item-by-item checklist; each only after the steps before it in this round."""
    require_manager(enterprise, actor)
    step = fields["step"]
    allowed = (
        ("approved", "interrupted", "in_progress")
        if step == "ventilation"
        else (
            "approved",
            "interrupted",
        )
    )
    if permit["state"] not in allowed:
        raise Conflict(
            f"a {step} is not recorded on a permit that is {permit['state']}",
            {"state": [permit["state"]]},
        )
    if permit["state"] != "in_progress":
        missing = missing_before(permit, step)
        if missing:
            raise Conflict(f"{step} comes after {', '.join(missing)} (Art. 14)", {"step": missing})
    items = fields.get("items") or []
    if step == "checklist":
        if not items:
            raise InvalidInput("the checklist names its items", {"items": ["required"]})
        unchecked = [item["item"] for item in items if not item["checked"]]
        if unchecked:
            raise InvalidInput("every item is checked before entry", {"items": unchecked})
    recorded = _step(permit, step, actor, now, note=fields.get("note"), items=items)
    after = {**permit, "steps": [*permit["steps"], recorded], "updated_at": now}
    return after, [
        event(
            "step",
            "recorded",
            permit["_id"],
            permit["region_code"],
            now,
            _event_data(after, step=step, round=permit["round"]),
        )
    ]


def record_gas_test(
    permit: Document,
    fields: dict[str, Any],
    enterprise: Document,
    policy: Policy,
    actor: Actor,
    now: datetime,
) -> Result:
    """A gas test before entry (after ventilation) or a monitoring reading during work. A
    reading outside the limits during work interrupts it: everyone comes out (Art. 15)."""
    require_manager(enterprise, actor)
    if permit["state"] not in LIVE:
        raise Conflict(
            f"gas is not tested for a permit that is {permit['state']}",
            {"state": [permit["state"]]},
        )
    if permit["state"] != "in_progress" and missing_before(permit, "gas_test"):
        raise Conflict("ventilate before testing (Art. 14)", {"step": ["ventilation"]})
    test = {
        **gas.recorded_test(fields, permit["required_gases"], policy, actor.user_id, now),
        "round": permit["round"],
    }
    after = {
        **permit,
        "gas_tests": [*permit["gas_tests"], test],
        "last_gas_test": test,
        "updated_at": now,
    }
    if test["passed"] and permit["state"] != "in_progress":
        after["steps"] = [*permit["steps"], _step(permit, "gas_test", actor, now)]
    events = [
        event(
            "gas_test",
            "recorded",
            permit["_id"],
            permit["region_code"],
            now,
            _event_data(
                after, passed=test["passed"], missing=test["missing"], failing=test["failing"]
            ),
        )
    ]
    if permit["state"] == "in_progress" and not test["passed"]:
        after, more = interrupt(after, {"reason": "gas_test_failed"}, enterprise, actor, now)
        events += more
    return after, events


def start(permit: Document, scan: Document, now: datetime) -> Result:
    """Work starts (or resumes) through an allowing scan at the entrance, and only so."""
    after = {
        **permit,
        "state": moved(TRANSITIONS, "start", permit["state"], "permit"),
        "steps": [
            *permit["steps"],
            {
                "step": "entry",
                "round": permit["round"],
                "at": now,
                "by": scan["user_id"],
                "scan_id": scan["_id"],
            },
        ],
        "work_starts": permit["work_starts"] + 1,
        "updated_at": now,
        "history": [
            *permit["history"],
            {"at": now, "user_id": scan["user_id"], "action": "start", "scan_id": scan["_id"]},
        ],
    }
    return after, [
        event(
            "work",
            "started",
            permit["_id"],
            permit["region_code"],
            now,
            _event_data(
                after,
                scan_id=scan["_id"],
                guardian=scan["guardian"],
                entrants=scan["entrants"],
                resumed=permit["state"] == "interrupted",
            ),
        )
    ]


def interrupt(
    permit: Document, fields: dict[str, Any], enterprise: Document, actor: Actor, now: datetime
) -> Result:
    """Work stops; re-entry needs ventilation and a new passing test (Art. 15)."""
    require_manager(enterprise, actor)
    after = _moved(permit, "interrupt", actor, now, {"round": permit["round"] + 1})
    return after, [
        event(
            "work",
            "interrupted",
            permit["_id"],
            permit["region_code"],
            now,
            _event_data(after, reason=fields["reason"]),
        )
    ]


def finish(
    permit: Document, fields: dict[str, Any], enterprise: Document, actor: Actor, now: datetime
) -> Result:
    require_manager(enterprise, actor)
    after = _moved(permit, "finish", actor, now, {"finished_note": fields.get("note")})
    return after, [
        event("work", "finished", permit["_id"], permit["region_code"], now, _event_data(after))
    ]


def cancel(
    permit: Document, fields: dict[str, Any], enterprise: Document, actor: Actor, now: datetime
) -> Result:
    require_manager(enterprise, actor)
    after = _moved(permit, "cancel", actor, now, {"cancelled_reason": fields["reason"]})
    return after, [
        event("permit", "cancelled", permit["_id"], permit["region_code"], now, _event_data(after))
    ]


def expire(permit: Document, actor: Actor, now: datetime) -> Result:
    """A permit whose window has passed before the work began or resumed expires."""
    if permit["window_end"] > now or permit["state"] not in TRANSITIONS["expire"][0]:
        return permit, []
    after = _moved(permit, "expire", actor, now, {})
    return after, [
        event("permit", "expired", permit["_id"], permit["region_code"], now, _event_data(after))
    ]


SHOWN = (
    "_id",
    "uscc",
    "enterprise_name",
    "region_code",
    "space_id",
    "space",
    "toxic_gas",
    "required_gases",
    "purpose",
    "window_start",
    "window_end",
    "approver",
    "guardian",
    "entrants",
    "rescuers",
    "state",
    "round",
    "steps",
    "gas_tests",
    "last_gas_test",
    "approval",
    "work_starts",
    "created_at",
    "updated_at",
    "history",
)


def view(permit: Document, now: datetime) -> dict[str, Any]:
    """A permit as shown, with the age of its last gas test in seconds."""
    shown = {key: permit[key] for key in SHOWN if key in permit}
    last = permit["last_gas_test"]
    shown["last_gas_test_age_seconds"] = (
        int((now - last["tested_at"]).total_seconds()) if last else None
    )
    shown["next_steps"] = missing_before(permit, "entry") if permit["state"] in LIVE else []
    return shown
