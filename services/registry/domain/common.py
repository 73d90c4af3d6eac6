"""What the registry's aggregates share: the service's name and how they make events."""

from datetime import datetime
from typing import Any

from services.kit.pure.commands import Event
from services.kit.pure.envelope import make_event

SERVICE = "registry"


def event(
    entity: str, verb: str, subject: str, region_code: str, now: datetime, data: dict[str, Any]
) -> Event:
    # make_event by its own name here, so the domain's unit tests check each event's contract.
    return make_event(
        service=SERVICE,
        entity=entity,
        verb=verb,
        subject=subject,
        data=data,
        region_code=region_code,
        now=now,
    )
