"""A bureau's or enterprise's ledger imported in bulk: one row a person, or a person and one
certificate they hold.

Idempotent on the ID number and the certificate number: a person already registered with the
same employer is reused, a certificate already recorded is reported as existing. Every row is
checked whole before anything is written, so a bad row adds nothing, and good rows are stored
whatever the bad ones say.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from services.kit.pure.actor import Actor
from services.kit.pure.commands import Document, Event, Result
from services.kit.pure.errors import DomainError, Forbidden, InvalidInput
from services.training.domain import certificates, persons, reminders, sessions
from services.training.domain.common import Keeping, known_enterprise, require_keeper
from services.training.domain.policy import Policy

Checked = TypeVar("Checked")


@dataclass
class Prepared:
    """A row that passed the schema, with its ID number checked; or why it did not."""

    row: Any
    fields: dict[str, Any] = field(default_factory=dict)
    number: str = ""
    id_key: str = ""
    error: DomainError | None = None


@dataclass
class Known:
    """What the store holds already of the rows' people, certificates and employers."""

    persons: dict[str, Document]
    certificate_numbers: set[tuple[str, str]]
    enterprises: dict[str, Document]


@dataclass
class Outcome:
    report: list[dict[str, Any]]
    # New people with their events (standing and competency derived already).
    new_persons: list[tuple[Document, list[Event]]]
    new_certificates: list[tuple[Document, list[Event]]]
    # Existing people who gained a certificate: their standing is derived again once stored.
    holders_to_refresh: list[str]
    # Reminders the new certificates call for at once (due for review soon, overdue).
    reminders: list[tuple[Document, list[Event]]]


def prepare(
    rows: list[dict[str, Any]],
    load: Callable[[dict[str, Any]], dict[str, Any]],
    lookup_key: Callable[[str], str],
    today: date,
) -> list[Prepared]:
    prepared = []
    for row in rows:
        item = Prepared(row.get("row"))
        try:
            item.fields = load(row.get("fields") or {})
            item.number = persons.checked_id_number(item.fields["id_number"], today)
            item.id_key = lookup_key(item.number)
        except DomainError as error:
            item.error = error
        prepared.append(item)
    return prepared


def _employer(fields: dict[str, Any], actor: Actor, known: Known) -> Document:
    """A row's employer: an enterprise user's own (a row naming another is refused), or the one
    the row names."""
    if actor.role == "enterprise" and fields.get("uscc") not in (None, actor.uscc):
        raise Forbidden(
            "an enterprise user manages only its own staff", {"uscc": ["another enterprise"]}
        )
    uscc = actor.uscc if actor.role == "enterprise" else fields.get("uscc")
    if not uscc:
        raise InvalidInput("name the employer", {"uscc": ["required"]})
    enterprise = known_enterprise(known.enterprises.get(uscc), uscc)
    require_keeper(enterprise, actor)
    return enterprise


def _category(value: str | None, policy: Policy) -> str | None:
    """A category as written in a bureau's sheet: its code or its name."""
    names = {name: code for code, name in policy.categories.items()}
    return names.get(value, value) if value else None


def _errors(error: DomainError) -> dict[str, Any]:
    """A refused row's errors in its line of the report."""
    return error.errors or {"_row": [error.message]}


def _checked(
    prepared: list[Prepared],
    report: list[dict[str, Any]],
    check: Callable[[Prepared], Checked],
) -> Iterator[tuple[Prepared, dict[str, Any], Checked]]:
    """Each row with its line of the report (appended, invalid until the caller says otherwise)
    and what `check` makes of it. A row that failed its preparation or its check keeps its line
    invalid with the errors and is not yielded. Lazy: a row is checked only once the caller has
    dealt with the one before, so `check` sees what earlier rows added."""
    for item in prepared:
        line: dict[str, Any] = {"row": item.row, "result": "invalid", "errors": {}}
        report.append(line)
        try:
            if item.error:
                raise item.error
            checked = check(item)
        except DomainError as error:
            line["errors"] = _errors(error)
            continue
        yield item, line, checked


def apply(
    prepared: list[Prepared],
    known: Known,
    protect: Callable[[str], dict[str, str]],
    policy_on: Callable[[date], Policy],
    actor: Actor,
    now: datetime,
    today: date,
) -> Outcome:
    in_force = policy_on(today)
    report: list[dict[str, Any]] = []
    # By ID key: people of the store and those this import creates, in file order.
    people = dict(known.persons)
    created: dict[str, tuple[Document, list[Event], list[Document]]] = {}
    new_certificates: list[tuple[Document, list[Event]]] = []
    new_reminders: list[tuple[Document, list[Event]]] = []
    refresh: list[str] = []
    numbers = set(known.certificate_numbers)

    def check(item: Prepared) -> tuple[Document, Result | None, Result | None, list[Result]]:
        """The row's person (found or registered) and the certificate it issues, if any."""
        fields = item.fields
        enterprise = _employer(fields, actor, known)
        position = (
            [
                {
                    "position": fields["position"],
                    "categories": [
                        _category(value, in_force) for value in fields.get("categories", [])
                    ],
                }
            ]
            if fields.get("position")
            else []
        )
        person = people.get(item.id_key)
        new_person = None
        if person is None:
            new_person = persons.register(
                {
                    "name": fields["name"],
                    "phone": fields.get("phone"),
                    "hired_on": fields.get("hired_on"),
                    "positions": position,
                },
                protect(item.number),
                Keeping(enterprise, in_force, actor, now, today),
            )
            person = new_person[0]
        elif person["uscc"] != enterprise["uscc"]:
            raise InvalidInput(
                "the person is on another enterprise's staff: register the "
                "change of employer on its own",
                {"id_number": ["employed by another enterprise"]},
            )
        certificate, reminded = None, []
        if fields.get("number"):
            key = (fields.get("kind") or "", fields["number"])
            if key not in numbers:
                issued = {
                    key_: fields[key_]
                    for key_ in (
                        "kind",
                        "number",
                        "issuer",
                        "issued_on",
                        "valid_until",
                        "review_due_on",
                    )
                    if fields.get(key_) is not None
                }
                issued["category"] = _category(fields.get("category"), in_force)
                for name in ("kind", "issuer", "issued_on"):
                    if name not in issued:
                        raise InvalidInput(
                            f"a certificate row names its {name}",
                            {name: ["required with a certificate number"]},
                        )
                made, events = certificates.issue(
                    issued,
                    person,
                    Keeping(enterprise, policy_on(issued["issued_on"]), actor, now, today),
                )
                checked, moved, due = certificates.check(made, in_force, now, today)
                certificate = (checked, [*events, *moved])
                reminded = [reminders.about_certificate(item, checked, now) for item in due]
        return person, new_person, certificate, reminded

    for item, line, (person, new_person, certificate, reminded) in _checked(
        prepared, report, check
    ):
        if new_person is not None:
            people[item.id_key] = person
            created[item.id_key] = (person, new_person[1], [])
        if certificate is not None:
            numbers.add((certificate[0]["kind"], certificate[0]["number"]))
            new_certificates.append(certificate)
            new_reminders += reminded
            if item.id_key in created:
                created[item.id_key][2].append(certificate[0])
            elif person["_id"] not in refresh:
                refresh.append(person["_id"])
        line.update(result="created" if new_person or certificate else "exists", errors={})
    new_persons = []
    for person, events, held in created.values():
        derived, derived_events = persons.refresh(person, held, in_force, now, today)
        new_persons.append((derived, [*events, *derived_events]))
    return Outcome(report, new_persons, new_certificates, refresh, new_reminders)


def settled(
    report: list[dict[str, Any]],
    prepared: list[Prepared],
    outcome: Outcome,
    raced_persons: set[str],
    raced_certificates: set[str],
) -> list[dict[str, Any]]:
    """The report once stored: a row another import stored first exists."""
    raced_keys = {
        person["id_key"] for person, _ in outcome.new_persons if person["_id"] in raced_persons
    }
    raced_numbers = {
        certificate["number"]
        for certificate, _ in outcome.new_certificates
        if certificate["_id"] in raced_certificates
    }
    for line, item in zip(report, prepared, strict=True):
        if line["result"] == "created" and (
            item.id_key in raced_keys or item.fields.get("number") in raced_numbers
        ):
            line["result"] = "exists"
    return report


@dataclass
class RecordsOutcome:
    report: list[dict[str, Any]]
    # New sessions with their events, results recorded; and for each, who attended.
    sessions: list[tuple[Document, list[Event]]]


def apply_records(
    prepared: list[Prepared],
    known: Known,
    existing_sessions: set[str],
    actor: Actor,
    now: datetime,
    today: date,
) -> RecordsOutcome:
    """Training records, one row a participant of a session: the rows of one session (same
    enterprise, day, topic, kind, level, trainer, hours) become that session, recorded once."""
    report: list[dict[str, Any]] = []
    groups: dict[str, list[tuple[dict[str, Any], Prepared, Document]]] = {}
    enterprises: dict[str, Document] = {}

    def check(item: Prepared) -> tuple[Document, Document]:
        """The row's employer and the person on its staff the row names."""
        enterprise = _employer(item.fields, actor, known)
        person = known.persons.get(item.id_key)
        if person is None or person["uscc"] != enterprise["uscc"]:
            raise InvalidInput(
                "no one with this ID number is on the enterprise's staff",
                {"id_number": ["not on the staff"]},
            )
        return enterprise, person

    for item, line, (enterprise, person) in _checked(prepared, report, check):
        identifier = sessions.imported_id(enterprise["uscc"], item.fields)
        enterprises[identifier] = enterprise
        groups.setdefault(identifier, []).append((line, item, person))
    created = []
    for identifier, rows in groups.items():
        lines = [line for line, _, _ in rows]
        if identifier in existing_sessions:
            for line in lines:
                line["result"] = "exists"
            continue
        fields = {**rows[0][1].fields, "participants": [person["_id"] for _, _, person in rows]}
        try:
            session, events = sessions.create(
                fields,
                enterprises[identifier],
                [person for _, _, person in rows],
                actor,
                now,
                today,
                identifier,
            )
            session, recorded = sessions.record_results(
                session,
                [
                    {"person_id": person["_id"], "result": item.fields["result"]}
                    for _, item, person in rows
                ],
                enterprises[identifier],
                actor,
                now,
            )
        except DomainError as error:
            for line in lines:
                line["errors"] = _errors(error)
            continue
        created.append((session, [*events, *recorded]))
        for line in lines:
            line.update(result="created", errors={})
    return RecordsOutcome(report, created)
