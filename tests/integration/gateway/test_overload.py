"""A busy service refuses at once, and a request its caller gave up on is not started.

The service is the kit-only holding service (its workers wait until the test releases them), a
real process on the suite's broker and database.
"""

import dataclasses
import threading
import time

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from gateway.rpc import RpcPool
from services.kit.pure.errors import Busy, TimedOut
from services.kit.runtime import DEADLINE
from tests.support.holding import CALLER, Service, released
from tests.support.holding_service import SERVICE
from tests.support.waiting import wait_until

WORKERS = 10  # nameko's default max_workers
RPC_TIMEOUT = 60


@pytest.fixture(scope="module")
def holding_settings(settings, tmp_path_factory):
    return dataclasses.replace(
        settings, rpc_timeout_seconds=RPC_TIMEOUT, data_dir=str(tmp_path_factory.mktemp("overload"))
    )


@pytest.fixture(scope="module")
def rpc(holding_settings):
    pool = RpcPool(holding_settings)
    yield pool
    pool.close()


@pytest.fixture(scope="module")
def service(holding_settings, rpc, tmp_path_factory, mongo):
    running = Service.serving(holding_settings, tmp_path_factory.mktemp("holding-service"), rpc)
    yield running
    running.stop()
    mongo.drop_database(holding_settings.database(SERVICE))


def call_in_background(rpc, gate):
    outcome = {}

    def run():
        try:
            outcome["answer"] = rpc.call(CALLER, SERVICE, "answer", str(gate))
        except Exception as error:  # the outcome is what the test looks at
            outcome["answer"] = error
        outcome["at"] = time.monotonic()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_a_service_with_every_worker_busy_and_as_many_waiting_refuses_at_once(service, rpc):
    gates = [service.gate() for _ in range(2 * WORKERS)]
    running = [call_in_background(rpc, gate) for gate in gates[:WORKERS]]
    wait_until(
        lambda: all((gate / "started").exists() for gate in gates[:WORKERS]),
        message="every worker to be busy",
    )
    # One fewer than may wait: the service's own timer takes a worker now and then.
    waiting = [call_in_background(rpc, gate) for gate in gates[WORKERS + 1 :]]
    probes = []

    def refused_at_once():
        sent = time.monotonic()
        thread, outcome = call_in_background(rpc, gates[0])
        probes.append((thread, outcome))
        thread.join(timeout=1)
        return isinstance(outcome.get("answer"), Busy) and outcome["at"] - sent < 1

    try:
        wait_until(
            refused_at_once,
            timeout=20,
            interval=0,
            message="a request beyond the waiting ones to be refused as busy",
        )
    finally:
        for gate in gates:
            released(gate)
    for thread, outcome in running + waiting:
        thread.join(timeout=RPC_TIMEOUT)
        assert outcome["answer"] == "answered"


def test_a_request_whose_caller_already_gave_up_is_not_started(service, holding_settings):
    gate = service.gate()
    config = {"AMQP_URI": holding_settings.amqp_uri, "SERIALIZER": "json"}
    given_up = {**CALLER, DEADLINE: time.time() - 1}
    with (
        ClusterRpcProxy(config, context_data=given_up, timeout=30) as cluster,
        pytest.raises(TimedOut),
    ):
        getattr(cluster, SERVICE).answer(str(gate))
    assert not (gate / "started").exists()
