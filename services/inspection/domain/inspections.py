"""Inspection visits and their records, self-inspections, and agency assignments.

Sources (see DOMAIN.md): Safety Law 2021 Art. 65 and 68 (inspection records, orders, resumption
after review); the county plan's 四不两直 unannounced inspections, which the enterprise must not
learn of from the platform before the record is completed.

Every command returns `(document, events)` (services.kit.pure.commands).
"""

from datetime import date, datetime, timedelta
from typing import Any, Protocol

from services.inspection.domain import campaigns
from services.inspection.domain.common import (
    INSPECTORS,
    REVIEWERS,
    event,
    known_enterprise,
    new_id,
    require_enterprise_writer,
    require_future,
)
from services.kit.pure.actor import Actor
from services.kit.pure.commands import Document, Result
from services.kit.pure.errors import Conflict, Forbidden, InvalidInput

MODES = (
    "routine",
    "special_campaign",
    "unannounced",
    "third_party",
    "project_spot_check",
    "re_check",
)
CAMPAIGN_THEMES = campaigns.THEMES
OPEN, COMPLETED = "open", "completed"
# On-site law enforcement needs at least two officers (行政处罚法 Art. 42); a technical agency's
# third-party inspection enforces nothing.
MIN_OFFICERS = 2
ENFORCEMENT_MODES = tuple(mode for mode in MODES if mode != "third_party")


class Grading(Protocol):
    """What grades a finding: the hazard catalogue."""

    def grade_for(self, item_id: str | None = None, failed_device: bool = False) -> str: ...

    def rule_of(self, item_id: str | None) -> dict[str, Any] | None: ...


def open_inspection(
    fields: dict[str, Any],
    enterprise: Document | None,
    checklist: dict[str, Any] | None,
    actor: Actor,
    now: datetime,
    today: date,
    assigned: bool = False,
    campaign: Document | None = None,
) -> Result:
    """An inspection visit (Art. 68 record) begins; unannounced visits announce nothing.

    A technical agency records third-party inspections, and only of enterprises the bureau
    assigned to it (`assigned`). A special-campaign inspection may be made under a campaign of a
    bureau (`campaign`, the one its `campaign_id` names), whose theme it takes.
    """
    enterprise = known_enterprise(enterprise)
    if "campaign_id" in fields:
        fields = {**fields, "theme": campaigns.theme_under(fields, campaign, enterprise, today)}
    mode = fields["mode"]
    if actor.role == "agency":
        if mode != "third_party":
            raise Forbidden("a technical agency may only record third-party inspections")
        if not assigned:
            raise Forbidden("this enterprise is not assigned to your agency")
    else:
        require_enterprise_writer(enterprise, actor)
    if mode == "special_campaign" and fields.get("theme") not in CAMPAIGN_THEMES:
        raise InvalidInput(
            "a special campaign inspection needs its theme",
            {"theme": [f"one of {', '.join(CAMPAIGN_THEMES)}"]},
        )
    if mode == "project_spot_check" and not fields.get("project_id"):
        raise InvalidInput(
            "a project spot check names the project",
            {"project_id": ["required for project_spot_check"]},
        )
    if mode == "re_check" and not fields.get("re_check_of"):
        raise InvalidInput(
            "a re-check names the inspection it re-checks",
            {"re_check_of": ["required for re_check"]},
        )
    inspectors = sorted(set(fields.get("inspectors") or []) | {actor.user_id})
    if mode in ENFORCEMENT_MODES and len(inspectors) < MIN_OFFICERS:
        raise InvalidInput(
            "on-site enforcement needs at least two officers: name the others",
            {"inspectors": [f"at least {MIN_OFFICERS} officers, you included"]},
        )
    return {
        "_id": new_id(),
        "uscc": enterprise["uscc"],
        "region_code": enterprise["region_code"],
        "enterprise_name": enterprise["name"],
        "mode": mode,
        "theme": fields.get("theme"),
        "campaign_id": fields.get("campaign_id"),
        "project_id": fields.get("project_id"),
        "re_check_of": fields.get("re_check_of"),
        "corrects": fields.get("corrects"),
        "agency": actor.user_id if actor.role == "agency" else fields.get("agency"),
        "place": fields["place"],
        "content": fields["content"],
        "inspectors": inspectors,
        "started_at": now,
        "checklist": checklist,
        "findings": [],
        "handling": None,
        "signature": None,
        "signature_refusal": None,
        "state": OPEN,
        "completed_at": None,
        "created_by": actor.user_id,
        "version": 1,
    }, []


def add_finding(
    inspection: Document,
    finding: dict[str, Any],
    catalogue: Grading,
    actor: Actor,
    now: datetime,
    today: date,
) -> Result:
    """A problem found on site, recorded last in `findings`; its grade follows the catalogue
    (Art. 14 included)."""
    _require_open(inspection, actor)
    grade = catalogue.grade_for(finding.get("catalogue_item"), finding.get("failed_device", False))
    if finding.get("raise_to_major") and grade == "general":
        grade = "major"
        if not finding.get("raise_reason"):
            raise InvalidInput(
                "raising a general hazard to major needs a reason", {"raise_reason": ["required"]}
            )
    recorded = _finding(finding, grade, catalogue, actor, now, today)
    return {**inspection, "findings": [*inspection["findings"], recorded]}, []


def _finding(
    finding: dict[str, Any],
    grade: str,
    catalogue: Grading,
    actor: Actor,
    now: datetime,
    today: date,
) -> dict[str, Any]:
    """A finding as recorded, with the id of the hazard it becomes."""
    if grade == "general" and not finding.get("deadline"):
        raise InvalidInput(
            "a general hazard needs a rectification deadline",
            {"deadline": ["required for a general hazard"]},
        )
    if finding.get("deadline"):
        require_future(finding["deadline"], today, "deadline")
    return {
        "finding_id": new_id(),
        "hazard_id": new_id(),
        "grade": grade,
        "description": finding["description"],
        "location": finding.get("location"),
        "catalogue_item": finding.get("catalogue_item"),
        # The rule and version the grade applied, as the record of what was judged.
        "catalogue_rule": catalogue.rule_of(finding.get("catalogue_item")),
        "failed_device": bool(finding.get("failed_device")),
        "raise_reason": finding.get("raise_reason") if finding.get("raise_to_major") else None,
        "deadline": finding["deadline"].isoformat() if finding.get("deadline") else None,
        "recorded_at": now,
        "recorded_by": actor.user_id,
    }


def _self_found(
    hazards: list[dict[str, Any]], catalogue: Grading, actor: Actor, now: datetime, today: date
) -> list[dict[str, Any]]:
    """The hazards an enterprise found itself, as findings: a major one names its catalogue
    item, which grades it exactly as on an inspection; a general one names none."""
    findings = []
    for index, hazard in enumerate(hazards):
        try:
            grade = catalogue.grade_for(
                hazard.get("catalogue_item"), hazard.get("failed_device", False)
            )
            if grade != hazard["grade"]:
                raise InvalidInput(
                    "the grade does not follow the catalogue",
                    {
                        "catalogue_item": [
                            f"a {hazard['grade']} hazard names "
                            + (
                                "its catalogue item"
                                if hazard["grade"] == "major"
                                else "no catalogue item"
                            )
                        ]
                    },
                )
            findings.append(_finding(hazard, grade, catalogue, actor, now, today))
        except InvalidInput as error:
            raise InvalidInput(
                f"hazard {index + 1}: {error.message}", {"hazards": {str(index): error.errors}}
            ) from None
    return findings


def _require_recorder(inspection: Document, actor: Actor) -> None:
    """Who writes an inspection record: the bureau's inspectors in its jurisdiction, or the
    agency it belongs to. Enterprises and read-only roles never do."""
    if actor.role == "agency":
        if inspection.get("agency") != actor.user_id:
            raise Forbidden("this inspection is not yours")
        return
    actor.require_role(*INSPECTORS)
    if not actor.sees_region(inspection["region_code"]):
        raise Forbidden("this inspection is outside your jurisdiction")


def _require_open(inspection: Document, actor: Actor) -> None:
    """The caller may write the record (checked first, so a refusal never depends on its
    state) and the record is still open."""
    _require_recorder(inspection, actor)
    if inspection["state"] != OPEN:
        raise Conflict("a completed inspection record cannot change; record a correction instead")


def complete_inspection(
    inspection: Document, record: dict[str, Any], actor: Actor, now: datetime
) -> Result:
    """Art. 68: the record is closed with handling and the unit head's signature or refusal.

    The hazards found are created from the completed record (`hazards.found_in`), so an
    unannounced visit reveals nothing before this.
    """
    _require_open(inspection, actor)
    signature, refusal = record.get("signature"), record.get("signature_refusal")
    if bool(signature) == bool(refusal):
        raise InvalidInput(
            "the unit head either signs or refuses, and the refusal is recorded",
            {"signature": ["give exactly one of signature, signature_refusal"]},
        )
    completed = {
        **inspection,
        "state": COMPLETED,
        "completed_at": now,
        "handling": record["handling"],
        "signature": signature and {"name": signature, "signed_at": now},
        "signature_refusal": refusal and {"reason": refusal, "recorded_at": now},
    }
    return completed, [
        event(
            "inspection",
            "completed",
            inspection["uscc"],
            inspection["region_code"],
            now,
            {
                "inspection_id": inspection["_id"],
                "uscc": inspection["uscc"],
                "mode": inspection["mode"],
                "theme": inspection.get("theme"),
                "campaign_id": inspection.get("campaign_id"),
                "project_id": inspection.get("project_id"),
                "findings": len(inspection["findings"]),
                "hazard_ids": [finding["hazard_id"] for finding in inspection["findings"]],
            },
        )
    ]


def correction_of(original: Document | None, actor: Actor) -> None:
    """A completed record is corrected by a new record referencing it, never edited."""
    if original is None or original["state"] != COMPLETED:
        raise Conflict("only a completed inspection record can be corrected")
    if not actor.sees_region(original["region_code"]):
        raise Forbidden("this inspection is outside your jurisdiction")


def assign_agency(enterprise: Document | None, agency: str, actor: Actor, now: datetime) -> Result:
    """The bureau assigns a third-party technical agency (a user of role agency) to an
    enterprise."""
    enterprise = known_enterprise(enterprise)
    require_enterprise_writer(enterprise, actor, REVIEWERS)
    return {
        "_id": f"{agency}:{enterprise['uscc']}",
        "agency": agency,
        "uscc": enterprise["uscc"],
        "region_code": enterprise["region_code"],
        "assigned_by": actor.user_id,
        "assigned_at": now,
    }, []


def report_self_inspection(
    fields: dict[str, Any],
    enterprise: Document | None,
    catalogue: Grading,
    actor: Actor,
    now: datetime,
    today: date,
) -> Result:
    """企业自查上报, including the principal-led monthly inspection (主要负责人每月带队检查).

    The hazards it found are recorded as findings and become hazards in the same closed loop
    as an inspection's (`hazards.found_in`), so the rectification rate covers them.
    """
    enterprise = known_enterprise(enterprise)
    require_enterprise_writer(enterprise, actor, ("enterprise", *INSPECTORS))
    if fields["performed_on"] > today:
        raise InvalidInput(
            "a self-inspection cannot be reported before it happens",
            {"performed_on": ["in the future"]},
        )
    if fields["performed_on"] < today - timedelta(days=366):
        raise InvalidInput(
            "that self-inspection is too old to report", {"performed_on": ["more than a year ago"]}
        )
    findings = _self_found(fields.get("hazards", []), catalogue, actor, now, today)
    problems = fields.get("problems_found", len(findings))
    if problems < len(findings):
        raise InvalidInput(
            "fewer problems than hazards recorded",
            {"problems_found": [f"at least {len(findings)}"]},
        )
    document = {
        "_id": new_id(),
        "uscc": enterprise["uscc"],
        "region_code": enterprise["region_code"],
        "enterprise_name": enterprise["name"],
        "performed_on": fields["performed_on"].isoformat(),
        "month": fields["performed_on"].strftime("%Y-%m"),
        "led_by_principal": fields["led_by_principal"],
        "leader": fields.get("leader"),
        "content": fields["content"],
        "problems_found": problems,
        "findings": findings,
        "reported_at": now,
        "reported_by": actor.user_id,
    }
    return document, [
        event(
            "self_inspection",
            "reported",
            enterprise["uscc"],
            enterprise["region_code"],
            now,
            {
                **{
                    key: document[key]
                    for key in (
                        "_id",
                        "uscc",
                        "performed_on",
                        "month",
                        "led_by_principal",
                        "problems_found",
                    )
                },
                "hazard_ids": [finding["hazard_id"] for finding in findings],
            },
        )
    ]


def monthly_coverage(self_inspections: list[Document], year: int) -> dict[str, dict[str, Any]]:
    """Per month of `year`: did a principal-led inspection happen, and how many reports."""
    months = {f"{year}-{m:02d}": {"reports": 0, "principal_led": False} for m in range(1, 13)}
    for report in self_inspections:
        month = months.get(report["month"])
        if month is not None:
            month["reports"] += 1
            month["principal_led"] = month["principal_led"] or report["led_by_principal"]
    return months
