"""Construction projects (建设项目安全设施“三同时”): a project of an enterprise, its stages as dated
records with documents, and the bureau's spot checks of accepted projects.

Safety Law Arts. 31–34 [text]; 令第36号/77号 [secondary]. Which stages a project goes through, in
which order, and how long a trial run may last are rule data (rules/projects.yaml). Every
command returns `(document, events)` (services.kit.pure.commands).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.kit.pure.actor import WRITERS, Actor
from services.kit.pure.commands import Document, Event, Result, new_id
from services.kit.pure.errors import Conflict, DomainError, Forbidden, InvalidInput
from services.kit.pure.sampling import seeded_sample
from services.registry.domain.common import event

KINDS = ("new", "extension", "renovation")
STAGES = (
    "pre_evaluation",
    "design_review",
    "construction",
    "trial_run",
    "acceptance",
    "safety_analysis",
)
# Stages only the bureau records: it reviews the safety-facility design of a metal-smelting project.
BUREAU_STAGES = ("design_review",)
OUTCOMES = ("approved", "rejected")
HAZARD_GRADES = ("general", "major")


@dataclass(frozen=True)
class Regime:
    """The rules a project is held to: its stages in order and the trial run's length."""

    stages: dict[str, list[str]]
    trial_run_days: dict[str, int]

    @classmethod
    def from_rules(cls, value: Any, on: date) -> "Regime":
        return cls(
            value("registry.projects.stages", on), value("registry.projects.trial_run_days", on)
        )

    def stages_of(self, project: Document) -> list[str]:
        return self.stages["metal_smelting" if project["metal_smelting"] else "other"]


def _require_writer_of(project: Document, actor: Actor) -> None:
    """The enterprise itself, or the bureau of its region."""
    if actor.role == "enterprise":
        if actor.uscc != project["uscc"]:
            raise Forbidden(f"you may not change project {project['_id']}")
        return
    if actor.role not in WRITERS:
        raise Forbidden(f"the role {actor.role!r} may not change projects")
    actor.require_writer(project["region_code"])


def _not_future(day: date, today: date, field: str) -> None:
    if day > today:
        raise InvalidInput(f"{field} cannot be in the future", {field: ["in the future"]})


def _event(verb: str, project: Document, now: datetime, data: dict[str, Any]) -> Event:
    return event(
        "project",
        verb,
        project["_id"],
        project["region_code"],
        now,
        {"project_id": project["_id"], "uscc": project["uscc"], **data},
    )


def register(
    fields: dict[str, Any],
    enterprise: Document,
    regime: Regime,
    actor: Actor,
    now: datetime,
    today: date,
) -> Result:
    """A project of `enterprise`, with the planned day of each stage it will go through."""
    project = {
        "_id": new_id(),
        "uscc": enterprise["uscc"],
        "region_code": enterprise["region_code"],
        "enterprise_name": enterprise["name"],
        "name": fields["name"],
        "kind": fields["kind"],
        "metal_smelting": fields["metal_smelting"],
    }
    _require_writer_of(project, actor)
    stages = regime.stages_of(project)
    planned = {stage: day.isoformat() for stage, day in (fields.get("planned") or {}).items()}
    unknown = sorted(set(planned) - set(stages))
    if unknown:
        raise InvalidInput(
            "planned dates name stages this project does not go through",
            {"planned": {stage: ["not a stage of this project"] for stage in unknown}},
        )
    days = [planned[stage] for stage in stages if stage in planned]
    if days != sorted(days):
        raise InvalidInput(
            "the planned dates must follow the order of the stages",
            {"planned": ["out of order"]},
        )
    project.update(
        {
            "planned": planned,
            "stages": [],
            "spot_checks": [],
            "accepted_on": None,
            "spot_checked_on": None,
            "registered_on": today.isoformat(),
            "created_at": now,
            "created_by": actor.user_id,
            "updated_at": now,
            "version": 1,
        }
    )
    return project, [_event("registered", project, now, _summary(project))]


def import_batch(
    rows: list[dict[str, Any]], register_row: Callable[[dict[str, Any]], Result]
) -> tuple[list[dict[str, Any]], list[Result]]:
    """Every row of an import registered by `register_row` (which loads and registers one
    row's fields); returns the per-row report and the registrations. A bad row is reported with
    its errors and does not stop the others."""
    report: list[dict[str, Any]] = []
    registrations: list[Result] = []
    for row in rows:
        line: dict[str, Any] = {"row": row.get("row"), "id": None, "result": "invalid"}
        report.append(line)
        try:
            project, events = register_row(row.get("fields") or {})
        except DomainError as error:
            line["errors"] = error.errors or {"_row": [error.message]}
            continue
        registrations.append((project, events))
        line.update(id=project["_id"], result="created", errors={})
    return report, registrations


def _summary(project: Document) -> dict[str, Any]:
    return {
        key: project[key] for key in ("name", "kind", "metal_smelting", "planned", "registered_on")
    }


def done(project: Document) -> set[str]:
    """The stages completed: recorded, and for a design review, approved."""
    return {record["stage"] for record in project["stages"] if record.get("outcome") != "rejected"}


def next_stage(project: Document, regime: Regime) -> str | None:
    completed = done(project)
    return next((stage for stage in regime.stages_of(project) if stage not in completed), None)


def record_stage(
    project: Document,
    fields: dict[str, Any],
    regime: Regime,
    actor: Actor,
    now: datetime,
    today: date,
) -> Result:
    """The next stage of the project, dated, with its documents; a rejected design review leaves
    the project waiting for another review."""
    _require_writer_of(project, actor)
    stage = fields["stage"]
    if stage in BUREAU_STAGES and actor.role not in WRITERS:
        raise Forbidden("the bureau reviews the safety-facility design")
    if stage not in regime.stages_of(project):
        raise InvalidInput(
            f"a {'metal-smelting' if project['metal_smelting'] else '工贸'} project has no stage "
            f"{stage}",
            {"stage": [f"one of {', '.join(regime.stages_of(project))}"]},
        )
    expected = next_stage(project, regime)
    if expected is None:
        raise Conflict("every stage of this project is done already")
    if stage != expected:
        raise Conflict(
            f"the next stage of this project is {expected}, not {stage}",
            {"stage": [f"expected {expected}"]},
        )
    on: date = fields["on"]
    _not_future(on, today, "on")
    if project["stages"] and on.isoformat() < project["stages"][-1]["on"]:
        raise InvalidInput(
            "a stage cannot be dated before the one recorded before it",
            {"on": [f"before {project['stages'][-1]['on']}"]},
        )
    trial_end = next((r["ends_on"] for r in project["stages"] if r["stage"] == "trial_run"), None)
    if stage == "acceptance" and trial_end and on.isoformat() < trial_end:
        raise InvalidInput(
            "the acceptance follows the end of the trial run", {"on": [f"before {trial_end}"]}
        )
    record = {
        "id": new_id(),
        "stage": stage,
        "on": on.isoformat(),
        "documents": fields.get("documents") or [],
        "note": fields.get("note"),
        "at": now,
        "by": actor.user_id,
        **_stage_specifics(stage, fields, regime),
    }
    after = {**project, "stages": [*project["stages"], record], "updated_at": now}
    if stage == "acceptance":
        after["accepted_on"] = record["on"]
    published: dict[str, Any] = {
        key: record[key] for key in ("stage", "on", "outcome", "ends_on") if key in record
    }
    return after, [_event("stage_recorded", after, now, published)]


def _stage_specifics(stage: str, fields: dict[str, Any], regime: Regime) -> dict[str, Any]:
    """A design review's decision (reasons when rejected); a trial run's end, within the rule's
    length."""
    if stage == "design_review":
        outcome = fields.get("outcome")
        if outcome is None:
            raise InvalidInput("a design review is approved or rejected", {"outcome": ["required"]})
        if outcome == "rejected" and not fields.get("reasons"):
            raise InvalidInput("a rejection gives its reasons", {"reasons": ["required"]})
        return {"outcome": outcome, "reasons": fields.get("reasons")}
    for field in ("outcome", "reasons"):
        if fields.get(field):
            raise InvalidInput(
                "only a design review has an outcome", {field: ["only for design_review"]}
            )
    if stage != "trial_run":
        if fields.get("ends_on"):
            raise InvalidInput("only a trial run has an end", {"ends_on": ["only for trial_run"]})
        return {}
    ends_on = fields.get("ends_on")
    if ends_on is None:
        raise InvalidInput("a trial run states when it ends", {"ends_on": ["required"]})
    length = (ends_on - fields["on"]).days
    bounds = regime.trial_run_days
    if not bounds["minimum"] <= length <= bounds["maximum"]:
        raise InvalidInput(
            f"a trial run lasts {bounds['minimum']} to {bounds['maximum']} days, not {length}",
            {"ends_on": [f"{bounds['minimum']}–{bounds['maximum']} days after on"]},
        )
    return {"ends_on": ends_on.isoformat()}


def overdue_stages(project: Document, regime: Regime, today: date) -> list[str]:
    """Stages planned before today and not done."""
    completed = done(project)
    return [
        stage
        for stage in regime.stages_of(project)
        if stage not in completed
        and stage in project["planned"]
        and project["planned"][stage] < today.isoformat()
    ]


def view(project: Document, regime: Regime, today: date) -> dict[str, Any]:
    overdue = overdue_stages(project, regime, today)
    return {
        **project,
        "stage_order": regime.stages_of(project),
        "next_stage": next_stage(project, regime),
        "overdue_stages": overdue,
        "overdue": bool(overdue),
    }


# --- spot checks -------------------------------------------------------------------------------


def draw_plan(
    accepted: list[str],
    request: dict[str, Any],
    seed: int,
    actor: Actor,
    now: datetime,
) -> Result:
    """A county bureau's annual spot-check sample of the projects accepted in its region and
    year (双随机: the seed is recorded, so anyone can redraw the same sample)."""
    actor.require_role("admin", "regulator")
    actor.require_writer(request["region"])
    if request["sample_size"] > len(accepted):
        raise InvalidInput(
            f"the sample ({request['sample_size']}) is larger than the {len(accepted)} projects "
            f"accepted in {request['year']}",
            {"sample_size": [f"at most {len(accepted)}"]},
        )
    plan = {
        "_id": new_id(),
        "region_code": request["region"],
        "year": request["year"],
        "seed": seed,
        "sample_size": request["sample_size"],
        "population": len(accepted),
        "sample": seeded_sample(accepted, request["sample_size"], seed),
        "created_at": now,
        "created_by": actor.user_id,
        "version": 1,
    }
    data = {key: plan[key] for key in ("year", "seed", "sample_size", "population", "sample")}
    published = event(
        "project_spot_check_plan",
        "drawn",
        plan["_id"],
        plan["region_code"],
        now,
        {
            "plan_id": plan["_id"],
            **data,
        },
    )
    return plan, [published]


def record_spot_check(
    project: Document,
    fields: dict[str, Any],
    actor: Actor,
    now: datetime,
    today: date,
) -> Result:
    """The bureau's spot check of an accepted project, with its findings; a finding that opens a
    hazard is announced so the inspection service opens it (`spot_checked` carries it)."""
    if actor.role not in WRITERS:
        raise Forbidden("spot checks are the bureau's")
    actor.require_writer(project["region_code"])
    if project["accepted_on"] is None:
        raise Conflict("only an accepted project is spot-checked")
    checked_on: date = fields["checked_on"]
    _not_future(checked_on, today, "checked_on")
    if checked_on.isoformat() < project["accepted_on"]:
        raise InvalidInput(
            "a spot check follows the acceptance", {"checked_on": ["before the acceptance"]}
        )
    findings = [_finding(finding, index, today) for index, finding in enumerate(fields["findings"])]
    check = {
        "id": new_id(),
        "checked_on": checked_on.isoformat(),
        "plan_id": fields.get("plan_id"),
        "conclusion": fields["conclusion"],
        "findings": findings,
        "documents": fields.get("documents") or [],
        "at": now,
        "by": actor.user_id,
    }
    after = {
        **project,
        "spot_checks": [*project["spot_checks"], check],
        "spot_checked_on": project["spot_checked_on"] or check["checked_on"],
        "updated_at": now,
    }
    data = {
        "spot_check_id": check["id"],
        "enterprise_name": project["enterprise_name"],
        "project_name": project["name"],
        "checked_on": check["checked_on"],
        "accepted_on": project["accepted_on"],
        "first": project["spot_checked_on"] is None,
        "findings": findings,
        "by": actor.user_id,
    }
    return after, [_event("spot_checked", after, now, data)]


def _finding(finding: dict[str, Any], index: int, today: date) -> dict[str, Any]:
    """A finding; one that opens a hazard names its grade, and a general one its deadline."""
    hazard = finding.get("hazard")
    if hazard:
        deadline = hazard.get("deadline")
        if hazard["grade"] == "general" and deadline is None:
            raise InvalidInput(
                "a general hazard needs a rectification deadline",
                {"findings": {str(index): {"hazard": {"deadline": ["required"]}}}},
            )
        if deadline is not None and deadline <= today:
            raise InvalidInput(
                "a rectification deadline lies ahead",
                {"findings": {str(index): {"hazard": {"deadline": ["not in the future"]}}}},
            )
        hazard = {
            "hazard_id": new_id(),
            "grade": hazard["grade"],
            "deadline": deadline and deadline.isoformat(),
        }
    return {
        "finding_id": new_id(),
        "description": finding["description"],
        "location": finding.get("location"),
        "hazard": hazard,
    }
