"""The enterprise aggregate: registration, edits, status changes, and how it is shown.

Every command takes the current document, the caller and the time, checks the rules and returns
`(document, events)` (services.kit.pure.commands): the document carries its audit history, so an
edit appends its audit entry there.
"""

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from services.kit.pure import uscc as uscc_codes
from services.kit.pure.actor import Actor
from services.kit.pure.commands import Document, Event, Result
from services.kit.pure.envelope import make_event
from services.kit.pure.errors import Conflict, DomainError, Forbidden, InvalidInput
from services.kit.pure.times import utc_instant
from services.registry.domain import standardization

SERVICE = "registry"
STATUSES = ("operating", "suspended", "closed")
# Which status may follow which; closing is final (a reopened firm registers again).
TRANSITIONS = {
    "operating": {"suspended", "closed"},
    "suspended": {"operating", "closed"},
    "closed": set(),
}
# Fields a caller may set through create or update; everything else is owned by the registry.
EDITABLE = (
    "name",
    "region_code",
    "address",
    "industry",
    "above_scale",
    "principal",
    "safety_manager",
    "risk_features",
    "standardization",
)
# Fields the grade history keeps; the audit records the grade they derive, not them.
BOOKKEEPING = (standardization.HISTORY, standardization.CHECK_ON)


def check_uscc(
    code: str, actor: Actor, override_reason: str | None = None
) -> dict[str, Any] | None:
    """Refuse malformed codes; a checksum failure needs an administrator and a recorded reason."""
    result = uscc_codes.check(code)
    if result is uscc_codes.UsccCheck.MALFORMED:
        raise InvalidInput(
            "the USCC is malformed: 18 characters of 0-9 and A-Y without I, O, S, "
            "V, Z, the first 8 digits",
            {"uscc": ["malformed"]},
        )
    if result is uscc_codes.UsccCheck.CHECKSUM_FAILED:
        if actor.role != "admin" or not override_reason:
            raise InvalidInput(
                "the USCC check character is wrong; only an administrator can accept "
                "it, with a reason",
                {"uscc": ["checksum failed"]},
            )
        return {"reason": override_reason, "by": actor.user_id}
    if override_reason:
        raise InvalidInput(
            "the USCC is valid; a checksum override reason is not needed",
            {"uscc_override_reason": ["only for a code whose checksum fails"]},
        )
    return None


def _stored(fields: dict[str, Any]) -> dict[str, Any]:
    """The editable fields as stored; the standardization grade goes to its history instead
    (`_graded`)."""
    stored = {key: fields[key] for key in EDITABLE if key in fields and key != "standardization"}
    if "risk_features" in stored:
        stored["risk_features"] = sorted(set(stored["risk_features"]))
    return stored


def _change(old: Any, new: Any) -> dict[str, Any]:
    # A mapping, not an [old, new] pair: FerretDB stores no arrays nested in arrays.
    return {"from": old, "to": new}


def _audit(actor: Actor, now: datetime, action: str, changes: dict[str, Any]) -> dict[str, Any]:
    return {
        "at": now,
        "user_id": actor.user_id,
        "role": actor.role,
        "action": action,
        "changes": changes,
    }


def _event(verb: str, document: Document, now: datetime, data: dict[str, Any]) -> Event:
    return make_event(
        service=SERVICE,
        entity="enterprise",
        verb=verb,
        subject=document["uscc"],
        data=data,
        region_code=document["region_code"],
        now=now,
    )


def _graded(
    document: Document,
    fields: dict[str, Any],
    terms: standardization.Terms,
    actor: Actor,
    now: datetime,
    today: date,
) -> Result:
    """The enterprise with the grade sent among its fields added to its grade history (a grade
    equal to the current one changes nothing) and its `graded` event; the current grade is
    always the history's."""
    sent = fields.get("standardization")
    if "standardization" in fields and sent is None:
        if document.get("standardization") is None:
            return document, []
        raise InvalidInput(
            "the current grade follows from the grade history and cannot be removed",
            {"standardization": ["record grades at /standardization"]},
        )
    if sent is None:
        return document, []
    current = document.get("standardization")
    if (
        current
        and current["grade"] == sent["grade"]
        and current["graded_on"] == str(sent["graded_on"])
    ):
        return document, []
    try:
        after, record = standardization.with_grade(document, sent, terms, today, actor, now)
    except DomainError as error:
        raise type(error)(error.message, {"standardization": error.errors}) from None
    return after, [standardization.graded_event(after, record, now)]


def register(
    fields: dict[str, Any],
    actor: Actor,
    now: datetime,
    today: date,
    terms: standardization.Terms,
    override_reason: str | None = None,
) -> Result:
    """A new enterprise, operating from today, with its first audit entry and `registered`."""
    actor.require_role("admin", "regulator", "inspector")
    override = check_uscc(fields["uscc"], actor, override_reason)
    actor.require_region_writer(fields["region_code"])
    document = {
        "_id": fields["uscc"],
        "uscc": fields["uscc"],
        "above_scale": False,
        "risk_features": [],
        "standardization": None,
        standardization.HISTORY: [],
        "safety_manager": None,
        **_stored(fields),
        "status": "operating",
        "status_history": [
            {
                "status": "operating",
                "reason": "registered",
                "effective_on": today.isoformat(),
                "at": now,
                "user_id": actor.user_id,
            }
        ],
        "uscc_override": override and {**override, "at": now},
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    document, graded = _graded(document, fields, terms, actor, now, today)
    stored = {**_stored(fields), "standardization": document["standardization"]}
    document["history"] = [
        _audit(
            actor,
            now,
            "registered",
            {key: _change(None, value) for key, value in stored.items() if value is not None},
        )
    ]
    return document, [_event("registered", document, now, snapshot(document)), *graded]


def import_batch(
    rows: list[dict[str, Any]],
    actor: Actor,
    now: datetime,
    today: date,
    terms: standardization.Terms,
    load: Callable[[dict[str, Any]], dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[Result]]:
    """Check every row of an import; returns the per-row report and the registrations.

    `rows` are `{"row": <line number>, "fields": <create payload>}`; `load` validates a payload
    against the create schema. A USCC repeated within the batch is reported, not guessed at.
    """
    report: list[dict[str, Any]] = []
    registrations: list[Result] = []
    seen: dict[str, Any] = {}
    for row in rows:
        fields = row.get("fields") or {}
        line: dict[str, Any] = {
            "row": row.get("row"),
            "uscc": fields.get("uscc"),
            "result": "invalid",
            "errors": {},
        }
        report.append(line)
        try:
            loaded = load(fields)
            if loaded["uscc"] in seen:
                raise InvalidInput(
                    "repeated in this file", {"uscc": [f"already on row {seen[loaded['uscc']]}"]}
                )
            document, events = register(
                loaded, actor, now, today, terms, loaded.get("uscc_override_reason")
            )
        except DomainError as error:
            line["errors"] = error.errors or {"_row": [error.message]}
            continue
        seen[loaded["uscc"]] = row.get("row")
        document["history"][0]["action"] = "imported"
        registrations.append((document, events))
        line["result"] = "created"
    return report, registrations


def _require_writer(document: Document, actor: Actor) -> None:
    """Writes name the refusal: the record exists, but not for this caller."""
    if actor.role == "enterprise":
        raise Forbidden(f"you may not change enterprise {document['uscc']}")
    actor.require_writer(document["region_code"])


def update(
    document: Document,
    fields: dict[str, Any],
    actor: Actor,
    now: datetime,
    today: date,
    terms: standardization.Terms,
) -> Result:
    """An edit with its audit entry and `updated`; unchanged when nothing actually changes."""
    _require_writer(document, actor)
    if "region_code" in fields and fields["region_code"] != document["region_code"]:
        actor.require_region_writer(fields["region_code"])
    graded, facts = _graded(document, fields, terms, actor, now, today)
    stored = {
        **_stored(fields),
        "standardization": graded["standardization"],
        standardization.HISTORY: graded.get(standardization.HISTORY) or [],
        standardization.CHECK_ON: graded.get(standardization.CHECK_ON),
    }
    changed = {key: value for key, value in stored.items() if document.get(key) != value}
    after, updated = announce_update(document, changed, actor, now)
    return after, [*facts, *updated]


def announce_update(
    document: Document, changed: dict[str, Any], actor: Actor, now: datetime
) -> Result:
    """The enterprise with `changed` applied, audited and announced as `updated` (the grade
    history is recorded but not announced field by field: its grade is)."""
    if not changed:
        return document, []
    changes = {
        key: _change(document.get(key), value)
        for key, value in changed.items()
        if key not in BOOKKEEPING
    }
    after = {
        **document,
        **changed,
        "updated_at": now,
        "history": [*document["history"], _audit(actor, now, "updated", changes)],
    }
    return after, [_event("updated", after, now, {**snapshot(after), "changed": sorted(changes)})]


def change_status(
    document: Document,
    status: str,
    reason: str,
    effective_on: date,
    actor: Actor,
    now: datetime,
    today: date,
) -> Result:
    """operating ⇄ suspended, either → closed; every change dated, reasoned and recorded."""
    _require_writer(document, actor)
    current = document["status"]
    if status == current:
        raise Conflict(f"the enterprise is already {status}")
    if status not in TRANSITIONS[current]:
        raise Conflict(f"an enterprise that is {current} cannot become {status}")
    if effective_on > today + timedelta(days=366) or effective_on < date(1949, 10, 1):
        raise InvalidInput(
            "the effective date is not plausible", {"effective_on": ["out of range"]}
        )
    change = {"status": status, "reason": reason, "effective_on": effective_on.isoformat()}
    return _status_change(document, change, actor, now)


def _status_change(
    document: Document, change: dict[str, Any], actor: Actor, now: datetime
) -> Result:
    """`change`: the new status, its reason, the day it takes effect (ISO) and, when an order
    caused it, the cause; kept in the status history and announced as it is."""
    after = {
        **document,
        "status": change["status"],
        "updated_at": now,
        "status_history": [
            *document["status_history"],
            {**change, "at": now, "user_id": actor.user_id},
        ],
        "history": [
            *document["history"],
            _audit(
                actor,
                now,
                "status_changed",
                {"status": _change(document["status"], change["status"])},
            ),
        ],
    }
    announced = {"uscc": document["uscc"], "from": document["status"], "to": change["status"]}
    return after, [
        _event(
            "status_changed",
            after,
            now,
            {**announced, **{k: v for k, v in change.items() if k != "status"}},
        )
    ]


def resynchronisation(document: Document, now: datetime) -> Event:
    """The enterprise as it stands, announced again so consumers can rebuild their copies.

    An `updated` fact that changes nothing (`changed` is empty) carries the full snapshot.
    """
    return _event("updated", document, now, {**snapshot(document), "changed": []})


def apply_suspension_order(
    document: Document, order: dict[str, Any], actor: Actor, now: datetime
) -> Result:
    """A suspension order (责令停产停业整顿) from inspection suspends an operating enterprise.

    Every open order is kept (`open_suspension_orders`): orders for different hazards overlap,
    and the enterprise may resume only when the last of them is lifted.
    """
    open_orders = document.get("open_suspension_orders") or []
    if order["order_id"] in open_orders:
        return document, []
    kept = {**document, "open_suspension_orders": [*open_orders, order["order_id"]]}
    if document["status"] != "operating":
        return kept, []
    return _ordered(kept, "suspended", order, "ordered_on", actor, now)


# What the status history says when an order gives no reason of its own.
ORDER_REASONS = {"suspended": "suspension order", "operating": "suspension order lifted"}


def _ordered(
    document: Document, status: str, order: dict[str, Any], day: str, actor: Actor, now: datetime
) -> Result:
    """The status change a suspension order (or its lifting) causes, dated by the order."""
    change = {
        "status": status,
        "reason": order.get("reason") or ORDER_REASONS[status],
        "effective_on": date.fromisoformat(order[day]).isoformat(),
        "cause": {"suspension_order": order["order_id"]},
    }
    return _status_change(document, change, actor, now)


def lift_suspension_order(
    document: Document, order: dict[str, Any], actor: Actor, now: datetime
) -> Result:
    """Lifting an order restores operating only when no other order is still open, and only a
    suspension that an order caused (a status set by hand stays as it was set)."""
    open_orders = document.get("open_suspension_orders") or []
    last_cause = (document["status_history"][-1].get("cause") or {}).get("suspension_order")
    if order["order_id"] not in open_orders and last_cause != order["order_id"]:
        return document, []  # unknown, or lifted already (an order kept before this list was)
    remaining = {
        **document,
        "open_suspension_orders": [
            order_id for order_id in open_orders if order_id != order["order_id"]
        ],
    }
    if (
        remaining["open_suspension_orders"]
        or document["status"] != "suspended"
        or last_cause is None
    ):
        return remaining, []
    return _ordered(remaining, "operating", order, "lifted_on", actor, now)


def snapshot(document: Document) -> dict[str, Any]:
    """The enterprise as other services and the API see it (no internal bookkeeping)."""
    grade = document.get("standardization")
    return {
        "uscc": document["uscc"],
        "name": document["name"],
        "region_code": document["region_code"],
        "address": document["address"],
        "industry": document["industry"],
        "above_scale": document["above_scale"],
        "principal": document["principal"],
        "safety_manager": document.get("safety_manager"),
        "risk_features": document["risk_features"],
        "standardization": grade,
        "status": document["status"],
    }


def view(document: Document, today: date) -> dict[str, Any]:
    """The API representation: the snapshot plus dates and derived standardization state."""
    body = snapshot(document)
    if body["standardization"]:
        body["standardization"] = {
            **body["standardization"],
            "state": standardization.state(document["standardization"], today),
        }
    return {
        **body,
        "status_history": [
            {key: entry[key] for key in ("status", "reason", "effective_on")}
            for entry in document["status_history"]
        ],
        "open_suspension_orders": document.get("open_suspension_orders") or [],
        "uscc_override": document.get("uscc_override")
        and {"reason": document["uscc_override"]["reason"], "by": document["uscc_override"]["by"]},
        "created_at": utc_instant(document["created_at"]),
        "updated_at": utc_instant(document["updated_at"]),
    }


def audit_trail(document: Document) -> list[dict[str, Any]]:
    return [{**entry, "at": utc_instant(entry["at"])} for entry in document["history"]]


def record_grade(
    document: Document,
    fields: dict[str, Any],
    terms: standardization.Terms,
    actor: Actor,
    now: datetime,
    today: date,
) -> Result:
    """A grade recorded at /standardization: `graded`, and `updated` for the copies of the
    enterprise other services keep, since its current grade changed."""
    graded, facts = standardization.record_grade(document, fields, terms, actor, now, today)
    changed = {key: graded[key] for key in ("standardization", *BOOKKEEPING)}
    after, updated = announce_update(document, changed, actor, now)
    return after, [*facts, *updated]
