"""What every permits aggregate shares: the service's name, events, and who may manage an
enterprise's spaces and permits."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.kit.pure.actor import Actor
from services.kit.pure.commands import Document
from services.kit.pure.commands import new_id as new_id  # re-exported for the aggregates
from services.kit.pure.enterprises import known_enterprise as kit_known_enterprise
from services.kit.pure.envelope import ServiceEvents
from services.kit.pure.errors import Conflict

SERVICE = "permits"
event = ServiceEvents(SERVICE)
# Who keeps an enterprise's ledger and runs its permits: the enterprise itself, and bureaus
# (correcting a record in their jurisdiction).
MANAGERS = ("enterprise", "admin", "regulator", "inspector")


def audit(actor: Actor, now: datetime, action: str, **details: Any) -> dict[str, Any]:
    return {"at": now, "user_id": actor.user_id, "role": actor.role, "action": action, **details}


def require_manager(enterprise: Document, actor: Actor) -> None:
    """Writes about an enterprise's spaces and permits: its own users, or a bureau whose
    jurisdiction it is in."""
    actor.require_enterprise_writer(enterprise, MANAGERS, "spaces and permits")


def known_enterprise(enterprise: Document | None, uscc: str) -> Document:
    """The enterprise a command names, which the service's copy of the registry must hold."""
    return kit_known_enterprise(enterprise, uscc, SERVICE)


def moved(
    transitions: Mapping[str, tuple[tuple[str, ...], str]], action: str, state: str, what: str
) -> str:
    """The state `action` leads to from `state`, by the transition table; an illegal move is a
    Conflict (409) naming what is allowed."""
    sources, target = transitions[action]
    if state not in sources:
        raise Conflict(
            f"a {what} that is {state} cannot be {action}: only from {', '.join(sources)}",
            {"state": [state]},
        )
    return target
