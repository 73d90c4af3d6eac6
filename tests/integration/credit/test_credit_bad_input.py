"""Bad input on every credit write route: a clear problem+json answer, and nothing changes."""

import uuid
from datetime import datetime, timezone

import pytest

from services.kit.pure.envelope import make_event
from tests.support.api import assert_problem, known_enterprise, read
from tests.support.credit import LISTING, NOTICE, candidate_for, move, opened_by_hand
from tests.support.events import publish
from tests.support.factories import new_uscc


def penalty_event(site, article, authority="620722"):
    """A penalty decision as the inspection service announces it."""
    case_id = uuid.uuid4().hex
    return make_event(
        service="inspection",
        entity="penalty",
        verb="decided",
        subject=case_id,
        region_code=site["region_code"],
        now=datetime.now(timezone.utc),
        data={
            "case_id": case_id,
            "uscc": site["uscc"],
            "region_code": site["region_code"],
            "authority": authority,
            "parties": [{"party_id": "u1", "kind": "unit", "name": site["name"], "role": None}],
            "lines": [
                {
                    "party_id": "u1",
                    "legal_basis": "安全生产法第一百一十四条第二款",
                    "article": article,
                    "circumstance": None,
                    "rule": {"id": f"inspection.penalty.{article}", "version": 1},
                    "correction_ordered_on": None,
                    "amount_yuan": 4000000,
                    "decision_number": "民应急罚〔2026〕9号",
                    "decided_on": "2026-11-01",
                    "order_to_correct": False,
                    "correction_deadline": None,
                }
            ],
            "hazard_ids": [],
            "total_yuan": 4000000,
        },
    )


@pytest.fixture(scope="module")
def site(sign_in):
    return known_enterprise(sign_in("minle"))


@pytest.fixture(scope="module")
def detected(site, settings, sign_in):
    """A penalty at 2–5× delivered twice, then another enterprise's: once that one's case is
    open, both deliveries of the first have been handled."""
    minle = sign_in("minle")
    marker_site = known_enterprise(minle)
    fact = penalty_event(site, "safety_law.art114_aggravated")
    marker = penalty_event(marker_site, "safety_law.art114_aggravated")
    publish(settings.amqp_uri, "inspection.events", fact, fact, marker)
    candidate_for(minle, marker_site["uscc"])
    return candidate_for(minle, site["uscc"])


def test_the_same_penalty_event_delivered_twice_opens_one_case(detected, site, sign_in):
    cases = read(sign_in("minle"), f"/api/v1/credit/cases?uscc={site['uscc']}")["items"]
    assert len(cases) == 1
    assert detected["rule"]["case"] == "aggravated_accident_fine"
    assert detected["authority"] == "620722"


def _unchanged(api, case):
    assert read(api, f"/api/v1/credit/cases/{case['id']}")["steps"] == case["steps"]


def test_malformed_bodies_are_invalid_input_on_every_write_route(detected, sign_in):
    minle = sign_in("minle")
    path = f"/api/v1/credit/cases/{detected['id']}"
    for step, body in (
        ("notice", {}),
        ("notice", {"reasons": "x", "extra": 1}),
        ("representation", {"text": ""}),
        ("decision", {"outcome": "maybe", "decision_number": "x", "reasons": "y"}),
        ("publication", {"measures": "all"}),
        ("repair", {"step": "bribe", "reasons": "x"}),
        ("restore", {"reasons": "x"}),
    ):
        assert_problem(minle.post(f"{path}/{step}", json=body), 422, "invalid_input")
    for body in (
        {"uscc": "not-a-uscc", "rule": "other_by_law", "legal_basis": "x", "records": ["r"]},
        {"uscc": detected["uscc"], "rule": "no_such_case", "legal_basis": "x", "records": ["r"]},
        {"uscc": {"$gt": ""}, "rule": "other_by_law", "legal_basis": "x", "records": ["r"]},
        {"uscc": detected["uscc"], "rule": "other_by_law", "legal_basis": "x", "records": []},
    ):
        assert_problem(minle.post("/api/v1/credit/cases", json=body), 422, "invalid_input")
    assert_problem(
        minle.post(
            "/api/v1/credit/public-events/replay",
            json={"since": "yesterday", "until": "2026-01-01T00:00:00Z"},
        ),
        422,
        "invalid_input",
    )
    _unchanged(minle, detected)


def test_operator_objects_in_queries_are_refused(sign_in, anonymous):
    minle = sign_in("minle")
    assert_problem(
        minle.get("/api/v1/credit/cases", params={"uscc": '{"$gt": ""}'}), 422, "invalid_input"
    )
    assert_problem(
        anonymous.get("/api/v1/public/untrustworthy", params={"uscc": '{"$ne": null}'}),
        422,
        "invalid_input",
    )
    assert_problem(
        minle.get("/api/v1/indicators/credit", params={"region": "62", "year": 2026}),
        422,
        "invalid_input",
    )


def test_illegal_moves_are_conflicts_and_change_nothing(detected, sign_in):
    minle = sign_in("minle")
    case_id = detected["id"]
    for step, body in (
        ("decision", LISTING),
        ("publication", {"measures": []}),
        ("repair", {"step": "apply", "reasons": "已整改"}),
        ("restore", {"decision_number": "x", "reasons": "y"}),
        ("representation", {"text": "申辩"}),
    ):
        assert_problem(
            minle.post(f"/api/v1/credit/cases/{case_id}/{step}", json=body), 409, "conflict"
        )
    _unchanged(minle, detected)
    notified = move(minle, case_id, "notice", NOTICE)
    # Deciding before the representation deadline without a representation.
    assert_problem(
        minle.post(f"/api/v1/credit/cases/{case_id}/decision", json=LISTING), 409, "conflict"
    )
    _unchanged(minle, notified)


def test_a_bureau_that_did_not_issue_the_penalty_may_not_decide(site, settings, sign_in):
    other = known_enterprise(sign_in("minle"))
    publish(
        settings.amqp_uri,
        "inspection.events",
        penalty_event(other, "safety_law.art114_aggravated", authority="620722"),
    )
    case = candidate_for(sign_in("minle"), other["uscc"])
    # 甘州区 did not decide the penalty: it may neither notify nor decide (nor see the case).
    ganzhou = sign_in("ganzhou")
    assert_problem(
        ganzhou.post(f"/api/v1/credit/cases/{case['id']}/notice", json=NOTICE), 403, "forbidden"
    )
    _unchanged(sign_in("minle"), case)


def test_a_dismissed_case_cannot_be_published(sign_in):
    minle = sign_in("minle")
    site = known_enterprise(minle)
    body = {
        "uscc": site["uscc"],
        "rule": "other_by_law",
        "legal_basis": "应急管理部令第11号第五条",
        "records": ["民应急罚〔2026〕11号"],
    }
    opened = opened_by_hand(minle, body)
    assert_problem(minle.post("/api/v1/credit/cases", json=body), 409, "duplicate")
    move(minle, opened["id"], "notice", NOTICE)
    move(minle, opened["id"], "representation", {"text": "我方已整改"})
    dismissed = move(
        minle, opened["id"], "decision", {**LISTING, "outcome": "dismiss", "reasons": "情节轻微"}
    )
    assert dismissed["status"] == "dismissed"
    assert_problem(
        minle.post(f"/api/v1/credit/cases/{opened['id']}/publication", json={"measures": []}),
        409,
        "conflict",
    )
    _unchanged(minle, dismissed)


def test_an_enterprise_the_credit_service_does_not_know_cannot_be_listed_by_hand(sign_in):
    body = {
        "uscc": new_uscc(),
        "rule": "other_by_law",
        "legal_basis": "应急管理部令第11号第五条",
        "records": ["x"],
    }
    assert_problem(
        sign_in("minle").post("/api/v1/credit/cases", json=body), 422, "invalid_input", "uscc"
    )
