"""What every inspection aggregate shares: the service's name, its roles, ids, events, and who
may write about an enterprise."""

from datetime import date, datetime
from typing import Any

from services.kit.pure.actor import Actor
from services.kit.pure.clock import CHINA
from services.kit.pure.commands import Document
from services.kit.pure.commands import new_id as new_id  # re-exported for the aggregates
from services.kit.pure.envelope import ServiceEvents
from services.kit.pure.errors import Forbidden, InvalidInput

SERVICE = "inspection"
event = ServiceEvents(SERVICE)
INSPECTORS = ("admin", "regulator", "inspector")
REVIEWERS = ("admin", "regulator")


def china_day(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


def is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def text_errors(fields: dict[str, Any], names: tuple[str, ...]) -> dict[str, list[str]]:
    return {name: ["required"] for name in names if not is_text(fields.get(name))}


def require_future(day: date, today: date, field: str) -> None:
    if day < today:
        raise InvalidInput(f"the {field} cannot be in the past", {field: ["in the past"]})


def known_enterprise(enterprise: Document | None) -> Document:
    """The enterprise a command is about, which this service's copy of the registry must hold."""
    if enterprise is None:
        raise InvalidInput(
            "the enterprise is not known to the inspection service",
            {"uscc": ["unknown enterprise"]},
        )
    return enterprise


def enterprise_named(fields: dict[str, Any], actor: Actor) -> str:
    """The enterprise a report is about: an enterprise user's own, or the one the fields name."""
    uscc = actor.uscc if actor.role == "enterprise" else fields.get("uscc")
    if not uscc:
        raise InvalidInput("name the enterprise", {"uscc": ["required"]})
    return uscc


def require_enterprise_writer(
    enterprise: Document, actor: Actor, roles: tuple[str, ...] = INSPECTORS
) -> None:
    """Writes about an enterprise outside the caller's jurisdiction are refused by name."""
    if actor.role == "enterprise":
        if enterprise["uscc"] != actor.uscc or "enterprise" not in roles:
            raise Forbidden("an enterprise user may not do this")
        return
    actor.require_role(*roles)
    if not actor.sees_region(enterprise["region_code"]):
        raise Forbidden(f"enterprise {enterprise['uscc']} is outside your jurisdiction")


def own_evidence(evidence: list[Document], uscc: str, field: str) -> list[str]:
    """The ids of evidence records, all of which must be the enterprise's own."""
    foreign = sorted(item["_id"] for item in evidence if item.get("uscc") != uscc)
    if foreign:
        raise InvalidInput("the evidence must be the enterprise's own", {field: foreign})
    return [item["_id"] for item in evidence]
