"""Reliability of the training service: reminders sent once by two copies of its timer, its own
events counted once however often they arrive, and the rest of the platform working while it is
down."""

import dataclasses
import secrets
from datetime import timedelta

import pytest

from services.kit.pure.clock import Clock
from tests.support.api import (
    PASSWORD,
    assert_problem,
    company_user,
    known_enterprise,
    read,
    register,
    wait_until_training_knows,
)
from tests.support.events import EventTap, publish
from tests.support.factories import certificate_body, china_today, enterprise, staff_member
from tests.support.waiting import wait_until
from tools.isolated import Components

TODAY = china_today()
REMINDER = "cn.anjian.training.reminder.issued.v1"


@pytest.fixture(scope="module")
def staffed(sign_in, users):
    body, company = register(sign_in, users)
    wait_until_training_knows(company, body["uscc"])
    return body, company


# Names of their own: other tests sign in users of the same places.
SHANDAN = f"shandan-{secrets.token_hex(3)}"


def certificate_due_soon(company):
    person = company.post("/api/v1/persons", json=staff_member()).json()
    due = TODAY + timedelta(days=20)
    reply = company.post(
        "/api/v1/certificates",
        json=certificate_body(
            person["id"],
            issued_on=(due - timedelta(days=3 * 365)).isoformat(),
            review_due_on=due.isoformat(),
        ),
    )
    assert reply.status_code == 201, reply.text
    return reply.json()


@pytest.mark.slow
def test_two_copies_of_the_timer_send_each_reminder_once(staffed, settings, mongo, broker):
    """The reminder of a certificate is forgotten as if the process had died before writing it;
    two more copies of the service, checking every second, both find it due."""
    _, company = staffed
    certificate = certificate_due_soon(company)
    database = mongo[settings.database("training")]
    database.reminders.delete_many({"certificate_id": certificate["id"]})
    tap = EventTap(broker.amqp_uri, "anjian.events", REMINDER)
    database.certificates.update_one(
        {"_id": certificate["id"]}, {"$set": {"next_check_on": TODAY.isoformat()}}
    )
    # The session's own copy, checking every few minutes, holds the turn it took at start.
    database.timer_turns.delete_many({})
    eager = dataclasses.replace(settings, reminder_check_seconds=1)
    copies = [Components(eager), Components(eager)]
    try:
        for copy in copies:
            copy.start("training")
        wait_until(
            lambda: (
                database.certificates.find_one({"_id": certificate["id"]})["next_check_on"]
                > TODAY.isoformat()
            ),
            message="a copy to check the certificate",
        )
        tap.wait_for(lambda event: event["data"].get("certificate_id") == certificate["id"])
        sent = [
            event
            for event in tap.drain(quiet_seconds=3)
            if event["data"].get("certificate_id") == certificate["id"]
        ]
    finally:
        for copy in copies:
            copy.stop_all()
        tap.close()
    assert len(sent) == 1
    assert database.reminders.count_documents({"certificate_id": certificate["id"]}) == 1


def test_an_own_event_delivered_again_is_counted_once(sign_in, users, broker):
    # 山丹县 holds no other test's people: its count moves only with this test's events.
    users.create(SHANDAN, PASSWORD, "regulator", "620725")
    body = known_enterprise(sign_in("zhangye"), region_code="620725")
    company = company_user(sign_in, users, body)
    bureau = sign_in(SHANDAN)
    wait_until_training_knows(bureau, body["uscc"])
    tap = EventTap(broker.amqp_uri, "anjian.events", "cn.anjian.training.person.standing_changed.#")

    def key_persons():
        query = f"/api/v1/indicators/training?region=620725&year={TODAY.year}"
        return read(bureau, query)["certification"]["denominator"]

    try:
        before = key_persons()
        first = company.post(
            "/api/v1/persons", json=staff_member(positions=[{"position": "safety_manager"}])
        ).json()
        changed = tap.wait_for(lambda event: event["subject"] == first["id"])
        wait_until(lambda: key_persons() == before + 1, message="the key person to count")
        envelope = {
            key: value for key, value in changed.items() if key not in ("routing_key", "properties")
        }
        publish(broker.amqp_uri, "training.events", envelope, envelope)
        # A later event on the same queue: once it counts, the copies before it were handled.
        company.post(
            "/api/v1/persons", json=staff_member(positions=[{"position": "safety_manager"}])
        )
        wait_until(lambda: key_persons() >= before + 2, message="the second key person")
        assert key_persons() == before + 2
    finally:
        tap.close()


@pytest.mark.slow
def test_with_training_down_the_registry_and_inspection_keep_working(staffed, sign_in, platform):
    _, company = staffed
    minle = sign_in("minle")
    platform.stop("training")
    try:
        registered = minle.post("/api/v1/enterprises", json=enterprise())
        assert registered.status_code == 201, registered.text
        assert minle.get("/api/v1/hazards").status_code == 200
        assert (
            minle.get(
                "/api/v1/indicators/inspection",
                params={"region": "620722", "year": Clock().today().year},
            ).status_code
            == 200
        )
        reply = company.get("/api/v1/persons")
        assert reply.status_code in (503, 504)
        assert_problem(reply, reply.status_code)
    finally:
        platform.start("training")
        platform.wait_ready()
    wait_until_training_knows(minle, registered.json()["uscc"])
