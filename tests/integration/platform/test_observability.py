"""What an operations team reads: each process's Prometheus metrics on its own port, and one
correlation id per request from the gateway's `X-Request-Id` to the events the request causes."""

import secrets

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.support.api import known_enterprise
from tests.support.credit import candidate_for
from tests.support.events import EventTap
from tests.support.factories import accident, enterprise
from tests.support.waiting import wait_until

REGISTERED = "cn.anjian.registry.enterprise.registered.v1"


def scrape(settings, component):
    """{(sample name, sorted labels): value} from the metrics port of `component`."""
    url = f"http://127.0.0.1:{settings.metrics_port_of(component)}/metrics"
    text = requests.get(url, timeout=10).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples, name, **labels):
    """The sum of the samples called `name` whose labels include `labels` (0 when none)."""
    return sum(
        found
        for (sample, sample_labels), found in samples.items()
        if sample == name and labels.items() <= dict(sample_labels).items()
    )


@pytest.fixture
def tap(broker):
    listening = EventTap(broker.amqp_uri, "anjian.events", REGISTERED)
    yield listening
    listening.close()


def test_an_rpc_shows_in_the_histograms_of_the_service_and_the_gateway(settings, sign_in):
    minle = sign_in("minle")
    before = scrape(settings, "registry")
    assert minle.get("/api/v1/enterprises").status_code == 200
    method = {"service": "registry", "method": "list", "outcome": "ok"}
    counted = value(before, "anjian_rpc_seconds_count", **method) + 1
    # A worker is timed once its reply is on its way: the count may follow the answer closely.
    registry = wait_until(
        lambda: (
            (found := scrape(settings, "registry"))
            and value(found, "anjian_rpc_seconds_count", **method) == counted
            and found
        ),
        message="the registry to count the request",
    )
    assert value(registry, "anjian_rpc_seconds_bucket", le="+Inf", **method) >= 1
    gateway = scrape(settings, "gateway")
    assert value(gateway, "anjian_rpc_client_seconds_count", **method) >= 1
    assert (
        value(
            gateway,
            "anjian_http_request_seconds_count",
            route="/api/v1/enterprises",
            method="GET",
            status="200",
        )
        >= 1
    )


def test_a_service_reports_its_queues_outbox_and_the_events_it_handled(settings, sign_in):
    handled = {"service": "inspection", "type": REGISTERED, "outcome": "handled"}
    before = value(scrape(settings, "inspection"), "anjian_events_total", **handled)
    assert sign_in("minle").post("/api/v1/enterprises", json=enterprise()).status_code == 201
    wait_until(
        lambda: value(scrape(settings, "inspection"), "anjian_events_total", **handled) > before,
        message="inspection to count the registration it handled",
    )
    registry = scrape(settings, "registry")
    ready = (("queue", "rpc-registry"), ("service", "registry"), ("state", "ready"))
    assert ("anjian_queue_messages", ready) in registry
    # A queue of a service's own, not an RPC or event queue: the sensors' readings.
    readings = (("queue", "monitoring.readings"), ("service", "monitoring"), ("state", "ready"))
    assert ("anjian_queue_messages", readings) in scrape(settings, "monitoring")
    assert value(registry, "anjian_outbox_backlog", service="registry") >= 0
    assert ("anjian_outbox_oldest_pending_seconds", (("service", "registry"),)) in registry
    assert value(registry, "anjian_workers_max", service="registry") > 0
    # Known from a periodic job's second run on (the outbox relay's, every 2 s).
    wait_until(
        lambda: (
            value(scrape(settings, "registry"), "anjian_timer_seconds_count") >= 2
            and any(name == "anjian_timer_lag_seconds" for name, _ in scrape(settings, "registry"))
        ),
        message="the registry's timers to report their lag",
    )


def test_a_request_id_comes_back_and_rides_on_the_event_the_request_caused(sign_in, tap):
    minle = sign_in("minle")
    request_id = "test-" + secrets.token_hex(8)
    body = enterprise()
    reply = minle.post("/api/v1/enterprises", json=body, headers={"X-Request-Id": request_id})
    assert reply.status_code == 201, reply.text
    assert reply.headers["X-Request-Id"] == request_id
    event = tap.wait_for(lambda event: event["subject"] == body["uscc"])
    assert event["correlationid"] == request_id


def test_the_id_travels_on_through_a_handler_to_the_events_that_handler_causes(broker, sign_in):
    """An accident reported with an id: inspection's event carries it, and so does the case the
    credit service opens when it handles that event."""
    minle = sign_in("minle")
    uscc = known_enterprise(minle)["uscc"]
    request_id = "test-" + secrets.token_hex(8)
    cases = EventTap(broker.amqp_uri, "anjian.events", "cn.anjian.credit.case.#")
    try:
        reply = minle.post(
            "/api/v1/accidents",
            json=accident(uscc, deaths=12),
            headers={"X-Request-Id": request_id},
        )
        assert reply.status_code == 201, reply.text
        case = candidate_for(minle, uscc)
        opened = cases.wait_for(lambda event: event["subject"] == case["id"])
    finally:
        cases.close()
    assert opened["correlationid"] == request_id


def test_a_request_without_an_id_or_with_an_unusable_one_gets_a_new_one(sign_in):
    minle = sign_in("minle")
    made = minle.get("/api/v1/enterprises").headers["X-Request-Id"]
    assert len(made) == 32
    replaced = minle.get("/api/v1/enterprises", headers={"X-Request-Id": "bad id {}"})
    assert replaced.headers["X-Request-Id"] not in ("bad id {}", made)


def test_a_service_answers_its_probes_beside_its_metrics(settings, platform):
    base = f"http://127.0.0.1:{settings.metrics_port_of('training')}"
    assert requests.get(base + "/healthz", timeout=10).text == "alive"
    ready = requests.get(base + "/readyz", timeout=10)
    assert (ready.status_code, ready.text) == (200, "ready")
