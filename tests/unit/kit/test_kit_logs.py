"""JSON log lines naming the request they belong to, the correlation id on the events a request
causes, and the metrics port of each process."""

import io
import json
import logging
from contextvars import copy_context

import pytest

from services import SERVICE_NAMES
from services.kit import correlation, logs
from services.kit.config import Settings
from services.kit.metrics import consumes


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


def test_a_service_s_queues_are_its_rpc_queue_and_its_handlers_queues():
    assert consumes("inspection", "rpc-inspection")
    assert consumes(
        "inspection",
        "evt-registry-cn.anjian.registry.enterprise.registered.v1--inspection.handle_registered",
    )
    assert not consumes(
        "inspection",
        "evt-inspection-cn.anjian.inspection.hazard.closed.v1--credit.handle_hazard_closed",
    )
    assert not consumes("inspection", "rpc-registry")
