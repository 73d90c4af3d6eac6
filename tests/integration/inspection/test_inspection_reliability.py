"""The inspection service under failure: duplicates, a killed process, a poisoned event, and an
object store that goes away. All against the real broker, database and object store."""

import io
import os
import signal
import subprocess
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from services.kit.pure.clock import Clock
from services.kit.pure.envelope import make_event
from tests.support.api import known_enterprise
from tests.support.events import publish
from tests.support.factories import SECOND_OFFICER, enterprise, png
from tests.support.waiting import wait_until
from tools.isolated import ROOT

YEAR = Clock().today().year


def penalty_fact(county, total_yuan, **data):
    return make_event(
        service="inspection",
        entity="penalty",
        verb="decided",
        subject=uuid.uuid4().hex,
        region_code=county,
        now=datetime.now(timezone.utc),
        data={"case_id": uuid.uuid4().hex, "total_yuan": total_yuan, **data},
    )


def penalty_total(api, county):
    reply = api.get("/api/v1/indicators/inspection", params={"region": county, "year": YEAR})
    assert reply.status_code == 200, reply.text
    return reply.json()["penalties"]["total_yuan"]


def test_the_same_event_delivered_concurrently_counts_once(sign_in, broker, platform):
    admin = sign_in("admin")
    before = penalty_total(admin, "620725")
    fact = penalty_fact("620725", 1234)
    senders = [
        threading.Thread(target=publish, args=(broker.amqp_uri, "inspection.events", fact))
        for _ in range(4)
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    marker = penalty_fact("620725", 1)
    publish(broker.amqp_uri, "inspection.events", marker)
    wait_until(
        lambda: penalty_total(admin, "620725") == before + 1235,
        message="both events to be counted once",
    )
    publish(broker.amqp_uri, "inspection.events", fact)
    publish(broker.amqp_uri, "inspection.events", penalty_fact("620725", 10))
    wait_until(
        lambda: penalty_total(admin, "620725") == before + 1245,
        message="a late repeat to be skipped and a new event counted",
    )


def test_a_killed_handler_is_redelivered_and_counts_once(sign_in, broker, platform):
    admin = sign_in("admin")
    before = penalty_total(admin, "620724")
    # Queued while the service is down, so that it meets them all at once when it starts.
    facts = [penalty_fact("620724", 1) for _ in range(2000)]
    platform.stop("inspection")
    try:
        publish(broker.amqp_uri, "inspection.events", *facts)
        platform.start("inspection")
        at_kill = wait_until(
            lambda: (total := penalty_total(admin, "620724") - before) > 0 and total,
            interval=0.01,
            message="handling to begin",
        )
        platform.stop("inspection", kill=True)
    finally:
        if "inspection" not in platform.processes:
            platform.start("inspection")
        wait_until(platform.ready, timeout=60, interval=0.5, message="inspection to restart")
    assert at_kill < len(facts), "every event was handled before the kill; use more events"
    wait_until(
        lambda: penalty_total(admin, "620724") - before >= len(facts),
        timeout=180,
        interval=0.5,
        message="every event to be handled after the restart",
    )
    assert penalty_total(admin, "620724") - before == len(facts)


def test_a_failing_event_is_parked_visible_to_admins_and_does_not_block(sign_in, broker):
    admin = sign_in("admin")
    before = penalty_total(admin, "620723")
    poisoned = penalty_fact("620723", 5)
    del poisoned["data"]["total_yuan"]
    publish(broker.amqp_uri, "inspection.events", poisoned)

    def parked():
        reply = admin.get("/api/v1/dead-letters/inspection")
        assert reply.status_code in (200, 503, 504), reply.text  # the service may be busy
        letters = reply.json() if reply.status_code == 200 else []
        return next((letter for letter in letters if letter["event"]["id"] == poisoned["id"]), None)

    letter = wait_until(parked, timeout=60, interval=0.5, message="the event to be parked")
    assert letter["attempts"] == 5 and "total_yuan" in letter["error"]
    assert sign_in("minle").get("/api/v1/dead-letters/inspection").status_code == 403
    publish(broker.amqp_uri, "inspection.events", penalty_fact("620723", 7))
    wait_until(
        lambda: penalty_total(admin, "620723") == before + 7, message="a later event to be counted"
    )


@pytest.fixture
def object_store_outage(infrastructure):
    """Stops the real object store for the test and brings it back afterwards."""
    if infrastructure["mode"] == "docker":
        subprocess.run(["docker", "compose", "stop", "minio"], cwd=ROOT, check=True)
    else:
        pid = int((Path(infrastructure["data_dir"]) / "run" / "minio.pid").read_text())
        os.kill(pid, signal.SIGTERM)
        wait_until(lambda: not _running(pid), message="the object store process to exit")
    wait_until(lambda: not _alive(infrastructure), message="the object store to stop")
    try:
        yield restore
    finally:
        restore(infrastructure)


def restore(infrastructure):
    if infrastructure["mode"] == "docker":
        subprocess.run(["docker", "compose", "start", "minio"], cwd=ROOT, check=True)
    else:
        subprocess.run(
            ["bash", str(ROOT / "infra" / "local" / "up.sh")], check=True, capture_output=True
        )
    wait_until(lambda: _alive(infrastructure), timeout=60, message="the object store to return")


def _running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _alive(infrastructure):
    try:
        url = f"http://{infrastructure['minio_endpoint']}/minio/health/live"
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_evidence_upload_while_the_object_store_is_down(
    sign_in, users, mongo, settings, object_store_outage, infrastructure
):
    minle = sign_in("minle")
    body = enterprise()
    assert minle.post("/api/v1/enterprises", json=body).status_code == 201
    users.create(body["uscc"], "company-pass-2", "enterprise", "620722", body["uscc"])
    company = sign_in(body["uscc"], "company-pass-2")
    evidence = mongo[settings.database("inspection")].evidence
    photo = png(7)

    reply = company.post("/api/v1/evidence", files={"file": ("a.png", io.BytesIO(photo))})
    assert reply.status_code == 503, reply.text
    assert reply.json()["code"] == "unavailable"
    assert evidence.count_documents({"uscc": body["uscc"]}) == 0

    object_store_outage(infrastructure)
    retried = wait_until(
        lambda: (
            (
                r := company.post("/api/v1/evidence", files={"file": ("a.png", io.BytesIO(photo))})
            ).status_code
            == 201
            and r
        ),
        timeout=60,
        interval=1,
        message="the same upload to succeed",
    )
    assert retried.json()["size"] == len(photo)
    assert evidence.count_documents({"uscc": body["uscc"]}) == 1


@pytest.mark.slow
def test_inspection_keeps_working_while_the_registry_is_down(sign_in, platform):
    minle, inspector = sign_in("minle"), sign_in("inspector-minle")
    body = known_enterprise(minle)
    # An inspector at work: the gateway has checked the account lately, so its word stands
    # while the registry is away (one never checked in that time is refused).
    assert inspector.get("/api/v1/inspections").status_code == 200
    platform.stop("registry")
    try:
        assert minle.get(f"/api/v1/enterprises/{body['uscc']}").status_code == 503
        visit = inspector.post(
            "/api/v1/inspections",
            json={
                "uscc": body["uscc"],
                "mode": "routine",
                "place": "仓库",
                "content": "日常检查",
                "inspectors": [SECOND_OFFICER],
            },
        )
        assert visit.status_code == 201, visit.text
        assert visit.json()["enterprise_name"] == body["name"]
    finally:
        platform.start("registry")
        wait_until(platform.ready, timeout=60, interval=0.5, message="the registry to return")
