"""Enterprise registry rules: pure Python, no framework.

Every command takes the current state, the caller and the time, checks the rules and returns what
to store: the new document (or the changed fields), the audit entry and the events it causes.
"""
from datetime import date, timedelta

from services.kit.pure import regions, uscc as uscc_codes
from services.kit.pure.envelope import make_event
from services.kit.pure.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound

SERVICE = "registry"
STATUSES = ("operating", "suspended", "closed")
# Which status may follow which; closing is final (a reopened firm registers again).
TRANSITIONS = {"operating": {"suspended", "closed"}, "suspended": {"operating", "closed"},
               "closed": set()}
# 应急〔2021〕83号 [secondary]: a grade is valid 3 years and re-assessment is applied for before
# expiry. How long before is local policy [verify]; deployments may override.
STANDARDIZATION_VALID_YEARS = 3
STANDARDIZATION_REVIEW_LEAD = timedelta(days=90)
# Fields a caller may set through create or update; everything else is owned by the registry.
EDITABLE = ("name", "region_code", "address", "industry", "above_scale", "principal",
            "safety_manager", "risk_features", "standardization")


def check_uscc(code, actor, override_reason=None):
    """Refuse malformed codes; a checksum failure needs an administrator and a recorded reason."""
    result = uscc_codes.check(code)
    if result is uscc_codes.UsccCheck.MALFORMED:
        raise InvalidInput("the USCC is malformed: 18 characters of 0-9 and A-Y without I, O, S, "
                           "V, Z, the first 8 digits", {"uscc": ["malformed"]})
    if result is uscc_codes.UsccCheck.CHECKSUM_FAILED:
        if actor.role != "admin" or not override_reason:
            raise InvalidInput("the USCC check character is wrong; only an administrator can accept "
                               "it, with a reason", {"uscc": ["checksum failed"]})
        return {"reason": override_reason, "by": actor.user_id}
    if override_reason:
        raise InvalidInput("the USCC is valid; a checksum override reason is not needed",
                           {"uscc_override_reason": ["only for a code whose checksum fails"]})
    return None


def check_region(code, actor):
    if not regions.is_current(code):
        raise InvalidInput(f"{code} is not a current administrative division code",
                           {"region_code": ["unknown or withdrawn division code"]})
    actor.require_writer(code)


def expiry_of(standardization):
    if standardization is None:
        return None
    if standardization.get("expires_on"):
        return standardization["expires_on"]
    graded = standardization["graded_on"]
    try:
        return graded.replace(year=graded.year + STANDARDIZATION_VALID_YEARS)
    except ValueError:  # graded on 29 February
        return graded.replace(year=graded.year + STANDARDIZATION_VALID_YEARS, day=28)


def normalise_standardization(standardization, today):
    """Dates as ISO strings with the expiry filled in; refuses impossible dates."""
    if standardization is None:
        return None
    graded_on = standardization["graded_on"]
    if graded_on > today:
        raise InvalidInput("a standardization grade cannot be awarded in the future",
                           {"standardization": {"graded_on": ["in the future"]}})
    expires_on = expiry_of(standardization)
    if expires_on <= graded_on:
        raise InvalidInput("the grade must expire after it was awarded",
                           {"standardization": {"expires_on": ["not after graded_on"]}})
    return {"grade": standardization["grade"], "graded_on": graded_on.isoformat(),
            "expires_on": expires_on.isoformat()}


def _stored(fields, today):
    stored = {key: fields[key] for key in EDITABLE if key in fields}
    if "standardization" in stored:
        stored["standardization"] = normalise_standardization(stored["standardization"], today)
    if "risk_features" in stored:
        stored["risk_features"] = sorted(set(stored["risk_features"]))
    return stored


def _change(old, new):
    # A mapping, not an [old, new] pair: FerretDB stores no arrays nested in arrays.
    return {"from": old, "to": new}


def _audit(actor, now, action, changes):
    return {"at": now, "user_id": actor.user_id, "role": actor.role, "action": action,
            "changes": changes}


def _event(verb, document, now, data):
    return make_event(service=SERVICE, entity="enterprise", verb=verb, subject=document["uscc"],
                      data=data, region_code=document["region_code"], now=now)


def register(fields, actor, now, today, override_reason=None):
    """A new enterprise, operating from today: returns the document with its audit entry and event."""
    actor.require_role("admin", "regulator", "inspector")
    override = check_uscc(fields["uscc"], actor, override_reason)
    check_region(fields["region_code"], actor)
    document = {"_id": fields["uscc"], "uscc": fields["uscc"], "above_scale": False,
                "risk_features": [], "standardization": None, "safety_manager": None,
                **_stored(fields, today), "status": "operating",
                "status_history": [{"status": "operating", "reason": "registered",
                                    "effective_on": today.isoformat(), "at": now,
                                    "user_id": actor.user_id}],
                "uscc_override": override and {**override, "at": now},
                "created_at": now, "updated_at": now, "version": 1}
    document["history"] = [_audit(actor, now, "registered", {
        key: _change(None, value) for key, value in _stored(fields, today).items()})]
    document["outbox"] = [_event("registered", document, now, snapshot(document))]
    return document


def import_batch(rows, actor, now, today, load):
    """Check every row of an import; returns the per-row report and the documents to insert.

    `rows` are `{"row": <line number>, "fields": <create payload>}`; `load` validates a payload
    against the create schema. A USCC repeated within the batch is reported, not guessed at.
    """
    report, documents, seen = [], [], {}
    for row in rows:
        fields = row.get("fields") or {}
        line = {"row": row.get("row"), "uscc": fields.get("uscc"), "result": "invalid",
                "errors": {}}
        report.append(line)
        try:
            loaded = load(fields)
            if loaded["uscc"] in seen:
                raise InvalidInput("repeated in this file", {"uscc": [
                    f"already on row {seen[loaded['uscc']]}"]})
            document = register(loaded, actor, now, today, loaded.get("uscc_override_reason"))
        except DomainError as error:
            line["errors"] = error.errors or {"_row": [error.message]}
            continue
        seen[loaded["uscc"]] = row.get("row")
        document["history"][0]["action"] = "imported"
        documents.append(document)
        line["result"] = "created"
    return report, documents


def visible(document, actor):
    return document is not None and actor.sees_enterprise(document["uscc"], document["region_code"])


def require_visible(document, actor, uscc):
    """Reads outside the caller's jurisdiction look exactly like a missing enterprise."""
    if not visible(document, actor):
        raise NotFound(f"no enterprise {uscc}")
    return document


def require_writable(document, actor, uscc):
    """Writes name the refusal: the record exists, but not for this caller."""
    if document is None:
        raise NotFound(f"no enterprise {uscc}")
    if actor.role == "enterprise" or not visible(document, actor):
        raise Forbidden(f"you may not change enterprise {uscc}")
    actor.require_writer(document["region_code"])
    return document


def update(document, fields, actor, now, today):
    """Changed fields, audit entry and event for an edit; None when nothing actually changes."""
    require_writable(document, actor, document["uscc"] if document else "")
    if "region_code" in fields and fields["region_code"] != document["region_code"]:
        check_region(fields["region_code"], actor)
    stored = _stored(fields, today)
    changed = {key: value for key, value in stored.items() if document.get(key) != value}
    if not changed:
        return None
    changes = {key: _change(document.get(key), value) for key, value in changed.items()}
    after = {**document, **changed, "updated_at": now}
    return {"set": {**changed, "updated_at": now},
            "audit": _audit(actor, now, "updated", changes),
            "event": _event("updated", after, now,
                            {**snapshot(after), "changed": sorted(changes)})}


def change_status(document, status, reason, effective_on, actor, now, today):
    """operating ⇄ suspended, either → closed; every change dated, reasoned and recorded."""
    require_writable(document, actor, document["uscc"] if document else "")
    current = document["status"]
    if status == current:
        raise Conflict(f"the enterprise is already {status}")
    if status not in TRANSITIONS[current]:
        raise Conflict(f"an enterprise that is {current} cannot become {status}")
    if effective_on > today + timedelta(days=366) or effective_on < date(1949, 10, 1):
        raise InvalidInput("the effective date is not plausible", {"effective_on": ["out of range"]})
    return _status_change(document, status, reason, effective_on, actor, now)


def _status_change(document, status, reason, effective_on, actor, now, cause=None):
    entry = {"status": status, "reason": reason, "effective_on": effective_on.isoformat(),
             "at": now, "user_id": actor.user_id, **({"cause": cause} if cause else {})}
    after = {**document, "status": status, "updated_at": now}
    return {"set": {"status": status, "updated_at": now}, "status_entry": entry,
            "audit": _audit(actor, now, "status_changed",
                            {"status": _change(document["status"], status)}),
            "event": _event("status_changed", after, now, {
                "uscc": document["uscc"], "from": document["status"], "to": status,
                "reason": reason, "effective_on": effective_on.isoformat(),
                **({"cause": cause} if cause else {})})}


def resynchronisation(document, now):
    """The enterprise as it stands, announced again so consumers can rebuild their copies.

    An `updated` fact that changes nothing (`changed` is empty) carries the full snapshot.
    """
    return _event("updated", document, now, {**snapshot(document), "changed": []})


def apply_suspension_order(document, order, actor, now):
    """A suspension order (责令停产停业整顿) from inspection suspends an operating enterprise."""
    if document is None or document["status"] != "operating":
        return None
    return _status_change(document, "suspended", order.get("reason") or "suspension order",
                          date.fromisoformat(order["ordered_on"]), actor, now,
                          cause={"suspension_order": order["order_id"]})


def lift_suspension_order(document, order, actor, now):
    """Lifting the order that suspended the enterprise restores it to operating."""
    if document is None or document["status"] != "suspended":
        return None
    last = document["status_history"][-1]
    if (last.get("cause") or {}).get("suspension_order") != order["order_id"]:
        return None
    return _status_change(document, "operating", order.get("reason") or "suspension order lifted",
                          date.fromisoformat(order["lifted_on"]), actor, now,
                          cause={"suspension_order": order["order_id"]})


def review_due_on(standardization):
    if not standardization:
        return None
    return (date.fromisoformat(standardization["expires_on"])
            - STANDARDIZATION_REVIEW_LEAD).isoformat()


def standardization_state(standardization, today):
    if not standardization:
        return None
    if today > date.fromisoformat(standardization["expires_on"]):
        return "expired"
    if today >= date.fromisoformat(review_due_on(standardization)):
        return "review_due"
    return "valid"


def snapshot(document):
    """The enterprise as other services and the API see it (no internal bookkeeping)."""
    standardization = document.get("standardization")
    return {
        "uscc": document["uscc"], "name": document["name"],
        "region_code": document["region_code"], "address": document["address"],
        "industry": document["industry"], "above_scale": document["above_scale"],
        "principal": document["principal"], "safety_manager": document.get("safety_manager"),
        "risk_features": document["risk_features"],
        "standardization": standardization and {
            **standardization, "review_due_on": review_due_on(standardization)},
        "status": document["status"],
    }


def view(document, today):
    """The API representation: the snapshot plus dates and derived standardization state."""
    body = snapshot(document)
    if body["standardization"]:
        body["standardization"]["state"] = standardization_state(document["standardization"],
                                                                 today)
    return {**body, "status_history": [
        {key: entry[key] for key in ("status", "reason", "effective_on")}
        for entry in document["status_history"]],
        "uscc_override": document.get("uscc_override") and {
            "reason": document["uscc_override"]["reason"],
            "by": document["uscc_override"]["by"]},
        "created_at": iso_instant(document["created_at"]),
        "updated_at": iso_instant(document["updated_at"])}


def iso_instant(moment):
    return moment.isoformat().replace("+00:00", "Z")


def audit_trail(document):
    return [{**entry, "at": iso_instant(entry["at"])} for entry in document["history"]]
