"""An enterprise's emergency plans (应急预案) and their lifecycle.

Sources (see DOMAIN.md and rules/emergency.yaml): 原总局令第88号 as amended by 应急管理部令第2号 —
plans are drafted, reviewed by experts (评审), assessed (评估), filed with the county bureau (备案,
which gives the filing number) and revised when the law, the organisation, the risks or the
resources change or a drill or an accident shows a gap; a revised plan goes through review and
filing again. Each step's documents are evidence records of the plan's enterprise.

Every command returns `(document, events)` (services.kit.pure.commands).
"""

from datetime import date, datetime
from typing import Any

from services.inspection.domain.common import (
    INSPECTORS,
    event,
    known_enterprise,
    new_id,
    own_evidence,
    require_enterprise_writer,
)
from services.kit.pure.actor import Actor
from services.kit.pure.commands import Document, Result
from services.kit.pure.errors import Conflict, InvalidInput
from services.kit.pure.rules import Rule

REVISION_REASONS_RULE = "inspection.emergency.revision_reasons"
KINDS = ("comprehensive", "special", "on_site")
DRAFTED, REVIEWED, ASSESSED, FILED, REVISED = "drafted", "reviewed", "assessed", "filed", "revised"
# The lifecycle as data: (state, step) → next state. Filing is the bureau's, on its own route.
TRANSITIONS = {
    (DRAFTED, "review"): REVIEWED,
    (REVISED, "review"): REVIEWED,
    (REVIEWED, "assess"): ASSESSED,
    (ASSESSED, "file"): FILED,
    (FILED, "revise"): REVISED,
}
STEPS = ("review", "assess", "revise")
# Who takes each step: the enterprise keeps its plan (or the bureau records for it); only the
# bureau files.
WRITERS = ("enterprise", *INSPECTORS)
FILERS = INSPECTORS


def _require_not_future(day: date, today: date, field: str) -> None:
    if day > today:
        raise InvalidInput(f"the {field} cannot be in the future", {field: ["in the future"]})


def _plan_event(verb: str, plan: Document, now: datetime, **data: Any) -> dict[str, Any]:
    return event(
        "emergency_plan",
        verb,
        plan["uscc"],
        plan["region_code"],
        now,
        {
            "plan_id": plan["_id"],
            "uscc": plan["uscc"],
            "kind": plan["kind"],
            "state": plan["state"],
            **data,
        },
    )


def draft_plan(
    fields: dict[str, Any],
    enterprise: Document | None,
    evidence: list[Document],
    actor: Actor,
    now: datetime,
    today: date,
) -> Result:
    enterprise = known_enterprise(enterprise)
    require_enterprise_writer(enterprise, actor, WRITERS)
    _require_not_future(fields["drafted_on"], today, "drafted_on")
    documents = own_evidence(evidence, enterprise["uscc"], "documents")
    plan = {
        "_id": new_id(),
        "uscc": enterprise["uscc"],
        "region_code": enterprise["region_code"],
        "enterprise_name": enterprise["name"],
        "kind": fields["kind"],
        "title": fields["title"],
        "state": DRAFTED,
        "documents": documents,
        "filing": None,
        "history": [_step(DRAFTED, fields["drafted_on"], documents, actor, now)],
        "version": 1,
    }
    return plan, [_plan_event("drafted", plan, now)]


def _step(
    state: str,
    on: date,
    documents: list[str],
    actor: Actor,
    now: datetime,
    **details: Any,
) -> dict[str, Any]:
    return {
        "state": state,
        "on": on.isoformat(),
        "documents": documents,
        "by": actor.user_id,
        "at": now,
        **details,
    }


def _moved(plan: Document, step: str) -> str:
    following = TRANSITIONS.get((plan["state"], step))
    if following is None:
        raise Conflict(f"a {plan['state']} plan cannot be {step}ed", {"state": [plan["state"]]})
    return following


def take_step(
    plan: Document,
    fields: dict[str, Any],
    evidence: list[Document],
    revision_reasons: dict[str, str],
    actor: Actor,
    now: datetime,
    today: date,
) -> Result:
    """The enterprise's review (评审), assessment (评估) or revision (with its reason)."""
    require_enterprise_writer(plan, actor, WRITERS)
    step = fields["step"]
    following = _moved(plan, step)
    _require_not_future(fields["on"], today, "on")
    details: dict[str, Any] = {}
    if step == "revise":
        if fields.get("reason") not in revision_reasons:
            raise InvalidInput(
                "a revision names its reason",
                {"reason": [f"one of {', '.join(revision_reasons)}"]},
            )
        details = {"reason": fields["reason"], "note": fields.get("note")}
    documents = own_evidence(evidence, plan["uscc"], "documents")
    changed = {
        **plan,
        "state": following,
        "documents": [*plan["documents"], *documents],
        "history": [
            *plan["history"],
            _step(following, fields["on"], documents, actor, now, **details),
        ],
    }
    return changed, [_plan_event(following, changed, now, on=fields["on"].isoformat(), **details)]


def file_plan(
    plan: Document,
    fields: dict[str, Any],
    first_on_file: bool,
    actor: Actor,
    now: datetime,
    today: date,
) -> Result:
    """The county bureau files the assessed plan (备案) and gives its filing number.

    `first_on_file`: no plan of the enterprise was on file before, so it now counts among the
    enterprises with a plan on file.
    """
    require_enterprise_writer(plan, actor, FILERS)
    following = _moved(plan, "file")
    _require_not_future(fields["filed_on"], today, "filed_on")
    filing = {
        "number": fields["number"],
        "filed_on": fields["filed_on"].isoformat(),
        "filed_by": actor.user_id,
    }
    changed = {
        **plan,
        "state": following,
        "filing": filing,
        "history": [*plan["history"], _step(following, fields["filed_on"], [], actor, now)],
    }
    return changed, [
        _plan_event(
            "filed",
            changed,
            now,
            number=filing["number"],
            filed_on=filing["filed_on"],
            first_on_file=first_on_file,
        )
    ]


def rule_problem(rule: Rule) -> str | None:
    reasons = rule.value
    if isinstance(reasons, dict) and reasons and all(isinstance(t, str) for t in reasons.values()):
        return None
    return "revision reasons map a code to its text"


RULE_CHECKS = {REVISION_REASONS_RULE: rule_problem}
