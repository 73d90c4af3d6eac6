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
from dataclasses import dataclass
from datetime import timedelta

import pytest

from services import SERVICE_NAMES
from services.kit.pure import regions
from services.kit.pure.clock import Clock
from tests.support.api import (
    COMPANY_PASSWORD,
    PASSWORD,
    wait_until_inspection_knows,
    wait_until_training_knows,
)
from tests.support.factories import (
    SECOND_OFFICER,
    certificate_body,
    drill,
    emergency_plan,
    enterprise,
    id_number,
    new_uscc,
    png,
    risk_point,
    session_body,
    staff_member,
)
from tests.support.routes import api_routes

INSPECTORS = ("admin", "regulator", "inspector")
REVIEWERS = ("admin", "regulator")
ALL_ROLES = ("admin", "regulator", "inspector", "auditor", "agency", "enterprise")
KEEPERS = ("enterprise", *INSPECTORS)
TRAINING_READERS = (*KEEPERS, "auditor")
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
    visibility: "region" (the jurisdiction; an enterprise sees its own) or "assigned" (as region,
    but an agency sees only the records of its assignment).
    implied_own: an enterprise user always acts on its own enterprise, whatever the body says.
    """

    kind: str
    roles: tuple = ALL_ROLES
    target: str = "enterprise"
    visibility: str = "region"
    implied_own: bool = False


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
    # Training: people's records are kept by their enterprise and the bureaus above it; agencies
    # have no access; only bureaus revoke; the full ID number is for employers and admins.
    ("GET", "/api/v1/persons"): Rule("list", TRAINING_READERS),
    ("POST", "/api/v1/persons"): Rule("create", KEEPERS),
    ("GET", "/api/v1/persons/<string:identifier>"): Rule("read", TRAINING_READERS, target="person"),
    ("PATCH", "/api/v1/persons/<string:identifier>"): Rule("write", KEEPERS, target="person"),
    ("POST", "/api/v1/persons/<string:identifier>/positions"): Rule(
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
    ("POST", "/api/v1/evidence"): Rule(
        "create", ("enterprise", "agency", *INSPECTORS), implied_own=True
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
    if role == "enterprise":
        return relation == "own" or rule.implied_own
    if role == "agency" and rule.visibility == "assigned":
        return relation == "own"
    return regions.within(scope, RELATIONS[relation])


def expected(rule, role, scope, relation):
    """The statuses a cell may answer, from the policy row alone."""
    if rule.kind == "public":
        return {200}
    if role not in rule.roles:
        return {403}
    if rule.kind == "list":
        return {200}
    if not sees(rule, role, scope, relation):
        return {404} if rule.kind == "read" else {403}
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
    records.update(_preparedness_records(admin, uscc))
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
        else {},
        "/api/v1/persons": {"json": staff_member(uscc=uscc)} if method == "POST" else {},
        "/api/v1/persons/<string:identifier>": {"json": {"phone": "13900000000"}}
        if method == "PATCH"
        else {},
        "/api/v1/persons/<string:identifier>/positions": {"json": {"position": "team_leader"}},
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
        scope = users.users.find_one({"_id": account})["region_scope"]
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
