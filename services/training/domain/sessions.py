"""The training session aggregate: what was taught, when, for how long, by whom, to whom, and
each participant's result (the training file of Safety Law Art. 28)."""

import hashlib
from datetime import date, datetime
from typing import Any

from services.kit.pure.actor import Actor
from services.kit.pure.commands import Document, Result
from services.kit.pure.errors import InvalidInput
from services.training.domain.common import audit, event, new_id, require_keeper
from services.training.vocabulary import LEVELS

HOURS_PER_DAY = 24


def create(
    fields: dict[str, Any],
    enterprise: Document,
    participants: list[Document],
    actor: Actor,
    now: datetime,
    today: date,
    identifier: str | None = None,
) -> Result:
    """A session the enterprise held; `participants` are the people named, as stored. An import
    names the session by what it is (`identifier`), so importing it again finds it."""
    require_keeper(enterprise, actor)
    held: date = fields["held_on"]
    if held > today:
        raise InvalidInput(
            "a session is recorded once it has been held", {"held_on": ["in the future"]}
        )
    days, hours = fields.get("days", 1), fields["hours"]
    if not 0 < hours <= HOURS_PER_DAY * days:
        raise InvalidInput(
            f"{hours:g} hours do not fit in {days} day(s)",
            {"hours": [f"more than 0 and at most {HOURS_PER_DAY * days}"]},
        )
    if (fields["kind"] == "three_level") != ("level" in fields):
        raise InvalidInput(
            "three-level education names its level, and only it does",
            {"level": [f"one of {', '.join(LEVELS)} for three_level only"]},
        )
    found = {
        person["_id"]: person for person in participants if person["uscc"] == enterprise["uscc"]
    }
    named = fields["participants"]
    unknown = [identifier for identifier in named if identifier not in found]
    if unknown:
        raise InvalidInput(
            "participants must be people on the enterprise's staff", {"participants": unknown}
        )
    if len(set(named)) != len(named):
        raise InvalidInput("a participant is named twice", {"participants": ["repeated"]})
    session = {
        "_id": identifier or new_id(),
        "uscc": enterprise["uscc"],
        "region_code": enterprise["region_code"],
        "topic": fields["topic"],
        "kind": fields["kind"],
        "level": fields.get("level"),
        "held_on": held.isoformat(),
        "days": days,
        "hours": hours,
        "trainer": fields["trainer"],
        "attachments": fields.get("attachments", []),
        "participants": [
            {
                "person_id": identifier,
                "name": found[identifier]["name"],
                "id_masked": found[identifier]["id_masked"],
                "result": None,
            }
            for identifier in named
        ],
        "attended": [],
        "created_at": now,
        "version": 1,
        "history": [audit(actor, now, "recorded")],
    }
    return session, [
        event("session", "recorded", session["_id"], session["region_code"], now, _facts(session))
    ]


def _facts(session: Document) -> dict[str, Any]:
    return {
        "session_id": session["_id"],
        "uscc": session["uscc"],
        "kind": session["kind"],
        "held_on": session["held_on"],
        "hours": session["hours"],
        "participants": len(session["participants"]),
    }


def record_results(
    session: Document,
    results: list[dict[str, Any]],
    enterprise: Document,
    actor: Actor,
    now: datetime,
) -> Result:
    """Each participant's assessment; those who attended (passed or failed) are credited the
    hours. A result may be corrected; the last one recorded stands."""
    require_keeper(enterprise, actor)
    by_person = {row["person_id"]: row["result"] for row in results}
    if len(by_person) != len(results):
        raise InvalidInput("a participant has two results", {"results": ["repeated"]})
    known = {row["person_id"] for row in session["participants"]}
    strangers = sorted(set(by_person) - known)
    if strangers:
        raise InvalidInput("results for people who were not participants", {"results": strangers})
    participants = [
        {**row, "result": by_person.get(row["person_id"], row["result"])}
        for row in session["participants"]
    ]
    attended = [row["person_id"] for row in participants if row["result"] in ("passed", "failed")]
    changed = {
        **session,
        "participants": participants,
        "attended": attended,
        "history": [*session["history"], audit(actor, now, "results_recorded")],
    }
    if participants == session["participants"]:
        return session, []
    return changed, [
        event(
            "session",
            "results_recorded",
            session["_id"],
            session["region_code"],
            now,
            {
                **_facts(changed),
                "attended": len(attended),
                "passed": sum(row["result"] == "passed" for row in participants),
            },
        )
    ]


def imported_id(uscc: str, fields: dict[str, Any]) -> str:
    """A session's id from what makes it that session: enterprise, day, topic, kind, level,
    trainer and hours (the rows of one session in a bureau's records share them)."""
    parts = [
        uscc,
        *(
            str(fields.get(name))
            for name in ("held_on", "topic", "kind", "level", "trainer", "hours")
        ),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
