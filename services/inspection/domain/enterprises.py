"""This service's copy of the registry's enterprises, fed by the registry's events."""

from datetime import datetime

from services.inspection.domain.common import event, new_id
from services.kit.pure.commands import Result
from services.kit.pure.regions import NATIONWIDE

REGISTRY_COPY_REQUEST = "registry-copy"


def registry_copy_request(now: datetime) -> Result:
    """Asks the registry to announce every enterprise again: this service's copy is empty.
    One record, replaced by each new request, so asking again and again adds nothing."""
    return {"_id": REGISTRY_COPY_REQUEST, "requested_at": now}, [
        event("registry_copy", "requested", new_id(), NATIONWIDE, now, {})
    ]
