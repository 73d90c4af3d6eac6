"""Accidents, annual plans, self-inspections and Art. 112 fines through the gateway."""

from datetime import datetime, timedelta, timezone

import pytest

from services.kit.pure.clock import Clock
from tests.support.api import known_enterprise, wait_until_inspection_knows
from tests.support.factories import enterprise
from tests.support.waiting import wait_until

TODAY = Clock().today()  # the service's calendar day (China)
YEAR = TODAY.year


@pytest.fixture(scope="module", name="known_enterprise")
def minle_enterprise(sign_in):
    return known_enterprise(sign_in("minle"), region_code="620722")


def case_against(api, enterprise):
    """An enforcement case with the enterprise as its one party."""
    reply = api.post(
        "/api/v1/enforcement-cases",
        json={
            "uscc": enterprise["uscc"],
            "parties": [{"kind": "unit", "name": enterprise["name"]}],
        },
    )
    assert reply.status_code == 201, reply.text
    return reply.json()


def indicators(api, region):
    return api.get("/api/v1/indicators/inspection", params={"region": region, "year": YEAR}).json()


def test_accident_grade_follows_supplements_and_the_four_indicators(sign_in, known_enterprise):
    minle = sign_in("minle")
    before = indicators(minle, "620722")["accidents"]
    occurred = (datetime.now(timezone.utc) - timedelta(hours=2)).isoformat()
    reply = minle.post(
        "/api/v1/accidents",
        json={
            "uscc": known_enterprise["uscc"],
            "occurred_at": occurred,
            "place": "粉碎车间",
            "accident_type": "machinery",
            "deaths": 1,
            "missing": 0,
            "serious_injuries": 2,
            "minor_injuries": 1,
            "direct_loss_yuan": 800000,
        },
    )
    assert reply.status_code == 201, reply.text
    accident = reply.json()
    assert accident["grade"] == "general"
    supplemented = minle.post(
        f"/api/v1/accidents/{accident['id']}/supplements",
        json={"deaths": 3, "reason": "两名重伤人员经抢救无效死亡"},
    )
    assert supplemented.status_code == 201, supplemented.text
    assert supplemented.json()["grade"] == "larger"
    assert supplemented.json()["supplements"][0]["changes"]["deaths"] == {"from": 1, "to": 3}

    def counted():
        now = indicators(minle, "620722")["accidents"]
        return (
            now["count"]["year"] == before["count"]["year"] + 1
            and now["deaths"]["year"] == before["deaths"]["year"] + 3
            and now["injuries"]["year"] == before["injuries"]["year"] + 3
            and now["direct_loss_yuan"]["year"] == before["direct_loss_yuan"]["year"] + 800000
        )

    wait_until(counted, message="the four indicators to follow the report and its supplement")
    assert "previous_year" in indicators(minle, "620722")["accidents"]["deaths"]


def test_annual_plan_records_its_seed_and_redraws_the_same_sample(sign_in, known_enterprise):
    zhangye = sign_in("zhangye")
    for county in ("620723", "620724", "620725"):
        body = enterprise(region_code=county)
        assert zhangye.post("/api/v1/enterprises", json=body).status_code == 201
    wait_until_inspection_knows(zhangye, body["uscc"])
    first = zhangye.post(
        "/api/v1/inspection-plans", json={"region": "620700", "year": YEAR, "sample_size": 3}
    )
    assert first.status_code == 201, first.text
    plan = first.json()
    assert isinstance(plan["seed"], int) and len(plan["sample"]) == 3
    again = zhangye.post(
        "/api/v1/inspection-plans",
        json={"region": "620700", "year": YEAR, "sample_size": 3, "seed": plan["seed"]},
    ).json()
    assert again["sample"] == plan["sample"]
    assert all(p["uscc"][2:6] == "6207" for p in plan["priorities"])
    listed = zhangye.get("/api/v1/inspection-plans", params={"year": YEAR}).json()
    assert plan["id"] in [p["id"] for p in listed["items"]]
    assert (
        sign_in("inspector-minle")
        .post("/api/v1/inspection-plans", json={"region": "620722", "year": YEAR, "sample_size": 1})
        .status_code
        == 403
    )


def test_self_inspection_months(sign_in, users, known_enterprise):
    uscc = known_enterprise["uscc"]
    users.create(uscc, "company-pass-3", "enterprise", "620722", uscc)
    company = sign_in(uscc, "company-pass-3")
    reply = company.post(
        "/api/v1/self-inspections",
        json={
            "performed_on": TODAY.isoformat(),
            "led_by_principal": True,
            "leader": "王伟",
            "content": "主要负责人带队月度检查",
            "problems_found": 2,
        },
    )
    assert reply.status_code == 201, reply.text
    months = company.get(f"/api/v1/self-inspections/coverage/{uscc}/{YEAR}").json()["months"]
    assert months[TODAY.strftime("%Y-%m")] == {"reports": 1, "principal_led": True}


def test_continuous_daily_fines_follow_a_refusal(sign_in, known_enterprise):
    minle = sign_in("minle")
    case = case_against(minle, known_enterprise)
    unit = case["parties"][0]["party_id"]
    decided_on = TODAY - timedelta(days=10)
    decided = minle.post(
        f"/api/v1/enforcement-cases/{case['id']}/penalties",
        json={
            "lines": [
                {
                    "party_id": unit,
                    "legal_basis": "《安全生产法》第一百零二条",
                    "article": "safety_law.art102",
                    "amount_yuan": 10000,
                    "decision_number": "民应急罚〔2026〕88号",
                    "decided_on": decided_on.isoformat(),
                    "order_to_correct": True,
                }
            ]
        },
    ).json()
    assert decided["continuous_daily_fines"] == []
    refused = minle.post(
        f"/api/v1/enforcement-cases/{case['id']}/compliance",
        json={"party_id": unit, "status": "refused", "on": decided_on.isoformat()},
    )
    assert refused.status_code == 200, refused.text
    assert refused.json()["continuous_daily_fines"][0]["amount_yuan"] == 100000


@pytest.mark.parametrize(
    "body,field",
    [
        ({"region": "620702", "year": YEAR, "sample_size": 2}, None),
        ({"region": "620722", "year": YEAR, "sample_size": 0}, "sample_size"),
        ({"region": "620722", "year": YEAR, "sample_size": 2, "seed": -1}, "seed"),
        ({"region": {"$gt": ""}, "year": YEAR, "sample_size": 2}, "region"),
        ({"region": "620722", "year": YEAR, "sample_size": 2, "sample": ["x"]}, "sample"),
    ],
)
def test_plan_requests_that_are_refused(sign_in, body, field):
    reply = sign_in("minle").post("/api/v1/inspection-plans", json=body)
    if field is None:
        assert reply.status_code == 403, reply.text  # a neighbouring county
    else:
        assert reply.status_code == 422, reply.text
        assert field in reply.json()["errors"]


def test_compliance_that_is_refused_changes_nothing(sign_in, known_enterprise):
    minle = sign_in("minle")
    case = case_against(minle, known_enterprise)
    unit = case["parties"][0]["party_id"]
    path = f"/api/v1/enforcement-cases/{case['id']}/compliance"
    early = minle.post(path, json={"party_id": unit, "status": "refused", "on": TODAY.isoformat()})
    assert early.status_code == 409  # nothing decided yet
    minle.post(
        f"/api/v1/enforcement-cases/{case['id']}/penalties",
        json={
            "lines": [
                {
                    "party_id": unit,
                    "legal_basis": "《安全生产法》第一百零二条",
                    "article": "safety_law.art102",
                    "amount_yuan": 5000,
                    "decision_number": "民应急罚〔2026〕99号",
                    "decided_on": TODAY.isoformat(),
                    "order_to_correct": False,
                }
            ]
        },
    )
    for body, status in (
        ({"party_id": unit, "status": "refused", "on": TODAY.isoformat()}, 422),
        ({"party_id": "nobody", "status": "refused", "on": TODAY.isoformat()}, 422),
        ({"party_id": unit, "status": "maybe", "on": TODAY.isoformat()}, 422),
        (
            {"party_id": unit, "status": "refused", "on": (TODAY + timedelta(days=1)).isoformat()},
            422,
        ),
    ):
        assert minle.post(path, json=body).status_code == status, body
    assert (
        sign_in("ganzhou")
        .post(path, json={"party_id": unit, "status": "refused", "on": TODAY.isoformat()})
        .status_code
        == 403
    )
    after = minle.get(f"/api/v1/enforcement-cases/{case['id']}").json()
    assert after.get("compliance") is None and after["continuous_daily_fines"] == []


def test_a_third_party_agency_inspects_what_it_is_assigned(sign_in, known_enterprise):
    minle, agency = sign_in("minle"), sign_in("agency")
    visit = {
        "uscc": known_enterprise["uscc"],
        "mode": "third_party",
        "place": "除尘系统",
        "content": "第三方技术服务检查",
    }
    assert agency.post("/api/v1/inspections", json=visit).status_code == 403
    assert (
        sign_in("inspector-minle")
        .post(
            "/api/v1/agency-assignments",
            json={"agency": "agency", "uscc": known_enterprise["uscc"]},
        )
        .status_code
        == 403
    )
    assigned = minle.post(
        "/api/v1/agency-assignments", json={"agency": "agency", "uscc": known_enterprise["uscc"]}
    )
    assert assigned.status_code == 201, assigned.text
    opened = agency.post("/api/v1/inspections", json=visit)
    assert opened.status_code == 201, opened.text
    inspection = opened.json()
    assert (
        agency.post(
            f"/api/v1/inspections/{inspection['id']}/findings",
            json={"description": "泄爆片未定期检查", "deadline": TODAY.isoformat()},
        ).status_code
        == 201
    )
    done = agency.post(
        f"/api/v1/inspections/{inspection['id']}/complete",
        json={"handling": "建议限期整改", "signature": "王伟"},
    )
    assert done.status_code == 200, done.text
    hazards = agency.get("/api/v1/hazards").json()["items"]
    assert [h["inspection_id"] for h in hazards] == [inspection["id"]]
    assert minle.get(f"/api/v1/hazards/{hazards[0]['id']}").json()["agency"] == "agency"
