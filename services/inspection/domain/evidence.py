"""Evidence records: the metadata of a file (photo, scan, gas-test record) kept in the object
store, and the check that the stored file is still the one uploaded."""

from datetime import datetime
from typing import Any

from services.inspection.domain.common import (
    INSPECTORS,
    known_enterprise,
    new_id,
    require_enterprise_writer,
)
from services.kit.pure.actor import Actor
from services.kit.pure.commands import Document, Result
from services.kit.pure.errors import InvalidInput

UPLOADERS = ("enterprise", "agency", *INSPECTORS)


def record_evidence(
    fields: dict[str, Any],
    enterprise: Document | None,
    hazard: Document | None,
    actor: Actor,
    now: datetime,
) -> Result:
    """A new evidence record about a known enterprise and, if named, one of its hazards the
    caller sees (`hazard` is None when it is missing or out of the caller's sight)."""
    enterprise = known_enterprise(enterprise)
    require_enterprise_writer(enterprise, actor, UPLOADERS)
    if fields.get("hazard_id") and (hazard is None or hazard["uscc"] != enterprise["uscc"]):
        raise InvalidInput("unknown hazard", {"hazard_id": ["unknown hazard"]})
    return {
        **fields,
        "_id": new_id(),
        "uscc": enterprise["uscc"],
        "region_code": enterprise["region_code"],
        "uploaded_by": actor.user_id,
        "uploaded_by_role": actor.role,
        "uploaded_at": now,
        "integrity": "unchecked",
    }, []


def require_verifier(actor: Actor) -> None:
    """Verifying evidence is the bureau's: a read for it is already a write."""
    actor.require_role(*INSPECTORS)


def integrity_checked(record: Document, intact: Any, actor: Actor, now: datetime) -> Result:
    """The outcome of comparing the stored file with the checksum recorded at upload."""
    require_verifier(actor)
    return {
        **record,
        "integrity": "intact" if intact is True else "mismatch",
        "checked_at": now,
        "checked_by": actor.user_id,
    }, []
