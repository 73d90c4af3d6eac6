"""The certificate aggregate: a 考核合格证 or 特种作业操作证 with its number, dates and reviews.

States (令第30号 Arts. 19–22, values from the rules in force): valid → review_due (inside the
window before the review date) → overdue (review date passed) → invalid (validity ended); and
revoked or suspended by a bureau, with a reason. A passed review moves the next review date on
by the cycle (3 years; 6 after 10 continuous years in the trade without violations).
"""

from datetime import date, datetime, timedelta
from typing import Any

from services.kit.pure.actor import Actor
from services.kit.pure.commands import Document, Event, Result
from services.kit.pure.errors import Conflict, Forbidden, InvalidInput
from services.training.domain.common import (
    REGULATORS,
    Keeping,
    add_years,
    audit,
    certificate_id,
    day_of,
    event,
    iso,
    require_keeper,
)
from services.training.domain.policy import CertificateKind, Policy

QUALIFYING = ("valid", "review_due")
# What a reminder is about, by the state a certificate enters.
REMINDED_STATES = {"review_due": "review_due", "overdue": "review_overdue", "invalid": "expired"}
EXPIRING = "expiring"


def _kind(policy: Policy, fields: dict[str, Any]) -> CertificateKind:
    kind = policy.kinds.get(fields["kind"])
    if kind is None:
        raise InvalidInput(
            f"unknown certificate kind {fields['kind']}",
            {"kind": [f"one of {', '.join(sorted(policy.kinds))}"]},
        )
    category = fields.get("category")
    if kind.per_category and category not in policy.categories:
        raise InvalidInput(
            f"a {kind.name} names its operation category",
            {"category": [f"one of {', '.join(sorted(policy.categories))}"]},
        )
    if not kind.per_category and category:
        raise InvalidInput(
            f"a {kind.name} has no operation category", {"category": ["not for this kind"]}
        )
    return kind


def issue(
    fields: dict[str, Any],
    person: Document,
    keeping: Keeping,
) -> Result:
    """Record a certificate the person holds. `policy` is the one in force on the issue date."""
    enterprise, policy, actor, now, today = keeping
    require_keeper(enterprise, actor)
    kind = _kind(policy, fields)
    issued: date = fields["issued_on"]
    if issued > today:
        raise InvalidInput(
            "a certificate cannot be issued in the future", {"issued_on": ["in the future"]}
        )
    valid_until: date = fields.get("valid_until") or add_years(issued, kind.validity_years)
    if valid_until <= issued:
        raise InvalidInput(
            "the certificate is valid until a day before it was issued",
            {"valid_until": ["before the issue date"]},
        )
    review_due = fields.get("review_due_on")
    if kind.review_years is None:
        if review_due:
            raise InvalidInput(
                f"a {kind.name} has no periodic review", {"review_due_on": ["not for this kind"]}
            )
    else:
        review_due = review_due or min(add_years(issued, kind.review_years), valid_until)
        if not issued < review_due <= valid_until:
            raise InvalidInput(
                "the review falls between the issue date and the end of validity",
                {"review_due_on": ["outside the validity"]},
            )
    certificate = {
        "_id": certificate_id(kind.kind, fields["number"]),
        "person_id": person["_id"],
        "person_key": person["id_key"],
        "id_masked": person["id_masked"],
        "name": person["name"],
        "uscc": person["uscc"],
        "region_code": person["region_code"],
        "kind": kind.kind,
        "kind_name": kind.name,
        "category": fields.get("category"),
        "number": fields["number"],
        "issuer": fields["issuer"],
        "issued_on": issued.isoformat(),
        "valid_until": valid_until.isoformat(),
        "review_due_on": iso(review_due),
        "status": "active",
        "status_reason": None,
        "reviews": [],
        "state": None,
        "next_check_on": today.isoformat(),
        "rules": list(policy.references),
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "history": [audit(actor, now, "issued")],
    }
    return certificate, [_event(certificate, "issued", now, _facts(certificate))]


def _event(certificate: Document, verb: str, now: datetime, data: dict[str, Any]) -> Event:
    return event("certificate", verb, certificate["_id"], certificate["region_code"], now, data)


def _facts(certificate: Document) -> dict[str, Any]:
    return {
        "certificate_id": certificate["_id"],
        "person_key": certificate["person_key"],
        "uscc": certificate["uscc"],
        "kind": certificate["kind"],
        "category": certificate["category"],
        "valid_until": certificate["valid_until"],
        "review_due_on": certificate["review_due_on"],
    }


def state_on(certificate: Document, window_days: int, today: date) -> str:
    if certificate["status"] in ("revoked", "suspended"):
        return str(certificate["status"])
    if today > date.fromisoformat(certificate["valid_until"]):
        return "invalid"
    due = day_of(certificate["review_due_on"])
    if due is not None:
        if today > due:
            return "overdue"
        if today >= due - timedelta(days=window_days):
            return "review_due"
    return "valid"


def _window(certificate: Document, policy: Policy) -> int:
    kind = policy.kinds.get(certificate["kind"])
    return kind.review_window_days if kind else 0


def qualification(certificate: Document, policy: Policy, today: date) -> dict[str, Any]:
    """Whether the certificate qualifies its holder today, and until which day at the latest."""
    state = state_on(certificate, _window(certificate, policy), today)
    ends = [certificate["valid_until"], certificate["review_due_on"]]
    return {
        "certificate_id": certificate["_id"],
        "state": state,
        "qualified": state in QUALIFYING,
        "until": min(day for day in ends if day) if state in QUALIFYING else None,
    }


def view(certificate: Document, policy: Policy, today: date) -> dict[str, Any]:
    hidden = {"history", "outbox", "version", "person_key"}
    shown = {key: value for key, value in certificate.items() if key not in hidden}
    return {**shown, "state": state_on(certificate, _window(certificate, policy), today)}


def record_review(
    certificate: Document,
    fields: dict[str, Any],
    keeping: Keeping,
) -> Result:
    """A review (复审) with its training hours and result. `policy` is the one in force on the
    review date. Passed, it moves the next review date on by the cycle; at the end of validity
    it is the renewal review (延期复审) and extends the validity too."""
    enterprise, policy, actor, now, today = keeping
    require_keeper(enterprise, actor)
    kind = policy.kinds.get(certificate["kind"])
    if kind is None or kind.review_years is None:
        raise Conflict("this kind of certificate has no periodic review")
    if certificate["status"] != "active":
        raise Conflict(
            f"a {certificate['status']} certificate cannot be reviewed",
            {"status": [certificate["status"]]},
        )
    reviewed: date = fields["reviewed_on"]
    if reviewed > today:
        raise InvalidInput(
            "a review cannot be recorded ahead of its date", {"reviewed_on": ["in the future"]}
        )
    if reviewed > date.fromisoformat(certificate["valid_until"]):
        raise Conflict(
            "the certificate's validity ended before this review: it is invalid and "
            "must be examined again",
            {"reviewed_on": ["after the end of validity"]},
        )
    minimum = kind.review_training_hours or 0
    if fields["hours"] < minimum:
        raise InvalidInput(
            f"a review needs at least {minimum:g} hours of safety training (令第30号)",
            {"hours": [f"at least {minimum:g}"]},
        )
    due = date.fromisoformat(certificate["review_due_on"])
    valid_until = date.fromisoformat(certificate["valid_until"])
    passed = fields["result"] == "passed"
    extended = (
        kind.extended_after_years is not None
        and not fields.get("violations", False)
        and fields.get("continuous_years", 0) >= kind.extended_after_years
    )
    next_due, next_valid = due, valid_until
    if passed:
        if due >= valid_until:  # the renewal review (延期复审) at the end of validity
            next_valid = add_years(valid_until, kind.validity_years)
        cycle = (kind.extended_review_years if extended else None) or kind.review_years
        next_due = min(add_years(due, cycle), next_valid)
    review = {
        "reviewed_on": reviewed.isoformat(),
        "due_on": due.isoformat(),
        "hours": fields["hours"],
        "result": fields["result"],
        "on_time": passed and reviewed <= due,
        "extended_cycle": passed and extended,
        "session_id": fields.get("session_id"),
        "recorded_by": actor.user_id,
        "rules": list(policy.references),
    }
    changed = {
        **certificate,
        "reviews": [*certificate["reviews"], review],
        "review_due_on": next_due.isoformat(),
        "valid_until": next_valid.isoformat(),
        "next_check_on": today.isoformat(),
        "updated_at": now,
        "history": [*certificate["history"], audit(actor, now, "reviewed")],
    }
    return changed, [
        _event(
            certificate,
            "reviewed",
            now,
            {
                **_facts(changed),
                "reviewed_on": review["reviewed_on"],
                "due_on": review["due_on"],
                "result": review["result"],
                "on_time": review["on_time"],
            },
        )
    ]


def withdraw(
    certificate: Document, fields: dict[str, Any], actor: Actor, now: datetime, today: date
) -> Result:
    """A bureau revokes (final) or suspends a certificate, or reinstates a suspended one."""
    actor.require_role(*REGULATORS)
    if not actor.sees_region(certificate["region_code"]):
        raise Forbidden("the certificate's holder works outside your jurisdiction")
    action, status = fields["action"], certificate["status"]
    allowed = {
        "revoke": ("active", "suspended"),
        "suspend": ("active",),
        "reinstate": ("suspended",),
    }[action]
    if status not in allowed:
        raise Conflict(f"a {status} certificate cannot be {action}d", {"status": [status]})
    new_status = {"revoke": "revoked", "suspend": "suspended", "reinstate": "active"}[action]
    changed = {
        **certificate,
        "status": new_status,
        "status_reason": fields["reason"],
        "next_check_on": today.isoformat(),
        "updated_at": now,
        "history": [*certificate["history"], audit(actor, now, action, reason=fields["reason"])],
    }
    return changed, [
        _event(
            certificate,
            "status_changed",
            now,
            {**_facts(changed), "status": new_status, "reason": fields["reason"]},
        )
    ]


def _next_check(certificate: Document, window: int, today: date) -> str | None:
    """The next day the certificate's state or reminders can change (None: never again)."""
    if certificate["status"] == "revoked":
        return None
    valid_until = date.fromisoformat(certificate["valid_until"])
    due = day_of(certificate["review_due_on"])
    boundaries = [valid_until - timedelta(days=window), valid_until + timedelta(days=1)]
    if due is not None:
        boundaries += [due - timedelta(days=window), due + timedelta(days=1)]
    later = [day for day in boundaries if day > today]
    return min(later).isoformat() if later else None


def reminders_due(
    certificate: Document, state: str, window: int, today: date
) -> list[dict[str, Any]]:
    """The reminders the certificate calls for today: one per state entered and per review
    date, plus one when its validity ends within the window. Their ids are deterministic, so
    asking twice names the same reminders."""
    found = []
    if state in REMINDED_STATES:
        due_on = certificate["valid_until"] if state == "invalid" else certificate["review_due_on"]
        found.append({"kind": REMINDED_STATES[state], "due_on": due_on})
    valid_until = date.fromisoformat(certificate["valid_until"])
    if state in QUALIFYING and today >= valid_until - timedelta(days=window):
        found.append({"kind": EXPIRING, "due_on": certificate["valid_until"]})
    return [
        {**item, "_id": f"{certificate['_id']}:{item['kind']}:{item['due_on']}"} for item in found
    ]


def check(
    certificate: Document, policy: Policy, now: datetime, today: date
) -> tuple[Document, list[Event], list[dict[str, Any]]]:
    """The certificate as time has moved it: its state, the reminders due, the next day to look
    again. Returns (document, events, reminders due)."""
    window = _window(certificate, policy)
    state = state_on(certificate, window, today)
    changed = {
        **certificate,
        "state": state,
        "next_check_on": _next_check(certificate, window, today),
    }
    events = []
    # A new certificate's first state is part of its issue, not a change.
    if certificate["state"] is not None and state != certificate["state"]:
        events.append(
            _event(
                certificate,
                "state_changed",
                now,
                {**_facts(certificate), "from": certificate["state"], "to": state},
            )
        )
    return changed, events, reminders_due(certificate, state, window, today)


def follow_holder(certificate: Document, person: Document, now: datetime) -> Result:
    """A certificate belongs to its holder: when they change employer, the new employer (and its
    bureau) keep it."""
    if (certificate["uscc"], certificate["region_code"]) == (person["uscc"], person["region_code"]):
        return certificate, []
    return {
        **certificate,
        "uscc": person["uscc"],
        "region_code": person["region_code"],
        "updated_at": now,
    }, []
