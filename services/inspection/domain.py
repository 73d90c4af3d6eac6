"""Inspections and the hidden-hazard closed loop: pure rules, no framework.

Sources (see DOMAIN.md): Safety Law 2021 Art. 65 and 68 (inspection records, orders, resumption
after review); 应急管理部令第10号 (major hazards); the closed loops for general and major hazards;
the county plan's 四不两直 unannounced inspections, which the enterprise must not learn of from the
platform before the record is completed.

Every command takes the current document, the caller and the time and returns the new document and
the events it causes; the store writes both in one document write.
"""
import random
import uuid
from datetime import date, timedelta

from services.inspection import accidents, enforcement
from services.kit.pure.envelope import make_event
from services.kit.pure.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.kit.pure.regions import NATIONWIDE

SERVICE = "inspection"
MODES = ("routine", "special_campaign", "unannounced", "third_party", "project_spot_check",
         "re_check")
CAMPAIGN_THEMES = ("dust_explosion", "confined_space", "ammonia_refrigeration", "alcohol_storage",
                   "maintenance_work", "outsourced_work")
INSPECTORS = ("admin", "regulator", "inspector")
REVIEWERS = ("admin", "regulator")
GRADES = ("general", "major")
OPEN, COMPLETED = "open", "completed"
CLOSED = "closed"

# The closed loops as data: (grade, state, action) → next state.
TRANSITIONS = {
    ("general", "rectifying", "submit_rectification"): "submitted",
    ("general", "submitted", "verify"): CLOSED,
    ("general", "submitted", "reject"): "rectifying",
    ("major", "reported", "approve_plan"): "plan_approved",
    ("major", "plan_approved", "suspend"): "suspended",
    ("major", "plan_approved", "start_rectification"): "rectifying",
    ("major", "suspended", "start_rectification"): "rectifying",
    ("major", "rectifying", "submit_rectification"): "assessed",
    ("major", "assessed", "apply_resume"): "resume_applied",
    ("major", "resume_applied", "verify"): CLOSED,
    ("major", "resume_applied", "reject"): "rectifying",
    ("major", "assessed", "reject"): "rectifying",
}
# Who may take each action: the enterprise rectifies, the bureau decides.
ACTORS = {
    "submit_rectification": ("enterprise",),
    "apply_resume": ("enterprise",),
    "start_rectification": ("enterprise", *INSPECTORS),
    "approve_plan": REVIEWERS,
    "suspend": REVIEWERS,
    "verify": INSPECTORS,
    "reject": INSPECTORS,
}
# Hazard events by the state a transition reaches (or the action that reaches it).
EVENT_OF_ACTION = {"submit_rectification": "rectification_submitted", "verify": "verified",
                   "reject": "rejected"}


def new_id():
    return uuid.uuid4().hex


def event(entity, verb, subject, region_code, now, data):
    return make_event(service=SERVICE, entity=entity, verb=verb, subject=subject, data=data,
                      region_code=region_code, now=now)


REGISTRY_COPY_REQUEST = "registry-copy"


def registry_copy_request(now):
    """Asks the registry to announce every enterprise again: this service's copy is empty.
    One record, replaced by each new request, so asking again and again adds nothing."""
    return {"_id": REGISTRY_COPY_REQUEST, "requested_at": now,
            "outbox": [event("registry_copy", "requested", new_id(), NATIONWIDE, now, {})]}


def _require_future(day, today, field):
    if day < today:
        raise InvalidInput(f"the {field} cannot be in the past", {field: ["in the past"]})


# --- visibility -----------------------------------------------------------------------------

def inspection_visible(inspection, actor):
    """Enterprises see their own inspections, but an unannounced one only once it is completed."""
    if inspection is None:
        return False
    if actor.role == "enterprise":
        return inspection["uscc"] == actor.uscc and (
            inspection["mode"] != "unannounced" or inspection["state"] == COMPLETED)
    if actor.role == "agency":
        return inspection.get("agency") == actor.user_id
    return actor.sees_region(inspection["region_code"])


def hazard_visible(hazard, actor):
    if hazard is None:
        return False
    if actor.role == "enterprise":
        return hazard["uscc"] == actor.uscc
    if actor.role == "agency":
        return hazard.get("agency") == actor.user_id
    return actor.sees_region(hazard["region_code"])


def enterprise_record_visible(document, actor):
    """Cases, accidents and evidence: the enterprise's own, or inside the jurisdiction."""
    return document is not None and actor.sees_enterprise(document["uscc"],
                                                          document["region_code"])


def require_visible(document, visible, actor, kind, identifier):
    if not visible(document, actor):
        raise NotFound(f"no {kind} {identifier}")
    return document


def require_enterprise_writer(enterprise, actor, roles=INSPECTORS):
    """Writes about an enterprise outside the caller's jurisdiction are refused by name."""
    if actor.role == "enterprise":
        if enterprise["uscc"] != actor.uscc or "enterprise" not in roles:
            raise Forbidden("an enterprise user may not do this")
        return
    actor.require_role(*roles)
    if not actor.sees_region(enterprise["region_code"]):
        raise Forbidden(f"enterprise {enterprise['uscc']} is outside your jurisdiction")


# --- inspections ----------------------------------------------------------------------------

def open_inspection(fields, enterprise, checklist, actor, now, today, assigned=False):
    """An inspection visit (Art. 68 record) begins; unannounced visits announce nothing.

    A technical agency records third-party inspections, and only of enterprises the bureau
    assigned to it (`assigned`).
    """
    if enterprise is None:
        raise InvalidInput("the enterprise is not known to the inspection service",
                           {"uscc": ["unknown enterprise"]})
    mode = fields["mode"]
    if actor.role == "agency":
        if mode != "third_party":
            raise Forbidden("a technical agency may only record third-party inspections")
        if not assigned:
            raise Forbidden("this enterprise is not assigned to your agency")
    else:
        require_enterprise_writer(enterprise, actor)
    if mode == "special_campaign" and fields.get("theme") not in CAMPAIGN_THEMES:
        raise InvalidInput("a special campaign inspection needs its theme",
                           {"theme": [f"one of {', '.join(CAMPAIGN_THEMES)}"]})
    if mode == "project_spot_check" and not fields.get("project_id"):
        raise InvalidInput("a project spot check names the project",
                           {"project_id": ["required for project_spot_check"]})
    if mode == "re_check" and not fields.get("re_check_of"):
        raise InvalidInput("a re-check names the inspection it re-checks",
                           {"re_check_of": ["required for re_check"]})
    inspectors = sorted(set(fields.get("inspectors") or []) | {actor.user_id})
    return {
        "_id": new_id(), "uscc": enterprise["uscc"], "region_code": enterprise["region_code"],
        "enterprise_name": enterprise["name"], "mode": mode, "theme": fields.get("theme"),
        "project_id": fields.get("project_id"), "re_check_of": fields.get("re_check_of"),
        "corrects": fields.get("corrects"),
        "agency": actor.user_id if actor.role == "agency" else fields.get("agency"),
        "place": fields["place"], "content": fields["content"], "inspectors": inspectors,
        "started_at": now, "checklist": checklist, "findings": [], "handling": None,
        "signature": None, "signature_refusal": None, "state": OPEN, "completed_at": None,
        "created_by": actor.user_id, "version": 1, "outbox": [],
    }


def add_finding(inspection, finding, catalogue, actor, now, today):
    """A problem found on site; its grade follows the catalogue (Art. 14 included)."""
    _require_open(inspection, actor)
    grade = catalogue.grade_for(finding.get("catalogue_item"), finding.get("failed_device", False))
    if finding.get("raise_to_major"):
        if grade == "general":
            grade = "major"
            if not finding.get("raise_reason"):
                raise InvalidInput("raising a general hazard to major needs a reason",
                                   {"raise_reason": ["required"]})
    if grade == "general" and not finding.get("deadline"):
        raise InvalidInput("a general hazard needs a rectification deadline",
                           {"deadline": ["required for a general hazard"]})
    if finding.get("deadline"):
        _require_future(finding["deadline"], today, "deadline")
    recorded = {"finding_id": new_id(), "hazard_id": new_id(), "grade": grade,
                "description": finding["description"], "location": finding.get("location"),
                "catalogue_item": finding.get("catalogue_item"),
                "failed_device": bool(finding.get("failed_device")),
                "raise_reason": finding.get("raise_reason") if finding.get("raise_to_major")
                else None,
                "deadline": finding["deadline"].isoformat() if finding.get("deadline") else None,
                "recorded_at": now, "recorded_by": actor.user_id}
    return {**inspection, "findings": [*inspection["findings"], recorded]}, recorded


def _require_recorder(inspection, actor):
    """Who writes an inspection record: the bureau's inspectors in its jurisdiction, or the
    agency it belongs to. Enterprises and read-only roles never do."""
    if actor.role == "agency":
        if inspection.get("agency") != actor.user_id:
            raise Forbidden("this inspection is not yours")
        return
    actor.require_role(*INSPECTORS)
    if not actor.sees_region(inspection["region_code"]):
        raise Forbidden("this inspection is outside your jurisdiction")


def _require_open(inspection, actor):
    """The caller may write the record (checked first, so a refusal never depends on its
    state) and the record is still open."""
    _require_recorder(inspection, actor)
    if inspection["state"] != OPEN:
        raise Conflict("a completed inspection record cannot change; record a correction instead")


def complete_inspection(inspection, record, actor, now):
    """Art. 68: the record is closed with handling and the unit head's signature or refusal.

    The hazards found are created now, so an unannounced visit reveals nothing before this.
    """
    _require_open(inspection, actor)
    signature, refusal = record.get("signature"), record.get("signature_refusal")
    if bool(signature) == bool(refusal):
        raise InvalidInput("the unit head either signs or refuses, and the refusal is recorded",
                           {"signature": ["give exactly one of signature, signature_refusal"]})
    completed = {**inspection, "state": COMPLETED, "completed_at": now,
                 "handling": record["handling"],
                 "signature": signature and {"name": signature, "signed_at": now},
                 "signature_refusal": refusal and {"reason": refusal, "recorded_at": now}}
    hazards = [hazard_from_finding(completed, finding, now) for finding in inspection["findings"]]
    events = [event("inspection", "completed", inspection["uscc"], inspection["region_code"], now,
                    {"inspection_id": inspection["_id"], "uscc": inspection["uscc"],
                     "mode": inspection["mode"], "theme": inspection.get("theme"),
                     "project_id": inspection.get("project_id"),
                     "findings": len(inspection["findings"]),
                     "hazard_ids": [h["_id"] for h in hazards]})]
    return completed, events, hazards


def correction_of(original, actor):
    """A completed record is corrected by a new record referencing it, never edited."""
    if original is None or original["state"] != COMPLETED:
        raise Conflict("only a completed inspection record can be corrected")
    if not actor.sees_region(original["region_code"]):
        raise Forbidden("this inspection is outside your jurisdiction")


# --- hazards --------------------------------------------------------------------------------

def hazard_from_finding(inspection, finding, now):
    grade = finding["grade"]
    hazard = {
        "_id": finding["hazard_id"], "uscc": inspection["uscc"],
        "region_code": inspection["region_code"], "enterprise_name": inspection["enterprise_name"],
        "agency": inspection.get("agency"),
        "inspection_id": inspection["_id"], "self_inspection_id": None, "grade": grade,
        "catalogue_item": finding["catalogue_item"], "failed_device": finding["failed_device"],
        "description": finding["description"], "location": finding["location"],
        "found_at": finding["recorded_at"], "found_by": finding["recorded_by"],
        "state": "rectifying" if grade == "general" else "reported",
        "deadline": finding["deadline"], "plan": None, "suspension_order": None,
        "rectifications": [], "extensions": [], "escalations": [], "overdue": False,
        "transitions": [{"from": None, "to": "rectifying" if grade == "general" else "reported",
                         "action": "report", "at": now, "by": finding["recorded_by"],
                         "reason": finding.get("raise_reason")}],
        "closed_at": None, "version": 1,
    }
    hazard["outbox"] = [hazard_event(hazard, "reported", now)]
    return hazard


def hazard_event(hazard, verb, now, **extra):
    return event("hazard", verb, hazard["_id"], hazard["region_code"], now, {
        "hazard_id": hazard["_id"], "uscc": hazard["uscc"], "grade": hazard["grade"],
        "state": hazard["state"], "deadline": hazard["deadline"],
        "found_on": hazard["found_at"].date().isoformat()
        if hasattr(hazard["found_at"], "date") else hazard["found_at"], **extra})


def _record(hazard, action, target, actor, now, reason=None):
    return {**hazard, "state": target, "transitions": [*hazard["transitions"], {
        "from": hazard["state"], "to": target, "action": action, "at": now,
        "by": actor.user_id, "reason": reason}]}


def _require_actor(hazard, action, actor):
    roles = ACTORS[action]
    if actor.role == "enterprise":
        if "enterprise" not in roles or hazard["uscc"] != actor.uscc:
            raise Forbidden("an enterprise user may only rectify its own hazards")
        return
    if actor.role not in roles:
        raise Forbidden(f"the role {actor.role!r} may not {action.replace('_', ' ')}")
    if not actor.sees_region(hazard["region_code"]):
        raise Forbidden("this hazard is outside your jurisdiction")


def transition(hazard, action, actor, now, reason=None, **details):
    """Move a hazard along its closed loop; an illegal step is a Conflict naming the state."""
    _require_actor(hazard, action, actor)
    target = TRANSITIONS.get((hazard["grade"], hazard["state"], action))
    if target is None:
        raise Conflict(f"a {hazard['grade']} hazard that is {hazard['state']} cannot "
                       f"{action.replace('_', ' ')}")
    if action == "reject" and not reason:
        raise InvalidInput("a rejection gives its reason", {"reason": ["required"]})
    changed = _record(hazard, action, target, actor, now, reason)
    changed.update(details)
    if target == CLOSED:
        changed["closed_at"] = now
        changed["overdue"] = False
    events = []
    verb = EVENT_OF_ACTION.get(action)
    if verb:
        events.append(hazard_event(changed, verb, now, reason=reason))
    if target == CLOSED:
        events.append(hazard_event(changed, "closed", now,
                                   was_overdue=bool(hazard["overdue"])))
    return changed, events


def submit_rectification(hazard, evidence, note, actor, now):
    """The enterprise reports the fix with at least one evidence item it uploaded itself."""
    _require_actor(hazard, "submit_rectification", actor)
    own = [item for item in evidence if item.get("uscc") == hazard["uscc"]
           and item.get("uploaded_by_role") == "enterprise"]
    if not evidence:
        raise InvalidInput("a rectification needs at least one evidence item",
                           {"evidence": ["at least one"]})
    if len(own) != len(evidence):
        raise InvalidInput("evidence must be uploaded by this enterprise",
                           {"evidence": ["not uploaded by this enterprise"]})
    rectification = {"submitted_at": now, "by": actor.user_id,
                     "evidence": [item["_id"] for item in evidence], "note": note}
    changed, events = transition(hazard, "submit_rectification", actor, now)
    changed["rectifications"] = [*hazard["rectifications"], rectification]
    return changed, events


def approve_plan(hazard, plan, actor, now, today):
    """A major hazard's plan: targets, measures, funds, people, deadline, safety measures."""
    _require_future(plan["deadline"], today, "deadline")
    changed, events = transition(hazard, "approve_plan", actor, now)
    changed["plan"] = {**plan, "deadline": plan["deadline"].isoformat(),
                       "approved_at": now, "approved_by": actor.user_id}
    changed["deadline"] = plan["deadline"].isoformat()
    return changed, events


def raise_grade(hazard, reason, actor, now):
    """An inspector may raise a general hazard to major, with a reason; never lower one."""
    _require_actor(hazard, "verify", actor)
    if hazard["grade"] == "major":
        raise Conflict("a major hazard cannot be regraded; major hazards are never lowered")
    if hazard["state"] == CLOSED:
        raise Conflict("a closed hazard cannot be regraded")
    if not reason:
        raise InvalidInput("raising a hazard to major needs a reason", {"reason": ["required"]})
    changed = _record({**hazard, "grade": "major"}, "raise_to_major", "reported", actor, now,
                      reason)
    return changed, [hazard_event(changed, "regraded", now, reason=reason)]


def request_extension(hazard, deadline, reason, actor, now, today):
    if actor.role != "enterprise" or actor.uscc != hazard["uscc"]:
        raise Forbidden("the enterprise itself requests a deadline extension")
    if hazard["state"] == CLOSED:
        raise Conflict("the hazard is closed")
    if any(e["decision"] is None for e in hazard["extensions"]):
        raise Conflict("an extension request is already waiting for a decision")
    _require_future(deadline, today, "deadline")
    if hazard["deadline"] and deadline.isoformat() <= hazard["deadline"]:
        raise InvalidInput("the new deadline must be later than the current one",
                           {"deadline": ["not later than the current deadline"]})
    extension = {"requested_at": now, "by": actor.user_id, "deadline": deadline.isoformat(),
                 "reason": reason, "decision": None}
    return {**hazard, "extensions": [*hazard["extensions"], extension]}, []


def decide_extension(hazard, approve, reason, actor, now):
    _require_actor(hazard, "approve_plan", actor)
    pending = [e for e in hazard["extensions"] if e["decision"] is None]
    if not pending:
        raise Conflict("no extension request is waiting for a decision")
    if not reason:
        raise InvalidInput("a decision on an extension gives its reason", {"reason": ["required"]})
    decided = {**pending[0], "decision": "approved" if approve else "refused",
               "decided_at": now, "decided_by": actor.user_id, "decision_reason": reason}
    extensions = [decided if e is pending[0] else e for e in hazard["extensions"]]
    changed = {**hazard, "extensions": extensions}
    if approve:
        changed["deadline"] = decided["deadline"]
        changed["overdue"] = False
    return changed, []


def is_overdue(hazard, today):
    return (hazard["state"] != CLOSED and hazard["deadline"] is not None
            and date.fromisoformat(hazard["deadline"]) < today)


def mark_overdue(hazard, now, today):
    """The first time a hazard passes its deadline it is flagged and announced once."""
    if hazard["overdue"] or not is_overdue(hazard, today):
        return None
    changed = {**hazard, "overdue": True, "overdue_since": today.isoformat()}
    return changed, [hazard_event(changed, "overdue", now)]


# --- plans and self-inspections --------------------------------------------------------------

PRIORITY_WEIGHTS = {"risk_feature": 1, "open_major_hazard": 3, "untrustworthy": 5}


def priority(enterprise, open_major_hazards, listed):
    """Risk-based priority for the annual plan: riskier enterprises come first."""
    return (PRIORITY_WEIGHTS["risk_feature"] * len(enterprise.get("risk_features") or ())
            + PRIORITY_WEIGHTS["open_major_hazard"] * open_major_hazards
            + PRIORITY_WEIGHTS["untrustworthy"] * int(listed))


def annual_plan(enterprises, open_majors, listed, year, sample_size, seed):
    """双随机: every enterprise ranked by priority, plus a reproducible random sample.

    The seed is recorded, so anyone can redraw the same sample from the same list.
    """
    ranked = sorted(enterprises, key=lambda e: (-priority(e, open_majors.get(e["uscc"], 0),
                                                          e["uscc"] in listed), e["uscc"]))
    pool = sorted(e["uscc"] for e in enterprises)
    sample = sorted(random.Random(seed).sample(pool, min(sample_size, len(pool))))
    return {"year": year, "seed": seed, "sample_size": sample_size,
            "priorities": [{"uscc": e["uscc"], "name": e["name"],
                            "priority": priority(e, open_majors.get(e["uscc"], 0),
                                                 e["uscc"] in listed)} for e in ranked],
            "sample": sample}


def assign_agency(enterprise, agency, actor, now):
    """The bureau assigns a third-party technical agency (a user of role agency) to an enterprise."""
    if enterprise is None:
        raise InvalidInput("the enterprise is not known to the inspection service",
                           {"uscc": ["unknown enterprise"]})
    require_enterprise_writer(enterprise, actor, REVIEWERS)
    return {"_id": f"{agency}:{enterprise['uscc']}", "agency": agency,
            "uscc": enterprise["uscc"], "region_code": enterprise["region_code"],
            "assigned_by": actor.user_id, "assigned_at": now}


def report_self_inspection(fields, enterprise, actor, now, today):
    """企业自查上报, including the principal-led monthly inspection (主要负责人每月带队检查)."""
    if enterprise is None:
        raise InvalidInput("the enterprise is not known to the inspection service",
                           {"uscc": ["unknown enterprise"]})
    require_enterprise_writer(enterprise, actor, ("enterprise", *INSPECTORS))
    if fields["performed_on"] > today:
        raise InvalidInput("a self-inspection cannot be reported before it happens",
                           {"performed_on": ["in the future"]})
    if fields["performed_on"] < today - timedelta(days=366):
        raise InvalidInput("that self-inspection is too old to report",
                           {"performed_on": ["more than a year ago"]})
    document = {"_id": new_id(), "uscc": enterprise["uscc"],
                "region_code": enterprise["region_code"],
                "performed_on": fields["performed_on"].isoformat(),
                "month": fields["performed_on"].strftime("%Y-%m"),
                "led_by_principal": fields["led_by_principal"],
                "leader": fields.get("leader"), "content": fields["content"],
                "problems_found": fields.get("problems_found", 0),
                "reported_at": now, "reported_by": actor.user_id}
    document["outbox"] = [event("self_inspection", "reported", enterprise["uscc"],
                                enterprise["region_code"], now,
                                {key: document[key] for key in (
                                    "_id", "uscc", "performed_on", "month", "led_by_principal",
                                    "problems_found")})]
    return document


def monthly_coverage(self_inspections, year):
    """Per month of `year`: did a principal-led inspection happen, and how many reports."""
    months = {f"{year}-{m:02d}": {"reports": 0, "principal_led": False} for m in range(1, 13)}
    for report in self_inspections:
        month = months.get(report["month"])
        if month is not None:
            month["reports"] += 1
            month["principal_led"] = month["principal_led"] or report["led_by_principal"]
    return months


# --- enforcement and accidents on their aggregates ---------------------------------------------

def escalate(hazard, kind, actor, now):
    """One rung of the escalation ladder, kept with the hazard it is about."""
    taken = enforcement.enforcement_action(kind, hazard, actor, now)
    return {**hazard, "escalations": [*hazard["escalations"], taken["action"]]}, [taken["event"]]


def suspend(hazard, reason, actor, now):
    """A major hazard's suspension order (责令停产停业整顿); the registry applies it."""
    if not reason:
        raise InvalidInput("a suspension order gives its reason", {"reason": ["required"]})
    changed, events = transition(hazard, "suspend", actor, now, reason)
    order = enforcement.order_suspension(changed, reason, actor, now)
    events += order.pop("outbox")
    order.pop("version")
    return {**changed, "suspension_order": order}, events


def lift_suspension(hazard, reason, actor, now):
    order = hazard.get("suspension_order")
    if not order:
        raise Conflict("no suspension order was issued for this hazard")
    lifted = enforcement.lift_suspension(order, reason, actor, now)
    return {**hazard, "suspension_order": {**order, **lifted["set"]}}, [lifted["event"]]


def verify_or_reject(hazard, decision, reason, actor, now):
    """Closing a major hazard after review also lifts its suspension order (Art. 65)."""
    changed, events = transition(hazard, decision, actor, now, reason)
    order = changed.get("suspension_order")
    if changed["state"] == CLOSED and order and not order.get("lifted_on"):
        changed, lift_events = lift_suspension(changed, "重大事故隐患整改验收合格，准予恢复生产",
                                               actor, now)
        events += lift_events
    return changed, events


def decide_case(case, lines, actor, now, today):
    decided = enforcement.decide_penalty(case, lines, actor, now, today)
    return {**case, **decided["set"]}, [decided["event"]]


def supplement_accident(accident, changes, actor, now):
    supplemented = accidents.supplement_accident(accident, changes, actor, now)
    if supplemented is None:
        return accident, []
    after = {**accident, **supplemented["set"],
             "supplements": [*accident["supplements"], supplemented["supplement"]]}
    return after, [supplemented["event"]]


def record_compliance(case, party_id, status, on, actor, now, today):
    """After an order to correct: the party's continued refusal, or its confirmed correction.

    These facts are what Safety Law Art. 112 turns on; the daily fines follow from them.
    """
    actor.require_writer(case["region_code"])
    if case.get("status") != "decided":
        raise Conflict("compliance is recorded once the penalty is decided")
    if not any(line["party_id"] == party_id and line["order_to_correct"]
               for line in case["lines"]):
        raise InvalidInput("that party was not ordered to correct",
                           {"party_id": ["no order to correct for this party"]})
    if on > today:
        raise InvalidInput("the date cannot be in the future", {"on": ["in the future"]})
    current = (case.get("compliance") or {}).get(party_id, {"refused_since": None,
                                                            "corrected_on": None})
    if current["corrected_on"]:
        raise Conflict("the correction is already confirmed")
    field = "refused_since" if status == "refused" else "corrected_on"
    updated = {**current, field: on.isoformat(), "recorded_by": actor.user_id,
               "recorded_at": now}
    return {**case, "compliance": {**(case.get("compliance") or {}), party_id: updated}}, []


def continuous_daily_fines(case, today):
    """Art. 112 amounts per line, computed only where its conditions hold."""
    fines = []
    for line in case.get("lines") or ():
        state = (case.get("compliance") or {}).get(line["party_id"], {})
        corrected = state.get("corrected_on")
        amount = enforcement.continuous_daily_fine(
            line, bool(state.get("refused_since")),
            date.fromisoformat(corrected) if corrected else None, today)
        if amount:
            fines.append({"party_id": line["party_id"], "decision_number":
                          line["decision_number"], "amount_yuan": amount})
    return fines
