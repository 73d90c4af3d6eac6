"""Reliability of the permits service: its read model of people at the newest state however late
or often training's events arrive; two copies never start one permit twice; the gate answering
while training and the registry are down."""

import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.api import (
    SMALLEST_CREW,
    confined_space_crew,
    read,
    ready_permit,
    register,
    wait_until_permits_knows,
    wait_until_training_knows,
)
from tests.support.events import EventTap, publish
from tests.support.waiting import wait_until
from tools.isolated import Components

COMPETENCY = "cn.anjian.training.competency.changed.v1"


@pytest.fixture(scope="module")
def site(sign_in, users, broker):
    body, company = register(sign_in, users, risk_features=["confined_space"])
    wait_until_training_knows(company, body["uscc"])
    wait_until_permits_knows(company, body["uscc"])
    tap = EventTap(broker.amqp_uri, "anjian.events", COMPETENCY)
    try:
        crew = confined_space_crew(company, body["uscc"], *SMALLEST_CREW)
        tap.wait_for(
            lambda event: event["subject"] == crew[2] and event["data"]["roles"][0]["qualified"]
        )
        entrant_event = max(
            (event for event in tap.drain() if event["subject"] == crew[2]),
            key=lambda event: event["data"]["sequence"],
        )
    finally:
        tap.close()
    return body["uscc"], company, crew, entrant_event


def staff(company, uscc):
    items = read(company, f"/api/v1/confined-space-staff?uscc={uscc}&page_size=200")["items"]
    return {item["id"]: item for item in items}


def test_competency_events_late_or_twice_leave_the_newest_state(site, broker):
    uscc, company, crew, newest = site
    envelope = {
        key: value for key, value in newest.items() if key not in ("routing_key", "properties")
    }
    older = {
        **envelope,
        "id": secrets.token_hex(16),
        "data": {
            **envelope["data"],
            "sequence": envelope["data"]["sequence"] - 1,
            "roles": [{"role": "confined_space_entrant", "qualified": False, "until": None}],
        },
    }
    # A later event on the same queue, of someone else: once it is known, the others were handled.
    marker = secrets.token_hex(16)
    sentinel = {
        **envelope,
        "id": secrets.token_hex(16),
        "subject": marker,
        "data": {**envelope["data"], "person_key": secrets.token_hex(32), "sequence": 1},
    }
    publish(broker.amqp_uri, "training.events", envelope, older, envelope, sentinel)
    wait_until(lambda: marker in staff(company, uscc), message="the sentinel event to be applied")
    entrant = staff(company, uscc)[crew[2]]
    assert entrant["roles"] == [{**newest["data"]["roles"][0], "valid": True}]


@pytest.mark.slow
def test_two_copies_never_start_one_permit_twice(site, settings):
    _, company, crew, _ = site
    path, scan = ready_permit(company, *crew)
    second = Components(settings)
    second.start("permits")
    try:
        with ThreadPoolExecutor(8) as pool:
            replies = list(
                pool.map(lambda _: company.post("/api/v1/permits/scan", json=scan), range(8))
            )
    finally:
        second.stop_all()
    assert all(reply.status_code == 200 for reply in replies), [r.text for r in replies]
    assert all(reply.json()["result"] == "allow" for reply in replies)
    assert sum(reply.json()["work_started"] for reply in replies) == 1
    permit = read(company, path)
    assert permit["state"] == "in_progress" and permit["work_starts"] == 1
    assert [step["step"] for step in permit["steps"]].count("entry") == 1


@pytest.mark.slow
def test_the_gate_answers_while_training_and_the_registry_are_down(site, platform):
    _, company, crew, _ = site
    path, scan = ready_permit(company, *crew)
    platform.stop("training")
    platform.stop("registry")
    try:
        reply = company.post("/api/v1/permits/scan", json=scan)
        assert reply.status_code == 200, reply.text
        assert reply.json()["result"] == "allow" and reply.json()["work_started"]
        assert read(company, path)["state"] == "in_progress"
    finally:
        platform.start("registry")
        platform.start("training")
        platform.wait_ready()
