"""scan_p99_vs_raw_rpc: the scan at a confined-space entrance through the gateway versus the same
scan as a raw nameko RPC round trip to the permits service.

A scan is what a worker waits for at the entrance: the gateway authenticates, the permits service
checks the signed token, reads the space, the live permit and its people's competency, stores the
scan with its event and answers. The baseline sends the same scan straight over RPC with the
same number of threads, in the same run, so the ratio is what the HTTP layer adds at the tail;
the smallest RPC there is (`health`, one database ping) is shown beside it for scale. The sides
take turns in short rounds so all see the same load from the rest of the machine.
"""

import statistics
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import requests
from nameko.standalone.rpc import ClusterRpcProxy

import services.kit.runtime  # noqa: F401  (domain errors cross RPC as themselves)
from bench.figures import Figure
from bench.platform import BenchError, run_load
from tools import demo
from tools.volume import COUNTIES, create_payloads

NAME = "scan_p99_vs_raw_rpc"
TARGET = 2.0
CONCURRENCY = 4
ROUNDS = 6
WARMUP_CALLS = 20
# Serials far from the other figures', so they never register the same enterprise.
FIRST_SERIAL = 950_000
READY_SECONDS = 90


class Bench:
    """The bench regulator's signed-in session and the calls that set the scene."""

    def __init__(self, platform):
        self.platform = platform
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {platform.sign_in()}"

    def call(self, method, path, expected=(200, 201), **kwargs):
        reply = self.session.request(method, self.platform.url + path, timeout=60, **kwargs)
        if reply.status_code not in expected:
            raise BenchError(f"{method} {path}: {reply.status_code} {reply.text[:500]}")
        return reply.json()

    def wait(self, what, condition):
        deadline = time.monotonic() + READY_SECONDS
        while not condition():
            if time.monotonic() > deadline:
                raise BenchError(f"{what} did not happen within {READY_SECONDS} s")
            time.sleep(0.5)


def _site(platform):
    """An enterprise of 民乐县 with a trained crew and work under way in a space with H2S risk:
    the body of a scan at its entrance (an allowing one, as at every entry during the work)."""
    bench = Bench(platform)
    enterprise = next(
        payload
        for payload in create_payloads(len(COUNTIES), FIRST_SERIAL)
        if payload["region_code"] == "620722"
    )
    uscc = enterprise["uscc"]
    bench.call("POST", "/api/v1/enterprises", json=enterprise)
    bench.wait(
        "the permits and training services to learn of the enterprise",
        lambda: (
            bench.session.get(
                platform.url + "/api/v1/confined-spaces/labels.pdf",
                params={"uscc": uscc},
                timeout=60,
            ).status_code
            == 200
            and bench.session.get(
                platform.url + "/api/v1/persons", params={"uscc": uscc}, timeout=60
            ).status_code
            == 200
        ),
    )
    crew = [
        bench.call("POST", "/api/v1/persons", json=body)["id"]
        for body in demo.confined_space_crew(enterprise)
    ]
    session = bench.call(
        "POST",
        "/api/v1/training-sessions",
        json={
            "uscc": uscc,
            "topic": "有限空间作业专项培训",
            "kind": "confined_space_annual",
            "held_on": datetime.now(timezone.utc).date().isoformat(),
            "hours": 8,
            "trainer": "市安全生产培训中心",
            "participants": crew,
        },
    )
    bench.call(
        "POST",
        f"/api/v1/training-sessions/{session['id']}/results",
        json={"results": [{"person_id": person, "result": "passed"} for person in crew]},
    )
    bench.wait(
        "the permits service to learn of the crew's training",
        lambda: (
            len(
                [
                    person
                    for person in bench.call(
                        "GET", "/api/v1/confined-space-staff", params={"uscc": uscc}
                    )["items"]
                    if all(role["valid"] for role in person["roles"])
                ]
            )
            >= len(crew)
        ),
    )
    body, _ = demo.spaces(enterprise)[0]
    space = bench.call("POST", "/api/v1/confined-spaces", json=body)
    principal, guardian, first, second, rescuer = crew
    now = datetime.now(timezone.utc)
    permit = bench.call(
        "POST",
        "/api/v1/permits",
        json={
            "space_id": space["id"],
            "purpose": "基准测试作业",
            "window_start": (now - timedelta(minutes=5)).isoformat(),
            "window_end": (now + timedelta(hours=8)).isoformat(),
            "approver": principal,
            "guardian": guardian,
            "entrants": [first, second],
            "rescuers": [rescuer],
        },
    )
    path = f"/api/v1/permits/{permit['id']}"
    for action, sent in (
        ("submit", {}),
        ("approve", {}),
        ("steps", {"step": "ventilation"}),
        ("gas-tests", demo.gas_test(body)),
        ("steps", {"step": "briefing"}),
        ("steps", {"step": "checklist", "items": [{"item": "救援器材到位", "checked": True}]}),
    ):
        bench.call("POST", f"{path}/{action}", json=sent)
    scan = {
        "token": space["scan_url"].split("token=")[1],
        "guardian": guardian,
        "entrants": [first, second],
        "device_time": now.isoformat(),
    }
    if bench.call("POST", "/api/v1/permits/scan", json=scan)["result"] != "allow":
        raise BenchError("the bench permit's scan was refused")
    return bench, scan


def _latencies(open_client, call, calls):
    """Seconds per call of `calls` calls from each of CONCURRENCY threads, one client each."""
    durations, errors = [], []
    lock = threading.Lock()

    def worker():
        try:
            with open_client() as client:
                for _ in range(WARMUP_CALLS // CONCURRENCY):
                    call(client)
                mine = []
                for _ in range(calls):
                    started = time.perf_counter()
                    call(client)
                    mine.append(time.perf_counter() - started)
            with lock:
                durations.extend(mine)
        except Exception as error:  # a failing side must not look fast
            errors.append(error)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(CONCURRENCY)]
    run_load(threads, errors)
    return durations


def _p99(durations):
    return statistics.quantiles(durations, n=100)[98]


def scan_p99_vs_raw_rpc(platform, seconds):
    bench, scan = _site(platform)

    @contextmanager
    def gateway():
        with requests.Session() as session:
            session.headers.update(bench.session.headers)
            yield session

    def scan_once(session):
        reply = session.post(platform.url + "/api/v1/permits/scan", json=scan, timeout=30)
        reply.raise_for_status()
        if reply.json()["result"] != "allow":
            raise BenchError(f"a scan was refused: {reply.text[:300]}")

    def rpc_client():
        return ClusterRpcProxy(
            platform.rpc_config(),
            timeout=platform.settings.rpc_timeout_seconds,
            context_data=platform.regulator.to_context(),
        )

    def rpc_scan(proxy):
        if proxy.permits.scan(scan)["result"] != "allow":
            raise BenchError("a scan over RPC was refused")

    sides = {
        "gateway scan": (gateway, scan_once),
        "raw rpc scan": (rpc_client, rpc_scan),
        "raw rpc health": (rpc_client, lambda proxy: proxy.permits.health()),
    }
    # Calls per thread and round: about `seconds` in all for the scans, split over the rounds.
    started = time.perf_counter()
    _latencies(*sides["gateway scan"], calls=5)
    per_call = (time.perf_counter() - started) / (5 + WARMUP_CALLS // CONCURRENCY)
    calls = max(25, int(seconds / ROUNDS / per_call))
    durations = {side: [] for side in sides}
    for _ in range(ROUNDS):
        for side, (open_client, call) in sides.items():
            durations[side] += _latencies(open_client, call, calls)
    p99 = {side: _p99(values) for side, values in durations.items()}
    median = {side: statistics.median(values) for side, values in durations.items()}
    details = [
        f"{side}: p99 {p99[side] * 1000:.1f} ms, median {median[side] * 1000:.1f} ms "
        f"({len(durations[side])} calls)"
        for side in sides
    ]
    details.append(
        f"{CONCURRENCY} threads, {ROUNDS} alternating rounds of {calls} calls per thread; "
        "the scan allows entry to work under way and stores the scan with its event"
    )
    ratio = p99["gateway scan"] / p99["raw rpc scan"]
    return Figure(NAME, f"{ratio:.2f}", f"<= {TARGET}", details)
