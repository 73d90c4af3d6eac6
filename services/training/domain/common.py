"""What every training aggregate shares: the service's name, ids, events and who may write about
an enterprise's people."""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.kit.pure.actor import Actor
from services.kit.pure.commands import Document
from services.kit.pure.commands import new_id as new_id  # re-exported for the aggregates
from services.kit.pure.enterprises import known_enterprise as kit_known_enterprise
from services.kit.pure.envelope import ServiceEvents
from services.training.domain.policy import Policy

SERVICE = "training"
event = ServiceEvents(SERVICE)
# Bureaus that may correct any record in their jurisdiction, and revoke certificates.
REGULATORS = ("admin", "regulator")
# Who keeps an enterprise's staff records: the enterprise itself and the bureaus above it.
KEEPERS = ("enterprise", "admin", "regulator", "inspector")


def person_id(id_key: str) -> str:
    """A person's id, from the keyed hash of their ID number: one id per number, found by it
    without a scan, and no more revealing than the person key every event carries."""
    return id_key[:32]


def certificate_id(kind: str | None, number: str) -> str:
    """A certificate's id, from its kind and number: one record per certificate, found by them
    without a scan."""
    return hashlib.sha256(f"{kind}\n{number}".encode()).hexdigest()[:32]


def audit(actor: Actor, now: datetime, action: str, **details: Any) -> dict[str, Any]:
    return {"at": now, "user_id": actor.user_id, "role": actor.role, "action": action, **details}


def require_keeper(enterprise: Document, actor: Actor) -> None:
    """Writes about an enterprise's people: its own users, or a bureau whose jurisdiction it is
    in. Anyone else is refused by name."""
    actor.require_enterprise_writer(enterprise, KEEPERS, "staff")


def known_enterprise(enterprise: Document | None, uscc: str) -> Document:
    """The employer a command names, which this service's copy of the registry must hold."""
    return kit_known_enterprise(enterprise, uscc, SERVICE)


def iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def day_of(value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Keeping:
    """What every command on an enterprise's people and certificates is given: the employer, the
    rules in force on the date of the fact, who acts, and when."""

    enterprise: Document
    policy: Policy
    actor: Actor
    now: datetime
    today: date

    def __iter__(self) -> Iterator[Any]:
        return iter((self.enterprise, self.policy, self.actor, self.now, self.today))
