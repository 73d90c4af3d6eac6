"""JSON log lines naming the request they belong to, the correlation id on the workers and events
a request causes, each worker timed, and the metrics port of each process."""

import io
import json
import logging
from contextvars import copy_context
from types import SimpleNamespace

import pytest
from nameko.rpc import Rpc
from prometheus_client import REGISTRY

from services import SERVICE_NAMES
from services.kit import correlation, logs, runtime
from services.kit.config import Settings
from services.kit.metrics import Instrumentation, _queue_of
from services.kit.runtime import ClaimedTimer


def logged(message, *args, exc_info=None, correlation_id=None):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter("registry"))
    logger = logging.getLogger("test.logs")
    logger.handlers[:] = [handler]
    logger.propagate = False

    def emit():
        if correlation_id:
            correlation.bind(correlation_id)
        logger.warning(message, *args, exc_info=exc_info)

    copy_context().run(emit)
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_log_line_is_one_json_object_with_the_request_s_correlation_id():
    [line] = logged("event %s failed: %s", "e-1", "无法连接", correlation_id="req-42")
    assert line["message"] == "event e-1 failed: 无法连接"
    assert line["correlation_id"] == "req-42"
    assert line["component"] == "registry"
    assert line["level"] == "WARNING" and line["logger"] == "test.logs"
    assert line["time"].endswith("+00:00")


def test_a_line_outside_any_request_has_no_correlation_id_and_a_traceback_stays_in_its_line():
    try:
        raise ValueError("bad\nvalue")
    except ValueError as error:
        [line] = logged("failed", exc_info=(type(error), error, error.__traceback__))
    assert "correlation_id" not in line
    assert line["exception"].splitlines()[-1] == "value"
    assert "ValueError: bad" in line["exception"]


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("req-42", True),
        ("7f9c2ba4-e88f-11ee-8c90-0242ac120002", True),
        ("", False),
        (None, False),
        ("two words", False),
        ('{"injected": 1}', False),
        ("x" * 129, False),
    ],
)
def test_an_id_from_outside_is_kept_only_when_short_and_plain(given, kept):
    made = correlation.accepted_or_new(given)
    assert (made == given) is kept
    assert correlation.ACCEPTED.match(made)


def test_events_carry_the_current_correlation_id_and_a_replayed_event_keeps_its_own():
    fresh = {"id": "1", "type": "t"}
    replayed = {"id": "2", "type": "t", "correlationid": "first-request"}

    def within_request():
        correlation.bind("req-7")
        return correlation.stamped([fresh, replayed])

    assert copy_context().run(within_request) == [
        {**fresh, "correlationid": "req-7"},
        replayed,
    ]
    assert copy_context().run(correlation.stamped, [fresh]) == [fresh]


def test_each_process_has_its_own_metrics_port_from_one_base():
    settings = Settings(metrics_port=9500)
    ports = [settings.metrics_port_of(name) for name in ("gateway", *SERVICE_NAMES)]
    assert ports == list(range(9500, 9500 + 1 + len(SERVICE_NAMES)))
    assert settings.metrics_port_of("a-test-service") is None
    assert Settings(metrics_port=0).metrics_port_of("gateway") is None


def queue(name):
    return SimpleNamespace(name=name)


def test_a_service_s_queues_are_those_its_entrypoints_consume():
    """Taken from the entrypoints, not guessed from names: a queue of the service's own, such
    as monitoring's readings, counts too."""
    rpc = SimpleNamespace(rpc_consumer=SimpleNamespace(queue=queue("rpc-inspection")))
    handler = SimpleNamespace(
        queue=queue(
            "evt-registry-cn.anjian.registry.enterprise.registered.v1--inspection.handle_registered"
        )
    )
    readings = SimpleNamespace(queue=queue("monitoring.readings"))
    timer = SimpleNamespace()
    assert [
        getattr(_queue_of(entrypoint), "name", None)
        for entrypoint in (rpc, handler, readings, timer)
    ] == [
        "rpc-inspection",
        "evt-registry-cn.anjian.registry.enterprise.registered.v1--inspection.handle_registered",
        "monitoring.readings",
        None,
    ]


class Container:
    """What a nameko container shows its dependency providers, for one in a unit test."""

    service_name = "registry"
    config = Settings(metrics_port=0).nameko_config()
    max_workers = 10
    dependencies = ()


class Worker:
    """A worker's context as providers see it: its context data and its entrypoint."""

    def __init__(self, data, entrypoint):
        self.data = data
        self.entrypoint = entrypoint


def entrypoint(kind, method_name, **kwargs):
    made = kind(**kwargs)
    made.method_name = method_name
    return made


@pytest.fixture
def instruments():
    container = Container()  # a provider holds its container weakly
    provider = Instrumentation().bind(container, "instruments")
    provider.setup()
    yield provider
    del container


def test_a_worker_runs_under_its_caller_s_correlation_id_and_is_timed_by_method(instruments):
    worker = Worker({"correlation_id": "req-9"}, entrypoint(Rpc, "unit_test_method"))
    counted = {"service": "registry", "method": "unit_test_method", "outcome": "ok"}
    before = REGISTRY.get_sample_value("anjian_rpc_seconds_count", counted) or 0

    def work():
        instruments.worker_setup(worker)
        inside = correlation.current()
        instruments.worker_result(worker, result={})
        instruments.worker_teardown(worker)
        return inside, correlation.current()

    assert copy_context().run(work) == ("req-9", None)
    assert REGISTRY.get_sample_value("anjian_rpc_seconds_count", counted) == before + 1


def test_a_periodic_job_s_lag_is_how_much_later_than_its_interval_it_started(
    instruments, monkeypatch
):
    timer = entrypoint(ClaimedTimer, "unit_test_timer", interval=2)
    # Measured at every tick, this copy's turn or another's.
    monkeypatch.setattr(timer, "_claimed", lambda: False)
    for now in (100.0, 103.5):
        monkeypatch.setattr(runtime.time, "monotonic", lambda now=now: now)
        timer.handle_timer_tick()
        timer.worker_complete.reset()
    tick = Worker({}, timer)
    instruments.worker_setup(tick)
    instruments.worker_teardown(tick)
    labels = {"service": "registry", "timer": "unit_test_timer"}
    assert REGISTRY.get_sample_value("anjian_timer_lag_seconds", labels) == 1.5
