"""The person aggregate: identity (its ID number protected), employer with history, positions
with dates, the training each attended, and the standing and competency derived from them.

The ID number itself never enters a document or an event: the service hands the domain what it
stores instead (`protected`: look-up key, ciphertext, masked form). The look-up key is also the
person key other services receive.
"""

from datetime import date, datetime, timedelta
from typing import Any

from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError

from services.kit.pure.actor import Actor
from services.kit.pure.commands import Document, Event, Result
from services.kit.pure.errors import Conflict, Duplicate, InvalidInput
from services.training.domain import certificates
from services.training.domain.common import (
    Keeping,
    add_years,
    audit,
    day_of,
    event,
    iso,
    person_id,
    require_keeper,
)
from services.training.domain.policy import Policy
from services.training.vocabulary import CONFINED_SPACE_ROLES, KEY_POSITIONS, LEVELS, POSITIONS

EARLIEST_BIRTH = date(1900, 1, 1)
# Session kinds that count as the annual confined-space training of 令第13号 Art. 9.
CONFINED_SPACE_TRAINING = "confined_space_annual"
TEAM_LEADER_TRAINING = "team_leader"
THREE_LEVEL = "three_level"


def checked_id_number(raw: Any, today: date) -> str:
    """A 居民身份证 number as stored: 18 characters, checksum, birth date and place checked."""
    if not isinstance(raw, str):
        raise InvalidInput("the ID number must be text", {"id_number": ["not text"]})
    try:
        number: str = ric.validate(raw.strip().upper())
    except InvalidChecksum:
        raise InvalidInput(
            "the ID number's check character is wrong", {"id_number": ["checksum failed"]}
        ) from None
    except InvalidComponent:
        raise InvalidInput(
            "the ID number holds an impossible birth date or an unknown region",
            {"id_number": ["impossible birth date or region"]},
        ) from None
    except ValidationError:
        raise InvalidInput(
            "an ID number is 17 digits and a check character", {"id_number": ["malformed"]}
        ) from None
    born = ric.get_birth_date(number)
    if not EARLIEST_BIRTH <= born <= today:
        raise InvalidInput(
            "the ID number holds an impossible birth date", {"id_number": ["impossible birth date"]}
        )
    return number


def _position(fields: dict[str, Any], policy: Policy, today: date) -> dict[str, Any]:
    position = fields["position"]
    if position not in POSITIONS:
        raise InvalidInput(f"unknown position {position}", {"position": ["unknown position"]})
    started = day_of(fields.get("started_on")) or today
    if started > today:
        raise InvalidInput(
            "a position cannot start in the future", {"started_on": ["in the future"]}
        )
    categories = sorted(set(fields.get("categories") or ()))
    if position == "special_operator":
        unknown = [category for category in categories if category not in policy.categories]
        if not categories or unknown:
            raise InvalidInput(
                "a special operator performs one or more known operation categories",
                {"categories": unknown or ["required"]},
            )
    elif categories:
        raise InvalidInput(
            "only a special operator has operation categories",
            {"categories": ["only for special_operator"]},
        )
    return {
        "position": position,
        "categories": categories,
        "started_on": started.isoformat(),
        "ended_on": None,
    }


def open_positions(person: Document) -> list[dict[str, Any]]:
    return [entry for entry in person["positions"] if entry["ended_on"] is None]


def register(
    fields: dict[str, Any],
    protected: dict[str, str],
    keeping: Keeping,
) -> Result:
    """A new person employed by `enterprise`, with the positions given."""
    enterprise, policy, actor, now, today = keeping
    require_keeper(enterprise, actor)
    positions = _positions(fields, policy, today)
    person = {
        "_id": person_id(protected["id_key"]),
        **protected,
        **_hired(fields, enterprise),
        "employment": [_employment(fields, enterprise, today)],
        "positions": positions,
        "absences": [],
        "training_log": [],
        "standing": _standing(None, [], policy),
        "competency": {"sequence": 0, "roles": []},
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "history": [audit(actor, now, "registered", uscc=enterprise["uscc"])],
    }
    return person, [
        event(
            "person",
            "registered",
            person["_id"],
            person["region_code"],
            now,
            {**_identity(person), "positions": _position_names(person)},
        )
    ]


def _positions(fields: dict[str, Any], policy: Policy, today: date) -> list[dict[str, Any]]:
    """The positions a registration starts, each checked, none listed twice."""
    positions = [_position(entry, policy, today) for entry in fields.get("positions") or ()]
    names = [entry["position"] for entry in positions]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise InvalidInput("a position is listed twice", {"positions": repeated})
    return positions


def _hired(fields: dict[str, Any], enterprise: Document) -> dict[str, Any]:
    """What a registration sets on the person: name, phone and the employer."""
    return {
        "name": fields["name"],
        "phone": fields.get("phone"),
        "uscc": enterprise["uscc"],
        "region_code": enterprise["region_code"],
    }


def _employment(fields: dict[str, Any], enterprise: Document, today: date) -> dict[str, Any]:
    """The employment a registration opens: from the day of hire (today unless given)."""
    return {
        "uscc": enterprise["uscc"],
        "region_code": enterprise["region_code"],
        "from": (day_of(fields.get("hired_on")) or today).isoformat(),
        "to": None,
    }


def _identity(person: Document) -> dict[str, Any]:
    return {
        "person_id": person["_id"],
        "person_key": person["id_key"],
        "id_masked": person["id_masked"],
        "uscc": person["uscc"],
    }


def _position_names(person: Document) -> list[str]:
    return [entry["position"] for entry in open_positions(person)]


def employed_by(
    person: Document,
    fields: dict[str, Any],
    keeping: Keeping,
) -> Result:
    """The person registered again by another employer: the old employment and its positions
    end today, the new ones start; the history stays."""
    enterprise, policy, actor, now, today = keeping
    require_keeper(enterprise, actor)
    if person["uscc"] == enterprise["uscc"]:
        raise Duplicate(
            "this person is already on the enterprise's staff",
            {"id_number": ["already registered for this enterprise"]},
        )
    positions = _positions(fields, policy, today)
    changed = {
        **person,
        **_hired(fields, enterprise),
        "employment": [
            *_closed(person["employment"], "to", today),
            _employment(fields, enterprise, today),
        ],
        "positions": [*_closed(person["positions"], "ended_on", today), *positions],
        "absences": _closed(person.get("absences") or [], "to", today),
        "updated_at": now,
        "history": [
            *person["history"],
            audit(actor, now, "employer_changed", uscc=enterprise["uscc"], previous=person["uscc"]),
        ],
    }
    return changed, [
        event(
            "person",
            "employer_changed",
            person["_id"],
            enterprise["region_code"],
            now,
            {**_identity(changed), "previous_uscc": person["uscc"]},
        )
    ]


def relocated(person: Document, region_code: str, now: datetime) -> Result:
    """The employer moved to another county: its staff move with it, so the new county's bureau
    sees them and the old one no longer does. No event of its own: the standing derived again
    afterwards carries the move to the counters."""
    if person["region_code"] == region_code:
        return person, []
    return {
        **person,
        "region_code": region_code,
        "updated_at": now,
        "history": [
            *person["history"],
            {
                "at": now,
                "action": "employer_moved",
                "region_code": region_code,
                "previous": person["region_code"],
            },
        ],
    }, []


def _closed(entries: list[dict[str, Any]], field: str, today: date) -> list[dict[str, Any]]:
    return [
        {**entry, field: today.isoformat()} if entry[field] is None else entry for entry in entries
    ]


def update(
    person: Document, fields: dict[str, Any], enterprise: Document, actor: Actor, now: datetime
) -> Result:
    """Name and phone; the ID number and the employer change only through registration."""
    require_keeper(enterprise, actor)
    changes: dict[str, Any] = {
        key: fields[key]
        for key in ("name", "phone")
        if key in fields and fields[key] != person.get(key)
    }
    if not changes:
        return person, []
    return {
        **person,
        **changes,
        "updated_at": now,
        "history": [*person["history"], audit(actor, now, "updated", fields=sorted(changes))],
    }, []


def change_positions(
    person: Document,
    fields: dict[str, Any],
    keeping: Keeping,
) -> Result:
    """Start a position (or change a special operator's categories), or end one."""
    enterprise, policy, actor, now, today = keeping
    require_keeper(enterprise, actor)
    ended_on = day_of(fields.get("ended_on"))
    current = [
        entry
        for entry in person["positions"]
        if entry["position"] == fields["position"] and entry["ended_on"] is None
    ]
    if ended_on is not None:
        if not current:
            raise Conflict(f"the person holds no {fields['position']} position to end")
        if not current[0]["started_on"] <= ended_on.isoformat() <= today.isoformat():
            raise InvalidInput(
                "a position ends between its start and today",
                {"ended_on": ["before the start or in the future"]},
            )
        positions = [
            {**entry, "ended_on": ended_on.isoformat()} if entry in current else entry
            for entry in person["positions"]
        ]
        action = "position_ended"
    else:
        started = _position(fields, policy, today)
        if current and current[0]["categories"] == started["categories"]:
            raise Conflict(f"the person already holds the {fields['position']} position")
        # A special operator's new categories end the old entry and start a new one.
        positions = [
            *_closed(current, "ended_on", today),
            *[entry for entry in person["positions"] if entry not in current],
            started,
        ]
        action = "position_started"
    changed = {
        **person,
        "positions": positions,
        "updated_at": now,
        "history": [*person["history"], audit(actor, now, action, position=fields["position"])],
    }
    return changed, [
        event(
            "person",
            "positions_changed",
            person["_id"],
            person["region_code"],
            now,
            {**_identity(changed), "positions": _position_names(changed)},
        )
    ]


def record_absence(person: Document, fields: dict[str, Any], keeping: Keeping) -> Result:
    """The person leaves work (`left_on`), comes back (`returned_on`), or both at once for an
    absence recorded afterwards. Absences lie within the current employment, one after another;
    coming back after long enough (rule data) calls for three-level education again."""
    enterprise, _, actor, now, today = keeping
    require_keeper(enterprise, actor)
    left_on, returned_on = day_of(fields.get("left_on")), day_of(fields.get("returned_on"))
    absences = person.get("absences") or []
    away = absences[-1] if absences and absences[-1]["to"] is None else None
    if left_on is None and returned_on is None:
        raise InvalidInput(
            "name the day the person left, came back, or both",
            {"left_on": ["left_on or returned_on required"]},
        )
    if left_on is None:
        if away is None:
            raise Conflict("the person is at work: there is no absence to end")
        absence = {**away, "to": iso(returned_on)}
        absences = absences[:-1]
        verb = "returned"
    else:
        if away is not None:
            raise Conflict(f"the person is away since {away['from']}: record the return first")
        absence = {"from": left_on.isoformat(), "to": iso(returned_on)}
        verb = "left" if returned_on is None else "returned"
    earliest = max([person["employment"][-1]["from"], *(entry["to"] for entry in absences)])
    if not earliest <= absence["from"] <= today.isoformat():
        raise InvalidInput(
            f"an absence starts after the hire date and any earlier absence ({earliest}), "
            f"and not in the future",
            {"left_on": [f"between {earliest} and today"]},
        )
    if absence["to"] is not None and not absence["from"] <= absence["to"] <= today.isoformat():
        raise InvalidInput(
            "a return comes after the day the person left, and not in the future",
            {"returned_on": [f"between {absence['from']} and today"]},
        )
    changed = {
        **person,
        "absences": [*absences, absence],
        "updated_at": now,
        "history": [*person["history"], audit(actor, now, f"absence_{verb}", **absence)],
    }
    return changed, [
        event(
            "person",
            verb,
            person["_id"],
            person["region_code"],
            now,
            {**_identity(changed), "left_on": absence["from"], "returned_on": absence["to"]},
        )
    ]


def record_training(person: Document, session: Document, now: datetime) -> Result:
    """The person's file gains a session they attended, with its time, content and their result
    (Safety Law Art. 28); a repeated record of the same session changes nothing."""
    if any(entry["session_id"] == session["_id"] for entry in person["training_log"]):
        return person, []
    result = next(
        (
            row["result"]
            for row in session.get("participants", ())
            if row["person_id"] == person["_id"]
        ),
        None,
    )
    entry = {
        "session_id": session["_id"],
        "kind": session["kind"],
        "on": session["held_on"],
        "hours": session["hours"],
        "level": session.get("level"),
        "uscc": session["uscc"],
        "topic": session.get("topic"),
        "trainer": session.get("trainer"),
        "result": result,
    }
    return {**person, "training_log": [*person["training_log"], entry], "updated_at": now}, []


# --- what follows from the records: standing, competency, hours ---------------------------


def _standing(
    person: Document | None, credentials: list[dict[str, Any]], policy: Policy
) -> dict[str, Any]:
    held = open_positions(person) if person else []
    names = {entry["position"] for entry in held}
    key = bool(names & set(KEY_POSITIONS))
    return {
        "region_code": person["region_code"] if person else None,
        "key_person": key,
        "certified": key and all(credential["qualified"] for credential in credentials),
        "team_leader": "team_leader" in names,
        "team_leader_trained_years": sorted(
            {
                int(entry["on"][:4])
                for entry in person["training_log"]
                if entry["kind"] == TEAM_LEADER_TRAINING
            }
        )
        if person and "team_leader" in names
        else [],
        "away": bool(person and _away(person)),
        "three_level_missing": three_level_missing(person, policy) if person else [],
    }


def required_credentials(person: Document, policy: Policy) -> list[tuple[str, str | None]]:
    """(kind, category) of every credential the person's positions require."""
    required: list[tuple[str, str | None]] = []
    for entry in open_positions(person):
        for kind in policy.kinds.values():
            if entry["position"] not in kind.positions:
                continue
            if kind.per_category:
                required += [(kind.kind, category) for category in entry["categories"]]
            elif (kind.kind, None) not in required:
                required.append((kind.kind, None))
    return required


def credentials(
    person: Document, held: list[Document], policy: Policy, today: date
) -> list[dict[str, Any]]:
    """Each required credential, whether a certificate the person holds covers it, and until
    when."""
    rows = []
    for kind, category in required_credentials(person, policy):
        covering = [
            certificates.qualification(certificate, policy, today)
            for certificate in held
            if certificate["kind"] == kind and certificate.get("category") == category
        ]
        best = max(
            (row for row in covering if row["qualified"]),
            key=lambda row: row["until"],
            default=None,
        )
        rows.append(
            {
                "kind": kind,
                "category": category,
                "qualified": best is not None,
                "until": best and best["until"],
                "certificate_id": best and best["certificate_id"],
            }
        )
    return rows


def _competency_roles(
    person: Document, held: list[Document], policy: Policy, today: date
) -> list[dict[str, Any]]:
    """Confined-space roles (trained within the interval, 令第13号 Art. 9) and special-operator
    categories (a certificate in force)."""
    roles = []
    names = {entry["position"] for entry in open_positions(person)}
    last = max(
        (
            date.fromisoformat(entry["on"])
            for entry in person["training_log"]
            if entry["kind"] == CONFINED_SPACE_TRAINING
        ),
        default=None,
    )
    interval = policy.confined_space_days
    until = last + timedelta(days=interval) if last and interval else None
    for role in CONFINED_SPACE_ROLES:
        if role in names:
            qualified = until is not None and until >= today
            roles.append(
                {"role": role, "qualified": qualified, "until": iso(until) if qualified else None}
            )
    for row in credentials(person, held, policy, today):
        if row["category"] is not None:
            roles.append(
                {
                    "role": f"special_operator:{row['category']}",
                    "qualified": row["qualified"],
                    "until": row["until"],
                }
            )
    return sorted(roles, key=lambda role: role["role"])


def refresh(
    person: Document, held: list[Document], policy: Policy, now: datetime, today: date
) -> Result:
    """Derive standing and competency again from the person's records and certificates; publish
    what changed: `competency.changed` (event-carried state for permits) and
    `person.standing_changed` (moves the target-7 counters)."""
    rows = credentials(person, held, policy, today)
    standing = _standing(person, rows, policy)
    roles = _competency_roles(person, held, policy, today)
    events: list[Event] = []
    changed = {**person, "credentials": rows}
    if roles != person["competency"]["roles"]:
        sequence = person["competency"]["sequence"] + 1
        changed["competency"] = {"sequence": sequence, "roles": roles}
        events.append(
            event(
                "competency",
                "changed",
                person["_id"],
                person["region_code"],
                now,
                {
                    "person_key": person["id_key"],
                    "uscc": person["uscc"],
                    "sequence": sequence,
                    "roles": roles,
                },
            )
        )
    if standing != person["standing"]:
        changed["standing"] = standing
        events.append(
            event(
                "person",
                "standing_changed",
                person["_id"],
                person["region_code"],
                now,
                {
                    "person_id": person["_id"],
                    "uscc": person["uscc"],
                    "before": person["standing"],
                    "after": standing,
                },
            )
        )
    if changed == person:
        return person, []
    return changed, events


def hours_report(
    person: Document, year: int, policy: Policy, risk_features: list[str]
) -> dict[str, Any]:
    """Hours attended in `year` against the annual hours each open position requires."""
    done = sum(
        entry["hours"] for entry in person["training_log"] if entry["on"].startswith(f"{year:04d}-")
    )
    required = 0.0
    basis = []
    for entry in open_positions(person):
        row = policy.required_hours(entry["position"], risk_features)
        if row is not None:
            basis.append({"position": entry["position"], "annual": row.annual})
            required = max(required, row.annual)
    return {
        "person_id": person["_id"],
        "name": person["name"],
        "id_masked": person["id_masked"],
        "year": year,
        "hours": done,
        "required": required,
        "gap": max(required - done, 0.0),
        "basis": basis,
        "three_level_missing": three_level_missing(person, policy),
    }


def _away(person: Document) -> bool:
    absences = person.get("absences") or []
    return bool(absences) and absences[-1]["to"] is None


def back_from_long_absence(person: Document, policy: Policy) -> str | None:
    """The day the person last came back from an absence as long as the rule's `years_away`, in
    the current employment; None if there was none."""
    years = policy.three_level_after_absence.years_away
    returns = [
        absence["to"]
        for absence in person.get("absences") or ()
        if absence["to"] is not None
        and absence["to"] >= add_years(date.fromisoformat(absence["from"]), years).isoformat()
    ]
    return max(returns, default=None)


def three_level_missing(person: Document, policy: Policy) -> list[str]:
    """三级安全教育 levels the person still lacks for the current job (令第3号): the company
    level since hire, the workshop and team levels since the latest position started (a job
    change repeats them), and the levels the rule names since the return from a long absence."""
    hired = person["employment"][-1]["from"]
    job = max([hired, *(entry["started_on"] for entry in open_positions(person))])
    since = {level: hired if level == "company" else job for level in LEVELS}
    back = back_from_long_absence(person, policy)
    if back is not None:
        for level in policy.three_level_after_absence.levels:
            since[level] = max(since[level], back)
    done = {
        entry["level"]
        for entry in person["training_log"]
        if entry["kind"] == THREE_LEVEL
        and entry["level"] in since
        and entry["on"] >= since[entry["level"]]
    }
    return [level for level in LEVELS if level not in done]


def record_rows(person: Document, id_number: str) -> list[dict[str, Any]]:
    """The person's rows of a training-records export: one per session attended."""
    return [
        {
            "id_number": id_number,
            "name": person["name"],
            "uscc": entry["uscc"],
            "held_on": entry["on"],
            "topic": entry.get("topic"),
            "kind": entry["kind"],
            "level": entry.get("level"),
            "hours": entry["hours"],
            "trainer": entry.get("trainer"),
            "result": entry.get("result"),
        }
        for entry in person["training_log"]
    ]


def ledger_rows(
    person: Document, held: list[Document], id_number: str, policy: Policy, today: date
) -> list[dict[str, Any]]:
    """The person's rows of a ledger export: one per certificate, or one without."""
    positions = open_positions(person)
    main = positions[0] if positions else {"position": None, "categories": []}
    row = {
        "id_number": id_number,
        "name": person["name"],
        "uscc": person["uscc"],
        "phone": person.get("phone"),
        "hired_on": person["employment"][-1]["from"],
        "position": main["position"],
        "categories": main["categories"],
    }
    return [
        {
            **row,
            "kind": certificate["kind"],
            "category": certificate["category"],
            "number": certificate["number"],
            "issuer": certificate["issuer"],
            "issued_on": certificate["issued_on"],
            "valid_until": certificate["valid_until"],
            "review_due_on": certificate["review_due_on"],
            "state": certificates.qualification(certificate, policy, today)["state"],
        }
        for certificate in held
    ] or [row]


# What any caller who may see a person sees: the ID number only masked, never its key or
# ciphertext.
SHOWN = (
    "_id",
    "name",
    "phone",
    "id_masked",
    "uscc",
    "region_code",
    "employment",
    "positions",
    "absences",
    "training_log",
    "credentials",
    "standing",
    "competency",
    "created_at",
    "updated_at",
)


def view(person: Document) -> dict[str, Any]:
    return {key: person[key] for key in SHOWN if key in person}
