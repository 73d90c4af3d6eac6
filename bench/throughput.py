"""gateway_get_vs_rpc: reading one enterprise through the gateway versus straight over RPC.

Both sides read the same enterprises with the same number of threads, one client each, in the
same run, so the ratio shows what the HTTP layer (gunicorn, Flask, JWT, the RPC pool) costs.
The sides take turns in short rounds: on a shared machine the load from elsewhere changes from
one moment to the next, and measured back to back the two sides would each see another load.
"""

import threading
import time
from contextlib import contextmanager

import requests
from nameko.standalone.rpc import ClusterRpcProxy

import services.kit.runtime  # noqa: F401  (domain errors cross RPC as themselves)
from bench.figures import Figure
from bench.platform import BenchError, run_load
from tools.volume import create_payloads

NAME = "gateway_get_vs_rpc"
TARGET = 0.7
CONCURRENCY = 8
ENTERPRISES = 50
WARMUP_SECONDS = 2.0
ROUNDS = 8
# Later rounds only open fresh clients; the servers are warm by then.
REWARM_SECONDS = 0.3
# Serials far from the import figure's, so the two never register the same enterprise.
FIRST_SERIAL = 900_000


@contextmanager
def _signed_in_session(platform):
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {platform.sign_in()}"
        yield session


def _register(platform, payloads):
    with _signed_in_session(platform) as session:
        for payload in payloads:
            reply = session.post(platform.url + "/api/v1/enterprises", json=payload, timeout=30)
            if reply.status_code != 201:
                raise BenchError(
                    f"registering {payload['uscc']} failed: {reply.status_code} {reply.text[:500]}"
                )


class Load:
    """`concurrency` threads calling as fast as they can: warm up, then count for `seconds`."""

    def __init__(self, concurrency, warmup_seconds, seconds):
        self.concurrency = concurrency
        self.warmup_seconds = warmup_seconds
        self.seconds = seconds
        # Every thread starts counting at the same moment, once all of them are warm.
        self.counting = threading.Barrier(concurrency, action=self._start_clock)
        self.lock = threading.Lock()
        self.completed = 0
        self.failures = 0
        self.first_failure = None
        self.finished_at = 0.0

    def _start_clock(self):
        self.started_at = time.perf_counter()
        self.deadline = self.started_at + self.seconds

    def _worker(self, open_client, call, keys, offset):
        with open_client() as client:
            warm_until = time.monotonic() + self.warmup_seconds
            index = offset
            while time.monotonic() < warm_until:
                call(client, keys[index % len(keys)])
                index += 1
            self.counting.wait()
            completed = failures = 0
            first_failure = None
            while time.perf_counter() < self.deadline:
                try:
                    call(client, keys[index % len(keys)])
                    completed += 1
                except Exception as error:  # counted and shown, so a broken side cannot look fast
                    failures += 1
                    first_failure = first_failure or repr(error)
                index += 1
            with self.lock:
                self.completed += completed
                self.failures += failures
                self.first_failure = self.first_failure or first_failure
                self.finished_at = max(self.finished_at, time.perf_counter())

    def run(self, open_client, call, keys):
        """Successful calls per second over the counted period."""
        errors = []

        def guarded(offset):
            try:
                self._worker(open_client, call, keys, offset)
            except Exception as error:  # a thread that cannot even warm up fails the figure
                errors.append(error)
                self.counting.abort()

        threads = [
            threading.Thread(
                target=guarded, args=(offset * len(keys) // self.concurrency,), daemon=True
            )
            for offset in range(self.concurrency)
        ]
        run_load(threads, errors)
        if not self.completed:
            raise BenchError(f"no call succeeded; the first failure: {self.first_failure}")
        return self.completed / (self.finished_at - self.started_at)


def _gateway_get(base_url):
    def call(session, uscc):
        session.get(f"{base_url}/api/v1/enterprises/{uscc}", timeout=30).raise_for_status()

    return call


def _rpc_get(proxy, uscc):
    proxy.registry.get(uscc)


def gateway_get_vs_rpc(platform, seconds):
    payloads = create_payloads(ENTERPRISES, FIRST_SERIAL)
    _register(platform, payloads)
    usccs = [payload["uscc"] for payload in payloads]
    sides = {
        "gateway": (lambda: _signed_in_session(platform), _gateway_get(platform.url)),
        # The same timeout and caller as the gateway's own proxies.
        "raw rpc": (
            lambda: ClusterRpcProxy(
                platform.rpc_config(),
                timeout=platform.settings.rpc_timeout_seconds,
                context_data=platform.regulator.to_context(),
            ),
            _rpc_get,
        ),
    }
    loads = {side: [] for side in sides}
    for round_ in range(ROUNDS):
        for side, (open_client, call) in sides.items():
            load = Load(
                CONCURRENCY, WARMUP_SECONDS if round_ == 0 else REWARM_SECONDS, seconds / ROUNDS
            )
            load.run(open_client, call, usccs)
            loads[side].append(load)
    rates = {
        side: sum(load.completed for load in runs)
        / sum(load.finished_at - load.started_at for load in runs)
        for side, runs in loads.items()
    }
    details = [
        f"gateway: {rates['gateway']:.0f} req/s, raw rpc: {rates['raw rpc']:.0f} req/s "
        f"({CONCURRENCY} threads, {seconds:g} s each in {ROUNDS} alternating rounds, "
        f"after {WARMUP_SECONDS:g} s warm-up)"
    ]
    details += [
        f"{side}: {load.failures} failed calls, first: {load.first_failure}"
        for side, runs in loads.items()
        for load in runs
        if load.failures
    ]
    return Figure(NAME, f"{rates['gateway'] / rates['raw rpc']:.2f}", f">= {TARGET}", details)
