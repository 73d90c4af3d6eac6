"""What every monitoring aggregate shares: the service's name, its events, who may manage an
enterprise's points and devices, and the enterprise they are about."""

from datetime import datetime
from typing import Any

from services.kit.pure.actor import Actor
from services.kit.pure.commands import Document
from services.kit.pure.commands import new_id as new_id  # re-exported for the aggregates
from services.kit.pure.enterprises import known_enterprise as kit_known_enterprise
from services.kit.pure.envelope import ServiceEvents

SERVICE = "monitoring"
event = ServiceEvents(SERVICE)
# Who registers an enterprise's points and devices: the enterprise itself, and bureaus
# (setting them up for it, or correcting a record in their jurisdiction).
MANAGERS = ("enterprise", "admin", "regulator", "inspector")


def audit(actor: Actor, now: datetime, action: str, **details: Any) -> dict[str, Any]:
    return {"at": now, "user_id": actor.user_id, "role": actor.role, "action": action, **details}


def require_manager(enterprise: Document, actor: Actor) -> None:
    actor.require_enterprise_writer(enterprise, MANAGERS, "monitoring points and devices")


def known_enterprise(enterprise: Document | None, uscc: str) -> Document:
    """The enterprise a command names, which the service's copy of the registry must hold."""
    return kit_known_enterprise(enterprise, uscc, SERVICE)


def owned_by(enterprise: Document) -> dict[str, Any]:
    """The fields every record about an enterprise carries: whose it is and where."""
    return {
        "uscc": enterprise["uscc"],
        "region_code": enterprise["region_code"],
        "enterprise_name": enterprise.get("name"),
    }
