"""Reminders: a certificate entering its review window, overdue or expiring, and a person short
of the year's hours, each addressed to the enterprise and to its county bureau.

A reminder's id says what it is about (certificate or person, kind, date or year), so however
many times and by however many copies of the service it is produced, it is stored, and
published, once.
"""

from datetime import datetime
from typing import Any

from services.kit.pure.commands import Document, Result
from services.training.domain.common import event

HOURS_SHORT = "hours_short"


def addressed(uscc: str, region_code: str) -> dict[str, Any]:
    """Where a reminder about an enterprise's people goes: the enterprise and its county's
    bureau."""
    return {
        "region_code": region_code,
        "recipients": [
            {"to": "enterprise", "uscc": uscc},
            {"to": "bureau", "region_code": region_code},
        ],
    }


def _reminder(
    identifier: str, kind: str, due_on: str, holder: Document, about: dict[str, Any], now: datetime
) -> Result:
    reminder = {
        "_id": identifier,
        "kind": kind,
        "due_on": due_on,
        "person_id": holder.get("person_id", holder["_id"]),
        "name": holder["name"],
        "id_masked": holder["id_masked"],
        "uscc": holder["uscc"],
        **about,
        **addressed(holder["uscc"], holder["region_code"]),
        "created_at": now,
    }
    return reminder, [
        event(
            "reminder",
            "issued",
            identifier,
            holder["region_code"],
            now,
            {
                "reminder_id": identifier,
                "kind": kind,
                "due_on": due_on,
                "uscc": holder["uscc"],
                "id_masked": holder["id_masked"],
                **about,
            },
        )
    ]


def about_certificate(item: dict[str, Any], certificate: Document, now: datetime) -> Result:
    return _reminder(
        item["_id"],
        item["kind"],
        item["due_on"],
        certificate,
        {
            "certificate_id": certificate["_id"],
            "certificate_kind": certificate["kind"],
            "certificate_number": certificate["number"],
        },
        now,
    )


def hours_short(person: Document, report: dict[str, Any], now: datetime) -> Result:
    """The person has fewer hours this year than their positions require."""
    year = report["year"]
    return _reminder(
        f"{person['_id']}:{HOURS_SHORT}:{year}",
        HOURS_SHORT,
        f"{year}-12-31",
        person,
        {"hours": report["hours"], "required": report["required"]},
        now,
    )
