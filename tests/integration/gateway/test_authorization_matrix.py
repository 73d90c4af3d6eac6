"""Who may do what, for every route the gateway serves.

The cells are generated from the gateway's own route table: every /api/v1 route × every role ×
a target that is the caller's own, another enterprise's in the same county, or another county's.
What each cell must answer follows from one declared policy table, POLICY, and one rule for
records that exist but are not the caller's: a read answers 404 (it looks missing), a write 403.
A route the table does not cover fails here, so a new route cannot ship without its policy.

Allowed writes answer 2xx, or 409 when an earlier cell already moved the record on (a completed
inspection takes no more findings); authorization is always decided before state.
"""

import io
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

import pytest

from services import SERVICE_NAMES
from services.kit.pure import regions
from services.kit.pure.clock import Clock
from tests.support.api import (
    COMPANY_PASSWORD,
    PASSWORD,
    SMALLEST_CREW,
    confined_space_crew,
    ready_permit,
    wait_until_inspection_knows,
    wait_until_permits_knows,
    wait_until_training_knows,
)
from tests.support.credit import opened_by_hand
from tests.support.factories import (
    SECOND_OFFICER,
    certificate_body,
    drill,
    emergency_plan,
    enterprise,
    gas_readings,
    id_number,
    new_uscc,
    permit_body,
    png,
    risk_point,
    session_body,
    space_body,
    staff_member,
)
from tests.support.monitoring import alarms_of, publish, registered_device
from tests.support.routes import api_routes
from tests.support.uploads import UPLOADS, File, declaration, open_upload, send_parts
from tests.support.waiting import wait_until
from tools.device_simulator import reading

INSPECTORS = ("admin", "regulator", "inspector")
REVIEWERS = ("admin", "regulator")
ALL_ROLES = ("admin", "regulator", "inspector", "auditor", "agency", "enterprise")
KEEPERS = ("enterprise", *INSPECTORS)
TRAINING_READERS = (*KEEPERS, "auditor")
ACCOUNT_READERS = (*REVIEWERS, "auditor")
CREDIT_READERS = (*KEEPERS, "auditor")
# Permits: an enterprise runs its own, bureaus read (and may correct) their jurisdiction's,
# auditors read, agencies have no part.
PERMIT_READERS = TRAINING_READERS
MONITORING_READERS = TRAINING_READERS
# The account that plays each role. The auditor's scope is the city, so other counties of the
# city are in its jurisdiction: it reads them and writes nothing.
# The agency has an account of its own, so the records it makes here stay out of other tests'
# lists.
ACCOUNTS = {
    "admin": "admin",
    "regulator": "minle",
    "inspector": "inspector-minle",
    "auditor": "auditor",
    "agency": "agency-matrix",
}
RELATIONS = {"own": "620722", "other_enterprise": "620722", "other_county": "620702"}
ALLOWED_WRITE = {200, 201, 409}


@dataclass(frozen=True)
class Rule:
    """How one route is authorized.

    kind: public (anyone), list (scoped by the service), query (a region filter: outside the
    jurisdiction is 403), read (a record by id), write (a change to a record by id), create (a
    new record about the target enterprise).
    target: which record of the world the path or body names.
    visibility: "region" (the jurisdiction; an enterprise sees its own), "assigned" (as region,
    but an agency sees only the records of its assignment) or "uploader" (only the user who
    opened the upload, whatever their role).
    implied_own: an enterprise user always acts on its own enterprise, whatever the body says.
    hides_writes: a write to a record outside the jurisdiction answers 404 like a read (accounts:
    no bureau learns another's user names).
    The kind "own" acts on the caller's own account: every role may, and the request sent (a
    wrong current password) is refused for what it says, 422, without changing the account.
    """

    kind: str
    roles: tuple = ALL_ROLES
    target: str = "enterprise"
    visibility: str = "region"
    implied_own: bool = False
    hides_writes: bool = False


POLICY = {
    ("POST", "/api/v1/auth/token"): Rule("public"),
    ("GET", "/api/v1/enterprises"): Rule("list"),
    ("POST", "/api/v1/enterprises"): Rule("create", ("admin", "regulator", "inspector")),
    ("GET", "/api/v1/enterprises/<string:uscc>"): Rule("read"),
    ("PATCH", "/api/v1/enterprises/<string:uscc>"): Rule("write", INSPECTORS),
    ("POST", "/api/v1/enterprises/<string:uscc>/status"): Rule("write", INSPECTORS, target="spare"),
    ("GET", "/api/v1/enterprises/<string:uscc>/history"): Rule("read", (*REVIEWERS, "auditor")),
    ("POST", "/api/v1/enterprises/import"): Rule("list", INSPECTORS),
    ("GET", "/api/v1/enterprises/export"): Rule("list"),
    ("GET", "/api/v1/hazard-catalogue"): Rule("list"),
    ("GET", "/api/v1/inspections"): Rule("list"),
    ("POST", "/api/v1/inspections"): Rule("create", (*INSPECTORS, "agency"), visibility="assigned"),
    ("POST", "/api/v1/agency-assignments"): Rule("create", REVIEWERS),
    # A campaign is announced by the bureau of the deployment, for its whole jurisdiction: here
    # (the nationwide platform) by its administrators. Everyone reads those that concern them.
    ("GET", "/api/v1/campaigns"): Rule("list"),
    ("POST", "/api/v1/campaigns"): Rule("create", ("admin",)),
    ("GET", "/api/v1/inspections/<string:identifier>"): Rule(
        "read", target="inspection", visibility="assigned"
    ),
    ("POST", "/api/v1/inspections/<string:identifier>/findings"): Rule(
        "write", (*INSPECTORS, "agency"), target="inspection", visibility="assigned"
    ),
    ("POST", "/api/v1/inspections/<string:identifier>/complete"): Rule(
        "write", (*INSPECTORS, "agency"), target="inspection", visibility="assigned"
    ),
    ("POST", "/api/v1/self-inspections"): Rule(
        "create", ("enterprise", *INSPECTORS), implied_own=True
    ),
    ("GET", "/api/v1/self-inspections/coverage/<string:uscc>/<int(min=2000, max=2100):year>"): Rule(
        "read"
    ),
    ("GET", "/api/v1/hazards"): Rule("list"),
    ("GET", "/api/v1/hazards/<string:identifier>"): Rule(
        "read", target="general_hazard", visibility="assigned"
    ),
    ("POST", "/api/v1/hazards/<string:identifier>/rectification"): Rule(
        "write", ("enterprise",), target="general_hazard", visibility="assigned"
    ),
    ("POST", "/api/v1/hazards/<string:identifier>/verification"): Rule(
        "write", INSPECTORS, target="general_hazard", visibility="assigned"
    ),
    ("POST", "/api/v1/hazards/<string:identifier>/plan"): Rule(
        "write", REVIEWERS, target="major_hazard", visibility="assigned"
    ),
    ("POST", "/api/v1/hazards/<string:identifier>/actions"): Rule(
        "write", ("enterprise", *INSPECTORS), target="major_hazard", visibility="assigned"
    ),
    ("POST", "/api/v1/hazards/<string:identifier>/suspension/lift"): Rule(
        "write", REVIEWERS, target="major_hazard", visibility="assigned"
    ),
    ("POST", "/api/v1/hazards/<string:identifier>/escalation"): Rule(
        "write", REVIEWERS, target="general_hazard", visibility="assigned"
    ),
    ("POST", "/api/v1/hazards/<string:identifier>/extension"): Rule(
        "write", ("enterprise",), target="general_hazard", visibility="assigned"
    ),
    ("PUT", "/api/v1/hazards/<string:identifier>/extension"): Rule(
        "write", REVIEWERS, target="general_hazard", visibility="assigned"
    ),
    ("GET", "/api/v1/enforcement-cases"): Rule("list"),
    ("POST", "/api/v1/enforcement-cases"): Rule("create", INSPECTORS),
    ("GET", "/api/v1/enforcement-cases/<string:identifier>"): Rule("read", target="case"),
    # The bureau decides penalties, suspensions, extensions and escalation rungs (行政处罚法);
    # an inspector records findings and proposes.
    ("POST", "/api/v1/enforcement-cases/<string:identifier>/penalties"): Rule(
        "write", REVIEWERS, target="case"
    ),
    ("POST", "/api/v1/enforcement-cases/<string:identifier>/compliance"): Rule(
        "write", INSPECTORS, target="case"
    ),
    ("POST", "/api/v1/enforcement-cases/<string:identifier>/daily-fines"): Rule(
        "write", REVIEWERS, target="case"
    ),
    ("POST", "/api/v1/enforcement-cases/<string:identifier>/closure"): Rule(
        "write", REVIEWERS, target="case"
    ),
    ("GET", "/api/v1/inspection-plans"): Rule("list", (*INSPECTORS, "auditor")),
    ("POST", "/api/v1/inspection-plans"): Rule("query", REVIEWERS),
    ("GET", "/api/v1/accidents"): Rule("list"),
    ("POST", "/api/v1/accidents"): Rule("create", INSPECTORS),
    ("GET", "/api/v1/accidents/<string:identifier>"): Rule("read", target="accident"),
    ("POST", "/api/v1/accidents/<string:identifier>/supplements"): Rule(
        "write", INSPECTORS, target="accident"
    ),
    ("POST", "/api/v1/accidents/<string:identifier>/level-reports"): Rule(
        "write", INSPECTORS, target="accident"
    ),
    ("GET", "/api/v1/indicators/inspection"): Rule("query", (*INSPECTORS, "auditor")),
    # Dual prevention and preparedness: the enterprise keeps its risk register, plans and drills
    # (or the bureau records them for it); only the bureau files a plan.
    ("GET", "/api/v1/risk-points"): Rule("list"),
    ("POST", "/api/v1/risk-points"): Rule("create", KEEPERS, implied_own=True),
    ("POST", "/api/v1/risk-points/import"): Rule("list", KEEPERS),
    ("GET", "/api/v1/risk-points/<string:identifier>"): Rule("read", target="risk_point"),
    ("PUT", "/api/v1/risk-points/<string:identifier>"): Rule("write", KEEPERS, target="risk_point"),
    ("GET", "/api/v1/enterprises/<string:uscc>/risk-register"): Rule("read"),
    ("POST", "/api/v1/enterprises/<string:uscc>/risk-register"): Rule("write", KEEPERS),
    ("GET", "/api/v1/emergency-plans"): Rule("list"),
    ("POST", "/api/v1/emergency-plans"): Rule("create", KEEPERS, implied_own=True),
    ("GET", "/api/v1/emergency-plans/<string:identifier>"): Rule("read", target="emergency_plan"),
    ("POST", "/api/v1/emergency-plans/<string:identifier>/steps"): Rule(
        "write", KEEPERS, target="emergency_plan"
    ),
    ("POST", "/api/v1/emergency-plans/<string:identifier>/filing"): Rule(
        "write", INSPECTORS, target="emergency_plan"
    ),
    ("GET", "/api/v1/drills"): Rule("list"),
    ("POST", "/api/v1/drills"): Rule("create", KEEPERS, implied_own=True),
    ("GET", "/api/v1/drills/<string:identifier>"): Rule("read", target="drill"),
    (
        "POST",
        "/api/v1/drills/<string:identifier>/follow-ups/<string:follow_up_id>/closure",
    ): Rule("write", KEEPERS, target="drill"),
    ("GET", "/api/v1/drill-reminders"): Rule("list"),
    ("GET", f"/api/v1/dead-letters/<any({', '.join(SERVICE_NAMES)}):service>"): Rule(
        "list", ("admin",)
    ),
    ("GET", "/api/v1/rules"): Rule("list"),
    # The targets name a region: one outside the jurisdiction is as unknown as any record.
    ("GET", "/api/v1/targets"): Rule("read", (*INSPECTORS, "auditor")),
    ("GET", "/api/v1/targets/report.pdf"): Rule("read", (*INSPECTORS, "auditor")),
    # A document is read where its inspection is.
    ("GET", "/api/v1/inspections/<string:identifier>/record.pdf"): Rule(
        "read", target="completed_inspection", visibility="assigned"
    ),
    ("GET", "/api/v1/inspections/<string:identifier>/rectification-order.pdf"): Rule(
        "read", target="completed_inspection", visibility="assigned"
    ),
    # An export reads its list as the caller: the list's own scope applies.
    ("GET", "/api/v1/exports/xlsx"): Rule("list"),
    # Accounts: bureaus manage those of their jurisdiction, auditors read them and their trail.
    ("GET", "/api/v1/users"): Rule("list", ACCOUNT_READERS),
    ("POST", "/api/v1/users"): Rule("create", REVIEWERS),
    ("GET", "/api/v1/users/<string:username>"): Rule("read", ACCOUNT_READERS, target="account"),
    ("POST", "/api/v1/users/<string:username>/disable"): Rule(
        "write", REVIEWERS, target="account", hides_writes=True
    ),
    ("POST", "/api/v1/users/<string:username>/enable"): Rule(
        "write", REVIEWERS, target="account", hides_writes=True
    ),
    ("POST", "/api/v1/users/<string:username>/password"): Rule(
        "write", REVIEWERS, target="account", hides_writes=True
    ),
    ("GET", "/api/v1/me"): Rule("list"),
    ("POST", "/api/v1/me/password"): Rule("own"),
    ("GET", "/api/v1/account-audit"): Rule("query", ACCOUNT_READERS),
    # Training: people's records are kept by their enterprise and the bureaus above it; agencies
    # have no access; only bureaus revoke; the full ID number is for employers and admins.
    ("GET", "/api/v1/persons"): Rule("list", TRAINING_READERS),
    ("POST", "/api/v1/persons"): Rule("create", KEEPERS),
    ("GET", "/api/v1/persons/<string:identifier>"): Rule("read", TRAINING_READERS, target="person"),
    ("PATCH", "/api/v1/persons/<string:identifier>"): Rule("write", KEEPERS, target="person"),
    ("POST", "/api/v1/persons/<string:identifier>/positions"): Rule(
        "write", KEEPERS, target="person"
    ),
    ("POST", "/api/v1/persons/<string:identifier>/absences"): Rule(
        "write", KEEPERS, target="person"
    ),
    ("GET", "/api/v1/persons/<string:identifier>/training"): Rule(
        "read", TRAINING_READERS, target="person"
    ),
    ("GET", "/api/v1/persons/<string:identifier>/id-number"): Rule(
        "read", ("admin", "enterprise"), target="person"
    ),
    ("GET", "/api/v1/certificates"): Rule("list", TRAINING_READERS),
    ("POST", "/api/v1/certificates"): Rule("create", KEEPERS),
    ("GET", "/api/v1/certificates/<string:identifier>"): Rule(
        "read", TRAINING_READERS, target="certificate"
    ),
    ("POST", "/api/v1/certificates/<string:identifier>/review"): Rule(
        "write", KEEPERS, target="certificate"
    ),
    ("POST", "/api/v1/certificates/<string:identifier>/revoke"): Rule(
        "write", REVIEWERS, target="certificate"
    ),
    ("GET", "/api/v1/training-sessions"): Rule("list", TRAINING_READERS),
    ("POST", "/api/v1/training-sessions"): Rule("create", KEEPERS),
    ("GET", "/api/v1/training-sessions/<string:identifier>"): Rule(
        "read", TRAINING_READERS, target="session"
    ),
    ("POST", "/api/v1/training-sessions/<string:identifier>/results"): Rule(
        "write", KEEPERS, target="session"
    ),
    ("GET", "/api/v1/training/hours/<string:uscc>"): Rule("read", TRAINING_READERS),
    ("POST", "/api/v1/training/import"): Rule("list", KEEPERS),
    ("GET", "/api/v1/training/export"): Rule("list", TRAINING_READERS),
    ("GET", "/api/v1/reminders"): Rule("list", TRAINING_READERS),
    ("GET", "/api/v1/indicators/training"): Rule("query", (*INSPECTORS, "auditor")),
    # Construction projects: kept by their enterprise and its bureau; the bureau reviews designs,
    # draws spot-check samples and spot-checks. Standardization grades are the bureau's record;
    # the enterprise files its own reports and applications.
    ("GET", "/api/v1/projects"): Rule("list"),
    ("POST", "/api/v1/projects"): Rule("create", KEEPERS),
    ("POST", "/api/v1/projects/import"): Rule("list", INSPECTORS),
    ("GET", "/api/v1/projects/<string:identifier>"): Rule("read", target="project"),
    ("POST", "/api/v1/projects/<string:identifier>/stages"): Rule(
        "write", KEEPERS, target="project"
    ),
    ("POST", "/api/v1/projects/<string:identifier>/spot-checks"): Rule(
        "write", INSPECTORS, target="project"
    ),
    ("GET", "/api/v1/project-spot-check-plans"): Rule("list", (*INSPECTORS, "auditor")),
    ("POST", "/api/v1/project-spot-check-plans"): Rule("query", REVIEWERS),
    ("GET", "/api/v1/indicators/projects"): Rule("query", (*INSPECTORS, "auditor")),
    ("GET", "/api/v1/indicators/standardization"): Rule("query", (*INSPECTORS, "auditor")),
    ("GET", "/api/v1/enterprises/<string:uscc>/standardization"): Rule("read"),
    ("GET", "/api/v1/enterprises/<string:uscc>/standardization/history"): Rule("read"),
    ("POST", "/api/v1/enterprises/<string:uscc>/standardization"): Rule("write", INSPECTORS),
    ("POST", "/api/v1/enterprises/<string:uscc>/standardization/self-assessments"): Rule(
        "write", KEEPERS
    ),
    ("POST", "/api/v1/enterprises/<string:uscc>/standardization/reassessment"): Rule(
        "write", KEEPERS
    ),
    ("GET", "/api/v1/confined-spaces"): Rule("list", PERMIT_READERS),
    ("POST", "/api/v1/confined-spaces"): Rule("create", KEEPERS),
    ("GET", "/api/v1/confined-spaces/<string:identifier>"): Rule(
        "read", PERMIT_READERS, target="space"
    ),
    ("PATCH", "/api/v1/confined-spaces/<string:identifier>"): Rule(
        "write", KEEPERS, target="space"
    ),
    ("POST", "/api/v1/confined-spaces/<string:identifier>/signage"): Rule(
        "write", KEEPERS, target="space"
    ),
    ("GET", "/api/v1/confined-spaces/<string:identifier>/qr.svg"): Rule(
        "read", PERMIT_READERS, target="space"
    ),
    ("GET", "/api/v1/confined-spaces/<string:identifier>/qr.png"): Rule(
        "read", PERMIT_READERS, target="space"
    ),
    ("GET", "/api/v1/confined-spaces/labels.pdf"): Rule("read", PERMIT_READERS),
    ("GET", "/api/v1/confined-space-staff"): Rule("list", PERMIT_READERS),
    ("GET", "/api/v1/permits"): Rule("list", PERMIT_READERS),
    ("POST", "/api/v1/permits"): Rule("create", KEEPERS),
    ("GET", "/api/v1/permits/<string:identifier>"): Rule("read", PERMIT_READERS, target="permit"),
    ("POST", "/api/v1/permits/<string:identifier>/submit"): Rule("write", KEEPERS, target="permit"),
    ("POST", "/api/v1/permits/<string:identifier>/approve"): Rule(
        "write", KEEPERS, target="submitted_permit"
    ),
    ("POST", "/api/v1/permits/<string:identifier>/gas-tests"): Rule(
        "write", KEEPERS, target="approved_permit"
    ),
    ("POST", "/api/v1/permits/<string:identifier>/steps"): Rule(
        "write", KEEPERS, target="approved_permit"
    ),
    ("POST", "/api/v1/permits/<string:identifier>/interrupt"): Rule(
        "write", KEEPERS, target="working_permit"
    ),
    ("POST", "/api/v1/permits/<string:identifier>/finish"): Rule(
        "write", KEEPERS, target="finishing_permit"
    ),
    ("POST", "/api/v1/permits/<string:identifier>/cancel"): Rule(
        "write", KEEPERS, target="cancelled_permit"
    ),
    ("POST", "/api/v1/permits/scan"): Rule("create", KEEPERS),
    ("GET", "/api/v1/permit-scans"): Rule("list", PERMIT_READERS),
    ("GET", "/api/v1/indicators/permits"): Rule("query", (*INSPECTORS, "auditor")),
    # Monitoring: an enterprise (or a bureau for it) sets up devices and points; bureaus read
    # their jurisdiction's, auditors read, agencies have no part; only the enterprise answers its
    # alarms.
    ("GET", "/api/v1/monitoring/devices"): Rule("list", MONITORING_READERS),
    ("POST", "/api/v1/monitoring/devices"): Rule("create", KEEPERS),
    ("GET", "/api/v1/monitoring/devices/<string:identifier>"): Rule(
        "read", MONITORING_READERS, target="device"
    ),
    ("POST", "/api/v1/monitoring/devices/<string:identifier>/credentials"): Rule(
        "write", KEEPERS, target="device"
    ),
    ("GET", "/api/v1/monitoring/points"): Rule("list", MONITORING_READERS),
    ("POST", "/api/v1/monitoring/points"): Rule("create", KEEPERS),
    ("GET", "/api/v1/monitoring/points/<string:identifier>"): Rule(
        "read", MONITORING_READERS, target="point"
    ),
    ("GET", "/api/v1/monitoring/points/<string:identifier>/readings"): Rule(
        "read", MONITORING_READERS, target="point"
    ),
    ("GET", "/api/v1/monitoring/alarms"): Rule("list", MONITORING_READERS),
    ("GET", "/api/v1/monitoring/alarms/<string:identifier>"): Rule(
        "read", MONITORING_READERS, target="alarm"
    ),
    ("POST", "/api/v1/monitoring/alarms/<string:identifier>/acknowledge"): Rule(
        "write", ("enterprise",), target="alarm"
    ),
    ("POST", "/api/v1/monitoring/alarms/<string:identifier>/handling"): Rule(
        "write", ("enterprise",), target="alarm"
    ),
    ("GET", "/api/v1/indicators/monitoring"): Rule("query", (*INSPECTORS, "auditor")),
    ("GET", "/api/v1/credit/cases"): Rule("list", CREDIT_READERS),
    ("POST", "/api/v1/credit/cases"): Rule("create", REVIEWERS),
    ("GET", "/api/v1/credit/cases/<string:identifier>"): Rule(
        "read", CREDIT_READERS, target="credit_case"
    ),
    # The deciding authority (or a bureau above it) moves a case; the party itself may make
    # representations and apply for credit repair.
    ("POST", "/api/v1/credit/cases/<string:identifier>/notice"): Rule(
        "write", REVIEWERS, target="credit_case"
    ),
    ("POST", "/api/v1/credit/cases/<string:identifier>/representation"): Rule(
        "write", ("enterprise", *REVIEWERS), target="credit_case"
    ),
    ("POST", "/api/v1/credit/cases/<string:identifier>/decision"): Rule(
        "write", REVIEWERS, target="credit_case"
    ),
    ("POST", "/api/v1/credit/cases/<string:identifier>/publication"): Rule(
        "write", REVIEWERS, target="credit_case"
    ),
    ("POST", "/api/v1/credit/cases/<string:identifier>/repair"): Rule(
        "write", ("enterprise", *REVIEWERS), target="credit_case"
    ),
    ("POST", "/api/v1/credit/cases/<string:identifier>/restore"): Rule(
        "write", REVIEWERS, target="credit_case"
    ),
    ("POST", "/api/v1/credit/public-events/replay"): Rule("list", ("admin",)),
    ("GET", "/api/v1/indicators/credit"): Rule("query", (*INSPECTORS, "auditor")),
    ("GET", "/api/v1/public/untrustworthy"): Rule("public"),
    ("POST", "/api/v1/evidence"): Rule("create", ("enterprise", "agency", *INSPECTORS)),
    ("POST", "/api/v1/evidence/file"): Rule("create", ("enterprise", "agency", *INSPECTORS)),
    ("GET", "/api/v1/evidence"): Rule("read", target="general_hazard", visibility="assigned"),
    ("POST", "/api/v1/evidence/uploads"): Rule("create", ("enterprise", "agency", *INSPECTORS)),
    ("GET", "/api/v1/evidence/uploads/<string:identifier>"): Rule(
        "read", target="upload", visibility="uploader"
    ),
    ("POST", "/api/v1/evidence/uploads/<string:identifier>/confirmation"): Rule(
        "write", target="sent_upload", visibility="uploader"
    ),
    ("GET", "/api/v1/evidence/<string:identifier>"): Rule("read", target="evidence"),
    ("POST", "/api/v1/evidence/<string:identifier>/verification"): Rule(
        "write", INSPECTORS, target="evidence"
    ),
}


ROUTES = api_routes()


def test_every_route_has_a_policy_row_and_every_row_a_route():
    assert sorted(set(ROUTES) - set(POLICY)) == [], "routes without a policy row"
    assert sorted(set(POLICY) - set(ROUTES)) == [], "policy rows for routes that do not exist"


def sees(rule, role, scope, relation):
    if rule.visibility == "uploader":
        return role == "enterprise" and relation == "own"
    if role == "enterprise":
        return relation == "own" or rule.implied_own
    if role == "agency" and rule.visibility == "assigned":
        return relation == "own"
    return regions.within(scope, RELATIONS[relation])


def expected(rule, role, scope, relation):
    """The statuses a cell may answer, from the policy row alone."""
    if rule.kind == "public":
        return {200}
    if rule.kind == "own":
        return {422}
    if role not in rule.roles:
        return {403}
    if rule.kind == "list":
        return {200}
    if not sees(rule, role, scope, relation):
        return {404} if rule.kind == "read" or rule.hides_writes else {403}
    return {200} if rule.kind == "read" else ALLOWED_WRITE


# --- the worlds the cells act on --------------------------------------------------------------


def today(offset=0):
    return (Clock().today() + timedelta(days=offset)).isoformat()


@dataclass
class World:
    relation: str
    region: str
    uscc: str
    spare: str
    company: object
    company_user: str
    records: dict


def _ok(reply, status=(200, 201)):
    assert reply.status_code in status, reply.text
    return reply.json()


def _inspected(recorder, uscc, mode):
    """An open inspection, and a completed one that found a general and a major hazard."""
    opened = [
        _ok(
            recorder.post(
                "/api/v1/inspections",
                json={
                    "uscc": uscc,
                    "mode": mode,
                    "place": "车间",
                    "content": "安全检查",
                    "inspectors": [SECOND_OFFICER],
                },
            )
        )
        for _ in range(2)
    ]
    open_visit, done_visit = opened
    path = f"/api/v1/inspections/{done_visit['id']}"
    _ok(recorder.post(path + "/findings", json={"description": "积尘", "deadline": today(30)}))
    _ok(
        recorder.post(
            path + "/findings",
            json={
                "description": "除尘系统失效",
                "raise_to_major": True,
                "raise_reason": "可能引发粉尘爆炸",
            },
        )
    )
    done = _ok(
        recorder.post(path + "/complete", json={"handling": "责令整改", "signature": "王伟"})
    )
    grades = {finding["grade"]: finding["hazard_id"] for finding in done["findings"]}
    return {
        "inspection": open_visit["id"],
        "completed_inspection": done["id"],
        "general_hazard": grades["general"],
        "major_hazard": grades["major"],
    }


def _world(relation, sign_in, users):
    admin = sign_in("admin")
    region = RELATIONS[relation]
    bodies = [enterprise(region_code=region) for _ in range(2)]
    for body in bodies:
        _ok(admin.post("/api/v1/enterprises", json=body))
    uscc, spare = bodies[0]["uscc"], bodies[1]["uscc"]
    company_user = uscc
    users.create(company_user, COMPANY_PASSWORD, "enterprise", region, uscc)
    company = sign_in(company_user, COMPANY_PASSWORD)
    wait_until_inspection_knows(admin, uscc)
    if relation == "own":
        _ok(
            sign_in("minle").post(
                "/api/v1/agency-assignments", json={"agency": ACCOUNTS["agency"], "uscc": uscc}
            )
        )
        records = _inspected(sign_in(ACCOUNTS["agency"]), uscc, "third_party")
    else:
        records = _inspected(admin, uscc, "routine")
    records["evidence"] = _ok(
        company.post(
            "/api/v1/evidence", files={"file": ("fix.png", io.BytesIO(png()), "image/png")}
        )
    )["id"]
    records["upload"] = _ok(company.post(UPLOADS, json=declaration(File(png()), "image/png")))["id"]
    sent = open_upload(company, File(png(1)), "image/png")
    send_parts(sent, File(png(1)))
    records["sent_upload"] = sent["id"]
    case = _ok(
        admin.post(
            "/api/v1/enforcement-cases",
            json={"uscc": uscc, "parties": [{"kind": "unit", "name": "测试公司"}]},
        )
    )
    records["case"] = case["id"]
    records["party"] = case["parties"][0]["party_id"]
    records["accident"] = _ok(admin.post("/api/v1/accidents", json=accident_body(uscc)))["id"]
    records.update(_training_records(admin, uscc))
    records["account"] = f"matrix-{relation}-{secrets.token_hex(3)}".replace("_", "-")
    users.create(records["account"], PASSWORD, "inspector", region)
    records["credit_case"] = _credit_case(admin, uscc, region)
    records.update(_permit_records(admin, company, uscc))
    records["project"] = _accepted_project(admin, uscc)
    records.update(_preparedness_records(admin, uscc))
    records.update(_monitoring_records(company))
    return World(relation, region, uscc, spare, company, company_user, records)


def _training_records(admin, uscc):
    """A welder of the enterprise, his certificate and a session he attended."""
    wait_until_training_knows(admin, uscc)
    person = _ok(admin.post("/api/v1/persons", json=staff_member(uscc=uscc)))["id"]
    certificate = _ok(admin.post("/api/v1/certificates", json=certificate_body(person)))["id"]
    session = _ok(admin.post("/api/v1/training-sessions", json=session_body([person], uscc=uscc)))[
        "id"
    ]
    return {"person": person, "certificate": certificate, "session": session}


def _credit_case(admin, uscc, region):
    """A case opened by hand about the world's enterprise, decided in its county."""
    body = {
        "uscc": uscc,
        "rule": "other_by_law",
        "legal_basis": "应急管理部令第11号第五条",
        "records": [f"matrix-{uscc}"],
        "authority": region,
    }
    return opened_by_hand(admin, body)["id"]


def _permit_records(admin, company, uscc):
    """A trained crew, a space, and permits in each state a route acts on: a draft, a submitted
    one, an approved and ventilated one, two under way (each in a space of its own)."""
    wait_until_permits_knows(admin, uscc)
    crew = confined_space_crew(company, uscc, *SMALLEST_CREW)
    space = _ok(company.post("/api/v1/confined-spaces", json=space_body()))
    principal, guardian, entrant, rescuer = crew
    body = permit_body(space["id"], principal, guardian, [entrant], [rescuer])
    records = {"space": space["id"], "crew": crew, "token": space["scan_url"].split("=")[1]}
    for name, actions in (
        ("permit", ()),
        ("cancelled_permit", ()),
        ("submitted_permit", ("submit",)),
        ("approved_permit", ("submit", "approve", "steps")),
    ):
        path = f"/api/v1/permits/{_ok(company.post('/api/v1/permits', json=body))['id']}"
        for action in actions:
            _ok(
                company.post(
                    f"{path}/{action}", json={"step": "ventilation"} if action == "steps" else {}
                )
            )
        records[name] = path.rsplit("/", 1)[1]
    for name in ("working_permit", "finishing_permit"):
        path, scan = ready_permit(company, *crew)
        assert _ok(company.post("/api/v1/permits/scan", json=scan))["work_started"]
        records[name] = path.rsplit("/", 1)[1]
    return records


def project_body(uscc):
    return {"uscc": uscc, "name": "包装车间扩建项目", "kind": "extension", "metal_smelting": False}


def _accepted_project(admin, uscc):
    """A project accepted today, so the county has a population to draw a spot-check sample
    from."""
    project = _ok(admin.post("/api/v1/projects", json=project_body(uscc)))["id"]
    for stage, offset in (("safety_analysis", -10), ("construction", -5), ("acceptance", 0)):
        _ok(
            admin.post(
                f"/api/v1/projects/{project}/stages", json={"stage": stage, "on": today(offset)}
            )
        )
    return project


def _preparedness_records(admin, uscc):
    """A red risk point, a drafted plan and a drill with a follow-up of the enterprise."""
    recorded = _ok(admin.post("/api/v1/drills", json=drill(uscc=uscc)))
    return {
        "risk_point": _ok(admin.post("/api/v1/risk-points", json=risk_point(uscc=uscc)))["id"],
        "emergency_plan": _ok(
            admin.post("/api/v1/emergency-plans", json=emergency_plan(uscc=uscc))
        )["id"],
        "drill": recorded["id"],
        "follow_up": recorded["follow_ups"][0]["follow_up_id"],
    }


def _monitoring_records(company):
    """A device of the enterprise, a point on it alarming at once (no hold time) and its alarm."""
    device, point = registered_device(company, hold_seconds=0)
    beyond = point["thresholds"]["high_high"] + 100
    assert publish(device, [reading(point, beyond, Clock().now())])
    (alarm,) = wait_until(lambda: alarms_of(company, point), message="the matrix's alarm")
    return {"device": device["device"]["id"], "point": point["id"], "alarm": alarm["id"]}


def accident_body(uscc):
    return {
        "uscc": uscc,
        "occurred_at": (Clock().now() - timedelta(hours=2)).isoformat(),
        "place": "冲压车间",
        "accident_type": "machinery",
        "deaths": 0,
        "serious_injuries": 1,
        "direct_loss_yuan": 1000,
    }


@pytest.fixture(scope="module")
def worlds(sign_in, users):
    users.create(ACCOUNTS["agency"], PASSWORD, "agency", "620722")
    return {relation: _world(relation, sign_in, users) for relation in RELATIONS}


# --- one request per cell -----------------------------------------------------------------------


def _path(rule_path, world, rule):
    values = {
        "uscc": world.spare if rule.target == "spare" else world.uscc,
        "identifier": world.records.get(rule.target),
        "username": world.records.get("account"),
        "follow_up_id": world.records.get("follow_up"),
        "year": Clock().today().year,
        "service": "inspection",
    }
    # A variable is written <converter(arguments):name>; its name is the last word.
    return re.sub(r"<[^>]*?(\w+)>", lambda match: str(values[match.group(1)]), rule_path)


def _request(method, rule_path, world, role, account):
    """The request a caller in `role` would send to this route about `world`."""
    uscc = world.uscc
    bodies = {
        "/api/v1/users": {
            "json": {
                "username": f"matrix-new-{secrets.token_hex(4)}",
                "role": "inspector",
                "region_scope": world.region,
                "password": PASSWORD,
            }
        },
        "/api/v1/users/<string:username>/disable": {"json": {"reason": "矩阵测试"}},
        "/api/v1/users/<string:username>/enable": {"json": {"reason": "矩阵测试"}},
        "/api/v1/users/<string:username>/password": {
            "json": {"password": f"Matrix-{secrets.token_hex(4)}"}
        },
        "/api/v1/me/password": {
            "json": {"old_password": "Not-the-password-1", "new_password": "Matrix-new-pass-1"}
        },
        "/api/v1/account-audit": {"params": {"region": world.region}},
        "/api/v1/auth/token": {
            "json": {
                "username": account,
                "password": (COMPANY_PASSWORD if role == "enterprise" else PASSWORD),
            }
        },
        "/api/v1/enterprises": {"json": enterprise(region_code=world.region)},
        "/api/v1/enterprises/<string:uscc>": {"json": {"address": "工业园区9号"}},
        "/api/v1/enterprises/<string:uscc>/status": {
            "json": {"status": "suspended", "reason": "停产检修"}
        },
        "/api/v1/enterprises/import": {
            "files": {
                "file": (
                    "企业.csv",
                    (
                        "uscc,name,region_code,address,industry,principal_name,principal_phone\n"
                        f"{new_uscc(world.region)},导入测试有限公司,{world.region},工业园区,machinery,"
                        "王伟,13800000000\n"
                    ).encode(),
                )
            }
        },
        "/api/v1/inspections": {
            "json": {
                "uscc": uscc,
                "place": "车间",
                "content": "检查",
                "mode": "third_party" if role == "agency" else "routine",
                "inspectors": [SECOND_OFFICER],
            }
        },
        "/api/v1/agency-assignments": {"json": {"agency": "agency-elsewhere", "uscc": uscc}},
        "/api/v1/campaigns": {
            "json": {
                "title": "粉尘涉爆企业专项整治",
                "theme": "dust_explosion",
                "starts_on": today(),
                "ends_on": today(30),
                "focus_items": ["GEN-DUTY-01"],
            }
        }
        if method == "POST"
        else {},
        "/api/v1/inspections/<string:identifier>/findings": {
            "json": {"description": "通道堵塞", "deadline": today(20)}
        },
        "/api/v1/inspections/<string:identifier>/complete": {
            "json": {"handling": "责令整改", "signature": "王伟"}
        },
        "/api/v1/self-inspections": {
            "json": {
                "uscc": uscc,
                "performed_on": today(),
                "led_by_principal": True,
                "content": "月度检查",
            }
        },
        "/api/v1/hazards/<string:identifier>/rectification": {
            "json": {"evidence": [world.records["evidence"]], "note": "已清理"}
        },
        "/api/v1/hazards/<string:identifier>/verification": {
            "json": {"decision": "reject", "reason": "整改不到位"}
        },
        "/api/v1/hazards/<string:identifier>/plan": {
            "json": {
                "targets": "消除隐患",
                "measures": "更换设备",
                "funds_yuan": 50000,
                "people": "设备科",
                "deadline": today(60),
                "safety_measures": "停用",
                "emergency_measures": "预案",
            }
        },
        "/api/v1/hazards/<string:identifier>/actions": {"json": {"action": "start_rectification"}},
        "/api/v1/hazards/<string:identifier>/suspension/lift": {"json": {"reason": "复查合格"}},
        "/api/v1/hazards/<string:identifier>/escalation": {
            "json": {"kind": "supervision_order", "approve": True, "reason": "逾期未整改"}
        },
        "/api/v1/hazards/<string:identifier>/extension": {
            "json": (
                {"deadline": today(90), "reason": "设备到货延迟"}
                if method == "POST"
                else {"approve": True, "reason": "理由充分"}
            )
        },
        "/api/v1/enforcement-cases": {
            "json": {"uscc": uscc, "parties": [{"kind": "unit", "name": "测试公司"}]}
        },
        "/api/v1/enforcement-cases/<string:identifier>/penalties": {
            "json": {
                "lines": [
                    {
                        "party_id": world.records["party"],
                        "legal_basis": "安全生产法第一百零二条",
                        "article": "safety_law.art102",
                        "amount_yuan": 20000,
                        "decision_number": "民应急罚〔2026〕1号",
                        "decided_on": today(),
                        "order_to_correct": True,
                    }
                ]
            }
        },
        "/api/v1/enforcement-cases/<string:identifier>/compliance": {
            "json": {"party_id": world.records["party"], "status": "refused", "on": today()}
        },
        "/api/v1/enforcement-cases/<string:identifier>/daily-fines": {
            "json": {"party_id": world.records["party"], "impose": False, "reason": "暂不按日处罚"}
        },
        "/api/v1/enforcement-cases/<string:identifier>/closure": {
            "json": {"decision_number": "民应急关〔2026〕1号", "reason": "拒不执行停产整顿决定"}
        },
        "/api/v1/inspection-plans": {
            "json": {"region": world.region, "year": 2026, "sample_size": 1, "seed": 7}
        }
        if method == "POST"
        else {},
        "/api/v1/accidents": {"json": accident_body(uscc)} if method == "POST" else {},
        "/api/v1/accidents/<string:identifier>/supplements": {
            "json": {"serious_injuries": 2, "reason": "伤情核实"}
        },
        "/api/v1/accidents/<string:identifier>/level-reports": {
            "json": {"to": "city", "reported_at": Clock().now().isoformat()}
        },
        "/api/v1/indicators/inspection": {
            "params": {"region": world.region, "year": Clock().today().year}
        },
        "/api/v1/evidence": {
            "data": {"uscc": uscc},
            "files": {"file": ("photo.png", io.BytesIO(png()), "image/png")},
        }
        if method == "POST"
        else {"params": {"hazard_id": world.records["general_hazard"]}},
        "/api/v1/evidence/file": {"params": {"uscc": uscc}, "data": png()},
        "/api/v1/evidence/uploads": {"json": declaration(File(png(2)), "image/png", uscc=uscc)},
        "/api/v1/persons": {"json": staff_member(uscc=uscc)} if method == "POST" else {},
        "/api/v1/persons/<string:identifier>": {"json": {"phone": "13900000000"}}
        if method == "PATCH"
        else {},
        "/api/v1/persons/<string:identifier>/positions": {"json": {"position": "team_leader"}},
        # Hired today, away and back today: the person is at work for the cells after.
        "/api/v1/persons/<string:identifier>/absences": {
            "json": {"left_on": today(), "returned_on": today()}
        },
        "/api/v1/certificates": {"json": certificate_body(world.records["person"])}
        if method == "POST"
        else {},
        "/api/v1/certificates/<string:identifier>/review": {
            "json": {"reviewed_on": today(), "hours": 8, "result": "passed"}
        },
        "/api/v1/certificates/<string:identifier>/revoke": {
            "json": {"action": "suspend", "reason": "违章作业，暂扣"}
        },
        "/api/v1/training-sessions": {"json": session_body([world.records["person"]], uscc=uscc)}
        if method == "POST"
        else {},
        "/api/v1/training-sessions/<string:identifier>/results": {
            "json": {"results": [{"person_id": world.records["person"], "result": "passed"}]}
        },
        "/api/v1/training/import": {
            "files": {
                "file": (
                    "台账.csv",
                    (f"身份证号,姓名,统一社会信用代码\n{id_number()},王伟,{uscc}\n").encode(),
                )
            }
        },
        "/api/v1/projects": {"json": project_body(uscc)} if method == "POST" else {},
        "/api/v1/projects/import": {
            "files": {
                "file": (
                    "项目.csv",
                    f"统一社会信用代码,项目名称,项目类型,金属冶炼项目\n{uscc},仓库扩建项目,扩建,否\n".encode(),
                )
            }
        },
        "/api/v1/projects/<string:identifier>/stages": {
            "json": {"stage": "acceptance", "on": today()}
        },
        "/api/v1/projects/<string:identifier>/spot-checks": {
            "json": {"checked_on": today(), "conclusion": "安全设施与主体工程同时投用"}
        },
        "/api/v1/project-spot-check-plans": {
            "json": {"region": world.region, "year": Clock().today().year, "sample_size": 1}
        }
        if method == "POST"
        else {},
        "/api/v1/indicators/projects": {
            "params": {"region": world.region, "year": Clock().today().year}
        },
        "/api/v1/indicators/standardization": {
            "params": {"region": world.region, "year": Clock().today().year}
        },
        "/api/v1/enterprises/<string:uscc>/standardization": {
            "json": {"grade": 2, "graded_on": today()}
        }
        if method == "POST"
        else {},
        "/api/v1/enterprises/<string:uscc>/standardization/self-assessments": {
            "json": {"year": Clock().today().year, "submitted_on": today()}
        },
        "/api/v1/enterprises/<string:uscc>/standardization/reassessment": {
            "json": {"applied_on": today()}
        },
        "/api/v1/risk-points": {"json": risk_point(uscc=uscc)} if method == "POST" else {},
        "/api/v1/risk-points/import": {
            "files": {
                "file": (
                    "风险清单.csv",
                    (
                        "统一社会信用代码,风险点名称,类型,事故类型,评价方法,可能性,严重性,"
                        f"管控措施,责任人,管控层级\n{uscc},配电室,场所,触电,风险矩阵,2,4,"
                        "持证上岗,王伟,公司级\n"
                    ).encode(),
                )
            }
        },
        "/api/v1/risk-points/<string:identifier>": {"json": risk_point()}
        if method == "PUT"
        else {},
        "/api/v1/enterprises/<string:uscc>/risk-register": {"json": {"reviewed_on": today()}}
        if method == "POST"
        else {},
        "/api/v1/emergency-plans": {"json": emergency_plan(uscc=uscc)} if method == "POST" else {},
        "/api/v1/emergency-plans/<string:identifier>/steps": {
            "json": {"step": "review", "on": today()}
        },
        "/api/v1/emergency-plans/<string:identifier>/filing": {
            "json": {"number": "备案-2026-001", "filed_on": today()}
        },
        "/api/v1/drills": {"json": drill(uscc=uscc)} if method == "POST" else {},
        "/api/v1/drills/<string:identifier>/follow-ups/<string:follow_up_id>/closure": {
            "json": {"closed_on": today(), "evidence": [world.records["evidence"]]}
        },
        "/api/v1/indicators/training": {
            "params": {"region": world.region, "year": Clock().today().year}
        },
        "/api/v1/targets": {"params": {"region": world.region}},
        "/api/v1/targets/report.pdf": {"params": {"region": world.region}},
        "/api/v1/exports/xlsx": {"params": {"path": "/api/v1/hazards"}},
        "/api/v1/credit/cases": {
            "json": {
                "uscc": uscc,
                "rule": "other_by_law",
                "legal_basis": "应急管理部令第11号第五条",
                "records": [f"{role}-{account}"],
                "authority": world.region,
            }
        }
        if method == "POST"
        else {},
        "/api/v1/credit/cases/<string:identifier>/notice": {"json": {"reasons": "严重失信"}},
        "/api/v1/credit/cases/<string:identifier>/representation": {"json": {"text": "申辩"}},
        "/api/v1/credit/cases/<string:identifier>/decision": {
            "json": {
                "outcome": "dismiss",
                "decision_number": "民应急信〔2026〕1号",
                "reasons": "不予列入",
            }
        },
        "/api/v1/credit/cases/<string:identifier>/publication": {"json": {"measures": []}},
        "/api/v1/credit/cases/<string:identifier>/repair": {
            "json": {"step": "apply", "reasons": "已整改"}
        },
        "/api/v1/credit/cases/<string:identifier>/restore": {
            "json": {"decision_number": "民应急信〔2026〕2号", "reasons": "虚假材料"}
        },
        "/api/v1/credit/public-events/replay": {
            "json": {"since": Clock().now().isoformat(), "until": Clock().now().isoformat()}
        },
        "/api/v1/indicators/credit": {
            "params": {"region": world.region, "year": Clock().today().year}
        },
        "/api/v1/public/untrustworthy": {"params": {"q": "测试"}},
        "/api/v1/confined-spaces": {"json": space_body(uscc=uscc)} if method == "POST" else {},
        "/api/v1/confined-spaces/<string:identifier>": {"json": {"location": "厂区西侧"}}
        if method == "PATCH"
        else {},
        "/api/v1/confined-spaces/<string:identifier>/signage": {
            "json": {"photo": world.records["evidence"]}
        },
        "/api/v1/confined-spaces/labels.pdf": {"params": {"uscc": uscc}},
        "/api/v1/permits": {
            "json": permit_body(
                world.records["space"],
                world.records["crew"][0],
                world.records["crew"][1],
                [world.records["crew"][2]],
                [world.records["crew"][3]],
            )
        }
        if method == "POST"
        else {},
        "/api/v1/permits/<string:identifier>/submit": {"json": {}},
        "/api/v1/permits/<string:identifier>/approve": {"json": {}},
        "/api/v1/permits/<string:identifier>/gas-tests": {"json": gas_readings()},
        "/api/v1/permits/<string:identifier>/steps": {"json": {"step": "ventilation"}},
        "/api/v1/permits/<string:identifier>/interrupt": {"json": {"reason": "检查中断"}},
        "/api/v1/permits/<string:identifier>/finish": {"json": {}},
        "/api/v1/permits/<string:identifier>/cancel": {"json": {"reason": "改期"}},
        "/api/v1/permits/scan": {
            "json": {
                "token": world.records["token"],
                "guardian": world.records["crew"][1],
                "entrants": [world.records["crew"][2]],
                "device_time": Clock().now().isoformat(),
            }
        },
        "/api/v1/indicators/permits": {
            "params": {"region": world.region, "year": Clock().today().year}
        },
        "/api/v1/monitoring/devices": {"json": {"uscc": uscc, "name": "矩阵网关"}}
        if method == "POST"
        else {},
        "/api/v1/monitoring/devices/<string:identifier>/credentials": {"json": {"reason": "轮换"}},
        "/api/v1/monitoring/points": {
            "json": {
                "device_id": world.records["device"],
                "name": "矩阵压差",
                "kind": "dust_removal_pressure_differential",
            }
        }
        if method == "POST"
        else {},
        "/api/v1/monitoring/points/<string:identifier>/readings": {
            "params": {
                "from": (Clock().now() - timedelta(hours=1)).isoformat(),
                "to": Clock().now().isoformat(),
            }
        },
        "/api/v1/monitoring/alarms/<string:identifier>/acknowledge": {"json": {"note": "收到"}},
        "/api/v1/monitoring/alarms/<string:identifier>/handling": {
            "json": {"cause": "滤袋堵塞", "measures": "更换滤袋"}
        },
        "/api/v1/indicators/monitoring": {
            "params": {"region": world.region, "year": Clock().today().year}
        },
    }
    return bodies.get(rule_path, {})


CELLS = [
    (method, path, role, relation)
    for method, path in ROUTES
    for role in ALL_ROLES
    for relation in RELATIONS
]


@pytest.mark.parametrize(
    "method,path,role,relation", CELLS, ids=[f"{m} {p} {r} {rel}" for m, p, r, rel in CELLS]
)
def test_cell(worlds, sign_in, users, anonymous, method, path, role, relation):
    rule = POLICY.get((method, path))
    assert rule is not None, f"{method} {path} has no row in POLICY"
    world = worlds[relation]
    if role == "enterprise":
        account, api = worlds["own"].company_user, worlds["own"].company
        scope = worlds["own"].region
    else:
        account, api = ACCOUNTS[role], sign_in(ACCOUNTS[role])
        scope = api.get("/api/v1/me").json()["region_scope"]
    if rule.kind == "public":
        api = anonymous
    reply = getattr(api, method.lower())(
        _path(path, world, rule), **_request(method, path, world, role, account)
    )
    allowed = expected(rule, role, scope, relation)
    assert reply.status_code in allowed, (
        f"{role} ({account}) → {method} {path} on the {relation} target: expected "
        f"{sorted(allowed)}, got {reply.status_code}: {reply.text[:300]}"
    )
