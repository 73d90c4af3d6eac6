"""Two copies of every service against one deployment: they share each queue as competing
consumers, each timer's turn runs in one of them, nothing counts twice, and a copy killed
mid-work loses nothing (its unacknowledged messages go to the other)."""

import subprocess
import sys
import time

import pytest
import requests

from services import SERVICE_NAMES
from tests.support.api import PASSWORD, import_enterprises, signing_in
from tests.support.factories import china_today
from tests.support.platform import databases, platform_settings
from tests.support.waiting import wait_until
from tools.cli import add_account
from tools.isolated import ROOT, Components, VirtualHost, environment

pytestmark = pytest.mark.slow

COUNTY = "620723"
YEAR = china_today().year


@pytest.fixture(scope="module")
def doubled(infrastructure, tmp_path_factory):
    """A private platform whose every service runs as two processes."""
    vhost = VirtualHost(infrastructure["amqp_uri"], infrastructure["management_url"], "copies")
    vhost.create()
    settings = platform_settings(
        infrastructure,
        vhost.amqp_uri,
        tmp_path_factory.mktemp("copies"),
        escalation_check_seconds=5,
    )
    platform = Components(settings)
    with databases(settings):
        try:
            for service in SERVICE_NAMES:
                platform.start(service)
                platform.start(service, copy=2)
            platform.start("gateway")
            platform.wait_ready()
            add_account(settings, "linze", PASSWORD, "regulator", COUNTY)
            yield platform, vhost, signing_in(platform.url)("linze")
        finally:
            platform.stop_all()
            vhost.delete()


def consumers(vhost, name):
    """How many consumers the broker counts on a queue (its statistics come a moment late)."""
    reply = requests.get(vhost.url(f"queues/{vhost.vhost}/{name}"), auth=vhost.auth, timeout=10)
    reply.raise_for_status()
    return reply.json().get("consumers", 0)


def open_enterprises(api):
    answer = api.get("/api/v1/indicators/inspection", params={"region": COUNTY, "year": YEAR})
    assert answer.status_code == 200, answer.text
    return answer.json()["dual_prevention"]["denominator"]


def test_every_queue_of_every_service_has_both_copies_consuming(doubled):
    _, vhost, _ = doubled

    def single():
        queues = requests.get(vhost.url(f"queues/{vhost.vhost}"), auth=vhost.auth, timeout=10)
        return [
            (found["name"], found.get("consumers", 0))
            for found in queues.json()
            if found["name"].startswith(("rpc-", "evt-")) and found.get("consumers", 0) != 2
        ]

    wait_until(lambda: not single(), timeout=30, message="two consumers on every queue")
    for service in SERVICE_NAMES:
        assert consumers(vhost, f"rpc-{service}") == 2, service


def test_each_timer_turn_is_taken_by_one_copy(doubled, mongo):
    """The escalation check runs every five seconds here. Each copy ticks every five seconds
    too: without the claim there would be two turns per interval, with it one."""
    platform, _, _ = doubled
    turns = mongo[platform.settings.database("inspection")].timer_turns
    seen = set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        turn = turns.find_one({"_id": "escalate_overdue"})
        if turn:
            seen.add((turn["holder"], turn["until"]))
        time.sleep(0.25)
    assert 3 <= len(seen) <= 30 / 5 + 1, sorted(seen, key=lambda turn: turn[1])


def test_a_copy_killed_mid_work_loses_and_repeats_nothing(doubled):
    platform, _, linze = doubled
    before = open_enterprises(linze)
    produced = 300
    import_enterprises(linze, COUNTY, produced)
    # While the enterprises' events are being handled, one inspection copy dies.
    time.sleep(1)
    platform.stop("inspection-2", kill=True)
    try:
        counted = wait_until(
            lambda: (count := open_enterprises(linze) - before) >= produced and count,
            timeout=180,
            message="the surviving copy to handle every event",
        )
        time.sleep(3)
        assert counted == produced
        assert open_enterprises(linze) - before == produced
    finally:
        platform.start("inspection", copy=2)


def test_anjian_serve_starts_the_copies_asked_for(doubled):
    platform, vhost, _ = doubled
    env = environment(platform.settings)
    env["ANJIAN_METRICS_PORT"] = "0"
    served = subprocess.Popen(
        [sys.executable, "-m", "tools.cli", "serve", "credit", "--copies", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(
            lambda: consumers(vhost, "rpc-credit") == 4,
            timeout=60,
            message="two more copies of credit to consume its queue",
        )
    finally:
        served.terminate()
        served.wait(timeout=30)
    wait_until(
        lambda: consumers(vhost, "rpc-credit") == 2,
        timeout=30,
        message="both copies to stop with the command",
    )
