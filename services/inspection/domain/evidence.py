"""Evidence records: the metadata of a file (photo, scan, gas-test record) kept in the object
store, and the check that the stored file is still the one uploaded.

A file sent straight to the object store is first an upload: the record it will become, with
what was declared about the file and until when it may arrive. It becomes evidence only when
the stored object is found exactly as declared; until then it is no evidence at all.
"""

from datetime import datetime, timedelta
from typing import Any

from services.inspection.domain.common import (
    INSPECTORS,
    event,
    known_enterprise,
    new_id,
    require_enterprise_writer,
)
from services.kit.pure.actor import Actor
from services.kit.pure.commands import Document, Event, Result
from services.kit.pure.errors import Forbidden, InvalidInput, TooLarge

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
    if actor.role == "enterprise" and fields.get("uscc", actor.uscc) != actor.uscc:
        raise Forbidden("an enterprise user uploads evidence only for its own enterprise")
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


def evidence_event(record: Document, now: datetime) -> Event:
    return event(
        "evidence",
        "recorded",
        record["_id"],
        record["region_code"],
        now,
        {
            "evidence_id": record["_id"],
            "uscc": record["uscc"],
            "hazard_id": record.get("hazard_id"),
            "content_type": record["content_type"],
            "size": record["size"],
        },
    )


def recorded(record: Document, now: datetime) -> Result:
    """A file's record, announced so that what follows an upload (thumbnails) can happen."""
    return record, [evidence_event(record, now)]


# What only an upload has: the record it becomes leaves these out.
UPLOAD_FIELDS = ("expires_at", "upload_id", "parts")


def part_sizes(size: int, part_bytes: int) -> list[int]:
    """The sizes of the parts a file of `size` bytes is sent in; [] when it goes in one piece."""
    if size <= part_bytes:
        return []
    whole, rest = divmod(size, part_bytes)
    return [part_bytes] * whole + ([rest] if rest else [])


def missing_parts(upload: Document, received: dict[int, tuple[int, str]]) -> list[tuple[int, int]]:
    """(number, size) of each part of the upload the store does not hold whole."""
    return [
        (number, size)
        for number, size in enumerate(upload["parts"], 1)
        if number not in received or received[number][0] != size
    ]


def open_upload(
    fields: dict[str, Any],
    enterprise: Document | None,
    hazard: Document | None,
    actor: Actor,
    now: datetime,
    limit: int,
    lifetime: timedelta,
    part_bytes: int,
) -> Document:
    """An upload of a file of the declared size, type and sha256, allowed to whoever may record
    the evidence, for a file no larger than `limit` (its type's), open for `lifetime`."""
    if fields["size"] > limit:
        raise TooLarge(
            f"{fields['content_type']} files may be at most {limit} bytes",
            {"size": [f"at most {limit}"]},
        )
    record, _ = record_evidence(fields, enterprise, hazard, actor, now)
    return {
        **record,
        "expires_at": now + lifetime,
        "parts": part_sizes(fields["size"], part_bytes),
    }


def confirmed_upload(upload: Document, found: Document | None, now: datetime) -> Result:
    """The evidence an upload becomes, when the stored object (`found`: its size, sniffed type
    and sha256, None if there is none) is exactly what was declared."""
    if now > upload["expires_at"]:
        raise InvalidInput("the upload has expired; start it again", {"upload": ["expired"]})
    if found is None:
        raise InvalidInput(
            "nothing was uploaded to this upload's target", {"file": ["not uploaded"]}
        )
    refusals = {
        "size": (found["size"], upload["size"]),
        "content_type": (found["content_type"], upload["content_type"]),
        "sha256": (found["sha256"], upload["sha256"]),
    }
    for field, (actual, declared) in refusals.items():
        if actual != declared:
            raise InvalidInput(
                f"the uploaded file's {field} is {actual}, not the {declared} declared",
                {field: ["differs from the uploaded file"]},
            )
    record = {key: value for key, value in upload.items() if key not in UPLOAD_FIELDS}
    return recorded({**record, "uploaded_at": now}, now)


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
