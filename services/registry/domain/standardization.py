"""Safety production standardization (安全生产标准化): an enterprise's grade records and the current
grade derived from them.

应急〔2021〕83号 [secondary]: grades 1 (highest) to 3, valid for a number of years (rule data) and
re-assessed before expiry; how long before the review is due is local policy (rule data, flagged
unverified). The history lives on the enterprise document (`standardization_history`), so a grade
and the current grade it makes are one write; the current grade is never set by hand.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from services.kit.pure.actor import WRITERS, Actor
from services.kit.pure.commands import Document, Event, Result, new_id
from services.kit.pure.errors import Conflict, Forbidden, InvalidInput
from services.registry.domain.common import event

HISTORY = "standardization_history"
# The day the daily timer next looks at an enterprise's grade (ISO), or None: an indexed field,
# so the timer reads only the grades it has something to do for.
CHECK_ON = "standardization_check_on"
# What a history entry records.
KINDS = ("graded", "self_assessed", "reassessment_applied", "lapsed", "review_reminded")


@dataclass(frozen=True)
class Terms:
    """The rules in force for grading: validity, the review's lead time, who must hold a grade."""

    valid_years: int
    review_lead_days: int
    required: dict[str, Any]

    @classmethod
    def from_rules(cls, value: Any, on: date) -> "Terms":
        """`value(rule id, on)` is the rule set's lookup."""
        return cls(
            value("registry.standardization.valid_years", on),
            value("registry.standardization.review_lead_days", on),
            value("registry.standardization.required", on),
        )

    def expiry(self, graded_on: date) -> date:
        try:
            return graded_on.replace(year=graded_on.year + self.valid_years)
        except ValueError:  # graded on 29 February
            return graded_on.replace(year=graded_on.year + self.valid_years, day=28)

    def requires(self, enterprise: Document) -> bool:
        """Whether the enterprise must hold a grade: a listed industry, and above scale or with a
        listed risk feature; a closed one need not."""
        if enterprise.get("status") == "closed":
            return False
        if enterprise.get("industry") not in self.required["industries"]:
            return False
        return (self.required["above_scale"] and bool(enterprise.get("above_scale"))) or bool(
            set(enterprise.get("risk_features") or ()) & set(self.required["risk_features"])
        )


def _grade_record(
    fields: dict[str, Any], terms: Terms, today: date, actor: Actor, now: datetime
) -> dict[str, Any]:
    graded_on: date = fields["graded_on"]
    if graded_on > today:
        raise InvalidInput(
            "a standardization grade cannot be awarded in the future",
            {"graded_on": ["in the future"]},
        )
    expires_on: date = fields.get("expires_on") or terms.expiry(graded_on)
    if expires_on <= graded_on:
        raise InvalidInput(
            "the grade must expire after it was awarded",
            {"expires_on": ["not after graded_on"]},
        )
    return {
        "id": new_id(),
        "kind": "graded",
        "grade": fields["grade"],
        "graded_on": graded_on.isoformat(),
        "expires_on": expires_on.isoformat(),
        "review_due_on": (expires_on - timedelta(days=terms.review_lead_days)).isoformat(),
        "grading_body": fields.get("grading_body"),
        "certificate_number": fields.get("certificate_number"),
        "at": now,
        "by": actor.user_id,
    }


def upgraded(document: Document, terms: Terms, now: datetime) -> Document:
    """An enterprise stored before grades had a history: its grade becomes the history's first
    record (its dates kept), from which the current grade is derived as for any other."""
    grade = document.get("standardization")
    if HISTORY in document:
        return document
    if not grade:
        return {**document, HISTORY: [], CHECK_ON: None}
    expires_on = date.fromisoformat(grade["expires_on"])
    record = {
        "id": new_id(),
        "kind": "graded",
        "grade": grade["grade"],
        "graded_on": grade["graded_on"],
        "expires_on": grade["expires_on"],
        "review_due_on": (expires_on - timedelta(days=terms.review_lead_days)).isoformat(),
        "grading_body": None,
        "certificate_number": None,
        "reassessment": "first",
        "previous_expires_on": None,
        "at": now,
        "by": "system",
    }
    current_grade = current([record])
    return {
        **document,
        HISTORY: [record],
        "standardization": current_grade,
        CHECK_ON: _check_on(current_grade),
    }


def grades(document: Document) -> list[dict[str, Any]]:
    return [entry for entry in document.get(HISTORY) or () if entry["kind"] == "graded"]


def current(history: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The current grade: the latest awarded, as the enterprise shows it."""
    awarded = [entry for entry in history if entry["kind"] == "graded"]
    if not awarded:
        return None
    latest = max(awarded, key=lambda entry: entry["graded_on"])
    return {key: latest[key] for key in ("grade", "graded_on", "expires_on", "review_due_on")}


def with_grade(
    document: Document,
    fields: dict[str, Any],
    terms: Terms,
    today: date,
    actor: Actor,
    now: datetime,
) -> tuple[Document, dict[str, Any]]:
    """The enterprise with one more grade in its history and the current grade derived again;
    returns it and the grade record. Grades are recorded in the order they were awarded: one
    awarded on or before the current one's day would make two current grades."""
    record = _grade_record(fields, terms, today, actor, now)
    latest = current(document.get(HISTORY) or [])
    if latest and record["graded_on"] <= latest["graded_on"]:
        raise Conflict(
            "the enterprise already holds a grade awarded on or after that day; two current "
            "grades for one enterprise are not possible",
            {"graded_on": [f"not after the current grade's {latest['graded_on']}"]},
        )
    record["reassessment"] = _reassessment(latest, record)
    record["previous_expires_on"] = latest and latest["expires_on"]
    history = [*(document.get(HISTORY) or []), record]
    grade = current(history)
    after = {**document, HISTORY: history, "standardization": grade, CHECK_ON: _check_on(grade)}
    return after, record


def _check_on(grade: dict[str, Any] | None, reminded: bool = False) -> str | None:
    """When the timer is next due to look: the review's day, then the day after expiry."""
    if grade is None:
        return None
    if not reminded:
        return str(grade["review_due_on"])
    return (date.fromisoformat(grade["expires_on"]) + timedelta(days=1)).isoformat()


def _reassessment(previous: dict[str, Any] | None, record: dict[str, Any]) -> str:
    """first: no earlier grade; on_time: awarded before the earlier grade expired; late: after."""
    if previous is None:
        return "first"
    return "on_time" if record["graded_on"] <= previous["expires_on"] else "late"


def _require_bureau(document: Document, actor: Actor) -> None:
    if actor.role not in WRITERS:
        raise Forbidden(f"the role {actor.role!r} may not record a standardization grade")
    actor.require_writer(document["region_code"])


def _require_enterprise_or_bureau(document: Document, actor: Actor) -> None:
    if actor.role == "enterprise":
        if actor.uscc != document["uscc"]:
            raise Forbidden(f"you may not change enterprise {document['uscc']}")
        return
    _require_bureau(document, actor)


def _event(verb: str, document: Document, now: datetime, data: dict[str, Any]) -> Event:
    return event(
        "standardization",
        verb,
        document["uscc"],
        document["region_code"],
        now,
        {"uscc": document["uscc"], **data},
    )


def record_grade(
    document: Document,
    fields: dict[str, Any],
    terms: Terms,
    actor: Actor,
    now: datetime,
    today: date,
) -> Result:
    """A grading body's decision, recorded by the bureau: `graded` (with whether it re-assessed
    the previous grade on time)."""
    _require_bureau(document, actor)
    after, record = with_grade(document, fields, terms, today, actor, now)
    after["updated_at"] = now
    return after, [graded_event(after, record, now)]


def graded_event(document: Document, record: dict[str, Any], now: datetime) -> Event:
    return _event("graded", document, now, {key: record[key] for key in GRADED_FIELDS})


GRADED_FIELDS = (
    "grade",
    "graded_on",
    "expires_on",
    "review_due_on",
    "grading_body",
    "certificate_number",
    "reassessment",
    "previous_expires_on",
)


def record_self_assessment(
    document: Document, fields: dict[str, Any], actor: Actor, now: datetime, today: date
) -> Result:
    """The enterprise's annual self-assessment report (one a year)."""
    _require_enterprise_or_bureau(document, actor)
    submitted_on: date = fields["submitted_on"]
    if submitted_on > today:
        raise InvalidInput("a report cannot be dated in the future", {"submitted_on": ["future"]})
    if submitted_on.year != fields["year"] and submitted_on.year != fields["year"] + 1:
        raise InvalidInput(
            "the report is submitted in its year or early the next",
            {"submitted_on": ["not in or after the year reported"]},
        )
    history = document.get(HISTORY) or []
    if any(e["kind"] == "self_assessed" and e["year"] == fields["year"] for e in history):
        raise Conflict(
            f"the self-assessment of {fields['year']} is already on file", {"year": ["on file"]}
        )
    entry = {
        "id": new_id(),
        "kind": "self_assessed",
        "year": fields["year"],
        "submitted_on": submitted_on.isoformat(),
        "score": fields.get("score"),
        "documents": fields.get("documents") or [],
        "at": now,
        "by": actor.user_id,
    }
    after = {**document, HISTORY: [*history, entry], "updated_at": now}
    data = {key: entry[key] for key in ("year", "submitted_on", "score")}
    return after, [_event("self_assessed", after, now, data)]


def apply_for_reassessment(
    document: Document, fields: dict[str, Any], actor: Actor, now: datetime, today: date
) -> Result:
    """The enterprise applies for re-assessment of its current grade."""
    _require_enterprise_or_bureau(document, actor)
    grade = document.get("standardization")
    if not grade:
        raise Conflict("the enterprise holds no grade to re-assess")
    applied_on: date = fields["applied_on"]
    if applied_on > today:
        raise InvalidInput(
            "an application cannot be dated in the future", {"applied_on": ["future"]}
        )
    history = document.get(HISTORY) or []
    if any(
        e["kind"] == "reassessment_applied" and e["expires_on"] == grade["expires_on"]
        for e in history
    ):
        raise Conflict("re-assessment of the current grade was applied for already")
    entry = {
        "id": new_id(),
        "kind": "reassessment_applied",
        "applied_on": applied_on.isoformat(),
        "expires_on": grade["expires_on"],
        "at": now,
        "by": actor.user_id,
    }
    after = {**document, HISTORY: [*history, entry], "updated_at": now}
    data = {"applied_on": entry["applied_on"], "expires_on": grade["expires_on"]}
    return after, [_event("reassessment_applied", after, now, data)]


def _noted(document: Document, kind: str, grade: dict[str, Any]) -> bool:
    return any(
        e["kind"] == kind and e["expires_on"] == grade["expires_on"]
        for e in document.get(HISTORY) or ()
    )


def timer_step(document: Document, now: datetime, today: date) -> Result:
    """What the daily timer does to one enterprise: once the review is due it reminds (once per
    grade), once the grade has expired it records the lapse (once per grade)."""
    grade = document.get("standardization")
    if not grade:
        return document, []
    if today > date.fromisoformat(grade["expires_on"]):
        kind = "lapsed"
    elif today >= date.fromisoformat(grade["review_due_on"]):
        kind = "review_reminded"
    else:
        return document, []
    if _noted(document, kind, grade):
        return document, []
    entry = {
        "id": new_id(),
        "kind": kind,
        "expires_on": grade["expires_on"],
        "at": now,
        "by": "system",
    }
    after = {
        **document,
        HISTORY: [*(document.get(HISTORY) or []), entry],
        CHECK_ON: None if kind == "lapsed" else _check_on(grade, reminded=True),
    }
    data = {key: grade[key] for key in ("grade", "expires_on", "review_due_on")}
    return after, [_event(kind, after, now, data)]


def state(standardization: dict[str, Any] | None, today: date) -> str | None:
    """valid, review_due (the re-assessment should be applied for) or expired."""
    if not standardization:
        return None
    if today > date.fromisoformat(standardization["expires_on"]):
        return "expired"
    # A grade stored before grades had a history has no review date until the registry's
    # upgrade (in chunks, after start-up) reaches it: meanwhile it is valid or expired.
    review_due_on = standardization.get("review_due_on")
    if review_due_on and today >= date.fromisoformat(review_due_on):
        return "review_due"
    return "valid"


def view(document: Document, today: date) -> dict[str, Any]:
    """An enterprise's standardization as the API shows it: the current grade with its state,
    and the history, newest last."""
    grade = document.get("standardization")
    return {
        "uscc": document["uscc"],
        "current": grade and {**grade, "state": state(grade, today)},
        "history": document.get(HISTORY) or [],
    }
