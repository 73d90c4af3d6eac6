"""The acceptance journey of the untrustworthy list, through the gateway and AMQP only: a major
accident → a candidate case for the county bureau → notice → the deadline passes → listing
decided and published → the reference platform consumer receives the listing, valid against
docs/asyncapi.yaml → the public disclosure finds it without login → repair too early is refused,
approved a year later → the removal arrives → the enterprise is no longer listed publicly."""

from datetime import datetime, timedelta, timezone

import pytest

from tests.support.api import assert_problem, known_enterprise, read
from tests.support.credit import (
    LISTING,
    NOTICE,
    candidate_for,
    move,
    opened_by_hand,
    platform_consumer,
    received,
)
from tests.support.factories import accident
from tests.support.waiting import wait_until

DAY = 86400
# The annual plan's weight of a listed unit (services/inspection/domain/planning.py).
PRIORITY_WEIGHTS = {"untrustworthy": 5}


def plan_priority(api, uscc):
    reply = api.post(
        "/api/v1/inspection-plans",
        json={"region": "620722", "year": 2026, "sample_size": 1, "seed": 7},
    )
    assert reply.status_code == 201, reply.text
    return next(row["priority"] for row in reply.json()["priorities"] if row["uscc"] == uscc)


@pytest.fixture
def credit_clock(platform):
    """Moves the credit service's clock (a restart with the offset); back to now after."""
    yield lambda days: platform.restart("credit", clock_offset_seconds=days * DAY)
    platform.restart("credit")


def test_a_major_accident_goes_from_candidate_to_published_listing_and_out_by_repair(
    sign_in, anonymous, settings, credit_clock, tmp_path
):
    minle = sign_in("minle")
    site = known_enterprise(minle)
    uscc = site["uscc"]
    with platform_consumer(settings.amqp_uri, tmp_path) as consumer:
        reply = minle.post("/api/v1/accidents", json=accident(uscc, deaths=12))
        assert reply.status_code == 201, reply.text
        assert reply.json()["grade"] == "major"

        case = candidate_for(minle, uscc)
        assert case["status"] == "candidate" and case["authority"] == "620722"
        assert case["rule"]["case"] == "especially_serious_accident"
        assert case["triggers"][0]["kind"] == "accident"

        notified = move(minle, case["id"], "notice", NOTICE)
        assert notified["notice"]["representation_deadline"] > notified["notice"]["notified_on"]
        assert_problem(
            minle.post(f"/api/v1/credit/cases/{case['id']}/decision", json=LISTING),
            409,
            "conflict",
        )

        unlisted_priority = plan_priority(minle, uscc)
        credit_clock(20)  # the representation deadline has passed
        assert move(minle, case["id"], "decision", LISTING)["status"] == "decided"
        listed = move(minle, case["id"], "publication", {"measures": ["frequent_inspection"]})
        assert listed["status"] == "published" and listed["listed"]

        event = received(
            consumer,
            lambda e: (
                e["type"] == "cn.anjian.credit.entity.listed.v1" and e["data"]["uscc"] == uscc
            ),
        )
        # Stored only because it matched docs/asyncapi.yaml; nothing was rejected.
        assert consumer.rejected == 0
        assert event["data"]["decision_number"] == LISTING["decision_number"]
        assert event["data"]["authority"] == "620722"

        # Inside the platform: the profile shows the listing, the annual plan ranks it higher.
        wait_until(
            lambda: read(minle, f"/api/v1/enterprises/{uscc}")["credit_status"] == "untrustworthy",
            message="the registry to mark the listed enterprise",
        )
        wait_until(
            lambda: (
                plan_priority(minle, uscc) == unlisted_priority + PRIORITY_WEIGHTS["untrustworthy"]
            ),
            message="the annual plan to rank the listed enterprise higher",
        )

        public = anonymous.get("/api/v1/public/untrustworthy", params={"uscc": uscc})
        assert public.status_code == 200, public.text
        (shown,) = public.json()["items"]
        assert shown["unit_name"] == site["name"] and "steps" not in shown

        too_early = minle.post(
            f"/api/v1/credit/cases/{case['id']}/repair",
            json={"step": "apply", "reasons": "已完成整改"},
        )
        assert_problem(too_early, 409, "conflict")
        assert read(minle, f"/api/v1/credit/cases/{case['id']}")["status"] == "published"

        credit_clock(20 + 400)  # more than 12 months after the decision
        move(minle, case["id"], "repair", {"step": "apply", "reasons": "已完成整改"})
        removed = move(minle, case["id"], "repair", {"step": "approve", "reasons": "符合修复条件"})
        assert removed["status"] == "removed" and not removed["listed"]

        gone = received(
            consumer,
            lambda e: (
                e["type"] == "cn.anjian.credit.entity.removed.v1" and e["data"]["uscc"] == uscc
            ),
        )
        assert gone["data"]["reason"] == "repaired"
        after = anonymous.get("/api/v1/public/untrustworthy", params={"uscc": uscc})
        assert after.status_code == 200 and after.json()["items"] == []
        wait_until(
            lambda: read(minle, f"/api/v1/enterprises/{uscc}")["credit_status"] == "clear",
            message="the registry to clear the removed listing",
        )

    def counted(year):
        return read(minle, f"/api/v1/indicators/credit?region=620722&year={year}")

    listed_year, removed_year = int(event["data"]["term_start"][:4]), int(gone["time"][:4])
    wait_until(lambda: counted(listed_year)["listed"] >= 1, message="the listing counted")
    wait_until(lambda: counted(removed_year)["removed_repaired"] >= 1, message="removal counted")


def test_an_accident_raised_to_major_by_a_supplement_opens_a_candidate(sign_in):
    minle = sign_in("minle")
    site = known_enterprise(minle)
    reported = minle.post("/api/v1/accidents", json=accident(site["uscc"], deaths=1))
    assert reported.status_code == 201, reported.text
    supplement = minle.post(
        f"/api/v1/accidents/{reported.json()['id']}/supplements",
        json={"deaths": 11, "reason": "遇难人数核实"},
    )
    assert supplement.status_code == 201, supplement.text
    assert supplement.json()["grade"] == "major"
    case = candidate_for(minle, site["uscc"])
    assert case["triggers"][0]["id"] == reported.json()["id"]


def test_a_listing_leaves_at_the_end_of_its_term_and_a_replay_is_stored_once(
    sign_in, settings, credit_clock, tmp_path
):
    minle, admin = sign_in("minle"), sign_in("admin")
    site = known_enterprise(minle)
    body = {
        "uscc": site["uscc"],
        "rule": "other_by_law",
        "legal_basis": "应急管理部令第11号第五条第（八）项",
        "records": ["民应急罚〔2026〕21号"],
    }
    with platform_consumer(settings.amqp_uri, tmp_path) as consumer:
        case = opened_by_hand(minle, body)
        move(minle, case["id"], "notice", NOTICE)
        move(minle, case["id"], "representation", {"text": "无异议"})
        move(minle, case["id"], "decision", LISTING)
        move(minle, case["id"], "publication", {"measures": ["industry_ban"]})
        listed = received(
            consumer,
            lambda e: (
                e["type"] == "cn.anjian.credit.entity.listed.v1"
                and e["data"]["uscc"] == site["uscc"]
            ),
        )

        now = datetime.now(timezone.utc)
        window = {
            "since": (now - timedelta(hours=1)).isoformat(),
            "until": (now + timedelta(hours=1)).isoformat(),
        }

        def replayed():
            reply = admin.post("/api/v1/credit/public-events/replay", json=window)
            assert reply.status_code == 200, reply.text
            return reply.json()["replayed"]

        # The service keeps its public events as its own handler hears them: soon after.
        wait_until(replayed, message="a replay of the listing")
        consumer.run(idle_seconds=2)
        ids = [event["id"] for event in consumer.stored()]
        assert ids.count(listed["id"]) == 1 and len(ids) == len(set(ids))
        assert consumer.rejected == 0

        credit_clock(3 * 366 + 2)  # past the three-year term; the timer looks at start
        expired = received(
            consumer,
            lambda e: (
                e["type"] == "cn.anjian.credit.entity.removed.v1"
                and e["data"]["uscc"] == site["uscc"]
            ),
            timeout=60,
        )
        assert expired["data"]["reason"] == "expired"
        assert read(minle, f"/api/v1/credit/cases/{case['id']}")["status"] == "removed"
