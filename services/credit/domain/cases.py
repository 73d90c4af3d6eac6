"""An untrustworthy-list case, from candidate to publication and back out (应急管理部令第11号).

candidate → notified (reasons, basis, rights; a representation deadline in working days) →
representation received, or the deadline passed → decided (list, with a decision number) or
dismissed → published (listed for the term) → removed at the end of the term, or early by credit
repair (applied for no sooner than the wait after the decision, approved or rejected with
reasons) → restored when an early removal is found to rest on false material.

Only the deciding authority (the bureau that decided the penalty, or where the accident happened)
or a bureau above it decides, publishes, rules on repair or restores ("谁处罚、谁决定、谁负责").
Every step is recorded with actor, time and documents. Listing, removal and restoration are
announced as public events for external credit platforms.
"""

import hashlib
from datetime import date, datetime
from typing import Any

from services.credit.domain.policy import ListingCase, Policy, add_months
from services.kit.pure.actor import Actor
from services.kit.pure.clock import CHINA
from services.kit.pure.commands import Document, Event, Result
from services.kit.pure.envelope import ServiceEvents
from services.kit.pure.errors import Conflict, Forbidden, InvalidInput

SERVICE = "credit"
event = ServiceEvents(SERVICE)
DECIDERS = ("admin", "regulator")
# States a case is open in: a second case for the same subject and trigger is refused.
OPEN = (
    "candidate",
    "notified",
    "representation_received",
    "decided",
    "published",
    "repair_applied",
)
LISTED = ("published", "repair_applied")
# The public events: what external credit platforms receive, on anjian.public.
PUBLIC_VERBS = ("listed", "removed", "restored")


def case_id(listing_case: str, subject: dict[str, Any], trigger_ids: list[str]) -> str:
    """One case per listing case, subject and triggering records: a repeated event, or a second
    hand-opened case for the same facts, finds the same id."""
    key = "\n".join(
        [listing_case, subject["uscc"], subject.get("person_name") or "", *sorted(trigger_ids)]
    )
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _step(
    actor: Actor, now: datetime, action: str, documents: list[str] | None = None, **details: Any
) -> dict[str, Any]:
    return {
        "at": now,
        "user_id": actor.user_id,
        "role": actor.role,
        "action": action,
        "documents": list(documents or ()),
        **details,
    }


def _internal(verb: str, case: Document, now: datetime) -> Event:
    return event(
        "case",
        verb,
        case["_id"],
        case["region_code"],
        now,
        {
            "case_id": case["_id"],
            "uscc": case["uscc"],
            "region_code": case["region_code"],
            "status": case["status"],
            "listing_case": case["rule"]["case"],
            "authority": case["authority"],
        },
    )


def listing_data(case: Document) -> dict[str, Any]:
    """What a credit platform needs of a listing and nothing more: no internal record ids beyond
    the case, no identity numbers."""
    subject, decision, listing = case["subject"], case["decision"], case["listing"]
    return {
        "case_id": case["_id"],
        "uscc": case["uscc"],
        "unit_name": subject["unit_name"],
        "region_code": case["region_code"],
        "subject_kind": subject["kind"],
        "person_name": subject.get("person_name"),
        "listing_case": case["rule"]["case"],
        "listing_case_name": case["rule"]["name"],
        "legal_basis": case["rule"]["legal_basis"],
        "decision_number": decision["decision_number"],
        "decided_on": decision["decided_on"],
        "term_start": listing["term_start"],
        "term_end": listing["term_end"],
        "measures": listing["measures"],
        "authority": case["authority"],
    }


def _public(verb: str, case: Document, now: datetime, **extra: Any) -> Event:
    return event(
        "entity", verb, case["_id"], case["region_code"], now, {**listing_data(case), **extra}
    )


def _require_authority(case: Document, actor: Actor) -> None:
    actor.require_role(*DECIDERS)
    if not actor.sees_region(case["authority"]):
        raise Forbidden(
            f"only the deciding authority {case['authority']} or a bureau above it may do this",
            {"authority": ["not the deciding authority"]},
        )


def _require_party_or_authority(case: Document, actor: Actor) -> None:
    if actor.role == "enterprise":
        if actor.uscc != case["uscc"]:
            raise Forbidden("an enterprise acts only in its own cases")
        return
    _require_authority(case, actor)


def _require_status(case: Document, allowed: tuple[str, ...], doing: str) -> None:
    if case["status"] not in allowed:
        raise Conflict(
            f"a case that is {case['status']} cannot be {doing}",
            {"status": [f"is {case['status']}, must be one of {', '.join(allowed)}"]},
        )


def today_of(now: datetime) -> date:
    return now.astimezone(CHINA).date()


# --- opening -----------------------------------------------------------------------------------


def open_case(
    listing: ListingCase,
    subject: dict[str, Any],
    triggers: list[dict[str, Any]],
    authority: str,
    policy: Policy,
    actor: Actor,
    now: datetime,
) -> Result:
    """A candidate case naming the subject, the triggering records, the rule and the deciding
    authority."""
    identifier = case_id(listing.case, subject, [trigger["id"] for trigger in triggers])
    case = {
        "_id": identifier,
        "version": 1,
        "status": "candidate",
        "uscc": subject["uscc"],
        "region_code": subject["region_code"],
        "subject": subject,
        "authority": authority,
        "rule": {
            "case": listing.case,
            "name": listing.name,
            "legal_basis": listing.legal_basis,
            "rule": policy.cases_rule,
        },
        "triggers": triggers,
        "opened_at": now,
        "notice": None,
        "representation": None,
        "decision": None,
        "listing": None,
        "repair": None,
        "removal": None,
        "steps": [_step(actor, now, "opened", listing_case=listing.case)],
    }
    return case, [_internal("opened", case, now)]


def open_by_hand(
    fields: dict[str, Any], enterprise: Document | None, policy: Policy, actor: Actor, now: datetime
) -> Result:
    """A regulator opens a case with a legal basis: any listing case in force."""
    actor.require_role(*DECIDERS)
    listing = policy.listing_case(fields["rule"])
    if enterprise is None:
        raise InvalidInput(
            f"enterprise {fields['uscc']} is not known to the credit service",
            {"uscc": ["unknown enterprise"]},
        )
    authority = fields.get("authority") or actor.region_scope
    if not actor.sees_region(authority) or not actor.sees_region(enterprise["region_code"]):
        raise Forbidden(
            "a case is opened within your jurisdiction",
            {"authority": ["outside your jurisdiction"]},
        )
    if fields["subject_kind"] == "person" and not fields.get("person_name"):
        raise InvalidInput("a person subject is named", {"person_name": ["required"]})
    subject = _subject(enterprise, fields["subject_kind"], fields.get("person_name"))
    triggers = [
        {"kind": "manual", "id": record, "basis": fields["legal_basis"]}
        for record in fields["records"]
    ]
    case, events = open_case(listing, subject, triggers, authority, policy, actor, now)
    case["rule"]["legal_basis"] = fields["legal_basis"]
    return case, events


def _subject(enterprise: Document, kind: str, person_name: str | None) -> dict[str, Any]:
    return {
        "kind": kind,
        "uscc": enterprise["uscc"],
        "unit_name": enterprise.get("name") or enterprise["uscc"],
        "region_code": enterprise["region_code"],
        "person_name": person_name if kind == "person" else None,
    }


def accident_candidates(
    accident: dict[str, Any], history: list[dict[str, Any]], policy: Policy
) -> list[tuple[ListingCase, list[dict[str, Any]]]]:
    """The listing cases an accident report meets, each with its triggering accidents.

    `history` is the unit's accidents the service has seen (this one included), so a case
    counting accidents within a rolling window sees the earlier ones.
    """
    occurred = datetime.fromisoformat(str(accident["occurred_at"]).replace("Z", "+00:00"))
    met = []
    for listing in policy.cases.values():
        if listing.trigger != "accident" or accident["grade"] not in listing.grades:
            continue
        since = add_months(today_of(occurred), -listing.within_months)
        within = sorted(
            (
                item
                for item in history
                if item["grade"] in listing.grades
                and since <= today_of(item["occurred_at"]) <= today_of(occurred)
            ),
            key=lambda item: item["occurred_at"],
        )
        if len(within) >= listing.count:
            met.append(
                (
                    listing,
                    [
                        {
                            "kind": "accident",
                            "id": item["_id"],
                            "grade": item["grade"],
                            "occurred_at": item["occurred_at"],
                        }
                        for item in within
                    ],
                )
            )
    return met


def penalty_candidates(
    penalty: dict[str, Any], policy: Policy
) -> list[tuple[ListingCase, dict[str, Any], list[dict[str, Any]]]]:
    """The listing cases a penalty decision meets: (case, the party listed, triggering lines)."""
    parties = {party["party_id"]: party for party in penalty["parties"]}
    met = []
    for listing in policy.cases.values():
        if listing.trigger != "penalty":
            continue
        for line in penalty["lines"]:
            party = parties.get(line["party_id"])
            if line["article"] not in listing.articles or party is None:
                continue
            if (listing.subject == "person") != (party["kind"] == "person"):
                continue
            met.append(
                (
                    listing,
                    party,
                    [
                        {
                            "kind": "penalty",
                            "id": f"{penalty['case_id']}:{line['party_id']}",
                            "decision_number": line["decision_number"],
                            "article": line["article"],
                            "amount_yuan": line["amount_yuan"],
                            "decided_on": line["decided_on"],
                        }
                    ],
                )
            )
    return met


def subject_of(
    enterprise: Document | None, uscc: str, region_code: str, party: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The subject of a detected case: the unit, or a person of it, named as the event names
    them (no identity number)."""
    known = enterprise or {"uscc": uscc, "region_code": region_code}
    if party is not None and party["kind"] == "person":
        return _subject(known, "person", party["name"])
    return _subject(known, "unit", None)


# --- the procedure -----------------------------------------------------------------------------


def notify(
    case: Document, fields: dict[str, Any], policy: Policy, actor: Actor, now: datetime
) -> Result:
    """The notice: reasons, basis and rights, and the representation deadline in working days
    (weekends and holidays of the calendar skipped)."""
    _require_authority(case, actor)
    _require_status(case, ("candidate",), "notified")
    notified_on = today_of(now)
    deadline = policy.working_days_after(notified_on, policy.representation_days)
    changed = {
        **case,
        "status": "notified",
        "notice": {
            "notified_on": notified_on.isoformat(),
            "reasons": fields["reasons"],
            "basis": case["rule"]["legal_basis"],
            "rights": fields["rights"],
            "representation_deadline": deadline.isoformat(),
            "working_days": policy.representation_days,
        },
        "steps": [
            *case["steps"],
            _step(
                actor,
                now,
                "notified",
                fields.get("documents"),
                representation_deadline=deadline.isoformat(),
            ),
        ],
    }
    return changed, [_internal("notified", changed, now)]


def receive_representation(
    case: Document, fields: dict[str, Any], actor: Actor, now: datetime
) -> Result:
    _require_party_or_authority(case, actor)
    _require_status(case, ("notified",), "given a representation")
    today = today_of(now)
    if today.isoformat() > case["notice"]["representation_deadline"]:
        raise Conflict(
            "the representation period ended on " + case["notice"]["representation_deadline"],
            {"representation_deadline": ["passed"]},
        )
    changed = {
        **case,
        "status": "representation_received",
        "representation": {
            "received_on": today.isoformat(),
            "text": fields["text"],
            "evidence": fields.get("evidence") or [],
        },
        "steps": [
            *case["steps"],
            _step(actor, now, "representation_received", fields.get("evidence")),
        ],
    }
    return changed, [_internal("representation_received", changed, now)]


def decide(case: Document, fields: dict[str, Any], actor: Actor, now: datetime) -> Result:
    """The written decision, list or dismiss: only once a representation was received or its
    deadline passed."""
    _require_authority(case, actor)
    _require_status(case, ("notified", "representation_received"), "decided")
    today = today_of(now)
    if (
        case["status"] == "notified"
        and today.isoformat() <= case["notice"]["representation_deadline"]
    ):
        raise Conflict(
            "the party may still make representations until "
            + case["notice"]["representation_deadline"],
            {"representation_deadline": ["not yet passed"]},
        )
    outcome = fields["outcome"]
    changed = {
        **case,
        "status": "decided" if outcome == "list" else "dismissed",
        "decision": {
            "outcome": outcome,
            "decision_number": fields["decision_number"],
            "decided_on": today.isoformat(),
            "reasons": fields["reasons"],
        },
        "steps": [
            *case["steps"],
            _step(
                actor,
                now,
                f"decided_{outcome}",
                fields.get("documents"),
                decision_number=fields["decision_number"],
            ),
        ],
    }
    return changed, [_internal("decided", changed, now)]


def publish(
    case: Document, fields: dict[str, Any], policy: Policy, actor: Actor, now: datetime
) -> Result:
    """The listing, published for the term with its joint measures."""
    _require_authority(case, actor)
    _require_status(case, ("decided",), "published")
    unknown = sorted(set(fields["measures"]) - set(policy.measures))
    if unknown:
        raise InvalidInput("unknown joint measures", {"measures": unknown})
    start = today_of(now)
    end = add_months(start, 12 * policy.term_years)
    changed = {
        **case,
        "status": "published",
        "listing": {
            "published_on": start.isoformat(),
            "term_start": start.isoformat(),
            "term_end": end.isoformat(),
            "measures": [{"measure": m, "name": policy.measures[m]} for m in fields["measures"]],
        },
        "steps": [*case["steps"], _step(actor, now, "published", fields.get("documents"))],
    }
    return changed, [_public("listed", changed, now)]


def expire(case: Document, now: datetime) -> Result:
    """At the end of the term the listing is removed (run by the service's timer)."""
    if case["status"] not in LISTED or today_of(now).isoformat() <= case["listing"]["term_end"]:
        return case, []
    changed = {
        **case,
        "status": "removed",
        "removal": {"reason": "expired", "removed_on": today_of(now).isoformat()},
        "steps": [
            *case["steps"],
            {
                "at": now,
                "user_id": "system",
                "role": "admin",
                "action": "removed_expired",
                "documents": [],
            },
        ],
    }
    events = [
        _public(
            "removed", changed, now, reason="expired", removed_on=changed["removal"]["removed_on"]
        )
    ]
    return changed, events


def repair(
    case: Document, fields: dict[str, Any], policy: Policy, actor: Actor, now: datetime
) -> Result:
    """Credit repair: the party applies (no sooner than the wait after the decision); the
    deciding authority approves (the listing is removed early) or rejects, with reasons."""
    step = fields["step"]
    today = today_of(now)
    if step == "apply":
        _require_party_or_authority(case, actor)
        _require_status(case, ("published",), "applied for repair")
        allowed_from = add_months(
            date.fromisoformat(case["decision"]["decided_on"]), policy.repair_wait_months
        )
        if today < allowed_from:
            raise Conflict(
                f"credit repair may be applied for from {allowed_from.isoformat()}",
                {"applied_on": [f"before {allowed_from.isoformat()}"]},
            )
        changed = {
            **case,
            "status": "repair_applied",
            "repair": {
                "applied_on": today.isoformat(),
                "reasons": fields["reasons"],
                "documents": fields.get("documents") or [],
                "outcome": None,
            },
            "steps": [*case["steps"], _step(actor, now, "repair_applied", fields.get("documents"))],
        }
        return changed, [_internal("repair_applied", changed, now)]
    _require_authority(case, actor)
    _require_status(case, ("repair_applied",), f"repair {step}d")
    ruled = {
        **case["repair"],
        "outcome": f"{step}d",
        "ruled_on": today.isoformat(),
        "ruling_reasons": fields["reasons"],
    }
    steps = [*case["steps"], _step(actor, now, f"repair_{step}d", fields.get("documents"))]
    if step == "reject":
        changed = {**case, "status": "published", "repair": ruled, "steps": steps}
        return changed, [_internal("repair_rejected", changed, now)]
    changed = {
        **case,
        "status": "removed",
        "repair": ruled,
        "steps": steps,
        "removal": {"reason": "repaired", "removed_on": today.isoformat()},
    }
    events = [_public("removed", changed, now, reason="repaired", removed_on=today.isoformat())]
    return changed, events


def restore(case: Document, fields: dict[str, Any], actor: Actor, now: datetime) -> Result:
    """An early removal found to rest on false material is revoked: the listing is back for the
    rest of its term."""
    _require_authority(case, actor)
    _require_status(case, ("removed",), "restored")
    if case["removal"]["reason"] != "repaired":
        raise Conflict(
            "only a removal by credit repair can be revoked",
            {"removal": [case["removal"]["reason"]]},
        )
    changed = {
        **case,
        "status": "published",
        "removal": None,
        "restoration": {
            "restored_on": today_of(now).isoformat(),
            "reasons": fields["reasons"],
            "decision_number": fields["decision_number"],
        },
        "steps": [
            *case["steps"],
            _step(
                actor,
                now,
                "restored",
                fields.get("documents"),
                decision_number=fields["decision_number"],
            ),
        ],
    }
    events = [_public("restored", changed, now, reason=fields["reasons"])]
    return changed, events


def view(case: Document, today: date) -> Document:
    """A case as regulators read it."""
    listed = case["status"] in LISTED and case["listing"]["term_end"] >= today.isoformat()
    return {**case, "id": case["_id"], "listed": listed}


def public_view(case: Document) -> Document:
    """A published listing as anyone may read it: minimal fields."""
    data = listing_data(case)
    return {
        key: data[key]
        for key in (
            "uscc",
            "unit_name",
            "region_code",
            "subject_kind",
            "person_name",
            "listing_case_name",
            "legal_basis",
            "decision_number",
            "decided_on",
            "term_start",
            "term_end",
            "measures",
            "authority",
        )
    }
