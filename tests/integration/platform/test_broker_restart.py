"""The broker crashes mid-burst and comes back: nothing answered is lost or doubled, every service
consumes again on its own, and a service process that dies is started again by the supervisor.

The whole platform runs as `anjian up` runs it (every component under supervisord) against a
private RabbitMQ node, which the test kills with SIGKILL and starts again on the same data.
"""

import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from services import COMPONENTS, SERVICE_NAMES
from services.kit.outbox import PUBLIC_EXCHANGE
from tests.support.api import PASSWORD, signing_in, wait_until_inspection_knows
from tests.support.events import EventTap
from tests.support.factories import SECOND_OFFICER, enterprise
from tests.support.platform import databases, platform_settings
from tests.support.rabbitmq import private_broker  # noqa: F401 (this module's broker)
from tests.support.waiting import wait_until
from tools.cli import add_account
from tools.isolated import environment, wait_until_ready
from tools.supervision import Supervisor

pytestmark = pytest.mark.slow  # a private broker and a supervised platform, killed and restarted

CLIENTS = 3
INSPECTIONS_PER_CLIENT = 6
RPC_TIMEOUT = 10
# What the issue promises, in seconds.
SERVICES_BACK = 30
PROCESS_BACK = 10
FAST_ANSWER = 1.0
REGISTERED = "cn.anjian.registry.enterprise.registered.v1"
COMPLETED = "cn.anjian.inspection.inspection.completed.v1"
HAZARD_REPORTED = "cn.anjian.inspection.hazard.reported.v1"


@pytest.fixture(scope="module")
def settings(infrastructure, broker, tmp_path_factory):
    return platform_settings(
        infrastructure,
        broker.amqp_uri,
        tmp_path_factory.mktemp("supervised"),
        rpc_timeout_seconds=RPC_TIMEOUT,
    )


@pytest.fixture(scope="module")
def supervised(settings):
    supervisor = Supervisor(COMPONENTS, settings.data_dir, Path(settings.data_dir) / "log")
    supervisor.start(attached=True, env=environment(settings))
    supervisor.url = f"http://{settings.gateway_host}:{settings.gateway_port}"
    try:
        wait_until_ready(supervisor.url, supervisor.check, 120)
        yield supervisor
    finally:
        supervisor.stop()


@pytest.fixture(scope="module")
def mongo(settings):
    with databases(settings) as client:
        yield client


@pytest.fixture(scope="module")
def clients(supervised, settings):
    add_account(settings, "minle", PASSWORD, "regulator", "620722")
    add_account(settings, "inspector-minle", PASSWORD, "inspector", "620722")

    signed_in = signing_in(supervised.url)
    return signed_in("minle"), signed_in("inspector-minle")


def open_inspections(regulator, inspector, count):
    """Inspections with one finding each, ready to be completed (which reports the hazard)."""
    firms = [enterprise() for _ in range(count)]
    for firm in firms:
        assert regulator.post("/api/v1/enterprises", json=firm).status_code == 201
    visits = []
    for firm in firms:
        wait_until_inspection_knows(regulator, firm["uscc"], timeout=60)
        opened = inspector.post(
            "/api/v1/inspections",
            json={
                "uscc": firm["uscc"],
                "mode": "routine",
                "place": "车间",
                "content": "日常检查",
                "inspectors": [SECOND_OFFICER],
            },
        )
        assert opened.status_code == 201, opened.text
        visit = opened.json()["id"]
        reply = inspector.post(
            f"/api/v1/inspections/{visit}/findings",
            json={"description": "安全警示标志缺失", "deadline": "2099-01-01"},
        )
        assert reply.status_code == 201, reply.text
        visits.append(visit)
    return visits


class Burst:
    """Clients registering enterprises and completing inspections until told to stop."""

    def __init__(self, regulator, inspector, visits):
        self.regulator, self.inspector = regulator, inspector
        self.visits = visits
        self.answers = []  # (kind, key, status, started, finished)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self._client, args=(visits[index::CLIENTS],), daemon=True)
            for index in range(CLIENTS)
        ]

    def _timed(self, kind, key, send):
        started = time.monotonic()
        try:
            status = send().status_code
        except requests.RequestException:
            status = None  # no answer at all: counted as hanging
        with self.lock:
            self.answers.append((kind, key, status, started, time.monotonic()))
        return status

    def _client(self, visits):
        pending = list(visits)
        while not self.stopping.is_set():
            firm = enterprise()
            self._timed(
                "registration",
                firm["uscc"],
                lambda firm=firm: self.regulator.post("/api/v1/enterprises", json=firm),
            )
            if pending:
                visit = pending[0]
                status = self._timed(
                    "completion",
                    visit,
                    lambda visit=visit: self.inspector.post(
                        f"/api/v1/inspections/{visit}/complete",
                        json={"handling": "责令限期整改", "signature": "张伟"},
                    ),
                )
                if status is not None and status < 500:
                    pending.pop(0)

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=RPC_TIMEOUT * 3)

    def answered(self, condition):
        with self.lock:
            return [answer for answer in self.answers if condition(answer)]


def ready(url):
    try:
        return requests.get(url + "/readyz", timeout=10).status_code == 200
    except requests.RequestException:
        return False


def test_broker_killed_mid_burst(broker, supervised, clients, mongo, settings):
    regulator, inspector = clients
    visits = open_inspections(regulator, inspector, CLIENTS * INSPECTIONS_PER_CLIENT)
    tap = EventTap(broker.amqp_uri, PUBLIC_EXCHANGE, "#", durable=True)
    pids = {service: supervised.pid(service) for service in SERVICE_NAMES}
    burst = Burst(regulator, inspector, visits)
    burst.start()
    wait_until(
        lambda: len(burst.answered(lambda a: a[2] and a[2] < 300)) >= 2 * CLIENTS,
        timeout=60,
        message="the burst to get going",
    )
    broker.kill()
    killed = time.monotonic()
    wait_until(
        lambda: burst.answered(lambda a: a[3] > killed + 1 and a[2] == 503),
        timeout=30,
        message="503 answers during the outage",
    )
    broker.start()
    back = time.monotonic()
    wait_until(
        lambda: ready(supervised.url),
        timeout=SERVICES_BACK,
        interval=0.2,
        message="every service to answer after the broker's return",
    )
    services_back = time.monotonic() - back
    wait_until(
        lambda: burst.answered(lambda a: a[3] > back + services_back and a[2] < 300),
        timeout=30,
        message="requests to succeed after recovery",
    )
    burst.stop()

    # Nobody restarted a service: the same processes ride out the outage.
    assert {service: supervised.pid(service) for service in SERVICE_NAMES} == pids
    answers = burst.answered(lambda a: True)
    assert all(status is not None for _, _, status, _, _ in answers)
    longest = max(finished - started for _, _, _, started, finished in answers)
    assert longest <= RPC_TIMEOUT + 2
    during = [
        finished - started
        for _, _, status, started, finished in answers
        if status == 503 and started > killed + 1 and finished < back
    ]
    assert during and max(during) <= FAST_ANSWER, during
    recovered = sorted(burst.answered(lambda a: a[3] > back + services_back), key=lambda a: a[3])
    assert all(status < 300 for _, _, status, _, _ in recovered[:CLIENTS]), recovered[:CLIENTS]

    before = burst.answered(lambda a: a[4] < killed and a[2] < 300)
    expected = Counter()
    for kind, key, _, _, _ in before:
        expected[(REGISTERED, key) if kind == "registration" else (COMPLETED, key)] = 1

    def delivered():
        """Events seen so far, counted by (type, what they are about)."""
        counts = Counter()
        for event in tap.drain():
            about = (
                event["data"]["inspection_id"] if event["type"] == COMPLETED else event["subject"]
            )
            counts[(event["type"], about)] += 1
        return counts

    def hazards_reported():
        """A completion answered before the kill reports each hazard it created, once."""
        return {
            (HAZARD_REPORTED, hazard): 1
            for event in tap.seen
            if event["type"] == COMPLETED
            and (COMPLETED, event["data"]["inspection_id"]) in expected
            for hazard in event["data"]["hazard_ids"]
        }

    wait_until(
        lambda: all(delivered()[key] >= 1 for key in expected),
        timeout=60,
        interval=1,
        message="every event answered before the kill to arrive",
    )
    expected.update(hazards_reported())
    # Once every pointer is settled no relay can publish anything again.
    wait_until(
        lambda: (
            not any(
                mongo[settings.database(service)].outbox_pending.find_one()
                for service in SERVICE_NAMES
            )
        ),
        timeout=60,
        interval=1,
        message="the outbox relays to settle",
    )
    counts = delivered()
    assert {key: counts[key] for key in expected} == expected
    tap.close()
    print(
        f"\nbroker down {back - killed:.1f}s; every service ready {services_back:.1f}s after "
        f"its return; {len(before)} answered before the kill; 503s during the outage in at most "
        f"{max(during):.2f}s; longest request {longest:.1f}s"
    )


def test_a_killed_service_process_is_started_again(supervised, clients):
    regulator, _ = clients
    log = Path(supervised.log_dir) / "registry.log"
    starts = log.read_text().count("Connected to amqp")
    old = supervised.pid("registry")
    killed = time.monotonic()
    os.kill(old, signal.SIGKILL)
    wait_until(
        lambda: supervised.pid("registry") not in (0, old),
        timeout=PROCESS_BACK,
        interval=0.1,
        message="supervisord to start the registry again",
    )
    running_again = time.monotonic() - killed
    wait_until(
        lambda: log.read_text().count("Connected to amqp") > starts,
        timeout=60,
        interval=0.2,
        message="the new registry process to consume",
    )
    reply = regulator.post("/api/v1/enterprises", json=enterprise())
    assert reply.status_code == 201, reply.text
    serving_again = time.monotonic() - killed
    assert "exited: registry (terminated by SIGKILL; not expected)" in supervised.log.read_text()
    print(
        f"\nregistry running again {running_again:.1f}s after kill -9, serving after "
        f"{serving_again:.1f}s"
    )
