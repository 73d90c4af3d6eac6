"""The confined-space ledger (令第13号 Art. 6): each space of an enterprise with its kind,
hazard factors, isolation (Art. 12), warning sign (Art. 11) and status, every change kept."""

from datetime import datetime
from typing import Any

from services.kit.pure.actor import Actor
from services.kit.pure.commands import Document, Result
from services.kit.pure.errors import Conflict, InvalidInput
from services.permits.domain.common import audit, event, moved, new_id, require_manager
from services.permits.domain.policy import Policy

STATUSES = ("in_use", "retired")
ISOLATIONS = ("locked", "fenced", "none")
TRANSITIONS = {"retire": (("in_use",), "retired")}
# What a change may set, and what the history records of it.
CHANGEABLE = ("name", "location", "kind", "hazards", "toxic_gas", "isolation")


def _checked(fields: dict[str, Any], policy: Policy) -> dict[str, Any]:
    """Kind and hazards from the catalogues in force; whether toxic gas may be present follows
    from the hazards (or is declared for a gas the catalogue does not name)."""
    errors: dict[str, list[str]] = {}
    if "kind" in fields and fields["kind"] not in policy.kinds:
        errors["kind"] = [f"unknown kind; one of {', '.join(policy.kinds)}"]
    unknown = [code for code in fields.get("hazards", ()) if code not in policy.hazards]
    if unknown:
        errors["hazards"] = [f"unknown hazard {code}" for code in unknown]
    if "hazards" in fields and len(set(fields["hazards"])) != len(fields["hazards"]):
        errors.setdefault("hazards", []).append("a hazard is listed twice")
    if errors:
        raise InvalidInput("the space has invalid fields", errors)
    return fields


def _toxic(space: Document, policy: Policy) -> bool:
    return bool(space.get("toxic_gas_declared")) or policy.toxic(space["hazards"])


def _event_data(space: Document) -> dict[str, Any]:
    return {
        "space_id": space["_id"],
        "uscc": space["uscc"],
        "number": space["number"],
        "name": space["name"],
        "kind": space["kind"],
        "hazards": space["hazards"],
        "toxic_gas": space["toxic_gas"],
        "signage": space["signage"]["installed"],
        "status": space["status"],
    }


def register(
    fields: dict[str, Any], enterprise: Document, policy: Policy, actor: Actor, now: datetime
) -> Result:
    require_manager(enterprise, actor)
    fields = _checked(fields, policy)
    space = {
        "_id": new_id(),
        "uscc": enterprise["uscc"],
        "enterprise_name": enterprise.get("name"),
        "region_code": enterprise["region_code"],
        "number": fields["number"],
        "name": fields["name"],
        "location": fields["location"],
        "kind": fields["kind"],
        "hazards": fields["hazards"],
        "toxic_gas_declared": fields.get("toxic_gas", False),
        "isolation": fields["isolation"],
        "signage": {"installed": False, "photo": None, "at": None},
        "status": "in_use",
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "history": [audit(actor, now, "registered")],
    }
    space["toxic_gas"] = _toxic(space, policy)
    return space, [
        event("space", "registered", space["_id"], space["region_code"], now, _event_data(space))
    ]


def _changed(
    space: Document, changes: dict[str, Any], actor: Actor, now: datetime, verb: str
) -> Result:
    if all(space.get(key) == value for key, value in changes.items()):
        return space, []
    after = {
        **space,
        **changes,
        "updated_at": now,
        "history": [
            *space["history"],
            audit(
                actor,
                now,
                verb,
                before={key: space.get(key) for key in changes},
                after=changes,
            ),
        ],
    }
    return after, [
        event("space", verb, space["_id"], space["region_code"], now, _event_data(after))
    ]


def update(
    space: Document,
    fields: dict[str, Any],
    enterprise: Document,
    policy: Policy,
    actor: Actor,
    now: datetime,
) -> Result:
    """Change what the ledger says of a space; a retired space is kept as it was."""
    require_manager(enterprise, actor)
    if space["status"] == "retired":
        raise Conflict("a retired space is kept as it was", {"status": ["retired"]})
    fields = _checked(fields, policy)
    changes = {key: fields[key] for key in CHANGEABLE if key in fields and key != "toxic_gas"}
    if "toxic_gas" in fields:
        changes["toxic_gas_declared"] = fields["toxic_gas"]
    changes["toxic_gas"] = _toxic({**space, **changes}, policy)
    return _changed(space, changes, actor, now, "updated")


def retire(space: Document, enterprise: Document, actor: Actor, now: datetime) -> Result:
    require_manager(enterprise, actor)
    status = moved(TRANSITIONS, "retire", space["status"], "space")
    return _changed(space, {"status": status}, actor, now, "retired")


def record_signage(
    space: Document, photo: str, enterprise: Document, actor: Actor, now: datetime
) -> Result:
    """The warning sign at the entrance is installed (Art. 11), its photo on file as evidence."""
    require_manager(enterprise, actor)
    if space["status"] == "retired":
        raise Conflict("a retired space needs no sign", {"status": ["retired"]})
    return _changed(
        space, {"signage": {"installed": True, "photo": photo, "at": now}}, actor, now, "signed"
    )


SHOWN = (
    "_id",
    "uscc",
    "enterprise_name",
    "region_code",
    "number",
    "name",
    "location",
    "kind",
    "hazards",
    "toxic_gas",
    "isolation",
    "signage",
    "status",
    "created_at",
    "updated_at",
    "history",
)


def view(space: Document, policy: Policy) -> dict[str, Any]:
    shown = {key: space[key] for key in SHOWN if key in space}
    shown["required_gases"] = policy.required_gases(space["hazards"])
    return shown
